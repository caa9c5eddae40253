//! The README's main job: a resume in, the ten O*NET occupations that fit it
//! out, each with the skills the resume shows, the skills it lacks, and the
//! pair of sentences that match best.
//!
//! Run: `cargo run --release --example recommend_jobs -- [--model DIR] [--resume FILE] [--top-k N]`
//! (defaults: `models/all-MiniLM-L6-v2`, fetched by `scripts/fetch-model.sh`, and
//! `examples/data/sample_resume.txt`). The first run embeds the 1,016 bundled
//! occupations and their 38,000 names (titles and alternate titles; about a
//! minute on two cores) and caches the index (in `~/.cache/jobfit`, or
//! `$JOBFIT_CACHE_DIR`); later runs start at once.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Parser;
use jobfit::matching::{
    Catalog, IndexOptions, JobIndex, Matcher, ONET_CATALOG_NAME, RecommendOptions,
    cached_index_dir, default_cache_dir,
};
use jobfit::model::TextEmbedder;

/// Recommend O*NET occupations for a resume.
#[derive(Debug, Parser)]
struct Args {
    /// The sentence encoder.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The resume, a text file.
    #[arg(long, default_value = "examples/data/sample_resume.txt")]
    resume: PathBuf,
    /// How many occupations to show.
    #[arg(long, default_value_t = 10)]
    top_k: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !args.model.join("model.safetensors").is_file() {
        bail!(
            "no model at {}: run scripts/fetch-model.sh to fetch all-MiniLM-L6-v2, or pass --model DIR",
            args.model.display()
        );
    }
    let resume = std::fs::read_to_string(&args.resume)
        .with_context(|| format!("cannot read the resume {}", args.resume.display()))?;

    let device = jobfit::default_device();
    let embedder = Arc::new(TextEmbedder::from_dir(&args.model, &device)?);
    let catalog = Catalog::onet();
    let options = IndexOptions::default().with_fields(Catalog::onet_fields());
    let index = match default_cache_dir() {
        Some(cache) => {
            let dir = cached_index_dir(&cache, ONET_CATALOG_NAME, embedder.identity(), &options);
            JobIndex::load_or_build(&dir, catalog, &embedder, &options)?.0
        }
        None => JobIndex::build(catalog.clone(), &embedder, &options)?,
    };
    let matcher = Matcher::new(index, embedder)?;

    let recommendations =
        matcher.recommend(&resume, &RecommendOptions::default().with_top_k(args.top_k))?;
    println!(
        "Top {} O*NET occupations for {}:\n",
        recommendations.len(),
        args.resume.display()
    );
    for rec in &recommendations {
        // The score fuses the embedding similarity (with the job names that
        // match the resume's own job titles) with BM25; the similarity alone
        // is the easier number to read.
        let similarity = rec
            .scores
            .dense
            .map_or_else(|| "-".to_string(), |s| format!("{s:.2}"));
        println!(
            "{:>2}. {} ({})  score {:.4}, similarity {similarity}",
            rec.rank, rec.job.title, rec.job.id, rec.score
        );
        println!("    matched: {}", first(&rec.matched_skills, 8));
        println!("    missing: {}", first(&rec.missing_skills, 8));
        if let Some(evidence) = &rec.evidence {
            println!(
                "    because \"{}\"\n         ~ \"{}\" ({:.2})",
                evidence.resume_sentence, evidence.job_sentence, evidence.similarity
            );
        }
    }
    println!(
        "\nO*NET 29.3 data by the U.S. Department of Labor, Employment and Training Administration, CC BY 4.0."
    );
    Ok(())
}

/// The first `n` items, comma separated, with a count of the rest.
fn first(items: &[String], n: usize) -> String {
    match items.len() {
        0 => "-".to_string(),
        len if len > n => format!("{} (+{} more)", items[..n].join(", "), len - n),
        _ => items.join(", "),
    }
}
