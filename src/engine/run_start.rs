//! The rest of bootstrap, once the session exists: the run start (journal, Telegram), the
//! milestone branch brought level with the forge and published, and the clean baseline (step 8),
//! which must pass. A stop here is handled like any stop of the main loop.

use serde_json::json;

use super::bootstrap::Gate;
use super::session::{Halt, Session};
use super::tests_report::TestRun;
use crate::error::Error;
use crate::git::ops;

/// Runs the start of the run with the session `bootstrap` built.
pub fn start(session: &mut Session, gate: Gate) -> Result<(), Halt> {
    let ui = session.ui;
    let gate_note = gate.note;
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
    // The milestone branch is published first (a no-op on the local forge without `forge.push`).
    super::push::push_branch(session, &base, None)?;
    baseline(session)
}

/// Step 8: a clean baseline.
fn baseline(session: &mut Session) -> Result<(), Halt> {
    let ui = session.ui;
    let base = session.base_branch();
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
