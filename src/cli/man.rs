//! `run-milestone man`: the manual page in roff on stdout (`run-milestone man > run-milestone.1`),
//! built from the same clap definitions as `--help`, with the exit-code table.

use clap::CommandFactory;

use crate::error::Error;

const EXIT_STATUS: &[(&str, &str)] = &[
    (
        "0",
        "The run finished (every issue merged, skipped by policy, or waiting for a human, as the summary lists), or a dry-run / check passed.",
    ),
    ("1", "Internal error."),
    ("2", "Usage error or invalid input files (nothing was modified)."),
    ("3", "Stopped before finishing: abort, panic, blocked quality gate, secret exposure, critical error."),
    ("4", "Another run of this milestone holds the lock."),
];

pub fn run() -> Result<(), Error> {
    let cmd = super::Cli::command();
    let man = clap_mangen::Man::new(cmd);
    let mut out = Vec::new();
    let write = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render(out)?;
        let mut roff = clap_mangen::roff::Roff::new();
        roff.control("SH", ["EXIT STATUS"]);
        for (code, meaning) in EXIT_STATUS {
            roff.control("TP", [] as [&str; 0]);
            roff.text([clap_mangen::roff::bold(*code)]);
            roff.text([clap_mangen::roff::roman(*meaning)]);
        }
        roff.to_writer(out)
    };
    write(&mut out).map_err(|e| Error::internal(format!("cannot render the manual page: {e}")))?;
    std::io::Write::write_all(&mut std::io::stdout(), &out)
        .map_err(|e| Error::internal(format!("cannot write the manual page: {e}")))
}
