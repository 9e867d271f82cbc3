//! Secrets on real runs: a secret in an agent's output and one in the issue's diff each halt the
//! run (exit 3) with nothing pushed; the near-miss list never halts; Telegram messages sent during
//! a run are redacted.

use crate::common::{Repo, assert_exit, stdout};
use crate::support::*;

fn fake_github_token(seed: u64) -> String {
    format!("gh{}_{}", "p", random_text(seed, 36))
}

fn push_to_origin(repo: &Repo) {
    config_add(repo, "forge:\n  push: true\n");
}

fn origin_branches(repo: &Repo) -> String {
    repo.git(&["ls-remote", "--heads", "origin"])
}

#[test]
fn a_secret_in_agent_output_halts_with_nothing_pushed() {
    let repo = Repo::demo();
    let token = fake_github_token(7);
    command_agent(
        &repo,
        &format!("if step == 'red':\n    print('debug: using {token}')\n    write(test_files[0], 'x')\n"),
    );
    push_to_origin(&repo);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🚨 SECRET EXPOSURE DETECTED\n\nPattern: GitHub token"), "{text}");
    assert!(text.contains("Location: agent stdout line 1"), "{text}");
    assert!(text.contains("✗ Output blocked from Telegram\n✗ Execution halted\n⚠️ Token may be compromised"), "{text}");
    assert!(text.contains("abort (required)\n🤖 Autonomous: abort"), "{text}");
    assert!(!text.contains(&token) && !crate::common::stderr(&out).contains(&token), "the secret was printed");
    let journal_text = std::fs::read_to_string(repo.root.join(".git/run-milestone/m1/journal.jsonl")).unwrap();
    assert!(!journal_text.contains(&token), "the secret reached the journal");
    assert_eq!(events(&journal(&repo), "secret_exposure").len(), 1);
    assert!(!origin_branches(&repo).contains("feat/"), "nothing of the issue was pushed");
    assert!(!repo.root.join(".git/run-milestone/forge/prs/1.json").exists());
}

#[test]
fn a_secret_in_the_diff_halts_before_any_push_or_pr() {
    let repo = Repo::demo();
    single_issue(&repo);
    let token = fake_github_token(11);
    command_agent(
        &repo,
        &format!(
            "if step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_a(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\nelif step == 'green':\n    write(impl_files[0], 'API = \"{token}\"\\n\\ndef slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n"
        ),
    );
    push_to_origin(&repo);
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🚨 SECRET EXPOSURE DETECTED"), "{text}");
    assert!(text.contains("Location: textkit/slug.py:1"), "{text}");
    assert!(!text.contains(&token));
    assert!(
        origin_branches(&repo).contains("refs/heads/milestone/m1-text-tools"),
        "the milestone branch was pushed first"
    );
    assert!(!origin_branches(&repo).contains("feat/"), "the issue branch never left the machine");
    assert!(!repo.root.join(".git/run-milestone/forge/prs/1.json").exists());
}

#[test]
fn near_misses_never_halt_a_run() {
    let repo = Repo::demo();
    single_issue(&repo);
    let sha = "9fceb02d0ae598e95dc970b74767f19372d61af8";
    let near = [
        "token: str = ''".to_string(),
        "password=\"secret\"".into(),
        format!("gh{}_{}", "p", "x".repeat(36)),
        format!("AKIA{}", "IOSFODNN7EXAMPLE"),
        "${{ secrets.DEPLOY_TOKEN }}".into(),
        "${GITHUB_TOKEN}".into(),
        sha.into(),
        "123e4567-e89b-12d3-a456-426614174000".into(),
    ];
    let lines: Vec<String> = near.iter().map(|n| format!("# {n}")).collect();
    let block = lines.join("\\n");
    command_agent(
        &repo,
        &format!(
            "print('{block}')\nif step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_a(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\nelif step == 'green':\n    write(impl_files[0], '{block}\\ndef slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n"
        ),
    );
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    assert!(!stdout(&out).contains("SECRET EXPOSURE"), "{}", stdout(&out));
    assert!(row(&plan(&repo), "01").contains("✅ Done"));
}

#[test]
fn telegram_gets_the_run_redacted() {
    let repo = Repo::demo();
    let (url, seen) = bot_api_server();
    let bot = fake_bot_token(21);
    let secret = random_text(22, 20);
    command_agent(&repo, "print('STATUS: NEEDS_CONTEXT which host? ' + os.environ['MY_SERVICE_TOKEN'])\nsys.exit(0)\n");
    telegram_to(&repo, &url);
    let out = repo
        .cmd(&["m1", "--autonomous"])
        .env("TELEGRAM_BOT_TOKEN", &bot)
        .env("MY_SERVICE_TOKEN", &secret)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let texts = sent_texts(&seen, &bot);
    assert!(texts[0].starts_with("▶️ run-milestone m1 started (autonomous)"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t == "⏭️ run-milestone m1: Issue #01 auto-skipped: needs context: which host? [REDACTED]"),
        "{texts:?}"
    );
    assert!(texts.last().unwrap().starts_with("🏁 run-milestone m1 finished: "), "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains(&secret)), "{texts:?}");
    // The bot token is kept from the agents too.
    assert!(crate::common::stderr(&out).contains("removed from the agent and test environment: TELEGRAM_BOT_TOKEN"));
}

/// Every place a run's output can end up: stdout, stderr, the journal and the local PR records.
fn everything_written(repo: &Repo, out: &std::process::Output) -> String {
    let mut all = format!("{}\n{}\n", stdout(out), crate::common::stderr(out));
    all.push_str(&std::fs::read_to_string(repo.root.join(".git/run-milestone/m1/journal.jsonl")).unwrap_or_default());
    if let Ok(prs) = std::fs::read_dir(repo.root.join(".git/run-milestone/forge/prs")) {
        for pr in prs {
            all.push_str(&std::fs::read_to_string(pr.unwrap().path()).unwrap_or_default());
        }
    }
    all
}

fn leaked_key_lines<'a>(text: &str, body: &'a [String]) -> Vec<&'a String> {
    body.iter().filter(|l| text.contains(l.as_str())).collect()
}

/// A preview of an agent's unreadable output is redacted whole before it is cut: a secret the
/// 200-character cut falls inside goes whole, not its first characters.
#[test]
fn a_secret_cut_by_a_preview_is_redacted_whole() {
    let repo = Repo::demo();
    single_issue(&repo);
    let value = random_text(53, 35);
    // A fake `claude` first on PATH: not JSON, so its stdout is previewed; the cut at 200
    // characters falls 13 characters into the value.
    let bin = repo.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let claude = bin.join("claude");
    std::fs::write(
        &claude,
        format!("#!/bin/sh\ncat > /dev/null\necho \"note: {} deploy with {value} now\"\n", "x".repeat(168)),
    )
    .unwrap();
    std::fs::set_permissions(&claude, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    config_add(&repo, "agent:\n  kind: claude\n");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = repo.cmd(&["m1", "--autonomous"]).env("PATH", path).env("DEPLOY_TOKEN", &value).output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("stdout began with: `note: "), "the preview was shown: {text}");
    assert!(text.contains(" deploy with [REDACTED]"), "{text}");
    let all = everything_written(&repo, &out);
    assert!(!all.contains(&value[..8]), "the start of the secret leaked: {all}");
}

#[test]
fn a_private_key_in_failing_baseline_output_never_prints() {
    let repo = Repo::demo();
    let (key, body) = fake_private_key(41, 40);
    let printed = repo.tmp.path().join("baseline-output.txt");
    std::fs::write(&printed, format!("{key}\nFAILED (errors=1)\n")).unwrap();
    repo.write(".run-milestone.yml", &format!("test_command: \"cat '{}'; exit 1\"\n", printed.display()));
    commit_all(&repo, "a baseline that prints a key");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🛑 Baseline tests failing"), "{text}");
    assert!(text.contains("  [REDACTED]\n") && text.contains("  FAILED (errors=1)\n"), "{text}");
    let all = everything_written(&repo, &out);
    assert_eq!(leaked_key_lines(&all, &body), Vec::<&String>::new(), "{all}");
    assert!(!all.contains(&format!("-----{} RSA", "END")), "{all}");
}

#[test]
fn a_private_key_in_verify_output_reaches_no_journal_or_pr_body() {
    let repo = Repo::demo();
    single_issue(&repo);
    let (key, body) = fake_private_key(43, 40);
    let printed = repo.tmp.path().join("verify-output.txt");
    std::fs::write(&printed, format!("{key}\n")).unwrap();
    // RED (must fail) and GREEN both print the key before the test's own output.
    edit(
        &repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "**Verify:** `python3 -m unittest tests.test_slug -v`",
        &format!("**Verify:** `cat '{}' && python3 -m unittest tests.test_slug -v`", printed.display()),
    );
    commit_all(&repo, "a Verify that prints a key");
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let committed = events(&journal(&repo), "task_committed").into_iter().next().cloned().unwrap();
    assert_eq!(committed["red"]["exit"], 1, "RED failed: {committed}");
    assert!(committed["red"]["tail"].as_str().unwrap().contains("[REDACTED]"), "{committed}");
    let record = std::fs::read_to_string(repo.root.join(".git/run-milestone/forge/prs/1.json")).unwrap();
    assert!(record.contains("RED (must fail)"), "{record}");
    let all = everything_written(&repo, &out);
    assert_eq!(leaked_key_lines(&all, &body), Vec::<&String>::new(), "{all}");
}

#[test]
fn a_private_key_in_the_code_shown_never_prints_and_halts() {
    let repo = Repo::demo();
    single_issue(&repo);
    let (key, body) = fake_private_key(47, 40);
    edit(
        &repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "```python\nimport unittest\n",
        &format!("```python\nimport unittest\n\nKEY = \"\"\"\n{key}\n\"\"\"\n"),
    );
    commit_all(&repo, "a RED test holding a key");
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("# tests/test_slug.py\nimport unittest\n\nKEY = \"\"\"\n[REDACTED]"), "{text}");
    assert!(text.contains("Pattern: Private key (PEM)\nLocation: tests/test_slug.py:4"), "{text}");
    assert_eq!(leaked_key_lines(&everything_written(&repo, &out), &body), Vec::<&String>::new(), "{text}");
}

#[test]
fn secret_shaped_titles_reach_no_pr_or_commit_message() {
    let repo = Repo::demo();
    single_issue(&repo);
    let (password, token) = (random_text(51, 14), random_text(52, 14));
    edit(&repo, PLAN, "| 01 | Add slugify |", &format!("| 01 | Add slugify pass{}={password} |", "word"));
    edit(
        &repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "### Task 1: Slugify lowercases and joins words with hyphens",
        &format!("### Task 1: Slugify with to{}={token}", "ken"),
    );
    commit_all(&repo, "secret-shaped titles");
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.root.join(".git/run-milestone/forge/prs/1.json")).unwrap())
            .unwrap();
    assert_eq!(record["title"], "feat(m1): Add slugify [REDACTED] (#101)", "{record}");
    let messages = repo.git(&["log", "--all", "--format=%B"]);
    assert!(messages.contains("feat(m1): Slugify with [REDACTED] (#101)"), "the task commit: {messages}");
    assert!(messages.contains("feat(m1): Add slugify [REDACTED] (#101)\n\nPR #1"), "the squash: {messages}");
    let all = everything_written(&repo, &out);
    for secret in [&password, &token] {
        assert!(!messages.contains(secret.as_str()) && !all.contains(secret.as_str()), "{secret} leaked:\n{messages}");
    }
}

/// Issue 01 cut to one task whose Done Definition and title hold a `secret=…` assignment; the
/// run's result and the random part of the secret.
fn run_with_secret_spec(repo: &Repo, args: &[&str], seed: u64) -> (std::process::Output, String) {
    single_issue(repo);
    let secret = random_text(seed, 16);
    let spec = "milestones/m1-text-tools/issues/01-slugify.md";
    edit(repo, spec, "can make a slug unique.", &format!("can make a slug unique. Staging: sec{}={secret}", "ret"));
    edit(
        repo,
        spec,
        "### Task 1: Slugify lowercases",
        &format!("### Task 1: Slugify (sec{}={secret}) lowercases", "ret"),
    );
    commit_all(repo, "a secret in the spec");
    let out = repo.run(args);
    assert_exit(&out, 0);
    (out, secret)
}

#[test]
fn the_pr_body_is_redacted() {
    let repo = Repo::demo();
    let (out, secret) = run_with_secret_spec(&repo, &["m1", "--autonomous", "--skip-code-review"], 91);
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.root.join(".git/run-milestone/forge/prs/1.json")).unwrap())
            .unwrap();
    let body = record["body"].as_str().unwrap();
    assert!(body.contains("can make a slug unique. Staging: [REDACTED]\n"), "{body}");
    assert!(body.contains("### Task 1: Slugify ([REDACTED] lowercases"), "{body}");
    assert!(!everything_written(&repo, &out).contains(&secret));
}

#[test]
fn the_metrics_file_is_redacted() {
    let repo = Repo::demo();
    let file = repo.tmp.path().join("metrics.json");
    let args = ["m1", "--autonomous", "--skip-code-review", "--metrics-file", file.to_str().unwrap()];
    let (_, secret) = run_with_secret_spec(&repo, &args, 92);
    let metrics: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        metrics["per_issue"]["01"]["tasks"][0]["title"], "Slugify ([REDACTED] lowercases and joins words with hyphens",
        "{metrics}"
    );
    assert!(!metrics.to_string().contains(&secret), "{metrics}");
}

#[test]
fn tracing_logs_are_redacted() {
    let repo = Repo::demo();
    let secret = random_text(93, 16);
    // The local CI logs the command it runs (debug).
    repo.write(
        ".run-milestone.yml",
        &format!("test_command: DEPLOY_TO{}={secret} python3 -m unittest discover -s tests -t .\n", "KEN"),
    );
    commit_all(&repo, "a token in the test command");
    let out = repo
        .cmd(&["m1", "--autonomous", "--skip-code-review"])
        .env("RUN_MILESTONE_LOG", "run_milestone=debug")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let err = crate::common::stderr(&out);
    let ci: Vec<&str> = err.lines().filter(|l| l.contains("local CI: running")).collect();
    assert!(!ci.is_empty() && ci.iter().all(|l| l.contains("command=\"DEPLOY_[REDACTED] python3")), "{err}");
    assert!(!everything_written(&repo, &out).contains(&secret), "{err}");
}

#[test]
fn a_secret_in_reviewer_output_halts_naming_the_reviewer_line() {
    let repo = Repo::demo();
    single_issue(&repo);
    let token = fake_github_token(13);
    command_agent(
        &repo,
        &format!(
            "if os.environ.get('RUN_MILESTONE_ROLE') == 'spec-reviewer':\n    print('checked the diff')\n    print('debug: {token}')\n    print('PASS')\n    sys.exit(0)\nif step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_a(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\nelif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n"
        ),
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("Pattern: GitHub token (ghp_...)\nLocation: reviewer stdout line 2\n"), "{text}");
    assert!(!everything_written(&repo, &out).contains(&token));
    assert!(!repo.root.join(".git/run-milestone/forge/prs/1.json").exists());
}
