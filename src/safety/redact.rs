//! One redactor for every outbound sink (terminal, journal, PR bodies, notifications, metrics,
//! tracing logs): `redact` replaces every secret it knows with `[REDACTED]`.
//!
//! Two layers, exact values first:
//! 1. **Exact values** the tool holds, in a process-wide registry: `add_exact` (the forge token,
//!    the Telegram bot token) and `add_secret_env` (every environment value of 8+ characters whose
//!    name looks secret). A registered value is caught anywhere, even inside a URL of an HTTP error.
//! 2. **Patterns**: the seed's six (its generic `password=`/`secret=`/`token=` assignments
//!    over-redact on purpose), the provider token families, PEM private key blocks, JWTs,
//!    Telegram bot tokens (also in `api.telegram.org/bot<token>/` URLs) and credentials in URLs.
//!
//! Redaction is deliberately broader than the secret scanner (`super::secrets`), which halts a
//! run only on high-confidence formats.

use std::sync::{LazyLock, RwLock};

use regex::{Regex, RegexSet};

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Exact values shorter than this are not registered (they would redact ordinary words).
pub const MIN_EXACT_LEN: usize = 8;

/// Redaction patterns. A pattern with an `s` group replaces only that group (so
/// `https://user:pass@host` keeps its scheme and host); otherwise the whole match goes.
const PATTERNS: &[&str] = &[
    // The seed's six.
    r"ghp_[A-Za-z0-9]{36}",
    r"sk-[A-Za-z0-9]{48}",
    r"AKIA[A-Z0-9]{16}",
    r"(?i)password\s*[=:]\s*\S+",
    r"(?i)secret\s*[=:]\s*\S+",
    r"(?i)token\s*[=:]\s*\S+",
    // The same assignments as quoted JSON / YAML keys (`"password": "…"`), and API keys.
    r#"(?i)(?:password|passwd|secret|token|api[_-]?key)["']\s*[=:]\s*\S+"#,
    r"(?i)api[_-]?key\s*[=:]\s*\S+",
    // GitHub.
    r"gh[pousr]_[A-Za-z0-9]{20,}",
    r"github_pat_[A-Za-z0-9_]{20,}",
    // Anthropic (before OpenAI: both start with `sk-`; the result is the same either way).
    r"sk-ant-[a-z]+[0-9]*-[A-Za-z0-9_-]{20,}",
    // OpenAI.
    r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}",
    r"sk-[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]*",
    // AWS access key ids.
    r"(?:AKIA|ASIA)[A-Z0-9]{16}",
    // Slack.
    r"xox[abpe]-[A-Za-z0-9-]{10,}",
    // Stripe.
    r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}",
    // Google API keys.
    r"AIza[0-9A-Za-z_-]{30,}",
    // PEM private key blocks, to the END line or, when it is missing, to the end of the text.
    r"-----BEGIN[A-Z0-9 %+]*PRIVATE(?: |%20|\+)KEY[A-Z0-9 %+]*-----(?s:.*?)(?:-----END[A-Z0-9 %+]*PRIVATE(?: |%20|\+)KEY[A-Z0-9 %+]*-----|\z)",
    // The END line of a block whose BEGIN line was cut off (the tail of some output), with the
    // base64 lines right above it.
    r"(?m)(?:^[ \t]*[A-Za-z0-9+/=]*[ \t]*\r?\n)*^[^\n]*-----END[A-Z0-9 %+]*PRIVATE(?: |%20|\+)KEY[A-Z0-9 %+]*-----",
    // JWTs (header and payload are base64url JSON objects: `eyJ`).
    r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
    // Telegram bot tokens, bare and in Bot API URLs.
    r"api\.telegram\.org/bot(?P<s>[^/\s?#]+)",
    r"[0-9]{6,12}:[A-Za-z0-9_-]{30,}",
    // Credentials in URLs: `scheme://user:pass@host`.
    r"[A-Za-z][A-Za-z0-9+.-]*://(?P<s>[^/\s:@]+:[^/\s@]+)@",
];

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    // The patterns are constants covered by the tests: failing to compile is a build bug.
    let set = RegexSet::new(PATTERNS).expect("static redaction patterns");
    let each = PATTERNS.iter().map(|p| Regex::new(p).expect("static redaction pattern")).collect();
    Compiled { set, each }
});

/// Registered exact values, longest first (so a value containing another goes whole).
static EXACT: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Registers a secret value the tool holds; `redact` replaces it wherever it appears (also in
/// its percent-encoded and JSON-escaped forms). Values shorter than 8 characters are ignored.
pub fn add_exact(value: &str) {
    let mut forms = vec![value.to_string(), value.trim().to_string(), percent_encode(value.trim())];
    if let Ok(json) = serde_json::to_string(value.trim()) {
        forms.push(json.trim_matches('"').to_string());
    }
    let mut exact = EXACT.write().unwrap_or_else(|e| e.into_inner());
    for form in forms {
        if form.chars().count() >= MIN_EXACT_LEN && !exact.contains(&form) {
            exact.push(form);
        }
    }
    exact.sort_by_key(|v| std::cmp::Reverse(v.len()));
}

/// Whether an environment or config name looks secret: contains `TOKEN`, `SECRET`, `PASSWORD` or
/// `_KEY` (case-insensitive).
pub fn looks_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "SECRET", "PASSWORD", "_KEY"].iter().any(|p| upper.contains(p))
}

/// Registers the value of every environment variable whose name looks secret
/// (`looks_secret_name`) and whose value has 8+ characters.
pub fn add_secret_env() {
    for (name, value) in std::env::vars_os() {
        let (Some(name), Some(value)) = (name.to_str(), value.to_str()) else { continue };
        if looks_secret_name(name) {
            add_exact(value);
        }
    }
}

/// Replaces every secret-looking value with `[REDACTED]`.
pub fn redact(text: &str) -> String {
    let mut out = redact_exact(text);
    let compiled = &*COMPILED;
    let matches = compiled.set.matches(&out);
    if !matches.matched_any() {
        return out;
    }
    for i in matches.iter() {
        let re = &compiled.each[i];
        if re.is_match(&out) {
            out = replace(re, &out);
        }
    }
    out
}

/// The last `n` lines of `text`, redacted: the whole text is redacted first, so a secret that
/// spans lines (a private key block) goes whole even when the cut falls inside it. Every tail of
/// process output that is shown or stored is taken through this.
pub fn tail(text: &str, n: usize) -> String {
    crate::process::tail(&redact(text), n)
}

/// `text` redacted, then cut to at most `n` characters (`…` appended when cut). The whole text
/// is redacted before the cut, so a secret the cut falls inside goes whole: a cut value would
/// match neither its registered exact value nor a pattern's minimum length. Every preview of
/// output or text that is shown or stored is taken through this.
pub fn preview(text: &str, n: usize) -> String {
    let redacted = redact(text);
    match redacted.char_indices().nth(n) {
        Some((end, _)) => format!("{}…", &redacted[..end]),
        None => redacted,
    }
}

fn redact_exact(text: &str) -> String {
    let exact = EXACT.read().unwrap_or_else(|e| e.into_inner());
    let mut out = None::<String>;
    for value in exact.iter() {
        let current = out.as_deref().unwrap_or(text);
        if current.contains(value.as_str()) {
            out = Some(current.replace(value.as_str(), REDACTED));
        }
    }
    out.unwrap_or_else(|| text.to_string())
}

/// Replaces each match (or only its `s` group) with `[REDACTED]`.
fn replace(re: &Regex, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let Some(m) = caps.name("s").or_else(|| caps.get(0)) else { continue };
        if m.start() < last {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(REDACTED);
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Deterministic pseudo-random text over `alphabet` (xorshift): fake secrets are built at run
    /// time, so no token literal lives in the repository.
    pub(crate) fn rnd(seed: u64, alphabet: &str, n: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chars[(x % chars.len() as u64) as usize]
            })
            .collect()
    }

    pub(crate) const B62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    pub(crate) const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// A PEM block of `kind` (`"PRIVATE KEY"`, `"RSA PRIVATE KEY"`, …) with a random body.
    pub(crate) fn pem(seed: u64, kind: &str) -> String {
        let lines: Vec<String> = (0..6).map(|i| rnd(seed + i, B64, 64)).collect();
        format!("-----{} {kind}-----\n{}\n-----{} {kind}-----", "BEGIN", lines.join("\n"), "END")
    }

    /// (format name, fake secret, the random part that must not survive) for every format.
    pub(crate) fn fakes(seed: u64) -> Vec<(&'static str, String, String)> {
        let body = |n: u64, alphabet: &str, len: usize| rnd(seed * 100 + n, alphabet, len);
        let mut out = Vec::new();
        for (i, p) in ["p", "o", "u", "s", "r"].iter().enumerate() {
            let b = body(i as u64, B62, 36);
            out.push(("github", format!("gh{p}_{b}"), b));
        }
        let (a, b) = (body(10, B62, 22), body(11, B62, 59));
        out.push(("github_pat", format!("github_{}_{a}_{b}", "pat"), b));
        let b = body(12, B64URL, 120);
        out.push(("openai_proj", format!("sk-{}-{b}", "proj"), b));
        let (a, b) = (body(13, B62, 20), body(14, B62, 20));
        out.push(("openai_legacy", format!("sk-{a}{}{}{b}", "T3Blbk", "FJ"), b));
        let b = body(15, B64URL, 93);
        out.push(("anthropic", format!("sk-ant-{}-{b}AA", "api03"), b));
        let b = body(16, B64URL, 93);
        out.push(("anthropic_admin", format!("sk-ant-{}-{b}AA", "admin01"), b));
        let b = body(17, UPPER_DIGITS, 16);
        out.push(("aws", format!("AK{}{b}", "IA"), b));
        let b = body(18, UPPER_DIGITS, 16);
        out.push(("aws_temp", format!("AS{}{b}", "IA"), b));
        let b = body(19, B62, 24);
        out.push(("slack", format!("xox{}-{}-{}-{b}", "b", body(20, "0123456789", 12), body(21, "0123456789", 13)), b));
        let b = body(22, B62, 99);
        out.push(("stripe", format!("sk_{}_{b}", "live"), b));
        let b = body(23, B62, 24);
        out.push(("stripe_restricted", format!("rk_{}_{b}", "live"), b));
        let b = body(24, B64URL, 35);
        out.push(("google", format!("AI{}{b}", "za"), b));
        let key = pem(seed * 100 + 25, "PRIVATE KEY");
        let b = key.lines().nth(2).unwrap_or_default().to_string();
        out.push(("pem", key, b));
        let b = body(27, B64URL, 43);
        out.push(("jwt", format!("ey{}{}.ey{}{}.{b}", "J", body(28, B64URL, 30), "J", body(29, B64URL, 60)), b));
        let b = body(30, B64URL, 35);
        out.push(("telegram", format!("{}:{b}", body(31, "123456789", 10)), b));
        let b = body(32, B62, 20);
        out.push(("url_credentials", format!("https://deploy:{b}@example.com/repo.git"), b));
        out
    }

    /// The secret in JSON, YAML, `.env`, a shell export, a URL and a code string literal.
    pub(crate) fn contexts(name: &str, secret: &str) -> Vec<(&'static str, String)> {
        let yaml = if secret.contains('\n') {
            format!("settings:\n  value: |\n    {}\n", secret.replace('\n', "\n    "))
        } else {
            format!("settings:\n  value: {secret}\n")
        };
        let url = match name {
            "telegram" => format!("GET https://api.telegram.org/bot{secret}/getMe"),
            "url_credentials" => format!("fetching {secret} failed"),
            _ => format!("https://example.com/hook?value={}&x=1", percent_encode(secret)),
        };
        vec![
            ("json", serde_json::json!({ "value": secret, "n": 1 }).to_string()),
            ("yaml", yaml),
            (".env", format!("VALUE={}\n", secret.replace('\n', "\\n"))),
            ("shell", format!("export VALUE=\"{secret}\"\n")),
            ("url", url),
            ("code", format!("client = Client(\"{}\")", secret.replace('\n', "\\n"))),
        ]
    }

    fn leaks(out: &str, random: &str) -> bool {
        random.as_bytes().windows(10).any(|w| out.as_bytes().windows(10).any(|o| o == w))
    }

    #[test]
    fn every_format_in_every_context_is_redacted() {
        for seed in 1..4 {
            for (name, secret, random) in fakes(seed) {
                assert!(random.len() >= 16, "{name}");
                for (ctx, text) in contexts(name, &secret) {
                    let out = redact(&text);
                    assert!(!out.contains(&secret) && !leaks(&out, &random), "{name} in {ctx} leaked: {out}");
                    assert!(out.contains(REDACTED), "{name} in {ctx}: {out}");
                }
                // Any tail of the secret in some output: cut inside it, the rest still goes.
                let output = format!("running\n{secret}\ndone");
                for n in 1..output.lines().count() {
                    let cut = tail(&output, n);
                    let kept = crate::process::tail(&output, n);
                    let shown: Vec<&str> = kept.lines().filter(|l| l.len() >= 16 && random.contains(*l)).collect();
                    assert!(shown.iter().all(|l| !cut.contains(l)), "{name}: tail {n} kept {shown:?}: {cut}");
                }
            }
        }
    }

    #[test]
    fn seed_patterns_and_keeps_the_rest() {
        let token = format!("ghp_{}", "a1".repeat(18));
        assert_eq!(redact(&format!("use {token} now")), "use [REDACTED] now");
        assert_eq!(redact("password=hunter2 ok"), "[REDACTED] ok");
        assert_eq!(redact("Secret: x1 and TOKEN = y2"), "[REDACTED] and [REDACTED]");
        assert_eq!(redact("nothing here"), "nothing here");
        let sha = rnd(7, "0123456789abcdef", 40);
        let uuid = "123e4567-e89b-12d3-a456-426614174000";
        let plain = format!("commit {sha} ({uuid}) at https://example.com/a/b?c=d, 12:30:45, ssh://git@host/x");
        assert_eq!(redact(&plain), plain);
    }

    #[test]
    fn url_credentials_keep_scheme_and_host() {
        let pass = rnd(3, B62, 16);
        assert_eq!(
            redact(&format!("clone https://bot:{pass}@git.example.com/r.git")),
            "clone https://[REDACTED]@git.example.com/r.git"
        );
        let token = format!("{}:{}", rnd(4, "123456789", 10), rnd(5, B64URL, 35));
        assert_eq!(
            redact(&format!("POST https://api.telegram.org/bot{token}/sendMessage: 502")),
            "POST https://api.telegram.org/bot[REDACTED]/sendMessage: 502"
        );
    }

    #[test]
    fn exact_values_inside_urls_of_http_errors() {
        let value = rnd(11, "abcdefghijklmnopqrstuvwxyz0123456789", 24);
        add_exact(&value);
        add_exact("short"); // ignored: under 8 characters
        let err =
            format!("error sending request for url (https://hooks.example.com/v1/{value}/post?retry=1): timed out");
        assert_eq!(
            redact(&err),
            "error sending request for url (https://hooks.example.com/v1/[REDACTED]/post?retry=1): timed out"
        );
        assert_eq!(redact("a short word"), "a short word");
        let spaced = format!("{} {}", rnd(12, B62, 6), rnd(13, B62, 6));
        add_exact(&spaced);
        assert_eq!(redact(&format!("q={}", percent_encode(&spaced))), "q=[REDACTED]");
    }

    #[test]
    fn secret_names() {
        for name in ["GITHUB_TOKEN", "gh_token", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "STRIPE_KEY", "MY_API_KEY_2"] {
            assert!(looks_secret_name(name), "{name}");
        }
        for name in ["PATH", "HOME", "KEYBOARD", "MONKEY", "RUST_LOG"] {
            assert!(!looks_secret_name(name), "{name}");
        }
    }

    #[test]
    fn private_key_blocks_go_whole_even_when_cut() {
        let key = pem(40, "RSA PRIVATE KEY");
        let text = format!("before\n{key}\nafter: ok");
        // Whole: the block goes, the rest stays.
        assert_eq!(redact(&text), "before\n[REDACTED]\nafter: ok");
        // Cut above its END line: the END line goes with the base64 lines above it.
        let lines: Vec<&str> = text.lines().collect();
        let orphan = format!("FAIL: test_x (line 3)\n{}", lines[4..].join("\n"));
        assert_eq!(redact(&orphan), "FAIL: test_x (line 3)\n[REDACTED]\nafter: ok");
        // Cut below its BEGIN line: redacted to the end of the text.
        let open = lines[..4].join("\n");
        assert_eq!(redact(&open), "before\n[REDACTED]");
        // A tail is taken after redacting the whole: a cut inside the block shows only the mark.
        assert_eq!(tail(&text, 2), "[REDACTED]\nafter: ok");
        assert_eq!(tail(&text, 1), "after: ok");
    }

    #[test]
    fn a_finished_process_is_redacted_once_for_all_its_tails() {
        let key = pem(90, "RSA PRIVATE KEY");
        let f =
            crate::process::Finished { combined: format!("start\n{key}\nFAILED (errors=1)\n"), ..Default::default() };
        assert!(f.redacted.get().is_none(), "nothing is redacted before a tail is asked for");
        assert_eq!(f.tail(2), "[REDACTED]\nFAILED (errors=1)");
        assert_eq!(f.redacted.get().map(String::as_str), Some("start\n[REDACTED]\nFAILED (errors=1)\n"));
        // Every later tail cuts the same redacted text: the key block still goes whole.
        for n in 0..12 {
            assert_eq!(f.tail(n), tail(&f.combined, n), "{n}");
        }
    }

    #[test]
    fn a_preview_redacts_before_it_cuts() {
        // For every format and every cut inside the secret, no 10 characters of it survive.
        for (name, secret, random) in fakes(5) {
            let text = format!("note: {secret} and more");
            for n in 7..text.chars().count() {
                let shown = preview(&text, n);
                assert!(!leaks(&shown, &random), "{name}: preview({n}) leaked: {shown}");
            }
        }
        // A registered value cut anywhere goes whole.
        let value = rnd(61, B62, 35);
        add_exact(&value);
        let text = format!("deploy with {value} now");
        for n in 13..text.len() {
            assert!(!preview(&text, n).contains(&value[..8]), "{n}: {}", preview(&text, n));
        }
        assert_eq!(preview(&text, 200), "deploy with [REDACTED] now");
        assert_eq!(preview(&text, 15), "deploy with [RE…");
        assert_eq!(preview("ünïcödé", 3), "ünï…");
        assert_eq!(preview("short", 5), "short");
    }
}
