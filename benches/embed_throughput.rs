//! Whole-pass encoder throughput on the shared peer workload, printed as one
//! JSON line in the same shape as the ONNX Runtime baseline
//! (`../shared/bench/peer_ort.py`) so `scripts/bench-report.sh` can run the two
//! interleaved and compare them.
//!
//! Usage: `cargo bench --bench embed_throughput -- MODEL_DIR THREADS long|short
//! [--reps 3] [--batch 32] [--max-len 128] [--workload FILE] [--engine auto|int8|burn]
//! [--prefix TEXT]`
//!
//! `--prefix` puts a text before every input (multilingual-e5-small's
//! `"passage: "`, as its peer engine embeds documents).
//!
//! Times tokenization + forward + mean pooling (+ normalization) of every text
//! of that kind, one pass per repetition after a warm-up pass, and prints the
//! median texts/s.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use jobfit::model::{EmbedderOptions, Engine, TextEmbedder};

struct Args {
    model: PathBuf,
    threads: usize,
    kind: String,
    reps: usize,
    batch: usize,
    max_len: usize,
    workload: PathBuf,
    engine: Engine,
    prefix: String,
}

fn parse() -> Result<Args> {
    // `cargo bench` appends `--bench`; ignore it.
    let raw: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut positional = Vec::new();
    let mut args = Args {
        model: PathBuf::new(),
        threads: 1,
        kind: String::new(),
        reps: 3,
        batch: 32,
        max_len: 128,
        workload: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/bench/workload.jsonl"),
        engine: Engine::Auto,
        prefix: String::new(),
    };
    let mut iter = raw.into_iter();
    while let Some(arg) = iter.next() {
        let mut value = || iter.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--reps" => args.reps = value()?.parse()?,
            "--batch" => args.batch = value()?.parse()?,
            "--max-len" => args.max_len = value()?.parse()?,
            "--workload" => args.workload = value()?.into(),
            "--prefix" => args.prefix = value()?,
            "--engine" => {
                args.engine = match value()?.as_str() {
                    "auto" | "fast" => Engine::Auto,
                    "int8" => Engine::FastInt8,
                    "burn" => Engine::Burn,
                    other => bail!("unknown engine {other}"),
                }
            }
            _ => positional.push(arg),
        }
    }
    let [model, threads, kind] = positional.as_slice() else {
        bail!(
            "usage: embed_throughput MODEL_DIR THREADS long|short [--reps N] [--batch N] [--max-len N] \
             [--workload FILE] [--engine auto|int8|burn] [--prefix TEXT]"
        );
    };
    args.model = model.into();
    args.threads = threads.parse()?;
    args.kind = kind.clone();
    Ok(args)
}

fn main() -> Result<()> {
    let args = parse()?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build_global()
        .context("configuring threads")?;
    let texts: Vec<String> = std::fs::read_to_string(&args.workload)
        .with_context(|| format!("reading {}", args.workload.display()))?
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v["kind"] == args.kind.as_str())
        .filter_map(|v| {
            v["text"]
                .as_str()
                .map(|text| format!("{}{text}", args.prefix))
        })
        .collect();
    if texts.is_empty() {
        bail!(
            "no texts of kind {} in {}",
            args.kind,
            args.workload.display()
        );
    }
    let options = EmbedderOptions {
        max_length: Some(args.max_len),
        batch_size: Some(args.batch),
        engine: Some(args.engine),
        ..Default::default()
    };
    let device = jobfit::default_device();
    let embedder = TextEmbedder::from_dir_with(&args.model, options, &device)?;
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    embedder.embed(&texts)?;
    let mut runs = Vec::with_capacity(args.reps);
    for _ in 0..args.reps {
        let start = Instant::now();
        embedder.embed(&texts)?;
        runs.push(texts.len() as f64 / start.elapsed().as_secs_f64());
    }
    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    println!(
        "{}",
        serde_json::json!({
            "system": format!("jobfit {} ({:?})", env!("CARGO_PKG_VERSION"), embedder.engine()),
            "threads": args.threads,
            "kind": args.kind,
            "texts": texts.len(),
            "texts_per_s_median": median,
            "runs": runs,
        })
    );
    Ok(())
}
