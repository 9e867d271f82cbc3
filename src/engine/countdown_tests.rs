//! Unit tests of `engine::countdown`.

use super::*;

#[test]
fn plain_lines_come_at_most_every_tenth_of_the_wait_or_poll() {
    let secs = Duration::from_secs;
    assert_eq!(Countdown::new(secs(1800), secs(15)).every, secs(180));
    assert_eq!(Countdown::new(secs(3), secs(1)).every, secs(1));
    assert_eq!(Countdown::new(secs(60), secs(30)).every, secs(30));
    let c = Countdown::new(secs(1800), secs(15));
    assert!(!c.line_due(c.last_line + secs(179)));
    assert!(c.line_due(c.last_line + secs(180)));
    assert_eq!(c.left_secs(), 1800);
    assert!(!c.expired());
    assert!(Countdown::new(Duration::ZERO, secs(1)).expired());
}

#[test]
fn without_a_terminal_a_due_line_is_printed_as_plain_text() {
    let (ui, buf) = Ui::capture();
    // Ten seconds rounded up stay `10s` however slow the machine is; the poll is 1 ms.
    let mut c = Countdown::new(Duration::from_secs(10), Duration::from_millis(1));
    c.every = Duration::ZERO;
    c.wait(&ui, "⏳ Checks pending on PR #7");
    let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    assert_eq!(text, "⏳ Checks pending on PR #7: 10s left\n");
}
