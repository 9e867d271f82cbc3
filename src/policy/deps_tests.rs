//! Manifest parsing (what counts as an added dependency) and the notes and stops it leads to.

use super::*;
use crate::config::PolicyConfig;
use crate::policy::evaluate::testing::{added as new_file, diff, modified, run};
use crate::policy::{HardStop, HardStopKind};

fn names(deps: &[NewDep]) -> Vec<(&str, Option<&str>)> {
    deps.iter().map(|d| (d.name.as_str(), d.pinned.as_deref())).collect()
}

#[test]
fn cargo_added_dependencies_from_every_table() {
    let old = "[package]\nname = \"app\"\n\n[dependencies]\nserde = \"1\"\n";
    let new = r#"[package]
name = "app"

[dependencies]
serde = "1"
regex = { version = "=1.10.2" }
json = { package = "serde_json", version = "1" }

[dev-dependencies]
tempfile = "3"

[build-dependencies]
cc = "1"

[target.'cfg(unix)'.dependencies]
libc = "0.2"

[workspace.dependencies]
anyhow = "1"
"#;
    let deps = added("Cargo.toml", Some(old), new).unwrap();
    assert_eq!(
        names(&deps),
        [
            ("serde_json", None),
            ("regex", Some("1.10.2")),
            ("tempfile", None),
            ("cc", None),
            ("libc", None),
            ("anyhow", None)
        ]
    );
    assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::Cargo && d.manifest == "Cargo.toml"));
    // A new manifest: everything is new.
    assert_eq!(added("crates/x/Cargo.toml", None, old).unwrap().len(), 1);
    assert!(added("Cargo.toml", None, "[dependencies\n").is_err());
}

#[test]
fn npm_added_dependencies_from_every_section() {
    let old = r#"{"name":"web","dependencies":{"react":"^18.0.0"}}"#;
    let new = r#"{"name":"web",
      "dependencies":{"react":"^18.0.0","left-pad":"1.3.0"},
      "devDependencies":{"@types/node":"^20"},
      "optionalDependencies":{"fsevents":"2.3.3"},
      "peerDependencies":{"vue":"3.x"}}"#;
    let deps = added("web/package.json", Some(old), new).unwrap();
    assert_eq!(
        names(&deps),
        [("left-pad", Some("1.3.0")), ("@types/node", None), ("fsevents", Some("2.3.3")), ("vue", Some("3.x"))]
    );
}

#[test]
fn requirements_pep508_names() {
    let old = "requests==2.31.0\n";
    let new = "# deps\nrequests==2.31.0\nWeasyPrint==60.0  # pdf\nflask[async]>=3.0,<4 ; python_version >= \"3.9\"\n-r base.txt\n--index-url https://x\nhttps://example.com/pkg.whl\nmy_pkg @ https://example.com/my_pkg.whl\nzope.interface\\\n  ==6.0\n";
    let deps = added("requirements-dev.txt", Some(old), new).unwrap();
    assert_eq!(
        names(&deps),
        [("WeasyPrint", Some("60.0")), ("flask", None), ("my_pkg", None), ("zope.interface", Some("6.0"))]
    );
    // Names compare normalised: `Requests` and `requests`, `my-pkg` and `my_pkg` are the same.
    assert!(added("requirements.txt", Some("my-pkg\n"), "My_Pkg\nRequests\n").unwrap().len() == 1);
}

#[test]
fn pyproject_project_optional_groups_and_poetry() {
    let old = "[project]\nname = \"a\"\ndependencies = [\"requests>=2\"]\n";
    let new = r#"[project]
name = "a"
dependencies = ["requests>=2", "weasyprint==60.0"]

[project.optional-dependencies]
pdf = ["reportlab"]

[dependency-groups]
test = ["pytest>=8", {include-group = "pdf"}]

[tool.poetry.dependencies]
python = "^3.11"
httpx = "0.27.0"

[tool.poetry.group.dev.dependencies]
ruff = { version = "^0.5" }
"#;
    let deps = added("pyproject.toml", Some(old), new).unwrap();
    assert_eq!(
        names(&deps),
        [
            ("weasyprint", Some("60.0")),
            ("reportlab", None),
            ("pytest", None),
            ("httpx", Some("0.27.0")),
            ("ruff", None)
        ]
    );
}

#[test]
fn pep508_and_normalise() {
    assert_eq!(pep508("Foo.Bar-baz[x]==1.0; os_name=='nt'"), Some(("Foo.Bar-baz".into(), Some("1.0".into()))));
    assert_eq!(pep508("pkg (==2.0)"), Some(("pkg".into(), Some("2.0".into()))));
    assert_eq!(pep508("pkg==2.*"), Some(("pkg".into(), None)));
    assert_eq!(pep508("[x]"), None);
    assert_eq!(normalise("Foo__Bar.-baz"), "foo-bar-baz");
}

fn npm_dir(pkgs: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, json) in pkgs {
        let p = dir.path().join("node_modules").join(name);
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("package.json"), json).unwrap();
    }
    dir
}

#[test]
fn permissive_new_dependency_is_a_label_and_a_note() {
    let dir = npm_dir(&[("left-pad", r#"{"name":"left-pad","version":"1.3.0","license":"WTFPL OR MIT"}"#)]);
    let new = r#"{"dependencies":{"left-pad":"1.3.0"}}"#;
    let ev = run(&diff(vec![new_file("package.json", new)]), &PolicyConfig::default(), &[], dir.path());
    assert!(ev.notes.contains(&"⚠️ New dependency: left-pad (WTFPL OR MIT)".to_string()), "{:?}", ev.notes);
    assert!(ev.labels.contains("needs-dep-review"));
    assert!(ev.hard_stops.is_empty(), "{:?}", ev.hard_stops);
}

#[test]
fn restrictive_unknown_and_missing_dependencies_stop() {
    let dir = npm_dir(&[
        ("gpl-pdf", r#"{"name":"gpl-pdf","version":"2.1.0","license":"GPL-3.0"}"#),
        ("nolicense", r#"{"name":"nolicense","version":"0.1.0"}"#),
    ]);
    let new = r#"{"dependencies":{"gpl-pdf":"^2","nolicense":"0.1.0","ghost":"1.0.0"}}"#;
    let ev = run(&diff(vec![modified("package.json", "{}", new)]), &PolicyConfig::default(), &[], dir.path());
    let stop = |headline: &str, reason: &str| HardStop {
        kind: HardStopKind::License,
        headline: headline.into(),
        lines: vec!["Manifest: package.json".into(), format!("Reason: {reason}")],
    };
    // In the manifest's order.
    assert_eq!(
        ev.hard_stops,
        [
            stop("🛑 License: gpl-pdf v2.1.0 (GPL-3.0)", "no choice in the license avoids GPL-3.0"),
            stop("🛑 License: nolicense v0.1.0 (unknown)", "node_modules/nolicense/package.json declares no license"),
            stop("🛑 License: ghost v1.0.0 (unknown)", "node_modules/ghost/package.json not found (is it installed?)"),
        ]
    );
    assert_eq!(
        ev.notes.iter().filter(|n| n.starts_with("⚠️ New dependency")).collect::<Vec<_>>(),
        [
            "⚠️ New dependency: gpl-pdf (GPL-3.0)",
            "⚠️ New dependency: nolicense (unknown)",
            "⚠️ New dependency: ghost (unknown)"
        ]
    );
}

#[test]
fn unreadable_manifests_and_unlisted_files_do_not_pass_silently() {
    let dir = tempfile::tempdir().unwrap();
    let ev = run(&diff(vec![new_file("package.json", "{ nope")]), &PolicyConfig::default(), &[], dir.path());
    assert!(ev.notes.iter().any(|n| n.starts_with("⚠️ Dependencies not analysed: package.json: ")), "{:?}", ev.notes);
    assert!(ev.labels.contains("needs-dep-review"));
    // Removing a dependency adds nothing.
    let ev = run(&diff(vec![modified("requirements.txt", "a\nb\n", "a\n")]), &PolicyConfig::default(), &[], dir.path());
    assert!(ev.hard_stops.is_empty() && !ev.notes.iter().any(|n| n.contains("New dependency")));
}
