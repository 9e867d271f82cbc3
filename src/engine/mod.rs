//! The engine: bootstrap, issue selection, the orchestrator-verified TDD loop, PRs and merges,
//! stops and decisions, resume, summaries — and the dry-run preview.

pub mod ask;
pub mod bootstrap;
pub mod checkout_check;
pub mod countdown;
pub mod decide;
pub mod dry_run;
pub mod forge_setup;
pub mod gate_stop;
pub mod issue;
pub mod metrics;
pub mod naming;
pub mod notify;
pub mod panic;
pub mod pr_body;
pub mod push;
pub mod recall;
pub mod reconcile;
pub mod resume;
pub mod reviews;
pub mod run;
pub mod run_start;
pub mod select;
pub mod session;
pub mod setup;
pub mod status;
pub mod summary;
pub mod task;
pub mod tdd;
pub mod tests_report;
pub mod worktree_setup;
