//! Test coverage: when `test_command` writes an lcov or Cobertura report (`coverage_report`),
//! line coverage below `min_coverage` labels the PR `needs-test-review` (an elevated soft stop).

use std::path::Path;

use super::evaluate::{Evaluation, PolicyInput};

/// Line coverage in percent from a report's text: Cobertura (`<coverage line-rate="…">`, or
/// `lines-covered`/`lines-valid`) or lcov (`LF:`/`LH:` summed over files).
pub fn parse(text: &str) -> Result<f64, String> {
    if let Some(start) = text.find("<coverage") {
        let tag = &text[start..text[start..].find('>').map_or(text.len(), |e| start + e)];
        let attr = |name: &str| -> Option<f64> {
            let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            tag[at..].split('"').next()?.trim().parse().ok()
        };
        if let Some(rate) = attr("line-rate") {
            return Ok(rate * 100.0);
        }
        return match (attr("lines-covered"), attr("lines-valid")) {
            (Some(_), Some(0.0)) => Ok(100.0),
            (Some(c), Some(v)) => Ok(c / v * 100.0),
            _ => Err("a Cobertura <coverage> element without line-rate or lines-covered/lines-valid".into()),
        };
    }
    let (mut found, mut hit, mut any) = (0u64, 0u64, false);
    for line in text.lines() {
        let line = line.trim();
        if let Some(n) = line.strip_prefix("LF:") {
            found += n.trim().parse::<u64>().map_err(|e| format!("`{line}`: {e}"))?;
            any = true;
        } else if let Some(n) = line.strip_prefix("LH:") {
            hit += n.trim().parse::<u64>().map_err(|e| format!("`{line}`: {e}"))?;
        }
    }
    match (any, found) {
        (false, _) => Err("neither a Cobertura <coverage> element nor lcov LF:/LH: records".into()),
        (true, 0) => Ok(100.0),
        (true, f) => Ok(hit as f64 / f as f64 * 100.0),
    }
}

/// `50` for 50.0, `72.5` for 72.5.
fn number(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") }
}

pub(crate) fn check(input: &PolicyInput, ev: &mut Evaluation) {
    let Some(report) = input.config.coverage_report.as_deref() else { return };
    let path = input.workdir.join(Path::new(report));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) => {
            ev.notes.push(format!("⚠️ Coverage report not found: {report}"));
            return;
        }
    };
    let min = input.config.min_coverage;
    match parse(&text) {
        Ok(pct) if pct < min => {
            ev.notes.push(format!("⚠️ Low test coverage: {pct:.1}% (< {}%)", number(min)));
            ev.labels.insert(input.config.labels.coverage.clone());
        }
        Ok(pct) => ev.notes.push(format!("✓ Test coverage: {pct:.1}%")),
        Err(e) => ev.notes.push(format!("⚠️ Coverage report unreadable: {report}: {e}")),
    }
}

#[cfg(test)]
#[path = "coverage_tests.rs"]
mod tests;
