//! The `claude` backend: Claude Code in headless mode (`claude -p --output-format json`), the
//! prompt on stdin. Its stdout is one JSON `result` object; an error result, a stop on the turn
//! limit and any denied tool use are failures, whatever the exit code says.

use std::ffi::OsString;

use serde_json::Value;

use super::launch::{self, Env};
use super::{Agent, AgentError, Outcome, Request, Usage};
use crate::config::ClaudeConfig;
use crate::process::Finished;

/// Claude Code (`agent.claude`).
#[derive(Debug, Clone)]
pub struct ClaudeAgent {
    config: ClaudeConfig,
    env: Env,
}

impl ClaudeAgent {
    pub fn new(config: ClaudeConfig) -> ClaudeAgent {
        ClaudeAgent { config, env: Env::default() }
    }

    /// Sets an environment variable for the `claude` process (e.g. `PATH`), on top of ours.
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> ClaudeAgent {
        self.env.push(key, value);
        self
    }

    /// `args`, then `--model M`, `--max-turns N`, `--allowedTools a,b`, `--json-schema S` as set.
    pub fn args(&self, req: &Request) -> Vec<OsString> {
        let mut args: Vec<OsString> = self.config.args.iter().map(OsString::from).collect();
        if let Some(model) = &self.config.model {
            args.extend(["--model".into(), model.into()]);
        }
        if let Some(n) = self.config.max_turns {
            args.extend(["--max-turns".into(), n.to_string().into()]);
        }
        if !self.config.allowed_tools.is_empty() {
            args.extend(["--allowedTools".into(), self.config.allowed_tools.join(",").into()]);
        }
        if let Some(schema) = &req.json_schema {
            args.extend(["--json-schema".into(), schema.into()]);
        }
        args
    }
}

impl Agent for ClaudeAgent {
    fn name(&self) -> &'static str {
        "claude"
    }

    fn run(&mut self, req: &Request) -> Result<Outcome, AgentError> {
        let cmd = launch::command(&self.config.program, self.args(req), req, &self.env).stdin(req.prompt.as_bytes());
        let finished = launch::launch(&cmd, "agent.claude.program")?;
        interpret(&finished)
    }
}

/// Reads claude's `result` object from a finished run.
pub fn interpret(f: &Finished) -> Result<Outcome, AgentError> {
    let output = f.combined.clone();
    let Some(v) = json_object(&f.stdout) else {
        return Err(launch::unreadable("claude", f, "expected one JSON object on stdout (`--output-format json`)"));
    };
    if v.get("type").and_then(Value::as_str) != Some("result") {
        return Err(launch::unreadable("claude", f, "expected a JSON object with \"type\": \"result\""));
    }
    let usage = usage(&v);
    let result = v.get("result").and_then(Value::as_str).unwrap_or("");
    let subtype = v.get("subtype").and_then(Value::as_str).unwrap_or("(none)");
    if subtype != "success" {
        let turns = usage.turns.map_or(String::new(), |n| format!(" after {n} turns"));
        let what = match subtype {
            "error_max_turns" => "claude hit its turn limit (agent.claude.max_turns)".to_string(),
            "error_during_execution" => "claude failed during execution".to_string(),
            other => format!("claude stopped with `{other}`"),
        };
        let detail = errors(&v).or_else(|| (!result.trim().is_empty()).then(|| result.trim().to_string()));
        let detail = detail.map_or(String::new(), |d| format!(": {d}"));
        return Err(AgentError::Failed { message: format!("{what} ({subtype}{turns}){detail}"), output });
    }
    if v.get("is_error").and_then(Value::as_bool).unwrap_or(false) {
        let said = if result.trim().is_empty() { "no message".to_string() } else { result.trim().to_string() };
        return Err(AgentError::Failed { message: format!("claude reported an error: {said}"), output });
    }
    if let Some(denied) = v.get("permission_denials").and_then(Value::as_array).filter(|d| !d.is_empty()) {
        let tools: Vec<&str> =
            denied.iter().map(|d| d.get("tool_name").and_then(Value::as_str).unwrap_or("a tool")).collect();
        return Err(AgentError::Failed {
            message: format!(
                "claude was denied {} tool use(s): {} (allow them with agent.claude.allowed_tools, or change the permission mode in agent.claude.args)",
                denied.len(),
                tools.join(", ")
            ),
            output,
        });
    }
    if !f.success() {
        return Err(AgentError::Failed { message: launch::exited("claude", f), output });
    }
    let (status, mut message) = launch::reply(result);
    // With `--json-schema` the answer is in `structured_output`; the engine reads it from `message`.
    if let Some(structured) = v.get("structured_output").filter(|s| !s.is_null()) {
        message = structured.to_string();
    }
    Ok(Outcome { status, message, usage, output })
}

/// The whole of stdout as one JSON object, or else its last line that is one (a CLI may print a
/// notice before the result).
fn json_object(stdout: &str) -> Option<Value> {
    let parse = |s: &str| serde_json::from_str::<Value>(s.trim()).ok().filter(Value::is_object);
    parse(stdout).or_else(|| stdout.lines().rev().filter(|l| !l.trim().is_empty()).find_map(parse))
}

/// Cost, tokens (input counts cache reads and writes too), turns and session id.
fn usage(v: &Value) -> Usage {
    let u = v.get("usage");
    let tokens = |key: &str| u.and_then(|u| u.get(key)).and_then(Value::as_u64);
    let input = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]
        .iter()
        .filter_map(|k| tokens(k))
        .reduce(|a, b| a + b);
    Usage {
        cost_usd: v.get("total_cost_usd").and_then(Value::as_f64),
        input_tokens: input,
        output_tokens: tokens("output_tokens"),
        turns: v.get("num_turns").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
        session_id: v.get("session_id").and_then(Value::as_str).map(String::from),
    }
}

/// The `errors` array some versions add to error results, joined.
fn errors(v: &Value) -> Option<String> {
    let list = v.get("errors")?.as_array()?;
    let texts: Vec<String> =
        list.iter().map(|e| e.as_str().map_or_else(|| e.to_string(), String::from)).filter(|s| !s.is_empty()).collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

#[cfg(test)]
#[path = "claude_tests.rs"]
mod tests;
