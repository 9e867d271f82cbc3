//! Unit tests of `engine::recall`.

use super::*;
use crate::safety::journal::Journal;
use serde_json::json;

#[test]
fn the_same_facts_from_the_journal_and_from_each_entry_as_it_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mut journal = Journal::open(&path).unwrap();
    let mut live = Recall::default();
    let entries = [
        ("issue_started", json!({"issue": "01"})),
        ("interview", json!({"issue": "01", "question": "Hyphens?", "answer": "yes", "who": "Implementer"})),
        ("task_red", json!({"issue": "01", "task": 1, "violation": null})),
        ("task_red", json!({"issue": "02", "task": 1, "violation": "Test passes immediately"})),
        ("task_committed", json!({"issue": "01", "task": 1, "red": {"exit": 1}, "green": {"exit": 0}})),
        ("task_committed", json!({"issue": "01", "task": 1, "red": {"exit": 2}, "green": {"exit": 0}})),
        ("closed_pr", json!({"issue": "03", "pr": 7})),
        ("interview", json!({"issue": "01", "question": "Unicode?", "answer": "password=hunter22", "who": "Reviewer"})),
    ];
    for (event, fields) in entries {
        live.note(&journal.append(event, fields).unwrap());
    }
    let read = Recall::from_entries(&Journal::read(&path));
    assert_eq!(read, live);
    let (one, two) = (IssueNo(1), IssueNo(2));
    assert_eq!(
        read.answers(one),
        [("Hyphens?".to_string(), "yes".to_string()), ("Unicode?".into(), "[REDACTED]".into())],
        "as journaled: redacted"
    );
    assert!(read.answers(two).is_empty());
    assert!(read.had_violation(two) && !read.had_violation(one));
    assert!(read.closed_pr_handled(7) && !read.closed_pr_handled(1));
    assert_eq!(read.evidence(one, 1), Some((&json!({"exit": 2}), &json!({"exit": 0}))), "the last one");
    assert_eq!(read.evidence(one, 2), None);
}
