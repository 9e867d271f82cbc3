//! `git push` and `git fetch` through the `git` CLI, shared by the local and the GitHub forge, so
//! the person's credential helpers and ssh config apply. A rejected push comes back as
//! [`ForgeError::Push`] with git's own message (the engine shows it in the seed's
//! `🛑 Push failed` block with `retry | skip | abort`).

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::ForgeError;
use crate::process::{Cmd, Finished, run};

/// Wall-clock limit of one `git push` or `git fetch`.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(600);

/// Where and how git runs: the repository, the remote, and extra environment (tests make it
/// hermetic).
#[derive(Debug, Clone, Copy)]
pub struct GitRemote<'a> {
    pub repo_dir: &'a Path,
    pub remote: &'a str,
    pub env: &'a [(OsString, OsString)],
}

impl GitRemote<'_> {
    /// Runs `git <args>` non-interactively (no terminal prompt, C locale for stable messages).
    pub fn git(&self, args: &[&str]) -> Result<Finished, ForgeError> {
        let mut cmd = Cmd::new("git", self.repo_dir)
            .trusted()
            .args(args.iter().copied())
            .timeout(Some(GIT_TIMEOUT))
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C");
        for (k, v) in self.env {
            cmd = cmd.env(k.clone(), v.clone());
        }
        tracing::debug!(command = %cmd.display(), "forge: running git");
        run(&cmd).map_err(|e| ForgeError::Push(format!("cannot run `{}`: {e}", cmd.display())))
    }

    /// Pushes `branch` to the same name on the remote. A non-fast-forward rejection is retried
    /// with `--force-with-lease` only when `may_force` says the branch is an issue branch (a
    /// rewritten issue branch replaces its old self unless someone else pushed meanwhile); a
    /// base branch is never forced.
    pub fn push_branch(
        &self,
        branch: &str,
        may_force: impl FnOnce() -> Result<bool, ForgeError>,
    ) -> Result<(), ForgeError> {
        let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
        let first = self.git(&["push", self.remote, &refspec])?;
        if first.success() {
            return Ok(());
        }
        if first.stderr.contains("non-fast-forward") && may_force()? {
            tracing::debug!(branch, "forge: rewritten issue branch, pushing with --force-with-lease");
            let lease = format!("--force-with-lease=refs/heads/{branch}");
            let second = self.git(&["push", &lease, self.remote, &refspec])?;
            if second.success() {
                return Ok(());
            }
            return Err(push_error(&second));
        }
        Err(push_error(&first))
    }

    /// Fast-forwards the local `branch` to the remote's (after a merge on the forge), so the next
    /// issue branches from the merged result. Refused by git (and reported) when the local branch
    /// has commits the remote lacks or is checked out in a worktree.
    pub fn fetch_fast_forward(&self, branch: &str) -> Result<(), ForgeError> {
        let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
        // --update-head-ok: the branch may be checked out in the worktree (the engine then brings
        // that working tree level with it). Only fast-forwards are taken (no `+`).
        let f = self.git(&["fetch", "--no-tags", "--quiet", "--update-head-ok", self.remote, &refspec])?;
        if f.success() {
            Ok(())
        } else {
            let msg = f.stderr.trim();
            Err(ForgeError::Other(if msg.is_empty() { format!("git fetch: {}", f.describe()) } else { msg.into() }))
        }
    }
}

/// git's message of a failed push (its stderr), or how it ended when it said nothing.
pub fn push_error(f: &Finished) -> ForgeError {
    let msg = f.stderr.trim();
    if msg.is_empty() { ForgeError::Push(format!("git push: {}", f.describe())) } else { ForgeError::Push(msg.into()) }
}
