//! The repository a command runs in: where its root, common git dir and default branch are.

use std::path::{Path, PathBuf};

use git2::{BranchType, Repository};

use crate::error::Error;

/// Facts about the repository a command runs in (read-only).
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The working tree the command runs in (`-C`), where the plan is read and updated.
    pub root: PathBuf,
    /// The common git directory (`.git` of the main worktree): state and forge records live here.
    pub common_dir: PathBuf,
    /// The main worktree's directory; worktrees are made beside it.
    pub main_root: PathBuf,
    /// The branch checked out in `root`, if any.
    pub head_branch: Option<String>,
    /// The remote's default branch, from `refs/remotes/origin/HEAD`.
    pub origin_default: Option<String>,
    /// git's `init.defaultBranch`, when configured (a repository's default without a remote).
    pub init_default: Option<String>,
}

impl Workspace {
    /// Finds the repository holding `dir`.
    pub fn discover(dir: &Path) -> Result<(Workspace, Repository), Error> {
        let repo = Repository::discover(dir).map_err(|_| {
            Error::input(format!("not a git repository (or any parent): {}", dir.display()))
                .with_hint("run inside a git checkout, or pass -C <DIR>")
        })?;
        let Some(workdir) = repo.workdir() else {
            return Err(Error::input(format!("{}: a bare repository has no working tree", repo.path().display())));
        };
        let root = canonical(workdir);
        let common_dir = canonical(repo.commondir());
        let main_root = if common_dir.file_name().is_some_and(|n| n == ".git") {
            common_dir.parent().map(Path::to_path_buf).unwrap_or_else(|| root.clone())
        } else {
            root.clone()
        };
        let head_branch =
            repo.head().ok().filter(|h| h.is_branch()).and_then(|h| h.shorthand().ok().map(str::to_string)).or_else(
                || {
                    // An unborn branch (no commits yet) still names a branch.
                    repo.find_reference("HEAD").ok().and_then(|r| {
                        r.symbolic_target().ok().flatten().map(|t| t.trim_start_matches("refs/heads/").to_string())
                    })
                },
            );
        let origin_default = repo
            .find_reference("refs/remotes/origin/HEAD")
            .ok()
            .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_string))
            .and_then(|t| t.strip_prefix("refs/remotes/origin/").map(str::to_string));
        let init_default =
            repo.config().ok().and_then(|c| c.get_string("init.defaultBranch").ok()).filter(|b| !b.is_empty());
        Ok((Workspace { root, common_dir, main_root, head_branch, origin_default, init_default }, repo))
    }

    /// The repository's name: the main worktree's folder name.
    pub fn name(&self) -> String {
        self.main_root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "repo".into())
    }

    /// `../<repo-name>-<m>` beside the main worktree.
    pub fn worktree_path(&self, milestone: &str) -> PathBuf {
        let parent = self.main_root.parent().unwrap_or(&self.main_root);
        parent.join(format!("{}-{milestone}", self.name()))
    }

    /// Where run-milestone keeps its state inside the common git dir.
    pub fn state_dir(&self) -> PathBuf {
        self.common_dir.join("run-milestone")
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The commit a local branch points at, if the branch exists.
pub fn branch_tip(repo: &Repository, name: &str) -> Option<git2::Oid> {
    repo.find_branch(name, BranchType::Local).ok().and_then(|b| b.get().target())
}

/// The commit HEAD points at, if any.
pub fn head_commit(repo: &Repository) -> Option<git2::Oid> {
    repo.head().ok().and_then(|h| h.target())
}

/// Short (7 hex) form of an object id.
pub fn short(oid: git2::Oid) -> String {
    oid.to_string()[..7].to_string()
}
