//! Bootstrap's step 0, the quality gate: on the first run, and whenever the plan or a spec changed
//! since it last passed (its fingerprint is kept in `<state dir>/<m>/gate.json`, written
//! atomically). A critical finding is the seed's `🛑 Quality gate` stop (`approve | abort`),
//! taken before the session exists; a panic there is handled where it happens.

use std::path::Path;

use serde_json::json;

use super::bootstrap::Gate;
use super::decide::{Command, Decider, Stop, StopKind};
use super::session::Halt;
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
    /// `--skip-plan-review`.
    pub skip: bool,
}

/// Runs the gate (or says why it does not run); its findings and the command taken at its stop
/// go into `gate` for the `run_started` entry.
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
    if !p.decider.is_autonomous() {
        let note = format!("⏸ run-milestone {} waits for you: {}\n{}", p.id, stop.headline, stop.allowed_line());
        super::notify::send_with(ui, p.notifier, Some(&mut *p.journal), &note);
    }
    let decision = p.decider.decide(ui, &stop);
    // A panic or Ctrl-C that cut the prompt short is no command of anybody's.
    let signalled = crate::safety::signals::requested();
    if signalled.is_none() {
        gate.command = Some(decision.command);
    }
    let typed_panic = signalled.is_none() && decision.command == Command::Panic;
    if typed_panic || signalled == Some(crate::safety::signals::Requested::Panic) {
        if typed_panic {
            crate::safety::signals::request_panic();
        }
        let parts = super::panic::Parts {
            ui,
            id: p.id,
            journal: p.journal,
            notifier: p.notifier,
            decider: p.decider,
            typed: typed_panic,
        };
        super::panic::halt_with(parts, None, crate::process::kill_all());
        return Err(Halt::Panic);
    }
    match decision.command {
        _ if signalled.is_some() => return Err(Halt::Abort("interrupted (Ctrl-C): state saved".into())),
        Command::Approve => {}
        _ => return Err(Halt::Abort("Fix issues in IMPLEMENTATION_PLAN.md".into())),
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
