//! Unit tests of `policy::branches`.

use super::*;

#[test]
fn configured_defaults_and_patterns() {
    let p = ProtectedBranches::new(&["main".into(), "master".into(), "release/*".into()], &["trunk".into()]).unwrap();
    for b in ["main", "master", "trunk", "release/1.0", "refs/heads/main"] {
        assert!(p.is_protected(b), "{b}");
    }
    for b in ["milestone/m1-x", "feat/m1-01-x", "mainline", "develop"] {
        assert!(!p.is_protected(b), "{b}");
    }
    assert_eq!(p.names(), ["main", "master", "release/*", "trunk"]);
}
