//! Judging a declared license: the SPDX expression is parsed (leniently: deprecated ids like
//! `GPL-3.0`, `Apache 2.0`, `MIT License`, lower case) and evaluated with the `spdx` crate, so
//! `MIT OR GPL-3.0` is permissive (a choice avoids GPL) while `MIT AND GPL-3.0` is not. Anything
//! that does not parse, `UNLICENSED`, `SEE LICENSE IN …` and custom `LicenseRef-`s stop.

use globset::GlobSet;
use spdx::expression::{ExprNode, Expression};
use spdx::identifiers::{EXCEPTIONS, LICENSES};
use spdx::{LicenseItem, LicenseReq, ParseMode};

/// What a declared license means for a new dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Some choice avoids every restrictive license: label and continue.
    Permissive,
    /// No license found: hard stop.
    Unknown,
    /// Restrictive, custom or unreadable: hard stop, with the reason.
    Stop(String),
}

/// Whole-value spellings seen in the wild (lower case, single spaces, no leading `the `).
const ALIASES: &[(&str, &str)] = &[
    ("mit license", "MIT"),
    ("mit/x11", "MIT"),
    ("expat", "MIT"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache license version 2.0", "Apache-2.0"),
    ("apache software license", "Apache-2.0"),
    ("apache software license 2.0", "Apache-2.0"),
    ("apache 2", "Apache-2.0"),
    ("apache v2", "Apache-2.0"),
    ("apache-2", "Apache-2.0"),
    ("asl 2.0", "Apache-2.0"),
    ("bsd license", "BSD-3-Clause"),
    ("new bsd license", "BSD-3-Clause"),
    ("new bsd", "BSD-3-Clause"),
    ("modified bsd license", "BSD-3-Clause"),
    ("revised bsd license", "BSD-3-Clause"),
    ("3-clause bsd license", "BSD-3-Clause"),
    ("bsd 3-clause", "BSD-3-Clause"),
    ("bsd-3", "BSD-3-Clause"),
    ("simplified bsd", "BSD-2-Clause"),
    ("2-clause bsd license", "BSD-2-Clause"),
    ("bsd-2", "BSD-2-Clause"),
    ("isc license", "ISC"),
    ("isc license (iscl)", "ISC"),
    ("mpl 2.0", "MPL-2.0"),
    ("mozilla public license 2.0", "MPL-2.0"),
    ("mozilla public license 2.0 (mpl 2.0)", "MPL-2.0"),
    ("psf", "PSF-2.0"),
    ("psf license", "PSF-2.0"),
    ("psfl", "PSF-2.0"),
    ("python software foundation license", "PSF-2.0"),
    ("zlib/libpng license", "Zlib"),
    ("unlicense", "Unlicense"),
    ("the unlicense (unlicense)", "Unlicense"),
    ("boost software license 1.0 (bsl-1.0)", "BSL-1.0"),
    ("gnu general public license", "GPL-2.0-or-later"),
    ("gnu general public license (gpl)", "GPL-2.0-or-later"),
    ("gnu general public license v2 (gplv2)", "GPL-2.0-only"),
    ("gnu general public license v3 (gplv3)", "GPL-3.0-only"),
    ("gnu general public license v3 or later (gplv3+)", "GPL-3.0-or-later"),
    ("gnu general public license v2 or later (gplv2+)", "GPL-2.0-or-later"),
    ("gnu lesser general public license v2 (lgplv2)", "LGPL-2.0-only"),
    ("gnu lesser general public license v3 (lgplv3)", "LGPL-3.0-only"),
    ("gnu lesser general public license v2 or later (lgplv2+)", "LGPL-2.0-or-later"),
    ("gnu lesser general public license v3 or later (lgplv3+)", "LGPL-3.0-or-later"),
    ("gnu library or lesser general public license (lgpl)", "LGPL-2.0-or-later"),
    ("gnu affero general public license v3", "AGPL-3.0-only"),
    ("gnu affero general public license v3 or later (agplv3+)", "AGPL-3.0-or-later"),
    ("lgplv2", "LGPL-2.0-only"),
    ("lgplv2+", "LGPL-2.0-or-later"),
    ("lgplv3", "LGPL-3.0-only"),
    ("lgplv3+", "LGPL-3.0-or-later"),
    ("agplv3+", "AGPL-3.0-or-later"),
];

/// `value` as an SPDX expression the `spdx` crate can parse in lax mode: a whole-value alias,
/// else each term with its id's canonical case (`apache-2.0` → `Apache-2.0`).
pub fn to_spdx(value: &str) -> String {
    let key = value.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    let key = key.strip_prefix("the ").unwrap_or(&key);
    if let Some((_, id)) = ALIASES.iter().find(|(k, _)| *k == key) {
        return id.to_string();
    }
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push_str(&canonical(word));
            word.clear();
        }
    };
    for c in value.trim().chars() {
        if c.is_whitespace() || c == '(' || c == ')' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// One term with the canonical case of its SPDX license or exception id, operators upper-cased.
fn canonical(word: &str) -> String {
    let (base, plus) = match word.strip_suffix('+') {
        Some(b) => (b, "+"),
        None => (word, ""),
    };
    if ["and", "or", "with"].contains(&base.to_ascii_lowercase().as_str()) {
        return base.to_ascii_uppercase();
    }
    if let Some(l) = LICENSES.iter().find(|l| l.name.eq_ignore_ascii_case(base)) {
        return format!("{}{plus}", l.name);
    }
    if let Some(e) = EXCEPTIONS.iter().find(|e| e.name.eq_ignore_ascii_case(base)) {
        return format!("{}{plus}", e.name);
    }
    word.to_string()
}

/// A Python trove classifier (`License :: OSI Approved :: MIT License`) as an SPDX expression,
/// when it names a license we recognise.
pub fn classifier_to_spdx(classifier: &str) -> Option<String> {
    let last = classifier.rsplit("::").next()?.trim();
    let inner = last.rfind('(').and_then(|o| last[o + 1..].strip_suffix(')').map(str::trim));
    [last, inner.unwrap_or("")]
        .into_iter()
        .filter(|c| !c.is_empty())
        .map(to_spdx)
        .find(|s| Expression::parse_mode(s, ParseMode::LAX).is_ok())
}

fn allowed(req: &LicenseReq, restrictive: &GlobSet) -> bool {
    match &req.license {
        LicenseItem::Spdx { id, .. } => !restrictive.is_match(id.name),
        LicenseItem::Other(_) => false,
    }
}

/// Judges a declared license value (`None`: no license found).
pub fn assess(declared: Option<&str>, restrictive: &GlobSet) -> Verdict {
    let Some(value) = declared.map(str::trim).filter(|d| !d.is_empty()) else { return Verdict::Unknown };
    if value.eq_ignore_ascii_case("UNLICENSED") {
        return Verdict::Stop("UNLICENSED: the package grants no license to use it".into());
    }
    if value.to_ascii_uppercase().starts_with("SEE LICENSE IN") {
        return Verdict::Stop(format!("custom license terms ({value}): read them"));
    }
    let expr = match Expression::parse_mode(&to_spdx(value), ParseMode::LAX) {
        Ok(e) => e,
        Err(e) => return Verdict::Stop(format!("`{value}` is not a license expression we can read ({})", e.reason)),
    };
    if expr.evaluate(|req| allowed(req, restrictive)) {
        return Verdict::Permissive;
    }
    let mut blocking: Vec<String> = Vec::new();
    for node in expr.iter() {
        if let ExprNode::Req(r) = node {
            let s = r.req.to_string();
            if !allowed(&r.req, restrictive) && !blocking.contains(&s) {
                blocking.push(s);
            }
        }
    }
    Verdict::Stop(format!("no choice in the license avoids {}", blocking.join(", ")))
}

#[cfg(test)]
#[path = "licenses_tests.rs"]
mod tests;
