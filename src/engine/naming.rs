//! Names the engine derives: issue branches, PR titles, commit messages, blocked-list entries.

use crate::milestone::MilestoneId;
use crate::plan::{Issue, Spec};

/// The GitHub issue number: the plan's `GitHub` cell, else the spec's `github_issue`.
pub fn github_number(issue: &Issue, spec: Option<&Spec>) -> Option<u64> {
    issue.github.or_else(|| spec.and_then(|s| s.github_issue))
}

/// The issue's slug: from the spec file name, else from the title.
pub fn slug(issue: &Issue, spec: Option<&Spec>) -> String {
    match spec {
        Some(s) => s.slug.clone(),
        None => slugify(&issue.title),
    }
}

/// `feat/<m>-<github issue, else NN>-<slug>`.
pub fn issue_branch(m: &MilestoneId, issue: &Issue, spec: Option<&Spec>) -> String {
    let id = match github_number(issue, spec) {
        Some(n) => n.to_string(),
        None => issue.no.padded(),
    };
    format!("feat/{m}-{id}-{}", slug(issue, spec))
}

/// `feat(<m>): <title> (#<github issue>)`, without the suffix when there is no GitHub number.
pub fn pr_title(m: &MilestoneId, issue: &Issue, spec: Option<&Spec>) -> String {
    with_issue_suffix(format!("feat({m}): {}", issue.title), github_number(issue, spec))
}

/// `feat(<m>): <task title> (#<github issue>)`.
pub fn task_commit_message(m: &MilestoneId, task_title: &str, github: Option<u64>) -> String {
    with_issue_suffix(format!("feat({m}): {task_title}"), github)
}

/// `style(<m>): auto-fix (#<issue>)`.
pub fn lint_commit_message(m: &MilestoneId, github: Option<u64>) -> String {
    with_issue_suffix(format!("style({m}): auto-fix"), github)
}

/// The start of the trailer that marks each task commit of `issue`, `Run-Milestone-Task: <m>/<NN>/`;
/// the task number follows (how a resumed run knows which tasks are done).
pub fn task_trailer_prefix(m: &MilestoneId, issue: &Issue) -> String {
    format!("Run-Milestone-Task: {m}/{}/", issue.no.padded())
}

/// The trailer of Task `task`'s commit: `Run-Milestone-Task: <m>/<NN>/<task>`.
pub fn task_trailer(m: &MilestoneId, issue: &Issue, task: u32) -> String {
    format!("{}{task}", task_trailer_prefix(m, issue))
}

/// The task numbers of `issue` whose trailers `message` carries.
pub fn trailer_tasks<'a>(message: &'a str, m: &MilestoneId, issue: &Issue) -> impl Iterator<Item = u32> + 'a {
    let prefix = task_trailer_prefix(m, issue);
    message.lines().filter_map(move |l| l.trim().strip_prefix(prefix.as_str()).and_then(|n| n.trim().parse().ok()))
}

/// The trailer on every commit the orchestrator makes for an issue besides its task commits
/// (full-suite fixes, review fixes, the lint auto-fix): `Run-Milestone-Issue: <m>/<NN>`. A
/// resumed run keeps these and drops any commit above them that an agent made itself.
pub fn issue_trailer(m: &MilestoneId, issue: &Issue) -> String {
    format!("Run-Milestone-Issue: {m}/{}", issue.no.padded())
}

/// `subject`, a blank line, then the issue trailer: the message of a tool commit for `issue`.
pub fn tool_commit_message(subject: &str, m: &MilestoneId, issue: &Issue) -> String {
    format!("{subject}\n\n{}\n", issue_trailer(m, issue))
}

/// Whether `message` carries one of the tool's trailers for `issue` (a task commit's
/// `Run-Milestone-Task: <m>/<NN>/<task>` or the issue trailer).
pub fn is_tool_commit(message: &str, m: &MilestoneId, issue: &Issue) -> bool {
    let task = task_trailer_prefix(m, issue);
    let other = issue_trailer(m, issue);
    message.lines().map(str::trim).any(|l| l.starts_with(&task) || l == other)
}

fn with_issue_suffix(s: String, github: Option<u64>) -> String {
    match github {
        Some(n) => format!("{s} (#{n})"),
        None => s,
    }
}

/// Lowercase ASCII words joined by `-`.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
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
}
