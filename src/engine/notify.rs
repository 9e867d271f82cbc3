//! Notifications from the engine (Telegram, when `notify.telegram` is configured): run start, each
//! stop that waits for a human or that autonomous mode skipped, a critical error, panic, secret
//! exposure (without the secret) and the final summary. Always redacted; a failed send is logged
//! and never stops the run.

use super::session::Session;

/// Sends `text` if a notifier is configured; failures become a warning.
pub fn send(s: &mut Session, text: &str) {
    let Some(tg) = &s.notifier else { return };
    if let Err(e) = tg.send(text) {
        tracing::warn!("telegram: {e}");
        s.ui.warn(format!("Telegram alert not sent: {e}"));
        let _ = s.journal.append("notify_failed", serde_json::json!({"error": e}));
    }
}
