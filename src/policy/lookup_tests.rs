//! Unit tests of `policy::lookup`.

use super::*;

#[test]
fn npm_license_forms() {
    let j = |s: &str| serde_json::from_str::<Json>(s).unwrap();
    assert_eq!(npm_license(&j(r#"{"license":"MIT"}"#)).as_deref(), Some("MIT"));
    assert_eq!(npm_license(&j(r#"{"license":{"type":"ISC","url":"x"}}"#)).as_deref(), Some("ISC"));
    assert_eq!(
        npm_license(&j(r#"{"licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#)).as_deref(),
        Some("MIT OR Apache-2.0")
    );
    assert_eq!(npm_license(&j(r#"{"name":"x"}"#)), None);
}

#[test]
fn python_metadata_precedence() {
    let m = "Metadata-Version: 2.4\nName: a\nVersion: 1.0\nLicense-Expression: MIT OR GPL-3.0-only\nLicense: GPL\n\nbody\nLicense: x\n";
    assert_eq!(python_metadata(m), (Some("MIT OR GPL-3.0-only".into()), Some("1.0".into())));
    let m = "Name: a\nVersion: 2\nLicense: Apache 2.0\nClassifier: License :: OSI Approved :: MIT License\n";
    assert_eq!(python_metadata(m).0.as_deref(), Some("Apache 2.0"));
    // A License field holding license text falls back to the classifiers.
    let m = "Name: a\nLicense: Copyright (c) 2020 ACME\n        Permission is hereby granted\nClassifier: License :: OSI Approved :: MIT License\nClassifier: Programming Language :: Python\n";
    assert_eq!(python_metadata(m).0.as_deref(), Some("MIT"));
    let m = "Name: a\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)\n";
    assert_eq!(python_metadata(m).0.as_deref(), Some("MIT AND GPL-3.0-only"));
    assert_eq!(python_metadata("Name: a\nVersion: 3\n"), (None, Some("3".into())));
}

#[test]
fn expand_matches_one_component_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    for p in [".venv/lib/python3.11/site-packages", ".venv/lib/python3.12/site-packages", ".venv/lib/other"] {
        std::fs::create_dir_all(dir.path().join(p)).unwrap();
    }
    let found = expand(dir.path(), ".venv/lib/python*/site-packages");
    let rel: Vec<String> = found.iter().map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string()).collect();
    assert_eq!(rel, [".venv/lib/python3.11/site-packages", ".venv/lib/python3.12/site-packages"]);
    assert!(expand(dir.path(), "venv/lib/python*/site-packages").is_empty());
}
