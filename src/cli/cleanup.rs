//! `run-milestone cleanup <M>`: remove the milestone's worktree.

use std::path::Path;

use crate::error::Error;
use crate::milestone::MilestoneId;
use crate::ui::Ui;

pub fn run(_ui: &Ui, _dir: &Path, _id: &MilestoneId, _force: bool) -> Result<i32, Error> {
    Err(super::not_yet("`run-milestone cleanup`", "Engine"))
}
