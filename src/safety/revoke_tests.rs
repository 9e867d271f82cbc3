//! Unit tests of `safety::revoke`.

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
    let env = |set: &'static [(&'static str, &'static str)]| {
        move |name: &str| set.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    };
    let origin = |lookup: &dyn Fn(&str) -> Option<String>, gh: &Path| {
        TokenRecord::from_env(lookup, "github.com").origin_with(gh.as_os_str())
    };
    assert_eq!(origin(&env(&[("GH_TOKEN", "v")]), &gh), TokenOrigin::Env("GH_TOKEN", "github.com".into()));
    assert_eq!(origin(&env(&[("GITHUB_TOKEN", "v")]), &gh), TokenOrigin::Env("GITHUB_TOKEN", "github.com".into()));
    // The forge's rules: a blank variable is no token.
    assert_eq!(
        origin(&env(&[("GH_TOKEN", " \n"), ("GITHUB_TOKEN", "v")]), &gh),
        TokenOrigin::Env("GITHUB_TOKEN", "github.com".into())
    );
    assert_eq!(calls(tmp.path()), "", "gh is not asked when the environment has a token");
    assert_eq!(origin(&env(&[("GH_TOKEN", "  ")]), &gh), TokenOrigin::GhCli("github.com".into()));
    assert_eq!(calls(tmp.path()), "auth token --hostname github.com\n");
    let logged_out = fake_gh(tmp.path(), false, 0);
    assert_eq!(origin(&env(&[]), &logged_out), TokenOrigin::None);
    let missing = tmp.path().join("no-such-gh");
    assert_eq!(origin(&env(&[]), &missing), TokenOrigin::None);
}

#[test]
fn a_run_records_its_token_source_and_host_never_the_value() {
    let tmp = tempfile::tempdir().unwrap();
    let value = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
    let record = TokenRecord::from_env(&|n: &str| (n == "GITHUB_TOKEN").then(|| value.to_string()), "ghe.example.com");
    record.write(tmp.path()).unwrap();
    let text = std::fs::read_to_string(tmp.path().join(TOKEN_FILE)).unwrap();
    assert_eq!(text, r#"{"source":"GITHUB_TOKEN","host":"ghe.example.com"}"#);
    assert_eq!(TokenRecord::read(tmp.path()), Some(record));
    assert_eq!(TokenRecord::read(&tmp.path().join("nothing")), None);
}

#[test]
fn yes_logs_out_of_the_recorded_host() {
    let tmp = tempfile::tempdir().unwrap();
    let gh = fake_gh(tmp.path(), true, 0);
    let (out, _) = asked(&TokenOrigin::GhCli("ghe.example.com".into()), Some("yes"), &gh);
    assert!(out.contains("Also delete it at https://ghe.example.com/settings/tokens"), "{out}");
    assert_eq!(calls(tmp.path()), "auth logout --hostname ghe.example.com\n");
}

#[test]
fn yes_logs_the_gh_cli_out() {
    let tmp = tempfile::tempdir().unwrap();
    let gh = fake_gh(tmp.path(), true, 0);
    let (out, reads) = asked(&TokenOrigin::GhCli("github.com".into()), Some(" YES "), &gh);
    assert_eq!(reads, 1);
    assert!(
        out.starts_with("\nRevoke GitHub token? yes | no\n✓ gh auth logout: the gh CLI's token is revoked locally\n"),
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
    let (out, _) = asked(&TokenOrigin::GhCli("github.com".into()), Some("y"), &gh);
    assert!(out.contains("warning: gh auth logout failed (exit 1): Logged out\n"), "{out}");
    assert!(out.contains("To revoke the GitHub token:\n1. Delete the token (the gh CLI's) at "), "{out}");
}

#[test]
fn no_or_end_of_input_keeps_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let gh = fake_gh(tmp.path(), true, 0);
    for reply in [Some("no"), Some(""), None] {
        let (out, reads) = asked(&TokenOrigin::GhCli("github.com".into()), reply, &gh);
        assert_eq!((out.as_str(), reads), ("\nRevoke GitHub token? yes | no\nToken kept.\n", 1), "{reply:?}");
    }
    assert_eq!(calls(tmp.path()), "", "gh auth logout never ran");
}

#[test]
fn a_token_from_the_environment_gets_the_steps_even_on_yes() {
    let tmp = tempfile::tempdir().unwrap();
    let gh = fake_gh(tmp.path(), true, 0);
    let (out, _) = asked(&TokenOrigin::Env("GH_TOKEN", "github.com".into()), Some("yes"), &gh);
    assert!(out.contains("Revoke GitHub token? yes | no\nTo revoke the GitHub token:\n1. Delete the token (the one in GH_TOKEN) at https://github.com/settings/tokens\n"), "{out}");
    assert_eq!(calls(tmp.path()), "", "gh is not the token's origin: no logout");
}

#[test]
fn without_a_terminal_the_steps_are_printed_and_nothing_is_read() {
    let (ui, buf) = Ui::capture();
    ask(&ui, &TokenOrigin::Env("GITHUB_TOKEN", "github.com".into()), None);
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

#[test]
fn the_steps_for_a_variables_token_name_its_host() {
    let record = TokenRecord { source: "GH_TOKEN".into(), host: "ghe.example.com".into() };
    let origin = record.origin_with(OsStr::new("no-such-gh"));
    assert_eq!(origin, TokenOrigin::Env("GH_TOKEN", "ghe.example.com".into()));
    let steps = steps(&origin);
    assert_eq!(steps[1], "1. Delete the token (the one in GH_TOKEN) at https://ghe.example.com/settings/tokens");
    assert_eq!(steps[2], "   (fine-grained tokens: https://ghe.example.com/settings/personal-access-tokens)");
    assert_eq!(
        steps[3],
        "2. Or, for the gh CLI: gh auth logout --hostname ghe.example.com && gh auth login --hostname ghe.example.com (with GH_TOKEN and GITHUB_TOKEN unset)"
    );
}
