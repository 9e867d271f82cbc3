//! Engine paths beyond the happy demo: the lint auto-fix commit, REFACTOR kept or rolled back,
//! commits an agent made folded into the orchestrator's, the spec agent's BLOCKED, an agent that
//! cannot start, `--no-worktree` resume, failing CI, a default branch without a remote, an ignored
//! file written during RED, no agent process left behind, and the spec agent blocking at a fix.

use crate::common::{Repo, assert_exit, stderr, stdout};
use crate::support::*;

const SLUG_RED: &str = "if step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T%s(unittest.TestCase):\\n    def test_t%s(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n' % ((os.environ['RUN_MILESTONE_TASK'],) * 2))\n";

#[test]
fn the_lint_auto_fix_is_committed_as_a_style_commit() {
    let repo = Repo::demo();
    config_add(
        &repo,
        "lint_fix_command: \"f=textkit/slug.py; if [ -f $f ] && ! grep -q linted $f; then echo '# linted' >> $f; fi\"\n",
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let implemented = text.find("✓ Implemented (2 files, 30 lines)").unwrap();
    let fixed = text.find("✓ Auto-fixed (lint) (").unwrap();
    let tests = text[implemented..].find("✓ Tests: 3 passed").unwrap() + implemented;
    assert!(implemented < fixed && fixed < tests, "the seed's order: Implemented, Auto-fixed, Tests");
    let log = repo.git(&["log", "--format=%s", "main..feat/m1-101-slugify"]);
    assert_eq!(log.lines().next(), Some("style(m1): auto-fix (#101)"), "{log}");
    assert!(repo.git(&["show", &format!("{BASE}:textkit/slug.py")]).contains("# linted"));
}

/// Issue 01 alone, with a scripted agent whose REFACTOR step writes `refactor` to the impl file.
fn refactor_run(refactor: &str) -> (Repo, std::process::Output) {
    let repo = Repo::demo();
    single_issue(&repo);
    command_agent(
        &repo,
        &format!(
            "{SLUG_RED}elif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\nelif step == 'refactor':\n    write(impl_files[0], {refactor:?})\n"
        ),
    );
    let cfg = std::fs::read_to_string(repo.root.join(".run-milestone.yml"))
        .unwrap()
        .replace("refactor: false", "refactor: true");
    repo.write(".run-milestone.yml", &cfg);
    commit_all(&repo, "refactor on");
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    (repo, out)
}

#[test]
fn refactor_is_kept_when_green_and_rolled_back_when_red() {
    let (repo, out) = refactor_run("\n# tidy\n");
    assert!(stdout(&out).contains("📝 REFACTOR: 1 file(s) tidied, tests still green"), "{}", stdout(&out));
    assert!(repo.git(&["show", "feat/m1-101-slugify:textkit/slug.py"]).contains("# tidy"));
    assert_eq!(
        repo.git(&["log", "--format=%s", "main..feat/m1-101-slugify"]).lines().count(),
        1,
        "folded into the task commit"
    );

    let (repo, out) = refactor_run("\ndef slugify(t):\n    return t\n");
    assert!(stdout(&out).contains("📝 REFACTOR: rolled back (tests went red)"), "{}", stdout(&out));
    assert!(!repo.git(&["show", "feat/m1-101-slugify:textkit/slug.py"]).contains("return t\n"));
    assert!(row(&plan(&repo), "01").contains("✅ Done"));
}

#[test]
fn commits_an_agent_makes_are_folded_into_the_orchestrators() {
    let repo = Repo::demo();
    single_issue(&repo);
    command_agent(
        &repo,
        &format!(
            "{SLUG_RED}    os.system('git add -A && git commit -q -m \"agent wip red\"')\nelif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n    os.system('git add -A && git commit -q -m \"agent wip green\"')\n"
        ),
    );
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let log = repo.git(&["log", "--format=%s", "main..feat/m1-101-slugify"]);
    assert_eq!(log, "feat(m1): Slugify lowercases and joins words with hyphens (#101)", "{log}");
    let files = repo.git(&["show", "--name-only", "--format=", "feat/m1-101-slugify"]);
    assert_eq!(files.lines().collect::<Vec<_>>(), ["tests/test_slug.py", "textkit/slug.py"]);
}

#[test]
fn the_spec_agent_blocks_a_task_it_cannot_apply() {
    let repo = Repo::demo();
    edit(
        &repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "**GREEN:**\n```python\nimport re",
        "**Notes:**\n```python\nimport re",
    );
    commit_all(&repo, "no GREEN");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let p = plan(&repo);
    assert!(row(&p, "01").contains("🚫 Blocked"), "{p}");
    assert!(p.contains("- #01 agent blocked: Issue #01 Task 1 has no **GREEN:** code block to apply — "), "{p}");
}

#[test]
fn an_agent_that_cannot_start_is_a_critical_error() {
    let repo = Repo::demo();
    config_add(&repo, "agent:\n  kind: claude\n  claude:\n    program: /nonexistent/claude\n");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    assert!(stderr(&out).contains("error: critical error: the claude agent cannot start"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("TDD Violation"), "not mistaken for a TDD violation");
    assert!(row(&plan(&repo), "01").contains("🔄 In Progress"), "state saved, resumable");
}

#[test]
fn no_worktree_resumes_a_half_done_task() {
    let repo = Repo::demo();
    repo.git(&["switch", "-q", "-c", BASE]);
    let out = repo
        .cmd(&["m1", "--autonomous", "--no-worktree"])
        .env("RUN_MILESTONE_CRASH_AT", "task_red#1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None);
    assert!(!repo.git(&["status", "--porcelain", "--", "tests"]).is_empty(), "the crash left the half-done RED");
    let out = repo.run(&["m1", "--autonomous", "--no-worktree"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("✓ Discarded uncommitted changes on the issue branch"), "{}", stdout(&out));
    assert_eq!(plan(&repo).lines().filter(|l| l.contains("| ✅ Done |")).count(), 5);
}

#[test]
fn failing_ci_leaves_the_pr_for_a_human() {
    let repo = Repo::demo();
    repo.write(".run-milestone.yml", "test_command: \"if [ -n \\\"$RUN_MILESTONE_PR\\\" ]; then exit 1; fi; python3 -m unittest discover -s tests -t .\"\n");
    commit_all(&repo, "CI fails");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("✗ Checks: local CI: failed (exit 1)"), "{}", stdout(&out));
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(p.contains("- #01 PR #1 needs review: CI failed: local CI: failed (exit 1) — "), "{p}");
    assert_eq!(repo.git(&["rev-parse", BASE]), repo.git(&["rev-parse", "main"]), "no green CI = no merge");
}

#[test]
fn a_default_branch_without_a_remote_is_protected() {
    let repo = Repo::demo();
    repo.git(&["remote", "remove", "origin"]);
    repo.git(&["config", "init.defaultBranch", "trunk"]);
    repo.git(&["branch", "-m", "main", "trunk"]);
    edit(&repo, PLAN, "Base branch: milestone/m1-text-tools", "Base branch: trunk");
    let out = repo.run(&["m1", "--autonomous", "--no-worktree"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("base branch `trunk` is a protected branch (main, master, trunk)"),
        "{}",
        stderr(&out)
    );
    assert!(!repo.root.join(".git/run-milestone").exists(), "nothing ran");
}

#[test]
fn an_ignored_file_written_during_red_is_not_a_violation() {
    let repo = Repo::demo();
    single_issue(&repo);
    // RED also leaves a build artefact that the demo's .gitignore ignores (`__pycache__/`).
    command_agent(
        &repo,
        &format!(
            "{SLUG_RED}    write('textkit/__pycache__/slug.cpython-312.pyc', 'cache')\nelif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n"
        ),
    );
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let j = journal(&repo);
    let reds: Vec<_> = events(&j, "task_red").into_iter().filter(|e| e["issue"] == "01").collect();
    assert_eq!(reds.len(), 1, "no restart: {reds:?}");
    let red = reds[0];
    assert!(red["violation"].is_null(), "{red}");
    assert_eq!(red["changed"], serde_json::json!(["tests/test_slug.py"]), "ignored files never count: {red}");
    assert!(row(&plan(&repo), "01").contains("✅ Done"));
    let files = repo.git(&["show", "--name-only", "--format=", "feat/m1-101-slugify"]);
    assert!(!files.contains("__pycache__"), "an ignored file is not committed: {files}");
}

#[test]
fn an_agent_leaves_no_process_behind() {
    let repo = Repo::demo();
    single_issue(&repo);
    // RED double-forks a sleeper (same process group, reparented when its parent exits) whose
    // argv carries a marker unique to this test's temp dir, and exits once it has started.
    let marker = repo.tmp.path().join("sleeper-marker");
    let pid_file = repo.tmp.path().join("sleeper.pid");
    let spawn = format!(
        "    os.system(\"(python3 -c 'import os, sys, time; open(sys.argv[1], \\\"w\\\").write(str(os.getpid())); time.sleep(600)' {pid} {marker} >/dev/null 2>&1 &)\")\n    import time\n    while not os.path.exists({pid:?}) or not open({pid:?}).read():\n        time.sleep(0.05)\n",
        pid = pid_file.display(),
        marker = marker.display()
    );
    command_agent(
        &repo,
        &format!(
            "{SLUG_RED}{spawn}elif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n"
        ),
    );
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    let pid = std::fs::read_to_string(&pid_file).expect("the sleeper started").trim().to_string();
    // Alive = /proc/<pid> exists, is not a zombie, and its argv still carries our marker.
    let proc_dir = std::path::Path::new("/proc").join(&pid);
    let cmdline = std::fs::read(proc_dir.join("cmdline")).unwrap_or_default();
    let stat = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
    let zombie = stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z');
    let alive = !zombie && String::from_utf8_lossy(&cmdline).contains(marker.to_str().unwrap());
    if alive {
        let _ = std::process::Command::new("kill").args(["-9", &pid]).status();
    }
    assert_exit(&out, 0);
    assert!(!alive, "the agent's double-forked sleeper {pid} survived the agent");
}

#[test]
fn the_spec_agent_blocks_at_the_first_fix_of_a_failing_green() {
    let repo = Repo::demo();
    edit(
        &repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "return \"-\".join(re.findall(r\"[a-z0-9]+\", text.lower()))",
        "return text",
    );
    commit_all(&repo, "a GREEN that does not pass");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 Tests failing (attempt 1/2)"), "{text}");
    assert!(!text.contains("(attempt 2/2)"), "no second fix attempt: {text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("🚫 Blocked"), "{p}");
    assert!(
        p.contains(
            "- #01 agent blocked: the spec agent applies the spec's own RED/GREEN code and cannot fix failing tests"
        ),
        "{p}"
    );
}
