//! Unit tests of `policy::surfaces`.

use crate::policy::evaluate::testing::*;

#[test]
fn each_seed_surface_adds_its_label() {
    let cases = [
        ("src/auth/login.py", "Auth", "needs-human"),
        ("app/middleware/auth_token.py", "Auth", "needs-human"),
        (".env.production", "Secrets", "needs-human"),
        ("config/secrets.yaml", "Secrets", "needs-human"),
        ("ops/credentials.json", "Secrets", "needs-human"),
        ("deploy/k8s.yaml", "Infrastructure", "needs-human"),
        ("infra/main.tf", "Infrastructure", "needs-human"),
        ("Dockerfile", "Infrastructure", "needs-human"),
        ("services/api/Dockerfile.dev", "Infrastructure", "needs-human"),
        (".github/workflows/ci.yml", "CI/CD", "needs-human"),
        ("tools/ci/run.sh", "CI/CD", "needs-human"),
        ("app/migrations/README", "Schema migrations", "needs-db-review"),
        ("alembic/env.py", "Schema migrations", "needs-db-review"),
        ("requirements-dev.txt", "Dependencies", "needs-dep-review"),
        ("web/package-lock.json", "Dependencies", "needs-dep-review"),
        ("Cargo.lock", "Dependencies", "needs-dep-review"),
    ];
    // Only the surfaces table: no sensitive globs, no manifests to read.
    let mut config = crate::config::PolicyConfig::default();
    config.sensitive_globs.clear();
    config.dependency_manifests.clear();
    let dir = tempfile::tempdir().unwrap();
    for (path, rule, label) in cases {
        let ev = run(&diff(vec![added(path, "x\n")]), &config, &[], dir.path());
        assert!(ev.labels.contains(label), "{path}: {:?}", ev.labels);
        assert_eq!(ev.labels.len(), 1, "{path}: {:?}", ev.labels);
        assert!(
            ev.notes.contains(&format!("⚠️ Protected surface ({rule}): {path} → {label}")),
            "{path}: {:?}",
            ev.notes
        );
        assert!(ev.hard_stops.is_empty());
    }
    let ev = run(&diff(vec![added("src/authors.py", "x\n"), added("docs/ci.md", "x\n")]), &config, &[], dir.path());
    assert!(ev.labels.is_empty(), "{:?}", ev.labels);
}

#[test]
fn one_note_per_rule_lists_its_files() {
    let ev = run_default(vec![added("src/auth/a.py", "x\n"), added("src/auth/b.py", "y\n")]);
    let surface: Vec<_> = ev.notes.iter().filter(|n| n.contains("Protected surface")).collect();
    assert_eq!(surface, ["⚠️ Protected surface (Auth): src/auth/a.py, src/auth/b.py → needs-human"]);
}
