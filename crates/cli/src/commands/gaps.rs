//! `jobfit gaps`: the skills a resume lacks for a job, an O*NET occupation
//! or the best jobs of an index, ranked, with the closest skill the
//! candidate has; with `--courses`, a learning plan.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{ArgGroup, Args};
use jobfit::guide::{
    GapAnalyzer, GapOptions, GapReport, LearningPlan, PostingColumns, SkillFrequency,
    onet_occupation, plan_learning, read_courses, read_postings,
};
use jobfit::matching::{JobIndex, Matcher, RecommendOptions};
use serde::Serialize;

use crate::commands::index::load_embedder;
use crate::commands::recommend::{Format, Style, read_text, short_list};
use crate::commands::screen::read_job;
use crate::error::{CliError, Result};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["job", "occupation", "index"])))]
pub struct GapsArgs {
    /// The model that compares skill names.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The resume, a text file (`-` reads standard input).
    #[arg(long)]
    resume: PathBuf,
    /// The target job: a JSON object (.json), JSON lines of jobs (pick one with
    /// --job-id), or plain text (first line the title, the rest the description).
    #[arg(long)]
    job: Option<PathBuf>,
    /// Which job of a JSON lines file is the target.
    #[arg(long, requires = "job")]
    job_id: Option<String>,
    /// The target O*NET occupation, by its code (15-1252.00).
    #[arg(long)]
    occupation: Option<String>,
    /// An index directory (`jobfit index`): the targets are its --top-k jobs for the resume.
    #[arg(long, requires = "top_k")]
    index: Option<PathBuf>,
    /// How many of the index's best jobs are targets.
    #[arg(long, requires = "index")]
    top_k: Option<usize>,
    /// A postings file (CSV or JSON lines): how often postings ask for a skill adds to its importance.
    #[arg(long)]
    postings: Option<PathBuf>,
    /// A course catalog (JSON lines or CSV: id, title, description, skills, url, hours): make a
    /// learning plan for the gaps.
    #[arg(long)]
    courses: Option<PathBuf>,
    /// How many gaps to report (the plan covers these).
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// The JSON output.
#[derive(Debug, Serialize)]
struct Output {
    gaps: GapReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<LearningPlan>,
}

pub fn run(args: GapsArgs) -> Result<()> {
    let resume = read_text(&args.resume)?;
    let embedder = Arc::new(load_embedder(&args.model, None, None, None)?);
    let targets = match (&args.job, &args.occupation, &args.index, args.top_k) {
        (Some(path), ..) => vec![read_job(path, args.job_id.as_deref())?],
        (_, Some(code), ..) => vec![onet_occupation(code)?.clone()],
        (_, _, Some(dir), Some(top_k)) => {
            let matcher = Matcher::new(JobIndex::load(dir)?, Arc::clone(&embedder))?;
            let options = RecommendOptions::default()
                .with_top_k(top_k)
                .with_explain(false);
            matcher
                .recommend(&resume, &options)?
                .into_iter()
                .map(|rec| rec.job)
                .collect()
        }
        _ => {
            return Err(CliError::Usage(
                "give --job FILE, --occupation CODE, or --index DIR with --top-k N".into(),
            ));
        }
    };
    let analyzer = GapAnalyzer::new(embedder);
    let frequency = match &args.postings {
        Some(path) => {
            let postings = read_postings(path, &PostingColumns::default())?;
            Some(SkillFrequency::of(&postings, analyzer.gazetteer()))
        }
        None => None,
    };
    let options = GapOptions {
        top: args.top,
        ..GapOptions::default()
    };
    let report = analyzer.analyze(&resume, &targets, frequency.as_ref(), &options)?;
    let plan = match &args.courses {
        Some(path) => {
            let courses = read_courses(path)?;
            let mut plan = plan_learning(&report.gaps, &courses, analyzer.gazetteer());
            plan.catalog = Some(path.clone());
            Some(plan)
        }
        None => None,
    };
    match args.format {
        Format::Json => {
            let output = Output { gaps: report, plan };
            let text = serde_json::to_string_pretty(&output)
                .map_err(|error| CliError::Usage(format!("cannot serialize output: {error}")))?;
            println!("{text}");
        }
        Format::Table => print!("{}", table(&report, plan.as_ref(), Style::detect())),
    }
    Ok(())
}

fn table(report: &GapReport, plan: Option<&LearningPlan>, style: Style) -> String {
    let mut out = String::new();
    let targets: Vec<String> = report
        .targets
        .iter()
        .map(|t| format!("{} [{}]", t.title, t.id))
        .collect();
    out.push_str(&format!("targets: {}\n", short_list(&targets, 5)));
    out.push_str(&format!(
        "{} {}\n",
        style.green("has:"),
        short_list(&report.matched, 12)
    ));
    if report.gaps.is_empty() {
        out.push_str("no gap: the resume shows every skill the targets ask for\n");
    } else {
        out.push_str(&format!(
            "{}\n",
            style.bold("missing skills, most important first:")
        ));
    }
    for (rank, gap) in report.gaps.iter().enumerate() {
        let mut signals = vec![format!(
            "asked by {} of {}",
            gap.asked_by,
            report.targets.len()
        )];
        if gap.hot {
            signals.push("hot technology".into());
        }
        if gap.in_demand {
            signals.push("in demand".into());
        }
        if let Some(share) = gap.posting_share {
            signals.push(format!("in {:.0}% of postings", share * 100.0));
        }
        out.push_str(&format!(
            "{:>2}. {}  {:.2}  ({})\n",
            rank + 1,
            style.yellow(&gap.skill),
            gap.importance,
            signals.join(", ")
        ));
        if let Some(closest) = &gap.closest {
            out.push_str(&format!(
                "    closest you have: {} ({:.2})\n",
                closest.skill, closest.similarity
            ));
        }
    }
    if report.more_gaps > 0 {
        out.push_str(&format!(
            "    (+{} less important gaps)\n",
            report.more_gaps
        ));
    }
    if !report.groups.is_empty() {
        out.push_str(&format!("{}\n", style.bold("by ESCO skill group:")));
        for group in &report.groups {
            let code = group.code.as_deref().unwrap_or("-");
            out.push_str(&format!(
                "    {} [{}]: {}\n",
                group.label,
                code,
                group.skills.join(", ")
            ));
        }
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    if let Some(plan) = plan {
        out.push_str(&format!(
            "{} {} courses, {:.1} hours, closing {:.0}% of the gaps' importance\n",
            style.bold("learning plan:"),
            plan.steps.len(),
            plan.hours,
            plan.importance_covered * 100.0
        ));
        for (i, step) in plan.steps.iter().enumerate() {
            out.push_str(&format!(
                "{:>2}. {} [{}] {:.1} h{}  closes: {}\n",
                i + 1,
                style.bold(&step.course.title),
                step.course.id,
                step.hours,
                if step.hours_estimated {
                    " (estimated)"
                } else {
                    ""
                },
                step.closes.join(", ")
            ));
            if let Some(url) = &step.course.url {
                out.push_str(&format!("    {}\n", style.dim(url)));
            }
        }
        if !plan.uncovered.is_empty() {
            out.push_str(&format!(
                "    no course teaches: {}\n",
                plan.uncovered.join(", ")
            ));
        }
    }
    out
}
