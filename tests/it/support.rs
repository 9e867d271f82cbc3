//! Helpers shared by the engine and decision-loop tests: the demo's plan and journal, spec
//! edits, and a scripted command agent.

use serde_json::Value;

use crate::common::{Repo, stdout};

pub const PLAN: &str = "milestones/m1-text-tools/IMPLEMENTATION_PLAN.md";
pub const BASE: &str = "milestone/m1-text-tools";

pub fn plan(repo: &Repo) -> String {
    std::fs::read_to_string(repo.root.join(PLAN)).unwrap()
}

pub fn row<'a>(plan: &'a str, no: &str) -> &'a str {
    plan.lines().find(|l| l.starts_with(&format!("| {no} |"))).unwrap_or_else(|| panic!("no row {no} in\n{plan}"))
}

pub fn journal(repo: &Repo) -> Vec<Value> {
    let path = repo.root.join(".git/run-milestone/m1/journal.jsonl");
    std::fs::read_to_string(path).unwrap_or_default().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

pub fn events<'a>(j: &'a [Value], name: &str) -> Vec<&'a Value> {
    j.iter().filter(|e| e["event"] == name).collect()
}

pub fn edit(repo: &Repo, rel: &str, from: &str, to: &str) {
    let p = repo.root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} lacks {from:?}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

pub fn commit_all(repo: &Repo, msg: &str) {
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", msg]);
}

/// Appends `extra` (YAML) to the repository's `.run-milestone.yml` and commits it.
pub fn config_add(repo: &Repo, extra: &str) {
    let cfg = std::fs::read_to_string(repo.root.join(".run-milestone.yml")).unwrap();
    repo.write(".run-milestone.yml", &format!("{cfg}{extra}"));
    commit_all(repo, "config");
}

/// A command agent (python) whose behaviour per step is given by `script` (python statements
/// with `step`, `test_files`, `impl_files`, `write(path, text)`, `feedback` in scope).
pub fn command_agent(repo: &Repo, script: &str) {
    let path = repo.tmp.path().join("fake-agent.py");
    let body = format!(
        "#!/usr/bin/env python3\nimport os, sys\nprompt = sys.stdin.read()\nstep = os.environ.get('RUN_MILESTONE_STEP', '')\ntest_files = [f for f in os.environ.get('RUN_MILESTONE_TEST_FILES', '').split('\\n') if f]\nimpl_files = [f for f in os.environ.get('RUN_MILESTONE_IMPL_FILES', '').split('\\n') if f]\nfeedback = os.environ.get('RUN_MILESTONE_FEEDBACK', '')\nlog = open(os.path.join({:?}, 'agent-calls.log'), 'a')\nlog.write(step + ' ' + os.environ.get('RUN_MILESTONE_ISSUE', '') + ' ' + os.environ.get('RUN_MILESTONE_TASK', '') + ' ' + ('feedback' if feedback else '-') + '\\n')\ndef write(path, text):\n    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)\n    open(path, 'a').write(text)\n{script}\nprint('STATUS: DONE')\n",
        repo.tmp.path().to_str().unwrap()
    );
    std::fs::write(&path, body).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    repo.write(
        ".run-milestone.yml",
        &format!(
            "test_command: python3 -m unittest discover -s tests -t .\nagent:\n  kind: command\n  refactor: false\n  command:\n    program: {}\n",
            path.display()
        ),
    );
    commit_all(repo, "use a command agent");
}

pub fn agent_calls(repo: &Repo) -> Vec<String> {
    std::fs::read_to_string(repo.tmp.path().join("agent-calls.log"))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

/// Runs the demo autonomously until the process SIGKILLs itself after journal event `at`.
pub fn crash_run(repo: &Repo, at: &str) {
    let out = repo.cmd(&["m1", "--autonomous"]).env("RUN_MILESTONE_CRASH_AT", at).output().unwrap();
    assert_eq!(out.status.code(), None, "expected a SIGKILL at {at}: {}", stdout(&out));
}

/// Runs the binary with `input` on stdin (the interactive prompt reads plain lines from a pipe).
pub fn run_with_input(repo: &Repo, args: &[&str], input: &str) -> std::process::Output {
    run_cmd_with_input(repo.cmd(args), input)
}

/// Runs `cmd` (e.g. [`Repo::cmd`] with extra variables) with `input` on stdin.
pub fn run_cmd_with_input(mut cmd: std::process::Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Cuts issue 01 down to its first task (each test then drives one task of one issue).
pub fn single_issue(repo: &Repo) {
    // Only issue 01, one task, so each test drives one review.
    edit(
        repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "### Task 2: Unique slug appends a number when taken (3 min)",
        "## Later\n\n### Not a task",
    );
    edit(repo, "milestones/m1-text-tools/issues/01-slugify.md", "estimated_tasks: 2", "estimated_tasks: 1");
    commit_all(repo, "one task");
}

/// A local HTTP server answering every request with `{"ok":true}` and keeping the requests
/// (`"<METHOD> <path>\n<body>"`), for Telegram's Bot API.
pub fn bot_api_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut parts = first.split_whitespace();
            let request = format!(
                "{} {}\n{}",
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                String::from_utf8_lossy(&body)
            );
            keep.lock().unwrap().push(request);
            let answer = r#"{"ok":true,"result":{}}"#;
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, seen)
}

/// A Telegram bot token of the right shape, built at run time.
pub fn fake_bot_token(seed: u64) -> String {
    format!("{}:{}", 1_234_567_890u64 + seed, random_text(seed, 35))
}

/// Sends the run's Telegram alerts (chat `42`) to the Bot API server at `url`, and commits.
pub fn telegram_to(repo: &Repo, url: &str) {
    config_add(repo, &format!("notify:\n  telegram:\n    chat_id: \"42\"\n    api_url: {url}\n"));
}

/// The `text` of every `sendMessage` a [`bot_api_server`] received, checking the request
/// (`POST /bot<token>/sendMessage`, chat `42`).
pub fn sent_texts(seen: &std::sync::Mutex<Vec<String>>, token: &str) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|r| {
            let (line, body) = r.split_once('\n').unwrap();
            assert_eq!(line, format!("POST /bot{token}/sendMessage"));
            let v: Value = serde_json::from_str(body).unwrap();
            assert_eq!(v["chat_id"], 42, "{v}");
            v["text"].as_str().unwrap().to_string()
        })
        .collect()
}

/// High-entropy text for fake secrets, built at run time (no token literal in the repository).
pub fn random_text(seed: u64, n: usize) -> String {
    random_from(seed, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n)
}

/// `n` pseudo-random characters of `alphabet` (xorshift; the same seed gives the same text).
pub fn random_from(seed: u64, alphabet: &str, n: usize) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chars[(x % chars.len() as u64) as usize]
        })
        .collect()
}

/// A PEM private key block of `lines` lines in all (BEGIN, a random base64 body, END), built at
/// run time; returns the block and its body lines.
pub fn fake_private_key(seed: u64, lines: usize) -> (String, Vec<String>) {
    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body: Vec<String> = (0..lines.saturating_sub(2)).map(|i| random_from(seed + i as u64, B64, 64)).collect();
    let kind = format!("RSA {} KEY", "PRIVATE");
    (format!("-----{} {kind}-----\n{}\n-----{} {kind}-----", "BEGIN", body.join("\n"), "END"), body)
}

/// Makes issue 01 Task 1's RED a test that passes at once (a TDD violation).
pub fn red_passes_immediately(repo: &Repo) {
    let spec = "milestones/m1-text-tools/issues/01-slugify.md";
    edit(
        repo,
        spec,
        "        self.assertEqual(slugify(\"Hello, World!\"), \"hello-world\")",
        "        self.assertEqual(1, 1)",
    );
    edit(repo, spec, "from textkit.slug import slugify\n\n\nclass", "class");
}
