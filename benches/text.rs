//! Text preprocessing throughput over real resumes: cleaning, redaction, skill
//! extraction and tokenization, in bytes per second of raw resume text.
//!
//! The workload is `../shared/data/resumes-livecareer/train.csv` when present
//! (1,490 resumes, about 9 MB), else the bundled sample resume repeated.
//! Tokenization needs `scripts/fetch-model.sh` (it is skipped otherwise).
//! Each stage runs on one thread; `clean_batch` shows the rayon scaling.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jobfit::text::{Cleaner, Redactor, SkillGazetteer, TextTokenizer};

fn resumes() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/data/resumes-livecareer/train.csv");
    if let Ok(mut reader) = csv::Reader::from_path(&shared) {
        let texts: Vec<String> = reader
            .records()
            .filter_map(|record| record.ok()?.get(2).map(str::to_owned))
            .collect();
        if !texts.is_empty() {
            return texts;
        }
    }
    let sample = std::fs::read_to_string(root.join("examples/data/sample_resume.txt"))
        .expect("the bundled sample resume");
    vec![sample; 256]
}

fn bench_text(c: &mut Criterion) {
    let texts = resumes();
    let bytes: usize = texts.iter().map(String::len).sum();
    let cleaner = Cleaner::default();
    let cleaned = cleaner.clean_batch(&texts);

    let mut group = c.benchmark_group("text");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("clean", |b| {
        b.iter(|| texts.iter().map(|t| cleaner.clean(t).len()).sum::<usize>());
    });
    group.bench_function("clean_batch (rayon)", |b| {
        b.iter(|| cleaner.clean_batch(&texts).len());
    });
    let redactor = Redactor::default();
    group.bench_function("redact", |b| {
        b.iter(|| {
            cleaned
                .iter()
                .map(|t| redactor.redact(t).text.len())
                .sum::<usize>()
        });
    });
    let gazetteer = SkillGazetteer::default_gazetteer();
    group.bench_function("extract_skills", |b| {
        b.iter(|| {
            cleaned
                .iter()
                .map(|t| gazetteer.extract(t).len())
                .sum::<usize>()
        });
    });
    let tokenizer_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2/tokenizer.json");
    if let Ok(tokenizer) = TextTokenizer::from_file(&tokenizer_path) {
        let refs: Vec<&str> = cleaned.iter().map(String::as_str).collect();
        group.bench_function("tokenize (truncated to 256)", |b| {
            b.iter(|| {
                refs.iter()
                    .map(|t| tokenizer.encode(t).expect("tokenize").len())
                    .sum::<usize>()
            });
        });
    } else {
        eprintln!(
            "no tokenizer at {}: skipping tokenization",
            tokenizer_path.display()
        );
    }
    group.finish();
}

criterion_group!(benches, bench_text);
criterion_main!(benches);
