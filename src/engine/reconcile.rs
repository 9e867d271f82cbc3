//! The seed's step 9 and "Reconcile": the forge's PRs into the milestone branch against the plan.
//! Merged → Done; closed without merge → the issue needs a human (once); open → reused later.

use std::collections::HashMap;

use serde_json::json;

use super::naming;
use super::select::next_issue;
use super::session::{Halt, Session};
use crate::forge::PrState;
use crate::plan::Status;

pub fn reconcile(s: &mut Session) -> Result<(), Halt> {
    let base = s.base_branch();
    let prs = s.forge.list(Some(&base)).map_err(|e| s.forge_fail(e))?;
    let heads: HashMap<String, crate::plan::IssueNo> = s
        .milestone
        .plan
        .issues
        .iter()
        .map(|i| (naming::issue_branch(&s.id, i, s.milestone.spec(i.no)), i.no))
        .collect();
    let handled = s.recall.closed_prs().clone();
    let mut merged_since = 0;
    for pr in &prs {
        let Some(&no) = heads.get(&pr.head) else { continue };
        let status = s.milestone.plan.issue(no).map(|i| i.status);
        match pr.state {
            PrState::Merged if status != Some(Status::Done) => {
                s.set_status(no, Status::Done, Some(pr.number))?;
                merged_since += 1;
            }
            PrState::Closed if !handled.contains(&pr.number) && status != Some(Status::Done) => {
                // Only the newest PR of a branch counts.
                if prs.iter().any(|p| p.head == pr.head && p.number > pr.number) {
                    continue;
                }
                let reason = format!(
                    "PR #{} closed without merge: needs a human (set the status back to Todo to open a new PR)",
                    pr.number
                );
                s.set_status(no, Status::Blocked, None)?;
                s.add_blocked(no, &reason)?;
                s.log("closed_pr", json!({"issue": no.padded(), "pr": pr.number}))?;
            }
            _ => {}
        }
    }
    let open = prs.iter().filter(|p| p.state == PrState::Open).count();
    if s.resumed || !prs.is_empty() {
        s.ui.blank();
        s.ui.line("🔄 Reconcile");
        s.ui.ok(format!("Found {}", crate::plan::gate::plural(open, "open PR", "open PRs")));
        s.ui.ok(format!("{} merged since last run", crate::plan::gate::plural(merged_since, "PR", "PRs")));
        s.milestone.reload_plan()?;
        if let Some(idx) = next_issue(&s.milestone.plan) {
            s.ui.ok(format!("Current: Issue {}", s.milestone.plan.issues[idx].no));
        }
    }
    s.log("reconcile", json!({"open": open, "merged_since": merged_since}))
}
