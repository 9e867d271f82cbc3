//! The `command` backend: any executable (`agent.command.program` + `args`). The prompt goes on
//! stdin and the context in `RUN_MILESTONE_*` environment variables (listed in `docs/agents.md`),
//! so a script or an in-house agent needs no prompt parsing. Exit 0 is a finished step (status
//! from a `STATUS:` line, `DONE` without one); any other exit is a failure.

use std::ffi::OsString;
use std::path::Path;

use super::launch::{self, Env};
use super::{Agent, AgentError, Outcome, Request, Usage};
use crate::config::CommandAgentConfig;

/// Any executable (`agent.command`).
#[derive(Debug, Clone)]
pub struct CommandAgent {
    config: CommandAgentConfig,
    env: Env,
}

impl CommandAgent {
    pub fn new(config: CommandAgentConfig) -> CommandAgent {
        CommandAgent { config, env: Env::default() }
    }

    /// Sets an environment variable for the command (e.g. `PATH`), on top of ours.
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> CommandAgent {
        self.env.push(key, value);
        self
    }
}

/// The `RUN_MILESTONE_*` variables of a request. Optional ones are set to the empty string when
/// absent, so a value inherited from our own environment never leaks into the child.
pub fn context_env(req: &Request) -> Vec<(&'static str, String)> {
    let ctx = &req.ctx;
    let task = ctx.task;
    let lines = |files: Vec<&String>| files.into_iter().map(String::as_str).collect::<Vec<_>>().join("\n");
    let spec_file = if ctx.spec.path.is_absolute() { ctx.spec.path.clone() } else { ctx.workdir.join(&ctx.spec.path) };
    let workdir = std::path::absolute(ctx.workdir).unwrap_or_else(|_| ctx.workdir.to_path_buf());
    vec![
        ("RUN_MILESTONE_ROLE", req.role.name().to_string()),
        ("RUN_MILESTONE_STEP", req.step.name().to_string()),
        ("RUN_MILESTONE_MILESTONE", ctx.milestone.to_string()),
        ("RUN_MILESTONE_ISSUE", ctx.issue.no.padded()),
        ("RUN_MILESTONE_ISSUE_TITLE", ctx.issue.title.clone()),
        (
            "RUN_MILESTONE_GITHUB_ISSUE",
            ctx.issue.github.or(ctx.spec.github_issue).map_or(String::new(), |n| n.to_string()),
        ),
        ("RUN_MILESTONE_SPEC_FILE", display(&spec_file)),
        ("RUN_MILESTONE_TASK", task.map_or(String::new(), |t| t.number.to_string())),
        ("RUN_MILESTONE_TASK_TITLE", task.map_or(String::new(), |t| t.title.clone())),
        ("RUN_MILESTONE_TEST_FILES", task.map_or(String::new(), |t| lines(t.files.test.iter().collect()))),
        ("RUN_MILESTONE_IMPL_FILES", task.map_or(String::new(), |t| lines(t.files.implementation().collect()))),
        ("RUN_MILESTONE_VERIFY", task.and_then(|t| t.verify.clone()).unwrap_or_default()),
        ("RUN_MILESTONE_WORKDIR", display(&workdir)),
        ("RUN_MILESTONE_FEEDBACK", req.feedback.clone().unwrap_or_default()),
        ("RUN_MILESTONE_JSON_SCHEMA", req.json_schema.clone().unwrap_or_default()),
    ]
}

fn display(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

impl Agent for CommandAgent {
    fn name(&self) -> &'static str {
        "command"
    }

    fn run(&mut self, req: &Request) -> Result<Outcome, AgentError> {
        let Some(program) = self.config.program.as_deref().filter(|p| !p.trim().is_empty()) else {
            return Err(AgentError::Spawn {
                program: "command".into(),
                message: "agent.command.program is not set: name the executable in .run-milestone.yml (agent: { kind: command, command: { program: ./my-agent } })".into(),
            });
        };
        let args = self.config.args.iter().map(OsString::from).collect();
        let mut cmd = launch::command(program, args, req, &Env::default()).stdin(req.prompt.as_bytes());
        for (k, v) in context_env(req) {
            cmd = cmd.env(k, v);
        }
        // Our own overrides come last, so they win.
        cmd.env.extend(self.env.0.iter().cloned());
        let f = launch::launch(&cmd, "agent.command.program")?;
        if !f.success() {
            return Err(AgentError::Failed { message: launch::exited(program, &f), output: f.combined });
        }
        let (status, message) = launch::reply(&f.stdout);
        Ok(Outcome { status, message, usage: Usage::default(), output: f.combined })
    }
}
