//! `run-milestone completions <SHELL>`: shell completion scripts on stdout.

use clap::CommandFactory;

pub fn run(shell: clap_complete::Shell) {
    let mut cmd = super::Cli::command();
    clap_complete::generate(shell, &mut cmd, "run-milestone", &mut std::io::stdout());
}
