//! Every broken input under `fixtures/plans/` gives its exact message and exit code.

use crate::common::{Repo, assert_exit, copy_dir, fixtures, stderr, stdout};

#[test]
fn every_broken_fixture_gives_its_exact_message() {
    let dir = fixtures().join("plans");
    let mut cases: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 15, "expected the fixture set, found {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let repo = Repo::with_contents("proj", None);
        copy_dir(&case.join("milestone"), &repo.root.join("milestones/m1-fixture"));
        if case.join("run-milestone.yml").exists() {
            std::fs::copy(case.join("run-milestone.yml"), repo.root.join(".run-milestone.yml")).unwrap();
        }
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        let mut lines = expected.splitn(3, '\n');
        let code: i32 = lines.next().unwrap().trim_start_matches("exit ").parse().unwrap();
        let stream = lines.next().unwrap();
        let text = lines.next().unwrap_or("");
        let before = crate::common::snapshot(&repo.root);
        let out = repo.run(&["check", "m1"]);
        let got = if stream == "stderr" { stderr(&out) } else { stdout(&out) };
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if out.status.code() != Some(code) || got != text {
            failures.push(format!(
                "{name}: exit {:?} (want {code})\n--- got {stream}\n{got}--- want\n{text}",
                out.status.code()
            ));
        }
        assert!(before == crate::common::snapshot(&repo.root), "{name}: check modified the repository");
        // The same input stops a dry-run with the same exit code.
        let dry = repo.run(&["m1", "--dry-run"]);
        assert_exit(&dry, code);
        // And an invalid file stops the run itself, with the same message, before it writes
        // anything (a plan that passes `check` is one the run can work with).
        if name.starts_with("invalid-") {
            let run = repo.run(&["m1", "--autonomous"]);
            assert_exit(&run, code);
            assert_eq!(stderr(&run), text, "{name}: the run fails differently from check");
            assert!(before == crate::common::snapshot(&repo.root), "{name}: the run modified the repository");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
