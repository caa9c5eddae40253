//! Parity with sentence-transformers: the embeddings of all-MiniLM-L6-v2 for
//! the shared reference sentences, at max length 256 and 128.

use jobfit_model::{
    EmbedderOptions, Engine, FastEncoder, Isa, Pooling, Precision, Pretrained, SeqInput,
    TextEmbedder,
};
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
    for (engine, max_length) in [
        (Engine::Burn, 256),
        (Engine::Burn, 128),
        (Engine::Auto, 256),
        (Engine::Auto, 128),
    ] {
        let options = EmbedderOptions {
            max_length: Some(max_length),
            batch_size: Some(8),
            engine: Some(engine),
            ..Default::default()
        };
        let embedder = TextEmbedder::from_dir_with(&dir, options, &crate::device()).expect("loads");
        // Batched with padding, in length buckets of 8.
        let batched = embedder.embed(&texts).expect("embeds");
        let mut worst = 0.0f32;
        for (i, item) in items.iter().enumerate() {
            let expected = floats(&item[format!("max_len_{max_length}")]["embedding"]);
            let diff = max_abs_diff(batched.row(i).as_slice().expect("row"), &expected);
            worst = worst.max(diff);
            assert!(
                diff <= TOLERANCE,
                "{:?} item {i} ({:?}) at max length {max_length}: max abs diff {diff}",
                embedder.engine(),
                texts[i]
            );
        }
        eprintln!(
            "{:?} on {:?}, max length {max_length}: worst max abs diff {worst:e}",
            embedder.engine(),
            crate::device()
        );
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

#[test]
fn every_fast_kernel_family_matches_sentence_transformers() {
    let (Some(dir), Some(reference)) = (support::model_dir(), reference()) else {
        return;
    };
    let pretrained = Pretrained::load(&dir, &crate::device()).expect("loads");
    let items = reference["items"].as_array().expect("items");
    let texts: Vec<&str> = items
        .iter()
        .map(|i| i["text"].as_str().expect("text"))
        .collect();
    let encodings = pretrained.tokenizer.encode_all(&texts).expect("tokenizes");
    let inputs: Vec<SeqInput<'_>> = encodings
        .iter()
        .map(|e| SeqInput {
            ids: &e.ids,
            type_ids: &e.type_ids,
        })
        .collect();
    let mut isas = vec![Isa::Portable];
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        isas.push(Isa::Avx2);
    }
    if std::arch::is_x86_feature_detected!("avx512f") {
        isas.push(Isa::Avx512);
    }
    for isa in isas {
        let fast = FastEncoder::from_model_with_isa(&pretrained.model, &pretrained.config, isa)
            .expect("packs");
        let vectors = fast.embed(&inputs, Pooling::Mean, true).expect("embeds");
        for (i, item) in items.iter().enumerate() {
            let expected = floats(&item["max_len_256"]["embedding"]);
            let diff = max_abs_diff(&vectors[i * 384..(i + 1) * 384], &expected);
            assert!(diff <= TOLERANCE, "{isa:?} item {i}: max abs diff {diff}");
        }
    }
}

#[test]
fn the_embedder_names_the_engine_it_runs() {
    let Some(dir) = support::model_dir() else {
        return;
    };
    for engine in [Engine::Burn, Engine::Fast, Engine::FastInt8] {
        let options = EmbedderOptions {
            engine: Some(engine),
            ..Default::default()
        };
        let embedder = TextEmbedder::from_dir_with(&dir, options, &crate::device()).expect("loads");
        assert_eq!(embedder.engine(), engine);
    }
}

#[test]
fn int8_embeddings_stay_close_to_the_float_ones() {
    let (Some(dir), Some(reference)) = (support::model_dir(), reference()) else {
        return;
    };
    let pretrained = Pretrained::load(&dir, &crate::device()).expect("loads");
    let items = reference["items"].as_array().expect("items");
    let texts: Vec<&str> = items
        .iter()
        .map(|i| i["text"].as_str().expect("text"))
        .collect();
    let encodings = pretrained.tokenizer.encode_all(&texts).expect("tokenizes");
    let inputs: Vec<SeqInput<'_>> = encodings
        .iter()
        .map(|e| SeqInput {
            ids: &e.ids,
            type_ids: &e.type_ids,
        })
        .collect();
    // Every int8 kernel family this CPU runs: portable, AVX2 (7-bit
    // weights), AVX-512 (VNNI where available).
    let mut isas = vec![Isa::Portable];
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        isas.push(Isa::Avx2);
    }
    if std::arch::is_x86_feature_detected!("avx512f") {
        isas.push(Isa::Avx512);
    }
    for isa in isas {
        let fast = FastEncoder::from_model_with(
            &pretrained.model,
            &pretrained.config,
            isa,
            Precision::Int8,
        )
        .expect("quantizes");
        let vectors = fast.embed(&inputs, Pooling::Mean, true).expect("embeds");
        let mut cosines = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let expected = floats(&item["max_len_256"]["embedding"]);
            // Both are unit vectors: the cosine is the dot product.
            let cosine: f32 = vectors[i * 384..(i + 1) * 384]
                .iter()
                .zip(&expected)
                .map(|(a, b)| a * b)
                .sum();
            cosines.push(cosine);
        }
        let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
        let min = cosines.iter().copied().fold(1.0, f32::min);
        eprintln!("{isa:?} int8 vs sentence-transformers: mean cosine {mean:.5}, min {min:.5}");
        assert!(
            mean >= 0.99,
            "{isa:?}: mean cosine {mean} (all: {cosines:?})"
        );
        assert!(min >= 0.97, "{isa:?}: min cosine {min} (all: {cosines:?})");
    }
}

#[test]
fn micro_batched_concurrent_calls_match_sentence_transformers() {
    let (Some(dir), Some(reference)) = (support::model_dir(), reference()) else {
        return;
    };
    let items = reference["items"].as_array().expect("items").clone();
    let options = jobfit_model::BatchOptions {
        max_wait: std::time::Duration::from_millis(20),
        ..Default::default()
    };
    let embedder = std::sync::Arc::new(
        TextEmbedder::from_dir(&dir, &crate::device())
            .expect("loads")
            .with_micro_batching(options)
            .expect("batching"),
    );
    // One thread per sentence: their calls share batches.
    let handles: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let embedder = std::sync::Arc::clone(&embedder);
            let text = item["text"].as_str().expect("text").to_string();
            std::thread::spawn(move || (i, embedder.embed_one(&text).expect("embeds")))
        })
        .collect();
    for handle in handles {
        let (i, vector) = handle.join().expect("a thread");
        let expected = floats(&items[i]["max_len_256"]["embedding"]);
        let diff = max_abs_diff(&vector, &expected);
        assert!(diff <= TOLERANCE, "item {i}: max abs diff {diff}");
    }
    let stats = embedder.micro_batcher().expect("a batcher").stats();
    assert_eq!(stats.requests as usize, items.len());
    assert!(
        stats.batches < stats.requests,
        "no call shared a batch: {stats:?}"
    );
}
