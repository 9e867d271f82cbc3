//! Unit tests of `plan::spec`.

use super::*;

pub const SEED_SPEC: &str = r#"---
title: "Add user authentication"
github_issue: 301
priority: P0
dependencies: []
estimated_tasks: 5
---

# Add User Authentication

## Done Definition

Users can register and login via API.

## Tasks

### Task 1: Create User model (3 min)

**Files:**
- Create: `src/models/user.py`
- Test: `tests/models/test_user.py`

**RED:**
```python
def test_user_has_email_and_hashed_password():
    user = User(email="test@example.com", password="secret")
    assert user.email == "test@example.com"
    assert user.password_hash != "secret"
```

**GREEN:**
```python
class User:
    def __init__(self, email: str, password: str):
        self.email = email
        self.password_hash = hash_password(password)
```

**Verify:** `pytest tests/models/test_user.py -v`

---

### Task 2: Add password hashing (3 min)

**Files:**
- Create: `src/utils/crypto.py`
- Test: `tests/utils/test_crypto.py`

**RED:**
```python
def test_hash_password_returns_different_value():
    assert hash_password("secret") != "secret"
```

**GREEN:**
```python
import bcrypt
def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
```

**Verify:** `pytest tests/utils/test_crypto.py -v`

---

### Task 3: Add registration endpoint (5 min)

...

## Acceptance Criteria

- [ ] POST /api/auth/register creates user
- [x] POST /api/auth/login returns token
- [ ] Passwords are hashed with bcrypt
"#;

fn parse(name: &str, src: &str) -> Result<Spec, Error> {
    parse_spec(Path::new(name), src)
}

#[test]
fn parses_the_seed_spec() {
    let spec = parse("01-user-auth.md", SEED_SPEC).unwrap();
    assert_eq!((spec.no, spec.slug.as_str()), (IssueNo(1), "user-auth"));
    assert_eq!(spec.title.as_deref(), Some("Add user authentication"));
    assert_eq!(spec.github_issue, Some(301));
    assert_eq!(spec.priority.as_deref(), Some("P0"));
    assert_eq!(spec.estimated_tasks, Some(5));
    assert!(spec.dependencies.is_empty());
    assert_eq!(spec.heading.as_deref(), Some("Add User Authentication"));
    assert_eq!(spec.done_definition, "Users can register and login via API.");
    assert_eq!(spec.tasks.len(), 3);
    let t1 = &spec.tasks[0];
    assert_eq!((t1.number, t1.title.as_str(), t1.minutes, t1.line), (1, "Create User model", Some(3), 17));
    assert_eq!(t1.files.create, vec!["src/models/user.py"]);
    assert_eq!(t1.files.test, vec!["tests/models/test_user.py"]);
    let red = t1.red.as_ref().unwrap();
    assert_eq!(red.lang.as_deref(), Some("python"));
    assert!(red.code.starts_with("def test_user_has_email_and_hashed_password():\n"));
    assert!(t1.green.as_ref().unwrap().code.contains("class User:"));
    assert_eq!(t1.verify.as_deref(), Some("pytest tests/models/test_user.py -v"));
    assert!(t1.markdown.starts_with("### Task 1: Create User model (3 min)"));
    assert!(t1.markdown.trim_end().ends_with("---"));
    let t3 = &spec.tasks[2];
    assert_eq!((t3.minutes, t3.verify.clone(), t3.red.clone()), (Some(5), None, None));
    assert_eq!(spec.acceptance.len(), 3);
    assert_eq!(spec.acceptance[1], Criterion { text: "POST /api/auth/login returns token".into(), checked: true });
}

#[test]
fn dependencies_as_strings_or_numbers_and_scope() {
    let src = "---\ntitle: X\ndependencies: [\"01\", 2, \"#03\"]\nscope: [auth, permissions]\n---\n# X\n";
    let spec = parse("04-x.md", src).unwrap();
    assert_eq!(spec.dependencies, vec![IssueNo(1), IssueNo(2), IssueNo(3)]);
    assert_eq!(spec.scope, vec!["auth", "permissions"]);
    assert!(spec.tasks.is_empty());
}

#[test]
fn verify_with_colon_outside_and_multiple_paths() {
    let src = "---\ntitle: X\n---\n## Tasks\n\n### Task 1: A\n\n**Files:**\n- Modify: `a.py`, `b.py`\n- Test: tests/test_a.py\n\n**Verify**: `make test`\n";
    let spec = parse("01-x.md", src).unwrap();
    let t = &spec.tasks[0];
    assert_eq!(t.files.modify, vec!["a.py", "b.py"]);
    assert_eq!(t.files.test, vec!["tests/test_a.py"]);
    assert_eq!(t.verify.as_deref(), Some("make test"));
    assert_eq!(t.minutes, None);
}

#[test]
fn errors_name_line_and_expectation() {
    let cases = [
        ("no front matter\n", "01-x.md:1: expected YAML front matter"),
        ("---\ntitle: X\n", "01-x.md:1: unterminated front matter"),
        ("---\ntitle: [x\n---\n", "01-x.md:2:8: invalid YAML"),
        ("---\ntitel: X\n---\n", "01-x.md:2:1: invalid YAML: unknown field `titel`"),
        ("---\ndependencies: [abc]\n---\n", "01-x.md:2: invalid dependency `abc`"),
        ("---\n---\n## Tasks\n\n### Step one\n", "01-x.md:5: unparseable task heading `### Step one`"),
        (
            "---\n---\n## Tasks\n\n### Task 1: A\n\n**RED:**\n\nsome text\n",
            "01-x.md:7: unparseable task: expected a fenced code block after **RED:**, found a paragraph",
        ),
        (
            "---\n---\n## Tasks\n\n### Task 1: A\n\n**GREEN:**\n",
            "01-x.md:7: unparseable task: expected a fenced code block after **GREEN:**, found the end of the task",
        ),
        (
            "---\n---\n## Tasks\n\n### Task 1: A\n\n**Verify:** run the tests\n",
            "01-x.md:7: unparseable task: expected an inline-code command after **Verify:**",
        ),
        (
            "---\n---\n## Tasks\n\n### Task 1: A\n\n**Files:**\n- Delete: `a.py`\n",
            "01-x.md:8: unparseable task: unknown Files entry `Delete: `a.py``",
        ),
        (
            "---\n---\n## Tasks\n\n### Task 1: A\n\n**Files:**\n- Create: `a.py`\n- Test: `tests/a.py`, `tests/{b`\n",
            "01-x.md:9: unparseable task: `Test:` path `tests/{b` is not a valid glob (unclosed alternate group;",
        ),
        ("---\n---\n## Tasks\n\n### Task 1: A\n\n### Task 1: B\n", "01-x.md:7: unparseable task: Task 1 appears twice"),
    ];
    for (src, want) in cases {
        let err = parse("01-x.md", src).unwrap_err();
        assert!(err.message.starts_with(want), "for {src:?}\n got: {}\nwant: {want}", err.message);
    }
}
