//! Unit tests of `agent::launch`.

use super::*;

#[test]
fn reply_contract() {
    assert_eq!(reply("  did it\n"), (Status::Done, "did it".into()));
    assert_eq!(reply("did it\nSTATUS: DONE"), (Status::Done, "did it\nSTATUS: DONE".into()));
    assert_eq!(reply("hm\nSTATUS: BLOCKED — no RED block"), (Status::Blocked, "no RED block".into()));
    assert_eq!(reply("hm\nSTATUS: NEEDS_CONTEXT which table?"), (Status::NeedsContext, "which table?".into()));
    assert_eq!(reply("x\nSTATUS: BLOCKED"), (Status::Blocked, "x\nSTATUS: BLOCKED".into()));
    assert_eq!(reply("x\nSTATUS: DONE_WITH_CONCERNS flaky").0, Status::DoneWithConcerns);
}

#[test]
fn temp_files_are_private_and_removed_on_drop() {
    use std::os::unix::fs::PermissionsExt;
    let t = TempFile::new("aider", "prompt.md", b"hello").unwrap();
    let path = t.path().to_path_buf();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello");
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let other = TempFile::new("aider", "prompt.md", b"x").unwrap();
    assert_ne!(other.path(), path);
    drop(t);
    assert!(!path.exists());
}

#[test]
fn unreadable_output_is_malformed_on_success_and_failed_otherwise() {
    let ok = Finished { code: Some(0), stdout: "oops".into(), combined: "oops".into(), ..Default::default() };
    match unreadable("claude", &ok, "expected JSON") {
        AgentError::Malformed { message, output } => {
            assert_eq!(message, "claude: expected JSON; stdout began with: `oops`");
            assert_eq!(output, "oops");
        }
        other => panic!("{other:?}"),
    }
    let bad = Finished { code: Some(2), combined: "a\nnot logged in\n".into(), ..Default::default() };
    match unreadable("codex", &bad, "expected JSON lines") {
        AgentError::Failed { message, .. } => assert_eq!(message, "codex exited with exit 2:\na\nnot logged in"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_stdout_preview_is_redacted_before_the_cut() {
    use crate::safety::redact::tests::rnd;
    // A Google API key whose 35 random characters the 200-character cut falls inside.
    let random = rnd(71, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 35);
    let stdout = format!("note: {} deploy with {}{random} now\n", "x".repeat(170), "AI".to_string() + "za");
    let ok = Finished { code: Some(0), stdout: stdout.clone(), combined: stdout, ..Default::default() };
    let AgentError::Malformed { message, .. } = unreadable("claude", &ok, "expected JSON") else { panic!() };
    assert!(message.contains(" deploy with [REDACTED]"), "{message}");
    assert!(!message.contains(&random[..4]), "{message}");
}
