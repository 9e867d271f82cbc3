//! Signals: `run-milestone panic` from a second terminal sends SIGUSR1 (found through the lock
//! files, never by process name): every child group is killed at once. Ctrl-C (SIGINT, or
//! SIGTERM) asks for a graceful stop: the child groups get SIGTERM and up to
//! [`crate::process::GRACE`] to end before they are killed; a second Ctrl-C while that stop is
//! under way exits at once (130). The engine checks the flags at every journal entry, and a
//! prompt waiting for a line gives up on them.

use std::sync::atomic::{AtomicBool, Ordering};

/// The signal `run-milestone panic` sends to a run.
pub const PANIC_SIGNAL: i32 = signal_hook::consts::SIGUSR1;

static PANIC: AtomicBool = AtomicBool::new(false);
static INTERRUPT: AtomicBool = AtomicBool::new(false);

/// What a signal asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    Panic,
    Interrupt,
}

/// The stop a signal requested, if any (panic wins).
pub fn requested() -> Option<Requested> {
    if PANIC.load(Ordering::SeqCst) {
        Some(Requested::Panic)
    } else if INTERRUPT.load(Ordering::SeqCst) {
        Some(Requested::Interrupt)
    } else {
        None
    }
}

/// Marks a panic (also used when `panic` is typed at a prompt).
pub fn request_panic() {
    PANIC.store(true, Ordering::SeqCst);
}

/// Marks an interrupt (Ctrl-C typed in the line editor, which reads it as a key, not a signal).
pub fn request_interrupt() {
    INTERRUPT.store(true, Ordering::SeqCst);
}

/// Installs the handlers (a thread reading the signals). Call once, early.
pub fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, PANIC_SIGNAL])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        for sig in signals.forever() {
            if sig == PANIC_SIGNAL {
                PANIC.store(true, Ordering::SeqCst);
                crate::process::kill_all();
                continue;
            }
            if INTERRUPT.swap(true, Ordering::SeqCst) {
                // The second Ctrl-C: out at once (the journal and the plan are always current).
                crate::process::kill_all();
                eprintln!("\ninterrupted twice: exiting now");
                std::process::exit(130);
            }
            eprintln!("\ninterrupt: stopping after the current step (Ctrl-C again exits at once)");
            crate::process::terminate_all();
        }
    })?;
    Ok(())
}
