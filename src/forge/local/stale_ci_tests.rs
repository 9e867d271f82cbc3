//! Unit tests of `forge::local::stale_ci`.

use super::*;

#[test]
fn only_real_directories_of_this_user_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("run-milestone-ci-1a2b3c4-4242-7");
    std::fs::create_dir(&folder).unwrap();
    assert!(own_directories(&folder.join("tree")), "a folder whose checkout is gone");
    std::fs::create_dir(folder.join("tree")).unwrap();
    assert!(own_directories(&folder.join("tree")));
    std::fs::remove_dir(folder.join("tree")).unwrap();
    let elsewhere = tmp.path().join("precious");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, folder.join("tree")).unwrap();
    assert!(!own_directories(&folder.join("tree")), "a symlinked checkout");
    let linked = tmp.path().join("run-milestone-ci-1a2b3c4-4242-8");
    std::os::unix::fs::symlink(&elsewhere, &linked).unwrap();
    assert!(!own_directories(&linked.join("tree")), "a symlinked folder");
}

#[test]
fn the_owner_is_read_from_the_folder_name() {
    let tmp = Path::new("/tmp");
    assert_eq!(owner(Path::new("/tmp/run-milestone-ci-1a2b3c4-4242-7/tree"), tmp), Some(4242));
    assert_eq!(owner(Path::new("/tmp/run-milestone-ci-1a2b3c4-x-7/tree"), tmp), None);
    assert_eq!(owner(Path::new("/home/me/demo-m1"), tmp), None);
    // Only the CI's own layout in the temp dir: another folder or checkout name is left alone.
    assert_eq!(owner(Path::new("/home/me/run-milestone-ci-1a2b3c4-4242-7/tree"), tmp), None);
    assert_eq!(owner(Path::new("/tmp/run-milestone-ci-1a2b3c4-4242-7/work"), tmp), None);
}
