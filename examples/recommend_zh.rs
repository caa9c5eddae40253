//! Chinese end to end: a Chinese resume recommended against a Chinese catalog
//! (51job postings read from CSV through a column mapping) or, cross-lingual,
//! against the bundled English O*NET catalog, with the multilingual encoder.
//!
//! Run:
//! `cargo run --release --example recommend_zh -- [--model DIR] [--resume FILE] [--catalog CSV] [--encoding gbk] [--top-k N]`
//!
//! Defaults: `models/multilingual-e5-small` (fetched by
//! `scripts/fetch-model.sh multilingual-e5-small`), the sample resume
//! `examples/data/zh_resume_nurse.txt`, and the bundled O*NET catalog. With
//! `--catalog ../shared/data/zh-51job/jobs.csv` (51job big-data postings, for
//! evaluation only) and `--resume examples/data/zh_resume_data_engineer.txt`
//! the catalog is Chinese: the postings are read with the columns
//! `title`, `description` and `region`, ids are row numbers, and rows without
//! a title or a description are skipped. A CSV saved in GBK needs
//! `--encoding gbk` (without it the reader says so). The model applies its
//! "query: " prompt to the resume and "passage: " to the jobs.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Parser;
use jobfit::matching::{
    Catalog, IndexOptions, JobFields, JobIndex, Matcher, ONET_CATALOG_NAME, RecommendOptions,
    cached_index_dir, default_cache_dir,
};
use jobfit::model::TextEmbedder;
use jobfit::text::{DataSource, JobColumns, JobReader, ReadOptions, TextEncoding};

/// Recommend jobs for a Chinese resume.
#[derive(Debug, Parser)]
struct Args {
    /// The sentence encoder (multilingual).
    #[arg(long, default_value = "models/multilingual-e5-small")]
    model: PathBuf,
    /// The resume, a UTF-8 text file.
    #[arg(long, default_value = "examples/data/zh_resume_nurse.txt")]
    resume: PathBuf,
    /// A CSV of job postings with the columns title, description and region
    /// (the 51job file); without it, the bundled O*NET catalog.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// The encoding of the CSV: utf-8 or gbk.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// How many jobs to show.
    #[arg(long, default_value_t = 10)]
    top_k: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !args.model.join("model.safetensors").is_file() {
        bail!(
            "no model at {}: run scripts/fetch-model.sh multilingual-e5-small, or pass --model DIR",
            args.model.display()
        );
    }
    let resume = std::fs::read_to_string(&args.resume)
        .with_context(|| format!("cannot read the resume {}", args.resume.display()))?;
    let encoding: TextEncoding = args
        .encoding
        .parse()
        .map_err(|message: String| anyhow::anyhow!(message))?;

    let device = jobfit::default_device();
    let embedder = Arc::new(TextEmbedder::from_dir(&args.model, &device)?);
    let index = match &args.catalog {
        Some(path) => {
            let catalog = read_postings(path, encoding)?;
            eprintln!("embedding {} postings of {}", catalog.len(), path.display());
            let fields: JobFields = "title,description".parse()?;
            JobIndex::build(
                catalog,
                &embedder,
                &IndexOptions::default().with_fields(fields),
            )?
        }
        None => {
            let options = IndexOptions::default().with_fields(Catalog::onet_fields());
            match default_cache_dir() {
                Some(cache) => {
                    let dir =
                        cached_index_dir(&cache, ONET_CATALOG_NAME, embedder.identity(), &options);
                    JobIndex::load_or_build(&dir, Catalog::onet(), &embedder, &options)?.0
                }
                None => JobIndex::build(Catalog::onet().clone(), &embedder, &options)?,
            }
        }
    };
    let matcher = Matcher::new(index, embedder)?;
    let recommendations =
        matcher.recommend(&resume, &RecommendOptions::default().with_top_k(args.top_k))?;
    println!(
        "Top {} jobs for {}:\n",
        recommendations.len(),
        args.resume.display()
    );
    for rec in &recommendations {
        let location = rec.job.location.as_deref().unwrap_or("");
        println!(
            "{:>2}. {} ({}) {location}  score {:.4}",
            rec.rank, rec.job.title, rec.job.id, rec.score
        );
        println!("    matched: {}", first(&rec.matched_skills, 8));
        println!("    missing: {}", first(&rec.missing_skills, 8));
    }
    if args.catalog.is_none() {
        println!(
            "\nO*NET 29.3 data by the U.S. Department of Labor, Employment and Training Administration, CC BY 4.0."
        );
    }
    Ok(())
}

/// The postings of a 51job-style CSV, skipping rows without a title or a
/// description (the scraped file has some).
fn read_postings(path: &std::path::Path, encoding: TextEncoding) -> Result<Catalog> {
    let columns = JobColumns::new()
        .with_generated_ids(true)
        .with_title("title")
        .with_description("description")
        .with_location("region");
    let options = ReadOptions::default().with_encoding(encoding);
    let reader = JobReader::csv(DataSource::open(path)?, &columns, options)?;
    let mut jobs = Vec::new();
    let mut skipped = 0;
    for record in reader {
        match record {
            Ok(job) if !job.description.trim().is_empty() => jobs.push(job),
            Ok(_) => skipped += 1,
            // A wrong encoding fails every row: stop at the first with its message.
            Err(error @ jobfit::text::DataError::WrongEncoding { .. }) => return Err(error.into()),
            Err(_) => skipped += 1,
        }
    }
    eprintln!("skipped {skipped} rows without a title or a description");
    Ok(Catalog::from_jobs(jobs)?)
}

/// The first `n` items, comma separated, with a count of the rest.
fn first(items: &[String], n: usize) -> String {
    match items.len() {
        0 => "-".to_string(),
        len if len > n => format!("{} (+{} more)", items[..n].join(", "), len - n),
        _ => items.join(", "),
    }
}
