//! The one error type the binary maps to exit codes.
//!
//! Modelled on jj's `CommandError`: a *kind* that decides the exit code, a message, and optional
//! hints printed after it. Library code uses `anyhow` with `.context()` for glue and converts at
//! the boundary; anything that is not one of our kinds is an internal error (exit 1).

use std::fmt;
use std::path::Path;

/// What went wrong, as the caller must react to it. Each kind has one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A bug or an environment failure we did not foresee (exit 1).
    Internal,
    /// Bad command-line usage, or invalid input files (exit 2). Nothing was modified.
    Input,
    /// The run stopped before finishing: abort, panic, blocked quality gate, secret exposure,
    /// critical error (exit 3). State is saved; re-running resumes.
    Stopped,
    /// Another run of this milestone holds the lock (exit 4).
    Locked,
}

impl ErrorKind {
    /// The process exit code for this kind (documented in `--help` and the README).
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Internal => 1,
            ErrorKind::Input => 2,
            ErrorKind::Stopped => 3,
            ErrorKind::Locked => 4,
        }
    }
}

/// An error with a kind, a message and hints.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub hints: Vec<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), hints: Vec::new() }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Input, message)
    }

    pub fn stopped(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Stopped, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, message)
    }

    /// An invalid-input error located in a file: `path:line[:column]: message`.
    pub fn at(path: &Path, line: usize, column: Option<usize>, message: impl fmt::Display) -> Self {
        let location = match column {
            Some(col) => format!("{}:{line}:{col}", path.display()),
            None => format!("{}:{line}", path.display()),
        };
        Error::input(format!("{location}: {message}"))
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Converts any error into ours; an `anyhow` chain that wraps one of ours keeps its kind.
pub fn classify(err: anyhow::Error) -> Error {
    match err.downcast::<Error>() {
        Ok(ours) => ours,
        Err(other) => {
            if let Some(ours) = other.chain().find_map(|e| e.downcast_ref::<Error>()) {
                return Error { kind: ours.kind, message: format!("{other:#}"), hints: ours.hints.clone() };
            }
            Error::internal(format!("{other:#}"))
        }
    }
}

pub type Result<T, E = anyhow::Error> = std::result::Result<T, E>;
