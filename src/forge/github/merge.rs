//! The sha-guarded squash merge and bringing a PR up to date with its base.
//!
//! Merge: refused unless the PR is open, not a draft, its head is still the SHA whose checks
//! the engine verified (`HeadMoved` otherwise) and that head is not behind its base (compare:
//! `behind_by` is 0; an update GitHub refused or did not finish is named). Then GraphQL
//! `enablePullRequestAutoMerge`
//! (squash, `expectedHeadOid` = that SHA). GitHub's `Pull request is in clean status` error means
//! the PR is mergeable right now: a REST squash merge with `sha` = that SHA follows, and its
//! `409 Head branch was modified` is `HeadMoved`, never "merged". When GitHub merely *enables*
//! auto-merge (its branch protection still waits for something), the outcome is
//! `Refused { reason: AUTO_MERGE_ENABLED }`: nothing is merged yet; the engine then polls the PR
//! (up to `forge.checks_timeout_seconds`) and leaves it for review if GitHub has not merged it
//! by then (the next run's reconcile finds it merged).

use std::time::{Duration, Instant};

use serde_json::json;

use super::client::{Client, Method, encode};
use super::pulls::{self, GhPull};
use crate::forge::{BranchUpdate, ForgeError, MergeOutcome, PrState};

/// The `Refused` reason when GitHub enabled auto-merge instead of merging.
pub const AUTO_MERGE_ENABLED: &str = "auto-merge enabled: GitHub merges when required checks pass";

fn refused(reason: String) -> Result<MergeOutcome, ForgeError> {
    Ok(MergeOutcome::Refused { reason })
}

fn conflict(pr: &GhPull) -> MergeOutcome {
    MergeOutcome::Conflict {
        files: vec![format!(
            "GitHub reports a conflict between `{}` and `{}`{}",
            pr.head.name,
            pr.base.name,
            pr.html_url.as_deref().map(|u| format!(" ({u})")).unwrap_or_default()
        )],
    }
}

/// Squash-merges `pr` (as just read from GitHub) only if its head is still `expected` and up to
/// date with its base. `not_updated`: why the last update of its branch did not happen
/// ([`BranchUpdate::NotUpdated`], passed by the engine), named when the head is behind.
pub fn merge(
    c: &Client,
    auto_merge: bool,
    pr: GhPull,
    expected: &str,
    not_updated: Option<&str>,
) -> Result<MergeOutcome, ForgeError> {
    let number = pr.number;
    match pr.pr_state() {
        PrState::Open => {}
        PrState::Merged if pr.head.sha == expected => {
            // Merged by GitHub's auto-merge since: the verified head is what went in.
            let sha = pr.merge_commit_sha.clone().unwrap_or_default();
            return Ok(MergeOutcome::Merged { sha });
        }
        PrState::Merged => return refused(format!("PR #{number} is already merged (with head {})", pr.head.sha)),
        PrState::Closed => return refused(format!("PR #{number} is closed")),
    }
    if pr.draft {
        return refused(format!("PR #{number} is a draft"));
    }
    if pr.head.sha != expected {
        return Ok(MergeOutcome::HeadMoved { expected: expected.to_string(), actual: pr.head.sha });
    }
    if pr.mergeable == Some(false) && pr.mergeable_state.as_deref() == Some("dirty") {
        return Ok(conflict(&pr));
    }
    // The seed's hard requirement: never merge a branch that is behind its base.
    let behind = behind_by(c, &pr.base.name, expected)?;
    if behind > 0 {
        let commits = if behind == 1 { "1 commit".to_string() } else { format!("{behind} commits") };
        let why = not_updated.map(|w| format!(" and {w}")).unwrap_or_default();
        return refused(format!(
            "PR #{number} is {commits} behind `{}`{why}: not merged (the branch must be up to date with its base)",
            pr.base.name
        ));
    }
    if auto_merge {
        match enable_auto_merge(c, &pr, expected)? {
            Auto::Merged(sha) => return Ok(MergeOutcome::Merged { sha }),
            Auto::Enabled => return refused(AUTO_MERGE_ENABLED.into()),
            Auto::Clean => tracing::debug!(number, "GitHub: PR is in clean status, merging over REST"),
            Auto::Failed(message) => {
                let now = pulls::get(c, number)?;
                if now.head.sha != expected {
                    return Ok(MergeOutcome::HeadMoved { expected: expected.to_string(), actual: now.head.sha });
                }
                return refused(format!("GitHub refused auto-merge of PR #{number}: {message}"));
            }
        }
    }
    rest_merge(c, &pr, expected)
}

enum Auto {
    Merged(String),
    Enabled,
    Clean,
    Failed(String),
}

/// Documentation: https://docs.github.com/en/graphql/reference/mutations#enablepullrequestautomerge
fn enable_auto_merge(c: &Client, pr: &GhPull, expected: &str) -> Result<Auto, ForgeError> {
    let reply = c.graphql(
        "mutation($id: ID!, $sha: GitObjectID!) {\n  enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH, expectedHeadOid: $sha}) {\n    pullRequest { number state merged mergeCommit { oid } autoMergeRequest { enabledAt mergeMethod } }\n  }\n}",
        json!({ "id": pr.node_id, "sha": expected }),
    )?;
    if reply.errors.iter().any(|e| e.contains("is in clean status")) {
        return Ok(Auto::Clean);
    }
    if !reply.errors.is_empty() {
        return Ok(Auto::Failed(reply.errors.join("; ")));
    }
    let result = &reply.data["enablePullRequestAutoMerge"]["pullRequest"];
    if result["merged"] == json!(true) {
        return Ok(Auto::Merged(result["mergeCommit"]["oid"].as_str().unwrap_or_default().to_string()));
    }
    if result["autoMergeRequest"].is_object() {
        return Ok(Auto::Enabled);
    }
    Ok(Auto::Failed("GitHub did not confirm auto-merge".into()))
}

/// Documentation: https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request
fn rest_merge(c: &Client, pr: &GhPull, expected: &str) -> Result<MergeOutcome, ForgeError> {
    let number = pr.number;
    let body = json!({ "sha": expected, "merge_method": "squash" });
    let reply = c.send(Method::Put, &c.repo_path(&format!("/pulls/{number}/merge")), Some(&body))?;
    match reply.status {
        200 => {
            let v = reply.json();
            if v["merged"] != json!(true) {
                return refused(format!("GitHub did not merge PR #{number}: {}", reply.message()));
            }
            Ok(MergeOutcome::Merged { sha: v["sha"].as_str().unwrap_or_default().to_string() })
        }
        // Head branch was modified: re-evaluate, never "merged".
        409 => {
            let now = pulls::get(c, number)?;
            Ok(MergeOutcome::HeadMoved { expected: expected.to_string(), actual: now.head.sha })
        }
        405 => {
            let now = pulls::get(c, number)?;
            if now.pr_state() == PrState::Merged && now.head.sha == expected {
                // A retried request whose first attempt merged it.
                return Ok(MergeOutcome::Merged { sha: now.merge_commit_sha.unwrap_or_default() });
            }
            if now.mergeable_state.as_deref() == Some("dirty") {
                return Ok(conflict(&now));
            }
            refused(format!("GitHub: PR #{number} is not mergeable: {}", reply.message()))
        }
        403 | 422 => refused(format!("GitHub refused to merge PR #{number}: {}", reply.message())),
        _ => Err(reply.error(&format!("merge PR #{number}"))),
    }
}

/// How far `head` is behind `base` (commits on the base the head lacks).
///
/// Documentation: https://docs.github.com/en/rest/commits/commits#compare-two-commits
fn behind_by(c: &Client, base: &str, head: &str) -> Result<u64, ForgeError> {
    let basehead = format!("{}...{}", encode(base), encode(head));
    let reply = c.send(Method::Get, &c.repo_path(&format!("/compare/{basehead}?per_page=1")), None)?;
    if !reply.ok() {
        return Err(reply.error(&format!("compare {base} with {head}")));
    }
    Ok(reply.json()["behind_by"].as_u64().unwrap_or(0))
}

/// Merges the base into PR `number`'s head on GitHub when the head is behind it, then waits
/// (bounded) for the new head.
///
/// Documentation: https://docs.github.com/en/rest/pulls/pulls#update-a-pull-request-branch
pub fn update_branch(c: &Client, number: u64, timeout: Duration, poll: Duration) -> Result<BranchUpdate, ForgeError> {
    let pr = pulls::get(c, number)?;
    if pr.pr_state() != PrState::Open || behind_by(c, &pr.base.name, &pr.head.sha)? == 0 {
        return Ok(BranchUpdate::UpToDate);
    }
    let old = pr.head.sha.clone();
    let body = json!({ "expected_head_sha": old });
    let reply = c.send(Method::Put, &c.repo_path(&format!("/pulls/{number}/update-branch")), Some(&body))?;
    if reply.status == 422 {
        let message = reply.message();
        let now = pulls::get(c, number)?;
        if now.head.sha != old {
            // Someone pushed meanwhile: the engine waits for the new head's checks.
            return Ok(BranchUpdate::Moved(now.head.sha));
        }
        if behind_by(c, &now.base.name, &now.head.sha)? == 0 {
            return Ok(BranchUpdate::UpToDate);
        }
        // Still behind (a conflict GitHub has not reported as `dirty` yet, a rule, a permission):
        // the merge refuses it, with GitHub's message.
        tracing::warn!(number, "GitHub could not update PR #{number} with {}: {message}", pr.base.name);
        return Ok(BranchUpdate::NotUpdated(format!("GitHub could not update it (HTTP 422: {message})")));
    }
    if !reply.ok() {
        return Err(reply.error(&format!("update the branch of PR #{number}")));
    }
    // 202 Accepted: GitHub merges in the background; wait (bounded) for the head to move.
    let started = Instant::now();
    loop {
        let now = pulls::get(c, number)?;
        if now.head.sha != old {
            return Ok(BranchUpdate::Moved(now.head.sha));
        }
        if started.elapsed() >= timeout {
            tracing::warn!(number, "GitHub accepted the update of PR #{number} but its head has not moved yet");
            return Ok(BranchUpdate::NotUpdated(format!(
                "GitHub accepted its update but the head had not moved after {}s",
                timeout.as_secs()
            )));
        }
        if crate::safety::signals::sleep(poll.min(timeout.saturating_sub(started.elapsed()))).is_err() {
            return Err(ForgeError::Other(format!(
                "GitHub: the wait for PR #{number}'s updated head was stopped by a panic or an interrupt"
            )));
        }
    }
}
