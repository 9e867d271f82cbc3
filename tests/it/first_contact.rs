//! First contact: `new` scaffolds a milestone that passes `check`, `man` prints the manual, and
//! completions offer the milestone ids of the repository.

use crate::common::{Repo, assert_exit, snapshot, stderr, stdout};

#[test]
fn new_scaffolds_a_milestone_that_passes_check() {
    let repo = Repo::with_contents("app", None);
    let out = repo.run(&["new", "m2", "user-auth"]);
    assert_exit(&out, 0);
    let plan = repo.root.join("milestones/m2-user-auth/IMPLEMENTATION_PLAN.md");
    let spec = repo.root.join("milestones/m2-user-auth/issues/01-first-issue.md");
    assert!(plan.is_file(), "{}", stdout(&out));
    assert!(spec.is_file());
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(text.starts_with("# Milestone m2: User Auth\n"), "{text}");
    assert!(text.contains("Base branch: milestone/m2-user-auth"), "{text}");
    assert!(stdout(&out).contains("milestones/m2-user-auth/IMPLEMENTATION_PLAN.md"), "{}", stdout(&out));
    let check = repo.run(&["check", "m2"]);
    assert_exit(&check, 0);
    assert!(stdout(&check).contains("✓ Passed"), "{}", stdout(&check));
}

#[test]
fn new_uses_the_configured_milestones_dir() {
    let repo = Repo::with_contents("app", None);
    repo.write(".run-milestone.yml", "milestones_dir: plans\n");
    assert_exit(&repo.run(&["new", "3", "search"]), 0);
    assert!(repo.root.join("plans/m3-search/IMPLEMENTATION_PLAN.md").is_file());
    assert_exit(&repo.run(&["check", "m3"]), 0);
}

#[test]
fn new_refuses_to_overwrite_and_changes_nothing() {
    let repo = Repo::demo();
    let before = snapshot(&repo.root);
    // Same id, another slug: the id is taken.
    let out = repo.run(&["new", "m1", "other"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("m1-text-tools"), "{}", stderr(&out));
    // Same folder.
    let out = repo.run(&["new", "m1", "text-tools"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(before, snapshot(&repo.root));
}

#[test]
fn new_rejects_a_slug_that_is_not_a_folder_name() {
    let repo = Repo::with_contents("app", None);
    let before = snapshot(&repo.root);
    for bad in ["User Auth", "../x", "", "x-", "a/b"] {
        let out = repo.run(&["new", "m2", bad]);
        assert_exit(&out, 2);
        assert!(stderr(&out).contains("slug"), "{bad}: {}", stderr(&out));
    }
    assert_eq!(before, snapshot(&repo.root));
}

#[test]
fn man_prints_a_roff_manual_page() {
    let repo = Repo::with_contents("app", None);
    let out = repo.run(&["man"]);
    assert_exit(&out, 0);
    let page = stdout(&out);
    assert!(page.contains(".TH run-milestone 1"), "{page}");
    assert!(page.contains("\\-\\-autonomous"), "{page}");
    assert!(page.contains("EXIT STATUS") || page.contains("Exit codes"), "{page}");
}

#[test]
fn completions_register_a_dynamic_completer() {
    let repo = Repo::with_contents("app", None);
    let out = repo.run(&["completions", "bash"]);
    assert_exit(&out, 0);
    let script = stdout(&out);
    assert!(script.contains("RUN_MILESTONE_COMPLETE"), "{script}");
    assert!(script.contains("complete "), "{script}");
}

/// What the shell sees: fish's protocol (`RUN_MILESTONE_COMPLETE=fish run-milestone -- <words>`).
fn complete(repo: &Repo, words: &[&str]) -> Vec<String> {
    let mut args = vec!["--", "run-milestone"];
    args.extend_from_slice(words);
    let out = repo.cmd(&args).env("RUN_MILESTONE_COMPLETE", "fish").output().unwrap();
    assert_exit(&out, 0);
    stdout(&out).lines().map(|l| l.split('\t').next().unwrap_or_default().to_string()).collect()
}

#[test]
fn completions_offer_the_milestone_ids_of_the_repository() {
    let repo = Repo::demo();
    repo.write("milestones/m4.1-search/IMPLEMENTATION_PLAN.md", "# Milestone m4.1: Search\n");
    let top = complete(&repo, &["m"]);
    assert!(top.contains(&"m1".to_string()), "{top:?}");
    assert!(top.contains(&"m4.1".to_string()), "{top:?}");
    let check = complete(&repo, &["check", ""]);
    assert!(check.contains(&"m1".to_string()) && check.contains(&"m4.1".to_string()), "{check:?}");
    let status = complete(&repo, &["status", "m4"]);
    assert_eq!(status, vec!["m4.1".to_string()], "{status:?}");
}
