//! `run-milestone completions <SHELL>`: the shell's completion script on stdout. The script asks
//! the binary itself (clap's dynamic completion, `RUN_MILESTONE_COMPLETE=<shell>`), so milestone
//! ids complete from the repository's milestones folder, not from a list frozen at install time.

use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::Shells;

use crate::config::Config;
use crate::error::Error;
use crate::git::Workspace;

/// The environment variable the registration script sets when it asks for completions.
pub const COMPLETE_VAR: &str = "RUN_MILESTONE_COMPLETE";

/// Answers a completion request when the shell asked for one (and exits); otherwise returns.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(super::Cli::command).var(COMPLETE_VAR).complete();
}

/// Prints the registration script of `shell`.
pub fn run(shell: clap_complete::Shell) -> Result<(), Error> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let completer = shells.completer(&name).ok_or_else(|| {
        Error::input(format!(
            "completions: no dynamic completion for {name}; use one of {}",
            shells.names().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let bin = "run-milestone";
    completer
        .write_registration(COMPLETE_VAR, bin, bin, bin, &mut std::io::stdout())
        .map_err(|e| Error::internal(format!("cannot write the completion script: {e}")))
}

/// The milestone ids of the repository holding the current directory, with their slugs as help.
pub fn milestone_candidates() -> Vec<CompletionCandidate> {
    let Ok(cwd) = std::env::current_dir() else { return Vec::new() };
    let Ok((ws, _repo)) = Workspace::discover(&cwd) else { return Vec::new() };
    let dirs =
        Config::load(&ws.root).map(|c| c.milestone_dirs()).unwrap_or_else(|_| Config::default().milestone_dirs());
    crate::milestone::list(&ws.root, &dirs)
        .into_iter()
        .map(|m| CompletionCandidate::new(m.id.to_string()).help(Some(m.slug.into())))
        .collect()
}
