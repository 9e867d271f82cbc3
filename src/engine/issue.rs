//! One issue: its branch from the milestone tip, every task through the TDD loop (committed tasks
//! are never redone), the full suite with fix attempts, the lint auto-fix, then push, PR, checks
//! and the sha-guarded squash merge into the milestone branch.

use std::collections::BTreeSet;

use git2::Oid;
use serde_json::json;

use super::decide::{Command, Stop, StopKind};
use super::naming;
use super::session::{Halt, IssueEnd, Session};
use super::task::{self, TaskEnd, TaskRecord};
use super::tests_report::TestRun;
use crate::agent::Step;
use crate::forge::{BranchUpdate, CheckState, ForgeError, MergeOutcome, NewPr, PrState, PullRequest};
use crate::git::ops;
use crate::git::repo::short;
use crate::plan::{Issue, Spec, Status};
use crate::ui::RULE;

/// Marks a PR closed without merge as needing a human (once).
pub fn block_for_closed_pr(s: &mut Session, issue: &Issue, pr: u64) -> Result<IssueEnd, Halt> {
    let reason = format!("PR #{pr} closed without merge: needs a human (set the status back to Todo to open a new PR)");
    s.log("closed_pr", json!({"issue": issue.no.padded(), "pr": pr}))?;
    Ok(IssueEnd::Blocked { reason })
}

pub fn run_issue(s: &mut Session, idx: usize) -> Result<IssueEnd, Halt> {
    let issue = s.milestone.plan.issues[idx].clone();
    let spec = s.milestone.spec(issue.no).cloned();
    s.ui.blank();
    s.ui.line(RULE);
    s.ui.line(format!("Issue {}", issue.display_title()));
    s.ui.line(RULE);
    s.ui.blank();
    s.stats.attempted.push(issue.no);
    let Some(spec) = spec else {
        return Ok(IssueEnd::Blocked { reason: "no spec file".into() });
    };
    if spec.tasks.is_empty() {
        return Ok(IssueEnd::Blocked { reason: "the spec has no tasks".into() });
    }
    if let Some(t) = spec.tasks.iter().find(|t| t.verify.is_none()) {
        return Ok(IssueEnd::Blocked { reason: format!("Task {} has no Verify command", t.number) });
    }
    let branch = naming::issue_branch(&s.id, &issue, Some(&spec));

    // An issue whose PR exists is never given a second one.
    let existing = s.forge.find_pr(&branch).map_err(|e| s.forge_fail(e))?;
    let mut open_pr = None;
    match existing {
        Some(pr) if pr.state == PrState::Merged => {
            s.ui.ok(format!("PR #{} already merged", pr.number));
            return Ok(IssueEnd::Merged { pr: pr.number });
        }
        Some(pr) if pr.state == PrState::Closed && !s.recall.closed_pr_handled(pr.number) => {
            return block_for_closed_pr(s, &issue, pr.number);
        }
        Some(pr) if pr.state == PrState::Open => open_pr = Some(pr),
        _ => {}
    }

    s.set_status(issue.no, Status::InProgress, None)?;
    let phase = s.milestone.plan.phases.get(issue.phase).map(|p| p.to_string());
    s.log("issue_started", json!({"issue": issue.no.padded(), "branch": branch, "phase": phase}))?;
    let base = s.base_branch();
    let base_tip = ops::tip(&s.work, &base).ok_or_else(|| anyhow::anyhow!("the milestone branch {base} is gone"))?;
    let created = ops::ensure_branch(&s.work, &branch, base_tip)?;
    // Leave whatever the previous step left, then continue from the branch's last commit.
    ops::reset_hard(&s.work, ops::head(&s.work)?, &s.exclude)?;
    ops::checkout(&s.work, &branch)?;
    s.ui.ok(format!("Branch: {branch}{}", if created { "" } else { " (resumed)" }));
    let mut tip = ops::tip(&s.work, &branch).ok_or_else(|| anyhow::anyhow!("branch {branch} vanished"))?;
    ops::reset_hard(&s.work, tip, &s.exclude)?;
    if !created && open_pr.is_none() {
        // A half-done task restarts from the last commit the orchestrator made.
        tip = super::resume::restart_point(s, &issue, &branch, base_tip)?;
    }
    // The issue's change starts where its branch left the milestone branch (which may have moved
    // on since, when resuming).
    let base_tip = ops::merge_base(&s.work, base_tip, tip)?;

    // A TDD violation journaled for this issue (also by an earlier run) keeps its label.
    let mut tdd_flag = s.recall.had_violation(issue.no);
    let mut records: Vec<TaskRecord> = Vec::new();
    let mut reviewed = super::reviews::Reviewed::default();
    let mut policy_labels = BTreeSet::new();
    if let Some(pr) = &open_pr {
        // Resumed after the PR was made: its stops were decided then; recompute its labels.
        if let Ok(labels) = stops_from_diff(s, &issue, &spec, base_tip, None)? {
            policy_labels = labels;
        }
        policy_labels.extend(pr.labels.iter().cloned());
    }
    if open_pr.is_none() {
        let done = super::resume::committed_tasks(s, &issue, &branch)?;
        let total = spec.tasks.len();
        for (i, t) in spec.tasks.iter().enumerate() {
            if done.contains(&t.number) {
                s.ui.ok(format!("Task {}/{total}: {} (already committed)", i + 1, t.title));
                continue;
            }
            s.ui.blank();
            let arrow = if records.is_empty() { "" } else { "→ " };
            s.ui.line(format!("{arrow}Task {}/{total}: {}", i + 1, t.title));
            match task::run_task(s, &issue, &spec, t, &mut tdd_flag)? {
                TaskEnd::Committed(r) => records.push(r),
                TaskEnd::Stopped(end) => return Ok(end),
            }
        }
        s.ui.blank();
        let head = ops::head(&s.work)?;
        let (files, lines) = ops::diff_stats(&s.work, base_tip, head, &s.exclude)?;
        s.ui.ok(format!(
            "Implemented ({}, {})",
            crate::plan::gate::plural(files, "file", "files"),
            crate::plan::gate::plural(lines, "line", "lines")
        ));
        let suite = match full_suite(s, &issue, &spec)? {
            Ok(run) => run,
            Err(end) => return Ok(end),
        };
        lint_fix(s, &issue, &spec)?;
        s.ui.line(suite.line());
        let mut approved = BTreeSet::new();
        match stops_from_diff(s, &issue, &spec, base_tip, Some(&mut approved))? {
            Ok(labels) => policy_labels = labels,
            Err(end) => return Ok(end),
        }
        let checked = ops::head(&s.work)?;
        if s.opts.skip_code_review {
            s.ui.line("⏭️ Code review skipped (--skip-code-review)");
        } else {
            match super::reviews::review(s, &issue, &spec, base_tip)? {
                Ok(r) => reviewed = r,
                Err(end) => return Ok(end),
            }
        }
        // A review fix is new code: every stop condition looks at the change again before the PR.
        if ops::head(&s.work)? != checked {
            s.ui.blank();
            s.ui.line("🔍 The review fixes changed the code: checking the stop conditions again");
            match stops_from_diff(s, &issue, &spec, base_tip, Some(&mut approved))? {
                Ok(labels) => policy_labels.extend(labels),
                Err(end) => return Ok(end),
            }
        }
    }

    // Nothing that holds a secret leaves the machine.
    let head_now = ops::head(&s.work)?;
    let full_diff = crate::git::diff::issue_diff(&s.work, base_tip, head_now, &s.exclude)?;
    s.secret_check(Some(issue.no), crate::safety::secrets::scan_diff(&full_diff))?;

    // Push, then the PR.
    s.ui.blank();
    if let Err(end) = push(s, &issue, &branch)? {
        return Ok(end);
    }
    let pr = match open_pr {
        Some(mut pr) => {
            s.ui.ok(format!("PR #{} reused", pr.number));
            s.current_pr = Some(pr.number);
            super::resume::ready_again(s, &mut pr)?;
            pr
        }
        None => {
            let body = super::pr_body::render(s, &issue, &spec, &records, &reviewed.summary);
            let new = NewPr {
                title: naming::pr_title(&s.id, &issue, Some(&spec)),
                body,
                head: branch.clone(),
                base,
                draft: false,
            };
            let pr = s.forge.create_pr(&new).map_err(|e| s.forge_fail(e))?;
            // From here a panic leaves this PR in draft.
            s.current_pr = Some(pr.number);
            crate::safety::fault::crash_point("pr_record_written");
            s.stats.prs_created.push(pr.number);
            s.log(
                "pr_created",
                json!({"issue": issue.no.padded(), "pr": pr.number, "head": pr.head, "base": pr.base}),
            )?;
            s.ui.ok(format!("PR #{} created", pr.number));
            pr
        }
    };
    let mut labels: Vec<String> = policy_labels.iter().filter(|l| !pr.labels.contains(l)).cloned().collect();
    let tdd_label = s.config.policy.labels.tdd_violation.clone();
    if tdd_flag && !pr.labels.contains(&tdd_label) && !labels.contains(&tdd_label) {
        labels.push(tdd_label);
    }
    if !labels.is_empty() {
        s.forge.add_labels(pr.number, &labels).map_err(|e| s.forge_fail(e))?;
        for l in &labels {
            *s.stats.labels.entry(l.clone()).or_default() += 1;
            s.ui.ok(format!("Label: {l}"));
        }
        s.stats.pr_labels.entry(pr.number).or_default().extend(labels.iter().cloned());
    }
    if reviewed.warnings > 0 {
        s.stats.prs_with_warnings.push(pr.number);
    }
    if let Some(why) = reviewed.pending {
        s.ui.line(format!("⏳ {why}: PR #{} waits for a human", pr.number));
        return Ok(IssueEnd::NeedsReview { pr: pr.number, reason: why });
    }
    let mut all_labels = policy_labels.clone();
    all_labels.extend(labels);
    let held = crate::policy::holds(&s.config.policy, &all_labels);
    if !held.is_empty() {
        s.ui.line(format!("👀 Held back from auto-merge: {}", held.join(", ")));
        return Ok(IssueEnd::NeedsReview {
            pr: pr.number,
            reason: format!("labelled {}: a human reviews and merges", held.join(", ")),
        });
    }
    merge_when_green(s, &issue, &pr)
}

/// The stop conditions from the issue's diff against the milestone branch, journaled; returns the
/// labels to put on the PR. With `approved` (deciding), the notes are printed, the large-diff soft
/// stop skips the issue and each hard stop asks `approve | skip | abort` — one already in
/// `approved` (the same headline and findings, approved earlier in this issue) is not asked
/// again. Without it (`None`: a resumed PR, whose stops were decided when it was made), only the
/// labels are computed.
fn stops_from_diff(
    s: &mut Session,
    issue: &Issue,
    spec: &Spec,
    base: Oid,
    approved: Option<&mut BTreeSet<String>>,
) -> Result<Result<BTreeSet<String>, IssueEnd>, Halt> {
    use crate::policy::{HardStopKind, PolicyInput, evaluate};
    let head = ops::head(&s.work)?;
    let diff = crate::git::diff::issue_diff(&s.work, base, head, &s.exclude)?;
    let workdir = s.workdir.clone();
    let ev = evaluate(&PolicyInput {
        diff: &diff,
        config: &s.config.policy,
        milestone: &s.id,
        scope_tags: &spec.scope,
        workdir: &workdir,
    })?;
    s.log(
        "policy",
        json!({"issue": issue.no.padded(), "labels": ev.labels, "notes": ev.notes,
               "hard_stops": ev.hard_stops.iter().map(|h| &h.headline).collect::<Vec<_>>(), "soft_stop": ev.soft_stop}),
    )?;
    let Some(approved) = approved else {
        return Ok(Ok(ev.labels));
    };
    for note in &ev.notes {
        s.ui.line(note);
    }
    if let Some(reason) = &ev.soft_stop {
        s.ui.blank();
        s.ui.line(format!("🛑 {reason} (soft stop: skip, log)"));
        return Ok(Err(IssueEnd::Skipped { reason: reason.clone() }));
    }
    for hard in &ev.hard_stops {
        let key = format!("{}\n{}", hard.headline, hard.lines.join("\n"));
        if approved.contains(&key) {
            s.ui.ok(format!("Approved earlier: {}", hard.headline.trim_start_matches("🛑 ")));
            continue;
        }
        let kind = match hard.kind {
            HardStopKind::BreakingSchema => StopKind::BreakingSchema,
            HardStopKind::License => StopKind::License,
            HardStopKind::CrossBoundary => StopKind::CrossBoundary,
        };
        let stop = Stop::new(
            kind,
            hard.headline.clone(),
            hard.lines.clone(),
            &[Command::Approve, Command::Skip, Command::Abort],
        );
        match s.decide(Some(issue.no), &stop)?.command {
            Command::Approve => {
                s.ui.blank();
                s.ui.ok("Approved (recorded)");
                approved.insert(key);
            }
            Command::Skip => {
                let what = hard.headline.trim_start_matches("🛑 ").to_string();
                return Ok(Err(IssueEnd::Skipped { reason: format!("{what} (needs approval)") }));
            }
            _ => return Err(Halt::Abort(format!("{} in Issue {}", hard.headline.trim_start_matches("🛑 "), issue.no))),
        }
    }
    Ok(Ok(ev.labels))
}

/// Runs the full suite; failing → the seed's "Tests failing" stop with fix attempts.
fn full_suite(s: &mut Session, issue: &Issue, spec: &Spec) -> Result<Result<TestRun, IssueEnd>, Halt> {
    let max = s.config.policy.max_fix_attempts;
    let mut fixes = 0;
    loop {
        let cmd = s.test_command();
        let f = task::run_shell(s, &cmd, "Full suite")?;
        let run = TestRun::new(&cmd, f);
        s.log(
            "suite",
            json!({"issue": issue.no.padded(), "passed": run.passed(), "exit": run.finished.code,
                   "tail": run.finished.tail(task::EVIDENCE_LINES)}),
        )?;
        if run.passed() {
            return Ok(Ok(run));
        }
        match task::tests_failing_stop(s, issue, &run, fixes, max)? {
            Command::Fix => {
                fixes += 1;
                s.ui.blank();
                s.ui.line("🔧 Fixing...");
                let before = ops::head(&s.work)?;
                let feedback = task::failure_feedback(&run);
                match task::implement(s, issue, spec, None, Step::FixTests, Some(&feedback))? {
                    task::Called::End(end) => {
                        ops::reset_hard(&s.work, before, &s.exclude)?;
                        return Ok(Err(end));
                    }
                    task::Called::Failed(_) => {
                        // The attempt is spent; nothing of it is kept.
                        ops::reset_hard(&s.work, before, &s.exclude)?;
                        continue;
                    }
                    task::Called::Done(_) => {}
                }
                let msg = format!(
                    "fix({}): make the full suite pass{}",
                    s.id,
                    naming::github_number(issue, Some(spec)).map(|n| format!(" (#{n})")).unwrap_or_default()
                );
                let msg = naming::tool_commit_message(&msg, &s.id, issue);
                if let Some(sha) = ops::commit_all(&s.work, before, &msg, &s.exclude)? {
                    s.ui.ok(format!("Committed fix ({})", short(sha)));
                }
            }
            Command::Skip => return Ok(Err(IssueEnd::Skipped { reason: "Tests failing".into() })),
            _ => return Err(Halt::Abort(format!("tests failing in Issue {}", issue.no))),
        }
    }
}

/// `lint_fix_command`, committed as `style(<m>): auto-fix (#<issue>)`; dropped if it breaks the suite.
fn lint_fix(s: &mut Session, issue: &Issue, spec: &Spec) -> Result<(), Halt> {
    let Some(cmd) = s.config.lint_fix_command.clone() else { return Ok(()) };
    let before = ops::head(&s.work)?;
    let f = task::run_shell(s, &cmd, "Lint auto-fix")?;
    if !f.success() {
        s.ui.line(format!("⚠️ Lint auto-fix `{cmd}` ended with {} (findings remain)", f.describe()));
    }
    let msg = naming::tool_commit_message(
        &naming::lint_commit_message(&s.id, naming::github_number(issue, Some(spec))),
        &s.id,
        issue,
    );
    let Some(sha) = ops::commit_all(&s.work, before, &msg, &s.exclude)? else { return Ok(()) };
    let suite = task::run_shell(s, &s.test_command(), "Full suite (after lint)")?;
    if suite.success() {
        s.ui.ok(format!("Auto-fixed (lint) ({})", short(sha)));
        s.log("lint_fix", json!({"issue": issue.no.padded(), "sha": sha.to_string()}))?;
    } else {
        ops::reset_hard(&s.work, before, &s.exclude)?;
        s.ui.line("⚠️ Lint auto-fix broke the tests: dropped");
    }
    Ok(())
}

/// Pushes the issue branch; a failure is the seed's `🛑 Push failed` stop.
fn push(s: &mut Session, issue: &Issue, branch: &str) -> Result<Result<(), IssueEnd>, Halt> {
    match super::push::push_branch(s, branch, Some(issue.no))? {
        super::push::Pushed::Done => {
            s.log("pushed", json!({"issue": issue.no.padded(), "branch": branch}))?;
            Ok(Ok(()))
        }
        super::push::Pushed::Skipped(message) => {
            Ok(Err(IssueEnd::Skipped { reason: format!("Push failed: {message}") }))
        }
    }
}

/// Waits (bounded, with a countdown) for the checks of the PR's current head.
fn wait_for_checks(s: &mut Session, pr: &PullRequest) -> Result<crate::forge::Checks, Halt> {
    let mut countdown = wait_countdown(s);
    let mut announced = false;
    loop {
        let spinner = s.ui.spinner(format!("checks for PR #{}", pr.number));
        let checks = s.forge.checks(pr.number).map_err(|e| s.forge_fail(e))?;
        drop(spinner);
        s.check_signals()?;
        if checks.state != CheckState::Pending || countdown.expired() {
            return Ok(checks);
        }
        if !announced {
            s.ui.line(format!(
                "⏳ Waiting for checks on PR #{} ({}; up to {})",
                pr.number,
                checks.summary,
                super::summary::duration(countdown.timeout().as_secs())
            ));
            announced = true;
        }
        tracing::info!(pr = pr.number, left_secs = countdown.left_secs(), "checks pending");
        countdown.wait(s.ui, &format!("⏳ Checks pending on PR #{}", pr.number));
        s.check_signals()?;
    }
}

/// `forge.checks_timeout_seconds`, polled every `forge.checks_poll_seconds`.
fn wait_countdown(s: &Session) -> super::countdown::Countdown {
    let f = &s.config.forge;
    super::countdown::Countdown::new(
        std::time::Duration::from_secs(f.checks_timeout_seconds),
        std::time::Duration::from_secs(f.checks_poll_seconds.max(1)),
    )
}

/// Checks for the PR's head (waited for), the branch brought up to date with its base, then a
/// squash merge guarded by the head SHA whose checks passed. No green CI = no merge.
fn merge_when_green(s: &mut Session, issue: &Issue, pr: &PullRequest) -> Result<IssueEnd, Halt> {
    for _round in 0..3 {
        let head = ops::tip(&s.work, &pr.head).unwrap_or(Oid::ZERO_SHA1).to_string();
        let checks = wait_for_checks(s, pr)?;
        s.log("checks", json!({"pr": pr.number, "sha": checks.sha, "state": format!("{:?}", checks.state), "summary": checks.summary}))?;
        match checks.state {
            CheckState::Success => s.ui.ok(format!("Checks: {}", checks.summary)),
            CheckState::Failure => {
                s.ui.line(format!("✗ Checks: {}", checks.summary));
                return Ok(IssueEnd::NeedsReview { pr: pr.number, reason: format!("CI failed: {}", checks.summary) });
            }
            CheckState::Pending => {
                s.ui.line(format!("⏳ Checks still pending: {}", checks.summary));
                return Ok(IssueEnd::NeedsReview {
                    pr: pr.number,
                    reason: format!("checks still pending: {}", checks.summary),
                });
            }
            CheckState::Missing => {
                s.ui.line(format!("⏳ Checks: {}", checks.summary));
                return Ok(IssueEnd::NeedsReview { pr: pr.number, reason: format!("no green CI: {}", checks.summary) });
            }
        }
        // The seed's hard requirement: the branch is up to date with its base before merging.
        let update = s.forge.update_branch(pr.number).map_err(|e| s.forge_fail(e))?;
        if let BranchUpdate::Moved(new_head) = &update {
            // The forge moved the PR branch: the local branch follows (a later push must not fight it).
            if let Err(e) = s.forge.sync_branch(&pr.head) {
                s.ui.warn(format!("could not update {} from the forge: {e}", pr.head));
            }
            s.ui.ok(format!(
                "Branch updated with {} ({}): waiting for its checks again",
                pr.base,
                &new_head[..new_head.len().min(7)]
            ));
            s.log("branch_updated", json!({"pr": pr.number, "sha": new_head}))?;
            continue;
        }
        let expected = if checks.sha.is_empty() { head } else { checks.sha.clone() };
        // A head the forge could not update is refused by the merge, which names why.
        match s.forge.merge(pr.number, &expected, update.not_updated()).map_err(|e| s.forge_fail(e))? {
            MergeOutcome::Merged { sha } => {
                s.log("merged", json!({"issue": issue.no.padded(), "pr": pr.number, "sha": sha}))?;
                s.ui.ok(format!("Merged into {} ({})", pr.base, &sha[..sha.len().min(7)]));
                if let Err(e) = s.forge.push(&pr.base) {
                    s.ui.warn(format!("could not push {}: {e}", pr.base));
                }
                return Ok(IssueEnd::Merged { pr: pr.number });
            }
            MergeOutcome::HeadMoved { expected, actual } => {
                s.ui.line(format!(
                    "⚠️ Head moved ({} → {}): re-evaluating",
                    &expected[..expected.len().min(7)],
                    &actual[..actual.len().min(7)]
                ));
            }
            MergeOutcome::Conflict { files } => {
                s.ui.blank();
                s.ui.line("🛑 Merge conflict (soft stop: skip, log)");
                for f in &files {
                    s.ui.line(format!("- {f}"));
                }
                return Ok(IssueEnd::Skipped { reason: format!("Merge conflict ({})", files.join(", ")) });
            }
            MergeOutcome::Refused { reason } if reason == crate::forge::github::merge::AUTO_MERGE_ENABLED => {
                return wait_for_auto_merge(s, issue, pr, reason);
            }
            MergeOutcome::Refused { reason } => {
                return Ok(IssueEnd::NeedsReview { pr: pr.number, reason });
            }
        }
    }
    Ok(IssueEnd::NeedsReview { pr: pr.number, reason: "the head kept moving during merge".into() })
}

/// GitHub enabled auto-merge instead of merging (branch protection still waits for something):
/// polls the PR within `forge.checks_timeout_seconds` (a last look at the deadline); merged →
/// Done, else the PR is left for a human (👀 Needs Review) and the next run's reconcile finds it.
fn wait_for_auto_merge(s: &mut Session, issue: &Issue, pr: &PullRequest, reason: String) -> Result<IssueEnd, Halt> {
    let mut countdown = wait_countdown(s);
    let timeout = super::summary::duration(countdown.timeout().as_secs());
    s.ui.line(format!("⏳ PR #{}: {reason}; waiting up to {timeout}", pr.number));
    loop {
        let now = s.forge.get_pr(pr.number).map_err(|e| s.forge_fail(e))?;
        s.check_signals()?;
        if now.state == PrState::Merged {
            let sha = now.merged_sha.clone().unwrap_or_default();
            s.log("merged", json!({"issue": issue.no.padded(), "pr": pr.number, "sha": sha, "auto_merge": true}))?;
            s.ui.ok(format!("Merged into {} by auto-merge", pr.base));
            if let Err(e) = s.forge.sync_branch(&pr.base) {
                s.ui.warn(format!("could not update {} from the forge: {e}", pr.base));
            }
            return Ok(IssueEnd::Merged { pr: pr.number });
        }
        if now.state == PrState::Closed {
            return Ok(IssueEnd::NeedsReview { pr: pr.number, reason: "closed while auto-merge was enabled".into() });
        }
        if countdown.expired() {
            s.ui.line(format!("⏳ PR #{} not merged by GitHub within {timeout}", pr.number));
            return Ok(IssueEnd::NeedsReview { pr: pr.number, reason });
        }
        countdown.wait(s.ui, &format!("⏳ Waiting for GitHub's auto-merge of PR #{}", pr.number));
        s.check_signals()?;
    }
}

/// Forge errors stop the run; never-main is the seed's hard stop.
pub fn forge_halt(e: ForgeError) -> Halt {
    match e {
        ForgeError::Protected { .. } => Halt::Error(crate::error::Error::stopped(format!("🛑 Never target main: {e}"))),
        other => Halt::Error(crate::error::Error::stopped(format!("forge: {other}"))),
    }
}
