//! Taking the decision at a stop, one way for the session and for bootstrap's quality gate (which
//! stops before the session exists): the `⏸ … waits for you` Telegram note (not in autonomous
//! mode, never for a secret exposure), the decider, a panic or Ctrl-C that cut the prompt short
//! (nobody's command: nothing is counted or journaled), the command counted and journaled, and
//! `panic` typed at the prompt (the run's panic, with the token question after it).

use serde_json::json;

use super::decide::{Command, Decider, Decision, Stop, StopKind};
use super::session::{Halt, Stats};
use crate::milestone::MilestoneId;
use crate::notify::Telegram;
use crate::plan::IssueNo;
use crate::safety::journal::Journal;
use crate::safety::signals;
use crate::ui::Ui;

/// Why a run stops after Ctrl-C (SIGINT or SIGTERM).
pub const INTERRUPTED: &str = "interrupted (Ctrl-C): state saved";

/// The stop a panic (SIGUSR1 from `run-milestone panic`, or `panic` typed) or Ctrl-C requested,
/// as the halt it is.
pub fn signalled() -> Result<(), Halt> {
    Halt::signalled().map_or(Ok(()), Err)
}

/// What a stop needs from the run, with or without a session.
pub struct Asking<'a, 'u> {
    pub ui: &'u Ui,
    pub id: &'a MilestoneId,
    pub notifier: Option<&'a Telegram>,
    pub journal: &'a mut Journal,
    pub decider: &'a mut dyn Decider,
    /// The commands used and the approvals given, for the summary and `--metrics`.
    pub stats: &'a mut Stats,
    /// Set when `panic` was typed at this prompt (the token question follows the panic).
    pub panic_typed: &'a mut bool,
}

/// Shows `stop` (with its 📊 status already filled in) for `issue` and takes the decision. A
/// signal that cut the prompt short, or `panic` typed, comes back as its halt.
pub fn decide(p: Asking<'_, '_>, issue: Option<IssueNo>, stop: &Stop) -> Result<Decision, Halt> {
    if !p.decider.is_autonomous() && stop.kind != StopKind::SecretExposure {
        let who = issue.map(|n| format!(" (Issue {n})")).unwrap_or_default();
        let note = format!("⏸ run-milestone {} waits for you{who}: {}\n{}", p.id, stop.headline, stop.allowed_line());
        super::notify::send_with(p.ui, p.notifier, Some(&mut *p.journal), &note);
    }
    let decision = p.decider.decide(p.ui, stop);
    // A panic or Ctrl-C that cut the prompt short: nobody chose a command (and `panic` was not
    // typed here, so no token question).
    signalled()?;
    tracing::debug!(issue = ?issue.map(|n| n.to_string()), stop = ?stop.kind, allowed = %stop.allowed_line(), command = %decision.command, automatic = decision.automatic, "decision");
    *p.stats.commands_used.entry(decision.command.name().to_string()).or_default() += 1;
    let entry = json!({
        "issue": issue.map(|n| n.padded()),
        "stop": format!("{:?}", stop.kind),
        "headline": stop.headline,
        "allowed": stop.allowed_line(),
        "command": decision.command.name(),
        "automatic": decision.automatic,
    });
    super::session::log_to(p.journal, "decision", entry)?;
    if decision.command == Command::Panic {
        *p.panic_typed = true;
        signals::request_panic();
        return Err(Halt::Panic);
    }
    if decision.command == Command::Approve {
        let who = issue.map(|n| format!("{n} ")).unwrap_or_default();
        p.stats.approvals.push(format!("{who}{}", stop.headline.trim_start_matches("🛑 ")));
    }
    Ok(decision)
}
