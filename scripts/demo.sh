#!/usr/bin/env bash
# Runs run-milestone on a fresh git copy of the bundled demo (fixtures/demo), made in a temp dir
# with a local bare repository as `origin`. The checkout itself is never modified.
#
# Usage: scripts/demo.sh [extra run-milestone flags]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for tool in git python3 cargo; do
  command -v "$tool" >/dev/null 2>&1 || { echo "demo: \`$tool\` is required but was not found on PATH" >&2; exit 1; }
done

target_dir="${CARGO_TARGET_DIR:-$here/target}"
bin="$target_dir/debug/run-milestone"
if [ ! -x "$bin" ]; then
  echo "demo: building run-milestone first (one time; a few minutes on a small machine)…" >&2
fi
# Only the binary, in the dev profile the demo runs; cargo's own progress shows on stderr.
cargo build --manifest-path "$here/Cargo.toml" --bin run-milestone

work="$(mktemp -d "${TMPDIR:-/tmp}/run-milestone-demo.XXXXXX")"
cp -R "$here/fixtures/demo" "$work/demo"
cd "$work/demo"
export GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-run-milestone demo}" GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-demo@example.com}"
export GIT_COMMITTER_NAME="${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME}" GIT_COMMITTER_EMAIL="${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}"
git init -q -b main
git add -A
git commit -q -m "textkit: initial commit"
git init -q --bare "$work/origin.git"
git remote add origin "$work/origin.git"
git push -q origin main
git remote set-head origin main

echo "Demo repository: $work/demo"
echo
# The whole milestone, unattended: every task RED → GREEN → COMMIT in ../demo-m1, one PR per issue
# on the local forge, merged into milestone/m1-text-tools when its local CI passes.
"$bin" m1 --autonomous "$@"
echo
echo "== Pull requests (local forge)"
"$bin" prs m1
echo
echo "== milestone/m1-text-tools"
git log --oneline main..milestone/m1-text-tools
