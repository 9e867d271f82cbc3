//! Schema migrations: every statement of an added or modified migration file (SQL, Alembic,
//! Django) is classified as additive (label, continue), breaking or opaque (hard stop
//! `approve | skip | abort`), so a dropped column never reaches the milestone branch unasked.

pub mod alembic;
pub mod django;
pub mod python;
pub mod sql;

use super::evaluate::{Evaluation, HardStopKind, PolicyInput, Rules};
use crate::git::ops::ChangeKind;

/// What a statement does to a database that running code uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// New things only: label `needs-db-review` and continue.
    Additive,
    /// Loses data or breaks running code: hard stop.
    Breaking,
    /// Raw SQL or code we cannot classify: the same hard stop.
    Opaque,
}

/// One classified statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub class: Class,
    /// `DROP COLUMN`, `CREATE TABLE`, `op.execute`, `RunPython`…
    pub op: String,
    /// The object, quoted: `"legacy_status"`, `"users" TO "accounts"`.
    pub target: Option<String>,
    /// Why it stops (`Data loss (…)`), for breaking and opaque statements.
    pub risk: Option<String>,
}

/// `"name"`.
pub fn q(name: &str) -> String {
    format!("\"{name}\"")
}

/// `"old" TO "new"`.
pub fn q2(old: &str, new: &str) -> String {
    format!("\"{old}\" TO \"{new}\"")
}

impl Statement {
    pub fn additive(op: &str, target: Option<String>) -> Statement {
        Statement { class: Class::Additive, op: op.into(), target, risk: None }
    }

    /// A breaking statement; the risk follows from the operation.
    pub fn breaking(op: &str, target: Option<String>) -> Statement {
        Statement { class: Class::Breaking, op: op.into(), target, risk: Some(risk(op).into()) }
    }

    pub fn opaque(op: &str, why: &str) -> Statement {
        Statement { class: Class::Opaque, op: op.into(), target: None, risk: Some(format!("Unknown effect ({why})")) }
    }

    /// `✓ Migration: DROP COLUMN "legacy_status"`.
    pub fn note(&self) -> String {
        match &self.target {
            Some(t) => format!("✓ Migration: {} {t}", self.op),
            None => format!("✓ Migration: {}", self.op),
        }
    }
}

/// The risk line of a breaking operation.
fn risk(op: &str) -> &'static str {
    match op {
        "DROP TABLE" => "Data loss (the table and its rows are deleted)",
        "DROP COLUMN" => "Data loss (the column and its values are deleted)",
        "DELETE" | "TRUNCATE" => "Data loss (rows are deleted)",
        "SET NOT NULL" => "Breaks running code (writes of NULL fail; existing NULLs fail the migration)",
        "DROP NOT NULL" => "Breaks running code (readers may now get NULL)",
        "ADD COLUMN NOT NULL" => {
            "Breaks running code (inserts without the column fail; existing rows fail the migration)"
        }
        "ADD UNIQUE" | "CREATE UNIQUE INDEX" => {
            "Breaks running code (duplicate writes fail; existing duplicates fail the migration)"
        }
        "ADD CONSTRAINT" => "Breaks running code (violating writes fail; existing rows may fail the migration)",
        "ALTER COLUMN TYPE" => "Breaks running code (the column's type changes under the code that uses it)",
        "ALTER COLUMN" => "Breaks running code (the column's type, nullability or constraints change)",
        "DROP DEFAULT" => "Breaks running code (inserts relying on the default fail)",
        o if o.starts_with("RENAME") => "Breaks running code (code using the old name fails)",
        _ => "Breaks running code (code or queries relying on what it removes or changes fail)",
    }
}

/// The statements of one migration file, or `None` when it is not one we read (not `.sql`,
/// and not an Alembic or Django Python module: `__init__.py`, `env.py`, `alembic.ini`…).
pub fn analyse(path: &str, text: &str) -> Option<Vec<Statement>> {
    if path.ends_with(".sql") {
        return Some(sql::analyse(text));
    }
    if !path.ends_with(".py") {
        return None;
    }
    if alembic::is_alembic(text) {
        return Some(alembic::analyse(text));
    }
    if django::is_django(text) {
        return Some(django::analyse(text));
    }
    None
}

pub(crate) fn check(input: &PolicyInput, rules: &Rules, ev: &mut Evaluation) {
    let mut additive = false;
    for f in &input.diff.files {
        if f.kind == ChangeKind::Deleted || !rules.migrations.is_match(&f.path) {
            continue;
        }
        let Some(text) = f.new.as_deref() else { continue };
        let Some(statements) = analyse(&f.path, text) else {
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            if name.ends_with(".py") && name != "__init__.py" && name != "env.py" {
                ev.notes.push(format!("⚠️ Migration not analysed (not SQL, Alembic or Django): {}", f.path));
            }
            continue;
        };
        if statements.is_empty() {
            continue;
        }
        ev.notes.extend(statements.iter().map(Statement::note));
        ev.labels.insert(input.config.labels.schema.clone());
        additive |= statements.iter().any(|s| s.class == Class::Additive);
        let stopping: Vec<&Statement> = statements.iter().filter(|s| s.class != Class::Additive).collect();
        if stopping.is_empty() {
            continue;
        }
        let mut ops: Vec<String> = Vec::new();
        let mut risks: Vec<&str> = Vec::new();
        for s in &stopping {
            let op = if s.class == Class::Opaque { format!("{} (opaque)", s.op) } else { s.op.clone() };
            if !ops.contains(&op) {
                ops.push(op);
            }
            if let Some(r) = s.risk.as_deref().filter(|r| !risks.contains(r)) {
                risks.push(r);
            }
        }
        ev.stop(
            HardStopKind::BreakingSchema,
            format!("🛑 Breaking schema: {}", ops.join(", ")),
            vec![format!("File: {}", f.path), format!("Risk: {}", risks.join("; "))],
        );
    }
    if additive {
        ev.notes.push("⚠️ Additive schema change".into());
    }
}

#[cfg(test)]
mod tests;
