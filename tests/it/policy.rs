//! The stop-condition policy on real git changes: diffs built by `issue_diff` from two commits,
//! license metadata read by real `cargo metadata --offline`, `node_modules/` and `.venv/`
//! fixtures, and the interpreter's own site-packages.

use std::collections::BTreeSet;
use std::path::Path;

use git2::{Oid, Repository};
use run_milestone::config::PolicyConfig;
use run_milestone::git::diff::issue_diff;
use run_milestone::git::ops::Exclude;
use run_milestone::milestone::MilestoneId;
use run_milestone::policy::{Evaluation, HardStop, HardStopKind, PolicyInput, evaluate, holds};

use crate::common::{Repo, fixtures, require};

/// A repository holding `fixtures/policy/<base>` on `main`, then a commit writing `files`.
fn change(base: Option<&str>, files: &[(&str, &str)]) -> (Repo, Oid, Oid) {
    let src = base.map(|b| fixtures().join("policy").join(b));
    let repo = Repo::with_contents("proj", src.as_deref());
    let base = Oid::from_str(&repo.sha("HEAD")).unwrap();
    for (path, text) in files {
        repo.write(path, text);
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "the issue's change"]);
    let head = Oid::from_str(&repo.sha("HEAD")).unwrap();
    (repo, base, head)
}

fn eval(repo: &Repo, base: Oid, head: Oid, config: &PolicyConfig, tags: &[&str]) -> Evaluation {
    let git = Repository::open(&repo.root).unwrap();
    let diff = issue_diff(&git, base, head, &Exclude::new(["milestones/m3-auth"])).unwrap();
    let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    let milestone: MilestoneId = "M3".parse().unwrap();
    let input = PolicyInput { diff: &diff, config, milestone: &milestone, scope_tags: &tags, workdir: &repo.root };
    evaluate(&input).unwrap()
}

fn head_manifest(name: &str) -> String {
    std::fs::read_to_string(fixtures().join("policy").join(name)).unwrap()
}

fn license_stop(headline: &str, manifest: &str, reason: &str) -> HardStop {
    HardStop {
        kind: HardStopKind::License,
        headline: headline.into(),
        lines: vec![format!("Manifest: {manifest}"), format!("Reason: {reason}")],
    }
}

fn dependency_notes(ev: &Evaluation) -> Vec<&str> {
    ev.notes.iter().filter(|n| n.starts_with("⚠️ New dependency: ")).map(String::as_str).collect()
}

/// Nothing the policy ran (cargo metadata writing Cargo.lock, the interpreter) left a trace.
fn assert_clean(repo: &Repo) {
    assert_eq!(repo.git(&["status", "--porcelain", "--untracked-files=all"]), "", "the working tree changed");
}

#[test]
fn cargo_dependencies_licenses_from_cargo_metadata_offline() {
    require("cargo");
    let (repo, base, head) = change(Some("cargo"), &[("Cargo.toml", &head_manifest("cargo.head.toml"))]);
    let ev = eval(&repo, base, head, &PolicyConfig::default(), &[]);
    assert_eq!(
        dependency_notes(&ev),
        [
            "⚠️ New dependency: dual-dep (MIT OR GPL-3.0)",
            "⚠️ New dependency: gpl-dep (GPL-3.0)",
            "⚠️ New dependency: unknown-dep (unknown)",
            "⚠️ New dependency: mit-dep (MIT)",
            "⚠️ New dependency: custom-dep (SEE LICENSE IN LICENSE-ACME)",
        ]
    );
    assert_eq!(
        ev.hard_stops,
        [
            license_stop(
                "🛑 License: gpl-dep v0.1.0 (GPL-3.0)",
                "Cargo.toml",
                "no choice in the license avoids GPL-3.0"
            ),
            license_stop(
                "🛑 License: unknown-dep v0.2.0 (unknown)",
                "Cargo.toml",
                "the crate declares no `license` or `license-file`"
            ),
            license_stop(
                "🛑 License: custom-dep v0.4.0 (SEE LICENSE IN LICENSE-ACME)",
                "Cargo.toml",
                "custom license terms (SEE LICENSE IN LICENSE-ACME): read them"
            ),
        ]
    );
    assert!(ev.labels.contains("needs-dep-review"));
    assert_clean(&repo);
}

#[test]
fn a_crate_cargo_cannot_resolve_offline_stops() {
    require("cargo");
    let manifest = head_manifest("cargo.head.toml")
        .replace("[dependencies]\n", "[dependencies]\nzz-no-such-crate-rm-policy = \"=9.9.9\"\n");
    let (repo, base, head) = change(Some("cargo"), &[("Cargo.toml", &manifest)]);
    let ev = eval(&repo, base, head, &PolicyConfig::default(), &[]);
    let stop = ev.hard_stops.iter().find(|s| s.headline.contains("zz-no-such-crate-rm-policy")).unwrap();
    assert_eq!(stop.headline, "🛑 License: zz-no-such-crate-rm-policy v9.9.9 (unknown)");
    assert!(stop.lines[1].starts_with("Reason: `cargo metadata --offline` failed (exit 101): "), "{:?}", stop.lines);
    // Every new crate of that manifest is unknown then: none passes as permissive.
    assert_eq!(ev.hard_stops.len(), 6, "{:?}", ev.hard_stops);
    assert_clean(&repo);
}

#[test]
fn npm_dependencies_licenses_from_node_modules() {
    let (repo, base, head) = change(Some("npm"), &[("package.json", &head_manifest("npm.head.json"))]);
    let ev = eval(&repo, base, head, &PolicyConfig::default(), &[]);
    // In the manifest's order, section by section.
    assert_eq!(
        dependency_notes(&ev),
        [
            "⚠️ New dependency: gpl-pkg (GPL-3.0)",
            "⚠️ New dependency: unknown-pkg (unknown)",
            "⚠️ New dependency: @acme/dual-pkg ((MIT OR GPL-3.0))",
            "⚠️ New dependency: mit-pkg (MIT)",
            "⚠️ New dependency: legacy-pkg (MIT OR Apache-2.0)",
            "⚠️ New dependency: unlicensed-pkg (UNLICENSED)",
            "⚠️ New dependency: custom-pkg (SEE LICENSE IN LICENSE.md)",
        ]
    );
    let m = "package.json";
    assert_eq!(
        ev.hard_stops,
        [
            license_stop("🛑 License: gpl-pkg v3.1.4 (GPL-3.0)", m, "no choice in the license avoids GPL-3.0"),
            license_stop(
                "🛑 License: unknown-pkg v0.0.1 (unknown)",
                m,
                "node_modules/unknown-pkg/package.json declares no license"
            ),
            license_stop(
                "🛑 License: unlicensed-pkg v1.0.0 (UNLICENSED)",
                m,
                "UNLICENSED: the package grants no license to use it"
            ),
            license_stop(
                "🛑 License: custom-pkg v2.0.0 (SEE LICENSE IN LICENSE.md)",
                m,
                "custom license terms (SEE LICENSE IN LICENSE.md): read them"
            ),
        ]
    );
    assert!(ev.labels.contains("needs-dep-review"));
    assert_clean(&repo);
}

#[test]
fn python_dependencies_licenses_from_dist_info_metadata() {
    require("python3");
    let (repo, base, head) = change(Some("python"), &[("requirements.txt", &head_manifest("python.head.txt"))]);
    let ev = eval(&repo, base, head, &PolicyConfig::default(), &[]);
    assert_eq!(
        dependency_notes(&ev),
        [
            "⚠️ New dependency: weasyprint (GPL-3.0)",
            "⚠️ New dependency: mystery-lib (unknown)",
            "⚠️ New dependency: dual_lib (MIT OR GPL-3.0-only)",
            "⚠️ New dependency: MIT-Lib (MIT)",
            "⚠️ New dependency: apache-lib (Apache License 2.0)",
            "⚠️ New dependency: not-installed-lib (unknown)",
        ]
    );
    let m = "requirements.txt";
    assert_eq!(ev.hard_stops.len(), 3, "{:?}", ev.hard_stops);
    // The seed's example, exactly.
    assert_eq!(
        ev.hard_stops[0],
        license_stop("🛑 License: weasyprint v60.0 (GPL-3.0)", m, "no choice in the license avoids GPL-3.0")
    );
    assert_eq!(
        ev.hard_stops[1],
        license_stop(
            "🛑 License: mystery-lib v1.2.0 (unknown)",
            m,
            ".venv/lib/python3.11/site-packages/mystery_lib-1.2.0.dist-info/METADATA declares no license"
        )
    );
    let missing = &ev.hard_stops[2];
    assert_eq!(missing.headline, "🛑 License: not-installed-lib v0.5 (unknown)");
    // The working tree's venv and the interpreter's own site-packages were both searched.
    assert!(
        missing.lines[1]
            .starts_with("Reason: no installed not-installed-lib-*.dist-info in .venv/lib/python3.11/site-packages, /"),
        "{:?}",
        missing.lines
    );
    assert_clean(&repo);
}

#[test]
fn python_search_paths_are_configurable() {
    let (repo, base, head) = change(Some("python"), &[("requirements.txt", "requests==2.31.0\nweasyprint\n")]);
    let config = PolicyConfig {
        python_site_packages: vec!["vendor/site".into()],
        python_interpreter: None,
        ..PolicyConfig::default()
    };
    let ev = eval(&repo, base, head, &config, &[]);
    assert_eq!(
        ev.hard_stops,
        [license_stop(
            "🛑 License: weasyprint (unknown)",
            "requirements.txt",
            "no site-packages to search for weasyprint (policy.python_site_packages, policy.python_interpreter)"
        )]
    );
}

#[test]
fn an_alembic_migration_through_git_with_surfaces_sensitive_code_and_holds() {
    let revision = "from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n    op.create_table(\"api_keys\", sa.Column(\"id\", sa.Integer(), primary_key=True))\n\n\ndef downgrade():\n    op.drop_table(\"api_keys\")\n";
    let (repo, base, head) = change(
        None,
        &[
            ("alembic/versions/004_api_keys.py", revision),
            ("src/auth/keys.py", "def issue_key():\n    return 'k'\n"),
            ("milestones/m3-auth/IMPLEMENTATION_PLAN.md", "excluded from the diff\n"),
        ],
    );
    let mut config = PolicyConfig::default();
    config.scopes.insert("auth".into(), vec!["src/auth/**".into(), "alembic/**".into()]);
    let ev = eval(&repo, base, head, &config, &["auth"]);
    assert_eq!(
        ev.notes,
        [
            "⚠️ Protected surface (Auth): src/auth/keys.py → needs-human",
            "⚠️ Protected surface (Schema migrations): alembic/versions/004_api_keys.py → needs-db-review",
            "✓ Migration: CREATE TABLE \"api_keys\"",
            "⚠️ Additive schema change",
            "⚠️ Sensitive code: src/auth/keys.py",
        ]
    );
    assert!(ev.hard_stops.is_empty(), "{:?}", ev.hard_stops);
    assert_eq!(ev.soft_stop, None);
    let labels: Vec<&str> = ev.labels.iter().map(String::as_str).collect();
    assert_eq!(labels, ["needs-db-review", "needs-human", "sensitive-review"]);
    assert_eq!(holds(&config, &ev.labels), ["needs-db-review", "needs-human", "sensitive-review"]);
    let mut lenient = config.clone();
    lenient.hold_labels = Some(vec!["needs-human".into()]);
    assert_eq!(holds(&lenient, &ev.labels), ["needs-human"]);
    assert!(holds(&lenient, &BTreeSet::new()).is_empty());
}

#[test]
fn scope_creep_and_large_diff_through_git() {
    let mut files: Vec<(String, String)> =
        (0..8).map(|i| (format!("src/auth/m{i}.py"), "x = 1\n".repeat(60))).collect();
    files.push(("src/services/billing.py".into(), "charge = 1\n".into()));
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let (repo, base, head) = change(None, &refs);
    let mut config = PolicyConfig::default();
    config.scopes.insert("auth".into(), vec!["src/auth/**".into()]);
    config.scopes.insert("permissions".into(), vec!["src/permissions/**".into()]);
    config.scopes.insert("billing".into(), vec!["src/services/billing*.py".into()]);
    let ev = eval(&repo, base, head, &config, &["auth", "permissions"]);
    assert_eq!(
        ev.hard_stops,
        [HardStop {
            kind: HardStopKind::CrossBoundary,
            headline: "🛑 Scope creep: billing code in M3 (auth, permissions)".into(),
            lines: vec!["Modified: src/services/billing.py".into(), "Scope tags: [auth, permissions]".into()],
        }]
    );
    assert_eq!(ev.soft_stop.as_deref(), Some("Large diff (9 files, 481 lines; limits 8 files, 400 lines)"));
}

#[test]
fn coverage_report_in_the_working_tree() {
    let (repo, base, head) = change(None, &[("src/a.py", "x = 1\n")]);
    std::fs::write(repo.root.join("lcov.info"), "SF:src/a.py\nLF:10\nLH:4\nend_of_record\n").unwrap();
    let config = PolicyConfig { coverage_report: Some("lcov.info".into()), ..PolicyConfig::default() };
    let ev = eval(&repo, base, head, &config, &[]);
    assert_eq!(ev.notes, ["⚠️ Low test coverage: 40.0% (< 50%)"]);
    assert!(ev.labels.contains("needs-test-review"));
    assert!(Path::new(&repo.root.join("lcov.info")).exists());
}
