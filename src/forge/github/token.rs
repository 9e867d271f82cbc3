//! The GitHub token: `GH_TOKEN`, then `GITHUB_TOKEN`, then `gh auth token` when the GitHub CLI is
//! installed and logged in. No token is a clear error before any request is made. The value
//! never appears in `Debug` output or messages.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use crate::forge::ForgeError;
use crate::process::{Cmd, run};

/// Where the token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    GhToken,
    GithubToken,
    GhCli,
    /// Handed over by the caller (tests, embedding).
    Given,
}

impl TokenSource {
    pub fn describe(self) -> &'static str {
        match self {
            TokenSource::GhToken => "GH_TOKEN",
            TokenSource::GithubToken => "GITHUB_TOKEN",
            TokenSource::GhCli => "gh auth token",
            TokenSource::Given => "given",
        }
    }
}

/// A token and where it came from.
#[derive(Clone)]
pub struct Token {
    value: String,
    source: TokenSource,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({}, [REDACTED])", self.source.describe())
    }
}

impl Token {
    pub fn new(value: impl Into<String>, source: TokenSource) -> Token {
        let value = value.into().trim().to_string();
        // The forge token is redacted wherever it would be printed (an error URL included).
        crate::safety::redact::add_exact(&value);
        Token { value, source }
    }

    pub fn source(&self) -> TokenSource {
        self.source
    }

    pub(crate) fn secret(&self) -> &str {
        &self.value
    }
}

/// The message when no token is found.
pub const NO_TOKEN: &str = "forge.kind: github needs a GitHub token and none was found: set GH_TOKEN or GITHUB_TOKEN, or log in with `gh auth login`";

/// The first of `GH_TOKEN`, `GITHUB_TOKEN` (read through `lookup`) that is not blank: its name,
/// its source and its value.
pub fn from_variables(lookup: &dyn Fn(&str) -> Option<String>) -> Option<(&'static str, TokenSource, String)> {
    [("GH_TOKEN", TokenSource::GhToken), ("GITHUB_TOKEN", TokenSource::GithubToken)]
        .into_iter()
        .find_map(|(name, source)| lookup(name).filter(|v| !v.trim().is_empty()).map(|v| (name, source, v)))
}

/// The first non-blank of `GH_TOKEN`, `GITHUB_TOKEN` (read through `lookup`), then `gh()`.
pub fn resolve(
    lookup: &dyn Fn(&str) -> Option<String>,
    gh: impl FnOnce() -> Option<String>,
) -> Result<Token, ForgeError> {
    if let Some((_, source, value)) = from_variables(lookup) {
        return Ok(Token::new(value, source));
    }
    match gh().filter(|v| !v.trim().is_empty()) {
        Some(v) => Ok(Token::new(v, TokenSource::GhCli)),
        None => Err(ForgeError::Other(NO_TOKEN.into())),
    }
}

/// The token from this process's environment, or from `gh auth token --hostname <host>`.
pub fn from_environment(gh_host: &str, cwd: &Path) -> Result<Token, ForgeError> {
    resolve(&|k| std::env::var(k).ok(), || gh_auth_token(gh_host, cwd))
}

/// `gh auth token --hostname <host>`; `None` when gh is not installed, not logged in or silent.
fn gh_auth_token(host: &str, cwd: &Path) -> Option<String> {
    gh_auth_token_with(std::ffi::OsStr::new("gh"), host, cwd, false)
}

/// The variables `gh` prefers to its own stored login (also kept from agents and tests).
pub const GH_TOKEN_VARIABLES: [&str; 4] =
    ["GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"];

/// `cmd` (a `gh` command) without the token variables, so that it speaks of the gh CLI's own
/// login: `gh auth token` would print a variable's value, and `gh auth logout` refuses while one
/// is set.
pub fn without_token_variables(cmd: Cmd) -> Cmd {
    GH_TOKEN_VARIABLES.iter().fold(cmd, |c, v| c.env_remove(*v))
}

/// [`gh_auth_token`] with the `gh` program given; `after_stop`: also once a panic or Ctrl-C has
/// stopped the run (the panic's token question).
pub fn gh_auth_token_with(gh: &std::ffi::OsStr, host: &str, cwd: &Path, after_stop: bool) -> Option<String> {
    let mut cmd = without_token_variables(Cmd::new(gh, cwd))
        .args(["auth", "token", "--hostname", host])
        .env("GH_PROMPT_DISABLED", "1")
        .timeout(Some(Duration::from_secs(20)));
    if after_stop {
        cmd = cmd.after_stop();
    }
    match run(&cmd) {
        Ok(f) if f.success() => {
            let token = f.stdout.trim().to_string();
            (!token.is_empty()).then_some(token)
        }
        Ok(f) => {
            tracing::debug!(result = %f.describe(), "`gh auth token` gave no token");
            None
        }
        Err(e) => {
            tracing::debug!(error = %e, "`gh` is not available");
            None
        }
    }
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
