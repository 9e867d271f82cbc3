//! The engine end to end on real repositories: the spec agent completing the demo, the baseline,
//! TDD violations, failing tests, resume after a crash, PR reuse and closed PRs, never-main (a
//! pattern, main, a default branch not named main), --no-worktree (which branch, which changes),
//! cleanup (clean, dirty, forced) and the worktree lock on resume.

use std::path::Path;

use serde_json::Value;

use crate::common::{Repo, assert_exit, stdout};
use crate::support::*;

#[test]
fn the_spec_agent_completes_the_demo_with_every_issue_merged() {
    let repo = Repo::demo();
    let main_before = repo.git(&["rev-parse", "main"]);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    for want in [
        "Autonomous Mode: m1",
        "✓ First run detected",
        "✓ Passed (0 critical, 0 warnings)",
        "✓ Base branch: milestone/m1-text-tools (created from main at ",
        "✓ Worktree created: ../demo-m1 (locked)",
        "✓ Baseline tests passing (1 passed)",
        "→ Starting Issue #01",
        "Issue #01: Add slugify (#101)",
        "✓ Branch: feat/m1-101-slugify",
        "Task 1/2: Slugify lowercases and joins words with hyphens",
        "📝 RED: Writing failing test...",
        "Running: python3 -m unittest tests.test_slug -v",
        "Result: FAILED ✓ (expected)",
        "📝 GREEN: Implementing...",
        "Result: PASSED ✓",
        "📝 REFACTOR: No changes needed",
        "📝 COMMIT: feat(m1): Slugify lowercases and joins words with hyphens (#101)",
        "→ Task 2/2: Unique slug appends a number when taken",
        "✓ Tests: 3 passed",
        "✓ Implemented (2 files, 30 lines)",
        "✓ PR #1 created",
        "✓ Checks: local CI: passed",
        "✓ Merged into milestone/m1-text-tools (",
        "→ Proceeding to Issue #03",
        "✓ Phase 1 complete — 3 PRs ready",
        "* PR #1 — Add slugify (#101) ✓",
        "🤖 Autonomous: continue",
        "Autonomous Run Complete: m1",
        "  ✅ Completed: 5",
        "PRs created: 5",
        "✓ Milestone M1 Complete",
        "TDD cycles: 9 (all compliant)",
        "Worktree: ../demo-m1 (ready to remove)",
        "Tag: v0.1.0",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Order: 01, 03 (P0), 02 (P1), then phase 2: 04, 05.
    let starts: Vec<&str> =
        text.lines().filter(|l| l.starts_with("→ Starting Issue") || l.starts_with("→ Proceeding to Issue")).collect();
    assert_eq!(
        starts,
        [
            "→ Starting Issue #01",
            "→ Proceeding to Issue #03",
            "→ Proceeding to Issue #02",
            "→ Proceeding to Issue #04",
            "→ Proceeding to Issue #05"
        ]
    );

    // The plan in the checkout where the command ran: every issue Done with its PR, uncommitted.
    let p = plan(&repo);
    for (no, pr) in [("01", 1), ("03", 2), ("02", 3), ("04", 4), ("05", 5)] {
        assert!(row(&p, no).contains(&format!("| ✅ Done | #{pr} |")), "{}", row(&p, no));
    }
    assert_eq!(repo.git(&["status", "--porcelain"]), format!(" M {PLAN}"));
    // main is only read.
    assert_eq!(repo.git(&["rev-parse", "main"]), main_before);
    // The milestone branch: one squash commit per PR, titled as the PR.
    let log = repo.git(&["log", "--format=%s", &format!("main..{BASE}")]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "feat(m1): Add summary line",
            "feat(m1): Add title case (#104)",
            "feat(m1): Add word count (#102)",
            "feat(m1): Add truncate (#103)",
            "feat(m1): Add slugify (#101)",
        ]
    );
    // The issue branch: the orchestrator's task commits.
    let commits = repo.git(&["log", "--format=%s", "main..feat/m1-101-slugify"]);
    assert_eq!(
        commits.lines().collect::<Vec<_>>(),
        [
            "feat(m1): Unique slug appends a number when taken (#101)",
            "feat(m1): Slugify lowercases and joins words with hyphens (#101)"
        ]
    );
    // The worktree shows the merged milestone branch, unlocked at completion, and its tests pass.
    let wt = repo.tmp.path().join("demo-m1");
    let porcelain = repo.git(&["worktree", "list", "--porcelain"]);
    assert!(porcelain.contains(&format!("worktree {}", wt.canonicalize().unwrap().display())), "{porcelain}");
    assert!(!porcelain.contains("locked"), "{porcelain}");
    let suite = std::process::Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "tests", "-t", "."])
        .current_dir(&wt)
        .output()
        .unwrap();
    assert!(suite.status.success(), "{}", String::from_utf8_lossy(&suite.stderr));
    assert!(String::from_utf8_lossy(&suite.stderr).contains("Ran 10 tests"));
    // TDD evidence in the journal: RED failed, GREEN passed, for each of the 9 tasks.
    let j = journal(&repo);
    let committed = events(&j, "task_committed");
    assert_eq!(committed.len(), 9);
    for e in committed {
        assert_eq!(e["red"]["exit"], 1, "{e}");
        assert_eq!(e["green"]["exit"], 0, "{e}");
        assert!(e["red"]["verify"].as_str().unwrap().starts_with("python3 -m unittest tests."));
        assert!(e["red"]["tail"].as_str().unwrap().contains("FAILED"), "{e}");
        assert!(e["green"]["tail"].as_str().unwrap().contains("OK"), "{e}");
    }
    // The PR body carries the evidence.
    let pr1: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.root.join(".git/run-milestone/forge/prs/1.json")).unwrap())
            .unwrap();
    let body = pr1["body"].as_str().unwrap();
    assert!(body.contains("RED (must fail): `python3 -m unittest tests.test_slug -v` → exit 1"), "{body}");
    assert!(body.contains("GREEN (must pass): `python3 -m unittest tests.test_slug -v` → exit 0"), "{body}");
    // `prs` lists them.
    let prs = stdout(&repo.run(&["prs", "m1"]));
    assert_eq!(prs.lines().filter(|l| l.contains("merged")).count(), 5, "{prs}");
}

#[test]
fn a_failing_baseline_stops_before_any_issue() {
    let repo = Repo::demo();
    repo.write(
        "tests/test_broken.py",
        "import unittest\n\nclass B(unittest.TestCase):\n    def test_broken(self):\n        self.fail('broken')\n",
    );
    commit_all(&repo, "a broken test");
    let before = plan(&repo);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    assert!(
        stdout(&out).contains("🛑 Baseline tests failing on milestone/m1-text-tools: Tests: 1 failed, 1 passed"),
        "{}",
        stdout(&out)
    );
    assert_eq!(plan(&repo), before);
    assert_eq!(repo.git(&["branch", "--list", "feat/*"]), "");
}

#[test]
fn tdd_violations_restart_twice_then_skip_and_dependents_wait() {
    let repo = Repo::demo();
    // #01 Task 1: a RED test that passes at once. #02 Task 1: two new tests in one RED.
    red_passes_immediately(&repo);
    edit(
        &repo,
        "milestones/m1-text-tools/issues/02-word-count.md",
        "        self.assertEqual(word_count(\"one two\\n three\\tfour \"), 4)\n",
        "        self.assertEqual(word_count(\"one two\\n three\\tfour \"), 4)\n\n    def test_empty(self):\n        self.assertEqual(word_count(\"\"), 0)\n",
    );
    commit_all(&repo, "break the specs");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 TDD Violation: test passes immediately"), "{text}");
    assert!(text.contains("🛑 TDD Violation: multiple behaviours at once"), "{text}");
    assert!(text.contains("Detected: 2 new tests in one RED step"), "{text}");
    assert!(text.contains("restart | skip | abort"), "{text}");
    assert!(text.contains("Restarts exhausted (2/2)\n\nskip | abort"), "{text}");
    let j = journal(&repo);
    let reds: Vec<_> = events(&j, "task_red").into_iter().filter(|e| !e["violation"].is_null()).collect();
    assert_eq!(reds.iter().filter(|e| e["issue"] == "01").count(), 3, "one try and two restarts");
    assert_eq!(reds.iter().filter(|e| e["issue"] == "02").count(), 3);
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(row(&p, "02").contains("⏭️ Skipped"), "{p}");
    for no in ["03", "04", "05"] {
        assert!(row(&p, no).contains("⬜ Todo"), "dependents keep their status: {p}");
    }
    assert!(p.contains("- #01 TDD violation persisted — "), "{p}");
    assert!(text.contains("  - #03: waiting on #01 (⏭️ Skipped)"), "{text}");
    assert!(text.contains("  - #05: waiting on #03 (itself waiting)"), "{text}");
    assert!(text.contains("Milestone m1: run finished, work remains"), "{text}");
    // Nothing reached the milestone branch, and the worktree stays locked for the next run.
    assert_eq!(repo.git(&["rev-parse", BASE]), repo.git(&["rev-parse", "main"]));
    assert!(repo.git(&["worktree", "list", "--porcelain"]).contains("locked"));
}

#[test]
fn implementation_before_the_test_is_caught() {
    let repo = Repo::demo();
    command_agent(
        &repo,
        "if step == 'red':\n    write('textkit/slug.py', 'def slugify(t):\\n    return t\\n')\n    write(test_files[0], 'import unittest\\n')\n",
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 TDD Violation: implementation code before test"), "{text}");
    assert!(text.contains("Detected: textkit/slug.py modified before test written"), "{text}");
    // One try and two restarts, each starting from a clean tree (the file the violation wrote is
    // gone when the next RED begins), then the issue is skipped.
    let j = journal(&repo);
    let reds: Vec<_> = events(&j, "task_red").into_iter().filter(|e| e["issue"] == "01").collect();
    assert_eq!(reds.len(), 3);
    for e in &reds {
        let changed: Vec<&str> = e["changed"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(changed, ["tests/test_slug.py", "textkit/slug.py"], "each RED sees only its own change");
    }
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
}

/// A command agent for issue 01 (the others answer BLOCKED): RED writes `red` (python
/// statements), GREEN a working `slugify`.
fn issue_01_agent(repo: &Repo, red: &str) {
    command_agent(
        repo,
        &format!(
            "if os.environ['RUN_MILESTONE_ISSUE'] != '01':\n    print('STATUS: BLOCKED only issue 01 is scripted')\n    sys.exit(0)\nif step == 'red':\n{red}elif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n"
        ),
    );
}

#[test]
fn configured_test_globs_decide_which_files_count_as_tests_in_red() {
    let repo = Repo::demo();
    single_issue(&repo);
    // RED writes the test and its data file; `testdata/` matches none of the default test globs.
    issue_01_agent(
        &repo,
        "    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_t(self):\\n        self.assertEqual(slugify(\"A B\"), open(\"testdata/slug.txt\").read().strip())\\n')\n    write('testdata/slug.txt', 'a-b\\n')\n",
    );
    config_add(&repo, "policy:\n  test_globs: [\"tests/**\", \"testdata/*.txt\"]\n");
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(!text.contains("TDD Violation"), "{text}");
    assert!(text.contains("Result: FAILED ✓ (expected)"), "{text}");
    let j = journal(&repo);
    let reds = events(&j, "task_red");
    assert_eq!(reds.len(), 1, "{reds:?}");
    assert_eq!(reds[0]["changed"], serde_json::json!(["testdata/slug.txt", "tests/test_slug.py"]));
    assert!(reds[0]["violation"].is_null(), "{:?}", reds[0]);
    assert!(row(&plan(&repo), "01").contains("✅ Done"), "{}", plan(&repo));
}

#[test]
fn configured_new_test_patterns_count_the_new_tests_in_red() {
    let repo = Repo::demo();
    single_issue(&repo);
    // One `def test_` (one test by the default patterns), two assertions: two by the configured one.
    issue_01_agent(
        &repo,
        "    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_t(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n        self.assertEqual(slugify(\"C\"), \"c\")\\n')\n",
    );
    config_add(&repo, "policy:\n  new_test_patterns: ['^\\s*self\\.assert']\n");
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 TDD Violation: multiple behaviours at once"), "{text}");
    assert!(text.contains("Detected: 2 new tests in one RED step"), "{text}");
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"), "{}", plan(&repo));
}

#[test]
fn green_failures_are_retried_with_the_output_then_skipped() {
    let repo = Repo::demo();
    command_agent(
        &repo,
        "if step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_a(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\nelif step in ('green', 'fix-tests'):\n    write(impl_files[0], 'def slugify(t):\\n    return t\\n')\n",
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 Tests failing (attempt 1/2)"), "{text}");
    assert!(text.contains("🛑 Tests failing (attempt 2/2)"), "{text}");
    assert!(text.contains("🛑 Fix attempts exhausted (2/2)"), "{text}");
    assert!(text.contains("- test_a"), "the Failed: list names the test: {text}");
    let calls: Vec<String> = agent_calls(&repo).into_iter().filter(|c| c.contains(" 01 1 ")).collect();
    assert_eq!(calls, ["red 01 1 -", "green 01 1 -", "fix-tests 01 1 feedback", "fix-tests 01 1 feedback"]);
    let j = journal(&repo);
    assert_eq!(events(&j, "task_green").iter().filter(|e| e["issue"] == "01").count(), 3);
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
    assert!(plan(&repo).contains("- #01 Tests failing — "));
}

#[test]
fn a_failing_full_suite_is_retried_then_skipped() {
    let repo = Repo::demo();
    // Each task passes its own Verify but breaks the baseline test of the suite.
    command_agent(
        &repo,
        "if step == 'red':\n    write(test_files[0], '\\nimport unittest\\nclass T%s(unittest.TestCase):\\n    def test_t%s(self):\\n        import textkit.slug as s\\n        self.assertTrue(hasattr(s, \"f%s\"))\\n' % ((os.environ['RUN_MILESTONE_TASK'],) * 3))\nelif step == 'green':\n    write(impl_files[0], '\\nimport textkit\\ntextkit.__version__ = \"broken\"\\ndef f%s():\\n    pass\\n' % os.environ['RUN_MILESTONE_TASK'])\n",
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✗ Tests: 1 failed, "), "{text}");
    assert!(text.contains("- test_version_is_set"), "{text}");
    assert!(text.contains("🛑 Fix attempts exhausted (2/2)"), "{text}");
    let fixes = agent_calls(&repo).into_iter().filter(|c| c.starts_with("fix-tests 01")).count();
    assert_eq!(fixes, 2);
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
    let j = journal(&repo);
    assert_eq!(events(&j, "suite").iter().filter(|e| e["issue"] == "01").count(), 3);
}

#[test]
fn resume_after_a_crash_mid_issue_redoes_nothing() {
    let repo = Repo::demo();
    crash_run(&repo, "task_committed#1");
    assert!(row(&plan(&repo), "01").contains("🔄 In Progress"));
    // Leave a half-done change in the worktree, as a crash mid-task would.
    std::fs::write(repo.tmp.path().join("demo-m1/tests/test_half.py"), "half").unwrap();
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ Previous run found (resuming)"), "{text}");
    assert!(text.contains("🔄 Reconcile"), "{text}");
    assert!(text.contains("✓ Current: Issue #01"), "{text}");
    assert!(text.contains("✓ Discarded uncommitted changes in the worktree"), "{text}");
    assert!(text.contains("✓ Task 1/2: Slugify lowercases and joins words with hyphens (already committed)"), "{text}");
    let j = journal(&repo);
    let task1: Vec<_> =
        events(&j, "task_committed").into_iter().filter(|e| e["issue"] == "01" && e["task"] == 1).collect();
    assert_eq!(task1.len(), 1, "task 1 was not redone");
    assert_eq!(events(&j, "task_committed").len(), 9);
    assert_eq!(repo.git(&["log", "--format=%s", "main..feat/m1-101-slugify"]).lines().count(), 2);
    assert!(plan(&repo).lines().filter(|l| l.contains("| ✅ Done |")).count() == 5);
    assert!(!repo.tmp.path().join("demo-m1/tests/test_half.py").exists());
}

#[test]
fn an_open_pr_is_reused_after_a_crash() {
    let repo = Repo::demo();
    crash_run(&repo, "pr_created#1");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("✓ PR #1 reused"), "{}", stdout(&out));
    let prs = std::fs::read_dir(repo.root.join(".git/run-milestone/forge/prs"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(prs, 5, "one PR per issue");
}

#[test]
fn a_closed_pr_blocks_its_issue_until_it_is_set_back_to_todo() {
    let repo = Repo::demo();
    crash_run(&repo, "pr_created#1");
    assert_exit(&repo.run(&["prs", "--close", "1"]), 0);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let p = plan(&repo);
    assert!(row(&p, "01").contains("🚫 Blocked"), "{p}");
    assert!(p.contains("- #01 PR #1 closed without merge: needs a human"), "{p}");
    assert!(row(&p, "02").contains("✅ Done"), "{p}");
    assert!(row(&p, "03").contains("⬜ Todo"), "{p}");
    // The person sets it back to Todo: a new PR is made and merged.
    edit(
        &repo,
        PLAN,
        "| 01 | Add slugify | #101 | P0 | – | 🚫 Blocked |",
        "| 01 | Add slugify | #101 | P0 | – | ⬜ Todo |",
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let p = plan(&repo);
    assert!(p.lines().filter(|l| l.contains("| ✅ Done |")).count() == 5, "{p}");
    assert!(!row(&p, "01").contains("| #1 |"), "a new PR, not the closed one: {}", row(&p, "01"));
}

#[test]
fn never_main_a_protected_pattern_stops_the_run_and_changes_nothing() {
    let repo = Repo::demo();
    repo.write(
        ".run-milestone.yml",
        "test_command: python3 -m unittest discover -s tests -t .\nprotected_branches: [main, \"feat/*\"]\n",
    );
    commit_all(&repo, "protect feat/*");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🛑 Never target main: refusing to push to `feat/m1-101-slugify`"), "{text}");
    assert!(!repo.root.join(".git/run-milestone/forge/prs/1.json").exists());
    let j = journal(&repo);
    assert_eq!(events(&j, "never_main").len(), 1);
    assert_eq!(repo.git(&["rev-parse", BASE]), repo.git(&["rev-parse", "main"]));
}

/// Rewrites local-forge PR record `n` to target `base` (as a person retargeting the PR would).
fn retarget_pr(repo: &Repo, n: u64, base: &str) {
    let rec = repo.root.join(format!(".git/run-milestone/forge/prs/{n}.json"));
    let text = std::fs::read_to_string(&rec).unwrap();
    let changed = text
        .replace(&format!("\"base\":\"{BASE}\""), &format!("\"base\":\"{base}\""))
        .replace(&format!("\"base\": \"{BASE}\""), &format!("\"base\": \"{base}\""));
    assert_ne!(changed, text, "PR #{n} retargeted");
    std::fs::write(&rec, changed).unwrap();
}

#[test]
fn never_main_a_pr_retargeted_to_main_is_refused_at_merge() {
    let repo = Repo::demo();
    crash_run(&repo, "pr_created#1");
    retarget_pr(&repo, 1, "main");
    let main_before = repo.git(&["rev-parse", "main"]);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    assert!(stdout(&out).contains("🛑 Never target main: refusing to merge into `main`"), "{}", stdout(&out));
    assert_eq!(repo.git(&["rev-parse", "main"]), main_before);
}

#[test]
fn never_main_a_pr_retargeted_to_a_default_branch_not_named_main_is_refused() {
    let repo = Repo::demo();
    // origin's default branch is `trunk`: protected only because it is the default.
    repo.git(&["branch", "trunk", "main"]);
    repo.git(&["push", "-q", "origin", "trunk"]);
    repo.git(&["--git-dir", repo.origin().to_str().unwrap(), "symbolic-ref", "HEAD", "refs/heads/trunk"]);
    repo.git(&["remote", "set-head", "origin", "trunk"]);
    crash_run(&repo, "pr_created#1");
    retarget_pr(&repo, 1, "trunk");
    let trunk_before = repo.sha("trunk");
    let remote_before = repo.remote_refs();
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    assert!(stdout(&out).contains("🛑 Never target main: refusing to merge into `trunk`"), "{}", stdout(&out));
    let j = journal(&repo);
    let refused = events(&j, "never_main");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["branch"], "trunk");
    assert!(events(&j, "merged").is_empty(), "nothing merged");
    assert_eq!(repo.sha("trunk"), trunk_before, "trunk unchanged");
    assert_eq!(repo.remote_refs(), remote_before, "nothing pushed to origin");
}

#[test]
fn no_worktree_runs_in_the_current_checkout() {
    let repo = Repo::demo();
    let out = repo.run(&["m1", "--autonomous", "--no-worktree"]);
    assert_exit(&out, 2);
    assert!(crate::common::stderr(&out).contains(
        "--no-worktree: the current checkout is on `main`, expected the milestone branch `milestone/m1-text-tools`"
    ));
    // Refused before anything was written: no branch, no state.
    assert_eq!(repo.git(&["branch", "--list", BASE]), "");
    assert!(!repo.root.join(".git/run-milestone").exists());
    repo.git(&["switch", "-q", "-c", BASE]);
    let out = repo.run(&["m1", "--autonomous", "--no-worktree"]);
    assert_exit(&out, 0);
    assert!(!repo.tmp.path().join("demo-m1").exists());
    assert!(plan(&repo).lines().filter(|l| l.contains("| ✅ Done |")).count() == 5);
    assert_eq!(repo.git(&["branch", "--show-current"]), BASE);
    assert!(Path::new(&repo.root.join("textkit/summary.py")).exists());
}

#[test]
fn no_worktree_accepts_an_issue_branch_only_when_resuming_its_issue() {
    let repo = Repo::demo();
    let refused = |repo: &Repo, branch: &str| {
        let out = repo.run(&["m1", "--autonomous", "--no-worktree"]);
        assert_exit(&out, 2);
        let want =
            format!("--no-worktree: the current checkout is on `{branch}`, expected the milestone branch `{BASE}`");
        assert!(crate::common::stderr(&out).contains(&want), "{}", crate::common::stderr(&out));
    };
    // A first run: not even a real issue branch's name is accepted.
    for branch in ["feat/m1-anything", "feat/m1-101-slugify"] {
        repo.git(&["switch", "-q", "-C", branch, "main"]);
        refused(&repo, branch);
        assert_eq!(repo.git(&["branch", "--list", BASE]), "", "no base branch made from {branch}");
        assert!(!repo.root.join(".git/run-milestone").exists(), "nothing written");
    }
    // Resuming (a journal exists): a `feat/m1-*` branch that is none of the issues' is refused.
    repo.git(&["switch", "-q", "main"]);
    crash_run(&repo, "run_started");
    repo.git(&["switch", "-q", "-C", "feat/m1-anything", "main"]);
    let journal_before = journal(&repo).len();
    refused(&repo, "feat/m1-anything");
    assert_eq!(journal(&repo).len(), journal_before, "nothing journaled");
}

#[test]
fn no_worktree_refuses_uncommitted_spec_edits_but_not_plan_edits() {
    let repo = Repo::demo();
    repo.git(&["switch", "-q", "-c", BASE]);
    let spec = "milestones/m1-text-tools/issues/01-slugify.md";
    edit(&repo, spec, "# Add slugify", "# Add slugify (edited)");
    let plan_before = plan(&repo);
    repo.write(PLAN, &format!("{plan_before}\n<!-- a note of mine -->\n"));
    let out = repo.run(&["m1", "--autonomous", "--no-worktree"]);
    assert_exit(&out, 2);
    let err = crate::common::stderr(&out);
    assert!(
        err.contains(&format!(
            "--no-worktree: the current checkout has uncommitted changes besides the plan file: {spec}"
        )),
        "{err}"
    );
    assert!(!err.contains("IMPLEMENTATION_PLAN.md,"), "the plan file is allowed: {err}");
    assert!(!repo.root.join(".git/run-milestone").exists(), "nothing written");
    assert!(plan(&repo).contains("<!-- a note of mine -->"), "the plan edit is kept");
    // With the spec edit gone, the uncommitted plan edit is fine.
    repo.git(&["checkout", "--", spec]);
    let out = repo.run(&["m1", "--autonomous", "--no-worktree"]);
    assert_exit(&out, 0);
    assert!(plan(&repo).contains("<!-- a note of mine -->"));
}

#[test]
fn cleanup_removes_the_worktree_and_force_discards_changes() {
    let repo = Repo::demo();
    crash_run(&repo, "task_committed#1");
    let wt = repo.tmp.path().join("demo-m1");
    std::fs::write(wt.join("scratch.txt"), "x").unwrap();
    let out = repo.run(&["cleanup", "m1"]);
    assert_exit(&out, 2);
    assert!(wt.exists());
    let out = repo.run(&["cleanup", "m1", "--force"]);
    assert_exit(&out, 0);
    assert!(!wt.exists());
    assert!(!repo.git(&["worktree", "list"]).contains("demo-m1"));
    // The branches stay.
    assert!(repo.git(&["branch", "--list", "feat/m1-101-slugify"]).contains("feat/m1-101-slugify"));
}

#[test]
fn cleanup_removes_a_clean_worktree_without_force() {
    let repo = Repo::demo();
    crash_run(&repo, "task_committed#1");
    let wt = repo.tmp.path().join("demo-m1");
    assert!(wt.exists());
    assert_eq!(
        std::process::Command::new("git").args(["status", "--porcelain"]).current_dir(&wt).output().unwrap().stdout,
        b"",
        "clean"
    );
    let out = repo.run(&["cleanup", "m1"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("✓ Removed worktree ../demo-m1"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("forced"), "{}", stdout(&out));
    assert!(!wt.exists());
    assert!(!repo.git(&["worktree", "list"]).contains("demo-m1"));
    assert!(repo.git(&["branch", "--list", "feat/m1-101-slugify"]).contains("feat/m1-101-slugify"));
}

/// The `git worktree list --porcelain` block of the milestone's worktree.
fn worktree_entry(repo: &Repo) -> String {
    let list = repo.git(&["worktree", "list", "--porcelain"]);
    list.split("\n\n").find(|b| b.contains("demo-m1")).unwrap_or_else(|| panic!("no demo-m1 in\n{list}")).to_string()
}

#[test]
fn a_reused_worktree_is_locked_again_on_resume() {
    let repo = Repo::demo();
    crash_run(&repo, "task_committed#1");
    assert!(worktree_entry(&repo).lines().any(|l| l.starts_with("locked")), "{}", worktree_entry(&repo));
    // Someone unlocks it between runs; the resumed run locks it again.
    repo.git(&["worktree", "unlock", repo.tmp.path().join("demo-m1").to_str().unwrap()]);
    assert!(!worktree_entry(&repo).lines().any(|l| l.starts_with("locked")), "{}", worktree_entry(&repo));
    crash_run(&repo, "task_committed#1");
    let entry = worktree_entry(&repo);
    assert!(entry.lines().any(|l| l == "locked run-milestone: milestone in progress"), "{entry}");
}
