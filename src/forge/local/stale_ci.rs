//! The local CI's temporary worktrees that a killed run left behind. A CI worktree is removed when
//! its run finishes with it, but `kill -9` skips that: git then still lists
//! `<tmp>/run-milestone-ci-<sha>-<pid>-<n>/tree` as a worktree of the repository. The next run
//! removes those of processes that no longer exist (a live pid may be another milestone's run,
//! whose CI is still going).

use std::path::Path;

use git2::{Repository, WorktreePruneOptions};

/// The start of a CI worktree's parent folder name (in the system temp dir).
pub const PREFIX: &str = "run-milestone-ci-";

/// The pid in a CI worktree's parent folder name `run-milestone-ci-<sha>-<pid>-<n>`, for a
/// worktree `tree` in such a folder of the system temp dir (`tmp`) only: nothing else is touched.
fn owner(path: &Path, tmp: &Path) -> Option<u32> {
    if path.file_name()? != "tree" {
        return None;
    }
    let folder = path.parent()?;
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if canonical(folder.parent()?) != canonical(tmp) {
        return None;
    }
    let parent = folder.file_name()?.to_str()?;
    let rest = parent.strip_prefix(PREFIX)?;
    let mut parts = rest.rsplit('-');
    let _n = parts.next()?;
    parts.next()?.parse().ok()
}

/// Whether the CI folder is a real directory of this user, and its `tree` (if still there) too:
/// never follow a symlink someone put in a shared temp dir after a cleaner removed the folder.
fn own_directories(tree: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let real_dir = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir() && m.uid() == me);
    let Some(folder) = tree.parent() else { return false };
    real_dir(folder) && (std::fs::symlink_metadata(tree).is_err() || real_dir(tree))
}

/// Removes the CI worktrees of `repo` whose run is gone (git's record, the checkout and its
/// temporary parent folder); returns how many.
pub fn prune(repo: &Repository) -> usize {
    let Ok(names) = repo.worktrees() else { return 0 };
    let tmp = std::env::temp_dir();
    let mut removed = 0;
    for name in names.iter().flatten().flatten() {
        let Ok(wt) = repo.find_worktree(name) else { continue };
        let path = wt.path().to_path_buf();
        let Some(pid) = owner(&path, &tmp) else { continue };
        if pid == std::process::id() || crate::safety::lock::alive(pid) || !own_directories(&path) {
            continue;
        }
        let mut opts = WorktreePruneOptions::new();
        opts.valid(true).locked(true).working_tree(true);
        match wt.prune(Some(&mut opts)) {
            Ok(()) => {
                if let Some(parent) = path.parent() {
                    let _ = std::fs::remove_dir_all(parent);
                }
                tracing::debug!(path = %path.display(), pid, "local CI: removed the worktree of a run that is gone");
                removed += 1;
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e.message(), "local CI: cannot remove a stale worktree")
            }
        }
    }
    removed
}

#[cfg(test)]
#[path = "stale_ci_tests.rs"]
mod tests;
