//! Safety rails: atomic files, the journal, redaction (and, with the Safety issue, secret
//! scanning, locks and panic).

pub mod atomic;
pub mod fault;
pub mod journal;
pub mod lock;
pub mod redact;
pub mod revoke;
pub mod signals;
