//! One redactor for every outbound sink (terminal, journal, PR bodies, notifications, metrics).
//!
//! This is the minimal version the engine uses from day one; the Safety issue extends the
//! patterns and adds exact-value redaction of the secrets the tool holds.

use std::sync::LazyLock;

use regex::Regex;

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"ghp_[A-Za-z0-9]{36}",
        r"sk-[A-Za-z0-9]{48}",
        r"AKIA[A-Z0-9]{16}",
        r"(?i)password\s*[=:]\s*\S+",
        r"(?i)secret\s*[=:]\s*\S+",
        r"(?i)token\s*[=:]\s*\S+",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("static pattern"))
    .collect()
});

/// Replaces every secret-looking value with `[REDACTED]`.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    for re in PATTERNS.iter() {
        if re.is_match(&out) {
            out = re.replace_all(&out, "[REDACTED]").into_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_patterns() {
        let token = format!("ghp_{}", "a1".repeat(18));
        assert_eq!(redact(&format!("use {token} now")), "use [REDACTED] now");
        assert_eq!(redact("password=hunter2 ok"), "[REDACTED] ok");
        assert_eq!(redact("nothing here"), "nothing here");
    }
}
