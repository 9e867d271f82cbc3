//! The end of a run: the seed's "Autonomous Run Complete" summary (autonomous runs) and the
//! "Milestone Complete" block (when every issue is Done), or what is left and why.

use super::select::schedule;
use super::session::{Halt, Session};
use crate::git::ops;
use crate::plan::Status;

/// `2h 34m`, `1m 12s`, `12s`.
pub fn duration(secs: u64) -> String {
    match secs {
        s if s >= 3600 => format!("{}h {}m", s / 3600, s / 60 % 60),
        s if s >= 60 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

pub fn finish(s: &mut Session) -> Result<(), Halt> {
    s.milestone.reload_plan()?;
    {
        let plan = &s.milestone.plan;
        let count = |st: Status| plan.issues.iter().filter(|i| i.status == st).count();
        let text = format!(
            "🏁 run-milestone {} finished: {} done, {} need review, {} skipped, {} blocked ({} PRs created)",
            s.id,
            count(Status::Done),
            count(Status::NeedsReview),
            count(Status::Skipped),
            count(Status::Blocked),
            s.stats.prs_created.len()
        );
        super::notify::send(s, &text);
    }
    let plan = s.milestone.plan.clone();
    let ui = s.ui;
    let st = &s.stats;
    let elapsed = duration(s.started.elapsed().as_secs());
    let waiting = schedule(&plan).waiting;
    let all_done = plan.issues.iter().all(|i| i.status == Status::Done);

    if s.opts.autonomous {
        ui.blank();
        ui.banner(format!("Autonomous Run Complete: {}", s.id));
        ui.blank();
        ui.line(format!("Duration: {elapsed}"));
        ui.line(format!("Issues: {} attempted", st.attempted.len()));
        ui.line(format!("  ✅ Completed: {}", st.completed.len()));
        ui.line(format!("  ⏭️ Auto-skipped: {}", st.skipped.len()));
        if !st.blocked.is_empty() {
            ui.line(format!("  🚫 Blocked: {}", st.blocked.len()));
        }
        if !st.skipped.is_empty() || !st.blocked.is_empty() {
            ui.blank();
            ui.line("Auto-skipped reasons:");
            for (no, reason) in st.skipped.iter().chain(st.blocked.iter()) {
                ui.line(format!("  - {no}: {reason}"));
            }
        }
        ui.blank();
        ui.line(format!("PRs created: {}", st.prs_created.len()));
        let reasons: Vec<&str> = st.needs_review.iter().map(|(_, _, r)| r.as_str()).collect();
        if reasons.is_empty() {
            ui.line("  Review needed: 0");
        } else {
            ui.line(format!("  Review needed: {} ({})", reasons.len(), reasons.join(", ")));
        }
        if !waiting.is_empty() {
            ui.blank();
            ui.line("Waiting:");
            for w in &waiting {
                ui.line(format!("  - {}: {}", plan.issues[w.issue].no, w.describe()));
            }
        }
        if !st.skipped.is_empty() || !st.blocked.is_empty() || !st.needs_review.is_empty() || !waiting.is_empty() {
            ui.blank();
            ui.line("Manual action required:");
            if !st.skipped.is_empty() || !st.blocked.is_empty() {
                ui.line("  - Review skipped issues");
            }
            if !st.needs_review.is_empty() {
                ui.line("  - Approve PRs with labels");
            }
            if !waiting.is_empty() {
                ui.line("  - Unblock the issues others wait on");
            }
        }
    }

    let count = |status: Status| plan.issues.iter().filter(|i| i.status == status).count();
    let worktree = if s.opts.no_worktree {
        None
    } else {
        Some(format!("../{}", s.workdir.file_name().unwrap_or_default().to_string_lossy()))
    };
    ui.blank();
    if all_done {
        ui.banner(format!("✓ Milestone {} Complete", s.id.to_string().to_uppercase()));
        if let Some(name) = s.workdir.file_name().map(|n| n.to_string_lossy().into_owned())
            && !s.opts.no_worktree
        {
            // Done: the worktree no longer needs protecting from prune.
            ops::unlock(&s.repo, &name)?;
        }
    } else {
        ui.banner(format!("Milestone {}: run finished, work remains", s.id));
    }
    ui.blank();
    ui.line(format!("Issues: {} total", plan.issues.len()));
    ui.line(format!("  ✅ Completed: {}", count(Status::Done)));
    let skipped: Vec<String> =
        plan.issues.iter().filter(|i| i.status == Status::Skipped).map(|i| i.no.to_string()).collect();
    if skipped.is_empty() {
        ui.line("  ⏭️ Skipped: 0");
    } else {
        ui.line(format!("  ⏭️ Skipped: {} ({})", skipped.len(), skipped.join(", ")));
    }
    for (status, label) in [(Status::NeedsReview, "👀 Needs review"), (Status::Blocked, "🚫 Blocked")] {
        if count(status) > 0 {
            ui.line(format!("  {label}: {}", count(status)));
        }
    }
    if !waiting.is_empty() {
        ui.line(format!("  ⏳ Waiting: {}", waiting.len()));
        if !s.opts.autonomous {
            for w in &waiting {
                ui.line(format!("    - {}: {}", plan.issues[w.issue].no, w.describe()));
            }
        }
    }
    ui.blank();
    ui.line(format!("PRs: {} created", st.prs_created.len()));
    let flagged: std::collections::BTreeSet<u64> = st
        .pr_labels
        .iter()
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, _)| *n)
        .chain(st.prs_with_warnings.iter().copied())
        .collect();
    let clean = st.prs_created.iter().filter(|n| !flagged.contains(n)).count();
    if !st.prs_created.is_empty() {
        ui.line(format!("  ✓ Clean: {clean}"));
        ui.line(format!("  ⚠️ Warnings: {}", st.prs_with_warnings.len()));
        if !st.labels.is_empty() {
            let labels: Vec<String> = st.labels.iter().map(|(l, n)| format!("{l} ({n})")).collect();
            ui.line(format!("  🏷️ Labels: {}", labels.join(", ")));
        }
    }
    let tdd = if st.tdd_violations == 0 {
        format!("TDD cycles: {} (all compliant)", st.tasks_total)
    } else {
        format!(
            "TDD cycles: {} ({} compliant, {} violations caught)",
            st.tasks_total, st.tdd_compliant, st.tdd_violations
        )
    };
    ui.line(tdd);
    let reviewed = st.prs_created.len() as u32;
    if st.review_stages > 0 && st.review_stages == reviewed * 2 {
        ui.line(format!("Review stages: {} ({reviewed} × 2)", st.review_stages));
    } else {
        ui.line(format!("Review stages: {}", st.review_stages));
    }
    if !st.approvals.is_empty() {
        ui.blank();
        ui.line("Approved (recorded):");
        for a in &st.approvals {
            ui.line(format!("  - {a}"));
        }
    }
    if !st.commands_used.is_empty() {
        ui.blank();
        ui.line("Commands used:");
        for (c, n) in &st.commands_used {
            ui.line(format!("  {c}: {n}"));
        }
    }
    if let Some(w) = &worktree {
        ui.blank();
        ui.line(format!("Worktree: {w} ({})", if all_done { "ready to remove" } else { "kept for the next run" }));
    }
    ui.blank();
    ui.line("Next steps:");
    let mut n = 0;
    let mut step = |text: String| {
        n += 1;
        ui.line(format!("{n}. {text}"));
    };
    if count(Status::NeedsReview) > 0 {
        step("Merge open PRs".into());
    }
    if !skipped.is_empty() || count(Status::Blocked) > 0 {
        step("Address skipped issues if needed".into());
    }
    if all_done {
        if let Some(w) = &worktree {
            step(format!("Remove worktree:\n   run-milestone cleanup {}   (or: git worktree remove {w})", s.id));
        }
        step(format!("Create milestone PR → main ({} → main, opened by a human)", plan.base_branch));
        step(format!("Tag: {}", s.id.release_tag()));
    } else {
        step(format!("Resume with: run-milestone {}", s.id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::duration(9240), "2h 34m");
        assert_eq!(super::duration(72), "1m 12s");
        assert_eq!(super::duration(12), "12s");
    }
}
