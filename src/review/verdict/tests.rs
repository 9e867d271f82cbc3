//! Verdict parsing: every accepted shape (JSON and text) and every unreadable one.

use super::*;

fn f(severity: Option<Severity>, text: &str, location: Option<&str>) -> Finding {
    Finding { severity, text: text.into(), location: location.map(String::from) }
}

fn crit(text: &str, loc: &str) -> Finding {
    f(Some(Severity::Critical), text, Some(loc))
}

fn warn(text: &str, loc: Option<&str>) -> Finding {
    f(Some(Severity::Warning), text, loc)
}

fn issues(stage: Stage, text: &str) -> Vec<Finding> {
    match parse_verdict(stage, text) {
        Ok(Verdict::Issues(list)) => list,
        other => panic!("expected ISSUES from {text:?}, got {other:?}"),
    }
}

#[track_caller]
fn unreadable(stage: Stage, text: &str) -> String {
    match parse_verdict(stage, text) {
        Err(e) => e,
        Ok(v) => panic!("expected an unreadable verdict from {text:?}, got {v:?}"),
    }
}

#[test]
fn text_pass_and_approved() {
    for text in [
        "PASS",
        "PASS — if compliant",
        "  PASS\n",
        "**PASS**",
        "## PASS",
        "Verdict: PASS",
        "PASS.\n\nEvery acceptance criterion is met and nothing extra was added.",
        "I read the spec and the diff.\n\nPASS",
        "```text\nPASS\n```",
        "PASS\nSTATUS: DONE",
    ] {
        assert_eq!(parse_verdict(Stage::Spec, text), Ok(Verdict::Pass), "{text:?}");
    }
    assert_eq!(parse_verdict(Stage::Quality, "APPROVED — quality is good"), Ok(Verdict::Pass));
    assert_eq!(parse_verdict(Stage::Quality, "**APPROVED**\nClean code."), Ok(Verdict::Pass));
}

#[test]
fn text_spec_issues() {
    let got = issues(
        Stage::Spec,
        "ISSUES\n1. Missing: rate limiting (criterion #3)\n2. Extra: added caching (not in spec) — src/cache.py#L1\n\
         3. Wrong: `login()` returns a dict, the spec says a token string — src/auth.py#L42\n",
    );
    assert_eq!(
        got,
        [
            f(None, "Missing: rate limiting (criterion #3)", None),
            f(None, "Extra: added caching (not in spec)", Some("src/cache.py#L1")),
            f(None, "Wrong: `login()` returns a dict, the spec says a token string", Some("src/auth.py#L42")),
        ]
    );
    // Bullets, a comment on the verdict line, blank lines, prose and wrapped items.
    let got = issues(
        Stage::Spec,
        "**ISSUES** — two problems\n\nMissing:\n- `unique_slug` is not implemented\n  (criterion #2)\n\n* Extra: a CLI (src/cli.py:3)\n\nPlease fix.",
    );
    assert_eq!(
        got,
        [
            f(None, "`unique_slug` is not implemented (criterion #2)", None),
            f(None, "Extra: a CLI", Some("src/cli.py#L3")),
        ]
    );
    // The one finding on the verdict line itself.
    assert_eq!(
        issues(Stage::Spec, "ISSUES — Missing: rate limiting (criterion #3)"),
        [f(None, "Missing: rate limiting (criterion #3)", None)]
    );
}

#[test]
fn text_quality_issues() {
    let got = issues(
        Stage::Quality,
        "ISSUES\n1. [CRITICAL] SQL injection — src/api/users.py#L45\n2) [WARNING] error from save() is ignored - src/store.py#L12-L14\n\
         - **[warning]** unclear name `x`\n[CRITICAL]: password logged (src/log.py:9:1)\n",
    );
    assert_eq!(
        got,
        [
            crit("SQL injection", "src/api/users.py#L45"),
            warn("error from save() is ignored", Some("src/store.py#L12-L14")),
            warn("unclear name `x`", None),
            crit("password logged", "src/log.py#L9"),
        ]
    );
    assert_eq!(
        issues(Stage::Quality, "ISSUES — [WARNING] no docstring — a.py#L1"),
        [warn("no docstring", Some("a.py#L1"))]
    );
}

#[test]
fn json_verdicts() {
    assert_eq!(parse_verdict(Stage::Spec, r#"{"verdict":"PASS","findings":[]}"#), Ok(Verdict::Pass));
    assert_eq!(parse_verdict(Stage::Spec, r#"{"verdict":"pass"}"#), Ok(Verdict::Pass));
    assert_eq!(
        parse_verdict(Stage::Quality, "```json\n{\"verdict\": \"APPROVED\", \"findings\": null}\n```"),
        Ok(Verdict::Pass)
    );
    let got = issues(
        Stage::Quality,
        r#"{"verdict":"ISSUES","findings":[
            {"severity":"CRITICAL","text":"SQL injection","location":"src/api/users.py#L45"},
            {"severity":"WARNING","text":"slow loop","location":null},
            {"severity":"warning","text":"x","location":"src/a.py:7"},
            "[CRITICAL] secret in code — src/k.py#L2"
        ]}"#,
    );
    assert_eq!(
        got,
        [
            crit("SQL injection", "src/api/users.py#L45"),
            warn("slow loop", None),
            warn("x", Some("src/a.py#L7")),
            crit("secret in code", "src/k.py#L2"),
        ]
    );
    let got = issues(
        Stage::Spec,
        r#"{"verdict":"ISSUES","findings":[{"text":"Missing: unique_slug (criterion #2)","location":null},{"text":"Extra: cache — src/c.py#L1"}]}"#,
    );
    assert_eq!(
        got,
        [f(None, "Missing: unique_slug (criterion #2)", None), f(None, "Extra: cache", Some("src/c.py#L1"))]
    );
}

#[test]
fn unreadable_text_verdicts() {
    assert_eq!(unreadable(Stage::Spec, ""), "the reply is empty");
    assert_eq!(unreadable(Stage::Spec, "   \n"), "the reply is empty");
    let e = unreadable(Stage::Spec, "Looks good to me!");
    assert_eq!(
        e,
        "no verdict line (expected PASS or ISSUES: a line `PASS` or `ISSUES`); the reply began with: `Looks good to me!`"
    );
    assert!(unreadable(Stage::Spec, "Pass").starts_with("no verdict line"));
    assert!(unreadable(Stage::Spec, "PASSED").starts_with("no verdict line"));
    assert!(unreadable(Stage::Spec, "- PASS").starts_with("no verdict line"));
    assert_eq!(
        unreadable(Stage::Spec, "PASS\n\nISSUES\n1. Missing: x"),
        "2 verdict lines (PASS, ISSUES): expected exactly one"
    );
    assert_eq!(
        unreadable(Stage::Spec, "APPROVED"),
        "`APPROVED` is not a Spec compliance verdict (expected PASS or ISSUES)"
    );
    assert_eq!(
        unreadable(Stage::Quality, "PASS"),
        "`PASS` is not a Code quality verdict (expected APPROVED or ISSUES)"
    );
    assert_eq!(unreadable(Stage::Spec, "PASS\n1. Missing: x"), "PASS with 1 finding(s) attached");
    assert_eq!(unreadable(Stage::Quality, "APPROVED\n- [WARNING] a — b.py#L1"), "APPROVED with 1 finding(s) attached");
    assert_eq!(unreadable(Stage::Spec, "ISSUES"), "ISSUES without any finding");
    assert_eq!(unreadable(Stage::Spec, "ISSUES\nThere are some problems."), "ISSUES without any finding");
    assert_eq!(
        unreadable(Stage::Quality, "ISSUES\n1. SQL injection — src/a.py#L3"),
        "finding 1: `SQL injection` is not tagged [CRITICAL] or [WARNING]"
    );
    assert_eq!(unreadable(Stage::Quality, "ISSUES\n1. [CRITICAL]"), "finding 1: the finding has no text");
}

#[test]
fn unreadable_json_verdicts() {
    assert!(unreadable(Stage::Spec, "{not json").starts_with("invalid JSON: "));
    assert!(unreadable(Stage::Spec, r#"{"verdict":"PASS"} trailing"#).starts_with("invalid JSON: "));
    assert_eq!(unreadable(Stage::Spec, r#"{"findings":[]}"#), "the JSON has no \"verdict\" string");
    assert_eq!(unreadable(Stage::Spec, r#"{"verdict":"OK"}"#), "\"verdict\" is \"OK\" (expected PASS or ISSUES)");
    assert_eq!(
        unreadable(Stage::Quality, r#"{"verdict":"PASS","findings":[]}"#),
        "`PASS` is not a Code quality verdict (expected APPROVED or ISSUES)"
    );
    assert_eq!(unreadable(Stage::Spec, r#"{"verdict":"ISSUES","findings":[]}"#), "ISSUES without any finding");
    assert_eq!(unreadable(Stage::Spec, r#"{"verdict":"ISSUES"}"#), "ISSUES without any finding");
    assert_eq!(
        unreadable(Stage::Spec, r#"{"verdict":"PASS","findings":[{"text":"x","location":null}]}"#),
        "PASS with 1 finding(s) attached"
    );
    assert_eq!(unreadable(Stage::Spec, r#"{"verdict":"ISSUES","findings":"x"}"#), "\"findings\" is not an array");
    assert_eq!(
        unreadable(Stage::Quality, r#"{"verdict":"ISSUES","findings":[{"text":"slow","location":null}]}"#),
        "finding 1: `slow` is not tagged [CRITICAL] or [WARNING]"
    );
    assert_eq!(
        unreadable(Stage::Quality, r#"{"verdict":"ISSUES","findings":[{"severity":"MAJOR","text":"slow"}]}"#),
        "finding 1: \"severity\": \"MAJOR\" is not CRITICAL or WARNING"
    );
    assert_eq!(
        unreadable(Stage::Spec, r#"{"verdict":"ISSUES","findings":[{"location":"a.py#L1"}]}"#),
        "finding 1: no \"text\" string"
    );
    assert_eq!(
        unreadable(Stage::Spec, r#"{"verdict":"ISSUES","findings":[{"text":"  "}]}"#),
        "finding 1: the finding has no text"
    );
    assert_eq!(
        unreadable(Stage::Spec, r#"{"verdict":"ISSUES","findings":[3]}"#),
        "finding 1: expected an object with \"text\" (or a string)"
    );
    assert_eq!(
        unreadable(Stage::Spec, "[1, 2]"),
        "no verdict line (expected PASS or ISSUES: a line `PASS` or `ISSUES`); the reply began with: `[1, 2]`"
    );
}

#[test]
fn schemas_are_strict_json_schemas_per_stage() {
    let spec: Value = serde_json::from_str(&verdict_schema(Stage::Spec)).unwrap();
    assert_eq!(spec["type"], "object");
    assert_eq!(spec["required"], json!(["verdict", "findings"]));
    assert_eq!(spec["additionalProperties"], false);
    assert_eq!(spec["properties"]["verdict"]["enum"], json!(["PASS", "ISSUES"]));
    let item = &spec["properties"]["findings"]["items"];
    assert_eq!(item["required"], json!(["text", "location"]));
    assert_eq!(item["additionalProperties"], false);
    assert_eq!(item["properties"]["location"]["type"], json!(["string", "null"]));
    let quality: Value = serde_json::from_str(&verdict_schema(Stage::Quality)).unwrap();
    assert_eq!(quality["properties"]["verdict"]["enum"], json!(["APPROVED", "ISSUES"]));
    let item = &quality["properties"]["findings"]["items"];
    assert_eq!(item["required"], json!(["severity", "text", "location"]));
    assert_eq!(item["properties"]["severity"]["enum"], json!(["CRITICAL", "WARNING"]));
    assert!(!verdict_schema(Stage::Spec).contains('\n'), "compact, one command-line argument");
}

#[test]
fn the_reply_preview_is_redacted_before_the_cut() {
    use crate::safety::redact::tests::rnd;
    let random = rnd(73, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 35);
    // The 120-character cut falls inside the key.
    let reply = format!("{} key {}{random}\nmore", "y".repeat(100), "AI".to_string() + "za");
    let e = unreadable(Stage::Spec, &reply);
    assert!(e.ends_with(" key [REDACTED]`"), "{e}");
    assert!(!e.contains(&random[..4]), "{e}");
}
