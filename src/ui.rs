//! All terminal output goes through one `Ui` value (git-branchless's `Effects`): it knows whether
//! colour is allowed, whether we are verbose, and where output goes (a buffer in tests).

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// The `═══` rule of the seed's banners (47 characters).
pub const RULE: &str = "═══════════════════════════════════════════════";

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

/// The one handle for terminal output.
#[derive(Clone)]
pub struct Ui {
    out: Sink,
    err: Sink,
    /// ANSI colour allowed (stdout is a terminal and `NO_COLOR` is unset).
    pub color: bool,
    /// `--verbose`: log every decision.
    pub verbose: bool,
}

impl Ui {
    /// Real stdout/stderr.
    pub fn stdio(verbose: bool) -> Ui {
        let color = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ui {
            out: Arc::new(Mutex::new(Box::new(io::stdout()))),
            err: Arc::new(Mutex::new(Box::new(io::stderr()))),
            color,
            verbose,
        }
    }

    /// A Ui writing both streams into one shared buffer (tests).
    pub fn capture() -> (Ui, Arc<Mutex<Vec<u8>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink: Sink = Arc::new(Mutex::new(Box::new(SharedBuf(buf.clone()))));
        (Ui { out: sink.clone(), err: sink, color: false, verbose: false }, buf)
    }

    fn write(sink: &Sink, text: &str) {
        // Every line the tool prints goes through the redactor (agent and test output included).
        let text = crate::safety::redact::redact(text);
        let mut w = sink.lock().unwrap_or_else(|p| p.into_inner());
        // A closed pipe (`| head`) must not turn into a panic.
        let _ = w.write_all(text.as_bytes());
        let _ = w.flush();
    }

    /// One line on stdout.
    pub fn line(&self, text: impl AsRef<str>) {
        let mut s = text.as_ref().to_string();
        s.push('\n');
        Ui::write(&self.out, &s);
    }

    /// Text as is on stdout (may hold many lines).
    pub fn text(&self, text: impl AsRef<str>) {
        Ui::write(&self.out, text.as_ref());
    }

    pub fn blank(&self) {
        self.line("");
    }

    /// The seed's banner: rule, title, rule.
    pub fn banner(&self, title: impl AsRef<str>) {
        self.line(RULE);
        self.line(title);
        self.line(RULE);
    }

    /// `✓ message`.
    pub fn ok(&self, text: impl AsRef<str>) {
        let mark = if self.color { "\x1b[32m✓\x1b[0m" } else { "✓" };
        self.line(format!("{mark} {}", text.as_ref()));
    }

    /// A line on stderr.
    pub fn eline(&self, text: impl AsRef<str>) {
        let mut s = text.as_ref().to_string();
        s.push('\n');
        Ui::write(&self.err, &s);
    }

    /// `warning: …` on stderr.
    pub fn warn(&self, text: impl AsRef<str>) {
        let label = if self.color { "\x1b[33mwarning:\x1b[0m" } else { "warning:" };
        self.eline(format!("{label} {}", text.as_ref()));
    }

    /// An error with its hints, on stderr.
    pub fn error(&self, err: &crate::error::Error) {
        let label = if self.color { "\x1b[31merror:\x1b[0m" } else { "error:" };
        self.eline(format!("{label} {}", err.message));
        for hint in &err.hints {
            self.eline(format!("hint: {hint}"));
        }
    }
}

/// A spinner on stderr while an agent or a test runs; hidden when stderr is not a terminal or
/// `NO_COLOR` is set. Cleared when dropped.
pub struct Spinner(indicatif::ProgressBar);

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl Spinner {
    /// The text shown next to the spinner.
    #[cfg(test)]
    fn message(&self) -> String {
        self.0.message()
    }
}

impl Spinner {
    /// Whether it is shown (stderr is a terminal and colour is allowed); else a caller that
    /// wants progress visible prints plain lines.
    pub fn visible(&self) -> bool {
        !self.0.is_hidden()
    }
}

impl Ui {
    /// Starts a spinner showing `message`, redacted like every other output (it names the
    /// command that runs, e.g. a Verify line).
    pub fn spinner(&self, message: impl Into<String>) -> Spinner {
        let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let visible = self.color && !plain && io::stderr().is_terminal();
        let pb = if visible { indicatif::ProgressBar::new_spinner() } else { indicatif::ProgressBar::hidden() };
        pb.set_message(crate::safety::redact::redact(&message.into()));
        if visible {
            pb.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        Spinner(pb)
    }
}

struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spinner_text_is_redacted() {
        let (ui, _) = Ui::capture();
        let secret = format!("pass{}={}", "word", "Zq81vLw0pT");
        let spinner = ui.spinner(format!("Verify: PGPASSWORD=x psql --{secret} -c 'select 1'"));
        assert_eq!(spinner.message(), "Verify: PG[REDACTED] psql --[REDACTED] -c 'select 1'");
    }
}
