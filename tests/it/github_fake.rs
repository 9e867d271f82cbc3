//! A small stateful fake GitHub behind a local HTTP server (wiremock), serving GitHub's
//! documented JSON shapes for the calls the GitHub forge makes: the repository (with the
//! `X-OAuth-Scopes` header), pulls (list, create with the 422 "already exists", get, merge with
//! the sha guard and 409, refusing drafts, update-branch), compare, labels, check runs, combined
//! statuses and the GraphQL mutations (auto-merge, draft, ready for review). Branches live in
//! memory, or in a real bare repository (`git`), where merges are real squash merges. Failures
//! can be injected, and so can what others do on GitHub meanwhile (a commit on a PR's base or
//! head, a re-targeted PR, auto-merge completing); any request the fake does not know is
//! recorded and fails the test when the fake is dropped.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::github_fake_git as fgit;

pub const OWNER: &str = "acme";
pub const REPO: &str = "tools";
pub const TOKEN: &str = "fake-token-0123";

#[derive(Debug, Clone)]
pub struct Pr {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub head: String,
    pub base: String,
    /// Frozen head once merged or closed (an open PR follows its branch).
    pub head_sha: String,
    pub open: bool,
    pub merged_sha: Option<String>,
    pub draft: bool,
    pub labels: Vec<String>,
    /// Memory branches: how far the head is behind the base.
    pub behind_by: u64,
    pub auto_merge: bool,
    /// Conflicts with its base (GitHub's `mergeable: false`, `mergeable_state: dirty`).
    pub conflict: bool,
    /// Once auto-merge is enabled: GitHub merges it on this many-th read of the PR.
    pub auto_merge_in: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub name: String,
    pub color: String,
    pub description: String,
}

/// A check run: name, status (`queued`, `in_progress`, `completed`), conclusion.
#[derive(Debug, Clone)]
pub struct Run(pub &'static str, pub &'static str, pub Option<&'static str>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoMerge {
    /// GitHub's "Pull request is in clean status" error (the PR is mergeable now).
    Clean,
    /// Auto-merge gets enabled; nothing is merged.
    Enable,
}

/// The next `times` requests whose method matches and whose path contains `path` get this answer.
#[derive(Debug, Clone)]
pub struct Failure {
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
    pub times: u32,
    /// Do the work first, then answer with the failure (a lost answer).
    pub after: bool,
}

pub struct State {
    pub default_branch: String,
    pub scopes: Option<String>,
    pub token: String,
    /// `/api/v3` to play GitHub Enterprise Server (GraphQL then lives at `/api/graphql`).
    pub prefix: String,
    /// A bare repository holding the branches (merges are real); else `branches`.
    pub git: Option<PathBuf>,
    pub branches: BTreeMap<String, String>,
    pub prs: Vec<Pr>,
    pub labels: Vec<Label>,
    /// Per SHA, the check runs of each successive poll (the last one stays).
    pub runs: BTreeMap<String, VecDeque<Vec<Run>>>,
    /// For a SHA without a script: `default_runs`, after `pending_polls` polls of it in progress.
    pub default_runs: Vec<Run>,
    pub pending_polls: u32,
    pub polls: BTreeMap<String, u32>,
    /// Per SHA: (context, state) commit statuses.
    pub statuses: BTreeMap<String, Vec<(&'static str, &'static str)>>,
    pub auto_merge: AutoMerge,
    /// When PR #n is opened (git branches), someone else adds a commit to its base: the PR is
    /// then behind and needs `update-branch`.
    pub advance_base_on_pr: Option<u64>,
    /// When PR #n is opened, someone re-targets it on GitHub to this base.
    pub retarget_on_pr: Option<(u64, String)>,
    /// The first merge request of PR #n finds that someone pushed to its head meanwhile (git
    /// branches): GitHub's sha guard answers `409 Head branch was modified`.
    pub push_head_on_merge: Option<u64>,
    /// With `AutoMerge::Enable`: GitHub merges the PR on the n-th read after enabling
    /// (its requirements met meanwhile); `None`: never.
    pub auto_merge_after_reads: Option<u32>,
    /// The repository's `permissions.push` for the token.
    pub can_push: bool,
    pub failures: Vec<Failure>,
    /// `METHOD /path?query` of every request.
    pub log: Vec<String>,
    /// `METHOD /path` and the JSON body of every request with one.
    pub bodies: Vec<(String, Value)>,
    pub unexpected: Vec<String>,
    /// Each Authorization header seen.
    pub auth: Vec<String>,
    counter: u64,
}

impl State {
    fn new() -> State {
        State {
            default_branch: "main".into(),
            scopes: Some("repo, read:org, workflow".into()),
            token: TOKEN.into(),
            prefix: String::new(),
            git: None,
            branches: BTreeMap::new(),
            prs: Vec::new(),
            labels: Vec::new(),
            runs: BTreeMap::new(),
            default_runs: Vec::new(),
            pending_polls: 0,
            polls: BTreeMap::new(),
            statuses: BTreeMap::new(),
            auto_merge: AutoMerge::Clean,
            advance_base_on_pr: None,
            retarget_on_pr: None,
            push_head_on_merge: None,
            auto_merge_after_reads: None,
            can_push: true,
            failures: Vec::new(),
            log: Vec::new(),
            bodies: Vec::new(),
            unexpected: Vec::new(),
            auth: Vec::new(),
            counter: 0,
        }
    }

    /// A new 40-hex SHA (memory branches).
    pub fn fresh_sha(&mut self) -> String {
        self.counter += 1;
        format!("{:040x}", 0xabc0_0000_u64 + self.counter)
    }

    /// Sets a memory branch to a new SHA (a push) and returns it.
    pub fn push(&mut self, branch: &str) -> String {
        let sha = self.fresh_sha();
        self.branches.insert(branch.into(), sha.clone());
        sha
    }

    pub fn tip(&self, branch: &str) -> Option<String> {
        match &self.git {
            Some(dir) => fgit::rev(dir, &format!("refs/heads/{branch}")),
            None => self.branches.get(branch).cloned(),
        }
    }

    pub fn head_of(&self, pr: &Pr) -> String {
        if pr.open { self.tip(&pr.head).unwrap_or_else(|| pr.head_sha.clone()) } else { pr.head_sha.clone() }
    }

    pub fn pr(&mut self, number: u64) -> &mut Pr {
        self.prs.iter_mut().find(|p| p.number == number).unwrap_or_else(|| panic!("no PR #{number} in the fake"))
    }

    /// Adds a PR directly (as if made on GitHub by someone).
    pub fn add_pr(&mut self, head: &str, base: &str, open: bool, merged: bool) -> u64 {
        let number = self.prs.iter().map(|p| p.number).max().unwrap_or(0) + 1;
        let head_sha = self.tip(head).unwrap_or_else(|| self.fresh_sha());
        let merged_sha = merged.then(|| self.fresh_sha());
        self.prs.push(Pr {
            number,
            title: format!("PR from {head}"),
            body: String::new(),
            head: head.into(),
            base: base.into(),
            head_sha,
            open,
            merged_sha,
            draft: false,
            labels: Vec::new(),
            behind_by: 0,
            auto_merge: false,
            conflict: false,
            auto_merge_in: None,
        });
        number
    }

    /// Injects `times` answers `status` with `body` for `method` on paths containing `path`.
    pub fn fail(&mut self, method: &'static str, path: &str, status: u16, body: Value, times: u32) {
        self.failures.push(Failure {
            method,
            path: path.into(),
            status,
            body,
            headers: Vec::new(),
            times,
            after: false,
        });
    }

    pub fn label(&self, name: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.name == name)
    }

    pub fn pr_json(&self, pr: &Pr, full: bool) -> Value {
        let n = pr.number;
        let merged = pr.merged_sha.is_some();
        let labels: Vec<Value> = pr
            .labels
            .iter()
            .map(|name| {
                let color = self.label(name).map_or("ededed".to_string(), |l| l.color.clone());
                json!({"id": 1, "node_id": "LA_x", "name": name, "color": color, "default": false})
            })
            .collect();
        let base_sha = self.tip(&pr.base).unwrap_or_else(|| "0".repeat(40));
        let repo = json!({"id": 1, "name": REPO, "full_name": format!("{OWNER}/{REPO}")});
        let mut v = json!({
            "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/pulls/{n}"),
            "id": 1000 + n,
            "node_id": format!("PR_kwDOfake{n}"),
            "number": n,
            "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/{n}"),
            "state": if pr.open { "open" } else { "closed" },
            "locked": false,
            "title": pr.title,
            "body": pr.body,
            "user": {"login": "run-milestone-bot", "id": 7},
            "labels": labels,
            "created_at": "2026-11-21T12:00:00Z",
            "updated_at": "2026-11-21T12:00:00Z",
            "closed_at": if pr.open { Value::Null } else { json!("2026-11-21T13:00:00Z") },
            "merged_at": if merged { json!("2026-11-21T13:00:00Z") } else { Value::Null },
            // GitHub fills this with a test merge while the PR is open.
            "merge_commit_sha": pr.merged_sha.clone().unwrap_or_else(|| "e".repeat(40)),
            "draft": pr.draft,
            "head": {"label": format!("{OWNER}:{}", pr.head), "ref": pr.head, "sha": self.head_of(pr), "repo": repo.clone()},
            "base": {"label": format!("{OWNER}:{}", pr.base), "ref": pr.base, "sha": base_sha, "repo": repo},
            "auto_merge": if pr.auto_merge { json!({"merge_method": "squash", "commit_title": null, "commit_message": null, "enabled_by": null}) } else { Value::Null },
        });
        if full {
            // Only the single-PR endpoint has these.
            v["merged"] = json!(merged);
            v["mergeable"] = json!(pr.open && !pr.conflict);
            let state = if pr.conflict {
                "dirty"
            } else if pr.behind_by > 0 {
                "behind"
            } else {
                "clean"
            };
            v["mergeable_state"] = json!(if pr.open { state } else { "unknown" });
        }
        v
    }
}

/// The fake: the server, the runtime that started it, and the shared state.
pub struct FakeGithub {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
    _rt: tokio::runtime::Runtime,
}

struct Responder(Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let method = req.method.as_str().to_string();
        let path = fgit::decode(req.url.path());
        let query: BTreeMap<String, String> = req.url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
        st.log.push(match req.url.query() {
            Some(q) => format!("{method} {path}?{}", fgit::decode(q)),
            None => format!("{method} {path}"),
        });
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        if !body.is_null() {
            st.bodies.push((format!("{method} {path}"), body.clone()));
        }
        let auth = req.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        st.auth.push(auth.clone());
        let scopes = st.scopes.clone();
        let with_scopes = |t: ResponseTemplate| match &scopes {
            Some(s) => t.insert_header("X-OAuth-Scopes", s.as_str()).insert_header("X-Accepted-OAuth-Scopes", "repo"),
            None => t,
        };
        if let Some(f) = st.failures.iter_mut().find(|f| f.times > 0 && f.method == method && path.contains(&f.path)) {
            f.times -= 1;
            let f = f.clone();
            if f.after {
                crate::github_fake_routes::route(&mut st, &method, &path, &query, &body);
            }
            let mut t = ResponseTemplate::new(f.status).set_body_json(f.body.clone());
            for (k, v) in &f.headers {
                t = t.insert_header(*k, v.as_str());
            }
            return with_scopes(t);
        }
        if auth != format!("Bearer {}", st.token) {
            let body = json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"});
            return with_scopes(ResponseTemplate::new(401).set_body_json(body));
        }
        match crate::github_fake_routes::route(&mut st, &method, &path, &query, &body) {
            Some((status, v)) => with_scopes(ResponseTemplate::new(status).set_body_json(v)),
            None => {
                st.unexpected.push(format!("{method} {path} {body}"));
                ResponseTemplate::new(501)
                    .set_body_json(json!({"message": format!("the fake GitHub does not know {method} {path}")}))
            }
        }
    }
}

impl FakeGithub {
    pub fn start() -> FakeGithub {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let server = rt.block_on(MockServer::start());
        let state = Arc::new(Mutex::new(State::new()));
        rt.block_on(Mock::given(any()).respond_with(Responder(state.clone())).mount(&server));
        FakeGithub { server, state, _rt: rt }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The request log, emptied.
    pub fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut self.state().log)
    }

    pub fn log(&self) -> Vec<String> {
        self.state().log.clone()
    }

    /// The JSON bodies sent to `METHOD /path` (path without the `/repos/acme/tools` prefix).
    pub fn bodies(&self, what: &str) -> Vec<Value> {
        let (method, tail) = what.split_once(' ').unwrap_or((what, ""));
        let prefix = self.state().prefix.clone();
        let full = if tail.starts_with("/graphql") || tail.starts_with("/api/graphql") {
            format!("{method} {tail}")
        } else {
            format!("{method} {prefix}/repos/{OWNER}/{REPO}{tail}")
        };
        self.state().bodies.iter().filter(|(w, _)| *w == full).map(|(_, b)| b.clone()).collect()
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        let unexpected = self.state().unexpected.clone();
        if !std::thread::panicking() {
            assert!(unexpected.is_empty(), "unexpected requests to the fake GitHub: {unexpected:#?}");
        }
    }
}
