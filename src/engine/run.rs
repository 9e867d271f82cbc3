//! The main loop: bootstrap, reconcile, then issue after issue in selection order with phase
//! boundaries, each issue's end written to the plan and the journal; abort saves state and says
//! how to resume; the summary at the end.

use std::path::Path;

use serde_json::json;

use super::bootstrap::bootstrap;
use super::decide::{Command, Decider, Stop, StopKind};
use super::issue::run_issue;
use super::naming;
use super::select::next_issue;
use super::session::{Halt, IssueEnd, RunOptions, Session};
use crate::error::{Error, ErrorKind};
use crate::forge::PrState;
use crate::git::ops;
use crate::milestone::MilestoneId;
use crate::plan::{IssueNo, Status};
use crate::ui::Ui;

/// Runs milestone `id`; returns the exit code (0 finished, 3 aborted) or an error.
pub fn run(ui: &Ui, dir: &Path, id: &MilestoneId, opts: RunOptions, decider: Box<dyn Decider>) -> Result<i32, Error> {
    let started = std::time::Instant::now();
    let (mut s, gate) = match bootstrap(ui, dir, id, opts.clone(), decider) {
        Ok(booted) => booted,
        Err(stop) => return stopped_early(ui, id, &opts, started, *stop),
    };
    let result = super::bootstrap::start(&mut s, gate)
        .and_then(|()| main_loop(&mut s))
        .and_then(|()| super::summary::finish(&mut s));
    let code = match result.map_err(Halt::or_signalled) {
        Ok(()) => {
            let _ = s.log("run_finished", json!({"outcome": "finished"}));
            Ok(0)
        }
        Err(Halt::Abort(reason)) => {
            let _ = s.log("run_finished", json!({"outcome": "aborted", "reason": reason}));
            print_aborted(ui, id, &reason);
            if s.opts.autonomous {
                let note = format!("⛔ run-milestone {} aborted: {reason}", s.id);
                super::notify::send(&mut s, &note);
            }
            Ok(ErrorKind::Stopped.exit_code())
        }
        Err(Halt::Panic) => {
            super::panic::halt(&mut s);
            Ok(ErrorKind::Stopped.exit_code())
        }
        Err(Halt::Error(e)) => {
            let _ = s.log("run_finished", json!({"outcome": "error", "message": e.message}));
            let note = format!("🛑 run-milestone {} stopped: {}", s.id, e.message);
            super::notify::send(&mut s, &note);
            Err(e)
        }
    };
    // The metrics are the last thing on stdout, whatever the outcome.
    super::metrics::emit(&s)?;
    code
}

/// A stop before the session existed (input errors, the lock, the quality gate, the worktree, the
/// forge): the same outcome as later — the aborted block, the Telegram message, the metrics once
/// the run held its lock — with what bootstrap had. (A panic at the gate was handled, and
/// journaled, there.) No `run_started` entry was written, so the next run is a first run again
/// ([`super::resume::earlier_run`]): whatever bootstrap journaled (a gate decision, a panic, a
/// failed alert) leaves nothing to resume.
fn stopped_early(
    ui: &Ui,
    id: &MilestoneId,
    opts: &RunOptions,
    started: std::time::Instant,
    stop: super::bootstrap::EarlyStop,
) -> Result<i32, Error> {
    let notify = |text: String| super::notify::send_with(ui, stop.notifier.as_ref(), None, &text);
    let code = match stop.halt {
        Halt::Abort(reason) => {
            print_aborted(ui, id, &reason);
            if opts.autonomous {
                notify(format!("⛔ run-milestone {id} aborted: {reason}"));
            }
            Ok(ErrorKind::Stopped.exit_code())
        }
        Halt::Panic => Ok(ErrorKind::Stopped.exit_code()),
        Halt::Error(e) => {
            notify(format!("🛑 run-milestone {id} stopped: {}", e.message));
            Err(e)
        }
    };
    // A refused run (bad input, exit 2; already running, exit 4) writes nothing, metrics included.
    if !stop.locked {
        return code;
    }
    let stats = stop.stats;
    let elapsed = started.elapsed().as_secs();
    super::metrics::emit_document(ui, opts, || super::metrics::document(&id.to_string(), opts, elapsed, &stats))?;
    code
}

/// The seed's `⛔ Milestone aborted` block.
pub fn print_aborted(ui: &Ui, id: &MilestoneId, reason: &str) {
    ui.blank();
    ui.line("⛔ Milestone aborted");
    ui.blank();
    ui.line(reason);
    ui.line(format!("Resume with: run-milestone {id}"));
}

fn main_loop(s: &mut Session) -> Result<(), Halt> {
    super::reconcile::reconcile(s)?;
    s.ui.ok("State validated");
    let mut last_phase: Option<usize> = None;
    let mut skipped_phase: Option<usize> = None;
    let mut first = true;
    loop {
        s.milestone.reload_plan()?;
        let Some(idx) = next_issue(&s.milestone.plan) else {
            tracing::debug!("no eligible issue left");
            break;
        };
        let issue = s.milestone.plan.issues[idx].clone();
        tracing::debug!(issue = %issue.no, phase = issue.phase + 1, priority = issue.priority, status = issue.status.word(), "selected: first eligible by phase, priority, position (in-progress first)");
        if let Some(prev) = last_phase
            && issue.phase > prev
        {
            if skipped_phase == Some(prev) {
                // The phase just left was skipped at the boundary before it: it has no boundary.
                s.ui.blank();
                s.ui.line(format!("→ Starting Phase {}", s.milestone.plan.phases[issue.phase].number));
            } else {
                match phase_boundary(s, prev, issue.phase)? {
                    Command::Continue => {}
                    Command::SkipPhase => {
                        // The skipped phase counts as passed: the next boundary is after the one following it.
                        last_phase = Some(issue.phase);
                        skipped_phase = Some(issue.phase);
                        continue;
                    }
                    _ => return Err(Halt::Abort(format!("stopped at the end of {}", s.milestone.plan.phases[prev]))),
                }
            }
        }
        s.ui.blank();
        let verb = if issue.status == Status::InProgress {
            "Continuing"
        } else if first {
            "Starting"
        } else {
            "Proceeding to"
        };
        s.ui.line(format!("→ {verb} Issue {}", issue.no));
        first = false;
        s.current_pr = None;
        let end = run_issue(s, idx)?;
        s.current_pr = None;
        record_end(s, issue.no, &end)?;
        // Leave a clean working tree for the next issue.
        let head = ops::head(&s.work)?;
        ops::reset_hard(&s.work, head, &s.exclude)?;
        last_phase = Some(issue.phase);
    }
    // The worktree shows the milestone branch at the end.
    let base = s.base_branch();
    ops::checkout(&s.work, &base)?;
    Ok(())
}

/// Writes an issue's end to the plan, the journal and the counters.
pub fn record_end(s: &mut Session, no: IssueNo, end: &IssueEnd) -> Result<(), Halt> {
    match end {
        IssueEnd::Merged { pr } => {
            s.set_status(no, Status::Done, Some(*pr))?;
            s.stats.completed.push((no, *pr));
        }
        IssueEnd::NeedsReview { pr, reason } => {
            s.set_status(no, Status::NeedsReview, Some(*pr))?;
            s.add_blocked(no, &format!("PR #{pr} needs review: {reason}"))?;
            s.stats.needs_review.push((no, *pr, reason.clone()));
            s.ui.line(format!("👀 Issue {no} needs review (PR #{pr}): {reason}"));
        }
        IssueEnd::Skipped { reason } => {
            if s.opts.autonomous {
                let note = format!("⏭️ run-milestone {}: Issue {no} auto-skipped: {reason}", s.id);
                super::notify::send(s, &note);
            }
            s.set_status(no, Status::Skipped, None)?;
            s.add_blocked(no, reason)?;
            s.stats.skipped.push((no, reason.clone()));
            s.ui.blank();
            s.ui.line(format!("⏭️ Skipped Issue {no}"));
            s.ui.blank();
            s.ui.line(format!("Recorded in \"Blocked / Needs Review\": {reason}"));
        }
        IssueEnd::Blocked { reason } => {
            s.set_status(no, Status::Blocked, None)?;
            s.add_blocked(no, reason)?;
            s.stats.blocked.push((no, reason.clone()));
            s.ui.blank();
            s.ui.line(format!("🚫 Blocked Issue {no}: {reason}"));
        }
    }
    let (outcome, pr, reason) = match end {
        IssueEnd::Merged { pr } => ("merged", Some(*pr), None),
        IssueEnd::NeedsReview { pr, reason } => ("needs_review", Some(*pr), Some(reason.clone())),
        IssueEnd::Skipped { reason } => ("skipped", None, Some(reason.clone())),
        IssueEnd::Blocked { reason } => ("blocked", None, Some(reason.clone())),
    };
    let m = s.stats.per_issue.entry(no).or_default();
    m.outcome = Some(outcome.to_string());
    m.pr = pr;
    s.log("issue_finished", json!({"issue": no.padded(), "outcome": outcome, "pr": pr, "reason": reason}))
}

/// After a phase: its PRs with labels, then `continue | skip-phase | abort`.
fn phase_boundary(s: &mut Session, done: usize, next: usize) -> Result<Command, Halt> {
    let plan = s.milestone.plan.clone();
    let prs = s.forge.list(Some(&plan.base_branch)).map_err(|e| s.forge_fail(e))?;
    let mut listed: Vec<(u64, String)> = Vec::new();
    for issue in plan.issues.iter().filter(|i| i.phase == done) {
        let branch = naming::issue_branch(&s.id, issue, s.milestone.spec(issue.no));
        if let Some(pr) = prs.iter().rev().find(|p| p.head == branch && p.state != PrState::Closed) {
            let mark = if pr.labels.is_empty() { "✓".to_string() } else { format!("[{}]", pr.labels.join(", ")) };
            let title = issue.display_title().split_once(": ").map_or(String::new(), |x| x.1.to_string());
            listed.push((pr.number, format!("* PR #{} — {title} {mark}", pr.number)));
        }
    }
    listed.sort();
    let lines: Vec<String> = listed.into_iter().map(|(_, l)| l).collect();
    let headline = format!(
        "✓ Phase {} complete — {} ready",
        plan.phases[done].number,
        crate::plan::gate::plural(lines.len(), "PR", "PRs")
    );
    let stop =
        Stop::new(StopKind::PhaseBoundary, headline, lines, &[Command::Continue, Command::SkipPhase, Command::Abort]);
    let decision = s.decide(None, &stop)?;
    match decision.command {
        Command::Continue => {
            s.ui.ok(format!("Phase {} approved", plan.phases[done].number));
            s.ui.blank();
            s.ui.line(format!("→ Starting Phase {}", plan.phases[next].number));
        }
        Command::SkipPhase => {
            let reason = format!("Phase {} skipped at the phase boundary", plan.phases[next].number);
            for issue in plan.issues.iter().filter(|i| i.phase == next && i.status != Status::Done) {
                s.set_status(issue.no, Status::Skipped, None)?;
                s.add_blocked(issue.no, &reason)?;
                s.stats.skipped.push((issue.no, reason.clone()));
            }
            s.ui.line(format!("⏭️ {reason}"));
        }
        _ => {}
    }
    Ok(decision.command)
}
