//! `run-milestone prs [<M>]`: the forge's pull requests, one line each (number, title, head →
//! base, state, labels, checks of the current head), and `prs --close <N>`, a person's way to
//! close a PR on the local forge (on GitHub, close it there).

use std::path::Path;

use crate::config::{Config, ForgeKind};
use crate::engine::setup::Setup;
use crate::error::Error;
use crate::forge::local::{LocalForge, LocalSettings};
use crate::forge::{CheckState, Forge, ForgeError, PullRequest};
use crate::git::Workspace;
use crate::milestone::MilestoneId;
use crate::ui::Ui;

pub fn run(ui: &Ui, dir: &Path, id: Option<&MilestoneId>, close: Option<u64>) -> Result<i32, Error> {
    let (ws, config, base) = match id {
        Some(id) => {
            let setup = Setup::load(dir, id)?;
            let base = setup.milestone.plan.base_branch.clone();
            (setup.ws, setup.config, Some(base))
        }
        None => {
            let (ws, _repo) = Workspace::discover(dir)?;
            let config = Config::load(&ws.root)?;
            (ws, config, None)
        }
    };
    if config.forge.kind == ForgeKind::Github {
        if close.is_some() {
            return Err(Error::input("--close works on the local forge; close a GitHub pull request on GitHub"));
        }
        let mut forge = crate::engine::forge_setup::open(ui, &ws, &config, &ws.root)?;
        let prs = forge.list(base.as_deref()).map_err(internal)?;
        if prs.is_empty() {
            ui.line(match &base {
                Some(b) => format!("No pull requests into {b} on GitHub."),
                None => "No pull requests on GitHub.".to_string(),
            });
        }
        for pr in &prs {
            let checks = if pr.state == crate::forge::PrState::Open {
                match forge.checks(pr.number) {
                    Ok(c) => format!("checks: {} ({})", check_word(c.state), c.summary),
                    Err(e) => format!("checks: unknown ({e})"),
                }
            } else {
                "no checks".to_string()
            };
            ui.line(line(pr, &checks));
        }
        return Ok(0);
    }
    let mut forge =
        LocalForge::open(&ws.root, &ws.common_dir, LocalSettings::from_config(&config)).map_err(internal)?;
    if let Some(number) = close {
        let pr = forge.close(number).map_err(|e| Error::input(e.to_string()))?;
        ui.line(format!("Closed PR #{number}: {}", pr.title));
        return Ok(0);
    }
    let prs = forge.list(base.as_deref()).map_err(internal)?;
    if prs.is_empty() {
        ui.line(match &base {
            Some(b) => format!("No pull requests into {b} on the local forge."),
            None => "No pull requests on the local forge.".to_string(),
        });
    }
    for pr in &prs {
        let checks = match forge.recorded_checks(pr.number) {
            Ok(Some(c)) => format!("checks: {}", check_word(c.state)),
            Ok(None) => "no checks".to_string(),
            Err(_) => "checks: unknown (head branch missing)".to_string(),
        };
        ui.line(line(pr, &checks));
    }
    Ok(0)
}

fn internal(e: ForgeError) -> Error {
    Error::internal(e.to_string())
}

/// `#3 Add truncate · feat/m1-03-truncate → milestone/m1-text-tools · open (draft) · labels: needs-human · checks: passed`
pub fn line(pr: &PullRequest, checks: &str) -> String {
    let state = if pr.draft { format!("{} (draft)", pr.state.name()) } else { pr.state.name().to_string() };
    let labels =
        if pr.labels.is_empty() { "no labels".to_string() } else { format!("labels: {}", pr.labels.join(", ")) };
    format!("#{} {} · {} → {} · {state} · {labels} · {checks}", pr.number, pr.title, pr.head, pr.base)
}

fn check_word(state: CheckState) -> &'static str {
    match state {
        CheckState::Success => "passed",
        CheckState::Failure => "failed",
        CheckState::Pending => "pending",
        CheckState::Missing => "missing",
    }
}
