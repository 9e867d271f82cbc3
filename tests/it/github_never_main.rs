//! Never main, on the GitHub forge behind the guard: a PR into main is refused before any
//! request, a push to a protected branch is refused, a PR re-targeted to main on GitHub is
//! refused at merge (and at update), and GitHub's default branch joins the protected set.

use run_milestone::forge::github::GithubForge;
use run_milestone::forge::guard::Guarded;
use run_milestone::forge::{Forge, ForgeError, MergeOutcome};
use run_milestone::policy::branches::ProtectedBranches;

use crate::common::Repo;
use crate::github::{BASE, HEAD, connect, fake_with_branches, new_pr};
use crate::github_fake::FakeGithub;

fn guarded(repo: &Repo, fake: &FakeGithub) -> Guarded<GithubForge> {
    let protected = ProtectedBranches::new(&["main".into(), "master".into(), "release/*".into()], &[]).unwrap();
    let mut g = Guarded::new(connect(repo, fake), protected);
    // What bootstrap does: the forge's default branch is protected too.
    if let Some(default) = g.default_branch().unwrap() {
        g.protect(&default).unwrap();
    }
    fake.take_log();
    g
}

#[track_caller]
fn assert_protected<T: std::fmt::Debug>(r: Result<T, ForgeError>, op: &str, branch: &str) {
    match r {
        Err(ForgeError::Protected { op: o, branch: b }) => assert_eq!((o, b.as_str()), (op, branch)),
        other => panic!("expected a refusal to {op} {branch}: {other:?}"),
    }
}

#[test]
fn a_pr_into_main_or_the_default_branch_is_refused_before_any_request() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    fake.state().default_branch = "trunk".into();
    fake.state().push("trunk");
    let mut g = guarded(&repo, &fake);
    for base in ["main", "release/1.0", "trunk", "refs/heads/main"] {
        assert_protected(g.create_pr(&new_pr(HEAD, base)), "open a pull request into", base);
    }
    assert!(fake.log().is_empty(), "nothing was sent: {:?}", fake.log());
    assert!(fake.state().prs.is_empty());
    assert_eq!(g.create_pr(&new_pr(HEAD, BASE)).unwrap().number, 1);
}

#[test]
fn a_push_to_a_protected_or_default_branch_is_refused() {
    let repo = Repo::with_contents("app", None);
    repo.git(&["branch", "trunk"]);
    repo.git(&["branch", "release/1.0"]);
    repo.commit_on("main", None, &[("m.txt", "local only\n")], "unpushed main commit");
    let fake = FakeGithub::start();
    fake.state().default_branch = "trunk".into();
    let mut g = guarded(&repo, &fake);
    let remote = repo.remote_refs();
    for branch in ["main", "release/1.0", "trunk"] {
        assert_protected(g.push(branch), "push to", branch);
    }
    assert_eq!(repo.remote_refs(), remote);
    assert!(fake.log().is_empty());
}

#[test]
fn a_pr_retargeted_to_main_on_github_is_refused_at_merge_update_and_ready() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut g = guarded(&repo, &fake);
    let pr = g.create_pr(&new_pr(HEAD, BASE)).unwrap();
    // Someone edits the PR on GitHub: its base becomes main.
    fake.state().pr(pr.number).base = "main".into();
    fake.take_log();
    assert_protected(g.merge(pr.number, &pr.head_sha, None), "merge into", "main");
    assert_protected(g.update_branch(pr.number), "merge into", "main");
    fake.state().pr(pr.number).draft = true;
    assert_protected(g.mark_ready(pr.number), "mark ready a PR into", "main");
    // Only the PR was read: no auto-merge, no merge, no update, no ready-for-review.
    assert_eq!(fake.take_log(), vec!["GET /repos/acme/tools/pulls/1"; 3]);
    assert!(fake.state().prs[0].draft);
    fake.state().pr(pr.number).draft = false;
    assert!(fake.state().prs[0].open && fake.state().prs[0].merged_sha.is_none());
    // Back on the milestone branch, the same merge goes through.
    fake.state().pr(pr.number).base = BASE.into();
    assert!(matches!(g.merge(pr.number, &pr.head_sha, None).unwrap(), MergeOutcome::Merged { .. }));
}
