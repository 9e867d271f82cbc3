//! Unit tests of `policy::evaluate`.

use super::testing::*;
use super::*;

#[test]
fn invalid_globs_name_their_key() {
    let mut c = PolicyConfig::default();
    c.scopes.insert("auth".into(), vec!["src/auth/[".into()]);
    let err = Rules::compile(&c).err().unwrap();
    assert!(err.message.starts_with(".run-milestone.yml: policy.scopes.auth: invalid glob `src/auth/[`"), "{}", err);
    let c = PolicyConfig { sensitive_globs: vec!["{a".into()], ..PolicyConfig::default() };
    let err = Rules::compile(&c).err().unwrap();
    assert!(err.message.starts_with(".run-milestone.yml: policy.sensitive_globs: invalid glob `{a`"), "{}", err);
    let mut c = PolicyConfig::default();
    c.surfaces[0].globs.push("x[".into());
    let err = Rules::compile(&c).err().unwrap();
    assert!(err.message.starts_with(".run-milestone.yml: policy.surfaces[Auth].globs: invalid glob"), "{}", err);
    let dir = tempfile::tempdir().unwrap();
    let milestone: MilestoneId = "m1".parse().unwrap();
    let d = diff(vec![]);
    let input = PolicyInput { diff: &d, config: &c, milestone: &milestone, scope_tags: &[], workdir: dir.path() };
    assert_eq!(evaluate(&input).err().unwrap().kind, crate::error::ErrorKind::Input);
}

#[test]
fn policy_keys_parse_from_yaml_and_unknown_ones_are_rejected() {
    use crate::config::Config;
    let yaml = "policy:\n  scopes:\n    auth: [src/auth/**]\n  labels:\n    dependency: deps\n  restrictive_licenses: [SSPL-*]\n  python_interpreter: null\n  python_site_packages: [env/site]\n  metadata_timeout_seconds: 5\n";
    let c = Config::parse(Path::new(".run-milestone.yml"), yaml).unwrap().policy;
    assert_eq!(c.scopes["auth"], ["src/auth/**"]);
    assert_eq!(c.labels.dependency, "deps");
    assert_eq!(c.labels.schema, "needs-db-review");
    assert_eq!(c.restrictive_licenses, ["SSPL-*"]);
    assert_eq!(c.python_interpreter, None);
    assert_eq!(c.python_site_packages, ["env/site"]);
    assert_eq!(c.metadata_timeout_seconds, 5);
    let err = Config::parse(Path::new(".run-milestone.yml"), "policy:\n  labels:\n    dep: x\n").unwrap_err();
    assert!(err.message.starts_with(".run-milestone.yml:3:5: invalid YAML: unknown field `dep`"), "{}", err);
}

#[test]
fn holds_are_the_hold_labels_present() {
    let c = PolicyConfig::default();
    let labels: BTreeSet<String> = ["needs-db-review", "tdd-violation", "needs-human"].map(String::from).into();
    assert_eq!(holds(&c, &labels), vec!["needs-db-review", "needs-human"]);
    assert!(holds(&c, &["tdd-violation".to_string()].into()).is_empty());
}

#[test]
fn a_renamed_label_holds_and_an_explicit_hold_list_replaces_the_default() {
    let mut c = PolicyConfig::default();
    c.labels.sensitive = "security-review".into();
    c.labels.coverage = "low-cov".into();
    let labels: BTreeSet<String> = ["security-review", "low-cov", "tdd-violation", "docs"].map(String::from).into();
    assert_eq!(holds(&c, &labels), vec!["low-cov", "security-review"]);
    c.hold_labels = Some(vec!["tdd-violation".into()]);
    assert_eq!(holds(&c, &labels), vec!["tdd-violation"]);
    c.hold_labels = Some(vec![]);
    assert!(holds(&c, &labels).is_empty(), "an empty list holds nothing");
}

#[test]
fn a_plain_change_passes_clean() {
    let ev = run_default(vec![added("src/textkit/slug.py", "def slugify(s):\n    return s\n")]);
    assert_eq!(ev, Evaluation::default());
}

#[test]
fn star_stays_in_one_component() {
    let set = glob_set("k", &["src/*.py".into(), "**/auth/**".into()]).unwrap();
    assert!(set.is_match("src/a.py"));
    assert!(!set.is_match("src/x/a.py"));
    assert!(set.is_match("auth/x.py") && set.is_match("a/b/auth/c/d.py"));
}
