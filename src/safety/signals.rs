//! Signals: `run-milestone panic` from a second terminal sends SIGUSR1 (found through the lock
//! files, never by process name); Ctrl-C (SIGINT, or SIGTERM) asks for a graceful stop, and a
//! second one within a few seconds exits at once. Running subprocesses see the flags and are
//! killed as a group; the engine checks them at every journal entry, and a prompt waiting for a
//! line gives up on them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The signal `run-milestone panic` sends to a run.
pub const PANIC_SIGNAL: i32 = signal_hook::consts::SIGUSR1;

static PANIC: AtomicBool = AtomicBool::new(false);
static INTERRUPT: AtomicBool = AtomicBool::new(false);
static LAST_INTERRUPT_MS: AtomicU64 = AtomicU64::new(0);

/// How close a second Ctrl-C must follow the first to exit at once.
pub const SECOND_INTERRUPT: Duration = Duration::from_secs(3);

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

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
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
            let now = now_ms();
            let last = LAST_INTERRUPT_MS.swap(now, Ordering::SeqCst);
            if INTERRUPT.swap(true, Ordering::SeqCst) && now.saturating_sub(last) <= SECOND_INTERRUPT.as_millis() as u64
            {
                // The second Ctrl-C: out at once (the journal and the plan are always current).
                crate::process::kill_all();
                eprintln!("\ninterrupted twice: exiting now");
                std::process::exit(130);
            }
            eprintln!("\ninterrupt: stopping after the current step (Ctrl-C again within 3s exits at once)");
            crate::process::kill_all();
        }
    })?;
    Ok(())
}
