//! Integration tests: the real binary, real git repositories in temp dirs, real subprocesses.

mod agents;
mod cli;
mod common;
mod crash;
mod decisions;
mod dry_run;
mod engine;
mod engine_paths;
mod exposure;
mod fixtures;
mod forge_local;
mod notify;
mod plan_edit;
mod policy;
mod proptests;
mod review;
mod reviews;
mod safety;
mod stops;
mod support;
