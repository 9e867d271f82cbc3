//! Unit tests of `policy::size`.

use crate::config::PolicyConfig;
use crate::policy::evaluate::testing::*;

fn files(n: usize, lines_each: usize) -> Vec<crate::git::diff::FileChange> {
    (0..n).map(|i| added(&format!("src/m{i}.py"), &"x = 1\n".repeat(lines_each))).collect()
}

#[test]
fn more_files_than_the_limit_is_a_soft_stop() {
    let ev = run_default(files(9, 1));
    assert_eq!(ev.soft_stop.as_deref(), Some("Large diff (9 files, 9 lines; limits 8 files, 400 lines)"));
    assert!(ev.hard_stops.is_empty());
    assert_eq!(run_default(files(8, 50)).soft_stop, None);
}

#[test]
fn more_lines_than_the_limit_is_a_soft_stop() {
    let mut fs = files(2, 200);
    assert_eq!(run_default(fs.clone()).soft_stop, None);
    fs[0].deleted = 1;
    let ev = run_default(fs);
    assert_eq!(ev.soft_stop.as_deref(), Some("Large diff (2 files, 401 lines; limits 8 files, 400 lines)"));
}

#[test]
fn limits_are_configurable() {
    let c = PolicyConfig { max_diff_files: 12, max_diff_lines: 10, ..PolicyConfig::default() };
    let dir = tempfile::tempdir().unwrap();
    let ev = run(&diff(files(10, 1)), &c, &[], dir.path());
    assert_eq!(ev.soft_stop, None);
    let ev = run(&diff(files(11, 1)), &c, &[], dir.path());
    assert_eq!(ev.soft_stop.as_deref(), Some("Large diff (11 files, 11 lines; limits 12 files, 10 lines)"));
}
