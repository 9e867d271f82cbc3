//! git2 operations the engine needs in a working tree: branches, worktrees (locked), changes since
//! a commit (tracked + untracked-not-ignored), commits made by the orchestrator (folding any
//! commits an agent made), hard resets that also remove untracked files, diff statistics.
//!
//! Paths under `exclude` (the milestone folder) never count as changes and are never staged,
//! reset or removed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use git2::{
    BranchType, DiffOptions, IndexAddOption, Oid, Repository, ResetType, Status, StatusOptions, WorktreeAddOptions,
};

use super::sign::signature;

/// Paths (relative to the working tree, with `/`) that the engine never touches or counts.
#[derive(Debug, Clone, Default)]
pub struct Exclude(Vec<String>);

impl Exclude {
    /// `prefixes` are directories relative to the working tree, e.g. `milestones/m1-demo`.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(prefixes: I) -> Self {
        Exclude(
            prefixes
                .into_iter()
                .map(|p| p.as_ref().trim_end_matches('/').to_string())
                .filter(|p| !p.is_empty())
                .collect(),
        )
    }

    pub fn matches(&self, path: &str) -> bool {
        self.0.iter().any(|p| path == p || path.starts_with(&format!("{p}/")))
    }
}

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn verb(self) -> &'static str {
        match self {
            ChangeKind::Added => "created",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
        }
    }
}

fn err(context: &str, e: git2::Error) -> anyhow::Error {
    anyhow::anyhow!("{context}: {}", e.message())
}

/// The tip of local branch `name`, if it exists.
pub fn tip(repo: &Repository, name: &str) -> Option<Oid> {
    repo.find_branch(name, BranchType::Local).ok().and_then(|b| b.get().target())
}

/// Creates branch `name` at `at` unless it exists. Returns whether it was created.
pub fn ensure_branch(repo: &Repository, name: &str, at: Oid) -> anyhow::Result<bool> {
    if tip(repo, name).is_some() {
        return Ok(false);
    }
    let commit = repo.find_commit(at).map_err(|e| err("find commit", e))?;
    repo.branch(name, &commit, false).map_err(|e| err(&format!("create branch {name}"), e))?;
    Ok(true)
}

/// Why the linked worktree `name` cannot be at `path`, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorktreeConflict {
    pub message: String,
    pub hint: &'static str,
}

/// Why `path` cannot be this repository's linked worktree `name` (read-only; `None`: it is that
/// worktree, or nothing is there yet and it can be created).
pub fn worktree_conflict(repo: &Repository, name: &str, path: &Path) -> Option<WorktreeConflict> {
    let conflict = |message: String, hint| Some(WorktreeConflict { message, hint });
    if let Ok(wt) = repo.find_worktree(name) {
        if wt.path() == path || same_dir(wt.path(), path) {
            if path.exists() {
                return None;
            }
            return conflict(
                format!("worktree `{name}` is registered at {} but the folder is gone", path.display()),
                "run `run-milestone cleanup` for this milestone, or `git worktree prune` after unlocking it",
            );
        }
        return conflict(
            format!(
                "a worktree named `{name}` already exists at {} (expected {})",
                wt.path().display(),
                path.display()
            ),
            "remove that worktree (`git worktree remove`), or run `run-milestone cleanup` for this milestone if it is its old worktree",
        );
    }
    if path.exists() {
        return conflict(
            format!("{} already exists and is not this repository's worktree `{name}`", path.display()),
            "move that folder away: the milestone's worktree is created there",
        );
    }
    None
}

/// Opens or creates the linked worktree `name` at `path`, checked out on `branch`, and locks it
/// so `git worktree prune` / `gc` cannot remove it mid-run. Returns whether it was created.
pub fn ensure_worktree(repo: &Repository, name: &str, path: &Path, branch: &str) -> anyhow::Result<bool> {
    if let Some(conflict) = worktree_conflict(repo, name, path) {
        anyhow::bail!(conflict.message);
    }
    if repo.find_worktree(name).is_ok() {
        lock(repo, name)?;
        return Ok(false);
    }
    let reference =
        repo.find_reference(&format!("refs/heads/{branch}")).map_err(|e| err(&format!("find branch {branch}"), e))?;
    let mut opts = WorktreeAddOptions::new();
    opts.reference(Some(&reference));
    let wt =
        repo.worktree(name, path, Some(&opts)).map_err(|e| err(&format!("create worktree {}", path.display()), e))?;
    wt.lock(Some("run-milestone: milestone in progress")).map_err(|e| err("lock worktree", e))?;
    Ok(true)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Locks worktree `name` (no-op when already locked).
pub fn lock(repo: &Repository, name: &str) -> anyhow::Result<()> {
    let wt = repo.find_worktree(name).map_err(|e| err("find worktree", e))?;
    if matches!(wt.is_locked(), Ok(git2::WorktreeLockStatus::Unlocked)) {
        wt.lock(Some("run-milestone: milestone in progress")).map_err(|e| err("lock worktree", e))?;
    }
    Ok(())
}

/// Unlocks worktree `name` if it exists and is locked.
pub fn unlock(repo: &Repository, name: &str) -> anyhow::Result<()> {
    if let Ok(wt) = repo.find_worktree(name)
        && matches!(wt.is_locked(), Ok(git2::WorktreeLockStatus::Locked(_)))
    {
        wt.unlock().map_err(|e| err("unlock worktree", e))?;
    }
    Ok(())
}

/// The branch checked out in `repo` (a working tree), if any.
pub fn current_branch(repo: &Repository) -> Option<String> {
    let head = repo.head().ok()?;
    if !head.is_branch() {
        return None;
    }
    head.shorthand().ok().map(str::to_string)
}

/// Checks out `branch` in the working tree of `repo`. Local modifications that do not conflict
/// (the plan file under `--no-worktree`) are kept; the working tree must otherwise be clean.
pub fn checkout(repo: &Repository, branch: &str) -> anyhow::Result<()> {
    let refname = format!("refs/heads/{branch}");
    let obj = repo.revparse_single(&refname).map_err(|e| err(&format!("find {branch}"), e))?;
    let mut cb = git2::build::CheckoutBuilder::new();
    cb.safe();
    repo.checkout_tree(&obj, Some(&mut cb)).map_err(|e| err(&format!("check out {branch}"), e))?;
    repo.set_head(&refname).map_err(|e| err(&format!("set HEAD to {branch}"), e))?;
    Ok(())
}

/// HEAD's commit.
pub fn head(repo: &Repository) -> anyhow::Result<Oid> {
    repo.head().ok().and_then(|h| h.target()).ok_or_else(|| anyhow::anyhow!("HEAD has no commit"))
}

/// Paths changed in the working tree (index and files, untracked included, ignored excluded)
/// relative to commit `base`.
pub fn changes(repo: &Repository, base: Oid, exclude: &Exclude) -> anyhow::Result<Vec<Change>> {
    let tree = repo.find_commit(base).and_then(|c| c.tree()).map_err(|e| err("read base tree", e))?;
    let mut opts = DiffOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true).show_untracked_content(true);
    let diff = repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut opts)).map_err(|e| err("diff", e))?;
    let mut out = BTreeSet::new();
    for delta in diff.deltas() {
        let path = delta.new_file().path().or(delta.old_file().path()).map(|p| p.to_string_lossy().replace('\\', "/"));
        let Some(path) = path else { continue };
        if exclude.matches(&path) {
            continue;
        }
        let kind = match delta.status() {
            git2::Delta::Added | git2::Delta::Untracked | git2::Delta::Copied => ChangeKind::Added,
            git2::Delta::Deleted => ChangeKind::Deleted,
            _ => ChangeKind::Modified,
        };
        out.insert(Change { path, kind });
    }
    Ok(out.into_iter().collect())
}

/// Lines added in the working tree relative to `base`, by file (for counting new tests).
pub fn added_lines(repo: &Repository, base: Oid, exclude: &Exclude) -> anyhow::Result<Vec<(String, String)>> {
    let tree = repo.find_commit(base).and_then(|c| c.tree()).map_err(|e| err("read base tree", e))?;
    let mut opts = DiffOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true).show_untracked_content(true).context_lines(0);
    let diff = repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut opts)).map_err(|e| err("diff", e))?;
    let mut out = Vec::new();
    diff.print(git2::DiffFormat::Patch, |delta, _hunk, line| {
        if line.origin() == '+' {
            let path = delta.new_file().path().map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
            if !exclude.matches(&path) {
                out.push((path, String::from_utf8_lossy(line.content()).trim_end_matches('\n').to_string()));
            }
        }
        true
    })
    .map_err(|e| err("diff", e))?;
    Ok(out)
}

/// Stages everything in the working tree except `exclude` (new, modified and deleted files).
fn stage_all(repo: &Repository, exclude: &Exclude) -> anyhow::Result<git2::Index> {
    let mut index = repo.index().map_err(|e| err("open index", e))?;
    let mut skip = |path: &Path, _: &[u8]| -> i32 {
        if exclude.matches(&path.to_string_lossy().replace('\\', "/")) { 1 } else { 0 }
    };
    index.add_all(["*"], IndexAddOption::DEFAULT, Some(&mut skip)).map_err(|e| err("stage files", e))?;
    index.update_all(["*"], Some(&mut skip)).map_err(|e| err("stage deletions", e))?;
    index.write().map_err(|e| err("write index", e))?;
    Ok(index)
}

/// Commits the working tree on top of `parent` with `message` (redacted: a task title can hold a
/// secret). Commits an agent made on its own since `parent` are folded in (HEAD is moved back to
/// `parent` first, keeping their changes). Returns the new commit, or `None` when there is
/// nothing to commit.
pub fn commit_all(repo: &Repository, parent: Oid, message: &str, exclude: &Exclude) -> anyhow::Result<Option<Oid>> {
    let parent_commit = repo.find_commit(parent).map_err(|e| err("find parent", e))?;
    if head(repo)? != parent {
        repo.reset(parent_commit.as_object(), ResetType::Soft, None).map_err(|e| err("fold agent commits", e))?;
    }
    let mut index = stage_all(repo, exclude)?;
    let tree_id = index.write_tree().map_err(|e| err("write tree", e))?;
    crate::safety::fault::crash_point("commit_tree_written");
    if tree_id == parent_commit.tree_id() {
        return Ok(None);
    }
    let tree = repo.find_tree(tree_id).map_err(|e| err("find tree", e))?;
    let author = signature(repo, true).map_err(|e| err("author", e))?;
    let committer = signature(repo, false).map_err(|e| err("committer", e))?;
    let oid = repo
        .commit(Some("HEAD"), &author, &committer, &crate::safety::redact::redact(message), &tree, &[&parent_commit])
        .map_err(|e| err("commit", e))?;
    Ok(Some(oid))
}

/// Resets the working tree, index and HEAD to `to`, and removes untracked (not ignored) files:
/// back to a clean state. `exclude` is left alone.
pub fn reset_hard(repo: &Repository, to: Oid, exclude: &Exclude) -> anyhow::Result<()> {
    let commit = repo.find_commit(to).map_err(|e| err("find commit", e))?;
    let workdir = repo.workdir().map(Path::to_path_buf).ok_or_else(|| anyhow::anyhow!("no working tree"))?;
    let mut opts = StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true).include_ignored(false);
    // A hard reset would also revert the excluded files (the plan under --no-worktree): keep them.
    let mut kept: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
    for entry in repo.statuses(Some(&mut opts)).map_err(|e| err("status", e))?.iter() {
        if let Ok(path) = entry.path()
            && exclude.matches(path)
            && !entry.status().contains(Status::WT_NEW)
        {
            let full = workdir.join(path);
            kept.push((full.clone(), std::fs::read(&full).ok()));
        }
    }
    let mut cb = git2::build::CheckoutBuilder::new();
    cb.force();
    repo.reset(commit.as_object(), ResetType::Hard, Some(&mut cb)).map_err(|e| err("reset", e))?;
    for (path, bytes) in kept {
        match bytes {
            Some(b) => crate::safety::atomic::write_atomic(&path, &b)?,
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let statuses = repo.statuses(Some(&mut opts)).map_err(|e| err("status", e))?;
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for entry in statuses.iter() {
        if !entry.status().contains(Status::WT_NEW) {
            continue;
        }
        let Ok(path) = entry.path() else { continue };
        if exclude.matches(path) {
            continue;
        }
        let full = workdir.join(path);
        let _ = std::fs::remove_file(&full);
        let mut dir = full.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d == workdir {
                break;
            }
            dirs.insert(d.clone());
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    // Remove directories left empty, deepest first.
    for d in dirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
    Ok(())
}

/// Whether the working tree has changes (besides `exclude`) relative to HEAD.
pub fn is_dirty(repo: &Repository, exclude: &Exclude) -> anyhow::Result<bool> {
    Ok(!changes(repo, head(repo)?, exclude)?.is_empty())
}

/// Files changed and lines added + deleted between two commits (`git diff --numstat` style).
pub fn diff_stats(repo: &Repository, from: Oid, to: Oid, exclude: &Exclude) -> anyhow::Result<(usize, usize)> {
    let a = repo.find_commit(from).and_then(|c| c.tree()).map_err(|e| err("tree", e))?;
    let b = repo.find_commit(to).and_then(|c| c.tree()).map_err(|e| err("tree", e))?;
    let diff = repo.diff_tree_to_tree(Some(&a), Some(&b), None).map_err(|e| err("diff", e))?;
    let mut files = 0;
    let mut lines = 0;
    for (i, delta) in diff.deltas().enumerate() {
        let path = delta.new_file().path().or(delta.old_file().path()).map(|p| p.to_string_lossy().replace('\\', "/"));
        if path.as_deref().is_some_and(|p| exclude.matches(p)) {
            continue;
        }
        files += 1;
        if let Ok(Some(patch)) = git2::Patch::from_diff(&diff, i)
            && let Ok((_, add, del)) = patch.line_stats()
        {
            lines += add + del;
        }
    }
    Ok((files, lines))
}

/// Commit messages (full) of the commits reachable from `head` but not from `base`, oldest first.
pub fn messages_since(repo: &Repository, base: Oid, head: Oid) -> anyhow::Result<Vec<(Oid, String)>> {
    let mut walk = repo.revwalk().map_err(|e| err("revwalk", e))?;
    walk.push(head).map_err(|e| err("revwalk", e))?;
    walk.hide(base).map_err(|e| err("revwalk", e))?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(|e| err("revwalk", e))?;
    let mut out = Vec::new();
    for oid in walk {
        let oid = oid.map_err(|e| err("revwalk", e))?;
        let msg = repo.find_commit(oid).map_err(|e| err("commit", e))?.message().unwrap_or("").to_string();
        out.push((oid, msg));
    }
    Ok(out)
}

/// A commit's full message and its parents (first parent first).
pub fn commit_info(repo: &Repository, oid: Oid) -> anyhow::Result<(String, Vec<Oid>)> {
    let c = repo.find_commit(oid).map_err(|e| err("commit", e))?;
    Ok((c.message().unwrap_or("").to_string(), c.parent_ids().collect()))
}

/// Points reference `name` (e.g. `refs/run-milestone/...`) at `oid`, creating or moving it.
pub fn set_ref(repo: &Repository, name: &str, oid: Oid, log_message: &str) -> anyhow::Result<()> {
    repo.reference(name, oid, true, log_message).map_err(|e| err(&format!("write {name}"), e))?;
    Ok(())
}

/// Where `branch_head` forked from `base` (the change is `merge_base..branch_head`).
pub fn merge_base(repo: &Repository, base: Oid, branch_head: Oid) -> anyhow::Result<Oid> {
    repo.merge_base(base, branch_head).map_err(|e| err("merge base", e))
}

/// Whether `ancestor` is `descendant` or one of its ancestors.
pub fn is_ancestor(repo: &Repository, ancestor: Oid, descendant: Oid) -> bool {
    ancestor == descendant || repo.graph_descendant_of(descendant, ancestor).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_matches_prefixes_only() {
        let ex = Exclude::new(["milestones/m1-x/"]);
        assert!(ex.matches("milestones/m1-x"));
        assert!(ex.matches("milestones/m1-x/IMPLEMENTATION_PLAN.md"));
        assert!(!ex.matches("milestones/m1-xy/a"));
        assert!(!ex.matches("src/a.py"));
    }
}
