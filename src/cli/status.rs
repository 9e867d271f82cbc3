//! `run-milestone status [<M>]`: the seed's 📊 Current State block.

use std::path::Path;

use crate::error::Error;
use crate::milestone::MilestoneId;
use crate::ui::Ui;

pub fn run(_ui: &Ui, _dir: &Path, _id: Option<&MilestoneId>) -> Result<i32, Error> {
    Err(super::not_yet("`run-milestone status`", "Engine"))
}
