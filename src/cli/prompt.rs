//! The interactive decider: at each stop, print the seed's block (ending with exactly one line of
//! the allowed commands) and read a command. Plain lines when stdin is not a terminal (so runs can
//! be scripted: `printf 'skip\nabort\n' | run-milestone m1`) or when `RUN_MILESTONE_PLAIN_PROMPT=1`;
//! a line editor with history when it is. End of input means `abort`.

use std::io::{BufRead, IsTerminal};

use crate::engine::decide::{Command, Decider, Decision, Stop, StopKind};
use crate::ui::Ui;

/// Where command lines come from.
pub trait LineSource {
    /// The next line, or `None` at end of input.
    fn read_line(&mut self) -> Option<String>;
}

/// Plain lines from stdin.
pub struct PlainLines;

impl LineSource for PlainLines {
    fn read_line(&mut self) -> Option<String> {
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
        }
    }
}

/// A line editor with history (rustyline), for terminals.
pub struct EditorLines(rustyline::DefaultEditor);

impl LineSource for EditorLines {
    fn read_line(&mut self) -> Option<String> {
        match self.0.readline("") {
            Ok(line) => {
                let _ = self.0.add_history_entry(line.as_str());
                Some(line)
            }
            Err(_) => None,
        }
    }
}

/// The line source for this process: the editor on a terminal, plain lines otherwise.
pub fn stdin_lines() -> Box<dyn LineSource> {
    let forced_plain = std::env::var("RUN_MILESTONE_PLAIN_PROMPT").is_ok_and(|v| v == "1");
    if !forced_plain
        && std::io::stdin().is_terminal()
        && let Ok(editor) = rustyline::DefaultEditor::new()
    {
        return Box::new(EditorLines(editor));
    }
    Box::new(PlainLines)
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
                ui.line("(end of input: abort)");
                return Decision { command: Command::Abort, answer: None, automatic: false };
            };
            let typed = line.trim();
            if typed.is_empty() {
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
        self.lines.read_line()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Script(Vec<&'static str>);

    impl LineSource for Script {
        fn read_line(&mut self) -> Option<String> {
            if self.0.is_empty() { None } else { Some(self.0.remove(0).to_string()) }
        }
    }

    fn run(lines: Vec<&'static str>, stop: &Stop) -> (Decision, String) {
        let (ui, buf) = Ui::capture();
        let mut d = Interactive::new(Box::new(Script(lines)));
        let decision = d.decide(&ui, stop);
        let out = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        (decision, out)
    }

    fn tests_failing() -> Stop {
        let mut s = Stop::new(
            StopKind::TestsFailing,
            "🛑 Tests failing (attempt 1/2)",
            vec!["Failed:".into(), "- test_a".into()],
            &[Command::Fix, Command::Skip, Command::Abort],
        );
        s.status = vec!["📊 Current State".into(), "".into(), "Milestone: m1".into()];
        s
    }

    #[test]
    fn the_block_ends_with_the_allowed_line() {
        let (d, out) = run(vec!["fix"], &tests_failing());
        assert_eq!(d.command, Command::Fix);
        assert_eq!(out, "\n🛑 Tests failing (attempt 1/2)\n\nFailed:\n- test_a\n\nfix | skip | abort\n");
    }

    #[test]
    fn unavailable_and_unknown_commands_are_rejected_and_reasked() {
        let (d, out) = run(vec!["restart", "frobnicate", "  SKIP "], &tests_failing());
        assert_eq!(d.command, Command::Skip);
        assert!(out.contains("`restart` is not available here\n\nfix | skip | abort\n"), "{out}");
        assert!(out.contains("unknown command `frobnicate`\n\nfix | skip | abort\n"), "{out}");
    }

    #[test]
    fn status_help_and_panic_work_everywhere() {
        let (d, out) = run(vec!["status", "help", "panic"], &tests_failing());
        assert_eq!(d.command, Command::Panic);
        assert!(out.contains("📊 Current State\n\nMilestone: m1\n\n---\n"), "{out}");
        assert!(out.contains("  fix        attempt a fix, then retry"), "{out}");
        assert!(out.contains("  panic      immediate halt"), "{out}");
    }

    #[test]
    fn end_of_input_is_abort() {
        let (d, out) = run(vec![], &tests_failing());
        assert_eq!(d.command, Command::Abort);
        assert!(out.ends_with("(end of input: abort)\n"));
    }

    #[test]
    fn an_answer_at_a_needs_context_stop() {
        let stop = Stop::new(
            StopKind::NeedsContext,
            "❓ Agent needs context: which table?",
            vec![],
            &[Command::Skip, Command::Abort],
        );
        let (d, _) = run(vec!["the users table"], &stop);
        assert_eq!((d.command, d.answer.as_deref()), (Command::Continue, Some("the users table")));
        // Command words that are not this prompt's commands are answers too.
        for word in ["fix", "continue", "Restart", "approve"] {
            let (d, out) = run(vec![word], &stop);
            assert_eq!((d.command, d.answer.as_deref()), (Command::Continue, Some(word)), "{out}");
        }
        let (d, _) = run(vec!["SKIP"], &stop);
        assert_eq!((d.command, d.answer), (Command::Skip, None));
        let (d, _) = run(vec!["status", "help", "panic"], &stop);
        assert_eq!(d.command, Command::Panic, "status and help still work there");
    }
}
