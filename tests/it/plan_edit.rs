//! The in-place editor changes only the cell (or list) it edits: round trips over every fixture
//! plan leave every other byte unchanged.

use std::path::{Path, PathBuf};

use run_milestone::plan::Status;
use run_milestone::plan::edit::PlanEditor;
use run_milestone::plan::parse::parse_plan;

use crate::common::fixtures;

fn plans(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            plans(&p, out);
        } else if p.file_name().is_some_and(|n| n == "IMPLEMENTATION_PLAN.md") {
            out.push(p);
        }
    }
}

fn trimmed(src: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let cell = &src[span.clone()];
    if cell.trim().is_empty() {
        return span;
    }
    let lead = cell.len() - cell.trim_start().len();
    let trail = cell.len() - cell.trim_end().len();
    span.start + lead..span.end - trail
}

#[test]
fn edits_touch_only_their_cell_in_every_fixture_plan() {
    let mut files = Vec::new();
    plans(&fixtures(), &mut files);
    let mut checked = 0;
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let Ok(plan) = parse_plan(&file, &text) else { continue };
        checked += 1;
        // No edit: identical bytes.
        assert_eq!(PlanEditor::new(plan.clone()).source(), text);
        for issue in &plan.issues {
            for status in Status::ALL {
                let mut ed = PlanEditor::new(plan.clone());
                ed.set_status(issue.no, status).unwrap();
                if issue.status == status {
                    assert_eq!(ed.source(), text);
                    continue;
                }
                let r = trimmed(&text, issue.status_span.clone());
                let want = format!("{}{}{}", &text[..r.start], status.cell(), &text[r.end..]);
                assert_eq!(ed.source(), want, "{}: {} → {status:?}", file.display(), issue.no);
                let after = ed.plan().issue(issue.no).unwrap();
                assert_eq!(
                    (after.status, &after.title, after.depends.clone(), after.pr),
                    (status, &issue.title, issue.depends.clone(), issue.pr)
                );
                // And back: a canonical cell comes back byte for byte.
                if text[r.clone()] == *issue.status.cell() {
                    ed.set_status(issue.no, issue.status).unwrap();
                    assert_eq!(ed.source(), text);
                }
            }
            if let Some(span) = issue.pr_span.clone() {
                let mut ed = PlanEditor::new(plan.clone());
                ed.set_pr(issue.no, Some(4242)).unwrap();
                let r = trimmed(&text, span);
                let cell = if text[r.clone()].trim().is_empty() { " #4242 ".to_string() } else { "#4242".to_string() };
                assert_eq!(ed.source(), format!("{}{cell}{}", &text[..r.start], &text[r.end..]));
            }
        }
        let mut ed = PlanEditor::new(plan.clone());
        ed.add_blocked("#01 Tests failing — 2026-11-21").unwrap();
        let new = ed.source().to_string();
        let at = plan.blocked_insert_at.unwrap_or(text.len());
        assert!(new.starts_with(&text[..at]) && new.ends_with(&text[at..]), "{}", file.display());
        assert_eq!(ed.plan().blocked.last().unwrap().text, "#01 Tests failing — 2026-11-21");
        assert_eq!(ed.plan().issues.len(), plan.issues.len());
    }
    assert!(checked >= 8, "only {checked} fixture plans parsed");
}
