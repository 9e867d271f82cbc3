//! Protected surfaces (the seed's table: auth, secrets, infrastructure, CI/CD, migrations,
//! dependency manifests): a changed file matching a rule puts the rule's label on the PR, which
//! holds it back from auto-merge until a human looks.

use super::evaluate::{Evaluation, PolicyInput, Rules};

/// One note per matching rule, naming its files; the label once.
pub(crate) fn check(input: &PolicyInput, rules: &Rules, ev: &mut Evaluation) {
    for (rule, set) in &rules.surfaces {
        let files: Vec<&str> = input
            .diff
            .files
            .iter()
            .filter(|f| set.is_match(&f.path) || f.old_path.as_deref().is_some_and(|p| set.is_match(p)))
            .map(|f| f.path.as_str())
            .collect();
        if files.is_empty() {
            continue;
        }
        ev.notes.push(format!("⚠️ Protected surface ({}): {} → {}", rule.name, files.join(", "), rule.label));
        ev.labels.insert(rule.label.clone());
    }
}

#[cfg(test)]
#[path = "surfaces_tests.rs"]
mod tests;
