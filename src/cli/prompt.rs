//! The interactive decider: at each stop, print the seed's block (ending with exactly one line of
//! the allowed commands) and read a command. Plain lines when stdin is not a terminal (so runs can
//! be scripted: `printf 'skip\nabort\n' | run-milestone m1`) or when `RUN_MILESTONE_PLAIN_PROMPT=1`;
//! a line editor with history when it is. End of input means `abort`.
//!
//! stdin is read on a helper thread: the prompt waits for its line on a channel and gives up as
//! soon as a panic (`run-milestone panic`, SIGUSR1) or a Ctrl-C is requested, so a run parked at a
//! prompt stops at once.

use std::io::{BufRead, IsTerminal};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use crate::engine::decide::{Command, Decider, Decision, Stop, StopKind};
use crate::safety::signals::{self, Requested};
use crate::ui::Ui;

/// Where command lines come from.
pub trait LineSource {
    /// The next line, or `None` at end of input (or when a panic or Ctrl-C cut the wait short).
    fn read_line(&mut self) -> Option<String>;

    /// A reply to a question asked *because of* a panic (the token revocation): like
    /// [`LineSource::read_line`], but only a Ctrl-C cuts it short.
    fn read_answer(&mut self) -> Option<String> {
        self.read_line()
    }

    /// Whether a person at a terminal types these lines (free questions are only asked then).
    fn is_terminal(&self) -> bool {
        false
    }
}

/// How often a waiting prompt looks at the signal flags.
const POLL: Duration = Duration::from_millis(50);

/// What a line is awaited for (a panic ends the wait for a command, not for an answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    Command,
    Answer,
}

/// A blocking line reader driven on a helper thread: each read asks the thread for one line and
/// waits for it on a channel, giving up when `stopped(wait)` says so. A line asked for but not
/// yet typed is kept for the next call.
pub struct Threaded {
    requests: Sender<()>,
    lines: Receiver<Option<String>>,
    pending: bool,
    stopped: Box<dyn Fn(Wait) -> bool>,
    terminal: bool,
}

impl Threaded {
    /// Runs `read` (one blocking line per call, `None` at the end) on a helper thread.
    pub fn new(
        mut read: impl FnMut() -> Option<String> + Send + 'static,
        stopped: impl Fn(Wait) -> bool + 'static,
        terminal: bool,
    ) -> Threaded {
        let (requests, asked) = channel::<()>();
        let (send, lines) = channel();
        let spawned = std::thread::Builder::new().name("stdin".into()).spawn(move || {
            while asked.recv().is_ok() {
                let line = read();
                let end = line.is_none();
                if send.send(line).is_err() || end {
                    break;
                }
            }
        });
        if let Err(e) = spawned {
            tracing::warn!("cannot start the stdin thread: {e}");
        }
        Threaded { requests, lines, pending: false, stopped: Box::new(stopped), terminal }
    }
}

impl Threaded {
    fn wait(&mut self, wait: Wait) -> Option<String> {
        loop {
            // Before a line is asked for, too: a stop already requested must not start a read
            // (the line editor would put the terminal in raw mode after the prompt gave up).
            if (self.stopped)(wait) {
                return None;
            }
            if !self.pending {
                if self.requests.send(()).is_err() {
                    return None;
                }
                self.pending = true;
            }
            match self.lines.recv_timeout(POLL) {
                Ok(line) => {
                    self.pending = false;
                    return line;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}

impl LineSource for Threaded {
    fn read_line(&mut self) -> Option<String> {
        self.wait(Wait::Command)
    }

    fn read_answer(&mut self) -> Option<String> {
        self.wait(Wait::Answer)
    }

    fn is_terminal(&self) -> bool {
        self.terminal
    }
}

/// One plain line from stdin (`None` at the end).
fn plain_line() -> Option<String> {
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
    }
}

/// The terminal's settings before the line editor ran, restored when a signal cuts a prompt
/// short and when the prompt goes away with a read still pending (the editor's raw mode and
/// bracketed paste must not outlive the run).
struct TermiosGuard(Option<libc::termios>);

impl TermiosGuard {
    fn save() -> TermiosGuard {
        // SAFETY: tcgetattr fills the struct for fd 0; on failure it is not used.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            TermiosGuard((libc::tcgetattr(0, &mut t) == 0).then_some(t))
        }
    }

    fn restore(&self) {
        if let Some(t) = &self.0 {
            // SAFETY: restoring settings read from the same fd.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, t);
            }
        }
    }
}

/// Turns the terminal's bracketed paste off (the line editor turns it on while it reads).
const BRACKETED_PASTE_OFF: &str = "\x1b[?2004l";

/// The line editor on its helper thread, restoring the terminal when a prompt is cut short.
struct EditorLines {
    inner: Threaded,
    saved: TermiosGuard,
    ui: Ui,
}

impl EditorLines {
    fn restored(&self, line: Option<String>) -> Option<String> {
        if line.is_none() && signals::requested().is_some() {
            self.restore();
        }
        line
    }

    fn restore(&self) {
        self.saved.restore();
        if std::io::stdout().is_terminal() {
            self.ui.text(BRACKETED_PASTE_OFF);
        }
    }
}

impl Drop for EditorLines {
    /// A read still pending (the editor in raw mode, or about to enter it) when the prompt goes
    /// away: the run ends, and the terminal gets its settings back.
    fn drop(&mut self) {
        if self.inner.pending {
            self.restore();
        }
    }
}

impl LineSource for EditorLines {
    fn read_line(&mut self) -> Option<String> {
        let line = self.inner.read_line();
        self.restored(line)
    }

    fn read_answer(&mut self) -> Option<String> {
        let line = self.inner.read_answer();
        self.restored(line)
    }

    fn is_terminal(&self) -> bool {
        true
    }
}

/// A wait for a command ends on any requested stop; a wait for an answer (after a panic) only
/// on a Ctrl-C.
fn cut_short(wait: Wait) -> bool {
    match signals::requested() {
        Some(Requested::Panic) => wait == Wait::Command,
        Some(Requested::Interrupt) => true,
        None => false,
    }
}

/// The line source for this process: the editor on a terminal, plain lines otherwise; both read
/// on a helper thread and give up on a panic or Ctrl-C.
pub fn stdin_lines(ui: &Ui) -> Box<dyn LineSource> {
    let forced_plain = std::env::var("RUN_MILESTONE_PLAIN_PROMPT").is_ok_and(|v| v == "1");
    let terminal = std::io::stdin().is_terminal();
    if !forced_plain
        && terminal
        && let Ok(mut editor) = rustyline::DefaultEditor::new()
    {
        let saved = TermiosGuard::save();
        let read = move || match editor.readline("") {
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                Some(line)
            }
            // Ctrl-C in the editor (raw mode: no SIGINT) is an interrupt like any other.
            Err(rustyline::error::ReadlineError::Interrupted) => {
                signals::request_interrupt();
                None
            }
            Err(_) => None,
        };
        return Box::new(EditorLines { inner: Threaded::new(read, cut_short, true), saved, ui: ui.clone() });
    }
    Box::new(Threaded::new(plain_line, cut_short, terminal))
}

/// What each command does (the seed's command tables), for `help`.
fn describe(c: Command) -> &'static str {
    match c {
        Command::Continue => "approve and proceed",
        Command::Fix => "attempt a fix, then retry",
        Command::Skip => "skip this issue, continue to the next",
        Command::Approve => "acknowledge the risk, proceed (recorded)",
        Command::Abort => "stop the milestone (resume later)",
        Command::Restart => "discard the task's change and restart at RED",
        Command::SkipPhase => "skip the next phase, continue after it",
        Command::Retry => "try again",
        Command::Panic => "immediate halt: stop everything, save state",
    }
}

/// A person at the prompt.
pub struct Interactive {
    lines: Box<dyn LineSource>,
}

impl Interactive {
    pub fn new(lines: Box<dyn LineSource>) -> Self {
        Interactive { lines }
    }

    fn repeat(&self, ui: &Ui, stop: &Stop) {
        ui.blank();
        ui.line(stop.allowed_line());
    }
}

impl Decider for Interactive {
    fn decide(&mut self, ui: &Ui, stop: &Stop) -> Decision {
        stop.print(ui);
        loop {
            let Some(line) = self.lines.read_line() else {
                // A panic or Ctrl-C while waiting: the engine sees the signal, not a typed command.
                match signals::requested() {
                    Some(Requested::Panic) => {
                        return Decision { command: Command::Panic, answer: None, automatic: false };
                    }
                    Some(Requested::Interrupt) => {
                        return Decision { command: Command::Abort, answer: None, automatic: false };
                    }
                    None => {}
                }
                ui.line("(end of input: abort)");
                return Decision { command: Command::Abort, answer: None, automatic: false };
            };
            let typed = line.trim();
            // Nothing typed (an answer to an agent's question included): the prompt asks again.
            if typed.is_empty() {
                self.repeat(ui, stop);
                continue;
            }
            match typed.to_ascii_lowercase().as_str() {
                "status" => {
                    ui.blank();
                    for l in &stop.status {
                        ui.line(l);
                    }
                    ui.blank();
                    ui.line("---");
                    stop.print(ui);
                    continue;
                }
                "help" => {
                    ui.blank();
                    ui.line("Commands here:");
                    if stop.kind == StopKind::NeedsContext {
                        ui.line("  <your answer>  passed back to the agent");
                    }
                    for c in &stop.allowed {
                        ui.line(format!("  {:<10} {}", c.name(), describe(*c)));
                    }
                    ui.line(format!("  {:<10} {}", "status", "show the current state"));
                    ui.line(format!("  {:<10} {}", "help", "show this list"));
                    ui.line(format!("  {:<10} {}", "panic", describe(Command::Panic)));
                    self.repeat(ui, stop);
                    continue;
                }
                _ => {}
            }
            if stop.kind == StopKind::NeedsContext {
                // The interview: only its own commands (and panic) are commands; any other line,
                // a command word included, is the answer.
                return match Command::parse(typed) {
                    Some(c) if c == Command::Panic || stop.allowed.contains(&c) => {
                        Decision { command: c, answer: None, automatic: false }
                    }
                    _ => Decision { command: Command::Continue, answer: Some(typed.to_string()), automatic: false },
                };
            }
            match Command::parse(typed) {
                Some(Command::Panic) => return Decision { command: Command::Panic, answer: None, automatic: false },
                Some(c) if stop.allowed.contains(&c) => return Decision { command: c, answer: None, automatic: false },
                Some(c) => {
                    ui.line(format!("`{c}` is not available here"));
                    self.repeat(ui, stop);
                }
                None => {
                    ui.line(format!("unknown command `{typed}`"));
                    self.repeat(ui, stop);
                }
            }
        }
    }

    fn is_autonomous(&self) -> bool {
        false
    }

    fn read_line(&mut self) -> Option<String> {
        self.lines.read_answer()
    }

    fn terminal(&self) -> bool {
        self.lines.is_terminal()
    }
}

#[cfg(test)]
#[path = "prompt_tests.rs"]
mod tests;
