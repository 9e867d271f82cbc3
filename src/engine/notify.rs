//! Notifications from the engine (Telegram, when `notify.telegram` is configured): run start, each
//! stop that waits for a human or that autonomous mode skipped, a critical error, panic, secret
//! exposure (without the secret) and the final summary. Always redacted; a failed send is logged
//! and never stops the run.

use super::session::Session;
use crate::notify::Telegram;
use crate::safety::journal::Journal;
use crate::ui::Ui;

/// Sends `text` if a notifier is configured; failures become a warning.
pub fn send(s: &mut Session, text: &str) {
    send_with(s.ui, s.notifier.as_ref(), Some(&mut s.journal), text);
}

/// [`send`] with the parts a run has before its session exists (bootstrap): a failure is a
/// warning, and a `notify_failed` journal entry when there is a journal.
pub fn send_with(ui: &Ui, notifier: Option<&Telegram>, journal: Option<&mut Journal>, text: &str) {
    let Some(tg) = notifier else { return };
    if let Err(e) = tg.send(text) {
        tracing::warn!("telegram: {e}");
        ui.warn(format!("Telegram alert not sent: {e}"));
        if let Some(j) = journal {
            let _ = j.append("notify_failed", serde_json::json!({"error": e}));
        }
    }
}
