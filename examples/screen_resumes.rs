//! Screening: rank the candidates of `examples/data/resumes.jsonl` for one job
//! of `examples/data/jobs.jsonl`, with personal attributes redacted before
//! scoring, and audit the selection rates of the two groups the resumes carry.
//!
//! Run: `cargo run --release --example screen_resumes -- [--model DIR] [--job-id ID] [--top-k N]`
//! (default model `models/all-MiniLM-L6-v2`, fetched by `scripts/fetch-model.sh`).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use jobfit::matching::{Catalog, ScreenOptions, Screener};
use jobfit::model::TextEmbedder;
use jobfit::text::{ReadOptions, Resume, read_resumes_jsonl};

/// Rank resumes for a job, with a fairness audit.
#[derive(Debug, Parser)]
struct Args {
    /// The sentence encoder.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The jobs file.
    #[arg(long, default_value = "examples/data/jobs.jsonl")]
    jobs: PathBuf,
    /// Which job to screen for (default: the first).
    #[arg(long)]
    job_id: Option<String>,
    /// The candidates.
    #[arg(long, default_value = "examples/data/resumes.jsonl")]
    resumes: PathBuf,
    /// How many candidates are selected.
    #[arg(long, default_value_t = 4)]
    top_k: usize,
    /// The resume metadata key that holds the group.
    #[arg(long, default_value = "group")]
    group_key: String,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !args.model.join("model.safetensors").is_file() {
        bail!(
            "no model at {}: run scripts/fetch-model.sh to fetch all-MiniLM-L6-v2, or pass --model DIR",
            args.model.display()
        );
    }
    let jobs = Catalog::from_jsonl(&args.jobs)?;
    let job = match &args.job_id {
        Some(id) => jobs
            .by_id(id)
            .with_context(|| format!("no job {id:?} in {}", args.jobs.display()))?,
        None => &jobs.jobs()[0],
    };
    let resumes: Vec<Resume> =
        read_resumes_jsonl(&args.resumes, ReadOptions::default())?.collect::<Result<_, _>>()?;

    let embedder = TextEmbedder::from_dir(&args.model, &jobfit::default_device())?;
    let screener = Screener::new(embedder);
    let options = ScreenOptions::default()
        .with_top_k(args.top_k)
        .with_redact(true)
        .with_group_key(args.group_key.clone());
    let screening = screener.screen(job, &resumes, &options)?;

    println!(
        "{} candidates for \"{}\" ({}), personal details redacted:\n",
        screening.screened, job.title, job.id
    );
    for candidate in &screening.candidates {
        println!(
            "{:>2}. {}  score {:.3}",
            candidate.rank, candidate.resume_id, candidate.score
        );
        println!("    matched: {}", candidate.matched_skills.join(", "));
        println!("    missing: {}", candidate.missing_skills.join(", "));
        if let Some(evidence) = &candidate.evidence {
            println!(
                "    because \"{}\" ({:.2})",
                evidence.resume_sentence, evidence.similarity
            );
        }
    }
    if let Some(audit) = &screening.audit {
        println!(
            "\nSelection at top {} by {:?}:",
            audit.top_k, audit.group_key
        );
        for group in &audit.groups {
            println!(
                "    group {}: {} of {} selected (rate {:.2})",
                group.group, group.selected, group.candidates, group.selection_rate
            );
        }
        match audit.disparate_impact {
            Some(ratio) => println!(
                "    disparate impact ratio {ratio:.2}: {}",
                if audit.adverse_impact {
                    "below 0.8, the four-fifths rule flags it"
                } else {
                    "meets the four-fifths rule"
                }
            ),
            None => println!("    no candidate selected: the ratio is undefined"),
        }
    }
    Ok(())
}
