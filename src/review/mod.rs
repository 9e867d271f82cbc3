//! The seed's two-stage code review of an issue's change, before its PR. Stage 1 (spec
//! compliance) and Stage 2 (code quality) each run a built-in mechanical pass (files vs the spec,
//! Verify, tests; the lint command) and then a reviewer agent whose verdict is parsed strictly:
//! an unreadable verdict fails the stage, never passes it. A reviewer that runs out of time
//! leaves the stage *pending* (neither passed nor failed) so the engine can hold the PR for a
//! human. The engine sequences the stages, prints [`StageResult::render`], builds stops from
//! [`StageResult::stop_lines`] and runs the fix loop; this module only reviews.

pub mod builtin;
mod render;
pub mod stage;
pub mod verdict;

use std::path::Path;

use crate::agent::Usage;
use crate::config::PolicyConfig;
use crate::git::diff::IssueDiff;
use crate::milestone::MilestoneId;
use crate::plan::{Issue, Spec};

pub use stage::{quality_stage, spec_stage};
pub use verdict::{parse_verdict, verdict_schema};

/// Which review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Stage 1: does the change match the issue spec? (`PASS` / `ISSUES`)
    Spec,
    /// Stage 2: is the code well written? (`APPROVED` / `ISSUES`)
    Quality,
}

impl Stage {
    pub fn number(self) -> u8 {
        match self {
            Stage::Spec => 1,
            Stage::Quality => 2,
        }
    }

    /// `Spec Compliance` / `Code Quality` (the stage headings).
    pub fn title(self) -> &'static str {
        match self {
            Stage::Spec => "Spec Compliance",
            Stage::Quality => "Code Quality",
        }
    }

    /// `Spec compliance` / `Code quality` (the stop headlines).
    pub fn label(self) -> &'static str {
        match self {
            Stage::Spec => "Spec compliance",
            Stage::Quality => "Code quality",
        }
    }

    /// The verdict word that passes the stage: `PASS` / `APPROVED`.
    pub fn pass_word(self) -> &'static str {
        match self {
            Stage::Spec => "PASS",
            Stage::Quality => "APPROVED",
        }
    }
}

/// How bad a code-quality finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Security holes, data loss, crashes, wrong behaviour.
    Critical,
    /// Everything else worth fixing (and every lint finding).
    Warning,
}

impl Severity {
    /// `CRITICAL` / `WARNING`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::Warning => "WARNING",
        }
    }

    /// `CRITICAL` or `WARNING`, any case.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_uppercase().as_str() {
            "CRITICAL" => Some(Severity::Critical),
            "WARNING" => Some(Severity::Warning),
            _ => None,
        }
    }
}

/// One thing a review found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Set for code-quality findings; spec findings have none.
    pub severity: Option<Severity>,
    /// `Missing: rate limiting (criterion #3)`, `SQL injection`.
    pub text: String,
    /// `src/api/users.py#L45`.
    pub location: Option<String>,
}

impl Finding {
    /// A finding without severity or location.
    pub fn plain(text: impl Into<String>) -> Finding {
        Finding { severity: None, text: text.into(), location: None }
    }

    /// `[CRITICAL] SQL injection — src/api/users.py#L45`, `Missing: x (Task 1: Create)`.
    pub fn render(&self) -> String {
        let mut s = match self.severity {
            Some(sev) => format!("[{}] {}", sev.name(), self.text),
            None => self.text.clone(),
        };
        if let Some(loc) = &self.location {
            s.push_str(" — ");
            s.push_str(loc);
        }
        s
    }
}

/// A reviewer's answer: `Pass` is `PASS` (Stage 1) or `APPROVED` (Stage 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Never empty.
    Issues(Vec<Finding>),
}

/// One line of a stage's report (`Files: ✓ match the spec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub label: String,
    /// `Some(true)` ✓, `Some(false)` ✗, `None` neutral (not configured, warnings, pending).
    pub ok: Option<bool>,
    /// The text after the mark (`match the spec`, `⚠️ 2 warnings`).
    pub detail: String,
}

impl Check {
    pub fn new(label: &str, ok: Option<bool>, detail: impl Into<String>) -> Check {
        Check { label: label.to_string(), ok, detail: detail.into() }
    }

    /// `Files: ✓ match the spec`.
    pub fn render(&self) -> String {
        let mark = match self.ok {
            Some(true) => "✓ ",
            Some(false) => "✗ ",
            None => "",
        };
        format!("{}: {mark}{}", self.label, self.detail)
    }
}

/// The outcome of one stage.
#[derive(Debug, Clone)]
pub struct StageResult {
    pub stage: Stage,
    /// The report lines, in order (built-in passes, then the reviewer).
    pub checks: Vec<Check>,
    /// Built-in findings first, then the reviewer's (or why its verdict could not be used).
    pub findings: Vec<Finding>,
    /// Stage 1: no built-in finding and `PASS`; Stage 2: no `[CRITICAL]` and `APPROVED`. A
    /// builtin-only review (the `spec` agent) needs no verdict.
    pub passed: bool,
    /// The built-in passes were clean but the reviewer timed out: neither passed nor failed.
    pub pending: bool,
    /// The built-in passes were clean but the reviewer answered `NEEDS_CONTEXT` with this
    /// question: the engine asks the person and reviews again with the answer.
    pub question: Option<String>,
    /// The reviewer's cost and tokens, where the backend reports them.
    pub usage: Option<Usage>,
    /// Everything the reviewer printed (for the secret scan and the journal).
    pub reviewer_output: String,
}

impl StageResult {
    /// `[WARNING]` findings (lint findings included): the PR's warnings when the stage passes.
    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Some(Severity::Warning)).count()
    }

    /// `[CRITICAL]` findings.
    pub fn criticals(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Some(Severity::Critical)).count()
    }

    /// Neither passed nor pending.
    pub fn failed(&self) -> bool {
        !self.passed && !self.pending
    }
}

/// What a stage reviews.
#[derive(Debug, Clone, Copy)]
pub struct ReviewInput<'a> {
    pub milestone: &'a MilestoneId,
    pub issue: &'a Issue,
    pub spec: &'a Spec,
    /// The issue's change (milestone branch → issue head).
    pub diff: &'a IssueDiff,
    /// The working tree, checked out at the issue's head: Verify and lint run here.
    pub workdir: &'a Path,
    /// `review_timeout_seconds`, `test_timeout_seconds` (Verify, lint), `lint_command`.
    pub policy: &'a PolicyConfig,
    /// The person's answers to this issue's earlier `NEEDS_CONTEXT` questions (`Question: …` /
    /// `Answer …` pairs), added to the reviewer's prompt.
    pub answers: Option<&'a str>,
}
