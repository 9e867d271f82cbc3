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

    #[test]
    fn slugify_words() {
        assert_eq!(slugify("Add user login endpoint!"), "add-user-login-endpoint");
        assert_eq!(slugify("  API  keys (v2) "), "api-keys-v2");
    }
}
