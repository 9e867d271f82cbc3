//! Safety rails: atomic files, the journal, redaction (and, with the Safety issue, secret
//! scanning, locks and panic).

pub mod atomic;
pub mod journal;
pub mod redact;
