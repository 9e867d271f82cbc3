//! Bootstrap's step 0, the quality gate: on the first run, and whenever the plan or a spec changed
//! since it last passed (its fingerprint is kept in `<state dir>/<m>/gate.json`, written
//! atomically). A critical finding is the seed's `🛑 Quality gate` stop (`approve | abort`),
//! taken before the session exists ([`super::ask::decide`]); a panic there is handled where it
//! happens.

use std::path::Path;

use serde_json::json;

use super::bootstrap::Gate;
use super::decide::{Command, Decider, Stop, StopKind};
use super::session::{Halt, Stats};
use crate::error::Error;
use crate::milestone::MilestoneId;
use crate::notify::Telegram;
use crate::plan::Milestone;
use crate::plan::gate::{self, GateLimits};
use crate::safety::journal::Journal;
use crate::ui::Ui;

/// What the gate needs from bootstrap.
pub struct GateParts<'a, 'u> {
    pub ui: &'u Ui,
    pub id: &'a MilestoneId,
    pub milestone: &'a Milestone,
    /// `<state dir>/<m>/`.
    pub state_dir: &'a Path,
    pub journal: &'a mut Journal,
    pub notifier: Option<&'a Telegram>,
    pub decider: &'a mut dyn Decider,
    /// Where the command taken at the gate's stop is counted (for the summary and `--metrics`).
    pub stats: &'a mut Stats,
    /// The run's token source, for the token question after a typed `panic`.
    pub token: &'a crate::safety::revoke::TokenRecord,
    /// `--skip-plan-review`.
    pub skip: bool,
}

/// Runs the gate (or says why it does not run); its findings go into `gate` for the
/// `run_started` entry. The decision at its stop is journaled and counted like any other.
pub fn quality_gate(p: GateParts<'_, '_>, gate: &mut Gate) -> Result<(), Halt> {
    let ui = p.ui;
    let fingerprint = gate::fingerprint(p.milestone);
    ui.blank();
    if p.skip {
        ui.line("🔍 Quality Gate");
        ui.line("⏭️ Skipped (--skip-plan-review)");
        return Ok(());
    }
    if read_gate_state(ui, p.state_dir).as_deref() == Some(fingerprint.as_str()) {
        ui.ok("Quality gate: passed earlier, plan and specs unchanged");
        return Ok(());
    }
    ui.line("🔍 Quality Gate");
    ui.line("Invoking plan-review...");
    ui.blank();
    let report = gate::review(p.milestone, GateLimits::default());
    gate.note = json!({"critical": report.critical, "warnings": report.warnings});
    if report.passed() {
        for l in report.render() {
            ui.line(l);
        }
        return write_gate_state(p.state_dir, &fingerprint, false).map_err(Halt::Error);
    }
    let mut rendered = report.render();
    let headline = rendered.remove(0);
    let lines: Vec<String> = rendered.into_iter().skip_while(String::is_empty).collect();
    let mut stop = Stop::new(StopKind::QualityGate, headline, lines, &[Command::Approve, Command::Abort]);
    // No PRs yet: the forge is not set up before the gate passes.
    stop.status = super::status::current_state(p.id, &p.milestone.plan, &[]);
    let mut typed = false;
    let asking = super::ask::Asking {
        ui,
        id: p.id,
        notifier: p.notifier,
        journal: &mut *p.journal,
        decider: &mut *p.decider,
        stats: &mut *p.stats,
        panic_typed: &mut typed,
    };
    match super::ask::decide(asking, None, &stop) {
        Ok(d) if d.command == Command::Approve => {}
        Ok(_) => return Err(Halt::Abort("Fix issues in IMPLEMENTATION_PLAN.md".into())),
        Err(Halt::Panic) => {
            // No session yet: the panic is handled here (no PR exists before the gate passes).
            let parts = super::panic::Parts {
                ui,
                id: p.id,
                journal: p.journal,
                notifier: p.notifier,
                decider: p.decider,
                token: p.token,
                typed,
            };
            super::panic::halt_with(parts, None, crate::process::kill_all());
            return Err(Halt::Panic);
        }
        Err(halt) => return Err(halt),
    }
    gate.note["approved"] = json!(true);
    ui.ok("Approved (recorded)");
    write_gate_state(p.state_dir, &fingerprint, true).map_err(Halt::Error)
}

/// The gate's last passing fingerprint. A corrupt file is moved aside (`.corrupt-<timestamp>`)
/// and reported — never silently overwritten.
fn read_gate_state(ui: &Ui, dir: &Path) -> Option<String> {
    let path = dir.join("gate.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let parsed = serde_json::from_str::<serde_json::Value>(&text).ok();
    if let Some(fp) = parsed.as_ref().and_then(|v| v["fingerprint"].as_str()) {
        return Some(fp.to_string());
    }
    let aside = dir.join(format!("gate.json.corrupt-{}", crate::safety::journal::timestamp().replace(':', "")));
    match std::fs::rename(&path, &aside) {
        Ok(()) => ui.warn(format!(
            "{} was corrupt: moved aside to {}; the quality gate runs again",
            path.display(),
            aside.display()
        )),
        Err(e) => ui.warn(format!("{} is corrupt and could not be moved aside: {e}", path.display())),
    }
    None
}

fn write_gate_state(dir: &Path, fingerprint: &str, approved: bool) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
    let body = json!({"fingerprint": fingerprint, "approved": approved, "at": crate::safety::journal::timestamp()});
    crate::safety::atomic::write_atomic(&dir.join("gate.json"), body.to_string().as_bytes())
        .map_err(|e| Error::internal(format!("cannot write gate state: {e}")))
}
