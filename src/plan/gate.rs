//! The quality gate (the seed's plan-review): critical problems stop the run, warnings are logged.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::load::Milestone;
use super::model::IssueNo;

/// Thresholds for the gate's warnings (the seed's values by default).
#[derive(Debug, Clone, Copy)]
pub struct GateLimits {
    pub max_acceptance_criteria: usize,
    pub max_task_minutes: u32,
    pub max_tasks: usize,
}

impl Default for GateLimits {
    fn default() -> Self {
        GateLimits { max_acceptance_criteria: 5, max_task_minutes: 5, max_tasks: 8 }
    }
}

/// What the gate found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateReport {
    pub critical: Vec<String>,
    pub warnings: Vec<String>,
}

impl GateReport {
    pub fn passed(&self) -> bool {
        self.critical.is_empty()
    }

    /// The seed's output: `✓ Passed (0 critical, 1 warning)` or `🛑 Quality gate: 2 critical issues`.
    pub fn render(&self) -> Vec<String> {
        let mut out = Vec::new();
        let warnings = plural(self.warnings.len(), "warning", "warnings");
        if self.passed() {
            out.push(format!("✓ Passed (0 critical, {warnings})"));
            out.extend(self.warnings.iter().map(|w| format!("  ⚠️ {w}")));
        } else {
            out.push(format!("🛑 Quality gate: {}", plural(self.critical.len(), "critical issue", "critical issues")));
            out.push(String::new());
            out.extend(self.critical.iter().enumerate().map(|(i, c)| format!("{}. {c}", i + 1)));
            if !self.warnings.is_empty() {
                out.push(String::new());
                out.push(format!("Also {warnings}:"));
                out.extend(self.warnings.iter().map(|w| format!("  ⚠️ {w}")));
            }
        }
        out
    }
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

fn list(nos: &BTreeSet<IssueNo>) -> String {
    let items: Vec<String> = nos.iter().map(|n| n.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// Runs every gate check over a loaded milestone.
pub fn review(m: &Milestone, limits: GateLimits) -> GateReport {
    let mut report = GateReport::default();
    let plan = &m.plan;
    let known: BTreeSet<IssueNo> = plan.issues.iter().map(|i| i.no).collect();
    for issue in &plan.issues {
        for dep in &issue.depends {
            if !known.contains(dep) {
                report.critical.push(format!("Issue {} depends on {dep} (doesn't exist)", issue.no));
            }
        }
        let files = m.spec_files.get(&issue.no).map(Vec::as_slice).unwrap_or_default();
        match files {
            [] => report.critical.push(format!(
                "Issue {} has no spec file (expected issues/{}-<slug>.md)",
                issue.no,
                issue.no.padded()
            )),
            [_] => {}
            many => {
                let names: Vec<String> =
                    many.iter().map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect();
                report.critical.push(format!(
                    "Issue {} has {} spec files: {} (expected one)",
                    issue.no,
                    many.len(),
                    names.join(", ")
                ));
            }
        }
        let Some(spec) = m.spec(issue.no) else { continue };
        let plan_deps: BTreeSet<IssueNo> = issue.depends.iter().copied().collect();
        let spec_deps: BTreeSet<IssueNo> = spec.dependencies.iter().copied().collect();
        if plan_deps != spec_deps {
            report.critical.push(format!(
                "Issue {}: spec dependencies {} disagree with plan Depends {}",
                issue.no,
                list(&spec_deps),
                list(&plan_deps)
            ));
        }
        if spec.tasks.is_empty() {
            report
                .critical
                .push(format!("Issue {} has no tasks (expected `### Task N: …` under `## Tasks`)", issue.no));
        }
        for task in &spec.tasks {
            if task.verify.is_none() {
                report.critical.push(format!("Issue {} Task {} has no Verify command", issue.no, task.number));
            }
        }
        if spec.acceptance.len() > limits.max_acceptance_criteria {
            report.warnings.push(format!("Issue {} has {} acceptance criteria", issue.no, spec.acceptance.len()));
        }
        for task in &spec.tasks {
            if let Some(min) = task.minutes
                && min > limits.max_task_minutes
            {
                report.warnings.push(format!(
                    "Issue {} Task {} is estimated at {min} min (over {})",
                    issue.no, task.number, limits.max_task_minutes
                ));
            }
        }
        if spec.tasks.len() > limits.max_tasks {
            report.warnings.push(format!(
                "Issue {} has {} tasks (over {})",
                issue.no,
                spec.tasks.len(),
                limits.max_tasks
            ));
        }
    }
    for (no, files) in &m.spec_files {
        if !known.contains(no) {
            for f in files {
                report.warnings.push(format!("{} has no row in the plan", m.display_path(f).display()));
            }
        }
    }
    let graph: BTreeMap<IssueNo, Vec<IssueNo>> =
        plan.issues.iter().map(|i| (i.no, i.depends.iter().copied().filter(|d| known.contains(d)).collect())).collect();
    for cycle in cycles(&graph) {
        let path: Vec<String> = cycle.iter().map(|n| n.to_string()).collect();
        report.critical.push(format!("Circular: {}", path.join(" → ")));
    }
    report
}

/// The shortest cycle of each strongly connected component, each starting and ending at the
/// same issue (`[#04, #06, #04]`), components ordered by their smallest issue.
pub fn cycles(graph: &BTreeMap<IssueNo, Vec<IssueNo>>) -> Vec<Vec<IssueNo>> {
    let mut out = Vec::new();
    for comp in tarjan(graph) {
        let members: BTreeSet<IssueNo> = comp.iter().copied().collect();
        let single_with_loop = comp.len() == 1 && graph[&comp[0]].contains(&comp[0]);
        if comp.len() < 2 && !single_with_loop {
            continue;
        }
        let mut best: Option<Vec<IssueNo>> = None;
        for &start in &members {
            if let Some(c) = shortest_cycle_through(graph, &members, start)
                && best.as_ref().is_none_or(|b| c.len() < b.len())
            {
                best = Some(c);
            }
        }
        out.extend(best);
    }
    out.sort();
    out
}

fn shortest_cycle_through(
    graph: &BTreeMap<IssueNo, Vec<IssueNo>>,
    members: &BTreeSet<IssueNo>,
    start: IssueNo,
) -> Option<Vec<IssueNo>> {
    let mut prev: HashMap<IssueNo, IssueNo> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in &graph[&node] {
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                let mut path = vec![node];
                let mut cur = node;
                while cur != start {
                    cur = prev[&cur];
                    path.push(cur);
                }
                path.reverse();
                path.push(start);
                return Some(path);
            }
            if next != start && !prev.contains_key(&next) {
                prev.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Tarjan's strongly connected components (iterative, so deep chains do not overflow the stack).
fn tarjan(graph: &BTreeMap<IssueNo, Vec<IssueNo>>) -> Vec<Vec<IssueNo>> {
    let mut index: HashMap<IssueNo, usize> = HashMap::new();
    let mut low: HashMap<IssueNo, usize> = HashMap::new();
    let mut on_stack: BTreeSet<IssueNo> = BTreeSet::new();
    let mut stack: Vec<IssueNo> = Vec::new();
    let mut comps = Vec::new();
    let mut counter = 0;
    for &root in graph.keys() {
        if index.contains_key(&root) {
            continue;
        }
        let mut work: Vec<(IssueNo, usize)> = vec![(root, 0)];
        while let Some(&mut (node, ref mut child)) = work.last_mut() {
            if *child == 0 && !index.contains_key(&node) {
                index.insert(node, counter);
                low.insert(node, counter);
                counter += 1;
                stack.push(node);
                on_stack.insert(node);
            }
            let edges = &graph[&node];
            if *child < edges.len() {
                let next = edges[*child];
                *child += 1;
                if !index.contains_key(&next) {
                    work.push((next, 0));
                } else if on_stack.contains(&next) {
                    let l = low[&node].min(index[&next]);
                    low.insert(node, l);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                let l = low[&parent].min(low[&node]);
                low.insert(parent, l);
            }
            if low[&node] == index[&node] {
                let mut comp = Vec::new();
                while let Some(top) = stack.pop() {
                    on_stack.remove(&top);
                    comp.push(top);
                    if top == node {
                        break;
                    }
                }
                comp.sort();
                comps.push(comp);
            }
        }
    }
    comps
}

/// A fingerprint of everything the gate judges (not statuses, PR cells or the Blocked list, which
/// the tool itself edits), so the gate re-runs only when the plan or a spec really changed.
pub fn fingerprint(m: &Milestone) -> String {
    let mut h = Fnv::default();
    h.write(m.plan.base_branch.as_bytes());
    for phase in &m.plan.phases {
        h.write(phase.number.as_bytes());
        h.write(phase.name.as_bytes());
    }
    for issue in &m.plan.issues {
        h.write(
            format!(
                "{}|{}|{:?}|{}|{:?}|{}",
                issue.no, issue.title, issue.github, issue.priority, issue.depends, issue.phase
            )
            .as_bytes(),
        );
    }
    for (no, files) in &m.spec_files {
        h.write(no.to_string().as_bytes());
        for f in files {
            h.write(f.to_string_lossy().as_bytes());
            h.write(&std::fs::read(f).unwrap_or_default());
        }
    }
    format!("{:016x}", h.0)
}

/// FNV-1a, 64-bit: stable across Rust versions (unlike `DefaultHasher`).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes.iter().chain(std::iter::once(&0xff)) {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(edges: &[(u32, &[u32])]) -> BTreeMap<IssueNo, Vec<IssueNo>> {
        edges.iter().map(|(n, d)| (IssueNo(*n), d.iter().map(|x| IssueNo(*x)).collect())).collect()
    }

    fn show(c: &[IssueNo]) -> String {
        c.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" → ")
    }

    #[test]
    fn finds_the_shortest_cycle_of_each_component() {
        let graph = g(&[(1, &[]), (4, &[6]), (6, &[4, 7]), (7, &[4]), (8, &[8]), (9, &[1])]);
        let found: Vec<String> = cycles(&graph).iter().map(|c| show(c)).collect();
        assert_eq!(found, vec!["#04 → #06 → #04", "#08 → #08"]);
    }

    #[test]
    fn longer_cycle_in_order() {
        let graph = g(&[(1, &[2]), (2, &[3]), (3, &[1])]);
        let found: Vec<String> = cycles(&graph).iter().map(|c| show(c)).collect();
        assert_eq!(found, vec!["#01 → #02 → #03 → #01"]);
    }

    #[test]
    fn no_cycles_in_a_dag_and_deep_chains_do_not_overflow() {
        let mut graph = BTreeMap::new();
        for n in 0..50_000u32 {
            graph.insert(IssueNo(n), if n == 0 { vec![] } else { vec![IssueNo(n - 1)] });
        }
        assert!(cycles(&graph).is_empty());
    }

    #[test]
    fn render_shapes() {
        let ok = GateReport { critical: vec![], warnings: vec!["Issue #05 has 6 acceptance criteria".into()] };
        assert_eq!(ok.render(), vec!["✓ Passed (0 critical, 1 warning)", "  ⚠️ Issue #05 has 6 acceptance criteria"]);
        let bad = GateReport {
            critical: vec!["Issue #03 depends on #99 (doesn't exist)".into(), "Circular: #04 → #06 → #04".into()],
            warnings: vec![],
        };
        assert_eq!(
            bad.render(),
            vec![
                "🛑 Quality gate: 2 critical issues",
                "",
                "1. Issue #03 depends on #99 (doesn't exist)",
                "2. Circular: #04 → #06 → #04"
            ]
        );
    }
}
