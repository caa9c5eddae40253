//! A tiny random encoder saved as a Hugging Face model directory, and small labelled data the
//! tiny tokenizer understands, for fast end-to-end runs of the training loops.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use jobfit_model::{BertConfig, BertModel, Pooling, export_encoder};
use jobfit_text::TextTokenizer;
use jobfit_train::{SeededRng, TextDataset, TrainConfig};

/// The tiny WordPiece tokenizer of the model crate's tests (30 tokens).
pub fn tokenizer() -> TextTokenizer {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/tests/fixtures/tiny-tokenizer.json");
    TextTokenizer::from_file(path).expect("the tiny tokenizer loads")
}

/// Writes a randomly initialized tiny encoder (hidden 16, 2 layers) as a model directory.
pub fn model_dir(parent: &Path) -> PathBuf {
    let dir = parent.join("tiny-model");
    let config = BertConfig::tiny(30);
    let device = Device::flex();
    device.seed(7);
    let model = BertModel::init(&config, &device).expect("tiny config is valid");
    let tokenizer = tokenizer().with_max_length(16).unwrap();
    export_encoder(&dir, &model, &config, &tokenizer, Pooling::Mean).expect("export works");
    dir
}

const WORDS: [(&str, &[&str]); 3] = [
    (
        "engineering",
        &[
            "rust", "engineer", "java", "python", "sql", "cloud", "aws", "data",
        ],
    ),
    (
        "healthcare",
        &["nurse", "registered", "patient", "care", "hospital"],
    ),
    ("management", &["lead", "team", "senior", "job", "skills"]),
];

/// `n` texts per class of 5 to 9 words from the class's vocabulary, seeded.
pub fn dataset(per_class: usize, seed: u64) -> TextDataset {
    let mut rng = SeededRng::new(seed);
    let mut pairs = Vec::new();
    for i in 0..per_class {
        for (label, words) in WORDS {
            let len = 5 + rng.below(5);
            let text: Vec<&str> = (0..len).map(|_| words[rng.below(words.len())]).collect();
            pairs.push((text.join(" "), label.to_string()));
            let _ = i;
        }
    }
    TextDataset::from_pairs(pairs)
}

/// Settings that make the tiny model learn in a few quick steps.
pub fn config() -> TrainConfig {
    TrainConfig::default()
        .with_learning_rate(1e-2)
        .with_head_learning_rate(Some(3e-2))
        .with_epochs(3)
        .with_batch_size(4)
        .with_max_length(16)
        .with_warmup_ratio(0.1)
        .with_early_stopping_patience(None)
        .with_long_text(jobfit_train::LongText::Head)
        .build()
        .unwrap()
}

/// Serializes the tests that train: Burn's CPU backend keeps one global random generator, so
/// runs in parallel test threads would draw each other's dropout masks and initial weights.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
