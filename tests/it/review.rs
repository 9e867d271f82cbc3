//! The two-stage review on real git repositories: a real change, its `issue_diff`, Verify and
//! lint commands run in the working tree, and reviewer agents that are real processes (fake
//! `command` executables and a fake `claude` first on its `PATH`) answering in every shape.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::{Oid, Repository};
use run_milestone::agent::claude::ClaudeAgent;
use run_milestone::agent::command::CommandAgent;
use run_milestone::agent::spec::SpecAgent;
use run_milestone::config::{ClaudeConfig, CommandAgentConfig, PolicyConfig};
use run_milestone::git::diff::{IssueDiff, issue_diff};
use run_milestone::git::ops::Exclude;
use run_milestone::milestone::MilestoneId;
use run_milestone::plan::parse::parse_plan;
use run_milestone::plan::spec::parse_spec;
use run_milestone::plan::{Issue, Spec};
use run_milestone::review::{
    Finding, ReviewInput, Severity, Stage, StageResult, quality_stage, spec_stage, verdict_schema,
};

use crate::common::{Repo, require};

const PLAN: &str = "# Milestone m1: Text Tools\n\nBase branch: milestone/m1-text-tools\n\n## Phase 1: Core\n\n\
| # | Issue | GitHub | Priority | Depends | Status | PR |\n|---|-------|--------|----------|---------|--------|----|\n\
| 01 | Add slugify | #101 | P0 | – | ⬜ Todo | |\n";

/// Two tasks; Task 2 also modifies the README. `{TEST2}` is Task 2's `Test:` line.
const SPEC: &str = "---\ntitle: \"Add slugify\"\ngithub_issue: 101\n---\n\n# Add slugify\n\n\
## Done Definition\n\nSlugs and word counts.\n\n## Tasks\n\n\
### Task 1: Slugify (3 min)\n\n**Files:**\n- Create: `textkit/slug.py`\n- Test: `tests/test_slug.py`\n\n\
**Verify:** `python3 -m unittest tests.test_slug -v`\n\n\
### Task 2: Word count (3 min)\n\n**Files:**\n- Create: `textkit/words.py`\n- Modify: `README.md`\n{TEST2}\n\
**Verify:** `{VERIFY2}`\n\n\
## Acceptance Criteria\n\n- [ ] `slugify(\"Hello World\")` is `hello-world`\n- [ ] `count(\"a b\")` is 2\n";

const SLUG: &str = "def slugify(text):\n    return \"-\".join(text.lower().split())\n";
const TEST_SLUG: &str = "import unittest\n\nfrom textkit.slug import slugify\n\n\nclass T(unittest.TestCase):\n    def test_slug(self):\n        self.assertEqual(slugify(\"Hello World\"), \"hello-world\")\n";
const WORDS: &str = "def count(text):\n    return len(text.split())\n";
const TEST_WORDS: &str = "import unittest\n\nfrom textkit.words import count\n\n\nclass T(unittest.TestCase):\n    def test_count(self):\n        self.assertEqual(count(\"a b\"), 2)\n";

fn spec_text(with_test2: bool) -> String {
    let (test2, verify2) = if with_test2 {
        ("- Test: `tests/test_words.py`\n", "python3 -m unittest tests.test_words -v")
    } else {
        ("", "python3 -m unittest tests.test_slug -v")
    };
    SPEC.replace("{TEST2}", test2).replace("{VERIFY2}", verify2)
}

/// The complete, compliant change.
fn good() -> Vec<(&'static str, &'static str)> {
    vec![
        ("textkit/slug.py", SLUG),
        ("tests/test_slug.py", TEST_SLUG),
        ("textkit/words.py", WORDS),
        ("tests/test_words.py", TEST_WORDS),
        ("README.md", "hello\n\nSlugs and word counts.\n"),
    ]
}

/// A repository whose `issue` branch (checked out) holds `files` on top of `main`.
struct Fx {
    repo: Repo,
    milestone: MilestoneId,
    issue: Issue,
    spec: Spec,
    diff: IssueDiff,
    policy: PolicyConfig,
}

impl Fx {
    fn new(spec_src: &str, files: &[(&str, &str)]) -> Fx {
        require("python3");
        let repo = Repo::with_contents("proj", None);
        repo.write("textkit/__init__.py", "");
        repo.write("tests/__init__.py", "");
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "packages"]);
        let head = repo.commit_on("issue", Some("main"), files, "feat(m1): the issue (#101)");
        repo.git(&["checkout", "-q", "issue"]);
        let git = Repository::open(&repo.root).unwrap();
        let oid = |s: &str| Oid::from_str(s).unwrap();
        let exclude = Exclude::new(["milestones/m1-text-tools"]);
        let diff = issue_diff(&git, oid(&repo.sha("main")), oid(&head), &exclude).unwrap();
        let plan = parse_plan(Path::new("IMPLEMENTATION_PLAN.md"), PLAN).unwrap();
        let spec = parse_spec(Path::new("milestones/m1-text-tools/issues/01-slugify.md"), spec_src).unwrap();
        let policy = PolicyConfig { review_timeout_seconds: 60, test_timeout_seconds: 60, ..PolicyConfig::default() };
        Fx { repo, milestone: "m1".parse().unwrap(), issue: plan.issues[0].clone(), spec, diff, policy }
    }

    fn good() -> Fx {
        Fx::new(&spec_text(true), &good())
    }

    fn input(&self) -> ReviewInput<'_> {
        ReviewInput {
            milestone: &self.milestone,
            issue: &self.issue,
            spec: &self.spec,
            diff: &self.diff,
            workdir: &self.repo.root,
            policy: &self.policy,
            answers: None,
        }
    }

    fn bin(&self) -> PathBuf {
        let dir = self.repo.tmp.path().join("bin");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn install(&self, name: &str, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.bin().join(name);
        let script = script.replacen('\n', &format!("\nD='{}'\n", self.bin().display()), 1);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// A `command` reviewer that records its prompt, schema and context, prints `reply` and
    /// exits with `code`.
    fn reviewer(&self, reply: &str, code: i32) -> CommandAgent {
        std::fs::write(self.bin().join("reply.out"), reply).unwrap();
        std::fs::write(self.bin().join("exit.code"), code.to_string()).unwrap();
        let program = self.install("reviewer", RECORDER);
        command(&program)
    }

    fn recorded(&self, name: &str) -> String {
        std::fs::read_to_string(self.bin().join(name)).unwrap()
    }

    /// `PATH` with the fakes first.
    fn path(&self) -> OsString {
        let mut p = self.bin().into_os_string();
        p.push(":");
        p.push(std::env::var_os("PATH").unwrap_or_default());
        p
    }
}

const RECORDER: &str = r#"#!/bin/sh
cat > "$D/stdin.txt"
printf '%s' "$RUN_MILESTONE_JSON_SCHEMA" > "$D/schema.txt"
printf '%s %s %s' "$RUN_MILESTONE_ROLE" "$RUN_MILESTONE_STEP" "$(pwd)" > "$D/ctx.txt"
cat "$D/reply.out"
exit "$(cat "$D/exit.code")"
"#;

fn command(program: &Path) -> CommandAgent {
    CommandAgent::new(CommandAgentConfig { program: Some(program.display().to_string()), args: vec![] })
}

fn rendered(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(Finding::render).collect()
}

fn reviewer_check(r: &StageResult) -> String {
    r.checks.iter().find(|c| c.label == "Reviewer").map(|c| c.render()).unwrap_or_default()
}

#[test]
fn builtin_only_review_of_a_compliant_change_passes_both_stages() {
    let fx = Fx::good();
    let r = spec_stage(&fx.input(), &mut SpecAgent);
    assert_eq!(
        r.render(false),
        [
            "Stage 1: Spec Compliance",
            "├─ Files: ✓ match the spec",
            "├─ Verify: ✓ 2/2 tasks pass",
            "├─ Tests: ✓ every task has a test",
            "├─ Reviewer: built-in passes only (spec agent)",
            "└─ Result: PASS ✓",
        ]
    );
    assert!(r.passed && !r.pending && r.findings.is_empty() && r.usage.is_none());
    let q = quality_stage(&fx.input(), &mut SpecAgent);
    assert_eq!(
        q.render(false),
        [
            "Stage 2: Code Quality",
            "├─ Lint: not configured",
            "├─ Reviewer: built-in passes only (spec agent)",
            "└─ Result: APPROVED ✓"
        ]
    );
    assert!(q.passed);
}

#[test]
fn spec_review_finds_a_missing_and_an_extra_file() {
    let mut files = good();
    files.retain(|(p, _)| *p != "README.md");
    files.push(("textkit/cache.py", "CACHE = {}\n"));
    let fx = Fx::new(&spec_text(true), &files);
    let r = spec_stage(&fx.input(), &mut SpecAgent);
    assert_eq!(
        r.render(false),
        [
            "Stage 1: Spec Compliance",
            "├─ Files: ✗ 1 missing, 1 extra",
            "├─ Verify: ✓ 2/2 tasks pass",
            "├─ Tests: ✓ every task has a test",
            "├─ Reviewer: built-in passes only (spec agent)",
            "└─ Result: ISSUES",
        ]
    );
    assert!(!r.passed && !r.pending);
    let (headline, lines) = r.stop_lines();
    assert_eq!(headline, "🛑 Spec compliance: 2 issues");
    assert_eq!(lines, ["1. Missing: README.md (Task 2: Modify)", "2. Extra: textkit/cache.py (not in the spec)"]);
}

#[test]
fn a_failing_verify_is_a_finding() {
    let mut files = good();
    files[2] = ("textkit/words.py", "def count(text):\n    return len(text)\n");
    let fx = Fx::new(&spec_text(true), &files);
    let r = spec_stage(&fx.input(), &mut SpecAgent);
    assert_eq!(r.render(false)[2], "├─ Verify: ✗ 1/2 tasks pass");
    assert!(!r.passed);
    assert_eq!(
        rendered(&r.findings),
        ["Verify fails: Task 2 `python3 -m unittest tests.test_words -v` (exit 1: AssertionError: 3 != 2)"]
    );
}

#[test]
fn a_task_without_a_test_file_is_a_finding() {
    let mut files = good();
    files.retain(|(p, _)| *p != "tests/test_words.py");
    let fx = Fx::new(&spec_text(false), &files);
    let r = spec_stage(&fx.input(), &mut SpecAgent);
    assert_eq!(
        r.render(false)[1..4],
        ["├─ Files: ✓ match the spec", "├─ Verify: ✓ 2/2 tasks pass", "├─ Tests: ✗ Task 2 has no test"]
    );
    assert_eq!(rendered(&r.findings), ["No test: Task 2 (Word count) lists no `Test:` file"]);
    assert!(!r.passed);
}

#[test]
fn a_pass_from_the_reviewer_after_it_got_the_diff_and_the_schema() {
    let fx = Fx::good();
    let r = spec_stage(&fx.input(), &mut fx.reviewer("PASS — if compliant\n", 0));
    assert_eq!(reviewer_check(&r), "Reviewer: ✓ PASS");
    assert!(r.passed && r.findings.is_empty());
    assert_eq!(r.render(false).last().unwrap(), "└─ Result: PASS ✓");
    let prompt = fx.recorded("stdin.txt");
    assert!(prompt.starts_with("You are reviewing for spec compliance.\n"), "{prompt}");
    assert!(prompt.contains("## Git Diff\n\n```diff\ndiff --git a/README.md b/README.md"), "{prompt}");
    assert!(prompt.contains("+def slugify(text):") && prompt.contains("+++ b/tests/test_words.py"));
    assert_eq!(fx.recorded("schema.txt"), verdict_schema(Stage::Spec));
    let root = fx.repo.root.canonicalize().unwrap();
    assert_eq!(fx.recorded("ctx.txt"), format!("spec-reviewer review {}", root.display()));
    assert!(r.usage.is_some());
    assert!(r.reviewer_output.contains("PASS — if compliant"));
}

#[test]
fn issues_from_the_reviewer_fail_the_stage() {
    let fx = Fx::good();
    let reply = "ISSUES\n1. Missing: `count` ignores punctuation (criterion #2)\n2. Extra: a debug print — textkit/slug.py#L2\n";
    let r = spec_stage(&fx.input(), &mut fx.reviewer(reply, 0));
    assert_eq!(reviewer_check(&r), "Reviewer: ✗ ISSUES");
    assert!(!r.passed && !r.pending);
    assert_eq!(
        r.stop_lines(),
        (
            "🛑 Spec compliance: 2 issues".to_string(),
            vec![
                "1. Missing: `count` ignores punctuation (criterion #2)".to_string(),
                "2. Extra: a debug print — textkit/slug.py#L2".to_string()
            ]
        )
    );
}

#[test]
fn json_verdicts_from_the_reviewer() {
    let fx = Fx::good();
    let r = spec_stage(&fx.input(), &mut fx.reviewer(r#"{"verdict":"PASS","findings":[]}"#, 0));
    assert!(r.passed, "{:?}", r.findings);
    let reply = r#"{"verdict":"ISSUES","findings":[{"severity":"WARNING","text":"count splits on spaces only","location":"textkit/words.py#L2"}]}"#;
    let q = quality_stage(&fx.input(), &mut fx.reviewer(reply, 0));
    assert_eq!(fx.recorded("schema.txt"), verdict_schema(Stage::Quality));
    assert!(fx.recorded("ctx.txt").starts_with("quality-reviewer review "));
    assert!(!q.passed, "a reviewer's ISSUES fails the stage whatever the severities");
    assert_eq!((q.warnings(), q.criticals()), (1, 0));
    assert_eq!(rendered(&q.findings), ["[WARNING] count splits on spaces only — textkit/words.py#L2"]);
}

#[test]
fn an_unreadable_verdict_fails_never_passes() {
    let fx = Fx::good();
    let r = spec_stage(&fx.input(), &mut fx.reviewer("Looks good to me!\n", 0));
    assert!(!r.passed && !r.pending);
    assert_eq!(reviewer_check(&r), "Reviewer: ✗ verdict unreadable");
    assert_eq!(
        rendered(&r.findings),
        [
            "Reviewer verdict could not be read: no verdict line (expected PASS or ISSUES: a line `PASS` or `ISSUES`); the reply began with: `Looks good to me!`"
        ]
    );
    let q = quality_stage(&fx.input(), &mut fx.reviewer("APPROVED\n- [WARNING] tiny nit — a.py#L1\n", 0));
    assert!(!q.passed);
    assert_eq!(rendered(&q.findings), ["Reviewer verdict could not be read: APPROVED with 1 finding(s) attached"]);
    let b = spec_stage(&fx.input(), &mut fx.reviewer("STATUS: BLOCKED — cannot read the diff\n", 0));
    assert!(!b.passed);
    assert_eq!(rendered(&b.findings), ["Reviewer did not review (BLOCKED): cannot read the diff"]);
}

#[test]
fn a_reviewer_that_times_out_leaves_the_stage_pending_quickly() {
    let mut fx = Fx::good();
    fx.policy.review_timeout_seconds = 1;
    let sleeper = fx.install("sleeper", "#!/bin/sh\nsleep 30\n");
    let start = Instant::now();
    let q = quality_stage(&fx.input(), &mut command(&sleeper));
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert!(q.pending && !q.passed && !q.failed());
    assert_eq!(q.render(false)[2..], ["├─ Reviewer: ⏳ pending (timed out after 1s)", "└─ Result: PENDING"]);
    assert_eq!(q.stop_lines().0, "⏳ Code quality: review pending");
    // Built-in findings fail the stage, time-out or not.
    let mut files = good();
    files.push(("textkit/cache.py", "CACHE = {}\n"));
    let mut fx = Fx::new(&spec_text(true), &files);
    fx.policy.review_timeout_seconds = 1;
    let sleeper = fx.install("sleeper", "#!/bin/sh\nsleep 30\n");
    let r = spec_stage(&fx.input(), &mut command(&sleeper));
    assert!(!r.pending && !r.passed);
    assert_eq!(reviewer_check(&r), "Reviewer: ⏳ pending (timed out after 1s)");
}

#[test]
fn a_reviewer_that_needs_context_asks_and_gets_the_answers_in_its_prompt() {
    let fx = Fx::good();
    let r = quality_stage(&fx.input(), &mut fx.reviewer("STATUS: NEEDS_CONTEXT Is a 40-char limit intended?\n", 0));
    assert!(!r.passed && !r.pending && r.failed());
    assert_eq!(r.question.as_deref(), Some("Is a 40-char limit intended?"));
    assert_eq!(r.render(false)[2..], ["├─ Reviewer: ❓ needs context", "└─ Result: NEEDS CONTEXT"]);
    assert!(r.findings.is_empty(), "a question is not a finding: {:?}", r.findings);
    // The answers so far go into the reviewer's prompt.
    let answers = "Question: Is a 40-char limit intended?\nAnswer from the person running the milestone: yes";
    let input = ReviewInput { answers: Some(answers), ..fx.input() };
    let r = quality_stage(&input, &mut fx.reviewer("APPROVED\n", 0));
    assert!(r.passed);
    let prompt = fx.recorded("stdin.txt");
    assert!(prompt.contains(&format!("## Answers to earlier questions\n\n```text\n{answers}\n```\n")), "{prompt}");
    // With built-in findings the stage fails with them; the question becomes a finding.
    let mut files = good();
    files.push(("textkit/cache.py", "CACHE = {}\n"));
    let fx = Fx::new(&spec_text(true), &files);
    let r = spec_stage(&fx.input(), &mut fx.reviewer("STATUS: NEEDS_CONTEXT Is the cache wanted?\n", 0));
    assert_eq!(r.question, None);
    assert_eq!(
        rendered(&r.findings),
        ["Extra: textkit/cache.py (not in the spec)", "Reviewer did not review (NEEDS_CONTEXT): Is the cache wanted?"]
    );
}

#[test]
fn a_reviewer_that_fails_fails_the_stage() {
    let fx = Fx::good();
    let r = spec_stage(&fx.input(), &mut fx.reviewer("boom\nrate limited\n", 3));
    assert!(!r.passed && !r.pending);
    assert_eq!(reviewer_check(&r), "Reviewer: ✗ failed");
    let program = fx.bin().join("reviewer").display().to_string();
    assert_eq!(
        rendered(&r.findings),
        [format!("Reviewer failed (command): {program} exited with exit 3: | boom | rate limited")]
    );
    assert!(r.reviewer_output.contains("rate limited"));
    let missing = fx.bin().join("no-such-reviewer");
    let r = spec_stage(&fx.input(), &mut command(&missing));
    assert!(!r.passed);
    assert_eq!(
        rendered(&r.findings),
        [format!(
            "Reviewer failed (command): cannot start `{}`: no such file (set agent.command.program)",
            missing.display()
        )]
    );
}

#[test]
fn quality_review_reports_lint_warnings_without_failing_on_them() {
    let mut files = good();
    files.push(("src/a.py", "import os, sys\n\n\nprint(os, sys)\n"));
    let mut fx = Fx::new(&spec_text(true), &files);
    fx.policy.lint_command = Some(r#"echo "src/a.py:3:1: E401 multiple imports"; exit 1"#.into());
    let q = quality_stage(&fx.input(), &mut fx.reviewer("APPROVED\n", 0));
    assert_eq!(
        q.render(false),
        ["Stage 2: Code Quality", "├─ Lint: ⚠️ 1 warning", "├─ Reviewer: ✓ APPROVED", "└─ Result: APPROVED ✓"]
    );
    assert!(q.passed);
    assert_eq!((q.warnings(), q.criticals()), (1, 0));
    assert_eq!(rendered(&q.findings), ["[WARNING] E401 multiple imports — src/a.py#L3"]);
    let prompt = fx.recorded("stdin.txt");
    assert!(prompt.starts_with("You are reviewing code quality.\n\n## Diff\n\n```diff\n"), "{prompt}");
    assert!(prompt.contains("+import os, sys"));

    let reply = "ISSUES\n1. [CRITICAL] prints secrets — src/a.py#L4\n";
    let q = quality_stage(&fx.input(), &mut fx.reviewer(reply, 0));
    assert!(!q.passed);
    assert_eq!((q.warnings(), q.criticals()), (1, 1));
    let (headline, lines) = q.stop_lines();
    assert_eq!(headline, "🛑 Code quality: 2 issues");
    assert_eq!(
        lines,
        ["1. [WARNING] E401 multiple imports — src/a.py#L3", "2. [CRITICAL] prints secrets — src/a.py#L4"]
    );
}

/// A fake `claude` that records its arguments and answers with `structured_output`.
const CLAUDE: &str = r#"#!/bin/sh
cat > "$D/stdin.txt"
printf '%s\0' "$@" > "$D/args.txt"
cat "$D/claude.out"
"#;

#[test]
fn claude_reviewer_gets_the_schema_flag_and_answers_in_structured_output() {
    let fx = Fx::good();
    fx.install("claude", CLAUDE);
    let out = r#"{"type":"result","subtype":"success","is_error":false,"result":"","total_cost_usd":0.03,"num_turns":2,"structured_output":{"verdict":"ISSUES","findings":[{"severity":"CRITICAL","text":"count crashes on None","location":"textkit/words.py#L2"}]}}"#;
    std::fs::write(fx.bin().join("claude.out"), out).unwrap();
    let mut agent = ClaudeAgent::new(ClaudeConfig::default()).with_env("PATH", fx.path());
    let q = quality_stage(&fx.input(), &mut agent);
    let args: Vec<String> = fx.recorded("args.txt").split_terminator('\0').map(String::from).collect();
    let at = args.iter().position(|a| a == "--json-schema").expect("--json-schema passed");
    assert_eq!(args[at + 1], verdict_schema(Stage::Quality));
    assert!(!q.passed);
    assert_eq!(q.findings[0].severity, Some(Severity::Critical));
    assert_eq!(rendered(&q.findings), ["[CRITICAL] count crashes on None — textkit/words.py#L2"]);
    let usage = q.usage.expect("usage reported");
    assert_eq!((usage.cost_usd, usage.turns), (Some(0.03), Some(2)));
    assert_eq!(q.reviewer_output, out);
}
