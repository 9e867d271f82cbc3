//! Ctrl-C and `run-milestone panic` while a child of the run is working (the local CI, a
//! `git push`, the Stage 2 lint): what the stop killed records nothing (no CI failure, no `🛑 Push
//! failed`, no review), a graceful stop lets every process of the child's group finish its SIGTERM
//! handler, and a child that ignores SIGTERM still ends in the stop the person asked for.
//! Each child signals that it started by a file only it writes (a command line would also match
//! the baseline's `sh`, which runs the same test command).

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::{Repo, assert_exit, stdout};
use crate::support::*;

/// The run, autonomous, with a process marker; stdout and stderr read line by line.
fn spawn(repo: &Repo, marker: &ProcMarker) -> (Child, Lines, Lines) {
    let mut cmd = repo.cmd(&["m1", "--autonomous"]);
    let mut run =
        marker.on(&mut cmd).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let out = Lines::new(run.stdout.take().unwrap());
    let err = Lines::new(run.stderr.take().unwrap());
    (run, out, err)
}

fn interrupt(run: &Child) {
    // SAFETY: signalling the child this test spawned (not yet reaped).
    unsafe { libc::kill(run.id() as i32, libc::SIGINT) };
}

/// A test command whose local CI (only it has `RUN_MILESTONE_PR`) runs `ci` first.
fn ci_runs_first(repo: &Repo, ci: &str) {
    set_test_command(
        repo,
        &format!("'if [ -n \"$RUN_MILESTONE_PR\" ]; then {ci}; fi; python3 -m unittest discover -s tests -t .'"),
    );
}

fn pr_record(repo: &Repo) -> serde_json::Value {
    let path = repo.root.join(".git/run-milestone/forge/prs/1.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn done(repo: &Repo) -> usize {
    plan(repo).lines().filter(|l| l.contains("| ✅ Done |")).count()
}

/// A python script: marks `started`, then sleeps; on SIGTERM it takes `cleanup` seconds, writes
/// `finished` and exits 1.
fn slow_to_stop(dir: &Path, cleanup: f64) -> (PathBuf, PathBuf, PathBuf) {
    let (script, started, finished) = (dir.join("slow.py"), dir.join("ci-started"), dir.join("cleanup-finished"));
    std::fs::write(
        &script,
        format!(
            "import signal, sys, time\ndef bye(*_):\n    time.sleep({cleanup})\n    open({finished:?}, 'w').close()\n    sys.exit(1)\nsignal.signal(signal.SIGTERM, bye)\nopen({started:?}, 'w').close()\ntime.sleep(60)\n"
        ),
    )
    .unwrap();
    (script, started, finished)
}

#[test]
fn ctrl_c_during_the_local_ci_lets_its_processes_finish_records_nothing_and_the_run_resumes() {
    let repo = Repo::demo();
    let (script, started, finished) = slow_to_stop(repo.tmp.path(), 1.5);
    // `sh -c '… python3 slow.py && …'`: the group's leader (sh) dies at once on SIGTERM, the
    // python process in the same group needs its time.
    ci_runs_first(&repo, &format!("python3 {} && echo ci-done", script.display()));
    let marker = ProcMarker::new();
    let (mut run, out, mut err) = spawn(&repo, &marker);
    wait_for("the local CI", Duration::from_secs(90), || started.exists());
    interrupt(&run);
    err.wait_for("interrupt: stopping after the current step");
    let status = exit_within(&mut run, 60);
    assert_eq!(status.code(), Some(3), "{}", err.rest());
    let text = out.rest();
    assert!(text.contains("⛔ Milestone aborted\n\ninterrupted (Ctrl-C): state saved\n"), "{text}");
    assert!(finished.exists(), "the CI's own process was killed before its SIGTERM handler finished");
    assert!(marker.processes("slow.py").is_empty());
    // The CI did not run to its end: no result is kept for the PR's head.
    assert_eq!(pr_record(&repo)["checks"], serde_json::json!({}), "{text}");
    let j = journal(&repo);
    assert!(events(&j, "checks").is_empty(), "{j:?}");
    assert_eq!(events(&j, "run_finished").last().unwrap()["outcome"], "aborted");
    // The resumed run runs the CI again and merges everything.
    set_test_command(&repo, "python3 -m unittest discover -s tests -t .");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert_eq!(done(&repo), 5, "{}", stdout(&out));
}

#[test]
fn ctrl_c_during_a_local_ci_that_ignores_sigterm_aborts_after_the_grace_period() {
    let repo = Repo::demo();
    let started = repo.tmp.path().join("ci-started");
    ci_runs_first(&repo, &format!("trap \"\" TERM; touch {}; sleep 47.1", started.display()));
    let marker = ProcMarker::new();
    let (mut run, out, err) = spawn(&repo, &marker);
    wait_for("the local CI", Duration::from_secs(90), || started.exists());
    interrupt(&run);
    let status = exit_within(&mut run, 60);
    let errors = err.rest();
    assert_eq!(status.code(), Some(3), "{errors}");
    assert!(!errors.contains("error:"), "{errors}");
    let text = out.rest();
    assert!(text.contains("⛔ Milestone aborted\n\ninterrupted (Ctrl-C): state saved\n"), "{text}");
    marker.wait_gone("sleep 47.1");
    assert_eq!(pr_record(&repo)["checks"], serde_json::json!({}), "{text}");
    assert_eq!(events(&journal(&repo), "run_finished").last().unwrap()["outcome"], "aborted");
}

#[test]
fn panic_during_the_graceful_stop_of_a_local_ci_is_a_full_panic() {
    let repo = Repo::demo();
    let started = repo.tmp.path().join("ci-started");
    ci_runs_first(&repo, &format!("trap \"\" TERM; touch {}; sleep 47.2", started.display()));
    let marker = ProcMarker::new();
    let (mut run, out, mut err) = spawn(&repo, &marker);
    wait_for("the local CI", Duration::from_secs(90), || started.exists());
    interrupt(&run);
    err.wait_for("interrupt: stopping after the current step");
    // The CI ignores the SIGTERM: the graceful stop waits for it, and a panic cuts that short.
    assert!(!marker.processes("sleep 47.2").is_empty());
    let panic = repo.cmd(&["panic"]).env("RUN_MILESTONE_PANIC_WAIT_SECONDS", "20").output().unwrap();
    assert_exit(&panic, 0);
    let status = exit_within(&mut run, 30);
    assert_eq!(status.code(), Some(3), "{}", err.rest());
    let text = out.rest();
    assert!(
        text.contains(
            "🚨 PANIC triggered\n\n✓ Execution halted\n✓ State saved to IMPLEMENTATION_PLAN.md\n✓ PR #1 left in draft"
        ),
        "{text}"
    );
    marker.wait_gone("sleep 47.2");
    let record = pr_record(&repo);
    assert_eq!(record["draft"], true);
    assert_eq!(record["checks"], serde_json::json!({}));
    let j = journal(&repo);
    assert_eq!(events(&j, "panic").len(), 1, "{j:?}");
    assert!(events(&j, "run_finished").iter().all(|e| e["outcome"] != "error"), "{j:?}");
}

#[test]
fn ctrl_c_during_a_git_push_is_no_push_failure() {
    let repo = Repo::demo();
    let started = repo.tmp.path().join("push-started");
    let hook = repo.origin().join("hooks").join("pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nwhile read old new ref; do\n  case \"$ref\" in refs/heads/feat/*) touch '{}'; sleep 48.3;; esac\ndone\nexit 0\n",
            started.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    config_add(&repo, "forge:\n  push: true\n");
    let marker = ProcMarker::new();
    let (mut run, out, err) = spawn(&repo, &marker);
    wait_for("the push", Duration::from_secs(90), || started.exists());
    interrupt(&run);
    let status = exit_within(&mut run, 60);
    assert_eq!(status.code(), Some(3), "{}", err.rest());
    let text = out.rest();
    assert!(text.contains("⛔ Milestone aborted\n\ninterrupted (Ctrl-C): state saved\n"), "{text}");
    assert!(!text.contains("Push failed"), "{text}");
    marker.wait_gone("sleep 48.3");
    let j = journal(&repo);
    assert!(events(&j, "decision").is_empty(), "nobody decided about a push failure: {j:?}");
    assert!(events(&j, "pushed").iter().all(|e| e["branch"] != "feat/m1-01-slugify"), "{j:?}");
}

#[test]
fn ctrl_c_during_the_stage_2_lint_journals_no_review() {
    let repo = Repo::demo();
    let started = repo.tmp.path().join("lint-started");
    config_add(&repo, &format!("policy:\n  lint_command: \"touch {}; sleep 49.2\"\n", started.display()));
    let marker = ProcMarker::new();
    let (mut run, out, err) = spawn(&repo, &marker);
    wait_for("the lint", Duration::from_secs(90), || started.exists());
    interrupt(&run);
    let status = exit_within(&mut run, 60);
    assert_eq!(status.code(), Some(3), "{}", err.rest());
    let text = out.rest();
    assert!(text.contains("⛔ Milestone aborted\n\ninterrupted (Ctrl-C): state saved\n"), "{text}");
    assert!(!text.contains("could not run"), "{text}");
    marker.wait_gone("sleep 49.2");
    let j = journal(&repo);
    let reviews = events(&j, "review");
    assert!(reviews.iter().all(|e| e["stage"] != 2), "the stopped review was journaled: {reviews:?}");
}
