//! Resuming an issue: which tasks its branch already holds, and the last clean commit a half-done
//! task restarts from — the last commit the orchestrator made. Commits an agent made itself above
//! it (before a crash or kill) are set aside under `refs/run-milestone/set-aside/`, never lost. A
//! PR the run's own panic left in draft is made ready for review again.

use std::collections::BTreeSet;

use git2::{Oid, Repository};
use serde_json::{Value, json};

use super::naming;
use super::session::{Halt, Session};
use crate::forge::{ForgeError, PullRequest};
use crate::git::ops;
use crate::git::repo::short;
use crate::milestone::MilestoneId;
use crate::plan::Issue;
use crate::safety::journal::Journal;

/// Whether a run of the milestone whose journal is at `journal` got as far as starting (the
/// journal has a `run_started` entry): only then is there a run to resume. A stop before it —
/// at the quality gate, a panic or a failed alert there — journals entries, but leaves nothing
/// to resume. (`resumed` in the banner, `--no-worktree` on an issue branch, reconcile.)
pub fn earlier_run(journal: &std::path::Path) -> bool {
    run_started_in(&Journal::read(journal))
}

/// [`earlier_run`] on a journal's entries, already read.
pub fn run_started_in(entries: &[Value]) -> bool {
    entries.iter().any(|e| e["event"] == "run_started")
}

/// A PR the run's own panic left in draft (journaled as the panic's `draft_pr`, and not marked
/// ready since) is marked ready for review again before its checks and merge: the person who
/// re-runs after a panic wants the run to go on. A PR someone else made a draft stays one (the
/// merge then refuses it: 👀 Needs Review). A forge that cannot mark it ready is a warning (the
/// same Needs Review), a protected base the never-main stop.
pub fn ready_again(s: &mut Session, pr: &mut PullRequest) -> Result<(), Halt> {
    if !pr.draft || !s.recall.drafted_by_panic(pr.number) {
        return Ok(());
    }
    match s.forge.mark_ready(pr.number) {
        Ok(()) => {}
        Err(e @ ForgeError::Protected { .. }) => return Err(s.forge_fail(e)),
        Err(e) => {
            s.ui.warn(format!("could not mark PR #{} ready for review: {e}", pr.number));
            return Ok(());
        }
    }
    pr.draft = false;
    s.log("pr_ready", json!({"pr": pr.number, "reason": "drafted by the panic"}))?;
    s.ui.ok(format!("PR #{} ready for review again (drafted by the panic)", pr.number));
    Ok(())
}

/// Whether the journal's last word on PR `pr` being a draft is a panic drafting it (a `panic`
/// entry with that `draft_pr`, no `pr_ready` for it after).
pub fn drafted_by_panic(entries: &[Value], pr: u64) -> bool {
    super::recall::Recall::from_entries(entries).drafted_by_panic(pr)
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
    let mut done = BTreeSet::new();
    for (_, msg) in ops::messages_since(&s.work, base, tip)? {
        done.extend(naming::trailer_tasks(&msg, &s.id, issue));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_draft_the_panic_made_and_nobody_undid_is_the_panics() {
        let panic = |pr: Option<u64>| json!({"event": "panic", "draft_pr": pr});
        let ready = |pr: u64| json!({"event": "pr_ready", "pr": pr});
        let other = json!({"event": "checks", "pr": 1});
        assert!(drafted_by_panic(&[other.clone(), panic(Some(1)), other.clone()], 1));
        assert!(!drafted_by_panic(&[panic(Some(1))], 2), "another PR");
        assert!(!drafted_by_panic(&[panic(None)], 1), "a panic with no PR open");
        assert!(!drafted_by_panic(&[panic(Some(1)), ready(1)], 1), "made ready since: a later draft is a person's");
        assert!(drafted_by_panic(&[panic(Some(1)), ready(1), panic(Some(1))], 1), "drafted by a second panic");
        assert!(!drafted_by_panic(&[], 1));
    }
}
