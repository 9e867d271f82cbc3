//! `run-milestone panic`: the kill switch from a second terminal. It finds the runs of this
//! repository through their lock files (never by process name), signals each one (SIGUSR1: the
//! run kills its agent and test process groups, saves state, leaves its open PR in draft and exits
//! 3), waits for them to stop, then asks `Revoke GitHub token? yes | no` (without a terminal it
//! prints the steps and does not wait).

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::git::Workspace;
use crate::safety::lock::running;
use crate::safety::signals::PANIC_SIGNAL;
use crate::ui::Ui;

fn alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(false);
    exists && !zombie
}

pub fn run(ui: &Ui, dir: &Path) -> Result<i32, Error> {
    let (ws, _) = Workspace::discover(dir)?;
    let runs = running(&ws.state_dir());
    ui.line("🚨 PANIC triggered");
    ui.blank();
    if runs.is_empty() {
        ui.line("No run of this repository is in progress.");
    }
    for (milestone, pid) in &runs {
        if *pid == 0 {
            ui.warn(format!("milestone {milestone} is locked but its pid is unknown: stop it by hand"));
            continue;
        }
        // SAFETY: kill(2) with a pid read from our own lock's pid file.
        let sent = unsafe { libc::kill(*pid as libc::pid_t, PANIC_SIGNAL) } == 0;
        if !sent {
            ui.warn(format!(
                "could not signal the run of {milestone} (pid {pid}): {}",
                std::io::Error::last_os_error()
            ));
            continue;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while alive(*pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if alive(*pid) {
            ui.warn(format!("the run of {milestone} (pid {pid}) is still stopping"));
        } else {
            ui.ok(format!("Execution halted: {milestone} (pid {pid})"));
        }
    }
    if !runs.is_empty() {
        ui.ok("State saved to IMPLEMENTATION_PLAN.md (by each run)");
    }
    let origin = crate::safety::revoke::token_origin();
    if std::io::stdin().is_terminal() {
        let mut lines = super::prompt::stdin_lines();
        let mut read = || lines.read_line();
        crate::safety::revoke::ask(ui, &origin, Some(&mut read));
    } else {
        crate::safety::revoke::ask(ui, &origin, None);
    }
    Ok(0)
}
