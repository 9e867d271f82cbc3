//! `--dry-run`: the preview's content and order, and that it changes nothing at all.

use crate::common::{Repo, assert_exit, snapshot, stderr, stdout};

#[test]
fn dry_run_previews_the_demo_in_run_order() {
    let repo = Repo::demo();
    let out = repo.run(&["m1", "--dry-run"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    for want in [
        "Dry run: m1 — Text Tools",
        "✓ Implementation plan loaded (2 phases, 5 issues, 9 tasks)",
        "✓ Passed (0 critical, 0 warnings)",
        "Worktree: ../demo-m1 (would be created and locked)",
        "Milestone branch: milestone/m1-text-tools (would be created from main at ",
        "   Branch: feat/m1-101-slugify",
        "   Task 1: Slugify lowercases and joins words with hyphens (3 min)",
        "     Test: tests/test_slug.py",
        "     Create: textkit/slug.py",
        "     Verify: python3 -m unittest tests.test_slug -v",
        "   PR: feat(m1): Add slugify (#101) → milestone/m1-text-tools",
        "   Branch: feat/m1-05-summary-line",
        "   PR: feat(m1): Add summary line → milestone/m1-text-tools",
        "Would run 5 issues, 9 tasks (0 done, 0 needs review, 0 skipped, 0 blocked, 0 waiting)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Phase 1: P0 before P1 (01, 03 then 02); phase 2: 04 then 05.
    let order: Vec<&str> = text.lines().filter(|l| l.contains(". Issue #")).collect();
    let nos: Vec<String> = order.iter().map(|l| l.split("Issue ").nth(1).unwrap()[..3].to_string()).collect();
    assert_eq!(nos, ["#01", "#03", "#02", "#04", "#05"], "{text}");
    assert!(text.find("## Phase 1: Core helpers").unwrap() < text.find("1. Issue #01").unwrap());
    assert!(text.find("## Phase 2: Formatting").unwrap() < text.find("4. Issue #04").unwrap());
}

#[test]
fn dry_run_shows_settled_and_waiting_issues() {
    let repo = Repo::demo();
    let plan = repo.root.join("milestones/m1-text-tools/IMPLEMENTATION_PLAN.md");
    let text = std::fs::read_to_string(&plan).unwrap();
    let text = text
        .replace(
            "| 01 | Add slugify | #101 | P0 | – | ⬜ Todo | |",
            "| 01 | Add slugify | #101 | P0 | – | ✅ Done | #7 |",
        )
        .replace(
            "| 02 | Add word count | #102 | P1 | – | ⬜ Todo |",
            "| 02 | Add word count | #102 | P1 | – | skipped |",
        );
    std::fs::write(&plan, text).unwrap();
    let out = repo.run(&["m1", "--dry-run"]);
    assert_exit(&out, 0);
    let s = stdout(&out);
    for want in [
        "  ✅ Done #01: Add slugify (#101) — Done (PR #7)",
        "  ⏭️ Skipped #02: Add word count (#102) — Skipped",
        "  ⏳ #04: Add title case (#104) — waiting on #02 (⏭️ Skipped)",
        "  ⏳ #05: Add summary line — waiting on #04 (itself waiting)",
        "Would run 1 issue, 2 tasks (1 done, 0 needs review, 1 skipped, 0 blocked, 2 waiting)",
    ] {
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
    }
}

#[test]
fn dry_run_changes_nothing() {
    let repo = Repo::demo();
    // Make the state interesting: an existing milestone branch and a dirty file.
    repo.git(&["branch", "milestone/m1-text-tools"]);
    repo.write("scratch.txt", "uncommitted\n");
    let parent = repo.tmp.path();
    let before = snapshot(parent);
    let refs_before = repo.git(&["for-each-ref"]);
    let worktrees_before = repo.git(&["worktree", "list", "--porcelain"]);
    for (args, code) in [
        (&["m1", "--dry-run"][..], 0),
        (&["m1", "--dry-run", "--autonomous"], 0),
        // Refused as the run would be (on `main`, not the milestone branch): still nothing changes.
        (&["m1", "--dry-run", "--no-worktree"], 2),
        (&["m1", "--dry-run", "--skip-plan-review"], 0),
        (&["check", "m1"], 0),
    ] {
        let out = repo.run(args);
        assert_exit(&out, code);
    }
    assert_eq!(repo.git(&["for-each-ref"]), refs_before);
    assert_eq!(repo.git(&["worktree", "list", "--porcelain"]), worktrees_before);
    let after = snapshot(parent);
    assert!(before == after, "the dry-run changed files under {}", parent.display());
}

#[test]
fn dry_run_with_an_existing_branch_and_skipped_gate() {
    let repo = Repo::demo();
    repo.git(&["switch", "-q", "-c", "milestone/m1-text-tools"]);
    let out = repo.run(&["m1", "--dry-run", "--skip-plan-review", "--no-worktree"]);
    assert_exit(&out, 0);
    let s = stdout(&out);
    assert!(s.contains("⏭️ Skipped (--skip-plan-review)"), "{s}");
    assert!(s.contains("Worktree: none (--no-worktree"), "{s}");
    assert!(s.contains("Milestone branch: milestone/m1-text-tools (exists at "), "{s}");
}

#[test]
fn a_default_branch_not_named_main_is_protected() {
    let repo = Repo::demo();
    // origin's default branch is `trunk`; a plan whose base is `trunk` is refused.
    repo.git(&["push", "-q", "origin", "main:trunk"]);
    repo.git(&["remote", "set-head", "origin", "trunk"]);
    let plan = repo.root.join("milestones/m1-text-tools/IMPLEMENTATION_PLAN.md");
    let text =
        std::fs::read_to_string(&plan).unwrap().replace("Base branch: milestone/m1-text-tools", "Base branch: trunk");
    std::fs::write(&plan, text).unwrap();
    let out = repo.run(&["m1", "--dry-run"]);
    assert_exit(&out, 2);
    assert!(crate::common::stderr(&out).contains("base branch `trunk` is a protected branch (main, master, trunk)"));
    // And through the config.
    let text = std::fs::read_to_string(&plan).unwrap().replace("Base branch: trunk", "Base branch: release/1.0");
    std::fs::write(&plan, text).unwrap();
    repo.write(".run-milestone.yml", "protected_branches: [\"release/*\"]\n");
    let out = repo.run(&["m1", "--dry-run"]);
    assert_exit(&out, 2);
    assert!(crate::common::stderr(&out).contains("base branch `release/1.0` is a protected branch (release/*, trunk)"));
}

/// The dry-run refuses a checkout the run would refuse, with the run's own message (a dry-run
/// that passes where the run stops would promise a run that cannot happen).
#[test]
fn dry_run_refuses_the_checkouts_the_run_refuses() {
    let repo = Repo::demo();
    let refused = |args: &[&str], dry: &[&str], want: &str| {
        let run = repo.run(args);
        assert_exit(&run, 2);
        let preview = repo.run(dry);
        assert_exit(&preview, 2);
        assert!(stderr(&run).contains(want), "the run: {}", stderr(&run));
        assert_eq!(stderr(&preview), stderr(&run), "the dry-run fails differently from the run");
        assert!(!stdout(&preview).contains("Run order"), "{}", stdout(&preview));
    };
    // --no-worktree on main.
    refused(
        &["m1", "--autonomous", "--no-worktree"],
        &["m1", "--dry-run", "--no-worktree"],
        "--no-worktree: the current checkout is on `main`, expected the milestone branch `milestone/m1-text-tools`",
    );
    // A folder where the worktree goes that is not this repository's worktree: refused before
    // the milestone branch is created.
    let folder = repo.tmp.path().join("demo-m1");
    std::fs::create_dir_all(&folder).unwrap();
    refused(
        &["m1", "--autonomous"],
        &["m1", "--dry-run"],
        &format!("{} already exists and is not this repository's worktree `demo-m1`", folder.display()),
    );
    assert!(
        stderr(&repo.run(&["m1", "--dry-run"]))
            .contains("move that folder away: the milestone's worktree is created there"),
        "the hint for a foreign folder"
    );
    assert_eq!(repo.git(&["branch", "--list", "milestone/m1-text-tools"]), "", "nothing was created");
    std::fs::remove_dir(&folder).unwrap();
    // The milestone branch checked out here, in worktree mode.
    repo.git(&["switch", "-q", "-c", "milestone/m1-text-tools"]);
    refused(
        &["m1", "--autonomous"],
        &["m1", "--dry-run"],
        "the milestone branch `milestone/m1-text-tools` is checked out here, so it cannot also be checked out in the worktree",
    );
    // --no-worktree on the milestone branch with other changes.
    repo.write("scratch.txt", "uncommitted\n");
    refused(
        &["m1", "--autonomous", "--no-worktree"],
        &["m1", "--dry-run", "--no-worktree"],
        "--no-worktree: the current checkout has uncommitted changes besides the plan file: scratch.txt",
    );
    // Clean and on the milestone branch: the dry-run previews the current checkout.
    std::fs::remove_file(repo.root.join("scratch.txt")).unwrap();
    let out = repo.run(&["m1", "--dry-run", "--no-worktree"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("Worktree: none (--no-worktree"), "{}", stdout(&out));
}

#[test]
fn dry_run_refuses_a_repository_without_commits_like_the_run() {
    let repo = Repo::demo();
    // The same files in a repository that has no commit yet.
    let fresh = repo.tmp.path().join("fresh");
    crate::common::copy_dir(&crate::common::fixtures().join("demo"), &fresh);
    let git = |args: &[&str]| {
        let mut cmd = std::process::Command::new("git");
        crate::common::hermetic(&mut cmd, &repo.home());
        assert!(cmd.args(args).current_dir(&fresh).status().unwrap().success());
    };
    git(&["init", "-q", "-b", "main"]);
    let run_in = |args: &[&str]| {
        let mut cmd = repo.cmd(args);
        cmd.current_dir(&fresh).output().unwrap()
    };
    let run = run_in(&["m1", "--autonomous"]);
    let preview = run_in(&["m1", "--dry-run"]);
    assert_exit(&run, 2);
    assert_exit(&preview, 2);
    assert!(stderr(&run).contains("the repository has no commits: commit something first"), "{}", stderr(&run));
    assert_eq!(stderr(&preview), stderr(&run), "the dry-run fails differently from the run");
    assert!(!stdout(&preview).contains("no commits yet"), "{}", stdout(&preview));
    assert!(!fresh.join(".git/run-milestone").exists(), "the run wrote nothing");
}

/// `--metrics` is for runs: a dry-run says so in one line instead of ignoring it; `--verbose`
/// logs the dry-run's decisions (selection, waiting, settled issues, the gate) on stderr.
#[test]
fn dry_run_says_metrics_are_for_runs_and_logs_its_decisions_when_verbose() {
    let repo = Repo::demo();
    let plan = repo.root.join("milestones/m1-text-tools/IMPLEMENTATION_PLAN.md");
    let text = std::fs::read_to_string(&plan).unwrap().replace(
        "| 02 | Add word count | #102 | P1 | – | ⬜ Todo |",
        "| 02 | Add word count | #102 | P1 | – | ⏭️ Skipped |",
    );
    std::fs::write(&plan, text).unwrap();
    let quiet = repo.run(&["m1", "--dry-run", "--metrics"]);
    assert_exit(&quiet, 0);
    assert_eq!(
        stderr(&quiet),
        "warning: --metrics applies to runs only: a dry-run prints and writes no metrics\n",
        "without --verbose, the dry-run logs nothing else"
    );
    assert!(!stdout(&quiet).contains("\"issues\""), "metrics JSON in a dry-run:\n{}", stdout(&quiet));
    let out = repo.run(&["m1", "--dry-run", "--verbose"]);
    assert_exit(&out, 0);
    let e = stderr(&out);
    let logged: Vec<&str> = e.lines().filter(|l| l.starts_with("DEBUG dry-run:")).collect();
    assert_eq!(
        logged,
        [
            "DEBUG dry-run: quality gate passed critical=0 warnings=0",
            "DEBUG dry-run: would run, first eligible by phase, priority, position step=1 issue=#01 phase=1 priority=0",
            "DEBUG dry-run: would run, first eligible by phase, priority, position step=2 issue=#03 phase=1 priority=0",
            "DEBUG dry-run: not run, settled by its status issue=#02 status=\"Skipped\"",
            "DEBUG dry-run: would wait, a dependency is not done issue=#04 on=#02 reason=⏭️ Skipped",
            "DEBUG dry-run: would wait, a dependency is not done issue=#05 on=#04 reason=itself waiting",
        ],
        "{e}"
    );
}

#[test]
fn a_registered_worktree_whose_folder_is_gone_is_refused_with_the_cleanup_hint() {
    let repo = Repo::demo();
    let folder = repo.tmp.path().join("demo-m1");
    repo.git(&["worktree", "add", "-q", "-b", "elsewhere", folder.to_str().unwrap()]);
    std::fs::remove_dir_all(&folder).unwrap();
    let out = repo.run(&["m1", "--dry-run"]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("worktree `demo-m1` is registered at {} but the folder is gone", folder.display())),
        "{err}"
    );
    assert!(err.contains("run `run-milestone cleanup` for this milestone, or `git worktree prune`"), "{err}");
    assert!(!err.contains("move that folder away"), "{err}");
}
