//! Byte offset → line/column mapping shared by the parsers, and small text helpers.

/// Maps byte offsets of one source text to 1-based line and column numbers.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// The 1-based (line, column) of byte `offset`; the column counts characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.starts[line - 1];
        let col = text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }
}

/// What git accepts in a branch name, for messages about names that it does not (a whole name
/// is also not `HEAD` or `@` and does not start with `-`: [`WHOLE_BRANCH_RULES`]).
pub const BRANCH_RULES: &str = "no `..`, `@{`, spaces, control characters or any of ~ ^ : ? * [ \\; no part starting with `.` or ending in `.lock`";

/// What git refuses in a whole branch name besides [`BRANCH_RULES`].
pub const WHOLE_BRANCH_RULES: &str = "not `HEAD` or `@`, not starting with `-`";

/// Whether git accepts `name` as a branch: a valid `refs/heads/<name>` that is also a valid
/// branch name (not `HEAD`, not starting with `-`), and not `@`, which git reads as `HEAD`.
pub fn is_valid_branch(name: &str) -> bool {
    name != "@"
        && git2::Reference::is_valid_name(&format!("refs/heads/{name}"))
        && git2::Branch::name_is_valid(name).unwrap_or(false)
}

/// Reads a file as UTF-8, with the error naming the file and what was expected.
pub fn read_utf8(path: &std::path::Path) -> Result<String, crate::error::Error> {
    let bytes =
        std::fs::read(path).map_err(|e| crate::error::Error::input(format!("{}: cannot read: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
        let (line, col) = LineIndex::new(&valid).line_col(&valid, offset);
        crate::error::Error::at(path, line, Some(col), "invalid UTF-8: expected a UTF-8 text file")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "ab\ncdé\n\nx";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 1);
        assert_eq!(idx.line(3), 2);
        assert_eq!(idx.line_col(text, 7), (2, 4));
        assert_eq!(idx.line(8), 3);
        assert_eq!(idx.line(9), 4);
    }

    #[test]
    fn branch_names_follow_git() {
        for ok in ["milestone/m1-text-tools", "feat/m1-101-slugify", "a.b_c-D", "milestone/m4.1-x"] {
            assert!(is_valid_branch(ok), "{ok}");
        }
        for bad in [
            "milestone/m1..x",
            "a~b",
            "a^b",
            "a:b",
            "a b",
            "a?b",
            "a*b",
            "a[b",
            "a\\b",
            "x.lock",
            "x.",
            "a/.b",
            "a@{b",
            "a//b",
            "",
            // Names git's commands refuse or read as something else: `HEAD`, an option, `@` (HEAD).
            "HEAD",
            "-foo",
            "@",
        ] {
            assert!(!is_valid_branch(bad), "{bad}");
        }
    }
}
