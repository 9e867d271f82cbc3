//! One stage from end to end: the built-in pass, then the reviewer agent (skipped for a
//! builtin-only backend), and the pass rule. The reviewer gets the seed's prompt, the verdict's
//! JSON schema and the review time limit; a time-out leaves the stage pending, any other agent
//! error or an unreadable verdict fails it with a finding saying why.

use std::time::Duration;

use super::builtin;
use super::verdict::{parse_verdict, verdict_schema};
use super::{Check, Finding, ReviewInput, Severity, Stage, StageResult, Verdict};
use crate::agent::{Agent, AgentError, Context, Outcome, Request, Role, Status, Step, Usage, prompts};

/// Stage 1: spec compliance. Passes iff the built-in pass found nothing and the reviewer said
/// `PASS` (or the backend reviews with the built-in passes only).
pub fn spec_stage(input: &ReviewInput, agent: &mut dyn Agent) -> StageResult {
    let (checks, findings) = builtin::spec_checks(input);
    let builtin_clean = findings.is_empty();
    finish(Stage::Spec, input, agent, checks, findings, builtin_clean)
}

/// Stage 2: code quality. Lint findings are `[WARNING]`s, reported but not failing by
/// themselves; the stage passes iff there is no `[CRITICAL]` and the reviewer said `APPROVED`
/// (or the backend reviews with the built-in passes only).
pub fn quality_stage(input: &ReviewInput, agent: &mut dyn Agent) -> StageResult {
    let (lint, findings) = builtin::lint_check(input);
    let builtin_clean = !findings.iter().any(|f| f.severity == Some(Severity::Critical));
    finish(Stage::Quality, input, agent, vec![lint], findings, builtin_clean)
}

/// What the reviewer's call came to.
enum Review {
    /// Builtin-only backend: no reviewer ran.
    Skipped,
    Verdict(Verdict),
    /// It ran out of time.
    Pending(Duration),
    /// It answered `NEEDS_CONTEXT` with this question.
    NeedsContext(String),
    /// It failed, or its verdict could not be read: the check's detail and the finding.
    Failed(String, String),
}

fn finish(
    stage: Stage,
    input: &ReviewInput,
    agent: &mut dyn Agent,
    mut checks: Vec<Check>,
    mut findings: Vec<Finding>,
    builtin_clean: bool,
) -> StageResult {
    let mut usage = None;
    let mut reviewer_output = String::new();
    let review = if agent.builtin_review_only() {
        Review::Skipped
    } else {
        review(stage, input, agent, &mut usage, &mut reviewer_output)
    };
    let mut question = None;
    let (reviewer_ok, pending) = match review {
        Review::Skipped => {
            checks.push(Check::new("Reviewer", None, format!("built-in passes only ({} agent)", agent.name())));
            (true, false)
        }
        Review::Verdict(Verdict::Pass) => {
            checks.push(Check::new("Reviewer", Some(true), stage.pass_word()));
            (true, false)
        }
        Review::Verdict(Verdict::Issues(list)) => {
            checks.push(Check::new("Reviewer", Some(false), "ISSUES"));
            findings.extend(list);
            (false, false)
        }
        Review::Pending(after) => {
            let detail = format!("⏳ pending (timed out after {}s)", after.as_secs());
            checks.push(Check::new("Reviewer", None, detail));
            (false, true)
        }
        Review::NeedsContext(q) if builtin_clean => {
            checks.push(Check::new("Reviewer", None, "❓ needs context"));
            question = Some(q);
            (false, false)
        }
        Review::NeedsContext(q) => {
            checks.push(Check::new("Reviewer", Some(false), "did not review"));
            findings.push(Finding::plain(format!("Reviewer did not review (NEEDS_CONTEXT): {q}")));
            (false, false)
        }
        Review::Failed(detail, finding) => {
            checks.push(Check::new("Reviewer", Some(false), detail));
            findings.push(Finding::plain(finding));
            (false, false)
        }
    };
    StageResult {
        stage,
        checks,
        findings,
        passed: builtin_clean && reviewer_ok,
        pending: builtin_clean && pending,
        question,
        usage,
        reviewer_output,
    }
}

/// The reviewer's request: the seed's prompt (with the issue's answers so far), the schema, the
/// review time limit.
pub fn request<'a>(stage: Stage, input: &ReviewInput<'a>) -> Request<'a> {
    let (role, mut prompt) = match stage {
        Stage::Spec => (Role::SpecReviewer, prompts::spec_reviewer(input.spec, &input.diff.patch)),
        Stage::Quality => (Role::QualityReviewer, prompts::quality_reviewer(&input.diff.patch)),
    };
    if let Some(answers) = input.answers {
        prompt.push_str(&format!("\n## Answers to earlier questions\n\n```text\n{}\n```\n", answers.trim_end()));
    }
    Request {
        role,
        step: Step::Review,
        ctx: Context {
            milestone: input.milestone,
            issue: input.issue,
            spec: input.spec,
            task: None,
            workdir: input.workdir,
        },
        prompt,
        feedback: input.answers.map(str::to_string),
        json_schema: Some(verdict_schema(stage)),
        timeout: Some(Duration::from_secs(input.policy.review_timeout_seconds)),
    }
}

fn review(
    stage: Stage,
    input: &ReviewInput,
    agent: &mut dyn Agent,
    usage: &mut Option<Usage>,
    output: &mut String,
) -> Review {
    let req = request(stage, input);
    match agent.run(&req) {
        Ok(outcome) => {
            *usage = Some(outcome.usage.clone());
            output.clone_from(&outcome.output);
            read(stage, &req.prompt, &outcome)
        }
        Err(AgentError::Timeout(after)) => Review::Pending(after),
        Err(e) => {
            if let AgentError::Failed { output: o, .. } | AgentError::Malformed { output: o, .. } = &e {
                output.clone_from(o);
            }
            Review::Failed("failed".into(), format!("Reviewer failed ({}): {}", agent.name(), one_line(&e.to_string())))
        }
    }
}

/// The verdict in a finished call. A reviewer that echoed its prompt (aider) is read after it.
fn read(stage: Stage, prompt: &str, outcome: &Outcome) -> Review {
    if outcome.status == Status::NeedsContext {
        let q = one_line(&outcome.message);
        return Review::NeedsContext(if q.is_empty() { "(no question given)".into() } else { q });
    }
    if outcome.status == Status::Blocked {
        return Review::Failed(
            "did not review".into(),
            format!("Reviewer did not review ({}): {}", outcome.status.name(), one_line(&outcome.message)),
        );
    }
    let mut reply = outcome.message.as_str();
    let echoed = prompt.trim();
    if let Some(at) = reply.rfind(echoed) {
        reply = &reply[at + echoed.len()..];
    }
    match parse_verdict(stage, reply) {
        Ok(v) => Review::Verdict(v),
        Err(why) => Review::Failed("verdict unreadable".into(), format!("Reviewer verdict could not be read: {why}")),
    }
}

/// A multi-line message as one line (a finding is one numbered line): lines joined by ` | `.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" | ")
}
