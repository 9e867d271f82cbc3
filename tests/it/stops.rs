//! Stop conditions from an issue's real diff, end to end: protected surfaces held back from
//! auto-merge, additive, breaking (SQL, Django) and opaque (RunSQL, op.execute) migrations, a GPL
//! dependency (fixture METADATA), scope creep, a large diff, a merge conflict, the stop conditions
//! checked again after a review fix, and unavailable commands at `approve | skip | abort`.

use crate::common::{Repo, assert_exit, stdout};
use crate::support::*;

/// RED/GREEN for the demo's issue 01 from the spec, plus `green_extra` files written in GREEN.
fn agent_writing(repo: &Repo, green_extra: &[(&str, &str)]) {
    command_agent(repo, &issue_01_script(green_extra));
}

fn done_count(repo: &Repo) -> usize {
    plan(repo).lines().filter(|l| l.contains("| ✅ Done |")).count()
}

#[test]
fn a_protected_surface_is_labelled_and_held_back_from_auto_merge() {
    let repo = Repo::demo();
    single_issue(&repo);
    agent_writing(&repo, &[("deploy/app.yml", "replicas: 2\n")]);
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("⚠️ Protected surface (Infrastructure): deploy/app.yml → needs-human"), "{text}");
    assert!(text.contains("✓ Label: needs-human"), "{text}");
    assert!(text.contains("👀 Held back from auto-merge: needs-human"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(row(&p, "03").contains("⬜ Todo"), "dependents wait on the held PR: {p}");
    assert!(text.contains("  - #03: waiting on #01 (👀 Needs Review)"), "{text}");
    assert!(text.contains("Review needed: 1 (labelled needs-human: a human reviews and merges)"), "{text}");
    let prs = stdout(&repo.run(&["prs", "m1"]));
    assert!(
        prs.lines().next().unwrap().contains("#1 feat(m1): Add slugify (#101)")
            && prs.contains("open")
            && prs.contains("needs-human"),
        "{prs}"
    );
    // main and the milestone branch did not get it.
    assert!(!repo.git(&["ls-tree", "-r", "--name-only", BASE]).contains("deploy/app.yml"));
}

/// Renaming an elevated soft stop's label keeps its role: the new name is put on the PR and
/// holds it back, as the default name would.
#[test]
fn a_renamed_sensitive_label_still_holds_the_pr_back() {
    let repo = Repo::demo();
    single_issue(&repo);
    agent_writing(&repo, &[]);
    config_add(&repo, "policy:\n  sensitive_globs: [\"textkit/slug.py\"]\n  labels:\n    sensitive: security-review\n");
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("⚠️ Sensitive code: textkit/slug.py"), "{text}");
    assert!(text.contains("✓ Label: security-review"), "{text}");
    assert!(!text.contains("✓ Merged"), "{text}");
    assert!(text.contains("👀 Held back from auto-merge: security-review"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(!repo.git(&["ls-tree", "-r", "--name-only", BASE]).contains("tests/test_slug"), "not merged");
}

#[test]
fn an_additive_migration_is_labelled_and_continues() {
    let repo = Repo::demo();
    single_issue(&repo);
    agent_writing(
        &repo,
        &[("migrations/001_api_keys.sql", "CREATE TABLE api_keys (id integer PRIMARY KEY, name text);\n")],
    );
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ Migration: CREATE TABLE \"api_keys\""), "{text}");
    assert!(text.contains("⚠️ Additive schema change"), "{text}");
    assert!(text.contains("✓ Label: needs-db-review"), "{text}");
    assert!(row(&plan(&repo), "01").contains("👀 Needs Review"));
}

#[test]
fn a_breaking_migration_asks_approve_interactively_and_is_skipped_autonomously() {
    let repo = Repo::demo();
    single_issue(&repo);
    agent_writing(&repo, &[("migrations/002_drop.sql", "ALTER TABLE users DROP COLUMN legacy_status;\n")]);
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ Migration: DROP COLUMN \"legacy_status\""), "{text}");
    assert!(text.contains("🛑 Breaking schema: DROP COLUMN\n\nFile: migrations/002_drop.sql\n"), "{text}");
    assert!(text.contains("approve | skip | abort\n🤖 Autonomous: skip"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(p.contains("- #01 Breaking schema: DROP COLUMN (needs approval) — "), "{p}");

    let repo = Repo::demo();
    single_issue(&repo);
    agent_writing(&repo, &[("migrations/002_drop.sql", "ALTER TABLE users DROP COLUMN legacy_status;\n")]);
    let out = run_with_input(&repo, &["m1", "--skip-code-review"], "fix\napprove\ncontinue\n");
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains(
            "approve | skip | abort\n`fix` is not available here\n\napprove | skip | abort\n\n✓ Approved (recorded)"
        ),
        "{text}"
    );
    assert!(text.contains("Approved (recorded):\n  - #01 Breaking schema: DROP COLUMN"), "{text}");
    assert!(row(&plan(&repo), "01").contains("👀 Needs Review"), "approved, still labelled needs-db-review");
}

/// Issue 01 tagged `text`, changing billing code.
fn scope_creep(repo: &Repo) {
    single_issue(repo);
    edit(
        repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "estimated_tasks: 1\n",
        "estimated_tasks: 1\nscope: [text]\n",
    );
    agent_writing(repo, &[("textkit/billing/invoice.py", "TOTAL = 0\n")]);
    config_add(
        repo,
        "policy:\n  scopes:\n    text: [\"textkit/slug.py\", \"tests/**\"]\n    billing: [\"textkit/billing/**\"]\n",
    );
}

#[test]
fn scope_creep_is_a_hard_stop() {
    let repo = Repo::demo();
    scope_creep(&repo);
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 Scope creep: billing code in M1 (text)\n\nModified: textkit/billing/invoice.py\nScope tags: [text]\n\napprove | skip | abort"), "{text}");
    assert!(row(&plan(&repo), "01").contains("⏭️ Skipped"));
    // Interactively: an unavailable command is re-asked, then `skip`.
    let fresh = Repo::demo();
    scope_creep(&fresh);
    let out = run_with_input(&fresh, &["m1", "--skip-code-review"], "restart\nskip\n");
    let text = stdout(&out);
    assert!(
        text.contains(
            "approve | skip | abort\n`restart` is not available here\n\napprove | skip | abort\n\n⏭️ Skipped Issue #01"
        ),
        "{text}"
    );
    assert!(plan(&fresh).contains("- #01 Scope creep: billing code in M1 (text) (needs approval) — "));
}

#[test]
fn a_large_diff_is_a_soft_stop() {
    let repo = Repo::demo();
    config_add(&repo, "policy:\n  max_diff_files: 1\n");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("🛑 Large diff (2 files, 30 lines; limits 1 files, 400 lines) (soft stop: skip, log)")
            || text.contains("🛑 Large diff (2 files"),
        "{text}"
    );
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(p.contains("- #01 Large diff (2 files"), "{p}");
}

#[test]
fn a_merge_conflict_skips_the_issue_and_merges_nothing() {
    let repo = Repo::demo();
    crash_run(&repo, "pr_created#1");
    // Someone changes the milestone branch meanwhile, in the same file.
    let wt = repo.tmp.path().join("demo-m1");
    let run_git = |args: &[&str]| {
        let mut c = std::process::Command::new("git");
        c.args(args).current_dir(&wt);
        crate::common::hermetic(&mut c, &repo.home());
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run_git(&["switch", "-q", "-f", BASE]);
    std::fs::write(wt.join("textkit/slug.py"), "SLUG = 'conflicting'\n").unwrap();
    run_git(&["add", "-A"]);
    run_git(&["commit", "-q", "-m", "hotfix on the milestone branch"]);
    let base_before = repo.git(&["rev-parse", BASE]);
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 Merge conflict (soft stop: skip, log)\n- textkit/slug.py"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(p.contains("- #01 Merge conflict (textkit/slug.py) — "), "{p}");
    // Nothing of #01 reached the milestone branch (other issues merged on top of the hotfix).
    let log = repo.git(&["log", "--format=%s", &format!("{base_before}..{BASE}")]);
    assert!(!log.contains("Add slugify"), "{log}");
    assert!(done_count(&repo) >= 1);
}

/// Issue 01 (one task) from the spec's code (GREEN also writes `green_extra`); the quality
/// reviewer asks for a fix until `fix_file` exists, and the fix writes it.
fn review_fix_writing(repo: &Repo, green_extra: &[(&str, &str)], fix_file: &str, text: &str) {
    let mut extra = String::new();
    for (path, text) in green_extra {
        extra.push_str(&format!("    write({path:?}, {text:?})\n"));
    }
    let script = format!(
        "role = os.environ.get('RUN_MILESTONE_ROLE', '')\n\
if os.environ['RUN_MILESTONE_ISSUE'] != '01':\n    print('STATUS: BLOCKED only issue 01 is scripted')\n    sys.exit(0)\n\
if step == 'red':\n    write(test_files[0], 'import unittest\\nfrom textkit.slug import slugify\\n\\nclass T(unittest.TestCase):\\n    def test_t(self):\\n        self.assertEqual(slugify(\"A B\"), \"a-b\")\\n')\n\
elif step == 'green':\n    write(impl_files[0], 'def slugify(t):\\n    return \"-\".join(t.lower().split())\\n')\n{extra}\
elif step == 'fix-review':\n    write({fix_file:?}, {text:?})\n\
elif role == 'spec-reviewer':\n    print('PASS')\n\
elif role == 'quality-reviewer':\n    print('APPROVED' if os.path.exists({fix_file:?}) else 'ISSUES\\n1. [WARNING] Ship it with its settings — textkit/slug.py#L1')\n"
    );
    command_agent(repo, &script);
}

#[test]
fn a_review_fix_that_touches_a_protected_surface_is_held_back() {
    let repo = Repo::demo();
    single_issue(&repo);
    review_fix_writing(&repo, &[], "deploy/app.yml", "replicas: 2\n");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("Stage 2: Code Quality (retry)"), "{text}");
    assert!(
        text.contains("🔍 The review fixes changed the code: checking the stop conditions again\n⚠️ Protected surface (Infrastructure): deploy/app.yml → needs-human"),
        "{text}"
    );
    assert!(text.contains("✓ Label: needs-human"), "{text}");
    assert!(text.contains("👀 Held back from auto-merge: needs-human"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("| 👀 Needs Review | #1 |"), "{p}");
    assert!(!repo.git(&["ls-tree", "-r", "--name-only", BASE]).contains("deploy/app.yml"), "not merged");
}

#[test]
fn a_review_fix_that_adds_a_breaking_migration_hits_the_hard_stop() {
    let repo = Repo::demo();
    single_issue(&repo);
    review_fix_writing(&repo, &[], "migrations/002_drop.sql", "ALTER TABLE users DROP COLUMN legacy_status;\n");
    let out = repo.run(&["m1", "--autonomous"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 Breaking schema: DROP COLUMN\n\nFile: migrations/002_drop.sql\n"), "{text}");
    assert!(text.contains("approve | skip | abort\n🤖 Autonomous: skip"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(p.contains("- #01 Breaking schema: DROP COLUMN (needs approval) — "), "{p}");
    assert!(!stdout(&repo.run(&["prs", "m1"])).contains("#1"), "no PR was opened");
}

#[test]
fn a_hard_stop_approved_before_the_review_is_not_asked_again_after_a_fix() {
    let repo = Repo::demo();
    single_issue(&repo);
    edit(
        &repo,
        "milestones/m1-text-tools/issues/01-slugify.md",
        "- Create: `textkit/slug.py`\n",
        "- Create: `textkit/slug.py`\n- Create: `migrations/002_drop.sql`\n",
    );
    review_fix_writing(
        &repo,
        &[("migrations/002_drop.sql", "ALTER TABLE users DROP COLUMN legacy_status;\n")],
        "deploy/app.yml",
        "replicas: 2\n",
    );
    // One `approve`, one `fix`; end of input would abort if the hard stop were asked again.
    let out = run_with_input(&repo, &["m1"], "approve\nfix\n");
    let text = stdout(&out);
    assert_eq!(text.matches("🛑 Breaking schema: DROP COLUMN").count(), 1, "{text}");
    assert!(text.contains("✓ Approved earlier: Breaking schema: DROP COLUMN"), "{text}");
    assert!(text.contains("✓ Label: needs-db-review"), "{text}");
    assert!(text.contains("✓ Label: needs-human"), "the labels of both checks are merged: {text}");
    assert!(row(&plan(&repo), "01").contains("| 👀 Needs Review | #1 |"));
}

#[test]
fn a_django_migration_that_drops_a_field_is_a_hard_stop() {
    let repo = Repo::demo();
    single_issue(&repo);
    let migration = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [(\"shop\", \"0008_previous\")]\n\n    operations = [\n        migrations.RemoveField(model_name=\"order\", name=\"legacy_status\"),\n    ]\n";
    agent_writing(&repo, &[("shop/migrations/0009_remove_legacy.py", migration)]);
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("✓ Migration: DROP COLUMN \"legacy_status\""), "{text}");
    assert!(
        text.contains(
            "🛑 Breaking schema: DROP COLUMN\n\nFile: shop/migrations/0009_remove_legacy.py\nRisk: Data loss"
        ),
        "{text}"
    );
    assert!(text.contains("approve | skip | abort\n🤖 Autonomous: skip"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(!stdout(&repo.run(&["prs", "m1"])).contains("#1 "), "no PR");
}

#[test]
fn opaque_migrations_are_a_hard_stop() {
    // Django RunSQL, autonomously: skipped.
    let repo = Repo::demo();
    single_issue(&repo);
    let migration = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [(\"shop\", \"0008_previous\")]\n\n    operations = [\n        migrations.RunSQL(\"UPDATE shop_user SET active = true\"),\n    ]\n";
    agent_writing(&repo, &[("shop/migrations/0010_backfill.py", migration)]);
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("🛑 Breaking schema: RunSQL (opaque)\n\nFile: shop/migrations/0010_backfill.py\nRisk: Unknown effect (raw SQL is not analysed; review it by hand)\n\napprove | skip | abort\n🤖 Autonomous: skip"),
        "{text}"
    );
    assert!(plan(&repo).contains("- #01 Breaking schema: RunSQL (opaque) (needs approval) — "));

    // Alembic op.execute, interactively: an unavailable command is re-asked, then `abort` (exit 3).
    let repo = Repo::demo();
    single_issue(&repo);
    let revision = "from alembic import op\n\nrevision = \"003\"\ndown_revision = \"002\"\n\n\ndef upgrade():\n    op.execute(\"UPDATE users SET active = true\")\n\n\ndef downgrade():\n    pass\n";
    agent_writing(&repo, &[("alembic/versions/003_backfill.py", revision)]);
    let out = run_with_input(&repo, &["m1", "--skip-code-review"], "continue\nabort\n");
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(text.contains("✓ Migration: op.execute"), "{text}");
    assert!(
        text.contains(
            "🛑 Breaking schema: op.execute (opaque)\n\nFile: alembic/versions/003_backfill.py\nRisk: Unknown effect ("
        ),
        "{text}"
    );
    assert!(
        text.contains("approve | skip | abort\n`continue` is not available here\n\napprove | skip | abort\n"),
        "{text}"
    );
    assert!(text.contains("⛔ Milestone aborted"), "{text}");
    assert!(row(&plan(&repo), "01").contains("🔄 In Progress"), "state saved for a resume");
}

/// The demo with the Python fixture's installed packages (`.venv/…/*.dist-info/METADATA`) and its
/// `requirements.txt` committed; issue 01's GREEN adds `requirement` to `requirements.txt`.
fn new_python_dependency(repo: &Repo, requirement: &str) {
    let fixture = crate::common::fixtures().join("policy/python");
    crate::common::copy_dir(&fixture.join(".venv"), &repo.root.join(".venv"));
    std::fs::copy(fixture.join("requirements.txt"), repo.root.join("requirements.txt")).unwrap();
    single_issue(repo);
    agent_writing(repo, &[("requirements.txt", requirement)]);
}

#[test]
fn a_gpl_dependency_is_a_license_stop_approved_interactively() {
    let repo = Repo::demo();
    new_python_dependency(&repo, "weasyprint==60.0  # PDF generation\n");
    let out = run_with_input(&repo, &["m1", "--skip-code-review"], "restart\napprove\n");
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("⚠️ New dependency: weasyprint (GPL-3.0)"), "{text}");
    assert!(
        text.contains("🛑 License: weasyprint v60.0 (GPL-3.0)\n\nManifest: requirements.txt\nReason: no choice in the license avoids GPL-3.0\n\napprove | skip | abort\n`restart` is not available here\n\napprove | skip | abort\n\n✓ Approved (recorded)"),
        "{text}"
    );
    assert!(text.contains("✓ Label: needs-dep-review"), "{text}");
    assert!(text.contains("Approved (recorded):\n  - #01 License: weasyprint v60.0 (GPL-3.0)"), "{text}");
    assert!(row(&plan(&repo), "01").contains("| 👀 Needs Review | #1 |"), "approved, still held for review");
}

#[test]
fn a_gpl_dependency_is_skipped_autonomously() {
    let repo = Repo::demo();
    new_python_dependency(&repo, "weasyprint==60.0  # PDF generation\n");
    let out = repo.run(&["m1", "--autonomous", "--skip-code-review"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("🛑 License: weasyprint v60.0 (GPL-3.0)"), "{text}");
    assert!(text.contains("approve | skip | abort\n🤖 Autonomous: skip"), "{text}");
    let p = plan(&repo);
    assert!(row(&p, "01").contains("⏭️ Skipped"), "{p}");
    assert!(p.contains("- #01 License: weasyprint v60.0 (GPL-3.0) (needs approval) — "), "{p}");
    assert!(!stdout(&repo.run(&["prs", "m1"])).contains("#1 "), "no PR");
}
