//! The seed's "Required GitHub Scopes", read from the `X-OAuth-Scopes` header of the first call:
//! a token holding `delete_repo`, `admin:org` or `admin:repo_hook` is refused (naming the scope);
//! a missing `repo`, `read:org` or `workflow` is a warning. Fine-grained and app tokens send no
//! such header, and then the check was not possible (said so, not silently passed).
//!
//! Documentation: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps

use crate::forge::ForgeError;

/// Scopes run-milestone must never hold.
pub const FORBIDDEN: [&str; 3] = ["delete_repo", "admin:org", "admin:repo_hook"];
/// The seed's minimum.
pub const REQUIRED: [&str; 3] = ["repo", "read:org", "workflow"];

/// What the scope check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeReport {
    /// The token's scopes, and which of [`REQUIRED`] it lacks.
    Checked { scopes: Vec<String>, missing: Vec<String> },
    /// No `X-OAuth-Scopes` header (fine-grained personal access token, GitHub App or Actions token).
    NotReported,
}

impl ScopeReport {
    /// Warnings to show before the run starts (none when every required scope is there).
    pub fn notes(&self) -> Vec<String> {
        match self {
            ScopeReport::Checked { missing, .. } if missing.is_empty() => Vec::new(),
            ScopeReport::Checked { missing, .. } => vec![format!(
                "the GitHub token lacks the {} scope{} the seed requires (repo, read:org, workflow): PRs, labels or checks may fail",
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
                if missing.len() == 1 { "" } else { "s" }
            )],
            ScopeReport::NotReported => vec![
                "could not check the GitHub token's scopes: GitHub sent no X-OAuth-Scopes header (a fine-grained or app token); make sure it may write contents and pull requests, read checks and statuses, and holds no admin rights".into(),
            ],
        }
    }
}

/// Reads the header; refuses a token with a forbidden scope.
pub fn check(header: Option<&str>) -> Result<ScopeReport, ForgeError> {
    let Some(header) = header else { return Ok(ScopeReport::NotReported) };
    let scopes: Vec<String> = header.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let forbidden: Vec<&str> = FORBIDDEN.iter().copied().filter(|f| scopes.iter().any(|s| s == f)).collect();
    if !forbidden.is_empty() {
        return Err(ForgeError::Other(format!(
            "refusing to start: the GitHub token has the {} scope{}, which run-milestone must never hold (the seed: never grant delete_repo, admin:org, admin:repo_hook); use a token without {}",
            forbidden.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "),
            if forbidden.len() == 1 { "" } else { "s" },
            if forbidden.len() == 1 { "it" } else { "them" }
        )));
    }
    let has = |name: &str| scopes.iter().any(|s| s == name);
    let missing = REQUIRED
        .iter()
        .filter(|r| match **r {
            // write:org includes read:org.
            "read:org" => !has("read:org") && !has("write:org"),
            other => !has(other),
        })
        .map(|r| r.to_string())
        .collect();
    Ok(ScopeReport::Checked { scopes, missing })
}

#[cfg(test)]
#[path = "scopes_tests.rs"]
mod tests;
