//! Notifications sent while a run goes on unattended. Only Telegram for now
//! (`notify.telegram`); the engine decides when to send. Every message passes the redactor and a
//! failed send is an `Err` for the caller to log: a notification never stops a run.

pub mod telegram;

pub use telegram::Telegram;
