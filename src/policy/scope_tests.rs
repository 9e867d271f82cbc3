//! Unit tests of `policy::scope`.

use crate::config::PolicyConfig;
use crate::policy::evaluate::testing::*;
use crate::policy::{HardStop, HardStopKind};

fn config() -> PolicyConfig {
    let mut c = PolicyConfig::default();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    c.scopes.insert("auth".into(), s(&["src/auth/**", "tests/auth/**"]));
    c.scopes.insert("permissions".into(), s(&["src/permissions/**"]));
    c.scopes.insert("billing".into(), s(&["src/services/billing*.py", "src/billing/**"]));
    c
}

fn eval(files: Vec<crate::git::diff::FileChange>, tags: &[&str]) -> crate::policy::Evaluation {
    let dir = tempfile::tempdir().unwrap();
    run(&diff(files), &config(), tags, dir.path())
}

#[test]
fn a_change_outside_the_scope_is_scope_creep_named_after_its_area() {
    let ev = eval(
        vec![
            added("src/auth/session.py", "x\n"),
            modified("src/services/billing.py", "a\n", "b\n"),
            added("src/cache.py", "c\n"),
        ],
        &["auth", "permissions"],
    );
    assert_eq!(
        ev.hard_stops,
        vec![
            HardStop {
                kind: HardStopKind::CrossBoundary,
                headline: "🛑 Scope creep: billing code in M3 (auth, permissions)".into(),
                lines: vec!["Modified: src/services/billing.py".into(), "Scope tags: [auth, permissions]".into()],
            },
            HardStop {
                kind: HardStopKind::CrossBoundary,
                headline: "🛑 Scope creep: out-of-scope code in M3 (auth, permissions)".into(),
                lines: vec!["Modified: src/cache.py".into(), "Scope tags: [auth, permissions]".into()],
            },
        ]
    );
}

#[test]
fn the_seed_example_headline() {
    let ev = eval(vec![modified("src/services/billing.py", "a\n", "b\n")], &["auth"]);
    assert_eq!(ev.hard_stops.len(), 1);
    assert_eq!(ev.hard_stops[0].headline, "🛑 Scope creep: billing code in M3 (auth)");
    assert_eq!(ev.hard_stops[0].lines, ["Modified: src/services/billing.py", "Scope tags: [auth]"]);
    // The billing file is sensitive too: labelled as well as stopped.
    assert!(ev.labels.contains("sensitive-review"));
}

#[test]
fn in_scope_changes_and_untagged_issues_pass() {
    let ev = eval(vec![added("src/auth/x.py", "x\n"), added("tests/auth/test_x.py", "t\n")], &["auth"]);
    assert!(ev.hard_stops.is_empty(), "{:?}", ev.hard_stops);
    let ev = eval(vec![added("anything/at/all.py", "x\n")], &[]);
    assert!(ev.hard_stops.is_empty());
}

#[test]
fn a_rename_out_of_the_scope_counts() {
    let mut f = added("src/auth/moved.py", "x\n");
    f.old_path = Some("src/billing/moved.py".into());
    let ev = eval(vec![f], &["auth"]);
    assert_eq!(ev.hard_stops[0].headline, "🛑 Scope creep: billing code in M3 (auth)");
}

#[test]
fn a_tag_without_a_scopes_entry_is_a_clear_hard_stop() {
    let ev = eval(vec![added("src/auth/x.py", "x\n")], &["auth", "sso"]);
    assert_eq!(
        ev.hard_stops,
        vec![HardStop {
            kind: HardStopKind::CrossBoundary,
            headline: "🛑 Scope unknown: no policy.scopes entry for sso".into(),
            lines: vec![
                "Scope tags: [auth, sso]".into(),
                "Define it in .run-milestone.yml (policy.scopes.sso: [<path globs>]), then re-run".into()
            ],
        }]
    );
}

#[test]
fn sensitive_code_in_scope_gets_the_label_and_a_note() {
    let ev = eval(vec![added("src/auth/session.py", "x\n"), added("src/auth/README.md", "y\n")], &["auth"]);
    assert!(ev.hard_stops.is_empty());
    assert!(ev.labels.contains("sensitive-review"));
    assert!(ev.notes.contains(&"⚠️ Sensitive code: src/auth/session.py, src/auth/README.md".to_string()));
    // Without scope tags too.
    let ev = eval(vec![added("app/billing_service.py", "x\n")], &[]);
    assert!(ev.notes.contains(&"⚠️ Sensitive code: app/billing_service.py".to_string()), "{:?}", ev.notes);
    assert!(ev.labels.contains("sensitive-review"));
    let ev = eval(vec![added("src/textkit/slug.py", "x\n")], &[]);
    assert!(!ev.labels.contains("sensitive-review"));
}
