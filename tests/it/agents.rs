//! The agent backends against fake `claude`, `codex`, `aider` and command executables placed
//! first on the backend's `PATH`. The PATH is set per backend with `with_env` (never on the test
//! process), so the tests run in parallel. Real subprocesses, the exact output shapes of each CLI,
//! the prompt on stdin or in the message file, and the group kill on timeout.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use run_milestone::agent::aider::AiderAgent;
use run_milestone::agent::claude::ClaudeAgent;
use run_milestone::agent::codex::CodexAgent;
use run_milestone::agent::command::CommandAgent;
use run_milestone::agent::{Agent, AgentError, Context, Outcome, Request, Role, Status, Step, Usage, prompts};
use run_milestone::config::{AiderConfig, ClaudeConfig, CodexConfig, CommandAgentConfig};
use run_milestone::milestone::MilestoneId;
use run_milestone::plan::parse::parse_plan;
use run_milestone::plan::spec::parse_spec;
use run_milestone::plan::{Plan, Spec};

use crate::common::fixtures;

/// Records its stdin, arguments and cwd, copies the file after `--output-schema` or
/// `--message-file`, prints `reply.out` and exits with `exit.code` (0 when absent).
const RECORDER: &str = r#"#!/bin/sh
cat > "$D/stdin.txt"
printf '%s\0' "$@" > "$D/args.txt"
pwd > "$D/cwd.txt"
prev=
for a in "$@"; do
  if [ "$prev" = --output-schema ] || [ "$prev" = --message-file ]; then cp "$a" "$D/file.copy"; fi
  prev=$a
done
cat "$D/reply.out"
exit "$(cat "$D/exit.code" 2>/dev/null || echo 0)"
"#;

/// Starts a background grandchild, records its pid, and sleeps.
const SLEEPER: &str = "#!/bin/sh\nsleep 30 &\necho $! > \"$D/grandchild.pid\"\nsleep 30\n";

/// A temp dir with `bin/` (the fakes) and `work/` (the agent's working directory), and a real
/// milestone: the demo's plan and its first spec (two tasks).
struct Fake {
    tmp: tempfile::TempDir,
    work: PathBuf,
    milestone: MilestoneId,
    plan: Plan,
    spec: Spec,
}

impl Fake {
    fn new() -> Fake {
        let tmp = tempfile::Builder::new().prefix("rm-agents-").tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("bin")).unwrap();
        std::fs::create_dir_all(tmp.path().join("work")).unwrap();
        let m = fixtures().join("demo/milestones/m1-text-tools");
        let plan = parse_plan(Path::new("IMPLEMENTATION_PLAN.md"), &read(&m.join("IMPLEMENTATION_PLAN.md"))).unwrap();
        let spec_path = m.join("issues/01-slugify.md");
        let spec = parse_spec(&spec_path, &read(&spec_path)).unwrap();
        let work = tmp.path().join("work");
        Fake { tmp, work, milestone: "m1".parse().unwrap(), plan, spec }
    }

    fn bin(&self) -> PathBuf {
        self.tmp.path().join("bin")
    }

    fn work(&self) -> PathBuf {
        self.work.clone()
    }

    /// `PATH` for the backend: the fakes first, then ours (for `sh`, `cat`, `python3`).
    fn path(&self) -> OsString {
        let mut p = self.bin().into_os_string();
        p.push(":");
        p.push(std::env::var_os("PATH").unwrap_or_default());
        p
    }

    /// Installs an executable `bin/<name>`; `$D` in `script` is the bin dir.
    fn install(&self, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.bin().join(name);
        let script = script.replacen('\n', &format!("\nD='{}'\n", self.bin().display()), 1);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// What the recorder prints next, and its exit code.
    fn reply(&self, stdout: &str, code: i32) {
        std::fs::write(self.bin().join("reply.out"), stdout).unwrap();
        std::fs::write(self.bin().join("exit.code"), code.to_string()).unwrap();
    }

    fn recorded(&self, name: &str) -> String {
        read(&self.bin().join(name))
    }

    fn args(&self) -> Vec<String> {
        self.recorded("args.txt").split_terminator('\0').map(String::from).collect()
    }

    fn ctx(&self, task: Option<u32>) -> Context<'_> {
        Context {
            milestone: &self.milestone,
            issue: &self.plan.issues[0],
            spec: &self.spec,
            task: task.map(|n| self.spec.tasks.iter().find(|t| t.number == n).unwrap()),
            workdir: &self.work,
        }
    }

    /// An implementer request for `step` of Task `task` with the real prompt.
    fn request(&self, step: Step, task: Option<u32>) -> Request<'_> {
        let ctx = self.ctx(task);
        Request {
            role: Role::Implementer,
            step,
            ctx,
            prompt: prompts::implementer(&ctx, step, None),
            feedback: None,
            json_schema: None,
            timeout: Some(Duration::from_secs(60)),
        }
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn claude(fx: &Fake, config: ClaudeConfig) -> ClaudeAgent {
    ClaudeAgent::new(config).with_env("PATH", fx.path())
}

fn codex(fx: &Fake, config: CodexConfig) -> CodexAgent {
    CodexAgent::new(config).with_env("PATH", fx.path())
}

fn aider(fx: &Fake, config: AiderConfig) -> AiderAgent {
    AiderAgent::new(config).with_env("PATH", fx.path())
}

fn command(fx: &Fake, program: &str, args: &[&str]) -> CommandAgent {
    let config =
        CommandAgentConfig { program: Some(program.into()), args: args.iter().map(|a| a.to_string()).collect() };
    CommandAgent::new(config).with_env("PATH", fx.path())
}

fn usage(cost_usd: Option<f64>, input: u64, output: u64, turns: u32, session: &str) -> Usage {
    let (input_tokens, output_tokens) = (Some(input), Some(output));
    Usage { cost_usd, input_tokens, output_tokens, turns: Some(turns), session_id: Some(session.into()) }
}

#[track_caller]
fn failed(r: Result<Outcome, AgentError>) -> (String, String) {
    match r {
        Err(AgentError::Failed { message, output }) => (message, output),
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[track_caller]
fn malformed(r: Result<Outcome, AgentError>) -> String {
    match r {
        Err(AgentError::Malformed { message, .. }) => message,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

const CLAUDE_OK: &str = r#"{"type":"result","subtype":"success","is_error":false,"result":"Wrote test_lowercases.\nSTATUS: DONE","session_id":"sess-1","num_turns":7,"total_cost_usd":0.42,"usage":{"input_tokens":1200,"output_tokens":345},"permission_denials":[]}"#;

#[test]
fn claude_gets_the_prompt_on_stdin_and_its_result_is_the_outcome() {
    let fx = Fake::new();
    fx.install("claude", RECORDER);
    fx.reply(CLAUDE_OK, 0);
    let req = fx.request(Step::Red, Some(1));
    let out = claude(&fx, ClaudeConfig::default()).run(&req).unwrap();
    assert_eq!(fx.recorded("stdin.txt"), req.prompt);
    assert_eq!(fx.args(), ["-p", "--output-format", "json", "--permission-mode", "acceptEdits"]);
    assert_eq!(Path::new(fx.recorded("cwd.txt").trim()), fx.work().canonicalize().unwrap());
    assert_eq!(out.status, Status::Done);
    assert_eq!(out.message, "Wrote test_lowercases.\nSTATUS: DONE");
    assert_eq!(out.output, CLAUDE_OK);
    assert_eq!(out.usage, usage(Some(0.42), 1200, 345, 7, "sess-1"));

    // Configured options and the request's schema become flags.
    let config = ClaudeConfig {
        model: Some("opus".into()),
        max_turns: Some(9),
        allowed_tools: vec!["Read".into(), "Bash(git diff:*)".into()],
        ..ClaudeConfig::default()
    };
    let mut req = fx.request(Step::Review, None);
    req.role = Role::SpecReviewer;
    req.prompt = prompts::spec_reviewer(&fx.spec, "+x\n");
    req.json_schema = Some(r#"{"type":"object","properties":{"verdict":{"type":"string"}}}"#.into());
    claude(&fx, config).run(&req).unwrap();
    let flags = ["--model", "opus", "--max-turns", "9", "--allowedTools", "Read,Bash(git diff:*)", "--json-schema"];
    assert_eq!(fx.args()[5..12], flags);
    assert_eq!(fx.args()[12..], [r#"{"type":"object","properties":{"verdict":{"type":"string"}}}"#]);
    assert_eq!(fx.recorded("stdin.txt"), req.prompt);
}

#[test]
fn claude_error_results_are_failures() {
    let fx = Fake::new();
    fx.install("claude", RECORDER);
    let cases = [
        (
            r#"{"type":"result","subtype":"success","is_error":true,"result":"API Error: 500","num_turns":1}"#,
            1,
            "claude reported an error: API Error: 500",
        ),
        (
            r#"{"type":"result","subtype":"error_max_turns","is_error":false,"num_turns":30,"total_cost_usd":1.5}"#,
            0,
            "claude hit its turn limit (agent.claude.max_turns) (error_max_turns after 30 turns)",
        ),
        (
            r#"{"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":2}"#,
            1,
            "claude failed during execution (error_during_execution after 2 turns)",
        ),
        (
            r#"{"type":"result","subtype":"success","is_error":false,"result":"done","permission_denials":[{"tool_name":"Write","tool_use_id":"t1","tool_input":{}},{"tool_name":"Bash","tool_use_id":"t2","tool_input":{}}]}"#,
            0,
            "claude was denied 2 tool use(s): Write, Bash (allow them with agent.claude.allowed_tools",
        ),
    ];
    for (stdout, code, want) in cases {
        fx.reply(stdout, code);
        let (message, output) = failed(claude(&fx, ClaudeConfig::default()).run(&fx.request(Step::Green, Some(1))));
        assert!(message.starts_with(want), "{message}\nwant: {want}");
        assert_eq!(output, stdout);
    }
}

#[test]
fn claude_malformed_output_and_status_lines() {
    let fx = Fake::new();
    fx.install("claude", RECORDER);
    let req = fx.request(Step::Green, Some(1));
    for stdout in ["Sure! I made the change.", r#"{"type":"result","subtype":"success","is_er"#] {
        fx.reply(stdout, 0);
        let message = malformed(claude(&fx, ClaudeConfig::default()).run(&req));
        assert!(message.starts_with("claude: expected one JSON object on stdout"), "{message}");
    }
    let reply = |text: &str| {
        serde_json::json!({"type":"result","subtype":"success","is_error":false,"result":text}).to_string()
    };
    fx.reply(&reply("I cannot.\nSTATUS: BLOCKED — the spec has no GREEN block"), 0);
    let out = claude(&fx, ClaudeConfig::default()).run(&req).unwrap();
    assert_eq!((out.status, out.message.as_str()), (Status::Blocked, "the spec has no GREEN block"));
    fx.reply(&reply("STATUS: NEEDS_CONTEXT which module should own slugify?"), 0);
    let out = claude(&fx, ClaudeConfig::default()).run(&req).unwrap();
    assert_eq!((out.status, out.message.as_str()), (Status::NeedsContext, "which module should own slugify?"));
}

const CODEX_OK: &str = r#"{"type":"thread.started","thread_id":"0199a213-81c0"}
{"type":"turn.started"}
{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"Reading the spec"}}
{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"","exit_code":0,"status":"completed"}}
{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"PASS"}}
{"type":"turn.completed","usage":{"input_tokens":1200,"cached_input_tokens":200,"output_tokens":345}}
"#;

#[test]
fn codex_reads_json_lines_and_the_schema_file() {
    let fx = Fake::new();
    fx.install("codex", RECORDER);
    let stdout = CODEX_OK;
    fx.reply(stdout, 0);
    let mut req = fx.request(Step::Review, None);
    req.role = Role::SpecReviewer;
    req.json_schema = Some(r#"{"type":"object"}"#.into());
    let config = CodexConfig { model: Some("gpt-5-codex".into()), ..CodexConfig::default() };
    let out = codex(&fx, config).run(&req).unwrap();
    let args = fx.args();
    assert_eq!(args[..6], ["exec", "--json", "--sandbox", "workspace-write", "--model", "gpt-5-codex"]);
    assert_eq!(args[6], "--output-schema");
    assert_eq!(args[8], "-");
    assert_eq!(args.len(), 9);
    assert_eq!(fx.recorded("file.copy"), r#"{"type":"object"}"#);
    assert!(!Path::new(&args[7]).exists(), "the schema file is removed after the run");
    assert_eq!(fx.recorded("stdin.txt"), req.prompt);
    assert_eq!((out.status, out.message.as_str()), (Status::Done, "PASS"));
    assert_eq!(out.output, stdout);
    assert_eq!(out.usage, usage(None, 1200, 345, 1, "0199a213-81c0"));

    fx.reply(&stdout.replace("\"PASS\"", "\"Need input.\\nSTATUS: NEEDS_CONTEXT which base branch?\""), 0);
    let out = codex(&fx, CodexConfig::default()).run(&fx.request(Step::Green, Some(1))).unwrap();
    assert_eq!(fx.args(), ["exec", "--json", "--sandbox", "workspace-write", "-"]);
    assert_eq!((out.status, out.message.as_str()), (Status::NeedsContext, "which base branch?"));
}

#[test]
fn codex_failures_and_malformed_streams() {
    let fx = Fake::new();
    fx.install("codex", RECORDER);
    let req = fx.request(Step::Green, Some(1));
    let started = "{\"type\":\"thread.started\",\"thread_id\":\"t1\"}\n{\"type\":\"turn.started\"}\n";
    fx.reply(
        &format!("{started}{{\"type\":\"turn.failed\",\"error\":{{\"message\":\"You've hit your usage limit\"}}}}\n"),
        1,
    );
    let (message, output) = failed(codex(&fx, CodexConfig::default()).run(&req));
    assert_eq!(message, "codex failed: You've hit your usage limit");
    assert!(output.contains("turn.failed"));
    fx.reply(&format!("{started}{{\"type\":\"error\",\"message\":\"stream disconnected before completion\"}}\n"), 1);
    assert_eq!(
        failed(codex(&fx, CodexConfig::default()).run(&req)).0,
        "codex failed: stream disconnected before completion"
    );
    fx.reply(started, 0);
    let message = malformed(codex(&fx, CodexConfig::default()).run(&req));
    assert!(message.starts_with("codex: its events end without a `turn.completed`"), "{message}");
    fx.reply("Working...\nDone.\n", 0);
    let message = malformed(codex(&fx, CodexConfig::default()).run(&req));
    assert!(message.starts_with("codex: expected JSON-lines events on stdout"), "{message}");
}

#[test]
fn aider_gets_the_prompt_in_its_message_file_and_the_task_files() {
    let fx = Fake::new();
    fx.install("aider", RECORDER);
    fx.reply("Applied edit to tests/test_slug.py\n", 1);
    let req = fx.request(Step::Red, Some(1));
    let config = AiderConfig { model: Some("sonnet".into()), ..AiderConfig::default() };
    let out = aider(&fx, config).run(&req).unwrap();
    let args = fx.args();
    assert_eq!(args[..5], ["--yes-always", "--no-auto-commits", "--model", "sonnet", "--message-file"]);
    assert_eq!(args[6..], ["textkit/slug.py", "tests/test_slug.py"]);
    assert_eq!(fx.recorded("file.copy"), req.prompt);
    assert!(!Path::new(&args[5]).exists(), "the message file is removed after the run");
    assert_eq!(fx.recorded("stdin.txt"), "", "aider gets no stdin");
    // Its exit code says nothing about tests: the orchestrator's Verify decides.
    assert_eq!((out.status, out.message.as_str()), (Status::Done, "Applied edit to tests/test_slug.py"));

    // Issue-level steps get the spec's files that exist; a STATUS line is honoured.
    std::fs::create_dir_all(fx.work().join("tests")).unwrap();
    std::fs::write(fx.work().join("tests/test_slug.py"), "").unwrap();
    fx.reply("Tokens: 2k sent\nSTATUS: BLOCKED the failing test contradicts the spec\n", 0);
    let out = aider(&fx, AiderConfig::default()).run(&fx.request(Step::FixTests, None)).unwrap();
    assert_eq!(fx.args()[2], "--message-file");
    assert_eq!(fx.args()[4..], ["tests/test_slug.py"]);
    assert_eq!((out.status, out.message.as_str()), (Status::Blocked, "the failing test contradicts the spec"));
}

#[test]
fn command_gets_stdin_and_run_milestone_variables() {
    crate::common::require("python3");
    let fx = Fake::new();
    // `install` sets `D` (the bin dir) on the script's second line: valid Python too.
    let script = "#!/usr/bin/env python3\nimport json, os, sys\n\
        open(os.path.join(D, 'stdin.txt'), 'w').write(sys.stdin.read())\n\
        env = {k: v for k, v in os.environ.items() if k.startswith('RUN_MILESTONE_')}\n\
        json.dump({'env': env, 'argv': sys.argv[1:]}, open(os.path.join(D, 'seen.json'), 'w'))\n\
        print('Implemented slugify.')\n";
    fx.install("my-agent", script);
    let agent = || command(&fx, "my-agent", &["--fast"]);
    let mut req = fx.request(Step::Green, Some(2));
    req.feedback = Some("FAIL: test_appends_a_number_when_taken".into());
    req.json_schema = Some("{}".into());
    let out = agent().run(&req).unwrap();
    assert_eq!((out.status, out.message.as_str()), (Status::Done, "Implemented slugify."));
    assert_eq!(fx.recorded("stdin.txt"), req.prompt);
    let seen: serde_json::Value = serde_json::from_str(&fx.recorded("seen.json")).unwrap();
    assert_eq!(seen["argv"], serde_json::json!(["--fast"]));
    let spec_file = fixtures().join("demo/milestones/m1-text-tools/issues/01-slugify.md");
    let want = serde_json::json!({
        "RUN_MILESTONE_ROLE": "implementer",
        "RUN_MILESTONE_STEP": "green",
        "RUN_MILESTONE_MILESTONE": "m1",
        "RUN_MILESTONE_ISSUE": "01",
        "RUN_MILESTONE_ISSUE_TITLE": "Add slugify",
        "RUN_MILESTONE_GITHUB_ISSUE": "101",
        "RUN_MILESTONE_SPEC_FILE": spec_file.to_str().unwrap(),
        "RUN_MILESTONE_TASK": "2",
        "RUN_MILESTONE_TASK_TITLE": "Unique slug appends a number when taken",
        "RUN_MILESTONE_TEST_FILES": "tests/test_slug.py",
        "RUN_MILESTONE_IMPL_FILES": "textkit/slug.py",
        "RUN_MILESTONE_VERIFY": "python3 -m unittest tests.test_slug -v",
        "RUN_MILESTONE_WORKDIR": fx.work().to_str().unwrap(),
        "RUN_MILESTONE_FEEDBACK": "FAIL: test_appends_a_number_when_taken",
        "RUN_MILESTONE_JSON_SCHEMA": "{}",
        // Every child process carries the id of the run it belongs to (leftovers of a killed run).
        "RUN_MILESTONE_RUN_ID": run_milestone::process::run_id(),
    });
    assert_eq!(seen["env"], want);

    // A reviewer call with no task: the task variables are empty.
    let mut req = fx.request(Step::Review, None);
    req.role = Role::QualityReviewer;
    agent().run(&req).unwrap();
    let seen: serde_json::Value = serde_json::from_str(&fx.recorded("seen.json")).unwrap();
    assert_eq!(seen["env"]["RUN_MILESTONE_ROLE"], "quality-reviewer");
    assert_eq!(seen["env"]["RUN_MILESTONE_STEP"], "review");
    for key in ["TASK", "TASK_TITLE", "TEST_FILES", "IMPL_FILES", "VERIFY", "FEEDBACK", "JSON_SCHEMA"] {
        assert_eq!(seen["env"][format!("RUN_MILESTONE_{key}")], "", "{key}");
    }
}

#[test]
fn command_exit_codes_and_status_lines() {
    let fx = Fake::new();
    fx.install("my-agent", RECORDER);
    let req = fx.request(Step::Green, Some(1));
    fx.reply("step 1\nstep 2\nerror: model unavailable\n", 3);
    let (message, output) = failed(command(&fx, "my-agent", &[]).run(&req));
    assert_eq!(message, "my-agent exited with exit 3:\nstep 1\nstep 2\nerror: model unavailable");
    assert_eq!(output, "step 1\nstep 2\nerror: model unavailable\n");
    fx.reply("looked around\nSTATUS: NEEDS_CONTEXT — should unique_slug be case-insensitive?\n", 0);
    let out = command(&fx, "my-agent", &[]).run(&req).unwrap();
    assert_eq!((out.status, out.message.as_str()), (Status::NeedsContext, "should unique_slug be case-insensitive?"));
    assert_eq!(fx.recorded("stdin.txt"), req.prompt);
    // A relative path is relative to the working directory (the worktree).
    std::fs::rename(fx.bin().join("my-agent"), fx.work().join("agent.sh")).unwrap();
    fx.reply("from the worktree\n", 0);
    assert_eq!(command(&fx, "./agent.sh", &[]).run(&req).unwrap().message, "from the worktree");
}

#[test]
fn missing_programs_are_spawn_errors_naming_them() {
    let fx = Fake::new();
    let only_bin = fx.bin().into_os_string();
    let req = fx.request(Step::Green, Some(1));
    let mut agents: Vec<Box<dyn Agent>> = vec![
        Box::new(ClaudeAgent::new(ClaudeConfig::default()).with_env("PATH", &only_bin)),
        Box::new(CodexAgent::new(CodexConfig::default()).with_env("PATH", &only_bin)),
        Box::new(AiderAgent::new(AiderConfig::default()).with_env("PATH", &only_bin)),
        Box::new(command(&fx, "no-such-agent", &[]).with_env("PATH", &only_bin)),
    ];
    for (agent, name) in agents.iter_mut().zip(["claude", "codex", "aider", "no-such-agent"]) {
        match agent.run(&req) {
            Err(e @ AgentError::Spawn { .. }) => {
                let shown = e.to_string();
                assert!(shown.starts_with(&format!("cannot start `{name}`: not found on PATH")), "{shown}");
            }
            other => panic!("{name}: expected Spawn, got {other:?}"),
        }
    }
    match CommandAgent::new(CommandAgentConfig::default()).run(&req) {
        Err(AgentError::Spawn { message, .. }) => assert!(message.starts_with("agent.command.program is not set")),
        other => panic!("expected Spawn, got {other:?}"),
    }
}

#[test]
fn timeouts_kill_the_agents_whole_process_group() {
    let fx = Fake::new();
    for name in ["claude", "codex", "aider", "my-agent"] {
        fx.install(name, SLEEPER);
        let _ = std::fs::remove_file(fx.bin().join("grandchild.pid"));
        let mut agent: Box<dyn Agent> = match name {
            "claude" => Box::new(claude(&fx, ClaudeConfig::default())),
            "codex" => Box::new(codex(&fx, CodexConfig::default())),
            "aider" => Box::new(aider(&fx, AiderConfig::default())),
            _ => Box::new(command(&fx, name, &[])),
        };
        let mut req = fx.request(Step::Green, Some(1));
        // Long enough for the fake to have started its grandchild on a loaded machine.
        req.timeout = Some(Duration::from_secs(2));
        let start = Instant::now();
        match agent.run(&req) {
            Err(AgentError::Timeout(t)) => assert_eq!(t, Duration::from_secs(2)),
            other => panic!("{name}: expected Timeout, got {other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{name}: took {:?}", start.elapsed());
        let pid = fx.recorded("grandchild.pid").trim().to_string();
        assert!(gone(&pid), "{name}: grandchild {pid} survived the timeout");
    }
}

/// Whether `pid` has exited (a zombie waiting for a reaper counts as gone).
fn gone(pid: &str) -> bool {
    for _ in 0..100 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat) if stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z') => return true,
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    false
}
