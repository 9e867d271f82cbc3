//! The orchestrator's TDD checks on a RED change: only test files changed (else "implementation
//! code before test"), at most one new test (else "multiple behaviours at once"); the Verify run
//! itself must fail (else "test passes immediately").

use std::sync::LazyLock;

use globset::{GlobSet, GlobSetBuilder};
use regex::Regex;

use crate::config::PolicyConfig;
use crate::error::Error;
use crate::git::ops::{Change, ChangeKind};
use crate::plan::Task;

/// A TDD violation found by the orchestrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A file other than a test file changed in RED.
    ImplementationBeforeTest { files: Vec<String> },
    /// Verify passed right after RED.
    TestPassesImmediately,
    /// More than one new test in RED.
    MultipleBehaviours { count: usize },
    /// RED changed nothing.
    NoTestWritten,
}

impl Violation {
    /// The seed's `🛑 TDD Violation: …` headline.
    pub fn headline(&self) -> String {
        let what = match self {
            Violation::ImplementationBeforeTest { .. } => "implementation code before test",
            Violation::TestPassesImmediately => "test passes immediately",
            Violation::MultipleBehaviours { .. } => "multiple behaviours at once",
            Violation::NoTestWritten => "no failing test written",
        };
        format!("🛑 TDD Violation: {what}")
    }

    /// The `Detected: …` line.
    pub fn detected(&self, verify: &str) -> String {
        match self {
            Violation::ImplementationBeforeTest { files } => {
                format!("Detected: {} modified before test written", files.join(", "))
            }
            Violation::TestPassesImmediately => format!("Detected: `{verify}` passed before any implementation"),
            Violation::MultipleBehaviours { count } => format!("Detected: {count} new tests in one RED step"),
            Violation::NoTestWritten => "Detected: RED changed no file".into(),
        }
    }

    /// The seed's action for it.
    pub fn action(&self) -> &'static str {
        match self {
            Violation::ImplementationBeforeTest { .. } => "Delete code, restart at RED",
            Violation::TestPassesImmediately => "Rewrite test to be meaningful",
            Violation::MultipleBehaviours { .. } => "Revert, do one at a time",
            Violation::NoTestWritten => "Write the failing test, restart at RED",
        }
    }
}

/// Which files are tests and what a new test looks like.
pub struct TestRules {
    globs: GlobSet,
    new_test: Vec<Regex>,
}

impl TestRules {
    /// The configured test globs and patterns plus the task's `Test:` paths. All of them were
    /// compiled when the configuration and the spec were loaded, so an error here is a bug.
    pub fn new(policy: &PolicyConfig, task: &Task) -> Result<TestRules, Error> {
        use crate::config::patterns::{new_test_regex, test_glob};
        let mut b = GlobSetBuilder::new();
        for g in &policy.test_globs {
            b.add(test_glob(g).map_err(|e| Error::internal(format!("policy.test_globs: `{g}`: {e}")))?);
        }
        for g in &task.files.test {
            b.add(test_glob(g).map_err(|e| Error::internal(format!("Task {}: Test: `{g}`: {e}", task.number)))?);
        }
        let globs = b.build().map_err(|e| Error::internal(format!("test globs: {e}")))?;
        let new_test = policy
            .new_test_patterns
            .iter()
            .map(|p| new_test_regex(p).map_err(|e| Error::internal(format!("policy.new_test_patterns: `{p}`: {e}"))))
            .collect::<Result<_, _>>()?;
        Ok(TestRules { globs, new_test })
    }

    pub fn is_test_file(&self, path: &str) -> bool {
        self.globs.is_match(path)
    }

    /// The number of new tests in added lines.
    pub fn count_new_tests(&self, added: &[(String, String)]) -> usize {
        added.iter().filter(|(_, line)| self.new_test.iter().any(|re| re.is_match(line))).count()
    }

    /// The file-based checks of a RED change (Verify is run by the caller).
    pub fn check_red(&self, changes: &[Change], added: &[(String, String)]) -> Option<Violation> {
        if changes.is_empty() {
            return Some(Violation::NoTestWritten);
        }
        let implementation: Vec<String> = changes
            .iter()
            .filter(|c| !self.is_test_file(&c.path) || c.kind == ChangeKind::Deleted && !self.is_test_file(&c.path))
            .map(|c| c.path.clone())
            .collect();
        if !implementation.is_empty() {
            return Some(Violation::ImplementationBeforeTest { files: implementation });
        }
        let count = self.count_new_tests(added);
        if count > 1 {
            return Some(Violation::MultipleBehaviours { count });
        }
        None
    }
}

static CODE_LINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\S").expect("static pattern"));

/// The added lines of a change, for showing what RED/GREEN wrote (at most `max` lines).
pub fn excerpt(added: &[(String, String)], max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut last_file = "";
    for (file, line) in added {
        if out.len() >= max {
            out.push("…".into());
            break;
        }
        if file != last_file {
            if !out.is_empty() {
                out.push(String::new());
            }
            out.push(format!("# {file}"));
            last_file = file;
        }
        if CODE_LINE.is_match(line) || !out.last().is_some_and(|l| l.is_empty()) {
            out.push(line.clone());
        }
    }
    out
}

#[cfg(test)]
#[path = "tdd_tests.rs"]
mod tests;
