//! Unit tests of `safety::journal`.

use super::*;

#[test]
fn appends_and_reads_back_ignoring_a_torn_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m1/journal.jsonl");
    let mut j = Journal::open(&path).unwrap();
    j.append("issue_started", json!({"issue": "01"})).unwrap();
    j.append("task_committed", json!({"issue": "01", "task": 1, "sha": "abc", "tail": "password=\"x\", ok"})).unwrap();
    drop(j);
    std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"event\":\"tor").unwrap();
    let entries = Journal::read(&path);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["event"], "task_committed");
    assert_eq!(entries[1]["task"], 1);
    assert_eq!(entries[1]["tail"], "[REDACTED] ok");
    assert!(entries[0]["ts"].as_str().unwrap().ends_with('Z'));
}
