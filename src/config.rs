//! `.run-milestone.yml` at the repository root: optional, every key has a default, unknown keys
//! and globs or regexes that do not compile are an error naming the key, the file and the line. Every key is documented in
//! `docs/configuration.md`.

pub mod patterns;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;

pub const CONFIG_FILE: &str = ".run-milestone.yml";

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where milestone folders live. Default: `milestones`, then `docs/milestones`.
    pub milestones_dir: Option<PathBuf>,
    /// The full test suite. Required to run, not to dry-run.
    pub test_command: Option<String>,
    /// Optional pre-commit auto-fix (e.g. `ruff check --fix`, `cargo fmt`).
    pub lint_fix_command: Option<String>,
    /// Branches nothing is ever pushed to, PR'd into or merged into. The remote's default branch
    /// (`refs/remotes/origin/HEAD`) is always added. Glob patterns (`release/*`) are allowed.
    pub protected_branches: Vec<String>,
    pub agent: AgentConfig,
    pub forge: ForgeConfig,
    pub policy: PolicyConfig,
    pub notify: NotifyConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            milestones_dir: None,
            test_command: None,
            lint_fix_command: None,
            protected_branches: vec!["main".into(), "master".into()],
            agent: AgentConfig::default(),
            forge: ForgeConfig::default(),
            policy: PolicyConfig::default(),
            notify: NotifyConfig::default(),
        }
    }
}

/// Which agent backend does the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AgentKind {
    /// Applies the spec's own RED/GREEN code. No AI, no network.
    #[default]
    Spec,
    /// Claude Code (`claude -p`).
    Claude,
    /// OpenAI Codex CLI (`codex exec`).
    Codex,
    /// Aider (`aider --message-file`).
    Aider,
    /// Any executable (`agent.command`).
    Command,
}

impl AgentKind {
    pub fn name(self) -> &'static str {
        match self {
            AgentKind::Spec => "spec",
            AgentKind::Claude => "claude",
            AgentKind::Codex => "codex",
            AgentKind::Aider => "aider",
            AgentKind::Command => "command",
        }
    }
}

/// `agent:` — which backend does the work, and how each one is started.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentConfig {
    pub kind: AgentKind,
    /// Wall-clock limit per agent call; the agent's process group is killed when it runs out.
    pub timeout_seconds: u64,
    /// Ask the implementer for the optional REFACTOR pass after GREEN.
    pub refactor: bool,
    pub claude: ClaudeConfig,
    pub codex: CodexConfig,
    pub aider: AiderConfig,
    pub command: CommandAgentConfig,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            kind: AgentKind::Spec,
            timeout_seconds: 1800,
            refactor: true,
            claude: ClaudeConfig::default(),
            codex: CodexConfig::default(),
            aider: AiderConfig::default(),
            command: CommandAgentConfig::default(),
        }
    }
}

/// `agent.claude:` — Claude Code in headless mode.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaudeConfig {
    /// The executable. Default `claude`.
    pub program: String,
    /// Arguments before the optional ones below.
    /// Default `[-p, --output-format, json, --permission-mode, acceptEdits]`.
    pub args: Vec<String>,
    pub model: Option<String>,
    pub max_turns: Option<u32>,
    /// `--allowedTools` values.
    pub allowed_tools: Vec<String>,
}

impl Default for ClaudeConfig {
    fn default() -> Self {
        ClaudeConfig {
            program: "claude".into(),
            args: ["-p", "--output-format", "json", "--permission-mode", "acceptEdits"].map(String::from).to_vec(),
            model: None,
            max_turns: None,
            allowed_tools: Vec::new(),
        }
    }
}

/// `agent.codex:` — OpenAI Codex CLI (`codex exec`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodexConfig {
    /// The executable. Default `codex`.
    pub program: String,
    /// Default `[exec, --json, --sandbox, workspace-write]`; the prompt goes on stdin (`-`).
    pub args: Vec<String>,
    pub model: Option<String>,
}

impl Default for CodexConfig {
    fn default() -> Self {
        CodexConfig {
            program: "codex".into(),
            args: ["exec", "--json", "--sandbox", "workspace-write"].map(String::from).to_vec(),
            model: None,
        }
    }
}

/// `agent.aider:` — Aider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AiderConfig {
    /// The executable. Default `aider`.
    pub program: String,
    /// Default `[--yes-always, --no-auto-commits]`; `--message-file F` and the files are added.
    pub args: Vec<String>,
    pub model: Option<String>,
}

impl Default for AiderConfig {
    fn default() -> Self {
        AiderConfig {
            program: "aider".into(),
            args: ["--yes-always", "--no-auto-commits"].map(String::from).to_vec(),
            model: None,
        }
    }
}

/// `agent.command:` — any executable: prompt on stdin, context in `RUN_MILESTONE_*` variables.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandAgentConfig {
    /// The executable (required for `kind: command`).
    pub program: Option<String>,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    /// PRs, CI and merges inside the repository; works offline.
    #[default]
    Local,
    /// GitHub through octocrab.
    Github,
}

/// `forge:` — where pull requests live.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForgeConfig {
    pub kind: ForgeKind,
    /// Also push branches to `origin` with the `git` CLI (local forge). Default: false.
    pub push: bool,
    /// Wall-clock limit of the local forge's CI run (`test_command` on the PR head).
    pub ci_timeout_seconds: u64,
    /// How long to wait for pending checks before leaving the PR for a human (👀 Needs Review).
    pub checks_timeout_seconds: u64,
    /// How often pending checks are polled.
    pub checks_poll_seconds: u64,
    /// `forge.github:` — the GitHub forge (used when `kind: github`).
    pub github: GithubConfig,
}

impl Default for ForgeConfig {
    fn default() -> Self {
        ForgeConfig {
            kind: ForgeKind::Local,
            push: false,
            ci_timeout_seconds: 1800,
            checks_timeout_seconds: 1800,
            checks_poll_seconds: 15,
            github: GithubConfig::default(),
        }
    }
}

/// `forge.github:` — where the repository is on GitHub and how strictly its checks are read.
/// Every key is documented in `docs/configuration.md` and `docs/github.md`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GithubConfig {
    /// The repository owner; default: from the `remote`'s URL (https or ssh form).
    pub owner: Option<String>,
    /// The repository name; default: from the `remote`'s URL.
    pub repo: Option<String>,
    /// The REST API base URL (`https://<host>/api/v3` for GitHub Enterprise Server).
    pub api_url: String,
    /// The git remote branches are pushed to (and owner/repo are read from).
    pub remote: String,
    /// Check-run names or status contexts that must be present and green before a merge.
    pub required_checks: Vec<String>,
    /// Merge through GraphQL `enablePullRequestAutoMerge` (falling back to a sha-guarded REST
    /// merge when GitHub says the PR is already clean). `false`: the REST merge directly.
    pub auto_merge: bool,
    /// How long a head commit without any check may still be waited for (CI may not have started
    /// yet) before its checks count as missing.
    pub checks_grace_seconds: u64,
    /// Wall-clock limit of one API request.
    pub request_timeout_seconds: u64,
    /// Retries of a request after a 5xx, a rate limit or a network error (bounded backoff).
    pub max_retries: u32,
    /// The longest single wait between retries (a longer `retry-after` is an error).
    pub max_retry_wait_seconds: u64,
    /// How long to wait for GitHub to move a PR's head after `update-branch`.
    pub update_branch_timeout_seconds: u64,
}

impl Default for GithubConfig {
    fn default() -> Self {
        GithubConfig {
            owner: None,
            repo: None,
            api_url: "https://api.github.com".into(),
            remote: "origin".into(),
            required_checks: Vec::new(),
            auto_merge: true,
            checks_grace_seconds: 120,
            request_timeout_seconds: 30,
            max_retries: 3,
            max_retry_wait_seconds: 60,
            update_branch_timeout_seconds: 60,
        }
    }
}

/// `policy:` — stop conditions, limits, globs and labels (the seed's values by default).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Files that count as tests in RED (besides the task's `Test:` files).
    pub test_globs: Vec<String>,
    /// Regexes that each mark one new test in an added line (more than one in RED is
    /// "multiple behaviours at once").
    pub new_test_patterns: Vec<String>,
    /// Restarts of a task after a TDD violation, then `skip | abort`.
    pub max_tdd_restarts: u32,
    /// Fix attempts for failing tests and review findings, then `skip | abort`.
    pub max_fix_attempts: u32,
    /// `retry`s offered after a failed push (`🛑 Push failed`), then `skip | abort`.
    pub max_push_retries: u32,
    /// Wall-clock limit of `test_command`, Verify and lint commands.
    pub test_timeout_seconds: u64,
    /// Wall-clock limit of one reviewer call; when it runs out the review is marked pending.
    pub review_timeout_seconds: u64,
    /// A check-only lint command whose findings feed the Stage 2 built-in pass (e.g. `ruff check`).
    pub lint_command: Option<String>,
    /// Protected surfaces: changed files matching `globs` get `label` (the seed's table).
    pub surfaces: Vec<SurfaceRule>,
    /// Labels that hold a PR back from auto-merge (the issue becomes 👀 Needs Review). `None`
    /// (the default): every surface label and the names of `labels.{schema, dependency,
    /// sensitive, coverage}` ([`crate::policy::labels::default_holds`]); set, it replaces that set.
    pub hold_labels: Option<Vec<String>>,
    /// Where schema migrations live.
    pub migration_globs: Vec<String>,
    /// Manifests whose added dependencies get a license check.
    pub dependency_manifests: Vec<String>,
    /// Scope tag → path globs. A change outside the globs of an issue's `scope` tags is a hard stop.
    pub scopes: std::collections::BTreeMap<String, Vec<String>>,
    /// Sensitive code (auth, billing): changed inside the issue's scope → `sensitive-review`.
    pub sensitive_globs: Vec<String>,
    /// Large diff: more files than this is a soft stop (skip, log).
    pub max_diff_files: usize,
    /// Large diff: more changed lines (added + deleted) than this is a soft stop.
    pub max_diff_lines: usize,
    /// An lcov (`lcov.info`) or Cobertura (`coverage.xml`) report written by `test_command`,
    /// relative to the repository root.
    pub coverage_report: Option<String>,
    /// Line coverage below this percentage → `needs-test-review`.
    pub min_coverage: f64,
    /// Environment variables (globs) removed from agent and test processes (the seed's "No
    /// Production Secrets Rule"); the forge and Telegram tokens are always added.
    pub deny_env: Vec<String>,
    /// The labels the elevated soft stops put on a PR (surface labels are in `surfaces`).
    pub labels: PolicyLabels,
    /// SPDX license ids (globs) a new dependency may not *require*: when no choice in its
    /// license expression avoids them, it is a hard stop.
    pub restrictive_licenses: Vec<String>,
    /// Where installed Python packages (`*.dist-info/METADATA`) are looked up, relative to the
    /// issue's working tree; `*` in a path component matches (e.g. `python*`).
    pub python_site_packages: Vec<String>,
    /// An interpreter asked for its own `purelib`/`platlib` site-packages (searched after
    /// `python_site_packages`); `null` to skip.
    pub python_interpreter: Option<String>,
    /// Wall-clock limit of each license-metadata command (`cargo metadata`, the interpreter).
    pub metadata_timeout_seconds: u64,
}

/// `policy.labels:` — which label each elevated soft stop (and a TDD violation) adds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyLabels {
    /// Schema migrations (additive, or approved breaking). Default `needs-db-review`.
    pub schema: String,
    /// New dependencies with a permissive (or approved) license. Default `needs-dep-review`.
    pub dependency: String,
    /// Sensitive (auth, billing) code changed. Default `sensitive-review`.
    pub sensitive: String,
    /// Line coverage below `min_coverage`. Default `needs-test-review`.
    pub coverage: String,
    /// A TDD violation happened in the issue (even if a restart then succeeded). Default
    /// `tdd-violation`.
    pub tdd_violation: String,
}

impl Default for PolicyLabels {
    fn default() -> Self {
        use crate::policy::labels;
        PolicyLabels {
            schema: labels::NEEDS_DB_REVIEW.into(),
            dependency: labels::NEEDS_DEP_REVIEW.into(),
            sensitive: labels::SENSITIVE_REVIEW.into(),
            coverage: labels::NEEDS_TEST_REVIEW.into(),
            tdd_violation: labels::TDD_VIOLATION.into(),
        }
    }
}

/// One row of the protected-surfaces table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceRule {
    pub name: String,
    pub globs: Vec<String>,
    pub label: String,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Default for PolicyConfig {
    fn default() -> Self {
        let surface = |name: &str, globs: &[&str], label: &str| SurfaceRule {
            name: name.into(),
            globs: strings(globs),
            label: label.into(),
        };
        PolicyConfig {
            test_globs: strings(&[
                "tests/**",
                "test/**",
                "**/tests/**",
                "**/test_*.py",
                "**/*_test.py",
                "**/*_test.*",
                "**/*.test.*",
                "**/*.spec.*",
                "**/*Test.java",
                "**/*_spec.rb",
                "spec/**",
            ]),
            new_test_patterns: strings(&[
                r"^\s*(async\s+)?def\s+test_",
                r"#\[(tokio::)?test\]",
                r"^\s*(it|test)\s*\(",
                r"^\s*func\s+Test[A-Z_]",
                r"@Test\b",
            ]),
            max_tdd_restarts: 2,
            max_fix_attempts: 2,
            max_push_retries: 2,
            test_timeout_seconds: 1800,
            review_timeout_seconds: 120,
            lint_command: None,
            surfaces: vec![
                surface("Auth", &["**/auth/**", "**/middleware/auth*"], "needs-human"),
                surface("Secrets", &["**/.env*", "**/secrets*", "**/credentials*"], "needs-human"),
                surface("Infrastructure", &["**/deploy/**", "**/infra/**", "**/Dockerfile*"], "needs-human"),
                surface("CI/CD", &[".github/workflows/**", "**/ci/**"], "needs-human"),
                surface("Schema migrations", &["**/migrations/**", "**/alembic/**"], "needs-db-review"),
                surface("Dependencies", &["**/requirements*.txt", "**/package*.json", "**/*.lock"], "needs-dep-review"),
            ],
            hold_labels: None,
            migration_globs: strings(&["**/migrations/**", "**/alembic/**"]),
            dependency_manifests: strings(&[
                "**/Cargo.toml",
                "**/package.json",
                "**/requirements*.txt",
                "**/pyproject.toml",
            ]),
            scopes: std::collections::BTreeMap::new(),
            sensitive_globs: strings(&["**/auth/**", "**/auth*.*", "**/billing/**", "**/billing*.*", "**/payment*/**"]),
            max_diff_files: 8,
            max_diff_lines: 400,
            coverage_report: None,
            min_coverage: 50.0,
            deny_env: strings(&["PROD_*", "*_PROD_*", "AWS_SECRET_ACCESS_KEY", "STRIPE_SECRET_KEY"]),
            labels: PolicyLabels::default(),
            restrictive_licenses: strings(&["GPL-*", "AGPL-*", "LGPL-*"]),
            python_site_packages: strings(&[
                ".venv/lib/python*/site-packages",
                "venv/lib/python*/site-packages",
                ".venv/Lib/site-packages",
                "venv/Lib/site-packages",
            ]),
            python_interpreter: Some("python3".into()),
            metadata_timeout_seconds: 120,
        }
    }
}

/// `notify:` — alerts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Telegram alerts; absent: none.
    pub telegram: Option<TelegramConfig>,
}

/// `notify.telegram:` — a bot that posts alerts to one chat.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// The NAME of the environment variable holding the bot token (never the token itself).
    #[serde(default = "TelegramConfig::default_token_env")]
    pub token_env: String,
    /// The chat to post to: a number (`-1001234567890`) or `@channelname`.
    pub chat_id: String,
    /// The Bot API base URL (a local server in tests).
    #[serde(default = "TelegramConfig::default_api_url")]
    pub api_url: String,
    /// Limit of one send, connect to answer.
    #[serde(default = "TelegramConfig::default_timeout_seconds")]
    pub timeout_seconds: u64,
}

impl TelegramConfig {
    pub const DEFAULT_TOKEN_ENV: &str = "TELEGRAM_BOT_TOKEN";
    pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

    fn default_token_env() -> String {
        Self::DEFAULT_TOKEN_ENV.into()
    }

    fn default_api_url() -> String {
        Self::DEFAULT_API_URL.into()
    }

    fn default_timeout_seconds() -> u64 {
        10
    }
}

impl Config {
    /// Loads `<root>/.run-milestone.yml`; a missing file gives the defaults.
    pub fn load(root: &Path) -> Result<Config, Error> {
        let path = root.join(CONFIG_FILE);
        if !path.exists() {
            return Ok(Config::default());
        }
        let text = crate::plan::text::read_utf8(&path).map_err(|mut e| {
            e.message = e.message.replace(&path.display().to_string(), CONFIG_FILE);
            e
        })?;
        Config::parse(Path::new(CONFIG_FILE), &text)
    }

    /// Parses configuration text; `shown` names the file in messages.
    pub fn parse(shown: &Path, text: &str) -> Result<Config, Error> {
        if text.trim().is_empty() || text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
            return Ok(Config::default());
        }
        let config = serde_saphyr::from_str::<Config>(text).map_err(|e| crate::plan::spec::yaml_error(shown, 0, &e))?;
        // Every glob and regex now, with its line, rather than mid-run where it is first used.
        patterns::check(shown, text)?;
        Ok(config)
    }

    /// The folders searched for milestones, in order.
    pub fn milestone_dirs(&self) -> Vec<PathBuf> {
        match &self.milestones_dir {
            Some(dir) => vec![dir.clone()],
            None => vec![PathBuf::from("milestones"), PathBuf::from("docs/milestones")],
        }
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
