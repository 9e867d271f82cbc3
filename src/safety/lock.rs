//! One run per milestone: an exclusive lock on `<git common dir>/run-milestone/<m>/lock`
//! (`File::try_lock`, released by the kernel if the process dies) plus a pid file, so a second run
//! says `already running (pid N)` and exits 4, and `run-milestone panic` finds the runs of this
//! repository — through their locks, never by process name.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind};

/// Whether process `pid` exists and is not a zombie (one owned by another user counts as alive).
pub fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: signal 0 only checks that the process exists.
    let exists =
        unsafe { libc::kill(pid, 0) } == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(false);
    exists && !zombie
}

/// A held run lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    pid_path: PathBuf,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.pid_path);
    }
}

fn open(dir: &Path) -> Result<File, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join("lock"))
        .map_err(|e| Error::internal(format!("cannot open {}: {e}", dir.join("lock").display())))
}

fn read_pid(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join("pid")).ok()?.trim().parse().ok()
}

/// The error for a milestone whose run (`pid`, if known) holds the lock (exit 4).
pub fn already_running(milestone: &str, pid: Option<u32>) -> Error {
    let who = pid.map(|p| format!("pid {p}")).unwrap_or_else(|| "pid unknown".into());
    Error::new(ErrorKind::Locked, format!("milestone {milestone} is already running ({who})"))
        .with_hint("wait for it to finish, or stop it with `run-milestone panic`")
}

/// Takes the lock of the milestone whose state lives in `dir`, or says who holds it (exit 4).
pub fn acquire(dir: &Path, milestone: &str) -> Result<RunLock, Error> {
    let file = open(dir)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            // The holder writes its pid right after taking the lock: give it a moment.
            let mut pid = read_pid(dir);
            for _ in 0..50 {
                if pid.is_some() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
                pid = read_pid(dir);
            }
            return Err(already_running(milestone, pid));
        }
        Err(TryLockError::Error(e)) => return Err(Error::internal(format!("cannot lock {}: {e}", dir.display()))),
    }
    let pid_path = dir.join("pid");
    crate::safety::atomic::write_atomic(&pid_path, format!("{}\n", std::process::id()).as_bytes())
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", pid_path.display())))?;
    Ok(RunLock { _file: file, pid_path })
}

/// The pid of the run holding the lock in `dir`, if one does.
pub fn holder(dir: &Path) -> Option<u32> {
    let file = OpenOptions::new().read(true).write(true).open(dir.join("lock")).ok()?;
    match file.try_lock() {
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => read_pid(dir).or(Some(0)),
        Err(TryLockError::Error(_)) => None,
    }
}

/// Every running milestone of the repository whose state lives in `state_dir`: (milestone, pid).
pub fn running(state_dir: &Path) -> Vec<(String, u32)> {
    let Ok(entries) = std::fs::read_dir(state_dir) else { return Vec::new() };
    let mut out: Vec<(String, u32)> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| holder(&e.path()).map(|pid| (e.file_name().to_string_lossy().into_owned(), pid)))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
#[path = "lock_tests.rs"]
mod tests;
