//! The stop-condition policy in one call: given an issue's change, which labels its PR gets, which
//! hard stops (`approve | skip | abort`) it triggers and whether it is a soft stop (skip, log).
//! Each concern lives in its own module; this one compiles the configured globs once (an invalid
//! glob is an input error naming its key) and runs them in the order the user reads the notes.

use std::collections::BTreeSet;
use std::path::Path;

use globset::{GlobSet, GlobSetBuilder};

use crate::config::{PolicyConfig, SurfaceRule};
use crate::error::Error;
use crate::git::diff::IssueDiff;
use crate::milestone::MilestoneId;

/// Everything the analysers look at.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    pub diff: &'a IssueDiff,
    pub config: &'a PolicyConfig,
    pub milestone: &'a MilestoneId,
    /// The issue's `scope:` tags (empty: the issue is not scope-checked).
    pub scope_tags: &'a [String],
    /// The issue's working tree (worktree), for license metadata and the coverage report.
    pub workdir: &'a Path,
}

/// Which seed hard stop fired; each asks `approve | skip | abort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HardStopKind {
    /// A breaking or opaque schema migration.
    BreakingSchema,
    /// A new dependency whose license is restrictive, unknown or unreadable.
    License,
    /// A change outside the issue's scope (or a scope tag with no `policy.scopes` entry).
    CrossBoundary,
}

/// One hard stop: `🛑 <headline>`, then its lines, then the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardStop {
    pub kind: HardStopKind,
    /// The whole first line, `🛑 …` included.
    pub headline: String,
    pub lines: Vec<String>,
}

/// What the policy says about one issue's change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Labels to put on the PR.
    pub labels: BTreeSet<String>,
    /// Lines printed under "✓ Implemented" (`✓ …` / `⚠️ …`).
    pub notes: Vec<String>,
    /// Each asks `approve | skip | abort` (the engine does the asking).
    pub hard_stops: Vec<HardStop>,
    /// Large diff: skip the issue and log this reason.
    pub soft_stop: Option<String>,
}

impl Evaluation {
    pub(crate) fn stop(&mut self, kind: HardStopKind, headline: String, lines: Vec<String>) {
        self.hard_stops.push(HardStop { kind, headline, lines });
    }
}

/// Runs every analyser over `input`. Errors only on invalid configuration (globs).
pub fn evaluate(input: &PolicyInput) -> Result<Evaluation, Error> {
    let rules = Rules::compile(input.config)?;
    let mut ev = Evaluation::default();
    super::surfaces::check(input, &rules, &mut ev);
    super::migrations::check(input, &rules, &mut ev);
    super::deps::check(input, &rules, &mut ev);
    super::scope::check(input, &rules, &mut ev);
    super::size::check(input, &mut ev);
    super::coverage::check(input, &mut ev);
    Ok(ev)
}

/// The labels among `labels` that hold a PR back from auto-merge: those in `policy.hold_labels`
/// when it is set, else the labels of the holding roles under their configured names
/// ([`super::labels::default_holds`]).
pub fn holds(config: &PolicyConfig, labels: &BTreeSet<String>) -> Vec<String> {
    let holding: BTreeSet<String> = match &config.hold_labels {
        Some(explicit) => explicit.iter().cloned().collect(),
        None => super::labels::default_holds(config),
    };
    labels.iter().filter(|l| holding.contains(*l)).cloned().collect()
}

/// The configured globs, compiled.
pub(crate) struct Rules {
    pub surfaces: Vec<(SurfaceRule, GlobSet)>,
    pub migrations: GlobSet,
    pub manifests: GlobSet,
    /// Scope tag → its globs, in tag order.
    pub scopes: Vec<(String, GlobSet)>,
    pub sensitive: GlobSet,
    pub restrictive_licenses: GlobSet,
}

impl Rules {
    pub fn compile(c: &PolicyConfig) -> Result<Rules, Error> {
        let surfaces = c
            .surfaces
            .iter()
            .map(|r| Ok((r.clone(), glob_set(&format!("policy.surfaces[{}].globs", r.name), &r.globs)?)))
            .collect::<Result<_, Error>>()?;
        let scopes = c
            .scopes
            .iter()
            .map(|(tag, globs)| Ok((tag.clone(), glob_set(&format!("policy.scopes.{tag}"), globs)?)))
            .collect::<Result<_, Error>>()?;
        Ok(Rules {
            surfaces,
            migrations: glob_set("policy.migration_globs", &c.migration_globs)?,
            manifests: glob_set("policy.dependency_manifests", &c.dependency_manifests)?,
            scopes,
            sensitive: glob_set("policy.sensitive_globs", &c.sensitive_globs)?,
            restrictive_licenses: glob_set("policy.restrictive_licenses", &c.restrictive_licenses)?,
        })
    }

    pub fn scope(&self, tag: &str) -> Option<&GlobSet> {
        self.scopes.iter().find(|(t, _)| t == tag).map(|(_, g)| g)
    }
}

/// Compiles `globs` (paths relative to the repository root, `/`-separated; `*` stays inside one
/// path component, `**` crosses them). `key` names the configuration key in errors.
pub(crate) fn glob_set(key: &str, globs: &[String]) -> Result<GlobSet, Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = crate::config::patterns::path_glob(g)
            .map_err(|e| Error::input(format!(".run-milestone.yml: {key}: invalid glob `{g}`: {e}")))?;
        b.add(glob);
    }
    b.build().map_err(|e| Error::input(format!(".run-milestone.yml: {key}: {e}")))
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builders for unit tests: plain `IssueDiff` values, no git.
    use super::*;
    use crate::git::diff::FileChange;
    use crate::git::ops::ChangeKind;

    pub fn added(path: &str, text: &str) -> FileChange {
        FileChange {
            path: path.into(),
            old_path: None,
            kind: ChangeKind::Added,
            added: text.lines().count(),
            deleted: 0,
            old: None,
            new: Some(text.into()),
        }
    }

    pub fn modified(path: &str, old: &str, new: &str) -> FileChange {
        FileChange {
            path: path.into(),
            old_path: None,
            kind: ChangeKind::Modified,
            added: new.lines().count(),
            deleted: old.lines().count(),
            old: Some(old.into()),
            new: Some(new.into()),
        }
    }

    pub fn diff(files: Vec<FileChange>) -> IssueDiff {
        IssueDiff { files, patch: String::new() }
    }

    /// Evaluates `diff` with `config` and `tags` in milestone m3, working tree `workdir`.
    pub fn run(diff: &IssueDiff, config: &PolicyConfig, tags: &[&str], workdir: &Path) -> Evaluation {
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        let milestone: MilestoneId = "m3".parse().unwrap();
        let input = PolicyInput { diff, config, milestone: &milestone, scope_tags: &tags, workdir };
        evaluate(&input).unwrap()
    }

    /// Evaluates with the default configuration, no tags, and an empty temp working tree.
    pub fn run_default(files: Vec<FileChange>) -> Evaluation {
        let dir = tempfile::tempdir().unwrap();
        run(&diff(files), &PolicyConfig::default(), &[], dir.path())
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
