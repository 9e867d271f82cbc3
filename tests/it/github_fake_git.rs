//! The fake GitHub's git side: branches in a real bare repository, squash merges and
//! "update branch" merges done there with plumbing (`merge-tree`, `commit-tree`, `update-ref`),
//! and percent-decoding of request paths.

use std::path::Path;
use std::process::Command;

/// `git <args>` in `dir` (hermetic identity and config); stdout, or `None` when git fails.
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "GitHub")
        .env("GIT_AUTHOR_EMAIL", "noreply@github.com")
        .env("GIT_COMMITTER_NAME", "GitHub")
        .env("GIT_COMMITTER_EMAIL", "noreply@github.com")
        .env("GIT_AUTHOR_DATE", "2026-11-21T13:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-21T13:00:00Z")
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn rev(dir: &Path, rev: &str) -> Option<String> {
    git(dir, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
}

/// Squash-merges `head` into `base`: one commit on the base with the merged tree. `None` on a
/// conflict.
pub fn squash(dir: &Path, base: &str, head: &str, message: &str) -> Option<String> {
    let parent = rev(dir, &format!("refs/heads/{base}"))?;
    let tree = git(dir, &["merge-tree", "--write-tree", &format!("refs/heads/{base}"), &format!("refs/heads/{head}")])?;
    let tree = tree.lines().next()?.to_string();
    let commit = git(dir, &["commit-tree", &tree, "-p", &parent, "-m", message])?;
    git(dir, &["update-ref", &format!("refs/heads/{base}"), &commit, &parent])?;
    Some(commit)
}

/// A commit on `branch` with its tip's tree (someone else's work, as far as history goes).
pub fn empty_commit(dir: &Path, branch: &str, message: &str) -> Option<String> {
    let parent = rev(dir, &format!("refs/heads/{branch}"))?;
    let commit = git(dir, &["commit-tree", &format!("{parent}^{{tree}}"), "-p", &parent, "-m", message])?;
    git(dir, &["update-ref", &format!("refs/heads/{branch}"), &commit, &parent])?;
    Some(commit)
}

/// Merges `base` into `head` (GitHub's "Update branch"); the new head.
pub fn merge_base_into_head(dir: &Path, base: &str, head: &str) -> Option<String> {
    let old = rev(dir, &format!("refs/heads/{head}"))?;
    let base_sha = rev(dir, &format!("refs/heads/{base}"))?;
    let tree = git(dir, &["merge-tree", "--write-tree", &old, &base_sha])?;
    let tree = tree.lines().next()?.to_string();
    let message = format!("Merge branch '{base}' into {head}");
    let commit = git(dir, &["commit-tree", &tree, "-p", &old, "-p", &base_sha, "-m", &message])?;
    git(dir, &["update-ref", &format!("refs/heads/{head}"), &commit, &old])?;
    Some(commit)
}

/// Commits on `base` that `head` lacks.
pub fn behind_by(dir: &Path, base: &str, head: &str) -> u64 {
    git(dir, &["rev-list", "--count", &format!("{head}..refs/heads/{base}")]).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Percent-decoding (`%2F` → `/`).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
