//! After a panic, the person is asked `Revoke GitHub token? yes | no`. `yes` runs
//! `gh auth logout` when `gh` is installed and the token came from it; for a token from
//! `GH_TOKEN` / `GITHUB_TOKEN` (or without `gh`) it prints how to revoke it on GitHub. Without a
//! terminal (no `answer`) only the steps are printed: nothing waits for a reply. `gh` runs even
//! though the panic has stopped the run.

use std::ffi::OsStr;

use crate::process::{Cmd, run};
use crate::ui::Ui;

/// Where the GitHub token in use comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    Env(&'static str),
    GhCli,
    None,
}

/// The `gh` program used (`gh` on `PATH`; the tests pass a fake).
const GH: &str = "gh";

fn gh_has_token(gh: &OsStr) -> bool {
    let dir = std::env::temp_dir();
    run(&Cmd::new(gh, &dir).args(["auth", "token"]).timeout(Some(std::time::Duration::from_secs(10))).after_stop())
        .is_ok_and(|f| f.success() && !f.stdout.trim().is_empty())
}

/// The token the GitHub forge would use: `GH_TOKEN`, then `GITHUB_TOKEN`, then `gh auth token`.
pub fn token_origin() -> TokenOrigin {
    token_origin_from(|name| std::env::var(name).ok(), OsStr::new(GH))
}

/// [`token_origin`] with the environment lookup and the `gh` program given.
pub fn token_origin_from(env: impl Fn(&str) -> Option<String>, gh: &OsStr) -> TokenOrigin {
    for name in ["GH_TOKEN", "GITHUB_TOKEN"] {
        if env(name).is_some_and(|v| !v.is_empty()) {
            return TokenOrigin::Env(name);
        }
    }
    if gh_has_token(gh) { TokenOrigin::GhCli } else { TokenOrigin::None }
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
    if *origin == TokenOrigin::GhCli {
        let dir = std::env::temp_dir();
        match run(&Cmd::new(gh, &dir)
            .args(["auth", "logout", "--hostname", "github.com"])
            .timeout(Some(std::time::Duration::from_secs(30)))
            .after_stop())
        {
            Ok(f) if f.success() => {
                ui.ok("gh auth logout: the gh CLI's token is revoked locally");
                // (No `token:` in the text: the redactor would take that for an assignment.)
                ui.line("Also delete it at https://github.com/settings/tokens if it was a personal access token.");
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
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// A fake `gh`: logged in when `logged_in` (it prints a token), `auth logout` exiting
    /// `logout_exit`; every call is appended to `calls.log`.
    fn fake_gh(dir: &Path, logged_in: bool, logout_exit: i32) -> PathBuf {
        let gh = dir.join("gh");
        let log = dir.join("calls.log");
        let token = if logged_in { "echo gho_abcdefghijklmnopqrstuvwxyz0123456789" } else { "exit 1" };
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> {}\ncase \"$1 $2\" in\n  'auth token') {token} ;;\n  'auth logout') echo 'Logged out' ; exit {logout_exit} ;;\nesac\n",
            log.display()
        );
        std::fs::write(&gh, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
        gh
    }

    fn calls(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("calls.log")).unwrap_or_default()
    }

    fn asked(origin: &TokenOrigin, reply: Option<&str>, gh: &Path) -> (String, u32) {
        let (ui, buf) = Ui::capture();
        let mut reads = 0;
        let mut read = || {
            reads += 1;
            reply.map(str::to_string)
        };
        ask_with(&ui, origin, Some(&mut read), gh.as_os_str());
        (String::from_utf8(buf.lock().unwrap().clone()).unwrap(), reads)
    }

    #[test]
    fn the_token_origin_is_the_environment_first_then_gh() {
        let tmp = tempfile::tempdir().unwrap();
        let gh = fake_gh(tmp.path(), true, 0);
        let env = |set: &'static str| move |name: &str| (name == set).then(|| "value".to_string());
        assert_eq!(token_origin_from(env("GH_TOKEN"), gh.as_os_str()), TokenOrigin::Env("GH_TOKEN"));
        assert_eq!(token_origin_from(env("GITHUB_TOKEN"), gh.as_os_str()), TokenOrigin::Env("GITHUB_TOKEN"));
        assert_eq!(calls(tmp.path()), "", "gh is not asked when the environment has a token");
        assert_eq!(token_origin_from(|_| None, gh.as_os_str()), TokenOrigin::GhCli);
        assert_eq!(calls(tmp.path()), "auth token\n");
        let logged_out = fake_gh(tmp.path(), false, 0);
        assert_eq!(token_origin_from(|_| None, logged_out.as_os_str()), TokenOrigin::None);
        let missing = tmp.path().join("no-such-gh");
        assert_eq!(token_origin_from(|_| None, missing.as_os_str()), TokenOrigin::None);
    }

    #[test]
    fn yes_logs_the_gh_cli_out() {
        let tmp = tempfile::tempdir().unwrap();
        let gh = fake_gh(tmp.path(), true, 0);
        let (out, reads) = asked(&TokenOrigin::GhCli, Some(" YES "), &gh);
        assert_eq!(reads, 1);
        assert!(
            out.starts_with(
                "\nRevoke GitHub token? yes | no\n✓ gh auth logout: the gh CLI's token is revoked locally\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("Also delete it at https://github.com/settings/tokens if it was a personal access token.\n"),
            "{out}"
        );
        assert_eq!(calls(tmp.path()), "auth logout --hostname github.com\n");
    }

    #[test]
    fn a_failed_logout_prints_the_steps() {
        let tmp = tempfile::tempdir().unwrap();
        let gh = fake_gh(tmp.path(), true, 1);
        let (out, _) = asked(&TokenOrigin::GhCli, Some("y"), &gh);
        assert!(out.contains("warning: gh auth logout failed (exit 1): Logged out\n"), "{out}");
        assert!(out.contains("To revoke the GitHub token:\n1. Delete the token (the gh CLI's) at "), "{out}");
    }

    #[test]
    fn no_or_end_of_input_keeps_the_token() {
        let tmp = tempfile::tempdir().unwrap();
        let gh = fake_gh(tmp.path(), true, 0);
        for reply in [Some("no"), Some(""), None] {
            let (out, reads) = asked(&TokenOrigin::GhCli, reply, &gh);
            assert_eq!((out.as_str(), reads), ("\nRevoke GitHub token? yes | no\nToken kept.\n", 1), "{reply:?}");
        }
        assert_eq!(calls(tmp.path()), "", "gh auth logout never ran");
    }

    #[test]
    fn a_token_from_the_environment_gets_the_steps_even_on_yes() {
        let tmp = tempfile::tempdir().unwrap();
        let gh = fake_gh(tmp.path(), true, 0);
        let (out, _) = asked(&TokenOrigin::Env("GH_TOKEN"), Some("yes"), &gh);
        assert!(out.contains("Revoke GitHub token? yes | no\nTo revoke the GitHub token:\n1. Delete the token (the one in GH_TOKEN) at https://github.com/settings/tokens\n"), "{out}");
        assert_eq!(calls(tmp.path()), "", "gh is not the token's origin: no logout");
    }

    #[test]
    fn without_a_terminal_the_steps_are_printed_and_nothing_is_read() {
        let (ui, buf) = Ui::capture();
        ask(&ui, &TokenOrigin::Env("GITHUB_TOKEN"), None);
        let out = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert!(!out.contains("Revoke GitHub token?"), "{out}");
        assert!(
            out.contains("1. Delete the token (the one in GITHUB_TOKEN) at https://github.com/settings/tokens"),
            "{out}"
        );
        let (ui, buf) = Ui::capture();
        let mut never = || -> Option<String> { panic!("no token, no question") };
        ask(&ui, &TokenOrigin::None, Some(&mut never));
        let out = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert!(out.contains("nothing to revoke"), "{out}");
    }
}
