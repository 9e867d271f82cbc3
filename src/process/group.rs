//! The process groups this run started: tracked while they run (and recorded, see
//! [`super::leftovers`]), killed together on a panic ([`kill_all`]), and stopped one by one by
//! the [`Guard`] of [`super::run`] — at once for a panic, gracefully for a Ctrl-C: SIGTERM, then
//! up to [`GRACE`] for *every* process of the group to end (not just its leader: `sh -c 'a && b'`
//! dies at once while `b` may still be cleaning up), then SIGKILL.

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

/// Sends SIGKILL to every process group this process started that is still running.
pub fn kill_all() -> usize {
    let groups = running_set();
    for pgid in &groups {
        // SAFETY: killpg with a group id we created; errors (already gone) are ignored.
        unsafe {
            libc::killpg(*pgid as libc::pid_t, libc::SIGKILL);
        }
    }
    groups.len()
}

/// The process groups currently running (for tests and diagnostics).
pub fn running_groups() -> Vec<u32> {
    running_set().into_iter().collect()
}

/// Whether a process of group `pgid` is still running: `killpg(pgid, 0)` until ESRCH, and, while
/// it finds one, a look at `/proc` so that zombies nobody reaps yet do not count.
fn group_alive(pgid: u32) -> bool {
    // SAFETY: signal 0 sends nothing; it only asks whether the group has a process.
    let any = unsafe { libc::killpg(pgid as libc::pid_t, 0) } == 0;
    any && super::leftovers::group_running(pgid)
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

    /// Stops the group for a panic (SIGKILL now) or a Ctrl-C (SIGTERM once, then SIGKILL when
    /// the whole group has ended or [`GRACE`] ran out — a panic cuts the wait short).
    pub fn stop(&mut self, why: Requested) {
        if why == Requested::Interrupt {
            // SAFETY: killpg on the group we created.
            unsafe {
                libc::killpg(self.pgid as libc::pid_t, libc::SIGTERM);
            }
            let deadline = Instant::now() + GRACE;
            while Instant::now() < deadline && requested() != Some(Requested::Panic) {
                // Reap the leader when it exits (a zombie keeps the group alive), then wait for
                // the rest of the group.
                let _ = self.child.try_wait();
                if !group_alive(self.pgid) {
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
