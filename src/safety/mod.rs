//! Safety rails: atomic files (and, as the Safety issue lands, redaction, locks, panic, journal).

pub mod atomic;
