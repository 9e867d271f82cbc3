//! Shared plumbing of the CLI backends (`claude`, `codex`, `aider`, `command`): each runs its
//! program through [`crate::process::run`] — in its own process group, killed as a group when the
//! request's time limit runs out — and maps "cannot start" and "timed out" to the same
//! [`AgentError`]s. Also here: private temp files for prompts and schemas, the seed's `STATUS:`
//! reply contract, and messages for output that does not follow a backend's format.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{AgentError, Request, Status};
use crate::process::{self, Cmd, Finished};

/// Extra environment for a backend's child process, on top of the inherited one (the tests put
/// fake agents first on `PATH` this way; the engine may pass anything else it needs).
#[derive(Debug, Clone, Default)]
pub struct Env(pub Vec<(OsString, OsString)>);

impl Env {
    pub fn push(&mut self, key: impl Into<OsString>, value: impl Into<OsString>) {
        self.0.push((key.into(), value.into()));
    }
}

/// `program args…` in the request's working directory, with its time limit and `env`.
pub fn command(program: &str, args: Vec<OsString>, req: &Request, env: &Env) -> Cmd {
    let mut cmd = Cmd::new(program, req.ctx.workdir).args(args).timeout(req.timeout);
    cmd.env.extend(env.0.iter().cloned());
    cmd
}

/// Runs `cmd` to completion. A program that cannot be started is `Spawn` (naming the program and
/// the config key `key` that sets it); a run that hit its time limit is `Timeout`.
pub fn launch(cmd: &Cmd, key: &str) -> Result<Finished, AgentError> {
    let program = cmd.program.to_string_lossy().into_owned();
    if !cmd.cwd.is_dir() {
        return Err(AgentError::Spawn {
            program,
            message: format!("the working directory `{}` does not exist", cmd.cwd.display()),
        });
    }
    let finished = process::run(cmd).map_err(|e| {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound if program.contains('/') => format!("no such file (set {key})"),
            std::io::ErrorKind::NotFound => format!("not found on PATH (install it, or set {key})"),
            std::io::ErrorKind::PermissionDenied => format!("permission denied: is it executable? ({e})"),
            _ => e.to_string(),
        };
        AgentError::Spawn { program: program.clone(), message }
    })?;
    if finished.timed_out {
        return Err(AgentError::Timeout(cmd.timeout.unwrap_or(finished.duration)));
    }
    Ok(finished)
}

/// The seed's reply contract: the last `STATUS:` line gives the status (`DONE` when there is
/// none). The message is the whole reply, trimmed, except that BLOCKED and NEEDS_CONTEXT carry
/// their reason or question when the line has one.
pub fn reply(text: &str) -> (Status, String) {
    let text = text.trim();
    match Status::from_reply(text) {
        Some((s @ (Status::Blocked | Status::NeedsContext), reason)) if !reason.is_empty() => (s, reason),
        Some((s, _)) => (s, text.to_string()),
        None => (Status::Done, text.to_string()),
    }
}

/// Output a backend could not read: `Failed` with the exit status and the output's tail when the
/// program exited non-zero (it most likely printed an error), `Malformed` when it claimed success.
pub fn unreadable(name: &str, f: &Finished, what: &str) -> AgentError {
    if f.success() {
        AgentError::Malformed {
            message: format!("{name}: {what}; stdout began with: {}", preview(&f.stdout)),
            output: f.combined.clone(),
        }
    } else {
        AgentError::Failed { message: exited(name, f), output: f.combined.clone() }
    }
}

/// `claude exited with exit 1: <last lines of its output>`.
pub fn exited(name: &str, f: &Finished) -> String {
    let tail = f.tail(20);
    if tail.trim().is_empty() {
        format!("{name} exited with {} and printed nothing", f.describe())
    } else {
        format!("{name} exited with {}:\n{tail}", f.describe())
    }
}

/// The first line of `text`, redacted, then cut to at most 200 characters (`(nothing)` when
/// empty).
fn preview(text: &str) -> String {
    let first = text.trim().lines().next().unwrap_or("");
    if first.is_empty() {
        return "(nothing)".into();
    }
    format!("`{}`", crate::safety::redact::preview(first, 200))
}

/// A file in the system temp dir, readable by this user only, removed when dropped. Holds prompts
/// (aider) and JSON schemas (codex) outside the worktree, so they never show up in a diff.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Creates `run-milestone-<pid>-<n>-<label>` with `contents`; errors name the program it is for.
    pub fn new(program: &str, label: &str, contents: &[u8]) -> Result<TempFile, AgentError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let mut last_error = None;
        for _ in 0..8 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("run-milestone-{}-{n}-{nanos}-{label}", std::process::id()));
            match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
                Ok(mut file) => {
                    let temp = TempFile { path };
                    return match file.write_all(contents).and_then(|()| file.flush()) {
                        Ok(()) => Ok(temp),
                        Err(e) => Err(temp_error(program, temp.path(), &e)),
                    };
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some((path, e)),
                Err(e) => return Err(temp_error(program, &path, &e)),
            }
        }
        let (path, e) = last_error.unwrap_or_else(|| (dir.clone(), std::io::Error::other("no free name")));
        Err(temp_error(program, &path, &e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn temp_error(program: &str, path: &Path, e: &std::io::Error) -> AgentError {
    AgentError::Spawn { program: program.into(), message: format!("cannot write `{}`: {e}", path.display()) }
}

#[cfg(test)]
#[path = "launch_tests.rs"]
mod tests;
