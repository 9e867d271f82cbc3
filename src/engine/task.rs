//! One task through RED → verify it fails → GREEN → verify it passes → REFACTOR → COMMIT, every
//! check done by the orchestrator (never trusted to the agent), with the seed's stops.

use git2::Oid;
use serde_json::json;

use super::decide::{Command, Stop, StopKind};
use super::naming;
use super::session::{Halt, IssueEnd, Session};
use super::tdd::{TestRules, excerpt};
use super::tests_report::TestRun;
use crate::agent::{Context, Outcome, Request, Role, Status, Step};
use crate::git::ops;
use crate::plan::{Issue, Spec, Task};
use crate::process::{Cmd, Finished};

/// How many output lines are kept as evidence.
pub const EVIDENCE_LINES: usize = 30;

/// RED or GREEN evidence: the Verify command, its exit code and the tail of its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub verify: String,
    pub exit: Option<i32>,
    pub tail: String,
}

impl Evidence {
    fn of(verify: &str, f: &Finished) -> Evidence {
        Evidence { verify: verify.to_string(), exit: f.code, tail: f.tail(EVIDENCE_LINES) }
    }

    pub fn json(&self) -> serde_json::Value {
        json!({"verify": self.verify, "exit": self.exit, "tail": self.tail})
    }
}

/// A committed task and its evidence.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    pub number: u32,
    pub title: String,
    pub sha: Oid,
    pub red: Option<Evidence>,
    pub green: Option<Evidence>,
}

pub enum TaskEnd {
    Committed(TaskRecord),
    /// The issue stops (skipped or blocked).
    Stopped(IssueEnd),
}

/// What an implementer call came to.
#[derive(Debug)]
pub enum Called {
    /// The agent finished (DONE or DONE_WITH_CONCERNS); the orchestrator's checks decide.
    Done(Outcome),
    /// The call failed (timeout, error result, bad output): a failed attempt of the step.
    Failed(String),
    /// The issue stops here (BLOCKED, or NEEDS_CONTEXT that was skipped).
    End(IssueEnd),
}

/// Questions one agent call may ask before the issue is skipped.
const MAX_QUESTIONS: usize = 3;

/// The person's answers to this issue's `NEEDS_CONTEXT` questions so far (as journaled, so a
/// resumed run keeps them: [`super::recall::Recall`]), as one text block; `None` when nothing
/// was asked.
pub fn issue_answers(s: &Session, issue: &Issue) -> Option<String> {
    let qa: Vec<String> = s
        .recall
        .answers(issue.no)
        .iter()
        .map(|(question, answer)| {
            format!("Question: {question}\nAnswer from the person running the milestone: {answer}")
        })
        .collect();
    (!qa.is_empty()).then(|| qa.join("\n\n"))
}

/// The seed's `interview`: an agent's `NEEDS_CONTEXT` question goes to the person; a typed
/// answer is journaled (and from then on passed with every agent call of the issue).
/// Autonomously, or on `skip`, the issue is skipped with the question recorded. `asked` counts
/// the questions of this call: after [`MAX_QUESTIONS`] the issue is skipped.
pub fn interview(
    s: &mut Session,
    issue: &Issue,
    who: &str,
    place: String,
    question: &str,
    asked: &mut usize,
) -> Result<Result<(), IssueEnd>, Halt> {
    let question = if question.trim().is_empty() { "(no question given)" } else { question.trim() };
    let skipped = || IssueEnd::Skipped { reason: format!("needs context: {question}") };
    if *asked >= MAX_QUESTIONS {
        s.ui.line(format!("⚠️ {who} still needs context after {MAX_QUESTIONS} answers"));
        return Ok(Err(skipped()));
    }
    *asked += 1;
    let stop = Stop::new(
        StopKind::NeedsContext,
        format!("❓ {who} needs context: {question}"),
        vec![place],
        &[Command::Skip, Command::Abort],
    );
    let decision = s.decide(Some(issue.no), &stop)?;
    match (decision.command, decision.answer) {
        (Command::Continue, Some(answer)) => {
            s.log(
                "interview",
                json!({"issue": issue.no.padded(), "question": question, "answer": answer, "who": who}),
            )?;
            Ok(Ok(()))
        }
        (Command::Abort, _) => Err(Halt::Abort(format!("Issue {} needs context", issue.no))),
        _ => Ok(Err(skipped())),
    }
}

/// Runs the implementer on one step. BLOCKED ends the issue; NEEDS_CONTEXT is the
/// [`interview`]: the call is repeated with the answer. Earlier answers of the issue go with
/// every call (after `feedback`).
pub fn implement(
    s: &mut Session,
    issue: &Issue,
    spec: &Spec,
    task: Option<&Task>,
    step: Step,
    feedback: Option<&str>,
) -> Result<Called, Halt> {
    let mut asked = 0;
    loop {
        let fb = match (feedback, issue_answers(s, issue)) {
            (Some(f), Some(qa)) => Some(format!("{f}\n\n{qa}")),
            (f, qa) => f.map(str::to_string).or(qa),
        };
        let outcome = call(s, issue, spec, task, step, fb.as_deref())?;
        match outcome {
            Ok(o) if o.status == Status::Blocked => {
                s.ui.line(format!("🚫 Agent blocked: {}", o.message));
                return Ok(Called::End(IssueEnd::Blocked { reason: format!("agent blocked: {}", o.message) }));
            }
            Ok(o) if o.status == Status::NeedsContext => {
                let place =
                    format!("Issue {}{}", issue.no, task.map(|t| format!(" Task {}", t.number)).unwrap_or_default());
                if let Err(end) = interview(s, issue, "Agent", place, &o.message, &mut asked)? {
                    return Ok(Called::End(end));
                }
            }
            Ok(o) => {
                if o.status == Status::DoneWithConcerns {
                    s.ui.line(format!("⚠️ Agent concerns: {}", o.message));
                }
                return Ok(Called::Done(o));
            }
            // An agent that cannot even start is a critical error: stop (the seed: alert the user).
            Err(e @ crate::agent::AgentError::Spawn { .. }) => {
                return Err(Halt::Error(
                    crate::error::Error::stopped(format!(
                        "critical error: the {} agent cannot start: {e}",
                        s.agent.name()
                    ))
                    .with_hint("install it, fix `agent:` in .run-milestone.yml, or choose another with --agent"),
                ));
            }
            Err(e) => {
                let msg = crate::safety::redact::redact(&e.to_string());
                s.ui.line(format!("✗ Agent failed: {}", msg.lines().next().unwrap_or_default()));
                return Ok(Called::Failed(msg));
            }
        }
    }
}

/// One agent call, journaled, its usage added to the issue's totals.
fn call(
    s: &mut Session,
    issue: &Issue,
    spec: &Spec,
    task: Option<&Task>,
    step: Step,
    feedback: Option<&str>,
) -> Result<Result<Outcome, crate::agent::AgentError>, Halt> {
    let workdir = s.workdir.clone();
    let ctx = Context { milestone: &s.id, issue, spec, task, workdir: &workdir };
    let req = Request {
        role: Role::Implementer,
        step,
        ctx,
        prompt: crate::agent::prompts::implementer(&ctx, step, feedback),
        feedback: feedback.map(str::to_string),
        json_schema: None,
        timeout: Some(std::time::Duration::from_secs(s.config.agent.timeout_seconds)),
    };
    let spinner = s.ui.spinner(format!("{} agent: {}", s.agent.name(), step.name()));
    crate::safety::fault::crash_point("agent_started");
    let result = s.agent.run(&req);
    drop(spinner);
    s.check_signals()?;
    let printed = match &result {
        Ok(o) => format!("{}\n{}", o.output, o.message),
        Err(crate::agent::AgentError::Failed { output, .. } | crate::agent::AgentError::Malformed { output, .. }) => {
            output.clone()
        }
        Err(_) => String::new(),
    };
    s.secret_check(Some(issue.no), crate::safety::secrets::scan_text(&printed, "agent stdout"))?;
    let mut fields = json!({"issue": issue.no.padded(), "task": task.map(|t| t.number), "step": step.name(), "agent": s.agent.name()});
    let extra = match &result {
        Ok(o) => {
            s.stats.per_issue.entry(issue.no).or_default().agent.add(&o.usage);
            json!({"status": o.status.name(), "message": o.message, "cost_usd": o.usage.cost_usd,
                   "input_tokens": o.usage.input_tokens, "output_tokens": o.usage.output_tokens,
                   "turns": o.usage.turns, "session_id": o.usage.session_id})
        }
        Err(e) => {
            s.stats.per_issue.entry(issue.no).or_default().agent.add(&Default::default());
            json!({"status": "ERROR", "message": e.to_string()})
        }
    };
    if let (Some(f), serde_json::Value::Object(e)) = (fields.as_object_mut(), extra) {
        f.extend(e);
    }
    s.log("agent", fields)?;
    Ok(result)
}

/// Runs a shell command (Verify, the suite) in the working tree.
pub fn run_shell(s: &Session, line: &str, label: &str) -> Result<Finished, Halt> {
    let spinner = s.ui.spinner(format!("{label}: {line}"));
    let f = match crate::process::run(&Cmd::shell(line, &s.workdir).timeout(s.test_timeout())) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
            s.check_signals()?;
            return Err(Halt::Abort("interrupted".into()));
        }
        Err(e) => return Err(Halt::Error(crate::error::Error::internal(format!("cannot run `{line}`: {e}")))),
    };
    drop(spinner);
    Ok(f)
}

/// Prints (as a fenced excerpt) the lines added since `base`, leaving out the files in `skip`
/// (GREEN shows only what it added beyond RED's test files).
fn show_code(s: &Session, base: Oid, skip: &[ops::Change]) -> Result<(), Halt> {
    let skip: std::collections::BTreeSet<&str> = skip.iter().map(|c| c.path.as_str()).collect();
    let added: Vec<(String, String)> =
        ops::added_lines(&s.work, base, &s.exclude)?.into_iter().filter(|(p, _)| !skip.contains(p.as_str())).collect();
    let lines = excerpt(&added, 20);
    if !lines.is_empty() {
        s.ui.blank();
        // One text, redacted whole: a key block spans lines.
        s.ui.text(format!("```\n{}\n```\n", lines.join("\n")));
        s.ui.blank();
    }
    Ok(())
}

/// One task of `issue`. `tdd_flag` is set when a TDD violation happened (for the label).
pub fn run_task(
    s: &mut Session,
    issue: &Issue,
    spec: &Spec,
    task: &Task,
    tdd_flag: &mut bool,
) -> Result<TaskEnd, Halt> {
    let verify = task.verify.clone().unwrap_or_default();
    let rules = TestRules::new(&s.config.policy, task)?;
    let max_restarts = s.config.policy.max_tdd_restarts;
    let max_fixes = s.config.policy.max_fix_attempts;
    let start = ops::head(&s.work)?;
    s.stats.tasks_total += 1;
    let mut violated = false;

    // RED
    let mut restarts = 0;
    let red = loop {
        s.ui.blank();
        s.ui.line("📝 RED: Writing failing test...");
        let agent_failure = match implement(s, issue, spec, Some(task), Step::Red, None)? {
            Called::End(end) => {
                ops::reset_hard(&s.work, start, &s.exclude)?;
                return Ok(TaskEnd::Stopped(end));
            }
            Called::Failed(msg) => Some(msg),
            Called::Done(_) => None,
        };
        show_code(s, start, &[])?;
        let changes = ops::changes(&s.work, start, &s.exclude)?;
        let added = ops::added_lines(&s.work, start, &s.exclude)?;
        let mut violation = if agent_failure.is_some() { None } else { rules.check_red(&changes, &added) };
        let mut evidence = None;
        if violation.is_none() && agent_failure.is_none() {
            s.ui.line(format!("Running: {verify}"));
            let f = run_shell(s, &verify, "Verify (RED)")?;
            evidence = Some(Evidence::of(&verify, &f));
            if f.success() {
                violation = Some(super::tdd::Violation::TestPassesImmediately);
                s.ui.line("Result: PASSED ✗ (expected a failure)");
            } else {
                s.ui.line("Result: FAILED ✓ (expected)");
            }
        }
        s.log(
            "task_red",
            json!({"issue": issue.no.padded(), "task": task.number, "evidence": evidence.as_ref().map(Evidence::json),
                   "changed": changes.iter().map(|c| &c.path).collect::<Vec<_>>(),
                   "violation": violation.as_ref().map(|v| v.headline()), "agent_failed": agent_failure}),
        )?;
        let (headline, mut lines) = match (&violation, &agent_failure) {
            (Some(v), _) => {
                *tdd_flag = true;
                violated = true;
                s.stats.tdd_violations += 1;
                s.stats.per_issue.entry(issue.no).or_default().tdd_violations += 1;
                (v.headline(), vec![v.detected(&verify), format!("Action: {}", v.action())])
            }
            (None, Some(msg)) => ("🛑 RED failed: the agent failed".to_string(), vec![format!("Error: {msg}")]),
            (None, None) => break evidence,
        };
        ops::reset_hard(&s.work, start, &s.exclude)?;
        let allowed: &[Command] = if restarts < max_restarts {
            &[Command::Restart, Command::Skip, Command::Abort]
        } else {
            &[Command::Skip, Command::Abort]
        };
        if restarts >= max_restarts {
            lines.push(format!("Restarts exhausted ({max_restarts}/{max_restarts})"));
        } else {
            lines.push(format!("(restart {}/{max_restarts})", restarts + 1));
        }
        let stop = Stop::new(StopKind::TddViolation, headline, lines, allowed);
        match s.decide(Some(issue.no), &stop)?.command {
            Command::Restart => {
                restarts += 1;
                s.ui.line(format!("🔄 Restarting Task {} at RED ({restarts}/{max_restarts})", task.number));
            }
            Command::Skip => {
                let reason =
                    if violation.is_some() { "TDD violation persisted" } else { "RED failed: the agent failed" };
                return Ok(TaskEnd::Stopped(IssueEnd::Skipped { reason: reason.into() }));
            }
            _ => return Err(Halt::Abort(format!("TDD violation in Issue {} Task {}", issue.no, task.number))),
        }
    };

    // GREEN, with the seed's "Tests failing" stop and fix attempts.
    let after_red = ops::changes(&s.work, start, &s.exclude)?;
    let mut fixes = 0;
    let mut feedback: Option<String> = None;
    let green = loop {
        s.ui.blank();
        let step = if feedback.is_some() { Step::FixTests } else { Step::Green };
        s.ui.line(if feedback.is_some() { "🔧 Fixing..." } else { "📝 GREEN: Implementing..." });
        match implement(s, issue, spec, Some(task), step, feedback.as_deref())? {
            Called::End(end) => {
                ops::reset_hard(&s.work, start, &s.exclude)?;
                return Ok(TaskEnd::Stopped(end));
            }
            Called::Failed(msg) => {
                // A failed call is a failed attempt, whatever Verify would say.
                s.log(
                    "task_green",
                    json!({"issue": issue.no.padded(), "task": task.number, "agent_failed": msg, "attempt": fixes}),
                )?;
                match failing_stop(s, issue, vec![format!("✗ Agent failed: {msg}")], fixes, max_fixes)? {
                    Command::Fix => {
                        fixes += 1;
                        feedback = Some(format!("Your previous attempt failed: {msg}"));
                        continue;
                    }
                    Command::Skip => {
                        ops::reset_hard(&s.work, start, &s.exclude)?;
                        return Ok(TaskEnd::Stopped(IssueEnd::Skipped {
                            reason: "Tests failing (the agent failed)".into(),
                        }));
                    }
                    _ => {
                        return Err(Halt::Abort(format!(
                            "the agent failed in Issue {} Task {}",
                            issue.no, task.number
                        )));
                    }
                }
            }
            Called::Done(_) => {}
        }
        if feedback.is_none() {
            show_code(s, start, &after_red)?;
        }
        s.ui.line(format!("Running: {verify}"));
        let f = run_shell(s, &verify, "Verify (GREEN)")?;
        let evidence = Evidence::of(&verify, &f);
        s.log(
            "task_green",
            json!({"issue": issue.no.padded(), "task": task.number, "evidence": evidence.json(), "attempt": fixes}),
        )?;
        if f.success() {
            s.ui.line("Result: PASSED ✓");
            break evidence;
        }
        s.ui.line("Result: FAILED ✗");
        let run = TestRun::new(&verify, f);
        match tests_failing_stop(s, issue, &run, fixes, max_fixes)? {
            Command::Fix => {
                fixes += 1;
                feedback = Some(failure_feedback(&run));
            }
            Command::Skip => {
                ops::reset_hard(&s.work, start, &s.exclude)?;
                return Ok(TaskEnd::Stopped(IssueEnd::Skipped { reason: "Tests failing".into() }));
            }
            _ => return Err(Halt::Abort(format!("tests failing in Issue {} Task {}", issue.no, task.number))),
        }
    };

    // COMMIT (first, so a failed refactor rolls back to it), then REFACTOR folded into it.
    let message = format!(
        "{}\n\n{}\n",
        naming::task_commit_message(&s.id, &task.title, naming::github_number(issue, Some(spec))),
        naming::task_trailer(&s.id, issue, task.number)
    );
    let Some(mut sha) = ops::commit_all(&s.work, start, &message, &s.exclude)? else {
        return Ok(TaskEnd::Stopped(IssueEnd::Blocked {
            reason: format!("Task {} produced no change to commit", task.number),
        }));
    };
    s.ui.blank();
    if s.config.agent.refactor {
        let before = sha;
        if !matches!(implement(s, issue, spec, Some(task), Step::Refactor, None)?, Called::Done(_)) {
            // A refactor that fails or gives up changes nothing: keep the committed GREEN state.
            ops::reset_hard(&s.work, before, &s.exclude)?;
        }
        let changed = ops::changes(&s.work, before, &s.exclude)?;
        if changed.is_empty() && ops::head(&s.work)? == before {
            s.ui.line("📝 REFACTOR: No changes needed");
        } else {
            let v = run_shell(s, &verify, "Verify (REFACTOR)")?;
            let suite =
                if v.success() { Some(run_shell(s, &s.test_command(), "Full suite (REFACTOR)")?) } else { None };
            if v.success() && suite.as_ref().is_some_and(Finished::success) {
                if let Some(folded) = ops::commit_all(&s.work, start, &message, &s.exclude)? {
                    sha = folded;
                }
                s.ui.line(format!("📝 REFACTOR: {} file(s) tidied, tests still green", changed.len()));
            } else {
                ops::reset_hard(&s.work, before, &s.exclude)?;
                s.ui.line("📝 REFACTOR: rolled back (tests went red)");
            }
        }
    } else {
        s.ui.line("📝 REFACTOR: skipped (agent.refactor: false)");
    }
    s.ui.blank();
    s.ui.line(format!("📝 COMMIT: {}", message.lines().next().unwrap_or_default()));
    let record = TaskRecord { number: task.number, title: task.title.clone(), sha, red, green: Some(green) };
    s.log(
        "task_committed",
        json!({"issue": issue.no.padded(), "task": task.number, "sha": sha.to_string(),
               "red": record.red.as_ref().map(Evidence::json), "green": record.green.as_ref().map(Evidence::json)}),
    )?;
    if !violated {
        s.stats.tdd_compliant += 1;
    }
    s.stats.per_issue.entry(issue.no).or_default().tasks.push(json!({
        "task": task.number, "title": task.title, "sha": sha.to_string(), "tdd_compliant": !violated,
        "red": record.red.as_ref().map(Evidence::json), "green": record.green.as_ref().map(Evidence::json),
    }));
    Ok(TaskEnd::Committed(record))
}

/// What the agent is told when tests fail.
pub fn failure_feedback(run: &TestRun) -> String {
    let mut s = format!("`{}` failed ({}).\n", run.command, run.finished.describe());
    if !run.counts.failed_names.is_empty() {
        s.push_str("Failing tests:\n");
        for n in &run.counts.failed_names {
            s.push_str(&format!("- {n}\n"));
        }
    }
    s.push_str("\nOutput (last lines):\n");
    s.push_str(&run.finished.tail(60));
    s
}

/// The seed's "Tests failing" stop (its "Test Failures" example): the `✗ Tests: …` line once,
/// before the block; `fix | skip | abort` while fix attempts remain, then the "Fix attempts
/// exhausted" block with `skip | abort`.
pub fn tests_failing_stop(
    s: &mut Session,
    issue: &Issue,
    run: &TestRun,
    fixes: u32,
    max: u32,
) -> Result<Command, Halt> {
    s.ui.line(run.line());
    let mut lines = Vec::new();
    if !run.counts.failed_names.is_empty() {
        lines.push("Failed:".into());
        lines.extend(run.counts.failed_names.iter().map(|n| format!("- {n}")));
    }
    failing_stop(s, issue, lines, fixes, max)
}

/// The "Tests failing" stop with the given findings (a failed run, or a failed agent call).
pub fn failing_stop(s: &mut Session, issue: &Issue, lines: Vec<String>, fixes: u32, max: u32) -> Result<Command, Halt> {
    let stop = attempt_stop(StopKind::TestsFailing, "🛑 Tests failing", lines, fixes, max);
    Ok(s.decide(Some(issue.no), &stop)?.command)
}

/// A stop that offers `fix` while attempts remain (`<headline> (attempt n/max)`, `fix | skip |
/// abort`), then the seed's `🛑 Fix attempts exhausted (max/max)` with `skip | abort`.
pub fn attempt_stop(kind: StopKind, headline: &str, lines: Vec<String>, fixes: u32, max: u32) -> Stop {
    if fixes < max {
        Stop::new(
            kind,
            format!("{headline} (attempt {}/{max})", fixes + 1),
            lines,
            &[Command::Fix, Command::Skip, Command::Abort],
        )
    } else {
        Stop::new(
            StopKind::FixExhausted,
            format!("🛑 Fix attempts exhausted ({max}/{max})"),
            lines,
            &[Command::Skip, Command::Abort],
        )
    }
}
