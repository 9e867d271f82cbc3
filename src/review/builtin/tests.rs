//! The built-in passes on parsed specs, hand-made diffs and real shell commands.

use super::*;
use crate::config::PolicyConfig;
use crate::git::diff::FileChange;
use crate::plan::spec::parse_spec;

fn spec(tasks: &str) -> Spec {
    let src = format!(
        "---\ntitle: \"Add slugify\"\n---\n\n# Add slugify\n\n## Done Definition\n\nSlugs.\n\n## Tasks\n\n{tasks}\n## Acceptance Criteria\n\n- [ ] slugs\n"
    );
    parse_spec(Path::new("issues/01-slugify.md"), &src).unwrap()
}

fn task(n: u32, files: &str, verify: &str) -> String {
    format!("### Task {n}: Step {n} (3 min)\n\n**Files:**\n{files}\n**Verify:** `{verify}`\n\n")
}

fn change(path: &str, kind: ChangeKind) -> FileChange {
    FileChange { path: path.into(), old_path: None, kind, added: 1, deleted: 0, old: None, new: Some("x\n".into()) }
}

fn diff(files: &[(&str, ChangeKind)]) -> IssueDiff {
    IssueDiff { files: files.iter().map(|(p, k)| change(p, *k)).collect(), patch: String::new() }
}

fn texts(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(Finding::render).collect()
}

fn two_tasks() -> Spec {
    spec(&format!(
        "{}{}",
        task(1, "- Create: `textkit/slug.py`\n- Test: `tests/test_slug.py`\n", "true"),
        task(2, "- Modify: `textkit/slug.py`\n- Modify: `README.md`\n- Test: `tests/test_slug.py`\n", "true")
    ))
}

#[test]
fn files_that_match_the_spec() {
    let d = diff(&[
        ("textkit/slug.py", ChangeKind::Added),
        ("tests/test_slug.py", ChangeKind::Added),
        ("README.md", ChangeKind::Modified),
    ]);
    let (check, findings) = files_check(&two_tasks(), &d);
    assert_eq!(check.render(), "Files: ✓ match the spec");
    assert!(findings.is_empty());
}

#[test]
fn missing_and_extra_files() {
    let d = diff(&[
        ("textkit/slug.py", ChangeKind::Added),
        ("textkit/cache.py", ChangeKind::Added),
        ("old.py", ChangeKind::Deleted),
        ("README.md", ChangeKind::Deleted),
    ]);
    let (check, findings) = files_check(&two_tasks(), &d);
    assert_eq!(check.render(), "Files: ✗ 2 missing, 2 extra");
    assert_eq!(
        texts(&findings),
        [
            "Missing: tests/test_slug.py (Task 1: Test, Task 2: Test)",
            "Missing: README.md (Task 2: Modify)",
            "Extra: textkit/cache.py (not in the spec)",
            "Extra: old.py (deleted, not in the spec)",
        ]
    );
    let (check, _) = files_check(&two_tasks(), &diff(&[("x.py", ChangeKind::Added)]));
    assert_eq!(check.detail, "3 missing, 1 extra");
}

#[test]
fn directories_and_globs_in_files_lists() {
    let s = spec(&task(1, "- Create: `src/models/`\n- Test: `tests/**/test_*.py`\n", "true"));
    let d = diff(&[("src/models/user.py", ChangeKind::Added), ("tests/models/test_user.py", ChangeKind::Added)]);
    assert!(files_check(&s, &d).1.is_empty());
    let d = diff(&[("src/modelsx.py", ChangeKind::Added)]);
    assert_eq!(
        texts(&files_check(&s, &d).1),
        [
            "Missing: src/models/ (Task 1: Create)",
            "Missing: tests/**/test_*.py (Task 1: Test)",
            "Extra: src/modelsx.py (not in the spec)"
        ]
    );
}

#[test]
fn verify_runs_each_command_and_reports_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let s = spec(&format!(
        "{}{}{}",
        task(1, "- Test: `t.py`\n", "echo ran >> count.txt"),
        task(2, "- Test: `t.py`\n", "echo ran >> count.txt"),
        task(
            3,
            "- Test: `t.py`\n",
            "echo 'Traceback'; echo 'AssertionError: 3 != 2'; echo 'FAILED (failures=1)'; exit 1"
        ),
    ));
    let (check, findings) = verify_check(&s, tmp.path(), Some(Duration::from_secs(30)));
    assert_eq!(check.render(), "Verify: ✗ 2/3 tasks pass");
    assert_eq!(
        texts(&findings),
        [
            "Verify fails: Task 3 `echo 'Traceback'; echo 'AssertionError: 3 != 2'; echo 'FAILED (failures=1)'; exit 1` (exit 1: AssertionError: 3 != 2)"
        ]
    );
    assert_eq!(std::fs::read_to_string(tmp.path().join("count.txt")).unwrap(), "ran\n", "a shared command runs once");
    let slow = spec(&task(1, "- Test: `t.py`\n", "sleep 5"));
    let (check, findings) = verify_check(&slow, tmp.path(), Some(Duration::from_secs(1)));
    assert_eq!(check.render(), "Verify: ✗ 0/1 tasks pass");
    assert!(findings[0].text.starts_with("Verify fails: Task 1 `sleep 5` (timed out after 1s"), "{findings:?}");
}

#[test]
fn every_task_needs_a_test_in_the_head() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("tests")).unwrap();
    std::fs::write(tmp.path().join("tests/test_a.py"), "x").unwrap();
    let s = spec(&format!(
        "{}{}{}",
        task(1, "- Create: `a.py`\n- Test: `tests/test_a.py`\n", "true"),
        task(2, "- Create: `b.py`\n", "true"),
        task(3, "- Create: `c.py`\n- Test: `tests/test_c.py`\n", "true"),
    ));
    let d = diff(&[("a.py", ChangeKind::Added), ("tests/test_a.py", ChangeKind::Added)]);
    let (check, findings) = tests_check(&s, &d, tmp.path(), &[]);
    assert_eq!(check.render(), "Tests: ✗ Tasks 2, 3 have no test");
    assert_eq!(
        texts(&findings),
        [
            "No test: Task 2 (Step 2) lists no `Test:` file",
            "No test: the `Test:` file tests/test_c.py of Task 3 is not in the change's head"
        ]
    );
    let reported = [Finding::plain("Missing: tests/test_c.py (Task 3: Test)")];
    let (_, findings) = tests_check(&s, &d, tmp.path(), &reported);
    assert_eq!(texts(&findings), ["No test: Task 2 (Step 2) lists no `Test:` file"], "not reported twice");
    let one = spec(&task(1, "- Create: `a.py`\n- Test: `tests/test_a.py`\n", "true"));
    assert_eq!(tests_check(&one, &d, tmp.path(), &[]).0.render(), "Tests: ✓ every task has a test");
    let gone = diff(&[("tests/test_a.py", ChangeKind::Deleted)]);
    assert_eq!(tests_check(&one, &gone, tmp.path(), &[]).0.render(), "Tests: ✗ Task 1 has no test");
}

#[test]
fn lint_lines_are_parsed() {
    let out = "src/a.py:3:1: E401 multiple imports on one line\n./src/b.py:10: W291 trailing whitespace \n\
               \x1b[1msrc/c.py\x1b[0m:7:2: F401 `os` imported but unused\nFound 3 errors.\n\
               https://docs.astral.sh: see\n  --> src/main.rs:3:5\n";
    assert_eq!(
        parse_lint(out),
        [
            LintLine { path: "src/a.py".into(), line: 3, message: "E401 multiple imports on one line".into() },
            LintLine { path: "src/b.py".into(), line: 10, message: "W291 trailing whitespace".into() },
            LintLine { path: "src/c.py".into(), line: 7, message: "F401 `os` imported but unused".into() },
        ]
    );
    assert!(parse_lint("all good\n").is_empty());
}

fn lint(command: Option<&str>, d: &IssueDiff, workdir: &Path) -> (Check, Vec<Finding>) {
    let policy = PolicyConfig { lint_command: command.map(String::from), ..PolicyConfig::default() };
    let s = two_tasks();
    let issue = crate::plan::parse::parse_plan(
        Path::new("IMPLEMENTATION_PLAN.md"),
        "# Milestone m1: T\n\nBase branch: milestone/m1-t\n\n## Phase 1: Core\n\n| # | Issue | GitHub | Priority | Depends | Status | PR |\n|---|---|---|---|---|---|---|\n| 01 | Add slugify | | P0 | – | ⬜ Todo | |\n",
    )
    .unwrap()
    .issues
    .remove(0);
    let m: crate::milestone::MilestoneId = "m1".parse().unwrap();
    let input =
        ReviewInput { milestone: &m, issue: &issue, spec: &s, diff: d, workdir, policy: &policy, answers: None };
    lint_check(&input)
}

#[test]
fn lint_check_outcomes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = diff(&[("src/a.py", ChangeKind::Added), ("src/gone.py", ChangeKind::Deleted)]);
    let (check, f) = lint(None, &d, tmp.path());
    assert_eq!((check.render(), f.len()), ("Lint: not configured".to_string(), 0));
    let (check, f) = lint(Some("echo 'src/a.py:1:1: fine'"), &d, tmp.path());
    assert_eq!((check.render(), f.len()), ("Lint: ✓ no findings".to_string(), 0), "exit 0 is no findings");
    let abs = format!("{}/src/a.py", tmp.path().display());
    let cmd = format!(
        "echo 'src/a.py:3:1: E401 multiple imports'; echo '{abs}:9: W1 x'; echo 'lib/old.py:1:1: F401 unused'; exit 1"
    );
    let (check, f) = lint(Some(&cmd), &d, tmp.path());
    assert_eq!(check.render(), "Lint: ⚠️ 2 warnings");
    assert_eq!(texts(&f), ["[WARNING] E401 multiple imports — src/a.py#L3", "[WARNING] W1 x — src/a.py#L9"]);
    let (check, f) = lint(Some("echo 'lib/old.py:1:1: F401 unused'; exit 1"), &d, tmp.path());
    assert_eq!((check.render(), f.len()), ("Lint: ✓ no findings in changed files (1 elsewhere)".to_string(), 0));
    let (check, f) = lint(Some("echo 'Oops'; echo 'config error' >&2; exit 2"), &d, tmp.path());
    assert_eq!(check.render(), "Lint: ⚠️ 1 warning");
    // stdout and stderr arrive on two pipes: their interleaving is not fixed.
    let got = texts(&f);
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with(
            "[WARNING] the lint command `echo 'Oops'; echo 'config error' >&2; exit 2` exited with exit 2: "
        ),
        "{got:?}"
    );
    assert!(got[0].ends_with("Oops | config error") || got[0].ends_with("config error | Oops"), "{got:?}");
    let (_, f) = lint(Some("exit 3"), &d, tmp.path());
    assert_eq!(texts(&f), ["[WARNING] the lint command `exit 3` exited with exit 3: no output"]);
}

#[test]
fn the_quoted_line_is_redacted_before_the_cut() {
    use crate::safety::redact::tests::{pem, rnd};
    let random = rnd(79, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 35);
    // The 160-character cut falls inside the key.
    let output = format!("ok\nError: {} with {}{random}\nbye\n", "z".repeat(135), "AI".to_string() + "za");
    let line = telling_line(&output).unwrap();
    assert!(line.ends_with(" with [REDACTED]"), "{line}");
    assert!(!line.contains(&random[..4]), "{line}");
    // Output that ends inside a private key block: its last line is base64, never quoted.
    let key = pem(83, "RSA PRIVATE KEY");
    let open: Vec<&str> = key.lines().take(4).collect();
    let output = format!("running\n{}\n", open.join("\n"));
    assert_eq!(telling_line(&output).as_deref(), Some("[REDACTED]"));
}
