//! The built-in `spec` backend: applies the spec's own code. RED goes to the task's `Test:` file,
//! GREEN to its `Create:`/`Modify:` file (created if absent, else appended after a blank line).
//! No AI, no network. A task it cannot apply is `BLOCKED` with the reason, never a silent success.

use std::path::{Component, Path, PathBuf};

use super::{Agent, AgentError, Outcome, Request, Status, Step, Usage};

pub struct SpecAgent;

fn blocked(message: String) -> Result<Outcome, AgentError> {
    Ok(Outcome { status: Status::Blocked, output: message.clone(), message, usage: Usage::default() })
}

/// `rel` inside `root`, refusing absolute paths and `..` (a spec must not write outside the tree).
fn inside(root: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    if p.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) && !rel.is_empty() {
        Some(root.join(p))
    } else {
        None
    }
}

/// Creates `path` with `code`, or appends `code` after a blank line.
pub fn write_or_append(path: &Path, code: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = match std::fs::read_to_string(path) {
        Ok(existing) if !existing.trim().is_empty() => {
            let mut t = existing;
            if !t.ends_with('\n') {
                t.push('\n');
            }
            t.push('\n');
            t
        }
        Ok(_) => String::new(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    text.push_str(code);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    std::fs::write(path, text)
}

impl Agent for SpecAgent {
    fn name(&self) -> &'static str {
        "spec"
    }

    fn builtin_review_only(&self) -> bool {
        true
    }

    fn run(&mut self, req: &Request) -> Result<Outcome, AgentError> {
        let ctx = &req.ctx;
        let label = |n: u32| format!("Issue {} Task {n}", ctx.issue.no);
        let (block, target, what) = match (req.step, ctx.task) {
            (Step::Red, Some(task)) => (task.red.as_ref(), task.files.test.first(), ("RED", "Test:")),
            (Step::Green, Some(task)) => (
                task.green.as_ref(),
                task.files.create.first().or(task.files.modify.first()),
                ("GREEN", "Create:/Modify:"),
            ),
            (Step::Refactor, _) => {
                return Ok(Outcome {
                    status: Status::Done,
                    message: "No changes needed".into(),
                    usage: Usage::default(),
                    output: String::new(),
                });
            }
            (Step::Review, _) => {
                return Ok(Outcome {
                    status: Status::Done,
                    message: "the spec backend reviews with the built-in passes alone".into(),
                    usage: Usage::default(),
                    output: String::new(),
                });
            }
            (step, _) => {
                return blocked(format!(
                    "the spec agent applies the spec's own RED/GREEN code and cannot {} (use an AI agent: --agent claude|codex|aider|command)",
                    match step {
                        Step::FixTests => "fix failing tests",
                        Step::FixReview => "address review findings",
                        _ => "do this step",
                    }
                ));
            }
        };
        let task = ctx.task.expect("RED/GREEN always carry a task");
        let Some(block) = block else {
            return blocked(format!("{} has no **{}:** code block to apply", label(task.number), what.0));
        };
        let Some(target) = target else {
            return blocked(format!("{} has no `{}` file to put its {} code in", label(task.number), what.1, what.0));
        };
        let Some(path) = inside(ctx.workdir, target) else {
            return blocked(format!("{}: `{target}` is outside the repository", label(task.number)));
        };
        if let Err(e) = write_or_append(&path, &block.code) {
            return blocked(format!("{}: cannot write `{target}`: {e}", label(task.number)));
        }
        Ok(Outcome {
            status: Status::Done,
            message: format!("applied the {} block of Task {} to {target}", what.0, task.number),
            usage: Usage::default(),
            output: String::new(),
        })
    }
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
