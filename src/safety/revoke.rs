//! After a panic, the person is asked `Revoke GitHub token? yes | no`. `yes` runs
//! `gh auth logout` when `gh` is installed and the token came from it; for a token from
//! `GH_TOKEN` / `GITHUB_TOKEN` (or without `gh`) it prints how to revoke it on GitHub.

use crate::process::{Cmd, run};
use crate::ui::Ui;

/// Where the GitHub token in use comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    Env(&'static str),
    GhCli,
    None,
}

fn gh_has_token() -> bool {
    let dir = std::env::temp_dir();
    run(&Cmd::new("gh", &dir).args(["auth", "token"]).timeout(Some(std::time::Duration::from_secs(10))))
        .is_ok_and(|f| f.success() && !f.stdout.trim().is_empty())
}

/// The token the GitHub forge would use: `GH_TOKEN`, then `GITHUB_TOKEN`, then `gh auth token`.
pub fn token_origin() -> TokenOrigin {
    for name in ["GH_TOKEN", "GITHUB_TOKEN"] {
        if std::env::var(name).is_ok_and(|v| !v.is_empty()) {
            return TokenOrigin::Env(name);
        }
    }
    if gh_has_token() { TokenOrigin::GhCli } else { TokenOrigin::None }
}

/// How to revoke a token by hand.
pub fn steps(origin: &TokenOrigin) -> Vec<String> {
    let from = match origin {
        TokenOrigin::Env(name) => format!(" (the one in {name})"),
        TokenOrigin::GhCli => " (the gh CLI's)".into(),
        TokenOrigin::None => String::new(),
    };
    vec![
        "To revoke the GitHub token:".into(),
        format!("1. Delete the token{from} at https://github.com/settings/tokens"),
        "   (fine-grained tokens: https://github.com/settings/personal-access-tokens)".into(),
        "2. Or, for the gh CLI: gh auth logout && gh auth login".into(),
        "3. Rotate any other credential the agents could see".into(),
    ]
}

/// Asks the question with `answer` (None: no terminal — print the steps, do not wait).
pub fn ask(ui: &Ui, origin: &TokenOrigin, answer: Option<&mut dyn FnMut() -> Option<String>>) {
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
    if *origin == TokenOrigin::GhCli {
        let dir = std::env::temp_dir();
        match run(&Cmd::new("gh", &dir)
            .args(["auth", "logout", "--hostname", "github.com"])
            .timeout(Some(std::time::Duration::from_secs(30))))
        {
            Ok(f) if f.success() => {
                ui.ok("gh auth logout: the gh CLI's token is revoked locally");
                ui.line(
                    "Also delete it on GitHub if it was a personal access token: https://github.com/settings/tokens",
                );
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
