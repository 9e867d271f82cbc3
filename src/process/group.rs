//! The process groups this run started: tracked while they run (and recorded, see
//! [`super::leftovers`]), signalled together on a panic ([`kill_all`]) or a Ctrl-C
//! ([`terminate_all`]), and stopped one by one by the [`Guard`] of [`super::run`].

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use process_wrap::std::ChildWrapper;

use crate::safety::signals::{Requested, requested};

/// Process groups this process started and that are still running.
static RUNNING: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// How long a Ctrl-C waits for a child group to end after SIGTERM before it is killed.
pub const GRACE: Duration = Duration::from_secs(10);

/// The running groups.
pub(super) fn running_set() -> BTreeSet<u32> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Adds or removes a running group, keeping the record current.
pub(super) fn track(pgid: u32, running: bool) {
    let mut set = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
    let changed = if running { set.insert(pgid) } else { set.remove(&pgid) };
    if changed {
        super::leftovers::update(&set);
    }
}

fn signal_all(sig: libc::c_int) -> usize {
    let groups = running_set();
    for pgid in &groups {
        // SAFETY: killpg with a group id we created; errors (already gone) are ignored.
        unsafe {
            libc::killpg(*pgid as libc::pid_t, sig);
        }
    }
    groups.len()
}

/// Sends SIGKILL to every process group this process started that is still running.
pub fn kill_all() -> usize {
    signal_all(libc::SIGKILL)
}

/// Sends SIGTERM to every running process group (a Ctrl-C: each gets [`GRACE`] to end).
pub fn terminate_all() -> usize {
    signal_all(libc::SIGTERM)
}

/// The process groups currently running (for tests and diagnostics).
pub fn running_groups() -> Vec<u32> {
    running_set().into_iter().collect()
}

/// A running child registered in [`RUNNING`]; killed (with its group) if dropped while running.
pub(super) struct Guard {
    pub child: Box<dyn ChildWrapper>,
    pub pgid: u32,
    pub done: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        track(self.pgid, false);
    }
}

impl Guard {
    /// Registers a spawned child, the leader of group `pgid`.
    pub fn new(child: Box<dyn ChildWrapper>, pgid: u32) -> Guard {
        track(pgid, true);
        Guard { child, pgid, done: false }
    }

    /// Stops the group for a panic (SIGKILL now) or a Ctrl-C (SIGTERM, then SIGKILL once the
    /// leader has exited or [`GRACE`] ran out — a panic cuts the wait short).
    pub fn stop(&mut self, why: Requested) {
        if why == Requested::Interrupt {
            // SAFETY: killpg on the group we created.
            unsafe {
                libc::killpg(self.pgid as libc::pid_t, libc::SIGTERM);
            }
            let deadline = Instant::now() + GRACE;
            while Instant::now() < deadline && requested() != Some(Requested::Panic) {
                if !matches!(self.child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // SAFETY: killpg on the group we created; ESRCH when it is already empty is fine.
        unsafe {
            libc::killpg(self.pgid as libc::pid_t, libc::SIGKILL);
        }
        let _ = self.child.wait();
        self.done = true;
    }
}

/// In the child, before exec: die with the spawning thread (see the module docs of
/// [`crate::process`]).
pub(super) fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: only async-signal-safe calls (prctl, getppid, _exit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent died before the prctl: nobody would ever reap or stop us.
            if libc::getppid() != parent {
                libc::_exit(137);
            }
            Ok(())
        });
    }
}
