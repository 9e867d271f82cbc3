//! Unit tests of `agent::spec`.

use super::*;

#[test]
fn append_after_a_blank_line_or_create() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a/b.py");
    write_or_append(&p, "x = 1").unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "x = 1\n");
    write_or_append(&p, "y = 2\n").unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "x = 1\n\ny = 2\n");
}

#[test]
fn refuses_paths_outside_the_tree() {
    let root = Path::new("/w");
    assert!(inside(root, "../x.py").is_none());
    assert!(inside(root, "/etc/passwd").is_none());
    assert!(inside(root, "").is_none());
    assert_eq!(inside(root, "src/x.py"), Some(PathBuf::from("/w/src/x.py")));
}
