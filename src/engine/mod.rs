//! The engine: issue selection, naming, the dry-run preview (and, with the Engine issue, the
//! state machine, TDD loop, review loop and stop conditions).

pub mod dry_run;
pub mod naming;
pub mod select;
pub mod setup;
