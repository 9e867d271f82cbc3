//! Unit tests of `safety::lock`.

use super::*;

#[test]
fn a_second_holder_is_refused_and_the_lock_is_released_on_drop() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m1");
    let lock = acquire(&dir, "m1").unwrap();
    assert_eq!(holder(&dir), Some(std::process::id()));
    let err = acquire(&dir, "m1").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Locked);
    assert_eq!(err.message, format!("milestone m1 is already running (pid {})", std::process::id()));
    assert_eq!(running(tmp.path()), vec![("m1".to_string(), std::process::id())]);
    drop(lock);
    assert_eq!(holder(&dir), None);
    assert!(acquire(&dir, "m1").is_ok());
}
