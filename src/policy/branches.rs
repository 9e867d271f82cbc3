//! Never target main: the set of branches nothing may be pushed to, PR'd into or merged into.

use globset::{GlobSet, GlobSetBuilder};

use crate::error::Error;

/// The protected branches: the configured names and patterns plus the remote's default branch.
#[derive(Debug, Clone)]
pub struct ProtectedBranches {
    names: Vec<String>,
    set: GlobSet,
}

impl ProtectedBranches {
    /// `configured` from `protected_branches`; `defaults` are the remote's (and the forge's)
    /// default branches, always added.
    pub fn new(configured: &[String], defaults: &[String]) -> Result<Self, Error> {
        let mut names: Vec<String> = Vec::new();
        for n in configured.iter().chain(defaults) {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        let mut builder = GlobSetBuilder::new();
        for n in &names {
            let glob = crate::config::patterns::name_glob(n).map_err(|e| {
                Error::input(format!(".run-milestone.yml: protected_branches: invalid pattern `{n}`: {e}"))
            })?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| Error::input(format!(".run-milestone.yml: protected_branches: {e}")))?;
        Ok(ProtectedBranches { names, set })
    }

    /// The same set plus `branch`.
    pub fn with(&self, branch: &str) -> Result<Self, Error> {
        let mut names = self.names.clone();
        if names.iter().any(|n| n == branch) {
            return Ok(self.clone());
        }
        names.push(branch.to_string());
        ProtectedBranches::new(&names, &[])
    }

    pub fn is_protected(&self, branch: &str) -> bool {
        let b = branch.trim_start_matches("refs/heads/");
        self.set.is_match(b)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
#[path = "branches_tests.rs"]
mod tests;
