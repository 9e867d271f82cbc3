//! Unit tests of `plan::parse`.

use super::*;

const SEED: &str = "# Milestone m3: User Auth

Base branch: milestone/m3-user-auth

## Phase 1: Core auth

| # | Issue | GitHub | Priority | Depends | Status | PR |
|---|-------|--------|----------|---------|--------|----|
| 01 | Add user login endpoint | #101 | P0 | – | ⬜ Todo | |
| 02 | Add password hashing | #102 | P0 | 01 | ✅ Done | #310 |

## Phase 2: Sessions

| Status | # | Issue | Priority | Notes |
|---|---|---|---|---|
| in progress | 3 | Sessions | p1 | keep me |

## Blocked / Needs Review
- #05 Fix attempts exhausted (code review) — 2026-11-21
";

fn parse(src: &str) -> Result<Plan, Error> {
    parse_plan(Path::new("IMPLEMENTATION_PLAN.md"), src)
}

#[test]
fn parses_the_seed_plan() {
    let plan = parse(SEED).unwrap();
    assert_eq!(plan.title.as_deref(), Some("Milestone m3: User Auth"));
    assert_eq!(plan.name(), Some("User Auth"));
    assert_eq!(plan.base_branch, "milestone/m3-user-auth");
    assert_eq!(plan.base_branch_line, 3);
    assert_eq!(plan.phases.len(), 2);
    assert_eq!(plan.phases[1].to_string(), "Phase 2: Sessions");
    let a = &plan.issues[0];
    assert_eq!((a.no, a.title.as_str(), a.github, a.priority), (IssueNo(1), "Add user login endpoint", Some(101), 0));
    assert_eq!((a.status, a.pr, a.depends.clone(), a.line), (Status::Todo, None, vec![], 9));
    assert_eq!(SEED[a.status_span.clone()].trim(), "⬜ Todo");
    assert_eq!(&SEED[a.pr_span.clone().unwrap()], " ");
    let b = &plan.issues[1];
    assert_eq!((b.status, b.pr, b.depends.clone()), (Status::Done, Some(310), vec![IssueNo(1)]));
    let c = &plan.issues[2];
    assert_eq!(
        (c.no, c.status, c.priority, c.phase, c.github, c.pr_span.clone()),
        (IssueNo(3), Status::InProgress, 1, 1, None, None)
    );
    assert_eq!(plan.blocked.len(), 1);
    assert_eq!(plan.blocked[0].text, "#05 Fix attempts exhausted (code review) — 2026-11-21");
    assert_eq!(plan.blocked_insert_at, Some(SEED.len()));
}

#[test]
fn statuses_in_every_accepted_form() {
    for (cell, want) in [
        ("⬜ Todo", Status::Todo),
        ("todo", Status::Todo),
        ("TODO", Status::Todo),
        ("🔄 In Progress", Status::InProgress),
        ("in-progress", Status::InProgress),
        ("✅ Done", Status::Done),
        ("✅", Status::Done),
        ("👀 Needs Review", Status::NeedsReview),
        ("needs review", Status::NeedsReview),
        ("⏭️ Skipped", Status::Skipped),
        ("⏭ skipped", Status::Skipped),
        ("🚫 Blocked", Status::Blocked),
        ("blocked", Status::Blocked),
    ] {
        assert_eq!(Status::parse(cell), Some(want), "{cell}");
    }
    assert_eq!(Status::parse("Doing"), None);
    assert_eq!(Status::parse(""), None);
}

#[test]
fn base_branch_variants() {
    for line in ["Base branch: `milestone/m1-x`", "**Base branch:** milestone/m1-x", "- Base branch: milestone/m1-x"] {
        let src = format!(
            "# M\n\n{line}\n\n## Phase 1: A\n\n| # | Issue | Priority | Status |\n|-|-|-|-|\n| 01 | A | P0 | Todo |\n"
        );
        assert_eq!(parse(&src).unwrap().base_branch, "milestone/m1-x", "{line}");
    }
}

#[test]
fn base_branch_inside_code_is_ignored() {
    let src = "# M\n\n```\nBase branch: nope\n```\n\n## Phase 1: A\n\n| # | Issue | Priority | Status |\n|-|-|-|-|\n| 01 | A | P0 | Todo |\n";
    let err = parse(src).unwrap_err();
    assert!(err.message.starts_with("IMPLEMENTATION_PLAN.md:1: no `Base branch:` line"), "{}", err.message);
}

const HEADER: &str = "Base branch: m\n\n## Phase 1: A\n\n| # | Issue | Priority | Status | PR |\n|-|-|-|-|-|\n";

#[test]
fn a_row_missing_its_last_cell_is_an_error_at_that_row() {
    // pulldown-cmark pads a short row with empty cells placed at the start of the next line;
    // taking one as the PR cell made the editor write into the next row.
    for row in ["| 01 | A | P0 | Todo |", "| 01 | A | P0 | Todo | ", "01 | A | P0 | Todo"] {
        for tail in ["\n| 02 | B | P0 | Todo | |\n", "\n", ""] {
            let src = format!("{HEADER}{row}{tail}");
            let err = parse(&src).unwrap_err();
            assert_eq!(
                err.message,
                "IMPLEMENTATION_PLAN.md:7: row has 4 cells but the header has 5: expected a cell for every column (the `PR` cell is missing; add empty cells such as `| |`)",
                "{src:?}"
            );
        }
    }
}

#[test]
fn a_row_missing_its_status_cell_names_its_own_line() {
    let src = format!("{HEADER}| 01 | A | P0 |\n| 02 | B | P0 | Todo | |\n");
    let err = parse(&src).unwrap_err();
    assert_eq!(
        err.message,
        "IMPLEMENTATION_PLAN.md:7: row has 3 cells but the header has 5: expected a cell for every column (the `Status` cell is missing; add empty cells such as `| |`)"
    );
}

#[test]
fn an_empty_last_cell_between_pipes_is_a_real_cell() {
    for row in ["| 01 | A | P0 | Todo ||", "| 01 | A | P0 | Todo | |", "| 01 | A | P0 | Todo |  |  "] {
        for tail in ["\n| 02 | B | P0 | Todo | |\n", ""] {
            let src = format!("{HEADER}{row}{tail}");
            let plan = parse(&src).unwrap_or_else(|e| panic!("{src:?}: {}", e.message));
            let span = plan.issues[0].pr_span.clone().unwrap();
            assert!(span.end <= HEADER.len() + row.len(), "{src:?}: PR span {span:?} is past its row");
        }
    }
}

#[test]
fn a_plan_ending_inside_an_unclosed_block_is_an_error() {
    // The editor appends the Blocked / Needs Review section at the end of the file: inside an
    // unclosed fence or HTML comment it would never be read back.
    for (tail, line, what) in [
        (
            "\n```text\nnotes\n",
            9,
            "a fenced code block (``` or ~~~) is opened here and never closed: expected its closing fence",
        ),
        (
            "\n~~~\nnotes",
            9,
            "a fenced code block (``` or ~~~) is opened here and never closed: expected its closing fence",
        ),
        (
            "\n<!-- notes\n\nmore\n",
            9,
            "an HTML block (e.g. `<!--` without `-->`) is opened here and never closed: expected its end",
        ),
    ] {
        let src = format!("{HEADER}| 01 | A | P0 | Todo | |\n{tail}");
        let err = parse(&src).unwrap_err();
        assert_eq!(err.message, format!("IMPLEMENTATION_PLAN.md:{line}: {what}"), "{src:?}");
    }
    for tail in ["\n```\nx\n```\n", "\n<!-- x -->\n", "\n<div>\nx\n", "\n    indented code\n", "\n- ```\n  x\n"] {
        let src = format!("{HEADER}| 01 | A | P0 | Todo | |\n{tail}");
        parse(&src).unwrap_or_else(|e| panic!("{src:?}: {}", e.message));
    }
}

#[test]
fn a_status_whose_emoji_and_word_disagree_is_an_error() {
    for (cell, emoji, word) in
        [("✅ Todo", "✅ Done", "Todo"), ("⬜ done", "⬜ Todo", "done"), ("⏭️ Blocked", "⏭️ Skipped", "Blocked")]
    {
        let src = format!("{HEADER}| 01 | A | P0 | {cell} | |\n");
        let err = parse(&src).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "IMPLEMENTATION_PLAN.md:7:17: status `{cell}`: the emoji means {emoji} but the word says {word}: expected them to agree (or the word alone)"
            ),
        );
    }
    for cell in ["✅ Done", "✅", "done", "⏭ skipped", "🔄 in-progress"] {
        parse(&format!("{HEADER}| 01 | A | P0 | {cell} | |\n")).unwrap_or_else(|e| panic!("{cell}: {}", e.message));
    }
}

#[test]
fn blocked_section_without_list_inserts_after_heading() {
    let src = "Base branch: m\n\n## Phase 1: A\n\n| # | Issue | Priority | Status |\n|-|-|-|-|\n| 01 | A | P0 | Todo |\n\n## Blocked / Needs Review\n\n## Notes\n";
    let plan = parse(src).unwrap();
    let at = plan.blocked_insert_at.unwrap();
    assert_eq!(
        &src[..at],
        "Base branch: m\n\n## Phase 1: A\n\n| # | Issue | Priority | Status |\n|-|-|-|-|\n| 01 | A | P0 | Todo |\n\n## Blocked / Needs Review\n"
    );
}
