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

/// Halts the run after `panic`: kills every process group we started, journals, prints the block.
pub fn halt(s: &mut Session) {
    let killed = crate::process::kill_all();
    let _ = s.log("panic", json!({"killed_groups": killed, "source": "prompt"}));
    print_block(s.ui, None);
}
