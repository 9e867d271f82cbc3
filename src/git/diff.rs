//! The change an issue makes: every file changed between the milestone branch (where the issue
//! branch started) and the issue's head, with line counts and old/new text, plus the unified
//! diff given to reviewers. Stop conditions and reviews read this, never the working tree.

use git2::{Delta, DiffOptions, Oid, Repository};

use super::ops::{ChangeKind, Exclude};

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path in the head (the old path for a deletion), with `/`.
    pub path: String,
    /// The old path of a rename.
    pub old_path: Option<String>,
    pub kind: ChangeKind,
    pub added: usize,
    pub deleted: usize,
    /// Text before (None: absent or binary).
    pub old: Option<String>,
    /// Text after (None: deleted or binary).
    pub new: Option<String>,
}

/// An issue's whole change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueDiff {
    pub files: Vec<FileChange>,
    /// `git diff` style text of the whole change (for reviewer agents).
    pub patch: String,
}

impl IssueDiff {
    /// Lines added plus deleted (`git diff --numstat`), the milestone folder excluded.
    pub fn changed_lines(&self) -> usize {
        self.files.iter().map(|f| f.added + f.deleted).sum()
    }

    pub fn file(&self, path: &str) -> Option<&FileChange> {
        self.files.iter().find(|f| f.path == path)
    }
}

fn blob_text(repo: &Repository, id: Oid) -> Option<String> {
    if id.is_zero() {
        return None;
    }
    let blob = repo.find_blob(id).ok()?;
    if blob.is_binary() {
        return None;
    }
    String::from_utf8(blob.content().to_vec()).ok()
}

/// The change from commit `base` to commit `head`, without `exclude`.
pub fn issue_diff(repo: &Repository, base: Oid, head: Oid, exclude: &Exclude) -> anyhow::Result<IssueDiff> {
    let tree =
        |oid: Oid| repo.find_commit(oid).and_then(|c| c.tree()).map_err(|e| anyhow::anyhow!("tree of {oid}: {e}"));
    let (a, b) = (tree(base)?, tree(head)?);
    let mut opts = DiffOptions::new();
    opts.context_lines(3);
    let mut diff =
        repo.diff_tree_to_tree(Some(&a), Some(&b), Some(&mut opts)).map_err(|e| anyhow::anyhow!("diff: {e}"))?;
    let mut find = git2::DiffFindOptions::new();
    find.renames(true);
    let _ = diff.find_similar(Some(&mut find));
    let mut files = Vec::new();
    let mut patch = String::new();
    for (i, delta) in diff.deltas().enumerate() {
        let new_path = delta.new_file().path().map(|p| p.to_string_lossy().replace('\\', "/"));
        let old_path = delta.old_file().path().map(|p| p.to_string_lossy().replace('\\', "/"));
        let Some(path) = new_path.clone().or(old_path.clone()) else { continue };
        if exclude.matches(&path) {
            continue;
        }
        let kind = match delta.status() {
            Delta::Added | Delta::Copied | Delta::Untracked => ChangeKind::Added,
            Delta::Deleted => ChangeKind::Deleted,
            _ => ChangeKind::Modified,
        };
        let (mut added, mut deleted) = (0, 0);
        if let Ok(Some(mut p)) = git2::Patch::from_diff(&diff, i) {
            if let Ok((_, a, d)) = p.line_stats() {
                added = a;
                deleted = d;
            }
            if let Ok(buf) = p.to_buf() {
                patch.push_str(&String::from_utf8_lossy(&buf));
            }
        }
        files.push(FileChange {
            path,
            old_path: if delta.status() == Delta::Renamed { old_path } else { None },
            kind,
            added,
            deleted,
            old: blob_text(repo, delta.old_file().id()),
            new: blob_text(repo, delta.new_file().id()),
        });
    }
    Ok(IssueDiff { files, patch })
}
