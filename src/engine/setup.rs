//! The validation steps every command shares (the seed's bootstrap steps 1–6): find the
//! repository, read the configuration, find and load the milestone, check the base branch.

use std::path::Path;

use git2::Repository;

use crate::config::Config;
use crate::error::Error;
use crate::git::Workspace;
use crate::milestone::{MilestoneId, locate};
use crate::plan::{Milestone, load_milestone};
use crate::policy::branches::ProtectedBranches;

/// Everything loaded and validated before a command does its work.
pub struct Setup {
    pub id: MilestoneId,
    pub ws: Workspace,
    pub repo: Repository,
    pub config: Config,
    pub milestone: Milestone,
    pub protected: ProtectedBranches,
}

impl Setup {
    /// Loads and validates; invalid input is an error (exit 2) and nothing is modified.
    pub fn load(dir: &Path, id: &MilestoneId) -> Result<Setup, Error> {
        let (ws, repo) = Workspace::discover(dir)?;
        let config = Config::load(&ws.root)?;
        let folder = locate(&ws.root, &config.milestone_dirs(), id)?;
        let milestone = load_milestone(&ws.root, folder)?;
        // The default branch: origin's, and git's `init.defaultBranch` (repositories without a remote).
        let defaults: Vec<String> = ws.origin_default.iter().chain(ws.init_default.iter()).cloned().collect();
        let protected = ProtectedBranches::new(&config.protected_branches, &defaults)?;
        let plan = &milestone.plan;
        if protected.is_protected(&plan.base_branch) {
            return Err(Error::at(&plan.path, plan.base_branch_line, None, {
                let suggestion = format!("milestone/{id}-{}", milestone.dir.slug);
                let example = if protected.is_protected(&suggestion) {
                    "a branch outside protected_branches".to_string()
                } else {
                    format!("a milestone branch such as `{suggestion}`")
                };
                format!(
                    "base branch `{}` is a protected branch ({}): expected {example}",
                    plan.base_branch,
                    protected.names().join(", "),
                )
            })
            .with_hint("run-milestone never pushes to, opens PRs into or merges into a protected branch"));
        }
        Ok(Setup { id: id.clone(), ws, repo, config, milestone, protected })
    }
}
