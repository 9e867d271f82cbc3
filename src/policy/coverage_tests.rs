//! Unit tests of `policy::coverage`.

use super::*;
use crate::config::PolicyConfig;
use crate::policy::evaluate::testing::*;

fn with_report(name: &str, text: Option<&str>, min: f64) -> crate::policy::Evaluation {
    let dir = tempfile::tempdir().unwrap();
    if let Some(t) = text {
        std::fs::write(dir.path().join(name), t).unwrap();
    }
    let c = PolicyConfig { coverage_report: Some(name.into()), min_coverage: min, ..PolicyConfig::default() };
    run(&diff(vec![]), &c, &[], dir.path())
}

const LCOV: &str = "TN:\nSF:a.py\nDA:1,1\nLF:60\nLH:20\nend_of_record\nSF:b.py\nLF:40\nLH:23\nend_of_record\n";
const COBERTURA: &str = "<?xml version=\"1.0\" ?>\n<coverage version=\"7.4\" timestamp=\"1\" lines-valid=\"200\" lines-covered=\"86\" line-rate=\"0.43\" branch-rate=\"0\">\n<packages/></coverage>\n";

#[test]
fn lcov_below_and_above_the_threshold() {
    let ev = with_report("lcov.info", Some(LCOV), 50.0);
    assert_eq!(ev.notes, ["⚠️ Low test coverage: 43.0% (< 50%)"]);
    assert!(ev.labels.contains("needs-test-review"));
    let ev = with_report("lcov.info", Some(LCOV), 40.0);
    assert_eq!(ev.notes, ["✓ Test coverage: 43.0%"]);
    assert!(ev.labels.is_empty());
}

#[test]
fn cobertura_below_and_above_the_threshold() {
    let ev = with_report("coverage.xml", Some(COBERTURA), 50.0);
    assert_eq!(ev.notes, ["⚠️ Low test coverage: 43.0% (< 50%)"]);
    assert!(ev.labels.contains("needs-test-review"));
    let ev = with_report("coverage.xml", Some(COBERTURA), 42.5);
    assert_eq!(ev.notes, ["✓ Test coverage: 43.0%"]);
    assert!(ev.labels.is_empty());
    let counts = "<coverage lines-valid=\"8\" lines-covered=\"6\">";
    assert_eq!(parse(counts), Ok(75.0));
    let ev = with_report("coverage.xml", Some(counts), 80.0);
    assert_eq!(ev.notes, ["⚠️ Low test coverage: 75.0% (< 80%)"]);
    let ev = with_report("coverage.xml", Some(counts), 72.5);
    assert_eq!(ev.notes, ["✓ Test coverage: 75.0%"]);
}

#[test]
fn a_missing_or_unreadable_report_is_a_note_without_label() {
    let ev = with_report("coverage.xml", None, 50.0);
    assert_eq!(ev.notes, ["⚠️ Coverage report not found: coverage.xml"]);
    assert!(ev.labels.is_empty());
    let ev = with_report("lcov.info", Some("hello\n"), 50.0);
    assert_eq!(
        ev.notes,
        ["⚠️ Coverage report unreadable: lcov.info: neither a Cobertura <coverage> element nor lcov LF:/LH: records"]
    );
    assert!(ev.labels.is_empty());
    assert_eq!(with_report("x", None, 50.0).notes.len(), 1);
    let none = run_default(vec![]);
    assert!(none.notes.is_empty());
    assert_eq!(number(72.5), "72.5");
}
