//! The `codex` backend: OpenAI Codex CLI (`codex exec --json … -`), the prompt on stdin. Its
//! stdout is JSON lines (`thread.started`, `turn.completed`, `turn.failed`, `error`,
//! `item.completed` …); the last `agent_message` item is the answer.

use std::ffi::OsString;

use serde_json::Value;

use super::launch::{self, Env, TempFile};
use super::{Agent, AgentError, Outcome, Request, Usage};
use crate::config::CodexConfig;
use crate::process::Finished;

/// OpenAI Codex CLI (`agent.codex`).
#[derive(Debug, Clone)]
pub struct CodexAgent {
    config: CodexConfig,
    env: Env,
}

impl CodexAgent {
    pub fn new(config: CodexConfig) -> CodexAgent {
        CodexAgent { config, env: Env::default() }
    }

    /// Sets an environment variable for the `codex` process (e.g. `PATH`), on top of ours.
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> CodexAgent {
        self.env.push(key, value);
        self
    }

    /// `args`, then `--model M` and `--output-schema FILE` as set, then `-` (prompt on stdin).
    pub fn args(&self, schema_file: Option<&TempFile>) -> Vec<OsString> {
        let mut args: Vec<OsString> = self.config.args.iter().map(OsString::from).collect();
        if let Some(model) = &self.config.model {
            args.extend(["--model".into(), model.into()]);
        }
        if let Some(file) = schema_file {
            args.extend(["--output-schema".into(), file.path().into()]);
        }
        args.push("-".into());
        args
    }
}

impl Agent for CodexAgent {
    fn name(&self) -> &'static str {
        "codex"
    }

    fn run(&mut self, req: &Request) -> Result<Outcome, AgentError> {
        let program = &self.config.program;
        // Lives until codex has finished; removed on drop.
        let schema = match &req.json_schema {
            Some(s) => Some(TempFile::new(program, "schema.json", s.as_bytes())?),
            None => None,
        };
        let cmd = launch::command(program, self.args(schema.as_ref()), req, &self.env).stdin(req.prompt.as_bytes());
        let finished = launch::launch(&cmd, "agent.codex.program")?;
        interpret(&finished)
    }
}

/// What the event stream said.
#[derive(Default)]
struct Events {
    parsed: usize,
    turns_completed: u32,
    failures: Vec<String>,
    last_message: Option<String>,
    usage: Usage,
}

/// Reads codex's JSON-lines events from a finished run.
pub fn interpret(f: &Finished) -> Result<Outcome, AgentError> {
    let output = f.combined.clone();
    let ev = events(&f.stdout);
    if !ev.failures.is_empty() {
        return Err(AgentError::Failed { message: format!("codex failed: {}", ev.failures.join("; ")), output });
    }
    if ev.parsed == 0 {
        return Err(launch::unreadable("codex", f, "expected JSON-lines events on stdout (`exec --json`)"));
    }
    if ev.turns_completed == 0 {
        return Err(launch::unreadable("codex", f, "its events end without a `turn.completed`"));
    }
    if !f.success() {
        return Err(AgentError::Failed { message: launch::exited("codex", f), output });
    }
    let (status, message) = launch::reply(ev.last_message.as_deref().unwrap_or(""));
    Ok(Outcome { status, message, usage: ev.usage, output })
}

fn events(stdout: &str) -> Events {
    let mut ev = Events::default();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(String::from);
    for line in stdout.lines() {
        let Some(v) = serde_json::from_str::<Value>(line.trim()).ok().filter(Value::is_object) else { continue };
        ev.parsed += 1;
        match v.get("type").and_then(Value::as_str).unwrap_or("") {
            "thread.started" => ev.usage.session_id = text(v.get("thread_id")).or(ev.usage.session_id.take()),
            "turn.completed" => {
                ev.turns_completed += 1;
                let u = v.get("usage");
                let n = |k: &str| u.and_then(|u| u.get(k)).and_then(Value::as_u64).unwrap_or(0);
                ev.usage.input_tokens = Some(ev.usage.input_tokens.unwrap_or(0) + n("input_tokens"));
                ev.usage.output_tokens = Some(ev.usage.output_tokens.unwrap_or(0) + n("output_tokens"));
                ev.usage.turns = Some(ev.turns_completed);
            }
            "turn.failed" => {
                let message = text(v.get("error").and_then(|e| e.get("message")));
                push_unique(&mut ev.failures, message.unwrap_or_else(|| "turn failed".into()));
            }
            "error" => push_unique(&mut ev.failures, text(v.get("message")).unwrap_or_else(|| "error".into())),
            "item.completed" => {
                let Some(item) = v.get("item") else { continue };
                // `type` today; `item_type` and `assistant_message` in older releases.
                let kind = item.get("type").or_else(|| item.get("item_type")).and_then(Value::as_str);
                if matches!(kind, Some("agent_message" | "assistant_message"))
                    && let Some(t) = text(item.get("text"))
                {
                    ev.last_message = Some(t);
                }
            }
            _ => {}
        }
    }
    ev
}

fn push_unique(list: &mut Vec<String>, s: String) {
    if !list.contains(&s) {
        list.push(s);
    }
}

#[cfg(test)]
#[path = "codex_tests.rs"]
mod tests;
