//! Plan-scale benchmark: generates milestones of 1,000 and 10,000 issues × 5 tasks and measures
//! parse (plan + every spec file) + quality gate + dry-run rendering.
//!
//! Run: `cargo bench --bench plan_scale`. Each size runs in its own child process so its peak
//! RSS (VmHWM) is its own. Targets (docs/performance.md): 1,000 issues < 100 ms and < 30 MB
//! peak RSS; time(10,000) / time(1,000) < 12.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use run_milestone::engine::dry_run::{self, BasePlan, Preview, WorktreePlan};
use run_milestone::milestone::{MilestoneDir, MilestoneId};
use run_milestone::plan::gate::{self, GateLimits};
use run_milestone::plan::load_milestone;

const TASKS: usize = 5;
const ISSUES_PER_PHASE: usize = 50;

fn generate(root: &Path, issues: usize) -> MilestoneDir {
    let dir = root.join("milestones/m9-scale");
    std::fs::create_dir_all(dir.join("issues")).unwrap();
    let mut plan = String::from("# Milestone m9: Scale\n\nBase branch: milestone/m9-scale\n");
    for i in 1..=issues {
        if (i - 1) % ISSUES_PER_PHASE == 0 {
            plan.push_str(&format!(
                "\n## Phase {}: Part {}\n\n| # | Issue | GitHub | Priority | Depends | Status | PR |\n|---|---|---|---|---|---|---|\n",
                (i - 1) / ISSUES_PER_PHASE + 1,
                (i - 1) / ISSUES_PER_PHASE + 1
            ));
        }
        let dep = if i > 1 && (i - 1) % ISSUES_PER_PHASE != 0 { format!("{:02}", i - 1) } else { "–".into() };
        plan.push_str(&format!("| {i:02} | Issue number {i} | #{} | P{} | {dep} | ⬜ Todo | |\n", 1000 + i, i % 2));
        let deps = if dep == "–" { "[]".to_string() } else { format!("[\"{dep}\"]") };
        let mut spec = format!(
            "---\ntitle: \"Issue number {i}\"\ngithub_issue: {}\npriority: P{}\ndependencies: {deps}\nestimated_tasks: {TASKS}\n---\n\n# Issue number {i}\n\n## Done Definition\n\nIt works.\n\n## Tasks\n",
            1000 + i,
            i % 2
        );
        for t in 1..=TASKS {
            spec.push_str(&format!(
                "\n### Task {t}: Behaviour {t} of issue {i} (3 min)\n\n**Files:**\n- Create: `src/m{i}/t{t}.py`\n- Test: `tests/m{i}/test_t{t}.py`\n\n**RED:**\n```python\ndef test_behaviour_{t}():\n    assert behaviour_{t}() == {t}\n```\n\n**GREEN:**\n```python\ndef behaviour_{t}():\n    return {t}\n```\n\n**Verify:** `python3 -m unittest tests.m{i}.test_t{t}`\n\n---\n"
            ));
        }
        spec.push_str("\n## Acceptance Criteria\n\n- [ ] One\n- [ ] Two\n- [ ] Three\n");
        std::fs::write(dir.join(format!("issues/{i:02}-issue-{i}.md")), spec).unwrap();
    }
    std::fs::write(dir.join("IMPLEMENTATION_PLAN.md"), plan).unwrap();
    MilestoneDir { id: "m9".parse().unwrap(), path: dir, slug: "scale".into() }
}

/// One parse + gate + render; returns (total ms, [load, gate, render] ms, bytes rendered).
fn once(root: &Path, dir: &MilestoneDir, id: &MilestoneId) -> (f64, [f64; 3], usize) {
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let m = load_milestone(root, dir.clone()).expect("generated plan loads");
    let load = ms(start);
    let t = Instant::now();
    let report = gate::review(&m, GateLimits::default());
    assert!(report.passed(), "{:?}", report.critical.first());
    let gate_ms = ms(t);
    let t = Instant::now();
    let text = dry_run::render(&Preview {
        id,
        milestone: &m,
        gate: Some(&report),
        worktree: WorktreePlan::Create("../scale-m9".into()),
        base: BasePlan::Create("main at 0000000".into()),
    });
    let render = ms(t);
    let total = ms(start);
    drop(m);
    (total, [load, gate_ms, render], text.len())
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn child(root: PathBuf, issues: usize) {
    let dir = MilestoneDir { id: "m9".parse().unwrap(), path: root.join("milestones/m9-scale"), slug: "scale".into() };
    let id: MilestoneId = "m9".parse().unwrap();
    let runs = if issues >= 10_000 { 5 } else { 15 };
    let mut times: Vec<f64> = Vec::new();
    let mut stages: Vec<[f64; 3]> = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let (ms, parts, b) = once(&root, &dir, &id);
        times.push(ms);
        stages.push(parts);
        bytes = b;
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let min = times.iter().cloned().fold(f64::MAX, f64::min);
    let stage = |i: usize| median(stages.iter().map(|s| s[i]).collect());
    println!(
        "{issues} {:.2} {min:.2} {} {bytes} {:.2} {:.2} {:.2}",
        median(times.clone()),
        peak_rss_kb(),
        stage(0),
        stage(1),
        stage(2)
    );
}

fn main() {
    if let (Ok(root), Ok(n)) = (std::env::var("PLAN_SCALE_ROOT"), std::env::var("PLAN_SCALE_ISSUES")) {
        child(PathBuf::from(root), n.parse().unwrap());
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut results = Vec::new();
    println!("plan_scale: parse (plan + specs from disk) + gate + dry-run render; {TASKS} tasks per issue");
    println!(
        "{:>8} {:>10} {:>8} {:>12} {:>10} {:>9} {:>8} {:>10}",
        "issues", "median ms", "min ms", "peak RSS MB", "output KB", "parse ms", "gate ms", "render ms"
    );
    for issues in [1_000usize, 10_000] {
        let tmp = tempfile::tempdir().unwrap();
        generate(tmp.path(), issues);
        let out = Command::new(&exe)
            .env("PLAN_SCALE_ROOT", tmp.path())
            .env("PLAN_SCALE_ISSUES", issues.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let f: Vec<f64> = line.split_whitespace().map(|x| x.parse().unwrap()).collect();
        println!(
            "{:>8} {:>10.2} {:>8.2} {:>12.1} {:>10.0} {:>9.2} {:>8.2} {:>10.2}",
            issues,
            f[1],
            f[2],
            f[3] / 1024.0,
            f[4] / 1024.0,
            f[5],
            f[6],
            f[7]
        );
        results.push(f);
    }
    let ratio = results[1][1] / results[0][1];
    println!("time ratio 10,000 / 1,000: {ratio:.2} (target < 12)");
    let ok = results[0][1] < 100.0 && results[0][3] / 1024.0 < 30.0 && ratio < 12.0;
    println!("targets: {}", if ok { "met" } else { "NOT met" });
}
