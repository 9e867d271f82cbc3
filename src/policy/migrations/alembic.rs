//! Alembic revisions: only the body of `def upgrade(...)` is read (a downgrade usually drops
//! what the upgrade created). Each `op.*` call (and `batch_op.*` inside
//! `with op.batch_alter_table(...) as batch_op:`) is one statement; raw SQL, raw connections and
//! any other code in the body are opaque.

use super::python::{Call, Tok, Token, Value, call_at, lex, logical_lines};
use super::{Statement, q, q2};

/// Whether `text` looks like an Alembic revision (it defines `upgrade`).
pub fn is_alembic(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.strip_prefix("def").is_some_and(|r| r.starts_with([' ', '\t']) && r.trim_start().starts_with("upgrade"))
    })
}

pub fn analyse(text: &str) -> Vec<Statement> {
    let tokens = match lex(text) {
        Ok(t) => t,
        Err(e) => return vec![Statement::opaque("unparseable Python", &format!("the file does not tokenize: {e}"))],
    };
    let body = upgrade_body(&tokens);
    // Receivers of operations: `op`, and each `batch_op` with its table.
    let mut receivers: Vec<(String, bool)> = vec![("op".into(), false)];
    let mut out = Vec::new();
    let mut other_code = false;
    for (_, line) in logical_lines(body) {
        let mut found = false;
        let mut k = 0;
        while k < line.len() {
            let batch = match &line[k].tok {
                Tok::Name(r) if k == 0 || line[k - 1].tok != Tok::Op(".".into()) => {
                    receivers.iter().find(|(n, _)| n == r).map(|(_, batch)| *batch)
                }
                _ => None,
            };
            let Some(batch) = batch else {
                k += 1;
                continue;
            };
            let Some((call, next)) = call_at(line, k) else {
                k += 1;
                continue;
            };
            found = true;
            if call.name() == "batch_alter_table" {
                if let (Some(Tok::Name(a)), Some(Tok::Name(alias))) =
                    (line.get(next).map(|t| &t.tok), line.get(next + 1).map(|t| &t.tok))
                    && a == "as"
                {
                    receivers.push((alias.clone(), true));
                }
            } else {
                out.extend(operation(&call, batch));
            }
            k = next;
        }
        if !found && !ignorable(line) {
            other_code = true;
        }
    }
    if other_code {
        out.push(Statement::opaque("Python code in upgrade()", "code other than op.* calls is not analysed"));
    }
    out
}

/// The tokens of the body of `def upgrade(...)`, empty when there is none.
fn upgrade_body(t: &[Token]) -> &[Token] {
    let Some(def) = (0..t.len().saturating_sub(1)).find(|&i| {
        t[i].indent.is_some() && t[i].tok == Tok::Name("def".into()) && t[i + 1].tok == Tok::Name("upgrade".into())
    }) else {
        return &[];
    };
    let def_indent = t[def].indent.unwrap_or(0);
    // The header ends at its `:` at bracket depth 0.
    let mut depth = 0usize;
    let mut i = def;
    while i < t.len() {
        match &t[i].tok {
            Tok::Op(o) if ["(", "[", "{"].contains(&o.as_str()) => depth += 1,
            Tok::Op(o) if [")", "]", "}"].contains(&o.as_str()) => depth = depth.saturating_sub(1),
            Tok::Op(o) if o == ":" && depth == 0 => break,
            _ => {}
        }
        i += 1;
    }
    let start = i + 1;
    if t.get(start).is_some_and(|x| x.tok != Tok::Newline) {
        // `def upgrade(): op.drop_table("x")` — a one-line body.
        let end = (start..t.len()).find(|&k| t[k].tok == Tok::Newline).unwrap_or(t.len());
        return &t[start..end];
    }
    let start = (start + 1).min(t.len());
    let end = (start..t.len()).find(|&k| t[k].indent.is_some_and(|n| n <= def_indent)).unwrap_or(t.len());
    &t[start..end]
}

/// Lines that change nothing: a docstring, `pass`, imports, `return`, assignments of literals or
/// SQLAlchemy constructs (`users = sa.table(...)` for `bulk_insert`).
fn ignorable(line: &[Token]) -> bool {
    match line.first().map(|t| &t.tok) {
        Some(Tok::Str(_)) => line.iter().all(|t| matches!(t.tok, Tok::Str(_))),
        Some(Tok::Name(n)) if ["pass", "import", "from", "return"].contains(&n.as_str()) => true,
        Some(Tok::Name(_)) if line.get(1).is_some_and(|t| t.tok == Tok::Op("=".into())) => match line.get(2) {
            Some(Token { tok: Tok::Str(_) | Tok::Num, .. }) => true,
            Some(Token { tok: Tok::Name(root), .. }) => [
                "sa",
                "sqlalchemy",
                "table",
                "column",
                "postgresql",
                "mysql",
                "sqlite",
                "text",
                "None",
                "True",
                "False",
            ]
            .contains(&root.as_str()),
            _ => false,
        },
        _ => false,
    }
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::text).unwrap_or_else(|| "?".into())
}

/// The statements of one operation call. `batch`: the table is implied (`batch_op.*`).
fn operation(c: &Call, batch: bool) -> Vec<Statement> {
    let off = usize::from(!batch);
    let first = || q(&text(c.arg(0, "table_name")));
    let named = |key: &str| Some(q(&text(c.arg(0, key))));
    let s = match c.name() {
        "create_table" => Statement::additive("CREATE TABLE", Some(first())),
        "drop_table" => Statement::breaking("DROP TABLE", Some(first())),
        "rename_table" => Statement::breaking(
            "RENAME TABLE",
            Some(q2(&text(c.arg(0, "old_table_name")), &text(c.arg(1, "new_table_name")))),
        ),
        "add_column" => match c.arg(off, "column") {
            Some(Value::Call(col)) => add_column(col),
            _ => Statement::opaque(&c.func, "a column the analyser cannot read"),
        },
        "drop_column" => Statement::breaking("DROP COLUMN", Some(q(&text(c.arg(off, "column_name"))))),
        "alter_column" => return alter_column(c, &text(c.arg(off, "column_name"))),
        "create_index" if c.kw("unique").is_some_and(|v| v.is_name("True")) => {
            Statement::breaking("CREATE UNIQUE INDEX", named("index_name"))
        }
        "create_index" => Statement::additive("CREATE INDEX", named("index_name")),
        "drop_index" => Statement::breaking("DROP INDEX", named("index_name")),
        "create_unique_constraint" => Statement::breaking("ADD UNIQUE", named("constraint_name")),
        "create_primary_key" | "create_foreign_key" | "create_check_constraint" | "create_exclude_constraint" => {
            Statement::breaking("ADD CONSTRAINT", named("constraint_name"))
        }
        "drop_constraint" => Statement::breaking("DROP CONSTRAINT", named("constraint_name")),
        "bulk_insert" => Statement::additive("INSERT", None),
        "create_table_comment" | "drop_table_comment" => Statement::additive("COMMENT ON", None),
        "create_sequence" => Statement::additive("CREATE SEQUENCE", None),
        "drop_sequence" => Statement::breaking("DROP SEQUENCE", None),
        "f" => return vec![],
        "execute" => Statement::opaque(&c.func, "raw SQL is not analysed; review it by hand"),
        "get_bind" => Statement::opaque(&c.func, "raw database access is not analysed; review it by hand"),
        _ => Statement::opaque(&c.func, "an Alembic operation the analyser does not classify"),
    };
    vec![s]
}

/// `sa.Column("name", type, nullable=…, server_default=…, unique=…, primary_key=…)`.
fn add_column(col: &Call) -> Statement {
    let name = q(&text(col.arg(0, "name")));
    let yes = |k: &str| col.kw(k).is_some_and(|v| v.is_name("True"));
    if yes("unique") || yes("primary_key") {
        return Statement::breaking("ADD UNIQUE", Some(name));
    }
    let not_null = col.kw("nullable").is_some_and(|v| v.is_name("False"));
    let default = col.kw("server_default").is_some_and(|v| !v.is_name("None"));
    if not_null && !default {
        Statement::breaking("ADD COLUMN NOT NULL", Some(name))
    } else {
        Statement::additive("ADD COLUMN", Some(name))
    }
}

/// `op.alter_column(table, column, new_column_name=…, type_=…, nullable=…, server_default=…)`.
fn alter_column(c: &Call, col: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    if let Some(new) = c.kw("new_column_name").and_then(Value::text) {
        out.push(Statement::breaking("RENAME COLUMN", Some(q2(col, &new))));
    }
    if c.kw("type_").is_some_and(|v| !v.is_name("None")) {
        out.push(Statement::breaking("ALTER COLUMN TYPE", Some(q(col))));
    }
    match c.kw("nullable") {
        Some(v) if v.is_name("False") => out.push(Statement::breaking("SET NOT NULL", Some(q(col)))),
        Some(v) if v.is_name("True") => out.push(Statement::breaking("DROP NOT NULL", Some(q(col)))),
        _ => {}
    }
    match c.kw("server_default") {
        Some(v) if v.is_name("None") => out.push(Statement::breaking("DROP DEFAULT", Some(q(col)))),
        Some(v) if !v.is_name("False") => out.push(Statement::additive("SET DEFAULT", Some(q(col)))),
        _ => {}
    }
    if c.kw("comment").is_some() {
        out.push(Statement::additive("COMMENT ON", Some(q(col))));
    }
    if out.is_empty() {
        out.push(Statement::opaque(&c.func, "a column change the analyser cannot read"));
    }
    out
}
