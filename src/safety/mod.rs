//! Safety rails: atomic files, the journal, redaction of every outbound sink, secret exposure
//! detection, the run lock, signals (panic, Ctrl-C), token revocation and fault injection.

pub mod atomic;
pub mod fault;
pub mod journal;
pub mod lock;
pub mod redact;
pub mod revoke;
pub mod secrets;
pub mod signals;
