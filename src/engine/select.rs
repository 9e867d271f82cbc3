//! Issue selection: phase by phase; within a phase P0 before P1, then top to bottom; an issue
//! already in progress first (resume). A dependency is met when its issue is Done.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::plan::{IssueNo, Plan, Status};

/// Why an issue cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// Index of the waiting issue in `Plan::issues`.
    pub issue: usize,
    /// The dependency it waits on.
    pub on: IssueNo,
    /// Why that dependency is not Done (`⏭️ Skipped`, `doesn't exist`, …).
    pub reason: String,
}

impl Waiting {
    /// `waiting on #03 (⏭️ Skipped)`.
    pub fn describe(&self) -> String {
        format!("waiting on {} ({})", self.on, self.reason)
    }
}

/// The selection key: in-progress first, then phase, priority, position.
fn key(plan: &Plan, idx: usize) -> (bool, usize, u8, usize) {
    let i = &plan.issues[idx];
    (i.status != Status::InProgress, i.phase, i.priority, idx)
}

fn is_candidate(status: Status) -> bool {
    matches!(status, Status::Todo | Status::InProgress)
}

/// The next issue to run given the plan's current statuses, if any is eligible.
pub fn next_issue(plan: &Plan) -> Option<usize> {
    let done: HashMap<IssueNo, bool> = plan.issues.iter().map(|i| (i.no, i.status == Status::Done)).collect();
    (0..plan.issues.len())
        .filter(|&idx| {
            let i = &plan.issues[idx];
            is_candidate(i.status) && i.depends.iter().all(|d| done.get(d).copied().unwrap_or(false))
        })
        .min_by_key(|&idx| key(plan, idx))
}

/// The whole run as it would go if every issue that runs ends Done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Issue indices in run order.
    pub run: Vec<usize>,
    /// Issues that cannot run, with what they wait on.
    pub waiting: Vec<Waiting>,
    /// Issues not run because of their status (Done, Needs Review, Skipped, Blocked).
    pub settled: Vec<usize>,
}

/// Simulates selection (Kahn's algorithm with the selection key as priority): O(n log n).
pub fn schedule(plan: &Plan) -> Schedule {
    let n = plan.issues.len();
    let index: HashMap<IssueNo, usize> = plan.issues.iter().enumerate().map(|(i, x)| (x.no, i)).collect();
    let mut out = Schedule::default();
    let mut pending = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut stuck: Vec<Option<Waiting>> = vec![None; n];
    for (idx, issue) in plan.issues.iter().enumerate() {
        if !is_candidate(issue.status) {
            out.settled.push(idx);
            continue;
        }
        for dep in &issue.depends {
            match index.get(dep) {
                None => {
                    stuck[idx].get_or_insert(Waiting { issue: idx, on: *dep, reason: "doesn't exist".into() });
                }
                Some(&d) => match plan.issues[d].status {
                    Status::Done => {}
                    s if is_candidate(s) => {
                        pending[idx] += 1;
                        dependents[d].push(idx);
                    }
                    s => {
                        stuck[idx].get_or_insert(Waiting { issue: idx, on: *dep, reason: s.cell().into() });
                    }
                },
            }
        }
    }
    let mut heap = BinaryHeap::new();
    for idx in 0..n {
        if is_candidate(plan.issues[idx].status) && pending[idx] == 0 && stuck[idx].is_none() {
            heap.push(Reverse(key(plan, idx)));
        }
    }
    let mut ran = vec![false; n];
    while let Some(Reverse(k)) = heap.pop() {
        let idx = k.3;
        ran[idx] = true;
        out.run.push(idx);
        for &d in &dependents[idx] {
            pending[d] -= 1;
            if pending[d] == 0 && stuck[d].is_none() {
                heap.push(Reverse(key(plan, d)));
            }
        }
    }
    // Everything left waits: on a settled dependency, on another waiting issue, or in a cycle.
    for idx in 0..n {
        if !is_candidate(plan.issues[idx].status) || ran[idx] {
            continue;
        }
        let waiting = stuck[idx].clone().unwrap_or_else(|| {
            let on = plan.issues[idx]
                .depends
                .iter()
                .copied()
                .find(|d| index.get(d).is_some_and(|&x| is_candidate(plan.issues[x].status) && !ran[x]))
                .expect("an unrun candidate with no stuck dependency has an unrun candidate dependency");
            let dep_idx = index[&on];
            let reason = if stuck[dep_idx].is_some() || reaches_stuck(plan, &index, &stuck, &ran, dep_idx) {
                "itself waiting".to_string()
            } else {
                "circular dependency".to_string()
            };
            Waiting { issue: idx, on, reason }
        });
        out.waiting.push(waiting);
    }
    out
}

/// Whether an unrun issue's dependencies lead (transitively) to a stuck one rather than a cycle.
fn reaches_stuck(
    plan: &Plan,
    index: &HashMap<IssueNo, usize>,
    stuck: &[Option<Waiting>],
    ran: &[bool],
    from: usize,
) -> bool {
    let mut seen = vec![false; plan.issues.len()];
    let mut stack = vec![from];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        if stuck[i].is_some() {
            return true;
        }
        for d in &plan.issues[i].depends {
            if let Some(&x) = index.get(d)
                && is_candidate(plan.issues[x].status)
                && !ran[x]
            {
                stack.push(x);
            }
        }
    }
    false
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
