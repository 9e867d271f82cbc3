//! The checks of a PR's current head SHA, from both of GitHub's sources: check runs (GitHub
//! Actions and apps) and the combined commit status (older integrations). Any failure →
//! `Failure`; anything still running, or a required check not reported yet → `Pending`; nothing
//! reported at all → `Missing` (after a grace period in which CI may still be starting, when it
//! is `Pending`). Only all-green is `Success`: no green CI = no merge.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::client::{Client, Method, encode};
use super::pulls;
use crate::forge::{CheckState, Checks, ForgeError};

/// One check as reported, from either source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub name: String,
    pub state: CheckState,
    /// Why, and where to look (the check's title or description and its URL).
    pub detail: String,
}

#[derive(Debug, Deserialize)]
struct CheckRuns {
    total_count: u64,
    check_runs: Vec<CheckRun>,
}

#[derive(Debug, Deserialize)]
struct CheckRun {
    name: String,
    status: String,
    conclusion: Option<String>,
    html_url: Option<String>,
    output: Option<CheckOutput>,
}

#[derive(Debug, Deserialize)]
struct CheckOutput {
    title: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CombinedStatus {
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Debug, Deserialize)]
struct Status {
    context: String,
    state: String,
    description: Option<String>,
    target_url: Option<String>,
}

fn detail(parts: &[Option<&str>]) -> String {
    parts.iter().flatten().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" · ")
}

/// Documentation: https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference
fn check_runs(c: &Client, sha: &str) -> Result<Vec<Reported>, ForgeError> {
    let mut out = Vec::new();
    for page in 1..=10u32 {
        let path = c.repo_path(&format!("/commits/{}/check-runs?per_page=100&page={page}", encode(sha)));
        let reply = c.send(Method::Get, &path, None)?;
        if !reply.ok() {
            return Err(reply.error("list check runs"));
        }
        let runs: CheckRuns = reply.parse("list check runs")?;
        let n = runs.check_runs.len();
        for r in runs.check_runs {
            let state = match (r.status.as_str(), r.conclusion.as_deref()) {
                ("completed", Some("success" | "neutral" | "skipped")) => CheckState::Success,
                ("completed", _) => CheckState::Failure,
                _ => CheckState::Pending,
            };
            let outcome = if r.status == "completed" { r.conclusion.as_deref() } else { Some(r.status.as_str()) };
            let title = r.output.as_ref().and_then(|o| o.title.as_deref());
            out.push(Reported {
                name: r.name.clone(),
                state,
                detail: detail(&[outcome, title, r.html_url.as_deref()]),
            });
        }
        if n < 100 || out.len() as u64 >= runs.total_count {
            break;
        }
    }
    Ok(out)
}

/// Documentation: https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference
fn statuses(c: &Client, sha: &str) -> Result<Vec<Reported>, ForgeError> {
    let path = c.repo_path(&format!("/commits/{}/status?per_page=100", encode(sha)));
    let reply = c.send(Method::Get, &path, None)?;
    if !reply.ok() {
        return Err(reply.error("get the combined status"));
    }
    // The top-level `state` is `pending` when nothing reported: read the statuses themselves.
    let combined: CombinedStatus = reply.parse("get the combined status")?;
    Ok(combined
        .statuses
        .into_iter()
        .map(|s| {
            let state = match s.state.as_str() {
                "success" => CheckState::Success,
                "pending" => CheckState::Pending,
                _ => CheckState::Failure,
            };
            let d = detail(&[Some(s.state.as_str()), s.description.as_deref(), s.target_url.as_deref()]);
            Reported { name: s.context, state, detail: d }
        })
        .collect())
}

/// The checks of PR `number`'s current head. `first_seen` remembers when each head SHA was first
/// asked about (the grace period for CI to start).
pub fn for_pr(
    c: &Client,
    required: &[String],
    grace: Duration,
    first_seen: &mut HashMap<String, Instant>,
    number: u64,
) -> Result<Checks, ForgeError> {
    let pr = pulls::get(c, number)?;
    let sha = pr.head.sha;
    let mut reported = check_runs(c, &sha)?;
    reported.extend(statuses(c, &sha)?);
    let seen = *first_seen.entry(sha.clone()).or_insert_with(Instant::now);
    Ok(evaluate(&sha, &reported, required, seen.elapsed() < grace))
}

fn names(items: &[&Reported]) -> String {
    items.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// Combines what was reported for `sha` into one state (pure: the rules in one place).
pub fn evaluate(sha: &str, reported: &[Reported], required: &[String], in_grace: bool) -> Checks {
    let short = &sha[..sha.len().min(7)];
    let n = reported.len();
    let failed: Vec<&Reported> = reported.iter().filter(|r| r.state == CheckState::Failure).collect();
    let pending: Vec<&Reported> = reported.iter().filter(|r| r.state == CheckState::Pending).collect();
    let absent: Vec<&str> =
        required.iter().map(String::as_str).filter(|name| !reported.iter().any(|r| r.name == *name)).collect();
    let details = failed.iter().map(|r| format!("✗ {}: {}", r.name, r.detail)).collect::<Vec<_>>().join("\n");
    let checks = |state, summary: String| Checks { sha: sha.to_string(), state, summary, details: details.clone() };
    if !failed.is_empty() {
        return checks(CheckState::Failure, format!("{} of {n} checks failed: {}", failed.len(), names(&failed)));
    }
    if n == 0 {
        return if in_grace {
            checks(CheckState::Pending, format!("no checks reported yet for {short} (CI may still be starting)"))
        } else {
            checks(CheckState::Missing, format!("no checks reported for {short} (no green CI = no merge)"))
        };
    }
    if !pending.is_empty() {
        return checks(CheckState::Pending, format!("{} of {n} checks pending: {}", pending.len(), names(&pending)));
    }
    if !absent.is_empty() {
        let summary =
            format!("required check{} not reported: {}", if absent.len() == 1 { "" } else { "s" }, absent.join(", "));
        return checks(if in_grace { CheckState::Pending } else { CheckState::Missing }, summary);
    }
    let summary =
        if n == 1 { format!("1 check passed ({})", reported[0].name) } else { format!("{n} of {n} checks passed") };
    checks(CheckState::Success, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, state: CheckState) -> Reported {
        Reported { name: name.into(), state, detail: format!("{name} detail") }
    }

    #[test]
    fn the_rules() {
        use CheckState::*;
        let sha = "0123456789abcdef";
        let req = vec!["test".to_string()];
        let e = |rep: &[Reported], required: &[String], grace| evaluate(sha, rep, required, grace);
        assert_eq!(e(&[], &[], true).state, Pending);
        let none = e(&[], &[], false);
        assert_eq!(
            (none.state, none.summary.as_str()),
            (Missing, "no checks reported for 0123456 (no green CI = no merge)")
        );
        let fail = e(&[r("test", Success), r("lint", Failure), r("ci/x", Pending)], &req, false);
        assert_eq!((fail.state, fail.summary.as_str()), (Failure, "1 of 3 checks failed: lint"));
        assert_eq!(fail.details, "✗ lint: lint detail");
        let pend = e(&[r("test", Success), r("ci/x", Pending)], &req, false);
        assert_eq!((pend.state, pend.summary.as_str()), (Pending, "1 of 2 checks pending: ci/x"));
        assert_eq!(e(&[r("lint", Success)], &req, true).state, Pending);
        let absent = e(&[r("lint", Success)], &req, false);
        assert_eq!((absent.state, absent.summary.as_str()), (Missing, "required check not reported: test"));
        let ok = e(&[r("test", Success), r("lint", Success)], &req, false);
        assert_eq!((ok.state, ok.summary.as_str(), ok.sha.as_str()), (Success, "2 of 2 checks passed", sha));
        assert_eq!(e(&[r("test", Success)], &[], false).summary, "1 check passed (test)");
    }
}
