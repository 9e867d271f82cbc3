//! The body of an issue's pull request: the issue summary, the TDD evidence of every task, the
//! acceptance criteria. The forge guard redacts it (with the title) before it leaves the process.

use std::fmt::Write as _;

use serde_json::Value;

use super::session::Session;
use super::task::TaskRecord;
use crate::plan::{Issue, Spec};

pub fn render(s: &Session, issue: &Issue, spec: &Spec, records: &[TaskRecord], review: &[String]) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "## Issue {}\n", issue.display_title());
    if !spec.done_definition.is_empty() {
        let _ = writeln!(b, "{}\n", spec.done_definition);
    }
    let _ = writeln!(
        b,
        "Milestone `{}` · branch `{}` → `{}`\n",
        s.id,
        super::naming::issue_branch(&s.id, issue, Some(spec)),
        s.base_branch()
    );
    let _ = writeln!(b, "## TDD evidence\n");
    // Evidence of tasks committed by an earlier (resumed) run comes from the journal.
    for task in &spec.tasks {
        let _ = writeln!(b, "### Task {}: {}\n", task.number, task.title);
        let (red, green) = match records.iter().find(|r| r.number == task.number) {
            Some(r) => (r.red.as_ref().map(|e| e.json()), r.green.as_ref().map(|e| e.json())),
            None => match s.recall.evidence(issue.no, task.number) {
                Some((red, green)) => (Some(red.clone()), Some(green.clone())),
                None => (None, None),
            },
        };
        for (label, ev) in [("RED (must fail)", red), ("GREEN (must pass)", green)] {
            match ev.filter(|v| !v.is_null()) {
                Some(v) => {
                    let exit = match &v["exit"] {
                        Value::Number(n) => n.to_string(),
                        _ => "signal".into(),
                    };
                    let _ = writeln!(b, "- {label}: `{}` → exit {exit}", v["verify"].as_str().unwrap_or(""));
                    let tail = v["tail"].as_str().unwrap_or("");
                    if !tail.is_empty() {
                        let tail: Vec<&str> =
                            tail.lines().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
                        let _ = writeln!(b, "\n  ```\n  {}\n  ```\n", tail.join("\n  "));
                    }
                }
                None => {
                    let _ = writeln!(b, "- {label}: (no evidence recorded)");
                }
            }
        }
        let _ = writeln!(b);
    }
    if !review.is_empty() {
        let _ = writeln!(b, "## Two-stage review\n");
        for line in review {
            let _ = writeln!(b, "- {line}");
        }
        let _ = writeln!(b);
    }
    if !spec.acceptance.is_empty() {
        let _ = writeln!(b, "## Acceptance criteria\n");
        for c in &spec.acceptance {
            let _ = writeln!(b, "- [{}] {}", if c.checked { "x" } else { " " }, c.text);
        }
        let _ = writeln!(b);
    }
    let _ = writeln!(b, "---\nOpened by run-milestone ({} agent).", s.agent.name());
    b
}
