//! Unit tests of `process::leftovers`.

use super::*;

#[test]
fn the_holder_of_an_open_file_is_found_and_a_closed_one_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.lock");
    let file = std::fs::File::create(&path).unwrap();
    assert_eq!(holder_of(&path), Some(std::process::id()));
    drop(file);
    assert_eq!(holder_of(&path), None);
}

#[test]
fn a_record_of_another_run_kills_its_marked_processes_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("processes.json");
    // A process of "another run" (its id in the environment), in a group of its own.
    let mut child = {
        use std::os::unix::process::CommandExt;
        std::process::Command::new("sleep").arg("30").env(RUN_ID_ENV, "other-run").process_group(0).spawn().unwrap()
    };
    let pgid = child.id();
    // Until the child has exec'd `sleep`, /proc shows the environment it forked with: wait
    // (bounded) for the run id to appear, as it has long since for a dead run's processes.
    let wanted = format!("{RUN_ID_ENV}=other-run");
    for _ in 0..500 {
        let environ = std::fs::read(format!("/proc/{pgid}/environ")).unwrap_or_default();
        if environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let record = Record { run_id: "other-run".into(), pid: 1, groups: vec![pgid] };
    std::fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();
    assert_eq!(stop_leftovers(&path), 1);
    assert!(!child.wait().unwrap().success());
    assert!(!path.exists(), "the record is removed");
    // A record naming this very run stops nothing.
    let mine = Record { run_id: run_id().to_string(), pid: std::process::id(), groups: vec![pgid] };
    std::fs::write(&path, serde_json::to_vec(&mine).unwrap()).unwrap();
    assert_eq!(stop_leftovers(&path), 0);
}
