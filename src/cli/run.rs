//! The main command: `run-milestone <M> [flags]` (with `--dry-run`, a preview).

use std::path::Path;

use crate::engine::dry_run::{self, BasePlan, Preview, WorktreePlan};
use crate::engine::session::RunOptions;
use crate::engine::setup::Setup;
use crate::error::{Error, ErrorKind};
use crate::git::repo::{branch_tip, head_commit, short};
use crate::milestone::MilestoneId;
use crate::plan::gate::{self, GateLimits};
use crate::ui::Ui;

use super::RunFlags;

pub fn run(ui: &Ui, dir: &Path, id: &MilestoneId, flags: &RunFlags) -> Result<i32, Error> {
    if flags.subagent {
        ui.warn("--subagent: every agent call already runs as a fresh agent process, with separate reviewer agents; the flag changes nothing");
    }
    if flags.dry_run {
        let setup = Setup::load(dir, id)?;
        // The run's own checkout checks (read-only): a dry-run never passes where the run stops.
        crate::engine::bootstrap::check_checkout(&setup, flags.no_worktree)?;
        return dry_run(ui, &setup, flags);
    }
    let opts = RunOptions {
        autonomous: flags.autonomous,
        subagent: flags.subagent,
        skip_code_review: flags.skip_code_review,
        skip_plan_review: flags.skip_plan_review,
        no_worktree: flags.no_worktree,
        agent: flags.agent,
        metrics: flags.metrics,
        metrics_file: flags.metrics_file.clone(),
    };
    let decider: Box<dyn crate::engine::decide::Decider> = if flags.autonomous {
        Box::new(crate::engine::decide::Autonomous)
    } else {
        Box::new(super::prompt::Interactive::new(super::prompt::stdin_lines(ui)))
    };
    crate::engine::run::run(ui, dir, id, opts, decider)
}

fn dry_run(ui: &Ui, setup: &Setup, flags: &RunFlags) -> Result<i32, Error> {
    if flags.metrics || flags.metrics_file.is_some() {
        ui.warn("--metrics applies to runs only: a dry-run prints and writes no metrics");
    }
    let report = (!flags.skip_plan_review).then(|| gate::review(&setup.milestone, GateLimits::default()));
    let id = setup.id.to_string();
    let worktree = if flags.no_worktree {
        WorktreePlan::CurrentCheckout
    } else {
        let path = setup.ws.worktree_path(&id);
        let shown = format!("../{}", path.file_name().unwrap_or_default().to_string_lossy());
        // `check_checkout` made sure an existing folder is the milestone's worktree.
        if path.exists() { WorktreePlan::Reuse(shown) } else { WorktreePlan::Create(shown) }
    };
    let base_name = &setup.milestone.plan.base_branch;
    let base = match branch_tip(&setup.repo, base_name) {
        Some(oid) => BasePlan::Exists(short(oid)),
        None => {
            // (A repository without commits was refused by `check_checkout`.)
            let from = setup.ws.head_branch.clone().unwrap_or_else(|| "HEAD".into());
            let at = head_commit(&setup.repo).map(|oid| format!(" at {}", short(oid))).unwrap_or_default();
            BasePlan::Create(format!("{from}{at}"))
        }
    };
    let preview = Preview { id: &setup.id, milestone: &setup.milestone, gate: report.as_ref(), worktree, base };
    dry_run::log_decisions(&preview);
    ui.text(dry_run::render(&preview));
    Ok(match report {
        Some(r) if !r.passed() => ErrorKind::Stopped.exit_code(),
        _ => 0,
    })
}
