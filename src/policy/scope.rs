//! Cross-boundary changes and sensitive code: an issue tagged `scope: [auth]` may only change
//! the paths `policy.scopes.auth` allows (anything else is a hard stop naming the area it strayed
//! into), and any change to auth or billing code (`sensitive_globs`) gets `sensitive-review`.

use super::evaluate::{Evaluation, HardStopKind, PolicyInput, Rules};
use crate::git::diff::FileChange;

/// The paths a change touches: the path, and the old path of a rename.
fn paths(f: &FileChange) -> impl Iterator<Item = &str> {
    std::iter::once(f.path.as_str()).chain(f.old_path.as_deref())
}

pub(crate) fn check(input: &PolicyInput, rules: &Rules, ev: &mut Evaluation) {
    scope_creep(input, rules, ev);
    let sensitive: Vec<&str> = input
        .diff
        .files
        .iter()
        .filter(|f| paths(f).any(|p| rules.sensitive.is_match(p)))
        .map(|f| f.path.as_str())
        .collect();
    if !sensitive.is_empty() {
        ev.notes.push(format!("⚠️ Sensitive code: {}", sensitive.join(", ")));
        ev.labels.insert(input.config.labels.sensitive.clone());
    }
}

/// Issues without `scope` tags are not checked. A tag without a `policy.scopes` entry is itself a
/// cross-boundary hard stop (the allowed paths are unknown, so nothing can be checked).
fn scope_creep(input: &PolicyInput, rules: &Rules, ev: &mut Evaluation) {
    let tags = input.scope_tags;
    if tags.is_empty() {
        return;
    }
    let tag_list = format!("Scope tags: [{}]", tags.join(", "));
    let unknown: Vec<&str> = tags.iter().map(String::as_str).filter(|t| rules.scope(t).is_none()).collect();
    if !unknown.is_empty() {
        ev.stop(
            HardStopKind::CrossBoundary,
            format!("🛑 Scope unknown: no policy.scopes entry for {}", unknown.join(", ")),
            vec![
                tag_list,
                format!("Define it in .run-milestone.yml (policy.scopes.{}: [<path globs>]), then re-run", unknown[0]),
            ],
        );
        return;
    }
    let allowed: Vec<_> = tags.iter().filter_map(|t| rules.scope(t)).collect();
    let mut areas: Vec<(String, Vec<&str>)> = Vec::new();
    for f in &input.diff.files {
        if paths(f).all(|p| allowed.iter().any(|set| set.is_match(p))) {
            continue;
        }
        let area = rules
            .scopes
            .iter()
            .find(|(tag, set)| !tags.contains(tag) && paths(f).any(|p| set.is_match(p)))
            .map_or("out-of-scope", |(tag, _)| tag.as_str());
        match areas.iter_mut().find(|(a, _)| a == area) {
            Some((_, files)) => files.push(&f.path),
            None => areas.push((area.to_string(), vec![&f.path])),
        }
    }
    let milestone = input.milestone.to_string().to_uppercase();
    for (area, files) in areas {
        ev.stop(
            HardStopKind::CrossBoundary,
            format!("🛑 Scope creep: {area} code in {milestone} ({})", tags.join(", ")),
            vec![format!("Modified: {}", files.join(", ")), tag_list.clone()],
        );
    }
}

#[cfg(test)]
#[path = "scope_tests.rs"]
mod tests;
