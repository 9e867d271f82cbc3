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
    repo.write(
        ".run-milestone.yml",
        &format!("test_command: python3 -m unittest discover -s tests -t .\n{}", command_agent_config(repo, script)),
    );
    commit_all(repo, "use a command agent");
}

/// Writes the [`command_agent`] program for `script` and returns its `agent:` section (YAML), for
/// a configuration that has other keys too.
pub fn command_agent_config(repo: &Repo, script: &str) -> String {
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
    format!("agent:\n  kind: command\n  refactor: false\n  command:\n    program: {}\n", path.display())
}

/// A [`command_agent`] script doing RED/GREEN for issue 01 from the spec, plus `green_extra`
/// files (path, text) written in GREEN of its Task 1; every other issue is BLOCKED at once.
pub fn issue_01_script(green_extra: &[(&str, &str)]) -> String {
    let mut extra = String::new();
    for (path, text) in green_extra {
        extra.push_str(&format!("        write({path:?}, {text:?})\n"));
    }
    format!(
        "if os.environ['RUN_MILESTONE_ISSUE'] != '01':\n    print('STATUS: BLOCKED only issue 01 is scripted')\n    sys.exit(0)\nif step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T%s(unittest.TestCase):\\n    def test_t%s(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n' % ((os.environ['RUN_MILESTONE_ISSUE'] + os.environ['RUN_MILESTONE_TASK'],) * 2))\n\
elif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n    if os.environ['RUN_MILESTONE_ISSUE'] == '01' and os.environ['RUN_MILESTONE_TASK'] == '1':\n{extra}        pass\n"
    )
}

/// The `--metrics` JSON document printed last on stdout.
pub fn metrics(text: &str) -> Value {
    let start = text.rfind("\n{\n").expect("a JSON document at the end") + 1;
    serde_json::from_str(&text[start..]).unwrap()
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

/// Sets the status cell of `no` (which is `⬜ Todo` in the demo) by hand, without committing.
pub fn set_status(repo: &Repo, no: &str, status: &str) {
    let text = plan(repo);
    let old = row(&text, no).to_string();
    let new = old.replace("| ⬜ Todo |", &format!("| {status} |"));
    assert_ne!(old, new, "row {no} is not Todo");
    std::fs::write(repo.root.join(PLAN), text.replacen(&old, &new, 1)).unwrap();
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
    slow_bot_api_server(std::time::Duration::ZERO)
}

/// [`bot_api_server`], answering each request only `delay` after it was kept.
pub fn slow_bot_api_server(delay: std::time::Duration) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
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
            std::thread::sleep(delay);
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

/// Waits until `ok()` holds (a real condition, polled), failing after `timeout`.
pub fn wait_for(what: &str, timeout: std::time::Duration, mut ok: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !ok() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A random marker put in a run's environment (`RM_IT_MARKER`). Every process the run starts
/// inherits it, so a test finds exactly its own processes — never another test's, whatever
/// their command lines.
pub struct ProcMarker(String);

impl Default for ProcMarker {
    fn default() -> Self {
        Self::new()
    }
}

impl ProcMarker {
    pub fn new() -> ProcMarker {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
        let seed = nanos ^ (u64::from(std::process::id()) << 32) ^ N.fetch_add(1, Ordering::SeqCst);
        ProcMarker(random_text(seed, 24))
    }

    /// Puts the marker in `cmd`'s environment.
    pub fn on<'a>(&self, cmd: &'a mut std::process::Command) -> &'a mut std::process::Command {
        cmd.env("RM_IT_MARKER", &self.0)
    }

    /// Live processes carrying the marker whose command line contains `needle`.
    pub fn processes(&self, needle: &str) -> Vec<u32> {
        let wanted = format!("RM_IT_MARKER={}", self.0);
        let mut out = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            if stat.is_empty() || stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z') {
                continue;
            }
            let environ = std::fs::read(e.path().join("environ")).unwrap_or_default();
            if !environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes()) {
                continue;
            }
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).replace('\0', " ").contains(needle) {
                out.push(pid);
            }
        }
        out
    }

    /// Waits until no marked process matches `needle` (the kernel reaps killed processes
    /// asynchronously).
    pub fn wait_gone(&self, needle: &str) {
        wait_for(&format!("the `{needle}` processes to be gone"), std::time::Duration::from_secs(20), || {
            self.processes(needle).is_empty()
        });
    }
}

/// A child's output stream read line by line on a thread, so a test can wait for a line.
pub struct Lines {
    rx: std::sync::mpsc::Receiver<String>,
    seen: String,
}

impl Lines {
    pub fn new(src: impl std::io::Read + Send + 'static) -> Lines {
        use std::io::BufRead;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut src = std::io::BufReader::new(src);
            let mut line = Vec::new();
            // Bytes, not `lines()`: a terminal's output need not be valid UTF-8 line by line.
            while src.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                let text = String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']).to_string();
                if tx.send(text).is_err() {
                    break;
                }
                line.clear();
            }
        });
        Lines { rx, seen: String::new() }
    }

    /// Reads until a line containing `needle` (failing after 120 s or at the end); returns the
    /// text so far.
    pub fn wait_for(&mut self, needle: &str) -> &str {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                    if line.contains(needle) {
                        return &self.seen;
                    }
                }
                Err(e) => panic!("no line with {needle:?} ({e:?}); so far:\n{}", self.seen),
            }
        }
    }

    /// Everything, to the end of the stream.
    pub fn rest(mut self) -> String {
        while let Ok(line) = self.rx.recv() {
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
        self.seen
    }
}

/// Waits for `child` to exit (failing, after killing it, when it takes longer than `secs`).
pub fn exit_within(child: &mut std::process::Child, secs: u64) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not exit within {secs}s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Makes the demo's quality gate find one critical issue (#05 depends on a missing #99), so a
/// run stops at the gate's `approve | abort` prompt before any work.
pub fn critical_gate(repo: &Repo) {
    edit(repo, PLAN, "| 05 | Add summary line | – | P1 | 03, 04 |", "| 05 | Add summary line | – | P1 | 03, 04, 99 |");
    edit(
        repo,
        "milestones/m1-text-tools/issues/05-summary-line.md",
        "dependencies: [\"03\", \"04\"]",
        "dependencies: [\"03\", \"04\", \"99\"]",
    );
    commit_all(repo, "a dangling dependency");
}

/// Replaces `.run-milestone.yml` with just `test_command: <cmd>` (committed).
pub fn set_test_command(repo: &Repo, cmd: &str) {
    repo.write(".run-milestone.yml", &format!("test_command: {cmd}\n"));
    commit_all(repo, "test command");
}

/// The binary on a real terminal (a pseudo-terminal it has as its controlling terminal), for
/// the line editor and the questions only asked at a terminal.
pub struct Pty {
    master: std::fs::File,
    pub child: std::process::Child,
    pub out: Lines,
}

impl Pty {
    pub fn spawn(mut cmd: std::process::Command) -> Pty {
        use std::os::fd::FromRawFd;
        use std::os::unix::process::CommandExt;
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty fills two fds; no name, default settings and size.
        let rc =
            unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both fds are ours, each wrapped once.
        let (master, slave) = unsafe { (std::fs::File::from_raw_fd(master), std::fs::File::from_raw_fd(slave)) };
        cmd.env("TERM", "xterm").stdin(slave.try_clone().unwrap()).stdout(slave.try_clone().unwrap()).stderr(slave);
        // SAFETY: setsid and ioctl are async-signal-safe; the child gets the terminal as its own.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        drop(cmd); // the parent's copies of the terminal's other end
        let out = Lines::new(master.try_clone().unwrap());
        Pty { master, child, out }
    }

    /// Types `text` (use `\r` for Enter).
    pub fn type_in(&mut self, text: &str) {
        use std::io::Write;
        self.master.write_all(text.as_bytes()).unwrap();
    }

    /// Whether the terminal is in its normal (line-editing, echoing) mode, as a shell needs it.
    pub fn is_cooked(&self) -> bool {
        use std::os::fd::AsRawFd;
        // SAFETY: tcgetattr fills the struct for an fd we own.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::tcgetattr(self.master.as_raw_fd(), &mut t) }, 0);
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }
}

/// A fake `gh` in `<tmp>/bin` that records every call (its arguments, a line each) in
/// `<tmp>/gh-calls.log` and then runs `script` (shell). Returns the `PATH` with it first, and
/// the log.
pub fn fake_gh(repo: &Repo, script: &str) -> (String, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let bin = repo.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = repo.tmp.path().join("gh-calls.log");
    std::fs::write(bin.join("gh"), format!("#!/bin/sh\necho \"$*\" >> '{}'\n{script}\n", calls.display())).unwrap();
    std::fs::set_permissions(bin.join("gh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    (path, calls)
}

/// A [`fake_gh`] script that is logged in: `gh auth token` prints a token (built at run time),
/// anything else succeeds silently. Like gh, a `GH_TOKEN` in its environment wins: `auth token`
/// prints it and `auth logout` refuses.
pub fn gh_logged_in() -> String {
    format!(
        "if [ -n \"$GH_TOKEN\" ]; then case \"$1 $2\" in\n  'auth token') echo \"$GH_TOKEN\"; exit 0 ;;\n  'auth logout') echo 'The value of the GH_TOKEN environment variable is being used for authentication.' >&2; exit 1 ;;\nesac; fi\nif [ \"$1 $2\" = \"auth token\" ]; then echo gho_{}; fi\nexit 0",
        random_text(44, 36)
    )
}

/// A `pre-receive` hook in the demo's origin that rejects pushes to refs matching `pattern` (a
/// shell `case` pattern) with `message`.
pub fn refuse_pushes(repo: &Repo, pattern: &str, message: &str) {
    use std::os::unix::fs::PermissionsExt;
    let hook = repo.origin().join("hooks").join("pre-receive");
    let script = format!(
        "#!/bin/sh\nwhile read old new ref; do case \"$ref\" in {pattern}) echo '{message}' >&2; exit 1;; esac; done\nexit 0\n"
    );
    std::fs::write(&hook, script).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
}
