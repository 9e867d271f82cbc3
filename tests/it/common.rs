//! Test helpers: hermetic git repositories in temp dirs and a runner for the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_run-milestone")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Fails with a clear message when a tool the test needs is absent.
pub fn require(tool: &str) {
    let ok = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(ok, "this test needs `{tool}` on PATH, and it was not found: install {tool} and re-run");
}

/// Makes a command hermetic: no system or global git config, fixed identity and dates.
pub fn hermetic(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-21T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-21T12:00:00Z")
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env_remove("RUN_MILESTONE_LOG");
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A git repository in a temp dir: `<tmp>/<name>` with a bare `<tmp>/origin.git` as `origin`.
pub struct Repo {
    pub tmp: TempDir,
    pub root: PathBuf,
}

impl Repo {
    /// A repository holding a copy of `src` (or just a README), committed on `main`.
    pub fn with_contents(name: &str, src: Option<&Path>) -> Repo {
        require("git");
        let tmp = tempfile::Builder::new().prefix("rm-it-").tempdir().unwrap();
        let root = tmp.path().join(name);
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        match src {
            Some(src) => copy_dir(src, &root),
            None => {
                std::fs::create_dir_all(&root).unwrap();
                std::fs::write(root.join("README.md"), "hello\n").unwrap();
            }
        }
        let repo = Repo { tmp, root };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "initial commit"]);
        let origin = repo.tmp.path().join("origin.git");
        repo.git(&["init", "-q", "--bare", origin.to_str().unwrap()]);
        repo.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
        repo.git(&["push", "-q", "origin", "main"]);
        repo.git(&["remote", "set-head", "origin", "main"]);
        repo
    }

    /// A fresh git copy of the bundled demo.
    pub fn demo() -> Repo {
        require("python3");
        Repo::with_contents("demo", Some(&fixtures().join("demo")))
    }

    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    /// Runs git in the repository; panics with git's output on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(&self.root);
        hermetic(&mut cmd, &self.home());
        let out = cmd.output().expect("git runs");
        assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// The binary, run in the repository with a hermetic environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.args(args).current_dir(&self.root);
        hermetic(&mut cmd, &self.home());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("binary runs")
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code, with both streams in the panic message when it differs.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "exit code\n--- stdout\n{}\n--- stderr\n{}", stdout(o), stderr(o));
}

/// Every file under `dir` (recursively) with its contents, for "nothing changed" checks.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_path_buf();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                out.push((rel, b"<dir>".to_vec()));
                walk(base, &p, out);
            } else if ft.is_symlink() {
                out.push((rel, std::fs::read_link(&p).unwrap().to_string_lossy().as_bytes().to_vec()));
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// The variables [`hermetic`] sets, for subprocesses the library starts itself (the local
/// forge's CI and `git push`).
pub fn hermetic_vars(home: &Path) -> Vec<(String, String)> {
    [
        ("HOME", home.display().to_string()),
        ("XDG_CONFIG_HOME", home.join(".config").display().to_string()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
        ("GIT_AUTHOR_NAME", "Test Author".into()),
        ("GIT_AUTHOR_EMAIL", "author@example.com".into()),
        ("GIT_COMMITTER_NAME", "Test Committer".into()),
        ("GIT_COMMITTER_EMAIL", "committer@example.com".into()),
        ("GIT_AUTHOR_DATE", "2026-11-21T12:00:00Z".into()),
        ("GIT_COMMITTER_DATE", "2026-11-21T12:00:00Z".into()),
        ("NO_COLOR", "1".into()),
        ("PYTHONDONTWRITEBYTECODE", "1".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

impl Repo {
    /// The bare `origin` next to the repository.
    pub fn origin(&self) -> PathBuf {
        self.tmp.path().join("origin.git")
    }

    /// The common git directory (`<root>/.git`).
    pub fn common_dir(&self) -> PathBuf {
        self.root.join(".git")
    }

    /// The full SHA `rev` resolves to.
    pub fn sha(&self, rev: &str) -> String {
        self.git(&["rev-parse", "--verify", &format!("{rev}^{{commit}}")])
    }

    /// Commits `files` (path, contents) on `branch` (created from `from` when given) and checks
    /// the previously checked-out branch out again. Returns the new commit.
    pub fn commit_on(&self, branch: &str, from: Option<&str>, files: &[(&str, &str)], message: &str) -> String {
        let previous = self.git(&["symbolic-ref", "--short", "HEAD"]);
        match from {
            Some(start) => self.git(&["checkout", "-q", "-b", branch, start]),
            None => self.git(&["checkout", "-q", branch]),
        };
        for (rel, text) in files {
            self.write(rel, text);
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        let sha = self.sha("HEAD");
        self.git(&["checkout", "-q", &previous]);
        sha
    }

    /// `refname sha` of every ref in the repository, one per line.
    pub fn refs(&self) -> String {
        self.git(&["for-each-ref", "--format=%(refname) %(objectname)"])
    }

    /// `sha refname` lines of the bare origin's refs.
    pub fn remote_refs(&self) -> String {
        self.git(&["ls-remote", self.origin().to_str().unwrap()])
    }
}
