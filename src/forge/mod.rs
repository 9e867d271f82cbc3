//! Where pull requests live. The engine needs: push a branch, find a PR by head branch, create a
//! PR, labels, the state of checks for a head SHA, a squash merge guarded by the head SHA, draft
//! and ready for review, and a list. Implementations: the local forge (default, offline) and GitHub ([`github`]); both
//! push with the `git` CLI ([`push`]). Every forge is
//! wrapped in [`guard::Guarded`], which refuses any push, PR or merge into a protected branch.

pub mod github;
pub mod guard;
pub mod local;
pub mod push;

use serde::{Deserialize, Serialize};

/// A pull request as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub body: String,
    /// Head branch (`feat/m1-101-slugify`).
    pub head: String,
    /// Base branch (the milestone branch).
    pub base: String,
    /// The head commit when the PR was created or last updated.
    pub head_sha: String,
    pub state: PrState,
    pub draft: bool,
    pub labels: Vec<String>,
    /// The squash commit on the base branch, once merged.
    pub merged_sha: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrState {
    Open,
    Merged,
    Closed,
}

impl PrState {
    pub fn name(self) -> &'static str {
        match self {
            PrState::Open => "open",
            PrState::Merged => "merged",
            PrState::Closed => "closed",
        }
    }
}

/// A PR to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPr {
    pub title: String,
    pub body: String,
    pub head: String,
    pub base: String,
    pub draft: bool,
}

/// The combined state of the checks for one head SHA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckState {
    Pending,
    Success,
    Failure,
    /// No check reported for this SHA (the seed: no green CI = no merge).
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checks {
    pub sha: String,
    pub state: CheckState,
    /// One line for the terminal (`local CI: 12 passed`, `2 of 3 checks passed`).
    pub summary: String,
    /// Output of failed checks, if any.
    pub details: String,
}

/// What a merge attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// Squash-merged; the new commit on the base branch.
    Merged { sha: String },
    /// The head is no longer the SHA whose checks were verified: nothing merged, re-evaluate.
    HeadMoved { expected: String, actual: String },
    /// The change conflicts with the base: nothing merged.
    Conflict { files: Vec<String> },
    /// The forge refused for another reason (not mergeable, checks, review rules …).
    Refused { reason: String },
}

/// What bringing a PR's head up to date with its base did ([`Forge::update_branch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchUpdate {
    /// The head is not behind its base: nothing to do (always, for the local forge).
    UpToDate,
    /// The head moved (the forge merged the base in, or someone pushed): its new SHA. Its checks
    /// are waited for again.
    Moved(String),
    /// Still behind and not updated: why (`GitHub could not update it (HTTP 422: …)`). The engine
    /// passes this to [`Forge::merge`], which refuses a behind head and names it.
    NotUpdated(String),
}

impl BranchUpdate {
    /// The reason of [`BranchUpdate::NotUpdated`], for [`Forge::merge`].
    pub fn not_updated(&self) -> Option<&str> {
        match self {
            BranchUpdate::NotUpdated(why) => Some(why),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForgeError {
    /// Never target main: the operation would write to a protected branch. Nothing was changed.
    #[error(
        "refusing to {op} `{branch}`: it is a protected branch (run-milestone never targets the default or a protected branch)"
    )]
    Protected { op: &'static str, branch: String },
    /// `git push` failed; the message is git's.
    #[error("push failed: {0}")]
    Push(String),
    #[error("{0}")]
    Other(String),
}

/// The operations the engine needs from a forge.
pub trait Forge {
    /// `local` or `github`.
    fn name(&self) -> &'static str;
    /// Publishes `branch` (a no-op for the local forge unless `forge.push: true`).
    fn push(&mut self, branch: &str) -> Result<(), ForgeError>;
    /// The newest PR whose head is `head`, in any state.
    fn find_pr(&mut self, head: &str) -> Result<Option<PullRequest>, ForgeError>;
    fn create_pr(&mut self, pr: &NewPr) -> Result<PullRequest, ForgeError>;
    fn get_pr(&mut self, number: u64) -> Result<PullRequest, ForgeError>;
    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<(), ForgeError>;
    /// The checks for the PR's current head SHA (the local forge runs its CI here if needed).
    fn checks(&mut self, number: u64) -> Result<Checks, ForgeError>;
    /// Squash-merges PR `number` into its base, only if its head is still `expected_head` (and
    /// not behind its base). `not_updated`: why the last [`Forge::update_branch`] left the head
    /// behind ([`BranchUpdate::not_updated`]), named if the merge is refused for it.
    fn merge(
        &mut self,
        number: u64,
        expected_head: &str,
        not_updated: Option<&str>,
    ) -> Result<MergeOutcome, ForgeError>;
    /// Makes the PR a draft; returns whether it changed anything (`false`: a draft already).
    fn mark_draft(&mut self, number: u64) -> Result<bool, ForgeError>;
    /// Marks a draft PR ready for review again (a resumed run undoes its own panic's draft); a
    /// PR that is not a draft is left as it is.
    fn mark_ready(&mut self, number: u64) -> Result<(), ForgeError>;
    /// PRs into `base` (all PRs when `None`), oldest first.
    fn list(&mut self, base: Option<&str>) -> Result<Vec<PullRequest>, ForgeError>;
    /// The forge's default branch (GitHub's repository default), always protected.
    fn default_branch(&mut self) -> Result<Option<String>, ForgeError> {
        Ok(None)
    }
    /// Brings PR `number`'s head up to date with its base when the base moved on (the seed's
    /// "Branch up-to-date with base"): the head moved (the engine waits for its checks again),
    /// nothing to do, or not updated and why. The local forge's squash merge is a three-way
    /// merge, so it has nothing to do.
    fn update_branch(&mut self, number: u64) -> Result<BranchUpdate, ForgeError> {
        let _ = number;
        Ok(BranchUpdate::UpToDate)
    }
    /// Brings the local `branch` level with the forge's when the forge moved it (GitHub merged a
    /// PR after a run ended, or updated a PR branch). The local forge is the repository itself.
    fn sync_branch(&mut self, branch: &str) -> Result<(), ForgeError> {
        let _ = branch;
        Ok(())
    }
}

impl Forge for Box<dyn Forge> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn push(&mut self, branch: &str) -> Result<(), ForgeError> {
        (**self).push(branch)
    }
    fn find_pr(&mut self, head: &str) -> Result<Option<PullRequest>, ForgeError> {
        (**self).find_pr(head)
    }
    fn create_pr(&mut self, pr: &NewPr) -> Result<PullRequest, ForgeError> {
        (**self).create_pr(pr)
    }
    fn get_pr(&mut self, number: u64) -> Result<PullRequest, ForgeError> {
        (**self).get_pr(number)
    }
    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        (**self).add_labels(number, labels)
    }
    fn checks(&mut self, number: u64) -> Result<Checks, ForgeError> {
        (**self).checks(number)
    }
    fn merge(
        &mut self,
        number: u64,
        expected_head: &str,
        not_updated: Option<&str>,
    ) -> Result<MergeOutcome, ForgeError> {
        (**self).merge(number, expected_head, not_updated)
    }
    fn mark_draft(&mut self, number: u64) -> Result<bool, ForgeError> {
        (**self).mark_draft(number)
    }
    fn mark_ready(&mut self, number: u64) -> Result<(), ForgeError> {
        (**self).mark_ready(number)
    }
    fn list(&mut self, base: Option<&str>) -> Result<Vec<PullRequest>, ForgeError> {
        (**self).list(base)
    }
    fn default_branch(&mut self) -> Result<Option<String>, ForgeError> {
        (**self).default_branch()
    }
    fn update_branch(&mut self, number: u64) -> Result<BranchUpdate, ForgeError> {
        (**self).update_branch(number)
    }
    fn sync_branch(&mut self, branch: &str) -> Result<(), ForgeError> {
        (**self).sync_branch(branch)
    }
}
