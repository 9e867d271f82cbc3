//! The labels the tool puts on a PR, known by their **role** (the seed's "Required Labels"
//! table): each role has a default name, a colour and a description, and all but the TDD
//! violation hold a PR back from auto-merge. The names are configurable (`policy.labels.*`,
//! `policy.surfaces[].label`); whatever a role's label is called, it keeps the role's colour,
//! description and hold.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::PolicyConfig;

/// `needs-human`: a protected surface changed.
pub const NEEDS_HUMAN: &str = "needs-human";
pub const NEEDS_DB_REVIEW: &str = "needs-db-review";
pub const NEEDS_DEP_REVIEW: &str = "needs-dep-review";
pub const SENSITIVE_REVIEW: &str = "sensitive-review";
pub const NEEDS_TEST_REVIEW: &str = "needs-test-review";
pub const TDD_VIOLATION: &str = "tdd-violation";

/// What a label means to run-milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LabelRole {
    /// A protected surface changed (any `policy.surfaces` label without another role).
    NeedsHuman,
    /// Schema migrations (`policy.labels.schema`).
    DbReview,
    /// New dependencies (`policy.labels.dependency`).
    DepReview,
    /// Auth/billing code (`policy.labels.sensitive`).
    Sensitive,
    /// Low coverage (`policy.labels.coverage`).
    TestReview,
    /// A TDD violation happened (`policy.labels.tdd_violation`).
    TddViolation,
}

impl LabelRole {
    pub const ALL: [LabelRole; 6] = [
        LabelRole::NeedsHuman,
        LabelRole::DbReview,
        LabelRole::DepReview,
        LabelRole::Sensitive,
        LabelRole::TestReview,
        LabelRole::TddViolation,
    ];

    /// The seed's name for the role (the default configuration).
    pub fn seed_name(self) -> &'static str {
        match self {
            LabelRole::NeedsHuman => NEEDS_HUMAN,
            LabelRole::DbReview => NEEDS_DB_REVIEW,
            LabelRole::DepReview => NEEDS_DEP_REVIEW,
            LabelRole::Sensitive => SENSITIVE_REVIEW,
            LabelRole::TestReview => NEEDS_TEST_REVIEW,
            LabelRole::TddViolation => TDD_VIOLATION,
        }
    }

    /// Colour without `#`, as the seed's table gives it.
    pub fn colour(self) -> &'static str {
        match self {
            LabelRole::NeedsHuman | LabelRole::Sensitive => "B60205",
            LabelRole::DbReview => "D93F0B",
            LabelRole::DepReview => "FBCA04",
            LabelRole::TestReview => "1D76DB",
            LabelRole::TddViolation => "FF0000",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            LabelRole::NeedsHuman => "Protected surface requires human review",
            LabelRole::DbReview => "Database migrations",
            LabelRole::DepReview => "Dependency changes",
            LabelRole::Sensitive => "Auth/billing code",
            LabelRole::TestReview => "Low coverage",
            LabelRole::TddViolation => "TDD cycle broken",
        }
    }

    /// Whether a label in this role holds its PR back from auto-merge by default.
    pub fn holds(self) -> bool {
        self != LabelRole::TddViolation
    }

    /// The name `policy` gives the role; `None` for [`LabelRole::NeedsHuman`], whose names are
    /// the surface labels.
    fn configured(self, policy: &PolicyConfig) -> Option<&str> {
        let l = &policy.labels;
        match self {
            LabelRole::NeedsHuman => None,
            LabelRole::DbReview => Some(&l.schema),
            LabelRole::DepReview => Some(&l.dependency),
            LabelRole::Sensitive => Some(&l.sensitive),
            LabelRole::TestReview => Some(&l.coverage),
            LabelRole::TddViolation => Some(&l.tdd_violation),
        }
    }
}

/// The role of label `name` under `policy`: a configured `policy.labels.*` name first, then a
/// seed name, then any other surface label (a protected surface: [`LabelRole::NeedsHuman`]).
/// `None`: not one of ours.
pub fn role_of(policy: &PolicyConfig, name: &str) -> Option<LabelRole> {
    let configured = LabelRole::ALL.into_iter().find(|r| r.configured(policy) == Some(name));
    configured
        .or_else(|| LabelRole::ALL.into_iter().find(|r| r.seed_name() == name))
        .or_else(|| policy.surfaces.iter().any(|s| s.label == name).then_some(LabelRole::NeedsHuman))
}

/// The labels that hold a PR back when `policy.hold_labels` is not set: the configured names of
/// the holding roles and every surface label.
pub fn default_holds(policy: &PolicyConfig) -> BTreeSet<String> {
    let named = LabelRole::ALL.into_iter().filter(|r| r.holds()).filter_map(|r| r.configured(policy));
    named.chain(policy.surfaces.iter().map(|s| s.label.as_str())).map(String::from).collect()
}

/// Colour and description per label name, for a forge that creates labels (GitHub).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelStyles {
    roles: BTreeMap<String, LabelRole>,
}

impl LabelStyles {
    /// Every name `policy` may put on a PR (and the seed names), with its role.
    pub fn from_policy(policy: &PolicyConfig) -> LabelStyles {
        let names = LabelRole::ALL
            .into_iter()
            .flat_map(|r| [Some(r.seed_name()), r.configured(policy)])
            .flatten()
            .chain(policy.surfaces.iter().map(|s| s.label.as_str()));
        let roles = names.filter_map(|n| role_of(policy, n).map(|r| (n.to_string(), r))).collect();
        LabelStyles { roles }
    }

    /// Colour (without `#`) and description of label `name`; GitHub's grey for a label that is
    /// not one of ours.
    pub fn style(&self, name: &str) -> (&'static str, &'static str) {
        self.roles.get(name).map(|r| (r.colour(), r.description())).unwrap_or(("EDEDED", "Added by run-milestone"))
    }
}

impl Default for LabelStyles {
    fn default() -> Self {
        LabelStyles::from_policy(&PolicyConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renamed() -> PolicyConfig {
        let mut p = PolicyConfig::default();
        p.labels.sensitive = "security-review".into();
        p.labels.schema = "db".into();
        p.labels.tdd_violation = "tdd-broken".into();
        p.surfaces[0].label = "ops-review".into();
        p
    }

    #[test]
    fn the_default_names_are_the_seed_names_and_all_but_tdd_hold() {
        let p = PolicyConfig::default();
        for r in LabelRole::ALL {
            assert_eq!(role_of(&p, r.seed_name()), Some(r));
        }
        let holds: Vec<String> = default_holds(&p).into_iter().collect();
        assert_eq!(
            holds,
            ["needs-db-review", "needs-dep-review", "needs-human", "needs-test-review", "sensitive-review"]
        );
        assert_eq!(role_of(&p, "docs"), None);
    }

    #[test]
    fn a_renamed_label_keeps_its_role_its_style_and_its_hold() {
        let p = renamed();
        assert_eq!(role_of(&p, "security-review"), Some(LabelRole::Sensitive));
        assert_eq!(role_of(&p, "db"), Some(LabelRole::DbReview));
        assert_eq!(role_of(&p, "tdd-broken"), Some(LabelRole::TddViolation));
        assert_eq!(role_of(&p, "ops-review"), Some(LabelRole::NeedsHuman));
        let holds = default_holds(&p);
        for held in ["security-review", "db", "ops-review", "needs-human", "needs-dep-review", "needs-test-review"] {
            assert!(holds.contains(held), "{held}: {holds:?}");
        }
        assert!(!holds.contains("tdd-broken") && !holds.contains("sensitive-review"), "{holds:?}");
        let styles = LabelStyles::from_policy(&p);
        assert_eq!(styles.style("security-review"), ("B60205", "Auth/billing code"));
        assert_eq!(styles.style("db"), ("D93F0B", "Database migrations"));
        assert_eq!(styles.style("tdd-broken"), ("FF0000", "TDD cycle broken"));
        assert_eq!(styles.style("ops-review"), ("B60205", "Protected surface requires human review"));
        assert_eq!(styles.style("docs"), ("EDEDED", "Added by run-milestone"));
    }
}
