//! Secret exposure detection (the seed's "Secret Exposure Response"): finds credentials in agent
//! output (`scan_text`) and in the lines an issue adds (`scan_diff`), and renders the seed's
//! `🚨 SECRET EXPOSURE DETECTED` block (`exposure_block`). What to do with a hit (halt, `abort`
//! only, nothing pushed) is the engine's decision.
//!
//! A hit means a run halts, so only **high-confidence** formats count: provider token families
//! with their exact shape, a random-looking body (length, Shannon entropy, mixed case, no
//! placeholder words or sequences) and token boundaries, plus PEM private key blocks with a real
//! base64 body. Generic `password=`/`token:` assignments, URL credentials and JWTs are redacted
//! (`super::redact`) but never halt. A hit names the pattern and the location, never the secret.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexSet};

use crate::git::diff::IssueDiff;

/// One detected secret: what it looks like and where, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// The pattern, e.g. `GitHub token (ghp_...)`.
    pub kind: &'static str,
    /// `agent stdout line 47` or `src/x.py:12`.
    pub location: String,
}

/// A token family: `t` is the token, `b` its random body.
struct Family {
    pattern: &'static str,
    kind: fn(&Captures) -> &'static str,
    plausible: fn(&str) -> bool,
}

fn group<'a>(c: &'a Captures, name: &str) -> &'a str {
    c.name(name).map_or("", |m| m.as_str())
}

/// Order matters: of two overlapping matches on a line the earlier family wins.
const FAMILIES: &[Family] = &[
    Family {
        pattern: r"(?:^|[^A-Za-z0-9_])(?P<t>gh(?P<p>[pousr])_(?P<b>[A-Za-z0-9]{36,255}))(?:[^A-Za-z0-9_]|$)",
        kind: |c| match group(c, "p") {
            "p" => "GitHub token (ghp_...)",
            "o" => "GitHub OAuth token (gho_...)",
            "u" => "GitHub user-to-server token (ghu_...)",
            "s" => "GitHub server-to-server token (ghs_...)",
            _ => "GitHub refresh token (ghr_...)",
        },
        plausible: |b| random_enough(b, 3.5, true),
    },
    Family {
        pattern: r"(?:^|[^A-Za-z0-9_])(?P<t>github_pat_(?P<b>[A-Za-z0-9_]{70,255}))(?:[^A-Za-z0-9_]|$)",
        kind: |_| "GitHub fine-grained token (github_pat_...)",
        plausible: |b| random_enough(b, 3.5, true),
    },
    Family {
        pattern: r"(?:^|[^A-Za-z0-9_-])(?P<t>sk-ant-(?P<p>api03|admin01)-(?P<b>[A-Za-z0-9_-]{40,}))",
        kind: |c| match group(c, "p") {
            "api03" => "Anthropic API key (sk-ant-api03-...)",
            _ => "Anthropic admin key (sk-ant-admin01-...)",
        },
        plausible: |b| random_enough(b, 3.5, true),
    },
    Family {
        pattern: r"(?:^|[^A-Za-z0-9_-])(?P<t>sk-(?:proj|svcacct|admin)-(?P<b>[A-Za-z0-9_-]{40,}))",
        kind: |_| "OpenAI API key (sk-proj-...)",
        plausible: |b| random_enough(b, 3.5, true),
    },
    Family {
        pattern: r"(?:^|[^A-Za-z0-9_-])(?P<t>sk-(?P<b>[A-Za-z0-9_-]{10,}T3BlbkFJ[A-Za-z0-9_-]{10,}))",
        kind: |_| "OpenAI API key (sk-...T3BlbkFJ...)",
        plausible: |b| random_enough(b, 3.5, true),
    },
    Family {
        pattern: r"(?:^|[^A-Za-z0-9])(?P<t>(?P<p>AKIA|ASIA)(?P<b>[A-Z0-9]{16}))(?:[^A-Za-z0-9]|$)",
        kind: |c| match group(c, "p") {
            "AKIA" => "AWS access key (AKIA...)",
            _ => "AWS temporary access key (ASIA...)",
        },
        plausible: |b| random_enough(b, 3.0, false),
    },
    Family {
        pattern: r"(?:^|[^A-Za-z0-9_-])(?P<t>xox(?P<p>[abpe])-(?P<b>[A-Za-z0-9-]{20,}))",
        kind: |c| match group(c, "p") {
            "b" => "Slack bot token (xoxb-...)",
            "p" => "Slack user token (xoxp-...)",
            "a" => "Slack app token (xoxa-...)",
            _ => "Slack refresh token (xoxe-...)",
        },
        plausible: |b| {
            let flat: String = b.chars().filter(|c| *c != '-').collect();
            flat.len() >= 20
                && flat.chars().any(|c| c.is_ascii_digit())
                && flat.chars().any(|c| c.is_ascii_alphabetic())
                && random_enough(&flat, 3.0, false)
        },
    },
    Family {
        pattern: r"(?:^|[^A-Za-z0-9_])(?P<t>(?P<p>sk|rk)_live_(?P<b>[A-Za-z0-9]{24,}))(?:[^A-Za-z0-9_]|$)",
        kind: |c| match group(c, "p") {
            "sk" => "Stripe live secret key (sk_live_...)",
            _ => "Stripe live restricted key (rk_live_...)",
        },
        plausible: |b| random_enough(b, 3.5, true),
    },
    Family {
        pattern: r"(?:^|[^A-Za-z0-9_-])(?P<t>AIza(?P<b>[0-9A-Za-z_-]{35}))(?:[^0-9A-Za-z_-]|$)",
        kind: |_| "Google API key (AIza...)",
        plausible: |b| random_enough(b, 3.5, true),
    },
    Family {
        pattern: r"(?:^|[^0-9])(?P<t>[0-9]{8,10}:(?P<b>[A-Za-z0-9_-]{35}))(?:[^A-Za-z0-9_-]|$)",
        kind: |_| "Telegram bot token",
        plausible: |b| random_enough(b, 3.5, true),
    },
];

const PRIVATE_KEY: &str = "Private key (PEM)";
/// Lines searched for the END line of a private key block.
const PEM_MAX_LINES: usize = 200;

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
    pem_begin: Regex,
    pem_end: Regex,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let patterns: Vec<&str> = FAMILIES.iter().map(|f| f.pattern).collect();
    Compiled {
        set: RegexSet::new(&patterns).expect("static secret patterns"),
        each: patterns.iter().map(|p| Regex::new(p).expect("static secret pattern")).collect(),
        pem_begin: Regex::new(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----").expect("static pattern"),
        pem_end: Regex::new(r"-----END[A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----").expect("static pattern"),
    }
});

/// Shannon entropy of `s` in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::<char, usize>::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts.values().map(|&k| k as f64 / n as f64).map(|p| -p * p.log2()).sum()
}

/// Whether a token body looks randomly generated rather than a placeholder.
fn random_enough(body: &str, min_entropy: f64, mixed_case: bool) -> bool {
    const PLACEHOLDERS: &[&str] =
        &["example", "xxxx", "placeholder", "your", "redacted", "dummy", "sample", "changeme", "replace"];
    let lower = body.to_ascii_lowercase();
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return false;
    }
    if mixed_case && !(body.chars().any(|c| c.is_ascii_uppercase()) && body.chars().any(|c| c.is_ascii_lowercase())) {
        return false;
    }
    // `abcdef`, `123456`, `zyxwvu`: typed, not generated.
    let bytes = body.as_bytes();
    let run = |step: i16| bytes.windows(5).any(|w| w.windows(2).all(|p| i16::from(p[1]) - i16::from(p[0]) == step));
    if run(1) || run(-1) {
        return false;
    }
    entropy(body) >= min_entropy
}

/// A detected secret: its kind and its first and last line (1-based).
struct Found {
    kind: &'static str,
    line: usize,
    last: usize,
}

fn scan_lines(text: &str) -> Vec<Found> {
    let c = &*COMPILED;
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for f in c.set.matches(line).iter() {
            for caps in c.each[f].captures_iter(line) {
                let (Some(t), Some(b)) = (caps.name("t"), caps.name("b")) else { continue };
                if taken.iter().any(|&(s, e)| t.start() < e && s < t.end()) || !(FAMILIES[f].plausible)(b.as_str()) {
                    continue;
                }
                taken.push((t.start(), t.end()));
                found.push(Found { kind: (FAMILIES[f].kind)(&caps), line: i + 1, last: i + 1 });
            }
        }
        if let Some(begin) = c.pem_begin.find(line)
            && let Some(last) = private_key_end(&lines, i, begin.end())
        {
            found.push(Found { kind: PRIVATE_KEY, line: i + 1, last: last + 1 });
        }
    }
    found
}

/// The index of the END line of a private key block whose BEGIN marker ends at `from` on line
/// `i`, when its body is real key material: base64 only (between quotes, `\n` escapes and
/// indentation), 64+ characters, high entropy.
fn private_key_end(lines: &[&str], i: usize, from: usize) -> Option<usize> {
    let c = &*COMPILED;
    let mut body = String::new();
    for (j, line) in lines.iter().enumerate().skip(i).take(PEM_MAX_LINES) {
        let seg = if j == i { line.get(from..).unwrap_or("") } else { line };
        let (part, end) = match c.pem_end.find(seg) {
            Some(m) => (&seg[..m.start()], true),
            None => (seg, false),
        };
        for piece in part.split("\\n") {
            let piece = piece.trim().trim_matches(|ch: char| matches!(ch, '"' | '\'' | ',' | '|' | '\\')).trim();
            if piece.is_empty() || piece.contains(':') {
                continue; // blank, or an encrypted key's `Proc-Type:` / `DEK-Info:` header
            }
            if !piece.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
                return None;
            }
            body.push_str(piece);
        }
        if end {
            return (body.len() >= 64 && entropy(&body) >= 4.5).then_some(j);
        }
    }
    None
}

fn dedup(hits: Vec<SecretHit>) -> Vec<SecretHit> {
    let mut seen = HashSet::new();
    hits.into_iter().filter(|h| seen.insert((h.kind, h.location.clone()))).collect()
}

/// High-confidence secrets in `text` (agent or test output), located as `"{source} line {n}"`.
pub fn scan_text(text: &str, source: &str) -> Vec<SecretHit> {
    let hits = scan_lines(text)
        .into_iter()
        .map(|f| SecretHit { kind: f.kind, location: format!("{source} line {}", f.line) })
        .collect();
    dedup(hits)
}

/// High-confidence secrets in the lines an issue adds, located as `file:line` in the new file.
/// A line counts as added when the old file does not have it (a secret already on the base
/// branch is not this issue's); a private key block counts when any of its lines is added.
/// Deleted and binary files are not read.
pub fn scan_diff(diff: &IssueDiff) -> Vec<SecretHit> {
    let mut hits = Vec::new();
    for file in &diff.files {
        let Some(new) = file.new.as_deref() else { continue };
        let old: HashSet<&str> = file.old.as_deref().map(|o| o.lines().collect()).unwrap_or_default();
        let added: Vec<bool> = new.lines().map(|l| !old.contains(l)).collect();
        for f in scan_lines(new) {
            let span = added.get(f.line - 1..f.last.min(added.len())).unwrap_or(&[]);
            if span.iter().any(|a| *a) {
                hits.push(SecretHit { kind: f.kind, location: format!("{}:{}", file.path, f.line) });
            }
        }
    }
    dedup(hits)
}

/// Hits listed in the block; more are counted.
const BLOCK_MAX_HITS: usize = 10;

/// The seed's `🚨 SECRET EXPOSURE DETECTED` block: each hit's pattern and location, the actions
/// taken (e.g. `✗ Output blocked from Telegram`, `✗ Execution halted`), the three steps and
/// `abort (required)`.
pub fn exposure_block(hits: &[SecretHit], actions: &[&str]) -> Vec<String> {
    let mut out = vec!["🚨 SECRET EXPOSURE DETECTED".to_string(), String::new()];
    for (n, hit) in hits.iter().take(BLOCK_MAX_HITS).enumerate() {
        if n > 0 {
            out.push(String::new());
        }
        out.push(format!("Pattern: {}", hit.kind));
        out.push(format!("Location: {}", hit.location));
    }
    if hits.len() > BLOCK_MAX_HITS {
        out.push(format!("… and {} more", hits.len() - BLOCK_MAX_HITS));
    }
    out.extend(["", "Action taken:"].map(String::from));
    out.extend(actions.iter().map(|a| a.to_string()));
    out.extend(
        [
            "",
            "IMMEDIATE ACTION REQUIRED:",
            "1. Revoke token: gh auth logout && gh auth login",
            "2. Rotate any exposed credentials",
            "3. Check git history for commits",
            "",
            "abort (required)",
        ]
        .map(String::from),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::diff::FileChange;
    use crate::git::ops::ChangeKind;
    use crate::safety::redact::tests::{B62, contexts, fakes, pem, rnd};

    /// Formats that are redacted but never halt.
    const REDACT_ONLY: &[&str] = &["jwt", "url_credentials"];

    fn family(name: &str) -> &'static str {
        match name.split('_').next().unwrap_or(name) {
            "github" => "GitHub",
            "openai" => "OpenAI",
            "anthropic" => "Anthropic",
            "aws" => "AWS",
            "slack" => "Slack",
            "stripe" => "Stripe",
            "google" => "Google",
            "pem" => "Private key",
            _ => "Telegram",
        }
    }

    #[test]
    fn every_high_confidence_format_halts_in_every_context() {
        for seed in 1..4 {
            for (name, secret, random) in fakes(seed).into_iter().filter(|f| !REDACT_ONLY.contains(&f.0)) {
                for (ctx, text) in contexts(name, &secret) {
                    if name == "pem" && ctx == "url" {
                        continue; // percent-encoded: redacted, not scanned
                    }
                    let hits = scan_text(&text, "stdout");
                    assert!(
                        hits.iter().any(|h| h.kind.starts_with(family(name)) && h.location.starts_with("stdout line ")),
                        "{name} in {ctx} not detected: {hits:?}\n{text}"
                    );
                    assert!(!format!("{hits:?}").contains(&random[..12]), "{name}: the hit shows the secret");
                }
            }
        }
    }

    #[test]
    fn near_misses_never_halt() {
        let x36 = "x".repeat(36);
        let mut near = vec![
            "token: str".to_string(),
            "def login(user: str, token: str) -> bool:".into(),
            r#"password="secret""#.into(),
            format!("GITHUB_TOKEN=gh{}_dev_only_token  # repo scope only", "p"),
            format!("gh{}_{x36}", "p"),
            format!("gh{}_{}", "p", "X".repeat(36)),
            format!("gh{}_{}", "p", "abcdefghijklmnopqrstuvwxyz0123456789"),
            format!("gh{}_{}", "o", "aBcDeFgHiJ".repeat(4)),
            format!("AK{}{}", "IA", "IOSFODNN7EXAMPLE"),
            format!("AWS_ACCESS_KEY_ID=AS{}{}", "IA", "XXXXXXXXXXXXXXXX"),
            "token: ${{ secrets.GITHUB_TOKEN }}".into(),
            "export TOKEN=${GITHUB_TOKEN}".into(),
            rnd(1, "0123456789abcdef", 40),
            "id = \"123e4567-e89b-12d3-a456-426614174000\"".into(),
            "postgresql://postgres:postgres@localhost:5432/app".into(),
            format!("sk_{}_{}", "test", rnd(2, B62, 24)),
            format!("sk-ant-{}-your-key-here", "api03"),
            format!("AI{}{}", "za", "YourGoogleApiKeyGoesHere_0000000000"),
            format!("xox{}-your-slack-token-here", "b"),
            "started 12:30:45, 20261121:ok".into(),
            format!("ey{}{}.ey{}{}.{}", "J", rnd(3, B62, 30), "J", rnd(4, B62, 40), rnd(5, B62, 43)),
            format!("-----{} PRIVATE KEY-----\n...\n-----{} PRIVATE KEY-----", "BEGIN", "END"),
            format!("-----{} PRIVATE KEY-----\nthe key goes here, see docs\n-----{} PRIVATE KEY-----", "BEGIN", "END"),
        ];
        near.push(near.join("\n"));
        for text in &near {
            assert_eq!(scan_text(text, "stdout"), vec![], "{text}");
        }
        let diff = IssueDiff { files: vec![change("notes.md", None, Some(&near.join("\n")))], patch: String::new() };
        assert_eq!(scan_diff(&diff), vec![]);
    }

    fn change(path: &str, old: Option<&str>, new: Option<&str>) -> FileChange {
        FileChange {
            path: path.into(),
            old_path: None,
            kind: ChangeKind::Modified,
            added: 0,
            deleted: 0,
            old: old.map(String::from),
            new: new.map(String::from),
        }
    }

    #[test]
    fn diff_locations_are_added_lines_of_the_new_file() {
        let (old_token, new_token) = (format!("ghp_{}", rnd(7, B62, 36)), format!("ghp_{}", rnd(8, B62, 36)));
        let old = format!("import os\nKEY = \"{old_token}\"\n");
        let new = format!("import os\nKEY = \"{old_token}\"\n\ndef f():\n    return \"{new_token}\"\n");
        let key = pem(9, "EC PRIVATE KEY");
        let diff = IssueDiff {
            files: vec![
                change("src/x.py", Some(&old), Some(&new)),
                change("gone.py", Some(&new), None),
                change("certs/dev.pem", None, Some(&format!("# dev\n{key}\n"))),
            ],
            patch: String::new(),
        };
        let hits = scan_diff(&diff);
        let want = |kind, location: &str| SecretHit { kind, location: location.into() };
        assert_eq!(
            hits,
            vec![want("GitHub token (ghp_...)", "src/x.py:5"), want("Private key (PEM)", "certs/dev.pem:2")]
        );
    }

    #[test]
    fn text_locations_and_the_seed_block() {
        let token = format!("ghp_{}", rnd(10, B62, 36));
        let hits = scan_text(&format!("running\nok\nusing {token} twice {token}\n"), "stdout");
        assert_eq!(hits, vec![SecretHit { kind: "GitHub token (ghp_...)", location: "stdout line 3".into() }]);
        let seed = SecretHit { kind: "GitHub token (ghp_...)", location: "stdout line 47".into() };
        let actions = ["✗ Output blocked from Telegram", "✗ Execution halted", "⚠️ Token may be compromised"];
        let block = exposure_block(&[seed], &actions).join("\n");
        assert_eq!(
            block,
            "🚨 SECRET EXPOSURE DETECTED\n\nPattern: GitHub token (ghp_...)\nLocation: stdout line 47\n\nAction taken:\n✗ Output blocked from Telegram\n✗ Execution halted\n⚠️ Token may be compromised\n\nIMMEDIATE ACTION REQUIRED:\n1. Revoke token: gh auth logout && gh auth login\n2. Rotate any exposed credentials\n3. Check git history for commits\n\nabort (required)"
        );
        let many: Vec<SecretHit> = (1..=12).map(|n| SecretHit { kind: "JWT", location: format!("x:{n}") }).collect();
        assert!(exposure_block(&many, &[]).contains(&"… and 2 more".to_string()));
    }

    #[test]
    fn entropy_in_bits_per_character() {
        assert_eq!(entropy(""), 0.0);
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abab") - 1.0).abs() < 1e-9);
        assert!(entropy(&rnd(11, B62, 36)) > 4.0);
    }
}
