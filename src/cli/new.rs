//! `run-milestone new <M> <slug>`: scaffolds `<milestones_dir>/<m>-<slug>/` with a plan and one
//! example spec that passes `check`, so a first milestone starts from a file that already parses.
//! It never overwrites: an existing folder for the id is an error and nothing is written.

use std::path::Path;

use crate::config::Config;
use crate::error::Error;
use crate::git::Workspace;
use crate::milestone::MilestoneId;
use crate::ui::Ui;

pub fn run(ui: &Ui, dir: &Path, id: &MilestoneId, slug: &str) -> Result<i32, Error> {
    check_slug(slug)?;
    let (ws, _repo) = Workspace::discover(dir)?;
    let config = Config::load(&ws.root)?;
    let candidates = config.milestone_dirs();
    let base = candidates.iter().find(|c| ws.root.join(c).is_dir()).unwrap_or(&candidates[0]).clone();
    let folder = base.join(format!("{id}-{slug}"));
    if ws.root.join(&folder).exists() {
        return Err(Error::input(format!("{}: already exists; `new` never overwrites", folder.display())));
    }
    if let Some(taken) = crate::milestone::list(&ws.root, &candidates).into_iter().find(|m| &m.id == id) {
        let name = taken.path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        return Err(Error::input(format!("milestone {id} already exists: {}/{name}", base.display()))
            .with_hint("pick another id, or edit the existing milestone"));
    }
    let title = title_of(slug);
    let files = [
        (folder.join("IMPLEMENTATION_PLAN.md"), plan_text(id, slug, &title)),
        (folder.join("issues/01-first-issue.md"), SPEC_TEXT.to_string()),
    ];
    for (rel, text) in &files {
        let path = ws.root.join(rel);
        let parent = path.parent().unwrap_or(&ws.root);
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::internal(format!("cannot create {}: {e}", parent.display())))?;
        crate::safety::atomic::write_atomic(&path, text.as_bytes())
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
        ui.ok(format!("created {}", rel.display()));
    }
    ui.line(format!(
        "Next: edit the plan and the spec, then `run-milestone check {id}` and `run-milestone {id} --dry-run`."
    ));
    Ok(0)
}

/// A slug is a folder name: lowercase letters and digits, words joined by single hyphens.
fn check_slug(slug: &str) -> Result<(), Error> {
    let ok = !slug.is_empty()
        && slug.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(Error::input(format!(
            "invalid slug `{slug}`: expected lowercase letters and digits joined by hyphens (e.g. user-auth)"
        )))
    }
}

/// `user-auth` → `User Auth`.
fn title_of(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn plan_text(id: &MilestoneId, slug: &str, title: &str) -> String {
    format!(
        "# Milestone {id}: {title}

Base branch: milestone/{id}-{slug}

What this milestone delivers, in a sentence or two.

## Phase 1: First steps

| # | Issue | GitHub | Priority | Depends | Status | PR |
|---|-------|--------|----------|---------|--------|----|
| 01 | First issue | – | P0 | – | ⬜ Todo | |

## Blocked / Needs Review
"
    )
}

/// The example spec: one task in the format of docs/formats.md (a Python module and its unittest).
const SPEC_TEXT: &str = r#"---
title: "First issue"
priority: P0
dependencies: []
estimated_tasks: 1
---

# First issue

## Done Definition

Replace this example with what the issue delivers. Each task is RED (a failing test), GREEN (the
code that makes it pass) and a Verify command; see docs/formats.md.

## Tasks

### Task 1: Greet returns a greeting (3 min)

**Files:**
- Create: `example/greet.py`
- Test: `tests/test_greet.py`

**RED:**
```python
import unittest

from example.greet import greet


class GreetTest(unittest.TestCase):
    def test_greets_by_name(self):
        self.assertEqual(greet("Ada"), "Hello, Ada!")
```

**GREEN:**
```python
def greet(name):
    """A greeting for `name`."""
    return f"Hello, {name}!"
```

**Verify:** `python3 -m unittest tests.test_greet -v`

## Acceptance Criteria

- [ ] `greet("Ada")` is `Hello, Ada!`
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_capitalise_each_word() {
        assert_eq!(title_of("user-auth"), "User Auth");
        assert_eq!(title_of("v2"), "V2");
    }

    #[test]
    fn slugs_are_folder_names() {
        assert!(check_slug("user-auth").is_ok());
        assert!(check_slug("m2x").is_ok());
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "a/b", ".."] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }
}
