//! How a stage looks on screen, as the seed's "Example 2: Two-Stage Review" shows it: the stage
//! tree (`Stage 1: Spec Compliance`, `├─ …`, `└─ Result: PASS ✓`) and the findings block of a
//! stop (`🛑 Spec compliance: 2 issues`, numbered findings). The engine adds ` (attempt 1/2)` and
//! the `fix | skip | abort` line.

use super::{Stage, StageResult};

impl StageResult {
    /// The stage tree; `retry` adds ` (retry)` to the title (a re-review after a fix).
    pub fn render(&self, retry: bool) -> Vec<String> {
        let mut lines = vec![format!(
            "Stage {}: {}{}",
            self.stage.number(),
            self.stage.title(),
            if retry { " (retry)" } else { "" }
        )];
        lines.extend(self.checks.iter().map(|c| format!("├─ {}", c.render())));
        lines.push(format!("└─ Result: {}", self.result_word()));
        lines
    }

    /// `PASS ✓` / `APPROVED ✓`, `PENDING` or `ISSUES`.
    pub fn result_word(&self) -> String {
        if self.passed {
            format!("{} ✓", self.stage.pass_word())
        } else if self.pending {
            "PENDING".to_string()
        } else if self.question.is_some() {
            "NEEDS CONTEXT".to_string()
        } else {
            "ISSUES".to_string()
        }
    }

    /// The stop's headline without the attempt (`🛑 Code quality: 1 issue`) and its numbered
    /// findings (`1. [CRITICAL] SQL injection — src/api/users.py#L45`). A pending stage's
    /// headline says so (`⏳ Code quality: review pending`).
    pub fn stop_lines(&self) -> (String, Vec<String>) {
        let n = self.findings.len();
        let headline = if self.pending && !self.passed {
            format!("⏳ {}: review pending", self.stage.label())
        } else {
            format!("🛑 {}: {n} issue{}", self.stage.label(), if n == 1 { "" } else { "s" })
        };
        let lines = self.findings.iter().enumerate().map(|(i, f)| format!("{}. {}", i + 1, f.render())).collect();
        (headline, lines)
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stage {}: {}", self.number(), self.title())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Check, Finding, Severity};
    use super::*;

    fn result(stage: Stage, checks: Vec<Check>, findings: Vec<Finding>, passed: bool, pending: bool) -> StageResult {
        StageResult {
            stage,
            checks,
            findings,
            passed,
            pending,
            question: None,
            usage: None,
            reviewer_output: String::new(),
        }
    }

    #[test]
    fn findings_render_with_severity_and_location() {
        let f = Finding {
            severity: Some(Severity::Critical),
            text: "SQL injection".into(),
            location: Some("src/api/users.py#L45".into()),
        };
        assert_eq!(f.render(), "[CRITICAL] SQL injection — src/api/users.py#L45");
        assert_eq!(
            Finding::plain("Missing: rate limiting (criterion #3)").render(),
            "Missing: rate limiting (criterion #3)"
        );
        let w = Finding { severity: Some(Severity::Warning), text: "E401 multiple imports".into(), location: None };
        assert_eq!(w.render(), "[WARNING] E401 multiple imports");
        let l = Finding { severity: None, text: "Extra: caching".into(), location: Some("src/cache.py#L1".into()) };
        assert_eq!(l.render(), "Extra: caching — src/cache.py#L1");
    }

    #[test]
    fn a_passing_spec_stage_renders_as_the_seed_example() {
        let r = result(
            Stage::Spec,
            vec![
                Check::new("Files", Some(true), "match the spec"),
                Check::new("Verify", Some(true), "2/2 tasks pass"),
                Check::new("Tests", Some(true), "every task has a test"),
                Check::new("Reviewer", Some(true), "PASS"),
            ],
            vec![],
            true,
            false,
        );
        assert_eq!(
            r.render(false),
            [
                "Stage 1: Spec Compliance",
                "├─ Files: ✓ match the spec",
                "├─ Verify: ✓ 2/2 tasks pass",
                "├─ Tests: ✓ every task has a test",
                "├─ Reviewer: ✓ PASS",
                "└─ Result: PASS ✓",
            ]
        );
        assert_eq!(r.render(true)[0], "Stage 1: Spec Compliance (retry)");
        assert_eq!(r.stop_lines(), ("🛑 Spec compliance: 0 issues".to_string(), vec![]));
    }

    #[test]
    fn failing_pending_and_quality_stages() {
        let r = result(
            Stage::Spec,
            vec![
                Check::new("Files", Some(false), "1 missing, 1 extra"),
                Check::new("Reviewer", None, "built-in passes only (spec agent)"),
            ],
            vec![Finding::plain("Missing: a.py (Task 1: Create)"), Finding::plain("Extra: b.py (not in the spec)")],
            false,
            false,
        );
        assert_eq!(
            r.render(false),
            [
                "Stage 1: Spec Compliance",
                "├─ Files: ✗ 1 missing, 1 extra",
                "├─ Reviewer: built-in passes only (spec agent)",
                "└─ Result: ISSUES",
            ]
        );
        assert_eq!(
            r.stop_lines(),
            (
                "🛑 Spec compliance: 2 issues".to_string(),
                vec!["1. Missing: a.py (Task 1: Create)".to_string(), "2. Extra: b.py (not in the spec)".to_string()]
            )
        );
        let q = result(
            Stage::Quality,
            vec![Check::new("Lint", None, "⚠️ 1 warning"), Check::new("Reviewer", Some(false), "ISSUES")],
            vec![
                Finding { severity: Some(Severity::Warning), text: "E401".into(), location: Some("a.py#L3".into()) },
                Finding { severity: Some(Severity::Critical), text: "SQL injection".into(), location: None },
            ],
            false,
            false,
        );
        assert_eq!(
            q.render(true),
            ["Stage 2: Code Quality (retry)", "├─ Lint: ⚠️ 1 warning", "├─ Reviewer: ✗ ISSUES", "└─ Result: ISSUES"]
        );
        let (head, lines) = q.stop_lines();
        assert_eq!(head, "🛑 Code quality: 2 issues");
        assert_eq!(lines, ["1. [WARNING] E401 — a.py#L3", "2. [CRITICAL] SQL injection"]);
        assert_eq!((q.warnings(), q.criticals(), q.failed()), (1, 1, true));
        let p = result(
            Stage::Quality,
            vec![
                Check::new("Lint", Some(true), "no findings"),
                Check::new("Reviewer", None, "⏳ pending (timed out after 120s)"),
            ],
            vec![],
            false,
            true,
        );
        assert_eq!(p.render(false)[2], "├─ Reviewer: ⏳ pending (timed out after 120s)");
        assert_eq!(p.render(false)[3], "└─ Result: PENDING");
        assert_eq!(p.stop_lines().0, "⏳ Code quality: review pending");
        assert!(!p.failed());
        let ok = result(Stage::Quality, vec![Check::new("Reviewer", Some(true), "APPROVED")], vec![], true, false);
        assert_eq!(ok.render(false).last().map(String::as_str), Some("└─ Result: APPROVED ✓"));
        assert_eq!(Stage::Quality.to_string(), "Stage 2: Code Quality");
    }
}
