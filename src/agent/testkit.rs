//! Test fixture for the agent unit tests: a milestone, a plan row and a two-task spec parsed by
//! the real parsers, and a temp working directory.

use std::path::Path;

use super::Context;
use crate::milestone::MilestoneId;
use crate::plan::parse::parse_plan;
use crate::plan::spec::parse_spec;
use crate::plan::{Plan, Spec};

pub const PLAN: &str = "# Milestone m1: Text Tools\n\nBase branch: milestone/m1-text-tools\n\n\
## Phase 1: Core\n\n\
| # | Issue | GitHub | Priority | Depends | Status | PR |\n\
|---|-------|--------|----------|---------|--------|----|\n\
| 01 | Add slugify | #101 | P0 | – | ⬜ Todo | |\n";

pub const SPEC: &str = r#"---
title: "Add slugify"
github_issue: 101
priority: P0
dependencies: []
estimated_tasks: 2
---

# Add slugify

## Done Definition

`textkit.slug` turns titles into URL slugs.

## Tasks

### Task 1: Slugify lowercases (3 min)

**Files:**
- Create: `textkit/slug.py`
- Test: `tests/test_slug.py`

**RED:**
```python
import unittest

from textkit.slug import slugify


class SlugifyTest(unittest.TestCase):
    def test_lowercases(self):
        self.assertEqual(slugify("Hello, World!"), "hello-world")
```

**GREEN:**
```python
def slugify(text):
    return "-".join(text.lower().replace(",", "").replace("!", "").split())
```

**Verify:** `python3 -m unittest tests.test_slug -v`

---

### Task 2: Unique slug (3 min)

**Files:**
- Modify: `textkit/slug.py`
- Test: `tests/test_slug.py`

**Verify:** `python3 -m unittest tests.test_slug -v`

## Acceptance Criteria

- [ ] `slugify("Hello, World!")` is `hello-world`
- [ ] `unique_slug` never returns a taken slug
"#;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub milestone: MilestoneId,
    pub plan: Plan,
    pub spec: Spec,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let plan = parse_plan(Path::new("IMPLEMENTATION_PLAN.md"), PLAN).unwrap();
        let spec = parse_spec(&dir.path().join("issues/01-slugify.md"), SPEC).unwrap();
        Fixture { dir, milestone: "m1".parse().unwrap(), plan, spec }
    }

    /// The context of Task `task` (1-based), or of the issue as a whole.
    pub fn ctx(&self, task: Option<u32>) -> Context<'_> {
        Context {
            milestone: &self.milestone,
            issue: &self.plan.issues[0],
            spec: &self.spec,
            task: task.map(|n| self.spec.tasks.iter().find(|t| t.number == n).unwrap()),
            workdir: self.dir.path(),
        }
    }
}
