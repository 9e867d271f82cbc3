//! kill -9 anywhere: the binary SIGKILLs itself at a step boundary (RUN_MILESTONE_CRASH_AT), then
//! re-running resumes to the same final state as an uninterrupted run — same merged issues, one PR
//! each, same task commits (commits are deterministic: the tests fix the git dates) — and a task
//! restarted after a kill drops the commits the agent made itself.

use std::sync::OnceLock;

use crate::common::{Repo, assert_exit, stdout};
use crate::support::*;

#[derive(Debug, PartialEq, Eq)]
struct Final {
    milestone_log: String,
    issue_branches: Vec<(String, String)>,
    prs: String,
    plan: String,
}

fn final_state(repo: &Repo) -> Final {
    let branches = repo.git(&["for-each-ref", "--format=%(refname:short)", "refs/heads/feat/"]);
    let issue_branches = branches
        .lines()
        .map(|b| (b.to_string(), repo.git(&["log", "--format=%H %s", &format!("main..{b}")])))
        .collect();
    Final {
        milestone_log: repo.git(&["log", "--format=%H %s", &format!("main..{BASE}")]),
        issue_branches,
        prs: stdout(&repo.run(&["prs"])),
        plan: plan(repo),
    }
}

fn reference() -> &'static Final {
    static REF: OnceLock<Final> = OnceLock::new();
    REF.get_or_init(|| {
        let repo = Repo::demo();
        assert_exit(&repo.run(&["m1", "--autonomous"]), 0);
        final_state(&repo)
    })
}

fn crash_and_resume(points: &[&str]) {
    let want = reference();
    for point in points {
        let repo = Repo::demo();
        crash_run(&repo, point);
        let out = repo.run(&["m1", "--autonomous"]);
        assert_exit(&out, 0);
        let got = final_state(&repo);
        assert_eq!(&got, want, "after a kill -9 at {point}:\n{}", stdout(&out));
        let prs = got.prs.lines().count();
        assert_eq!(prs, 5, "one PR per issue after a kill at {point}");
    }
}

#[test]
fn kill_during_bootstrap_and_mid_agent_run() {
    crash_and_resume(&["run_started", "baseline", "agent_started#3", "task_red#2"]);
}

#[test]
fn kill_mid_commit_and_between_tasks() {
    crash_and_resume(&["commit_tree_written#2", "task_committed#3", "suite#1", "review#2"]);
}

#[test]
fn kill_around_the_pr() {
    crash_and_resume(&["pushed#1", "pr_record_written#2", "pr_created#2", "checks#1"]);
}

#[test]
fn kill_mid_merge_and_after_it() {
    crash_and_resume(&["merge_ref_moved#2", "merged#2", "status#4", "issue_finished#2"]);
}

/// Seven more boundaries at the cost of about one run: each kill lands in the run that resumes
/// the previous one (the counts are per process), then a last run finishes.
#[test]
fn a_chain_of_kills_each_resumed_by_the_next_run_converges() {
    let want = reference();
    let repo = Repo::demo();
    let chain = [
        "reconcile#1",     // bootstrap done, nothing started
        "issue_started#1", // issue 01 begins
        "task_green#2",    // issue 01 again: its second task's GREEN
        "agent#3",         // an agent call of issue 01's second task
        "policy#1",        // after the full suite, before the reviews
        "decision#1",      // the phase boundary, after issue 03
        "run_finished#1",  // after the summary
    ];
    for point in chain {
        crash_run(&repo, point);
    }
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let got = final_state(&repo);
    assert_eq!(&got, want, "after kills at {chain:?}:\n{}", stdout(&out));
}

#[test]
fn two_kills_in_one_issue_still_converge() {
    let want = reference();
    let repo = Repo::demo();
    crash_run(&repo, "task_committed#1");
    crash_run(&repo, "merge_ref_moved#1");
    assert_exit(&repo.run(&["m1", "--autonomous"]), 0);
    assert_eq!(&final_state(&repo), want);
}

#[test]
fn a_resumed_task_drops_the_commits_the_agent_made_itself() {
    let repo = Repo::demo();
    single_issue(&repo);
    // RED writes (appends) the test and commits it itself; GREEN implements.
    command_agent(
        &repo,
        "if step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_a_b(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\n    os.system('git add -A && git commit -q -m \"agent wip red\"')\nelif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n",
    );
    crash_run(&repo, "task_red#1");
    let branch = "feat/m1-101-slugify";
    assert!(
        repo.git(&["log", "--format=%s", &format!("main..{branch}")]).contains("agent wip red"),
        "the crash left the agent's commit"
    );
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("set aside 1 commit the agent made itself (refs/run-milestone/set-aside/feat/m1-101-slugify/"),
        "{text}"
    );
    let log = repo.git(&["log", "--format=%s", &format!("main..{branch}")]);
    assert_eq!(log, "feat(m1): Slugify lowercases and joins words with hyphens (#101)", "only the tool's commits");
    let test = repo.git(&["show", &format!("{branch}:tests/test_slug.py")]);
    assert_eq!(test.matches("def test_a_b").count(), 1, "the test is written once:\n{test}");
    let set_aside = repo.git(&["for-each-ref", "--format=%(subject)", "refs/run-milestone/set-aside/"]);
    assert_eq!(set_aside, "agent wip red", "the agent's commit is set aside, not lost");
    assert!(row(&plan(&repo), "01").contains("✅ Done"));
}

#[test]
fn the_local_ci_worktree_of_a_killed_run_is_removed_by_the_next_run() {
    let repo = Repo::demo();
    let started = repo.tmp.path().join("ci-started");
    // The first local CI run (only the CI sets RUN_MILESTONE_PR) signals, then takes its time.
    set_test_command(
        &repo,
        &format!(
            "\"if [ -n \\\"$RUN_MILESTONE_PR\\\" ] && [ ! -e {s} ]; then touch {s}; sleep 47.3; fi; python3 -m unittest discover -s tests -t .\"",
            s = started.display()
        ),
    );
    let marker = ProcMarker::new();
    let mut cmd = repo.cmd(&["m1", "--autonomous"]);
    let mut run = marker.on(&mut cmd).stdout(std::process::Stdio::null()).spawn().unwrap();
    wait_for("the local CI", std::time::Duration::from_secs(120), || started.exists());
    run.kill().unwrap(); // SIGKILL: no Drop runs, the CI's worktree stays
    run.wait().unwrap();
    let ci_trees = || -> Vec<String> {
        repo.git(&["worktree", "list", "--porcelain"])
            .lines()
            .filter_map(|l| l.strip_prefix("worktree "))
            .filter(|p| p.contains("/run-milestone-ci-"))
            .map(String::from)
            .collect()
    };
    let left = ci_trees();
    assert_eq!(left.len(), 1, "{left:?}");
    let folder = std::path::Path::new(&left[0]).parent().unwrap().to_path_buf();
    assert!(folder.exists());
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("✓ Removed 1 local CI worktree left by an interrupted run\n"), "{}", stdout(&out));
    assert_eq!(ci_trees(), Vec::<String>::new());
    assert!(!folder.exists(), "{}", folder.display());
    marker.wait_gone("sleep 47.3");
}
