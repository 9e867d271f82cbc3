//! Unit tests of `milestone`.

use super::*;

#[test]
fn normalises_every_seed_form() {
    for (raw, want) in [
        ("m3", "m3"),
        ("M3", "m3"),
        ("3", "m3"),
        ("m4.1", "m4.1"),
        ("M4.1", "m4.1"),
        ("4.1", "m4.1"),
        ("m03", "m3"),
        ("m12", "m12"),
    ] {
        assert_eq!(raw.parse::<MilestoneId>().unwrap().to_string(), want, "{raw}");
    }
}

#[test]
fn rejects_other_forms_with_the_accepted_list() {
    for raw in ["", "m", "x3", "m3.", "m.1", "m3.1.2", "m-3", "mm3", "3a", " m3", "m3 ", "check"] {
        let err = raw.parse::<MilestoneId>().unwrap_err();
        assert!(err.contains("e.g. m3, M3, 3, m4.1"), "{raw}: {err}");
    }
}

#[test]
fn release_tags() {
    assert_eq!("m5".parse::<MilestoneId>().unwrap().release_tag(), "v0.5.0");
    assert_eq!("m4.1".parse::<MilestoneId>().unwrap().release_tag(), "v0.4.1");
}

#[test]
fn locate_finds_one_and_lists_on_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("milestones/m3-user-auth")).unwrap();
    std::fs::create_dir_all(root.join("milestones/m4-billing")).unwrap();
    let dirs = [PathBuf::from("milestones"), PathBuf::from("docs/milestones")];
    let found = locate(root, &dirs, &"M3".parse().unwrap()).unwrap();
    assert_eq!(found.slug, "user-auth");
    let err = locate(root, &dirs, &"m5".parse().unwrap()).unwrap_err();
    assert_eq!(
        err.message,
        "milestone m5: no folder `milestones/m5-<slug>/`; milestones here: m3-user-auth, m4-billing"
    );
    std::fs::create_dir_all(root.join("milestones/m3-other")).unwrap();
    let err = locate(root, &dirs, &"m3".parse().unwrap()).unwrap_err();
    assert_eq!(err.message, "milestone m3: 2 folders match in `milestones`: m3-other, m3-user-auth");
    // m3 must not match m31-*.
    std::fs::remove_dir_all(root.join("milestones/m3-other")).unwrap();
    std::fs::create_dir_all(root.join("milestones/m31-x")).unwrap();
    assert_eq!(locate(root, &dirs, &"m3".parse().unwrap()).unwrap().slug, "user-auth");
}

#[test]
fn locate_falls_back_to_docs_milestones() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("docs/milestones/m1-demo")).unwrap();
    let dirs = [PathBuf::from("milestones"), PathBuf::from("docs/milestones")];
    let found = locate(tmp.path(), &dirs, &"1".parse().unwrap()).unwrap();
    assert!(found.path.ends_with("docs/milestones/m1-demo"));
}
