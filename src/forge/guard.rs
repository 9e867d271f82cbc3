//! Never target main: wraps any forge and refuses, before anything is sent, a push to, a PR into,
//! or a merge into a protected branch (the configured names and patterns plus the default branch).
//! It is also where a PR's title, body and labels are redacted, whichever forge they go to.

use super::{BranchUpdate, Checks, Forge, ForgeError, MergeOutcome, NewPr, PullRequest};
use crate::policy::branches::ProtectedBranches;

pub struct Guarded<F: Forge> {
    inner: F,
    protected: ProtectedBranches,
}

impl<F: Forge> Guarded<F> {
    pub fn new(inner: F, protected: ProtectedBranches) -> Self {
        Guarded { inner, protected }
    }

    pub fn inner(&self) -> &F {
        &self.inner
    }

    /// Adds a branch to the protected set (e.g. the forge's default branch, learnt after opening).
    pub fn protect(&mut self, branch: &str) -> Result<(), crate::error::Error> {
        self.protected = self.protected.with(branch)?;
        Ok(())
    }

    fn check(&self, op: &'static str, branch: &str) -> Result<(), ForgeError> {
        if self.protected.is_protected(branch) {
            tracing::warn!(op, branch, "refused: protected branch");
            return Err(ForgeError::Protected { op, branch: branch.to_string() });
        }
        Ok(())
    }
}

impl<F: Forge> Forge for Guarded<F> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn push(&mut self, branch: &str) -> Result<(), ForgeError> {
        self.check("push to", branch)?;
        self.inner.push(branch)
    }

    fn find_pr(&mut self, head: &str) -> Result<Option<PullRequest>, ForgeError> {
        self.inner.find_pr(head)
    }

    fn create_pr(&mut self, pr: &NewPr) -> Result<PullRequest, ForgeError> {
        self.check("open a pull request into", &pr.base)?;
        let redacted = NewPr {
            title: crate::safety::redact::redact(&pr.title),
            body: crate::safety::redact::redact(&pr.body),
            ..pr.clone()
        };
        self.inner.create_pr(&redacted)
    }

    fn get_pr(&mut self, number: u64) -> Result<PullRequest, ForgeError> {
        self.inner.get_pr(number)
    }

    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        // Label names are configurable (`policy.labels`, `policy.surfaces`): redacted like a title.
        let redacted: Vec<String> = labels.iter().map(|l| crate::safety::redact::redact(l)).collect();
        self.inner.add_labels(number, &redacted)
    }

    fn checks(&mut self, number: u64) -> Result<Checks, ForgeError> {
        self.inner.checks(number)
    }

    fn merge(
        &mut self,
        number: u64,
        expected_head: &str,
        not_updated: Option<&str>,
    ) -> Result<MergeOutcome, ForgeError> {
        // The base is read from the forge at merge time: a PR re-targeted to main is refused.
        let pr = self.inner.get_pr(number)?;
        self.check("merge into", &pr.base)?;
        self.inner.merge(number, expected_head, not_updated)
    }

    fn mark_draft(&mut self, number: u64) -> Result<bool, ForgeError> {
        self.inner.mark_draft(number)
    }

    fn mark_ready(&mut self, number: u64) -> Result<(), ForgeError> {
        // Ready for review invites a merge: a PR re-targeted to main stays a draft.
        let pr = self.inner.get_pr(number)?;
        self.check("mark ready a PR into", &pr.base)?;
        self.inner.mark_ready(number)
    }

    fn list(&mut self, base: Option<&str>) -> Result<Vec<PullRequest>, ForgeError> {
        self.inner.list(base)
    }

    fn default_branch(&mut self) -> Result<Option<String>, ForgeError> {
        self.inner.default_branch()
    }

    fn sync_branch(&mut self, branch: &str) -> Result<(), ForgeError> {
        // A local fast-forward from the forge: it writes nothing to the forge.
        self.inner.sync_branch(branch)
    }

    fn update_branch(&mut self, number: u64) -> Result<BranchUpdate, ForgeError> {
        // Updating pushes to the PR's head; its base must not be protected either.
        let pr = self.inner.get_pr(number)?;
        self.check("push to", &pr.head)?;
        self.check("merge into", &pr.base)?;
        self.inner.update_branch(number)
    }
}
