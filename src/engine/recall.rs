//! What the engine needs back from the journal: the person's answers to an issue's questions,
//! which issues had a TDD violation, which closed PRs were handed to a human, and the RED/GREEN
//! evidence of committed tasks. Rebuilt once from the journal when the session opens (so a
//! resumed run keeps them) and kept up to date as each entry is journaled ([`Recall::note`]), so
//! no step reads the whole journal again.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::plan::IssueNo;

/// The journal's facts the engine looks up, as journaled (redacted).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Recall {
    /// Per issue (`"01"`), its `NEEDS_CONTEXT` questions and the typed answers, in order.
    answers: BTreeMap<String, Vec<(String, String)>>,
    /// Issues with a journaled TDD violation.
    violations: BTreeSet<String>,
    /// PRs closed without merge that were already handed to a human.
    closed_prs: BTreeSet<u64>,
    /// (issue, task) → the RED and GREEN evidence of its last `task_committed` entry.
    evidence: BTreeMap<(String, u64), (Value, Value)>,
    /// PRs the run's own panic left in draft (a `panic` entry's `draft_pr`, no `pr_ready` since).
    panic_drafts: BTreeSet<u64>,
}

impl Recall {
    /// From every entry of a journal, in order.
    pub fn from_entries(entries: &[Value]) -> Recall {
        let mut r = Recall::default();
        for e in entries {
            r.note(e);
        }
        r
    }

    /// Takes in one journaled entry (`{"event": …, …}`); entries of other events are ignored.
    pub fn note(&mut self, entry: &Value) {
        let issue = || entry["issue"].as_str().unwrap_or_default().to_string();
        let text = |k: &str| entry[k].as_str().unwrap_or_default().to_string();
        match entry["event"].as_str().unwrap_or_default() {
            "interview" => self.answers.entry(issue()).or_default().push((text("question"), text("answer"))),
            "task_red" if !entry["violation"].is_null() => {
                self.violations.insert(issue());
            }
            "closed_pr" => self.closed_prs.extend(entry["pr"].as_u64()),
            "panic" => self.panic_drafts.extend(entry["draft_pr"].as_u64()),
            "pr_ready" => {
                if let Some(pr) = entry["pr"].as_u64() {
                    self.panic_drafts.remove(&pr);
                }
            }
            "task_committed" => {
                if let Some(task) = entry["task"].as_u64() {
                    self.evidence.insert((issue(), task), (entry["red"].clone(), entry["green"].clone()));
                }
            }
            _ => {}
        }
    }

    /// The questions asked in `issue` and their answers, oldest first.
    pub fn answers(&self, issue: IssueNo) -> &[(String, String)] {
        self.answers.get(&issue.padded()).map_or(&[], Vec::as_slice)
    }

    /// Whether a TDD violation was journaled for `issue`.
    pub fn had_violation(&self, issue: IssueNo) -> bool {
        self.violations.contains(&issue.padded())
    }

    /// Whether closed PR `pr` was already handed to a human.
    pub fn closed_pr_handled(&self, pr: u64) -> bool {
        self.closed_prs.contains(&pr)
    }

    /// Every closed PR handed to a human so far.
    pub fn closed_prs(&self) -> &BTreeSet<u64> {
        &self.closed_prs
    }

    /// Whether the journal's last word on PR `pr` being a draft is the run's panic drafting it.
    pub fn drafted_by_panic(&self, pr: u64) -> bool {
        self.panic_drafts.contains(&pr)
    }

    /// The RED and GREEN evidence journaled when Task `task` of `issue` was committed.
    pub fn evidence(&self, issue: IssueNo, task: u32) -> Option<(&Value, &Value)> {
        self.evidence.get(&(issue.padded(), u64::from(task))).map(|(r, g)| (r, g))
    }
}

#[cfg(test)]
#[path = "recall_tests.rs"]
mod tests;
