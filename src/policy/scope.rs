//! Cross-boundary changes and sensitive code: an issue tagged `scope: [auth]` may only change
//! the paths `policy.scopes.auth` allows (anything else is a hard stop naming the area it strayed
//! into), and any change to auth or billing code (`sensitive_globs`) gets `sensitive-review`.

use super::evaluate::{Evaluation, HardStopKind, PolicyInput, Rules};
use crate::git::diff::FileChange;

/// The paths a change touches: the path, and the old path of a rename.
fn paths(f: &FileChange) -> impl Iterator<Item = &str> {
    std::iter::once(f.path.as_str()).chain(f.old_path.as_deref())
}

pub(crate) fn check(input: &PolicyInput, rules: &Rules, ev: &mut Evaluation) {
    scope_creep(input, rules, ev);
    let sensitive: Vec<&str> = input
        .diff
        .files
        .iter()
        .filter(|f| paths(f).any(|p| rules.sensitive.is_match(p)))
        .map(|f| f.path.as_str())
        .collect();
    if !sensitive.is_empty() {
        ev.notes.push(format!("⚠️ Sensitive code: {}", sensitive.join(", ")));
        ev.labels.insert(input.config.labels.sensitive.clone());
    }
}

/// Issues without `scope` tags are not checked. A tag without a `policy.scopes` entry is itself a
/// cross-boundary hard stop (the allowed paths are unknown, so nothing can be checked).
fn scope_creep(input: &PolicyInput, rules: &Rules, ev: &mut Evaluation) {
    let tags = input.scope_tags;
    if tags.is_empty() {
        return;
    }
    let tag_list = format!("Scope tags: [{}]", tags.join(", "));
    let unknown: Vec<&str> = tags.iter().map(String::as_str).filter(|t| rules.scope(t).is_none()).collect();
    if !unknown.is_empty() {
        ev.stop(
            HardStopKind::CrossBoundary,
            format!("🛑 Scope unknown: no policy.scopes entry for {}", unknown.join(", ")),
            vec![
                tag_list,
                format!("Define it in .run-milestone.yml (policy.scopes.{}: [<path globs>]), then re-run", unknown[0]),
            ],
        );
        return;
    }
    let allowed: Vec<_> = tags.iter().filter_map(|t| rules.scope(t)).collect();
    let mut areas: Vec<(String, Vec<&str>)> = Vec::new();
    for f in &input.diff.files {
        if paths(f).all(|p| allowed.iter().any(|set| set.is_match(p))) {
            continue;
        }
        let area = rules
            .scopes
            .iter()
            .find(|(tag, set)| !tags.contains(tag) && paths(f).any(|p| set.is_match(p)))
            .map_or("out-of-scope", |(tag, _)| tag.as_str());
        match areas.iter_mut().find(|(a, _)| a == area) {
            Some((_, files)) => files.push(&f.path),
            None => areas.push((area.to_string(), vec![&f.path])),
        }
    }
    let milestone = input.milestone.to_string().to_uppercase();
    for (area, files) in areas {
        ev.stop(
            HardStopKind::CrossBoundary,
            format!("🛑 Scope creep: {area} code in {milestone} ({})", tags.join(", ")),
            vec![format!("Modified: {}", files.join(", ")), tag_list.clone()],
        );
    }
}

#[cfg(test)]
mod tests {
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
}
