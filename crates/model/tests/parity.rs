//! Parity with sentence-transformers: the embeddings of all-MiniLM-L6-v2 for
//! the shared reference sentences, at max length 256 and 128.

use burn::prelude::Device;
use jobfit_model::{EmbedderOptions, TextEmbedder};
use serde_json::Value;

use crate::support;

const TOLERANCE: f32 = 1e-5;

fn reference() -> Option<Value> {
    let path = support::shared("reference/all-MiniLM-L6-v2.json")?;
    Some(serde_json::from_slice(&std::fs::read(path).expect("reads")).expect("json"))
}

fn floats(value: &Value) -> Vec<f32> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_f64().expect("number") as f32)
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn embeddings_match_sentence_transformers() {
    let (Some(dir), Some(reference)) = (support::model_dir(), reference()) else {
        return;
    };
    let items = reference["items"].as_array().expect("items");
    let texts: Vec<&str> = items
        .iter()
        .map(|i| i["text"].as_str().expect("text"))
        .collect();
    for max_length in [256, 128] {
        let options = EmbedderOptions {
            max_length: Some(max_length),
            batch_size: Some(8),
            ..Default::default()
        };
        let embedder = TextEmbedder::from_dir_with(&dir, options, &Device::flex()).expect("loads");
        // Batched with padding, in length buckets of 8.
        let batched = embedder.embed(&texts).expect("embeds");
        let mut worst = 0.0f32;
        for (i, item) in items.iter().enumerate() {
            let expected = floats(&item[format!("max_len_{max_length}")]["embedding"]);
            let diff = max_abs_diff(batched.row(i).as_slice().expect("row"), &expected);
            worst = worst.max(diff);
            assert!(
                diff <= TOLERANCE,
                "item {i} ({:?}) at max length {max_length}: max abs diff {diff}",
                texts[i]
            );
        }
        eprintln!("max length {max_length}: worst max abs diff {worst:e}");
        // One by one equals batched.
        for (i, text) in texts.iter().enumerate() {
            let single = embedder.embed_one(text).expect("embeds");
            let diff = max_abs_diff(&single, batched.row(i).as_slice().expect("row"));
            assert!(
                diff <= TOLERANCE,
                "item {i}: single vs batched differ by {diff}"
            );
        }
    }
}
