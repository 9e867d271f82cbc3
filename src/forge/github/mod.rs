//! The GitHub forge: pull requests into the milestone branch on GitHub through octocrab, labels,
//! checks from check runs and commit statuses, the sha-guarded squash (auto-)merge, update with
//! base, draft and ready for review, and the repository's default branch (always protected). Branches are pushed with
//! the `git` CLI. Wrap it in [`crate::forge::guard::Guarded`]: the never-main rule is enforced
//! there, before any request. `docs/github.md` describes every call.

pub mod checks;
pub mod client;
pub mod labels;
pub mod merge;
pub mod pulls;
pub mod remote;
pub mod scopes;
pub mod token;

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use self::client::{ApiUrl, Client, Method, RetryPolicy};
use self::scopes::ScopeReport;
use self::token::Token;
use super::push::GitRemote;
use super::{BranchUpdate, Checks, Forge, ForgeError, MergeOutcome, NewPr, PullRequest};
use crate::config::GithubConfig;

/// How the GitHub forge behaves (from `forge.github` in `.run-milestone.yml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubSettings {
    pub api_url: String,
    /// Owner and repository; `None`: from the remote's URL.
    pub owner: Option<String>,
    pub repo: Option<String>,
    /// The git remote pushed to.
    pub remote: String,
    pub required_checks: Vec<String>,
    pub auto_merge: bool,
    pub checks_grace: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// How long, and how often, to look for the new head after `update-branch`.
    pub update_timeout: Duration,
    pub update_poll: Duration,
    /// Colour and description of the labels run-milestone creates (from `policy:`).
    pub labels: crate::policy::labels::LabelStyles,
}

impl GithubSettings {
    pub fn from_config(c: &GithubConfig) -> GithubSettings {
        GithubSettings {
            api_url: c.api_url.clone(),
            owner: c.owner.clone().filter(|s| !s.trim().is_empty()),
            repo: c.repo.clone().filter(|s| !s.trim().is_empty()),
            remote: c.remote.clone(),
            required_checks: c.required_checks.clone(),
            auto_merge: c.auto_merge,
            checks_grace: Duration::from_secs(c.checks_grace_seconds),
            request_timeout: Duration::from_secs(c.request_timeout_seconds.max(1)),
            retry: RetryPolicy {
                max_retries: c.max_retries,
                backoff: Duration::from_secs(1),
                max_wait: Duration::from_secs(c.max_retry_wait_seconds),
            },
            update_timeout: Duration::from_secs(c.update_branch_timeout_seconds),
            update_poll: Duration::from_secs(2),
            labels: crate::policy::labels::LabelStyles::default(),
        }
    }
}

impl Default for GithubSettings {
    fn default() -> Self {
        GithubSettings::from_config(&GithubConfig::default())
    }
}

#[derive(Deserialize)]
struct GhRepository {
    default_branch: String,
    #[serde(default)]
    permissions: Option<GhPermissions>,
}

#[derive(Deserialize)]
struct GhPermissions {
    #[serde(default)]
    push: bool,
}

/// Pull requests, checks and merges on GitHub.
pub struct GithubForge {
    client: Client,
    repo_dir: PathBuf,
    settings: GithubSettings,
    env: Vec<(OsString, OsString)>,
    default_branch: String,
    scopes: ScopeReport,
    notes: Vec<String>,
    known_labels: BTreeSet<String>,
    first_seen: HashMap<String, Instant>,
}

/// Owner and repository: the settings, else the remote's URL.
fn owner_and_repo(repo_dir: &Path, settings: &GithubSettings) -> Result<(String, String), ForgeError> {
    if let (Some(o), Some(r)) = (&settings.owner, &settings.repo) {
        return Ok((o.clone(), r.clone()));
    }
    let remote = &settings.remote;
    let url = git2::Repository::open(repo_dir)
        .ok()
        .and_then(|repo| repo.find_remote(remote).ok().and_then(|r| r.url().ok().map(str::to_string)));
    let Some(url) = url else {
        return Err(ForgeError::Other(format!(
            "cannot tell the GitHub repository: no `{remote}` remote; set forge.github.owner and forge.github.repo"
        )));
    };
    let Some((_, owner, repo)) = remote::parse(&url) else {
        return Err(ForgeError::Other(format!(
            "cannot tell the GitHub repository from `{remote}` ({url}); set forge.github.owner and forge.github.repo"
        )));
    };
    Ok((settings.owner.clone().unwrap_or(owner), settings.repo.clone().unwrap_or(repo)))
}

impl GithubForge {
    /// Connects: owner/repo, then the first call — the repository — whose `X-OAuth-Scopes` header
    /// is checked (a forbidden scope refuses to start) and which names the default branch.
    ///
    /// Documentation: https://docs.github.com/en/rest/repos/repos#get-a-repository
    pub fn connect(repo_dir: &Path, settings: GithubSettings, token: &Token) -> Result<GithubForge, ForgeError> {
        let api = ApiUrl::parse(&settings.api_url)?;
        let (owner, repo) = owner_and_repo(repo_dir, &settings)?;
        let client = Client::new(api, token, &owner, &repo, settings.retry, settings.request_timeout)?;
        let reply = client.send(Method::Get, &client.repo_path(""), None)?;
        let scopes = scopes::check(reply.header("x-oauth-scopes"))?;
        match reply.status {
            200 => {}
            401 => {
                return Err(ForgeError::Other(format!(
                    "GitHub rejected the token from {} (HTTP 401: {})",
                    token.source().describe(),
                    reply.message()
                )));
            }
            404 => {
                return Err(ForgeError::Other(format!(
                    "GitHub: repository {owner}/{repo} not found, or the token cannot see it (HTTP 404)"
                )));
            }
            _ => return Err(reply.error(&format!("get repository {owner}/{repo}"))),
        }
        let info: GhRepository = reply.parse("get the repository")?;
        let mut notes = scopes.notes();
        if info.permissions.as_ref().is_some_and(|p| !p.push) {
            notes.push(format!("the GitHub token cannot push to {owner}/{repo}: pushes and merges will fail"));
        }
        tracing::debug!(%owner, %repo, default_branch = %info.default_branch, "GitHub forge connected");
        Ok(GithubForge {
            client,
            repo_dir: repo_dir.to_path_buf(),
            settings,
            env: Vec::new(),
            default_branch: info.default_branch,
            scopes,
            notes,
            known_labels: BTreeSet::new(),
            first_seen: HashMap::new(),
        })
    }

    /// Runs `git push` and `git fetch` in `repo_dir` from now on (bootstrap connects in the
    /// repository, before the worktree exists, then moves the forge there).
    pub fn in_dir(mut self, repo_dir: &Path) -> GithubForge {
        self.repo_dir = repo_dir.to_path_buf();
        self
    }

    /// The repository's default branch on GitHub (read when connecting).
    pub fn default_branch_name(&self) -> &str {
        &self.default_branch
    }

    /// Adds environment variables for `git push` and `git fetch` (tests make them hermetic).
    pub fn with_command_env<K: Into<OsString>, V: Into<OsString>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> GithubForge {
        self.env.extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    pub fn owner(&self) -> &str {
        &self.client.owner
    }

    pub fn repo(&self) -> &str {
        &self.client.repo
    }

    pub fn settings(&self) -> &GithubSettings {
        &self.settings
    }

    /// What the token-scope check found.
    pub fn scope_report(&self) -> &ScopeReport {
        &self.scopes
    }

    /// Warnings to show before the run (missing scopes, scopes not checkable, no push right).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn git(&self) -> GitRemote<'_> {
        GitRemote { repo_dir: &self.repo_dir, remote: &self.settings.remote, env: &self.env }
    }

    /// An issue branch (the head of a PR, the base of none) may be replaced with a lease.
    fn may_force(&self, branch: &str) -> Result<bool, ForgeError> {
        Ok(pulls::find(&self.client, branch)?.is_some() && pulls::list(&self.client, Some(branch))?.is_empty())
    }
}

impl Forge for GithubForge {
    fn name(&self) -> &'static str {
        "github"
    }

    fn push(&mut self, branch: &str) -> Result<(), ForgeError> {
        let exists = git2::Repository::open(&self.repo_dir)
            .ok()
            .is_some_and(|r| r.find_branch(branch, git2::BranchType::Local).is_ok());
        if !exists {
            return Err(ForgeError::Other(format!("cannot push: branch `{branch}` does not exist in the repository")));
        }
        self.git().push_branch(branch, || self.may_force(branch))
    }

    fn find_pr(&mut self, head: &str) -> Result<Option<PullRequest>, ForgeError> {
        Ok(pulls::find(&self.client, head)?.map(|p| p.to_pr()))
    }

    fn create_pr(&mut self, pr: &NewPr) -> Result<PullRequest, ForgeError> {
        pulls::create(&self.client, pr)
    }

    /// GitHub's current view, including a base changed on GitHub (the guard re-reads it at merge).
    fn get_pr(&mut self, number: u64) -> Result<PullRequest, ForgeError> {
        Ok(pulls::get(&self.client, number)?.to_pr())
    }

    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        labels::add(&self.client, &self.settings.labels, &mut self.known_labels, number, labels)
    }

    fn checks(&mut self, number: u64) -> Result<Checks, ForgeError> {
        let s = &self.settings;
        checks::for_pr(&self.client, &s.required_checks, s.checks_grace, &mut self.first_seen, number)
    }

    fn merge(
        &mut self,
        number: u64,
        expected_head: &str,
        not_updated: Option<&str>,
    ) -> Result<MergeOutcome, ForgeError> {
        let pr = pulls::get(&self.client, number)?;
        let base = pr.base.name.clone();
        let outcome = merge::merge(&self.client, self.settings.auto_merge, pr, expected_head, not_updated)?;
        if let MergeOutcome::Merged { sha } = &outcome {
            // The local milestone branch follows GitHub's, so the next issue starts from the merge.
            match self.git().fetch_fast_forward(&base) {
                Ok(()) => tracing::debug!(number, %sha, %base, "GitHub: merged; local base fast-forwarded"),
                Err(e) => tracing::warn!("PR #{number} merged on GitHub, but the local `{base}` could not follow: {e}"),
            }
        }
        Ok(outcome)
    }

    fn mark_draft(&mut self, number: u64) -> Result<bool, ForgeError> {
        pulls::mark_draft(&self.client, number)
    }

    fn mark_ready(&mut self, number: u64) -> Result<(), ForgeError> {
        pulls::mark_ready(&self.client, number)
    }

    fn list(&mut self, base: Option<&str>) -> Result<Vec<PullRequest>, ForgeError> {
        pulls::list(&self.client, base)
    }

    /// The repository's default branch, read once when connecting (GET the repository).
    fn default_branch(&mut self) -> Result<Option<String>, ForgeError> {
        Ok(Some(self.default_branch.clone()))
    }

    fn sync_branch(&mut self, branch: &str) -> Result<(), ForgeError> {
        self.git().fetch_fast_forward(branch)
    }

    fn update_branch(&mut self, number: u64) -> Result<BranchUpdate, ForgeError> {
        let s = &self.settings;
        merge::update_branch(&self.client, number, s.update_timeout, s.update_poll)
    }
}
