//! New dependencies: the names a change adds to `Cargo.toml`, `package.json`, `requirements*.txt`
//! or `pyproject.toml` (new minus old), each then checked for its declared license: a
//! restrictive, unknown or unreadable one is a hard stop, a permissive one a label.

use std::collections::BTreeSet;

use serde_json::Value as Json;
use toml::{Table, Value as Toml};

use super::evaluate::{Evaluation, HardStopKind, PolicyInput, Rules};
use super::licenses::{self, Verdict};
use super::lookup::Lookup;
use crate::git::ops::ChangeKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ecosystem {
    Cargo,
    Npm,
    Python,
}

/// A dependency the change adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDep {
    pub ecosystem: Ecosystem,
    /// The package name as written (Cargo: the real package, not a rename).
    pub name: String,
    /// The manifest, relative to the repository root.
    pub manifest: String,
    /// An exact version pinned in the manifest (`==60.0`, `=1.2.3`), when there is one.
    pub pinned: Option<String>,
}

/// The ecosystem of a manifest, by its file name.
pub fn ecosystem(path: &str) -> Option<Ecosystem> {
    let file = path.rsplit('/').next().unwrap_or(path);
    match file {
        "Cargo.toml" => Some(Ecosystem::Cargo),
        "package.json" => Some(Ecosystem::Npm),
        "pyproject.toml" => Some(Ecosystem::Python),
        f if f.starts_with("requirements") && f.ends_with(".txt") => Some(Ecosystem::Python),
        _ => None,
    }
}

/// PEP 503 normalisation: lower case, runs of `-_.` become `-`.
pub fn normalise(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// (name, pinned version) declared by a manifest's text.
pub fn declared(path: &str, text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let file = path.rsplit('/').next().unwrap_or(path);
    match ecosystem(path) {
        Some(Ecosystem::Cargo) => cargo(text),
        Some(Ecosystem::Npm) => npm(text),
        Some(Ecosystem::Python) if file == "pyproject.toml" => pyproject(text),
        Some(Ecosystem::Python) => Ok(requirements(text)),
        None => Err("not a manifest format the analyser reads".into()),
    }
}

/// The dependencies `new` declares that `old` does not (by normalised name).
pub fn added(path: &str, old: Option<&str>, new: &str) -> Result<Vec<NewDep>, String> {
    let Some(ecosystem) = ecosystem(path) else { return Err("not a manifest format the analyser reads".into()) };
    let before: BTreeSet<String> =
        old.and_then(|o| declared(path, o).ok()).unwrap_or_default().into_iter().map(|(n, _)| normalise(&n)).collect();
    let mut seen = BTreeSet::new();
    Ok(declared(path, new)?
        .into_iter()
        .filter(|(n, _)| !before.contains(&normalise(n)) && seen.insert(normalise(n)))
        .map(|(name, pinned)| NewDep { ecosystem, name, manifest: path.to_string(), pinned })
        .collect())
}

fn cargo(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let doc: Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut tables: Vec<&Table> = Vec::new();
    let sections = ["dependencies", "dev-dependencies", "build-dependencies", "dev_dependencies", "build_dependencies"];
    for s in sections {
        if let Some(Toml::Table(t)) = doc.get(s) {
            tables.push(t);
        }
    }
    if let Some(Toml::Table(targets)) = doc.get("target") {
        for target in targets.values() {
            for s in sections {
                if let Some(Toml::Table(t)) = target.get(s) {
                    tables.push(t);
                }
            }
        }
    }
    if let Some(Toml::Table(t)) = doc.get("workspace").and_then(|w| w.get("dependencies")) {
        tables.push(t);
    }
    let mut out = Vec::new();
    for t in tables {
        for (key, spec) in t {
            let name = spec.get("package").and_then(Toml::as_str).unwrap_or(key).to_string();
            let version = spec.as_str().or_else(|| spec.get("version").and_then(Toml::as_str));
            let pinned = version.and_then(|v| v.trim().strip_prefix('=')).map(|v| v.trim().to_string());
            out.push((name, pinned));
        }
    }
    Ok(out)
}

fn npm(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let doc: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for s in ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"] {
        if let Some(Json::Object(m)) = doc.get(s) {
            for (name, spec) in m {
                let pinned = spec.as_str().filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()));
                out.push((name.clone(), pinned.map(String::from)));
            }
        }
    }
    Ok(out)
}

/// A PEP 508 requirement: its name and `==` pin.
pub fn pep508(req: &str) -> Option<(String, Option<String>)> {
    let req = req.trim();
    let end = req.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(req.len());
    let name = req[..end].trim_end_matches(['-', '_', '.']);
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = req[end..].split(';').next().unwrap_or("").trim_start();
    if rest.starts_with('[') {
        rest = rest.split_once(']').map_or("", |(_, r)| r);
    }
    let pinned = rest.split(',').find_map(|part| {
        let p = part.trim().trim_start_matches('(').trim_end_matches(')').trim();
        p.strip_prefix("===").or_else(|| p.strip_prefix("==")).map(|v| v.trim().to_string())
    });
    Some((name.to_string(), pinned.filter(|v| !v.contains('*'))))
}

fn requirements(text: &str) -> Vec<(String, Option<String>)> {
    text.replace("\\\n", " ")
        .lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty() && !l.starts_with(['#', '-']) && (!l.contains("://") || l.contains(" @ ")))
        .filter_map(pep508)
        .collect()
}

fn pyproject(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let doc: Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut reqs: Vec<&str> = Vec::new();
    fn strings(v: Option<&Toml>) -> Vec<&str> {
        v.and_then(Toml::as_array).map(|a| a.iter().filter_map(Toml::as_str).collect()).unwrap_or_default()
    }
    let project = doc.get("project");
    reqs.extend(strings(project.and_then(|p| p.get("dependencies"))));
    for table in [project.and_then(|p| p.get("optional-dependencies")), doc.get("dependency-groups")] {
        if let Some(Toml::Table(groups)) = table {
            for g in groups.values() {
                reqs.extend(strings(Some(g)));
            }
        }
    }
    let mut out: Vec<(String, Option<String>)> = reqs.into_iter().filter_map(pep508).collect();
    let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
    let mut poetry_tables: Vec<&Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies"] {
        if let Some(Toml::Table(t)) = poetry.and_then(|p| p.get(key)) {
            poetry_tables.push(t);
        }
    }
    if let Some(Toml::Table(groups)) = poetry.and_then(|p| p.get("group")) {
        for g in groups.values() {
            if let Some(Toml::Table(t)) = g.get("dependencies") {
                poetry_tables.push(t);
            }
        }
    }
    for t in poetry_tables {
        for (name, spec) in t {
            if name != "python" {
                let v = spec.as_str().or_else(|| spec.get("version").and_then(Toml::as_str));
                let pinned = v.filter(|v| v.starts_with(|c: char| c.is_ascii_digit())).map(String::from);
                out.push((name.clone(), pinned.or_else(|| v.and_then(|v| v.strip_prefix("==")).map(String::from))));
            }
        }
    }
    Ok(out)
}

/// Notes, labels and license hard stops for every dependency the change adds.
pub(crate) fn check(input: &PolicyInput, rules: &Rules, ev: &mut Evaluation) {
    let mut lookup = Lookup::new(input.workdir, input.config);
    let mut seen = BTreeSet::new();
    for f in &input.diff.files {
        if f.kind == ChangeKind::Deleted || !rules.manifests.is_match(&f.path) {
            continue;
        }
        let Some(new) = f.new.as_deref() else { continue };
        let deps = match added(&f.path, f.old.as_deref(), new) {
            Ok(d) => d,
            Err(e) => {
                ev.notes.push(format!("⚠️ Dependencies not analysed: {}: {e}", f.path));
                ev.labels.insert(input.config.labels.dependency.clone());
                continue;
            }
        };
        for dep in deps {
            if !seen.insert((dep.ecosystem, normalise(&dep.name))) {
                continue;
            }
            let found = lookup.license(&dep);
            let shown = found.declared.clone().unwrap_or_else(|| "unknown".into());
            ev.notes.push(format!("⚠️ New dependency: {} ({shown})", dep.name));
            ev.labels.insert(input.config.labels.dependency.clone());
            let reason = match licenses::assess(found.declared.as_deref(), &rules.restrictive_licenses) {
                Verdict::Permissive => continue,
                Verdict::Stop(reason) => reason,
                Verdict::Unknown => found.missing.clone().unwrap_or_else(|| "no license metadata found".into()),
            };
            let version = found.version.clone().or(dep.pinned.clone());
            let version = version.map(|v| format!(" v{v}")).unwrap_or_default();
            ev.stop(
                HardStopKind::License,
                format!("🛑 License: {}{version} ({shown})", dep.name),
                vec![format!("Manifest: {}", dep.manifest), format!("Reason: {reason}")],
            );
        }
    }
}

#[cfg(test)]
#[path = "deps_tests.rs"]
mod tests;
