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
#[path = "naming_tests.rs"]
mod tests;
