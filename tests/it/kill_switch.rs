//! The kill switch end to end: `run-milestone panic` stopping a run parked at a prompt (plain
//! lines, and the line editor on a real terminal, which is left usable — also when the panic
//! comes during the "waits for you" alert, before the prompt reads), a run in bootstrap, a run
//! that does not stop (reported, never claimed saved); `panic` typed at the quality gate
//! (journaled, alerted; at a terminal `Revoke GitHub token? yes | no` and `yes` logs `gh` out,
//! without one the steps and no wait); Ctrl-C at a prompt; the steps of `run-milestone panic`, and
//! its question at a terminal, about the token the run recorded; the PR a panic drafted is made
//! ready again by the resumed run (a person's draft is not).

use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::{Repo, assert_exit, stdout};
use crate::support::*;

/// An interactive run whose stdin stays open with nobody typing (after `typed`).
fn interactive(repo: &Repo, marker: &ProcMarker, typed: &str, env: &[(&str, &str)]) -> (Child, Lines) {
    use std::io::Write;
    let mut cmd = repo.cmd(&["m1"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut run =
        marker.on(&mut cmd).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut stdin = run.stdin.take().unwrap();
    stdin.write_all(typed.as_bytes()).unwrap();
    // Held open for the run's whole life: a person who has not typed anything (yet).
    std::mem::forget(stdin);
    let out = Lines::new(run.stdout.take().unwrap());
    (run, out)
}

fn panic_command(repo: &Repo, wait_seconds: u64) -> std::process::Output {
    repo.cmd(&["panic"]).env("RUN_MILESTONE_PANIC_WAIT_SECONDS", wait_seconds.to_string()).output().unwrap()
}

const BLOCK: &str = "🚨 PANIC triggered\n\n✓ Execution halted\n✓ State saved to IMPLEMENTATION_PLAN.md\n";

#[test]
fn panic_stops_a_run_waiting_at_a_prompt() {
    let repo = Repo::demo();
    let marker = ProcMarker::new();
    let (mut run, mut out) = interactive(&repo, &marker, "", &[]);
    out.wait_for("continue | skip-phase | abort");
    let panic = panic_command(&repo, 20);
    assert_exit(&panic, 0);
    let p = stdout(&panic);
    assert!(p.contains(&format!("✓ Execution halted: m1 (pid {})", run.id())), "{p}");
    assert!(p.contains("✓ State saved to IMPLEMENTATION_PLAN.md (by each run)"), "{p}");
    let status = exit_within(&mut run, 30);
    assert_eq!(status.code(), Some(3));
    let text = out.rest();
    assert!(text.contains(&format!("continue | skip-phase | abort\n\n{BLOCK}")), "{text}");
    assert!(!text.contains("Revoke GitHub token"), "the question belongs to the terminal where panic was typed");
    let j = journal(&repo);
    let panics = events(&j, "panic");
    assert_eq!(panics.len(), 1);
    assert_eq!(panics[0]["source"], "signal");
    assert!(events(&j, "decision").is_empty(), "nobody chose a command at the prompt: {j:?}");
    assert!(row(&plan(&repo), "04").contains("⬜ Todo"));
}

#[test]
fn ctrl_c_at_a_prompt_stops_the_run_at_once() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let marker = ProcMarker::new();
    let (mut run, mut out) = interactive(&repo, &marker, "", &[]);
    out.wait_for("approve | abort");
    // SAFETY: signalling the child this test spawned.
    unsafe { libc::kill(run.id() as i32, libc::SIGINT) };
    let status = exit_within(&mut run, 30);
    assert_eq!(status.code(), Some(3));
    let text = out.rest();
    assert!(
        text.contains(
            "approve | abort\n\n⛔ Milestone aborted\n\ninterrupted (Ctrl-C): state saved\nResume with: run-milestone m1\n"
        ),
        "{text}"
    );
}

#[test]
fn panic_asks_about_the_token_the_run_uses_not_its_own_shells() {
    let repo = Repo::demo();
    let token = format!("gh{}_{}", "p", random_text(46, 36));
    let marker = ProcMarker::new();
    let (mut run, mut out) = interactive(&repo, &marker, "", &[("GH_TOKEN", format!(" {token}\n").as_str())]);
    out.wait_for("continue | skip-phase | abort");
    let recorded = std::fs::read_to_string(repo.root.join(".git/run-milestone/m1/token.json")).unwrap();
    assert_eq!(recorded, r#"{"source":"GH_TOKEN","host":"github.com"}"#, "where it comes from, never the value");
    // This shell has no token at all; the run's is in its GH_TOKEN.
    let panic = panic_command(&repo, 20);
    assert_exit(&panic, 0);
    let text = stdout(&panic);
    assert!(text.contains("1. Delete the token (the one in GH_TOKEN) at https://github.com/settings/tokens"), "{text}");
    assert!(!text.contains("No GitHub token in use"), "{text}");
    assert_eq!(exit_within(&mut run, 30).code(), Some(3));
    // A blank variable is no token, as for the GitHub forge: the gh CLI's is the one in use.
    // (The next run stops at the quality gate's prompt.)
    critical_gate(&repo);
    let (path, _calls) = fake_gh(&repo, &gh_logged_in());
    let (mut run, mut out) = interactive(&repo, &marker, "", &[("GH_TOKEN", "  "), ("PATH", path.as_str())]);
    out.wait_for("approve | abort");
    let panic = repo.cmd(&["panic"]).env("PATH", &path).env("GH_TOKEN", &token).stdin(Stdio::null()).output().unwrap();
    assert_exit(&panic, 0);
    let text = stdout(&panic);
    assert!(text.contains("1. Delete the token (the gh CLI's) at https://github.com/settings/tokens"), "{text}");
    assert!(!text.contains(&token), "{text}");
    assert_eq!(exit_within(&mut run, 30).code(), Some(3));
}

#[test]
fn panic_says_so_when_a_run_does_not_stop() {
    let repo = Repo::demo();
    let dir = repo.root.join(".git/run-milestone/m1");
    std::fs::create_dir_all(&dir).unwrap();
    let (lock, pid, ready) = (dir.join("lock"), dir.join("pid"), repo.tmp.path().join("holding"));
    // Holds the run lock and ignores the panic signal, like a run stuck where it cannot react.
    let script = format!(
        "import fcntl, os, signal, time\nsignal.signal(signal.SIGUSR1, signal.SIG_IGN)\nf = open({lock:?}, 'a')\nfcntl.flock(f, fcntl.LOCK_EX)\nopen({pid:?}, 'w').write(str(os.getpid()))\nopen({ready:?}, 'w').close()\ntime.sleep(60)\n"
    );
    let mut holder = std::process::Command::new("python3").arg("-c").arg(script).spawn().unwrap();
    wait_for("the lock holder", Duration::from_secs(30), || ready.exists());
    let out = panic_command(&repo, 1);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_exit(&out, 1);
    let text = stdout(&out);
    let id = holder.id();
    assert!(
        text.contains(&format!(
            "✗ Not halted: the run of m1 (pid {id}) is still running after 1s; stop it with `kill -9 {id}`"
        )),
        "{text}"
    );
    assert!(!text.contains("State saved"), "{text}");
}

#[test]
fn panic_typed_at_the_quality_gate_is_journaled_alerted_and_prints_the_revoke_steps() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let (url, seen) = bot_api_server();
    telegram_to(&repo, &url);
    let bot = fake_bot_token(41);
    let token = format!("gh{}_{}", "p", random_text(42, 36));
    let marker = ProcMarker::new();
    let (mut run, out) =
        interactive(&repo, &marker, "panic\n", &[("GH_TOKEN", token.as_str()), ("TELEGRAM_BOT_TOKEN", bot.as_str())]);
    // No terminal: the steps are printed and nothing waits for a reply (stdin stays open).
    let status = exit_within(&mut run, 60);
    assert_eq!(status.code(), Some(3));
    let text = out.rest();
    assert!(text.contains(&format!("approve | abort\n\n{BLOCK}")), "{text}");
    assert!(
        text.contains("To revoke the GitHub token:\n1. Delete the token (the one in GH_TOKEN) at https://github.com/settings/tokens\n"),
        "{text}"
    );
    assert!(!text.contains("Revoke GitHub token? yes | no") && !text.contains("Token kept"), "{text}");
    let j = journal(&repo);
    let panics = events(&j, "panic");
    assert_eq!(panics.len(), 1, "{j:?}");
    assert_eq!(panics[0]["source"], "prompt");
    assert!(panics[0]["ts"].as_str().unwrap().ends_with('Z'));
    let texts = sent_texts(&seen, &bot);
    assert!(texts.iter().any(|t| t.starts_with("🚨 PANIC: run-milestone m1 halted")), "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains(&token)), "{texts:?}");
}

#[test]
fn panic_during_the_baseline_is_journaled_and_alerted() {
    let repo = Repo::demo();
    let started = repo.tmp.path().join("baseline-started");
    set_test_command(
        &repo,
        &format!("\"touch {}; sleep 46.2; python3 -m unittest discover -s tests -t .\"", started.display()),
    );
    let (url, seen) = bot_api_server();
    telegram_to(&repo, &url);
    let bot = fake_bot_token(43);
    let marker = ProcMarker::new();
    let mut cmd = repo.cmd(&["m1", "--autonomous"]);
    let run = marker
        .on(&mut cmd)
        .env("TELEGRAM_BOT_TOKEN", &bot)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the baseline", Duration::from_secs(60), || started.exists());
    let panic = panic_command(&repo, 20);
    assert_exit(&panic, 0);
    assert!(stdout(&panic).contains(&format!("✓ Execution halted: m1 (pid {})", run.id())), "{}", stdout(&panic));
    let out = run.wait_with_output().unwrap();
    assert_exit(&out, 3);
    assert!(stdout(&out).contains(BLOCK), "{}", stdout(&out));
    let j = journal(&repo);
    let panics = events(&j, "panic");
    assert_eq!(panics.len(), 1, "{j:?}");
    assert_eq!(panics[0]["source"], "signal");
    let texts = sent_texts(&seen, &bot);
    assert!(texts.iter().any(|t| t.starts_with("🚨 PANIC: run-milestone m1 halted")), "{texts:?}");
    marker.wait_gone("sleep 46.2");
}

#[test]
fn panic_without_a_terminal_prints_the_revoke_steps_and_never_logs_out() {
    let repo = Repo::demo();
    let token = format!("gh{}_{}", "p", random_text(45, 36));
    let out = repo.cmd(&["panic"]).env("GH_TOKEN", &token).stdin(Stdio::null()).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("No run of this repository is in progress."), "{text}");
    assert!(
        text.contains("To revoke the GitHub token:\n1. Delete the token (the one in GH_TOKEN) at https://github.com/settings/tokens\n"),
        "{text}"
    );
    assert!(!text.contains(&token));
    // A token from the gh CLI: the steps name it; `gh auth logout` only ever runs on a `yes`.
    let (path, calls) = fake_gh(&repo, &gh_logged_in());
    let out = repo.cmd(&["panic"]).env("PATH", &path).stdin(Stdio::null()).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("1. Delete the token (the gh CLI's) at https://github.com/settings/tokens"), "{text}");
    assert!(!text.contains("Revoke GitHub token? yes | no"), "{text}");
    let logged = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(logged, "auth token --hostname github.com\n", "only asked for the token");
}

#[test]
fn panic_typed_at_a_terminal_asks_about_the_token_and_yes_logs_gh_out() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let (path, calls) = fake_gh(&repo, &gh_logged_in());
    let mut cmd = repo.cmd(&["m1"]);
    cmd.env("PATH", &path);
    let mut run = Pty::spawn(cmd);
    run.out.wait_for("approve | abort");
    run.type_in("panic\r");
    run.out.wait_for("Revoke GitHub token? yes | no");
    run.type_in("yes\r");
    let text = run.out.wait_for("gh auth logout").to_string();
    let status = exit_within(&mut run.child, 30);
    assert_eq!(status.code(), Some(3), "{text}");
    assert!(text.contains("✓ gh auth logout: the gh CLI's token is revoked locally"), "{text}");
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "auth token --hostname github.com\nauth logout --hostname github.com\n"
    );
    assert_eq!(events(&journal(&repo), "panic")[0]["source"], "prompt");
}

#[test]
fn run_milestone_panic_at_a_terminal_asks_about_the_token_and_yes_logs_gh_out() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let (path, calls) = fake_gh(&repo, &gh_logged_in());
    let marker = ProcMarker::new();
    // A run using the gh CLI's token, parked at the quality gate.
    let (mut run, mut out) = interactive(&repo, &marker, "", &[("PATH", path.as_str())]);
    out.wait_for("approve | abort");
    // `run-milestone panic` typed in a second terminal, whose shell has a GH_TOKEN of its own:
    // gh is asked about its own login, and logs out.
    let mut cmd = repo.cmd(&["panic"]);
    cmd.env("PATH", &path)
        .env("RUN_MILESTONE_PANIC_WAIT_SECONDS", "20")
        .env("GH_TOKEN", format!("gh{}_{}", "p", random_text(47, 36)));
    let mut panic = Pty::spawn(cmd);
    panic.out.wait_for("Revoke GitHub token? yes | no");
    panic.type_in("yes\r");
    let text = panic.out.wait_for("gh auth logout").to_string();
    assert_eq!(exit_within(&mut panic.child, 30).code(), Some(0), "{text}");
    assert!(text.contains(&format!("✓ Execution halted: m1 (pid {})", run.id())), "{text}");
    assert!(text.contains("✓ gh auth logout: the gh CLI's token is revoked locally"), "{text}");
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "auth token --hostname github.com\nauth logout --hostname github.com\n"
    );
    assert_eq!(exit_within(&mut run, 30).code(), Some(3));
}

#[test]
fn panic_stops_a_run_at_the_line_editor_and_leaves_the_terminal_usable() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let mut run = Pty::spawn(repo.cmd(&["m1"]));
    run.out.wait_for("approve | abort");
    // The editor has the terminal in raw mode while it waits.
    wait_for("the line editor", Duration::from_secs(30), || !run.is_cooked());
    let panic = panic_command(&repo, 20);
    assert_exit(&panic, 0);
    assert!(stdout(&panic).contains(&format!("✓ Execution halted: m1 (pid {})", run.child.id())), "{}", stdout(&panic));
    let status = exit_within(&mut run.child, 30);
    assert_eq!(status.code(), Some(3));
    assert!(run.is_cooked(), "the terminal is back in its normal mode");
    let text = run.out.wait_for("✓ State saved to IMPLEMENTATION_PLAN.md").to_string();
    assert!(text.contains("🚨 PANIC triggered"), "{text}");
    assert!(!text.contains("Revoke GitHub token"), "{text}");
}

#[test]
fn panic_during_the_waits_for_you_alert_leaves_the_terminal_usable() {
    let repo = Repo::demo();
    critical_gate(&repo);
    // Telegram takes its time to answer the "waits for you" alert sent before the prompt.
    let (url, seen) = slow_bot_api_server(Duration::from_secs(2));
    telegram_to(&repo, &url);
    let mut cmd = repo.cmd(&["m1"]);
    cmd.env("TELEGRAM_BOT_TOKEN", fake_bot_token(46));
    let mut run = Pty::spawn(cmd);
    wait_for("the waits-for-you alert", Duration::from_secs(60), || !seen.lock().unwrap().is_empty());
    // The panic comes before the prompt asks the line editor for a line.
    let panic = panic_command(&repo, 20);
    assert_exit(&panic, 0);
    let status = exit_within(&mut run.child, 30);
    assert_eq!(status.code(), Some(3));
    assert!(run.is_cooked(), "the terminal is back in its normal mode");
    let text = run.out.rest();
    assert!(
        text.contains("🚨 PANIC triggered\n\n✓ Execution halted\n✓ State saved to IMPLEMENTATION_PLAN.md"),
        "{text}"
    );
    // Bracketed paste, if the editor turned it on, was turned off again.
    let (on, off) = (text.rfind("\x1b[?2004h"), text.rfind("\x1b[?2004l"));
    assert!(on.is_none() || off > on, "bracketed paste left on: {text:?}");
}

/// Runs the demo autonomously until the panic signal arrives right after journal event `at`.
fn panic_run_at(repo: &Repo, at: &str) -> String {
    let out = repo.cmd(&["m1", "--autonomous"]).env("RUN_MILESTONE_PANIC_AT", at).output().unwrap();
    assert_exit(&out, 3);
    stdout(&out)
}

#[test]
fn a_resumed_run_marks_the_pr_its_panic_drafted_ready_again_and_merges_it() {
    let repo = Repo::demo();
    // The panic comes while PR #1 waits for its merge (its CI has passed).
    let text = panic_run_at(&repo, "checks");
    assert!(text.contains(&format!("{BLOCK}✓ PR #1 left in draft\n")), "{text}");
    assert!(local_pr(&repo, 1).draft);
    assert_eq!(events(&journal(&repo), "panic")[0]["draft_pr"], 1);
    // The person re-runs: the run continues where it stopped.
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ PR #1 reused\n✓ PR #1 ready for review again (drafted by the panic)\n"), "{text}");
    assert!(text.contains("  ✅ Completed: 5"), "{text}");
    assert!(!local_pr(&repo, 1).draft);
    assert!(row(&plan(&repo), "01").contains("| ✅ Done | #1 |"), "{}", plan(&repo));
    assert_eq!(events(&journal(&repo), "pr_ready").len(), 1);
}

#[test]
fn a_pr_a_person_drafted_stays_a_draft_on_resume() {
    let repo = Repo::demo();
    // A run killed while PR #1 waits for its merge; meanwhile a person makes the PR a draft.
    crash_run(&repo, "checks");
    let mut forge = local_forge(&repo);
    run_milestone::forge::Forge::mark_draft(&mut forge, 1).unwrap();
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(!text.contains("ready for review again"), "{text}");
    assert!(text.contains("👀 Issue #01 needs review (PR #1): PR #1 is a draft"), "{text}");
    assert!(local_pr(&repo, 1).draft, "still the person's draft");
    assert!(events(&journal(&repo), "pr_ready").is_empty());
}

#[test]
fn a_panic_leaves_a_pr_a_person_drafted_theirs() {
    let repo = Repo::demo();
    // A person makes PR #1 a draft while a killed run waited for its merge; the next run reuses
    // it, and a panic comes while it waits for the checks.
    crash_run(&repo, "checks");
    run_milestone::forge::Forge::mark_draft(&mut local_forge(&repo), 1).unwrap();
    let text = panic_run_at(&repo, "checks");
    assert!(text.contains(&format!("{BLOCK}✓ PR #1 left in draft\n")), "{text}");
    let entries = journal(&repo);
    let panics = events(&entries, "panic");
    assert!(panics[0]["draft_pr"].is_null(), "not the panic's draft: {:?}", panics[0]);
    // The re-run leaves the person's draft alone.
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(!text.contains("ready for review again"), "{text}");
    assert!(local_pr(&repo, 1).draft, "still the person's draft");
}

fn local_forge(repo: &Repo) -> run_milestone::forge::local::LocalForge {
    let settings = run_milestone::forge::local::LocalSettings {
        test_command: None,
        ci_timeout: Duration::from_secs(60),
        push: false,
    };
    run_milestone::forge::local::LocalForge::open(&repo.root, &repo.common_dir(), settings).unwrap()
}

fn local_pr(repo: &Repo, number: u64) -> run_milestone::forge::PullRequest {
    run_milestone::forge::Forge::get_pr(&mut local_forge(repo), number).unwrap()
}
