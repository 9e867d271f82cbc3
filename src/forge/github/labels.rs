//! Labels: each label is created in the repository when missing — ours (a role of
//! [`crate::policy::labels::LabelRole`], under its configured name) with the role's colour and
//! description, any other label in GitHub's default grey — then added to the PR (GitHub itself
//! would create a missing label without colour or description).

use std::collections::BTreeSet;

use serde_json::json;

use super::client::{Client, Method, encode};
use crate::forge::ForgeError;
use crate::policy::labels::LabelStyles;

/// Creates `name` unless it exists (remembered in `known` for the rest of the run).
///
/// Documentation: https://docs.github.com/en/rest/issues/labels#get-a-label
/// Documentation: https://docs.github.com/en/rest/issues/labels#create-a-label
pub fn ensure(c: &Client, styles: &LabelStyles, known: &mut BTreeSet<String>, name: &str) -> Result<(), ForgeError> {
    if known.contains(name) {
        return Ok(());
    }
    let reply = c.send(Method::Get, &c.repo_path(&format!("/labels/{}", encode(name))), None)?;
    match reply.status {
        200 => {}
        404 => {
            let (color, description) = styles.style(name);
            let body = json!({ "name": name, "color": color, "description": description });
            let created = c.send(Method::Post, &c.repo_path("/labels"), Some(&body))?;
            // 422 already_exists: created meanwhile by someone else — fine.
            let raced = created.status == 422 && created.message().contains("already_exists");
            if !created.ok() && !raced {
                return Err(created.error(&format!("create label `{name}`")));
            }
            tracing::debug!(label = name, color, "GitHub: label created");
        }
        _ => return Err(reply.error(&format!("get label `{name}`"))),
    }
    known.insert(name.to_string());
    Ok(())
}

/// Ensures each label exists, then adds them all to PR `number`.
///
/// Documentation: https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue
pub fn add(
    c: &Client,
    styles: &LabelStyles,
    known: &mut BTreeSet<String>,
    number: u64,
    labels: &[String],
) -> Result<(), ForgeError> {
    let labels: Vec<&str> = labels.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
    if labels.is_empty() {
        return Ok(());
    }
    for l in &labels {
        ensure(c, styles, known, l)?;
    }
    let reply =
        c.send(Method::Post, &c.repo_path(&format!("/issues/{number}/labels")), Some(&json!({ "labels": labels })))?;
    if !reply.ok() {
        return Err(reply.error(&format!("add labels to PR #{number}")));
    }
    Ok(())
}
