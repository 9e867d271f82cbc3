//! Unit tests of `plan::edit`.

use super::*;

const SRC: &str = "# Milestone m3: User Auth\n\nBase branch: milestone/m3\n\n## Phase 1: Core\n\n| # | Issue | GitHub | Priority | Depends | Status | PR | Notes |\n|---|-------|--------|----------|---------|--------|----|-------|\n| 01 | Login | #101 | P0 | – | ⬜ Todo | | keep  |\n| 02 | Hash | #102 | P0 | 01 | todo |  | x |\n\nTrailing text.\n";

fn editor(src: &str) -> PlanEditor {
    PlanEditor::new(parse_plan(Path::new("plan.md"), src).unwrap())
}

#[test]
fn status_edit_changes_only_the_cell() {
    let mut ed = editor(SRC);
    assert!(ed.set_status(IssueNo(1), Status::InProgress).unwrap());
    assert_eq!(ed.source(), SRC.replace("| ⬜ Todo |", "| 🔄 In Progress |"));
    assert!(!ed.set_status(IssueNo(1), Status::InProgress).unwrap());
    assert!(ed.set_status(IssueNo(2), Status::Done).unwrap());
    assert_eq!(ed.plan().issue(IssueNo(2)).unwrap().status, Status::Done);
    let want = SRC.replace("| ⬜ Todo |", "| 🔄 In Progress |").replace("| todo |", "| ✅ Done |");
    assert_eq!(ed.source(), want);
}

#[test]
fn pr_edit_fills_an_empty_cell_and_replaces_a_full_one() {
    let mut ed = editor(SRC);
    assert!(ed.set_pr(IssueNo(1), Some(310)).unwrap());
    assert!(ed.set_pr(IssueNo(2), Some(311)).unwrap());
    let want = SRC
        .replace("| ⬜ Todo | | keep  |", "| ⬜ Todo | #310 | keep  |")
        .replace("| todo |  | x |", "| todo | #311 | x |");
    assert_eq!(ed.source(), want);
    assert!(ed.set_pr(IssueNo(1), Some(999)).unwrap());
    assert!(ed.source().contains("| ⬜ Todo | #999 | keep  |"));
    assert_eq!(ed.plan().issue(IssueNo(1)).unwrap().pr, Some(999));
}

#[test]
fn blocked_section_created_then_appended() {
    let mut ed = editor(SRC);
    assert!(ed.add_blocked("#01 Tests failing — 2026-11-21").unwrap());
    assert_eq!(ed.source(), format!("{SRC}\n## Blocked / Needs Review\n\n- #01 Tests failing — 2026-11-21\n"));
    assert!(ed.add_blocked("#02 Skipped — 2026-11-21").unwrap());
    assert!(!ed.add_blocked("#02 Skipped — 2026-11-21").unwrap());
    assert!(ed.source().ends_with("- #01 Tests failing — 2026-11-21\n- #02 Skipped — 2026-11-21\n"));
    assert_eq!(ed.plan().blocked.len(), 2);
}

#[test]
fn blocked_entry_goes_after_the_existing_list_before_the_next_section() {
    let src = format!("{SRC}\n## Blocked / Needs Review\n\n- #05 old — 2026-11-20\n\n## Notes\n\nhello\n");
    let mut ed = editor(&src);
    ed.add_blocked("#06 new").unwrap();
    assert_eq!(
        ed.source(),
        format!("{SRC}\n## Blocked / Needs Review\n\n- #05 old — 2026-11-20\n- #06 new\n\n## Notes\n\nhello\n")
    );
}

#[test]
fn blocked_entry_under_an_empty_heading() {
    let src = format!("{SRC}\n## Blocked / Needs Review\n## Notes\n");
    let mut ed = editor(&src);
    ed.add_blocked("#06 new").unwrap();
    assert_eq!(ed.source(), format!("{SRC}\n## Blocked / Needs Review\n\n- #06 new\n\n## Notes\n"));
}

#[test]
fn a_blocked_entry_stays_one_list_item_whatever_its_text() {
    for entry in [
        "## Phase 9: Not a phase",
        "# heading",
        "> quoted",
        "- nested",
        "* star",
        "+ plus",
        "1. ordered",
        "12) ordered",
        "```",
        "~~~ fence",
        "<!-- open comment",
        "<div>",
        "---",
        "Base branch: elsewhere",
        "**Base branch:** elsewhere",
        "two\rlines",
        "two\r\n## Phase 3: lines",
        "    indented",
        "#05 a normal entry — 2026-11-21",
    ] {
        let mut ed = editor(SRC);
        assert!(ed.add_blocked(entry).unwrap_or_else(|e| panic!("{entry:?}: {e}")), "{entry:?}");
        assert_eq!(ed.plan().blocked.len(), 1, "{entry:?}:\n{}", ed.source());
        assert_eq!(ed.plan().issues, editor(SRC).plan().issues, "{entry:?}");
        assert_eq!(ed.plan().base_branch, "milestone/m3");
        assert!(!ed.add_blocked(entry).unwrap(), "{entry:?} added twice");
        assert_eq!(ed.plan().blocked.len(), 1);
    }
    let mut ed = editor(SRC);
    ed.add_blocked("#05 a normal entry — 2026-11-21").unwrap();
    assert!(ed.source().ends_with("\n- #05 a normal entry — 2026-11-21\n"), "{}", ed.source());
}

#[test]
fn a_plan_without_pr_column_is_left_alone() {
    let src =
        "Base branch: m\n\n## Phase 1: A\n\n| # | Issue | Priority | Status |\n|-|-|-|-|\n| 01 | A | P0 | Todo |\n";
    let mut ed = editor(src);
    assert!(!ed.set_pr(IssueNo(1), Some(3)).unwrap());
    assert_eq!(ed.source(), src);
}
