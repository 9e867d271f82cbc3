//! Unit tests of `forge::github::token`.

use super::*;

#[test]
fn order_and_empty_values() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    };
    let t = resolve(&env(&[("GH_TOKEN", "a"), ("GITHUB_TOKEN", "b")]), || Some("c".into())).unwrap();
    assert_eq!((t.secret(), t.source()), ("a", TokenSource::GhToken));
    let t = resolve(&env(&[("GH_TOKEN", " "), ("GITHUB_TOKEN", "b\n")]), || Some("c".into())).unwrap();
    assert_eq!((t.secret(), t.source()), ("b", TokenSource::GithubToken));
    let t = resolve(&env(&[]), || Some("c\n".into())).unwrap();
    assert_eq!((t.secret(), t.source()), ("c", TokenSource::GhCli));
    let e = resolve(&env(&[("GH_TOKEN", "")]), || None).unwrap_err();
    assert_eq!(e.to_string(), NO_TOKEN);
    assert_eq!(format!("{:?}", Token::new("ghp_secret", TokenSource::Given)), "Token(given, [REDACTED])");
}
