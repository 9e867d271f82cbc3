//! The built-in, mechanical half of each stage: no AI, so the `spec` backend (and the demo) can
//! review on its own and an AI reviewer never has to catch what a machine can. Stage 1: the files
//! the change touches vs the spec's `Files:` lists, every task's Verify command, every task's
//! test. Stage 2: the configured `policy.lint_command`, its `path:line[:col]: message` lines read
//! as `[WARNING]`s on the files the change touches.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use super::{Check, Finding, ReviewInput, Severity};
use crate::git::diff::IssueDiff;
use crate::git::ops::ChangeKind;
use crate::plan::Spec;
use crate::process::{self, Cmd, Finished};

static LINT_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([^\s:]+):(\d+)(?::(\d+))?:\s*(\S.*?)\s*$").expect("static regex"));
static ANSI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\x1b\[[0-9;]*[A-Za-z]").expect("static regex"));
static ERROR_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)error|exception|assert|panicked|traceback").expect("static regex"));

/// A `Files:` entry: a path, a directory (`src/models/`) or a glob (`tests/**/test_*.py`).
enum Listed {
    Exact(String),
    Dir(String),
    Glob(globset::GlobMatcher),
}

impl Listed {
    fn new(entry: &str) -> Listed {
        let e = clean(entry);
        if e.contains(['*', '?', '['])
            && let Ok(g) = globset::Glob::new(&e)
        {
            return Listed::Glob(g.compile_matcher());
        }
        match e.strip_suffix('/') {
            Some(dir) => Listed::Dir(dir.to_string()),
            None => Listed::Exact(e),
        }
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            Listed::Exact(p) => p == path,
            Listed::Dir(d) => path.strip_prefix(d.as_str()).is_some_and(|rest| rest.starts_with('/')),
            Listed::Glob(g) => g.is_match(path),
        }
    }
}

/// `./src/a.py` → `src/a.py`.
fn clean(path: &str) -> String {
    let p = path.trim().trim_matches('`').trim();
    p.strip_prefix("./").unwrap_or(p).to_string()
}

/// Paths the change creates or modifies (it does not delete).
fn present(diff: &IssueDiff) -> impl Iterator<Item = &str> {
    diff.files.iter().filter(|f| f.kind != ChangeKind::Deleted).map(|f| f.path.as_str())
}

/// Every `Files:` entry (first listing order) with the tasks and roles that list it.
fn listing(spec: &Spec) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for task in &spec.tasks {
        let roles = [("Create", &task.files.create), ("Modify", &task.files.modify), ("Test", &task.files.test)];
        for (role, files) in roles {
            for f in files {
                let path = clean(f);
                let r = format!("Task {}: {role}", task.number);
                match out.iter_mut().find(|(p, _)| *p == path) {
                    Some((_, refs)) if !refs.contains(&r) => refs.push(r),
                    Some(_) => {}
                    None => out.push((path, vec![r])),
                }
            }
        }
    }
    out
}

/// Files vs the spec: `Missing: <path> (Task N: Role)` for each listed file the change does not
/// create or modify, `Extra: <path> (not in the spec)` for each changed file no task lists.
pub fn files_check(spec: &Spec, diff: &IssueDiff) -> (Check, Vec<Finding>) {
    let listed: Vec<(String, Vec<String>, Listed)> =
        listing(spec).into_iter().map(|(p, refs)| (p.clone(), refs, Listed::new(&p))).collect();
    let mut findings = Vec::new();
    for (path, refs, m) in &listed {
        if !present(diff).any(|p| m.matches(p)) {
            findings.push(Finding::plain(format!("Missing: {path} ({})", refs.join(", "))));
        }
    }
    let missing = findings.len();
    for f in &diff.files {
        if !listed.iter().any(|(_, _, m)| m.matches(&f.path)) {
            let how = if f.kind == ChangeKind::Deleted { "deleted, not in the spec" } else { "not in the spec" };
            findings.push(Finding::plain(format!("Extra: {} ({how})", f.path)));
        }
    }
    let extra = findings.len() - missing;
    let check = if findings.is_empty() {
        Check::new("Files", Some(true), "match the spec")
    } else {
        let parts: Vec<String> = [(missing, "missing"), (extra, "extra")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        Check::new("Files", Some(false), parts.join(", "))
    };
    (check, findings)
}

/// Runs every task's Verify command in `workdir` (a command shared by several tasks runs once);
/// each task whose Verify fails, or that has none, is a finding.
pub fn verify_check(spec: &Spec, workdir: &Path, timeout: Option<Duration>) -> (Check, Vec<Finding>) {
    let mut runs: BTreeMap<String, Result<Finished, String>> = BTreeMap::new();
    let mut findings = Vec::new();
    for task in &spec.tasks {
        let Some(line) = task.verify.as_deref().map(str::trim).filter(|l| !l.is_empty()) else {
            findings.push(Finding::plain(format!(
                "No Verify: Task {} ({}) has no Verify command",
                task.number, task.title
            )));
            continue;
        };
        let run = runs.entry(line.to_string()).or_insert_with(|| {
            process::run(&Cmd::shell(line, workdir).timeout(timeout)).map_err(|e| format!("cannot run it: {e}"))
        });
        let failure = match run {
            Ok(f) if f.success() => None,
            Ok(f) => Some(match telling_line(&f.combined) {
                Some(l) => format!("{}: {l}", f.describe()),
                None => f.describe(),
            }),
            Err(e) => Some(e.clone()),
        };
        if let Some(why) = failure {
            findings.push(Finding::plain(format!("Verify fails: Task {} `{line}` ({why})", task.number)));
        }
    }
    let total = spec.tasks.len();
    let passing = total - findings.len();
    let check = Check::new("Verify", Some(findings.is_empty()), format!("{passing}/{total} tasks pass"));
    (check, findings)
}

/// The line of a failing run most worth quoting: the last that names an error, else the last
/// non-empty one; redacted, then cut to at most 160 characters. The whole output is redacted
/// before a line is picked, so a line inside a private key block is never quoted.
fn telling_line(output: &str) -> Option<String> {
    let output = crate::safety::redact::redact(output);
    let lines: Vec<&str> = output.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let line = lines.iter().rev().find(|l| ERROR_LINE.is_match(l)).or(lines.last())?;
    Some(crate::safety::redact::preview(line, 160))
}

/// Every task lists a `Test:` file and it is in the head (the working tree at the issue's head).
/// A test file the files check already reported missing is not reported twice.
pub fn tests_check(spec: &Spec, diff: &IssueDiff, workdir: &Path, reported: &[Finding]) -> (Check, Vec<Finding>) {
    let mut without = Vec::new();
    let mut findings = Vec::new();
    for task in &spec.tasks {
        if task.files.test.is_empty() {
            without.push(task.number);
            findings
                .push(Finding::plain(format!("No test: Task {} ({}) lists no `Test:` file", task.number, task.title)));
            continue;
        }
        let in_head = |entry: &String| {
            let path = clean(entry);
            match Listed::new(&path) {
                Listed::Exact(p) => {
                    let deleted = diff.file(&p).is_some_and(|f| f.kind == ChangeKind::Deleted);
                    !deleted && workdir.join(&p).is_file()
                }
                m => present(diff).any(|p| m.matches(p)),
            }
        };
        if task.files.test.iter().any(in_head) {
            continue;
        }
        without.push(task.number);
        for entry in &task.files.test {
            let path = clean(entry);
            let already = reported.iter().any(|f| f.text.starts_with(&format!("Missing: {path} (")));
            if !already {
                findings.push(Finding::plain(format!(
                    "No test: the `Test:` file {path} of Task {} is not in the change's head",
                    task.number
                )));
            }
        }
    }
    let detail = match without.as_slice() {
        [] => "every task has a test".to_string(),
        [one] => format!("Task {one} has no test"),
        many => {
            let list: Vec<String> = many.iter().map(u32::to_string).collect();
            format!("Tasks {} have no test", list.join(", "))
        }
    };
    (Check::new("Tests", Some(without.is_empty()), detail), findings)
}

/// Stage 1's built-in pass: files, Verify, tests.
pub fn spec_checks(input: &ReviewInput) -> (Vec<Check>, Vec<Finding>) {
    let timeout = Some(Duration::from_secs(input.policy.test_timeout_seconds));
    let (files, mut findings) = files_check(input.spec, input.diff);
    let (verify, v) = verify_check(input.spec, input.workdir, timeout);
    findings.extend(v);
    let (tests, t) = tests_check(input.spec, input.diff, input.workdir, &findings);
    findings.extend(t);
    (vec![files, verify, tests], findings)
}

/// One `path:line[:col]: message` line of lint output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintLine {
    pub path: String,
    pub line: u32,
    pub message: String,
}

/// The `path:line[:col]: message` lines of `output` (colour codes removed, `./` dropped).
pub fn parse_lint(output: &str) -> Vec<LintLine> {
    output
        .lines()
        .filter_map(|raw| {
            let line = ANSI.replace_all(raw, "");
            let c = LINT_LINE.captures(&line)?;
            Some(LintLine { path: clean(&c[1]), line: c[2].parse().ok()?, message: c[4].to_string() })
        })
        .collect()
}

fn lint_warning(text: String) -> Finding {
    Finding { severity: Some(Severity::Warning), text, location: None }
}

/// Stage 2's built-in pass: runs `policy.lint_command` in `workdir`. Exit 0 is no findings;
/// otherwise each parsed line on a file the change creates or modifies is a `[WARNING]` (lines on
/// other files are earlier code's, not this issue's), and output with no parseable line is one
/// `[WARNING]` quoting its tail. Lint findings never fail the stage by themselves.
pub fn lint_check(input: &ReviewInput) -> (Check, Vec<Finding>) {
    let Some(cmd) = input.policy.lint_command.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
        return (Check::new("Lint", None, "not configured"), Vec::new());
    };
    let timeout = Some(Duration::from_secs(input.policy.test_timeout_seconds));
    let findings = match process::run(&Cmd::shell(cmd, input.workdir).timeout(timeout)) {
        Err(e) => vec![lint_warning(format!("the lint command `{cmd}` could not run: {e}"))],
        Ok(f) if f.timed_out => vec![lint_warning(format!("the lint command `{cmd}` {}", f.describe()))],
        Ok(f) if f.success() => return (Check::new("Lint", Some(true), "no findings"), Vec::new()),
        Ok(f) => {
            let parsed = parse_lint(&f.combined);
            if parsed.is_empty() {
                let tail: Vec<String> = f
                    .tail(5)
                    .lines()
                    .map(|l| ANSI.replace_all(l.trim(), "").into_owned())
                    .filter(|l| !l.is_empty())
                    .collect();
                let said = if tail.is_empty() { "no output".to_string() } else { tail.join(" | ") };
                vec![lint_warning(format!("the lint command `{cmd}` exited with {}: {said}", f.describe()))]
            } else {
                let changed: Vec<&str> = present(input.diff).collect();
                let total = parsed.len();
                let mine: Vec<Finding> = parsed
                    .into_iter()
                    .filter_map(|l| {
                        let path = relative(&l.path, input.workdir);
                        changed.contains(&path.as_str()).then(|| Finding {
                            severity: Some(Severity::Warning),
                            text: l.message,
                            location: Some(format!("{path}#L{}", l.line)),
                        })
                    })
                    .collect();
                if mine.is_empty() {
                    let detail = format!("no findings in changed files ({total} elsewhere)");
                    return (Check::new("Lint", Some(true), detail), Vec::new());
                }
                mine
            }
        }
    };
    let n = findings.len();
    (Check::new("Lint", None, format!("⚠️ {n} warning{}", if n == 1 { "" } else { "s" })), findings)
}

/// A lint path relative to the working tree (`/abs/work/src/a.py` → `src/a.py`).
fn relative(path: &str, workdir: &Path) -> String {
    let p = Path::new(path);
    if p.is_absolute() {
        let roots = [Some(workdir.to_path_buf()), workdir.canonicalize().ok()];
        for root in roots.into_iter().flatten() {
            if let Ok(rel) = p.strip_prefix(&root) {
                return rel.to_string_lossy().replace('\\', "/");
            }
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests;
