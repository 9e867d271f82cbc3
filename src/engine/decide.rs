//! Stops and the decisions taken at them. One engine, two deciders: a person at the prompt
//! (interactive, the Reviews & stops issue) and the autonomous policy (the seed's "Autonomous Mode
//! Behavior" table).

use std::fmt;

use crate::ui::Ui;

/// A command typed (or chosen) at a stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Continue,
    Fix,
    Skip,
    Approve,
    Abort,
    Restart,
    SkipPhase,
    Retry,
    Panic,
}

impl Command {
    pub const ALL: [Command; 9] = [
        Command::Continue,
        Command::Fix,
        Command::Skip,
        Command::Approve,
        Command::Abort,
        Command::Restart,
        Command::SkipPhase,
        Command::Retry,
        Command::Panic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Command::Continue => "continue",
            Command::Fix => "fix",
            Command::Skip => "skip",
            Command::Approve => "approve",
            Command::Abort => "abort",
            Command::Restart => "restart",
            Command::SkipPhase => "skip-phase",
            Command::Retry => "retry",
            Command::Panic => "panic",
        }
    }

    pub fn parse(s: &str) -> Option<Command> {
        let s = s.trim().to_ascii_lowercase();
        Command::ALL.into_iter().find(|c| c.name() == s)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kind of stop (the seed's stop-condition tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    QualityGate,
    TddViolation,
    TestsFailing,
    FixExhausted,
    SpecIssues,
    QualityIssues,
    BreakingSchema,
    License,
    CrossBoundary,
    PhaseBoundary,
    PushFailed,
    NeedsContext,
    SecretExposure,
}

/// A stop: the block printed, and the commands allowed there.
#[derive(Debug, Clone)]
pub struct Stop {
    pub kind: StopKind,
    /// The `🛑 …` line (without the emoji for blocks that have their own, e.g. phase boundary).
    pub headline: String,
    /// Findings and details, printed between the headline and the command line.
    pub lines: Vec<String>,
    pub allowed: Vec<Command>,
    /// The 📊 Current State block, for `status` at the prompt (filled in by the engine).
    pub status: Vec<String>,
}

impl Stop {
    pub fn new(kind: StopKind, headline: impl Into<String>, lines: Vec<String>, allowed: &[Command]) -> Stop {
        Stop { kind, headline: headline.into(), lines, allowed: allowed.to_vec(), status: Vec::new() }
    }

    /// `fix | skip | abort` (a NEEDS_CONTEXT stop also takes a typed answer).
    pub fn allowed_line(&self) -> String {
        let mut items: Vec<&str> = self.allowed.iter().map(|c| c.name()).collect();
        if self.kind == StopKind::NeedsContext {
            items.insert(0, "<answer>");
        }
        if self.kind == StopKind::SecretExposure {
            return "abort (required)".into();
        }
        items.join(" | ")
    }

    /// Prints the block: headline, findings, and the allowed commands as its last line.
    pub fn print(&self, ui: &Ui) {
        ui.blank();
        ui.line(&self.headline);
        if !self.lines.is_empty() {
            ui.blank();
            for l in &self.lines {
                ui.line(l);
            }
        }
        ui.blank();
        ui.line(self.allowed_line());
    }
}

/// What was decided at a stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub command: Command,
    /// The person's typed answer to a `NEEDS_CONTEXT` question.
    pub answer: Option<String>,
    /// Chosen by the autonomous policy (not typed).
    pub automatic: bool,
}

/// Who decides at stops.
pub trait Decider {
    /// Shows the stop and returns an allowed command.
    fn decide(&mut self, ui: &Ui, stop: &Stop) -> Decision;
    fn is_autonomous(&self) -> bool;
    /// A free line from the person (the panic's token question); `None` when nobody can answer.
    fn read_line(&mut self) -> Option<String> {
        None
    }
    /// Whether a person at a terminal would answer [`Decider::read_line`] (free questions such
    /// as the token revocation are only asked then; otherwise their steps are printed).
    fn terminal(&self) -> bool {
        false
    }
}

/// The seed's "Autonomous Mode Behavior": never prompts.
#[derive(Debug, Default)]
pub struct Autonomous;

impl Autonomous {
    /// The command the policy takes at `stop` (the engine only allows `restart`/`fix` while
    /// attempts remain, so "max 2, then skip" follows).
    pub fn choose(stop: &Stop) -> Command {
        let prefs: &[Command] = match stop.kind {
            StopKind::TddViolation => &[Command::Restart, Command::Skip],
            StopKind::TestsFailing | StopKind::SpecIssues | StopKind::QualityIssues => &[Command::Fix, Command::Skip],
            StopKind::FixExhausted | StopKind::NeedsContext => &[Command::Skip],
            StopKind::BreakingSchema | StopKind::License | StopKind::CrossBoundary => &[Command::Skip],
            StopKind::PhaseBoundary => &[Command::Continue],
            StopKind::PushFailed => &[Command::Retry, Command::Skip],
            StopKind::QualityGate | StopKind::SecretExposure => &[Command::Abort],
        };
        prefs.iter().copied().find(|c| stop.allowed.contains(c)).unwrap_or(Command::Abort)
    }
}

impl Decider for Autonomous {
    fn decide(&mut self, ui: &Ui, stop: &Stop) -> Decision {
        stop.print(ui);
        let command = Autonomous::choose(stop);
        ui.line(format!("🤖 Autonomous: {command}"));
        Decision { command, answer: None, automatic: true }
    }

    fn is_autonomous(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(kind: StopKind, allowed: &[Command]) -> Stop {
        Stop::new(kind, "🛑 x", vec![], allowed)
    }

    #[test]
    fn the_seed_autonomous_table() {
        use Command::*;
        assert_eq!(Autonomous::choose(&stop(StopKind::TddViolation, &[Restart, Skip, Abort])), Restart);
        assert_eq!(Autonomous::choose(&stop(StopKind::TddViolation, &[Skip, Abort])), Skip);
        assert_eq!(Autonomous::choose(&stop(StopKind::SpecIssues, &[Fix, Skip, Abort])), Fix);
        assert_eq!(Autonomous::choose(&stop(StopKind::QualityIssues, &[Skip, Abort])), Skip);
        assert_eq!(Autonomous::choose(&stop(StopKind::TestsFailing, &[Fix, Skip, Abort])), Fix);
        assert_eq!(Autonomous::choose(&stop(StopKind::BreakingSchema, &[Approve, Skip, Abort])), Skip);
        assert_eq!(Autonomous::choose(&stop(StopKind::License, &[Approve, Skip, Abort])), Skip);
        assert_eq!(Autonomous::choose(&stop(StopKind::CrossBoundary, &[Approve, Skip, Abort])), Skip);
        assert_eq!(Autonomous::choose(&stop(StopKind::PhaseBoundary, &[Continue, SkipPhase, Abort])), Continue);
        assert_eq!(Autonomous::choose(&stop(StopKind::QualityGate, &[Approve, Abort])), Abort);
        assert_eq!(Autonomous::choose(&stop(StopKind::SecretExposure, &[Abort])), Abort);
    }

    #[test]
    fn commands_parse_and_print() {
        assert_eq!(Command::parse(" Skip-Phase "), Some(Command::SkipPhase));
        assert_eq!(Command::parse("nope"), None);
        assert_eq!(
            stop(StopKind::TestsFailing, &[Command::Fix, Command::Skip, Command::Abort]).allowed_line(),
            "fix | skip | abort"
        );
    }
}
