//! Pull requests over REST (create, get, find by head, list by base with state=all) and the
//! GraphQL conversions to draft and back to ready for review. GitHub's "A pull request already
//! exists" answer to a create means the PR is looked up and reused (only when it targets the
//! same base).

use serde::Deserialize;
use serde_json::json;

use super::client::{Client, Method, encode};
use crate::forge::{ForgeError, NewPr, PrState, PullRequest};

/// The fields of GitHub's pull-request object we read.
#[derive(Debug, Clone, Deserialize)]
pub struct GhPull {
    pub number: u64,
    #[serde(default)]
    pub node_id: String,
    #[serde(default)]
    pub title: String,
    pub body: Option<String>,
    pub state: String,
    #[serde(default)]
    pub draft: bool,
    pub merged: Option<bool>,
    pub merged_at: Option<String>,
    pub merge_commit_sha: Option<String>,
    pub html_url: Option<String>,
    pub head: GhRef,
    pub base: GhRef,
    #[serde(default)]
    pub labels: Vec<GhLabel>,
    pub mergeable: Option<bool>,
    pub mergeable_state: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhRef {
    #[serde(rename = "ref")]
    pub name: String,
    pub sha: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhLabel {
    pub name: String,
}

impl GhPull {
    pub fn pr_state(&self) -> PrState {
        match self.state.as_str() {
            "open" => PrState::Open,
            _ if self.merged == Some(true) || self.merged_at.is_some() => PrState::Merged,
            _ => PrState::Closed,
        }
    }

    /// The engine's view. `merged_sha` only once merged (GitHub fills `merge_commit_sha` with a
    /// test merge while the PR is open).
    pub fn to_pr(&self) -> PullRequest {
        let state = self.pr_state();
        PullRequest {
            number: self.number,
            title: self.title.clone(),
            body: self.body.clone().unwrap_or_default(),
            head: self.head.name.clone(),
            base: self.base.name.clone(),
            head_sha: self.head.sha.clone(),
            state,
            draft: self.draft,
            labels: self.labels.iter().map(|l| l.name.clone()).collect(),
            merged_sha: if state == PrState::Merged { self.merge_commit_sha.clone() } else { None },
            url: self.html_url.clone(),
        }
    }
}

/// Pages of 100; a list longer than this many pages is cut (and logged).
const MAX_PAGES: u32 = 50;

/// Documentation: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
pub fn get(c: &Client, number: u64) -> Result<GhPull, ForgeError> {
    let reply = c.send(Method::Get, &c.repo_path(&format!("/pulls/{number}")), None)?;
    if !reply.ok() {
        return Err(reply.error(&format!("get PR #{number}")));
    }
    reply.parse(&format!("get PR #{number}"))
}

/// Every PR matching `filter` (`head=…` or `base=…`), state=all, oldest first.
///
/// Documentation: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
pub fn list_where(c: &Client, filter: &str) -> Result<Vec<GhPull>, ForgeError> {
    let mut all = Vec::new();
    for page in 1..=MAX_PAGES {
        let path =
            c.repo_path(&format!("/pulls?state=all{filter}&sort=created&direction=asc&per_page=100&page={page}"));
        let reply = c.send(Method::Get, &path, None)?;
        if !reply.ok() {
            return Err(reply.error("list pull requests"));
        }
        let items: Vec<GhPull> = reply.parse("list pull requests")?;
        let n = items.len();
        all.extend(items);
        if n < 100 {
            return Ok(all);
        }
    }
    tracing::warn!("GitHub: more than {} pull requests match `{filter}`; only the first were read", MAX_PAGES * 100);
    Ok(all)
}

/// The newest PR whose head is `head` (this repository's branch), in any state.
pub fn find(c: &Client, head: &str) -> Result<Option<GhPull>, ForgeError> {
    let filter = format!("&head={}", encode(&format!("{}:{head}", c.owner)));
    let mut prs = list_where(c, &filter)?;
    // GitHub filters by head already; keep the check for safety (a fork's same-named branch).
    prs.retain(|p| p.head.name == head);
    Ok(prs.into_iter().max_by_key(|p| p.number))
}

/// PRs into `base` (every PR when `None`), open, closed and merged, oldest first.
pub fn list(c: &Client, base: Option<&str>) -> Result<Vec<PullRequest>, ForgeError> {
    let filter = base.map(|b| format!("&base={}", encode(b))).unwrap_or_default();
    let mut prs: Vec<PullRequest> = list_where(c, &filter)?.iter().map(GhPull::to_pr).collect();
    if let Some(b) = base {
        prs.retain(|p| p.base == b);
    }
    prs.sort_by_key(|p| p.number);
    Ok(prs)
}

/// Opens the PR; an existing open PR from the same head into the same base is reused.
///
/// Documentation: https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request
pub fn create(c: &Client, new: &NewPr) -> Result<PullRequest, ForgeError> {
    let body = json!({
        "title": new.title,
        "body": new.body,
        "head": new.head,
        "base": new.base,
        "draft": new.draft,
    });
    let reply = c.send(Method::Post, &c.repo_path("/pulls"), Some(&body))?;
    if reply.ok() {
        let pr: GhPull = reply.parse("create a pull request")?;
        tracing::debug!(number = pr.number, head = %new.head, base = %new.base, "GitHub: PR opened");
        return Ok(pr.to_pr());
    }
    if reply.status == 422 && reply.message().contains("A pull request already exists") {
        let existing = find(c, &new.head)?.filter(|p| p.pr_state() == PrState::Open);
        let Some(existing) = existing else { return Err(reply.error("create a pull request")) };
        if existing.base.name != new.base {
            return Err(ForgeError::Other(format!(
                "GitHub: PR #{} from `{}` is already open into `{}`, not `{}`: close or re-target it",
                existing.number, new.head, existing.base.name, new.base
            )));
        }
        tracing::debug!(number = existing.number, head = %new.head, "GitHub: reusing the open PR");
        return Ok(existing.to_pr());
    }
    Err(reply.error("create a pull request"))
}

/// Converts the PR to a draft (the seed's panic leaves the open PR in draft); `false` when it
/// was a draft already.
///
/// Documentation: https://docs.github.com/en/graphql/reference/mutations#convertpullrequesttodraft
pub fn mark_draft(c: &Client, number: u64) -> Result<bool, ForgeError> {
    let pr = get(c, number)?;
    if pr.draft {
        return Ok(false);
    }
    let reply = c.graphql(
        "mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) { pullRequest { number isDraft } } }",
        json!({ "id": pr.node_id }),
    )?;
    if !reply.errors.is_empty() {
        return Err(ForgeError::Other(format!("GitHub: draft PR #{number}: {}", reply.errors.join("; "))));
    }
    if reply.data["convertPullRequestToDraft"]["pullRequest"]["isDraft"] != json!(true) {
        return Err(ForgeError::Other(format!("GitHub: draft PR #{number}: GitHub did not confirm the draft")));
    }
    Ok(true)
}

/// Marks the draft PR ready for review (a resumed run undoes the draft its panic made).
///
/// Documentation: https://docs.github.com/en/graphql/reference/mutations#markpullrequestreadyforreview
pub fn mark_ready(c: &Client, number: u64) -> Result<(), ForgeError> {
    let pr = get(c, number)?;
    if !pr.draft {
        return Ok(());
    }
    let reply = c.graphql(
        "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { number isDraft } } }",
        json!({ "id": pr.node_id }),
    )?;
    if !reply.errors.is_empty() {
        return Err(ForgeError::Other(format!("GitHub: ready for review PR #{number}: {}", reply.errors.join("; "))));
    }
    if reply.data["markPullRequestReadyForReview"]["pullRequest"]["isDraft"] != json!(false) {
        return Err(ForgeError::Other(format!(
            "GitHub: ready for review PR #{number}: GitHub did not confirm it is no longer a draft"
        )));
    }
    Ok(())
}
