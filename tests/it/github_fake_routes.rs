//! The fake GitHub's routes: each known `METHOD path` answered the way GitHub's REST and GraphQL
//! documentation describes, against the fake's state. `None` means "unknown request".

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::github_fake::{AutoMerge, Label, OWNER, Pr, REPO, Run, State};
use crate::github_fake_git as fgit;

type Answer = Option<(u16, Value)>;

fn validation(errors: Value) -> Answer {
    Some((
        422,
        json!({"message": "Validation Failed", "errors": errors, "documentation_url": "https://docs.github.com/rest", "status": "422"}),
    ))
}

fn not_found() -> Answer {
    Some((404, json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})))
}

pub fn route(st: &mut State, method: &str, path: &str, query: &BTreeMap<String, String>, body: &Value) -> Answer {
    let graphql = if st.prefix.is_empty() { "/graphql".to_string() } else { "/api/graphql".to_string() };
    if method == "POST" && path == graphql {
        return graphql_route(st, body);
    }
    let repo = format!("{}/repos/{OWNER}/{REPO}", st.prefix);
    let rest = path.strip_prefix(&repo)?;
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (method, segs.as_slice()) {
        ("GET", []) => Some((
            200,
            json!({"id": 1, "node_id": "R_fake", "name": REPO, "full_name": format!("{OWNER}/{REPO}"), "private": true,
                   "owner": {"login": OWNER, "id": 2}, "default_branch": st.default_branch, "allow_auto_merge": true,
                   "permissions": {"admin": false, "maintain": false, "push": st.can_push, "triage": true, "pull": true}}),
        )),
        ("GET", ["pulls"]) => list(st, query),
        ("POST", ["pulls"]) => create(st, body),
        ("GET", ["pulls", n]) => {
            let number: u64 = n.parse().ok()?;
            auto_merge_when_due(st, number);
            match st.prs.iter().find(|p| p.number == number).cloned() {
                Some(pr) => Some((200, st.pr_json(&pr, true))),
                None => not_found(),
            }
        }
        ("PUT", ["pulls", n, "merge"]) => merge(st, n.parse().ok()?, body),
        ("PUT", ["pulls", n, "update-branch"]) => update_branch(st, n.parse().ok()?, body),
        ("GET", ["labels", ..]) => {
            let name = rest.strip_prefix("/labels/")?;
            match st.label(name) {
                Some(l) => Some((
                    200,
                    json!({"id": 1, "name": l.name, "color": l.color, "description": l.description, "default": false}),
                )),
                None => not_found(),
            }
        }
        ("POST", ["labels"]) => {
            let name = body["name"].as_str()?.to_string();
            if st.label(&name).is_some() {
                return validation(json!([{"resource": "Label", "code": "already_exists", "field": "name"}]));
            }
            let l = Label {
                name: name.clone(),
                color: body["color"].as_str().unwrap_or("ededed").into(),
                description: body["description"].as_str().unwrap_or("").into(),
            };
            st.labels.push(l.clone());
            Some((
                201,
                json!({"id": 2, "name": l.name, "color": l.color, "description": l.description, "default": false}),
            ))
        }
        ("POST", ["issues", n, "labels"]) => {
            let number: u64 = n.parse().ok()?;
            let names: Vec<String> =
                body["labels"].as_array()?.iter().filter_map(|v| v.as_str().map(String::from)).collect();
            for name in &names {
                // Like GitHub: a label that does not exist is created, without colour or description.
                if st.label(name).is_none() {
                    st.labels.push(Label { name: name.clone(), color: "ededed".into(), description: String::new() });
                }
            }
            let pr = st.prs.iter_mut().find(|p| p.number == number)?;
            for name in names {
                if !pr.labels.contains(&name) {
                    pr.labels.push(name);
                }
            }
            let all: Vec<Value> = pr.labels.iter().map(|n| json!({"name": n})).collect();
            Some((200, json!(all)))
        }
        ("GET", ["commits", sha, "check-runs"]) => {
            let sha = sha.to_string();
            let runs = match st.runs.get_mut(&sha) {
                Some(script) if script.len() > 1 => script.pop_front().unwrap_or_default(),
                Some(script) => script.front().cloned().unwrap_or_default(),
                None => {
                    let polls = st.polls.entry(sha.clone()).or_insert(0);
                    *polls += 1;
                    let polls = *polls;
                    if polls <= st.pending_polls {
                        st.default_runs.iter().map(|r| Run(r.0, "in_progress", None)).collect()
                    } else {
                        st.default_runs.clone()
                    }
                }
            };
            let items: Vec<Value> = runs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    json!({"id": 100 + i, "name": r.0, "head_sha": sha, "status": r.1, "conclusion": r.2,
                           "html_url": format!("https://github.com/{OWNER}/{REPO}/runs/{}", 100 + i),
                           "output": {"title": format!("{} {}", r.0, r.2.unwrap_or(r.1)), "summary": ""},
                           "app": {"slug": "github-actions"}})
                })
                .collect();
            Some((200, json!({"total_count": items.len(), "check_runs": items})))
        }
        ("GET", ["commits", sha, "status"]) => {
            let statuses = st.statuses.get(*sha).cloned().unwrap_or_default();
            let state = if statuses.iter().any(|s| s.1 == "failure" || s.1 == "error") {
                "failure"
            } else if statuses.is_empty() || statuses.iter().any(|s| s.1 == "pending") {
                "pending"
            } else {
                "success"
            };
            let items: Vec<Value> = statuses
                .iter()
                .map(|(c, s)| json!({"context": c, "state": s, "description": format!("{c}: {s}"), "target_url": "https://ci.example.com/1"}))
                .collect();
            Some((200, json!({"state": state, "sha": sha, "total_count": items.len(), "statuses": items})))
        }
        ("GET", ["compare", ..]) => {
            let (base, head) = rest.strip_prefix("/compare/")?.split_once("...")?;
            let behind = match st.git.clone() {
                Some(dir) => fgit::behind_by(&dir, base, head),
                None => st.prs.iter().find(|p| p.base == base && st.head_of(p) == head).map_or(0, |p| p.behind_by),
            };
            let status = if behind > 0 { "diverged" } else { "ahead" };
            Some((
                200,
                json!({"status": status, "ahead_by": 1, "behind_by": behind, "total_commits": 1, "commits": [], "files": []}),
            ))
        }
        _ => None,
    }
}

fn list(st: &mut State, query: &BTreeMap<String, String>) -> Answer {
    let state = query.get("state").map_or("open", String::as_str);
    let head = query.get("head").map(|h| h.strip_prefix(&format!("{OWNER}:")).unwrap_or(h).to_string());
    let mut prs: Vec<Pr> = st
        .prs
        .iter()
        .filter(|p| match state {
            "all" => true,
            "closed" => !p.open,
            _ => p.open,
        })
        .filter(|p| head.as_ref().is_none_or(|h| &p.head == h))
        .filter(|p| query.get("base").is_none_or(|b| &p.base == b))
        .cloned()
        .collect();
    if query.get("direction").map(String::as_str) != Some("asc") {
        prs.reverse();
    }
    let per_page: usize = query.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
    let page: usize = query.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
    let items: Vec<Value> =
        prs.iter().skip((page - 1) * per_page).take(per_page).map(|p| st.pr_json(p, false)).collect();
    Some((200, json!(items)))
}

fn create(st: &mut State, body: &Value) -> Answer {
    let (Some(head), Some(base), Some(title)) = (body["head"].as_str(), body["base"].as_str(), body["title"].as_str())
    else {
        return validation(json!([{"resource": "PullRequest", "code": "missing_field"}]));
    };
    if st.tip(head).is_none() {
        return validation(json!([{"resource": "PullRequest", "field": "head", "code": "invalid"}]));
    }
    if st.tip(base).is_none() {
        return validation(json!([{"resource": "PullRequest", "field": "base", "code": "invalid"}]));
    }
    if st.prs.iter().any(|p| p.open && p.head == head) {
        return validation(
            json!([{"resource": "PullRequest", "code": "custom", "message": format!("A pull request already exists for {OWNER}:{head}.")}]),
        );
    }
    let number = st.prs.iter().map(|p| p.number).max().unwrap_or(0) + 1;
    let pr = Pr {
        number,
        title: title.into(),
        body: body["body"].as_str().unwrap_or("").into(),
        head: head.into(),
        base: base.into(),
        head_sha: st.tip(head).unwrap_or_default(),
        open: true,
        merged_sha: None,
        draft: body["draft"].as_bool().unwrap_or(false),
        labels: Vec::new(),
        behind_by: 0,
        auto_merge: false,
        conflict: false,
        auto_merge_in: None,
    };
    st.prs.push(pr.clone());
    if st.advance_base_on_pr == Some(number)
        && let Some(dir) = st.git.clone()
    {
        fgit::empty_commit(&dir, base, "meanwhile on the base");
    }
    if let Some((n, to)) = st.retarget_on_pr.clone()
        && n == number
    {
        st.pr(number).base = to;
    }
    Some((201, st.pr_json(&pr, true)))
}

/// GitHub's auto-merge at work: an open PR with auto-merge enabled is merged on its due read.
fn auto_merge_when_due(st: &mut State, number: u64) {
    let Some(pr) = st.prs.iter_mut().find(|p| p.number == number && p.open && p.auto_merge) else { return };
    match pr.auto_merge_in {
        Some(n) if n > 1 => pr.auto_merge_in = Some(n - 1),
        Some(_) => {
            pr.auto_merge_in = None;
            merge(st, number, &json!({"merge_method": "squash"}));
        }
        None => {}
    }
}

fn merge(st: &mut State, number: u64, body: &Value) -> Answer {
    if st.push_head_on_merge == Some(number) {
        st.push_head_on_merge = None;
        let head = st.prs.iter().find(|p| p.number == number)?.head.clone();
        match st.git.clone() {
            Some(dir) => {
                fgit::empty_commit(&dir, &head, "pushed while the merge was asked for")?;
            }
            None => {
                st.push(&head);
            }
        }
    }
    let pr = st.prs.iter().find(|p| p.number == number)?.clone();
    if !pr.open || pr.conflict {
        return Some((405, json!({"message": "Pull Request is not mergeable"})));
    }
    if pr.draft {
        return Some((405, json!({"message": "Pull Request is still a draft"})));
    }
    let head = st.head_of(&pr);
    if body["sha"].as_str().is_some_and(|s| s != head) {
        return Some((409, json!({"message": "Head branch was modified. Review and try the merge again."})));
    }
    let message = format!("{} (#{number})", pr.title);
    let merged = match st.git.clone() {
        Some(dir) => match fgit::squash(&dir, &pr.base, &pr.head, &message) {
            Some(sha) => sha,
            None => return Some((405, json!({"message": "Pull Request is not mergeable"}))),
        },
        None => {
            let sha = st.fresh_sha();
            st.branches.insert(pr.base.clone(), sha.clone());
            sha
        }
    };
    let p = st.pr(number);
    p.open = false;
    p.head_sha = head;
    p.merged_sha = Some(merged.clone());
    Some((200, json!({"sha": merged, "merged": true, "message": "Pull Request successfully merged"})))
}

fn update_branch(st: &mut State, number: u64, body: &Value) -> Answer {
    let pr = st.prs.iter().find(|p| p.number == number)?.clone();
    let head = st.head_of(&pr);
    if body["expected_head_sha"].as_str().is_some_and(|s| s != head) {
        return Some((422, json!({"message": "expected_head_sha does not match the pull request's head"})));
    }
    match st.git.clone() {
        Some(dir) => {
            if fgit::behind_by(&dir, &pr.base, &head) == 0 {
                return Some((422, json!({"message": "There are no new commits on the base branch."})));
            }
            fgit::merge_base_into_head(&dir, &pr.base, &pr.head)?;
        }
        None => {
            if pr.behind_by == 0 {
                return Some((422, json!({"message": "There are no new commits on the base branch."})));
            }
            st.push(&pr.head);
            st.pr(number).behind_by = 0;
        }
    }
    Some((
        202,
        json!({"message": "Updating pull request branch.", "url": format!("https://github.com/{OWNER}/{REPO}/pull/{number}")}),
    ))
}

fn graphql_route(st: &mut State, body: &Value) -> Answer {
    let query = body["query"].as_str()?;
    let id = body["variables"]["id"].as_str()?;
    let number: u64 = id.strip_prefix("PR_kwDOfake")?.parse().ok()?;
    let pr = st.prs.iter().find(|p| p.number == number)?.clone();
    let error = |message: &str, path: &str| {
        Some((
            200,
            json!({"data": {path: null}, "errors": [{"type": "UNPROCESSABLE", "path": [path], "locations": [{"line": 2, "column": 3}], "message": message}]}),
        ))
    };
    if query.contains("enablePullRequestAutoMerge") {
        let field = "enablePullRequestAutoMerge";
        if body["variables"]["sha"].as_str() != Some(st.head_of(&pr).as_str()) {
            return error("Head sha didn't match expected head sha", field);
        }
        return match st.auto_merge {
            AutoMerge::Clean => error("Pull request Pull request is in clean status", field),
            AutoMerge::Enable => {
                let due = st.auto_merge_after_reads;
                let p = st.pr(number);
                p.auto_merge = true;
                p.auto_merge_in = due;
                Some((
                    200,
                    json!({"data": {field: {"pullRequest": {"number": number, "state": "OPEN", "merged": false, "mergeCommit": null,
                    "autoMergeRequest": {"enabledAt": "2026-11-21T12:30:00Z", "mergeMethod": "SQUASH"}}}}}),
                ))
            }
        };
    }
    if query.contains("markPullRequestReadyForReview") {
        st.pr(number).draft = false;
        return Some((
            200,
            json!({"data": {"markPullRequestReadyForReview": {"pullRequest": {"number": number, "isDraft": false}}}}),
        ));
    }
    if query.contains("convertPullRequestToDraft") {
        st.pr(number).draft = true;
        return Some((
            200,
            json!({"data": {"convertPullRequestToDraft": {"pullRequest": {"number": number, "isDraft": true}}}}),
        ));
    }
    None
}
