//! `run-milestone status [<M>]`: the seed's 📊 Current State block, or one line per milestone.

use std::path::Path;

use crate::config::{Config, ForgeKind};
use crate::engine::setup::Setup;
use crate::engine::status::current_state;
use crate::error::Error;
use crate::forge::Forge;
use crate::forge::local::{LocalForge, LocalSettings};
use crate::git::Workspace;
use crate::milestone::MilestoneId;
use crate::plan::Status;
use crate::ui::Ui;

pub fn run(ui: &Ui, dir: &Path, id: Option<&MilestoneId>) -> Result<i32, Error> {
    match id {
        Some(id) => {
            let setup = Setup::load(dir, id)?;
            let prs = local_prs(&setup.ws, &setup.config, Some(&setup.milestone.plan.base_branch));
            for line in current_state(id, &setup.milestone.plan, &prs) {
                ui.line(line);
            }
        }
        None => {
            let (ws, _) = Workspace::discover(dir)?;
            let config = Config::load(&ws.root)?;
            let Some(base) = config.milestone_dirs().into_iter().map(|d| ws.root.join(d)).find(|d| d.is_dir()) else {
                ui.line("No milestones folder (milestones/ or docs/milestones/).");
                return Ok(0);
            };
            let mut names: Vec<String> = std::fs::read_dir(&base)
                .map_err(|e| Error::input(format!("cannot read {}: {e}", base.display())))?
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            let mut any = false;
            for name in names {
                let Some(id) = name.split('-').next().and_then(|p| p.parse::<MilestoneId>().ok()) else { continue };
                any = true;
                match Setup::load(dir, &id) {
                    Ok(setup) => {
                        let plan = &setup.milestone.plan;
                        let count = |s: Status| plan.issues.iter().filter(|i| i.status == s).count();
                        ui.line(format!(
                            "{id}  {name}  ✅ {} done · 🔄 {} in progress · 👀 {} review · ⏭️ {} skipped · 🚫 {} blocked · ⬜ {} todo  ({})",
                            count(Status::Done),
                            count(Status::InProgress),
                            count(Status::NeedsReview),
                            count(Status::Skipped),
                            count(Status::Blocked),
                            count(Status::Todo),
                            plan.base_branch
                        ));
                    }
                    Err(e) => ui.line(format!("{id}  {name}  ✗ {}", e.message)),
                }
            }
            if !any {
                ui.line(format!("No milestones in {}.", base.display()));
            }
        }
    }
    Ok(0)
}

/// The local forge's PRs (none for other forges: `status` makes no network calls).
fn local_prs(ws: &Workspace, config: &Config, base: Option<&str>) -> Vec<crate::forge::PullRequest> {
    if config.forge.kind != ForgeKind::Local {
        return Vec::new();
    }
    LocalForge::open(&ws.root, &ws.common_dir, LocalSettings::from_config(config))
        .and_then(|mut f| f.list(base))
        .unwrap_or_default()
}
