//! Checks and merges on the GitHub forge against the fake GitHub: pending → green → the
//! GraphQL auto-merge and its clean-status fallback (a REST squash merge with the verified
//! `sha`), red, failed statuses and missing checks, auto-merge merely enabled, `409 Head branch
//! was modified`, update-branch before the merge, and a head still behind its base never merged.

use std::collections::VecDeque;
use std::time::Duration;

use run_milestone::forge::github::GithubSettings;
use run_milestone::forge::github::merge::AUTO_MERGE_ENABLED;
use run_milestone::forge::{BranchUpdate, CheckState, Forge, MergeOutcome, PrState};
use serde_json::json;

use crate::common::Repo;
use crate::github::{BASE, HEAD, connect, connect_with, fake_with_branches, new_pr, request_lines, settings};
use crate::github_fake::{AutoMerge, Run};

#[test]
fn checks_pending_then_green_then_the_clean_status_fallback_merges_with_the_verified_sha() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    let sha = pr.head_sha.clone();
    {
        let mut st = fake.state();
        let pending = vec![Run("test", "in_progress", None), Run("lint", "completed", Some("success"))];
        let green = vec![Run("test", "completed", Some("success")), Run("lint", "completed", Some("success"))];
        st.runs.insert(sha.clone(), VecDeque::from([pending.clone(), pending, green]));
        st.statuses.insert(sha.clone(), vec![("ci/legacy", "success")]);
    }
    let mut states = Vec::new();
    loop {
        let c = f.checks(pr.number).unwrap();
        assert_eq!(c.sha, sha);
        states.push((c.state, c.summary));
        if states.len() > 5 || c.state != CheckState::Pending {
            break;
        }
    }
    assert_eq!(
        states,
        vec![
            (CheckState::Pending, "1 of 3 checks pending: test".to_string()),
            (CheckState::Pending, "1 of 3 checks pending: test".to_string()),
            (CheckState::Success, "3 of 3 checks passed".to_string()),
        ]
    );
    fake.take_log();
    let outcome = f.merge(pr.number, &sha, None).unwrap();
    let merged_sha = fake.state().prs[0].merged_sha.clone().unwrap();
    assert_eq!(outcome, MergeOutcome::Merged { sha: merged_sha.clone() });
    // GraphQL auto-merge first (squash, guarded by the verified head), then the REST fallback.
    let gql = fake.bodies("POST /graphql");
    assert_eq!(gql.len(), 1);
    assert!(gql[0]["query"].as_str().unwrap().contains(
        "enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH, expectedHeadOid: $sha})"
    ));
    assert_eq!(gql[0]["variables"], json!({"id": "PR_kwDOfake1", "sha": sha}));
    assert_eq!(fake.bodies("PUT /pulls/1/merge"), vec![json!({"sha": sha, "merge_method": "squash"})]);
    let pr = f.get_pr(1).unwrap();
    assert_eq!((pr.state, pr.merged_sha.as_deref()), (PrState::Merged, Some(merged_sha.as_str())));
    // Asking again with the same verified head reports the merge; another head is refused.
    assert_eq!(f.merge(1, &sha, None).unwrap(), MergeOutcome::Merged { sha: merged_sha });
    assert!(
        matches!(f.merge(1, "f00", None), Ok(MergeOutcome::Refused { reason }) if reason.contains("already merged"))
    );
}

#[test]
fn red_failed_statuses_and_missing_checks_never_merge_through_the_engine_rules() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    let sha = pr.head_sha.clone();
    let c = f.checks(1).unwrap();
    assert_eq!(
        (c.state, c.summary.as_str()),
        (CheckState::Missing, &*format!("no checks reported for {} (no green CI = no merge)", &sha[..7]))
    );
    fake.state().runs.insert(
        sha.clone(),
        VecDeque::from([vec![Run("test", "completed", Some("failure")), Run("lint", "completed", Some("success"))]]),
    );
    let c = f.checks(1).unwrap();
    assert_eq!((c.state, c.summary.as_str()), (CheckState::Failure, "1 of 2 checks failed: test"));
    assert!(
        c.details.starts_with("✗ test: failure · test failure · https://github.com/acme/tools/runs/100"),
        "{}",
        c.details
    );
    // Green runs but a failed commit status: still red.
    fake.state().runs.insert(sha.clone(), VecDeque::from([vec![Run("test", "completed", Some("success"))]]));
    fake.state().statuses.insert(sha.clone(), vec![("ci/jenkins", "error")]);
    assert_eq!(f.checks(1).unwrap().state, CheckState::Failure);
    // A required check that never reports: not green.
    fake.state().statuses.clear();
    let mut strict =
        connect_with(&repo, GithubSettings { required_checks: vec!["security".into()], ..settings(&fake) });
    let c = strict.checks(1).unwrap();
    assert_eq!((c.state, c.summary.as_str()), (CheckState::Missing, "required check not reported: security"));
    // Within the grace period, no checks yet is pending (CI may still be starting).
    let mut patient = connect_with(&repo, GithubSettings { checks_grace: Duration::from_secs(600), ..settings(&fake) });
    fake.state().runs.clear();
    assert_eq!(patient.checks(1).unwrap().state, CheckState::Pending);
}

#[test]
fn auto_merge_enabled_is_reported_as_not_merged() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    fake.state().auto_merge = AutoMerge::Enable;
    let mut f = connect(&repo, &fake);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    let outcome = f.merge(pr.number, &pr.head_sha, None).unwrap();
    assert_eq!(outcome, MergeOutcome::Refused { reason: AUTO_MERGE_ENABLED.into() });
    assert!(fake.state().prs[0].auto_merge && fake.state().prs[0].open);
    assert_eq!(request_lines(&fake, "/merge"), 0, "no REST merge after auto-merge was enabled");
    // With auto_merge off, the REST merge is used directly.
    let mut direct = connect_with(&repo, GithubSettings { auto_merge: false, ..settings(&fake) });
    assert!(matches!(direct.merge(1, &pr.head_sha, None).unwrap(), MergeOutcome::Merged { .. }));
    assert_eq!(fake.bodies("POST /graphql").len(), 1);
}

#[test]
fn a_409_head_branch_was_modified_and_a_moved_head_never_merge() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    let verified = pr.head_sha.clone();
    // GitHub answers the merge with 409 (the head moved between our read and the merge).
    fake.state().fail(
        "PUT",
        "/pulls/1/merge",
        409,
        json!({"message": "Head branch was modified. Review and try the merge again."}),
        1,
    );
    let outcome = f.merge(1, &verified, None).unwrap();
    assert_eq!(outcome, MergeOutcome::HeadMoved { expected: verified.clone(), actual: verified.clone() });
    assert!(fake.state().prs[0].open && fake.state().prs[0].merged_sha.is_none());

    // The head moved after its checks: HeadMoved before anything is asked to merge.
    let moved = fake.state().push(HEAD);
    fake.take_log();
    assert_eq!(f.merge(1, &verified, None).unwrap(), MergeOutcome::HeadMoved { expected: verified, actual: moved });
    assert_eq!(fake.take_log(), vec!["GET /repos/acme/tools/pulls/1"]);
    assert!(fake.state().prs[0].open);
    // A conflict with the base: nothing merged.
    fake.state().pr(1).conflict = true;
    let sha = fake.state().tip(HEAD).unwrap();
    match f.merge(1, &sha, None).unwrap() {
        MergeOutcome::Conflict { files } => assert_eq!(
            files,
            vec![format!(
                "GitHub reports a conflict between `{HEAD}` and `{BASE}` (https://github.com/acme/tools/pull/1)"
            )]
        ),
        other => panic!("{other:?}"),
    }
    fake.state().pr(1).conflict = false;
    // Drafts and closed PRs are refused.
    fake.state().pr(1).draft = true;
    assert!(matches!(f.merge(1, &sha, None).unwrap(), MergeOutcome::Refused { reason } if reason.contains("draft")));
    fake.state().pr(1).open = false;
    assert!(matches!(f.merge(1, &sha, None).unwrap(), MergeOutcome::Refused { reason } if reason.contains("closed")));
}

#[test]
fn a_merge_whose_answer_was_lost_is_retried_and_reported_merged() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    // GitHub merges, but the answer is a 502; the retried PUT gets 405 (already merged).
    fake.state().fail("PUT", "/pulls/1/merge", 502, json!({"message": "Server Error"}), 1);
    fake.state().failures[0].after = true;
    let merged = f.merge(1, &pr.head_sha, None).unwrap();
    let sha = fake.state().prs[0].merged_sha.clone().unwrap();
    assert_eq!(merged, MergeOutcome::Merged { sha });
    assert_eq!(request_lines(&fake, "PUT /repos/acme/tools/pulls/1/merge"), 2);
}

#[test]
fn update_branch_before_merge_then_the_new_head_is_merged() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    let old = pr.head_sha.clone();
    assert_eq!(f.update_branch(1).unwrap(), BranchUpdate::UpToDate, "nothing to do");
    assert_eq!(request_lines(&fake, "update-branch"), 0);
    fake.state().pr(1).behind_by = 2;
    let BranchUpdate::Moved(new) = f.update_branch(1).unwrap() else { panic!("a new head") };
    assert_ne!(new, old);
    assert_eq!(new, fake.state().tip(HEAD).unwrap());
    assert_eq!(fake.bodies("PUT /pulls/1/update-branch"), vec![json!({"expected_head_sha": old})]);
    assert_eq!(f.update_branch(1).unwrap(), BranchUpdate::UpToDate);
    // The old head is no longer mergeable; the new one is.
    assert!(matches!(f.merge(1, &old, None).unwrap(), MergeOutcome::HeadMoved { .. }));
    assert!(matches!(f.merge(1, &new, None).unwrap(), MergeOutcome::Merged { .. }));
}

#[test]
fn a_head_behind_its_base_is_never_merged_when_its_update_did_not_happen() {
    let repo = Repo::with_contents("app", None);
    let fake = fake_with_branches();
    let mut f = connect(&repo, &fake);
    let pr = f.create_pr(&new_pr(HEAD, BASE)).unwrap();
    fake.state().pr(1).behind_by = 2;
    let not_merged = "not merged (the branch must be up to date with its base)";
    // Without any update: refused after reading and comparing, before auto-merge or merge.
    fake.take_log();
    let outcome = f.merge(1, &pr.head_sha, None).unwrap();
    assert_eq!(outcome, MergeOutcome::Refused { reason: format!("PR #1 is 2 commits behind `{BASE}`: {not_merged}") });
    let log = fake.take_log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0], "GET /repos/acme/tools/pulls/1");
    assert!(log[1].starts_with(&format!("GET /repos/acme/tools/compare/{BASE}...{}", pr.head_sha)), "{log:?}");
    // GitHub accepts the update (202) but never does it: after update_branch_timeout the head
    // is still behind, and the merge names why.
    fake.state().fail("PUT", "/pulls/1/update-branch", 202, json!({"message": "Updating pull request branch."}), 1);
    let why = "GitHub accepted its update but the head had not moved after 2s";
    assert_eq!(f.update_branch(1).unwrap(), BranchUpdate::NotUpdated(why.into()));
    assert_eq!(fake.bodies("PUT /pulls/1/update-branch"), vec![json!({"expected_head_sha": pr.head_sha})]);
    // The reason is what the caller passes, not something the forge remembers.
    let outcome = f.merge(1, &pr.head_sha, None).unwrap();
    assert_eq!(outcome, MergeOutcome::Refused { reason: format!("PR #1 is 2 commits behind `{BASE}`: {not_merged}") });
    let outcome = f.merge(1, &pr.head_sha, Some(why)).unwrap();
    assert_eq!(
        outcome,
        MergeOutcome::Refused { reason: format!("PR #1 is 2 commits behind `{BASE}` and {why}: {not_merged}") }
    );
    assert_eq!(request_lines(&fake, "/merge"), 0);
    assert!(fake.bodies("POST /graphql").is_empty());
    assert!(fake.state().prs[0].open);
    // Up to date again: it merges.
    fake.state().pr(1).behind_by = 0;
    assert!(matches!(f.merge(1, &pr.head_sha, None).unwrap(), MergeOutcome::Merged { .. }));
}
