//! Unit tests of `engine::naming`.

use super::*;

fn issue(n: u32) -> Issue {
    Issue {
        no: crate::plan::IssueNo(n),
        title: "x".into(),
        github: None,
        priority: 0,
        depends: vec![],
        status: crate::plan::Status::Todo,
        pr: None,
        phase: 0,
        line: 1,
        status_span: 0..0,
        pr_span: None,
    }
}

#[test]
fn tool_commits_are_known_by_their_trailers() {
    let m: MilestoneId = "m1".parse().unwrap();
    let fix = tool_commit_message("fix(m1): make the full suite pass (#101)", &m, &issue(1));
    assert_eq!(fix, "fix(m1): make the full suite pass (#101)\n\nRun-Milestone-Issue: m1/01\n");
    assert!(is_tool_commit(&fix, &m, &issue(1)));
    assert!(!is_tool_commit(&fix, &m, &issue(2)), "another issue's commit");
    assert!(is_tool_commit("feat(m1): x (#101)\n\nRun-Milestone-Task: m1/01/2\n", &m, &issue(1)));
    assert!(!is_tool_commit("agent wip red", &m, &issue(1)));
    assert!(
        !is_tool_commit("fix(m1): make the full suite pass (#101)", &m, &issue(1)),
        "a subject alone is not a mark"
    );
}

#[test]
fn task_trailers_are_written_and_read_in_one_format() {
    let m: MilestoneId = "m2".parse().unwrap();
    assert_eq!(task_trailer(&m, &issue(3), 12), "Run-Milestone-Task: m2/03/12");
    let message = format!(
        "feat(m2): a\n\n{}\n  {}\n{}\nRun-Milestone-Task: m2/03/x\n",
        task_trailer(&m, &issue(3), 1),
        task_trailer(&m, &issue(3), 2),
        task_trailer(&m, &issue(4), 5)
    );
    assert_eq!(trailer_tasks(&message, &m, &issue(3)).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(trailer_tasks(&message, &m, &issue(4)).collect::<Vec<_>>(), [5]);
    assert!(is_tool_commit(&format!("x\n\n{}\n", task_trailer(&m, &issue(3), 7)), &m, &issue(3)));
    assert!(!is_tool_commit(&format!("x\n\n{}\n", task_trailer(&m, &issue(3), 7)), &m, &issue(4)));
}

#[test]
fn slugify_words() {
    assert_eq!(slugify("Add user login endpoint!"), "add-user-login-endpoint");
    assert_eq!(slugify("  API  keys (v2) "), "api-keys-v2");
}
