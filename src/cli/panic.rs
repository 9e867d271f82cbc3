//! `run-milestone panic`: the kill switch from a second terminal.

use std::path::Path;

use crate::error::Error;
use crate::ui::Ui;

pub fn run(_ui: &Ui, _dir: &Path) -> Result<i32, Error> {
    Err(super::not_yet("`run-milestone panic`", "Safety"))
}
