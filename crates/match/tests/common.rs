//! Shared test helpers: fixture paths and tiny random models.

use std::path::PathBuf;
use std::sync::Arc;

use burn::prelude::Device;
use jobfit_match::{Catalog, IndexOptions, JobIndex, Matcher, ProgressMode};
use jobfit_model::{BertConfig, BertModel, EmbedderOptions, TextEmbedder};
use jobfit_text::TextTokenizer;

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn device() -> Device {
    Device::flex()
}

/// The WordPiece tokenizer of the fixtures (151 tokens).
pub fn tiny_tokenizer() -> TextTokenizer {
    TextTokenizer::from_file(fixture("tiny-tokenizer.json")).expect("the tiny tokenizer loads")
}

/// A tiny random encoder (width 16) whose identity carries `weights_hash`.
pub fn tiny_embedder(weights_hash: &str) -> TextEmbedder {
    let tokenizer = tiny_tokenizer();
    let config = BertConfig::tiny(tokenizer.vocab_size());
    let model = BertModel::init(&config, &device()).expect("tiny model");
    let options = EmbedderOptions {
        max_length: Some(32),
        batch_size: Some(8),
        ..Default::default()
    };
    TextEmbedder::from_parts(
        model,
        tokenizer,
        config,
        options,
        "tiny",
        weights_hash,
        &device(),
    )
    .expect("tiny embedder")
}

/// The fixture catalog indexed by a tiny model, and the matcher over it.
pub fn tiny_matcher() -> Matcher {
    let embedder = Arc::new(tiny_embedder("tiny-a"));
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).expect("fixture catalog");
    let options = IndexOptions::default().with_progress(ProgressMode::Never);
    let index = JobIndex::build(catalog, &embedder, &options).expect("index");
    Matcher::new(index, embedder).expect("matcher")
}
