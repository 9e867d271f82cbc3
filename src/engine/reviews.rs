//! The two-stage review inside an issue (the seed's Review Flow): Stage 1 (spec compliance), then
//! Stage 2 (code quality) only after Stage 1 passes; a failed stage is a stop (`fix | skip |
//! abort`); `fix` sends the findings to the implementer and re-runs only the failed stage, at most
//! `policy.max_fix_attempts` times. A reviewer that runs out of time leaves the review pending;
//! one that answers `NEEDS_CONTEXT` gets the person's answer and reviews again (autonomously the
//! issue is skipped with the question recorded).

use git2::Oid;
use serde_json::json;

use super::decide::{Command, StopKind};
use super::naming;
use super::session::{Halt, IssueEnd, Session};
use super::task;
use crate::agent::Step;
use crate::git::diff::issue_diff;
use crate::git::ops;
use crate::git::repo::short;
use crate::plan::{Issue, Spec};
use crate::review::{ReviewInput, Severity, Stage, StageResult, quality_stage, spec_stage};
use crate::ui::RULE;

/// What the review left for the PR.
#[derive(Debug, Default)]
pub struct Reviewed {
    /// Why the review is pending (a reviewer timed out): the PR waits for a human.
    pub pending: Option<String>,
    /// Warnings reported by passing stages.
    pub warnings: usize,
    /// `Stage 1: PASS`, `Stage 2: APPROVED (2 warnings)` … for the PR body.
    pub summary: Vec<String>,
}

fn run_stage(s: &mut Session, issue: &Issue, spec: &Spec, stage: Stage, base: Oid) -> Result<StageResult, Halt> {
    let head = ops::head(&s.work)?;
    let diff = issue_diff(&s.work, base, head, &s.exclude)?;
    let workdir = s.workdir.clone();
    let policy = s.config.policy.clone();
    let answers = task::issue_answers(s, issue);
    let input = ReviewInput {
        milestone: &s.id,
        issue,
        spec,
        diff: &diff,
        workdir: &workdir,
        policy: &policy,
        answers: answers.as_deref(),
    };
    let spinner = s.ui.spinner(format!("{} review", stage.title()));
    let result = match stage {
        Stage::Spec => spec_stage(&input, s.agent.as_mut()),
        Stage::Quality => quality_stage(&input, s.agent.as_mut()),
    };
    drop(spinner);
    // A reviewer a panic or Ctrl-C stopped reviewed nothing: no `review` entry for it.
    s.check_signals()?;
    // Reviewers review; a reviewer that edits files has its edits discarded.
    if ops::is_dirty(&s.work, &s.exclude)? || ops::head(&s.work)? != head {
        ops::reset_hard(&s.work, head, &s.exclude)?;
        s.ui.line("⚠️ The reviewer changed files: its changes were discarded");
    }
    s.secret_check(Some(issue.no), crate::safety::secrets::scan_text(&result.reviewer_output, "reviewer stdout"))?;
    s.stats.review_stages += 1;
    let m = s.stats.per_issue.entry(issue.no).or_default();
    if let Some(u) = &result.usage {
        m.agent.add(u);
    }
    for f in &result.findings {
        match f.severity {
            Some(Severity::Critical) => m.findings.critical += 1,
            Some(Severity::Warning) => m.findings.warning += 1,
            None => m.findings.other += 1,
        }
    }
    s.log(
        "review",
        json!({"issue": issue.no.padded(), "stage": stage.number(), "passed": result.passed, "pending": result.pending,
               "findings": result.findings.iter().map(|f| f.render()).collect::<Vec<_>>(),
               "reviewer_output": crate::safety::redact::tail(&result.reviewer_output, 40)}),
    )?;
    Ok(result)
}

/// Runs both stages with the fix loop. `base` is where the issue branch started.
pub fn review(s: &mut Session, issue: &Issue, spec: &Spec, base: Oid) -> Result<Result<Reviewed, IssueEnd>, Halt> {
    s.ui.blank();
    s.ui.line(RULE);
    s.ui.line(format!("Issue {}: All tasks complete", issue.no));
    s.ui.line("Running two-stage review...");
    s.ui.line(RULE);
    let max = s.config.policy.max_fix_attempts;
    let mut out = Reviewed::default();
    for stage in [Stage::Spec, Stage::Quality] {
        let mut fixes = 0;
        let mut retry = false;
        let mut asked = 0;
        loop {
            let result = run_stage(s, issue, spec, stage, base)?;
            s.ui.blank();
            for line in result.render(retry) {
                s.ui.line(line);
            }
            if result.pending {
                let why = format!("Stage {} review pending (reviewer timed out)", stage.number());
                out.summary.push(format!("Stage {}: PENDING", stage.number()));
                out.pending = Some(why);
                return Ok(Ok(out));
            }
            if let Some(question) = &result.question {
                // The seed's `interview`, for a reviewer: the answer goes with the re-review.
                let place = format!("Issue {} {stage}", issue.no);
                if let Err(end) = task::interview(s, issue, "Reviewer", place, question, &mut asked)? {
                    return Ok(Err(end));
                }
                retry = true;
                s.ui.blank();
                s.ui.line(format!("🤖 Re-running {} with the answer...", stage.label().to_lowercase()));
                continue;
            }
            if result.passed {
                let first = fixes == 0;
                match (stage, first) {
                    (Stage::Spec, true) => s.stats.spec_pass_first_try += 1,
                    (Stage::Spec, false) => s.stats.spec_required_fix += 1,
                    (Stage::Quality, true) => s.stats.quality_pass_first_try += 1,
                    (Stage::Quality, false) => s.stats.quality_required_fix += 1,
                }
                out.warnings += result.warnings();
                let warn =
                    if result.warnings() > 0 { format!(" ({} warnings)", result.warnings()) } else { String::new() };
                out.summary.push(format!("Stage {}: {}{warn}", stage.number(), stage.pass_word()));
                break;
            }
            let (headline, lines) = result.stop_lines();
            let kind = if stage == Stage::Spec { StopKind::SpecIssues } else { StopKind::QualityIssues };
            let stop = task::attempt_stop(kind, &headline, lines, fixes, max);
            match s.decide(Some(issue.no), &stop)?.command {
                Command::Fix => {
                    fixes += 1;
                    retry = true;
                    if let Err(end) = fix(s, issue, spec, &result)? {
                        return Ok(Err(end));
                    }
                }
                Command::Skip => {
                    let reason = if stop.kind == StopKind::FixExhausted {
                        format!("Fix attempts exhausted ({})", stage.label().to_lowercase())
                    } else {
                        let n = result.findings.len();
                        format!("{} issues ({})", stage.label(), crate::plan::gate::plural(n, "finding", "findings"))
                    };
                    return Ok(Err(IssueEnd::Skipped { reason }));
                }
                _ => return Err(Halt::Abort(format!("{} issues in Issue {}", stage.label(), issue.no))),
            }
        }
    }
    Ok(Ok(out))
}

/// `fix`: the findings go to the implementer; its change is committed only if the suite passes.
fn fix(s: &mut Session, issue: &Issue, spec: &Spec, result: &StageResult) -> Result<Result<(), IssueEnd>, Halt> {
    s.ui.blank();
    s.ui.line("🔧 Fixing...");
    let before = ops::head(&s.work)?;
    let findings: Vec<String> =
        result.findings.iter().enumerate().map(|(i, f)| format!("{}. {}", i + 1, f.render())).collect();
    let feedback = format!("{} review findings to address:\n{}", result.stage.title(), findings.join("\n"));
    match task::implement(s, issue, spec, None, Step::FixReview, Some(&feedback))? {
        task::Called::End(end) => {
            ops::reset_hard(&s.work, before, &s.exclude)?;
            return Ok(Err(end));
        }
        task::Called::Failed(_) => {
            ops::reset_hard(&s.work, before, &s.exclude)?;
            s.ui.line("⚠️ Issue persists (the fix failed)");
            return Ok(Ok(()));
        }
        task::Called::Done(_) => {}
    }
    let msg = format!(
        "fix({}): address review findings{}",
        s.id,
        naming::github_number(issue, Some(spec)).map(|n| format!(" (#{n})")).unwrap_or_default()
    );
    let msg = naming::tool_commit_message(&msg, &s.id, issue);
    let Some(sha) = ops::commit_all(&s.work, before, &msg, &s.exclude)? else {
        s.ui.line("⚠️ Issue persists (the fix changed nothing)");
        return Ok(Ok(()));
    };
    let cmd = s.test_command();
    let suite = task::run_shell(s, &cmd, "Full suite (after fix)")?;
    if suite.success() {
        s.ui.ok("Tests passing");
        s.ui.ok(format!("Committed ({})", short(sha)));
    } else {
        ops::reset_hard(&s.work, before, &s.exclude)?;
        s.ui.line(format!("⚠️ The fix broke the tests ({}): discarded", suite.describe()));
    }
    s.ui.blank();
    s.ui.line(format!("🤖 Re-running {}...", result.stage.label().to_lowercase()));
    Ok(Ok(()))
}
