//! Unit tests of `forge::github::scopes`.

use super::*;

#[test]
fn refused_warned_and_unchecked() {
    let e = check(Some("repo, delete_repo, workflow")).unwrap_err().to_string();
    assert!(e.contains("`delete_repo` scope,") && e.contains("refusing to start"), "{e}");
    let e = check(Some("admin:org,admin:repo_hook")).unwrap_err().to_string();
    assert!(e.contains("`admin:org`, `admin:repo_hook` scopes"), "{e}");
    let ok = check(Some("repo, read:org, workflow")).unwrap();
    assert!(ok.notes().is_empty());
    let r = check(Some("repo, write:org")).unwrap();
    assert_eq!(
        r,
        ScopeReport::Checked { scopes: vec!["repo".into(), "write:org".into()], missing: vec!["workflow".into()] }
    );
    assert!(r.notes()[0].contains("lacks the `workflow` scope the seed"), "{:?}", r.notes());
    let empty = check(Some("")).unwrap();
    assert!(empty.notes()[0].contains("`repo`, `read:org`, `workflow` scopes"), "{:?}", empty.notes());
    assert_eq!(check(None).unwrap(), ScopeReport::NotReported);
    assert!(ScopeReport::NotReported.notes()[0].starts_with("could not check the GitHub token's scopes"));
}
