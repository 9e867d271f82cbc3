//! `panic`: the seed's kill switch, typed at a prompt or sent by `run-milestone panic` (SIGUSR1).
//! Execution stops at once: every agent and test process group is killed, the open PR is left in
//! draft, the panic is journaled with a timestamp, the Telegram alert goes out, the 🚨 block is
//! printed (state is saved: the plan and the journal are always current); where `panic` was typed
//! the token revocation follows. The same happens when it comes during bootstrap, before there is
//! a session (no PR then).

use serde_json::json;

use super::decide::Decider;
use super::session::Session;
use crate::milestone::MilestoneId;
use crate::notify::Telegram;
use crate::safety::journal::Journal;
use crate::safety::revoke::TokenRecord;
use crate::ui::Ui;

/// The seed's `🚨 PANIC triggered` block.
pub fn print_block(ui: &Ui, draft_pr: Option<u64>) {
    ui.blank();
    ui.line("🚨 PANIC triggered");
    ui.blank();
    ui.line("✓ Execution halted");
    ui.line("✓ State saved to IMPLEMENTATION_PLAN.md");
    if let Some(pr) = draft_pr {
        ui.line(format!("✓ PR #{pr} left in draft"));
    }
}

/// What a panic needs from the run, whether or not its session exists yet.
pub struct Parts<'a, 'u> {
    pub ui: &'u Ui,
    pub id: &'a MilestoneId,
    pub journal: &'a mut Journal,
    pub notifier: Option<&'a Telegram>,
    pub decider: &'a mut dyn Decider,
    /// Where the run's GitHub token comes from.
    pub token: &'a TokenRecord,
    /// `panic` was typed at this process's prompt (then the token question follows).
    pub typed: bool,
}

/// Halts the run after `panic` (typed at a prompt, or SIGUSR1 from `run-milestone panic`).
pub fn halt(s: &mut Session) {
    // The agents stop first; the PR is drafted while nothing else can touch it (its requests
    // still get their back-off: the stop is what they are for).
    let killed = crate::process::kill_all();
    let _finishing = crate::safety::signals::finishing();
    let mut drafted = None;
    if let Some(pr) = s.current_pr {
        // A PR that is a draft already (a person's) stays theirs: not journaled as the panic's,
        // so the resumed run does not mark it ready.
        match s.forge.mark_draft(pr) {
            Ok(by_panic) => drafted = Some(LeftInDraft { pr, by_panic }),
            Err(e) => s.ui.warn(format!("could not leave PR #{pr} in draft: {e}")),
        }
    }
    let parts = Parts {
        ui: s.ui,
        id: &s.id,
        journal: &mut s.journal,
        notifier: s.notifier.as_ref(),
        decider: &mut *s.decider,
        token: &s.token,
        typed: s.panic_typed,
    };
    halt_with(parts, drafted, killed);
}

/// The PR a panic leaves in draft.
#[derive(Debug, Clone, Copy)]
pub struct LeftInDraft {
    pub pr: u64,
    /// The panic made it a draft (journaled as `draft_pr`: the resumed run marks it ready again).
    pub by_panic: bool,
}

/// The panic itself, from whatever the run has (bootstrap calls it before the session exists).
pub fn halt_with(p: Parts<'_, '_>, left: Option<LeftInDraft>, killed: usize) {
    let drafted = left.map(|l| l.pr);
    let by_panic = left.filter(|l| l.by_panic).map(|l| l.pr);
    let _ = p.journal.append(
        "panic",
        json!({"killed_groups": killed, "source": if p.typed { "prompt" } else { "signal" }, "draft_pr": by_panic}),
    );
    print_block(p.ui, drafted);
    let note = format!(
        "🚨 PANIC: run-milestone {} halted{}",
        p.id,
        drafted.map(|n| format!("; PR #{n} left in draft")).unwrap_or_default()
    );
    super::notify::send_with(p.ui, p.notifier, Some(&mut *p.journal), &note);
    if p.typed {
        let origin = p.token.origin();
        // Without a terminal nobody answers: the steps are printed and nothing waits.
        if p.decider.terminal() {
            let decider = p.decider;
            let mut read = || decider.read_line();
            crate::safety::revoke::ask(p.ui, &origin, Some(&mut read));
        } else {
            crate::safety::revoke::ask(p.ui, &origin, None);
        }
    }
}
