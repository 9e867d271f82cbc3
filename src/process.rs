//! Running subprocesses (Verify commands, test suites, agents, the `git` CLI) in their own process
//! group, with captured output, an optional wall-clock limit, and a group kill on timeout, on
//! drop, and on demand (panic uses [`kill_all`]; a Ctrl-C is seen by [`run`], which gives the
//! group SIGTERM and a grace period, see [`group`]). A child that ends while a panic or Ctrl-C is
//! requested counts for nothing: [`run`] reports it interrupted, so nobody records a CI failure,
//! a failed push or a review from a process the stop killed.
//!
//! Nothing outlives a run, even a `kill -9` of it: each child gets `PR_SET_PDEATHSIG(SIGKILL)`
//! (it dies with the thread that spawned it — every spawn happens on the run's main thread, which
//! lives as long as the process), and, once [`record_groups_in`] names a file, the running groups
//! are written there (atomically) together with this run's id, which every child carries in
//! `RUN_MILESTONE_RUN_ID`. The next run of the milestone (holding its lock) or `cleanup` calls
//! [`stop_leftovers`]: it kills the processes still in those groups that carry that id (a child's
//! own children, which the death signal does not reach). See [`leftovers`].

mod group;
pub mod leftovers;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use process_wrap::std::{CommandWrap, ProcessGroup};

pub use group::{GRACE, kill_all, running_groups};
pub use leftovers::{record_groups_in, stop_leftovers};

use group::Guard;

/// Environment names removed from every child (the Safety issue fills the deny list).
static DENIED_ENV: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The variable naming the run a process belongs to.
pub const RUN_ID_ENV: &str = "RUN_MILESTONE_RUN_ID";

/// This process's run id (pid and start time), set in every child's environment.
pub fn run_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        format!("{}-{nanos}", std::process::id())
    })
}

/// Sets the environment names removed from every child process that is not `trusted`.
pub fn set_denied_env(names: Vec<String>) {
    *DENIED_ENV.lock().unwrap_or_else(|p| p.into_inner()) = names;
}

/// The names of the variables in this process's environment that match `globs` (for the deny list).
pub fn matching_env(globs: &[String]) -> Result<Vec<String>, crate::error::Error> {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        b.add(
            globset::Glob::new(g)
                .map_err(|e| crate::error::Error::input(format!(".run-milestone.yml: policy.deny_env: `{g}`: {e}")))?,
        );
    }
    let set = b.build().map_err(|e| crate::error::Error::input(format!("policy.deny_env: {e}")))?;
    let mut names: Vec<String> =
        std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).filter(|k| set.is_match(k)).collect();
    names.sort();
    Ok(names)
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub cwd: PathBuf,
    pub env: Vec<(OsString, OsString)>,
    /// Variables of this process's environment the child does not get.
    pub env_removed: Vec<OsString>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Option<Duration>,
    /// Keeps the denied environment (the forge's own `git push` needs the user's credentials).
    pub trusted: bool,
    /// Runs even while a panic or Ctrl-C stops the run (the token revocation after a panic).
    pub after_stop: bool,
}

impl Cmd {
    pub fn new(program: impl Into<OsString>, cwd: &Path) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            cwd: cwd.to_path_buf(),
            env: Vec::new(),
            env_removed: Vec::new(),
            stdin: None,
            timeout: None,
            trusted: false,
            after_stop: false,
        }
    }

    /// `sh -c <line>`: how Verify, test and lint commands run.
    pub fn shell(line: &str, cwd: &Path) -> Cmd {
        Cmd::new("sh", cwd).arg("-c").arg(line)
    }

    pub fn arg(mut self, a: impl Into<OsString>) -> Cmd {
        self.args.push(a.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Cmd {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, k: impl Into<OsString>, v: impl Into<OsString>) -> Cmd {
        self.env.push((k.into(), v.into()));
        self
    }

    /// The child runs without variable `k` (even a trusted one).
    pub fn env_remove(mut self, k: impl Into<OsString>) -> Cmd {
        self.env_removed.push(k.into());
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Cmd {
        self.stdin = Some(input.into());
        self
    }

    pub fn timeout(mut self, t: Option<Duration>) -> Cmd {
        self.timeout = t;
        self
    }

    /// Runs with the full environment (not for agents or tests).
    pub fn trusted(mut self) -> Cmd {
        self.trusted = true;
        self
    }

    /// Not stopped by a requested panic or Ctrl-C (for what a panic itself runs).
    pub fn after_stop(mut self) -> Cmd {
        self.after_stop = true;
        self
    }

    /// The command line for messages (`sh -c 'pytest -q'` shows as `pytest -q`).
    pub fn display(&self) -> String {
        if self.program == "sh" && self.args.len() == 2 && self.args[0] == "-c" {
            return self.args[1].to_string_lossy().into_owned();
        }
        let mut s = self.program.to_string_lossy().into_owned();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }
}

/// How a process ended.
#[derive(Debug, Clone, Default)]
pub struct Finished {
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// stdout and stderr interleaved in arrival order.
    pub combined: String,
    pub timed_out: bool,
    pub duration: Duration,
    /// `combined`, redacted whole: made by the first [`Finished::tail`] and reused by the others.
    pub(crate) redacted: std::sync::OnceLock<String>,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// The last `n` lines of the combined output, redacted (the whole output is redacted before
    /// the cut, so a private key block whose BEGIN line falls before it still goes whole). The
    /// output is redacted once, at the first call; later tails cut the same redacted text.
    pub fn tail(&self, n: usize) -> String {
        tail(self.redacted.get_or_init(|| crate::safety::redact::redact(&self.combined)), n)
    }

    /// `exit 1`, `timed out after 30s`, `killed by a signal`.
    pub fn describe(&self) -> String {
        if self.timed_out {
            format!("timed out after {}s", self.duration.as_secs())
        } else {
            match self.code {
                Some(c) => format!("exit {c}"),
                None => "killed by a signal".into(),
            }
        }
    }
}

/// The last `n` lines of `text`, as they are (see [`crate::safety::redact::tail`] for output that
/// is shown or stored).
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The error of a child stopped by a panic or a Ctrl-C.
fn interrupted() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Interrupted, "stopped by a panic or an interrupt")
}

/// Runs a command to completion (or its time limit) in a new process group. `Interrupted` when
/// a panic or Ctrl-C is requested before it ends (unless it runs [`Cmd::after_stop`]).
pub fn run(cmd: &Cmd) -> std::io::Result<Finished> {
    if !cmd.after_stop && crate::safety::signals::requested().is_some() {
        return Err(interrupted());
    }
    let start = Instant::now();
    let mut command = Command::new(&cmd.program);
    command.args(&cmd.args).current_dir(&cmd.cwd);
    if !cmd.trusted {
        for name in DENIED_ENV.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            command.env_remove(name);
        }
    }
    for name in &cmd.env_removed {
        command.env_remove(name);
    }
    command.env(RUN_ID_ENV, run_id());
    for (k, v) in &cmd.env {
        command.env(k, v);
    }
    group::die_with_parent(&mut command);
    command
        .stdin(if cmd.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut wrap = CommandWrap::from(command);
    wrap.wrap(ProcessGroup::leader());
    let mut child = wrap.spawn()?;
    let pgid = child.id();
    let stdin = child.stdin().take();
    let stdout = child.stdout().take();
    let stderr = child.stderr().take();
    let mut guard = Guard::new(child, pgid);

    let combined = Arc::new(Mutex::new(Vec::<u8>::new()));
    let reader = |mut src: Box<dyn Read + Send>, combined: Arc<Mutex<Vec<u8>>>| {
        std::thread::spawn(move || {
            let mut own = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match src.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        own.extend_from_slice(&buf[..n]);
                        combined.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(&buf[..n]);
                    }
                }
            }
            own
        })
    };
    let out_t = stdout.map(|s| reader(Box::new(s), combined.clone()));
    let err_t = stderr.map(|s| reader(Box::new(s), combined.clone()));
    let in_t = match (stdin, cmd.stdin.clone()) {
        (Some(mut pipe), Some(data)) => Some(std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })),
        _ => None,
    };

    let mut timed_out = false;
    let status = loop {
        if let Some(status) = guard.child.try_wait()? {
            break Some(status);
        }
        if cmd.timeout.is_some_and(|t| start.elapsed() >= t) {
            timed_out = true;
            let _ = guard.child.kill();
            break guard.child.wait().ok();
        }
        if !cmd.after_stop
            && let Some(why) = crate::safety::signals::requested()
        {
            // Panic or Ctrl-C: the group is stopped; the caller sees an interrupted run.
            guard.stop(why);
            return Err(interrupted());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    guard.done = true;
    // Once the leader exits, kill what is left of its group so pipes close and nothing lingers.
    // SAFETY: killpg on the group we created; ESRCH when it is already empty is fine.
    unsafe {
        libc::killpg(pgid as libc::pid_t, libc::SIGKILL);
    }
    if let Some(t) = in_t {
        let _ = t.join();
    }
    let stdout = out_t.map(|t| t.join().unwrap_or_default()).unwrap_or_default();
    let stderr = err_t.map(|t| t.join().unwrap_or_default()).unwrap_or_default();
    drop(guard);
    // It ended while a stop was requested: killed by it, or cut short by its SIGTERM. What it
    // says is no result (not a CI failure, not a failed push, not a review).
    if !cmd.after_stop && crate::safety::signals::requested().is_some() {
        return Err(interrupted());
    }
    let combined = combined.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(Finished {
        code: status.and_then(|s| s.code()),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        combined: String::from_utf8_lossy(&combined).into_owned(),
        timed_out,
        duration: start.elapsed(),
        redacted: Default::default(),
    })
}

#[cfg(test)]
#[path = "process_tests.rs"]
mod tests;
