//! Reading a reviewer's verdict, strictly. Backends that support it get [`verdict_schema`] and
//! answer with a JSON object; the others answer in the seed's text format (a `PASS` / `APPROVED` /
//! `ISSUES` line, then numbered or bulleted findings). Anything that is not clearly one verdict —
//! no verdict line, two of them, the other stage's word, `PASS` with findings, `ISSUES` without
//! any, a quality finding without `[CRITICAL]`/`[WARNING]` — is an error, and the caller fails the
//! stage: an unreadable verdict is never a pass.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::{Finding, Severity, Stage, Verdict};
use crate::agent::Status;

static LIST_ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:\d{1,3}[.)]|[-*•+])\s+(\S.*)$").expect("static regex"));
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*[*_]*\[(critical|warning)\][*_]*\s*(?:[:—–-]\s*)?(.*)$").expect("static regex")
});
static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^`?([^\s`()]+?)(?:#L(\d+)(-L?\d+)?|:(\d+)(?::\d+)?)`?[.,;]?$").expect("static regex")
});

/// The JSON schema of a stage's verdict (compact), for `Request::json_schema`. Strict-mode
/// friendly: every property is required and no others are allowed; `location` may be null.
pub fn verdict_schema(stage: Stage) -> String {
    let location =
        json!({"type": ["string", "null"], "description": "file#Lline (e.g. src/api/users.py#L45), or null"});
    let (item, words) = match stage {
        Stage::Spec => (
            json!({
                "type": "object",
                "properties": {
                    "text": {"type": "string", "description": "what is missing, extra or wrong, e.g. \"Missing: rate limiting (criterion #3)\""},
                    "location": location,
                },
                "required": ["text", "location"],
                "additionalProperties": false,
            }),
            ["PASS", "ISSUES"],
        ),
        Stage::Quality => (
            json!({
                "type": "object",
                "properties": {
                    "severity": {"type": "string", "enum": ["CRITICAL", "WARNING"], "description": "CRITICAL: security holes, data loss, crashes, wrong behaviour; WARNING: anything else worth fixing"},
                    "text": {"type": "string", "description": "the issue, e.g. \"SQL injection\""},
                    "location": location,
                },
                "required": ["severity", "text", "location"],
                "additionalProperties": false,
            }),
            ["APPROVED", "ISSUES"],
        ),
    };
    json!({
        "type": "object",
        "properties": {
            "verdict": {"type": "string", "enum": words, "description": format!("{} if the change is good, ISSUES otherwise", words[0])},
            "findings": {"type": "array", "items": item, "description": format!("empty for {}; at least one for ISSUES", words[0])},
        },
        "required": ["verdict", "findings"],
        "additionalProperties": false,
    })
    .to_string()
}

/// Reads `text` as a verdict of `stage`: as JSON when it is a JSON object (bare or in one
/// ```` ```json ```` fence), else in the seed's text format. `Err` says why it cannot be read.
pub fn parse_verdict(stage: Stage, text: &str) -> Result<Verdict, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the reply is empty".into());
    }
    match json_body(trimmed) {
        Some(body) => parse_json(stage, body),
        None => parse_text(stage, trimmed),
    }
}

/// The JSON of a reply that is a bare object or one fenced block holding an object.
fn json_body(text: &str) -> Option<&str> {
    if text.starts_with('{') {
        return Some(text);
    }
    let inner = text.strip_prefix("```")?.strip_suffix("```")?;
    let (lang, body) = inner.split_once('\n')?;
    (matches!(lang.trim(), "" | "json") && body.trim_start().starts_with('{')).then_some(body.trim())
}

fn parse_json(stage: Stage, body: &str) -> Result<Verdict, String> {
    let value: Value = serde_json::from_str(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = value.as_object().ok_or("expected a JSON object")?;
    let word = obj.get("verdict").and_then(Value::as_str).ok_or("the JSON has no \"verdict\" string")?;
    let pass = verdict_word(stage, &word.trim().to_ascii_uppercase())
        .ok_or_else(|| format!("\"verdict\" is {word:?} ({})", expected(stage)))??;
    let findings = match obj.get("findings") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| json_finding(stage, item).map_err(|e| format!("finding {}: {e}", i + 1)))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("\"findings\" is not an array".into()),
    };
    conclude(stage, pass, findings)
}

fn json_finding(stage: Stage, item: &Value) -> Result<Finding, String> {
    let empty = Map::new();
    let (text, obj) = match item {
        Value::String(s) => (s.as_str(), &empty),
        Value::Object(o) => (o.get("text").and_then(Value::as_str).ok_or("no \"text\" string")?, o),
        _ => return Err("expected an object with \"text\" (or a string)".into()),
    };
    let severity = match obj.get("severity") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| Severity::parse(s.trim_matches(['[', ']'])))
                .ok_or_else(|| format!("\"severity\": {v} is not CRITICAL or WARNING"))?,
        ),
    };
    let location = match obj.get("location") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(normalize_location(s.trim())),
        Some(v) => return Err(format!("\"location\": {v} is not a string")),
    };
    finding(stage, severity, text, location)
}

/// A finding from its parts; a `[TAG]` and a trailing location in `text` are read when the
/// parts do not give them. Quality findings must have a severity.
fn finding(stage: Stage, severity: Option<Severity>, text: &str, location: Option<String>) -> Result<Finding, String> {
    let mut text = text.trim().to_string();
    let mut severity = severity;
    if let Some(c) = TAG.captures(&text) {
        severity = severity.or_else(|| Severity::parse(&c[1]));
        text = c[2].trim().to_string();
    }
    let (text, location) = match location {
        Some(l) => (text, Some(l)),
        None => split_location(&text),
    };
    let text = text.trim().trim_end_matches(['—', '–']).trim().to_string();
    if text.is_empty() {
        return Err("the finding has no text".into());
    }
    if stage == Stage::Quality && severity.is_none() {
        return Err(format!("`{text}` is not tagged [CRITICAL] or [WARNING]"));
    }
    Ok(Finding { severity, text, location })
}

/// `text — src/a.py#L45`, `text - src/a.py#L45`, `text (src/a.py:45)` → (`text`, location).
fn split_location(text: &str) -> (String, Option<String>) {
    for sep in [" — ", " – ", " - ", " -- "] {
        if let Some((head, tail)) = text.rsplit_once(sep)
            && LOCATION.is_match(tail.trim())
        {
            return (head.trim().to_string(), Some(normalize_location(tail.trim())));
        }
    }
    if let Some(open) = text.rfind('(')
        && text.ends_with(')')
        && LOCATION.is_match(&text[open + 1..text.len() - 1])
    {
        return (text[..open].trim().to_string(), Some(normalize_location(&text[open + 1..text.len() - 1])));
    }
    (text.to_string(), None)
}

/// `src/a.py:45` → `src/a.py#L45`; backticks and trailing punctuation dropped.
fn normalize_location(loc: &str) -> String {
    match LOCATION.captures(loc) {
        Some(c) => match (c.get(2), c.get(4)) {
            (Some(line), _) => format!("{}#L{}{}", &c[1], line.as_str(), c.get(3).map_or("", |m| m.as_str())),
            (None, Some(line)) => format!("{}#L{}", &c[1], line.as_str()),
            (None, None) => loc.to_string(),
        },
        None => loc.trim_matches('`').to_string(),
    }
}

/// `Some(Ok(true))` for the stage's pass word, `Some(Ok(false))` for `ISSUES`, `Some(Err)` for
/// the other stage's pass word, `None` for anything else.
fn verdict_word(stage: Stage, word: &str) -> Option<Result<bool, String>> {
    match word {
        "ISSUES" => Some(Ok(false)),
        w if w == stage.pass_word() => Some(Ok(true)),
        "PASS" | "APPROVED" => Some(Err(format!("`{word}` is not a {} verdict ({})", stage.label(), expected(stage)))),
        _ => None,
    }
}

fn expected(stage: Stage) -> String {
    format!("expected {} or ISSUES", stage.pass_word())
}

/// A verdict from its word and findings: a pass has none, `ISSUES` at least one.
fn conclude(stage: Stage, pass: bool, findings: Vec<Finding>) -> Result<Verdict, String> {
    match (pass, findings.is_empty()) {
        (true, true) => Ok(Verdict::Pass),
        (true, false) => Err(format!("{} with {} finding(s) attached", stage.pass_word(), findings.len())),
        (false, true) => Err("ISSUES without any finding".into()),
        (false, false) => Ok(Verdict::Issues(findings)),
    }
}

/// A verdict line: the word (in capitals, maybe bold or a heading, maybe after `Verdict:`) alone
/// or followed by a separator and a comment. Returns the word and the comment.
fn verdict_line(line: &str) -> Option<(&str, &str)> {
    if LIST_ITEM.is_match(line) {
        return None;
    }
    let s = line.trim().trim_start_matches(['#', '*', '_', '`', ' ']);
    let s = match s.get(..8) {
        Some(p) if p.eq_ignore_ascii_case("verdict:") => s[8..].trim_start_matches(['*', '_', '`', ' ']),
        _ => s,
    };
    let end = s.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (word, rest) = s.split_at(end);
    if !matches!(word, "PASS" | "APPROVED" | "ISSUES") {
        return None;
    }
    let rest = rest.trim_start_matches(['*', '_', '`']);
    if !(rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace() || "—–-:.,(".contains(c))) {
        return None;
    }
    Some((word, rest.trim_start_matches(|c: char| c.is_whitespace() || "—–-:.,*_".contains(c)).trim_end()))
}

fn parse_text(stage: Stage, text: &str) -> Result<Verdict, String> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("```") && !l.trim_start().starts_with("~~~"))
        .filter(|l| Status::from_reply(l).is_none())
        .collect();
    let verdicts: Vec<(usize, &str, &str)> =
        lines.iter().enumerate().filter_map(|(i, l)| verdict_line(l).map(|(w, rest)| (i, w, rest))).collect();
    let (at, word, comment) = match verdicts.as_slice() {
        [] => {
            return Err(format!(
                "no verdict line ({}: a line `{}` or `ISSUES`); the reply began with: {}",
                expected(stage),
                stage.pass_word(),
                preview(text)
            ));
        }
        [one] => *one,
        many => {
            let words: Vec<&str> = many.iter().map(|(_, w, _)| *w).collect();
            return Err(format!("{} verdict lines ({}): expected exactly one", many.len(), words.join(", ")));
        }
    };
    let pass = verdict_word(stage, word).ok_or("no verdict word")??;
    let mut items: Vec<String> = Vec::new();
    let mut in_item = false;
    for line in &lines[at + 1..] {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(c) = LIST_ITEM.captures(line) {
            items.push(c[1].trim().to_string());
            in_item = true;
        } else if TAG.is_match(line) {
            items.push(line.trim().to_string());
            in_item = true;
        } else if in_item && line.starts_with(char::is_whitespace) {
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            // Prose (a summary, a sub-heading) is not a finding.
            in_item = false;
        }
    }
    if !pass && items.is_empty() && !comment.is_empty() {
        // `ISSUES — Missing: rate limiting`: the one finding is on the verdict line.
        items.push(comment.to_string());
    }
    let findings = items
        .iter()
        .enumerate()
        .map(|(i, item)| finding(stage, None, item, None).map_err(|e| format!("finding {}: {e}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    conclude(stage, pass, findings)
}

/// The first line of `text`, redacted, then cut to at most 120 characters, in backticks.
fn preview(text: &str) -> String {
    let first = text.trim().lines().next().unwrap_or("");
    format!("`{}`", crate::safety::redact::preview(first, 120))
}

#[cfg(test)]
mod tests;
