//! The seed's `📊 Current State` block (`run-milestone status`, and `status` at any prompt).

use super::select::next_issue;
use crate::forge::{PrState, PullRequest};
use crate::milestone::MilestoneId;
use crate::plan::{Plan, Status};

/// Lines of the 📊 Current State block.
pub fn current_state(id: &MilestoneId, plan: &Plan, prs: &[PullRequest]) -> Vec<String> {
    let mut out = vec!["📊 Current State".to_string(), String::new(), format!("Milestone: {id}")];
    let current = plan.issues.iter().position(|i| i.status == Status::InProgress).or_else(|| next_issue(plan));
    if let Some(idx) = current {
        let issue = &plan.issues[idx];
        out.push(format!("Phase: {} of {}", issue.phase + 1, plan.phases.len()));
        let title = match issue.github {
            Some(n) => format!("{} (#{n})", issue.title),
            None => issue.title.clone(),
        };
        out.push(format!("Issue: {} — {title}", issue.no));
        let pr = issue.pr.and_then(|n| prs.iter().find(|p| p.number == n)).or_else(|| {
            prs.iter()
                .rev()
                .find(|p| p.head.contains(&format!("-{}-", issue.github.map_or(issue.no.padded(), |g| g.to_string()))))
        });
        if let Some(pr) = pr {
            out.push(format!("PR: #{} ({})", pr.number, pr.state.name()));
        }
    } else {
        out.push("Issue: none left to run".into());
    }
    let count = |s: Status| plan.issues.iter().filter(|i| i.status == s).count();
    let current_n = usize::from(current.is_some_and(|i| plan.issues[i].status == Status::InProgress));
    let remaining = count(Status::Todo) + count(Status::InProgress) - current_n;
    out.push(String::new());
    out.push("Progress:".into());
    out.push(format!("  ✅ Done: {}", count(Status::Done)));
    out.push(format!("  ⏳ Current: {current_n}"));
    out.push(format!("  📋 Remaining: {remaining}"));
    out.push(format!("  ⏭️ Skipped: {}", count(Status::Skipped)));
    if count(Status::NeedsReview) > 0 {
        out.push(format!("  👀 Needs Review: {}", count(Status::NeedsReview)));
    }
    if count(Status::Blocked) > 0 {
        out.push(format!("  🚫 Blocked: {}", count(Status::Blocked)));
    }
    let open: Vec<String> = prs.iter().filter(|p| p.state == PrState::Open).map(|p| format!("#{}", p.number)).collect();
    out.push(String::new());
    out.push(format!("Open PRs: {}", open.len()));
    if !open.is_empty() {
        out.push(format!("  {}", open.join(", ")));
    }
    out
}
