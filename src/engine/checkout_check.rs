//! The checkout checks a run makes before anything is written, shared with `--dry-run` (they
//! only read, so a dry-run fails where the run would): a commit to branch from; with a worktree,
//! its folder free or already the milestone's worktree and the milestone branch not checked out
//! here; with `--no-worktree`, the current checkout on the milestone branch and clean.

use super::setup::Setup;
use crate::error::Error;
use crate::git::ops::{self, Exclude};

/// The message when the milestone branch cannot be created for want of a commit.
pub const NO_COMMITS: &str = "the repository has no commits: commit something first";

/// The repository has a commit to create the milestone branch from (unless it exists); with
/// `--no-worktree` see [`check_current_checkout`]; with a worktree, `../<repo>-<m>`, if it
/// exists, is this repository's registered worktree of that name, and the milestone branch is
/// not checked out here (git allows a branch in one worktree only).
pub fn check_checkout(setup: &Setup, no_worktree: bool) -> Result<(), Error> {
    let base = &setup.milestone.plan.base_branch;
    // The milestone branch is created from HEAD: there must be a commit to create it from.
    if ops::tip(&setup.repo, base).is_none() && ops::head(&setup.repo).is_err() {
        return Err(Error::input(NO_COMMITS));
    }
    if no_worktree {
        return check_current_checkout(setup);
    }
    let path = setup.ws.worktree_path(&setup.id.to_string());
    let name = super::worktree_setup::worktree_name(&path);
    if let Some(conflict) = ops::worktree_conflict(&setup.repo, &name, &path) {
        return Err(Error::input(conflict.message).with_hint(conflict.hint));
    }
    if setup.ws.head_branch.as_deref() == Some(base.as_str()) && !path.exists() {
        return Err(Error::input(format!(
            "the milestone branch `{base}` is checked out here, so it cannot also be checked out in the worktree {}",
            path.display()
        ))
        .with_hint("switch this checkout to another branch (e.g. `git switch main`), or run with --no-worktree"));
    }
    Ok(())
}

/// `--no-worktree`: the current checkout must be on the milestone branch — or, when resuming (an earlier
/// run of the milestone started), on one of its issues' branches — and clean apart from the plan file
/// (the tool updates it in place). Checked before anything is written.
fn check_current_checkout(setup: &Setup) -> Result<(), Error> {
    let base = &setup.milestone.plan.base_branch;
    let branch = ops::current_branch(&setup.repo).unwrap_or_default();
    let resuming = super::resume::earlier_run(&super::bootstrap::milestone_state_dir(setup).join("journal.jsonl"));
    let on_issue_branch = resuming
        && setup
            .milestone
            .plan
            .issues
            .iter()
            .any(|i| super::naming::issue_branch(&setup.id, i, setup.milestone.spec(i.no)) == branch);
    if branch != *base && !on_issue_branch {
        return Err(
            Error::input(format!(
                "--no-worktree: the current checkout is on `{}`, expected the milestone branch `{base}`",
                if branch.is_empty() { "a detached HEAD" } else { &branch }
            ))
            .with_hint(format!(
                "git switch {base}   (or `git switch -c {base}` to create it); an issue branch is accepted only when resuming its issue"
            )),
        );
    }
    let plan_file = setup.milestone.display_path(&setup.milestone.plan.path).to_string_lossy().replace('\\', "/");
    let folder = setup.milestone.display_path(&setup.milestone.dir.path).to_string_lossy().replace('\\', "/");
    let in_folder = Exclude::new([folder.as_str()]);
    let head = ops::head(&setup.repo).map_err(crate::error::classify)?;
    let changed =
        ops::changes(&setup.repo, head, &Exclude::new([plan_file.as_str()])).map_err(crate::error::classify)?;
    // Resuming on an issue branch: a half-done task's leftovers are discarded in bootstrap (it
    // restarts from its last clean commit); edits to the milestone's specs never are.
    let refused: Vec<String> =
        changed.into_iter().map(|c| c.path).filter(|p| !on_issue_branch || in_folder.matches(p)).collect();
    if !refused.is_empty() {
        let more = if refused.len() > 5 { format!(" (and {} more)", refused.len() - 5) } else { String::new() };
        return Err(Error::input(format!(
            "--no-worktree: the current checkout has uncommitted changes besides the plan file: {}{more}",
            refused.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ))
        .with_hint(format!("commit or stash them first (only {plan_file} may have uncommitted edits)")));
    }
    Ok(())
}
