//! The append-only journal of a milestone run (`<git common dir>/run-milestone/<m>/journal.jsonl`):
//! one JSON object per line, fsynced after each append, recording every step (issue, task, SHAs,
//! TDD evidence, agent results, decisions). A torn last line from a crash is ignored on read.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// An open journal.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (creating) the journal at `path`.
    pub fn open(path: &Path) -> std::io::Result<Journal> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Journal { path: path.to_path_buf(), file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `{"ts": …, "event": event, …fields}` (every string redacted) and fsyncs it;
    /// returns the entry as written.
    pub fn append(&mut self, event: &str, fields: Value) -> std::io::Result<Value> {
        let mut obj = Map::new();
        obj.insert("ts".into(), json!(timestamp()));
        obj.insert("event".into(), json!(event));
        if let Value::Object(f) = fields {
            obj.extend(f);
        }
        let mut value = Value::Object(obj);
        redact_strings(&mut value);
        let mut line = serde_json::to_string(&value).map_err(std::io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()?;
        Ok(value)
    }

    /// Every complete entry of the journal at `path` (none when it does not exist).
    pub fn read(path: &Path) -> Vec<Value> {
        let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
        text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).collect()
    }
}

/// Redacts every string inside a JSON value (redacting the serialized text could break it).
pub fn redact_strings(v: &mut Value) {
    match v {
        Value::String(s) => *s = crate::safety::redact::redact(s),
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

/// UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub fn timestamp() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let date = crate::git::sign::civil_date(secs);
    let t = secs.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
