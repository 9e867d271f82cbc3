//! The state of one run: the repositories, the loaded milestone, the forge, the agent, the decider,
//! the journal, counters for the summary — and the plan updates (always re-read from disk first,
//! so a person's hand edits are honoured, then written atomically).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use git2::Repository;
use serde_json::{Value, json};

use super::decide::{Decider, Decision, Stop};
use crate::agent::Agent;
use crate::config::{AgentKind, Config};
use crate::error::Error;
use crate::forge::Forge;
use crate::git::Workspace;
use crate::git::ops::Exclude;
use crate::milestone::MilestoneId;
use crate::plan::edit::PlanEditor;
use crate::plan::{IssueNo, Milestone, Status};
use crate::policy::branches::ProtectedBranches;
use crate::safety::journal::Journal;
use crate::ui::Ui;

/// Run options from the command line.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub autonomous: bool,
    pub subagent: bool,
    pub skip_code_review: bool,
    pub skip_plan_review: bool,
    pub no_worktree: bool,
    pub agent: Option<AgentKind>,
    /// `--metrics`: the metrics JSON as the last thing on stdout.
    pub metrics: bool,
    /// `--metrics-file F`: the metrics JSON in F instead.
    pub metrics_file: Option<PathBuf>,
}

/// Why a run stops early.
#[derive(Debug)]
pub enum Halt {
    /// `abort` (typed or by policy): state saved, resumable.
    Abort(String),
    /// `panic` typed at a prompt: stop at once.
    Panic,
    /// Anything else: an error with its kind.
    Error(Error),
}

impl Halt {
    /// The halt a requested panic or Ctrl-C asks for, if any.
    pub fn signalled() -> Option<Halt> {
        match crate::safety::signals::requested() {
            Some(crate::safety::signals::Requested::Panic) => Some(Halt::Panic),
            Some(crate::safety::signals::Requested::Interrupt) => Some(Halt::Abort(super::ask::INTERRUPTED.into())),
            None => None,
        }
    }

    /// An error while a panic or Ctrl-C was requested is that stop (a child it killed, a wait it
    /// cut short): the panic keeps its draft PR and its 🚨 block, the Ctrl-C stays resumable.
    pub fn or_signalled(self) -> Halt {
        match (self, Halt::signalled()) {
            (Halt::Error(e), Some(stop)) => {
                tracing::debug!(error = %e.message, "an error while stopping: the stop wins");
                stop
            }
            (halt, _) => halt,
        }
    }
}

impl From<Error> for Halt {
    fn from(e: Error) -> Self {
        Halt::Error(e)
    }
}

impl From<anyhow::Error> for Halt {
    fn from(e: anyhow::Error) -> Self {
        Halt::Error(crate::error::classify(e))
    }
}

/// How an issue ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueEnd {
    Merged { pr: u64 },
    NeedsReview { pr: u64, reason: String },
    Skipped { reason: String },
    Blocked { reason: String },
}

/// Counters for the summaries and `--metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    pub attempted: Vec<IssueNo>,
    pub completed: Vec<(IssueNo, u64)>,
    pub skipped: Vec<(IssueNo, String)>,
    pub blocked: Vec<(IssueNo, String)>,
    pub needs_review: Vec<(IssueNo, u64, String)>,
    pub prs_created: Vec<u64>,
    pub tasks_total: u32,
    pub tdd_compliant: u32,
    pub tdd_violations: u32,
    pub commands_used: BTreeMap<String, u32>,
    pub labels: BTreeMap<String, u32>,
    pub approvals: Vec<String>,
    pub spec_pass_first_try: u32,
    pub spec_required_fix: u32,
    pub quality_pass_first_try: u32,
    pub quality_required_fix: u32,
    /// Review stages run (Stage 1 + Stage 2, retries included).
    pub review_stages: u32,
    /// PRs whose reviews reported warnings.
    pub prs_with_warnings: Vec<u64>,
    /// Labels put on each PR.
    pub pr_labels: BTreeMap<u64, Vec<String>>,
    pub per_issue: BTreeMap<IssueNo, IssueMetrics>,
}

/// Per-issue detail for `--metrics`.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct IssueMetrics {
    pub outcome: Option<String>,
    pub pr: Option<u64>,
    pub tasks: Vec<serde_json::Value>,
    pub tdd_violations: u32,
    pub findings: FindingCounts,
    pub agent: AgentTotals,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct FindingCounts {
    pub critical: u32,
    pub warning: u32,
    pub other: u32,
}

/// Agent calls and what the backends reported about them.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct AgentTotals {
    pub calls: u32,
    pub cost_usd: Option<f64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub turns: Option<u32>,
}

impl AgentTotals {
    pub fn add(&mut self, u: &crate::agent::Usage) {
        self.calls += 1;
        fn sum<T: std::ops::Add<Output = T> + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(x), Some(y)) => Some(x + y),
                (x, None) => x,
                (None, y) => y,
            }
        }
        self.cost_usd = sum(self.cost_usd, u.cost_usd);
        self.input_tokens = sum(self.input_tokens, u.input_tokens);
        self.output_tokens = sum(self.output_tokens, u.output_tokens);
        self.turns = sum(self.turns, u.turns);
    }
}

pub struct Session<'a> {
    pub ui: &'a Ui,
    pub id: MilestoneId,
    pub ws: Workspace,
    /// The repository of the checkout the command runs in.
    pub repo: Repository,
    /// The working tree the work happens in (the worktree, or the checkout with --no-worktree).
    pub work: Repository,
    pub workdir: PathBuf,
    pub config: Config,
    pub milestone: Milestone,
    pub protected: ProtectedBranches,
    pub exclude: Exclude,
    pub journal: Journal,
    /// What the engine looks up from the journal, kept as it is journaled ([`Session::log`]).
    pub recall: super::recall::Recall,
    pub forge: Box<dyn Forge>,
    pub agent: Box<dyn Agent>,
    pub decider: Box<dyn Decider>,
    pub opts: RunOptions,
    pub stats: Stats,
    pub started: Instant,
    /// Whether this run resumed an earlier one.
    pub resumed: bool,
    /// The run lock, held for the whole run.
    pub _lock: crate::safety::lock::RunLock,
    /// The open PR of the issue in progress (drafted on panic).
    pub current_pr: Option<u64>,
    /// `panic` was typed at this process's prompt (it then asks about the token).
    pub panic_typed: bool,
    /// Where the run's GitHub token comes from (recorded in the state dir).
    pub token: crate::safety::revoke::TokenRecord,
    /// Telegram, when configured.
    pub notifier: Option<crate::notify::Telegram>,
}

/// Appends to `journal` (logged with `--verbose`); a failure to journal is an internal error
/// (state must not be lost). A requested panic or Ctrl-C then stops the run at this step.
pub fn log_to(journal: &mut Journal, event: &str, fields: Value) -> Result<(), Halt> {
    append_to(journal, event, fields)?;
    journaled(event)
}

/// Appends one entry (shown with `--verbose`, redacted and cut) and returns it as written.
fn append_to(journal: &mut Journal, event: &str, fields: Value) -> Result<Value, Halt> {
    if tracing::enabled!(tracing::Level::DEBUG) {
        let mut shown = fields.clone();
        crate::safety::journal::redact_strings(&mut shown);
        let text = shown.to_string();
        let text: String = text.chars().take(400).collect();
        tracing::debug!(event, "{text}");
    }
    journal.append(event, fields).map_err(|e| {
        Halt::Error(Error::internal(format!("cannot write the journal {}: {e}", journal.path().display())))
    })
}

/// After an entry is written: the test hooks' crash and panic points, then a requested stop.
fn journaled(event: &str) -> Result<(), Halt> {
    crate::safety::fault::crash_point(event);
    crate::safety::fault::panic_point(event);
    super::ask::signalled()
}

impl Session<'_> {
    pub fn base_branch(&self) -> String {
        self.milestone.plan.base_branch.clone()
    }

    pub fn test_command(&self) -> String {
        self.config.test_command.clone().unwrap_or_default()
    }

    pub fn test_timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(self.config.policy.test_timeout_seconds))
    }

    /// Appends to the journal ([`log_to`]).
    pub fn log(&mut self, event: &str, fields: Value) -> Result<(), Halt> {
        let entry = append_to(&mut self.journal, event, fields)?;
        self.recall.note(&entry);
        journaled(event)
    }

    /// A panic (SIGUSR1 from `run-milestone panic`) or Ctrl-C stops the run at the next step.
    pub fn check_signals(&self) -> Result<(), Halt> {
        super::ask::signalled()
    }

    /// Turns a forge error into a halt; a never-main refusal is journaled first (nothing changed).
    /// A forge operation a panic or Ctrl-C cut short (its CI or `git push` stopped, its wait given
    /// up) is that stop, not a forge error.
    pub fn forge_fail(&mut self, e: crate::forge::ForgeError) -> Halt {
        if let Some(stop) = Halt::signalled() {
            tracing::debug!(error = %e, "forge operation stopped by a panic or an interrupt");
            return stop;
        }
        if let crate::forge::ForgeError::Protected { op, branch } = &e {
            let _ = self.log("never_main", json!({"op": op, "branch": branch}));
            self.ui.blank();
            self.ui.line(format!("🛑 Never target main: refusing to {op} `{branch}`"));
            self.ui.line(
                "Nothing was pushed, opened or merged. run-milestone never targets the default or a protected branch.",
            );
        }
        super::issue::forge_halt(e)
    }

    /// The seed's "Secret Exposure Response": a high-confidence secret in `text` prints the
    /// 🚨 block, is journaled (kind and location only), keeps the output from notifications, and
    /// allows only `abort` (exit 3). Nothing of the issue has reached a remote yet.
    pub fn secret_check(
        &mut self,
        issue: Option<IssueNo>,
        hits: Vec<crate::safety::secrets::SecretHit>,
    ) -> Result<(), Halt> {
        if hits.is_empty() {
            return Ok(());
        }
        let actions = ["✗ Output blocked from Telegram", "✗ Execution halted", "⚠️ Token may be compromised"];
        let mut block = crate::safety::secrets::exposure_block(&hits, &actions);
        let allowed = block.pop().unwrap_or_default();
        let _ = allowed;
        self.log(
            "secret_exposure",
            json!({"issue": issue.map(|n| n.padded()),
                   "hits": hits.iter().map(|h| json!({"kind": h.kind, "location": h.location})).collect::<Vec<_>>()}),
        )?;
        let note = format!("🚨 SECRET EXPOSURE DETECTED in run-milestone {}: run halted (output withheld)", self.id);
        super::notify::send(self, &note);
        let headline = block.remove(0);
        let lines: Vec<String> = block.into_iter().skip_while(|l| l.is_empty()).collect();
        let stop = super::decide::Stop::new(
            super::decide::StopKind::SecretExposure,
            headline,
            lines,
            &[super::decide::Command::Abort],
        );
        let decision = self.decide(issue, &stop)?;
        let _ = decision;
        Err(Halt::Abort("secret exposure: revoke the token, rotate the credentials, check the history".into()))
    }

    /// Shows a stop (with the 📊 Current State), takes the decision, counts and journals it
    /// ([`super::ask::decide`]).
    pub fn decide(&mut self, issue: Option<IssueNo>, stop: &Stop) -> Result<Decision, Halt> {
        // A stop caused by a panic or Ctrl-C (a push it killed) is no stop to show or alert about.
        self.check_signals()?;
        let mut stop = stop.clone();
        stop.status = self.current_state();
        let asking = super::ask::Asking {
            ui: self.ui,
            id: &self.id,
            notifier: self.notifier.as_ref(),
            journal: &mut self.journal,
            decider: &mut *self.decider,
            stats: &mut self.stats,
            panic_typed: &mut self.panic_typed,
        };
        super::ask::decide(asking, issue, &stop)
    }

    /// The 📊 Current State block (plan as on disk, the forge's PRs into the milestone branch).
    pub fn current_state(&mut self) -> Vec<String> {
        let _ = self.milestone.reload_plan();
        let base = self.base_branch();
        let prs = self.forge.list(Some(&base)).unwrap_or_default();
        super::status::current_state(&self.id, &self.milestone.plan, &prs)
    }

    /// Re-reads the plan (hand edits win), applies `edit`, writes it atomically.
    pub fn edit_plan(&mut self, edit: impl FnOnce(&mut PlanEditor) -> Result<bool, Error>) -> Result<(), Halt> {
        self.milestone.reload_plan()?;
        let mut editor = PlanEditor::new(self.milestone.plan.clone());
        if edit(&mut editor)? {
            editor.write(&self.milestone.dir.plan_path())?;
            self.milestone.plan = editor.into_plan();
        }
        Ok(())
    }

    pub fn set_status(&mut self, no: IssueNo, status: Status, pr: Option<u64>) -> Result<(), Halt> {
        tracing::debug!(issue = %no, status = status.word(), pr, "plan status");
        self.edit_plan(|ed| {
            let a = ed.set_status(no, status)?;
            let b = match pr {
                Some(n) => ed.set_pr(no, Some(n))?,
                None => false,
            };
            Ok(a || b)
        })?;
        self.log("status", json!({"issue": no.padded(), "status": status.word(), "pr": pr}))
    }

    /// `- #05 <reason> — 2026-11-21` under `## Blocked / Needs Review`.
    pub fn add_blocked(&mut self, no: IssueNo, reason: &str) -> Result<(), Halt> {
        let entry = format!("{no} {reason} — {}", crate::git::sign::today());
        self.edit_plan(|ed| ed.add_blocked(&entry))
    }
}
