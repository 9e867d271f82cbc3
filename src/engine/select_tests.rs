//! Unit tests of `engine::select`.

use super::*;
use crate::plan::parse::parse_plan;
use std::path::Path;

fn plan(rows: &str) -> Plan {
    let src = format!(
        "Base branch: milestone/m1\n\n## Phase 1: A\n\n| # | Issue | Priority | Depends | Status |\n|-|-|-|-|-|\n{rows}"
    );
    let src = src.replace("PHASE2", "\n## Phase 2: B\n\n| # | Issue | Priority | Depends | Status |\n|-|-|-|-|-|");
    parse_plan(Path::new("p.md"), &src).unwrap()
}

fn nos(p: &Plan, idx: &[usize]) -> Vec<u32> {
    idx.iter().map(|&i| p.issues[i].no.0).collect()
}

#[test]
fn phase_then_priority_then_position() {
    let p = plan(
        "| 01 | a | P1 | – | Todo |\n| 02 | b | P0 | – | Todo |\n| 03 | c | P0 | – | Todo |\nPHASE2\n| 04 | d | P0 | – | Todo |\n",
    );
    assert_eq!(nos(&p, &schedule(&p).run), vec![2, 3, 1, 4]);
    assert_eq!(next_issue(&p).map(|i| p.issues[i].no.0), Some(2));
}

#[test]
fn dependencies_are_respected_and_in_progress_goes_first() {
    let p = plan("| 01 | a | P0 | 02 | Todo |\n| 02 | b | P1 | – | Todo |\n| 03 | c | P1 | – | In Progress |\n");
    assert_eq!(nos(&p, &schedule(&p).run), vec![3, 2, 1]);
    assert_eq!(next_issue(&p).map(|i| p.issues[i].no.0), Some(3));
}

#[test]
fn waiting_on_settled_or_missing_dependencies() {
    let p = plan(
        "| 01 | a | P0 | – | Skipped |\n| 02 | b | P0 | 01 | Todo |\n| 03 | c | P0 | 02 | Todo |\n| 04 | d | P0 | 99 | Todo |\n| 05 | e | P0 | – | Done |\n| 06 | f | P0 | 05 | Todo |\n| 07 | g | P0 | – | Needs Review |\n| 08 | h | P0 | 07 | Todo |\n",
    );
    let s = schedule(&p);
    assert_eq!(nos(&p, &s.run), vec![6]);
    let w: Vec<String> = s.waiting.iter().map(|w| format!("{} {}", p.issues[w.issue].no, w.describe())).collect();
    assert_eq!(
        w,
        vec![
            "#02 waiting on #01 (⏭️ Skipped)",
            "#03 waiting on #02 (itself waiting)",
            "#04 waiting on #99 (doesn't exist)",
            "#08 waiting on #07 (👀 Needs Review)",
        ]
    );
    assert_eq!(nos(&p, &s.settled), vec![1, 5, 7]);
    assert_eq!(next_issue(&p).map(|i| p.issues[i].no.0), Some(6));
}

#[test]
fn cycles_wait() {
    let p = plan("| 01 | a | P0 | 02 | Todo |\n| 02 | b | P0 | 01 | Todo |\n| 03 | c | P0 | – | Todo |\n");
    let s = schedule(&p);
    assert_eq!(nos(&p, &s.run), vec![3]);
    assert_eq!(s.waiting.iter().map(|w| w.reason.as_str()).collect::<Vec<_>>(), vec!["circular dependency"; 2]);
}
