//! `run-milestone panic`: the kill switch from a second terminal. It finds the runs of this
//! repository through their lock files (never by process name), signals each one (SIGUSR1: the
//! run kills its agent and test process groups, saves state, leaves its open PR in draft and exits
//! 3), waits for them to stop, then asks `Revoke GitHub token? yes | no` about the token the runs
//! recorded they use (without a terminal it prints the steps and does not wait). A run that is still alive when the wait runs out is
//! reported as not halted (exit 1), never as saved.

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::git::Workspace;
use crate::safety::lock::{alive, running};
use crate::safety::revoke::{TokenOrigin, TokenRecord};
use crate::safety::signals::PANIC_SIGNAL;
use crate::ui::Ui;

/// How long `panic` waits for each run to stop (`RUN_MILESTONE_PANIC_WAIT_SECONDS`, for tests).
fn wait_limit() -> Duration {
    let secs = std::env::var("RUN_MILESTONE_PANIC_WAIT_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

/// Signals every run of the repository; exit 0 when each one stopped, 1 when one could not be
/// signalled or was still running when the wait ran out (it says so, and how to stop it).
pub fn run(ui: &Ui, dir: &Path) -> Result<i32, Error> {
    let (ws, _) = Workspace::discover(dir)?;
    let runs = running(&ws.state_dir());
    // Each run's token source, read before it is signalled (the question is about its token).
    let records: Vec<TokenRecord> =
        runs.iter().filter_map(|(milestone, _)| TokenRecord::read(&ws.state_dir().join(milestone))).collect();
    ui.line("🚨 PANIC triggered");
    ui.blank();
    if runs.is_empty() {
        ui.line("No run of this repository is in progress.");
    }
    let limit = wait_limit();
    let (mut halted, mut failed) = (0, 0);
    for (milestone, pid) in &runs {
        if *pid == 0 {
            ui.warn(format!("milestone {milestone} is locked but its pid is unknown: stop it by hand"));
            failed += 1;
            continue;
        }
        // SAFETY: kill(2) with a pid read from our own lock's pid file.
        let sent = unsafe { libc::kill(*pid as libc::pid_t, PANIC_SIGNAL) } == 0;
        if !sent {
            ui.warn(format!(
                "could not signal the run of {milestone} (pid {pid}): {}",
                std::io::Error::last_os_error()
            ));
            failed += 1;
            continue;
        }
        let deadline = Instant::now() + limit;
        while alive(*pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if alive(*pid) {
            ui.line(format!(
                "✗ Not halted: the run of {milestone} (pid {pid}) is still running after {}s; stop it with `kill -9 {pid}` (a killed run resumes safely)",
                limit.as_secs()
            ));
            failed += 1;
        } else {
            ui.ok(format!("Execution halted: {milestone} (pid {pid})"));
            halted += 1;
        }
    }
    if halted > 0 {
        ui.ok(if failed == 0 {
            "State saved to IMPLEMENTATION_PLAN.md (by each run)"
        } else {
            "State saved to IMPLEMENTATION_PLAN.md (by each halted run)"
        });
    }
    let terminal = std::io::stdin().is_terminal();
    let mut lines = terminal.then(|| super::prompt::stdin_lines(ui));
    for origin in token_origins(&ws, &records) {
        match lines.as_mut() {
            Some(lines) => {
                let mut read = || lines.read_answer();
                crate::safety::revoke::ask(ui, &origin, Some(&mut read));
            }
            None => crate::safety::revoke::ask(ui, &origin, None),
        }
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The tokens the runs used, as each recorded it (once each); with no record (no run in
/// progress), the one this shell's environment gives the repository's configured host.
fn token_origins(ws: &Workspace, records: &[TokenRecord]) -> Vec<TokenOrigin> {
    let mut seen: Vec<&TokenRecord> = Vec::new();
    for r in records {
        if !seen.contains(&r) {
            seen.push(r);
        }
    }
    if seen.is_empty() {
        let host = crate::config::Config::load(&ws.root)
            .map_or_else(|_| "github.com".into(), |c| crate::engine::forge_setup::gh_host(&c));
        return vec![crate::safety::revoke::token_origin(&host)];
    }
    seen.into_iter().map(TokenRecord::origin).collect()
}
