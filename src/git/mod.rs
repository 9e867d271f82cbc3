//! git2 wrappers (repository facts, branches, worktrees, commits, diffs, squash merges). Pushes go
//! through the `git` CLI so the user's credential helpers and ssh config apply.

pub mod diff;
pub mod merge;
pub mod ops;
pub mod repo;
pub mod sign;

pub use repo::Workspace;
