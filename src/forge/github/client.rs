//! HTTP to GitHub through octocrab: one request at a time on a runtime the forge owns (the
//! [`crate::forge::Forge`] trait is synchronous), relative URIs only (octocrab attaches the token
//! to those and never to another host), octocrab's own retries off, and our bounded backoff for
//! 5xx, network errors and rate limits (honouring `retry-after`). Every reply keeps its status,
//! headers and body so callers can read GitHub's documented answers (422, 409, …) themselves;
//! GitHub's messages are redacted before they become errors.

use std::collections::BTreeMap;
use std::time::Duration;

use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::token::Token;
use crate::forge::ForgeError;
use crate::safety::redact::redact;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        }
    }
}

/// How transient failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; doubled on each retry.
    pub backoff: Duration,
    /// The longest single wait (a longer `retry-after` or rate-limit reset is an error).
    pub max_wait: Duration,
}

/// `forge.github.api_url` split into what octocrab gets (scheme and host) and the path prefix
/// of the REST API (`/api/v3` on GitHub Enterprise Server, empty on github.com).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUrl {
    pub origin: String,
    pub prefix: String,
}

impl ApiUrl {
    pub fn parse(url: &str) -> Result<ApiUrl, ForgeError> {
        let bad = |why: &str| ForgeError::Other(format!("forge.github.api_url `{url}`: {why}"));
        let trimmed = url.trim().trim_end_matches('/');
        let (scheme, rest) = trimmed.split_once("://").ok_or_else(|| bad("expected http(s)://host[/path]"))?;
        if scheme != "https" && scheme != "http" {
            return Err(bad("the scheme must be https (or http)"));
        }
        let (authority, path) = rest.find('/').map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
        if authority.is_empty() || authority.contains('@') {
            return Err(bad("expected a host (without credentials)"));
        }
        if path.contains(['?', '#']) {
            return Err(bad("a query or fragment is not allowed"));
        }
        Ok(ApiUrl { origin: format!("{scheme}://{authority}"), prefix: path.to_string() })
    }

    /// The GraphQL endpoint's path: `/graphql` on github.com, `/api/graphql` on GHES.
    pub fn graphql_path(&self) -> String {
        match self.prefix.strip_suffix("/v3") {
            Some(api) => format!("{api}/graphql"),
            None => format!("{}/graphql", self.prefix),
        }
    }

    /// The host `gh auth token --hostname` knows the token of.
    pub fn gh_host(&self) -> String {
        let authority = self.origin.split_once("://").map_or(self.origin.as_str(), |x| x.1);
        if authority == "api.github.com" { "github.com".into() } else { authority.to_string() }
    }
}

/// One answer from GitHub.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Lower-case header names.
    pub headers: BTreeMap<String, String>,
    pub text: String,
    /// How many attempts it took (retries included).
    pub attempts: u32,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// The body as `T` (GitHub's documented shape), or an error naming `what`.
    pub fn parse<T: DeserializeOwned>(&self, what: &str) -> Result<T, ForgeError> {
        serde_json::from_str(&self.text).map_err(|e| {
            ForgeError::Other(redact(&format!("GitHub: {what}: unexpected answer (HTTP {}): {e}", self.status)))
        })
    }

    /// GitHub's `message` and the `message` (or `code`) of each entry of `errors`, redacted.
    pub fn message(&self) -> String {
        let v = self.json();
        let mut parts: Vec<String> = Vec::new();
        if let Some(m) = v["message"].as_str() {
            parts.push(m.to_string());
        }
        for e in v["errors"].as_array().into_iter().flatten() {
            match (e["message"].as_str(), e["code"].as_str(), e.as_str()) {
                (Some(m), _, _) => parts.push(m.to_string()),
                (None, Some(code), _) => parts.push(code.to_string()),
                (_, _, Some(s)) => parts.push(s.to_string()),
                _ => {}
            }
        }
        if parts.is_empty() {
            parts.push(crate::safety::redact::preview(self.text.trim(), 300));
        }
        redact(&parts.join(": "))
    }

    /// A stop with GitHub's (redacted) message: `GitHub: <what>: HTTP 404: Not Found`.
    pub fn error(&self, what: &str) -> ForgeError {
        let after = if self.attempts > 1 { format!(" (after {} attempts)", self.attempts) } else { String::new() };
        ForgeError::Other(redact(&format!("GitHub: {what}: HTTP {}: {}{after}", self.status, self.message())))
    }
}

/// The GraphQL answer: `data` and the messages of `errors` (redacted).
#[derive(Debug, Clone)]
pub struct GraphqlReply {
    pub data: Value,
    pub errors: Vec<String>,
}

/// The REST and GraphQL client of one repository.
pub struct Client {
    // Dropped before the runtime its service task lives on.
    octo: Octocrab,
    rt: tokio::runtime::Runtime,
    api: ApiUrl,
    retry: RetryPolicy,
    timeout: Duration,
    pub owner: String,
    pub repo: String,
}

enum Next {
    Done(Reply),
    Retry(Duration, String),
    Fail(ForgeError),
}

impl Client {
    pub fn new(
        api: ApiUrl,
        token: &Token,
        owner: &str,
        repo: &str,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Result<Client, ForgeError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ForgeError::Other(format!("GitHub: cannot start the HTTP runtime: {e}")))?;
        // octocrab's service buffer spawns its worker on the current runtime.
        let _enter = rt.enter();
        let octo = Octocrab::builder()
            .base_uri(api.origin.as_str())
            .map_err(|e| ForgeError::Other(format!("GitHub: bad API URL `{}`: {e}", api.origin)))?
            .personal_token(token.secret().to_string())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .build()
            .map_err(|e| ForgeError::Other(redact(&format!("GitHub: cannot build the HTTP client: {e}"))))?;
        drop(_enter);
        Ok(Client { octo, rt, api, retry, timeout, owner: owner.to_string(), repo: repo.to_string() })
    }

    /// `/repos/{owner}/{repo}{tail}`.
    pub fn repo_path(&self, tail: &str) -> String {
        format!("/repos/{}/{}{tail}", encode(&self.owner), encode(&self.repo))
    }

    pub fn api(&self) -> &ApiUrl {
        &self.api
    }

    /// A REST call (`path` below the API prefix), retried while the failure is transient.
    pub fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply, ForgeError> {
        self.send_uri(method, &format!("{}{path}", self.api.prefix), body)
    }

    /// A GraphQL query or mutation.
    pub fn graphql(&self, query: &str, variables: Value) -> Result<GraphqlReply, ForgeError> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let reply = self.send_uri(Method::Post, &self.api.graphql_path(), Some(&body))?;
        if !reply.ok() {
            return Err(reply.error("GraphQL"));
        }
        let v = reply.json();
        let errors = v["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| redact(e["message"].as_str().unwrap_or("unknown GraphQL error")))
            .collect();
        Ok(GraphqlReply { data: v["data"].clone(), errors })
    }

    fn send_uri(&self, method: Method, uri: &str, body: Option<&Value>) -> Result<Reply, ForgeError> {
        let mut attempt = 0u32;
        loop {
            let next = match self.rt.block_on(self.once(method, uri, body)) {
                Ok(mut reply) => {
                    reply.attempts = attempt + 1;
                    self.classify(reply, attempt)
                }
                Err(e) => {
                    let msg = redact(&format!("GitHub: {} {uri}: {e}", method.name()));
                    if attempt >= self.retry.max_retries {
                        let after =
                            if attempt > 0 { format!(" (after {} attempts)", attempt + 1) } else { String::new() };
                        return Err(ForgeError::Other(format!("{msg}{after}")));
                    }
                    Next::Retry(self.backoff(attempt), msg)
                }
            };
            match next {
                Next::Done(reply) => return Ok(reply),
                Next::Fail(e) => return Err(e),
                Next::Retry(wait, why) => {
                    tracing::warn!(
                        "GitHub: {why}; retrying {} {uri} in {:.1}s (retry {} of {})",
                        method.name(),
                        wait.as_secs_f64(),
                        attempt + 1,
                        self.retry.max_retries
                    );
                    if crate::safety::signals::sleep(wait).is_err() {
                        return Err(ForgeError::Other(format!(
                            "{why} (not retried: the run is stopping after a panic or an interrupt)"
                        )));
                    }
                    attempt += 1;
                }
            }
        }
    }

    async fn once(&self, method: Method, uri: &str, body: Option<&Value>) -> Result<Reply, String> {
        let request = async {
            let response = match method {
                Method::Get => self.octo._get(uri).await,
                Method::Post => self.octo._post(uri, body).await,
                Method::Put => self.octo._put(uri, body).await,
                Method::Patch => self.octo._patch(uri, body).await,
            }?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_string())))
                .collect();
            let text = self.octo.body_to_string(response).await?;
            Ok::<_, octocrab::Error>(Reply { status, headers, text, attempts: 1 })
        };
        match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {}s", self.timeout.as_secs())),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(16));
        self.retry.backoff.saturating_mul(factor).min(self.retry.max_wait)
    }

    /// Transient (5xx, rate limits) → retry while retries are left; else the reply as it is.
    fn classify(&self, reply: Reply, attempt: u32) -> Next {
        let status = reply.status;
        let limited = status == 403 || status == 429;
        let retry_after = reply.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
        let wait = if (500..600).contains(&status) {
            Some(retry_after.map_or_else(|| self.backoff(attempt), Duration::from_secs).min(self.retry.max_wait))
        } else if limited && let Some(secs) = retry_after {
            // A secondary rate limit: GitHub says how long to wait.
            if Duration::from_secs(secs) > self.retry.max_wait {
                return Next::Fail(ForgeError::Other(format!(
                    "GitHub: rate limited: GitHub asks to wait {secs}s, longer than forge.github.max_retry_wait_seconds ({}s): {}",
                    self.retry.max_wait.as_secs(),
                    reply.message()
                )));
            }
            Some(Duration::from_secs(secs))
        } else if limited && reply.header("x-ratelimit-remaining") == Some("0") {
            let reset = reply.header("x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            let secs = reset.saturating_sub(now).max(1);
            if Duration::from_secs(secs) > self.retry.max_wait {
                return Next::Fail(ForgeError::Other(format!(
                    "GitHub: API rate limit exhausted for {secs}s more (until {reset}, Unix time): {}",
                    reply.message()
                )));
            }
            Some(Duration::from_secs(secs))
        } else if status == 429 || (limited && reply.message().to_ascii_lowercase().contains("secondary rate limit")) {
            Some(self.backoff(attempt))
        } else {
            None
        };
        match wait {
            Some(wait) if attempt < self.retry.max_retries => {
                Next::Retry(wait, format!("HTTP {status}: {}", reply.message()))
            }
            _ => Next::Done(reply),
        }
    }
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters stay).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
