//! Where a new dependency's declared license is read, offline and locally: `cargo metadata
//! --offline` for Cargo, `node_modules/<pkg>/package.json` for npm, an installed package's
//! `*.dist-info/METADATA` for Python. Nothing here touches the network; what is not found is
//! reported as missing (and the caller stops on it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value as Json;

use super::deps::{Ecosystem, NewDep, normalise};
use super::licenses::{classifier_to_spdx, to_spdx};
use crate::config::PolicyConfig;
use crate::process::{Cmd, run};

/// What was found about one dependency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The license as declared (`GPL-3.0`, `MIT OR Apache-2.0`); `None`: none found.
    pub declared: Option<String>,
    pub version: Option<String>,
    /// Why nothing was found, for the hard stop's `Reason:` line.
    pub missing: Option<String>,
}

/// `(name, version, license)` of the packages `cargo metadata` lists, or why it failed.
type CargoPackages = Result<Vec<(String, String, Option<String>)>, String>;

pub struct Lookup<'a> {
    workdir: &'a Path,
    config: &'a PolicyConfig,
    cargo: HashMap<String, CargoPackages>,
    sites: Option<Vec<PathBuf>>,
}

impl<'a> Lookup<'a> {
    pub fn new(workdir: &'a Path, config: &'a PolicyConfig) -> Self {
        Lookup { workdir, config, cargo: HashMap::new(), sites: None }
    }

    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(self.config.metadata_timeout_seconds))
    }

    pub fn license(&mut self, dep: &NewDep) -> Found {
        match dep.ecosystem {
            Ecosystem::Cargo => self.cargo(dep),
            Ecosystem::Npm => self.npm(dep),
            Ecosystem::Python => self.python(dep),
        }
    }

    fn cargo(&mut self, dep: &NewDep) -> Found {
        let (timeout, workdir) = (self.timeout(), self.workdir);
        let packages =
            self.cargo.entry(dep.manifest.clone()).or_insert_with(|| cargo_metadata(workdir, &dep.manifest, timeout));
        let packages = match packages {
            Ok(p) => p,
            Err(e) => return Found { missing: Some(e.clone()), ..Found::default() },
        };
        match packages.iter().find(|(n, _, _)| *n == dep.name) {
            Some((_, version, license)) => Found {
                declared: license.clone(),
                version: Some(version.clone()),
                missing: license.is_none().then(|| "the crate declares no `license` or `license-file`".into()),
            },
            None => Found {
                missing: Some(format!("`cargo metadata --offline` lists no package `{}`", dep.name)),
                ..Found::default()
            },
        }
    }

    fn npm(&self, dep: &NewDep) -> Found {
        let manifest_dir = self.workdir.join(&dep.manifest);
        let mut dir = manifest_dir.parent();
        while let Some(d) = dir {
            let pkg = d.join("node_modules").join(&dep.name).join("package.json");
            if let Ok(text) = std::fs::read_to_string(&pkg) {
                let Ok(json) = serde_json::from_str::<Json>(&text) else {
                    return Found {
                        missing: Some(format!("{} is not valid JSON", self.shown(&pkg))),
                        ..Found::default()
                    };
                };
                let declared = npm_license(&json);
                return Found {
                    missing: declared.is_none().then(|| format!("{} declares no license", self.shown(&pkg))),
                    declared,
                    version: json.get("version").and_then(Json::as_str).map(String::from),
                };
            }
            if d == self.workdir {
                break;
            }
            dir = d.parent();
        }
        Found {
            missing: Some(format!("node_modules/{}/package.json not found (is it installed?)", dep.name)),
            ..Found::default()
        }
    }

    fn python(&mut self, dep: &NewDep) -> Found {
        if self.sites.is_none() {
            self.sites = Some(self.python_sites());
        }
        let sites = self.sites.clone().unwrap_or_default();
        let wanted = normalise(&dep.name);
        for site in &sites {
            let Ok(entries) = std::fs::read_dir(site) else { continue };
            let mut names: Vec<String> =
                entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            names.sort();
            for n in names {
                let Some(stem) = n.strip_suffix(".dist-info") else { continue };
                let pkg = stem.split('-').next().unwrap_or(stem);
                if normalise(pkg) != wanted {
                    continue;
                }
                let path = site.join(&n).join("METADATA");
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                let (declared, version) = python_metadata(&text);
                return Found {
                    missing: declared.is_none().then(|| format!("{} declares no license", self.shown(&path))),
                    declared,
                    version,
                };
            }
        }
        let searched: Vec<String> = sites.iter().map(|s| self.shown(s)).collect();
        let missing = if searched.is_empty() {
            format!(
                "no site-packages to search for {} (policy.python_site_packages, policy.python_interpreter)",
                dep.name
            )
        } else {
            format!("no installed {}-*.dist-info in {}", dep.name, searched.join(", "))
        };
        Found { missing: Some(missing), ..Found::default() }
    }

    /// The configured site-packages under the working tree, then the interpreter's.
    fn python_sites(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for pattern in &self.config.python_site_packages {
            out.extend(expand(self.workdir, pattern));
        }
        if let Some(python) = self.config.python_interpreter.as_deref().filter(|p| !p.trim().is_empty()) {
            let code = "import sysconfig; p = sysconfig.get_paths(); print(p['purelib']); print(p['platlib'])";
            let cmd = Cmd::new(python, self.workdir).arg("-c").arg(code).timeout(self.timeout());
            if let Ok(done) = run(&cmd).map_err(|e| tracing::debug!("{python}: {e}"))
                && done.success()
            {
                out.extend(done.stdout.lines().map(|l| PathBuf::from(l.trim())).filter(|p| p.is_dir()));
            }
        }
        let mut unique = Vec::new();
        for p in out {
            if !unique.contains(&p) {
                unique.push(p);
            }
        }
        unique
    }

    /// A path relative to the working tree when it is inside it.
    fn shown(&self, p: &Path) -> String {
        p.strip_prefix(self.workdir).unwrap_or(p).display().to_string()
    }
}

/// `license` (a string, or the legacy `{ "type": … }`), else the legacy `licenses` array.
pub fn npm_license(json: &Json) -> Option<String> {
    let kind = |v: &Json| v.as_str().or_else(|| v.get("type").and_then(Json::as_str)).map(String::from);
    if let Some(l) = json.get("license").and_then(kind) {
        return Some(l);
    }
    let all: Vec<String> = json.get("licenses")?.as_array()?.iter().filter_map(kind).collect();
    (!all.is_empty()).then(|| all.join(" OR "))
}

/// (license, version) from a core-metadata file: `License-Expression`, else `License` (when it
/// reads as a license, or there are no license classifiers), else the `License ::` classifiers.
pub fn python_metadata(text: &str) -> (Option<String>, Option<String>) {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            fields.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |k: &str| fields.iter().find(|(f, v)| f == k && !v.is_empty()).map(|(_, v)| v.clone());
    let version = get("version");
    if let Some(e) = get("license-expression") {
        return (Some(e), version);
    }
    let classifiers: Vec<&str> = fields
        .iter()
        .filter(|(k, v)| k == "classifier" && v.starts_with("License ::") && v.trim() != "License :: OSI Approved")
        .map(|(_, v)| v.as_str())
        .collect();
    let license = get("license").filter(|l| !l.eq_ignore_ascii_case("UNKNOWN"));
    if let Some(l) = license {
        let reads = spdx::Expression::parse_mode(&to_spdx(&l), spdx::ParseMode::LAX).is_ok();
        if reads || classifiers.is_empty() {
            return (Some(l), version);
        }
    }
    if classifiers.is_empty() {
        return (None, version);
    }
    let terms: Vec<String> = classifiers
        .iter()
        .map(|c| classifier_to_spdx(c).unwrap_or_else(|| c.rsplit("::").next().unwrap_or(c).trim().to_string()))
        .collect();
    (Some(terms.join(" AND ")), version)
}

/// `pattern` (relative to `root`, `*` allowed inside a component) expanded to existing dirs.
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![root.to_path_buf()];
    for comp in pattern.split('/').filter(|c| !c.is_empty()) {
        let mut next = Vec::new();
        if comp.contains(['*', '?', '[']) {
            let Ok(glob) = crate::config::patterns::name_glob(comp).map(|g| g.compile_matcher()) else { return vec![] };
            for dir in &current {
                let Ok(entries) = std::fs::read_dir(dir) else { continue };
                let mut found: Vec<PathBuf> =
                    entries.flatten().filter(|e| glob.is_match(e.file_name())).map(|e| e.path()).collect();
                found.sort();
                next.extend(found);
            }
        } else {
            next.extend(current.iter().map(|d| d.join(comp)));
        }
        current = next;
    }
    current.into_iter().filter(|p| p.is_dir()).collect()
}

/// Runs `cargo metadata --offline` for a manifest and lists its packages' licenses. Cargo may
/// write `Cargo.lock` while resolving: every lock file from the manifest's directory up to the
/// working tree is put back exactly as it was (absent, or the same bytes).
fn cargo_metadata(workdir: &Path, manifest: &str, timeout: Option<Duration>) -> CargoPackages {
    let path = workdir.join(manifest);
    let dir = path.parent().unwrap_or(workdir).to_path_buf();
    let locks: Vec<(PathBuf, Option<Vec<u8>>)> = dir
        .ancestors()
        .take_while(|d| d.starts_with(workdir))
        .map(|d| (d.join("Cargo.lock"), std::fs::read(d.join("Cargo.lock")).ok()))
        .collect();
    let cmd = Cmd::new("cargo", &dir)
        .args(["metadata", "--offline", "--format-version", "1", "--manifest-path"])
        .arg(path.as_os_str())
        .timeout(timeout);
    let result = run(&cmd);
    for (lock, before) in &locks {
        let now = std::fs::read(lock).ok();
        if now != *before {
            let restored = match before {
                Some(bytes) => std::fs::write(lock, bytes),
                None => std::fs::remove_file(lock),
            };
            if let Err(e) = restored {
                tracing::warn!("could not restore {}: {e}", lock.display());
            }
        }
    }
    let done = result.map_err(|e| format!("`cargo metadata --offline` could not run: {e}"))?;
    if !done.success() {
        let why = done.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
        return Err(format!("`cargo metadata --offline` failed ({}): {why}", done.describe()));
    }
    let json: Json = serde_json::from_str(&done.stdout).map_err(|e| format!("`cargo metadata` output: {e}"))?;
    let packages = json.get("packages").and_then(Json::as_array).ok_or("`cargo metadata` output has no packages")?;
    Ok(packages
        .iter()
        .filter_map(|p| {
            let s = |k: &str| p.get(k).and_then(Json::as_str).map(String::from);
            let license = s("license").or_else(|| s("license_file").map(|f| format!("SEE LICENSE IN {f}")));
            Some((s("name")?, s("version")?, license))
        })
        .collect())
}

#[cfg(test)]
#[path = "lookup_tests.rs"]
mod tests;
