//! Agent backends: who does the work. One contract — a role, a prompt built from the seed's
//! templates, a working directory and the task or issue — and several backends: `spec` (built in,
//! applies the spec's own RED/GREEN code), `claude`, `codex`, `aider` and any `command`.

pub mod aider;
pub mod claude;
pub mod codex;
pub mod command;
pub mod launch;
pub mod prompts;
pub mod spec;
#[cfg(test)]
mod testkit;

use std::path::Path;
use std::time::Duration;

use crate::config::{AgentConfig, AgentKind};
use crate::milestone::MilestoneId;
use crate::plan::{Issue, Spec, Task};

/// Which hat the agent wears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Implementer,
    SpecReviewer,
    QualityReviewer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Implementer => "implementer",
            Role::SpecReviewer => "spec-reviewer",
            Role::QualityReviewer => "quality-reviewer",
        }
    }
}

/// What the implementer is asked to do in this call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Write the task's failing test (and nothing else).
    Red,
    /// Make the task's test pass with minimal code.
    Green,
    /// Optional clean-up that keeps the tests green.
    Refactor,
    /// Fix failing tests (the full suite, or GREEN after a failed Verify); `feedback` has the output.
    FixTests,
    /// Address review findings; `feedback` has them.
    FixReview,
    /// Review (the reviewer roles).
    Review,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Red => "red",
            Step::Green => "green",
            Step::Refactor => "refactor",
            Step::FixTests => "fix-tests",
            Step::FixReview => "fix-review",
            Step::Review => "review",
        }
    }
}

/// Everything an agent may look at.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub milestone: &'a MilestoneId,
    pub issue: &'a Issue,
    pub spec: &'a Spec,
    /// The task (RED/GREEN/REFACTOR and GREEN retries); `None` for issue-level steps.
    pub task: Option<&'a Task>,
    /// Where the agent works (the worktree).
    pub workdir: &'a Path,
}

/// One call to an agent.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub role: Role,
    pub step: Step,
    pub ctx: Context<'a>,
    /// The full prompt (see `prompts`), given on stdin or in a file.
    pub prompt: String,
    /// Failing output or review findings, also embedded in `prompt`.
    pub feedback: Option<String>,
    /// A JSON schema the answer must follow (reviewers, backends that support it).
    pub json_schema: Option<String>,
    /// Wall-clock limit; the agent's process group is killed when it runs out.
    pub timeout: Option<Duration>,
}

/// The status every backend reports (the seed's subagent contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    DoneWithConcerns,
    Blocked,
    NeedsContext,
}

impl Status {
    /// Parses `DONE`, `DONE_WITH_CONCERNS`, `BLOCKED`, `NEEDS_CONTEXT` (any case, `-` or ` ` for `_`).
    pub fn parse(s: &str) -> Option<Status> {
        match s.trim().to_ascii_uppercase().replace(['-', ' '], "_").as_str() {
            "DONE" => Some(Status::Done),
            "DONE_WITH_CONCERNS" => Some(Status::DoneWithConcerns),
            "BLOCKED" => Some(Status::Blocked),
            "NEEDS_CONTEXT" => Some(Status::NeedsContext),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Done => "DONE",
            Status::DoneWithConcerns => "DONE_WITH_CONCERNS",
            Status::Blocked => "BLOCKED",
            Status::NeedsContext => "NEEDS_CONTEXT",
        }
    }

    /// Finds the last `STATUS: <X>` line an agent wrote; the rest of that line is its reason.
    pub fn from_reply(text: &str) -> Option<(Status, String)> {
        text.lines().rev().find_map(|line| {
            let l = line.trim().trim_start_matches(['*', '#', '-', ' ']).trim_end_matches('*');
            let rest = l.strip_prefix("STATUS:").or_else(|| l.strip_prefix("Status:"))?;
            let rest = rest.trim().trim_start_matches('*').trim();
            let (word, reason) =
                match rest.find(|c: char| c.is_whitespace() || matches!(c, '—' | ':' | '(' | '*' | '.' | ',')) {
                    Some(i) => (&rest[..i], rest[i..].trim_start_matches([' ', '—', '-', ':', '*', '.', ',']).trim()),
                    None => (rest, ""),
                };
            Status::parse(word).map(|s| (s, reason.to_string()))
        })
    }
}

/// What the backend reported about cost, where it reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub cost_usd: Option<f64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub turns: Option<u32>,
    pub session_id: Option<String>,
}

/// A finished agent call.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// The agent's final message (or the reason for BLOCKED / the question for NEEDS_CONTEXT).
    pub message: String,
    pub usage: Usage,
    /// Everything the agent printed, for the secret scan and the journal (redacted there).
    pub output: String,
}

/// An agent call that failed: the engine treats it as a failed attempt of the step.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AgentError {
    #[error("cannot start `{program}`: {message}")]
    Spawn { program: String, message: String },
    #[error("timed out after {}s (process group killed)", .0.as_secs())]
    Timeout(Duration),
    /// The backend reported a failure (error result, permission denials, non-zero exit …).
    #[error("{message}")]
    Failed { message: String, output: String },
    /// The backend's output did not follow its documented format.
    #[error("malformed output: {message}")]
    Malformed { message: String, output: String },
}

/// A backend.
pub trait Agent {
    /// `spec`, `claude`, `codex`, `aider` or `command`.
    fn name(&self) -> &'static str;
    /// Runs one request in `req.ctx.workdir`; the agent edits files there and reports.
    fn run(&mut self, req: &Request) -> Result<Outcome, AgentError>;
    /// Whether this backend reviews only with the built-in passes (no reviewer agent).
    fn builtin_review_only(&self) -> bool {
        false
    }
}

/// The backend chosen by `--agent` or `agent.kind`, configured from `agent.<kind>`.
pub fn build(kind: AgentKind, config: &AgentConfig) -> Box<dyn Agent> {
    match kind {
        AgentKind::Spec => Box::new(spec::SpecAgent),
        AgentKind::Claude => Box::new(claude::ClaudeAgent::new(config.claude.clone())),
        AgentKind::Codex => Box::new(codex::CodexAgent::new(config.codex.clone())),
        AgentKind::Aider => Box::new(aider::AiderAgent::new(config.aider.clone())),
        AgentKind::Command => Box::new(command::CommandAgent::new(config.command.clone())),
    }
}

#[cfg(test)]
mod tests;
