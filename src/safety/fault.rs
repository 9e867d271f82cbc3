//! Fault injection for the crash-safety and kill-switch tests: kill -9, or the panic signal, at a
//! chosen step.

use std::sync::atomic::{AtomicU32, Ordering};

/// Whether `spec` (`<point>[#n]`, from the environment variable `var`) names `event`, and this is
/// the n-th (default first) time it is reached (counted in `seen`).
fn reached(var: &str, event: &str, seen: &AtomicU32) -> bool {
    let Ok(spec) = std::env::var(var) else { return false };
    let (name, nth) = match spec.split_once('#') {
        Some((n, k)) => (n.to_string(), k.parse().unwrap_or(1)),
        None => (spec, 1),
    };
    name == event && seen.fetch_add(1, Ordering::SeqCst) + 1 == nth
}

/// Fault injection for crash-safety tests: `RUN_MILESTONE_CRASH_AT=<point>[#n]` makes the process
/// SIGKILL itself at the n-th (default first) time it reaches `point`: right after a journal
/// entry of that event, or at one of the named points inside a step (`commit_tree_written`,
/// `pr_record_written`, `merge_ref_moved`, `agent_started`).
pub fn crash_point(event: &str) {
    static SEEN: AtomicU32 = AtomicU32::new(0);
    if reached("RUN_MILESTONE_CRASH_AT", event, &SEEN) {
        // SAFETY: signalling our own process.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// Fault injection for kill-switch tests: `RUN_MILESTONE_PANIC_AT=<event>[#n]` makes the process
/// send itself the panic signal (SIGUSR1, as `run-milestone panic` does) right after the n-th
/// journal entry of that event, and wait (up to 10 s) until the signal thread has seen it: the
/// run halts at that step, as if the signal had arrived just then.
pub fn panic_point(event: &str) {
    static SEEN: AtomicU32 = AtomicU32::new(0);
    if !reached("RUN_MILESTONE_PANIC_AT", event, &SEEN) {
        return;
    }
    // SAFETY: signalling our own process.
    unsafe {
        libc::kill(libc::getpid(), crate::safety::signals::PANIC_SIGNAL);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while crate::safety::signals::requested().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
