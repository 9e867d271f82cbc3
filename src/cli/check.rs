//! `run-milestone check <M>`: the quality gate alone.

use std::path::Path;

use crate::engine::setup::Setup;
use crate::error::Error;
use crate::milestone::MilestoneId;
use crate::plan::gate::{self, GateLimits};
use crate::ui::Ui;

/// Exit 0 when the gate passes (warnings allowed), 3 on a critical issue.
pub fn run(ui: &Ui, dir: &Path, id: &MilestoneId) -> Result<i32, Error> {
    let setup = Setup::load(dir, id)?;
    let report = gate::review(&setup.milestone, GateLimits::default());
    ui.line(format!("🔍 Quality Gate: {id}"));
    for line in report.render() {
        ui.line(line);
    }
    Ok(if report.passed() { 0 } else { crate::error::ErrorKind::Stopped.exit_code() })
}
