//! The two-stage review inside real runs: a spec review with a missing and an extra file (fixed
//! on attempt 1, and exhausted), a quality finding fixed on attempt 1, one exhausted after 2, and
//! a reviewer that times out.

use crate::common::{Repo, assert_exit, stdout};
use crate::support::*;

/// An implementer that does RED/GREEN from the spec's code files, plus reviewer behaviour.
fn agent(repo: &Repo, extra: &str) {
    let script = format!(
        "role = os.environ.get('RUN_MILESTONE_ROLE', '')\n\
if step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T%s(unittest.TestCase):\\n    def test_t%s(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n' % ((os.environ['RUN_MILESTONE_TASK'],) * 2))\n\
elif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n\
{extra}"
    );
    command_agent(repo, &script);
}

#[test]
fn spec_review_reports_a_missing_and_an_extra_file_then_is_exhausted() {
    let repo = Repo::demo();
    missing_and_extra(&repo);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("Stage 1: Spec Compliance\n├─ Files: ✗"), "{text}");
    assert!(text.contains("🛑 Spec compliance: 2 issues (attempt 1/2)"), "{text}");
    assert!(text.contains("1. Missing: textkit/helpers.py (Task 1: Create)"), "{text}");
    assert!(text.contains("2. Extra: textkit/cache.py (not in the spec)"), "{text}");
    assert!(text.contains("⚠️ Issue persists (the fix changed nothing)"), "{text}");
    assert!(text.contains("Stage 1: Spec Compliance (retry)"), "{text}");
    assert!(text.contains("🛑 Fix attempts exhausted (2/2)"), "{text}");
    assert!(!text.contains("Stage 2: Code Quality"), "Stage 2 runs only after Stage 1 passes: {text}");
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
    let prs = stdout(&repo.run(&["prs"]));
    assert!(!prs.contains("feat/m1-101-slugify"), "no PR before the review passes: {prs}");
}

#[test]
fn a_quality_finding_is_fixed_on_attempt_1_and_only_stage_2_reruns() {
    let repo = Repo::demo();
    single_issue(&repo);
    agent(
        &repo,
        "if step == 'fix-review':\n    write(impl_files[0] if impl_files else 'textkit/slug.py', '\\n# documented\\n')\n\
if role == 'spec-reviewer':\n    print('PASS')\n\
if role == 'quality-reviewer':\n    body = open('textkit/slug.py').read()\n    print('APPROVED' if 'documented' in body else 'ISSUES\\n1. [WARNING] Missing docstring — textkit/slug.py#L1')\n",
    );
    let out = repo.run(&["m1", "--autonomous", "--metrics"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 Code quality: 1 issue (attempt 1/2)\n\n1. [WARNING] Missing docstring — textkit/slug.py#L1\n\nfix | skip | abort\n🤖 Autonomous: fix"), "{text}");
    assert!(text.contains("Stage 2: Code Quality (retry)"), "{text}");
    assert!(!text.contains("Stage 1: Spec Compliance (retry)"), "only the failed stage re-runs: {text}");
    assert!(row(&plan(&repo), "01").contains("✅ Done"));
    assert!(
        repo.git(&["log", "--format=%s", "main..feat/m1-101-slugify"])
            .contains("fix(m1): address review findings (#101)")
    );
    let calls = agent_calls(&repo);
    assert_eq!(calls.iter().filter(|c| c.starts_with("fix-review")).count(), 1);
    let m = metrics(&text);
    assert_eq!(m["reviews"]["quality_required_fix"], 1);
    assert_eq!(m["per_issue"]["01"]["findings"]["warning"], 1);
}

#[test]
fn a_critical_quality_finding_is_exhausted_after_two_fixes() {
    let repo = Repo::demo();
    single_issue(&repo);
    agent(
        &repo,
        "if role == 'spec-reviewer':\n    print('PASS')\nif role == 'quality-reviewer':\n    print('ISSUES\\n1. [CRITICAL] Complex logic needs refactor — textkit/slug.py#L2')\n",
    );
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 Code quality: 1 issue (attempt 2/2)"), "{text}");
    assert!(text.contains("🛑 Fix attempts exhausted (2/2)\n\n1. [CRITICAL] Complex logic needs refactor — textkit/slug.py#L2\n\nskip | abort\n🤖 Autonomous: skip"), "{text}");
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
    assert!(plan(&repo).contains("- #01 Fix attempts exhausted (code quality) — "));
}

#[test]
fn a_reviewer_that_times_out_leaves_the_pr_for_a_human() {
    let repo = Repo::demo();
    single_issue(&repo);
    agent(&repo, "if role == 'spec-reviewer':\n    import time\n    time.sleep(30)\n");
    config_add(&repo, "policy:\n  review_timeout_seconds: 1\n");
    let started = std::time::Instant::now();
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(25), "the reviewer was killed at its timeout");
    let text = stdout(&out);
    assert!(text.contains("⏳ Stage 1 review pending (reviewer timed out): PR #1 waits for a human"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(row(&p, "03").contains("⬜ Todo"), "dependents wait: {p}");
}

/// Issue 01 (one task) whose spec also lists `textkit/helpers.py`, an agent that adds
/// `textkit/cache.py`: Stage 1 finds one missing and one extra file.
fn missing_and_extra(repo: &Repo) {
    edit(
        repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "- Create: `textkit/slug.py`\n- Test: `tests/test_slug.py`\n\n**RED:**\n```python\nimport unittest",
        "- Create: `textkit/slug.py`\n- Create: `textkit/helpers.py`\n- Test: `tests/test_slug.py`\n\n**RED:**\n```python\nimport unittest",
    );
    single_issue(repo);
    agent(
        repo,
        "if step == 'green':\n    write('textkit/cache.py', 'CACHE = {}\\n')\nif role == 'spec-reviewer':\n    print('PASS')\nif role == 'quality-reviewer':\n    print('APPROVED')\n",
    );
}

#[test]
fn a_spec_finding_fixed_on_attempt_1_counts_as_spec_required_fix() {
    let repo = Repo::demo();
    missing_and_extra(&repo);
    // Only issue 01 is scripted (the others block at once, so the metrics are 01's); its
    // review fix creates the missing file and removes the extra one.
    let script = std::fs::read_to_string(repo.tmp.path().join("fake-agent.py")).unwrap();
    let script = script.replacen(
        "def write(",
        "if os.environ['RUN_MILESTONE_ISSUE'] != '01':\n    print('STATUS: BLOCKED only issue 01 is scripted')\n    sys.exit(0)\nif step == 'fix-review':\n    open('textkit/helpers.py', 'w').write('HELP = 1\\n')\n    os.remove('textkit/cache.py')\ndef write(",
        1,
    );
    std::fs::write(repo.tmp.path().join("fake-agent.py"), script).unwrap();
    let out = repo.run(&["m1", "--autonomous", "--metrics"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 Spec compliance: 2 issues (attempt 1/2)"), "{text}");
    assert!(text.contains("fix | skip | abort\n🤖 Autonomous: fix\n\n🔧 Fixing..."), "{text}");
    let retry = &text[text.find("Stage 1: Spec Compliance (retry)").expect("a Stage 1 retry")..];
    let retry = &retry[..retry.find("\n\n").unwrap()];
    assert!(retry.contains("├─ Files: ✓") && retry.ends_with("└─ Result: PASS ✓"), "{retry}");
    assert!(!text.contains("Issue persists"), "{text}");
    assert!(row(&plan(&repo), "01").contains("✅ Done"), "{text}");
    assert_eq!(agent_calls(&repo).iter().filter(|c| c.starts_with("fix-review 01")).count(), 1);
    let m = metrics(&text);
    assert_eq!(
        m["reviews"],
        serde_json::json!({"spec_pass_first_try": 0, "spec_required_fix": 1, "quality_pass_first_try": 1, "quality_required_fix": 0})
    );
    assert_eq!(m["commands_used"], serde_json::json!({"fix": 1}));
    assert_eq!(m["per_issue"]["01"]["outcome"], "merged");
    assert_eq!(m["per_issue"]["01"]["findings"], serde_json::json!({"critical": 0, "warning": 0, "other": 2}));
}

#[test]
fn skipping_spec_issues_at_attempt_1_records_the_issues_not_exhaustion() {
    let repo = Repo::demo();
    missing_and_extra(&repo);
    let out = run_with_input(&repo, &["m1"], "approve\nskip\nabort\n");
    let text = stdout(&out);
    assert!(
        text.contains("fix | skip | abort\n`approve` is not available here\n\nfix | skip | abort\n"),
        "an unavailable command is rejected and re-asked: {text}"
    );
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(p.contains("- #01 Spec compliance issues (2 findings) — "), "{p}");
    assert!(!p.contains("Fix attempts exhausted"), "{p}");
}

#[test]
fn skipping_quality_issues_at_attempt_1_records_the_issues_not_exhaustion() {
    let repo = Repo::demo();
    single_issue(&repo);
    agent(
        &repo,
        "if role == 'spec-reviewer':\n    print('PASS')\nif role == 'quality-reviewer':\n    print('ISSUES\\n1. [CRITICAL] Complex logic needs refactor — textkit/slug.py#L2')\n",
    );
    let out = run_with_input(&repo, &["m1"], "retry\nskip\nabort\n");
    let text = stdout(&out);
    assert!(
        text.contains("🛑 Code quality: 1 issue (attempt 1/2)\n\n1. [CRITICAL] Complex logic needs refactor — textkit/slug.py#L2\n\nfix | skip | abort\n`retry` is not available here\n\nfix | skip | abort\n"),
        "{text}"
    );
    let p = plan(&repo);
    assert!(p.contains("- #01 Code quality issues (1 finding) — "), "{p}");
}

/// The quality reviewer asks whether the hyphen rule is intended until an answer reaches it.
fn asking_quality_reviewer(repo: &Repo) {
    single_issue(repo);
    agent(
        repo,
        "if role == 'spec-reviewer':\n    print('PASS')\nif role == 'quality-reviewer':\n    if 'hyphens are intended' in prompt and 'hyphens are intended' in feedback:\n        print('APPROVED')\n    else:\n        print('STATUS: NEEDS_CONTEXT Are hyphens between words intended?')\n        sys.exit(0)\n",
    );
}

#[test]
fn a_reviewer_needing_context_gets_the_typed_answer_and_reviews_again() {
    let repo = Repo::demo();
    asking_quality_reviewer(&repo);
    let out = run_with_input(&repo, &["m1"], "hyphens are intended\nabort\n");
    let text = stdout(&out);
    assert!(
        text.contains("Stage 2: Code Quality\n├─ Lint: not configured\n├─ Reviewer: ❓ needs context\n└─ Result: NEEDS CONTEXT\n\n❓ Reviewer needs context: Are hyphens between words intended?\n\nIssue #01 Stage 2: Code Quality\n\n<answer> | skip | abort\n"),
        "{text}"
    );
    assert!(text.contains("🤖 Re-running code quality with the answer...\n\nStage 2: Code Quality (retry)\n├─ Lint: not configured\n├─ Reviewer: ✓ APPROVED\n"), "{text}");
    assert!(!text.contains("Stage 1: Spec Compliance (retry)"), "only the asking stage re-runs: {text}");
    assert!(row(&plan(&repo), "01").contains("✅ Done"), "{text}");
    let j = journal(&repo);
    let interviews = events(&j, "interview");
    assert_eq!(interviews[0]["answer"], "hyphens are intended");
    assert_eq!(interviews[0]["who"], "Reviewer");
}

#[test]
fn a_reviewer_needing_context_autonomously_skips_with_the_question() {
    let repo = Repo::demo();
    asking_quality_reviewer(&repo);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("<answer> | skip | abort\n🤖 Autonomous: skip"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(p.contains("- #01 needs context: Are hyphens between words intended? — "), "{p}");
    assert!(!stdout(&repo.run(&["prs", "m1"])).contains("#1 "), "no PR");
}
