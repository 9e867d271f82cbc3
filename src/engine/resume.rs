//! Resuming an issue: which tasks its branch already holds, and the last clean commit a half-done
//! task restarts from — the last commit the orchestrator made. Commits an agent made itself above
//! it (before a crash or kill) are set aside under `refs/run-milestone/set-aside/`, never lost.

use std::collections::BTreeSet;

use git2::{Oid, Repository};
use serde_json::json;

use super::naming;
use super::session::{Halt, Session};
use crate::git::ops;
use crate::git::repo::short;
use crate::milestone::MilestoneId;
use crate::plan::Issue;

/// Whether a run of the milestone whose journal is at `journal` got as far as starting (the
/// journal has a `run_started` entry): only then is there a run to resume. A stop before it —
/// at the quality gate, a panic or a failed alert there — journals entries, but leaves nothing
/// to resume. (`resumed` in the banner, `--no-worktree` on an issue branch, reconcile.)
pub fn earlier_run(journal: &std::path::Path) -> bool {
    crate::safety::journal::Journal::read(journal).iter().any(|e| e["event"] == "run_started")
}

/// Where the commits set aside from `branch` are kept: `refs/run-milestone/set-aside/<branch>/<sha>`.
pub fn set_aside_ref(branch: &str, tip: Oid) -> String {
    format!("refs/run-milestone/set-aside/{branch}/{}", short(tip))
}

/// Tasks of `issue` already committed on `branch` (by their trailer).
pub fn committed_tasks(s: &Session, issue: &Issue, branch: &str) -> Result<BTreeSet<u32>, Halt> {
    let (Some(base), Some(tip)) = (ops::tip(&s.work, &s.base_branch()), ops::tip(&s.work, branch)) else {
        return Ok(BTreeSet::new());
    };
    let prefix = format!("Run-Milestone-Task: {}/{}/", s.id, issue.no.padded());
    let mut done = BTreeSet::new();
    for (_, msg) in ops::messages_since(&s.work, base, tip)? {
        for line in msg.lines() {
            if let Some(n) = line.trim().strip_prefix(&prefix).and_then(|n| n.trim().parse().ok()) {
                done.insert(n);
            }
        }
    }
    Ok(done)
}

/// The last clean commit at or below `tip`: walking back by first parents, the first commit that
/// the orchestrator made for `issue` (a trailer of [`naming::is_tool_commit`]), a merge (a forge
/// bringing the branch up to date), a root, or one already on the milestone branch (`base_tip`:
/// the fork point). Returns it and the commits above it, newest first.
pub fn last_clean_commit(
    repo: &Repository,
    m: &MilestoneId,
    issue: &Issue,
    base_tip: Oid,
    tip: Oid,
) -> anyhow::Result<(Oid, Vec<Oid>)> {
    let mut above = Vec::new();
    let mut at = tip;
    loop {
        let (message, parents) = ops::commit_info(repo, at)?;
        let clean =
            parents.len() != 1 || naming::is_tool_commit(&message, m, issue) || ops::is_ancestor(repo, at, base_tip);
        if clean {
            return Ok((at, above));
        }
        above.push(at);
        at = parents[0];
    }
}

/// Moves `branch` (checked out in the working tree) back to its last clean commit when commits
/// an agent made itself sit on top, keeping them under [`set_aside_ref`]. Returns the branch's
/// tip afterwards.
pub fn restart_point(s: &mut Session, issue: &Issue, branch: &str, base_tip: Oid) -> Result<Oid, Halt> {
    let tip = ops::tip(&s.work, branch).ok_or_else(|| anyhow::anyhow!("branch {branch} vanished"))?;
    let (clean, above) = last_clean_commit(&s.work, &s.id, issue, base_tip, tip)?;
    if above.is_empty() {
        return Ok(tip);
    }
    let kept = set_aside_ref(branch, tip);
    ops::set_ref(&s.work, &kept, tip, "run-milestone: commits an agent made itself, set aside on resume")?;
    ops::reset_hard(&s.work, clean, &s.exclude)?;
    let n = above.len();
    s.ui.ok(format!(
        "Restarting from the last clean commit {}: set aside {n} commit{} the agent made itself ({kept})",
        short(clean),
        if n == 1 { "" } else { "s" }
    ));
    s.log(
        "agent_commits_set_aside",
        json!({"issue": issue.no.padded(), "branch": branch, "clean": clean.to_string(),
               "commits": above.iter().map(Oid::to_string).collect::<Vec<_>>(), "ref": kept}),
    )?;
    Ok(clean)
}
