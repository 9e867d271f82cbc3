//! `panic` at a prompt: the seed's kill switch. Execution stops at once, state is saved (the plan
//! and the journal are always current), and the 🚨 block is printed. (The Safety issue adds the
//! process-group kill, drafting the open PR, Telegram and the token revocation prompt.)

use serde_json::json;

use super::session::Session;
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

/// Halts the run after `panic` (typed at a prompt, or SIGUSR1 from `run-milestone panic`):
/// kills every process group we started, leaves the open PR in draft, journals the panic with a
/// timestamp, prints the block; where `panic` was typed, asks about revoking the GitHub token.
pub fn halt(s: &mut Session) {
    let killed = crate::process::kill_all();
    let mut drafted = None;
    if let Some(pr) = s.current_pr {
        match s.forge.mark_draft(pr) {
            Ok(()) => drafted = Some(pr),
            Err(e) => s.ui.warn(format!("could not leave PR #{pr} in draft: {e}")),
        }
    }
    let typed = s.panic_typed;
    let _ = s.journal.append(
        "panic",
        json!({"killed_groups": killed, "source": if typed { "prompt" } else { "signal" }, "draft_pr": drafted}),
    );
    print_block(s.ui, drafted);
    super::notify::send(
        s,
        &format!(
            "🚨 PANIC: run-milestone {} halted{}",
            s.id,
            drafted.map(|p| format!("; PR #{p} left in draft")).unwrap_or_default()
        ),
    );
    if typed {
        let origin = crate::safety::revoke::token_origin();
        let mut read = || s.decider.read_line();
        crate::safety::revoke::ask(s.ui, &origin, Some(&mut read));
    }
}
