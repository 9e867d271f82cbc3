//! The decision loop on real runs: scripted answers at the prompt (plain lines from a pipe),
//! every command set, unavailable commands re-asked, end of input, NEEDS_CONTEXT both ways,
//! the quality gate, panic, the autonomous summary, and `--metrics` field by field.

use serde_json::Value;

use crate::common::{Repo, assert_exit, stdout};
use crate::support::*;

#[test]
fn skip_phase_at_the_phase_boundary_skips_the_next_phase() {
    let repo = Repo::demo();
    let out = run_with_input(&repo, &["m1"], "skip-phase\n");
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ Phase 1 complete — 3 PRs ready\n\n* PR #1 — Add slugify (#101) ✓\n* PR #2 — Add truncate (#103) ✓\n* PR #3 — Add word count (#102) ✓\n\ncontinue | skip-phase | abort\n"), "{text}");
    let p = plan(&repo);
    for no in ["01", "02", "03"] {
        assert!(row(&p, no).contains("✅ Done"), "{p}");
    }
    for no in ["04", "05"] {
        assert!(row(&p, no).contains("⏭️ Skipped"), "{p}");
    }
    assert!(p.contains("- #04 Phase 2 skipped at the phase boundary — "), "{p}");
}

#[test]
fn end_of_input_at_a_prompt_aborts_with_exit_3_and_the_run_resumes() {
    let repo = Repo::demo();
    let out = run_with_input(&repo, &["m1"], "");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("continue | skip-phase | abort\n(end of input: abort)\n\n⛔ Milestone aborted\n\nstopped at the end of Phase 1: Core helpers\nResume with: run-milestone m1\n"), "{text}");
    assert!(row(&plan(&repo), "04").contains("⬜ Todo"));
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("✓ Previous run found (resuming)"));
    assert_eq!(plan(&repo).lines().filter(|l| l.contains("| ✅ Done |")).count(), 5);
}

#[test]
fn tdd_violation_commands_reject_fix_then_restart_and_skip() {
    let repo = Repo::demo();
    red_passes_immediately(&repo);
    commit_all(&repo, "a RED that passes");
    let out = run_with_input(&repo, &["m1"], "fix\nrestart\nrestart\nrestart\nskip\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🛑 TDD Violation: test passes immediately"), "{text}");
    assert!(text.contains("restart | skip | abort\n`fix` is not available here\n\nrestart | skip | abort\n"), "{text}");
    assert!(text.contains("🔄 Restarting Task 1 at RED (1/2)"), "{text}");
    assert!(text.contains("🔄 Restarting Task 1 at RED (2/2)"), "{text}");
    assert!(
        text.contains("Restarts exhausted (2/2)\n\nskip | abort\n`restart` is not available here\n\nskip | abort\n"),
        "{text}"
    );
    assert!(text.contains("⏭️ Skipped Issue #01"), "{text}");
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
    let j = journal(&repo);
    let cmds: Vec<&str> = events(&j, "decision").iter().map(|e| e["command"].as_str().unwrap()).collect();
    assert_eq!(cmds[..4], ["restart", "restart", "skip", "abort"]);
}

#[test]
fn failing_tests_offer_fix_then_only_skip_or_abort() {
    let repo = Repo::demo();
    command_agent(
        &repo,
        "if step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_a(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\nelif step in ('green', 'fix-tests'):\n    write(impl_files[0], 'def slugify(t):\\n    return t\\n')\n",
    );
    let out = run_with_input(&repo, &["m1"], "fix\nfix\nfix\nskip\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(
        text.contains(
            "Result: FAILED ✗\n✗ Tests: 1 failed, 0 passed\n\n🛑 Tests failing (attempt 1/2)\n\nFailed:\n- test_a\n\nfix | skip | abort\n"
        ),
        "{text}"
    );
    assert!(text.contains("🛑 Fix attempts exhausted (2/2)"), "{text}");
    // Once per failed run, right before its block (never inside it).
    assert_eq!(text.matches("✗ Tests:").count(), text.matches("✗ Tests: 1 failed, 0 passed\n\n🛑 ").count(), "{text}");
    assert!(!text.contains("Failed:\n- test_a\n✗"), "{text}");
    assert!(text.contains("skip | abort\n`fix` is not available here\n\nskip | abort\n"), "{text}");
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
}

#[test]
fn status_and_help_work_at_a_prompt() {
    let repo = Repo::demo();
    let out = run_with_input(&repo, &["m1"], "status\nhelp\nfrobnicate\nfix\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(
        text.contains("📊 Current State\n\nMilestone: m1\nPhase: 2 of 2\nIssue: #04 — Add title case (#104)\n"),
        "{text}"
    );
    assert!(text.contains("Progress:\n  ✅ Done: 3\n  ⏳ Current: 0\n  📋 Remaining: 2\n  ⏭️ Skipped: 0\n"), "{text}");
    assert!(text.contains("---\n\n✓ Phase 1 complete"), "{text}");
    assert!(text.contains("  skip-phase skip the next phase, continue after it"), "{text}");
    assert!(text.contains("unknown command `frobnicate`\n\ncontinue | skip-phase | abort\n"), "{text}");
    assert!(text.contains("`fix` is not available here\n\ncontinue | skip-phase | abort\n"), "{text}");
}

#[test]
fn panic_at_a_prompt_halts_with_exit_3() {
    let repo = Repo::demo();
    let out = run_with_input(&repo, &["m1"], "panic\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(
        text.contains("🚨 PANIC triggered\n\n✓ Execution halted\n✓ State saved to IMPLEMENTATION_PLAN.md\n"),
        "{text}"
    );
    assert_eq!(events(&journal(&repo), "panic").len(), 1);
}

/// An implementer that asks whether to use hyphens until an answer saying so reaches it (in
/// its feedback or prompt); the reviewers pass.
fn needs_context_agent(repo: &Repo) {
    command_agent(
        repo,
        "role = os.environ.get('RUN_MILESTONE_ROLE', '')\nif role == 'spec-reviewer':\n    print('PASS')\nelif role == 'quality-reviewer':\n    print('APPROVED')\nelif 'use hyphens' not in feedback and 'use hyphens' not in prompt:\n    print('STATUS: NEEDS_CONTEXT Should slugify join words with hyphens or underscores?')\n    sys.exit(0)\nelif step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_a(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\nelif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n",
    );
    single_issue(repo);
}

/// The answers journaled for issue `no`.
fn answers(repo: &Repo, no: &str) -> Vec<String> {
    events(&journal(repo), "interview")
        .iter()
        .filter(|e| e["issue"] == no)
        .map(|e| e["answer"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn needs_context_interactively_passes_the_answer_back_for_the_whole_issue() {
    let repo = Repo::demo();
    needs_context_agent(&repo);
    // `fix` is a command word, but at the interview prompt it is an answer (not hyphens, so the
    // agent asks again); the second answer unblocks RED, and GREEN gets it without asking.
    let out = run_with_input(&repo, &["m1"], "fix\nuse hyphens\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(
        text.contains("❓ Agent needs context: Should slugify join words with hyphens or underscores?\n\nIssue #01 Task 1\n\n<answer> | skip | abort\n"),
        "{text}"
    );
    assert!(!text.contains("not available here"), "{text}");
    assert!(text.contains("Result: FAILED ✓ (expected)"), "the answer unblocked RED: {text}");
    assert_eq!(answers(&repo, "01"), ["fix", "use hyphens"]);
    let calls = agent_calls(&repo);
    let green: Vec<&String> = calls.iter().filter(|c| c.starts_with("green 01 ")).collect();
    assert_eq!(green, ["green 01 1 feedback"], "GREEN got the answer and asked nothing: {calls:?}");
    assert!(row(&plan(&repo), "01").contains("✅ Done"));
    // The next issue asks afresh (its own question), and `abort` ends the run there.
    assert_eq!(text.matches("<answer> | skip | abort").count(), 3, "{text}");
}

#[test]
fn needs_context_answers_survive_a_resume() {
    use std::io::Write;
    let repo = Repo::demo();
    needs_context_agent(&repo);
    // Killed right after the answer is journaled, before the agent got it.
    let mut child = repo
        .cmd(&["m1"])
        .env("RUN_MILESTONE_CRASH_AT", "interview")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"use hyphens\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), None, "SIGKILLed after the interview: {}", stdout(&out));
    assert_eq!(answers(&repo, "01"), ["use hyphens"]);
    // Resumed with nobody at the prompt: issue 01 must not ask again (end of input would abort).
    let out = run_with_input(&repo, &["m1"], "");
    let text = stdout(&out);
    assert!(!text.contains("Issue #01 Task 1\n\n<answer>"), "{text}");
    assert!(row(&plan(&repo), "01").contains("✅ Done"), "{text}");
}

#[test]
fn needs_context_autonomously_skips_and_records_the_question() {
    let repo = Repo::demo();
    needs_context_agent(&repo);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(p.contains("- #01 needs context: Should slugify join words with hyphens or underscores? — "), "{p}");
}

#[test]
fn a_critical_quality_gate_is_approved_interactively_and_aborts_autonomously() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🛑 Quality gate: 1 critical issue\n\n1. Issue #05 depends on #99 (doesn't exist)\n\napprove | abort\n🤖 Autonomous: abort\n\n⛔ Milestone aborted\n\nFix issues in IMPLEMENTATION_PLAN.md\nResume with: run-milestone m1\n"), "{text}");
    assert_eq!(repo.git(&["branch", "--list", BASE]), "", "nothing ran");
    let out = run_with_input(&repo, &["m1"], "continue\napprove\ncontinue\n");
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("approve | abort\n`continue` is not available here\n\napprove | abort\n✓ Approved (recorded)"),
        "{text}"
    );
    assert!(text.contains("  - #05: waiting on #99 (doesn't exist)") || text.contains("⏳ Waiting: 1"), "{text}");
    let j = journal(&repo);
    assert!(events(&j, "decision").iter().any(|e| e["command"] == "approve"));
}

#[test]
fn metrics_are_the_seed_json_field_by_field() {
    let repo = Repo::demo();
    let out = repo.run(&["m1", "--autonomous", "--metrics"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let start = text.rfind("\n{\n").expect("a JSON document at the end") + 1;
    assert!(text.trim_end().ends_with('}'), "metrics are the last thing on stdout");
    let m: Value = serde_json::from_str(&text[start..]).unwrap();
    // The seed's field order, as printed.
    let json = &text[start..];
    let order: Vec<usize> =
        ["milestone", "mode", "duration_seconds", "issues", "tasks", "reviews", "commands_used", "per_issue"]
            .iter()
            .map(|k| json.find(&format!("\n  \"{k}\":")).unwrap_or_else(|| panic!("no top-level {k}")))
            .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{json}");
    assert_eq!(m.as_object().unwrap().len(), 8);
    assert_eq!(m["milestone"], "m1");
    assert_eq!(m["mode"], "autonomous");
    assert!(m["duration_seconds"].as_u64().is_some());
    assert_eq!(m["issues"], serde_json::json!({"attempted": 5, "completed": 5, "skipped": 0}));
    assert_eq!(m["tasks"], serde_json::json!({"total": 9, "tdd_compliant": 9, "tdd_violations": 0}));
    assert_eq!(
        m["reviews"],
        serde_json::json!({"spec_pass_first_try": 5, "spec_required_fix": 0, "quality_pass_first_try": 5, "quality_required_fix": 0})
    );
    assert_eq!(m["commands_used"], serde_json::json!({"continue": 1}));
    let one = &m["per_issue"]["01"];
    assert_eq!(one["outcome"], "merged");
    assert_eq!(one["pr"], 1);
    assert_eq!(one["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(one["tasks"][0]["red"]["exit"], 1);
    assert_eq!(one["tasks"][0]["green"]["exit"], 0);
    assert_eq!(one["agent"]["calls"], 6);
    // To a file instead.
    let repo = Repo::demo();
    let file = repo.tmp.path().join("metrics.json");
    let out = repo.run(&["m1", "--autonomous", "--metrics-file", file.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert!(!stdout(&out).contains("\"duration_seconds\""));
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(m["issues"]["completed"], 5);
}

/// The demo with three phases: 01, 02 | 03 | 04, 05.
fn three_phases(repo: &Repo) {
    edit(
        repo,
        PLAN,
        "| 03 | Add truncate |",
        "\n## Phase 2: Truncation\n\n| # | Issue | GitHub | Priority | Depends | Status | PR |\n|---|-------|--------|----------|---------|--------|----|\n| 03 | Add truncate |",
    );
    edit(repo, PLAN, "## Phase 2: Formatting", "## Phase 3: Formatting");
    commit_all(repo, "three phases");
}

#[test]
fn skip_phase_asks_the_boundary_once_and_skips_only_the_next_phase() {
    let repo = Repo::demo();
    three_phases(&repo);
    let out = run_with_input(&repo, &["m1"], "skip-phase\ncontinue\n");
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.matches("continue | skip-phase | abort").count(), 1, "one boundary prompt: {text}");
    assert!(
        text.contains("✓ Phase 1 complete — 2 PRs ready\n\n* PR #1 — Add slugify (#101) ✓\n* PR #2 — Add word count (#102) ✓\n\ncontinue | skip-phase | abort\n"),
        "{text}"
    );
    assert!(text.contains("⏭️ Phase 2 skipped at the phase boundary\n\n→ Starting Phase 3\n"), "{text}");
    assert!(!text.contains("Phase 2 complete"), "a skipped phase has no boundary: {text}");
    let p = plan(&repo);
    assert!(row(&p, "03").contains("⏭️ Skipped"), "{p}");
    assert!(row(&p, "04").contains("✅ Done"), "Phase 3 ran: {p}");
    assert!(row(&p, "05").contains("⬜ Todo"), "05 waits on the skipped 03: {p}");
    let j = journal(&repo);
    let cmds: Vec<&str> = events(&j, "decision").iter().map(|e| e["command"].as_str().unwrap()).collect();
    assert_eq!(cmds, ["skip-phase"]);
}

#[test]
fn status_at_the_quality_gate_shows_the_current_state() {
    let repo = Repo::demo();
    critical_gate(&repo);
    let out = run_with_input(&repo, &["m1"], "status\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(
        text.contains(
            "approve | abort\n\n📊 Current State\n\nMilestone: m1\nPhase: 1 of 2\nIssue: #01 — Add slugify (#101)\n\nProgress:\n  ✅ Done: 0\n  ⏳ Current: 0\n  📋 Remaining: 5\n  ⏭️ Skipped: 0\n\nOpen PRs: 0\n\n---\n\n🛑 Quality gate: 1 critical issue\n"
        ),
        "{text}"
    );
}

/// Issue 01 only (other issues answer BLOCKED): the first RED writes a test that passes at once
/// (a TDD violation), the restart writes a real one; the quality reviewer asks for one fix.
fn violation_then_success_agent(repo: &Repo) {
    let count = repo.tmp.path().join("red-count");
    command_agent(
        repo,
        &format!(
            "role = os.environ.get('RUN_MILESTONE_ROLE', '')\n\
if os.environ['RUN_MILESTONE_ISSUE'] != '01':\n    print('STATUS: BLOCKED only issue 01 is scripted')\n    sys.exit(0)\n\
if step == 'red':\n    n = int(open({count:?}).read()) if os.path.exists({count:?}) else 0\n    open({count:?}, 'w').write(str(n + 1))\n    body = 'self.assertEqual(1, 1)' if n == 0 else 'self.assertEqual(slugify(\"A B\"), \"a-b\")'\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_t(self):\\n        ' + body + '\\n')\n    if n == 0:\n        write(impl_files[0], 'def slugify(t):\\n    return t\\n')\n\
elif step == 'green':\n    open(impl_files[0], 'w').write('def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n\
elif step == 'fix-review':\n    write('textkit/slug.py', '\\n# documented\\n')\n\
elif role == 'spec-reviewer':\n    print('PASS')\n\
elif role == 'quality-reviewer':\n    print('APPROVED' if 'documented' in open('textkit/slug.py').read() else 'ISSUES\\n1. [WARNING] Missing docstring — textkit/slug.py#L1')\n"
        ),
    );
    single_issue(repo);
}

#[test]
fn a_tdd_violation_restarted_to_success_labels_the_merged_pr() {
    let repo = Repo::demo();
    violation_then_success_agent(&repo);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 TDD Violation: "), "{text}");
    assert!(text.contains("🔄 Restarting Task 1 at RED (1/2)"), "{text}");
    assert!(text.contains("Result: FAILED ✓ (expected)"), "{text}");
    assert!(text.contains("✓ Label: tdd-violation"), "{text}");
    assert!(text.contains("✓ Merged into milestone/m1-text-tools"), "not held back: {text}");
    assert!(row(&plan(&repo), "01").contains("| ✅ Done | #1 |"));
    let prs = stdout(&repo.run(&["prs", "m1"]));
    let first = prs.lines().find(|l| l.contains("#1 ")).unwrap_or_else(|| panic!("{prs}"));
    assert!(first.contains("merged") && first.contains("tdd-violation"), "{prs}");
}

#[test]
fn the_tdd_violation_label_is_configurable() {
    let repo = Repo::demo();
    violation_then_success_agent(&repo);
    config_add(&repo, "policy:\n  labels:\n    tdd_violation: tdd-broken\n  hold_labels: [tdd-broken]\n");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ Label: tdd-broken\n"), "{text}");
    assert!(!text.contains("tdd-violation"), "{text}");
    assert!(text.contains("👀 Held back from auto-merge: tdd-broken"), "{text}");
    assert!(row(&plan(&repo), "01").contains("| 👀 Needs Review | #1 |"));
}

#[test]
fn a_rejected_push_offers_retry_up_to_the_configured_limit_then_skip_or_abort() {
    let repo = Repo::demo();
    config_add(&repo, "forge:\n  push: true\npolicy:\n  max_push_retries: 1\n");
    refuse_pushes(&repo, "refs/heads/feat/*", "policy: feature branches are frozen");
    let out = run_with_input(&repo, &["m1"], "fix\nretry\nretry\nskip\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🛑 Push failed\n\nError: "), "{text}");
    assert!(text.contains("policy: feature branches are frozen"), "{text}");
    assert!(
        text.contains("retry | skip | abort\n`fix` is not available here\n\nretry | skip | abort\n🔄 Retrying push..."),
        "{text}"
    );
    assert!(
        text.contains("\nskip | abort\n`retry` is not available here\n\nskip | abort\n\n⏭️ Skipped Issue #01"),
        "after one retry only skip | abort remain: {text}"
    );
    let p = plan(&repo);
    assert!(p.contains("- #01 Push failed: "), "{p}");
    let j = journal(&repo);
    let cmds: Vec<&str> = events(&j, "decision").iter().map(|e| e["command"].as_str().unwrap()).collect();
    assert_eq!(cmds, ["retry", "skip", "abort"]);
}

#[test]
fn a_failing_full_suite_prints_the_seed_test_failures_block() {
    let repo = Repo::demo();
    single_issue(&repo);
    // The task passes its own Verify but breaks the baseline test of the suite.
    command_agent(
        &repo,
        "if step == 'red':\n    write(test_files[0], 'import unittest\\nclass T(unittest.TestCase):\\n    def test_t(self):\\n        import textkit.slug as s\\n        self.assertTrue(hasattr(s, \"f\"))\\n')\nelif step == 'green':\n    write(impl_files[0], 'import textkit\\ntextkit.__version__ = \"broken\"\\ndef f():\\n    pass\\n')\n",
    );
    let out = run_with_input(&repo, &["m1"], "skip\nabort\n");
    let text = stdout(&out);
    assert!(
        text.contains("✓ Implemented (2 files, 9 lines)\n✗ Tests: 1 failed, 1 passed\n\n🛑 Tests failing (attempt 1/2)\n\nFailed:\n- test_version_is_set\n\nfix | skip | abort\n"),
        "{text}"
    );
    let issue_01 = &text[..text.find("⏭️ Skipped Issue #01").unwrap()];
    assert_eq!(issue_01.matches("✗ Tests:").count(), 1, "{text}");
    assert!(plan(&repo).contains("- #01 Tests failing — "));
}

/// The metrics JSON at the end of `text`.
#[test]
fn metrics_count_a_tdd_violation_and_a_review_fix_exactly() {
    let repo = Repo::demo();
    violation_then_success_agent(&repo);
    let out = repo.run(&["m1", "--autonomous", "--metrics"]);
    assert_exit(&out, 0);
    let m = metrics(&stdout(&out));
    // 01 merged; 02 and 03 (its dependency met) started and were BLOCKED; 04 and 05 wait.
    assert_eq!(m["issues"], serde_json::json!({"attempted": 3, "completed": 1, "skipped": 0}));
    // Every task started counts; only 01's ran to a commit, and it had a violation.
    assert_eq!(m["tasks"], serde_json::json!({"total": 3, "tdd_compliant": 0, "tdd_violations": 1}));
    assert_eq!(
        m["reviews"],
        serde_json::json!({"spec_pass_first_try": 1, "spec_required_fix": 0, "quality_pass_first_try": 0, "quality_required_fix": 1})
    );
    assert_eq!(m["commands_used"], serde_json::json!({"fix": 1, "restart": 1}));
    let one = &m["per_issue"]["01"];
    assert_eq!((one["outcome"].as_str(), one["pr"].as_u64()), (Some("merged"), Some(1)));
    assert_eq!(one["tdd_violations"], 1);
    assert_eq!(one["tasks"][0]["tdd_compliant"], false);
    assert_eq!(one["findings"], serde_json::json!({"critical": 0, "warning": 1, "other": 0}));
    // RED twice, GREEN, the fix, and three reviewer calls (Stage 1, Stage 2, its retry).
    assert_eq!(one["agent"]["calls"], 7);
    assert_eq!(m["per_issue"]["02"]["outcome"], "blocked");
}

/// `text` from the line starting with `from` to the end, with the `Duration:` value replaced.
fn summary_from(text: &str, from: &str) -> String {
    let start = text.find(from).unwrap_or_else(|| panic!("no {from:?} in {text}"));
    text[start..]
        .lines()
        .map(|l| if l.starts_with("Duration: ") { "Duration: <d>" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_autonomous_summary_with_a_skip_and_a_labelled_pr_exactly() {
    let repo = Repo::demo();
    red_passes_immediately(&repo);
    config_add(
        &repo,
        "policy:\n  surfaces:\n    - name: Title case\n      globs: [textkit/titlecase.py]\n      label: needs-human\n",
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let rule = "═".repeat(47);
    let expected = format!(
        "Autonomous Run Complete: m1
{rule}

Duration: <d>
Issues: 3 attempted
  ✅ Completed: 1
  ⏭️ Auto-skipped: 1

Auto-skipped reasons:
  - #01: TDD violation persisted

PRs created: 2
  Review needed: 1 (labelled needs-human: a human reviews and merges)

Waiting:
  - #03: waiting on #01 (⏭️ Skipped)
  - #05: waiting on #04 (👀 Needs Review)

Manual action required:
  - Review skipped issues
  - Approve PRs with labels
  - Unblock the issues others wait on

{rule}
Milestone m1: run finished, work remains
{rule}

Issues: 5 total
  ✅ Completed: 1
  ⏭️ Skipped: 1 (#01)
  👀 Needs review: 1
  ⏳ Waiting: 2

PRs: 2 created
  ✓ Clean: 1
  ⚠️ Warnings: 0
  🏷️ Labels: needs-human (1)
TDD cycles: 5 (4 compliant, 3 violations caught)
Review stages: 4 (2 × 2)

Commands used:
  continue: 1
  restart: 2
  skip: 1

Worktree: ../demo-m1 (kept for the next run)

Next steps:
1. Merge open PRs
2. Address skipped issues if needed
3. Resume with: run-milestone m1"
    );
    assert_eq!(summary_from(&text, "Autonomous Run Complete"), expected);
}

#[test]
fn the_milestone_complete_block_with_a_labelled_pr_exactly() {
    let repo = Repo::demo();
    // A label that does not hold the PR back (an explicit `hold_labels` leaves it out; a surface
    // label holds by default): it merges, labelled.
    config_add(
        &repo,
        "policy:\n  surfaces:\n    - name: Truncation\n      globs: [textkit/truncate.py]\n      label: docs-review\n  hold_labels: [needs-human]\n",
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ Label: docs-review"), "{text}");
    let rule = "═".repeat(47);
    let expected = format!(
        "Autonomous Run Complete: m1
{rule}

Duration: <d>
Issues: 5 attempted
  ✅ Completed: 5
  ⏭️ Auto-skipped: 0

PRs created: 5
  Review needed: 0

{rule}
✓ Milestone M1 Complete
{rule}

Issues: 5 total
  ✅ Completed: 5
  ⏭️ Skipped: 0

PRs: 5 created
  ✓ Clean: 4
  ⚠️ Warnings: 0
  🏷️ Labels: docs-review (1)
TDD cycles: 9 (all compliant)
Review stages: 10 (5 × 2)

Commands used:
  continue: 1

Worktree: ../demo-m1 (ready to remove)

Next steps:
1. Remove worktree:
   run-milestone cleanup m1   (or: git worktree remove ../demo-m1)
2. Create milestone PR → main (milestone/m1-text-tools → main, opened by a human)
3. Tag: v0.1.0"
    );
    assert_eq!(summary_from(&text, "Autonomous Run Complete"), expected);
}
