//! Unit tests of `cli::prompt`.

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
fn an_empty_line_reasks_with_the_allowed_line() {
    let (d, out) = run(vec!["", "   ", "skip"], &tests_failing());
    assert_eq!(d.command, Command::Skip);
    let block = "\n🛑 Tests failing (attempt 1/2)\n\nFailed:\n- test_a\n\nfix | skip | abort\n";
    assert_eq!(out, format!("{block}\nfix | skip | abort\n\nfix | skip | abort\n"));
    // An empty answer to an agent's question is no answer: asked again.
    let stop = Stop::new(
        StopKind::NeedsContext,
        "❓ Agent needs context: which table?",
        vec![],
        &[Command::Skip, Command::Abort],
    );
    let (d, out) = run(vec!["", "users"], &stop);
    assert_eq!((d.command, d.answer.as_deref()), (Command::Continue, Some("users")));
    assert!(out.ends_with("<answer> | skip | abort\n\n<answer> | skip | abort\n"), "{out}");
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

#[test]
fn a_stop_requested_before_the_prompt_starts_no_read() {
    let (asked_tx, asked_rx) = channel::<()>();
    let mut src = Threaded::new(
        move || {
            asked_tx.send(()).unwrap();
            Some("never typed".into())
        },
        |wait| wait == Wait::Command,
        true,
    );
    assert_eq!(src.read_line(), None);
    assert!(!src.pending);
    assert!(asked_rx.recv_timeout(Duration::from_millis(200)).is_err(), "the reader was asked for a line");
    // A wait for an answer is not cut short: it reads.
    assert_eq!(src.read_answer().as_deref(), Some("never typed"));
}

#[test]
fn a_waiting_prompt_gives_up_when_stopped_and_keeps_the_late_line() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let (asked_tx, asked_rx) = channel::<()>();
    let (typed_tx, typed_rx) = channel::<String>();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let mut src = Threaded::new(
        move || {
            asked_tx.send(()).unwrap();
            typed_rx.recv().ok()
        },
        move |wait| wait == Wait::Command && flag.load(Ordering::SeqCst),
        false,
    );
    // The stop is requested while the reader is blocked waiting for a line.
    let setter = std::thread::spawn({
        let stop = stop.clone();
        move || {
            asked_rx.recv().unwrap();
            stop.store(true, Ordering::SeqCst);
            asked_rx
        }
    });
    assert_eq!(src.read_line(), None, "the wait for a command is cut short");
    let asked_rx = setter.join().unwrap();
    // A wait for an answer (the question after a panic) is not; the line typed afterwards
    // answers it, and no second read was started for it.
    typed_tx.send("yes".into()).unwrap();
    assert_eq!(src.read_answer().as_deref(), Some("yes"));
    assert!(asked_rx.try_recv().is_err(), "one read per line");
    stop.store(false, Ordering::SeqCst);
    typed_tx.send("abort".into()).unwrap();
    assert_eq!(src.read_line().as_deref(), Some("abort"));
    asked_rx.recv().unwrap();
    typed_tx.send("skip".into()).unwrap();
    assert_eq!(src.read_line().as_deref(), Some("skip"));
    asked_rx.recv().unwrap();
    drop(typed_tx);
    assert_eq!(src.read_line(), None, "end of input");
    assert!(!src.is_terminal());
}
