//! Large diffs: more files or more changed lines than the limits is the seed's soft stop (the
//! engine skips the issue and logs why), because nobody reviews a 2,000-line PR well.

use super::evaluate::{Evaluation, PolicyInput};

pub(crate) fn check(input: &PolicyInput, ev: &mut Evaluation) {
    let (files, lines) = (input.diff.files.len(), input.diff.changed_lines());
    let (max_files, max_lines) = (input.config.max_diff_files, input.config.max_diff_lines);
    if files > max_files || lines > max_lines {
        ev.soft_stop =
            Some(format!("Large diff ({files} files, {lines} lines; limits {max_files} files, {max_lines} lines)"));
    }
}

#[cfg(test)]
#[path = "size_tests.rs"]
mod tests;
