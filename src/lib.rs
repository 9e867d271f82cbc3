//! run-milestone: take a software milestone from plan to merged pull requests, with
//! orchestrator-verified TDD, a two-stage review, PRs into a milestone branch (never main), and a
//! human asked only when it matters.
//!
//! The binary (`src/main.rs`) is thin; every operation lives in these modules.

pub mod agent;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod forge;
pub mod git;
pub mod milestone;
pub mod notify;
pub mod plan;
pub mod policy;
pub mod process;
pub mod review;
pub mod safety;
pub mod ui;
