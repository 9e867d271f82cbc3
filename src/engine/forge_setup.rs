//! Builds the configured forge for a run.

use std::path::Path;

use crate::config::{Config, ForgeKind};
use crate::error::Error;
use crate::forge::Forge;
use crate::forge::local::{LocalForge, LocalSettings};
use crate::git::Workspace;

/// The forge `forge.kind` names (the never-main guard is added by the caller).
pub fn open(ws: &Workspace, config: &Config, workdir: &Path) -> Result<Box<dyn Forge>, Error> {
    match config.forge.kind {
        ForgeKind::Local => LocalForge::open(workdir, &ws.common_dir, LocalSettings::from_config(config))
            .map(|f| Box::new(f) as Box<dyn Forge>)
            .map_err(|e| Error::internal(format!("local forge: {e}"))),
        ForgeKind::Github => Err(Error::input(
            ".run-milestone.yml: forge.kind: github is not yet available in this version (it lands with the GitHub forge issue)",
        )),
    }
}
