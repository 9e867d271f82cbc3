//! Every migration class in SQL, Alembic and Django, with the exact notes and hard stops.

use crate::config::PolicyConfig;
use crate::policy::evaluate::testing::*;
use crate::policy::{Evaluation, HardStop, HardStopKind};

/// Evaluates one added migration file with only the migration analyser's output relevant
/// (no surfaces, no sensitive globs).
fn migrate(path: &str, text: &str) -> Evaluation {
    let mut c = PolicyConfig::default();
    c.surfaces.clear();
    c.sensitive_globs.clear();
    let dir = tempfile::tempdir().unwrap();
    run(&diff(vec![added(path, text)]), &c, &[], dir.path())
}

const DATA_LOSS_COLUMN: &str = "Data loss (the column and its values are deleted)";
const DATA_LOSS_TABLE: &str = "Data loss (the table and its rows are deleted)";
const RENAME: &str = "Breaks running code (code using the old name fails)";
const TYPE: &str = "Breaks running code (the column's type changes under the code that uses it)";
const SET_NOT_NULL: &str = "Breaks running code (writes of NULL fail; existing NULLs fail the migration)";
const DROP_NOT_NULL: &str = "Breaks running code (readers may now get NULL)";
const NOT_NULL_NO_DEFAULT: &str =
    "Breaks running code (inserts without the column fail; existing rows fail the migration)";
const UNIQUE: &str = "Breaks running code (duplicate writes fail; existing duplicates fail the migration)";
const ALTER_FIELD: &str = "Breaks running code (the column's type, nullability or constraints change)";

/// `path` holding `text` is exactly one breaking statement `op target` with `risk`.
#[track_caller]
fn assert_breaking(path: &str, text: &str, op: &str, target: &str, risk: &str) {
    let ev = migrate(path, text);
    assert_eq!(ev.notes, [format!("✓ Migration: {op} {target}")], "{text}");
    assert_eq!(
        ev.hard_stops,
        [HardStop {
            kind: HardStopKind::BreakingSchema,
            headline: format!("🛑 Breaking schema: {op}"),
            lines: vec![format!("File: {path}"), format!("Risk: {risk}")],
        }],
        "{text}"
    );
    assert!(ev.labels.contains("needs-db-review"));
}

/// `path` holding `text` is exactly one opaque statement `op`; returns its risk line.
#[track_caller]
fn assert_opaque(path: &str, text: &str, op: &str) -> String {
    let ev = migrate(path, text);
    assert_eq!(ev.notes, [format!("✓ Migration: {op}")], "{text}");
    assert_eq!(ev.hard_stops.len(), 1, "{text}");
    let stop = &ev.hard_stops[0];
    assert_eq!(stop.kind, HardStopKind::BreakingSchema);
    assert_eq!(stop.headline, format!("🛑 Breaking schema: {op} (opaque)"));
    assert_eq!(stop.lines[0], format!("File: {path}"));
    assert!(stop.lines[1].starts_with("Risk: Unknown effect ("), "{}", stop.lines[1]);
    stop.lines[1].clone()
}

/// `path` holding `text` is exactly one additive statement `op target`.
#[track_caller]
fn assert_additive(path: &str, text: &str, op: &str, target: &str) {
    let ev = migrate(path, text);
    assert_eq!(ev.notes, [format!("✓ Migration: {op} {target}"), "⚠️ Additive schema change".to_string()], "{text}");
    assert!(ev.hard_stops.is_empty(), "{text}: {:?}", ev.hard_stops);
    assert_eq!(ev.labels.iter().collect::<Vec<_>>(), ["needs-db-review"]);
    assert_eq!(ev.soft_stop, None);
}

const SQL: &str = "db/migrations/0009_change.sql";

#[test]
fn sql_breaking_statements() {
    let cases = [
        ("ALTER TABLE orders DROP COLUMN legacy_status;", "DROP COLUMN", "\"legacy_status\"", DATA_LOSS_COLUMN),
        ("DROP TABLE legacy_orders;", "DROP TABLE", "\"legacy_orders\"", DATA_LOSS_TABLE),
        ("ALTER TABLE users RENAME COLUMN name TO full_name;", "RENAME COLUMN", "\"name\" TO \"full_name\"", RENAME),
        ("ALTER TABLE users RENAME TO accounts;", "RENAME TABLE", "\"users\" TO \"accounts\"", RENAME),
        ("ALTER TABLE users ALTER COLUMN age TYPE bigint;", "ALTER COLUMN TYPE", "\"age\"", TYPE),
        ("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", "SET NOT NULL", "\"email\"", SET_NOT_NULL),
        ("ALTER TABLE users ALTER COLUMN email DROP NOT NULL;", "DROP NOT NULL", "\"email\"", DROP_NOT_NULL),
        (
            "ALTER TABLE users ADD COLUMN tenant_id integer NOT NULL;",
            "ADD COLUMN NOT NULL",
            "\"tenant_id\"",
            NOT_NULL_NO_DEFAULT,
        ),
        ("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);", "ADD UNIQUE", "\"users\"", UNIQUE),
        ("ALTER TABLE users ADD COLUMN handle text UNIQUE;", "ADD UNIQUE", "\"handle\"", UNIQUE),
        ("CREATE UNIQUE INDEX ix_users_email ON users (email);", "CREATE UNIQUE INDEX", "\"ix_users_email\"", UNIQUE),
    ];
    for (sql, op, target, risk) in cases {
        assert_breaking(SQL, sql, op, target, risk);
    }
}

#[test]
fn sql_opaque_statements() {
    let risk = assert_opaque(SQL, "ALTER TABLE users FROBNICATE email;", "unparseable SQL");
    assert!(risk.starts_with("Risk: Unknown effect (the SQL does not parse: "), "{risk}");
    assert_opaque(SQL, "UPDATE users SET active = true;", "UPDATE");
    assert_opaque(SQL, "CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql;", "CREATE FUNCTION");
    // A NOT NULL column whose default is computed per row: opaque, naming the column.
    let ev = migrate(SQL, "ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT nextval('t_n_seq');");
    assert_eq!(ev.notes, ["✓ Migration: ADD COLUMN NOT NULL \"n\""]);
    assert_eq!(ev.hard_stops[0].headline, "🛑 Breaking schema: ADD COLUMN NOT NULL (opaque)");
    assert_eq!(
        ev.hard_stops[0].lines[1],
        "Risk: Unknown effect (the non-constant default `nextval('t_n_seq')` may rewrite and lock the table)"
    );
}

#[test]
fn sql_additive_statements() {
    let create = "CREATE TABLE api_keys (\n  id serial PRIMARY KEY,\n  key text NOT NULL\n);\n";
    assert_additive(SQL, create, "CREATE TABLE", "\"api_keys\"");
    assert_additive(SQL, "ALTER TABLE users ADD COLUMN nickname text;", "ADD COLUMN", "\"nickname\"");
    assert_additive(
        SQL,
        "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;",
        "ADD COLUMN",
        "\"active\"",
    );
    assert_additive(
        SQL,
        "ALTER TABLE users ADD COLUMN seen timestamptz NOT NULL DEFAULT now();",
        "ADD COLUMN",
        "\"seen\"",
    );
    assert_additive(SQL, "CREATE INDEX ix_users_email ON users (email);", "CREATE INDEX", "\"ix_users_email\"");
}

#[test]
fn a_sql_file_with_several_statements() {
    let sql = "-- 0010\nBEGIN;\nCREATE TABLE audit (id int);\nALTER TABLE users DROP COLUMN legacy_status;\nALTER TABLE users RENAME COLUMN name TO full_name;\nCOMMIT;\n";
    let ev = migrate(SQL, sql);
    assert_eq!(
        ev.notes,
        [
            "✓ Migration: CREATE TABLE \"audit\"",
            "✓ Migration: DROP COLUMN \"legacy_status\"",
            "✓ Migration: RENAME COLUMN \"name\" TO \"full_name\"",
            "⚠️ Additive schema change",
        ]
    );
    assert_eq!(
        ev.hard_stops,
        [HardStop {
            kind: HardStopKind::BreakingSchema,
            headline: "🛑 Breaking schema: DROP COLUMN, RENAME COLUMN".into(),
            lines: vec![format!("File: {SQL}"), format!("Risk: {DATA_LOSS_COLUMN}; {RENAME}")],
        }]
    );
}

const ALEMBIC: &str = "alembic/versions/009_remove_legacy.py";

fn alembic(body: &str) -> String {
    format!(
        "\"\"\"remove legacy\n\nRevision ID: 009\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = \"009\"\ndown_revision = \"008\"\n\n\ndef upgrade() -> None:\n    {body}\n\n\ndef downgrade() -> None:\n    op.add_column(\"orders\", sa.Column(\"legacy_status\", sa.String(), nullable=False))\n    op.drop_table(\"api_keys\")\n    op.execute(\"DROP TABLE everything\")\n"
    )
}

#[test]
fn alembic_breaking_operations() {
    let cases = [
        ("op.drop_column(\"orders\", \"legacy_status\")", "DROP COLUMN", "\"legacy_status\"", DATA_LOSS_COLUMN),
        ("op.drop_table(\"legacy_orders\")", "DROP TABLE", "\"legacy_orders\"", DATA_LOSS_TABLE),
        (
            "op.alter_column(\"users\", \"name\", new_column_name=\"full_name\")",
            "RENAME COLUMN",
            "\"name\" TO \"full_name\"",
            RENAME,
        ),
        ("op.rename_table(\"users\", \"accounts\")", "RENAME TABLE", "\"users\" TO \"accounts\"", RENAME),
        (
            "op.alter_column(\"users\", \"age\", type_=sa.BigInteger(), existing_type=sa.Integer())",
            "ALTER COLUMN TYPE",
            "\"age\"",
            TYPE,
        ),
        (
            "op.alter_column(\"users\", \"email\", existing_type=sa.String(), nullable=False)",
            "SET NOT NULL",
            "\"email\"",
            SET_NOT_NULL,
        ),
        ("op.alter_column(\"users\", \"email\", nullable=True)", "DROP NOT NULL", "\"email\"", DROP_NOT_NULL),
        (
            "op.add_column(\"users\", sa.Column(\"tenant_id\", sa.Integer(), nullable=False))",
            "ADD COLUMN NOT NULL",
            "\"tenant_id\"",
            NOT_NULL_NO_DEFAULT,
        ),
        (
            "op.create_unique_constraint(\"uq_users_email\", \"users\", [\"email\"])",
            "ADD UNIQUE",
            "\"uq_users_email\"",
            UNIQUE,
        ),
        (
            "with op.batch_alter_table(\"orders\") as batch_op:\n        batch_op.drop_column(\"legacy_status\")",
            "DROP COLUMN",
            "\"legacy_status\"",
            DATA_LOSS_COLUMN,
        ),
    ];
    for (body, op, target, risk) in cases {
        assert_breaking(ALEMBIC, &alembic(body), op, target, risk);
    }
}

#[test]
fn the_seed_breaking_schema_example() {
    let ev = migrate(ALEMBIC, &alembic("op.drop_column(\"orders\", \"legacy_status\")"));
    assert_eq!(ev.notes, ["✓ Migration: DROP COLUMN \"legacy_status\""]);
    assert_eq!(ev.hard_stops[0].headline, "🛑 Breaking schema: DROP COLUMN");
    assert_eq!(
        ev.hard_stops[0].lines,
        ["File: alembic/versions/009_remove_legacy.py", "Risk: Data loss (the column and its values are deleted)"]
    );
}

#[test]
fn alembic_opaque_operations() {
    let risk = assert_opaque(ALEMBIC, &alembic("op.execute(\"UPDATE users SET active = true\")"), "op.execute");
    assert_eq!(risk, "Risk: Unknown effect (raw SQL is not analysed; review it by hand)");
    let ev = migrate(ALEMBIC, &alembic("conn = op.get_bind()\n    conn.execute(sa.text(\"DELETE FROM users\"))"));
    assert_eq!(ev.notes, ["✓ Migration: op.get_bind", "✓ Migration: Python code in upgrade()"]);
    assert_eq!(
        ev.hard_stops[0].headline,
        "🛑 Breaking schema: op.get_bind (opaque), Python code in upgrade() (opaque)"
    );
}

#[test]
fn alembic_additive_operations() {
    let create = "op.create_table(\n        \"api_keys\",\n        sa.Column(\"id\", sa.Integer(), primary_key=True),\n        sa.Column(\"key\", sa.String(64), nullable=False),\n    )";
    assert_additive(ALEMBIC, &alembic(create), "CREATE TABLE", "\"api_keys\"");
    let nullable = "op.add_column(\"users\", sa.Column(\"nickname\", sa.String(), nullable=True))";
    assert_additive(ALEMBIC, &alembic(nullable), "ADD COLUMN", "\"nickname\"");
    let default = "op.add_column(\"users\", sa.Column(\"active\", sa.Boolean(), nullable=False, server_default=sa.text(\"true\")))";
    assert_additive(ALEMBIC, &alembic(default), "ADD COLUMN", "\"active\"");
    let index = "op.create_index(op.f(\"ix_users_email\"), \"users\", [\"email\"], unique=False)";
    assert_additive(ALEMBIC, &alembic(index), "CREATE INDEX", "\"ix_users_email\"");
}

#[test]
fn alembic_downgrade_is_ignored() {
    // The downgrade drops a table, adds a NOT NULL column and runs raw SQL: none of it counts.
    let ev = migrate(ALEMBIC, &alembic("op.create_table(\"api_keys\", sa.Column(\"id\", sa.Integer()))"));
    assert!(ev.hard_stops.is_empty(), "{:?}", ev.hard_stops);
    let ev = migrate(ALEMBIC, &alembic("pass"));
    assert_eq!(ev, Evaluation::default());
    // Downgrade first in the file, and a multi-line SQL string dedented inside upgrade.
    let text = "from alembic import op\n\ndef downgrade():\n    op.drop_table(\"a\")\n\ndef upgrade():\n    \"\"\"Docstring.\"\"\"\n    op.execute(\"\"\"\nUPDATE t SET a = 1\n\"\"\")\n    op.drop_column(\"t\", \"b\")\n";
    let ev = migrate(ALEMBIC, text);
    assert_eq!(ev.notes, ["✓ Migration: op.execute", "✓ Migration: DROP COLUMN \"b\""]);
}

const DJANGO: &str = "shop/migrations/0009_change.py";

fn django(ops: &str) -> String {
    format!(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [(\"shop\", \"0008_previous\")]\n\n    operations = [\n        {ops},\n    ]\n"
    )
}

#[test]
fn django_breaking_operations() {
    let cases = [
        (
            "migrations.RemoveField(model_name=\"order\", name=\"legacy_status\")",
            "DROP COLUMN",
            "\"legacy_status\"",
            DATA_LOSS_COLUMN,
        ),
        ("migrations.DeleteModel(name=\"LegacyOrder\")", "DROP TABLE", "\"LegacyOrder\"", DATA_LOSS_TABLE),
        (
            "migrations.RenameField(model_name=\"user\", old_name=\"name\", new_name=\"full_name\")",
            "RENAME COLUMN",
            "\"name\" TO \"full_name\"",
            RENAME,
        ),
        (
            "migrations.RenameModel(old_name=\"User\", new_name=\"Account\")",
            "RENAME TABLE",
            "\"User\" TO \"Account\"",
            RENAME,
        ),
        (
            "migrations.AlterField(model_name=\"user\", name=\"age\", field=models.BigIntegerField())",
            "ALTER COLUMN",
            "\"age\"",
            ALTER_FIELD,
        ),
        (
            "migrations.AlterField(\n            model_name='user',\n            name='email',\n            field=models.EmailField(max_length=254),\n        )",
            "ALTER COLUMN",
            "\"email\"",
            ALTER_FIELD,
        ),
        (
            "migrations.AddField(model_name=\"user\", name=\"tenant\", field=models.IntegerField())",
            "ADD COLUMN NOT NULL",
            "\"tenant\"",
            NOT_NULL_NO_DEFAULT,
        ),
        (
            "migrations.AddField(model_name=\"user\", name=\"handle\", field=models.CharField(max_length=30, unique=True, null=True))",
            "ADD UNIQUE",
            "\"handle\"",
            UNIQUE,
        ),
        (
            "migrations.AddConstraint(model_name=\"user\", constraint=models.UniqueConstraint(fields=[\"email\"], name=\"uniq_email\"))",
            "ADD UNIQUE",
            "\"uniq_email\"",
            UNIQUE,
        ),
    ];
    for (ops, op, target, risk) in cases {
        assert_breaking(DJANGO, &django(ops), op, target, risk);
    }
}

#[test]
fn django_opaque_operations() {
    let risk = assert_opaque(DJANGO, &django("migrations.RunSQL(\"UPDATE shop_user SET active = true\")"), "RunSQL");
    assert_eq!(risk, "Risk: Unknown effect (raw SQL is not analysed; review it by hand)");
    let risk = assert_opaque(DJANGO, &django("migrations.RunPython(forwards, migrations.RunPython.noop)"), "RunPython");
    assert_eq!(risk, "Risk: Unknown effect (Python code is not analysed; review it by hand)");
}

#[test]
fn django_additive_operations() {
    let create = "migrations.CreateModel(\n            name=\"ApiKey\",\n            fields=[\n                (\"id\", models.AutoField(primary_key=True)),\n                (\"key\", models.CharField(max_length=64)),\n            ],\n        )";
    assert_additive(DJANGO, &django(create), "CREATE TABLE", "\"ApiKey\"");
    let nullable =
        "migrations.AddField(model_name=\"user\", name=\"nickname\", field=models.CharField(max_length=30, null=True))";
    assert_additive(DJANGO, &django(nullable), "ADD COLUMN", "\"nickname\"");
    let default = "migrations.AddField(model_name=\"user\", name=\"active\", field=models.BooleanField(default=True))";
    assert_additive(DJANGO, &django(default), "ADD COLUMN", "\"active\"");
    let index =
        "migrations.AddIndex(model_name=\"user\", index=models.Index(fields=[\"email\"], name=\"user_email_idx\"))";
    assert_additive(DJANGO, &django(index), "CREATE INDEX", "\"user_email_idx\"");
    // No database effect: nothing to say.
    let ev = migrate(DJANGO, &django("migrations.AlterModelOptions(name=\"user\", options={\"ordering\": [\"id\"]})"));
    assert_eq!(ev, Evaluation::default());
}

#[test]
fn files_that_are_not_migrations_and_deletions_are_skipped() {
    for (path, text) in [
        ("shop/migrations/__init__.py", ""),
        ("alembic/env.py", "from alembic import context\ncontext.configure()\n"),
        ("alembic/script.py.mako", "def upgrade():\n    ${upgrades}\n"),
        ("alembic.ini", "[alembic]\n"),
    ] {
        let ev = migrate(path, text);
        assert!(ev.notes.is_empty() && ev.hard_stops.is_empty(), "{path}: {ev:?}");
    }
    let ev = migrate("shop/migrations/helpers.py", "def helper():\n    return 1\n");
    assert_eq!(ev.notes, ["⚠️ Migration not analysed (not SQL, Alembic or Django): shop/migrations/helpers.py"]);
    let mut c = PolicyConfig::default();
    c.surfaces.clear();
    let mut gone = modified(SQL, "DROP TABLE x;", "");
    gone.kind = crate::git::ops::ChangeKind::Deleted;
    gone.new = None;
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(&diff(vec![gone]), &c, &[], dir.path()), Evaluation::default());
    // A migration outside `migration_globs` is not analysed.
    let ev = migrate("sql/0001.sql", "DROP TABLE x;");
    assert!(ev.hard_stops.is_empty());
}

#[test]
fn the_label_is_configurable() {
    let mut c = PolicyConfig::default();
    c.surfaces.clear();
    c.labels.schema = "db".into();
    let dir = tempfile::tempdir().unwrap();
    let ev = run(&diff(vec![added(SQL, "CREATE TABLE a (id int);")]), &c, &[], dir.path());
    assert_eq!(ev.labels.iter().collect::<Vec<_>>(), ["db"]);
}
