//! Command-line definitions (clap) and dispatch. Commands are thin: every operation lives in a
//! library module; each subcommand has its own module here.

pub mod check;
pub mod cleanup;
pub mod completions;
pub mod man;
pub mod new;
pub mod panic;
pub mod prompt;
pub mod prs;
pub mod run;
pub mod status;

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::config::AgentKind;
use crate::error::{Error, ErrorKind};
use crate::milestone::MilestoneId;
use crate::ui::Ui;

/// The help layout: clap's default, with the examples and the exit-code table as literal
/// template text, which clap prints as written (an `after_help` would be re-wrapped to the
/// terminal width, breaking the table mid-line).
const HELP_TEMPLATE: &str = "\
{before-help}{about-with-newline}
{usage-heading} {usage}

{all-args}

Examples:
  run-milestone m5                 Interactive: asks you at every stop (fix | skip | abort …)
  run-milestone m5 --autonomous    Overnight: no prompts, fix/restart ≤ 2 then skip, summary at the end
  run-milestone m5 --dry-run       Preview the gate, branches, run order, tasks and PR titles; changes nothing
  run-milestone check m5           Run the quality gate alone
  run-milestone -C ../app m4.1     Run as if started in ../app

Milestone ids: m3, M3, 3 → m3;  m4.1, M4.1, 4.1 → m4.1

Exit codes:
  0  the run finished (every issue merged, skipped by policy, or waiting for a human, as the
     summary lists), or a dry-run / check passed
  1  internal error
  2  usage error or invalid input files (nothing was modified)
  3  stopped before finishing (abort, panic, blocked quality gate, secret exposure, critical error)
  4  another run of this milestone holds the lock
";

/// The two forms dispatch accepts (clap would show `[MILESTONE] <COMMAND>`, which it rejects).
const USAGE: &str = "run-milestone [OPTIONS] <MILESTONE>\n       run-milestone <COMMAND>";

/// Take a software milestone from plan to merged pull requests.
#[derive(Debug, Parser)]
#[command(
    name = "run-milestone",
    version,
    about,
    help_template = HELP_TEMPLATE,
    override_usage = USAGE,
    subcommand_negates_reqs = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The milestone to run: m3, M3, 3, m4.1, M4.1, 4.1.
    #[arg(value_name = "MILESTONE", value_parser = parse_milestone, add = milestone_ids())]
    pub milestone: Option<MilestoneId>,

    #[command(flatten)]
    pub run: RunFlags,

    /// Run as if started in DIR (like `git -C`).
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,

    /// Log every decision (tracing, on stderr).
    #[arg(long, global = true)]
    pub verbose: bool,
}

/// Flags of the main command.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct RunFlags {
    /// No prompts: auto-fix/restart (max 2) then skip; summary at the end.
    #[arg(long)]
    pub autonomous: bool,
    /// Fresh agent per issue, with separate reviewer agents for each review stage.
    #[arg(long)]
    pub subagent: bool,
    /// Skip the two-stage code review.
    #[arg(long)]
    pub skip_code_review: bool,
    /// Skip the quality gate (plan review).
    #[arg(long)]
    pub skip_plan_review: bool,
    /// Preview without executing: nothing is written, no branch or worktree is made.
    #[arg(long)]
    pub dry_run: bool,
    /// Print workflow metrics as JSON at the end (last thing on stdout).
    #[arg(long)]
    pub metrics: bool,
    /// Write the metrics JSON to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,
    /// Work in the current checkout (it must be on the milestone branch) instead of a worktree.
    #[arg(long)]
    pub no_worktree: bool,
    /// Agent backend: spec (default; applies the spec's own code), claude, codex, aider, command.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<AgentKind>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the quality gate alone: exit 0 when it passes (warnings allowed), 3 on a critical issue.
    Check {
        #[arg(value_name = "MILESTONE", value_parser = parse_milestone, add = milestone_ids())]
        milestone: MilestoneId,
    },
    /// Show the current state of a milestone (or of every milestone).
    Status {
        #[arg(value_name = "MILESTONE", value_parser = parse_milestone, add = milestone_ids())]
        milestone: Option<MilestoneId>,
    },
    /// List pull requests of the forge (of one milestone, or all).
    Prs {
        #[arg(value_name = "MILESTONE", value_parser = parse_milestone, add = milestone_ids())]
        milestone: Option<MilestoneId>,
        /// Close pull request N without merging it (local forge).
        #[arg(long, value_name = "N", conflicts_with = "milestone")]
        close: Option<u64>,
    },
    /// Kill switch: stop every run of this repository at once.
    Panic,
    /// Remove a milestone's worktree (`--force` discards uncommitted work in it).
    Cleanup {
        #[arg(value_name = "MILESTONE", value_parser = parse_milestone, add = milestone_ids())]
        milestone: MilestoneId,
        /// Discard the worktree even with uncommitted changes.
        #[arg(long)]
        force: bool,
    },
    /// Scaffold a milestone: <milestones_dir>/<M>-<SLUG>/ with a plan and one example spec.
    New {
        #[arg(value_name = "MILESTONE", value_parser = parse_milestone)]
        milestone: MilestoneId,
        /// The folder's slug: lowercase words joined by hyphens (user-auth).
        #[arg(value_name = "SLUG")]
        slug: String,
    },
    /// Print the manual page (roff): `run-milestone man > run-milestone.1`.
    Man,
    /// Print the shell's completion script (milestone ids complete from the repository).
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

fn parse_milestone(s: &str) -> Result<MilestoneId, String> {
    s.parse()
}

/// Completion of a MILESTONE argument: the ids in the repository's milestones folder.
fn milestone_ids() -> clap_complete::engine::ArgValueCandidates {
    clap_complete::engine::ArgValueCandidates::new(completions::milestone_candidates)
}

/// The directory commands run in: `-C DIR` or the current directory.
pub fn working_dir(cli_dir: &Option<PathBuf>) -> Result<PathBuf, Error> {
    let cwd =
        std::env::current_dir().map_err(|e| Error::internal(format!("cannot read the current directory: {e}")))?;
    let dir = match cli_dir {
        Some(d) => cwd.join(d),
        None => cwd,
    };
    if !dir.is_dir() {
        return Err(Error::input(format!("-C {}: not a directory", dir.display())));
    }
    Ok(dir)
}

/// Parses arguments, runs, and returns the process exit code.
pub fn main() -> i32 {
    // Secret-looking environment values are redacted wherever they would be printed.
    crate::safety::redact::add_secret_env();
    completions::answer_if_asked();
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let ui = Ui::stdio(cli.verbose);
    if let Err(e) = crate::safety::signals::install(&ui) {
        ui.warn(format!("cannot install signal handlers (panic / Ctrl-C): {e}"));
    }
    match dispatch(&ui, cli) {
        Ok(code) => code,
        Err(err) => {
            ui.error(&err);
            err.kind.exit_code()
        }
    }
}

fn init_tracing(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = if verbose {
        EnvFilter::new("run_milestone=debug")
    } else {
        EnvFilter::try_from_env("RUN_MILESTONE_LOG").unwrap_or_else(|_| EnvFilter::new("warn"))
    };
    // The same rule as the `Ui`'s colour: an empty `NO_COLOR` counts as unset (no-color.org).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| RedactingStderr)
        .with_ansi(ansi)
        .with_target(false)
        .without_time()
        .try_init();
}

fn dispatch(ui: &Ui, cli: Cli) -> Result<i32, Error> {
    let dir = working_dir(&cli.dir)?;
    if cli.command.is_some() && (cli.milestone.is_some() || cli.run != RunFlags::default()) {
        return Err(Error::input(
            "the run flags (--dry-run, --autonomous, …) and a MILESTONE before a subcommand cannot be combined with it: put them after `run-milestone <MILESTONE>`, or use the subcommand alone",
        ));
    }
    match cli.command {
        Some(Command::Check { milestone }) => check::run(ui, &dir, &milestone),
        Some(Command::Status { milestone }) => status::run(ui, &dir, milestone.as_ref()),
        Some(Command::Prs { milestone, close }) => prs::run(ui, &dir, milestone.as_ref(), close),
        Some(Command::Panic) => panic::run(ui, &dir),
        Some(Command::Cleanup { milestone, force }) => cleanup::run(ui, &dir, &milestone, force),
        Some(Command::New { milestone, slug }) => new::run(ui, &dir, &milestone, &slug),
        Some(Command::Man) => man::run().map(|()| 0),
        Some(Command::Completions { shell }) => completions::run(shell).map(|()| 0),
        None => {
            let Some(milestone) = cli.milestone else {
                let mut cmd = Cli::command();
                return Err(Error::new(
                    ErrorKind::Input,
                    cmd.error(clap::error::ErrorKind::MissingRequiredArgument, "a MILESTONE is required")
                        .to_string()
                        .trim_start_matches("error: ")
                        .trim_end()
                        .to_string(),
                ));
            };
            run::run(ui, &dir, &milestone, &cli.run)
        }
    }
}

/// stderr for tracing, through the redactor (tracing writes each event in one call).
struct RedactingStderr;

impl std::io::Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = crate::safety::redact::redact(&String::from_utf8_lossy(buf));
        std::io::stderr().write_all(text.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
