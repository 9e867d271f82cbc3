//! Parser for `IMPLEMENTATION_PLAN.md` (pulldown-cmark with byte offsets).
//!
//! Every error names the file, the line (and column for cells) and what was expected. The spans
//! kept in the model let the editor change a single cell without touching any other byte.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::model::{BlockedEntry, Issue, IssueNo, Phase, Plan, Status};
use super::text::LineIndex;
use crate::error::Error;

static PHASE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^phase\s+([0-9][0-9A-Za-z.]*)\s*:\s*(\S.*)$").unwrap());
static BLOCKED_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^blocked\s*/\s*needs\s+review$").unwrap());
static BASE_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^base\s+branch\s*:(.*)$").unwrap());
static BASE_QUICK_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)base\s+branch").unwrap());
static PRIORITY_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[Pp]([0-9])$").unwrap());
static NUMBER_REF_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:#(\d+)|(\d+)|https?://\S+/(?:pull|issues)/(\d+)/?)$").unwrap());

/// The column headers the parser knows; others are kept untouched.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Column {
    No,
    Issue,
    GitHub,
    Priority,
    Depends,
    Status,
    Pr,
}

impl Column {
    fn from_header(h: &str) -> Option<Column> {
        match h.trim().to_ascii_lowercase().as_str() {
            "#" => Some(Column::No),
            "issue" => Some(Column::Issue),
            "github" => Some(Column::GitHub),
            "priority" => Some(Column::Priority),
            "depends" | "depends on" => Some(Column::Depends),
            "status" => Some(Column::Status),
            "pr" => Some(Column::Pr),
            _ => None,
        }
    }

    fn header(self) -> &'static str {
        match self {
            Column::No => "#",
            Column::Issue => "Issue",
            Column::GitHub => "GitHub",
            Column::Priority => "Priority",
            Column::Depends => "Depends",
            Column::Status => "Status",
            Column::Pr => "PR",
        }
    }
}

const REQUIRED: [Column; 4] = [Column::No, Column::Issue, Column::Priority, Column::Status];

enum Section {
    None,
    Phase { index: usize, tables: usize },
    Blocked,
    Other,
}

struct Ctx<'a> {
    path: &'a Path,
    src: &'a str,
    lines: LineIndex,
}

impl Ctx<'_> {
    fn err(&self, offset: usize, message: impl std::fmt::Display) -> Error {
        Error::at(self.path, self.lines.line(offset), None, message)
    }

    /// An error at a cell: the column is that of the cell's first non-blank character.
    fn err_col(&self, offset: usize, message: impl std::fmt::Display) -> Error {
        let rest = &self.src[offset..];
        let offset = offset + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let (line, col) = self.lines.line_col(self.src, offset);
        Error::at(self.path, line, Some(col), message)
    }
}

/// A table cell: its byte range between the pipes and its trimmed text.
struct Cell {
    span: Range<usize>,
    text: String,
}

/// A table row being read: where it starts, where its text ends (trailing blanks excluded), and
/// the cells actually written in it.
#[derive(Default)]
struct Row {
    start: usize,
    end: usize,
    cells: Vec<Cell>,
}

/// Parses a plan held in memory; `path` is used in messages and kept in the model.
pub fn parse_plan(path: &Path, src: &str) -> Result<Plan, Error> {
    let ctx = Ctx { path, src, lines: LineIndex::new(src) };
    let mut title = None;
    let mut phases: Vec<Phase> = Vec::new();
    let mut issues: Vec<Issue> = Vec::new();
    let mut seen: HashMap<IssueNo, usize> = HashMap::new();
    let mut blocked = Vec::new();
    let mut blocked_insert_at = None;
    let mut section = Section::None;
    let mut code_ranges: Vec<Range<usize>> = Vec::new();

    let mut heading: Option<(HeadingLevel, usize, String)> = None;
    let mut table: Option<TableState> = None;
    let mut list_depth = 0usize;
    let mut quote_depth = 0usize;
    // The last top-level code or HTML block, when it reaches the end of the file.
    let mut open_tail: Option<(usize, &'static str)> = None;
    let text_end = src.trim_end().len();

    let parser = Parser::new_ext(src, Options::ENABLE_TABLES).into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level, range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, start, text)) = heading.take() else { continue };
                let text = text.trim().to_string();
                if level == HeadingLevel::H1 && title.is_none() {
                    title = Some(text);
                } else if level == HeadingLevel::H2 {
                    close_section(&ctx, &section, &phases)?;
                    section = if let Some(c) = PHASE_RE.captures(&text) {
                        phases.push(Phase {
                            number: c[1].to_string(),
                            name: c[2].trim().to_string(),
                            line: ctx.lines.line(start),
                        });
                        Section::Phase { index: phases.len() - 1, tables: 0 }
                    } else if text.to_ascii_lowercase().starts_with("phase") {
                        return Err(ctx.err(
                            start,
                            format!("unparseable phase heading `## {text}`: expected `## Phase N: Name`"),
                        ));
                    } else if BLOCKED_RE.is_match(&text) {
                        blocked_insert_at = Some(line_end(src, range.end.saturating_sub(1)));
                        Section::Blocked
                    } else {
                        Section::Other
                    };
                }
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((_, _, text)) = heading.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                code_ranges.push(range.clone());
                if list_depth + quote_depth == 0 && matches!(kind, CodeBlockKind::Fenced(_)) {
                    open_tail = (range.end >= text_end).then_some((range.start, UNCLOSED_FENCE));
                }
            }
            Event::Start(Tag::HtmlBlock) if list_depth + quote_depth == 0 => {
                open_tail = (range.end >= text_end).then_some((range.start, UNCLOSED_HTML));
            }
            Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth -= 1,
            Event::Start(Tag::Table(_)) => {
                if let Section::Phase { index, tables } = &mut section {
                    *tables += 1;
                    if *tables > 1 {
                        return Err(ctx.err(
                            range.start,
                            format!("a second table under `## {}`: expected one table per phase", phases[*index]),
                        ));
                    }
                    table = Some(TableState::new(*index));
                }
            }
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => {
                if let Some(t) = table.as_mut() {
                    let end = range.start + src[range.clone()].trim_end().len();
                    t.row = Some(Row { start: range.start, end, cells: Vec::new() });
                }
            }
            Event::Start(Tag::TableCell) => {
                // pulldown-cmark pads a row that is shorter than the header with empty cells
                // placed at the row's end (the start of the next line): those are not cells.
                if let Some(t) = table.as_mut()
                    && let Some(row) = t.row.as_mut()
                    && range.start < row.end
                {
                    row.cells.push(Cell { span: range.clone(), text: src[range.clone()].trim().to_string() });
                }
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = table.as_mut() {
                    let Row { start, cells, .. } = t.row.take().unwrap_or_default();
                    t.set_header(&ctx, start, cells, &phases)?;
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(t) = table.as_mut() {
                    let Row { start, cells, .. } = t.row.take().unwrap_or_default();
                    let issue = t.parse_row(&ctx, start, cells)?;
                    if let Some(&first) = seen.get(&issue.no) {
                        return Err(ctx.err(
                            start,
                            format!("issue {} appears twice (first at line {first}): expected unique numbers in the `#` column", issue.no),
                        ));
                    }
                    seen.insert(issue.no, issue.line);
                    issues.push(issue);
                }
            }
            Event::End(TagEnd::Table) => table = None,
            Event::Start(Tag::List(_)) => list_depth += 1,
            Event::End(TagEnd::List(_)) => {
                list_depth -= 1;
                if list_depth == 0 && matches!(section, Section::Blocked) {
                    // The list's range may include trailing blank lines: insert after its last text.
                    let used = src[range.clone()].trim_end().len();
                    blocked_insert_at = Some(line_end(src, (range.start + used).saturating_sub(1)));
                }
            }
            Event::Start(Tag::Item) if list_depth == 1 && matches!(section, Section::Blocked) => {
                let raw = src[range.clone()].lines().next().unwrap_or("").trim();
                let text = raw.trim_start_matches(['-', '*', '+']).trim().to_string();
                blocked.push(BlockedEntry { text, line: ctx.lines.line(range.start) });
            }
            _ => {}
        }
    }
    close_section(&ctx, &section, &phases)?;
    if let Some((start, what)) = open_tail
        && !closes(&src[start..])
    {
        return Err(ctx.err(start, what));
    }

    let (base_branch, base_branch_line) = find_base_branch(&ctx, &code_ranges, &blocked)?;
    if phases.is_empty() {
        return Err(Error::at(
            path,
            ctx.lines.line(src.len()),
            None,
            "no `## Phase N: Name` section: expected at least one phase with a table of issues",
        ));
    }
    Ok(Plan {
        path: path.to_path_buf(),
        source: src.to_string(),
        title,
        base_branch,
        base_branch_line,
        phases,
        issues,
        blocked,
        blocked_insert_at,
    })
}

const UNCLOSED_FENCE: &str =
    "a fenced code block (``` or ~~~) is opened here and never closed: expected its closing fence";
const UNCLOSED_HTML: &str =
    "an HTML block (e.g. `<!--` without `-->`) is opened here and never closed: expected its end";

/// Whether a block starting at the beginning of `tail` (and running to the end of the file) ends
/// before text appended after it: the editor appends the Blocked / Needs Review section at the
/// end of the file, and inside an unclosed fence or comment it would never be read back.
fn closes(tail: &str) -> bool {
    let probe = format!("{tail}\n\n## Blocked / Needs Review\n");
    Parser::new_ext(&probe, Options::ENABLE_TABLES).any(|e| matches!(e, Event::Start(Tag::Heading { .. })))
}

/// Byte offset just past the end of the line holding `offset` (after its `\n`, or EOF). An offset
/// inside a multi-byte character counts as that character's line.
fn line_end(src: &str, offset: usize) -> usize {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    match src[offset..].find('\n') {
        Some(i) => offset + i + 1,
        None => src.len(),
    }
}

fn close_section(ctx: &Ctx, section: &Section, phases: &[Phase]) -> Result<(), Error> {
    if let Section::Phase { index, tables: 0 } = section {
        let phase = &phases[*index];
        return Err(Error::at(
            ctx.path,
            phase.line,
            None,
            format!("`## {phase}` has no table: expected a table of issues (columns #, Issue, Priority, Status)"),
        ));
    }
    Ok(())
}

/// The `Base branch:` line, outside code blocks and the Blocked / Needs Review list (whose
/// entries are free text).
fn find_base_branch(ctx: &Ctx, code: &[Range<usize>], blocked: &[BlockedEntry]) -> Result<(String, usize), Error> {
    let mut found: Option<(String, usize)> = None;
    let mut offset = 0;
    for line in ctx.src.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if !BASE_QUICK_RE.is_match(line)
            || code.iter().any(|r| r.contains(&start))
            || blocked.iter().any(|b| b.line == ctx.lines.line(start))
        {
            continue;
        }
        let cleaned = line.trim().trim_start_matches(['-', '*', '+', ' ']).replace("**", "").replace("__", "");
        let Some(c) = BASE_RE.captures(cleaned.trim()) else { continue };
        let value = c[1].trim().trim_matches('`').trim();
        let line_no = ctx.lines.line(start);
        if value.is_empty() || value.contains(char::is_whitespace) {
            return Err(
                ctx.err(start, "expected `Base branch: <branch name>` (one branch name, e.g. milestone/m3-user-auth)")
            );
        }
        if !super::text::is_valid_branch(value) {
            return Err(ctx.err(
                start,
                format!(
                    "invalid base branch `{value}`: expected a valid git branch name ({}; {}), e.g. milestone/m3-user-auth",
                    super::text::WHOLE_BRANCH_RULES,
                    super::text::BRANCH_RULES
                ),
            ));
        }
        if let Some((_, first)) = &found {
            return Err(
                ctx.err(start, format!("a second `Base branch:` line (first at line {first}): expected exactly one"))
            );
        }
        found = Some((value.to_string(), line_no));
    }
    found.ok_or_else(|| {
        Error::at(
            ctx.path,
            1,
            None,
            "no `Base branch:` line: expected `Base branch: milestone/<m>-<slug>` near the top of the plan",
        )
    })
}

struct TableState {
    phase: usize,
    columns: Vec<Option<Column>>,
    row: Option<Row>,
}

impl TableState {
    fn new(phase: usize) -> Self {
        TableState { phase, columns: Vec::new(), row: None }
    }

    fn set_header(&mut self, ctx: &Ctx, start: usize, cells: Vec<Cell>, phases: &[Phase]) -> Result<(), Error> {
        self.columns = cells.iter().map(|c| Column::from_header(&c.text)).collect();
        for col in REQUIRED {
            if !self.columns.contains(&Some(col)) {
                return Err(ctx.err(
                    start,
                    format!(
                        "the table of `## {}` has no `{}` column: expected columns #, Issue, Priority, Status (GitHub, Depends, PR optional)",
                        phases[self.phase],
                        col.header()
                    ),
                ));
            }
        }
        for (i, col) in self.columns.iter().enumerate() {
            if let Some(col) = col
                && self.columns[..i].contains(&Some(*col))
            {
                return Err(ctx.err(start, format!("the `{}` column appears twice: expected it once", col.header())));
            }
        }
        Ok(())
    }

    fn parse_row(&self, ctx: &Ctx, start: usize, cells: Vec<Cell>) -> Result<Issue, Error> {
        // A short row is refused rather than padded: the editor must never have to invent cells,
        // and a plan that passes `check` must never make the editor fail.
        if cells.len() < self.columns.len() {
            let missing = match self.columns[cells.len()] {
                Some(col) => format!("`{}`", col.header()),
                None => format!("column {}", cells.len() + 1),
            };
            return Err(ctx.err(
                start,
                format!(
                    "row has {} cells but the header has {}: expected a cell for every column (the {missing} cell is missing; add empty cells such as `| |`)",
                    cells.len(),
                    self.columns.len(),
                ),
            ));
        }
        let get =
            |col: Column| -> Option<&Cell> { self.columns.iter().position(|c| *c == Some(col)).map(|i| &cells[i]) };
        let no_cell = get(Column::No).expect("required column");
        let no = IssueNo::parse(&no_cell.text).ok_or_else(|| {
            ctx.err_col(
                no_cell.span.start,
                format!("invalid issue number `{}`: expected a local number like 01", no_cell.text),
            )
        })?;
        let title = get(Column::Issue).expect("required column").text.replace("\\|", "|");
        if title.is_empty() {
            return Err(ctx.err(start, format!("issue {no} has an empty `Issue` cell: expected a title")));
        }
        let prio_cell = get(Column::Priority).expect("required column");
        let priority = PRIORITY_RE.captures(&prio_cell.text).and_then(|c| c[1].parse().ok()).ok_or_else(|| {
            ctx.err_col(prio_cell.span.start, format!("invalid priority `{}`: expected P0, P1, P2, …", prio_cell.text))
        })?;
        let status_cell = get(Column::Status).expect("required column");
        let status = Status::parse(&status_cell.text).ok_or_else(|| {
            ctx.err_col(
                status_cell.span.start,
                format!(
                    "unknown status `{}`: expected one of ⬜ Todo, 🔄 In Progress, ✅ Done, 👀 Needs Review, ⏭️ Skipped, 🚫 Blocked (or the word alone)",
                    status_cell.text
                ),
            )
        })?;
        if let Some(by_emoji) = Status::from_emoji(&status_cell.text)
            && by_emoji != status
        {
            let word = status_cell.text.trim_start_matches(|c: char| !c.is_alphanumeric()).trim();
            return Err(ctx.err_col(
                status_cell.span.start,
                format!(
                    "status `{}`: the emoji means {} but the word says {word}: expected them to agree (or the word alone)",
                    status_cell.text,
                    by_emoji.cell()
                ),
            ));
        }
        let status_span = status_cell.span.clone();
        let github = match get(Column::GitHub) {
            Some(cell) => number_ref(&cell.text).map_err(|_| {
                ctx.err_col(cell.span.start, format!("invalid GitHub issue `{}`: expected #<number> or –", cell.text))
            })?,
            None => None,
        };
        let depends = match get(Column::Depends) {
            Some(cell) => parse_depends(&cell.text).map_err(|bad| {
                ctx.err_col(
                    cell.span.start,
                    format!(
                        "invalid dependency `{bad}` in Depends: expected local numbers like `01, 02`, or – for none"
                    ),
                )
            })?,
            None => Vec::new(),
        };
        let (pr, pr_span) = match get(Column::Pr) {
            Some(cell) => (
                number_ref(&cell.text).map_err(|_| {
                    ctx.err_col(cell.span.start, format!("invalid PR `{}`: expected #<number> or empty", cell.text))
                })?,
                Some(cell.span.clone()),
            ),
            None => (None, None),
        };
        Ok(Issue {
            no,
            title,
            github,
            priority,
            depends,
            status,
            pr,
            phase: self.phase,
            line: ctx.lines.line(start),
            status_span,
            pr_span,
        })
    }
}

fn is_none_marker(s: &str) -> bool {
    matches!(s.trim(), "" | "–" | "-" | "—" | "n/a" | "N/A" | "none")
}

/// `#101`, `101`, a GitHub URL ending in the number, or a none marker.
fn number_ref(s: &str) -> Result<Option<u64>, ()> {
    if is_none_marker(s) {
        return Ok(None);
    }
    let c = NUMBER_REF_RE.captures(s.trim()).ok_or(())?;
    let digits = c.get(1).or(c.get(2)).or(c.get(3)).ok_or(())?;
    digits.as_str().parse().map(Some).map_err(|_| ())
}

fn parse_depends(s: &str) -> Result<Vec<IssueNo>, String> {
    if is_none_marker(s) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let no = IssueNo::parse(part).ok_or_else(|| part.to_string())?;
        if !out.contains(&no) {
            out.push(no);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
