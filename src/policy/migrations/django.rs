//! Django migrations: each entry of the `operations = [...]` list is one statement. Operations
//! that change nothing in the database (`AlterModelOptions`, `AlterModelManagers`) are skipped;
//! operations we do not know are opaque.

use super::python::{Call, Tok, Value, lex, value};
use super::{Statement, q, q2};

/// Whether `text` has a Django `operations = [` list.
pub fn is_django(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("operations")
            .and_then(|r| r.trim_start().strip_prefix('='))
            .is_some_and(|r| r.trim_start().starts_with('['))
    })
}

pub fn analyse(text: &str) -> Vec<Statement> {
    let tokens = match lex(text) {
        Ok(t) => t,
        Err(e) => return vec![Statement::opaque("unparseable Python", &format!("the file does not tokenize: {e}"))],
    };
    let Some(open) = (0..tokens.len().saturating_sub(2)).find(|&i| {
        tokens[i].tok == Tok::Name("operations".into())
            && tokens[i + 1].tok == Tok::Op("=".into())
            && tokens[i + 2].tok == Tok::Op("[".into())
    }) else {
        return vec![];
    };
    let Value::List(items) = value(&tokens, open + 2).0 else {
        return vec![Statement::opaque("operations", "an operations list the analyser cannot read")];
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::Call(c) => operation(c),
            _ => Some(Statement::opaque("operations entry", "an operation the analyser cannot read")),
        })
        .collect()
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::text).unwrap_or_else(|| "?".into())
}

fn yes(c: &Call, key: &str) -> bool {
    c.kw(key).is_some_and(|v| v.is_name("True"))
}

/// One operation's statement; `None` for operations without a database effect.
fn operation(c: &Call) -> Option<Statement> {
    let model = || q(&text(c.arg(0, "name")));
    let field = |pos: usize, key: &str| q(&text(c.arg(pos, key)));
    Some(match c.name() {
        "CreateModel" => Statement::additive("CREATE TABLE", Some(model())),
        "DeleteModel" => Statement::breaking("DROP TABLE", Some(model())),
        "RenameModel" => {
            Statement::breaking("RENAME TABLE", Some(q2(&text(c.arg(0, "old_name")), &text(c.arg(1, "new_name")))))
        }
        "AlterModelTable" => {
            Statement::breaking("RENAME TABLE", Some(q2(&text(c.arg(0, "name")), &text(c.arg(1, "table")))))
        }
        "AddField" => match c.arg(2, "field") {
            Some(Value::Call(f)) => add_field(f, field(1, "name")),
            _ => Statement::opaque("AddField", "a field the analyser cannot read"),
        },
        "RemoveField" => Statement::breaking("DROP COLUMN", Some(field(1, "name"))),
        "RenameField" => {
            Statement::breaking("RENAME COLUMN", Some(q2(&text(c.arg(1, "old_name")), &text(c.arg(2, "new_name")))))
        }
        "AlterField" => Statement::breaking("ALTER COLUMN", Some(field(1, "name"))),
        "AddIndex" => {
            let name = match c.arg(1, "index") {
                Some(Value::Call(i)) => text(i.kw("name")),
                _ => "?".into(),
            };
            Statement::additive("CREATE INDEX", Some(q(&name)))
        }
        "RemoveIndex" => Statement::breaking("DROP INDEX", Some(field(1, "name"))),
        "RenameIndex" => Statement::breaking(
            "RENAME INDEX",
            Some(q2(&text(c.kw("old_name").or(c.kw("old_fields"))), &text(c.kw("new_name")))),
        ),
        "AddConstraint" => match c.arg(1, "constraint") {
            Some(Value::Call(k)) if k.name() == "UniqueConstraint" => {
                Statement::breaking("ADD UNIQUE", Some(q(&text(k.kw("name")))))
            }
            Some(Value::Call(k)) => Statement::breaking("ADD CONSTRAINT", Some(q(&text(k.kw("name"))))),
            _ => Statement::breaking("ADD CONSTRAINT", None),
        },
        "RemoveConstraint" => Statement::breaking("DROP CONSTRAINT", Some(field(1, "name"))),
        "AlterUniqueTogether" => Statement::breaking("ADD UNIQUE", Some(model())),
        "AlterModelOptions" | "AlterModelManagers" => return None,
        "RunSQL" => Statement::opaque("RunSQL", "raw SQL is not analysed; review it by hand"),
        "RunPython" => Statement::opaque("RunPython", "Python code is not analysed; review it by hand"),
        other => Statement::opaque(other, "a Django operation the analyser does not classify"),
    })
}

/// `AddField(..., field=models.X(null=…, default=…, unique=…))`.
fn add_field(f: &Call, name: String) -> Statement {
    if yes(f, "unique") || yes(f, "primary_key") {
        return Statement::breaking("ADD UNIQUE", Some(name));
    }
    let nullable = yes(f, "null") || f.name() == "ManyToManyField";
    let default = f.kw("default").is_some() || f.kw("db_default").is_some();
    if nullable || default {
        Statement::additive("ADD COLUMN", Some(name))
    } else {
        Statement::breaking("ADD COLUMN NOT NULL", Some(name))
    }
}
