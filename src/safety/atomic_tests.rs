//! Unit tests of `safety::atomic`.

use super::*;

#[test]
fn replaces_content_and_leaves_no_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("plan.md");
    fs::write(&path, "old").unwrap();
    write_atomic(&path, b"new").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    let names: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("plan.md")]);
}

#[test]
fn a_failed_write_keeps_the_old_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("missing-dir").join("plan.md");
    assert!(write_atomic(&path, b"x").is_err());
    assert!(!path.exists());
}
