//! Commit identities: `GIT_AUTHOR_*` / `GIT_COMMITTER_*` (name, email, date) as git honours them,
//! then the repository's `user.name` / `user.email`, then a fixed `run-milestone` identity.

use git2::{Repository, Signature, Time};

/// Who authors a commit (`author` true) or commits it.
pub fn signature(repo: &Repository, author: bool) -> Result<Signature<'static>, git2::Error> {
    let (pre, fallback_pre) = if author { ("GIT_AUTHOR", "GIT_COMMITTER") } else { ("GIT_COMMITTER", "GIT_AUTHOR") };
    let var = |suffix: &str| {
        std::env::var(format!("{pre}_{suffix}"))
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| std::env::var(format!("{fallback_pre}_{suffix}")).ok().filter(|v| !v.is_empty()))
    };
    let config = repo.config().ok();
    let from_config = |key: &str| config.as_ref().and_then(|c| c.get_string(key).ok());
    let name = var("NAME").or_else(|| from_config("user.name")).unwrap_or_else(|| "run-milestone".into());
    let email = var("EMAIL").or_else(|| from_config("user.email")).unwrap_or_else(|| "run-milestone@localhost".into());
    match var("DATE").and_then(|d| parse_date(&d)) {
        Some(time) => Signature::new(&name, &email, &time),
        None => Signature::now(&name, &email),
    }
}

/// `@1700000000 +0100`, `1700000000 +0000`, `1700000000`, or RFC 3339 UTC (`2026-11-21T12:00:00Z`).
pub fn parse_date(s: &str) -> Option<Time> {
    let s = s.trim();
    let raw = s.strip_prefix('@').unwrap_or(s);
    let mut parts = raw.split_whitespace();
    if let Some(Ok(secs)) = parts.next().map(str::parse::<i64>) {
        let offset = parts.next().and_then(parse_offset).unwrap_or(0);
        return Some(Time::new(secs, offset));
    }
    // RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SSZ
    let b = s.as_bytes();
    if s.len() == 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[19] == b'Z' {
        let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
        let days = days_from_civil(n(0..4)?, n(5..7)?, n(8..10)?);
        return Some(Time::new(days * 86_400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?, 0));
    }
    None
}

fn parse_offset(s: &str) -> Option<i32> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if digits.len() != 4 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    Some(sign * (h * 60 + m))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Today's date (UTC) as `YYYY-MM-DD`, for the plan's dated lines.
pub fn today() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    civil_date(secs)
}

/// `YYYY-MM-DD` of a UNIX time (UTC).
pub fn civil_date(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("@1700000000 +0130").map(|t| (t.seconds(), t.offset_minutes())), Some((1700000000, 90)));
        assert_eq!(parse_date("1700000000").map(|t| t.seconds()), Some(1700000000));
        assert_eq!(parse_date("2026-11-21T12:00:00Z").map(|t| t.seconds()), Some(1_795_262_400));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(civil_date(1_795_262_400), "2026-11-21");
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
