//! Builds the configured forge for a run.

use std::path::Path;

use crate::config::{Config, ForgeKind};
use crate::error::Error;
use crate::forge::Forge;
use crate::forge::github::client::ApiUrl;
use crate::forge::github::token::{self, Token};
use crate::forge::github::{GithubForge, GithubSettings};
use crate::forge::local::{LocalForge, LocalSettings};
use crate::git::Workspace;

/// The forge `forge.kind` names (the never-main guard is added by the caller).
pub fn open(ui: &crate::ui::Ui, ws: &Workspace, config: &Config, workdir: &Path) -> Result<Box<dyn Forge>, Error> {
    match config.forge.kind {
        ForgeKind::Local => LocalForge::open(workdir, &ws.common_dir, LocalSettings::from_config(config))
            .map(|f| Box::new(f) as Box<dyn Forge>)
            .map_err(|e| Error::internal(format!("local forge: {e}"))),
        ForgeKind::Github => {
            let token = github_token(config, workdir)?;
            let settings = GithubSettings::from_config(&config.forge.github);
            let forge = GithubForge::connect(workdir, settings, &token)
                .map_err(|e| Error::stopped(format!("GitHub forge: {e}")))?;
            for note in forge.notes() {
                ui.warn(note);
            }
            Ok(Box::new(forge))
        }
    }
}

/// The GitHub token (`GH_TOKEN`, `GITHUB_TOKEN`, then `gh auth token`), without any request: a
/// missing token is an input error. The engine may call this before doing any work.
pub fn github_token(config: &Config, dir: &Path) -> Result<Token, Error> {
    let api =
        ApiUrl::parse(&config.forge.github.api_url).map_err(|e| Error::input(format!(".run-milestone.yml: {e}")))?;
    token::from_environment(&api.gh_host(), dir).map_err(|e| {
        Error::input(e.to_string())
            .with_hint("create a classic token with the repo, read:org and workflow scopes (and nothing more)")
    })
}
