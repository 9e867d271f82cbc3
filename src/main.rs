//! The `run-milestone` binary: parse arguments, run, map errors to exit codes.

fn main() {
    std::process::exit(run_milestone::cli::main());
}
