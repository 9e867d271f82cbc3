//! Runs that stop in bootstrap get what any other stop gets: the Telegram message of a critical
//! error (a failing baseline), and the `--metrics` document (to stdout, last, or to a file; not
//! for a run refused before it took its lock).

use serde_json::Value;

use crate::common::{Repo, assert_exit, stderr, stdout};
use crate::support::*;

#[test]
fn a_failing_baseline_is_alerted_and_journaled() {
    let repo = Repo::demo();
    set_test_command(&repo, "\"echo broken; exit 1\"");
    let (url, seen) = bot_api_server();
    telegram_to(&repo, &url);
    let bot = fake_bot_token(51);
    let out = repo.cmd(&["m1", "--autonomous"]).env("TELEGRAM_BOT_TOKEN", &bot).output().unwrap();
    assert_exit(&out, 3);
    let texts = sent_texts(&seen, &bot);
    assert!(texts[0].starts_with("▶️ run-milestone m1 started (autonomous)"), "{texts:?}");
    assert_eq!(
        texts.last().unwrap(),
        "🛑 run-milestone m1 stopped: baseline tests fail on milestone/m1-text-tools: fix them before running the milestone",
        "{texts:?}"
    );
    let finished = events(&journal(&repo), "run_finished").into_iter().cloned().collect::<Vec<_>>();
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert_eq!(finished[0]["outcome"], "error");
}

#[test]
fn metrics_are_emitted_when_the_run_stops_at_the_quality_gate() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let out = repo.run(&["m1", "--autonomous", "--metrics"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    let start = text.rfind("\n{\n").expect("a JSON document at the end") + 1;
    assert!(text[..start].contains("⛔ Milestone aborted"), "{text}");
    assert!(text.trim_end().ends_with('}'), "metrics are the last thing on stdout: {text}");
    let m: Value = serde_json::from_str(&text[start..]).unwrap();
    assert_eq!(m["milestone"], "m1");
    assert_eq!(m["mode"], "autonomous");
    assert_eq!(m["issues"], serde_json::json!({"attempted": 0, "completed": 0, "skipped": 0}));
    assert_eq!(m["tasks"], serde_json::json!({"total": 0, "tdd_compliant": 0, "tdd_violations": 0}));
    assert_eq!(m["commands_used"], serde_json::json!({"abort": 1}));
    assert_eq!(m["per_issue"], serde_json::json!({}));
    // To a file instead: the same document, nothing on stdout.
    let file = repo.tmp.path().join("metrics.json");
    let out = repo.run(&["m1", "--autonomous", "--metrics-file", file.to_str().unwrap()]);
    assert_exit(&out, 3);
    assert!(!stdout(&out).contains("\"duration_seconds\""));
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(m["commands_used"], serde_json::json!({"abort": 1}));
    assert_eq!(m.as_object().unwrap().len(), 8);
    // A run refused before it takes the lock (here: no such milestone) writes nothing at all.
    let refused = repo.tmp.path().join("refused.json");
    let out = repo.run(&["m9", "--autonomous", "--metrics-file", refused.to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(!refused.exists());
}

#[test]
fn a_stop_at_the_quality_gate_leaves_no_run_to_resume() {
    let repo = Repo::demo();
    critical_gate(&repo);
    // `panic` typed at the gate, with a Telegram alert that cannot be sent: both are journaled…
    telegram_to(&repo, "http://127.0.0.1:9");
    let bot = fake_bot_token(7);
    let run = |args: &[&str], input: &str| {
        let mut cmd = repo.cmd(args);
        cmd.env("TELEGRAM_BOT_TOKEN", &bot);
        run_cmd_with_input(cmd, input)
    };
    let out = run(&["m1"], "panic\n");
    assert_exit(&out, 3);
    let j = journal(&repo);
    assert_eq!(events(&j, "panic").len(), 1, "{j:?}");
    assert!(!events(&j, "notify_failed").is_empty(), "{j:?}");
    assert!(events(&j, "run_started").is_empty(), "{j:?}");
    // …but no run started: the next one is a first run, not a resumed one.
    let out = run(&["m1"], "abort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("Starting Milestone: m1") && text.contains("✓ First run detected"), "{text}");
    assert!(!text.contains("Resuming") && !text.contains("resuming"), "{text}");
    // And `--no-worktree` still takes an issue branch for resuming its issue only.
    repo.git(&["checkout", "-q", "-b", "feat/m1-101-slugify"]);
    let out = run(&["m1", "--no-worktree", "--autonomous"], "");
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains(
            "--no-worktree: the current checkout is on `feat/m1-101-slugify`, expected the milestone branch `milestone/m1-text-tools`"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_rejected_push_of_the_milestone_branch_is_the_push_failed_stop() {
    let repo = Repo::demo();
    config_add(&repo, "forge:\n  push: true\npolicy:\n  max_push_retries: 1\n");
    refuse_pushes(&repo, "refs/heads/milestone/*", "policy: milestone branches are frozen");
    // Interactive: `retry | abort` (skip means nothing for the base), then only `abort`.
    let out = run_with_input(&repo, &["m1"], "skip\nretry\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🛑 Push failed\n\nError: "), "{text}");
    assert!(text.contains("policy: milestone branches are frozen"), "{text}");
    assert!(
        text.contains("retry | abort\n`skip` is not available here\n\nretry | abort\n🔄 Retrying push..."),
        "{text}"
    );
    assert!(
        text.contains(
            "\nabort\n\n⛔ Milestone aborted\n\npush of milestone/m1-text-tools failed\nResume with: run-milestone m1\n"
        ),
        "after one retry only abort remains: {text}"
    );
    assert!(!text.contains("Baseline tests"), "nothing ran after the stop: {text}");
    let j = journal(&repo);
    let cmds: Vec<&str> = events(&j, "decision").iter().map(|e| e["command"].as_str().unwrap()).collect();
    assert_eq!(cmds, ["retry", "abort"]);
    // Autonomous: retry up to the limit, then stop.
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("retry | abort\n🤖 Autonomous: retry\n🔄 Retrying push..."), "{text}");
    assert!(text.contains("\nabort\n🤖 Autonomous: abort\n\n⛔ Milestone aborted\n"), "{text}");
    assert!(!repo.remote_refs().contains("refs/heads/milestone/"), "{}", repo.remote_refs());
}
