//! Fault injection for the crash-safety tests (kill -9 at a chosen step).

/// Fault injection for crash-safety tests: `RUN_MILESTONE_CRASH_AT=<point>[#n]` makes the process
/// SIGKILL itself at the n-th (default first) time it reaches `point`: right after a journal
/// entry of that event, or at one of the named points inside a step (`commit_tree_written`,
/// `pr_record_written`, `merge_ref_moved`, `agent_started`).
pub fn crash_point(event: &str) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SEEN: AtomicU32 = AtomicU32::new(0);
    let Ok(spec) = std::env::var("RUN_MILESTONE_CRASH_AT") else { return };
    let (name, nth) = match spec.split_once('#') {
        Some((n, k)) => (n.to_string(), k.parse().unwrap_or(1)),
        None => (spec, 1),
    };
    if name == event && SEEN.fetch_add(1, Ordering::SeqCst) + 1 == nth {
        // SAFETY: signalling our own process.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}
