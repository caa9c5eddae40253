//! Recommendation speed: exact top-10 search over 1k, 100k and 1M synthetic
//! jobs (random unit vectors, 384 wide), the full `Matcher::recommend` on the
//! same catalogs (a resume: embedding, search, BM25 fusion, explanations, and
//! the dense search alone; a job title: search with one name per job blended
//! in, and without names), and index build throughput in jobs per second
//! (each job's text and its title are embedded).
//!
//! The search part needs nothing; the recommend and build parts need
//! `scripts/fetch-model.sh` and are skipped without the model. Threads
//! follow `RAYON_NUM_THREADS`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use jobfit::matching::{
    Catalog, ExactIndex, IndexOptions, JobFields, JobIndex, Matcher, ProgressMode,
    RecommendOptions, VectorIndex,
};
use jobfit::model::TextEmbedder;
use jobfit::text::Job;

const DIM: usize = 384;
const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];

/// `rows` random unit vectors (a fixed-seed xorshift generator).
fn unit_vectors(rows: usize, seed: u64) -> Vec<f32> {
    let mut state = seed | 1;
    let mut data = Vec::with_capacity(rows * DIM);
    for _ in 0..rows {
        let start = data.len();
        for _ in 0..DIM {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.push((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5);
        }
        let norm = data[start..].iter().map(|v| v * v).sum::<f32>().sqrt();
        data[start..].iter_mut().for_each(|v| *v /= norm);
    }
    data
}

const ROLES: [&str; 8] = [
    "Data Engineer",
    "Registered Nurse",
    "Line Cook",
    "Accountant",
    "Truck Driver",
    "Software Developer",
    "Sales Manager",
    "School Teacher",
];
const TASKS: [&str; 8] = [
    "Build data pipelines in Python and SQL.",
    "Provide patient care and give medication.",
    "Prepare food and keep the kitchen clean.",
    "Prepare budgets and financial reports.",
    "Deliver goods across the region safely.",
    "Design and test web services in Java.",
    "Lead a sales team and meet targets.",
    "Teach students and prepare lessons.",
];

/// A synthetic job: one of eight roles with a numbered variation.
fn job(i: usize) -> Job {
    let role = i % ROLES.len();
    Job::new(
        i.to_string(),
        format!("{} {}", ROLES[role], i / ROLES.len()),
    )
    .with_description(format!(
        "{} {}",
        TASKS[role],
        TASKS[(role + 3) % TASKS.len()]
    ))
    .with_skills(["Python", "SQL", "Excel"].into_iter().take(1 + i % 3))
}

fn bench_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("search_exact_top10");
    group.sample_size(20);
    let query = unit_vectors(1, 99);
    for size in SIZES {
        let index =
            ExactIndex::from_flat(DIM, unit_vectors(size, size as u64)).expect("valid vectors");
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &index, |b, index| {
            b.iter(|| black_box(index.search(&query, 10, None).expect("search")));
        });
    }
    group.finish();
}

fn model() -> Option<TextEmbedder> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
    if !dir.exists() {
        eprintln!(
            "skipping: {} is missing (run scripts/fetch-model.sh)",
            dir.display()
        );
        return None;
    }
    Some(TextEmbedder::from_dir(&dir, &jobfit::default_device()).expect("model loads"))
}

const RESUME: &str = "Data engineer with six years of experience building batch and streaming pipelines. \
    Designed a lakehouse on AWS with Apache Spark jobs in Python and Scala. \
    Replaced cron scripts with Apache Airflow; built a Kafka streaming pipeline. \
    Skills: Python, SQL, Scala, Spark, Kafka, Airflow, Docker, Kubernetes, Terraform.";

const TITLE: &str = "Senior data engineer";

fn bench_recommend(c: &mut Criterion) {
    let Some(embedder) = model() else { return };
    let embedder = Arc::new(embedder);
    let mut group = c.benchmark_group("recommend");
    group.sample_size(10);
    for size in SIZES {
        // Vectors are random: the work is the same as for real ones.
        let catalog = Catalog::from_jobs((0..size).map(job).collect()).expect("unique ids");
        let vectors =
            ExactIndex::from_flat(DIM, unit_vectors(size, size as u64)).expect("valid vectors");
        // One name per job (its title; the synthetic jobs have no aliases).
        let names =
            ExactIndex::from_flat(DIM, unit_vectors(size, size as u64 + 1)).expect("valid vectors");
        let index = JobIndex::from_parts(
            catalog,
            vectors,
            embedder.identity().clone(),
            JobFields::default(),
        )
        .and_then(|index| index.with_names(names))
        .expect("matching sizes");
        let matcher = Matcher::new(index, Arc::clone(&embedder)).expect("same model");
        // A resume (a long query: BM25 fused by reciprocal rank, explanations)
        // with the defaults and with the dense search alone; a job title (a
        // short query: the job names blended in) with the defaults and
        // without names.
        let dense = RecommendOptions::default()
            .with_hybrid(None)
            .with_explain(false);
        let variants = [
            ("default", RESUME, RecommendOptions::default()),
            ("dense_ranked_only", RESUME, dense.clone()),
            ("title_default", TITLE, RecommendOptions::default()),
            (
                "title_without_names",
                TITLE,
                RecommendOptions::default().with_name_weight(0.0),
            ),
        ];
        for (name, query, options) in variants {
            let options = options.with_top_k(10);
            group.bench_with_input(BenchmarkId::new(name, size), &matcher, |b, matcher| {
                b.iter(|| black_box(matcher.recommend(query, &options).expect("recommend")));
            });
        }
    }
    group.finish();
}

fn bench_build(c: &mut Criterion) {
    let Some(embedder) = model() else { return };
    let jobs = 256;
    let catalog = Catalog::from_jobs((0..jobs).map(job).collect()).expect("unique ids");
    let options = IndexOptions::default().with_progress(ProgressMode::Never);
    let mut group = c.benchmark_group("index_build");
    group.sample_size(10);
    group.throughput(Throughput::Elements(jobs as u64));
    group.bench_function(BenchmarkId::from_parameter(jobs), |b| {
        b.iter(|| black_box(JobIndex::build(catalog.clone(), &embedder, &options).expect("build")));
    });
    group.finish();
}

criterion_group!(benches, bench_search, bench_recommend, bench_build);
criterion_main!(benches);
