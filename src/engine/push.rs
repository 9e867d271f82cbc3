//! Pushing a branch with the seed's `🛑 Push failed` stop, one way for an issue's branch and for
//! the milestone branch (published in bootstrap): `retry` up to `policy.max_push_retries` times,
//! then `skip | abort` for an issue (its PR is skipped), `abort` alone for the milestone branch
//! (no issue to skip). Autonomous mode retries up to the limit, then skips or stops.

use super::decide::{Command, Stop, StopKind};
use super::session::{Halt, Session};
use crate::forge::ForgeError;
use crate::plan::IssueNo;

/// How a push ended, when the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    Done,
    /// `skip` at the stop (an issue's branch only), with the push's error.
    Skipped(String),
}

/// Pushes `branch` (of `issue`, or the milestone branch with `None`), asking at each rejection.
pub fn push_branch(s: &mut Session, branch: &str, issue: Option<IssueNo>) -> Result<Pushed, Halt> {
    let max = s.config.policy.max_push_retries;
    let mut retries = 0;
    loop {
        let message = match s.forge.push(branch) {
            Ok(()) => return Ok(Pushed::Done),
            Err(ForgeError::Push(message)) => message,
            Err(e) => return Err(s.forge_fail(e)),
        };
        let mut allowed = Vec::with_capacity(3);
        if retries < max {
            allowed.push(Command::Retry);
        }
        if issue.is_some() {
            allowed.push(Command::Skip);
        }
        allowed.push(Command::Abort);
        let stop = Stop::new(StopKind::PushFailed, "🛑 Push failed", vec![format!("Error: {message}")], &allowed);
        match s.decide(issue, &stop)?.command {
            Command::Retry => {
                retries += 1;
                s.ui.line("🔄 Retrying push...");
            }
            Command::Skip => return Ok(Pushed::Skipped(message)),
            _ if issue.is_some() => return Err(Halt::Abort("push failed".into())),
            _ => return Err(Halt::Abort(format!("push of {branch} failed"))),
        }
    }
}
