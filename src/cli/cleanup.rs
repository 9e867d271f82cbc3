//! `run-milestone cleanup <M> [--force]`: remove the milestone's worktree (the seed's completion
//! step); `--force` discards uncommitted work in it (the seed's "Discard Worktree"). It holds the
//! milestone's lock meanwhile, and stops what a killed run left running.

use std::path::Path;

use crate::error::Error;
use crate::git::Workspace;
use crate::git::ops::{self, Exclude};
use crate::milestone::MilestoneId;
use crate::ui::Ui;

pub fn run(ui: &Ui, dir: &Path, id: &MilestoneId, force: bool) -> Result<i32, Error> {
    let (ws, repo) = Workspace::discover(dir)?;
    if let Some(pid) = crate::safety::lock::holder(&ws.state_dir().join(id.to_string())) {
        return Err(Error::new(
            crate::error::ErrorKind::Locked,
            format!("milestone {id} is running (pid {pid}): nothing removed"),
        )
        .with_hint("wait for it, or stop it with `run-milestone panic`"));
    }
    // Held while removing, so no run starts meanwhile; a killed run's leftover processes die.
    let state = ws.state_dir().join(id.to_string());
    let _lock = if state.is_dir() {
        let lock = crate::safety::lock::acquire(&state, &id.to_string())?;
        crate::engine::bootstrap::stop_leftovers(ui, &state);
        Some(lock)
    } else {
        None
    };
    let path = ws.worktree_path(&id.to_string());
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let shown = format!("../{name}");
    let wt = repo
        .find_worktree(&name)
        .map_err(|_| Error::input(format!("milestone {id} has no worktree ({shown} is not registered)")))?;
    if path.exists() && !force {
        let work = git2::Repository::open(&path).map_err(|e| Error::internal(format!("open {shown}: {e}")))?;
        let dirty = ops::is_dirty(&work, &Exclude::default()).map_err(|e| Error::internal(e.to_string()))?;
        if dirty {
            return Err(Error::input(format!("{shown} has uncommitted changes: nothing removed"))
                .with_hint(format!("run-milestone cleanup {id} --force discards them")));
        }
    }
    ops::unlock(&repo, &name).map_err(|e| Error::internal(e.to_string()))?;
    let mut opts = git2::WorktreePruneOptions::new();
    opts.valid(true).locked(true).working_tree(true);
    wt.prune(Some(&mut opts)).map_err(|e| Error::internal(format!("remove {shown}: {}", e.message())))?;
    ui.ok(format!("Removed worktree {shown}{}", if force { " (forced: uncommitted changes discarded)" } else { "" }));
    ui.line("Branches are kept: the milestone branch and its issue branches stay in the repository.");
    Ok(0)
}
