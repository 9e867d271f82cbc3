//! Bad input never panics: property tests over the plan, spec and config parsers (and the plan
//! editor on whatever parses). Arbitrary text, markdown/YAML "soup", deep nesting and structured
//! mutations of the valid fixtures must give `Ok` or `Err`, never a panic, and never hang (each
//! case runs on a thread with a bound, see `finishes`).
//!
//! Bounded for CI: a fixed number of cases per property, inputs of at most a few KB, no shrinking
//! marathons, and failures are reported (shrunk) rather than persisted to files.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config as ProptestConfig;

use run_milestone::config::Config;
use run_milestone::plan::edit::PlanEditor;
use run_milestone::plan::parse::parse_plan;
use run_milestone::plan::spec::parse_spec;
use run_milestone::plan::{Issue, Plan, Status};

use crate::common::fixtures;

/// Cases per property.
const CASES: u32 = 256;
/// Upper bound of generated text, in characters.
const MAX_CHARS: usize = 3000;
/// A generous bound for one case (a parse of a few KB takes microseconds; a hang or a quadratic
/// blow-up fails it, see `finishes`).
const PER_CASE: Duration = Duration::from_secs(10);

fn bounded() -> ProptestConfig {
    ProptestConfig { cases: CASES, max_shrink_iters: 512, failure_persistence: None, ..ProptestConfig::default() }
}

fn demo() -> PathBuf {
    fixtures().join("demo/milestones/m1-text-tools")
}

static PLAN: LazyLock<String> =
    LazyLock::new(|| std::fs::read_to_string(demo().join("IMPLEMENTATION_PLAN.md")).unwrap());

static SPECS: LazyLock<Vec<(PathBuf, String)>> = LazyLock::new(|| {
    let mut specs: Vec<(PathBuf, String)> = std::fs::read_dir(demo().join("issues"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (PathBuf::from("issues").join(p.file_name().unwrap()), std::fs::read_to_string(&p).unwrap()))
        .collect();
    specs.sort();
    specs
});

const CONFIG: &str = "\
milestones_dir: milestones
test_command: python3 -m unittest discover -s tests -t .
lint_fix_command: ruff check --fix
protected_branches: [main, release/*]
agent:
  kind: claude
  timeout_seconds: 600
  claude:
    model: sonnet
forge:
  kind: local
  push: false
  ci_timeout_seconds: 60
policy:
  max_tdd_restarts: 2
notify:
  telegram:
    chat_id: -1001234567890
    api_url: http://127.0.0.1:9
";

/// Markdown and YAML pieces that steer input towards the parsers' edge cases.
const PIECES: &[&str] = &[
    "|",
    "||",
    "`",
    "```",
    "```yaml\n",
    "---",
    "---\n",
    "\n",
    "\r\n",
    "\t",
    "  ",
    "#",
    "# ",
    "## ",
    "### Task 1: ",
    "## Phase 9: X\n",
    "| 01 | X | #1 | P0 | – | ⬜ Todo | |\n",
    "|---|---|\n",
    "Base branch: ",
    "main",
    "⬜ Todo",
    "✅ Done",
    "🔄 In Progress",
    "🚀",
    "👀",
    "–",
    "—",
    "é",
    "\u{0}",
    "\u{feff}",
    "\u{200b}",
    "**RED:**",
    "**GREEN:**",
    "**Files:**",
    "- Create: `",
    "- Test: `",
    "- [ ] ",
    "- [x] ",
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a",
    "*a",
    "!!",
    "'",
    "\"",
    "\\",
    "#101",
    "01",
    "99",
    "4294967296",
    "-1",
    "P0",
    "title: ",
    "dependencies: [",
    "github_issue: ",
    "<!--",
    "-->",
    ">",
    "1. ",
    "~~~",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(select(PIECES), 0..400).prop_map(|v| v.concat())
}

/// Text for a Blocked / Needs Review entry: any printable text, or a few markdown pieces (line
/// breaks, headings, fences, `Base branch:`) that must not escape the list item.
fn blocked_text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,40}", prop::collection::vec(select(PIECES), 0..6).prop_map(|v| v.concat())]
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..MAX_CHARS).prop_map(String::from_iter),
        soup(),
        // Deep nesting: brackets, lists, quotes, indentation.
        (select(&["[", "{", "- ", "> ", "  ", "* ", "[a, ", "{a: "][..]), 1..1500usize).prop_map(|(p, n)| p.repeat(n)),
    ]
}

/// One edit of a valid input.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, String),
    Delete(usize, usize),
    Replace(usize, usize, String),
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![select(PIECES).prop_map(String::from), "\\PC{0,8}", any::<char>().prop_map(String::from)]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), piece()).prop_map(|(at, s)| Edit::Insert(at, s)),
        (any::<usize>(), 1..60usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 1..20usize, piece()).prop_map(|(at, n, s)| Edit::Replace(at, n, s)),
    ];
    prop::collection::vec(edit, 1..6)
}

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_string();
    for e in edits {
        let (at, n, with) = match e {
            Edit::Insert(at, with) => (at, 0, with.as_str()),
            Edit::Delete(at, n) => (at, *n, ""),
            Edit::Replace(at, n, with) => (at, *n, with.as_str()),
        };
        let start = floor(&s, at % (s.len() + 1));
        let end = floor(&s, start + n);
        s.replace_range(start..end, with);
    }
    s
}

/// Like `mutate`, but every edit lands inside a row of an issue table (`| 0…`) or a list item,
/// so the result usually still parses and the editor gets to work on it.
fn mutate_rows(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_string();
    for e in edits {
        let mut rows = Vec::new();
        let mut offset = 0;
        for line in s.split_inclusive('\n') {
            if line.starts_with("| 0") || line.starts_with("- ") {
                rows.push(offset..offset + line.trim_end().len());
            }
            offset += line.len();
        }
        let Some(row) = rows.get(e_at(e) % rows.len().max(1)).cloned() else { return mutate(&s, edits) };
        let local = match e {
            Edit::Insert(at, with) => Edit::Insert(row.start + (at / 7) % (row.len() + 1), with.clone()),
            Edit::Delete(at, n) => Edit::Delete(row.start + (at / 7) % (row.len() + 1), (*n).min(6)),
            Edit::Replace(at, n, with) => {
                Edit::Replace(row.start + (at / 7) % (row.len() + 1), (*n).min(6), with.clone())
            }
        };
        s = mutate(&s, &[local]);
    }
    s
}

fn e_at(e: &Edit) -> usize {
    match e {
        Edit::Insert(at, _) | Edit::Delete(at, _) | Edit::Replace(at, _, _) => *at,
    }
}

/// A plan built from parts: odd titles, every status, PR cells, spacing, Blocked entries and
/// line endings. Most of these parse, so the editor works on unusual but valid text.
fn generated_plan() -> impl Strategy<Value = String> {
    let row = (
        "[^|\\\n\r`]{1,24}",
        0..Status::ALL.len(),
        select(&["", " ", "#12", "#310 "][..]),
        select(&[" ", "  ", ""][..]),
        prop::bool::weighted(0.2),
    );
    let rows = prop::collection::vec(row, 1..6);
    let blocked = prop::option::of(prop::collection::vec("\\PC{1,30}", 0..4));
    (rows, blocked, any::<bool>(), any::<bool>()).prop_map(|(rows, blocked, crlf, final_newline)| {
        let mut s = String::from("# Milestone m9: Generated ✨\n\nBase branch: milestone/m9\n\n## Phase 1: Só\n\n");
        s.push_str("| # | Issue | GitHub | Priority | Depends | Status | PR |\n|---|---|---|---|---|---|---|\n");
        for (i, (title, status, pr, pad, short)) in rows.iter().enumerate() {
            let cell = Status::ALL[*status].cell();
            // A short row (no PR cell) is refused by the parser; it must never reach the editor.
            let pr = if *short { String::new() } else { format!("{pr}|") };
            s.push_str(&format!(
                "|{pad}{:02}{pad}| {title} | #{} | P{} | – |{pad}{cell}{pad}|{pr}\n",
                i + 1,
                100 + i,
                i % 3
            ));
        }
        if let Some(entries) = blocked {
            s.push_str("\n## Blocked / Needs Review\n\n");
            for e in entries {
                s.push_str(&format!("- {e}\n"));
            }
        }
        if !final_newline {
            s.truncate(s.trim_end().len());
        }
        if crlf { s.replace('\n', "\r\n") } else { s }
    })
}

/// Runs `f` on its own thread and fails when it has not finished within `bound`: a hang fails the
/// case instead of stalling the suite (the stuck thread is left behind). A panic in `f` is the
/// case's panic.
fn finishes<T: Send + 'static>(what: &str, bound: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(bound) {
        Ok(out) => out,
        Err(RecvTimeoutError::Timeout) => panic!("{what} did not finish within {bound:?}"),
        Err(RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("{what}: the worker ended without a result"),
        },
    }
}

/// Parses a plan and, when it parses, drives the in-place editor over every issue: on a plan
/// that parses, every edit succeeds, changes only its own cell (or the Blocked list), and the
/// result parses again with only that value changed.
fn plan_and_editor(text: &str, blocked: &str) {
    let (text, blocked) = (text.to_string(), blocked.to_string());
    finishes("parse_plan and the editor", PER_CASE, move || {
        let path = Path::new("milestones/m1/IMPLEMENTATION_PLAN.md");
        let Ok(plan) = parse_plan(path, &text) else { return };
        for issue in plan.issues.iter().take(8) {
            for status in Status::ALL {
                let mut ed = PlanEditor::new(plan.clone());
                let changed = ed.set_status(issue.no, status).unwrap_or_else(|e| panic!("set_status {status:?}: {e}"));
                assert_eq!(changed, issue.status != status);
                assert_only_cell_changed(&plan, ed.plan(), issue.no, issue.status_span.clone(), |i| i.status = status);
                let before = ed.plan().clone();
                let changed = ed.set_pr(issue.no, Some(315)).unwrap_or_else(|e| panic!("set_pr: {e}"));
                match issue.pr_span.clone() {
                    None => assert!(!changed && ed.source() == before.source, "no PR column, yet the text changed"),
                    Some(span) => {
                        let span = before.issue(issue.no).unwrap().pr_span.clone().unwrap_or(span);
                        assert_only_cell_changed(&before, ed.plan(), issue.no, span, |i| i.pr = Some(315));
                        let before = ed.plan().clone();
                        ed.set_pr(issue.no, None).unwrap_or_else(|e| panic!("set_pr None: {e}"));
                        let span = before.issue(issue.no).unwrap().pr_span.clone().unwrap();
                        assert_only_cell_changed(&before, ed.plan(), issue.no, span, |i| i.pr = None);
                    }
                }
                let before = ed.plan().clone();
                let entry = format!("{} {blocked} — 2026-11-21", issue.no);
                ed.add_blocked(&entry).unwrap_or_else(|e| panic!("add_blocked {entry:?}: {e}"));
                assert_only_blocked_grew(&before, ed.plan());
            }
        }
        let mut ed = PlanEditor::new(plan.clone());
        for entry in [blocked.to_string(), blocked.to_string(), format!("#01 {blocked}")] {
            let before = ed.plan().clone();
            ed.add_blocked(&entry).unwrap_or_else(|e| panic!("add_blocked {entry:?}: {e}"));
            assert_only_blocked_grew(&before, ed.plan());
        }
    });
}

/// `after` differs from `before` only inside `span` (one cell of issue `no`), and parses to the
/// same plan except for `change` applied to that issue.
#[track_caller]
fn assert_only_cell_changed(
    before: &Plan,
    after: &Plan,
    no: run_milestone::plan::IssueNo,
    span: std::ops::Range<usize>,
    change: impl FnOnce(&mut Issue),
) {
    let (old, new) = (&before.source, &after.source);
    let row = before.issue(no).unwrap().line;
    assert!(
        old[..span.start].matches('\n').count() + 1 == row && !old[span.clone()].contains('\n'),
        "the cell {span:?} of issue {no} is not on its row (line {row}):\n{old}"
    );
    let tail = old.len() - span.end;
    assert!(
        new.len() >= span.start + tail
            && new[..span.start] == old[..span.start]
            && new[new.len() - tail..] == old[span.end..],
        "an edit of issue {no} changed text outside its cell {span:?}:\n--- before\n{old}\n--- after\n{new}"
    );
    let mut want: Vec<Issue> = before.issues.iter().map(without_spans).collect();
    change(want.iter_mut().find(|i| i.no == no).unwrap());
    let got: Vec<Issue> = after.issues.iter().map(without_spans).collect();
    assert_eq!(got, want, "the edited plan re-parses differently:\n{new}");
    assert_eq!(after.blocked, before.blocked);
    assert_eq!((&after.base_branch, &after.phases), (&before.base_branch, &before.phases));
}

/// `after` is `before` with one more Blocked entry (or unchanged for a duplicate), inserted at one
/// place: every byte of `before` is kept in order around it.
#[track_caller]
fn assert_only_blocked_grew(before: &Plan, after: &Plan) {
    let (old, new) = (&before.source, &after.source);
    let at = before.blocked_insert_at.unwrap_or(old.len());
    assert!(
        new.starts_with(&old[..at]) && new.ends_with(&old[at..]),
        "add_blocked changed text outside the insertion point {at}:\n--- before\n{old}\n--- after\n{new}"
    );
    let grew = after.blocked.len() - before.blocked.len();
    assert!(
        grew <= 1
            && after.blocked[..before.blocked.len()].iter().map(|b| &b.text).eq(before.blocked.iter().map(|b| &b.text))
    );
    assert_eq!(
        grew == 0,
        old == new,
        "one more entry, or none and the text as it was:\n--- before\n{old}\n--- after\n{new}"
    );
    let keep: Vec<Issue> = before.issues.iter().map(without_spans).collect();
    assert_eq!(after.issues.iter().map(without_spans).collect::<Vec<_>>(), keep);
}

/// An issue row's values, without the byte positions (which move when text before them changes).
fn without_spans(i: &Issue) -> Issue {
    Issue { status_span: 0..0, pr_span: i.pr_span.as_ref().map(|_| 0..0), line: 0, ..i.clone() }
}

fn spec(i: usize, text: &str) {
    let (path, text) = (SPECS[i % SPECS.len()].0.clone(), text.to_string());
    finishes("parse_spec", PER_CASE, move || {
        let _ = parse_spec(&path, &text);
    });
}

fn config(text: &str) {
    let text = text.to_string();
    finishes("Config::parse", PER_CASE, move || {
        let _ = Config::parse(Path::new(".run-milestone.yml"), &text);
    });
}

/// The bound catches a hang: a call that never returns fails its case.
#[test]
#[should_panic(expected = "a hang did not finish within 50ms")]
fn a_call_that_never_returns_fails_its_case() {
    finishes("a hang", Duration::from_millis(50), || {
        loop {
            std::thread::park();
        }
    });
}

/// A panic on the worker thread is the case's own panic (so proptest sees and shrinks it).
#[test]
#[should_panic(expected = "parser bug")]
fn a_panic_in_the_call_is_the_cases_panic() {
    finishes("a panicking parse", PER_CASE, || -> () { panic!("parser bug") });
}

#[test]
fn the_fixtures_being_mutated_are_valid() {
    let path = Path::new("milestones/m1/IMPLEMENTATION_PLAN.md");
    assert_eq!(parse_plan(path, &PLAN).unwrap().issues.len(), 5);
    assert_eq!(SPECS.len(), 5);
    for (path, text) in SPECS.iter() {
        parse_spec(path, text).unwrap();
    }
    let c = Config::parse(Path::new(".run-milestone.yml"), CONFIG).unwrap();
    assert!(c.notify.telegram.is_some());
}

proptest! {
    #![proptest_config(bounded())]

    #[test]
    fn plan_parser_and_editor_never_panic_on_arbitrary_text(text in arbitrary_text(), blocked in blocked_text()) {
        plan_and_editor(&text, &blocked);
    }

    #[test]
    fn plan_parser_and_editor_never_panic_on_mutated_plans(e in edits(), blocked in blocked_text()) {
        plan_and_editor(&mutate(&PLAN, &e), &blocked);
    }

    #[test]
    fn plan_parser_and_editor_never_panic_on_plans_with_edited_rows(e in edits(), blocked in blocked_text()) {
        plan_and_editor(&mutate_rows(&format!("{}\n- 03 waiting on review 👀\n", PLAN.trim_end()), &e), &blocked);
    }

    #[test]
    fn plan_parser_and_editor_never_panic_on_generated_plans(text in generated_plan(), blocked in blocked_text()) {
        plan_and_editor(&text, &blocked);
    }

    #[test]
    fn spec_parser_never_panics_on_arbitrary_text(i in 0..5usize, text in arbitrary_text()) {
        spec(i, &text);
        spec(i, &format!("---\n{text}"));
        spec(i, &format!("---\ntitle: x\n---\n{text}"));
    }

    #[test]
    fn spec_parser_never_panics_on_mutated_specs(i in 0..5usize, e in edits()) {
        spec(i, &mutate(&SPECS[i].1, &e));
    }

    #[test]
    fn config_parser_never_panics_on_arbitrary_text(text in arbitrary_text()) {
        config(&text);
    }

    #[test]
    fn config_parser_never_panics_on_mutated_configs(e in edits()) {
        config(&mutate(CONFIG, &e));
    }
}

/// Found by `plan_parser_and_editor_never_panic_on_mutated_plans`: a Blocked list whose last
/// character is multi-byte made the parser slice inside that character.
#[test]
fn a_blocked_list_ending_in_a_multibyte_character_parses() {
    for tail in ["🚀", "é", "\u{11429}", "– done ✅"] {
        let text = format!("{}\n- waiting on {tail}", PLAN.trim_end());
        let plan = parse_plan(Path::new("IMPLEMENTATION_PLAN.md"), &text).unwrap();
        assert_eq!(plan.blocked.last().map(|b| b.text.clone()), Some(format!("waiting on {tail}")));
        let mut ed = PlanEditor::new(plan);
        assert!(ed.add_blocked("next").unwrap());
        assert!(ed.source().ends_with(&format!("- waiting on {tail}\n- next\n")), "{}", ed.source());
    }
}
