//! Telegram alerts through the Bot API: `POST {api_url}/bot<token>/sendMessage` with a JSON body
//! `{"chat_id": …, "text": …}`.
//!
//! The bot token comes from the environment variable named by `notify.telegram.token_env` and is
//! registered with the redactor at once, so it never appears in an error, a log or the journal.
//! The text always goes through `redact` before it leaves the process.

use std::fmt;
use std::time::Duration;

use crate::config::{NotifyConfig, TelegramConfig};
use crate::error::Error;
use crate::safety::redact::{add_exact, redact};

/// The Bot API's limit on one message, in characters.
pub const MAX_TEXT_CHARS: usize = 4096;
/// How much of an answer is read (errors are short JSON objects).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// A configured Telegram bot and chat.
pub struct Telegram {
    token: String,
    chat_id: String,
    api_url: String,
    agent: ureq::Agent,
}

impl fmt::Debug for Telegram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telegram")
            .field("token", &"[REDACTED]")
            .field("chat_id", &self.chat_id)
            .field("api_url", &self.api_url)
            .finish()
    }
}

impl Telegram {
    /// The bot of `notify.telegram`: `None` when it is not configured; an input error (naming the
    /// variable) when the token's environment variable is unset or empty.
    pub fn from_config(notify: &NotifyConfig) -> Result<Option<Telegram>, Error> {
        let Some(cfg) = &notify.telegram else { return Ok(None) };
        let token = std::env::var(&cfg.token_env).unwrap_or_default();
        if token.trim().is_empty() {
            return Err(Error::input(format!(
                "notify.telegram: the environment variable `{}` (notify.telegram.token_env) is unset or empty",
                cfg.token_env
            ))
            .with_hint(format!(
                "export {}=<the bot token from @BotFather>, or remove notify.telegram",
                cfg.token_env
            )));
        }
        Telegram::with_token(cfg, token.trim()).map(Some)
    }

    /// A bot with an explicit token (registered with the redactor).
    pub fn with_token(cfg: &TelegramConfig, token: &str) -> Result<Telegram, Error> {
        add_exact(token);
        if cfg.chat_id.trim().is_empty() {
            return Err(Error::input("notify.telegram.chat_id is empty"));
        }
        let api_url = cfg.api_url.trim().trim_end_matches('/').to_string();
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            return Err(Error::input(format!(
                "notify.telegram.api_url `{}`: expected an http:// or https:// URL",
                cfg.api_url
            )));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(cfg.timeout_seconds.max(1))))
            .http_status_as_error(false)
            .user_agent(concat!("run-milestone/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Telegram { token: token.to_string(), chat_id: cfg.chat_id.trim().to_string(), api_url, agent })
    }

    /// The JSON body of `sendMessage` for `text`: redacted, cut to the Bot API's limit; a numeric
    /// chat id is sent as a number.
    pub fn message(&self, text: &str) -> serde_json::Value {
        let mut text = redact(text);
        if text.chars().count() > MAX_TEXT_CHARS {
            text = text.chars().take(MAX_TEXT_CHARS - 1).collect::<String>() + "…";
        }
        let chat_id = match self.chat_id.parse::<i64>() {
            Ok(n) => serde_json::json!(n),
            Err(_) => serde_json::json!(self.chat_id),
        };
        serde_json::json!({ "chat_id": chat_id, "text": text, "disable_web_page_preview": true })
    }

    /// Sends `text` (redacted first). `Err` carries a redacted reason; the caller logs it and goes
    /// on.
    pub fn send(&self, text: &str) -> Result<(), String> {
        let url = format!("{}/bot{}/sendMessage", self.api_url, self.token);
        let body = self.message(text).to_string();
        let result = self.agent.post(&url).header("Content-Type", "application/json").send(body.as_bytes());
        let mut response = result.map_err(|e| redact(&format!("telegram: sendMessage failed: {e}")))?;
        let status = response.status().as_u16();
        let answer = response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_string().unwrap_or_default();
        let json = serde_json::from_str::<serde_json::Value>(&answer).ok();
        let ok = json.as_ref().and_then(|j| j.get("ok")).and_then(|v| v.as_bool());
        if (200..300).contains(&status) && ok != Some(false) {
            return Ok(());
        }
        let description = json
            .as_ref()
            .and_then(|j| j.get("description"))
            .and_then(|d| d.as_str())
            .map_or_else(|| crate::safety::redact::preview(&answer, 200), str::to_string);
        Err(redact(&format!("telegram: sendMessage answered HTTP {status}: {}", description.trim())))
    }
}
