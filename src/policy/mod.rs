//! Policies: which branches are protected, and the stop conditions an issue's change is held to
//! (protected surfaces, schema migrations, new dependencies' licenses, scope, sensitive code,
//! diff size, coverage). [`evaluate`] runs them all; `docs/policy.md` describes each one.

pub mod branches;
pub mod coverage;
pub mod deps;
pub mod evaluate;
pub mod labels;
pub mod licenses;
pub mod lookup;
pub mod migrations;
pub mod scope;
pub mod size;
pub mod surfaces;

pub use evaluate::{Evaluation, HardStop, HardStopKind, PolicyInput, evaluate, holds};
