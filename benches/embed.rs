//! Encoder throughput: `TextEmbedder::embed` on job texts of ~128 tokens and on
//! job titles, batch 32, in texts per second.
//!
//! The workload is `../shared/bench/workload.jsonl` when present (the peer
//! baseline's texts), else a synthetic one of the same shape. Threads follow
//! `RAYON_NUM_THREADS`. Needs `scripts/fetch-model.sh`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jobfit::model::{EmbedderOptions, TextEmbedder};

fn workload() -> (Vec<String>, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/workload.jsonl");
    let mut long = Vec::new();
    let mut short = Vec::new();
    if let Ok(text) = std::fs::read_to_string(&path) {
        for line in text.lines() {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let Some(body) = value["text"].as_str() else {
                continue;
            };
            match value["kind"].as_str() {
                Some("long") => long.push(body.to_string()),
                Some("short") => short.push(body.to_string()),
                _ => {}
            }
        }
    }
    if long.is_empty() {
        let sentence = "Responsible for designing data pipelines in Python and SQL, mentoring engineers, \
                        and working with product managers on analytics dashboards for customers. ";
        long = (0..512)
            .map(|i| format!("Job {i}. {}", sentence.repeat(4)))
            .collect();
        short = (0..512)
            .map(|i| format!("Senior data engineer {i}"))
            .collect();
    }
    (long, short)
}

fn bench_embed(c: &mut Criterion) {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
    if !model.exists() {
        eprintln!(
            "skipping: {} is missing (run scripts/fetch-model.sh)",
            model.display()
        );
        return;
    }
    let device = jobfit::default_device();
    let (long, short) = workload();
    let mut group = c.benchmark_group("embed");
    group.sample_size(10);
    for (name, texts, max_length) in [
        ("long_128", &long, 128),
        ("long_256", &long, 256),
        ("titles", &short, 128),
    ] {
        let options = EmbedderOptions {
            max_length: Some(max_length),
            batch_size: Some(32),
            ..Default::default()
        };
        let embedder = TextEmbedder::from_dir_with(&model, options, &device).expect("model loads");
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        group.throughput(Throughput::Elements(texts.len() as u64));
        group.bench_function(name, |b| b.iter(|| embedder.embed(&texts).expect("embeds")));
    }
    group.finish();
}

criterion_group!(benches, bench_embed);
criterion_main!(benches);
