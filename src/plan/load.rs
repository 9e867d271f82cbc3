//! Loads a milestone folder: the plan and the spec of every issue it lists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::model::{IssueNo, Plan};
use super::parse::parse_plan;
use super::spec::{Spec, parse_spec, spec_file_name};
use super::text::read_utf8;
use crate::error::Error;
use crate::milestone::MilestoneDir;

/// A loaded milestone: plan + specs, and what the gate needs to judge the folder.
#[derive(Debug, Clone)]
pub struct Milestone {
    pub dir: MilestoneDir,
    /// Repository root the display paths are relative to.
    pub root: PathBuf,
    pub plan: Plan,
    /// The spec of each plan row that has exactly one spec file.
    pub specs: BTreeMap<IssueNo, Spec>,
    /// Every `NN-*.md` file under `issues/`, by number (more than one is a gate problem).
    pub spec_files: BTreeMap<IssueNo, Vec<PathBuf>>,
}

impl Milestone {
    pub fn spec(&self, no: IssueNo) -> Option<&Spec> {
        self.specs.get(&no)
    }

    /// Path relative to the repository root, for messages.
    pub fn display_path(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root).unwrap_or(path).to_path_buf()
    }

    /// Re-reads the plan from disk (a person may have edited it by hand).
    pub fn reload_plan(&mut self) -> Result<(), Error> {
        self.plan = read_plan(&self.root, &self.dir.plan_path())?;
        Ok(())
    }
}

/// Reads and parses a plan; messages name the path relative to `root`.
pub fn read_plan(root: &Path, abs: &Path) -> Result<Plan, Error> {
    let shown = abs.strip_prefix(root).unwrap_or(abs);
    // Anything else at that path (a directory, a file that cannot be read) is "cannot read".
    if !abs.exists() {
        return Err(Error::input(format!(
            "{}: not found: expected the milestone's IMPLEMENTATION_PLAN.md",
            shown.display()
        )));
    }
    parse_plan(shown, &read_utf8(abs).map_err(|e| relabel(e, abs, shown))?)
}

fn relabel(mut e: Error, abs: &Path, shown: &Path) -> Error {
    e.message = e.message.replace(&abs.display().to_string(), &shown.display().to_string());
    e
}

/// Loads the plan and the specs of its issues. Invalid files are errors (exit 2); problems the
/// quality gate judges (missing or duplicate specs) are recorded, not raised.
pub fn load_milestone(root: &Path, dir: MilestoneDir) -> Result<Milestone, Error> {
    let plan = read_plan(root, &dir.plan_path())?;
    let mut spec_files: BTreeMap<IssueNo, Vec<PathBuf>> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir.issues_dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Whatever has a spec's name is read as one: a directory there is "cannot read".
            if let Some((no, _)) = spec_file_name(&name) {
                spec_files.entry(no).or_default().push(entry.path());
            }
        }
    }
    for files in spec_files.values_mut() {
        files.sort();
    }
    let mut specs = BTreeMap::new();
    for issue in &plan.issues {
        if let Some([only]) = spec_files.get(&issue.no).map(Vec::as_slice) {
            let shown = only.strip_prefix(root).unwrap_or(only);
            let text = read_utf8(only).map_err(|e| relabel(e, only, shown))?;
            specs.insert(issue.no, parse_spec(shown, &text)?);
        }
    }
    Ok(Milestone { dir, root: root.to_path_buf(), plan, specs, spec_files })
}
