//! In-place editor for `IMPLEMENTATION_PLAN.md`.
//!
//! It changes only a status cell, a PR cell, or the `## Blocked / Needs Review` list; every
//! other byte stays as it was. After each edit the text is parsed again, so spans stay exact.

use std::ops::Range;
use std::path::Path;

use super::model::{IssueNo, Plan, Status};
use super::parse::parse_plan;
use crate::error::Error;

/// Applies edits to a plan's text.
#[derive(Debug, Clone)]
pub struct PlanEditor {
    plan: Plan,
}

impl PlanEditor {
    pub fn new(plan: Plan) -> Self {
        PlanEditor { plan }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn source(&self) -> &str {
        &self.plan.source
    }

    pub fn into_plan(self) -> Plan {
        self.plan
    }

    fn issue_or_err(&self, no: IssueNo) -> Result<&super::model::Issue, Error> {
        self.plan
            .issue(no)
            .ok_or_else(|| Error::internal(format!("{}: no issue {no} in the plan", self.plan.path.display())))
    }

    fn splice(&mut self, range: Range<usize>, text: &str) -> Result<(), Error> {
        let mut src = String::with_capacity(self.plan.source.len() + text.len());
        src.push_str(&self.plan.source[..range.start]);
        src.push_str(text);
        src.push_str(&self.plan.source[range.end..]);
        self.plan = parse_plan(&self.plan.path, &src)?;
        Ok(())
    }

    /// Sets an issue's status cell. Returns whether the text changed.
    pub fn set_status(&mut self, no: IssueNo, status: Status) -> Result<bool, Error> {
        let issue = self.issue_or_err(no)?;
        if issue.status == status {
            return Ok(false);
        }
        let span = cell_content(&self.plan.source, issue.status_span.clone());
        self.splice(span, status.cell())?;
        Ok(true)
    }

    /// Sets an issue's PR cell (`#310`). Returns false when the table has no PR column.
    pub fn set_pr(&mut self, no: IssueNo, pr: Option<u64>) -> Result<bool, Error> {
        let issue = self.issue_or_err(no)?;
        let Some(span) = issue.pr_span.clone() else { return Ok(false) };
        if issue.pr == pr {
            return Ok(false);
        }
        let text = pr.map(|n| format!("#{n}")).unwrap_or_default();
        let content = cell_content(&self.plan.source, span.clone());
        if content.is_empty() {
            // An empty cell: `| |` → `| #310 |`.
            self.splice(span, &format!(" {text} "))?;
        } else {
            self.splice(content, &text)?;
        }
        Ok(true)
    }

    /// Appends `- <entry>` to `## Blocked / Needs Review`, creating the section at the end of the
    /// file if it is absent. An identical entry is not added twice.
    pub fn add_blocked(&mut self, entry: &str) -> Result<bool, Error> {
        let entry = list_item_text(entry);
        if self.plan.blocked.iter().any(|b| b.text == entry) {
            return Ok(false);
        }
        let src = &self.plan.source;
        match self.plan.blocked_insert_at {
            Some(at) => {
                let has_list = !self.plan.blocked.is_empty();
                let mut text = String::new();
                if !src[..at].ends_with('\n') {
                    text.push('\n');
                }
                if !has_list {
                    text.push('\n');
                }
                text.push_str(&format!("- {entry}\n"));
                if !has_list && !src[at..].is_empty() && !src[at..].starts_with('\n') {
                    text.push('\n');
                }
                self.splice(at..at, &text)?;
            }
            None => {
                let mut text = String::new();
                if !src.is_empty() && !src.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&format!("\n## Blocked / Needs Review\n\n- {entry}\n"));
                let end = src.len();
                self.splice(end..end, &text)?;
            }
        }
        Ok(true)
    }

    /// Writes the edited text to `abs` atomically.
    pub fn write(&self, abs: &Path) -> Result<(), Error> {
        crate::safety::atomic::write_atomic(abs, self.plan.source.as_bytes())
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", abs.display())))
    }
}

/// An entry as the text of one list item: line breaks become spaces, and a leading character
/// that would start a block (heading, quote, list, fence, HTML, thematic break) is
/// backslash-escaped, so the entry stays one item of the list whatever it says.
fn list_item_text(entry: &str) -> String {
    let one: String = entry.chars().map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c }).collect();
    let one = one.trim();
    let hashes = one.len() - one.trim_start_matches('#').len();
    let heading = (1..=6).contains(&hashes) && one[hashes..].chars().next().is_none_or(char::is_whitespace);
    let digits = one.len() - one.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let ordered = (1..=9).contains(&digits) && one[digits..].starts_with(['.', ')']);
    match one.chars().next() {
        _ if ordered => format!("{}\\{}", &one[..digits], &one[digits..]),
        Some('#') if !heading => one.to_string(),
        Some(c) if c.is_ascii_punctuation() => format!("\\{one}"),
        _ => one.to_string(),
    }
}

/// The trimmed content range of a cell span (whitespace inside the pipes is kept).
fn cell_content(src: &str, span: Range<usize>) -> Range<usize> {
    let cell = &src[span.clone()];
    let lead = cell.len() - cell.trim_start().len();
    let trail = cell.len() - cell.trim_end().len();
    if lead == cell.len() {
        return span.start..span.start;
    }
    (span.start + lead)..(span.end - trail)
}

#[cfg(test)]
mod tests {
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
}
