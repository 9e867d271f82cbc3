//! Runs that stop in bootstrap get what any other stop gets: the Telegram message of a critical
//! error (a failing baseline), and the `--metrics` document (to stdout, last, or to a file; not
//! for a run refused before it took its lock).

use serde_json::Value;

use crate::common::{Repo, assert_exit, stdout};
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
