//! The local forge: PR records, local CI, squash merges, pushes, the never-main guard and
//! `run-milestone prs`, on real repositories (with a bare `origin`) and real subprocesses.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use run_milestone::forge::guard::Guarded;
use run_milestone::forge::local::{LocalForge, LocalSettings};
use run_milestone::forge::{CheckState, Forge, ForgeError, MergeOutcome, NewPr, PrState};
use run_milestone::policy::branches::ProtectedBranches;

use crate::common::{Repo, assert_exit, hermetic_vars, snapshot, stderr, stdout};

const BASE: &str = "milestone/m1-tools";
const HEAD: &str = "feat/m1-01-add-a";

fn settings(test_command: Option<&str>, push: bool) -> LocalSettings {
    LocalSettings { test_command: test_command.map(str::to_string), ci_timeout: Duration::from_secs(60), push }
}

fn forge(repo: &Repo, settings: LocalSettings) -> LocalForge {
    LocalForge::open(&repo.root, &repo.common_dir(), settings).unwrap().with_command_env(hermetic_vars(&repo.home()))
}

fn guarded(repo: &Repo, settings: LocalSettings) -> Guarded<LocalForge> {
    let protected =
        ProtectedBranches::new(&["main".into(), "master".into(), "release/*".into()], &["main".into()]).unwrap();
    Guarded::new(forge(repo, settings), protected)
}

/// A repository with `main`, the milestone branch `BASE` (one commit past main) and the issue
/// branch `HEAD` from it (one commit adding `a.txt`); `main` is checked out.
fn repo_with_branches() -> Repo {
    let repo = Repo::with_contents("app", None);
    repo.commit_on(BASE, Some("main"), &[("base.txt", "base\n")], "start milestone");
    repo.commit_on(HEAD, Some(BASE), &[("a.txt", "a\n")], "add a");
    repo
}

fn new_pr(title: &str, head: &str, base: &str) -> NewPr {
    NewPr { title: title.into(), body: format!("body of {title}"), head: head.into(), base: base.into(), draft: false }
}

fn records_dir(repo: &Repo) -> PathBuf {
    repo.common_dir().join("run-milestone").join("forge").join("prs")
}

/// The PR records on disk (empty when the directory does not exist).
fn records(repo: &Repo) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = records_dir(repo);
    if dir.exists() { snapshot(&dir) } else { Vec::new() }
}

/// The files of a working tree (its `.git` left out).
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    snapshot(dir).into_iter().filter(|(p, _)| !p.starts_with(".git")).collect()
}

fn record_json(repo: &Repo, number: u64) -> serde_json::Value {
    let text = std::fs::read_to_string(records_dir(repo).join(format!("{number}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn create_find_list_labels_draft_and_close() {
    let repo = repo_with_branches();
    repo.commit_on("feat/m1-02-add-b", Some(BASE), &[("b.txt", "b\n")], "add b");
    repo.commit_on("feat/x-other", Some("main"), &[("x.txt", "x\n")], "x");
    repo.git(&["branch", "milestone/other", "main"]);
    let mut f = forge(&repo, settings(None, false));
    assert_eq!(f.name(), "local");
    assert_eq!(f.find_pr(HEAD).unwrap(), None);
    assert!(f.list(None).unwrap().is_empty());

    let pr1 = f.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();
    assert_eq!(pr1.number, 1);
    assert_eq!(pr1.state, PrState::Open);
    assert_eq!(pr1.head_sha, repo.sha(HEAD));
    assert_eq!(pr1.url, None);
    assert!(!pr1.draft && pr1.labels.is_empty() && pr1.merged_sha.is_none());
    let pr2 = f.create_pr(&NewPr { draft: true, ..new_pr("Add b", "feat/m1-02-add-b", BASE) }).unwrap();
    assert_eq!((pr2.number, pr2.draft), (2, true));
    let pr3 = f.create_pr(&new_pr("Other", "feat/x-other", "milestone/other")).unwrap();
    assert_eq!(pr3.number, 3);

    // The record on disk is the PR plus timestamps and checks.
    let json = record_json(&repo, 1);
    assert_eq!(json["number"], 1);
    assert_eq!(json["title"], "Add a");
    assert_eq!(json["body"], "body of Add a");
    assert_eq!(json["head"], HEAD);
    assert_eq!(json["base"], BASE);
    assert_eq!(json["state"], "open");
    assert!(json["created_at"].as_str().unwrap().ends_with('Z'), "{json}");
    assert!(json["checks"].as_object().unwrap().is_empty());

    // A second open PR from the same head is refused; a missing branch is an error.
    assert!(
        matches!(f.create_pr(&new_pr("Again", HEAD, BASE)), Err(ForgeError::Other(m)) if m.contains("already open"))
    );
    assert!(f.create_pr(&new_pr("Ghost", "feat/nope", BASE)).is_err());
    assert!(f.create_pr(&new_pr("Ghost base", HEAD, "milestone/nope")).is_err());
    assert_eq!(f.list(None).unwrap().len(), 3);

    assert_eq!(f.get_pr(2).unwrap(), pr2);
    assert!(f.get_pr(9).is_err());
    assert_eq!(f.find_pr(HEAD).unwrap().map(|p| p.number), Some(1));
    let in_base: Vec<u64> = f.list(Some(BASE)).unwrap().iter().map(|p| p.number).collect();
    assert_eq!(in_base, vec![1, 2]);
    let all: Vec<u64> = f.list(None).unwrap().iter().map(|p| p.number).collect();
    assert_eq!(all, vec![1, 2, 3]);

    f.add_labels(1, &["needs-human".into(), "docs".into()]).unwrap();
    f.add_labels(1, &["docs".into(), "needs-dep-review".into(), "needs-human".into()]).unwrap();
    assert_eq!(f.get_pr(1).unwrap().labels, vec!["needs-human", "docs", "needs-dep-review"]);

    assert!(f.mark_draft(1).unwrap(), "made a draft");
    assert!(f.get_pr(1).unwrap().draft);
    assert!(!f.mark_draft(1).unwrap(), "a draft already");
    f.mark_ready(1).unwrap();
    assert!(!f.get_pr(1).unwrap().draft);
    assert_eq!(record_json(&repo, 1)["draft"], false);
    f.mark_ready(1).unwrap();
    assert!(!f.get_pr(1).unwrap().draft, "ready stays ready");

    let closed = f.close(1).unwrap();
    assert_eq!(closed.state, PrState::Closed);
    assert_eq!(f.get_pr(1).unwrap().state, PrState::Closed);
    assert_eq!(f.get_pr(1).unwrap().merged_sha, None);
    assert_eq!(record_json(&repo, 1)["state"], "closed");
    // find_pr returns the newest PR of a head, in any state: a new PR after the closed one.
    assert_eq!(f.find_pr(HEAD).unwrap().map(|p| (p.number, p.state)), Some((1, PrState::Closed)));
    let pr4 = f.create_pr(&new_pr("Add a, again", HEAD, BASE)).unwrap();
    assert_eq!(pr4.number, 4);
    assert_eq!(f.find_pr(HEAD).unwrap().map(|p| p.number), Some(4));

    // Another forge on the same repository (another process, another worktree) sees the same PRs.
    let mut other = forge(&repo, settings(None, false));
    assert_eq!(other.list(None).unwrap(), f.list(None).unwrap());
}

#[test]
fn numbers_are_unique_under_concurrent_creation() {
    let repo = repo_with_branches();
    const THREADS: usize = 4;
    const EACH: usize = 5;
    for i in 0..THREADS * EACH {
        repo.git(&["branch", &format!("feat/m1-c{i}"), HEAD]);
    }
    let root = repo.root.clone();
    let common = repo.common_dir();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (root, common, barrier) = (root.clone(), common.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut f = LocalForge::open(&root, &common, settings(None, false)).unwrap();
                barrier.wait();
                (0..EACH)
                    .map(|k| {
                        let head = format!("feat/m1-c{}", t * EACH + k);
                        (f.create_pr(&new_pr(&format!("PR {head}"), &head, BASE)).unwrap().number, head)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut created: Vec<(u64, String)> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    created.sort();
    let numbers: Vec<u64> = created.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, (1..=(THREADS * EACH) as u64).collect::<Vec<_>>());
    // Every record is complete and holds the PR its number was handed out for.
    let mut f = forge(&repo, settings(None, false));
    for (n, head) in &created {
        assert_eq!(&f.get_pr(*n).unwrap().head, head);
    }
    assert_eq!(f.list(None).unwrap().len(), THREADS * EACH);
    // Nothing but the records is left in the directory (no temp or reserved files).
    let names: Vec<String> = std::fs::read_dir(records_dir(&repo))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), THREADS * EACH, "{names:?}");
}

#[test]
fn local_ci_passes_fails_and_is_cached_per_sha() {
    let repo = repo_with_branches();
    let count = repo.tmp.path().join("ci-runs");
    let cidir = repo.tmp.path().join("ci-dir");
    let cmd = format!("echo ran >> '{}'; pwd > '{}'; echo hello from ci; exit 0", count.display(), cidir.display());
    let mut f = forge(&repo, settings(Some(&cmd), false));
    let pr = f.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();
    let head1 = repo.sha(HEAD);

    let c = f.checks(pr.number).unwrap();
    assert_eq!((c.sha.as_str(), c.state), (head1.as_str(), CheckState::Success));
    assert_eq!(c.summary, "local CI: passed (exit 0)");
    assert!(c.details.contains("hello from ci"), "{}", c.details);
    // The CI ran in a temporary directory that is gone afterwards.
    let ran_in = std::fs::read_to_string(&cidir).unwrap();
    assert!(!Path::new(ran_in.trim()).exists(), "{ran_in}");
    assert_ne!(Path::new(ran_in.trim()), repo.root);

    // Same SHA: the recorded result, no second run.
    assert_eq!(f.checks(pr.number).unwrap(), c);
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 1);
    let json = record_json(&repo, pr.number);
    assert_eq!(json["checks"][&head1]["state"], "success");
    assert_eq!(json["checks"][&head1]["summary"], "local CI: passed (exit 0)");
    assert_eq!(f.recorded_checks(pr.number).unwrap().map(|c| c.state), Some(CheckState::Success));

    // A new head commit: CI runs again, for the new SHA, and head_sha follows.
    let head2 = repo.commit_on(HEAD, None, &[("a.txt", "a2\n")], "a2");
    assert_eq!(f.recorded_checks(pr.number).unwrap(), None);
    let c2 = f.checks(pr.number).unwrap();
    assert_eq!((c2.sha.as_str(), c2.state), (head2.as_str(), CheckState::Success));
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 2);
    assert_eq!(f.get_pr(pr.number).unwrap().head_sha, head2);

    // A failing command: Failure, git's-style one-line summary, the output in details, recorded.
    let mut failing = forge(&repo, settings(Some("echo boom; echo 'tests: 1 failed' >&2; exit 1"), false));
    repo.commit_on("feat/m1-02-add-b", Some(BASE), &[("b.txt", "b\n")], "add b");
    let pr2 = failing.create_pr(&new_pr("Add b", "feat/m1-02-add-b", BASE)).unwrap();
    let bad = failing.checks(pr2.number).unwrap();
    assert_eq!(bad.state, CheckState::Failure);
    assert_eq!(bad.summary, "local CI: failed (exit 1)");
    assert!(bad.details.contains("boom") && bad.details.contains("tests: 1 failed"), "{}", bad.details);
    assert_eq!(record_json(&repo, pr2.number)["checks"][&bad.sha]["state"], "failure");
    // Cached too: another forge with a passing command still reports the recorded failure.
    let mut passing = forge(&repo, settings(Some("exit 0"), false));
    assert_eq!(passing.checks(pr2.number).unwrap().state, CheckState::Failure);
}

#[test]
fn local_ci_runs_on_the_head_commit_not_the_working_tree() {
    let repo = repo_with_branches();
    repo.commit_on(HEAD, None, &[("state.txt", "one\n")], "state one");
    let mut f =
        forge(&repo, settings(Some("grep -qx two state.txt && test ! -e untracked.txt && test -f a.txt"), false));
    let pr = f.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();
    // The head moves after the PR was opened; the working tree (the head checked out) is dirty.
    let head2 = repo.commit_on(HEAD, None, &[("state.txt", "two\n")], "state two");
    repo.git(&["checkout", "-q", HEAD]);
    repo.write("state.txt", "dirty\n");
    repo.write("untracked.txt", "x\n");
    let status = repo.git(&["status", "--porcelain"]);
    let index = std::fs::read(repo.common_dir().join("index")).unwrap();
    let refs = repo.refs();

    let c = f.checks(pr.number).unwrap();
    assert_eq!(c.state, CheckState::Success, "{} {}", c.summary, c.details);
    assert_eq!(c.sha, head2);
    // The repository's working tree, index and refs are untouched.
    assert_eq!(std::fs::read_to_string(repo.root.join("state.txt")).unwrap(), "dirty\n");
    assert_eq!(repo.git(&["status", "--porcelain"]), status);
    assert_eq!(std::fs::read(repo.common_dir().join("index")).unwrap(), index);
    assert_eq!(repo.refs(), refs);

    // With the working tree's content the command would fail: the check really read the commit.
    let mut other = forge(&repo, settings(Some("grep -qx dirty state.txt"), false));
    repo.git(&["branch", "feat/m1-09-copy", HEAD]);
    let pr2 = other.create_pr(&new_pr("Copy", "feat/m1-09-copy", BASE)).unwrap();
    assert_eq!(other.checks(pr2.number).unwrap().state, CheckState::Failure);
}

#[test]
fn no_test_command_means_missing_checks_and_a_timeout_fails() {
    let repo = repo_with_branches();
    let mut f = forge(&repo, settings(None, false));
    let pr = f.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();
    let c = f.checks(pr.number).unwrap();
    assert_eq!(c.state, CheckState::Missing);
    assert_eq!(c.sha, repo.sha(HEAD));
    assert!(c.summary.contains("no test_command"), "{}", c.summary);
    assert_eq!(f.recorded_checks(pr.number).unwrap(), None);

    let mut slow = forge(
        &repo,
        LocalSettings { test_command: Some("sleep 30".into()), ci_timeout: Duration::from_millis(300), push: false },
    );
    let started = std::time::Instant::now();
    let c = slow.checks(pr.number).unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(c.state, CheckState::Failure);
    assert!(c.summary.starts_with("local CI: failed (timed out"), "{}", c.summary);
}

#[test]
fn squash_merge_adds_one_commit_with_the_merged_tree() {
    let repo = repo_with_branches();
    repo.commit_on(HEAD, None, &[("README.md", "hello\nfrom a\n")], "second commit of a");
    // The base moves on after the issue branch was cut: a real three-way merge.
    let old_base = repo.commit_on(BASE, None, &[("other.txt", "other\n")], "meanwhile on the base");
    // The base is checked out in a linked worktree: its files must stay as they are.
    let wt = repo.tmp.path().join("app-m1");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap(), BASE]);
    let wt_files = files(&wt);
    let main_files = files(&repo.root);
    let expected_tree = repo.git(&["merge-tree", "--write-tree", BASE, HEAD]);

    let mut f = forge(&repo, settings(Some("exit 0"), false));
    let pr = f.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();
    let checks = f.checks(pr.number).unwrap();
    assert_eq!(checks.state, CheckState::Success);
    let outcome = f.merge(pr.number, &checks.sha, None).unwrap();
    let MergeOutcome::Merged { sha } = outcome else { panic!("not merged: {outcome:?}") };

    assert_eq!(repo.sha(BASE), sha);
    assert_eq!(repo.git(&["rev-list", "--count", &format!("{old_base}..{BASE}")]), "1");
    assert_eq!(repo.git(&["rev-list", "--parents", "-n", "1", BASE]), format!("{sha} {old_base}"));
    assert_eq!(repo.git(&["rev-parse", &format!("{BASE}^{{tree}}")]), expected_tree);
    assert_eq!(repo.git(&["log", "-1", "--format=%s", BASE]), "Add a");
    assert_eq!(repo.git(&["log", "-1", "--format=%b", BASE]), "PR #1");
    assert_eq!(repo.git(&["show", &format!("{BASE}:README.md")]), "hello\nfrom a");
    assert_eq!(repo.git(&["show", &format!("{BASE}:other.txt")]), "other");
    assert_eq!(repo.git(&["show", &format!("{BASE}:a.txt")]), "a");

    let merged = f.get_pr(pr.number).unwrap();
    assert_eq!(merged.state, PrState::Merged);
    assert_eq!(merged.merged_sha.as_deref(), Some(sha.as_str()));
    assert_eq!(record_json(&repo, pr.number)["merged_sha"], sha.as_str());
    // No working tree was touched (the engine re-syncs the base's worktree itself).
    assert_eq!(files(&wt), wt_files);
    assert_eq!(files(&repo.root), main_files);
    // The head branch is left alone.
    assert_eq!(repo.sha(HEAD), checks.sha);
}

#[test]
fn a_merge_conflict_changes_nothing() {
    let repo = repo_with_branches();
    repo.commit_on(HEAD, None, &[("README.md", "hello from the issue\n")], "issue edit");
    repo.commit_on(BASE, None, &[("README.md", "hello from the base\n")], "base edit");
    let mut f = forge(&repo, settings(Some("exit 0"), false));
    let pr = f.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();
    let checks = f.checks(pr.number).unwrap();
    let refs = repo.refs();
    let recs = records(&repo);
    let tree = files(&repo.root);

    let outcome = f.merge(pr.number, &checks.sha, None).unwrap();
    assert_eq!(outcome, MergeOutcome::Conflict { files: vec!["README.md".into()] });
    assert_eq!(repo.refs(), refs);
    assert_eq!(records(&repo), recs);
    assert_eq!(files(&repo.root), tree);
    assert_eq!(f.get_pr(pr.number).unwrap().state, PrState::Open);
}

#[test]
fn the_sha_guard_refuses_a_head_that_moved_after_its_checks() {
    let repo = repo_with_branches();
    let mut f = forge(&repo, settings(Some("exit 0"), false));
    let pr = f.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();
    let checks = f.checks(pr.number).unwrap();
    assert_eq!(checks.state, CheckState::Success);
    let moved = repo.commit_on(HEAD, None, &[("a.txt", "unverified\n")], "pushed after CI");
    let refs = repo.refs();
    let recs = records(&repo);

    let outcome = f.merge(pr.number, &checks.sha, None).unwrap();
    assert_eq!(outcome, MergeOutcome::HeadMoved { expected: checks.sha.clone(), actual: moved.clone() });
    assert_eq!(repo.refs(), refs);
    assert_eq!(records(&repo), recs);
    assert_eq!(f.get_pr(pr.number).unwrap().state, PrState::Open);
}

#[test]
fn merge_refuses_drafts_closed_merged_and_empty_prs() {
    let repo = repo_with_branches();
    repo.commit_on("feat/m1-02-add-b", Some(BASE), &[("b.txt", "b\n")], "add b");
    repo.commit_on("feat/m1-03-add-c", Some(BASE), &[("c.txt", "c\n")], "add c");
    repo.git(&["branch", "feat/m1-04-empty", BASE]);
    let mut f = forge(&repo, settings(Some("exit 0"), false));
    let draft = f.create_pr(&NewPr { draft: true, ..new_pr("Draft", HEAD, BASE) }).unwrap();
    let closed = f.create_pr(&new_pr("Closed", "feat/m1-02-add-b", BASE)).unwrap();
    f.close(closed.number).unwrap();
    let done = f.create_pr(&new_pr("Done", "feat/m1-03-add-c", BASE)).unwrap();
    let empty = f.create_pr(&new_pr("Empty", "feat/m1-04-empty", BASE)).unwrap();
    let sha = |b: &str| repo.sha(b);
    assert!(matches!(f.merge(done.number, &sha("feat/m1-03-add-c"), None).unwrap(), MergeOutcome::Merged { .. }));
    let refs = repo.refs();
    let recs = records(&repo);

    for (number, head, want) in [
        (draft.number, HEAD, "draft"),
        (closed.number, "feat/m1-02-add-b", "closed"),
        (done.number, "feat/m1-03-add-c", "already merged"),
        (empty.number, "feat/m1-04-empty", "nothing to merge"),
    ] {
        match f.merge(number, &sha(head), None).unwrap() {
            MergeOutcome::Refused { reason } => assert!(reason.contains(want), "#{number}: {reason}"),
            other => panic!("#{number}: {other:?}"),
        }
    }
    assert_eq!(repo.refs(), refs);
    assert_eq!(records(&repo), recs);
    // A merged PR cannot be closed.
    assert!(f.close(done.number).is_err());
}

#[test]
fn push_is_a_noop_unless_enabled_then_pushes_to_origin() {
    let repo = repo_with_branches();
    let mut off = forge(&repo, settings(None, false));
    off.push(HEAD).unwrap();
    assert!(!repo.remote_refs().contains(HEAD));
    assert!(off.push("feat/does-not-exist").is_err());

    let mut on = forge(&repo, settings(None, true));
    assert!(on.push("feat/does-not-exist").is_err());
    on.push(BASE).unwrap();
    on.push(HEAD).unwrap();
    let remote = repo.remote_refs();
    assert!(remote.contains(&format!("{}\trefs/heads/{HEAD}", repo.sha(HEAD))), "{remote}");
    assert!(remote.contains(&format!("{}\trefs/heads/{BASE}", repo.sha(BASE))), "{remote}");
    // Pushing again with nothing new is fine.
    on.push(HEAD).unwrap();

    // No `origin` remote: nothing to push, not an error.
    repo.git(&["remote", "remove", "origin"]);
    repo.commit_on(HEAD, None, &[("a.txt", "a2\n")], "a2");
    on.push(HEAD).unwrap();
}

#[test]
fn a_push_rejected_by_the_origin_returns_gits_message() {
    let repo = repo_with_branches();
    let hook = repo.origin().join("hooks").join("pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'policy: pushes are frozen today' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = repo.remote_refs();
    let mut f = forge(&repo, settings(None, true));
    match f.push(HEAD) {
        Err(ForgeError::Push(msg)) => {
            assert!(msg.contains("policy: pushes are frozen today"), "{msg}");
            assert!(msg.contains("pre-receive hook declined"), "{msg}");
            assert_eq!(msg, msg.trim());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(repo.remote_refs(), before);
}

#[test]
fn a_rewritten_issue_branch_is_pushed_with_a_lease_but_a_base_is_never_forced() {
    let repo = repo_with_branches();
    let mut f = forge(&repo, settings(None, true));
    f.push(BASE).unwrap();
    f.push(HEAD).unwrap();
    f.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();

    // The issue branch is rewritten (a task restarted): replaced on the origin.
    repo.git(&["checkout", "-q", HEAD]);
    repo.git(&["commit", "-q", "--amend", "-m", "add a, take two"]);
    repo.git(&["checkout", "-q", "main"]);
    f.push(HEAD).unwrap();
    assert!(repo.remote_refs().contains(&format!("{}\trefs/heads/{HEAD}", repo.sha(HEAD))));

    // The base branch is rewritten: never forced, git's rejection comes back.
    let remote_base = repo.sha(BASE);
    repo.git(&["checkout", "-q", BASE]);
    repo.git(&["commit", "-q", "--amend", "-m", "rewritten base"]);
    repo.git(&["checkout", "-q", "main"]);
    match f.push(BASE) {
        Err(ForgeError::Push(msg)) => assert!(msg.contains("rejected"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(repo.remote_refs().contains(&format!("{remote_base}\trefs/heads/{BASE}")));
}

#[test]
fn never_main_a_pr_into_main_is_refused_at_creation() {
    let repo = repo_with_branches();
    let mut g = guarded(&repo, settings(Some("exit 0"), true));
    let refs = repo.refs();
    let remote = repo.remote_refs();
    for base in ["main", "release/1.0", "refs/heads/main"] {
        match g.create_pr(&new_pr("Sneaky", HEAD, base)) {
            Err(ForgeError::Protected { branch, .. }) => assert_eq!(branch, base),
            other => panic!("{base}: {other:?}"),
        }
    }
    assert!(records(&repo).is_empty(), "{:?}", records(&repo));
    assert!(g.list(None).unwrap().is_empty());
    assert_eq!(repo.refs(), refs);
    assert_eq!(repo.remote_refs(), remote);
    // A milestone branch is fine.
    assert_eq!(g.create_pr(&new_pr("Fine", HEAD, BASE)).unwrap().number, 1);
    // A draft PR into main (made without the guard) is not marked ready through it.
    repo.commit_on("feat/m1-02-add-b", Some(BASE), &[("b.txt", "b\n")], "add b");
    let mut unguarded = forge(&repo, settings(Some("exit 0"), true));
    let into_main = unguarded.create_pr(&NewPr { draft: true, ..new_pr("Into main", "feat/m1-02-add-b", "main") });
    let number = into_main.unwrap().number;
    match g.mark_ready(number) {
        Err(ForgeError::Protected { op, branch }) => {
            assert_eq!((op, branch.as_str()), ("mark ready a PR into", "main"))
        }
        other => panic!("{other:?}"),
    }
    assert!(g.get_pr(number).unwrap().draft, "still a draft");
    g.mark_draft(1).unwrap();
    g.mark_ready(1).unwrap();
    assert!(!g.get_pr(1).unwrap().draft);
}

#[test]
fn titles_bodies_labels_and_squash_messages_are_redacted() {
    let repo = repo_with_branches();
    repo.commit_on("feat/m1-02-add-b", Some(BASE), &[("b.txt", "b\n")], "add b");
    let secret = crate::support::random_text(61, 16);
    let assignment = format!("to{}={secret}", "ken");
    // Through the guard, which every forge of a run is wrapped in: the title and the body.
    let mut g = guarded(&repo, settings(Some("exit 0"), false));
    let new = NewPr { body: format!("see {assignment}\n"), ..new_pr(&format!("Add a {assignment}"), HEAD, BASE) };
    let pr = g.create_pr(&new).unwrap();
    assert_eq!(pr.title, "Add a [REDACTED]");
    assert_eq!(
        (record_json(&repo, 1)["title"].clone(), record_json(&repo, 1)["body"].clone()),
        (serde_json::json!("Add a [REDACTED]"), serde_json::json!("see [REDACTED]\n"))
    );
    // Labels too (they are configurable, so they may hold anything).
    g.add_labels(pr.number, &[assignment.clone(), "needs-human".into()]).unwrap();
    assert_eq!(g.get_pr(pr.number).unwrap().labels, ["[REDACTED]", "needs-human"]);
    assert!(!record_json(&repo, 1).to_string().contains(&secret));
    // The squash commit's message, whatever the PR record holds (here: a PR opened past the guard).
    let mut f = forge(&repo, settings(Some("exit 0"), false));
    let raw = f.create_pr(&new_pr(&format!("Add b {assignment}"), "feat/m1-02-add-b", BASE)).unwrap();
    let checks = f.checks(raw.number).unwrap();
    assert!(matches!(f.merge(raw.number, &checks.sha, None).unwrap(), MergeOutcome::Merged { .. }));
    assert_eq!(repo.git(&["log", "-1", "--format=%s", BASE]), "Add b [REDACTED]");
    assert!(!repo.git(&["log", "--all", "--format=%B"]).contains(&secret));
}

#[test]
fn never_main_a_push_to_a_protected_branch_is_refused() {
    let repo = repo_with_branches();
    repo.git(&["branch", "release/1.0", HEAD]);
    repo.commit_on("main", None, &[("m.txt", "local only\n")], "unpushed main commit");
    let mut g = guarded(&repo, settings(None, true));
    let remote = repo.remote_refs();
    for branch in ["main", "release/1.0"] {
        match g.push(branch) {
            Err(ForgeError::Protected { op, branch: b }) => {
                assert_eq!((op, b.as_str()), ("push to", branch));
            }
            other => panic!("{branch}: {other:?}"),
        }
    }
    assert_eq!(repo.remote_refs(), remote);
    assert!(!repo.remote_refs().contains("release/1.0"));
    g.push(BASE).unwrap();
    assert!(repo.remote_refs().contains(BASE));
}

#[test]
fn never_main_a_pr_retargeted_to_main_in_its_record_is_refused_at_merge() {
    let repo = repo_with_branches();
    let mut g = guarded(&repo, settings(Some("exit 0"), false));
    let pr = g.create_pr(&new_pr("Add a", HEAD, BASE)).unwrap();
    let checks = g.checks(pr.number).unwrap();
    assert_eq!(checks.state, CheckState::Success);
    // Someone edits the record: the base becomes main.
    let path = records_dir(&repo).join("1.json");
    let mut json = record_json(&repo, 1);
    json["base"] = "main".into();
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let refs = repo.refs();
    let recs = records(&repo);

    match g.merge(pr.number, &checks.sha, None) {
        Err(ForgeError::Protected { op, branch }) => assert_eq!((op, branch.as_str()), ("merge into", "main")),
        other => panic!("{other:?}"),
    }
    assert_eq!(repo.refs(), refs);
    assert_eq!(records(&repo), recs);
    assert_eq!(g.get_pr(1).unwrap().state, PrState::Open);
}

#[test]
fn prs_lists_pull_requests_filters_by_milestone_and_closes_by_hand() {
    let repo = Repo::demo();
    let m1 = "milestone/m1-text-tools";
    let out = repo.run(&["prs"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "No pull requests on the local forge.\n");
    let out = repo.run(&["prs", "m1"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), format!("No pull requests into {m1} on the local forge.\n"));
    let out = repo.run(&["prs", "--close", "1"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("no pull request #1 on the local forge"), "{}", stderr(&out));
    // Listing and a failed close write nothing.
    assert!(!repo.common_dir().join("run-milestone").exists());

    repo.commit_on(m1, Some("main"), &[("notes.txt", "m1\n")], "start m1");
    repo.commit_on("feat/m1-01-add-slugify", Some(m1), &[("slug.txt", "slug\n")], "slugify");
    repo.commit_on("milestone/m2-more", Some("main"), &[("notes.txt", "m2\n")], "start m2");
    repo.commit_on("feat/m2-01-more", Some("milestone/m2-more"), &[("more.txt", "more\n")], "more");
    let mut f = forge(&repo, settings(Some("exit 0"), false));
    let pr1 = f.create_pr(&new_pr("Add slugify", "feat/m1-01-add-slugify", m1)).unwrap();
    assert_eq!(f.checks(pr1.number).unwrap().state, CheckState::Success);
    let pr2 =
        f.create_pr(&NewPr { draft: true, ..new_pr("More things", "feat/m2-01-more", "milestone/m2-more") }).unwrap();
    f.add_labels(pr2.number, &["needs-human".into(), "docs".into()]).unwrap();

    let line1 = format!("#1 Add slugify · feat/m1-01-add-slugify → {m1} · open · no labels · checks: passed");
    let line2 =
        "#2 More things · feat/m2-01-more → milestone/m2-more · open (draft) · labels: needs-human, docs · no checks";
    let out = repo.run(&["prs"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), format!("{line1}\n{line2}\n"));
    let out = repo.run(&["prs", "m1"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), format!("{line1}\n"));

    // A new head commit: the recorded check is for the old SHA, so the line says no checks.
    repo.commit_on("feat/m1-01-add-slugify", None, &[("slug.txt", "slug 2\n")], "slugify 2");
    let out = repo.run(&["prs", "m1"]);
    assert!(stdout(&out).ends_with("· open · no labels · no checks\n"), "{}", stdout(&out));

    let out = repo.run(&["prs", "--close", "2"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "Closed PR #2: More things\n");
    assert_eq!(f.get_pr(2).unwrap().state, PrState::Closed);
    let out = repo.run(&["prs"]);
    assert!(stdout(&out).contains("#2 More things · feat/m2-01-more → milestone/m2-more · closed (draft) ·"));

    let out = repo.run(&["prs", "--close", "9"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("no pull request #9"), "{}", stderr(&out));
    let merged = f.merge(1, &repo.sha("feat/m1-01-add-slugify"), None).unwrap();
    assert!(matches!(merged, MergeOutcome::Merged { .. }), "{merged:?}");
    let out = repo.run(&["prs", "--close", "1"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("already merged"), "{}", stderr(&out));
    let out = repo.run(&["prs", "m1"]);
    assert!(stdout(&out).starts_with("#1 Add slugify · feat/m1-01-add-slugify → milestone/m1-text-tools · merged ·"));
}
