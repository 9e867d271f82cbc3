//! The local forge's CI: the configured `test_command`, run on exactly the PR's head commit, in a
//! temporary git worktree (detached at that commit; never the working tree, which may hold
//! uncommitted or other work), so commands that need git work there too. The command runs in its
//! own process group with a wall-clock limit; the worktree is removed afterwards.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use git2::Oid;
use git2::Repository;

use super::records::{CheckRecord, now_rfc3339};
use crate::forge::{CheckState, ForgeError};
use crate::process::{Cmd, run};

/// How many lines of output a check keeps in `details`.
pub const DETAILS_LINES: usize = 80;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A directory removed (with its contents) on drop.
struct TempTree {
    path: PathBuf,
}

impl TempTree {
    /// A new, private (0700) directory in the system temp dir.
    fn create(sha: Oid) -> Result<TempTree, ForgeError> {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::temp_dir();
        let short = crate::git::repo::short(sha);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("{}{short}-{}-{n}", super::stale_ci::PREFIX, std::process::id()));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(TempTree { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(ForgeError::Other(format!(
                        "local CI: cannot create a temporary directory in {}: {e}",
                        base.display()
                    )));
                }
            }
        }
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "local CI: could not remove the temporary checkout");
        }
    }
}

/// A temporary linked worktree, detached at a commit; removed (and pruned) on drop.
struct TempWorktree {
    repo_dir: PathBuf,
    path: PathBuf,
    _parent: TempTree,
}

impl TempWorktree {
    fn add(repo: &Repository, sha: Oid) -> Result<TempWorktree, ForgeError> {
        let parent = TempTree::create(sha)?;
        let path = parent.path.join("tree");
        let repo_dir = repo.workdir().unwrap_or(repo.path()).to_path_buf();
        let add = Cmd::new("git", &repo_dir)
            .trusted()
            .args(["worktree", "add", "--detach", "--quiet"])
            .arg(path.as_os_str())
            .arg(sha.to_string())
            .env("GIT_TERMINAL_PROMPT", "0")
            .timeout(Some(Duration::from_secs(120)));
        let f = run(&add).map_err(|e| ForgeError::Other(format!("local CI: cannot run git worktree add: {e}")))?;
        if !f.success() {
            return Err(ForgeError::Other(format!(
                "local CI: cannot check out {sha} in a temporary worktree: {}",
                f.combined.trim()
            )));
        }
        Ok(TempWorktree { repo_dir, path, _parent: parent })
    }
}

impl Drop for TempWorktree {
    /// Also after a panic or Ctrl-C stopped the CI: the temporary worktree never outlives it.
    fn drop(&mut self) {
        let remove = Cmd::new("git", &self.repo_dir)
            .trusted()
            .after_stop()
            .args(["worktree", "remove", "--force", "--force"])
            .arg(self.path.as_os_str())
            .timeout(Some(Duration::from_secs(60)));
        if !run(&remove).is_ok_and(|f| f.success()) {
            let _ = std::fs::remove_dir_all(&self.path);
            let _ = run(&Cmd::new("git", &self.repo_dir).trusted().after_stop().args(["worktree", "prune"]));
        }
    }
}

/// Runs `command` on commit `sha` of PR `number` and returns the result to record.
pub fn run_ci(
    repo: &Repository,
    number: u64,
    sha: Oid,
    command: &str,
    timeout: Duration,
    env: &[(OsString, OsString)],
) -> Result<CheckRecord, ForgeError> {
    let tmp = TempWorktree::add(repo, sha)?;
    let mut cmd = Cmd::shell(command, &tmp.path)
        .timeout(Some(timeout))
        .env("RUN_MILESTONE_PR", number.to_string())
        .env("RUN_MILESTONE_SHA", sha.to_string());
    for (k, v) in env {
        cmd = cmd.env(k.clone(), v.clone());
    }
    tracing::debug!(pr = number, sha = %sha, command, dir = %tmp.path.display(), "local CI: running");
    // A CI a panic or Ctrl-C stopped is an error here, never a record: the next run runs it again.
    let finished = run(&cmd).map_err(|e| ForgeError::Other(format!("local CI: cannot run `{command}`: {e}")))?;
    let passed = finished.success();
    let word = if passed { "passed" } else { "failed" };
    Ok(CheckRecord {
        state: if passed { CheckState::Success } else { CheckState::Failure },
        summary: format!("local CI: {word} ({})", finished.describe()),
        details: finished.tail(DETAILS_LINES),
        ran_at: now_rfc3339(),
        duration_ms: u64::try_from(finished.duration.as_millis()).unwrap_or(u64::MAX),
    })
}
