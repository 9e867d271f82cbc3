//! Unit tests of `forge::local::records`.

use super::*;

#[test]
fn reserve_hands_out_each_number_once_under_contention() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path());
    const THREADS: usize = 8;
    const EACH: usize = 40;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                (0..EACH).map(|_| store.reserve().unwrap()).collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut all: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    all.sort_unstable();
    assert_eq!(all, (1..=(THREADS * EACH) as u64).collect::<Vec<_>>());
    // Reserved numbers are not records yet.
    assert!(store.all().unwrap().is_empty());
    assert!(store.read(1).unwrap().is_none());
    store.release(1);
    assert!(!store.path(1).exists());
}

#[test]
fn numbers_and_times() {
    assert_eq!(parse_number("12"), Some(12));
    for bad in ["", "0", "012", "+1", "1a", "-1"] {
        assert_eq!(parse_number(bad), None, "{bad}");
    }
    assert_eq!(rfc3339(1_795_262_400 + 3661), "2026-11-21T13:01:01Z");
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
}
