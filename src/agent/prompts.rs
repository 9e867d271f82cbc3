//! The prompts every AI backend receives, built from the seed's subagent templates (Implementer,
//! Spec Reviewer, Quality Reviewer). The implementer prompt is cut to ONE step of the TDD cycle:
//! the orchestrator runs Verify between steps and commits, so each call says exactly what this
//! call must do and nothing more.
//!
//! No line of a prompt parses as a `STATUS:` reply, so a backend that echoes its prompt (aider)
//! is never mistaken for an agent that answered.

use super::{Context, Step};
use crate::plan::spec::CodeBlock;
use crate::plan::{Spec, Task};

/// The implementer prompt for one `step` (RED, GREEN, REFACTOR, FIX-TESTS, FIX-REVIEW) of the
/// issue and task in `ctx`; `feedback` (failing output, review findings) is quoted verbatim.
pub fn implementer(ctx: &Context, step: Step, feedback: Option<&str>) -> String {
    let mut p = format!("You are implementing Issue {} for Milestone {}.\n\n", ctx.issue.no, ctx.milestone);
    p += &format!("Issue: {}\n", ctx.issue.title);
    if let Some(n) = ctx.issue.github.or(ctx.spec.github_issue) {
        p += &format!("GitHub issue: #{n}\n");
    }
    p += &format!("Spec file: {}\n\n", ctx.spec.path.display());
    p += "## Issue Spec\n\n";
    p += &fenced("markdown", &ctx.spec.source);
    p += "\n";
    p += &step_section(ctx.task, step);
    if let Some(task) = ctx.task {
        p += "\n";
        p += &task_section(task);
    }
    if let Some(text) = feedback {
        p += match step {
            Step::FixTests => "\n## Failing output\n\n",
            Step::FixReview => "\n## Review findings\n\n",
            _ => "\n## Feedback from the orchestrator\n\n",
        };
        p += &fenced("text", text);
    }
    p += "\n";
    p += CONSTRAINTS;
    p += "\n";
    p += REPLY;
    p
}

/// What this call must do.
fn step_section(task: Option<&Task>, step: Step) -> String {
    let which = task.map_or("this issue".to_string(), |t| format!("Task {} ({})", t.number, t.title));
    let tests = task.map_or(String::new(), |t| listed(&t.files.test));
    let tests = if tests.is_empty() { "the test file the spec names".to_string() } else { tests };
    match step {
        Step::Red => format!(
            "## Your job in this call: RED for {which}\n\n\
             Write ONE failing test for this task, in its `Test:` file(s): {tests}.\n\n\
             - Test code only: no implementation code, not even a stub that would make it pass.\n\
             - One behaviour: exactly one new test (use the spec's RED block, adapted to the code base if needed).\n\
             - The orchestrator will then run the Verify command and requires it to FAIL. A test that\n  \
             passes now is a TDD violation and the work is thrown away.\n"
        ),
        Step::Green => format!(
            "## Your job in this call: GREEN for {which}\n\n\
             The failing test from RED is in place. Write the minimal implementation that makes the\n\
             Verify command pass.\n\n\
             - YAGNI: only what this test needs; no extra functionality, options or error paths the spec\n  \
             does not ask for.\n\
             - Do not change the test.\n\
             - The orchestrator will then run the Verify command and requires it to PASS.\n"
        ),
        Step::Refactor => format!(
            "## Your job in this call: REFACTOR for {which} (optional)\n\n\
             Clean up the code written for this task: names, duplication, structure. Behaviour stays\n\
             exactly the same.\n\n\
             - The Verify command and the full test suite must stay green.\n\
             - No new behaviour and no new tests.\n\
             - If nothing needs improving, change nothing and say \"No changes needed\".\n"
        ),
        Step::FixTests => format!(
            "## Your job in this call: make the failing tests pass ({which})\n\n\
             The output of the failing run is below. Fix the implementation so the tests pass.\n\n\
             - Never weaken a test: do not delete, skip or disable it, loosen its assertions or change\n  \
             its expected values. If a test itself contradicts the spec, reply BLOCKED and say why.\n\
             - Change only what the failure needs.\n"
        ),
        Step::FixReview => format!(
            "## Your job in this call: address the review findings ({which})\n\n\
             The findings are below. Fix each one: add what is missing, remove what is extra, correct\n\
             what is wrong. The tests must stay green.\n\n\
             - Change nothing the findings do not ask for.\n\
             - If a finding is wrong, leave that code as it is and explain it in DONE_WITH_CONCERNS.\n"
        ),
        Step::Review => format!(
            "## Your job in this call: look over {which}\n\n\
             Check the work against the spec. Change no files; report what you find.\n"
        ),
    }
}

/// The task's title, files, Verify command and RED/GREEN blocks.
fn task_section(task: &Task) -> String {
    let mut s = format!("## Task {}: {}\n\nFiles:\n", task.number, task.title);
    let files = [("Create", &task.files.create), ("Modify", &task.files.modify), ("Test", &task.files.test)];
    for (label, list) in files {
        for f in list {
            s += &format!("- {label}: `{f}`\n");
        }
    }
    if task.files.all().next().is_none() {
        s += "- (none listed)\n";
    }
    match &task.verify {
        Some(v) => s += &format!("\nVerify: `{v}`\n"),
        None => s += "\nVerify: (none given)\n",
    }
    for (label, block) in [("RED (the spec's test)", &task.red), ("GREEN (the spec's implementation)", &task.green)] {
        if let Some(block) = block {
            s += &format!("\n{label}:\n\n");
            s += &code(block);
        }
    }
    s
}

const CONSTRAINTS: &str = "## Constraints\n\n\
- NO extra functionality (YAGNI): only what the spec and this step ask for.\n\
- NO skipping tests: never delete, skip, disable or weaken a test to get green.\n\
- NO committing: do not run `git commit`, `git add`, `git stash`, `git reset` or switch branches.\n  \
The orchestrator verifies your work and commits it.\n\
- Work only inside the current directory (the repository's worktree).\n\
- Never print secrets, tokens or passwords.\n";

const REPLY: &str = "## Reply\n\n\
Say in a few lines what you changed (files) and why. Then end your reply with one line of the\n\
form `STATUS: <STATE> <reason or question>`, where <STATE> is one of:\n\n\
- `DONE`: the step is done.\n\
- `DONE_WITH_CONCERNS`: done, but something worries you; the concern follows on the same line.\n\
- `BLOCKED`: you cannot do the step; the reason follows on the same line.\n\
- `NEEDS_CONTEXT`: you need an answer first; the question follows on the same line.\n";

/// The seed's Spec Reviewer prompt: the spec and the issue's diff; answer PASS or ISSUES.
pub fn spec_reviewer(spec: &Spec, diff: &str) -> String {
    let title = spec.title.as_deref().or(spec.heading.as_deref()).unwrap_or(&spec.slug);
    let mut p = "You are reviewing for spec compliance.\n\n".to_string();
    p += &format!("Issue {}: {title} (spec file: {})\n\n", spec.no, spec.path.display());
    p += "## Issue Spec\n\n";
    p += &fenced("markdown", &spec.source);
    p += "\n## Git Diff\n\n";
    p += &diff_block(diff);
    p += "\n## Check\n\n1. All acceptance criteria met?\n";
    for (i, c) in spec.acceptance.iter().enumerate() {
        p += &format!("   - criterion #{}: {}\n", i + 1, c.text);
    }
    p += "2. Any extra functionality? Anything the spec does not ask for is an issue (YAGNI).\n\
          3. Paths/contracts match spec? (file paths, names, signatures, API contracts)\n\
          4. Test coverage matches expectations? (each task's test exists and tests its behaviour)\n\n\
          Do not modify any file: only report.\n\n\
          ## Response\n\n\
          The first line of your reply is exactly one word:\n\n\
          PASS — if compliant\n\
          ISSUES — list what's missing/extra/wrong, one per line after it, e.g.\n\n\
          ```text\n\
          ISSUES\n\
          1. Missing: rate limiting (criterion #3)\n\
          2. Extra: added caching (not in spec) — src/cache.py#L1\n\
          3. Wrong: `login()` returns a dict, the spec says a token string — src/auth.py#L42\n\
          ```\n";
    p
}

/// The seed's Quality Reviewer prompt: the issue's diff; answer APPROVED or ISSUES.
pub fn quality_reviewer(diff: &str) -> String {
    let mut p = "You are reviewing code quality.\n\n## Diff\n\n".to_string();
    p += &diff_block(diff);
    p += "\n## Check\n\n\
          1. Security vulnerabilities? (injection, secrets in code, unsafe input handling)\n\
          2. Performance issues? (needless quadratic work, repeated I/O, unbounded growth)\n\
          3. Error handling? (swallowed errors, crashes on bad input, unclear messages)\n\
          4. Code clarity? (names, structure, duplication, documentation)\n\n\
          Do not modify any file: only report.\n\n\
          ## Response\n\n\
          The first line of your reply is exactly one word:\n\n\
          APPROVED — if quality is good\n\
          ISSUES — then one finding per line, each tagged [CRITICAL] or [WARNING] with its location as\n\
          `file#Lline`, e.g.\n\n\
          ```text\n\
          ISSUES\n\
          1. [CRITICAL] SQL injection — src/api/users.py#L45\n\
          2. [WARNING] error from save() is ignored — src/store.py#L12\n\
          ```\n\n\
          [CRITICAL] is for security holes, data loss, crashes and wrong behaviour; [WARNING] for\n\
          everything else worth fixing.\n";
    p
}

fn diff_block(diff: &str) -> String {
    if diff.trim().is_empty() { "(the diff is empty)\n".to_string() } else { fenced("diff", diff) }
}

/// `a`, `b` as `` `a`, `b` ``.
fn listed(files: &[String]) -> String {
    files.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
}

fn code(block: &CodeBlock) -> String {
    fenced(block.lang.as_deref().unwrap_or(""), &block.code)
}

/// `text` in a fence longer than any backtick run inside it, so quoted markdown cannot end it.
fn fenced(lang: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{}\n{fence}\n", text.trim_end_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Status;
    use crate::agent::testkit::Fixture;

    #[test]
    fn red_prompt_has_the_seed_header_spec_task_and_contract() {
        let fx = Fixture::new();
        let p = implementer(&fx.ctx(Some(1)), Step::Red, None);
        assert!(p.starts_with("You are implementing Issue #01 for Milestone m1.\n"), "{p}");
        assert!(p.contains("GitHub issue: #101\n"));
        assert!(p.contains("## Issue Spec\n\n````markdown\n---\ntitle: \"Add slugify\""), "{p}");
        assert!(p.contains(&fx.spec.source.trim_end().to_string()));
        assert!(p.contains("## Your job in this call: RED for Task 1 (Slugify lowercases)"));
        assert!(p.contains("Write ONE failing test for this task, in its `Test:` file(s): `tests/test_slug.py`."));
        assert!(p.contains("requires it to FAIL"));
        assert!(p.contains("Test code only: no implementation code"));
        assert!(p.contains(
            "## Task 1: Slugify lowercases\n\nFiles:\n- Create: `textkit/slug.py`\n- Test: `tests/test_slug.py`\n"
        ));
        assert!(p.contains("Verify: `python3 -m unittest tests.test_slug -v`"));
        assert!(p.contains("RED (the spec's test):\n\n```python\nimport unittest"));
        assert!(p.contains("GREEN (the spec's implementation):\n\n```python\ndef slugify"));
        for c in ["NO extra functionality (YAGNI)", "NO skipping tests", "NO committing", "`STATUS: <STATE> "] {
            assert!(p.contains(c), "missing {c}");
        }
        for s in ["`DONE`", "`DONE_WITH_CONCERNS`", "`BLOCKED`", "`NEEDS_CONTEXT`"] {
            assert!(p.contains(s), "missing {s}");
        }
    }

    #[test]
    fn each_step_says_what_this_call_must_do() {
        let fx = Fixture::new();
        let green = implementer(&fx.ctx(Some(2)), Step::Green, None);
        assert!(green.contains("GREEN for Task 2 (Unique slug)"));
        assert!(
            green.contains("minimal implementation")
                && green.contains("YAGNI")
                && green.contains("requires it to PASS")
        );
        assert!(green.contains("- Modify: `textkit/slug.py`"));
        let refactor = implementer(&fx.ctx(Some(2)), Step::Refactor, None);
        assert!(refactor.contains("REFACTOR for Task 2") && refactor.contains("full test suite must stay green"));
        assert!(refactor.contains("change nothing"));
        let fix = implementer(&fx.ctx(None), Step::FixTests, Some("FAIL: test_x\n```\nAssertionError"));
        assert!(fix.contains("make the failing tests pass (this issue)"));
        assert!(fix.contains("Never weaken a test"));
        assert!(fix.contains("## Failing output\n\n````text\nFAIL: test_x\n```\nAssertionError\n````\n"), "{fix}");
        assert!(!fix.contains("\n## Task 1"), "issue-level steps carry no task section");
        let review = implementer(&fx.ctx(None), Step::FixReview, Some("1. Missing: unique_slug"));
        assert!(review.contains("address the review findings"));
        assert!(review.contains("## Review findings\n\n```text\n1. Missing: unique_slug\n```\n"));
        let retry = implementer(&fx.ctx(Some(1)), Step::Red, Some("the test passed before any code"));
        assert!(retry.contains("## Feedback from the orchestrator\n\n```text\nthe test passed before any code\n```"));
    }

    #[test]
    fn reviewer_prompts_follow_the_seed() {
        let fx = Fixture::new();
        let diff = "diff --git a/x b/x\n+1\n";
        let s = spec_reviewer(&fx.spec, diff);
        assert!(s.starts_with("You are reviewing for spec compliance.\n\nIssue #01: Add slugify"));
        assert!(s.contains("## Issue Spec\n\n````markdown\n---"));
        assert!(s.contains("## Git Diff\n\n```diff\ndiff --git a/x b/x\n+1\n```\n"));
        assert!(s.contains("criterion #1: `slugify(\"Hello, World!\")` is `hello-world`"));
        assert!(s.contains("PASS — if compliant") && s.contains("ISSUES — list what's missing/extra/wrong"));
        let q = quality_reviewer(diff);
        assert!(q.starts_with("You are reviewing code quality.\n\n## Diff\n\n```diff\n"));
        for c in ["Security vulnerabilities?", "Performance issues?", "Error handling?", "Code clarity?"] {
            assert!(q.contains(c), "missing {c}");
        }
        assert!(q.contains("APPROVED — if quality is good") && q.contains("[CRITICAL]") && q.contains("[WARNING]"));
        assert!(q.contains("`file#Lline`") && q.contains("src/api/users.py#L45"));
        assert!(quality_reviewer("").contains("(the diff is empty)"));
    }

    #[test]
    fn no_prompt_line_reads_as_a_status_reply() {
        let fx = Fixture::new();
        let mut prompts = vec![spec_reviewer(&fx.spec, "+x"), quality_reviewer("+x")];
        for step in [Step::Red, Step::Green, Step::Refactor, Step::FixTests, Step::FixReview, Step::Review] {
            prompts.push(implementer(&fx.ctx(Some(1)), step, Some("out")));
        }
        for p in prompts {
            assert_eq!(Status::from_reply(&p), None, "{p}");
        }
    }
}
