//! The command line: milestone ids, usage errors, help, exit codes, flags not yet available.

use crate::common::{Repo, assert_exit, bin, stderr, stdout};
use crate::support::{Pty, commit_all, exit_within, plan, row, set_status, set_test_command};
use std::process::Command;

#[test]
fn ids_normalise_in_every_seed_form() {
    let repo = Repo::demo();
    for raw in ["m1", "M1", "1"] {
        let out = repo.run(&["check", raw]);
        assert_exit(&out, 0);
        assert!(stdout(&out).starts_with("🔍 Quality Gate: m1\n"), "{raw}: {}", stdout(&out));
    }
    repo.git(&["mv", "milestones/m1-text-tools", "milestones/m4.1-text-tools"]);
    for raw in ["m4.1", "M4.1", "4.1"] {
        let out = repo.run(&["check", raw]);
        assert_exit(&out, 0);
        assert!(stdout(&out).starts_with("🔍 Quality Gate: m4.1\n"), "{raw}");
    }
}

#[test]
fn a_bad_id_is_a_usage_error_listing_the_accepted_forms() {
    for raw in ["x1", "m1.2.3", "mm1", "1a"] {
        let out = Command::new(bin()).args([raw, "--dry-run"]).output().unwrap();
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(err.contains(&format!("invalid milestone `{raw}`")), "{err}");
        assert!(err.contains("e.g. m3, M3, 3, m4.1, M4.1, 4.1"), "{err}");
    }
}

#[test]
fn subcommand_names_are_never_milestone_ids() {
    // `check` is the subcommand, not a milestone; a milestone is never parsed as a subcommand.
    let out = Command::new(bin()).args(["check"]).output().unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("<MILESTONE>"), "{}", stderr(&out));
}

#[test]
fn help_lists_examples_and_exit_codes() {
    let out = Command::new(bin()).arg("--help").output().unwrap();
    assert_exit(&out, 0);
    let help = stdout(&out);
    for want in [
        "run-milestone m5 ",
        "run-milestone m5 --autonomous",
        "run-milestone m5 --dry-run",
        "0  the run finished",
        "1  internal error",
        "2  usage error or invalid input files",
        "3  stopped before finishing",
        "4  another run of this milestone holds the lock",
        "--no-worktree",
        "--skip-plan-review",
        "-C <DIR>",
        "--agent <NAME>",
        "check",
        "status",
        "prs",
        "panic",
        "cleanup",
        "completions",
    ] {
        assert!(help.contains(want), "help lacks {want:?}:\n{help}");
    }
}

/// The examples and the exit-code table are laid out by hand: they render as written at any
/// width, and the usage shows the two forms dispatch accepts.
#[test]
fn help_renders_the_examples_unwrapped_and_both_usages() {
    for columns in [None, Some("60"), Some("200")] {
        let mut cmd = Command::new(bin());
        cmd.arg("--help");
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        let out = cmd.output().unwrap();
        assert_exit(&out, 0);
        let help = stdout(&out);
        for want in [
            "Usage: run-milestone [OPTIONS] <MILESTONE>\n       run-milestone <COMMAND>\n",
            "\n  run-milestone m5 --autonomous    Overnight: no prompts, fix/restart ≤ 2 then skip, summary at the end\n",
            "\n  run-milestone m5 --dry-run       Preview the gate, branches, run order, tasks and PR titles; changes nothing\n",
            "\n  0  the run finished (every issue merged, skipped by policy, or waiting for a human, as the\n     summary lists), or a dry-run / check passed\n",
            "\n  3  stopped before finishing (abort, panic, blocked quality gate, secret exposure, critical error)\n",
        ] {
            assert!(help.contains(want), "COLUMNS={columns:?}: help lacks {want:?}:\n{help}");
        }
        assert!(!help.contains("[MILESTONE] <COMMAND>"), "{help}");
    }
    // The short help and the usage in errors show the same two forms.
    let short = Command::new(bin()).arg("-h").output().unwrap();
    assert!(stdout(&short).contains("run-milestone m5 --dry-run       Preview the gate"), "{}", stdout(&short));
    let none = Command::new(bin()).output().unwrap();
    assert!(
        stderr(&none).contains("Usage: run-milestone [OPTIONS] <MILESTONE>\n       run-milestone <COMMAND>"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn no_arguments_prints_help_and_exits_2() {
    let out = Command::new(bin()).output().unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("Usage:"), "{}", stderr(&out));
}

#[test]
fn outside_a_repository_is_an_input_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(bin()).args(["-C", tmp.path().to_str().unwrap(), "check", "m1"]).output().unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("not a git repository"), "{}", stderr(&out));
}

#[test]
fn dash_c_runs_as_if_started_there() {
    let repo = Repo::demo();
    let out = Command::new(bin())
        .args(["-C", repo.root.to_str().unwrap(), "check", "m1"])
        .current_dir(repo.tmp.path())
        .output()
        .unwrap();
    assert_exit(&out, 0);
}

#[test]
fn missing_milestone_lists_what_exists() {
    let repo = Repo::demo();
    let out = repo.run(&["m7", "--dry-run"]);
    assert_exit(&out, 2);
    assert_eq!(
        stderr(&out),
        "error: milestone m7: no folder `milestones/m7-<slug>/`; milestones here: m1-text-tools\n"
    );
}

#[test]
fn completions_are_generated() {
    let out = Command::new(bin()).args(["completions", "bash"]).output().unwrap();
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("run-milestone"));
}

#[test]
fn an_unknown_agent_is_a_usage_error_listing_the_backends() {
    let out = Command::new(bin()).args(["m1", "--agent", "nope"]).output().unwrap();
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("invalid value 'nope' for '--agent <NAME>'"), "{err}");
    assert!(err.contains("[possible values: spec, claude, codex, aider, command]"), "{err}");
}

/// `--agent` on the command line wins over the configuration's `agent.kind` (here the default,
/// `spec`). Nothing is left to run, so the run is a bootstrap: its journal names the backend.
#[test]
fn agent_on_the_command_line_selects_the_backend() {
    let repo = Repo::demo();
    let plan = repo.root.join(crate::support::PLAN);
    let text = std::fs::read_to_string(&plan).unwrap().replace("| ⬜ Todo |", "| ⏭️ Skipped |");
    std::fs::write(&plan, text).unwrap();
    let started = |args: &[&str]| {
        let out = repo.run(args);
        assert_exit(&out, 0);
        let journal = crate::support::journal(&repo);
        let runs = crate::support::events(&journal, "run_started");
        runs.last().expect("a run_started event")["agent"].as_str().unwrap().to_string()
    };
    assert_eq!(started(&["m1", "--autonomous"]), "spec");
    assert_eq!(started(&["m1", "--autonomous", "--agent", "command"]), "command");
    assert_eq!(started(&["m1", "--autonomous", "--agent", "aider"]), "aider");
}

#[test]
fn subagent_says_what_it_does() {
    let repo = Repo::demo();
    let out = repo.run(&["m1", "--subagent", "--dry-run"]);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("warning: --subagent: every agent call already runs as a fresh agent process, with separate reviewer agents; the flag changes nothing"),
        "{}",
        stderr(&out)
    );
}

/// Exit 1 is an environment failure the tool did not foresee: here the state directory cannot be
/// made because a file sits where `.git/run-milestone/` belongs. Nothing is started.
#[test]
fn an_internal_error_exits_1_and_changes_nothing() {
    let repo = Repo::demo();
    std::fs::write(repo.common_dir().join("run-milestone"), "not a directory\n").unwrap();
    let refs = repo.refs();
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("error: cannot create ") && err.contains(".git/run-milestone/m1: Not a directory"), "{err}");
    assert_eq!(repo.refs(), refs, "a branch was made");
    assert!(!repo.tmp.path().join("demo-m1").exists(), "a worktree was made");
}

#[test]
fn dash_c_runs_the_milestone_of_that_checkout_and_updates_its_plan() {
    let here = Repo::demo();
    let there = Repo::demo();
    // Only #02 is left to run there (#03 waits on #01, #05 on #04).
    set_status(&there, "01", "⏭️ Skipped");
    set_status(&there, "04", "⏭️ Skipped");
    commit_all(&there, "only #02 to run");
    let (here_plan, here_refs) = (plan(&here), here.refs());
    let out = here.run(&["-C", there.root.to_str().unwrap(), "m1", "--autonomous"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("✓ Merged into milestone/m1-text-tools"), "{}", stdout(&out));
    let p = plan(&there);
    assert!(row(&p, "02").contains("| ✅ Done | #1 |"), "{p}");
    assert!(there.refs().contains("refs/heads/milestone/m1-text-tools"), "{}", there.refs());
    assert!(there.tmp.path().join("demo-m1").is_dir(), "the worktree is next to that checkout");
    // The checkout it was started in is untouched.
    assert_eq!(plan(&here), here_plan);
    assert_eq!(here.refs(), here_refs);
    assert!(!here.tmp.path().join("demo-m1").exists());
}

/// A run that stops at a failing baseline: on stdout `✓` lines, on stderr a warning and an error,
/// each coloured on a terminal.
fn failing_baseline(repo: &Repo) -> Command {
    set_test_command(repo, "\"echo broken; exit 1\"");
    repo.cmd(&["m1", "--autonomous", "--subagent"])
}

#[test]
fn piped_output_is_plain_text_even_without_no_color() {
    let repo = Repo::demo();
    let out = failing_baseline(&repo).env_remove("NO_COLOR").output().unwrap();
    assert_exit(&out, 3);
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains("✓ Milestone folder exists (milestones/m1-text-tools)"), "{text}");
    assert!(err.contains("warning: --subagent") && err.contains("error: baseline tests fail"), "{err}");
    assert!(!text.contains('\x1b') && !err.contains('\x1b'), "{text:?}\n{err:?}");
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let repo = Repo::demo();
    let mut cmd = failing_baseline(&repo);
    let on_terminal = |cmd: Command| {
        let mut run = Pty::spawn(cmd);
        let status = exit_within(&mut run.child, 60);
        let text = run.out.rest();
        assert_eq!(status.code(), Some(3), "{text}");
        text
    };
    cmd.env_remove("NO_COLOR");
    let coloured = on_terminal(cmd);
    for want in [
        "\x1b[32m✓\x1b[0m Milestone folder exists (milestones/m1-text-tools)",
        "\x1b[33mwarning:\x1b[0m --subagent",
        "\x1b[31merror:\x1b[0m baseline tests fail",
    ] {
        assert!(coloured.contains(want), "missing {want:?} in {coloured:?}");
    }
    let mut cmd = repo.cmd(&["m1", "--autonomous", "--subagent"]);
    cmd.env("NO_COLOR", "1");
    let plain = on_terminal(cmd);
    assert!(plain.contains("✓ Milestone folder exists (milestones/m1-text-tools)"), "{plain}");
    assert!(plain.contains("warning: --subagent") && plain.contains("error: baseline tests fail"), "{plain}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}
