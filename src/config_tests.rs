//! Unit tests of `config`.

use super::*;

fn parse(text: &str) -> Result<Config, Error> {
    Config::parse(Path::new(CONFIG_FILE), text)
}

#[test]
fn defaults_when_empty() {
    for text in ["", "\n", "# nothing\n"] {
        let c = parse(text).unwrap();
        assert_eq!(c.protected_branches, vec!["main", "master"]);
        assert_eq!(c.milestone_dirs(), vec![PathBuf::from("milestones"), PathBuf::from("docs/milestones")]);
        assert_eq!(c.agent.kind, AgentKind::Spec);
        assert_eq!(c.forge.kind, ForgeKind::Local);
        assert!(!c.forge.push);
        assert!(c.test_command.is_none());
    }
}

#[test]
fn nested_sections_and_overrides() {
    let c = parse(
            "milestones_dir: plans\ntest_command: python3 -m unittest\nlint_fix_command: ruff check --fix\nprotected_branches: [trunk, release/*]\nagent:\n  kind: claude\nforge:\n  kind: github\n  push: true\npolicy: {}\nnotify: {}\n",
        )
        .unwrap();
    assert_eq!(c.milestone_dirs(), vec![PathBuf::from("plans")]);
    assert_eq!(c.test_command.as_deref(), Some("python3 -m unittest"));
    assert_eq!(c.lint_fix_command.as_deref(), Some("ruff check --fix"));
    assert_eq!(c.protected_branches, vec!["trunk", "release/*"]);
    assert_eq!(c.agent.kind, AgentKind::Claude);
    assert_eq!(c.forge.kind, ForgeKind::Github);
    assert!(c.forge.push);
    assert_eq!(c.forge.github, GithubConfig::default());
}

#[test]
fn the_github_section() {
    let d = GithubConfig::default();
    assert_eq!((d.api_url.as_str(), d.remote.as_str(), d.auto_merge), ("https://api.github.com", "origin", true));
    assert_eq!((d.owner.as_deref(), d.repo.as_deref(), d.max_retries), (None, None, 3));
    let c = parse(
            "forge:\n  kind: github\n  github:\n    owner: acme\n    repo: tools\n    api_url: https://ghe.example.com/api/v3\n    required_checks: [test, lint]\n    auto_merge: false\n",
        )
        .unwrap();
    let g = &c.forge.github;
    assert_eq!((g.owner.as_deref(), g.repo.as_deref()), (Some("acme"), Some("tools")));
    assert_eq!(g.api_url, "https://ghe.example.com/api/v3");
    assert_eq!(g.required_checks, vec!["test", "lint"]);
    assert!(!g.auto_merge);
    assert_eq!(g.checks_grace_seconds, d.checks_grace_seconds);
    let err = parse("forge:\n  github:\n    token: x\n").unwrap_err();
    assert!(err.message.starts_with(".run-milestone.yml:3:5: invalid YAML: unknown field `token`"), "{}", err.message);
}

#[test]
fn notify_telegram() {
    assert_eq!(parse("notify: {}\n").unwrap().notify.telegram, None);
    let c = parse("notify:\n  telegram:\n    chat_id: -1001234567890\n").unwrap();
    let t = c.notify.telegram.unwrap();
    assert_eq!(
        (t.token_env.as_str(), t.chat_id.as_str(), t.api_url.as_str(), t.timeout_seconds),
        ("TELEGRAM_BOT_TOKEN", "-1001234567890", "https://api.telegram.org", 10)
    );
    let c = parse(
            "notify:\n  telegram:\n    token_env: MY_BOT\n    chat_id: \"@ops\"\n    api_url: http://127.0.0.1:9\n    timeout_seconds: 3\n",
        )
        .unwrap();
    let t = c.notify.telegram.unwrap();
    assert_eq!((t.token_env.as_str(), t.chat_id.as_str(), t.timeout_seconds), ("MY_BOT", "@ops", 3));
    let err = parse("notify:\n  telegram:\n    token_env: X\n").unwrap_err();
    assert!(err.message.contains("chat_id"), "{}", err.message);
    let err = parse("notify:\n  telegram:\n    chat_id: 1\n    token: abc\n").unwrap_err();
    assert!(err.message.starts_with(".run-milestone.yml:4:5: invalid YAML: unknown field `token`"), "{}", err.message);
}

#[test]
fn the_tdd_label_and_the_push_retry_limit_are_configurable() {
    let d = PolicyConfig::default();
    assert_eq!((d.labels.tdd_violation.as_str(), d.max_push_retries), ("tdd-violation", 2));
    let c = parse("policy:\n  max_push_retries: 0\n  labels:\n    tdd_violation: tdd-broken\n").unwrap();
    assert_eq!((c.policy.labels.tdd_violation.as_str(), c.policy.max_push_retries), ("tdd-broken", 0));
    assert_eq!(c.policy.labels.schema, "needs-db-review", "the other labels keep their defaults");
    let err = parse("policy:\n  labels:\n    tdd_violations: x\n").unwrap_err();
    assert!(
        err.message.starts_with(".run-milestone.yml:3:5: invalid YAML: unknown field `tdd_violations`"),
        "{}",
        err.message
    );
    let err = parse("policy:\n  max_push_retry: 1\n").unwrap_err();
    assert!(
        err.message.starts_with(".run-milestone.yml:2:3: invalid YAML: unknown field `max_push_retry`"),
        "{}",
        err.message
    );
}

#[test]
fn unknown_keys_name_key_file_and_line() {
    let err = parse("test_command: x\ntest_comand: y\n").unwrap_err();
    assert!(
        err.message.starts_with(".run-milestone.yml:2:1: invalid YAML: unknown field `test_comand`, expected one of"),
        "{}",
        err.message
    );
    let err = parse("forge:\n  kind: local\n  pussh: true\n").unwrap_err();
    assert!(err.message.starts_with(".run-milestone.yml:3:3: invalid YAML: unknown field `pussh`"), "{}", err.message);
    let err = parse("forge:\n  kind: gitlab\n").unwrap_err();
    assert!(
        err.message.starts_with(".run-milestone.yml:2:9: invalid YAML: unknown variant `gitlab`"),
        "{}",
        err.message
    );
}
