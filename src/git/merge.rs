//! Squash merges without a working tree: the three-way merge is computed in memory with git2
//! (`merge_trees`), the result becomes one commit on the base branch, and the base ref moves with
//! a compare-and-swap so a concurrent move is detected instead of overwritten. No working tree,
//! index or checkout is touched.

use git2::{ErrorCode, Oid, Repository};

/// What [`squash`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Squash {
    /// The base branch now points at this new commit.
    Merged(Oid),
    /// The change conflicts with the base in these files; nothing was changed.
    Conflict(Vec<String>),
    /// The base already holds every change of the head; nothing was changed.
    NothingToMerge,
    /// Base and head share no history; nothing was changed.
    Unrelated,
    /// The base branch no longer points at `base_tip` (moved or deleted meanwhile); nothing was
    /// merged.
    BaseMoved,
}

/// Squash-merges `head_tip` into branch `base` whose tip was read as `base_tip`.
///
/// The new commit has exactly one parent (`base_tip`), the merged tree, `message` (redacted), and
/// the identities of [`crate::git::sign::signature`].
pub fn squash(
    repo: &Repository,
    base: &str,
    base_tip: Oid,
    head_tip: Oid,
    message: &str,
    reflog: &str,
) -> Result<Squash, git2::Error> {
    let ancestor = match repo.merge_base(base_tip, head_tip) {
        Ok(oid) => oid,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(Squash::Unrelated),
        Err(e) => return Err(e),
    };
    let base_commit = repo.find_commit(base_tip)?;
    let base_tree = base_commit.tree()?;
    let head_tree = repo.find_commit(head_tip)?.tree()?;
    let ancestor_tree = repo.find_commit(ancestor)?.tree()?;
    let mut index = repo.merge_trees(&ancestor_tree, &base_tree, &head_tree, None)?;
    if index.has_conflicts() {
        return Ok(Squash::Conflict(conflict_paths(&index)?));
    }
    let tree_id = index.write_tree_to(repo)?;
    if tree_id == base_tree.id() {
        return Ok(Squash::NothingToMerge);
    }
    let tree = repo.find_tree(tree_id)?;
    let author = crate::git::sign::signature(repo, true)?;
    let committer = crate::git::sign::signature(repo, false)?;
    let message = crate::safety::redact::redact(message);
    let commit = repo.commit(None, &author, &committer, &message, &tree, &[&base_commit])?;
    match repo.reference_matching(&format!("refs/heads/{base}"), commit, true, base_tip, reflog) {
        Ok(_) => {
            crate::safety::fault::crash_point("merge_ref_moved");
            Ok(Squash::Merged(commit))
        }
        Err(e) if matches!(e.code(), ErrorCode::Modified | ErrorCode::NotFound | ErrorCode::Locked) => {
            Ok(Squash::BaseMoved)
        }
        Err(e) => Err(e),
    }
}

/// The conflicting paths of a merge index, sorted, each once.
fn conflict_paths(index: &git2::Index) -> Result<Vec<String>, git2::Error> {
    let mut files = Vec::new();
    for conflict in index.conflicts()? {
        let conflict = conflict?;
        for entry in [conflict.our, conflict.their, conflict.ancestor].into_iter().flatten() {
            files.push(String::from_utf8_lossy(&entry.path).into_owned());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}
