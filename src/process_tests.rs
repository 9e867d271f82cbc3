//! Unit tests of `process`.

use super::*;

#[test]
fn captures_output_exit_code_and_stdin() {
    let dir = std::env::temp_dir();
    let f = run(&Cmd::shell("read x; echo out:$x; echo err >&2; exit 3", &dir).stdin("hi\n")).unwrap();
    assert_eq!(f.code, Some(3));
    assert_eq!(f.stdout, "out:hi\n");
    assert_eq!(f.stderr, "err\n");
    assert!(f.combined.contains("out:hi") && f.combined.contains("err"));
    assert!(!f.success());
    assert_eq!(f.describe(), "exit 3");
}

#[test]
fn timeout_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("grandchild.pid");
    let line = format!("sh -c 'echo $$ > {}; sleep 30' & sleep 30", marker.display());
    // Long enough for the grandchild to have written its pid on a loaded machine.
    let f = run(&Cmd::shell(&line, dir.path()).timeout(Some(Duration::from_secs(2)))).unwrap();
    assert!(f.timed_out);
    assert!(f.duration < Duration::from_secs(10));
    let pid: i32 = std::fs::read_to_string(&marker).unwrap().trim().parse().unwrap();
    // The grandchild got the group's SIGKILL: give the kernel a moment to reap it.
    let mut alive = true;
    for _ in 0..50 {
        // SAFETY: signal 0 only checks whether the pid exists.
        alive = unsafe { libc::kill(pid, 0) } == 0 && !is_zombie(pid);
        if !alive {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive, "grandchild {pid} survived the timeout");
    assert!(running_groups().is_empty() || !running_groups().contains(&(pid as u32)));
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(true)
}

#[test]
fn tail_keeps_last_lines() {
    assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
    assert_eq!(tail("a", 5), "a");
}
