//! The typed model of `IMPLEMENTATION_PLAN.md`: phases, issue rows, statuses, spans for editing.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// A local issue number: the plan's `#` column (`01`), the spec's file prefix (`01-…md`).
/// Compared by value, so `1`, `01` and `#01` are the same issue. Shown as `#01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IssueNo(pub u32);

impl IssueNo {
    /// Parses `01`, `1` or `#01`.
    pub fn parse(s: &str) -> Option<IssueNo> {
        let s = s.trim();
        let s = s.strip_prefix('#').unwrap_or(s);
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().map(IssueNo)
    }

    /// The zero-padded local number without `#` (`01`), as used in file and branch names.
    pub fn padded(self) -> String {
        format!("{:02}", self.0)
    }
}

impl fmt::Display for IssueNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02}", self.0)
    }
}

/// An issue's status cell. The plan shows the emoji form; the word alone is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Todo,
    InProgress,
    /// Merged into the milestone branch.
    Done,
    /// PR open, waiting for a human.
    NeedsReview,
    Skipped,
    Blocked,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::Todo, Status::InProgress, Status::Done, Status::NeedsReview, Status::Skipped, Status::Blocked];

    /// The canonical cell text written by the editor.
    pub fn cell(self) -> &'static str {
        match self {
            Status::Todo => "⬜ Todo",
            Status::InProgress => "🔄 In Progress",
            Status::Done => "✅ Done",
            Status::NeedsReview => "👀 Needs Review",
            Status::Skipped => "⏭️ Skipped",
            Status::Blocked => "🚫 Blocked",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Status::Todo => "Todo",
            Status::InProgress => "In Progress",
            Status::Done => "Done",
            Status::NeedsReview => "Needs Review",
            Status::Skipped => "Skipped",
            Status::Blocked => "Blocked",
        }
    }

    fn emoji(self) -> &'static str {
        match self {
            Status::Todo => "⬜",
            Status::InProgress => "🔄",
            Status::Done => "✅",
            Status::NeedsReview => "👀",
            Status::Skipped => "⏭",
            Status::Blocked => "🚫",
        }
    }

    /// Parses a status cell: the emoji form, the word alone in any case (spaces, `-` or `_`
    /// between words), or the emoji alone.
    pub fn parse(cell: &str) -> Option<Status> {
        let cell = cell.trim();
        let word: String = cell
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .chars()
            .map(|c| if c == '-' || c == '_' { ' ' } else { c.to_ascii_lowercase() })
            .collect();
        let word = word.split_whitespace().collect::<Vec<_>>().join(" ");
        if word.is_empty() {
            return Status::from_emoji(cell);
        }
        let normalise = |s: &str| s.to_ascii_lowercase();
        Status::ALL.into_iter().find(|s| normalise(s.word()) == word)
    }

    /// The status a cell's leading emoji stands for, if it starts with one (`✅ …` → Done).
    pub fn from_emoji(cell: &str) -> Option<Status> {
        let cell = cell.trim();
        Status::ALL.into_iter().find(|s| cell.starts_with(s.emoji()))
    }

    /// Finished for selection: never picked again unless a person changes it.
    pub fn is_settled(self) -> bool {
        matches!(self, Status::Done | Status::Skipped | Status::Blocked)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cell())
    }
}

/// `## Phase N: Name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// The `N` as written (`1`, `2a`).
    pub number: String,
    pub name: String,
    pub line: usize,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phase {}: {}", self.number, self.name)
    }
}

/// One row of a phase table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub no: IssueNo,
    pub title: String,
    /// The GitHub issue number (`#101`), if the plan has one.
    pub github: Option<u64>,
    /// `P0` → 0.
    pub priority: u8,
    pub depends: Vec<IssueNo>,
    pub status: Status,
    pub pr: Option<u64>,
    /// Index into `Plan::phases`.
    pub phase: usize,
    /// 1-based line of the row.
    pub line: usize,
    /// Byte range of the status cell between its pipes.
    pub status_span: Range<usize>,
    /// Byte range of the PR cell between its pipes, when the table has a PR column.
    pub pr_span: Option<Range<usize>>,
}

impl Issue {
    /// `#01: Add login (#101)` style label used in output.
    pub fn display_title(&self) -> String {
        match self.github {
            Some(n) => format!("{}: {} (#{n})", self.no, self.title),
            None => format!("{}: {}", self.no, self.title),
        }
    }
}

/// One entry of `## Blocked / Needs Review`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedEntry {
    pub text: String,
    pub line: usize,
}

/// `IMPLEMENTATION_PLAN.md`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub path: PathBuf,
    /// The exact file contents the spans refer to.
    pub source: String,
    /// The H1 text (`Milestone m3: User Auth`), if any.
    pub title: Option<String>,
    pub base_branch: String,
    pub base_branch_line: usize,
    pub phases: Vec<Phase>,
    /// Every row of every phase table, in file order.
    pub issues: Vec<Issue>,
    pub blocked: Vec<BlockedEntry>,
    /// Where a new Blocked / Needs Review entry is inserted (`None`: the section is absent).
    pub blocked_insert_at: Option<usize>,
}

impl Plan {
    pub fn issue(&self, no: IssueNo) -> Option<&Issue> {
        self.issues.iter().find(|i| i.no == no)
    }

    pub fn issue_index(&self, no: IssueNo) -> Option<usize> {
        self.issues.iter().position(|i| i.no == no)
    }

    /// The milestone name from the H1 (`Milestone m3: User Auth` → `User Auth`).
    pub fn name(&self) -> Option<&str> {
        let title = self.title.as_deref()?;
        Some(title.split_once(':').map_or(title, |(_, rest)| rest).trim())
    }
}
