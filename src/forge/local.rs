//! The local forge (the default): pull requests, CI and squash merges inside the git repository
//! itself, so a milestone runs offline with no account. PRs are JSON records in the common git
//! dir ([`records`]), CI is `test_command` run on the PR's head commit in a temporary export
//! ([`ci`]), merges are in-memory squash merges with a compare-and-swap on the base ref
//! ([`crate::git::merge`]). Everything goes through git2 except `git push` (the git CLI, so the
//! user's credential helpers and ssh config apply). Wrap it in [`super::guard::Guarded`]: the
//! never-main rule is enforced there.

pub mod ci;
pub mod records;
pub mod stale_ci;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::{Oid, Repository};

use self::records::{PrRecord, Store, now_rfc3339};
use super::push::GitRemote;
use super::{CheckState, Checks, Forge, ForgeError, MergeOutcome, NewPr, PrState, PullRequest};
use crate::config::Config;
use crate::git::merge::{Squash, squash};
use crate::git::repo::{branch_tip, short};

/// How the local forge behaves (from `.run-milestone.yml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSettings {
    /// The CI: run on each PR head commit. `None`: checks are `Missing` (no green CI = no merge).
    pub test_command: Option<String>,
    /// Wall-clock limit of one CI run.
    pub ci_timeout: Duration,
    /// Also push branches to `origin` with the git CLI.
    pub push: bool,
}

impl LocalSettings {
    /// `test_command`, `forge.ci_timeout_seconds` and `forge.push`.
    pub fn from_config(config: &Config) -> LocalSettings {
        LocalSettings {
            test_command: config.test_command.clone(),
            ci_timeout: Duration::from_secs(config.forge.ci_timeout_seconds),
            push: config.forge.push,
        }
    }
}

/// Pull requests, CI and merges stored in the repository.
pub struct LocalForge {
    repo: Repository,
    repo_dir: PathBuf,
    store: Store,
    settings: LocalSettings,
    /// Extra environment for the CI command and `git push`.
    env: Vec<(OsString, OsString)>,
}

fn git_err(what: &str, e: git2::Error) -> ForgeError {
    ForgeError::Other(format!("local forge: {what}: {}", e.message()))
}

impl LocalForge {
    /// Opens the forge of the repository at `repo_dir` (any of its worktrees); records live under
    /// `common_dir` (the common git dir), so every worktree sees the same PRs. Nothing is written
    /// until a PR is created.
    pub fn open(repo_dir: &Path, common_dir: &Path, settings: LocalSettings) -> Result<LocalForge, ForgeError> {
        let repo = Repository::open(repo_dir)
            .map_err(|e| git_err(&format!("cannot open the repository at {}", repo_dir.display()), e))?;
        Ok(LocalForge {
            repo,
            repo_dir: repo_dir.to_path_buf(),
            store: Store::new(common_dir),
            settings,
            env: Vec::new(),
        })
    }

    /// Adds environment variables for the CI command and `git push` (tests make them hermetic).
    pub fn with_command_env<K: Into<OsString>, V: Into<OsString>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> LocalForge {
        self.env.extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    pub fn settings(&self) -> &LocalSettings {
        &self.settings
    }

    /// `<common_dir>/run-milestone/forge/prs`: one `<number>.json` per PR.
    pub fn records_dir(&self) -> PathBuf {
        self.store.prs_dir()
    }

    /// The stored record of PR `number` (PR, timestamps, CI results by SHA).
    pub fn record(&self, number: u64) -> Result<PrRecord, ForgeError> {
        self.store.get(number)
    }

    /// Closes PR `number` without merging (a person's way to close a PR). Closing a closed PR
    /// is a no-op; a merged PR cannot be closed.
    pub fn close(&mut self, number: u64) -> Result<PullRequest, ForgeError> {
        self.store.update(number, |r| match r.pr.state {
            PrState::Merged => Err(ForgeError::Other(format!("PR #{number} is already merged; it cannot be closed"))),
            PrState::Open | PrState::Closed => {
                r.pr.state = PrState::Closed;
                Ok(r.pr.clone())
            }
        })
    }

    /// The head commit checks are about: the tip of the head branch while the PR is open, the
    /// recorded `head_sha` once it is merged or closed.
    pub fn current_head(&self, pr: &PullRequest) -> Result<String, ForgeError> {
        if pr.state != PrState::Open {
            return Ok(pr.head_sha.clone());
        }
        branch_tip(&self.repo, &pr.head).map(|o| o.to_string()).ok_or_else(|| {
            ForgeError::Other(format!("PR #{}: its head branch `{}` no longer exists", pr.number, pr.head))
        })
    }

    /// The recorded CI result for the PR's current head, without running anything.
    pub fn recorded_checks(&self, number: u64) -> Result<Option<Checks>, ForgeError> {
        let record = self.store.get(number)?;
        let sha = self.current_head(&record.pr)?;
        Ok(record.checks.get(&sha).map(|c| Checks {
            sha: sha.clone(),
            state: c.state,
            summary: c.summary.clone(),
            details: c.details.clone(),
        }))
    }

    fn tip(&self, branch: &str, what: &str) -> Result<Oid, ForgeError> {
        branch_tip(&self.repo, branch)
            .ok_or_else(|| ForgeError::Other(format!("{what}: branch `{branch}` does not exist in the repository")))
    }

    fn remote(&self) -> GitRemote<'_> {
        GitRemote { repo_dir: &self.repo_dir, remote: "origin", env: &self.env }
    }

    /// An issue branch may be force-pushed (with a lease) after a rewrite; a base branch never.
    fn may_force(&self, branch: &str) -> Result<bool, ForgeError> {
        let all = self.store.all()?;
        Ok(all.iter().any(|r| r.pr.head == branch) && !all.iter().any(|r| r.pr.base == branch))
    }
}

impl Forge for LocalForge {
    fn name(&self) -> &'static str {
        "local"
    }

    fn push(&mut self, branch: &str) -> Result<(), ForgeError> {
        self.tip(branch, "cannot push")?;
        if !self.settings.push {
            tracing::debug!(branch, "local forge: forge.push is off, nothing to push");
            return Ok(());
        }
        if self.repo.find_remote("origin").is_err() {
            tracing::debug!(branch, "local forge: no `origin` remote, nothing to push");
            return Ok(());
        }
        self.remote().push_branch(branch, || self.may_force(branch))
    }

    fn find_pr(&mut self, head: &str) -> Result<Option<PullRequest>, ForgeError> {
        Ok(self.store.all()?.into_iter().rev().find(|r| r.pr.head == head).map(|r| r.pr))
    }

    fn create_pr(&mut self, new: &NewPr) -> Result<PullRequest, ForgeError> {
        let what = "cannot open a pull request";
        let head_tip = self.tip(&new.head, what)?;
        self.tip(&new.base, what)?;
        if new.head == new.base {
            return Err(ForgeError::Other(format!("{what}: head and base are both `{}`", new.head)));
        }
        let _lock = self.store.lock()?;
        if let Some(open) = self.store.all()?.into_iter().find(|r| r.pr.head == new.head && r.pr.state == PrState::Open)
        {
            return Err(ForgeError::Other(format!(
                "{what}: PR #{} from `{}` is already open",
                open.pr.number, new.head
            )));
        }
        let number = self.store.reserve()?;
        let now = now_rfc3339();
        let record = PrRecord {
            pr: PullRequest {
                number,
                title: new.title.clone(),
                body: new.body.clone(),
                head: new.head.clone(),
                base: new.base.clone(),
                head_sha: head_tip.to_string(),
                state: PrState::Open,
                draft: new.draft,
                labels: Vec::new(),
                merged_sha: None,
                url: None,
            },
            created_at: now.clone(),
            updated_at: now,
            checks: Default::default(),
        };
        if let Err(e) = self.store.write(&record) {
            self.store.release(number);
            return Err(e);
        }
        tracing::debug!(number, head = %new.head, base = %new.base, "local forge: PR opened");
        Ok(record.pr)
    }

    fn get_pr(&mut self, number: u64) -> Result<PullRequest, ForgeError> {
        Ok(self.store.get(number)?.pr)
    }

    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        self.store.update(number, |r| {
            for label in labels.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
                if !r.pr.labels.iter().any(|l| l == label) {
                    r.pr.labels.push(label.to_string());
                }
            }
            Ok(())
        })
    }

    fn checks(&mut self, number: u64) -> Result<Checks, ForgeError> {
        let record = self.store.get(number)?;
        let sha = self.current_head(&record.pr)?;
        if let Some(c) = record.checks.get(&sha) {
            return Ok(Checks { sha, state: c.state, summary: c.summary.clone(), details: c.details.clone() });
        }
        let Some(command) = self.settings.test_command.clone() else {
            return Ok(Checks {
                sha,
                state: CheckState::Missing,
                summary: "local CI: no test_command configured, so no check can pass (no green CI = no merge)".into(),
                details: String::new(),
            });
        };
        let oid = Oid::from_str(&sha).map_err(|e| git_err(&format!("PR #{number}: bad head SHA `{sha}`"), e))?;
        let result = ci::run_ci(&self.repo, number, oid, &command, self.settings.ci_timeout, &self.env)?;
        let open = record.pr.state == PrState::Open;
        self.store.update(number, |r| {
            if open && r.pr.state == PrState::Open {
                r.pr.head_sha = sha.clone();
            }
            r.checks.insert(sha.clone(), result.clone());
            Ok(())
        })?;
        Ok(Checks { sha, state: result.state, summary: result.summary, details: result.details })
    }

    /// `not_updated` is never given: the local forge has no update step (its squash merge is a
    /// three-way merge of the head into the base).
    fn merge(
        &mut self,
        number: u64,
        expected_head: &str,
        _not_updated: Option<&str>,
    ) -> Result<MergeOutcome, ForgeError> {
        let refused = |reason: String| Ok(MergeOutcome::Refused { reason });
        let pr = self.store.get(number)?.pr;
        match pr.state {
            PrState::Open => {}
            PrState::Merged => {
                let sha = pr.merged_sha.as_deref().map(|s| format!(" as {}", s.chars().take(7).collect::<String>()));
                return refused(format!("PR #{number} is already merged{}", sha.unwrap_or_default()));
            }
            PrState::Closed => return refused(format!("PR #{number} is closed")),
        }
        if pr.draft {
            return refused(format!("PR #{number} is a draft"));
        }
        let Some(head_tip) = branch_tip(&self.repo, &pr.head) else {
            return refused(format!("PR #{number}: its head branch `{}` no longer exists", pr.head));
        };
        if head_tip.to_string() != expected_head {
            return Ok(MergeOutcome::HeadMoved { expected: expected_head.to_string(), actual: head_tip.to_string() });
        }
        let Some(base_tip) = branch_tip(&self.repo, &pr.base) else {
            return refused(format!("PR #{number}: its base branch `{}` does not exist", pr.base));
        };
        // A crash after the base moved but before the record said so: the squash commit is
        // already on the base (its message ends with `PR #<n>`). Record it; never merge twice.
        if let Some(done) = squashed_earlier(&self.repo, base_tip, number) {
            let sha = done.to_string();
            self.store.update(number, |r| {
                r.pr.state = PrState::Merged;
                r.pr.merged_sha = Some(sha.clone());
                Ok(())
            })?;
            return Ok(MergeOutcome::Merged { sha });
        }
        let message = format!("{}\n\nPR #{number}\n", pr.title.trim());
        let reflog = format!("run-milestone: squash-merge PR #{number} ({})", pr.head);
        let outcome = squash(&self.repo, &pr.base, base_tip, head_tip, &message, &reflog)
            .map_err(|e| git_err(&format!("cannot merge PR #{number}"), e))?;
        match outcome {
            Squash::Merged(commit) => {
                let sha = commit.to_string();
                self.store
                    .update(number, |r| {
                        r.pr.state = PrState::Merged;
                        r.pr.merged_sha = Some(sha.clone());
                        r.pr.head_sha = expected_head.to_string();
                        Ok(())
                    })
                    .map_err(|e| {
                        ForgeError::Other(format!(
                            "PR #{number} was merged into `{}` as {}, but its record could not be updated: {e}",
                            pr.base,
                            short(commit)
                        ))
                    })?;
                tracing::debug!(number, sha = %sha, base = %pr.base, "local forge: squash-merged");
                Ok(MergeOutcome::Merged { sha })
            }
            Squash::Conflict(files) => Ok(MergeOutcome::Conflict { files }),
            Squash::NothingToMerge => {
                refused(format!("nothing to merge: `{}` already contains every change of `{}`", pr.base, pr.head))
            }
            Squash::Unrelated => refused(format!("`{}` and `{}` share no history", pr.head, pr.base)),
            Squash::BaseMoved => refused(format!(
                "the base branch `{}` moved while merging PR #{number}; nothing was merged, try again",
                pr.base
            )),
        }
    }

    fn mark_draft(&mut self, number: u64) -> Result<bool, ForgeError> {
        self.store.update(number, |r| Ok(!std::mem::replace(&mut r.pr.draft, true)))
    }

    /// Clears the draft flag (the record is rewritten atomically, under its lock).
    fn mark_ready(&mut self, number: u64) -> Result<(), ForgeError> {
        self.store.update(number, |r| {
            r.pr.draft = false;
            Ok(())
        })
    }

    fn list(&mut self, base: Option<&str>) -> Result<Vec<PullRequest>, ForgeError> {
        Ok(self.store.all()?.into_iter().filter(|r| base.is_none_or(|b| r.pr.base == b)).map(|r| r.pr).collect())
    }
}

/// The squash commit of PR `number` among the last first-parent commits of the base, if any.
fn squashed_earlier(repo: &Repository, base_tip: Oid, number: u64) -> Option<Oid> {
    let marker = format!("PR #{number}");
    let mut walk = repo.revwalk().ok()?;
    walk.push(base_tip).ok()?;
    walk.simplify_first_parent().ok()?;
    for oid in walk.take(200).flatten() {
        let commit = repo.find_commit(oid).ok()?;
        if commit.message().is_ok_and(|m| m.trim_end().lines().last().is_some_and(|l| l.trim() == marker)) {
            return Some(oid);
        }
    }
    None
}
