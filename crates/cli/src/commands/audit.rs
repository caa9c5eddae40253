//! `jobfit audit counterfactual`: how much resumes' scores and ranks for a
//! job move when a protected attribute changes, with and without redaction.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{ArgGroup, Args, Subcommand};
use jobfit::guide::{
    AttributeEffect, CounterfactualAudit, CounterfactualOptions, CounterfactualReport,
    onet_occupation,
};

use crate::commands::index::load_embedder;
use crate::commands::recommend::{Format, Style};
use crate::commands::screen::{read_job, read_resumes};
use crate::error::{CliError, Result};

/// The `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Swap protected attributes in each resume (names typical of genders and origins,
    /// pronouns, ages, years) and report how much scores and ranks move, with and without
    /// redaction.
    Counterfactual(CounterfactualArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["job", "occupation"])))]
pub struct CounterfactualArgs {
    /// Model directory.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The job: a JSON object (.json), JSON lines of jobs (pick one with --job-id), or plain
    /// text (first line the title, the rest the description).
    #[arg(long)]
    job: Option<PathBuf>,
    /// Which job of a JSON lines file.
    #[arg(long, requires = "job")]
    job_id: Option<String>,
    /// Or an O*NET occupation as the job, by its code.
    #[arg(long)]
    occupation: Option<String>,
    /// The resumes: JSON lines {"id", "text"} or CSV (.csv, columns id and text).
    #[arg(long)]
    resumes: PathBuf,
    /// Audit only the first N resumes.
    #[arg(long)]
    limit: Option<usize>,
    /// A resume is selected when it ranks in the top K.
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    /// How many years the years swap moves every year back.
    #[arg(long, default_value_t = 20)]
    year_shift: u16,
    /// Skip the second measurement with redaction.
    #[arg(long)]
    no_redaction: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(command: AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Counterfactual(args) => counterfactual(args),
    }
}

fn counterfactual(args: CounterfactualArgs) -> Result<()> {
    let job = match (&args.job, &args.occupation) {
        (Some(path), _) => read_job(path, args.job_id.as_deref())?,
        (None, Some(code)) => onet_occupation(code)?.clone(),
        (None, None) => {
            return Err(CliError::Usage(
                "give --job FILE or --occupation CODE".into(),
            ));
        }
    };
    let mut resumes = read_resumes(&args.resumes)?;
    if let Some(limit) = args.limit {
        resumes.truncate(limit);
    }
    let embedder = Arc::new(load_embedder(&args.model, None, None, None)?);
    let options = CounterfactualOptions {
        top_k: args.top_k,
        with_redaction: !args.no_redaction,
        year_shift: args.year_shift,
        ..CounterfactualOptions::default()
    };
    eprintln!(
        "scoring {} resumes and their variants for {} ...",
        resumes.len(),
        job.title
    );
    let report = CounterfactualAudit::new(embedder).run(&job, &resumes, &options)?;
    match args.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&report)
                .map_err(|error| CliError::Usage(format!("cannot serialize output: {error}")))?;
            println!("{text}");
        }
        Format::Table => print!("{}", table(&report, Style::detect())),
    }
    Ok(())
}

fn effects_table(effects: &[AttributeEffect], out: &mut String) {
    out.push_str(
        "    attribute  resumes  mean score gap  max score gap  mean rank gap  max rank gap  selection flips\n",
    );
    for effect in effects {
        out.push_str(&format!(
            "    {:<9}  {:>7}  {:>14.4}  {:>13.4}  {:>13.2}  {:>12}  {:>15}\n",
            effect.attribute.as_str(),
            effect.resumes,
            effect.mean_score_gap,
            effect.max_score_gap,
            effect.mean_rank_gap,
            effect.max_rank_gap,
            effect.selection_flips
        ));
    }
    for effect in effects {
        let groups: Vec<String> = effect
            .groups
            .iter()
            .map(|g| {
                format!(
                    "{} {:+.4} ({:+.1} ranks)",
                    g.group, g.mean_score_change, g.mean_rank_change
                )
            })
            .collect();
        out.push_str(&format!(
            "    {}: {}\n",
            effect.attribute.as_str(),
            groups.join("; ")
        ));
    }
}

fn table(report: &CounterfactualReport, style: Style) -> String {
    let mut out = format!(
        "{} resumes for job {}, selection = top {}\n",
        report.resumes, report.job_id, report.top_k
    );
    out.push_str(&format!("{}\n", style.bold("without redaction:")));
    effects_table(&report.plain, &mut out);
    if let Some(redacted) = &report.redacted {
        out.push_str(&format!("{}\n", style.bold("with redaction:")));
        effects_table(redacted, &mut out);
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}
