//! The GitHub forge through the real octocrab client against the fake GitHub
//! ([`crate::github_fake`]): setup and scopes, PRs and the 422 reuse, labels, draft, retries,
//! reconcile's list, and pushes. Checks and merges: `github_merge.rs`; never main:
//! `github_never_main.rs`; the binary end to end: `github_run.rs`.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use run_milestone::forge::github::client::RetryPolicy;
use run_milestone::forge::github::scopes::ScopeReport;
use run_milestone::forge::github::token::{Token, TokenSource};
use run_milestone::forge::github::{GithubForge, GithubSettings};
use run_milestone::forge::{Forge, ForgeError, NewPr, PrState};
use serde_json::json;

use crate::common::{Repo, hermetic_vars};
use crate::github_fake::{FakeGithub, OWNER, REPO, TOKEN};

pub const BASE: &str = "milestone/m1-tools";
pub const HEAD: &str = "feat/m1-01-add-a";

pub fn settings(fake: &FakeGithub) -> GithubSettings {
    GithubSettings {
        api_url: fake.uri(),
        owner: Some(OWNER.into()),
        repo: Some(REPO.into()),
        checks_grace: Duration::ZERO,
        retry: RetryPolicy { max_retries: 3, backoff: Duration::from_millis(10), max_wait: Duration::from_secs(5) },
        update_timeout: Duration::from_secs(2),
        update_poll: Duration::from_millis(20),
        ..GithubSettings::default()
    }
}

pub fn token() -> Token {
    Token::new(TOKEN, TokenSource::Given)
}

pub fn connect_with(repo: &Repo, settings: GithubSettings) -> GithubForge {
    GithubForge::connect(&repo.root, settings, &token()).unwrap().with_command_env(hermetic_vars(&repo.home()))
}

pub fn connect(repo: &Repo, fake: &FakeGithub) -> GithubForge {
    connect_with(repo, settings(fake))
}

pub fn new_pr(head: &str, base: &str) -> NewPr {
    NewPr { title: format!("Add {head}"), body: "the body".into(), head: head.into(), base: base.into(), draft: false }
}

/// A fake with the memory branches `main`, `BASE` and `HEAD`.
pub fn fake_with_branches() -> FakeGithub {
    let fake = FakeGithub::start();
    let mut st = fake.state();
    for b in ["main", BASE, HEAD] {
        st.push(b);
    }
    drop(st);
    fake
}

pub fn request_lines(fake: &FakeGithub, needle: &str) -> usize {
    fake.log().iter().filter(|l| l.contains(needle)).count()
}

#[test]
fn connect_reads_owner_and_repo_from_origin_and_the_default_branch() {
    let repo = Repo::with_contents("app", None);
    let fake = FakeGithub::start();
    fake.state().default_branch = "trunk".into();
    for url in ["git@github.com:acme/tools.git", "https://github.com/acme/tools"] {
        repo.git(&["remote", "set-url", "origin", url]);
        let mut f = connect_with(&repo, GithubSettings { owner: None, repo: None, ..settings(&fake) });
        assert_eq!((f.name(), f.owner(), f.repo()), ("github", OWNER, REPO));
        assert_eq!(f.default_branch().unwrap().as_deref(), Some("trunk"));
        assert_eq!(
            f.scope_report(),
            &ScopeReport::Checked {
                scopes: vec!["repo".into(), "read:org".into(), "workflow".into()],
                missing: vec![]
            }
        );
        assert!(f.notes().is_empty(), "{:?}", f.notes());
    }
    // One call per connect: the repository, with our token.
    assert_eq!(fake.take_log(), vec!["GET /repos/acme/tools", "GET /repos/acme/tools"]);
    assert!(fake.state().auth.iter().all(|a| a == &format!("Bearer {TOKEN}")));

    // A local path as origin, no owner/repo configured: a clear error, no request.
    repo.git(&["remote", "set-url", "origin", "/tmp/nowhere.git"]);
    let err = GithubForge::connect(&repo.root, GithubSettings { owner: None, repo: None, ..settings(&fake) }, &token())
        .err()
        .unwrap();
    assert!(err.to_string().contains("set forge.github.owner and forge.github.repo"), "{err}");
    // A wrong token: GitHub's 401 named.
    let bad =
        GithubForge::connect(&repo.root, settings(&fake), &Token::new("nope", TokenSource::GhToken)).err().unwrap();
    assert!(bad.to_string().contains("GitHub rejected the token from GH_TOKEN (HTTP 401: Bad credentials)"), "{bad}");
    assert_eq!(fake.take_log(), vec!["GET /repos/acme/tools"]);
}

#[test]
fn github_enterprise_paths_for_rest_and_graphql() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    fake.state().prefix = "/api/v3".into();
    let mut f = connect_with(&repo, GithubSettings { api_url: format!("{}/api/v3/", fake.uri()), ..settings(&fake) });
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    f.mark_draft(pr.number).unwrap();
    assert!(f.get_pr(pr.number).unwrap().draft);
    let log = fake.take_log();
    assert_eq!(log[0], "GET /api/v3/repos/acme/tools");
    assert!(log.contains(&"POST /api/graphql".to_string()), "{log:?}");
}

#[test]
fn scopes_are_refused_warned_or_reported_unchecked() {
    let repo = Repo::with_contents("app", None);
    let fake = FakeGithub::start();
    for (scopes, forbidden) in [
        ("repo, delete_repo, workflow", "`delete_repo`"),
        ("repo, admin:org", "`admin:org`"),
        ("admin:repo_hook", "`admin:repo_hook`"),
    ] {
        fake.state().scopes = Some(scopes.into());
        let err = GithubForge::connect(&repo.root, settings(&fake), &token()).err().unwrap().to_string();
        assert!(err.starts_with("refusing to start: the GitHub token has the ") && err.contains(forbidden), "{err}");
    }
    // Refused on the first call: nothing else was asked.
    assert_eq!(fake.take_log().len(), 3);

    fake.state().scopes = Some("repo".into());
    let f = connect(&repo, &fake);
    assert_eq!(f.notes().len(), 1);
    assert!(f.notes()[0].contains("lacks the `read:org`, `workflow` scopes"), "{:?}", f.notes());

    fake.state().scopes = None;
    let f = connect(&repo, &fake);
    assert_eq!(f.scope_report(), &ScopeReport::NotReported);
    assert!(
        f.notes()[0].starts_with("could not check the GitHub token's scopes: GitHub sent no X-OAuth-Scopes header")
    );

    // The repository says the token may not push (`permissions.push: false`).
    fake.state().scopes = Some("repo, read:org, workflow".into());
    fake.state().can_push = false;
    let f = connect(&repo, &fake);
    assert_eq!(f.notes(), ["the GitHub token cannot push to acme/tools: pushes and merges will fail"]);
}

#[test]
fn pr_create_and_the_422_already_exists_reuse() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    assert_eq!(f.find_pr(HEAD).unwrap(), None);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    assert_eq!((pr.number, pr.head.as_str(), pr.base.as_str(), pr.state), (1, HEAD, BASE, PrState::Open));
    assert_eq!(pr.head_sha, fake.state().tip(HEAD).unwrap());
    assert_eq!(pr.url.as_deref(), Some("https://github.com/acme/tools/pull/1"));
    assert_eq!(pr.merged_sha, None, "an open PR's test merge commit is not a merge");
    assert_eq!(
        fake.bodies("POST /pulls"),
        vec![json!({"title": format!("Add {HEAD}"), "body": "the body", "head": HEAD, "base": BASE, "draft": false})]
    );

    // Again (a resumed run): GitHub's 422 "A pull request already exists" → the open PR is reused.
    let again = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    assert_eq!(again, pr);
    assert_eq!(fake.state().prs.len(), 1);
    assert_eq!(request_lines(&fake, "POST /repos/acme/tools/pulls"), 2);
    // …but not when it targets another base.
    fake.state().push("milestone/other");
    let err = f.create_pr(&new_pr(HEAD, "milestone/other")).unwrap_err().to_string();
    assert!(err.contains("is already open into `milestone/m1-tools`, not `milestone/other`"), "{err}");
    // Another 422 is a stop with GitHub's message.
    let err = f.create_pr(&new_pr("feat/missing", BASE)).unwrap_err().to_string();
    assert_eq!(err, "GitHub: create a pull request: HTTP 422: Validation Failed: invalid");

    assert_eq!(f.find_pr(HEAD).unwrap().map(|p| p.number), Some(1));
    assert_eq!(f.get_pr(1).unwrap(), pr);
    assert!(f.get_pr(9).unwrap_err().to_string().contains("HTTP 404: Not Found"));
}

#[test]
fn labels_are_created_with_the_seed_colours_then_added() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    fake.state().labels.push(crate::github_fake::Label {
        name: "team/cli".into(),
        color: "123456".into(),
        description: "theirs".into(),
    });
    let mut f = connect(&repo, &fake);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    fake.take_log();
    // The seed's "Required Labels" table.
    let seed = [
        ("needs-human", "B60205", "Protected surface requires human review"),
        ("needs-db-review", "D93F0B", "Database migrations"),
        ("needs-dep-review", "FBCA04", "Dependency changes"),
        ("sensitive-review", "B60205", "Auth/billing code"),
        ("needs-test-review", "1D76DB", "Low coverage"),
        ("tdd-violation", "FF0000", "TDD cycle broken"),
    ];
    let mut labels: Vec<String> = seed.iter().map(|(n, _, _)| n.to_string()).collect();
    labels.extend(["docs", "team/cli"].map(String::from));
    f.add_labels(pr.number, &labels).unwrap();
    let st = fake.state();
    let got = |n: &str| st.label(n).map(|l| (l.color.clone(), l.description.clone())).unwrap();
    for (name, color, description) in seed {
        assert_eq!(got(name), (color.to_string(), description.to_string()), "{name}");
    }
    assert_eq!(got("docs"), ("EDEDED".into(), "Added by run-milestone".into()));
    // An existing label is left as it is.
    assert_eq!(got("team/cli"), ("123456".into(), "theirs".into()));
    assert_eq!(st.prs[0].labels, labels);
    drop(st);
    let log = fake.take_log();
    assert_eq!(log.iter().filter(|l| l.starts_with("POST /repos/acme/tools/labels")).count(), 7, "{log:?}");
    assert_eq!(log.last().unwrap(), "POST /repos/acme/tools/issues/1/labels");
    // Known labels are not looked up again.
    f.add_labels(pr.number, &["needs-human".into()]).unwrap();
    assert_eq!(fake.take_log(), vec!["POST /repos/acme/tools/issues/1/labels"]);
    assert_eq!(f.get_pr(1).unwrap().labels, labels);
}

#[test]
fn a_renamed_label_is_created_with_its_roles_colour() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut policy = run_milestone::config::PolicyConfig::default();
    policy.labels.tdd_violation = "tdd-broken".into();
    policy.labels.schema = "db-migration".into();
    policy.surfaces[2].label = "ops-review".into();
    let labels = run_milestone::policy::labels::LabelStyles::from_policy(&policy);
    let mut f = connect_with(&repo, GithubSettings { labels, ..settings(&fake) });
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    let names: Vec<String> = ["tdd-broken", "db-migration", "ops-review", "docs"].map(String::from).into();
    f.add_labels(pr.number, &names).unwrap();
    let st = fake.state();
    let got = |n: &str| st.label(n).map(|l| (l.color.clone(), l.description.clone())).unwrap();
    assert_eq!(got("tdd-broken"), ("FF0000".into(), "TDD cycle broken".into()));
    assert_eq!(got("db-migration"), ("D93F0B".into(), "Database migrations".into()));
    assert_eq!(got("ops-review"), ("B60205".into(), "Protected surface requires human review".into()));
    assert_eq!(got("docs"), ("EDEDED".into(), "Added by run-milestone".into()));
    assert_eq!(st.prs[0].labels, names);
}

#[test]
fn draft_and_ready_conversions_through_graphql() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    assert!(f.mark_draft(1).unwrap(), "made a draft");
    assert!(f.get_pr(1).unwrap().draft);
    let gql = fake.bodies("POST /graphql");
    assert_eq!(gql.len(), 1);
    assert!(gql[0]["query"].as_str().unwrap().contains("convertPullRequestToDraft(input: {pullRequestId: $id})"));
    assert_eq!(gql[0]["variables"], json!({"id": "PR_kwDOfake1"}));
    assert!(!f.mark_draft(1).unwrap(), "a draft already");
    assert_eq!(fake.bodies("POST /graphql").len(), 1, "already a draft");
    // And back: ready for review.
    f.mark_ready(1).unwrap();
    assert!(!f.get_pr(1).unwrap().draft);
    assert!(!fake.state().prs[0].draft);
    let gql = fake.bodies("POST /graphql");
    assert_eq!(gql.len(), 2);
    assert!(gql[1]["query"].as_str().unwrap().contains("markPullRequestReadyForReview(input: {pullRequestId: $id})"));
    assert_eq!(gql[1]["variables"], json!({"id": "PR_kwDOfake1"}));
    f.mark_ready(1).unwrap();
    assert_eq!(fake.bodies("POST /graphql").len(), 2, "already ready");
}

#[test]
fn transient_errors_are_retried_with_bounded_backoff_and_others_stop_redacted() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    fake.take_log();
    fake.state().fail("GET", "/pulls/1", 502, json!({"message": "Server Error"}), 2);
    assert_eq!(f.get_pr(1).unwrap().number, 1);
    assert_eq!(fake.take_log().len(), 3);

    // A secondary rate limit with retry-after: waited for, then retried.
    {
        let mut st = fake.state();
        st.fail("GET", "/pulls/1", 403, json!({"message": "You have exceeded a secondary rate limit."}), 1);
        st.failures.last_mut().unwrap().headers.push(("retry-after", "1".into()));
    }
    let started = Instant::now();
    assert_eq!(f.get_pr(1).unwrap().number, 1);
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
    assert_eq!(fake.take_log().len(), 2);

    // Bounded: 1 + 3 retries, then a stop (octocrab's own retries are off: exactly 4 requests).
    fake.state().fail("GET", "/pulls/1", 503, json!({"message": "Service Unavailable"}), 100);
    let err = f.get_pr(1).unwrap_err();
    assert_eq!(err.to_string(), "GitHub: get PR #1: HTTP 503: Service Unavailable (after 4 attempts)");
    assert_eq!(fake.take_log().len(), 4);
    fake.state().failures.clear();

    // A retry-after longer than allowed is not waited for.
    {
        let mut st = fake.state();
        st.fail("GET", "/pulls/1", 429, json!({"message": "slow down"}), 1);
        st.failures.last_mut().unwrap().headers.push(("retry-after", "3600".into()));
    }
    let err = f.get_pr(1).unwrap_err().to_string();
    assert!(err.contains("GitHub asks to wait 3600s"), "{err}");

    // Not transient: one request, GitHub's message, redacted.
    let secret = format!("ghp_{}", "x1".repeat(18));
    fake.state().fail(
        "POST",
        "/issues/1/labels",
        403,
        json!({"message": format!("Resource not accessible by {secret}"), "errors": [{"message": "token=abc"}]}),
        1,
    );
    fake.state().labels.push(crate::github_fake::Label {
        name: "docs".into(),
        color: "EDEDED".into(),
        description: String::new(),
    });
    fake.take_log();
    match f.add_labels(1, &["docs".into()]) {
        Err(ForgeError::Other(m)) => {
            assert_eq!(m, "GitHub: add labels to PR #1: HTTP 403: Resource not accessible by [REDACTED]: [REDACTED]");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.take_log().len(), 2, "the label lookup and one POST");
}

#[test]
fn reconcile_lists_open_closed_and_merged_prs_into_the_milestone_branch() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    {
        let mut st = fake.state();
        for i in 0..120 {
            let head = format!("feat/m1-{i:03}");
            st.push(&head);
            let (open, merged) = match i % 3 {
                0 => (true, false),
                1 => (false, false),
                _ => (false, true),
            };
            st.add_pr(&head, BASE, open, merged);
        }
        st.add_pr(HEAD, "milestone/other", true, false);
    }
    let mut f = connect(&repo, &fake);
    fake.take_log();
    let prs = f.list(Some(BASE)).unwrap();
    assert_eq!(prs.len(), 120);
    assert_eq!(prs.iter().map(|p| p.number).collect::<Vec<_>>(), (1..=120).collect::<Vec<_>>());
    for (i, p) in prs.iter().enumerate() {
        let want = [PrState::Open, PrState::Closed, PrState::Merged][i % 3];
        assert_eq!(p.state, want, "#{}", p.number);
        assert_eq!(p.merged_sha.is_some(), want == PrState::Merged, "#{}", p.number);
        assert_eq!(p.base, BASE);
    }
    let log = fake.take_log();
    assert_eq!(log.len(), 2, "two pages of 100: {log:?}");
    assert!(
        log[0].contains("state=all") && log[0].contains(&format!("base={BASE}")) && log[0].contains("direction=asc")
    );
    assert_eq!(f.list(None).unwrap().len(), 121);
    assert_eq!(f.find_pr("feat/m1-002").unwrap().map(|p| p.state), Some(PrState::Merged));
}

/// A bare origin whose `pre-receive` hook rejects issue branches while `marker` exists, and
/// deletes it: the first push of an issue branch fails, the next one succeeds.
pub fn reject_first_issue_push(repo: &Repo) -> std::path::PathBuf {
    let marker = repo.tmp.path().join("reject-next-push");
    std::fs::write(&marker, "1").unwrap();
    let hook = repo.origin().join("hooks").join("pre-receive");
    let script = format!(
        "#!/bin/sh\nwhile read old new ref; do\n  case \"$ref\" in refs/heads/feat/*)\n    if [ -e '{m}' ]; then rm -f '{m}'; echo 'policy: issue pushes are frozen for a moment' >&2; exit 1; fi;;\n  esac\ndone\nexit 0\n",
        m = marker.display()
    );
    std::fs::write(&hook, script).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    marker
}

#[test]
fn a_rejected_push_returns_gits_message_and_the_retry_succeeds() {
    let repo = Repo::with_contents("app", None);
    repo.commit_on(BASE, Some("main"), &[("base.txt", "b\n")], "start");
    repo.commit_on(HEAD, Some(BASE), &[("a.txt", "a\n")], "add a");
    let marker = reject_first_issue_push(&repo);
    let fake = FakeGithub::start();
    let mut f = connect(&repo, &fake);
    f.push(BASE).unwrap();
    match f.push(HEAD) {
        Err(ForgeError::Push(msg)) => {
            assert!(msg.contains("policy: issue pushes are frozen for a moment"), "{msg}");
            assert!(msg.contains("pre-receive hook declined"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!repo.remote_refs().contains(HEAD));
    assert!(!marker.exists());
    f.push(HEAD).unwrap();
    assert!(repo.remote_refs().contains(&format!("{}\trefs/heads/{HEAD}", repo.sha(HEAD))));
    assert!(f.push("feat/nope").unwrap_err().to_string().contains("does not exist"));
    // Pushing needs no API call (a fast-forward).
    assert_eq!(fake.take_log(), vec!["GET /repos/acme/tools"]);
}

#[test]
fn a_rewritten_issue_branch_with_a_pr_is_re_pushed_with_force_with_lease() {
    let repo = Repo::with_contents("app", None);
    repo.commit_on(BASE, Some("main"), &[("base.txt", "b\n")], "start");
    let first = repo.commit_on(HEAD, Some(BASE), &[("a.txt", "a\n")], "add a");
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    f.push(BASE).unwrap();
    f.push(HEAD).unwrap();
    f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    // The issue branch is rewritten (a resumed run rebuilt it): not a fast-forward of origin's.
    repo.git(&["branch", "-f", HEAD, BASE]);
    let rewritten = repo.commit_on(HEAD, None, &[("a.txt", "a, again\n")], "add a again");
    assert_ne!(rewritten, first);
    fake.take_log();
    f.push(HEAD).unwrap();
    assert!(repo.remote_refs().contains(&format!("{rewritten}\trefs/heads/{HEAD}")), "{}", repo.remote_refs());
    // It has a PR and is no PR's base: looked up on GitHub, then replaced with a lease.
    let log = fake.take_log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log[0].contains(&format!("head={OWNER}:{HEAD}")) && log[1].contains(&format!("base={HEAD}")), "{log:?}");

    // A base branch (here: a branch without a PR) is never forced: git's rejection comes back.
    repo.git(&["branch", "-f", BASE, "main"]);
    repo.commit_on(BASE, None, &[("base.txt", "other\n")], "rewrite the base");
    let before = repo.remote_refs();
    match f.push(BASE) {
        Err(ForgeError::Push(msg)) => assert!(msg.contains("non-fast-forward") || msg.contains("rejected"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(repo.remote_refs(), before);
}
