//! Owner and repository from a git remote URL: `https://github.com/acme/tools(.git)`,
//! `git@github.com:acme/tools.git`, `ssh://git@github.com[:22]/acme/tools.git`,
//! `git://host/acme/tools.git` (credentials and ports are ignored).

/// `(host, owner, repo)` of a GitHub-style remote URL; `None` when it is not one (a local path).
pub fn parse(url: &str) -> Option<(String, String, String)> {
    let url = url.trim();
    let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(scheme, "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git") {
            return None;
        }
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next()?;
        let host = host.split(':').next()?;
        (host, path)
    } else {
        // scp-like: [user@]host:owner/repo
        let (authority, path) = url.split_once(':')?;
        if authority.contains('/') || path.starts_with("//") {
            return None;
        }
        (authority.rsplit('@').next()?, path)
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let repo = segments.pop()?;
    let owner = segments.pop()?;
    if host.is_empty() || [owner, repo].iter().any(|s| s.is_empty() || *s == "." || *s == "..") {
        return None;
    }
    Some((host.to_string(), owner.to_string(), repo.to_string()))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn https_ssh_and_others() {
        let want = |h: &str| Some((h.to_string(), "acme".to_string(), "tools".to_string()));
        for url in [
            "https://github.com/acme/tools.git",
            "https://github.com/acme/tools",
            "https://github.com/acme/tools/",
            "https://x-access-token:abc@github.com/acme/tools.git",
            "git@github.com:acme/tools.git",
            "github.com:acme/tools",
            "ssh://git@github.com/acme/tools.git",
            "ssh://git@github.com:22/acme/tools",
            "git://github.com/acme/tools.git",
        ] {
            assert_eq!(parse(url), want("github.com"), "{url}");
        }
        assert_eq!(parse("git@ghe.example.com:acme/tools.git"), want("ghe.example.com"));
        for url in ["/tmp/origin.git", "../origin", "file:///tmp/x/acme/tools.git", "https://github.com/tools", ""] {
            assert_eq!(parse(url), None, "{url}");
        }
    }
}
