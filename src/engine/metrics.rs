//! `--metrics`: the seed's JSON (`milestone`, `mode`, `duration_seconds`, `issues`, `tasks`,
//! `reviews`, `commands_used`), plus per-issue detail, as the last thing on stdout or in a file.

use std::collections::BTreeMap;

use serde::Serialize;

use super::session::{IssueMetrics, RunOptions, Session, Stats};
use crate::ui::Ui;

#[derive(Serialize)]
struct Issues {
    attempted: usize,
    completed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct Tasks {
    total: u32,
    tdd_compliant: u32,
    tdd_violations: u32,
}

#[derive(Serialize)]
struct Reviews {
    spec_pass_first_try: u32,
    spec_required_fix: u32,
    quality_pass_first_try: u32,
    quality_required_fix: u32,
}

/// The document, fields in the seed's order.
#[derive(Serialize)]
struct Metrics<'a> {
    milestone: String,
    mode: &'static str,
    duration_seconds: u64,
    issues: Issues,
    tasks: Tasks,
    reviews: Reviews,
    commands_used: &'a BTreeMap<String, u32>,
    per_issue: BTreeMap<String, &'a IssueMetrics>,
}

/// The metrics JSON of a run so far (pretty-printed, redacted).
pub fn render(s: &Session) -> String {
    document(&s.id.to_string(), &s.opts, s.started.elapsed().as_secs(), &s.stats)
}

/// The document from its parts (a run that stopped in bootstrap has no session: its counters are
/// zero but for the quality gate's command).
pub fn document(milestone: &str, opts: &RunOptions, duration_seconds: u64, st: &Stats) -> String {
    let mode = if opts.autonomous {
        "autonomous"
    } else if opts.subagent {
        "subagent"
    } else {
        "interactive"
    };
    let m = Metrics {
        milestone: milestone.to_string(),
        mode,
        duration_seconds,
        issues: Issues { attempted: st.attempted.len(), completed: st.completed.len(), skipped: st.skipped.len() },
        tasks: Tasks { total: st.tasks_total, tdd_compliant: st.tdd_compliant, tdd_violations: st.tdd_violations },
        reviews: Reviews {
            spec_pass_first_try: st.spec_pass_first_try,
            spec_required_fix: st.spec_required_fix,
            quality_pass_first_try: st.quality_pass_first_try,
            quality_required_fix: st.quality_required_fix,
        },
        commands_used: &st.commands_used,
        per_issue: st.per_issue.iter().map(|(no, m)| (no.padded(), m)).collect(),
    };
    let mut value = serde_json::to_value(&m).unwrap_or_default();
    crate::safety::journal::redact_strings(&mut value);
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// Prints or writes the metrics as the opts ask.
pub fn emit(s: &Session) -> Result<(), crate::error::Error> {
    emit_document(s.ui, &s.opts, || render(s))
}

/// Prints `json()` last on stdout (`--metrics`) or writes it to `--metrics-file`; nothing
/// without either flag.
pub fn emit_document(ui: &Ui, opts: &RunOptions, json: impl FnOnce() -> String) -> Result<(), crate::error::Error> {
    if !opts.metrics && opts.metrics_file.is_none() {
        return Ok(());
    }
    let json = json();
    match &opts.metrics_file {
        Some(path) => crate::safety::atomic::write_atomic(path, format!("{json}\n").as_bytes())
            .map_err(|e| crate::error::Error::internal(format!("cannot write {}: {e}", path.display()))),
        None => {
            ui.line(json);
            Ok(())
        }
    }
}
