//! The seed's required labels, with their colours and descriptions.

/// `needs-human`: a protected surface changed.
pub const NEEDS_HUMAN: &str = "needs-human";
pub const NEEDS_DB_REVIEW: &str = "needs-db-review";
pub const NEEDS_DEP_REVIEW: &str = "needs-dep-review";
pub const SENSITIVE_REVIEW: &str = "sensitive-review";
pub const NEEDS_TEST_REVIEW: &str = "needs-test-review";
pub const TDD_VIOLATION: &str = "tdd-violation";

/// (name, colour without `#`, description) — the seed's "Required Labels" table.
pub const REQUIRED: [(&str, &str, &str); 6] = [
    (NEEDS_HUMAN, "B60205", "Protected surface requires human review"),
    (NEEDS_DB_REVIEW, "D93F0B", "Database migrations"),
    (NEEDS_DEP_REVIEW, "FBCA04", "Dependency changes"),
    (SENSITIVE_REVIEW, "B60205", "Auth/billing code"),
    (NEEDS_TEST_REVIEW, "1D76DB", "Low coverage"),
    (TDD_VIOLATION, "FF0000", "TDD cycle broken"),
];
