//! Builds the configured forge for a run. The GitHub forge connects before any work (bootstrap
//! calls [`connect_github`] right after loading the milestone), then works in the worktree.

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
    open_with(ui, ws, config, workdir, None)
}

/// [`open`], reusing the GitHub forge `connected` earlier (it then works in `workdir`). Its notes
/// (missing scopes, no push right) are printed here as warnings.
pub fn open_with(
    ui: &crate::ui::Ui,
    ws: &Workspace,
    config: &Config,
    workdir: &Path,
    connected: Option<GithubForge>,
) -> Result<Box<dyn Forge>, Error> {
    match config.forge.kind {
        ForgeKind::Local => LocalForge::open(workdir, &ws.common_dir, LocalSettings::from_config(config))
            .map(|f| Box::new(f) as Box<dyn Forge>)
            .map_err(|e| Error::internal(format!("local forge: {e}"))),
        ForgeKind::Github => {
            let forge = match connected {
                Some(forge) => forge,
                None => connect(config, workdir)?,
            }
            .in_dir(workdir);
            for note in forge.notes() {
                ui.warn(note);
            }
            Ok(Box::new(forge))
        }
    }
}

/// `forge.kind: github`: the token, then the first request (the repository), without touching
/// anything local: no token, a rejected token or a forbidden scope fail here. `None` for the
/// local forge.
pub fn connect_github(config: &Config, dir: &Path) -> Result<Option<GithubForge>, Error> {
    if config.forge.kind != ForgeKind::Github {
        return Ok(None);
    }
    connect(config, dir).map(Some)
}

fn connect(config: &Config, dir: &Path) -> Result<GithubForge, Error> {
    let token = github_token(config, dir)?;
    let settings = GithubSettings {
        labels: crate::policy::labels::LabelStyles::from_policy(&config.policy),
        ..GithubSettings::from_config(&config.forge.github)
    };
    GithubForge::connect(dir, settings, &token).map_err(|e| Error::stopped(format!("GitHub forge: {e}")))
}

/// The host the GitHub token is for (`forge.github.api_url`'s; `github.com` when it is unset or
/// invalid, as for the local forge).
pub fn gh_host(config: &Config) -> String {
    ApiUrl::parse(&config.forge.github.api_url).map_or_else(|_| "github.com".into(), |api| api.gh_host())
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
