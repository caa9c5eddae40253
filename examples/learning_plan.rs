//! A learning plan: the skills a resume lacks for an O*NET occupation,
//! ranked by importance, and the few courses of a catalog that teach them
//! for the fewest hours.
//!
//! Run: `cargo run --release --example learning_plan -- [--resume FILE] [--occupation CODE] [--courses FILE]`
//! (defaults: `examples/data/sample_resume.txt`, Data Scientists `15-2051.00`, the example catalog
//! `examples/data/courses.example.jsonl`; model `models/all-MiniLM-L6-v2`, fetched by
//! `scripts/fetch-model.sh`).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use jobfit::guide::{GapAnalyzer, GapOptions, onet_occupation, plan_learning, read_courses};
use jobfit::model::TextEmbedder;

/// Skill gaps and a learning plan for a resume.
#[derive(Debug, Parser)]
struct Args {
    /// The sentence encoder.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The resume, a text file.
    #[arg(long, default_value = "examples/data/sample_resume.txt")]
    resume: PathBuf,
    /// The target O*NET occupation.
    #[arg(long, default_value = "15-2051.00")]
    occupation: String,
    /// The course catalog.
    #[arg(long, default_value = "examples/data/courses.example.jsonl")]
    courses: PathBuf,
    /// How many gaps the plan covers.
    #[arg(long, default_value_t = 12)]
    top: usize,
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
        .with_context(|| format!("cannot read {}", args.resume.display()))?;
    let target = onet_occupation(&args.occupation)?;
    let courses = read_courses(&args.courses)?;

    let embedder = TextEmbedder::from_dir(&args.model, &jobfit::default_device())?;
    let analyzer = GapAnalyzer::new(embedder);
    let options = GapOptions {
        top: args.top,
        ..GapOptions::default()
    };
    let report = analyzer.analyze(&resume, std::slice::from_ref(target), None, &options)?;
    let plan = plan_learning(&report.gaps, &courses, analyzer.gazetteer());

    println!("{} [{}]: the resume lacks", target.title, target.id);
    for gap in &report.gaps {
        let closest = gap
            .closest
            .as_ref()
            .map(|c| format!(", closest you have: {} ({:.2})", c.skill, c.similarity))
            .unwrap_or_default();
        let group = gap
            .group
            .as_ref()
            .map(|g| format!(" [{}]", g.label))
            .unwrap_or_default();
        println!("  {:<28} {:.2}{group}{closest}", gap.skill, gap.importance);
    }
    println!(
        "plan: {} courses, {:.0} hours, {:.0}% of the gaps' importance",
        plan.steps.len(),
        plan.hours,
        plan.importance_covered * 100.0
    );
    for step in &plan.steps {
        println!(
            "  {} ({:.0} h): {}",
            step.course.title,
            step.hours,
            step.closes.join(", ")
        );
    }
    if !plan.uncovered.is_empty() {
        println!("  no course teaches: {}", plan.uncovered.join(", "));
    }
    Ok(())
}
