//! Every glob and regex of `.run-milestone.yml`, compiled when the file is read: a bad one is an
//! input error naming the key, the file, the line and column, and what was expected, before any
//! command (`check`, `--dry-run`, the run) does anything. The compilers here are the ones the
//! engine and the policy use later, so what passes here compiles there.

use std::collections::BTreeMap;
use std::path::Path;

use globset::{Glob, GlobBuilder};
use regex::Regex;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::Error;

/// A path glob of the policy (surfaces, scopes, migrations, manifests, sensitive code, license
/// ids): relative to the repository root, `*` stays inside one path component, `**` crosses them.
pub fn path_glob(g: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(g.trim_start_matches("./")).literal_separator(true).build()
}

/// A test-file glob (`policy.test_globs`, a spec's `Test:` paths): `*` may cross `/`.
pub fn test_glob(g: &str) -> Result<Glob, globset::Error> {
    Glob::new(g.trim_start_matches("./"))
}

/// A name glob (`protected_branches`, `policy.deny_env`) or one component of a
/// `policy.python_site_packages` path.
pub fn name_glob(g: &str) -> Result<Glob, globset::Error> {
    Glob::new(g)
}

/// A regex that marks a new test (`policy.new_test_patterns`).
pub fn new_test_regex(p: &str) -> Result<Regex, regex::Error> {
    Regex::new(p)
}

/// The one-line reason of a regex error (its `Display` is a multi-line picture).
pub fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("invalid regex");
    last.trim().trim_start_matches("error: ").to_string()
}

type Items = Vec<Spanned<String>>;

/// The pattern-holding keys of the file, with their locations (everything else is ignored: the
/// file was already read into [`super::Config`], which rejects unknown keys).
#[derive(Default, Deserialize)]
#[serde(default)]
struct Patterns {
    protected_branches: Items,
    policy: PolicyPatterns,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct PolicyPatterns {
    test_globs: Items,
    new_test_patterns: Items,
    surfaces: Vec<SurfacePatterns>,
    migration_globs: Items,
    dependency_manifests: Items,
    scopes: BTreeMap<String, Items>,
    sensitive_globs: Items,
    deny_env: Items,
    restrictive_licenses: Items,
    python_site_packages: Items,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SurfacePatterns {
    name: String,
    globs: Items,
}

/// How one key's values are compiled, and what a valid one looks like.
#[derive(Clone, Copy)]
enum Kind {
    Path(&'static str),
    Test,
    Name(&'static str),
    SitePackages,
    Regex,
}

/// Compiles every pattern in `text` (already parsed as a valid configuration); `shown` names
/// the file in messages.
pub fn check(shown: &Path, text: &str) -> Result<(), Error> {
    let p: Patterns = serde_saphyr::from_str(text).map_err(|e| crate::plan::spec::yaml_error(shown, 0, &e))?;
    let q = &p.policy;
    let mut keys: Vec<(String, &Items, Kind)> = vec![
        ("protected_branches".into(), &p.protected_branches, Kind::Name("release/*")),
        ("policy.test_globs".into(), &q.test_globs, Kind::Test),
        ("policy.new_test_patterns".into(), &q.new_test_patterns, Kind::Regex),
        ("policy.migration_globs".into(), &q.migration_globs, Kind::Path("**/migrations/**")),
        ("policy.dependency_manifests".into(), &q.dependency_manifests, Kind::Path("**/package.json")),
        ("policy.sensitive_globs".into(), &q.sensitive_globs, Kind::Path("**/billing/**")),
        ("policy.deny_env".into(), &q.deny_env, Kind::Name("PROD_*")),
        ("policy.restrictive_licenses".into(), &q.restrictive_licenses, Kind::Path("GPL-*")),
        ("policy.python_site_packages".into(), &q.python_site_packages, Kind::SitePackages),
    ];
    keys.extend(
        q.surfaces.iter().map(|s| (format!("policy.surfaces[{}].globs", s.name), &s.globs, Kind::Path("**/deploy/**"))),
    );
    keys.extend(q.scopes.iter().map(|(tag, globs)| (format!("policy.scopes.{tag}"), globs, Kind::Path("src/api/**"))));
    for (key, items, kind) in keys {
        for item in items {
            if let Some(reason) = problem(&item.value, kind) {
                let loc = item.referenced;
                let (line, column) = match loc.line() {
                    0 => (1, None),
                    n => (n as usize, Some(loc.column() as usize)),
                };
                return Err(Error::at(shown, line, column, format!("{key}: {reason}")));
            }
        }
    }
    Ok(())
}

/// Why `value` does not compile as `kind`, with what was expected; `None` when it compiles.
fn problem(value: &str, kind: Kind) -> Option<String> {
    let glob = |r: Result<Glob, globset::Error>, example: &str| {
        r.err().map(|e| format!("invalid glob `{value}`: {}: expected a glob such as `{example}`", e.kind()))
    };
    match kind {
        Kind::Path(example) => glob(path_glob(value), example),
        Kind::Name(example) => glob(name_glob(value), example),
        Kind::Test => glob(test_glob(value), "tests/**"),
        Kind::SitePackages => value
            .split('/')
            .filter(|c| c.contains(['*', '?', '[', '{']))
            .find_map(|c| name_glob(c).err())
            .map(|e| {
                format!(
                    "invalid glob `{value}`: {}: expected a path with `*` inside components, such as `.venv/lib/python*/site-packages`",
                    e.kind()
                )
            }),
        Kind::Regex => new_test_regex(value).err().map(|e| {
            format!(
                "invalid regex `{value}`: {}: expected a regular expression (Rust regex syntax) such as `^\\s*def\\s+test_`",
                regex_reason(&e)
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CONFIG_FILE, Config};

    fn err(text: &str) -> String {
        Config::parse(Path::new(CONFIG_FILE), text).unwrap_err().message
    }

    #[test]
    fn the_defaults_compile() {
        let c = Config::default();
        let p = &c.policy;
        let surfaces = p.surfaces.iter().flat_map(|s| &s.globs);
        let paths = p.migration_globs.iter().chain(&p.dependency_manifests).chain(&p.sensitive_globs);
        for g in paths.chain(&p.restrictive_licenses).chain(surfaces).chain(p.scopes.values().flatten()) {
            assert_eq!(problem(g, Kind::Path("x")), None);
        }
        for g in c.protected_branches.iter().chain(&p.deny_env) {
            assert_eq!(problem(g, Kind::Name("x")), None);
        }
        assert!(p.test_globs.iter().all(|g| problem(g, Kind::Test).is_none()));
        assert!(p.new_test_patterns.iter().all(|r| problem(r, Kind::Regex).is_none()));
        assert!(p.python_site_packages.iter().all(|g| problem(g, Kind::SitePackages).is_none()));
    }

    #[test]
    fn a_bad_regex_or_glob_names_key_file_line_and_column() {
        assert_eq!(
            err("test_command: x\npolicy:\n  new_test_patterns: [\"def test_(\"]\n"),
            ".run-milestone.yml:3:23: policy.new_test_patterns: invalid regex `def test_(`: unclosed group: expected a regular expression (Rust regex syntax) such as `^\\s*def\\s+test_`"
        );
        assert_eq!(
            err("policy:\n  test_globs:\n    - tests/**\n    - tests/{a\n"),
            ".run-milestone.yml:4:7: policy.test_globs: invalid glob `tests/{a`: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?): expected a glob such as `tests/**`"
        );
    }

    #[test]
    fn every_pattern_key_is_compiled() {
        for (yaml, key, line) in [
            ("protected_branches: [main, \"rel/[x\"]\n", "protected_branches", 1),
            ("policy:\n  migration_globs: [\"db/{a\"]\n", "policy.migration_globs", 2),
            ("policy:\n  dependency_manifests: [\"[x\"]\n", "policy.dependency_manifests", 2),
            ("policy:\n  sensitive_globs: [\"a/{b\"]\n", "policy.sensitive_globs", 2),
            ("policy:\n  deny_env: [\"PROD_[\"]\n", "policy.deny_env", 2),
            ("policy:\n  restrictive_licenses: [\"GPL-{\"]\n", "policy.restrictive_licenses", 2),
            ("policy:\n  python_site_packages: [\"venv/lib/py[/site\"]\n", "policy.python_site_packages", 2),
            (
                "policy:\n  surfaces:\n    - name: Ops\n      globs: [ops/**]\n      label: x\n    - name: Web\n      label: y\n      globs: [\"web/{a\"]\n",
                "policy.surfaces[Web].globs",
                8,
            ),
            ("policy:\n  scopes:\n    api: [src/api/**]\n    web:\n      - \"web/[\"\n", "policy.scopes.web", 5),
        ] {
            let m = err(yaml);
            assert!(m.starts_with(&format!(".run-milestone.yml:{line}:")), "{yaml:?} → {m}");
            assert!(m.contains(&format!(": {key}: invalid glob `")), "{yaml:?} → {m}");
        }
    }

    #[test]
    fn patterns_reached_through_an_alias_are_located_where_they_are_used() {
        let m = err("policy:\n  migration_globs: &bad [\"t/{a\"]\n  test_globs: *bad\n");
        assert!(m.starts_with(".run-milestone.yml:3:"), "{m}");
        assert!(m.contains(": policy.test_globs: invalid glob `t/{a`"), "{m}");
    }
}
