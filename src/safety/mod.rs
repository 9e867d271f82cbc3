//! Safety rails: atomic files, the journal, redaction of every outbound sink and secret exposure
//! detection (locks and panic come with the rest of the Safety issue).

pub mod atomic;
pub mod journal;
pub mod redact;
pub mod secrets;
