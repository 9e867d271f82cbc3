//! Crash safety and the kill switch on real runs: one run per milestone (ten concurrent starts),
//! `run-milestone panic` from a second process, a second Ctrl-C (a first one: `interrupts`), no
//! agent left behind by a kill -9, a filtered agent environment, stale and held index locks,
//! corrupt state moved aside.
//! Processes are found by a random marker in the run's environment (never by name).

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Repo, assert_exit, stderr, stdout};
use crate::support::*;

/// The binary with a process marker, piped output and no stdin.
fn spawn(repo: &Repo, marker: &ProcMarker, args: &[&str]) -> Child {
    let mut cmd = repo.cmd(args);
    marker.on(&mut cmd).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: signalling a child this test spawned (not yet reaped).
    unsafe { libc::kill(child.id() as i32, sig) };
}

#[test]
fn ten_concurrent_starts_exactly_one_proceeds() {
    let repo = Repo::demo();
    set_test_command(&repo, "\"sleep 4.1; python3 -m unittest discover -s tests -t .\"");
    let marker = ProcMarker::new();
    let mut children: Vec<Child> = (0..10).map(|_| spawn(&repo, &marker, &["m1", "--autonomous"])).collect();
    let mut refused = Vec::new();
    let start = Instant::now();
    while refused.len() < 9 && start.elapsed() < Duration::from_secs(60) {
        for c in children.iter_mut() {
            if refused.iter().any(|(id, _)| *id == c.id()) {
                continue;
            }
            if let Some(status) = c.try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                c.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                refused.push((c.id(), (status.code(), err)));
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(refused.len(), 9, "nine runs are refused");
    let winner = children.iter_mut().find(|c| !refused.iter().any(|(id, _)| *id == c.id())).unwrap();
    let winner_pid = winner.id();
    for (_, (code, err)) in &refused {
        assert_eq!(*code, Some(4), "{err}");
        assert!(err.contains(&format!("error: milestone m1 is already running (pid {winner_pid})")), "{err}");
    }
    assert!(winner.try_wait().unwrap().is_none(), "the one run proceeds");
    // A graceful stop (SIGTERM is Ctrl-C's twin) kills its test group too: nothing is left behind.
    signal(winner, libc::SIGTERM);
    winner.wait().unwrap();
    marker.wait_gone("sleep 4.1");
}

#[test]
fn panic_from_a_second_process_stops_the_run_and_drafts_its_pr() {
    let repo = Repo::demo();
    // The local CI of a PR (RUN_MILESTONE_PR is set for it) is slow: the run will be waiting there.
    set_test_command(
        &repo,
        "\"if [ -n \\\"$RUN_MILESTONE_PR\\\" ]; then sleep 41.7; fi; python3 -m unittest discover -s tests -t .\"",
    );
    let marker = ProcMarker::new();
    let run = spawn(&repo, &marker, &["m1", "--autonomous"]);
    let prs = repo.root.join(".git/run-milestone/forge/prs/1.json");
    wait_for("PR #1", Duration::from_secs(60), || prs.exists());
    wait_for("its CI", Duration::from_secs(30), || !marker.processes("sleep 41.7").is_empty());
    let panic = repo.run(&["panic"]);
    assert_exit(&panic, 0);
    let p = stdout(&panic);
    assert!(p.contains("🚨 PANIC triggered"), "{p}");
    assert!(p.contains(&format!("✓ Execution halted: m1 (pid {})", run.id())), "{p}");
    assert!(p.contains("No GitHub token in use"), "{p}");
    let out = run.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "🚨 PANIC triggered\n\n✓ Execution halted\n✓ State saved to IMPLEMENTATION_PLAN.md\n✓ PR #1 left in draft"
        ),
        "{text}"
    );
    let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&prs).unwrap()).unwrap();
    assert_eq!(record["draft"], true);
    assert_eq!(record["checks"], serde_json::json!({}), "the CI the panic killed is no CI result");
    marker.wait_gone("sleep 41.7");
    let j = journal(&repo);
    let panics = events(&j, "panic");
    assert_eq!(panics.len(), 1);
    assert_eq!(panics[0]["source"], "signal");
    assert!(panics[0]["ts"].as_str().unwrap().ends_with('Z'));
    assert!(row(&plan(&repo), "01").contains("🔄 In Progress"), "state saved as it was");
    // Nothing holds the lock any more.
    assert!(stdout(&repo.run(&["panic"])).contains("No run of this repository is in progress."));
}

#[test]
fn a_second_ctrl_c_exits_at_once_while_the_first_is_stopping() {
    let repo = Repo::demo();
    let started = repo.tmp.path().join("baseline-started");
    // The baseline ignores SIGTERM: the graceful stop has to wait for it (its grace period).
    set_test_command(
        &repo,
        &format!(
            "\"trap '' TERM; touch {}; sleep 43.9; python3 -m unittest discover -s tests -t .\"",
            started.display()
        ),
    );
    let marker = ProcMarker::new();
    let mut run = spawn(&repo, &marker, &["m1", "--autonomous"]);
    let mut err = Lines::new(run.stderr.take().unwrap());
    wait_for("the baseline", Duration::from_secs(60), || started.exists());
    signal(&run, libc::SIGINT);
    err.wait_for("interrupt: stopping");
    // The first Ctrl-C asked the baseline to end (SIGTERM) and waits for it, up to its grace period.
    assert!(!marker.processes("sleep 43.9").is_empty(), "the graceful stop is still waiting");
    // The second one ends it now.
    signal(&run, libc::SIGINT);
    let status = exit_within(&mut run, 30);
    assert_eq!(status.code(), Some(130), "{}", err.rest());
    marker.wait_gone("sleep 43.9");
}

#[test]
fn a_killed_run_leaves_no_agent_behind_and_the_resume_completes() {
    let repo = Repo::demo();
    let started = repo.tmp.path().join("agent-started");
    // The first agent call starts a child of its own, then takes its time.
    command_agent(
        &repo,
        &format!(
            "if not os.path.exists({started:?}):\n    import subprocess, time\n    subprocess.Popen(['sleep', '37.7'])\n    open({started:?}, 'w').close()\n    time.sleep(36.6)\n"
        ),
    );
    let marker = ProcMarker::new();
    let mut run = spawn(&repo, &marker, &["m1", "--autonomous"]);
    wait_for("the agent", Duration::from_secs(60), || started.exists());
    run.kill().unwrap(); // SIGKILL: no handler runs
    run.wait().unwrap();
    // The agent dies with the run (PR_SET_PDEATHSIG) ...
    marker.wait_gone("fake-agent.py");
    // ... its own child is stopped by the next run of the milestone, before anything else.
    let mut cmd = repo.cmd(&["m1", "--autonomous", "--agent", "spec"]);
    let out = marker.on(&mut cmd).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(marker.processes("sleep 37.7").is_empty(), "the agent's child outlived the resume");
    assert!(text.contains("✓ Stopped 1 process left over from the interrupted run"), "{text}");
    assert!(text.contains("✓ Previous run found (resuming)"), "{text}");
    assert_eq!(plan(&repo).lines().filter(|l| l.contains("| ✅ Done |")).count(), 5);
}

#[test]
fn agents_and_tests_get_no_production_secrets() {
    let repo = Repo::demo();
    command_agent(
        &repo,
        "open(os.path.join(os.path.dirname(log.name), 'agent-env.txt'), 'w').write('\\n'.join(sorted(os.environ)))\nprint('STATUS: BLOCKED env recorded')\nsys.exit(0)\n",
    );
    // The test command records its environment too.
    let env_file = repo.tmp.path().join("test-env.txt");
    let cfg = std::fs::read_to_string(repo.root.join(".run-milestone.yml")).unwrap().replace(
        "test_command: python3 -m unittest discover -s tests -t .",
        &format!("test_command: \"env > {} && python3 -m unittest discover -s tests -t .\"", env_file.display()),
    );
    repo.write(".run-milestone.yml", &cfg);
    commit_all(&repo, "record the test environment");
    let out = repo
        .cmd(&["m1", "--autonomous"])
        .env("PROD_DATABASE_URL", "postgres://prod")
        .env("AWS_SECRET_ACCESS_KEY", "abcdefghijklmnop")
        .env("BILLING_PROD_KEY", "zzz")
        .env("GH_ENTERPRISE_TOKEN", "yyy")
        .env("HARMLESS", "1")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("warning: removed from the agent and test environment: AWS_SECRET_ACCESS_KEY, BILLING_PROD_KEY, GH_ENTERPRISE_TOKEN, PROD_DATABASE_URL\n"),
        "{err}"
    );
    let agent_env = std::fs::read_to_string(repo.tmp.path().join("agent-env.txt")).unwrap();
    let test_env = std::fs::read_to_string(&env_file).unwrap();
    assert!(agent_env.lines().any(|l| l == "HARMLESS"), "{agent_env}");
    assert!(test_env.contains("HARMLESS=1"), "{test_env}");
    for secret in ["PROD_DATABASE_URL", "AWS_SECRET_ACCESS_KEY", "BILLING_PROD_KEY", "GH_ENTERPRISE_TOKEN"] {
        assert!(!agent_env.lines().any(|l| l == secret), "{secret} reached the agent");
        assert!(!test_env.contains(&format!("{secret}=")), "{secret} reached the tests");
    }
}

#[test]
fn a_stale_index_lock_is_removed_and_corrupt_state_moved_aside() {
    let repo = Repo::demo();
    crash_run(&repo, "commit_tree_written#1");
    let lock = repo.root.join(".git/worktrees/demo-m1/index.lock");
    std::fs::write(&lock, "").unwrap();
    let gate = repo.root.join(".git/run-milestone/m1/gate.json");
    std::fs::write(&gate, "{ not json").unwrap();
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("index.lock (no process held it)"), "{}", stdout(&out));
    assert!(stderr(&out).contains("gate.json was corrupt: moved aside to "), "{}", stderr(&out));
    let aside: Vec<_> = std::fs::read_dir(repo.root.join(".git/run-milestone/m1"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("gate.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read_to_string(aside[0].path()).unwrap(), "{ not json");
    assert_eq!(plan(&repo).lines().filter(|l| l.contains("| ✅ Done |")).count(), 5);
}

#[test]
fn a_corrupt_pr_record_is_moved_aside_and_its_number_not_reused() {
    let repo = Repo::demo();
    crash_run(&repo, "pr_created#1");
    let rec = repo.root.join(".git/run-milestone/forge/prs/1.json");
    std::fs::write(&rec, "garbage").unwrap();
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("1.json is not a valid PR record"), "{}", stderr(&out));
    assert!(!rec.exists());
    assert!(row(&plan(&repo), "01").contains("| ✅ Done | #2 |"), "{}", plan(&repo));
}

#[test]
fn a_held_index_lock_stops_the_run() {
    let repo = Repo::demo();
    crash_run(&repo, "commit_tree_written#1");
    let lock = repo.root.join(".git/worktrees/demo-m1/index.lock");
    let ready = repo.tmp.path().join("holding");
    // A live process holds the worktree's index.lock open, as a running `git commit` does.
    let script = format!("import time\nf = open({lock:?}, 'w')\nopen({ready:?}, 'w').close()\ntime.sleep(60)\n");
    let mut holder = std::process::Command::new("python3").arg("-c").arg(script).spawn().unwrap();
    wait_for("the index.lock holder", Duration::from_secs(30), || ready.exists());
    let out = repo.run(&["m1", "--autonomous"]);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_exit(&out, 3);
    let err = stderr(&out);
    assert!(err.contains(&format!("error: {} is held by process {}", lock.display(), holder.id())), "{err}");
    assert!(lock.exists(), "a held lock is never removed");
    // Once nobody holds it, the next run removes it and finishes.
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("index.lock (no process held it)"), "{}", stdout(&out));
}

#[test]
fn cleanup_refuses_while_a_run_holds_the_lock_and_stops_what_a_killed_run_left() {
    let repo = Repo::demo();
    set_test_command(&repo, "\"sleep 44.4; python3 -m unittest discover -s tests -t .\"");
    let marker = ProcMarker::new();
    let mut run = spawn(&repo, &marker, &["m1", "--autonomous"]);
    wait_for("the baseline", Duration::from_secs(60), || !marker.processes("sleep 44.4").is_empty());
    let out = repo.run(&["cleanup", "m1", "--force"]);
    assert_exit(&out, 4);
    assert!(stderr(&out).contains(&format!("milestone m1 is running (pid {})", run.id())));
    run.kill().unwrap(); // SIGKILL: the `sh` of the baseline dies with it, its `sleep` does not
    run.wait().unwrap();
    let out = repo.run(&["cleanup", "m1", "--force"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("✓ Stopped 1 process left over from the interrupted run"), "{}", stdout(&out));
    marker.wait_gone("sleep 44.4");
}

#[test]
fn a_start_that_meets_a_running_runs_half_made_worktree_is_told_it_is_running() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let marker = ProcMarker::new();
    // The first run holds the lock, parked at the quality gate's prompt (nobody types).
    let mut cmd = repo.cmd(&["m1"]);
    let mut first =
        marker.on(&mut cmd).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let stdin = first.stdin.take().unwrap();
    let mut out = Lines::new(first.stdout.take().unwrap());
    out.wait_for("approve | abort");
    // A worktree as it looks while a run creates it: the folder is there, git does not list it yet.
    let folder = repo.tmp.path().join("demo-m1");
    std::fs::create_dir_all(&folder).unwrap();
    let second = repo.run(&["m1", "--autonomous"]);
    assert_exit(&second, 4);
    let err = stderr(&second);
    assert!(err.contains(&format!("error: milestone m1 is already running (pid {})", first.id())), "{err}");
    // With the first run gone, the folder is what it is: not this repository's worktree.
    drop(stdin);
    assert_eq!(exit_within(&mut first, 30).code(), Some(3));
    let third = repo.run(&["m1", "--autonomous"]);
    assert_exit(&third, 2);
    assert!(
        stderr(&third).contains("already exists and is not this repository's worktree `demo-m1`"),
        "{}",
        stderr(&third)
    );
}
