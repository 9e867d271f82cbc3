//! Telegram alerts against a local HTTP server that checks the Bot API request
//! (`POST /bot<token>/sendMessage`, `chat_id`, `text`), redaction of what is sent, and failures
//! that come back as `Err` (never a panic); then, on real runs, the events that send one (an
//! interactive wait, panic, a secret exposure without the secret, a critical error, an autonomous
//! abort — also before the session exists, at the quality gate or in the worktree) and a server
//! that is down never stopping a run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use run_milestone::config::{NotifyConfig, TelegramConfig};
use run_milestone::error::ErrorKind;
use run_milestone::notify::Telegram;

use crate::common::{Repo, assert_exit, stderr, stdout};
use crate::support::random_from as rnd;
use crate::support::*;

const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn bot_token(seed: u64) -> String {
    format!("{}:{}", rnd(seed, "123456789", 10), rnd(seed + 1, B64URL, 35))
}

#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    content_type: String,
    body: String,
}

/// Serves one request with `status` and `answer`, handing the request to the test.
fn serve(status: u16, answer: &'static str) -> (String, Receiver<Request>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else { return };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        let (mut length, mut content_type) = (0usize, String::new());
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 || line.trim().is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "content-type" => content_type = value.trim().to_string(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut parts = first.split_whitespace();
        let (method, path) = (parts.next().unwrap().to_string(), parts.next().unwrap().to_string());
        let _ = tx.send(Request { method, path, content_type, body: String::from_utf8(body).unwrap() });
        let mut stream = stream;
        let _ = write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        );
    });
    (url, rx)
}

fn config(api_url: &str, timeout_seconds: u64) -> TelegramConfig {
    TelegramConfig {
        token_env: "RUN_MILESTONE_IT_UNUSED".into(),
        chat_id: "-1001234567890".into(),
        api_url: api_url.into(),
        timeout_seconds,
    }
}

#[test]
fn sends_the_bot_api_request_with_redacted_text() {
    let (url, rx) = serve(200, r#"{"ok":true,"result":{"message_id":1}}"#);
    let token = bot_token(1);
    let tg = Telegram::with_token(&config(&format!("{url}/"), 5), &token).unwrap();
    assert!(!format!("{tg:?}").contains(&token));
    let github = format!("gh{}_{}", "p", rnd(3, "ABCDEFGHIJabcdefghij0123456789", 36));
    let text = format!(
        "🚨 m1: issue 02 stopped\nagent printed {github}\nwhile calling https://api.telegram.org/bot{token}/getMe"
    );
    tg.send(&text).unwrap();
    let req = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, format!("/bot{token}/sendMessage"));
    assert!(req.content_type.starts_with("application/json"), "{}", req.content_type);
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["chat_id"], serde_json::json!(-1001234567890i64));
    assert_eq!(
        body["text"],
        "🚨 m1: issue 02 stopped\nagent printed [REDACTED]\nwhile calling https://api.telegram.org/bot[REDACTED]/getMe"
    );
    assert!(!req.body.contains(&github) && !req.body.contains(&token));
}

#[test]
fn a_channel_name_is_sent_as_a_string_and_long_text_is_cut() {
    let (url, rx) = serve(200, r#"{"ok":true}"#);
    let mut cfg = config(&url, 5);
    cfg.chat_id = "@ops_alerts".into();
    let tg = Telegram::with_token(&cfg, &bot_token(5)).unwrap();
    tg.send(&"é".repeat(5000)).unwrap();
    let body: serde_json::Value =
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(10)).unwrap().body).unwrap();
    assert_eq!(body["chat_id"], "@ops_alerts");
    assert_eq!(body["text"].as_str().unwrap().chars().count(), 4096);
}

#[test]
fn an_error_answer_is_an_err_naming_the_reason_not_the_token() {
    let answers: [(u16, &'static str, &str); 3] = [
        (
            400,
            r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
            "HTTP 400: Bad Request: chat not found",
        ),
        (200, r#"{"ok":false,"description":"Forbidden: bot was blocked by the user"}"#, "HTTP 200: Forbidden"),
        (502, "<html>bad gateway</html>", "HTTP 502: <html>bad gateway</html>"),
    ];
    for (i, (status, answer, want)) in answers.into_iter().enumerate() {
        let (url, rx) = serve(status, answer);
        let token = bot_token(10 + i as u64);
        let tg = Telegram::with_token(&config(&url, 5), &token).unwrap();
        let err = tg.send("run finished").unwrap_err();
        assert!(err.contains(want), "{err}");
        assert!(!err.contains(&token), "{err}");
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
    }
}

#[test]
fn a_long_error_answer_is_redacted_before_it_is_cut() {
    let random = rnd(17, B64URL, 35);
    // Not JSON: its first 200 characters are quoted, and the cut falls inside the key.
    let answer: &'static str =
        Box::leak(format!("<html>{} {}{random}</html>", "v".repeat(180), "AI".to_string() + "za").into_boxed_str());
    let (url, rx) = serve(502, answer);
    let tg = Telegram::with_token(&config(&url, 5), &bot_token(19)).unwrap();
    let err = tg.send("run finished").unwrap_err();
    assert!(err.contains(" [REDACTED]"), "{err}");
    assert!(!err.contains(&random[..4]), "{err}");
    rx.recv_timeout(Duration::from_secs(10)).unwrap();
}

#[test]
fn an_unreachable_or_silent_server_is_an_err() {
    let token = bot_token(20);
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = Telegram::with_token(&config(&url, 5), &token).unwrap().send("hello").unwrap_err();
    assert!(err.starts_with("telegram: sendMessage failed:") && !err.contains(&token), "{err}");

    // Accepts the connection and never answers: the timeout ends the send.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let conn = silent.accept();
        std::thread::sleep(Duration::from_secs(30));
        drop(conn);
    });
    let started = Instant::now();
    let err = Telegram::with_token(&config(&url, 1), &token).unwrap().send("hello").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(!err.contains(&token), "{err}");
}

#[test]
fn not_configured_is_none_and_an_unset_token_variable_is_an_input_error() {
    assert!(Telegram::from_config(&NotifyConfig::default()).unwrap().is_none());
    let mut cfg = config("https://api.telegram.org", 5);
    cfg.token_env = "RUN_MILESTONE_IT_TOKEN_THAT_IS_NOT_SET".into();
    let err = Telegram::from_config(&NotifyConfig { telegram: Some(cfg.clone()) }).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Input);
    assert!(err.message.contains("`RUN_MILESTONE_IT_TOKEN_THAT_IS_NOT_SET`"), "{}", err.message);
    cfg.api_url = "api.telegram.org".into();
    assert_eq!(Telegram::with_token(&cfg, &bot_token(30)).unwrap_err().kind, ErrorKind::Input);
}

// Reading the token from the variable `token_env` names, and redacting secret-looking environment
// values in what is sent, are checked end to end in `exposure::telegram_gets_the_run_redacted`.

// On real runs: which events send an alert (a local Bot API server keeps what was sent).

/// Runs the binary in `repo` with Telegram alerts going to a local Bot API server and `input` on
/// stdin; returns the output and the texts sent.
fn alerted_run(repo: &Repo, args: &[&str], input: &str) -> (std::process::Output, Vec<String>) {
    let (url, seen) = bot_api_server();
    telegram_to(repo, &url);
    let token = fake_bot_token(3);
    let mut cmd = repo.cmd(args);
    cmd.env("TELEGRAM_BOT_TOKEN", &token);
    let out = run_cmd_with_input(cmd, input);
    (out, sent_texts(&seen, &token))
}

#[test]
fn an_interactive_wait_and_a_panic_are_alerted() {
    let repo = Repo::demo();
    let (out, texts) = alerted_run(&repo, &["m1"], "panic\n");
    assert_exit(&out, 3);
    assert_eq!(
        texts,
        vec![
            "▶\u{fe0f} run-milestone m1 started (interactive)".to_string(),
            "⏸ run-milestone m1 waits for you: ✓ Phase 1 complete — 3 PRs ready\ncontinue | skip-phase | abort".into(),
            "🚨 PANIC: run-milestone m1 halted".into(),
        ]
    );
}

#[test]
fn a_secret_exposure_is_alerted_without_the_secret() {
    let repo = Repo::demo();
    let body = random_text(71, 36);
    command_agent(&repo, &format!("if step == 'red':\n    print('debug: using gh{}_{body}')\n", "p"));
    let (out, texts) = alerted_run(&repo, &["m1", "--autonomous"], "");
    assert_exit(&out, 3);
    assert!(stdout(&out).contains("🚨 SECRET EXPOSURE DETECTED"), "{}", stdout(&out));
    assert!(
        texts.iter().any(|t| t == "🚨 SECRET EXPOSURE DETECTED in run-milestone m1: run halted (output withheld)"),
        "{texts:?}"
    );
    // The output that held it is blocked from Telegram: neither the secret nor its line is sent.
    assert!(texts.iter().all(|t| !t.contains(&body[..12]) && !t.contains("debug: using")), "{texts:?}");
    // The run aborts there (in the main loop), and says so.
    assert_eq!(
        texts.last().map(String::as_str),
        Some(
            "⛔ run-milestone m1 aborted: secret exposure: revoke the token, rotate the credentials, check the history"
        ),
        "{texts:?}"
    );
}

#[test]
fn a_critical_error_is_alerted() {
    let repo = Repo::demo();
    config_add(&repo, "agent:\n  kind: claude\n  claude:\n    program: /nonexistent/claude\n");
    let (out, texts) = alerted_run(&repo, &["m1", "--autonomous"], "");
    assert_exit(&out, 3);
    let last = texts.last().cloned().unwrap_or_default();
    assert!(
        last.starts_with("🛑 run-milestone m1 stopped: critical error: the claude agent cannot start"),
        "{texts:?}"
    );
}

#[test]
fn a_telegram_server_that_is_down_never_stops_a_full_run() {
    let repo = Repo::demo();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    telegram_to(&repo, &url);
    let token = fake_bot_token(5);
    let out = repo.cmd(&["m1", "--autonomous"]).env("TELEGRAM_BOT_TOKEN", &token).output().unwrap();
    assert_exit(&out, 0);
    let p = plan(&repo);
    for no in ["01", "02", "03", "04", "05"] {
        assert!(row(&p, no).contains("✅ Done"), "{p}");
    }
    let err = stderr(&out);
    assert!(err.contains("warning: Telegram alert not sent: telegram: sendMessage failed:"), "{err}");
    assert!(!err.contains(&token) && !stdout(&out).contains(&token), "{err}");
    // Start and summary at least, each logged.
    let failed = events(&journal(&repo), "notify_failed").len();
    assert!(failed >= 2, "{failed} failed sends journaled");
}

#[test]
fn stops_before_the_session_exists_are_alerted() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let (url, seen) = bot_api_server();
    telegram_to(&repo, &url);
    let token = fake_bot_token(6);
    let run = |args: &[&str], input: &str| {
        seen.lock().unwrap().clear();
        let mut cmd = repo.cmd(args);
        cmd.env("TELEGRAM_BOT_TOKEN", &token);
        let out = run_cmd_with_input(cmd, input);
        (out, sent_texts(&seen, &token))
    };
    // The quality gate, autonomous: aborted (no run started).
    let (out, texts) = run(&["m1", "--autonomous"], "");
    assert_exit(&out, 3);
    assert_eq!(texts, ["⛔ run-milestone m1 aborted: Fix issues in IMPLEMENTATION_PLAN.md"]);
    // Interactive: it waits for a person; an abort typed there is no news to send.
    let (out, texts) = run(&["m1"], "abort\n");
    assert_exit(&out, 3);
    assert_eq!(texts, ["⏸ run-milestone m1 waits for you: 🛑 Quality gate: 1 critical issue\napprove | abort"]);
    // A critical error once the worktree exists (a run killed after its baseline made it), its
    // index.lock held by a running git.
    let out = repo
        .cmd(&["m1", "--autonomous", "--skip-plan-review"])
        .env("TELEGRAM_BOT_TOKEN", &token)
        .env("RUN_MILESTONE_CRASH_AT", "baseline")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None, "killed after the baseline: {}", stdout(&out));
    let lock = repo.root.join(".git/worktrees/demo-m1/index.lock");
    let ready = repo.tmp.path().join("holding");
    let script = format!("import time\nf = open({lock:?}, 'w')\nopen({ready:?}, 'w').close()\ntime.sleep(60)\n");
    let mut holder = std::process::Command::new("python3").arg("-c").arg(script).spawn().unwrap();
    wait_for("the index.lock holder", Duration::from_secs(30), || ready.exists());
    let (out, texts) = run(&["m1", "--autonomous", "--skip-plan-review"], "");
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_exit(&out, 3);
    assert_eq!(
        texts,
        [format!(
            "🛑 run-milestone m1 stopped: {} is held by process {} (a git command is running there)",
            lock.display(),
            holder.id()
        )]
    );
}

#[test]
fn an_abort_after_bootstrap_is_alerted_in_autonomous_mode() {
    let repo = Repo::demo();
    config_add(&repo, "forge:\n  push: true\npolicy:\n  max_push_retries: 0\n");
    refuse_pushes(&repo, "*", "policy: frozen");
    let (out, texts) = alerted_run(&repo, &["m1", "--autonomous"], "");
    assert_exit(&out, 3);
    assert_eq!(
        texts,
        [
            "▶\u{fe0f} run-milestone m1 started (autonomous)",
            "⛔ run-milestone m1 aborted: push of milestone/m1-text-tools failed"
        ]
    );
}
