//! `--dry-run`: what a run would do, computed without touching anything (no branch, no worktree,
//! no file written, no network).

use std::fmt::Write as _;

use super::naming;
use super::select::schedule;
use crate::milestone::MilestoneId;
use crate::plan::gate::{GateReport, plural};
use crate::plan::{Milestone, Status};
use crate::ui::RULE;

/// What would happen to the worktree.
pub enum WorktreePlan {
    /// `--no-worktree`: the current checkout is used.
    CurrentCheckout,
    /// Would be created at this path (shown relative to the repository's parent).
    Create(String),
    /// Exists and would be reused.
    Reuse(String),
}

/// What would happen to the milestone branch.
pub enum BasePlan {
    /// Exists at this short SHA.
    Exists(String),
    /// Would be created from this branch/commit description (`main at 1a2b3c4`).
    Create(String),
}

/// The inputs of the preview.
pub struct Preview<'a> {
    pub id: &'a MilestoneId,
    pub milestone: &'a Milestone,
    /// `None` when `--skip-plan-review`.
    pub gate: Option<&'a GateReport>,
    pub worktree: WorktreePlan,
    pub base: BasePlan,
}

/// Renders the preview.
pub fn render(p: &Preview) -> String {
    let m = p.milestone;
    let plan = &m.plan;
    let mut s = String::with_capacity(256 + plan.issues.len() * 400);
    let name = plan.name().map(|n| format!(" — {n}")).unwrap_or_default();
    let _ = writeln!(s, "{RULE}\nDry run: {}{name}\n{RULE}\n", p.id);
    let tasks_total: usize = m.specs.values().map(|sp| sp.tasks.len()).sum();
    let _ = writeln!(s, "📋 Bootstrap");
    let _ = writeln!(s, "✓ Milestone folder: {}", m.display_path(&m.dir.path).display());
    let _ = writeln!(
        s,
        "✓ Implementation plan loaded ({}, {}, {})",
        plural(plan.phases.len(), "phase", "phases"),
        plural(plan.issues.len(), "issue", "issues"),
        plural(tasks_total, "task", "tasks")
    );
    let _ = writeln!(s, "\n🔍 Quality Gate");
    match p.gate {
        Some(gate) => {
            for line in gate.render() {
                let _ = writeln!(s, "{line}");
            }
        }
        None => {
            let _ = writeln!(s, "⏭️ Skipped (--skip-plan-review)");
        }
    }
    let _ = writeln!(s);
    match &p.worktree {
        WorktreePlan::CurrentCheckout => {
            let _ = writeln!(s, "Worktree: none (--no-worktree: the current checkout is used)");
        }
        WorktreePlan::Create(path) => {
            let _ = writeln!(s, "Worktree: {path} (would be created and locked)");
        }
        WorktreePlan::Reuse(path) => {
            let _ = writeln!(s, "Worktree: {path} (exists, would be reused)");
        }
    }
    match &p.base {
        BasePlan::Exists(sha) => {
            let _ = writeln!(s, "Milestone branch: {} (exists at {sha})", plan.base_branch);
        }
        BasePlan::Create(from) => {
            let _ = writeln!(s, "Milestone branch: {} (would be created from {from})", plan.base_branch);
        }
    }

    let sched = schedule(plan);
    let _ = writeln!(s, "\nRun order");
    let mut last_phase = None;
    let mut run_tasks = 0;
    for (step, &idx) in sched.run.iter().enumerate() {
        let issue = &plan.issues[idx];
        if last_phase != Some(issue.phase) {
            let _ = writeln!(s, "\n## {}", plan.phases[issue.phase]);
            last_phase = Some(issue.phase);
        }
        let spec = m.spec(issue.no);
        let _ = writeln!(s, "\n{}. Issue {} — P{} {}", step + 1, issue.display_title(), issue.priority, issue.status);
        let _ = writeln!(s, "   Branch: {}", naming::issue_branch(p.id, issue, spec));
        match spec {
            None => {
                let _ = writeln!(s, "   (no spec file: the engine blocks this issue)");
            }
            Some(spec) => {
                run_tasks += spec.tasks.len();
                for task in &spec.tasks {
                    let est = task.minutes.map(|m| format!(" ({m} min)")).unwrap_or_default();
                    let _ = writeln!(s, "   Task {}: {}{est}", task.number, task.title);
                    for (label, files) in
                        [("Test", &task.files.test), ("Create", &task.files.create), ("Modify", &task.files.modify)]
                    {
                        if !files.is_empty() {
                            let _ = writeln!(s, "     {label}: {}", files.join(", "));
                        }
                    }
                    match &task.verify {
                        Some(v) => {
                            let _ = writeln!(s, "     Verify: {v}");
                        }
                        None => {
                            let _ = writeln!(s, "     Verify: (none: the engine blocks this issue)");
                        }
                    }
                }
            }
        }
        let _ = writeln!(s, "   PR: {} → {}", naming::pr_title(p.id, issue, spec), plan.base_branch);
    }
    if sched.run.is_empty() {
        let _ = writeln!(s, "\n(no issue would run)");
    }

    if !sched.settled.is_empty() || !sched.waiting.is_empty() {
        let _ = writeln!(s, "\nNot run");
        for &idx in &sched.settled {
            let issue = &plan.issues[idx];
            let pr = issue.pr.map(|n| format!(" (PR #{n})")).unwrap_or_default();
            let _ = writeln!(s, "  {} {} — {}{pr}", issue.status.cell(), issue.display_title(), issue.status.word());
        }
        for w in &sched.waiting {
            let issue = &plan.issues[w.issue];
            let _ = writeln!(s, "  ⏳ {} — {}", issue.display_title(), w.describe());
        }
    }
    let count = |st: Status| sched.settled.iter().filter(|&&i| plan.issues[i].status == st).count();
    let _ = writeln!(
        s,
        "\nWould run {}, {} ({} done, {} needs review, {} skipped, {} blocked, {} waiting)",
        plural(sched.run.len(), "issue", "issues"),
        plural(run_tasks, "task", "tasks"),
        count(Status::Done),
        count(Status::NeedsReview),
        count(Status::Skipped),
        count(Status::Blocked),
        sched.waiting.len()
    );
    if p.gate.is_some_and(|g| !g.passed()) {
        let _ = writeln!(s, "🛑 The run would stop at the quality gate (approve | abort).");
    }
    let _ = writeln!(s, "Dry run: nothing was changed.");
    s
}

/// Logs the preview's decisions (tracing at debug level, shown with `--verbose`): the gate, each
/// issue in the order it would run, those its status settles, and those that would wait.
pub fn log_decisions(p: &Preview) {
    let plan = &p.milestone.plan;
    match p.gate {
        Some(g) if g.passed() => {
            tracing::debug!(critical = 0, warnings = g.warnings.len(), "dry-run: quality gate passed");
        }
        Some(g) => tracing::debug!(
            critical = g.critical.len(),
            warnings = g.warnings.len(),
            "dry-run: the quality gate would stop the run (approve | abort)"
        ),
        None => tracing::debug!("dry-run: quality gate skipped (--skip-plan-review)"),
    }
    let sched = schedule(plan);
    for (step, &idx) in sched.run.iter().enumerate() {
        let i = &plan.issues[idx];
        tracing::debug!(
            step = step + 1,
            issue = %i.no,
            phase = %plan.phases[i.phase].number,
            priority = i.priority,
            "dry-run: would run, first eligible by phase, priority, position"
        );
    }
    for &idx in &sched.settled {
        let i = &plan.issues[idx];
        tracing::debug!(issue = %i.no, status = i.status.word(), "dry-run: not run, settled by its status");
    }
    for w in &sched.waiting {
        tracing::debug!(
            issue = %plan.issues[w.issue].no,
            on = %w.on,
            reason = %w.reason,
            "dry-run: would wait, a dependency is not done"
        );
    }
}
