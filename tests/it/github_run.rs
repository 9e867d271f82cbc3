//! The real binary with `forge.kind: github` against the fake GitHub, whose branches and merges
//! live in the demo's bare `origin`: the whole demo merged through PRs, reconcile on the next
//! run, red checks, checks that never finish, the push-failure `retry`, the token sources and
//! the scope refusal, GitHub's default branch (`trunk`) as base and as a re-targeted PR's base,
//! `409 Head branch was modified`, an enabled auto-merge, an update-branch GitHub refused, and a
//! protected surface's `needs-human` label created, put on the PR and holding it back.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::json;

use crate::common::{Repo, assert_exit, stderr, stdout};
use crate::github::reject_first_issue_push;
use crate::github_fake::{AutoMerge, FakeGithub, Run, TOKEN};
use crate::support::{
    BASE, PLAN, command_agent_config, commit_all, config_add, events, fake_gh, issue_01_script, journal, plan, row,
    single_issue,
};

/// The demo configured for the fake GitHub (committed), the fake backed by the demo's origin.
fn demo_on_fake() -> (Repo, FakeGithub) {
    demo_on_fake_waiting(60)
}

/// [`demo_on_fake`] with `checks_timeout_seconds` (checks and auto-merge waits) set to `timeout`.
fn demo_on_fake_waiting(timeout: u64) -> (Repo, FakeGithub) {
    let repo = Repo::demo();
    let fake = FakeGithub::start();
    repo.write(
        ".run-milestone.yml",
        &format!(
            "test_command: python3 -m unittest discover -s tests -t .\nforge:\n  kind: github\n  checks_poll_seconds: 1\n  checks_timeout_seconds: {timeout}\n  github:\n    api_url: {}\n    owner: acme\n    repo: tools\n    checks_grace_seconds: 0\n",
            fake.uri()
        ),
    );
    commit_all(&repo, "use the fake GitHub");
    repo.git(&["push", "-q", "origin", "main"]);
    {
        let mut st = fake.state();
        st.git = Some(repo.origin());
        st.default_runs = vec![Run("test", "completed", Some("success"))];
    }
    (repo, fake)
}

fn with_token(repo: &Repo, args: &[&str]) -> Command {
    let mut cmd = repo.cmd(args);
    cmd.env("GH_TOKEN", TOKEN);
    cmd
}

fn origin_git(repo: &Repo, args: &[&str]) -> String {
    let origin = repo.origin();
    let mut all = vec!["--git-dir", origin.to_str().unwrap()];
    all.extend_from_slice(args);
    repo.git(&all)
}

#[test]
fn the_demo_is_merged_through_github_prs_and_the_next_run_reconciles() {
    let (repo, fake) = demo_on_fake();
    {
        let mut st = fake.state();
        st.pending_polls = 1;
        st.scopes = Some("repo, workflow".into());
        st.advance_base_on_pr = Some(1);
    }
    let main_before = repo.sha("main");
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    for want in [
        "✓ PR #1 created",
        "⏳ Waiting for checks on PR #1 (1 of 1 checks pending: test; up to 1m 0s)",
        "✓ Checks: 1 check passed (test)",
        "✓ Branch updated with milestone/m1-text-tools (",
        "✓ Merged into milestone/m1-text-tools (",
        "✓ PR #5 created",
        "Autonomous Run Complete: m1",
        "  ✅ Completed: 5",
        "PRs created: 5",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}\n{}", stderr(&out));
    }
    assert!(stderr(&out).contains("the GitHub token lacks the `read:org` scope"), "{}", stderr(&out));

    // On "GitHub": five PRs into the milestone branch, each squash-merged with its verified head.
    let prs = fake.state().prs.clone();
    assert_eq!(prs.len(), 5);
    for pr in &prs {
        assert_eq!(pr.base, BASE);
        assert!(!pr.open && pr.merged_sha.is_some(), "#{} {pr:?}", pr.number);
        let merges = fake.bodies(&format!("PUT /pulls/{}/merge", pr.number));
        assert_eq!(merges, vec![json!({"sha": pr.head_sha, "merge_method": "squash"})]);
    }
    assert!(fake.bodies("POST /pulls").iter().all(|b| b["base"] == BASE));
    // PR #1 fell behind its base when it was opened: updated on GitHub, then merged at the new head.
    let updates = fake.bodies("PUT /pulls/1/update-branch");
    assert_eq!(updates.len(), 1);
    assert_ne!(updates[0]["expected_head_sha"], json!(prs[0].head_sha));
    assert_eq!(
        origin_git(&repo, &["log", "-1", "--format=%s", &prs[0].head_sha]),
        format!("Merge branch '{BASE}' into {}", prs[0].head)
    );
    assert!(fake.log().iter().all(|l| !l.contains("update-branch") || l.contains("/pulls/1/")));
    // origin's milestone branch: someone else's commit and five squash merges; the local branch followed it.
    let subjects = origin_git(&repo, &["log", "--format=%s", &format!("main..{BASE}")]);
    assert_eq!(
        subjects.lines().collect::<Vec<_>>(),
        [
            "feat(m1): Add summary line (#5)",
            "feat(m1): Add title case (#104) (#4)",
            "feat(m1): Add word count (#102) (#3)",
            "feat(m1): Add truncate (#103) (#2)",
            "feat(m1): Add slugify (#101) (#1)",
            "meanwhile on the base",
        ]
    );
    assert_eq!(origin_git(&repo, &["rev-parse", BASE]), repo.sha(BASE));
    // main is only read, here and on origin.
    assert_eq!(repo.sha("main"), main_before);
    assert_eq!(origin_git(&repo, &["rev-parse", "main"]), main_before);
    let p = plan(&repo);
    for (no, pr) in [("01", 1), ("03", 2), ("02", 3), ("04", 4), ("05", 5)] {
        assert!(row(&p, no).contains(&format!("| ✅ Done | #{pr} |")), "{}", row(&p, no));
    }
    // The worktree shows the merged milestone branch, and its tests pass.
    let suite = Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "tests", "-t", "."])
        .current_dir(repo.tmp.path().join("demo-m1"))
        .output()
        .unwrap();
    assert!(suite.status.success() && String::from_utf8_lossy(&suite.stderr).contains("Ran 10 tests"));

    // Next run, with the plan as committed (every issue Todo) and one more open PR on GitHub:
    // reconcile marks the merged ones Done and nothing is redone.
    repo.git(&["checkout", "--", PLAN]);
    fake.state().add_pr("feat/someone-else", BASE, true, false);
    fake.take_log();
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🔄 Reconcile\n✓ Found 1 open PR\n✓ 5 PRs merged since last run\n"), "{text}");
    let p = plan(&repo);
    for (no, pr) in [("01", 1), ("03", 2), ("02", 3), ("04", 4), ("05", 5)] {
        assert!(row(&p, no).contains(&format!("| ✅ Done | #{pr} |")), "{}", row(&p, no));
    }
    let log = fake.take_log();
    assert!(!log.iter().any(|l| l.starts_with("POST /repos/acme/tools/pulls") || l.contains("/merge")), "{log:?}");
}

#[test]
fn red_checks_leave_the_prs_for_review_and_nothing_is_merged() {
    let (repo, fake) = demo_on_fake();
    fake.state().default_runs =
        vec![Run("test", "completed", Some("failure")), Run("lint", "completed", Some("success"))];
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✗ Checks: 1 of 2 checks failed: test"), "{text}");
    assert!(text.contains("👀 Issue #01 needs review (PR #1): CI failed: 1 of 2 checks failed: test"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(row(&p, "03").contains("⬜ Todo"), "dependents wait: {p}");
    let log = fake.log();
    assert!(!log.iter().any(|l| l.contains("/merge") || l.contains("graphql")), "{log:?}");
    assert!(fake.state().prs.iter().all(|p| p.open && p.merged_sha.is_none()));
    assert_eq!(origin_git(&repo, &["rev-parse", BASE]), repo.sha(BASE));
}

#[test]
fn a_protected_surface_labels_the_pr_on_github_and_holds_it_back() {
    let (repo, fake) = demo_on_fake();
    single_issue(&repo);
    config_add(&repo, &command_agent_config(&repo, &issue_01_script(&[("deploy/app.yml", "replicas: 2\n")])));
    let out = with_token(&repo, &["m1", "--autonomous", "--skip-code-review"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("⚠️ Protected surface (Infrastructure): deploy/app.yml → needs-human"), "{text}");
    assert!(
        text.contains("✓ PR #1 created\n✓ Label: needs-human\n👀 Held back from auto-merge: needs-human"),
        "{text}"
    );
    // On "GitHub": the label made with the seed's colour and description, on PR #1.
    let st = fake.state();
    let label = st.label("needs-human").expect("the label was created");
    assert_eq!(
        (label.color.as_str(), label.description.as_str()),
        ("B60205", "Protected surface requires human review")
    );
    assert_eq!(st.prs[0].labels, ["needs-human"]);
    assert!(st.prs[0].open && st.prs[0].merged_sha.is_none() && !st.prs[0].auto_merge, "{:?}", st.prs[0]);
    drop(st);
    assert_eq!(
        fake.bodies("POST /labels"),
        vec![
            json!({"name": "needs-human", "color": "B60205", "description": "Protected surface requires human review"})
        ]
    );
    assert_eq!(fake.bodies("POST /issues/1/labels"), vec![json!({"labels": ["needs-human"]})]);
    // Neither merged (REST) nor handed to auto-merge (GraphQL).
    let log = fake.log();
    assert!(!log.iter().any(|l| l.contains("/pulls/1/merge") || l.contains("/pulls/1/update-branch")), "{log:?}");
    assert!(fake.bodies("POST /graphql").is_empty(), "{:?}", fake.bodies("POST /graphql"));
    assert!(!origin_git(&repo, &["ls-tree", "-r", "--name-only", BASE]).contains("deploy/app.yml"));
    // 👀 Needs Review, and the issue that depends on it waits.
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(row(&p, "03").contains("⬜ Todo"), "{p}");
    assert!(text.contains("  - #03: waiting on #01 (👀 Needs Review)"), "{text}");
    assert!(text.contains("Review needed: 1 (labelled needs-human: a human reviews and merges)"), "{text}");
}

fn run_with_input(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_push_rejected_by_origin_stops_and_retry_succeeds() {
    let (repo, fake) = demo_on_fake();
    let marker: PathBuf = reject_first_issue_push(&repo);
    // `retry` at the push stop; end of input (abort) at the phase boundary.
    let out = run_with_input(with_token(&repo, &["m1"]), "retry\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    let stop = text.find("🛑 Push failed").unwrap_or_else(|| panic!("no push stop in:\n{text}"));
    let after = &text[stop..];
    assert!(after.contains("Error: ") && after.contains("policy: issue pushes are frozen for a moment"), "{after}");
    assert!(after.contains("retry | skip | abort"), "{after}");
    let retried = after.find("🔄 Retrying push...").expect("retried");
    assert!(after[retried..].contains("✓ PR #1 created"), "{after}");
    assert!(after[retried..].contains("✓ Merged into milestone/m1-text-tools"), "{after}");
    assert!(!marker.exists());
    assert!(row(&plan(&repo), "01").contains("| ✅ Done | #1 |"));
    assert!(fake.state().prs[0].merged_sha.is_some());
}

#[test]
fn without_a_token_the_run_stops_before_any_request() {
    let (repo, fake) = demo_on_fake();
    let (path, calls) = fake_gh(&repo, "echo 'not logged in' >&2; exit 1");
    let out = repo.cmd(&["m1", "--autonomous"]).env("PATH", &path).output().unwrap();
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("forge.kind: github needs a GitHub token and none was found: set GH_TOKEN or GITHUB_TOKEN, or log in with `gh auth login`"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("Issue #01"), "{}", stdout(&out));
    assert!(fake.log().is_empty(), "{:?}", fake.log());
    let host = fake.uri().trim_start_matches("http://").to_string();
    let calls = std::fs::read_to_string(calls).unwrap();
    assert_eq!(calls, format!("auth token --hostname {host}\n"));
}

#[test]
fn the_gh_cli_token_is_used_and_a_forbidden_scope_refuses_to_start() {
    let (repo, fake) = demo_on_fake();
    {
        let mut st = fake.state();
        st.token = "gho_from_the_gh_cli".into();
        st.scopes = Some("repo, read:org, workflow, delete_repo".into());
    }
    let (path, _) = fake_gh(&repo, "echo gho_from_the_gh_cli");
    let refs = all_refs(&repo);
    let out = repo.cmd(&["m1", "--autonomous"]).env("PATH", &path).output().unwrap();
    assert_exit(&out, 3);
    assert!(
        stderr(&out).contains("GitHub forge: refusing to start: the GitHub token has the `delete_repo` scope"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("Issue #01"), "{}", stdout(&out));
    assert_eq!(fake.log(), vec!["GET /repos/acme/tools"]);
    assert_eq!(fake.state().auth, vec!["Bearer gho_from_the_gh_cli"]);
    // Refused before anything was made or pushed: no milestone branch, no worktree.
    assert_nothing_made(&repo, &refs);
}

/// The refs here and on origin (to show that a run made nothing).
fn all_refs(repo: &Repo) -> (String, String) {
    (repo.refs(), repo.remote_refs())
}

/// Bootstrap stopped before it made anything: the refs here and on origin are `before` (no
/// milestone branch, nothing pushed) and there is no `../demo-m1` worktree.
#[track_caller]
fn assert_nothing_made(repo: &Repo, before: &(String, String)) {
    assert!(!repo.tmp.path().join("demo-m1").exists(), "a worktree was made");
    assert_eq!(repo.git(&["worktree", "list", "--porcelain"]).matches("worktree ").count(), 1);
    assert_eq!(&all_refs(repo), before);
    assert!(!repo.refs().contains(BASE));
}

/// The demo on a fake whose default branch is `trunk` (on origin too).
fn demo_on_fake_with_trunk() -> (Repo, FakeGithub) {
    let (repo, fake) = demo_on_fake();
    repo.git(&["push", "-q", "origin", "main:trunk"]);
    fake.state().default_branch = "trunk".into();
    (repo, fake)
}

#[test]
fn a_plan_based_on_githubs_default_branch_stops_before_anything_is_made() {
    let (repo, fake) = demo_on_fake_with_trunk();
    crate::support::edit(&repo, PLAN, "Base branch: milestone/m1-text-tools", "Base branch: trunk");
    commit_all(&repo, "base the plan on trunk");
    let refs = all_refs(&repo);
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains(&format!(
            "{PLAN}:3: base branch `trunk` is the GitHub repository's default branch: expected a milestone branch such as `milestone/m1-text-tools`"
        )),
        "{}",
        stderr(&out)
    );
    // Only the repository was read: no PR, no push, no branch, no worktree.
    assert_eq!(fake.log(), vec!["GET /repos/acme/tools"]);
    assert!(fake.state().prs.is_empty());
    assert_nothing_made(&repo, &refs);
}

#[test]
fn a_pr_retargeted_to_githubs_default_branch_is_refused_at_merge() {
    let (repo, fake) = demo_on_fake_with_trunk();
    // Someone edits PR #1 on GitHub as soon as it is opened: its base becomes trunk.
    fake.state().retarget_on_pr = Some((1, "trunk".into()));
    let trunk = origin_git(&repo, &["rev-parse", "trunk"]);
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("✓ PR #1 created") && text.contains("✓ Checks: 1 check passed (test)"), "{text}");
    assert!(text.contains("🛑 Never target main: refusing to merge into `trunk`"), "{text}");
    assert!(stderr(&out).contains("refusing to merge into `trunk`: it is a protected branch"), "{}", stderr(&out));
    let j = journal(&repo);
    let refused: Vec<_> =
        events(&j, "never_main").into_iter().map(|e| (e["op"].clone(), e["branch"].clone())).collect();
    assert_eq!(refused, vec![(json!("merge into"), json!("trunk"))]);
    // Nothing was updated, auto-merged or merged, on GitHub or on origin.
    let log = fake.log();
    assert!(
        !log.iter().any(|l| l.contains("/merge") || l.contains("update-branch") || l.contains("graphql")),
        "{log:?}"
    );
    let st = fake.state();
    assert!(st.prs.iter().all(|p| p.open && p.merged_sha.is_none()), "{:?}", st.prs);
    assert_eq!(st.prs[0].base, "trunk");
    drop(st);
    assert_eq!(origin_git(&repo, &["rev-parse", "trunk"]), trunk);
    assert!(!row(&plan(&repo), "01").contains("Done"), "{}", plan(&repo));
}

fn short(sha: &serde_json::Value) -> String {
    sha.as_str().unwrap()[..7].to_string()
}

#[test]
fn a_head_pushed_during_the_merge_is_409_then_its_checks_are_awaited_and_that_sha_merged() {
    let (repo, fake) = demo_on_fake();
    // Someone pushes to PR #1's branch just as the merge is asked for: GitHub answers 409.
    fake.state().push_head_on_merge = Some(1);
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let merges = fake.bodies("PUT /pulls/1/merge");
    assert_eq!(merges.len(), 2, "{merges:?}");
    let (verified, pushed) = (&merges[0]["sha"], &merges[1]["sha"]);
    assert_ne!(verified, pushed);
    assert_eq!(
        origin_git(&repo, &["log", "-1", "--format=%s", pushed.as_str().unwrap()]),
        "pushed while the merge was asked for"
    );
    // Re-evaluated: the new head's checks were awaited before it was merged.
    let text = stdout(&out);
    let moved = format!("⚠️ Head moved ({} → {}): re-evaluating", short(verified), short(pushed));
    let at = text.find(&moved).unwrap_or_else(|| panic!("no {moved:?} in:\n{text}"));
    let after = &text[at..];
    let checks = after.find("✓ Checks: 1 check passed (test)").expect("checks again");
    assert!(after[checks..].contains("✓ Merged into milestone/m1-text-tools ("), "{after}");
    let log = fake.log();
    let new_checks = log.iter().position(|l| l.contains(&format!("/commits/{}/check-runs", pushed.as_str().unwrap())));
    let second_merge = log.iter().rposition(|l| l == "PUT /repos/acme/tools/pulls/1/merge");
    assert!(new_checks.is_some() && new_checks < second_merge, "{log:?}");
    // GitHub holds the pushed head as merged, and only then is the issue Done.
    let pr = fake.state().prs[0].clone();
    assert_eq!((pr.open, json!(pr.head_sha)), (false, pushed.clone()));
    assert!(pr.merged_sha.is_some());
    assert!(row(&plan(&repo), "01").contains("| ✅ Done | #1 |"), "{}", plan(&repo));
}

#[test]
fn a_merge_answered_409_every_time_is_never_reported_merged() {
    let (repo, fake) = demo_on_fake();
    let conflict = json!({"message": "Head branch was modified. Review and try the merge again."});
    fake.state().fail("PUT", "/pulls/1/merge", 409, conflict, 100);
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.matches("): re-evaluating").count(), 3, "{text}");
    assert!(text.contains("👀 Issue #01 needs review (PR #1): the head kept moving during merge"), "{text}");
    // Three rounds, each waiting for the checks and asking for the same verified head.
    let merges = fake.bodies("PUT /pulls/1/merge");
    assert_eq!(merges.len(), 3);
    assert!(merges.iter().all(|m| m["sha"] == json!(fake.state().prs[0].head_sha)), "{merges:?}");
    let pr = fake.state().prs[0].clone();
    assert!(pr.open && pr.merged_sha.is_none());
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(row(&p, "03").contains("⬜ Todo"), "{p}");
    let j = journal(&repo);
    assert!(events(&j, "merged").iter().all(|e| e["pr"] != 1), "{j:?}");
}

/// The plain countdown lines (no terminal) of one wait, e.g. `⏳ Checks pending on PR #1: 2s left`.
fn countdown_lines<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix) && l.ends_with(" left")).collect()
}

#[test]
fn checks_stuck_in_progress_time_out_into_needs_review_and_dependents_wait() {
    let (repo, fake) = demo_on_fake_waiting(3);
    fake.state().default_runs = vec![Run("test", "in_progress", None)];
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    for want in [
        "⏳ Waiting for checks on PR #1 (1 of 1 checks pending: test; up to 3s)",
        "⏳ Checks still pending: 1 of 1 checks pending: test",
        "👀 Issue #01 needs review (PR #1): checks still pending: 1 of 1 checks pending: test",
        "👀 Issue #02 needs review (PR #2): checks still pending: 1 of 1 checks pending: test",
        "  - #03: waiting on #01 (👀 Needs Review)",
        "  - #04: waiting on #02 (👀 Needs Review)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Without a terminal the time left is printed as plain lines, at most once a second here
    // (a tenth of the wait, or the poll interval if longer).
    for pr in [1, 2] {
        let lines = countdown_lines(&text, &format!("⏳ Checks pending on PR #{pr}: "));
        assert!((1..=3).contains(&lines.len()), "PR #{pr}: {lines:?} in:\n{text}");
        assert!(lines.iter().all(|l| ["1s left", "2s left"].iter().any(|w| l.ends_with(w))), "{lines:?}");
    }
    let p = plan(&repo);
    for (no, want) in [
        ("01", "| 👀 Needs Review | #1 |"),
        ("02", "| 👀 Needs Review | #2 |"),
        ("03", "| ⬜ Todo |"),
        ("04", "| ⬜ Todo |"),
        ("05", "| ⬜ Todo |"),
    ] {
        assert!(row(&p, no).contains(want), "{no}: {p}");
    }
    let log = fake.log();
    assert!(!log.iter().any(|l| l.contains("/merge") || l.contains("graphql")), "{log:?}");
    assert!(fake.state().prs.iter().all(|p| p.open && p.merged_sha.is_none()));
    assert_eq!(origin_git(&repo, &["rev-parse", BASE]), repo.sha(BASE));
}

#[test]
fn auto_merge_enabled_then_merged_by_github_meanwhile_is_done() {
    let (repo, fake) = demo_on_fake();
    {
        let mut st = fake.state();
        st.auto_merge = AutoMerge::Enable;
        // GitHub merges each PR on the second look after auto-merge was enabled.
        st.auto_merge_after_reads = Some(2);
    }
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    for want in [
        "⏳ PR #1: auto-merge enabled: GitHub merges when required checks pass; waiting up to 1m 0s",
        "✓ Merged into milestone/m1-text-tools by auto-merge",
        "  ✅ Completed: 5",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Merged by GitHub, never over REST; the local milestone branch followed.
    assert!(!fake.log().iter().any(|l| l.starts_with("PUT") && l.ends_with("/merge")), "{:?}", fake.log());
    let prs = fake.state().prs.clone();
    assert!(prs.iter().all(|p| p.auto_merge && !p.open && p.merged_sha.is_some()), "{prs:?}");
    assert_eq!(origin_git(&repo, &["rev-parse", BASE]), repo.sha(BASE));
    let j = journal(&repo);
    let merged: Vec<_> = events(&j, "merged").iter().map(|e| (e["pr"].clone(), e["auto_merge"].clone())).collect();
    assert_eq!(merged, (1..=5).map(|n| (json!(n), json!(true))).collect::<Vec<_>>());
    let p = plan(&repo);
    for (no, pr) in [("01", 1), ("03", 2), ("02", 3), ("04", 4), ("05", 5)] {
        assert!(row(&p, no).contains(&format!("| ✅ Done | #{pr} |")), "{}", row(&p, no));
    }
}

#[test]
fn auto_merge_enabled_but_not_merged_in_time_is_left_for_review() {
    let (repo, fake) = demo_on_fake_waiting(2);
    fake.state().auto_merge = AutoMerge::Enable;
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    for want in [
        "⏳ PR #1: auto-merge enabled: GitHub merges when required checks pass; waiting up to 2s",
        "⏳ PR #1 not merged by GitHub within 2s",
        "👀 Issue #01 needs review (PR #1): auto-merge enabled: GitHub merges when required checks pass",
        "  - #03: waiting on #01 (👀 Needs Review)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let lines = countdown_lines(&text, "⏳ Waiting for GitHub's auto-merge of PR #1: ");
    assert!((1..=2).contains(&lines.len()), "{lines:?} in:\n{text}");
    // Auto-merge stays enabled on GitHub; nothing was merged, here or there.
    assert!(!fake.log().iter().any(|l| l.starts_with("PUT") && l.ends_with("/merge")), "{:?}", fake.log());
    let st = fake.state();
    assert!(st.prs[0].auto_merge && st.prs[0].open && st.prs[0].merged_sha.is_none(), "{:?}", st.prs[0]);
    drop(st);
    assert!(row(&plan(&repo), "01").contains("| 👀 Needs Review | #1 |"), "{}", plan(&repo));
    assert!(events(&journal(&repo), "merged").is_empty());
}

#[test]
fn a_pr_github_could_not_update_is_not_merged_while_behind() {
    let (repo, fake) = demo_on_fake();
    {
        let mut st = fake.state();
        // PR #1 falls behind its base, and GitHub refuses to update it (mergeability not yet
        // computed, so no `dirty` state either).
        st.advance_base_on_pr = Some(1);
        let refusal = json!({"message": "merge conflict between base and head", "documentation_url": "https://docs.github.com/rest", "status": "422"});
        st.fail("PUT", "/pulls/1/update-branch", 422, refusal, 100);
    }
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    let want = format!(
        "👀 Issue #01 needs review (PR #1): PR #1 is 1 commit behind `{BASE}` and GitHub could not update it (HTTP 422: merge conflict between base and head): not merged (the branch must be up to date with its base)"
    );
    assert!(text.contains(&want), "missing {want:?} in:\n{text}");
    assert_eq!(fake.bodies("PUT /pulls/1/update-branch").len(), 1);
    // Neither auto-merge nor a REST merge was asked for PR #1.
    assert!(fake.bodies("PUT /pulls/1/merge").is_empty());
    assert!(fake.bodies("POST /graphql").iter().all(|b| b["variables"]["id"] != "PR_kwDOfake1"));
    let pr = fake.state().prs[0].clone();
    assert!(pr.open && pr.merged_sha.is_none());
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(row(&p, "03").contains("⬜ Todo"), "{p}");
    // PR #2 (issue 02, behind the same commit) was updated and merged as usual.
    assert!(row(&p, "02").contains("| ✅ Done | #2 |"), "{p}");
    assert_eq!(fake.bodies("PUT /pulls/2/update-branch").len(), 1);
}

/// The run on the fake GitHub with its output read line by line (no stdin).
fn spawn_on_fake(repo: &Repo) -> (std::process::Child, crate::support::Lines) {
    let mut run = with_token(repo, &["m1", "--autonomous"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = crate::support::Lines::new(run.stdout.take().unwrap());
    (run, out)
}

#[test]
fn panic_while_waiting_for_checks_stops_the_run_at_once_and_drafts_the_pr() {
    let (repo, fake) = demo_on_fake_waiting(1800);
    fake.state().default_runs = vec![Run("test", "in_progress", None)];
    let (mut run, mut out) = spawn_on_fake(&repo);
    out.wait_for("⏳ Waiting for checks on PR #1");
    // GitHub fails the draft request once: the panic's own request keeps its retry.
    let unavailable = json!({"message": "Service Unavailable"});
    fake.state().fail("POST", "/graphql", 503, unavailable, 1);
    let panic = repo.cmd(&["panic"]).env("RUN_MILESTONE_PANIC_WAIT_SECONDS", "20").output().unwrap();
    assert_exit(&panic, 0);
    assert!(stdout(&panic).contains(&format!("✓ Execution halted: m1 (pid {})", run.id())), "{}", stdout(&panic));
    let status = crate::support::exit_within(&mut run, 30);
    assert_eq!(status.code(), Some(3));
    let text = out.rest();
    assert!(
        text.contains(
            "🚨 PANIC triggered\n\n✓ Execution halted\n✓ State saved to IMPLEMENTATION_PLAN.md\n✓ PR #1 left in draft"
        ),
        "{text}"
    );
    let st = fake.state();
    assert!(st.prs[0].draft && st.prs[0].open, "{:?}", st.prs[0]);
    drop(st);
    assert_eq!(fake.bodies("POST /graphql").len(), 2, "the draft request was retried: {:?}", fake.log());
    assert!(row(&plan(&repo), "01").contains("🔄 In Progress"), "{}", plan(&repo));
    assert_eq!(events(&journal(&repo), "panic").len(), 1);
}

#[test]
fn ctrl_c_while_waiting_for_checks_stops_the_run_at_once_and_it_resumes() {
    let (repo, fake) = demo_on_fake_waiting(1800);
    fake.state().default_runs = vec![Run("test", "in_progress", None)];
    let (mut run, mut out) = spawn_on_fake(&repo);
    out.wait_for("⏳ Waiting for checks on PR #1");
    // SAFETY: signalling the child this test spawned.
    unsafe { libc::kill(run.id() as i32, libc::SIGINT) };
    let status = crate::support::exit_within(&mut run, 30);
    assert_eq!(status.code(), Some(3));
    let text = out.rest();
    assert!(
        text.contains("⛔ Milestone aborted\n\ninterrupted (Ctrl-C): state saved\nResume with: run-milestone m1"),
        "{text}"
    );
    assert!(!text.contains("needs review"), "{text}");
    assert!(fake.state().prs.iter().all(|p| p.open && !p.draft && p.merged_sha.is_none()));
    // GitHub's checks finish meanwhile: the resumed run merges everything.
    fake.state().default_runs = vec![Run("test", "completed", Some("success"))];
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    assert_eq!(plan(&repo).lines().filter(|l| l.contains("| ✅ Done |")).count(), 5, "{}", stdout(&out));
}

#[test]
fn a_resumed_run_marks_the_pr_its_panic_drafted_ready_on_github_and_merges_it() {
    let (repo, fake) = demo_on_fake();
    // The panic signal arrives while PR #1 waits for its merge (its checks have passed).
    let out = with_token(&repo, &["m1", "--autonomous"]).env("RUN_MILESTONE_PANIC_AT", "checks").output().unwrap();
    assert_exit(&out, 3);
    assert!(
        stdout(&out).contains(
            "🚨 PANIC triggered\n\n✓ Execution halted\n✓ State saved to IMPLEMENTATION_PLAN.md\n✓ PR #1 left in draft\n"
        ),
        "{}",
        stdout(&out)
    );
    assert!(fake.state().prs[0].draft && fake.state().prs[0].open);
    // The re-run makes it ready for review again on GitHub, then merges it and goes on.
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ PR #1 reused\n✓ PR #1 ready for review again (drafted by the panic)\n"), "{text}");
    assert!(text.contains("  ✅ Completed: 5"), "{text}");
    let pr = fake.state().prs[0].clone();
    assert!(!pr.draft && pr.merged_sha.is_some(), "{pr:?}");
    let mutations: Vec<String> = fake
        .bodies("POST /graphql")
        .iter()
        .filter_map(|b| b["query"].as_str().and_then(|q| q.split(['(', '{']).nth(2)).map(|m| m.trim().to_string()))
        .filter(|m| m != "enablePullRequestAutoMerge")
        .collect();
    assert_eq!(mutations, ["convertPullRequestToDraft", "markPullRequestReadyForReview"], "{mutations:?}");
}

#[test]
fn a_panic_draft_github_refuses_to_mark_ready_is_a_warning_and_the_pr_needs_review() {
    let (repo, fake) = demo_on_fake();
    let out = with_token(&repo, &["m1", "--autonomous"]).env("RUN_MILESTONE_PANIC_AT", "checks").output().unwrap();
    assert_exit(&out, 3);
    assert!(fake.state().prs[0].draft);
    // GitHub refuses the ready-for-review mutation (a permission it does not retry).
    let forbidden = json!({"message": "Resource not accessible by integration"});
    fake.state().fail("POST", "/graphql", 403, forbidden, 1);
    let out = with_token(&repo, &["m1", "--autonomous"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    let err = crate::common::stderr(&out);
    assert!(err.contains("warning: could not mark PR #1 ready for review"), "{err}");
    assert!(text.contains("👀 Issue #01 needs review (PR #1): PR #1 is a draft"), "{text}");
    assert!(!text.contains("ready for review again"), "{text}");
    let pr = fake.state().prs[0].clone();
    assert!(pr.draft && pr.merged_sha.is_none(), "{pr:?}");
    assert!(events(&journal(&repo), "pr_ready").is_empty());
}
