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
    let out = run_with_input(&repo, &["m1"], "fix\nrestart\nskip\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("🛑 TDD Violation: test passes immediately"), "{text}");
    assert!(text.contains("restart | skip | abort\n`fix` is not available here\n\nrestart | skip | abort\n"), "{text}");
    assert!(text.contains("🔄 Restarting Task 1 at RED (1/2)"), "{text}");
    assert!(text.contains("⏭️ Skipped Issue #01"), "{text}");
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
    let j = journal(&repo);
    let cmds: Vec<&str> = events(&j, "decision").iter().map(|e| e["command"].as_str().unwrap()).collect();
    assert_eq!(cmds[..3], ["restart", "skip", "abort"]);
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
            "🛑 Tests failing (attempt 1/2)\n\n✗ Tests: 1 failed, 0 passed\n\nFailed:\n- test_a\n\nfix | skip | abort\n"
        ),
        "{text}"
    );
    assert!(text.contains("🛑 Fix attempts exhausted (2/2)"), "{text}");
    assert!(text.contains("skip | abort\n`fix` is not available here\n\nskip | abort\n"), "{text}");
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
}

#[test]
fn status_and_help_work_at_a_prompt() {
    let repo = Repo::demo();
    let out = run_with_input(&repo, &["m1"], "status\nhelp\nfrobnicate\nabort\n");
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

fn needs_context_agent(repo: &Repo) {
    command_agent(
        repo,
        "if 'use hyphens' not in feedback and 'use hyphens' not in prompt:\n    print('STATUS: NEEDS_CONTEXT Should slugify join words with hyphens or underscores?')\n    sys.exit(0)\nif step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_a(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\nelif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n",
    );
}

#[test]
fn needs_context_interactively_passes_the_answer_back() {
    let repo = Repo::demo();
    needs_context_agent(&repo);
    let out = run_with_input(&repo, &["m1"], "use hyphens\nuse hyphens\nabort\n");
    let text = stdout(&out);
    assert!(text.contains("❓ Agent needs context: Should slugify join words with hyphens or underscores?"), "{text}");
    assert!(text.contains("<answer> | skip | abort"), "{text}");
    assert!(text.contains("Result: FAILED ✓ (expected)"), "the answer unblocked RED: {text}");
    let j = journal(&repo);
    let interviews = events(&j, "interview");
    assert!(!interviews.is_empty());
    assert_eq!(interviews[0]["answer"], "use hyphens");
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
    let reviews = m["reviews"].as_object().unwrap();
    assert_eq!(reviews.len(), 4);
    for k in ["spec_pass_first_try", "spec_required_fix", "quality_pass_first_try", "quality_required_fix"] {
        assert!(reviews[k].is_u64(), "{k}");
    }
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
