//! Signals: `run-milestone panic` from a second terminal sends SIGUSR1 (found through the lock
//! files, never by process name): every child group is killed at once. Ctrl-C (SIGINT, or
//! SIGTERM) asks for a graceful stop: the running child group gets SIGTERM (from the main
//! thread, in [`crate::process::run`]) and up to [`crate::process::GRACE`] to end before it is
//! killed; a second Ctrl-C while that stop is under way exits at once (130). The engine checks
//! the flags at every journal entry and on every poll of a wait; every wait and back-off sleeps
//! through [`sleep`], which gives up as soon as a stop is requested; a prompt waiting for a line
//! gives up on them too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::ui::Ui;

/// The signal `run-milestone panic` sends to a run.
pub const PANIC_SIGNAL: i32 = signal_hook::consts::SIGUSR1;

static PANIC: AtomicBool = AtomicBool::new(false);
static INTERRUPT: AtomicBool = AtomicBool::new(false);
static FINISHING: AtomicBool = AtomicBool::new(false);

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

/// While alive, the run does what a stop itself needs (the panic's draft PR): [`sleep`] then
/// sleeps in full, so a request's back-off still works.
pub struct Finishing(bool);

/// Starts the work a stop needs (see [`Finishing`]).
pub fn finishing() -> Finishing {
    Finishing(FINISHING.swap(true, Ordering::SeqCst))
}

impl Drop for Finishing {
    fn drop(&mut self) {
        FINISHING.store(self.0, Ordering::SeqCst);
    }
}

/// How often a sleeping wait looks at the flags.
const SLICE: Duration = Duration::from_millis(50);

/// Sleeps for `d` in short slices, giving up with the stop as soon as a panic or Ctrl-C is
/// requested (unless the run is [`finishing`] after one). Every wait and back-off sleeps here.
pub fn sleep(d: Duration) -> Result<(), Requested> {
    let deadline = Instant::now() + d;
    loop {
        if !FINISHING.load(Ordering::SeqCst)
            && let Some(why) = requested()
        {
            return Err(why);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(SLICE));
    }
}

/// Installs the handlers (a thread reading the signals, printing through `ui`). Call once, early.
pub fn install(ui: &Ui) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, PANIC_SIGNAL])?;
    let ui = ui.clone();
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
                ui.eline("\ninterrupted twice: exiting now");
                std::process::exit(130);
            }
            // The running child group gets its SIGTERM and grace period from the main thread
            // (`process::run` sees the flag within a poll), so it is asked to end only once.
            ui.eline("\ninterrupt: stopping after the current step (Ctrl-C again exits at once)");
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleep_without_a_stop_lasts_its_time() {
        let started = Instant::now();
        assert_eq!(sleep(Duration::from_millis(120)), Ok(()));
        assert!(started.elapsed() >= Duration::from_millis(120));
        assert_eq!(sleep(Duration::ZERO), Ok(()));
    }
}
