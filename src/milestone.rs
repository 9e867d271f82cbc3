//! Milestone identifiers (`m3`, `M3`, `3` → `m3`) and where a milestone's folder lives.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::Error;

/// The accepted spellings, shown in every usage error about a milestone id.
pub const ACCEPTED_FORMS: &str = "m<N> or m<N>.<X>, any case, the `m` optional (e.g. m3, M3, 3, m4.1, M4.1, 4.1)";

/// A normalised milestone id: `m3` or `m4.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MilestoneId {
    pub major: u32,
    pub minor: Option<u32>,
}

impl MilestoneId {
    /// The release tag the completion summary suggests: `m5` → `v0.5.0`, `m4.1` → `v0.4.1`.
    pub fn release_tag(&self) -> String {
        format!("v0.{}.{}", self.major, self.minor.unwrap_or(0))
    }
}

impl fmt::Display for MilestoneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.minor {
            Some(minor) => write!(f, "m{}.{minor}", self.major),
            None => write!(f, "m{}", self.major),
        }
    }
}

impl FromStr for MilestoneId {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("invalid milestone `{raw}`: expected {ACCEPTED_FORMS}");
        let s = raw.strip_prefix(['m', 'M']).unwrap_or(raw);
        let (major, minor) = match s.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let number = |part: &str| -> Result<u32, String> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            part.parse::<u32>().map_err(|_| invalid())
        };
        Ok(MilestoneId { major: number(major)?, minor: minor.map(number).transpose()? })
    }
}

/// The folder `<milestones_dir>/<id>-<slug>/` of a milestone.
#[derive(Debug, Clone)]
pub struct MilestoneDir {
    pub id: MilestoneId,
    /// Absolute path of the folder.
    pub path: PathBuf,
    /// The `<slug>` part of the folder name (`m3-user-auth` → `user-auth`).
    pub slug: String,
}

impl MilestoneDir {
    pub fn plan_path(&self) -> PathBuf {
        self.path.join("IMPLEMENTATION_PLAN.md")
    }

    pub fn issues_dir(&self) -> PathBuf {
        self.path.join("issues")
    }
}

/// Finds the folder of milestone `id` in the first of `candidates` that exists.
///
/// A folder matches when its name is `<id>-<slug>` or exactly `<id>` (any case). No match, or
/// two matches, is an error listing what exists.
pub fn locate(root: &Path, candidates: &[PathBuf], id: &MilestoneId) -> Result<MilestoneDir, Error> {
    let searched: Vec<PathBuf> = candidates.iter().map(|c| root.join(c)).collect();
    let Some(base) = searched.iter().find(|p| p.is_dir()) else {
        let list = candidates.iter().map(|c| format!("`{}`", c.display())).collect::<Vec<_>>().join(" or ");
        return Err(Error::input(format!(
            "milestone {id}: no milestones folder: looked for {list} in {}",
            root.display()
        ))
        .with_hint("set `milestones_dir` in .run-milestone.yml"));
    };
    let entries = std::fs::read_dir(base).map_err(|e| Error::input(format!("cannot read {}: {e}", base.display())))?;
    let mut existing = Vec::new();
    let mut matches = Vec::new();
    let wanted = id.to_string();
    for entry in entries.flatten() {
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let lower = name.to_lowercase();
        let slug = if lower == wanted {
            Some(String::new())
        } else {
            lower.strip_prefix(&format!("{wanted}-")).map(|_| name[wanted.len() + 1..].to_string())
        };
        if let Some(slug) = slug {
            matches.push(MilestoneDir { id: id.clone(), path: entry.path(), slug });
        }
        existing.push(name);
    }
    existing.sort();
    matches.sort_by(|a, b| a.path.cmp(&b.path));
    let rel = base.strip_prefix(root).unwrap_or(base).display().to_string();
    let listing = if existing.is_empty() { "(none)".to_string() } else { existing.join(", ") };
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(Error::input(format!("milestone {id}: no folder `{rel}/{id}-<slug>/`; milestones here: {listing}"))),
        _ => {
            let names: Vec<String> =
                matches.iter().map(|m| m.path.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect();
            Err(Error::input(format!("milestone {id}: {} folders match in `{rel}`: {}", names.len(), names.join(", ")))
                .with_hint("rename or remove all but one"))
        }
    }
}

/// The milestones in the first of `candidates` that exists: each folder whose name is `<id>` or
/// `<id>-<slug>` with a valid id, sorted by id. Unreadable folders list nothing.
pub fn list(root: &Path, candidates: &[PathBuf]) -> Vec<MilestoneDir> {
    let Some(base) = candidates.iter().map(|c| root.join(c)).find(|p| p.is_dir()) else {
        return Vec::new();
    };
    let mut found: Vec<MilestoneDir> = std::fs::read_dir(&base)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (id, slug) = name.split_once('-').unwrap_or((name.as_str(), ""));
            let id: MilestoneId = id.to_lowercase().strip_prefix('m')?.parse().ok()?;
            Some(MilestoneDir { id, path: e.path(), slug: slug.to_string() })
        })
        .collect();
    found.sort_by(|a, b| a.id.cmp(&b.id).then(a.path.cmp(&b.path)));
    found
}

#[cfg(test)]
#[path = "milestone_tests.rs"]
mod tests;
