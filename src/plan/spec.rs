//! Parser for issue spec files (`issues/<NN>-<slug>.md`): YAML front matter, Done Definition,
//! tasks with Files / RED / GREEN / Verify, and Acceptance Criteria (the seed's format).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;
use serde::Deserialize;

use super::model::IssueNo;
use super::text::LineIndex;
use crate::error::Error;

static TASK_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^task\s+(\d+)\s*[:.\-–—]\s*(.+?)(?:\s*\((\d+)\s*(?:min|mins|minutes?)\))?\s*$").unwrap()
});
static SPEC_NAME_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d+)-(.+)\.md$").unwrap());

/// A fenced code block (`**RED:**` or `**GREEN:**`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    pub lang: Option<String>,
    pub code: String,
    pub line: usize,
}

/// A task's `**Files:**` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFiles {
    pub create: Vec<String>,
    pub modify: Vec<String>,
    pub test: Vec<String>,
}

impl TaskFiles {
    /// Create and Modify paths: where implementation code goes.
    pub fn implementation(&self) -> impl Iterator<Item = &String> {
        self.create.iter().chain(self.modify.iter())
    }

    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.create.iter().chain(self.modify.iter()).chain(self.test.iter())
    }
}

/// `### Task N: Title (3 min)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub number: u32,
    pub title: String,
    pub minutes: Option<u32>,
    pub line: usize,
    pub files: TaskFiles,
    pub red: Option<CodeBlock>,
    pub green: Option<CodeBlock>,
    pub verify: Option<String>,
    /// The task's markdown, heading included (given to agents).
    pub markdown: String,
}

/// One `- [ ] …` line of `## Acceptance Criteria`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub text: String,
    pub checked: bool,
}

/// A parsed issue spec.
#[derive(Debug, Clone)]
pub struct Spec {
    pub path: PathBuf,
    pub no: IssueNo,
    /// The file name after `NN-`, without `.md` (`01-user-login.md` → `user-login`).
    pub slug: String,
    pub source: String,
    pub title: Option<String>,
    pub github_issue: Option<u64>,
    pub priority: Option<String>,
    pub dependencies: Vec<IssueNo>,
    pub estimated_tasks: Option<u32>,
    pub scope: Vec<String>,
    /// The H1 of the body, if any.
    pub heading: Option<String>,
    pub done_definition: String,
    pub tasks: Vec<Task>,
    pub acceptance: Vec<Criterion>,
}

/// `NN-slug.md` → (NN, slug); other names are not specs.
pub fn spec_file_name(name: &str) -> Option<(IssueNo, String)> {
    let c = SPEC_NAME_RE.captures(name)?;
    Some((IssueNo::parse(&c[1])?, c[2].to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    github_issue: Option<u64>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    dependencies: Vec<DepValue>,
    #[serde(default)]
    estimated_tasks: Option<u32>,
    #[serde(default)]
    scope: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DepValue {
    Number(u64),
    Text(String),
}

/// Turns a serde-saphyr error into `file:line:col: message`, shifting lines by `line_offset`.
pub fn yaml_error(path: &Path, line_offset: usize, err: &serde_saphyr::Error) -> Error {
    static PREFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^error: line \d+ column \d+: ").unwrap());
    let bare = err.without_snippet().to_string();
    let first = bare.lines().next().unwrap_or("invalid YAML");
    static SUFFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r" at line \d+, column \d+$").unwrap());
    let message = PREFIX.replace(first, "").into_owned();
    let message = SUFFIX.replace(&message, "").into_owned();
    match err.location() {
        Some(loc) => Error::at(
            path,
            loc.line() as usize + line_offset,
            Some(loc.column() as usize),
            format!("invalid YAML: {message}"),
        ),
        None => Error::at(path, 1 + line_offset, None, format!("invalid YAML: {message}")),
    }
}

/// Parses a spec held in memory. `path`'s file name gives the number and slug.
pub fn parse_spec(path: &Path, src: &str) -> Result<Spec, Error> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (no, slug) = spec_file_name(&name).ok_or_else(|| {
        Error::at(path, 1, None, "spec file name: expected `<NN>-<slug>.md`, e.g. `01-user-login.md`")
    })?;
    // The slug becomes part of the issue branch `feat/<m>-<issue>-<slug>`: git must accept it.
    if !super::text::is_valid_branch(&format!("feat/m1-01-{slug}")) {
        return Err(Error::at(
            path,
            1,
            None,
            format!(
                "the slug `{slug}` from the file name cannot be part of a git branch name (`feat/<m>-<issue>-{slug}`): expected a name git accepts ({}), e.g. `01-user-login.md`",
                super::text::BRANCH_RULES
            ),
        ));
    }
    let lines = LineIndex::new(src);

    // Front matter: `---` on line 1, closed by a `---` line.
    let first_line = src.lines().next().unwrap_or("");
    if first_line.trim_end() != "---" {
        return Err(Error::at(
            path,
            1,
            None,
            "expected YAML front matter: a `---` line, the fields (title, github_issue, priority, dependencies, estimated_tasks), and a closing `---`",
        ));
    }
    let fm_start = first_line.len() + 1;
    let mut fm_end = None;
    let mut offset = fm_start.min(src.len());
    for line in src[offset..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            fm_end = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((yaml_end, body_start)) = fm_end else {
        return Err(Error::at(path, 1, None, "unterminated front matter: expected a closing `---` line"));
    };
    let yaml = &src[fm_start..yaml_end];
    let fm: FrontMatter = if yaml.trim().is_empty() {
        serde_saphyr::from_str("{}").map_err(|e| yaml_error(path, 1, &e))?
    } else {
        serde_saphyr::from_str(yaml).map_err(|e| yaml_error(path, 1, &e))?
    };
    let mut dependencies = Vec::new();
    for dep in fm.dependencies {
        let parsed = match &dep {
            DepValue::Number(n) => u32::try_from(*n).ok().map(IssueNo),
            DepValue::Text(s) => IssueNo::parse(s),
        };
        let Some(parsed) = parsed else {
            let shown = match dep {
                DepValue::Number(n) => n.to_string(),
                DepValue::Text(s) => s,
            };
            let at = yaml.find("dependencies").map_or(fm_start, |i| fm_start + i);
            return Err(Error::at(
                path,
                lines.line(at),
                None,
                format!("invalid dependency `{shown}`: expected local issue numbers like [\"01\", \"02\"]"),
            ));
        };
        dependencies.push(parsed);
    }

    let body = Body::parse(path, src, body_start, &lines)?;
    Ok(Spec {
        path: path.to_path_buf(),
        no,
        slug,
        source: src.to_string(),
        title: fm.title,
        github_issue: fm.github_issue,
        priority: fm.priority,
        dependencies,
        estimated_tasks: fm.estimated_tasks,
        scope: fm.scope,
        heading: body.heading,
        done_definition: body.done_definition.trim().to_string(),
        tasks: body.tasks,
        acceptance: body.acceptance,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    DoneDefinition,
    Tasks,
    Acceptance,
    Other,
}

/// Inline pieces of a paragraph or list item.
#[derive(Debug)]
enum Frag {
    Strong(String),
    Text(String),
    Code(String),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pending {
    Files,
    Red,
    Green,
}

impl Pending {
    fn label(self) -> &'static str {
        match self {
            Pending::Files => "**Files:**",
            Pending::Red => "**RED:**",
            Pending::Green => "**GREEN:**",
        }
    }
}

#[derive(Default)]
struct Body {
    heading: Option<String>,
    done_definition: String,
    tasks: Vec<Task>,
    acceptance: Vec<Criterion>,
}

struct Walker<'a> {
    path: &'a Path,
    src: &'a str,
    lines: &'a LineIndex,
    body: Body,
    section: Section,
    /// The label waiting for its block, with the label's offset.
    pending: Option<(Pending, usize)>,
    /// Inline fragments of the current paragraph / item, and its start offset.
    frags: Vec<Frag>,
    block_start: usize,
    strong: usize,
    heading_text: Option<(HeadingLevel, usize, String)>,
    item_depth: usize,
    /// Set while reading the list that follows `**Files:**`.
    files_list: bool,
    code: Option<(Option<String>, String, usize)>,
    checked: Option<bool>,
    task_start: Option<usize>,
}

impl Body {
    fn parse(path: &Path, src: &str, body_start: usize, lines: &LineIndex) -> Result<Body, Error> {
        let mut w = Walker {
            path,
            src,
            lines,
            body: Body::default(),
            section: Section::None,
            pending: None,
            frags: Vec::new(),
            block_start: 0,
            strong: 0,
            heading_text: None,
            item_depth: 0,
            files_list: false,
            code: None,
            checked: None,
            task_start: None,
        };
        let opts = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
        let body = &src[body_start..];
        for (event, range) in Parser::new_ext(body, opts).into_offset_iter() {
            let range = (range.start + body_start)..(range.end + body_start);
            w.event(event, range)?;
        }
        w.finish_task(src.len())?;
        Ok(w.body)
    }
}

impl Walker<'_> {
    fn err(&self, offset: usize, message: impl std::fmt::Display) -> Error {
        Error::at(self.path, self.lines.line(offset), None, message)
    }

    fn current_task(&mut self) -> Option<&mut Task> {
        if self.section == Section::Tasks { self.body.tasks.last_mut() } else { None }
    }

    /// A block other than the one a pending label expects arrived.
    fn check_pending(&self, got: &str) -> Result<(), Error> {
        if let Some((p, at)) = self.pending {
            let want = if p == Pending::Files {
                "a list of `Create:`, `Modify:`, `Test:` paths"
            } else {
                "a fenced code block"
            };
            return Err(self.err(at, format!("unparseable task: expected {want} after {}, found {got}", p.label())));
        }
        Ok(())
    }

    fn finish_task(&mut self, end: usize) -> Result<(), Error> {
        self.check_pending("the end of the task")?;
        if let (Some(start), Some(task)) = (self.task_start.take(), self.body.tasks.last_mut()) {
            task.markdown = self.src[start..end].trim_end().to_string();
        }
        Ok(())
    }

    fn event(&mut self, event: Event, range: Range<usize>) -> Result<(), Error> {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.check_pending("a heading")?;
                self.heading_text = Some((level, range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, start, text)) = self.heading_text.take() else { return Ok(()) };
                let text = text.trim().to_string();
                match level {
                    HeadingLevel::H1 if self.body.heading.is_none() => self.body.heading = Some(text),
                    HeadingLevel::H2 => {
                        self.finish_task(start)?;
                        self.section = match text.to_ascii_lowercase().as_str() {
                            "done definition" => Section::DoneDefinition,
                            "tasks" => Section::Tasks,
                            "acceptance criteria" => Section::Acceptance,
                            _ => Section::Other,
                        };
                    }
                    HeadingLevel::H3 if self.section == Section::Tasks => {
                        self.finish_task(start)?;
                        let c = TASK_RE.captures(&text).ok_or_else(|| {
                            self.err(
                                start,
                                format!("unparseable task heading `### {text}`: expected `### Task N: Title (3 min)`"),
                            )
                        })?;
                        let number: u32 = c[1].parse().map_err(|_| self.err(start, "task number too large"))?;
                        if let Some(prev) = self.body.tasks.iter().find(|t| t.number == number) {
                            return Err(self.err(start, format!("unparseable task: Task {number} appears twice (first at line {}): expected unique task numbers", prev.line)));
                        }
                        self.body.tasks.push(Task {
                            number,
                            title: c[2].trim().to_string(),
                            minutes: c.get(3).and_then(|m| m.as_str().parse().ok()),
                            line: self.lines.line(start),
                            files: TaskFiles::default(),
                            red: None,
                            green: None,
                            verify: None,
                            markdown: String::new(),
                        });
                        self.task_start = Some(start);
                    }
                    _ => {}
                }
            }
            Event::Start(Tag::Paragraph) if self.item_depth == 0 => {
                self.check_pending("a paragraph")?;
                self.frags.clear();
                self.block_start = range.start;
            }
            Event::End(TagEnd::Paragraph) if self.item_depth == 0 => {
                let frags = std::mem::take(&mut self.frags);
                match self.section {
                    Section::DoneDefinition => {
                        if !self.body.done_definition.is_empty() {
                            self.body.done_definition.push_str("\n\n");
                        }
                        self.body.done_definition.push_str(self.src[range].trim());
                    }
                    Section::Tasks => self.label_block(&frags, self.block_start)?,
                    _ => {}
                }
            }
            Event::Start(Tag::Strong) => {
                self.strong += 1;
                if self.strong == 1 {
                    self.frags.push(Frag::Strong(String::new()));
                }
            }
            Event::End(TagEnd::Strong) => self.strong = self.strong.saturating_sub(1),
            Event::Text(t) => {
                if let Some((_, _, h)) = self.heading_text.as_mut() {
                    h.push_str(&t);
                } else if let Some((_, code, _)) = self.code.as_mut() {
                    code.push_str(&t);
                } else if self.strong > 0 {
                    if let Some(Frag::Strong(s)) = self.frags.last_mut() {
                        s.push_str(&t);
                    }
                } else {
                    self.frags.push(Frag::Text(t.to_string()));
                }
            }
            Event::Code(t) => {
                if let Some((_, _, h)) = self.heading_text.as_mut() {
                    h.push_str(&t);
                } else if self.strong > 0 {
                    if let Some(Frag::Strong(s)) = self.frags.last_mut() {
                        s.push_str(&t);
                    }
                } else {
                    self.frags.push(Frag::Code(t.to_string()));
                }
            }
            Event::SoftBreak | Event::HardBreak => self.frags.push(Frag::Text(" ".into())),
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().map(str::to_string),
                    CodeBlockKind::Indented => None,
                };
                match self.pending {
                    Some((Pending::Red | Pending::Green, _)) if self.item_depth == 0 => {
                        self.code = Some((lang, String::new(), self.lines.line(range.start)));
                    }
                    Some(_) => self.check_pending("a code block")?,
                    None => {}
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let (Some((lang, code, line)), Some((which, _))) = (self.code.take(), self.pending.take()) {
                    let block = Some(CodeBlock { lang, code, line });
                    // Labels are only read inside a task, so there is one.
                    if let Some(task) = self.current_task() {
                        match which {
                            Pending::Red => task.red = block,
                            Pending::Green => task.green = block,
                            Pending::Files => {}
                        }
                    }
                }
            }
            Event::Start(Tag::List(_)) if self.item_depth == 0 => match self.pending {
                Some((Pending::Files, _)) => {
                    self.pending = None;
                    self.files_list = true;
                }
                Some(_) => self.check_pending("a list")?,
                None => {}
            },
            Event::End(TagEnd::List(_)) if self.item_depth == 0 => self.files_list = false,
            Event::Start(Tag::Item) => {
                self.item_depth += 1;
                if self.item_depth == 1 {
                    self.frags.clear();
                    self.checked = None;
                    self.block_start = range.start;
                }
            }
            Event::TaskListMarker(checked) if self.item_depth == 1 => self.checked = Some(checked),
            Event::End(TagEnd::Item) => {
                self.item_depth -= 1;
                if self.item_depth == 0 {
                    let frags = std::mem::take(&mut self.frags);
                    self.item(frags, self.block_start)?;
                }
            }
            Event::Rule => self.check_pending("a horizontal rule")?,
            Event::Start(Tag::Table(_)) | Event::Start(Tag::BlockQuote(_)) | Event::Html(_) => {
                self.check_pending("another block")?
            }
            _ => {}
        }
        Ok(())
    }

    fn item(&mut self, frags: Vec<Frag>, start: usize) -> Result<(), Error> {
        match self.section {
            Section::Acceptance => {
                let text = plain(&frags);
                self.body.acceptance.push(Criterion { text, checked: self.checked.unwrap_or(false) });
            }
            Section::Tasks if self.files_list => self.file_item(&frags, start)?,
            Section::Tasks => self.label_block(&frags, start)?,
            _ => {}
        }
        Ok(())
    }

    fn file_item(&mut self, frags: &[Frag], start: usize) -> Result<(), Error> {
        let text = plain(frags);
        let (label, rest) = text.split_once(':').unwrap_or((text.as_str(), ""));
        let label = label.trim().trim_matches('*').trim().to_ascii_lowercase();
        let codes: Vec<String> = frags
            .iter()
            .filter_map(|f| if let Frag::Code(c) = f { Some(c.trim().to_string()) } else { None })
            .collect();
        let paths: Vec<String> = if codes.is_empty() {
            rest.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
        } else {
            codes
        };
        if paths.is_empty() {
            return Err(self.err(
                start,
                format!("unparseable task: `{text}` names no path: expected e.g. `Create: src/models/user.py`"),
            ));
        }
        if !matches!(label.as_str(), "create" | "modify" | "test" | "tests") {
            return Err(self.err(
                start,
                format!("unparseable task: unknown Files entry `{text}`: expected `Create:`, `Modify:` or `Test:`"),
            ));
        }
        if label.starts_with("test") {
            // A `Test:` path is also a glob of the files that count as tests in RED. Only glob
            // syntax can fail to parse, so a plain path (the usual case) costs nothing here.
            for p in paths.iter().filter(|p| p.contains(['*', '?', '[', ']', '{', '}', ',', '\\'])) {
                if let Err(e) = crate::config::patterns::test_glob(p) {
                    return Err(self.err(
                        start,
                        format!(
                            "unparseable task: `Test:` path `{p}` is not a valid glob ({}): expected a test file path or glob, e.g. `tests/test_user.py`",
                            e.kind()
                        ),
                    ));
                }
            }
        }
        let Some(task) = self.current_task() else { return Ok(()) };
        let list = match label.as_str() {
            "create" => &mut task.files.create,
            "modify" => &mut task.files.modify,
            _ => &mut task.files.test,
        };
        list.extend(paths);
        Ok(())
    }

    /// A paragraph or list item inside a task that may start with a `**Label:**`.
    fn label_block(&mut self, frags: &[Frag], start: usize) -> Result<(), Error> {
        let Some(Frag::Strong(label)) = frags.first() else { return Ok(()) };
        // `**Verify:**` or `**Verify**:` — the colon may sit outside the strong.
        let label = label.trim().trim_end_matches(':').trim().to_ascii_lowercase();
        if self.current_task().is_none() {
            return Ok(());
        }
        let dup = |this: &Self, what: &str| {
            this.err(start, format!("unparseable task: a second {what} in one task: expected one"))
        };
        match label.as_str() {
            "files" => self.pending = Some((Pending::Files, start)),
            "red" => {
                if self.current_task().is_some_and(|t| t.red.is_some()) {
                    return Err(dup(self, "**RED:**"));
                }
                self.pending = Some((Pending::Red, start));
            }
            "green" => {
                if self.current_task().is_some_and(|t| t.green.is_some()) {
                    return Err(dup(self, "**GREEN:**"));
                }
                self.pending = Some((Pending::Green, start));
            }
            "verify" => {
                let cmd =
                    frags.iter().find_map(|f| if let Frag::Code(c) = f { Some(c.trim().to_string()) } else { None });
                let Some(cmd) = cmd.filter(|c| !c.is_empty()) else {
                    return Err(self.err(start, "unparseable task: expected an inline-code command after **Verify:**, e.g. **Verify:** `pytest tests/test_x.py -v`"));
                };
                if self.current_task().is_some_and(|t| t.verify.is_some()) {
                    return Err(dup(self, "**Verify:**"));
                }
                if let Some(task) = self.current_task() {
                    task.verify = Some(cmd);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn plain(frags: &[Frag]) -> String {
    let mut s = String::new();
    for f in frags {
        match f {
            Frag::Strong(t) | Frag::Text(t) => s.push_str(t),
            Frag::Code(c) => {
                s.push('`');
                s.push_str(c);
                s.push('`');
            }
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
