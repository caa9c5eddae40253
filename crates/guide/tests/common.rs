//! Shared test helpers: fixture paths and a tiny random encoder.

use std::path::PathBuf;

use burn::prelude::Device;
use jobfit_model::{BertConfig, BertModel, EmbedderOptions, TextEmbedder};
use jobfit_text::TextTokenizer;

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A tiny random encoder (width 16, 64 tokens) over a character-level
/// WordPiece vocabulary, so that any two different texts embed differently.
pub fn tiny_embedder() -> TextEmbedder {
    let device = Device::flex();
    let tokenizer =
        TextTokenizer::from_file(fixture("tiny-tokenizer.json")).expect("the tiny tokenizer loads");
    let config = BertConfig::tiny(tokenizer.vocab_size());
    let model = BertModel::init(&config, &device).expect("tiny model");
    let options = EmbedderOptions {
        max_length: Some(64),
        batch_size: Some(16),
        ..Default::default()
    };
    TextEmbedder::from_parts(
        model,
        tokenizer,
        config,
        options,
        "tiny",
        "tiny-guide",
        &device,
    )
    .expect("tiny embedder")
}
