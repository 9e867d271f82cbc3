//! Integration tests: the real binary, real git repositories in temp dirs, real subprocesses.

mod agents;
mod cli;
mod common;
mod decisions;
mod dry_run;
mod engine;
mod fixtures;
mod forge_local;
mod github;
mod github_fake;
mod github_fake_git;
mod github_fake_routes;
mod github_merge;
mod github_never_main;
mod github_run;
mod plan_edit;
mod policy;
mod review;
mod reviews;
mod stops;
mod support;
