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
#[path = "edit_tests.rs"]
mod tests;
