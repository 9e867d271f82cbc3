//! Unit tests of `forge::github::client`.

use super::*;

#[test]
fn api_urls() {
    let gh = ApiUrl::parse("https://api.github.com/").unwrap();
    assert_eq!((gh.origin.as_str(), gh.prefix.as_str()), ("https://api.github.com", ""));
    assert_eq!((gh.graphql_path().as_str(), gh.gh_host().as_str()), ("/graphql", "github.com"));
    let ghes = ApiUrl::parse("https://ghe.example.com/api/v3").unwrap();
    assert_eq!((ghes.origin.as_str(), ghes.prefix.as_str()), ("https://ghe.example.com", "/api/v3"));
    assert_eq!((ghes.graphql_path().as_str(), ghes.gh_host().as_str()), ("/api/graphql", "ghe.example.com"));
    for bad in ["api.github.com", "ftp://x", "https://", "https://u:p@h/x", "https://h/x?y"] {
        assert!(ApiUrl::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_body_without_a_message_is_redacted_before_the_cut() {
    use crate::safety::redact::tests::rnd;
    let random = rnd(89, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 35);
    // Not JSON: the body is quoted, and the 300-character cut falls inside the key.
    let text = format!("<html>{} {}{random}</html>", "w".repeat(280), "AI".to_string() + "za");
    let reply = Reply { status: 502, headers: BTreeMap::new(), text, attempts: 1 };
    let m = reply.message();
    assert!(m.contains(" [REDACTED]</h"), "{m}");
    assert!(!m.contains(&random[..4]), "{m}");
}

#[test]
fn encoding() {
    assert_eq!(encode("feat/m1-01 x"), "feat%2Fm1-01%20x");
    assert_eq!(encode("needs-human"), "needs-human");
    assert_eq!(encode("acme:feat/a"), "acme%3Afeat%2Fa");
}
