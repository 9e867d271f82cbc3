//! After a panic, the person is asked `Revoke GitHub token? yes | no`. `yes` runs
//! `gh auth logout --hostname <host>` when `gh` is installed and the token came from it; for a
//! token from `GH_TOKEN` / `GITHUB_TOKEN` (or without `gh`) it prints how to revoke it on GitHub.
//! Without a terminal (no `answer`) only the steps are printed: nothing waits for a reply. `gh`
//! runs even though the panic has stopped the run.
//!
//! The token is the run's, not the asking shell's: each run records where its token comes from
//! and the host ([`TokenRecord`], `<state dir>/<m>/token.json`, written atomically — never the
//! value), with the GitHub forge's rules ([`crate::forge::github::token::from_variables`]: the
//! first non-blank of `GH_TOKEN`, `GITHUB_TOKEN`, then the gh CLI's for the host), and
//! `run-milestone panic` reads it.

use std::ffi::OsStr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::forge::github::token;
use crate::process::{Cmd, run};
use crate::ui::Ui;

/// Where the GitHub token in use comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    /// A variable (`GH_TOKEN`, `GITHUB_TOKEN`) holding a token for `host`.
    Env(&'static str, String),
    /// The gh CLI's token for `host` (`github.com`, or a GitHub Enterprise host).
    GhCli(String),
    None,
}

/// The `gh` program used (`gh` on `PATH`; the tests pass a fake).
const GH: &str = "gh";

/// The file in a milestone's state dir recording its run's token source.
pub const TOKEN_FILE: &str = "token.json";

fn gh_has_token(gh: &OsStr, host: &str) -> bool {
    token::gh_auth_token_with(gh, host, &std::env::temp_dir(), true).is_some()
}

/// What a run records about its GitHub token: the variable it comes from (`GH_TOKEN`,
/// `GITHUB_TOKEN`) or `gh`, and the host — never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub source: String,
    pub host: String,
}

impl TokenRecord {
    /// The token a run with the environment `lookup` uses for `host`: a variable, else the gh
    /// CLI's (whether gh has one is asked only when it matters, at the panic).
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>, host: &str) -> TokenRecord {
        let source = token::from_variables(lookup).map_or("gh", |(name, _, _)| name);
        TokenRecord { source: source.to_string(), host: host.to_string() }
    }

    /// Writes `<state_dir>/token.json` atomically.
    pub fn write(&self, state_dir: &Path) -> std::io::Result<()> {
        let text = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::safety::atomic::write_atomic(&state_dir.join(TOKEN_FILE), &text)
    }

    /// The record in `state_dir`, if a run wrote one (an unreadable one counts as none).
    pub fn read(state_dir: &Path) -> Option<TokenRecord> {
        serde_json::from_slice(&std::fs::read(state_dir.join(TOKEN_FILE)).ok()?).ok()
    }

    /// The origin now: a variable as recorded; the gh CLI only while it has a token for the host.
    pub fn origin(&self) -> TokenOrigin {
        self.origin_with(OsStr::new(GH))
    }

    /// [`TokenRecord::origin`] with the `gh` program given.
    pub fn origin_with(&self, gh: &OsStr) -> TokenOrigin {
        match self.source.as_str() {
            "GH_TOKEN" => TokenOrigin::Env("GH_TOKEN", self.host.clone()),
            "GITHUB_TOKEN" => TokenOrigin::Env("GITHUB_TOKEN", self.host.clone()),
            "gh" if gh_has_token(gh, &self.host) => TokenOrigin::GhCli(self.host.clone()),
            _ => TokenOrigin::None,
        }
    }
}

/// The token this process's environment gives the GitHub forge for `host`.
pub fn token_origin(host: &str) -> TokenOrigin {
    TokenRecord::from_env(&|name| std::env::var(name).ok(), host).origin()
}

/// How to revoke a token by hand.
pub fn steps(origin: &TokenOrigin) -> Vec<String> {
    let (from, host) = match origin {
        TokenOrigin::Env(name, host) => (format!(" (the one in {name})"), host.as_str()),
        TokenOrigin::GhCli(host) => (" (the gh CLI's)".into(), host.as_str()),
        TokenOrigin::None => (String::new(), "github.com"),
    };
    vec![
        "To revoke the GitHub token:".into(),
        format!("1. Delete the token{from} at https://{host}/settings/tokens"),
        format!("   (fine-grained tokens: https://{host}/settings/personal-access-tokens)"),
        format!(
            "2. Or, for the gh CLI: gh auth logout --hostname {host} && gh auth login --hostname {host} (with GH_TOKEN and GITHUB_TOKEN unset)"
        ),
        "3. Rotate any other credential the agents could see".into(),
    ]
}

/// Asks the question with `answer` (None: no terminal — print the steps, do not wait).
pub fn ask(ui: &Ui, origin: &TokenOrigin, answer: Option<&mut dyn FnMut() -> Option<String>>) {
    ask_with(ui, origin, answer, OsStr::new(GH));
}

/// [`ask`] with the `gh` program given.
pub fn ask_with(ui: &Ui, origin: &TokenOrigin, answer: Option<&mut dyn FnMut() -> Option<String>>, gh: &OsStr) {
    if *origin == TokenOrigin::None {
        ui.blank();
        ui.line("No GitHub token in use (GH_TOKEN, GITHUB_TOKEN and gh are unset): nothing to revoke.");
        return;
    }
    let Some(read) = answer else {
        ui.blank();
        for l in steps(origin) {
            ui.line(l);
        }
        return;
    };
    ui.blank();
    ui.line("Revoke GitHub token? yes | no");
    let reply = read().unwrap_or_default().trim().to_ascii_lowercase();
    if reply != "yes" && reply != "y" {
        ui.line("Token kept.");
        return;
    }
    if let TokenOrigin::GhCli(host) = origin {
        let dir = std::env::temp_dir();
        match run(&token::without_token_variables(Cmd::new(gh, &dir))
            .args(["auth", "logout", "--hostname", host.as_str()])
            .timeout(Some(std::time::Duration::from_secs(30)))
            .after_stop())
        {
            Ok(f) if f.success() => {
                ui.ok("gh auth logout: the gh CLI's token is revoked locally");
                // (No `token:` in the text: the redactor would take that for an assignment.)
                ui.line(format!("Also delete it at https://{host}/settings/tokens if it was a personal access token."));
                return;
            }
            Ok(f) => ui.warn(format!(
                "gh auth logout failed ({}): {}",
                f.describe(),
                crate::safety::redact::redact(f.combined.trim())
            )),
            Err(e) => ui.warn(format!("cannot run gh: {e}")),
        }
    }
    for l in steps(origin) {
        ui.line(l);
    }
}

#[cfg(test)]
#[path = "revoke_tests.rs"]
mod tests;
