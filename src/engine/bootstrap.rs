//! The seed's bootstrap (steps 1–9): find and load the milestone, the quality gate, the milestone
//! branch, the worktree (locked), a clean baseline — each step printing its `✓ …` line.
//!
//! [`bootstrap`] builds the session; [`start`] (run start, publishing the milestone branch, the
//! baseline) runs with it, so a stop there is handled like any stop of the main loop. A stop
//! before the session exists comes back as an [`EarlyStop`]; a panic at the quality gate is
//! handled where it happens (journal, alert, block, token question).

use std::path::Path;

use git2::Repository;
use serde_json::json;

use super::decide::{Command, Decider, Stop, StopKind};
use super::session::{Halt, RunOptions, Session, Stats};
use super::setup::Setup;
use super::tests_report::TestRun;
use crate::agent;
use crate::error::Error;
use crate::forge::Forge;
use crate::forge::guard::Guarded;
use crate::git::ops::{self, Exclude};
use crate::git::repo::short;
use crate::milestone::MilestoneId;
use crate::plan::gate::{self, GateLimits};
use crate::safety::journal::Journal;
use crate::ui::Ui;

/// `<state dir>/<m>/`.
pub fn milestone_state_dir(setup: &Setup) -> std::path::PathBuf {
    setup.ws.state_dir().join(setup.id.to_string())
}

/// The gate's last passing fingerprint. A corrupt file is moved aside (`.corrupt-<timestamp>`)
/// and reported — never silently overwritten.
fn read_gate_state(ui: &Ui, dir: &Path) -> Option<String> {
    let path = dir.join("gate.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let parsed = serde_json::from_str::<serde_json::Value>(&text).ok();
    if let Some(fp) = parsed.as_ref().and_then(|v| v["fingerprint"].as_str()) {
        return Some(fp.to_string());
    }
    let aside = dir.join(format!("gate.json.corrupt-{}", crate::safety::journal::timestamp().replace(':', "")));
    match std::fs::rename(&path, &aside) {
        Ok(()) => ui.warn(format!(
            "{} was corrupt: moved aside to {}; the quality gate runs again",
            path.display(),
            aside.display()
        )),
        Err(e) => ui.warn(format!("{} is corrupt and could not be moved aside: {e}", path.display())),
    }
    None
}

/// Removes a stale `index.lock` of the working tree's git dir when no process holds it open
/// (a crash mid-commit leaves one); one that is held is an error.
fn clear_stale_index_lock(ui: &Ui, work: &Repository) -> Result<(), Error> {
    let lock = work.path().join("index.lock");
    if !lock.exists() {
        return Ok(());
    }
    if let Some(pid) = crate::process::leftovers::holder_of(&lock) {
        return Err(Error::stopped(format!(
            "{} is held by process {pid} (a git command is running there)",
            lock.display()
        )));
    }
    std::fs::remove_file(&lock).map_err(|e| Error::internal(format!("cannot remove {}: {e}", lock.display())))?;
    ui.ok(format!("Removed a stale {} (no process held it)", lock.display()));
    Ok(())
}

fn write_gate_state(dir: &Path, fingerprint: &str, approved: bool) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
    let body = json!({"fingerprint": fingerprint, "approved": approved, "at": crate::safety::journal::timestamp()});
    crate::safety::atomic::write_atomic(&dir.join("gate.json"), body.to_string().as_bytes())
        .map_err(|e| Error::internal(format!("cannot write gate state: {e}")))
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
    /// The command taken at the quality gate, when it was asked.
    pub gate: Option<Command>,
    /// Bootstrap held the milestone's lock (before it, the run was refused: nothing is written).
    pub locked: bool,
}

/// The quality gate's outcome, journaled by [`start`] once the session exists.
#[derive(Debug, Default)]
pub struct Gate {
    /// The command taken at its stop, when it stopped.
    pub command: Option<Command>,
    /// The findings, for the `run_started` entry.
    pub note: serde_json::Value,
}

/// What bootstrap has that an early stop still needs.
#[derive(Default)]
struct Early {
    notifier: Option<crate::notify::Telegram>,
    gate: Gate,
    locked: bool,
}

/// Runs bootstrap up to the session the main loop works with (and the quality gate's outcome,
/// for [`start`] to journal).
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
            gate: early.gate.command,
            locked: early.locked,
        })),
    }
}

fn assemble<'a>(
    ui: &'a Ui,
    dir: &Path,
    id: &MilestoneId,
    opts: RunOptions,
    decider: Box<dyn Decider>,
    early: &mut Early,
) -> Result<Session<'a>, Halt> {
    let setup = Setup::load(dir, id)?;
    if setup.config.test_command.is_none() {
        return Err(Halt::Error(
            Error::input(".run-milestone.yml: `test_command` is not set: it is required to run a milestone (the baseline, the full suite after each issue and the local CI run it)")
                .with_hint("add e.g. `test_command: pytest -q`; `--dry-run` and `check` work without it"),
        ));
    }
    check_checkout(&setup, opts.no_worktree)?;
    // The GitHub forge connects before any work starts: no token, a rejected token, a forbidden
    // scope, or a base branch that is GitHub's default branch stop here, before a branch or a
    // worktree exists.
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
    let state_dir = milestone_state_dir(&setup);
    // One run per milestone: taken before anything is written.
    let lock = crate::safety::lock::acquire(&state_dir, &setup.id.to_string())?;
    early.locked = true;
    let journal_path = state_dir.join("journal.jsonl");
    let entries = Journal::read(&journal_path);
    let resumed = !entries.is_empty();
    let recall = super::recall::Recall::from_entries(&entries);
    drop(entries);
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
    // What a killed run (kill -9) left running dies before anything else starts.
    stop_leftovers(ui, &state_dir);
    crate::process::record_groups_in(&state_dir.join(PROCESSES_FILE));
    // No production secrets near agents: a filtered environment for agent and test processes.
    let mut deny = setup.config.policy.deny_env.clone();
    deny.extend(["GH_TOKEN", "GITHUB_TOKEN"].map(String::from));
    if let Some(tg) = &setup.config.notify.telegram {
        deny.push(tg.token_env.clone());
    }
    let denied = crate::process::matching_env(&deny)?;
    if !denied.is_empty() {
        ui.warn(format!("removed from the agent and test environment: {}", denied.join(", ")));
    }
    crate::process::set_denied_env(denied);
    early.notifier = crate::notify::Telegram::from_config(&setup.config.notify)?;
    let mut journal = Journal::open(&journal_path)
        .map_err(|e| Error::internal(format!("cannot open the journal {}: {e}", journal_path.display())))?;

    let Setup { id, ws, repo, config, milestone, protected } = setup;
    let kind = opts.agent.unwrap_or(config.agent.kind);
    let agent = agent::build(kind, &config.agent);
    let mut decider = decider;

    // Step 0: the quality gate — first run, or whenever the plan or a spec changed since it passed.
    let fingerprint = gate::fingerprint(&milestone);
    ui.blank();
    if opts.skip_plan_review {
        ui.line("🔍 Quality Gate");
        ui.line("⏭️ Skipped (--skip-plan-review)");
    } else if read_gate_state(ui, &state_dir).as_deref() == Some(fingerprint.as_str()) {
        ui.ok("Quality gate: passed earlier, plan and specs unchanged");
    } else {
        ui.line("🔍 Quality Gate");
        ui.line("Invoking plan-review...");
        ui.blank();
        let report = gate::review(&milestone, GateLimits::default());
        early.gate.note = json!({"critical": report.critical, "warnings": report.warnings});
        if report.passed() {
            for l in report.render() {
                ui.line(l);
            }
            write_gate_state(&state_dir, &fingerprint, false)?;
        } else {
            let mut rendered = report.render();
            let headline = rendered.remove(0);
            let lines: Vec<String> = rendered.into_iter().skip_while(String::is_empty).collect();
            let mut stop = Stop::new(StopKind::QualityGate, headline, lines, &[Command::Approve, Command::Abort]);
            // No PRs yet: the forge is not set up before the gate passes.
            stop.status = super::status::current_state(&id, &milestone.plan, &[]);
            if !decider.is_autonomous() {
                let note = format!("⏸ run-milestone {id} waits for you: {}\n{}", stop.headline, stop.allowed_line());
                super::notify::send_with(ui, early.notifier.as_ref(), Some(&mut journal), &note);
            }
            let decision = decider.decide(ui, &stop);
            // A panic or Ctrl-C that cut the prompt short is no command of anybody's.
            let signalled = crate::safety::signals::requested();
            if signalled.is_none() {
                early.gate.command = Some(decision.command);
            }
            let typed_panic = signalled.is_none() && decision.command == Command::Panic;
            if typed_panic || signalled == Some(crate::safety::signals::Requested::Panic) {
                if typed_panic {
                    crate::safety::signals::request_panic();
                }
                let parts = super::panic::Parts {
                    ui,
                    id: &id,
                    journal: &mut journal,
                    notifier: early.notifier.as_ref(),
                    decider: &mut *decider,
                    typed: typed_panic,
                };
                super::panic::halt_with(parts, None, crate::process::kill_all());
                return Err(Halt::Panic);
            }
            match decision.command {
                _ if signalled.is_some() => return Err(Halt::Abort("interrupted (Ctrl-C): state saved".into())),
                Command::Approve => {}
                _ => return Err(Halt::Abort("Fix issues in IMPLEMENTATION_PLAN.md".into())),
            }
            early.gate.note["approved"] = json!(true);
            ui.ok("Approved (recorded)");
            write_gate_state(&state_dir, &fingerprint, true)?;
        }
    }

    // Steps 4–5: the milestone branch (created from HEAD when missing; main is only read).
    let base = milestone.plan.base_branch.clone();
    ui.blank();
    let base_note = match ops::tip(&repo, &base) {
        Some(_) => format!("Base branch: {base}"),
        None => {
            let head =
                ops::head(&repo).map_err(|_| Error::input("the repository has no commits: commit something first"))?;
            ops::ensure_branch(&repo, &base, head)?;
            let from = ws.head_branch.clone().unwrap_or_else(|| "HEAD".into());
            format!("Base branch: {base} (created from {from} at {})", short(head))
        }
    };
    ui.ok(base_note);

    // Step 7: the worktree (or the current checkout).
    let folder = milestone.display_path(&milestone.dir.path).to_string_lossy().replace('\\', "/");
    let exclude = Exclude::new([folder.as_str()]);
    let (work, workdir) = if opts.no_worktree {
        let work =
            Repository::open(&ws.root).map_err(|e| Error::internal(format!("open {}: {e}", ws.root.display())))?;
        clear_stale_index_lock(ui, &work)?;
        if ops::is_dirty(&work, &exclude)? {
            ops::reset_hard(&work, ops::head(&work)?, &exclude)?;
            ui.ok("Discarded uncommitted changes on the issue branch (a half-done task restarts from its last commit)");
        }
        ops::checkout(&work, &base)?;
        ui.ok("Working in the current checkout (--no-worktree)");
        (work, ws.root.clone())
    } else {
        let path = ws.worktree_path(&id.to_string());
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let created = ops::ensure_worktree(&repo, &name, &path, &base)?;
        let work =
            Repository::open(&path).map_err(|e| Error::internal(format!("open worktree {}: {e}", path.display())))?;
        clear_stale_index_lock(ui, &work)?;
        let shown = format!("../{name}");
        ui.ok(if created {
            format!("Worktree created: {shown} (locked)")
        } else {
            format!("Worktree reused: {shown} (locked)")
        });
        if ops::is_dirty(&work, &Exclude::default())? {
            ops::reset_hard(&work, ops::head(&work)?, &Exclude::default())?;
            ui.ok("Discarded uncommitted changes in the worktree (a half-done task restarts from its last commit)");
        }
        ops::checkout(&work, &base)?;
        (work, path)
    };

    let forge = super::forge_setup::open_with(ui, &ws, &config, &workdir, github)?;
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
        work,
        workdir,
        config,
        milestone,
        protected,
        exclude,
        journal,
        recall,
        forge,
        agent,
        decider,
        opts,
        stats: Stats::default(),
        started: std::time::Instant::now(),
        resumed,
        _lock: lock,
        current_pr: None,
        panic_typed: false,
        notifier: early.notifier.take(),
    })
}

/// The rest of bootstrap, with the session: the quality gate's command journaled, the run start
/// (journal, Telegram), the milestone branch brought level with the forge and published, and the
/// baseline (step 8), which must pass.
pub fn start(session: &mut Session, gate: Gate) -> Result<(), Halt> {
    let ui = session.ui;
    let gate_decision = gate.command;
    let gate_note = gate.note;
    if let Some(command) = gate_decision {
        *session.stats.commands_used.entry(command.name().to_string()).or_default() += 1;
        if command == Command::Approve {
            session.stats.approvals.push("Quality gate: critical issues approved".into());
        }
        session.log(
            "decision",
            json!({"stop": "QualityGate", "command": command.name(), "automatic": session.decider.is_autonomous()}),
        )?;
    }
    let started = format!(
        "▶️ run-milestone {} started ({})",
        session.id,
        if session.opts.autonomous { "autonomous" } else { "interactive" }
    );
    super::notify::send(session, &started);
    session.log(
        "run_started",
        json!({"milestone": session.id.to_string(), "mode": if session.opts.autonomous { "autonomous" } else { "interactive" },
               "agent": session.agent.name(), "forge": session.forge.name(), "pid": std::process::id(),
               "gate": gate_note, "workdir": session.workdir.display().to_string()}),
    )?;
    // GitHub may have merged PRs since the last run: bring the local milestone branch (and the
    // worktree on it) level before anything builds on it.
    let base = session.base_branch();
    if let Err(e) = session.forge.sync_branch(&base) {
        ui.warn(format!("could not update {base} from the forge: {e}"));
    }
    if ops::current_branch(&session.work).as_deref() == Some(base.as_str())
        && ops::is_dirty(&session.work, &session.exclude)?
    {
        let head = ops::head(&session.work)?;
        ops::reset_hard(&session.work, head, &session.exclude)?;
    }
    // The milestone branch is published first (no-op on the local forge without push).
    session.forge.push(&base).map_err(|e| session.forge_fail(e))?;

    // Step 8: a clean baseline.
    let test_command = session.test_command();
    let f = super::task::run_shell(session, &test_command, "Baseline tests")?;
    let run = TestRun::new(&test_command, f);
    session.log("baseline", json!({"passed": run.passed(), "exit": run.finished.code}))?;
    if !run.passed() {
        ui.blank();
        ui.line(format!("🛑 Baseline tests failing on {base}: {}", run.line().trim_start_matches("✗ ")));
        ui.blank();
        // The tail is redacted as a whole (a key block cut above its END line still goes).
        for l in run.finished.tail(20).lines() {
            ui.line(format!("  {l}"));
        }
        return Err(Halt::Error(
            Error::stopped(format!("baseline tests fail on {base}: fix them before running the milestone"))
                .with_hint(format!("run `{test_command}` in {}", session.workdir.display())),
        ));
    }
    let passed = run.counts.passed.map(|n| format!(" ({n} passed)")).unwrap_or_default();
    ui.ok(format!("Baseline tests passing{passed}"));
    Ok(())
}

/// The checkout checks a run makes before anything is written, shared with `--dry-run` (they
/// only read): with `--no-worktree` see [`check_current_checkout`]; with a worktree, the
/// milestone branch must not be checked out here (git allows a branch in one worktree only).
pub fn check_checkout(setup: &Setup, no_worktree: bool) -> Result<(), Halt> {
    if no_worktree {
        return check_current_checkout(setup);
    }
    let base = &setup.milestone.plan.base_branch;
    let path = setup.ws.worktree_path(&setup.id.to_string());
    if setup.ws.head_branch.as_deref() == Some(base.as_str()) && !path.exists() {
        return Err(Halt::Error(
            Error::input(format!(
                "the milestone branch `{base}` is checked out here, so it cannot also be checked out in the worktree {}",
                path.display()
            ))
            .with_hint("switch this checkout to another branch (e.g. `git switch main`), or run with --no-worktree"),
        ));
    }
    Ok(())
}

/// `--no-worktree`: the current checkout must be on the milestone branch — or, when resuming (the
/// milestone has a journal), on one of its issues' branches — and clean apart from the plan file
/// (the tool updates it in place). Checked before anything is written.
fn check_current_checkout(setup: &Setup) -> Result<(), Halt> {
    let base = &setup.milestone.plan.base_branch;
    let branch = ops::current_branch(&setup.repo).unwrap_or_default();
    let resuming = !Journal::read(&milestone_state_dir(setup).join("journal.jsonl")).is_empty();
    let on_issue_branch = resuming
        && setup
            .milestone
            .plan
            .issues
            .iter()
            .any(|i| super::naming::issue_branch(&setup.id, i, setup.milestone.spec(i.no)) == branch);
    if branch != *base && !on_issue_branch {
        return Err(Halt::Error(
            Error::input(format!(
                "--no-worktree: the current checkout is on `{}`, expected the milestone branch `{base}`",
                if branch.is_empty() { "a detached HEAD" } else { &branch }
            ))
            .with_hint(format!(
                "git switch {base}   (or `git switch -c {base}` to create it); an issue branch is accepted only when resuming its issue"
            )),
        ));
    }
    let plan_file = setup.milestone.display_path(&setup.milestone.plan.path).to_string_lossy().replace('\\', "/");
    let folder = setup.milestone.display_path(&setup.milestone.dir.path).to_string_lossy().replace('\\', "/");
    let in_folder = Exclude::new([folder.as_str()]);
    let changed = ops::changes(&setup.repo, ops::head(&setup.repo)?, &Exclude::new([plan_file.as_str()]))?;
    // Resuming on an issue branch: a half-done task's leftovers are discarded in bootstrap (it
    // restarts from its last clean commit); edits to the milestone's specs never are.
    let refused: Vec<String> =
        changed.into_iter().map(|c| c.path).filter(|p| !on_issue_branch || in_folder.matches(p)).collect();
    if !refused.is_empty() {
        let more = if refused.len() > 5 { format!(" (and {} more)", refused.len() - 5) } else { String::new() };
        return Err(Halt::Error(
            Error::input(format!(
                "--no-worktree: the current checkout has uncommitted changes besides the plan file: {}{more}",
                refused.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ))
            .with_hint(format!("commit or stash them first (only {plan_file} may have uncommitted edits)")),
        ));
    }
    Ok(())
}
