//! The seed's bootstrap (steps 1–9): find and load the milestone, the quality gate, the milestone
//! branch, the worktree (locked), a clean baseline — each step printing its `✓ …` line.
//!
//! [`bootstrap`] builds the session from the steps in [`super::checkout_check`],
//! [`super::gate_stop`] and [`super::worktree_setup`]; [`start`] ([`super::run_start`]: run
//! start, publishing the milestone branch, the baseline) runs with it, so a stop there is handled
//! like any stop of the main loop. A stop before the session exists comes back as an
//! [`EarlyStop`]; a panic at the quality gate is handled where it happens (journal, alert, block,
//! token question).

use std::path::Path;

use super::decide::Decider;
use super::session::{Halt, RunOptions, Session, Stats};
use super::setup::Setup;
use crate::agent;
use crate::error::Error;
use crate::forge::Forge;
use crate::forge::github::GithubForge;
use crate::forge::guard::Guarded;
use crate::milestone::MilestoneId;
use crate::plan::gate;
use crate::safety::journal::Journal;
use crate::safety::revoke::TokenRecord;
use crate::ui::Ui;

pub use super::checkout_check::check_checkout;
pub use super::run_start::start;

/// `<state dir>/<m>/`.
pub fn milestone_state_dir(setup: &Setup) -> std::path::PathBuf {
    setup.ws.state_dir().join(setup.id.to_string())
}

/// The file (in the milestone's state dir) recording the running process groups.
pub const PROCESSES_FILE: &str = "processes.json";

/// Kills what a killed run of the milestone whose state is in `state_dir` left running (see
/// [`crate::process::stop_leftovers`]) and says so. Call it holding the milestone's lock.
pub fn stop_leftovers(ui: &Ui, state_dir: &Path) {
    let n = crate::process::stop_leftovers(&state_dir.join(PROCESSES_FILE));
    if n > 0 {
        ui.ok(format!("Stopped {} left over from the interrupted run", gate::plural(n, "process", "processes")));
    }
}

/// A bootstrap that stopped before the session existed, with what it had got so far.
#[derive(Debug)]
pub struct EarlyStop {
    pub halt: Halt,
    /// Telegram, when bootstrap got as far as reading its configuration.
    pub notifier: Option<crate::notify::Telegram>,
    /// What was counted so far (the command taken at the quality gate).
    pub stats: Stats,
    /// Bootstrap held the milestone's lock (before it, the run was refused: nothing is written).
    pub locked: bool,
}

/// The quality gate's outcome, for [`start`]'s `run_started` entry.
#[derive(Debug, Default)]
pub struct Gate {
    /// The findings (and whether they were approved).
    pub note: serde_json::Value,
}

/// What bootstrap has that an early stop still needs.
#[derive(Default)]
struct Early {
    notifier: Option<crate::notify::Telegram>,
    gate: Gate,
    stats: Stats,
    locked: bool,
}

/// Runs bootstrap up to the session the main loop works with (and the quality gate's outcome,
/// for [`start`]).
pub fn bootstrap<'a>(
    ui: &'a Ui,
    dir: &Path,
    id: &MilestoneId,
    opts: RunOptions,
    decider: Box<dyn Decider>,
) -> Result<(Session<'a>, Gate), Box<EarlyStop>> {
    let mut early = Early::default();
    match assemble(ui, dir, id, opts, decider, &mut early) {
        Ok(session) => Ok((session, early.gate)),
        Err(halt) => Err(Box::new(EarlyStop {
            halt,
            notifier: early.notifier.take(),
            stats: std::mem::take(&mut early.stats),
            locked: early.locked,
        })),
    }
}

fn assemble<'a>(
    ui: &'a Ui,
    dir: &Path,
    id: &MilestoneId,
    opts: RunOptions,
    mut decider: Box<dyn Decider>,
    early: &mut Early,
) -> Result<Session<'a>, Halt> {
    let setup = Setup::load(dir, id)?;
    let github = preflight(&setup, &opts)?;
    let state_dir = milestone_state_dir(&setup);
    // One run per milestone: taken before anything is written.
    let lock = crate::safety::lock::acquire(&state_dir, &setup.id.to_string())?;
    early.locked = true;
    let journal_path = state_dir.join("journal.jsonl");
    let entries = Journal::read(&journal_path);
    let resumed = super::resume::run_started_in(&entries);
    let recall = super::recall::Recall::from_entries(&entries);
    drop(entries);
    print_start(ui, &setup, &opts, resumed);
    // What a killed run (kill -9) left running dies before anything else starts, and the local
    // CI worktrees it left are removed.
    stop_leftovers(ui, &state_dir);
    let stale = crate::forge::local::stale_ci::prune(&setup.repo);
    if stale > 0 {
        let what = gate::plural(stale, "local CI worktree", "local CI worktrees");
        ui.ok(format!("Removed {what} left by an interrupted run"));
    }
    crate::process::record_groups_in(&state_dir.join(PROCESSES_FILE));
    // Where the token comes from (never its value), for the panic's token question — also
    // `run-milestone panic`'s, in another terminal. Read before the environment is filtered.
    let token = TokenRecord::from_env(&|name| std::env::var(name).ok(), &super::forge_setup::gh_host(&setup.config));
    token.write(&state_dir).map_err(|e| Error::internal(format!("cannot write {}: {e}", state_dir.display())))?;
    filter_environment(ui, &setup)?;
    early.notifier = crate::notify::Telegram::from_config(&setup.config.notify)?;
    let mut journal = Journal::open(&journal_path)
        .map_err(|e| Error::internal(format!("cannot open the journal {}: {e}", journal_path.display())))?;

    let Setup { id, ws, repo, config, milestone, protected } = setup;
    let kind = opts.agent.unwrap_or(config.agent.kind);
    let agent = agent::build(kind, &config.agent);
    let gate_parts = super::gate_stop::GateParts {
        ui,
        id: &id,
        milestone: &milestone,
        state_dir: &state_dir,
        journal: &mut journal,
        notifier: early.notifier.as_ref(),
        decider: &mut *decider,
        stats: &mut early.stats,
        token: &token,
        skip: opts.skip_plan_review,
    };
    super::gate_stop::quality_gate(gate_parts, &mut early.gate)?;

    ui.blank();
    super::worktree_setup::milestone_branch(ui, &ws, &repo, &milestone.plan.base_branch)?;
    let tree = super::worktree_setup::working_tree(ui, &ws, &repo, &id, &milestone, opts.no_worktree)?;

    let forge = super::forge_setup::open_with(ui, &ws, &config, &tree.workdir, github)?;
    let mut guarded = Guarded::new(forge, protected.clone());
    // The forge's own default branch (GitHub's repository default) is always protected.
    if let Some(default) = guarded.default_branch().map_err(|e| Error::stopped(format!("forge: {e}")))? {
        guarded.protect(&default)?;
    }
    let forge: Box<dyn crate::forge::Forge> = Box::new(guarded);
    Ok(Session {
        ui,
        id,
        ws,
        repo,
        work: tree.work,
        workdir: tree.workdir,
        config,
        milestone,
        protected,
        exclude: tree.exclude,
        journal,
        recall,
        forge,
        agent,
        decider,
        opts,
        stats: std::mem::take(&mut early.stats),
        started: std::time::Instant::now(),
        resumed,
        _lock: lock,
        current_pr: None,
        panic_typed: false,
        token,
        notifier: early.notifier.take(),
    })
}

/// The checks made before the lock is taken and anything is written: `test_command` is set, the
/// checkout suits the run, and the GitHub forge connects (no token, a rejected token, a forbidden
/// scope, or a base branch that is GitHub's default branch stop here, before a branch or a
/// worktree exists).
fn preflight(setup: &Setup, opts: &RunOptions) -> Result<Option<GithubForge>, Halt> {
    if setup.config.test_command.is_none() {
        return Err(Halt::Error(
            Error::input(".run-milestone.yml: `test_command` is not set: it is required to run a milestone (the baseline, the full suite after each issue and the local CI run it)")
                .with_hint("add e.g. `test_command: pytest -q`; `--dry-run` and `check` work without it"),
        ));
    }
    if let Err(e) = check_checkout(setup, opts.no_worktree) {
        // A run of the milestone in progress (creating its worktree, say) is what this run meets:
        // it is refused as one already running, not for the other run's half-made checkout.
        let state_dir = milestone_state_dir(setup);
        if let Some(pid) = crate::safety::lock::holder(&state_dir) {
            return Err(Halt::Error(crate::safety::lock::already_running(
                &setup.id.to_string(),
                Some(pid).filter(|p| *p != 0),
            )));
        }
        return Err(Halt::Error(e));
    }
    let github = super::forge_setup::connect_github(&setup.config, &setup.ws.root)?;
    if let Some(default) = github.as_ref().map(|f| f.default_branch_name()) {
        let plan = &setup.milestone.plan;
        if default == plan.base_branch {
            return Err(Halt::Error(
                Error::at(
                    &plan.path,
                    plan.base_branch_line,
                    None,
                    format!("base branch `{default}` is the GitHub repository's default branch: expected a milestone branch such as `milestone/{}-{}`", setup.id, setup.milestone.dir.slug),
                )
                .with_hint("run-milestone never pushes to, opens PRs into or merges into the default branch"),
            ));
        }
    }
    Ok(github)
}

/// The banner and the first `📋 Bootstrap` lines.
fn print_start(ui: &Ui, setup: &Setup, opts: &RunOptions, resumed: bool) {
    let id = &setup.id;
    let title = if opts.autonomous {
        format!("Autonomous Mode: {id}")
    } else if resumed {
        format!("Resuming Milestone: {id}")
    } else {
        format!("Starting Milestone: {id}")
    };
    ui.banner(title);
    ui.blank();
    ui.line("📋 Bootstrap");
    ui.ok(format!("Milestone folder exists ({})", setup.milestone.display_path(&setup.milestone.dir.path).display()));
    ui.ok("Implementation plan loaded");
    ui.ok(if resumed { "Previous run found (resuming)" } else { "First run detected" });
}

/// No production secrets near agents: a filtered environment for agent and test processes.
fn filter_environment(ui: &Ui, setup: &Setup) -> Result<(), Error> {
    let mut deny = setup.config.policy.deny_env.clone();
    deny.extend(crate::forge::github::token::GH_TOKEN_VARIABLES.map(String::from));
    if let Some(tg) = &setup.config.notify.telegram {
        deny.push(tg.token_env.clone());
    }
    let denied = crate::process::matching_env(&deny)?;
    if !denied.is_empty() {
        ui.warn(format!("removed from the agent and test environment: {}", denied.join(", ")));
    }
    crate::process::set_denied_env(denied);
    Ok(())
}
