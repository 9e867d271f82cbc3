//! The bounded waits (checks, GitHub's auto-merge): the time left on a spinner when stderr is a
//! terminal, else as plain `<what>: <time> left` lines on stdout at a bounded rate — at most one
//! per tenth of the wait, and never more often than the polls — so a log shows progress without
//! flooding.

use std::time::{Duration, Instant};

use crate::ui::Ui;

/// At most this many plain lines per wait (besides the announcement).
const PLAIN_LINES: u32 = 10;

/// A wait of `timeout`, polled every `poll`.
pub struct Countdown {
    timeout: Duration,
    poll: Duration,
    started: Instant,
    last_line: Instant,
    every: Duration,
}

impl Countdown {
    pub fn new(timeout: Duration, poll: Duration) -> Countdown {
        let now = Instant::now();
        Countdown { timeout, poll, started: now, last_line: now, every: poll.max(timeout / PLAIN_LINES) }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn expired(&self) -> bool {
        self.started.elapsed() >= self.timeout
    }

    /// The time left, rounded up to whole seconds (`0s` only once it ran out).
    pub fn left_secs(&self) -> u64 {
        self.timeout.saturating_sub(self.started.elapsed()).as_millis().div_ceil(1000) as u64
    }

    /// Whether a plain line is due at `now`.
    fn line_due(&self, now: Instant) -> bool {
        now.duration_since(self.last_line) >= self.every
    }

    /// Shows `what: <time> left` and sleeps until the next poll (never past the deadline); a
    /// panic or Ctrl-C cuts the sleep short (the caller then checks the signals).
    pub fn wait(&mut self, ui: &Ui, what: &str) {
        let text = format!("{what}: {} left", super::summary::duration(self.left_secs()));
        let spinner = ui.spinner(text.clone());
        let now = Instant::now();
        if !spinner.visible() && self.line_due(now) {
            ui.line(&text);
            self.last_line = now;
        }
        let _ = crate::safety::signals::sleep(self.poll.min(self.timeout.saturating_sub(self.started.elapsed())));
        drop(spinner);
    }
}

#[cfg(test)]
#[path = "countdown_tests.rs"]
mod tests;
