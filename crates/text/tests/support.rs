//! Locating test inputs that live outside the crate: the pretrained model
//! fetched by `scripts/fetch-model.sh` and the shared reference data.
//!
//! A missing input skips the test with a note on stderr, except under CI
//! (`CI` set), where it fails: CI installs everything the tests need.

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn require(path: PathBuf, how: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{} is missing under CI: {how}", path.display());
    }
    eprintln!("skipping: {} is missing ({how})", path.display());
    None
}

/// The all-MiniLM-L6-v2 model directory, or `None` (test skipped).
pub fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("JOBFIT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("models/all-MiniLM-L6-v2"));
    require(dir, "run scripts/fetch-model.sh")
}

/// The multilingual-e5-small model directory, or `None` (test skipped).
#[allow(dead_code)] // not every test binary that includes this file uses it
pub fn e5_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("JOBFIT_E5_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("models/multilingual-e5-small"));
    require(dir, "run scripts/fetch-model.sh multilingual-e5-small")
}

/// A file under the shared data folder beside the repository, or `None`.
pub fn shared(relative: &str) -> Option<PathBuf> {
    require(
        repo_root().join("../shared").join(relative),
        "the shared data folder is not beside the repository",
    )
}
