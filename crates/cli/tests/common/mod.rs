//! What the command-line tests share: the `jobfit` binary, a tiny model
//! directory and a seeded generator.

use std::path::{Path, PathBuf};
use std::process::Command;

use jobfit::model::{BertConfig, BertModel, Pooling, export_encoder};
use jobfit::text::TextTokenizer;

pub fn jobfit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jobfit"))
}

/// A random tiny encoder saved as a model directory.
pub fn tiny_model(dir: &Path) -> PathBuf {
    let path = dir.join("model");
    let tokenizer = TextTokenizer::from_file(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/tests/fixtures/tiny-tokenizer.json"),
    )
    .and_then(|t| t.with_max_length(16))
    .unwrap();
    let config = BertConfig::tiny(30);
    let model = BertModel::init(&config, &jobfit::default_device()).unwrap();
    export_encoder(&path, &model, &config, &tokenizer, Pooling::Mean).unwrap();
    path
}

/// A deterministic generator (no test may depend on the clock's randomness).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}
