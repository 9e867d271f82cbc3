//! Issue 2's requirements as real runs of the demo show them: the quality gate runs again only
//! when the plan or a spec changed, an approved task without Verify still blocks its issue, and
//! a status edited by hand is honoured. Every plan edit here leaves nothing to run (or one issue
//! that blocks at once), so each run is a bootstrap and a baseline.

use crate::common::{Repo, assert_exit, stderr, stdout};
use crate::support::{PLAN, edit, plan, row, run_with_input, set_status};

fn issue_branches(repo: &Repo) -> Vec<String> {
    repo.refs().lines().filter(|l| l.contains("refs/heads/feat/")).map(String::from).collect()
}

#[test]
fn a_status_edited_by_hand_is_honoured_by_the_run() {
    let repo = Repo::demo();
    // ⏭️ Skipped in emoji form, the word alone in lower case, 🚫 Blocked: nothing is left to run
    // (#03 waits on #01, #05 on #04).
    set_status(&repo, "01", "⏭️ Skipped");
    set_status(&repo, "02", "skipped");
    set_status(&repo, "04", "🚫 Blocked");
    let before = plan(&repo);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let s = stdout(&out);
    assert!(!s.contains("Starting Issue"), "an issue ran:\n{s}");
    for want in ["#03: waiting on #01 (⏭️ Skipped)", "#05: waiting on #04 (🚫 Blocked)", "⏭️ Skipped: 2 (#01, #02)"]
    {
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
    }
    assert_eq!(plan(&repo), before, "the run rewrote statuses a person set");
    assert_eq!(issue_branches(&repo), Vec::<String>::new());
}

#[test]
fn the_gate_runs_again_only_when_the_plan_or_a_spec_changed() {
    let repo = Repo::demo();
    for no in ["01", "02", "04"] {
        set_status(&repo, no, "⏭️ Skipped");
    }
    let gate_ran = |out: &std::process::Output| {
        assert_exit(out, 0);
        let s = stdout(out);
        let ran = s.contains("Invoking plan-review...") && s.contains("✓ Passed (0 critical, 0 warnings)");
        let skipped = s.contains("✓ Quality gate: passed earlier, plan and specs unchanged");
        assert!(ran != skipped, "the gate both ran and was skipped, or neither:\n{s}");
        ran
    };
    assert!(gate_ran(&repo.run(&["m1", "--autonomous"])), "the first run runs the gate");
    assert!(!gate_ran(&repo.run(&["m1", "--autonomous"])), "nothing changed: the gate is not run again");
    // A status cell is the tool's to edit: it does not count as a change.
    set_status(&repo, "03", "⏭️ Skipped");
    assert!(!gate_ran(&repo.run(&["m1", "--autonomous"])), "a status edit re-ran the gate");
    // A spec edit does.
    edit(
        &repo,
        "milestones/m1-text-tools/issues/05-summary-line.md",
        "## Done Definition\n",
        "## Done Definition\n\nAlso: a summary never ends in a space.\n",
    );
    assert!(gate_ran(&repo.run(&["m1", "--autonomous"])), "a spec changed: the gate runs again");
    assert!(!gate_ran(&repo.run(&["m1", "--autonomous"])), "unchanged since it passed again");
    // And so does a plan edit the gate judges (a title); prose around the tables does not.
    edit(&repo, PLAN, "Small text helpers for textkit", "Small text helpers for the textkit package");
    assert!(!gate_ran(&repo.run(&["m1", "--autonomous"])), "a prose edit re-ran the gate");
    edit(&repo, PLAN, "| Add summary line |", "| Add a summary line |");
    assert!(gate_ran(&repo.run(&["m1", "--autonomous"])), "the plan changed: the gate runs again");
}

#[test]
fn an_approved_task_without_verify_still_blocks_its_issue() {
    let repo = Repo::demo();
    // Issue #01's Task 1 loses its Verify; every other issue is settled or waits on #01.
    edit(
        &repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "**Verify:** `python3 -m unittest tests.test_slug -v`\n",
        "",
    );
    for no in ["02", "03", "04", "05"] {
        set_status(&repo, no, "⏭️ Skipped");
    }
    let out = run_with_input(&repo, &["m1", "--verbose"], "approve\n");
    assert_exit(&out, 0);
    let s = stdout(&out);
    for want in [
        "🛑 Quality gate: 1 critical issue",
        "Issue #01 Task 1 has no Verify command",
        "✓ Approved (recorded)",
        "🚫 Blocked Issue #01: Task 1 has no Verify command",
    ] {
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
    }
    assert!(row(&plan(&repo), "01").contains("| 🚫 Blocked |"), "{}", plan(&repo));
    assert!(plan(&repo).contains("- #01 Task 1 has no Verify command — "), "{}", plan(&repo));
    // Blocked before any work: no issue branch, no commit.
    assert_eq!(issue_branches(&repo), Vec::<String>::new());
    // --verbose logs the decisions: the gate's approval and the issue selection.
    let e = stderr(&out);
    assert!(e.contains("\"command\":\"approve\"") && e.contains("event=\"decision\""), "{e}");
    assert!(e.contains("selected: first eligible by phase, priority, position"), "{e}");
}
