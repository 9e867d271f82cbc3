//! Bootstrap's steps 4–7: the milestone branch (created from HEAD when missing; `main` is only
//! read), then the working tree the run works in — the milestone's locked worktree
//! `../<repo>-<m>`, or the current checkout with `--no-worktree` — cleared of a stale
//! `index.lock` and of a half-done task's uncommitted leftovers, on the milestone branch.

use std::path::{Path, PathBuf};

use git2::Repository;

use super::session::Halt;
use crate::error::Error;
use crate::git::Workspace;
use crate::git::ops::{self, Exclude};
use crate::git::repo::short;
use crate::milestone::MilestoneId;
use crate::plan::Milestone;
use crate::ui::Ui;

/// The working tree a run works in.
pub struct WorkingTree {
    pub work: Repository,
    pub workdir: PathBuf,
    /// What a reset or a change list leaves alone (the milestone's folder).
    pub exclude: Exclude,
}

/// Steps 4–5: the milestone branch `base`, created from HEAD when it does not exist yet.
pub fn milestone_branch(ui: &Ui, ws: &Workspace, repo: &Repository, base: &str) -> Result<(), Halt> {
    let note = match ops::tip(repo, base) {
        Some(_) => format!("Base branch: {base}"),
        None => {
            let head = ops::head(repo).map_err(|_| Error::input(super::checkout_check::NO_COMMITS))?;
            ops::ensure_branch(repo, base, head)?;
            let from = ws.head_branch.clone().unwrap_or_else(|| "HEAD".into());
            format!("Base branch: {base} (created from {from} at {})", short(head))
        }
    };
    ui.ok(note);
    Ok(())
}

/// Step 7: the worktree (or, with `no_worktree`, the current checkout), clean and on `base`.
pub fn working_tree(
    ui: &Ui,
    ws: &Workspace,
    repo: &Repository,
    id: &MilestoneId,
    milestone: &Milestone,
    no_worktree: bool,
) -> Result<WorkingTree, Halt> {
    let base = &milestone.plan.base_branch;
    let folder = milestone.display_path(&milestone.dir.path).to_string_lossy().replace('\\', "/");
    let exclude = Exclude::new([folder.as_str()]);
    if no_worktree {
        let work =
            Repository::open(&ws.root).map_err(|e| Error::internal(format!("open {}: {e}", ws.root.display())))?;
        clear_stale_index_lock(ui, &work)?;
        if ops::is_dirty(&work, &exclude)? {
            ops::reset_hard(&work, ops::head(&work)?, &exclude)?;
            ui.ok("Discarded uncommitted changes on the issue branch (a half-done task restarts from its last commit)");
        }
        ops::checkout(&work, base)?;
        ui.ok("Working in the current checkout (--no-worktree)");
        return Ok(WorkingTree { work, workdir: ws.root.clone(), exclude });
    }
    let path = ws.worktree_path(&id.to_string());
    let name = worktree_name(&path);
    let created = ops::ensure_worktree(repo, &name, &path, base)?;
    let work =
        Repository::open(&path).map_err(|e| Error::internal(format!("open worktree {}: {e}", path.display())))?;
    clear_stale_index_lock(ui, &work)?;
    let shown = format!("../{name}");
    ui.ok(if created {
        format!("Worktree created: {shown} (locked)")
    } else {
        format!("Worktree reused: {shown} (locked)")
    });
    if ops::is_dirty(&work, &Exclude::default())? {
        ops::reset_hard(&work, ops::head(&work)?, &Exclude::default())?;
        ui.ok("Discarded uncommitted changes in the worktree (a half-done task restarts from its last commit)");
    }
    ops::checkout(&work, base)?;
    Ok(WorkingTree { work, workdir: path, exclude })
}

/// The name git knows the worktree at `path` by (its folder's name, `<repo>-<m>`).
pub fn worktree_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Removes a stale `index.lock` of the working tree's git dir when no process holds it open
/// (a crash mid-commit leaves one); one that is held is an error.
fn clear_stale_index_lock(ui: &Ui, work: &Repository) -> Result<(), Error> {
    let lock = work.path().join("index.lock");
    if !lock.exists() {
        return Ok(());
    }
    if let Some(pid) = crate::process::leftovers::holder_of(&lock) {
        return Err(Error::stopped(format!(
            "{} is held by process {pid} (a git command is running there)",
            lock.display()
        )));
    }
    std::fs::remove_file(&lock).map_err(|e| Error::internal(format!("cannot remove {}: {e}", lock.display())))?;
    ui.ok(format!("Removed a stale {} (no process held it)", lock.display()));
    Ok(())
}
