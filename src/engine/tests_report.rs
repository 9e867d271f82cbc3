//! Reading a test run's output: how many passed and failed, and which tests failed, for the
//! seed's `✓ Tests: 47 passed` / `✗ Tests: 2 failed, 45 passed` and its `Failed:` list.
//! Understands unittest, pytest, cargo test, Jest/Vitest, go test and RSpec; otherwise only the
//! exit code speaks.

use std::sync::LazyLock;

use regex::Regex;

use crate::process::Finished;

/// What a test run said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: Option<u32>,
    pub failed: Option<u32>,
    pub failed_names: Vec<String>,
}

/// A finished run of a test command.
#[derive(Debug, Clone)]
pub struct TestRun {
    pub command: String,
    pub finished: Finished,
    pub counts: Counts,
}

impl TestRun {
    pub fn new(command: &str, finished: Finished) -> TestRun {
        let counts = parse(&finished.combined);
        TestRun { command: command.to_string(), finished, counts }
    }

    pub fn passed(&self) -> bool {
        self.finished.success()
    }

    /// `✓ Tests: 47 passed`, `✗ Tests: 2 failed, 45 passed`, `✗ Tests failed (exit 1)`.
    pub fn line(&self) -> String {
        let c = &self.counts;
        if self.passed() {
            match c.passed {
                Some(p) => format!("✓ Tests: {p} passed"),
                None => "✓ Tests passed".into(),
            }
        } else {
            match (c.failed, c.passed) {
                (Some(f), Some(p)) => format!("✗ Tests: {f} failed, {p} passed"),
                (Some(f), None) => format!("✗ Tests: {f} failed"),
                _ => format!("✗ Tests failed ({})", self.finished.describe()),
            }
        }
    }
}

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static pattern")
}

static UNITTEST_RAN: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^Ran (\d+) tests? in "));
static UNITTEST_FAILED: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^FAILED \(([^)]*)\)"));
static UNITTEST_SKIPPED: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^OK \(.*skipped=(\d+)"));
static UNITTEST_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^(?:FAIL|ERROR): (\S+) \(([^)]*)\)"));
static PYTEST_SUMMARY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^=+ (.*\b(?:passed|failed|error|errors)\b.*) in [\d.]+s"));
static PYTEST_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^(?:FAILED|ERROR) (\S+)"));
static CARGO_RESULT: LazyLock<Regex> = LazyLock::new(|| re(r"test result: \w+\. (\d+) passed; (\d+) failed"));
static CARGO_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^test (\S+) \.\.\. FAILED"));
static JEST: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^Tests:\s+(.*\d+ total)"));
static JEST_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^\s*[✕×] (.+?)(?: \(\d+ ?m?s\))?$"));
static GO_FAIL: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^\s*--- FAIL: (\S+)"));
static GO_PASS: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^\s*--- PASS: "));
static RSPEC: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^(\d+) examples?, (\d+) failures?"));
static NUM_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+) (passed|failed|errors?|skipped)"));
static KV: LazyLock<Regex> =
    LazyLock::new(|| re(r"(failures|errors|skipped|expected failures|unexpected successes)=(\d+)"));

/// Reads counts and failed test names from a test run's output.
pub fn parse(out: &str) -> Counts {
    let mut c = Counts::default();
    if let Some(ran) = UNITTEST_RAN.captures(out).and_then(|m| m[1].parse::<u32>().ok()) {
        let mut failed = 0;
        let mut skipped = 0;
        if let Some(m) = UNITTEST_FAILED.captures(out) {
            for kv in KV.captures_iter(&m[1]) {
                let n: u32 = kv[2].parse().unwrap_or(0);
                match &kv[1] {
                    "failures" | "errors" | "unexpected successes" => failed += n,
                    _ => skipped += n,
                }
            }
        } else if let Some(m) = UNITTEST_SKIPPED.captures(out) {
            skipped = m[1].parse().unwrap_or(0);
        }
        c.passed = Some(ran.saturating_sub(failed + skipped));
        c.failed = Some(failed);
        c.failed_names = UNITTEST_NAME.captures_iter(out).map(|m| m[1].to_string()).collect();
        return c;
    }
    if let Some(m) = PYTEST_SUMMARY.captures_iter(out).last() {
        let (mut passed, mut failed) = (0, 0);
        for nw in NUM_WORD.captures_iter(&m[1]) {
            let n: u32 = nw[1].parse().unwrap_or(0);
            match &nw[2] {
                "passed" => passed += n,
                "failed" | "error" | "errors" => failed += n,
                _ => {}
            }
        }
        c.passed = Some(passed);
        c.failed = Some(failed);
        c.failed_names =
            PYTEST_NAME.captures_iter(out).map(|m| m[1].rsplit("::").next().unwrap_or(&m[1]).to_string()).collect();
        return c;
    }
    let cargo: Vec<_> = CARGO_RESULT.captures_iter(out).collect();
    if !cargo.is_empty() {
        c.passed = Some(cargo.iter().map(|m| m[1].parse::<u32>().unwrap_or(0)).sum());
        c.failed = Some(cargo.iter().map(|m| m[2].parse::<u32>().unwrap_or(0)).sum());
        c.failed_names = CARGO_NAME.captures_iter(out).map(|m| m[1].to_string()).collect();
        return c;
    }
    if let Some(m) = JEST.captures_iter(out).last() {
        let (mut passed, mut failed) = (0, 0);
        for nw in NUM_WORD.captures_iter(&m[1]) {
            match &nw[2] {
                "passed" => passed = nw[1].parse().unwrap_or(0),
                "failed" => failed = nw[1].parse().unwrap_or(0),
                _ => {}
            }
        }
        c.passed = Some(passed);
        c.failed = Some(failed);
        c.failed_names = JEST_NAME.captures_iter(out).map(|m| m[1].trim().to_string()).collect();
        return c;
    }
    if let Some(m) = RSPEC.captures_iter(out).last() {
        let total: u32 = m[1].parse().unwrap_or(0);
        let failed: u32 = m[2].parse().unwrap_or(0);
        c.passed = Some(total.saturating_sub(failed));
        c.failed = Some(failed);
        return c;
    }
    let go_fail: Vec<String> = GO_FAIL.captures_iter(out).map(|m| m[1].to_string()).collect();
    let go_pass = GO_PASS.find_iter(out).count() as u32;
    if !go_fail.is_empty() || go_pass > 0 {
        c.passed = Some(go_pass);
        c.failed = Some(go_fail.len() as u32);
        c.failed_names = go_fail;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(out: &str) -> (Option<u32>, Option<u32>, Vec<String>) {
        let c = parse(out);
        (c.passed, c.failed, c.failed_names)
    }

    #[test]
    fn unittest() {
        let out = "test_a (tests.test_x.T.test_a) ... ok\n======\nFAIL: test_tenant_isolation_read (tests.test_t.T.test_tenant_isolation_read)\n----\nERROR: test_tenant_isolation_write (tests.test_t.T)\n----------------------------------------------------------------------\nRan 47 tests in 0.012s\n\nFAILED (failures=1, errors=1)\n";
        assert_eq!(
            counts(out),
            (Some(45), Some(2), vec!["test_tenant_isolation_read".into(), "test_tenant_isolation_write".into()])
        );
        assert_eq!(counts("Ran 10 tests in 0.001s\n\nOK\n"), (Some(10), Some(0), vec![]));
        assert_eq!(counts("Ran 10 tests in 0.001s\n\nOK (skipped=2)\n"), (Some(8), Some(0), vec![]));
    }

    #[test]
    fn pytest() {
        let out = "FAILED tests/test_t.py::test_tenant_isolation_read - assert 1 == 2\n=========== 1 failed, 45 passed, 2 warnings in 0.31s ===========\n";
        assert_eq!(counts(out), (Some(45), Some(1), vec!["test_tenant_isolation_read".into()]));
    }

    #[test]
    fn cargo_test() {
        let out = "test a::b ... FAILED\ntest result: FAILED. 36 passed; 1 failed; 0 ignored\n\ntest result: ok. 4 passed; 0 failed; 0 ignored\n";
        assert_eq!(counts(out), (Some(40), Some(1), vec!["a::b".into()]));
    }

    #[test]
    fn jest_go_rspec_and_unknown() {
        assert_eq!(
            counts("  ✕ adds numbers (3 ms)\nTests:       1 failed, 5 passed, 6 total\n"),
            (Some(5), Some(1), vec!["adds numbers".into()])
        );
        assert_eq!(
            counts("--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\n"),
            (Some(1), Some(1), vec!["TestB".into()])
        );
        assert_eq!(counts("3 examples, 1 failure\n"), (Some(2), Some(1), vec![]));
        assert_eq!(counts("all good\n"), (None, None, vec![]));
    }

    #[test]
    fn lines() {
        let ok = TestRun::new(
            "t",
            Finished { code: Some(0), combined: "Ran 47 tests in 0.1s\n\nOK\n".into(), ..Default::default() },
        );
        assert_eq!(ok.line(), "✓ Tests: 47 passed");
        let bad = TestRun::new(
            "t",
            Finished {
                code: Some(1),
                combined: "Ran 47 tests in 0.1s\n\nFAILED (failures=2)\n".into(),
                ..Default::default()
            },
        );
        assert_eq!(bad.line(), "✗ Tests: 2 failed, 45 passed");
        let unknown = TestRun::new("t", Finished { code: Some(2), ..Default::default() });
        assert_eq!(unknown.line(), "✗ Tests failed (exit 2)");
    }
}
