//! Unit tests of `agent`.

use super::*;

#[test]
fn status_lines() {
    assert_eq!(Status::from_reply("did it\nSTATUS: DONE"), Some((Status::Done, String::new())));
    assert_eq!(
        Status::from_reply("x\n**STATUS: NEEDS_CONTEXT** — which table holds users?\n"),
        Some((Status::NeedsContext, "which table holds users?".into()))
    );
    assert_eq!(Status::from_reply("Status: blocked: no RED block"), Some((Status::Blocked, "no RED block".into())));
    assert_eq!(Status::from_reply("STATUS: DONE_WITH_CONCERNS (flaky test)").unwrap().0, Status::DoneWithConcerns);
    assert_eq!(Status::from_reply("no status here"), None);
    assert_eq!(Status::from_reply("**STATUS:** BLOCKED. no spec"), Some((Status::Blocked, "no spec".into())));
    assert_eq!(Status::from_reply("STATUS: <DONE | BLOCKED>"), None);
}

#[test]
fn build_returns_the_backend_of_each_kind() {
    let config = AgentConfig::default();
    for kind in [AgentKind::Spec, AgentKind::Claude, AgentKind::Codex, AgentKind::Aider, AgentKind::Command] {
        assert_eq!(build(kind, &config).name(), kind.name());
    }
    assert!(build(AgentKind::Spec, &config).builtin_review_only());
    assert!(!build(AgentKind::Claude, &config).builtin_review_only());
}
