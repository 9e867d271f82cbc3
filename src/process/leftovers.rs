//! What a killed run leaves running, and who holds a file: the running process groups recorded
//! (atomically) in a file with the run's id once a run holds its lock ([`record_groups_in`]), and
//! [`stop_leftovers`], which the next run (or `cleanup`) calls to kill the processes a dead run
//! left in those groups. Both look through `/proc`, as does [`holder_of`] (a stale `index.lock`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{RUN_ID_ENV, run_id};

/// Where the running groups are recorded, once a run holds its lock.
static RECORD: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The record written to the file of [`record_groups_in`].
#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    run_id: String,
    pid: u32,
    groups: Vec<u32>,
}

fn write_record(path: &Path, groups: &BTreeSet<u32>) {
    let record =
        Record { run_id: run_id().to_string(), pid: std::process::id(), groups: groups.iter().copied().collect() };
    let body = serde_json::to_vec(&record).unwrap_or_default();
    if let Err(e) = crate::safety::atomic::write_atomic(path, &body) {
        tracing::warn!("cannot record the running process groups in {}: {e}", path.display());
    }
}

/// From now on, the running process groups are recorded in `path` (call it holding the run lock,
/// after [`stop_leftovers`]).
pub fn record_groups_in(path: &Path) {
    let running = super::group::running_set();
    write_record(path, &running);
    *RECORD.lock().unwrap_or_else(|p| p.into_inner()) = Some(path.to_path_buf());
}

/// The running groups changed to `groups`: the record (if any) follows.
pub(super) fn update(groups: &BTreeSet<u32>) {
    if let Some(path) = RECORD.lock().unwrap_or_else(|p| p.into_inner()).as_deref() {
        write_record(path, groups);
    }
}

/// `(state, process group)` of a live process, from `/proc/<pid>/stat`.
fn stat_of(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let pgrp = fields.nth(1)?.parse().ok()?;
    Some((state, pgrp))
}

/// The pids in `/proc`, with their directories.
fn processes() -> impl Iterator<Item = (u32, PathBuf)> {
    std::fs::read_dir("/proc").into_iter().flatten().flatten().filter_map(|e| {
        let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
        Some((pid, e.path()))
    })
}

/// Whether a live (not zombie) process is in group `pgid`.
pub(super) fn group_running(pgid: u32) -> bool {
    processes().any(|(pid, _)| stat_of(pid).is_some_and(|(state, pgrp)| pgrp == pgid && state != 'Z'))
}

/// Kills what a dead run recorded in `path` left running: every live process in one of its
/// groups whose environment carries its run id (so a reused group id is never touched). Returns
/// how many were killed; the record is removed. Call it holding the milestone's lock.
pub fn stop_leftovers(path: &Path) -> usize {
    let Ok(text) = std::fs::read(path) else { return 0 };
    let _ = std::fs::remove_file(path);
    let Ok(record) = serde_json::from_slice::<Record>(&text) else { return 0 };
    if record.groups.is_empty() || record.run_id == run_id() {
        return 0;
    }
    let wanted = format!("{RUN_ID_ENV}={}", record.run_id);
    let mut killed = 0;
    for (pid, dir) in processes() {
        let Some((state, pgrp)) = stat_of(pid) else { continue };
        if state == 'Z' || !record.groups.contains(&pgrp) {
            continue;
        }
        let environ = std::fs::read(dir.join("environ")).unwrap_or_default();
        if environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes()) {
            // SAFETY: kill(2) on a process of the dead run (its group and its run id match).
            if unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) } == 0 {
                killed += 1;
            }
        }
    }
    killed
}

/// A process that has `path` open (Linux: `/proc/*/fd`).
pub fn holder_of(path: &Path) -> Option<u32> {
    let target = std::fs::canonicalize(path).ok()?;
    processes().find_map(|(pid, dir)| {
        let fds = std::fs::read_dir(dir.join("fd")).ok()?;
        fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l == target)).then_some(pid)
    })
}

#[cfg(test)]
#[path = "leftovers_tests.rs"]
mod tests;
