//! `.sql` migrations, parsed with `sqlparser` (PostgreSQL dialect, then the generic one) and
//! classified statement by statement. SQL that does not parse is opaque, never additive.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, Expr, FunctionArguments, ObjectName,
    ObjectType, RenameTableNameKind, Statement as Sql, TableConstraint,
};
use sqlparser::dialect::{GenericDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

use super::{Statement, q, q2};

/// The statements of a SQL file, or one opaque statement when it does not parse.
pub fn analyse(text: &str) -> Vec<Statement> {
    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, text)
        .or_else(|pg| Parser::parse_sql(&GenericDialect {}, text).map_err(|_| pg));
    match parsed {
        Ok(statements) => statements.iter().flat_map(classify).collect(),
        Err(e) => vec![Statement::opaque("unparseable SQL", &format!("the SQL does not parse: {e}"))],
    }
}

fn name(n: &ObjectName) -> String {
    n.0.iter().map(|p| p.as_ident().map_or_else(|| p.to_string(), |i| i.value.clone())).collect::<Vec<_>>().join(".")
}

/// The leading keywords of a statement (`CREATE FUNCTION`), for statements we do not model.
fn keywords(text: &str) -> String {
    let words: Vec<&str> =
        text.split_whitespace().take_while(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_')).take(3).collect();
    if words.is_empty() { "SQL statement".into() } else { words.join(" ") }
}

fn classify(s: &Sql) -> Vec<Statement> {
    match s {
        Sql::StartTransaction { .. } | Sql::Commit { .. } | Sql::Rollback { .. } | Sql::Set(_) => vec![],
        Sql::CreateTable(t) => vec![Statement::additive("CREATE TABLE", Some(q(&name(&t.name))))],
        Sql::CreateIndex(i) => {
            let target = Some(q(&name(i.name.as_ref().unwrap_or(&i.table_name))));
            if i.unique {
                vec![Statement::breaking("CREATE UNIQUE INDEX", target)]
            } else {
                vec![Statement::additive("CREATE INDEX", target)]
            }
        }
        Sql::AlterTable(t) => {
            let table = name(&t.name);
            t.operations.iter().map(|op| alter(&table, op)).collect()
        }
        Sql::Drop { object_type, names, .. } => {
            let op = match object_type {
                ObjectType::Table => "DROP TABLE".to_string(),
                other => format!("DROP {other}"),
            };
            names.iter().map(|n| Statement::breaking(&op, Some(q(&name(n))))).collect()
        }
        Sql::RenameTable(renames) => renames
            .iter()
            .map(|r| Statement::breaking("RENAME TABLE", Some(q2(&name(&r.old_name), &name(&r.new_name)))))
            .collect(),
        Sql::Insert(_) => vec![Statement::additive("INSERT", None)],
        Sql::Delete(_) => vec![Statement::breaking("DELETE", None)],
        Sql::Truncate(_) => vec![Statement::breaking("TRUNCATE", None)],
        Sql::Update(_) => vec![Statement::opaque("UPDATE", "rows rewritten by an UPDATE are not analysed")],
        other => {
            let kw = keywords(&other.to_string());
            const NEW_OBJECTS: [&str; 7] = [
                "CREATE VIEW",
                "CREATE MATERIALIZED VIEW",
                "CREATE SEQUENCE",
                "CREATE TYPE",
                "CREATE EXTENSION",
                "CREATE SCHEMA",
                "COMMENT ON",
            ];
            if let Some(op) = NEW_OBJECTS.iter().find(|p| kw.starts_with(*p)) {
                vec![Statement::additive(op, None)]
            } else if kw.starts_with("DROP ") {
                let op: Vec<&str> = kw.split(' ').take(2).collect();
                vec![Statement::breaking(&op.join(" "), None)]
            } else {
                vec![Statement::opaque(&kw, "a statement the analyser does not classify; review it by hand")]
            }
        }
    }
}

/// A default that is the same for every row: a literal, a cast literal, or a call without
/// arguments (`now()`, `CURRENT_TIMESTAMP`).
fn constant(e: &Expr) -> bool {
    match e {
        Expr::Value(_) | Expr::TypedString { .. } => true,
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) | Expr::Cast { expr, .. } => constant(expr),
        Expr::Function(f) => match &f.args {
            FunctionArguments::None => true,
            FunctionArguments::List(l) => l.args.is_empty(),
            FunctionArguments::Subquery(_) => false,
        },
        _ => false,
    }
}

fn add_column(c: &ColumnDef) -> Statement {
    let col = c.name.value.as_str();
    let mut not_null = false;
    let mut default: Option<&Expr> = None;
    let mut generated = false;
    for o in &c.options {
        match &o.option {
            ColumnOption::NotNull => not_null = true,
            ColumnOption::PrimaryKey(_) | ColumnOption::Unique(_) => {
                return Statement::breaking("ADD UNIQUE", Some(q(col)));
            }
            ColumnOption::Default(e) => default = Some(e),
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => generated = true,
            _ => {}
        }
    }
    match (not_null, default) {
        (true, None) if !generated => Statement::breaking("ADD COLUMN NOT NULL", Some(q(col))),
        (true, Some(e)) if !constant(e) => {
            let mut s = Statement::opaque(
                "ADD COLUMN NOT NULL",
                &format!("the non-constant default `{e}` may rewrite and lock the table"),
            );
            s.target = Some(q(col));
            s
        }
        _ => Statement::additive("ADD COLUMN", Some(q(col))),
    }
}

fn alter(table: &str, op: &AlterTableOperation) -> Statement {
    use AlterTableOperation as A;
    match op {
        A::AddColumn { column_def, .. } => add_column(column_def),
        A::DropColumn { column_names, .. } => {
            let cols: Vec<String> = column_names.iter().map(|c| q(&c.value)).collect();
            Statement::breaking("DROP COLUMN", Some(cols.join(", ")))
        }
        A::RenameColumn { old_column_name, new_column_name } => {
            Statement::breaking("RENAME COLUMN", Some(q2(&old_column_name.value, &new_column_name.value)))
        }
        A::RenameTable { table_name: RenameTableNameKind::To(n) | RenameTableNameKind::As(n) } => {
            Statement::breaking("RENAME TABLE", Some(q2(table, &name(n))))
        }
        A::AlterColumn { column_name, op } => {
            let col = Some(q(&column_name.value));
            match op {
                AlterColumnOperation::SetNotNull => Statement::breaking("SET NOT NULL", col),
                AlterColumnOperation::DropNotNull => Statement::breaking("DROP NOT NULL", col),
                AlterColumnOperation::SetDataType { .. } => Statement::breaking("ALTER COLUMN TYPE", col),
                AlterColumnOperation::DropDefault => Statement::breaking("DROP DEFAULT", col),
                AlterColumnOperation::SetDefault { .. } => Statement::additive("SET DEFAULT", col),
                other => Statement::opaque(
                    &format!("ALTER COLUMN {}", keywords(&other.to_string())),
                    "a column change the analyser does not classify",
                ),
            }
        }
        A::ChangeColumn { old_name, .. } => Statement::breaking("ALTER COLUMN", Some(q(&old_name.value))),
        A::ModifyColumn { col_name, .. } => Statement::breaking("ALTER COLUMN TYPE", Some(q(&col_name.value))),
        A::AddConstraint { constraint, .. } => match constraint {
            TableConstraint::Unique(_) | TableConstraint::PrimaryKey(_) => {
                Statement::breaking("ADD UNIQUE", Some(q(table)))
            }
            _ => Statement::breaking("ADD CONSTRAINT", Some(q(table))),
        },
        A::DropConstraint { name, .. } | A::DropForeignKey { name, .. } => {
            Statement::breaking("DROP CONSTRAINT", Some(q(&name.value)))
        }
        A::DropPrimaryKey { .. } => Statement::breaking("DROP CONSTRAINT", Some(q(table))),
        A::DropIndex { name } => Statement::breaking("DROP INDEX", Some(q(&name.value))),
        A::RenameConstraint { old_name, new_name } => {
            Statement::breaking("RENAME CONSTRAINT", Some(q2(&old_name.value, &new_name.value)))
        }
        other => Statement::opaque(
            &format!("ALTER TABLE {}", keywords(&other.to_string())),
            "an ALTER TABLE operation the analyser does not classify",
        ),
    }
}
