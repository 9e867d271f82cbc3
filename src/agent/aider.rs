//! The `aider` backend: `aider --message-file F --yes-always --no-auto-commits [files…]`, the
//! prompt in a private temp file. Aider's exit code says nothing about tests, so a finished run
//! is `DONE` (or the status of a `STATUS:` line it printed): the orchestrator's own Verify and
//! test runs decide.

use std::ffi::OsString;

use super::launch::{self, Env, TempFile};
use super::{Agent, AgentError, Outcome, Request, Usage};
use crate::config::AiderConfig;

/// Aider (`agent.aider`).
#[derive(Debug, Clone)]
pub struct AiderAgent {
    config: AiderConfig,
    env: Env,
}

impl AiderAgent {
    pub fn new(config: AiderConfig) -> AiderAgent {
        AiderAgent { config, env: Env::default() }
    }

    /// Sets an environment variable for the `aider` process (e.g. `PATH`), on top of ours.
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> AiderAgent {
        self.env.push(key, value);
        self
    }

    /// `args`, `--model M` when set, `--message-file F`, then the files aider should edit.
    pub fn args(&self, req: &Request, message_file: &TempFile) -> Vec<OsString> {
        let mut args: Vec<OsString> = self.config.args.iter().map(OsString::from).collect();
        if let Some(model) = &self.config.model {
            args.extend(["--model".into(), model.into()]);
        }
        args.extend(["--message-file".into(), message_file.path().into()]);
        args.extend(files(req).into_iter().map(OsString::from));
        args
    }
}

/// The task's files (Create, Modify, Test). Without a task (fixing tests, review findings) the
/// files of every task of the spec that exist in the worktree, so aider can edit them.
fn files(req: &Request) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |f: &String| {
        if !out.contains(f) {
            out.push(f.clone());
        }
    };
    match req.ctx.task {
        Some(task) => task.files.all().for_each(&mut add),
        None => req
            .ctx
            .spec
            .tasks
            .iter()
            .flat_map(|t| t.files.all())
            .filter(|f| req.ctx.workdir.join(f).is_file())
            .for_each(&mut add),
    }
    out
}

impl Agent for AiderAgent {
    fn name(&self) -> &'static str {
        "aider"
    }

    fn run(&mut self, req: &Request) -> Result<Outcome, AgentError> {
        let program = &self.config.program;
        let message = TempFile::new(program, "prompt.md", req.prompt.as_bytes())?;
        let cmd = launch::command(program, self.args(req, &message), req, &self.env);
        let finished = launch::launch(&cmd, "agent.aider.program")?;
        drop(message);
        let (status, message) = launch::reply(&finished.stdout);
        Ok(Outcome { status, message, usage: Usage::default(), output: finished.combined })
    }
}
