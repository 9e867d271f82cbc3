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
mod tests {
    use super::*;

    #[test]
    fn plain_lines_come_at_most_every_tenth_of_the_wait_or_poll() {
        let secs = Duration::from_secs;
        assert_eq!(Countdown::new(secs(1800), secs(15)).every, secs(180));
        assert_eq!(Countdown::new(secs(3), secs(1)).every, secs(1));
        assert_eq!(Countdown::new(secs(60), secs(30)).every, secs(30));
        let c = Countdown::new(secs(1800), secs(15));
        assert!(!c.line_due(c.last_line + secs(179)));
        assert!(c.line_due(c.last_line + secs(180)));
        assert_eq!(c.left_secs(), 1800);
        assert!(!c.expired());
        assert!(Countdown::new(Duration::ZERO, secs(1)).expired());
    }

    #[test]
    fn without_a_terminal_a_due_line_is_printed_as_plain_text() {
        let (ui, buf) = Ui::capture();
        // Ten seconds rounded up stay `10s` however slow the machine is; the poll is 1 ms.
        let mut c = Countdown::new(Duration::from_secs(10), Duration::from_millis(1));
        c.every = Duration::ZERO;
        c.wait(&ui, "⏳ Checks pending on PR #7");
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "⏳ Checks pending on PR #7: 10s left\n");
    }
}
