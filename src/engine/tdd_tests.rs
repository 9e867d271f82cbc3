//! Unit tests of `engine::tdd`.

use super::*;
use crate::plan::spec::TaskFiles;

fn task(test: &[&str]) -> Task {
    Task {
        number: 1,
        title: "t".into(),
        minutes: None,
        line: 1,
        files: TaskFiles { test: test.iter().map(|s| s.to_string()).collect(), ..Default::default() },
        red: None,
        green: None,
        verify: Some("v".into()),
        markdown: String::new(),
    }
}

fn change(p: &str) -> Change {
    Change { path: p.into(), kind: ChangeKind::Added }
}

#[test]
fn red_checks() {
    let rules = TestRules::new(&PolicyConfig::default(), &task(&["checks/verify_login.py"])).unwrap();
    assert!(rules.is_test_file("tests/models/test_user.py"));
    assert!(rules.is_test_file("src/app/user_test.go"));
    assert!(rules.is_test_file("web/button.spec.ts"));
    assert!(rules.is_test_file("checks/verify_login.py"));
    assert!(!rules.is_test_file("src/models/user.py"));
    let one = vec![("tests/test_a.py".to_string(), "    def test_a(self):".to_string())];
    assert_eq!(rules.check_red(&[change("tests/test_a.py")], &one), None);
    assert_eq!(
        rules.check_red(&[change("tests/test_a.py"), change("src/a.py")], &one),
        Some(Violation::ImplementationBeforeTest { files: vec!["src/a.py".into()] })
    );
    let two = vec![
        ("tests/test_a.py".to_string(), "def test_a():".to_string()),
        ("tests/test_a.py".to_string(), "async def test_b():".to_string()),
        ("tests/test_a.py".to_string(), "  # def test_c is a comment".to_string()),
    ];
    assert_eq!(rules.check_red(&[change("tests/test_a.py")], &two), Some(Violation::MultipleBehaviours { count: 2 }));
    assert_eq!(rules.check_red(&[], &[]), Some(Violation::NoTestWritten));
    let rust = vec![
        ("tests/a.rs".to_string(), "#[test]".to_string()),
        ("tests/a.rs".to_string(), "#[tokio::test]".to_string()),
    ];
    assert_eq!(rules.count_new_tests(&rust), 2);
    let js = vec![
        ("a.test.js".to_string(), "  it('works', () => {".to_string()),
        ("a.test.js".to_string(), "test(\"x\", () => {})".to_string()),
    ];
    assert_eq!(rules.count_new_tests(&js), 2);
}

#[test]
fn headlines() {
    let v = Violation::ImplementationBeforeTest { files: vec!["src/models/user.py".into()] };
    assert_eq!(v.headline(), "🛑 TDD Violation: implementation code before test");
    assert_eq!(v.detected("x"), "Detected: src/models/user.py modified before test written");
}
