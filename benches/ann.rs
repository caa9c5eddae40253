//! Approximate against exact search at catalog scale: build rate, memory per
//! job, latency (p50/p99) and recall@10 against exact search, without a
//! filter and with filters that keep 1% to 20% of the jobs, through the
//! same `JobIndex` search the matcher uses. Prints one JSON object.
//!
//! Usage: `cargo bench -p jobfit --bench ann -- [--jobs 1000000] [--queries 500]
//! [--storage f32|f16|i8] [--ef 32,64,128,256] [--ef-filtered 64,128,256] [--threshold]
//! [--exact-only] [--vectors-only [--at 1000000,5000000]] [--out FILE]` (`--ef`: the
//! expansions tried without a filter, `--ef-filtered`: with one)
//!
//! The vectors look like real ones: about 50,000 real job texts of the shared
//! data (O*NET task statements and alternate titles, ESCO occupation
//! descriptions, Google job postings) are embedded with all-MiniLM-L6-v2,
//! and each synthetic job is a real vector moved a random part of the way
//! towards another real vector, plus Gaussian noise (sigma 0.02 per
//! dimension), renormalized: jobs cluster as real postings do (many
//! near-duplicates of a few thousand kinds of job). The queries are real
//! embeddings of texts in none of those sources (JobBERT vacancy titles and
//! LiveCareer resumes). The real embeddings are cached under
//! `target/ann-bench/`. Each job has metadata `region` (100 values: a filter
//! on one keeps 1%), `band` (50 values: 2%), `segment` (20 values: 5%),
//! `tier` (10 values: 10%) and `category` (5 values: 20%).
//!
//! The report gives the process's resident memory after the build and its
//! peak (Linux).
//!
//! `--vectors-only` measures the vector layer alone at sizes past what a
//! whole `JobIndex` holds in memory (10M jobs: a job's record and metadata
//! take about 2.6 KB in memory, its f32 vector 1.5 KB): it builds the graph
//! in steps of 524,288 jobs, writes the exact f32 vectors to a file
//! (`target/ann-bench/vectors.f32`, removed at the end) instead of holding
//! them, and at each size in `--at` (and at `--jobs`) times a top-10 search
//! that walks the graph and, with int8 or f16 storage, rescores its
//! candidates with their exact vectors read from that file (as the index
//! rescores from its exact vectors): twice `k` of them, and all `ef`. The
//! filters are predicates on the position that keep the same shares as the
//! metadata filters. Recall is against an exact scan of the file.
//!
//! `--threshold` instead times exact search alone at 10k to 1M jobs, which
//! is how `ANN_AUTO_MIN_JOBS` was chosen. `--exact-only` builds no graph and
//! times the exact search under each filter, which is how
//! `EXACT_FILTERED_MAX` was chosen.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use jobfit::matching::{
    AnnIndex, AnnMode, AnnOptions, AnnStorage, Catalog, ExactIndex, JobFields, JobFilter, JobIndex,
    JobStore, PositionFilter, SearchMode, SearchRequest, TopK, VectorIndex, dot,
};
use jobfit::model::TextEmbedder;
use jobfit::text::Job;
use rayon::prelude::*;

struct Args {
    jobs: usize,
    queries: usize,
    storage: AnnStorage,
    ef: Vec<usize>,
    ef_filtered: Vec<usize>,
    threshold: bool,
    exact_only: bool,
    vectors_only: bool,
    at: Vec<usize>,
    out: Option<PathBuf>,
}

fn parse() -> Result<Args> {
    let raw: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut args = Args {
        jobs: 1_000_000,
        queries: 500,
        storage: AnnStorage::F32,
        ef: vec![32, 64, 128, 256],
        ef_filtered: vec![64, 128, 256],
        threshold: false,
        exact_only: false,
        vectors_only: false,
        at: Vec::new(),
        out: None,
    };
    let mut iter = raw.into_iter();
    while let Some(arg) = iter.next() {
        let mut value = || iter.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--jobs" => args.jobs = value()?.parse()?,
            "--queries" => args.queries = value()?.parse()?,
            "--storage" => args.storage = value()?.parse()?,
            "--ef" => {
                args.ef = value()?
                    .split(',')
                    .map(|v| v.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            "--ef-filtered" => {
                args.ef_filtered = value()?
                    .split(',')
                    .map(|v| v.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            "--threshold" => args.threshold = true,
            "--exact-only" => args.exact_only = true,
            "--vectors-only" => args.vectors_only = true,
            "--at" => {
                args.at = value()?
                    .split(',')
                    .map(|v| v.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            "--out" => args.out = Some(value()?.into()),
            other => bail!("unknown argument {other:?}"),
        }
    }
    Ok(args)
}

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// Real job texts: the base of the synthetic catalog.
fn base_texts() -> Result<Vec<String>> {
    let data = shared();
    let mut texts = Vec::new();
    let tsv = |file: &str, column: usize| -> Result<Vec<String>> {
        let text = std::fs::read_to_string(data.join("onet-29.3").join(file))
            .with_context(|| format!("reading {file}"))?;
        Ok(text
            .lines()
            .skip(1)
            .filter_map(|line| line.split('\t').nth(column).map(str::to_string))
            .collect())
    };
    texts.extend(tsv("Task Statements.txt", 3)?);
    texts.extend(tsv("Alternate Titles.txt", 2)?);
    let mut esco = csv::Reader::from_path(data.join("esco/occupations_en.csv"))?;
    let headers = esco.headers()?.clone();
    let label = headers.iter().position(|h| h == "preferredLabel");
    let description = headers.iter().position(|h| h == "description");
    for record in esco.records() {
        let record = record?;
        let part = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_string()
        };
        texts.push(format!("{}. {}", part(label), part(description)));
    }
    let mut google = csv::Reader::from_path(data.join("google-job-skills/job_skills.csv"))?;
    for record in google.records() {
        let record = record?;
        texts.push(format!(
            "{}. {}",
            record.get(1).unwrap_or_default(),
            record.get(4).unwrap_or_default()
        ));
    }
    texts.retain(|text| !text.trim().is_empty());
    Ok(texts)
}

/// Real query texts from sources the base does not use.
fn query_texts(n: usize) -> Result<Vec<String>> {
    let data = shared();
    let mut titles = csv::Reader::from_path(data.join("jobbert-titles/titles.dev.csv"))?;
    let mut texts: Vec<String> = titles
        .records()
        .filter_map(|r| r.ok().and_then(|r| r.get(1).map(str::to_string)))
        .step_by(7)
        .take(n.div_ceil(2))
        .collect();
    let mut resumes = csv::Reader::from_path(data.join("resumes-livecareer/train.csv"))?;
    texts.extend(
        resumes
            .records()
            .filter_map(|r| {
                r.ok()
                    .and_then(|r| r.get(2).map(|t| t.chars().take(1500).collect()))
            })
            .take(n - texts.len().min(n)),
    );
    Ok(texts)
}

/// Embeddings of `texts`, cached in `target/ann-bench/NAME.f32`.
fn embeddings(embedder: &TextEmbedder, name: &str, texts: &[String]) -> Result<Vec<Vec<f32>>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/ann-bench");
    std::fs::create_dir_all(&dir)?;
    let dim = embedder.dim();
    let path = dir.join(format!(
        "{name}-{}-{}.f32",
        embedder.identity().weights_hash,
        texts.len()
    ));
    if let Ok(bytes) = std::fs::read(&path)
        && bytes.len() == texts.len() * dim * 4
    {
        let values: Vec<f32> = f32_values(&bytes).collect();
        return Ok(values.chunks(dim).map(<[f32]>::to_vec).collect());
    }
    eprintln!(
        "embedding {} {name} texts once (cached in {})",
        texts.len(),
        path.display()
    );
    let mut out = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(512) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let vectors = embedder.embed(&refs)?;
        out.extend(vectors.rows().into_iter().map(|row| row.to_vec()));
    }
    let bytes: Vec<u8> = out.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&path, bytes)?;
    Ok(out)
}

/// A splitmix64 generator (fixed seed: the catalog is the same every run).
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn gaussian(&mut self) -> f32 {
        // Box-Muller.
        let u = self.uniform().max(1e-7);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}

/// `n` synthetic job vectors from real ones (see the module docs), row-major.
fn synthetic(base: &[Vec<f32>], n: usize, dim: usize) -> Vec<f32> {
    synthetic_rows(base, 0, n, dim)
}

/// Rows per block of the generator: each block has its own seed, so rows
/// `first..first + n` can be made alone (`first` a multiple of this).
const GENERATOR_BLOCK: usize = 4096;

/// Synthetic rows `first..first + n`: the same rows as [`synthetic`] makes.
fn synthetic_rows(base: &[Vec<f32>], first: usize, n: usize, dim: usize) -> Vec<f32> {
    assert!(first.is_multiple_of(GENERATOR_BLOCK));
    let mut data = vec![0f32; n * dim];
    data.par_chunks_mut(dim * GENERATOR_BLOCK)
        .enumerate()
        .for_each(|(block, rows)| {
            let mut rng = Rng(0x5eed ^ (first / GENERATOR_BLOCK + block) as u64);
            for row in rows.chunks_mut(dim) {
                let a = &base[rng.next_u64() as usize % base.len()];
                let b = &base[rng.next_u64() as usize % base.len()];
                let t = 0.35 * rng.uniform();
                let mut norm = 0.0;
                for (i, value) in row.iter_mut().enumerate() {
                    *value = (1.0 - t) * a[i] + t * b[i] + 0.02 * rng.gaussian();
                    norm += *value * *value;
                }
                let norm = norm.sqrt();
                row.iter_mut().for_each(|v| *v /= norm);
            }
        });
    data
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// Per-query latency (ms, sequential) and the hits of each query.
fn time_queries(
    store: &JobIndex,
    queries: &[Vec<f32>],
    filter: &JobFilter,
    mode: SearchMode,
) -> Result<(Vec<f64>, Vec<Vec<String>>)> {
    let mut times = Vec::with_capacity(queries.len());
    let mut results = Vec::with_capacity(queries.len());
    for query in queries {
        let started = Instant::now();
        let hits = store.search(&SearchRequest {
            queries: std::slice::from_ref(query),
            name_queries: &[],
            k: 10,
            filter,
            name_weight: 0.0,
            mode,
        })?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
        results.push(hits.into_iter().map(|hit| hit.job.id.clone()).collect());
    }
    times.sort_by(f64::total_cmp);
    Ok((times, results))
}

/// Queries per second with two threads searching at once.
fn throughput(store: &JobIndex, queries: &[Vec<f32>], filter: &JobFilter, mode: SearchMode) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build();
    let Ok(pool) = pool else { return 0.0 };
    let started = Instant::now();
    pool.install(|| {
        queries.par_iter().for_each(|query| {
            let _ = store.search(&SearchRequest {
                queries: std::slice::from_ref(query),
                name_queries: &[],
                k: 10,
                filter,
                name_weight: 0.0,
                mode,
            });
        });
    });
    queries.len() as f64 / started.elapsed().as_secs_f64()
}

fn recall<T: PartialEq>(truth: &[Vec<T>], found: &[Vec<T>]) -> f64 {
    let mut hit = 0usize;
    let mut total = 0usize;
    for (t, f) in truth.iter().zip(found) {
        total += t.len();
        hit += t.iter().filter(|id| f.contains(id)).count();
    }
    hit as f64 / total.max(1) as f64
}

fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_string();
    let isa = if std::is_x86_feature_detected!("avx512f") {
        "avx512"
    } else if std::is_x86_feature_detected!("avx2") {
        "avx2"
    } else {
        "baseline"
    };
    serde_json::json!({
        "cpu": model,
        "isa": isa,
        "threads": rayon::current_num_threads(),
        "search_threads": 2,
    })
}

/// The filters: (name, metadata key, modulus, remainder). Job `i` has
/// `key = i % modulus`, and the filter keeps `key = remainder`: the
/// positions `p % modulus == remainder`, which is how `--vectors-only`
/// filters without jobs.
const FILTERS: [(&str, &str, usize, usize); 5] = [
    ("1%", "region", 100, 7),
    ("2%", "band", 50, 7),
    ("5%", "segment", 20, 3),
    ("10%", "tier", 10, 3),
    ("20%", "category", 5, 2),
];

fn catalog(n: usize) -> Result<Catalog> {
    let jobs: Vec<Job> = (0..n)
        .map(|i| {
            FILTERS.iter().fold(
                Job::new(i.to_string(), format!("job {i}")),
                |job, &(_, key, modulus, _)| job.with_metadata(key, (i % modulus).to_string()),
            )
        })
        .collect();
    Ok(Catalog::from_jobs(jobs)?)
}

fn main() -> Result<()> {
    let args = parse()?;
    let model = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
    if !model.exists() {
        eprintln!(
            "skipping: {} is missing (run scripts/fetch-model.sh)",
            model.display()
        );
        return Ok(());
    }
    let embedder = TextEmbedder::from_dir(&model, &jobfit::default_device())?;
    let dim = embedder.dim();
    let base = embeddings(&embedder, "base", &base_texts()?)?;
    let queries = embeddings(&embedder, "queries", &query_texts(args.queries)?)?;
    let identity = embedder.identity().clone();
    if args.threshold {
        return threshold(&base, &queries, dim, &identity);
    }
    if args.vectors_only {
        return vectors_only(&args, &base, &queries, dim);
    }
    let n = args.jobs;
    let started = Instant::now();
    let data = synthetic(&base, n, dim);
    eprintln!(
        "generated {n} vectors in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let options = AnnOptions {
        storage: args.storage,
        ..AnnOptions::default()
    };
    let exact = ExactIndex::from_flat(dim, data)?;
    let mut index = JobIndex::from_parts(catalog(n)?, exact, identity, JobFields::default())?;
    // The build rate: the graph (all threads) and the metadata postings.
    let started = Instant::now();
    if !args.exact_only {
        index.set_ann(AnnMode::Always, options)?;
    }
    let build_s = started.elapsed().as_secs_f64();
    let ann_bytes = index.ann_memory();
    let rss_after_build = memory("VmRSS");
    eprintln!(
        "indexed (graph + metadata) in {build_s:.1} s ({:.0} jobs/s), RSS {:.2} GB",
        n as f64 / build_s,
        rss_after_build as f64 / 1e9
    );
    let index = Arc::new(index);

    let filters: Vec<(&str, JobFilter)> = std::iter::once(("none", JobFilter::new()))
        .chain(FILTERS.iter().map(|&(name, key, _, remainder)| {
            (
                name,
                JobFilter::new().with_metadata(key, remainder.to_string()),
            )
        }))
        .collect();
    let mut rows_out = Vec::new();
    for (name, filter) in &filters {
        let (exact_times, truth) = time_queries(&index, &queries, filter, SearchMode::Exact)?;
        let exact_qps = throughput(&index, &queries, filter, SearchMode::Exact);
        rows_out.push(serde_json::json!({
            "filter": name, "search": "exact",
            "p50_ms": percentile(&exact_times, 0.5), "p99_ms": percentile(&exact_times, 0.99),
            "qps_2_threads": exact_qps, "recall_at_10": 1.0,
        }));
        // Each row as it comes, so that a run cut short keeps what it measured.
        eprintln!("{}", rows_out[rows_out.len() - 1]);
        let efs = if args.exact_only {
            &[][..]
        } else if filter.is_empty() {
            &args.ef
        } else {
            &args.ef_filtered
        };
        for &ef in efs {
            // Only the search expansion changes: no rebuild.
            if filter.is_empty() {
                index.set_ann_expansion(ef);
            } else {
                index.set_ann_filtered_expansion(ef);
            }
            for mode in [SearchMode::Ann, SearchMode::Auto] {
                let (times, found) = time_queries(&index, &queries, filter, mode)?;
                let qps = throughput(&index, &queries, filter, mode);
                rows_out.push(serde_json::json!({
                    "filter": name, "search": format!("{mode:?}").to_lowercase(), "ef": ef,
                    "p50_ms": percentile(&times, 0.5), "p99_ms": percentile(&times, 0.99),
                    "qps_2_threads": qps, "recall_at_10": recall(&truth, &found),
                }));
                eprintln!("{}", rows_out[rows_out.len() - 1]);
            }
        }
        eprintln!("filter {name}: done");
    }
    let report = serde_json::json!({
        "machine": machine(),
        "jobs": n,
        "dim": dim,
        "queries": queries.len(),
        "storage": format!("{:?}", args.storage).to_lowercase(),
        "graph": {"connectivity": options.connectivity, "expansion_add": options.expansion_add},
        "defaults": {"expansion_search": options.expansion_search, "expansion_filtered": options.expansion_filtered},
        "graph_built": !args.exact_only,
        "build_seconds": build_s,
        "build_jobs_per_second": n as f64 / build_s,
        "rss_bytes_after_build": rss_after_build,
        "rss_bytes_peak": memory("VmHWM"),
        "ann_bytes_per_job": ann_bytes as f64 / n as f64,
        "exact_bytes_per_job": (dim * 4) as f64,
        "results": rows_out,
    });
    print_report(&report, args.out.as_deref())
}

fn threshold(
    base: &[Vec<f32>],
    queries: &[Vec<f32>],
    dim: usize,
    identity: &jobfit::model::ModelIdentity,
) -> Result<()> {
    let mut out = Vec::new();
    for n in [10_000usize, 50_000, 100_000, 200_000, 500_000, 1_000_000] {
        let data = synthetic(base, n, dim);
        let exact = ExactIndex::from_flat(dim, data)?;
        let index =
            JobIndex::from_parts(catalog(n)?, exact, identity.clone(), JobFields::default())?;
        let (times, _) = time_queries(&index, queries, &JobFilter::new(), SearchMode::Exact)?;
        out.push(serde_json::json!({
            "jobs": n, "exact_p50_ms": percentile(&times, 0.5), "exact_p99_ms": percentile(&times, 0.99),
        }));
        eprintln!("{n} jobs: exact p99 {:.2} ms", percentile(&times, 0.99));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({"machine": machine(), "exact": out}))?
    );
    Ok(())
}

/// The filters of `--vectors-only`: (name, modulus, remainder) of no
/// filter and of [`FILTERS`].
fn position_filters() -> Vec<(&'static str, usize, usize)> {
    std::iter::once(("none", 1, 0))
        .chain(
            FILTERS
                .iter()
                .map(|&(name, _, modulus, remainder)| (name, modulus, remainder)),
        )
        .collect()
}

/// Jobs added to the graph per step of `--vectors-only`.
const STEP: usize = GENERATOR_BLOCK * 128;

fn vectors_only(args: &Args, base: &[Vec<f32>], queries: &[Vec<f32>], dim: usize) -> Result<()> {
    use std::io::Write;

    let options = AnnOptions {
        storage: args.storage,
        ..AnnOptions::default()
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/ann-bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("vectors.f32");
    let mut file = std::io::BufWriter::with_capacity(1 << 22, std::fs::File::create(&path)?);
    let mut ann = AnnIndex::new(dim, options)?;
    let mut sizes: Vec<usize> = args
        .at
        .iter()
        .copied()
        .filter(|&at| at < args.jobs)
        .collect();
    sizes.push(args.jobs);
    sizes.sort_unstable();
    sizes.dedup();
    let mut reports = Vec::new();
    let mut built = 0usize;
    let mut build_s = 0.0;
    for &size in &sizes {
        while built < size {
            let rows = STEP.min(size - built);
            // The generator starts at a block boundary: skip to `built`.
            let first = built / GENERATOR_BLOCK * GENERATOR_BLOCK;
            let mut data = synthetic_rows(base, first, built + rows - first, dim);
            data.drain(..(built - first) * dim);
            let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
            file.write_all(&bytes)?;
            let positions: Vec<usize> = (built..built + rows).collect();
            let view = ndarray::ArrayView2::from_shape((rows, dim), &data[..])?;
            let started = Instant::now();
            ann.add_at(&positions, view)?;
            build_s += started.elapsed().as_secs_f64();
            built += rows;
            eprintln!(
                "{built} jobs in the graph: {build_s:.0} s of building ({:.0} jobs/s), RSS {:.2} GB",
                built as f64 / build_s,
                memory("VmRSS") as f64 / 1e9
            );
        }
        file.flush()?;
        let report = measure_vectors(args, &mut ann, &path, size, queries, dim, options)?;
        let report = serde_json::json!({
            "jobs": size,
            "build_seconds": build_s,
            "build_jobs_per_second": size as f64 / build_s,
            "graph_bytes_per_job": ann.memory_usage() as f64 / size as f64,
            "rss_bytes": memory("VmRSS"),
            "rss_bytes_peak": memory("VmHWM"),
            "results": report,
        });
        eprintln!("{report}");
        reports.push(report);
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    let report = serde_json::json!({
        "machine": machine(),
        "mode": "vectors_only",
        "dim": dim,
        "queries": queries.len(),
        "storage": format!("{:?}", args.storage).to_lowercase(),
        "graph": {"connectivity": options.connectivity, "expansion_add": options.expansion_add},
        "exact_vectors": "f32, in a file read with pread (the page cache), not in the process",
        "sizes": reports,
    });
    print_report(&report, args.out.as_deref())
}

/// One size of `--vectors-only`: the exact top-10 of every query under
/// every filter (a scan of the file), then the graph's latency and recall.
fn measure_vectors(
    args: &Args,
    ann: &mut AnnIndex,
    path: &Path,
    rows: usize,
    queries: &[Vec<f32>],
    dim: usize,
    options: AnnOptions,
) -> Result<Vec<serde_json::Value>> {
    use std::os::unix::fs::FileExt;

    let file = std::fs::File::open(path)?;
    let row_bytes = dim * 4;
    let filters = position_filters();
    let started = Instant::now();
    // Exact truth: blocks of rows in parallel, each query against each row
    // once, pushed into the top-k of every filter that keeps the row.
    let block_rows = 16_384;
    let fresh = || -> Vec<Vec<TopK>> {
        queries
            .iter()
            .map(|_| filters.iter().map(|_| TopK::new(10)).collect())
            .collect()
    };
    let truth = (0..rows.div_ceil(block_rows))
        .into_par_iter()
        .map(|block| -> std::io::Result<Vec<Vec<TopK>>> {
            let first = block * block_rows;
            let n = block_rows.min(rows - first);
            let mut bytes = vec![0u8; n * row_bytes];
            file.read_exact_at(&mut bytes, (first * row_bytes) as u64)?;
            let values: Vec<f32> = f32_values(&bytes).collect();
            let mut tops = fresh();
            for (offset, row) in values.chunks_exact(dim).enumerate() {
                let position = first + offset;
                for (q, query) in queries.iter().enumerate() {
                    let score = dot(query, row);
                    for (f, &(_, modulus, remainder)) in filters.iter().enumerate() {
                        if position % modulus == remainder {
                            tops[q][f].push(position, score);
                        }
                    }
                }
            }
            Ok(tops)
        })
        .try_reduce(fresh, |mut a, b| {
            for (qa, qb) in a.iter_mut().zip(b) {
                for (ta, tb) in qa.iter_mut().zip(qb) {
                    ta.merge(tb);
                }
            }
            Ok(a)
        })?;
    // Per filter, per query: the positions of the exact top 10.
    let mut by_filter: Vec<Vec<Vec<usize>>> =
        vec![Vec::with_capacity(queries.len()); filters.len()];
    for per_query in truth {
        for (f, top) in per_query.into_iter().enumerate() {
            by_filter[f].push(top.into_sorted().into_iter().map(|(p, _)| p).collect());
        }
    }
    eprintln!(
        "exact truth for {rows} jobs in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let quantized = options.storage != AnnStorage::F32;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    let mut out = Vec::new();
    for (&(name, modulus, remainder), truth) in filters.iter().zip(&by_filter) {
        let keep = move |position: usize| position % modulus == remainder;
        let filtered = modulus > 1;
        let efs = if filtered {
            &args.ef_filtered
        } else {
            &args.ef
        };
        for &ef in efs {
            // Only the search expansion changes: no rebuild.
            if filtered {
                ann.set_expansion_filtered(ef);
            } else {
                ann.set_expansion_search(ef);
            }
            let ann = &*ann;
            let filter: Option<PositionFilter<'_>> =
                filtered.then_some(&keep as PositionFilter<'_>);
            // With f32 storage the graph's scores are exact: its top 10 is
            // the answer. Quantized: the graph's candidates rescored with
            // their exact vectors, either twice k of them or every one the
            // walk kept (`ef`).
            let pools: Vec<usize> = if quantized {
                vec![20, ef.max(20)]
            } else {
                vec![10]
            };
            for candidates in pools {
                let search = |query: &[f32]| -> Result<Vec<usize>> {
                    if !quantized {
                        return Ok(ann
                            .search(query, 10, filter)?
                            .into_iter()
                            .map(|(p, _)| p)
                            .collect());
                    }
                    let mut top = TopK::new(10);
                    let mut bytes = vec![0u8; row_bytes];
                    let mut row = Vec::with_capacity(dim);
                    for (position, _) in ann.search(query, candidates, filter)? {
                        file.read_exact_at(&mut bytes, (position * row_bytes) as u64)?;
                        row.clear();
                        row.extend(f32_values(&bytes));
                        top.push(position, dot(query, &row));
                    }
                    Ok(top.into_sorted().into_iter().map(|(p, _)| p).collect())
                };
                let mut times = Vec::with_capacity(queries.len());
                let mut found = Vec::with_capacity(queries.len());
                for query in queries {
                    let started = Instant::now();
                    found.push(search(query)?);
                    times.push(started.elapsed().as_secs_f64() * 1e3);
                }
                times.sort_by(f64::total_cmp);
                let started = Instant::now();
                pool.install(|| {
                    queries.par_iter().for_each(|query| {
                        let _ = search(query);
                    })
                });
                let qps = queries.len() as f64 / started.elapsed().as_secs_f64();
                let row = serde_json::json!({
                    "filter": name, "search": "graph", "ef": ef, "rescored": candidates,
                    "p50_ms": percentile(&times, 0.5), "p99_ms": percentile(&times, 0.99),
                    "qps_2_threads": qps, "recall_at_10": recall(truth, &found),
                });
                eprintln!("{row}");
                out.push(row);
            }
        }
    }
    Ok(out)
}

/// Little-endian f32 values, as the cache and vector files hold them.
fn f32_values(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A `/proc/self/status` memory figure in bytes (0 where there is none).
fn memory(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            rest.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// Prints the report and writes it to `out`, if given.
fn print_report(report: &serde_json::Value, out: Option<&Path>) -> Result<()> {
    let text = serde_json::to_string_pretty(report)?;
    println!("{text}");
    if let Some(out) = out {
        write_atomic(out, &text)?;
    }
    Ok(())
}

fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, text)?;
    std::fs::rename(&temp, path)?;
    Ok(())
}
