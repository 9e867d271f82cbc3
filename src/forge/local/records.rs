//! The local forge's storage: one JSON file per pull request in
//! `<common git dir>/run-milestone/forge/prs/<number>.json`, shared by every worktree and every
//! process. Numbers are reserved with `create_new` (safe under concurrent creation), contents are
//! written with [`write_atomic`], and read-modify-write updates hold an exclusive file lock so a
//! person's `prs --close` and the engine never lose each other's changes.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::forge::{CheckState, ForgeError, PullRequest};
use crate::safety::atomic::write_atomic;

/// What is stored for one PR: the engine's [`PullRequest`] plus timestamps and the CI results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrRecord {
    #[serde(flatten)]
    pub pr: PullRequest,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC; every change of the record.
    pub updated_at: String,
    /// CI results keyed by the head commit they ran on (full SHA).
    #[serde(default)]
    pub checks: BTreeMap<String, CheckRecord>,
}

/// One local CI run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub state: CheckState,
    /// `local CI: passed (exit 0)`, `local CI: failed (timed out after 30s)`.
    pub summary: String,
    /// The tail of the command's output.
    pub details: String,
    /// RFC 3339 UTC, when the run finished.
    pub ran_at: String,
    pub duration_ms: u64,
}

/// The directory of PR records and its lock.
#[derive(Debug, Clone)]
pub struct Store {
    /// `<common_dir>/run-milestone/forge`.
    root: PathBuf,
    /// The highest number among moved-aside records (never handed out again).
    highest_corrupt: std::cell::Cell<u64>,
}

/// An exclusive lock on the store, released on drop (and by the OS if the process dies).
pub struct StoreLock {
    file: File,
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> ForgeError {
    ForgeError::Other(format!("local forge: cannot {what} {}: {e}", path.display()))
}

impl Store {
    pub fn new(common_dir: &Path) -> Store {
        Store { root: common_dir.join("run-milestone").join("forge"), highest_corrupt: std::cell::Cell::new(0) }
    }

    /// `<common_dir>/run-milestone/forge/prs`.
    pub fn prs_dir(&self) -> PathBuf {
        self.root.join("prs")
    }

    pub fn path(&self, number: u64) -> PathBuf {
        self.prs_dir().join(format!("{number}.json"))
    }

    fn ensure_dirs(&self) -> Result<(), ForgeError> {
        let dir = self.prs_dir();
        fs::create_dir_all(&dir).map_err(|e| io_err("create", &dir, e))
    }

    /// Takes the store's exclusive lock (blocks while another process or thread holds it).
    pub fn lock(&self) -> Result<StoreLock, ForgeError> {
        self.ensure_dirs()?;
        let path = self.root.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_err("open", &path, e))?;
        file.lock().map_err(|e| io_err("lock", &path, e))?;
        Ok(StoreLock { file })
    }

    /// The numbers of every stored record, ascending (reserved, still empty files are skipped).
    pub fn numbers(&self) -> Result<Vec<u64>, ForgeError> {
        let dir = self.prs_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("read", &dir, e)),
        };
        let mut numbers = Vec::new();
        let mut corrupt = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_err("read", &dir, e))?;
            let name = entry.file_name();
            let Some(n) = name.to_str().and_then(|n| n.strip_suffix(".json")).and_then(parse_number) else {
                // A moved-aside record keeps its number taken.
                if let Some(n) =
                    name.to_str().and_then(|n| n.split_once(".json.corrupt-")).and_then(|(n, _)| parse_number(n))
                {
                    corrupt.push(n);
                }
                continue;
            };
            numbers.push(n);
        }
        numbers.sort_unstable();
        self.highest_corrupt.set(corrupt.into_iter().max().unwrap_or(0));
        Ok(numbers)
    }

    /// Reads record `number`; `Ok(None)` when it does not exist or is only reserved.
    pub fn read(&self, number: u64) -> Result<Option<PrRecord>, ForgeError> {
        let path = self.path(number);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("read", &path, e)),
        };
        if bytes.is_empty() {
            return Ok(None);
        }
        match serde_json::from_slice(&bytes) {
            Ok(record) => Ok(Some(record)),
            Err(e) => {
                // Never overwritten from empty state: the bytes are kept beside it, and reported.
                let aside = path.with_file_name(format!(
                    "{}.corrupt-{}",
                    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                    now_rfc3339().replace(':', "")
                ));
                fs::rename(&path, &aside).map_err(|e| io_err("move aside", &path, e))?;
                tracing::warn!(
                    "local forge: {} is not a valid PR record ({e}): moved aside to {}",
                    path.display(),
                    aside.display()
                );
                Ok(None)
            }
        }
    }

    /// Reads record `number`, which must exist.
    pub fn get(&self, number: u64) -> Result<PrRecord, ForgeError> {
        self.read(number)?.ok_or_else(|| ForgeError::Other(format!("no pull request #{number} on the local forge")))
    }

    /// Every complete record, by number ascending.
    pub fn all(&self) -> Result<Vec<PrRecord>, ForgeError> {
        let mut out = Vec::new();
        for n in self.numbers()? {
            if let Some(r) = self.read(n)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Writes a record atomically (its file must have been reserved or exist).
    pub fn write(&self, record: &PrRecord) -> Result<(), ForgeError> {
        let path = self.path(record.pr.number);
        let mut json = serde_json::to_vec_pretty(record)
            .map_err(|e| ForgeError::Other(format!("local forge: cannot encode PR #{}: {e}", record.pr.number)))?;
        json.push(b'\n');
        write_atomic(&path, &json).map_err(|e| io_err("write", &path, e))
    }

    /// Reserves the next free number by creating its file with `create_new`; on a race the
    /// loser moves on to the next number. The file stays empty until [`Store::write`].
    pub fn reserve(&self) -> Result<u64, ForgeError> {
        self.ensure_dirs()?;
        let mut n = self.numbers()?.last().copied().unwrap_or(0).max(self.highest_corrupt.get()) + 1;
        loop {
            let path = self.path(n);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(io_err("create", &path, e)),
            }
        }
    }

    /// Gives a reserved number back (creation failed before anything was written).
    pub fn release(&self, number: u64) {
        let path = self.path(number);
        if fs::metadata(&path).is_ok_and(|m| m.len() == 0) {
            let _ = fs::remove_file(path);
        }
    }

    /// Read-modify-write of record `number` under the lock: `change` sees the current record.
    /// Returns `change`'s result; the record is written only when `change` returns `Ok`.
    pub fn update<T>(
        &self,
        number: u64,
        change: impl FnOnce(&mut PrRecord) -> Result<T, ForgeError>,
    ) -> Result<T, ForgeError> {
        // Fail fast (without creating the lock file) when the PR does not exist.
        self.get(number)?;
        let _lock = self.lock()?;
        let mut record = self.get(number)?;
        let before = record.clone();
        let out = change(&mut record)?;
        if record != before {
            record.updated_at = now_rfc3339();
            self.write(&record)?;
        }
        Ok(out)
    }
}

/// `12` → 12; rejects `012`, `+1`, `0`, and anything not all digits.
fn parse_number(s: &str) -> Option<u64> {
    if s.is_empty() || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The current time as RFC 3339 UTC (`2026-11-21T12:00:00Z`).
pub fn now_rfc3339() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    rfc3339(secs)
}

/// A UNIX time as RFC 3339 UTC.
pub fn rfc3339(secs: i64) -> String {
    let day = secs.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", crate::git::sign::civil_date(secs), day / 3600, day % 3600 / 60, day % 60)
}

#[cfg(test)]
#[path = "records_tests.rs"]
mod tests;
