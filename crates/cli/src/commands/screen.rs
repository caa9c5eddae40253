//! `jobfit screen`: rank candidates (resumes) for a job, with explanations,
//! optional redaction and a fairness audit.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use jobfit::matching::{Catalog, CrossEncoderReranker, ScreenOptions, Screener, Screening};
use jobfit::text::{Job, ReadOptions, Resume, ResumeColumns, read_resumes_csv, read_resumes_jsonl};

use crate::commands::index::{PromptArgs, load_embedder_with};
use crate::commands::recommend::{Format, Style, clip, read_resume, read_text, short_list};
use crate::error::{CliError, Result};

#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// Model directory.
    #[arg(long)]
    model: PathBuf,
    /// The job: a JSON object (.json), JSON lines of jobs (pick one with
    /// --job-id), or plain text (first line the title, the rest the description).
    #[arg(long)]
    job: PathBuf,
    /// Which job of a JSON lines file to screen for.
    #[arg(long)]
    job_id: Option<String>,
    /// The candidates: JSON lines {"id", "text", "metadata"}, CSV (.csv,
    /// columns id and text), or a folder of resume files (PDF, DOCX, HTML or
    /// text; each file's name is its id).
    #[arg(long)]
    resumes: PathBuf,
    /// How many candidates to show (and count as selected in the audit).
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    /// Redact contact details, birth dates, ages and gender words before scoring.
    #[arg(long)]
    redact: bool,
    /// Audit selection rates per value of this resume metadata key.
    #[arg(long)]
    group_key: Option<String>,
    /// Long resumes: head (the default), chunk-max or chunk-mean.
    #[arg(long)]
    long_text: Option<String>,
    /// A cross-encoder checkpoint (pair-scoring head) to re-rank the top candidates.
    #[arg(long)]
    rerank_model: Option<PathBuf>,
    /// How many top candidates the cross-encoder re-ranks.
    #[arg(long, default_value_t = 20)]
    rerank: usize,
    /// How much the cross-encoder's score weighs against the first stage's in the re-ranked
    /// candidates, from 0 to 1 (each scaled to [0, 1] over them; 1: its order alone).
    #[arg(long, default_value_t = 1.0)]
    rerank_weight: f32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    prompts: PromptArgs,
}

pub fn run(args: ScreenArgs) -> Result<()> {
    let job = read_job(&args.job, args.job_id.as_deref())?;
    let resumes = read_resumes(&args.resumes)?;
    let embedder = Arc::new(load_embedder_with(
        &args.model,
        None,
        None,
        None,
        &args.prompts,
    )?);
    let mut screener = Screener::new(embedder);
    let mut options = ScreenOptions::default()
        .with_top_k(args.top_k)
        .with_redact(args.redact);
    if let Some(key) = &args.group_key {
        options = options.with_group_key(key.clone());
    }
    if let Some(strategy) = &args.long_text {
        options.long_text = strategy.parse()?;
    }
    if let Some(dir) = &args.rerank_model {
        let reranker = CrossEncoderReranker::from_checkpoint(dir, &jobfit::default_device())?;
        screener = screener.with_reranker(Arc::new(reranker));
        options.rerank = Some(args.rerank);
        options.rerank_weight = args.rerank_weight;
    }
    let screening = screener.screen(&job, &resumes, &options)?;
    match args.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&screening)
                .map_err(|error| CliError::Usage(format!("cannot serialize output: {error}")))?;
            println!("{text}");
        }
        Format::Table => print!("{}", table(&job, &screening, Style::detect())),
    }
    Ok(())
}

/// Reads the job to screen for.
pub(crate) fn read_job(path: &Path, id: Option<&str>) -> Result<Job> {
    let extension = path
        .extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "json" => {
            let text = read_text(path)?;
            serde_json::from_str::<Job>(&text).map_err(|error| {
                CliError::Usage(format!(
                    "{} is not one job as JSON ({{\"id\", \"title\", ...}}): {error}",
                    path.display()
                ))
            })
        }
        "jsonl" | "ndjson" => {
            let catalog = Catalog::from_jsonl(path)?;
            match id {
                Some(id) => catalog.by_id(id).cloned().ok_or_else(|| {
                    CliError::Usage(format!("{} has no job with id {id:?}", path.display()))
                }),
                None if catalog.len() == 1 => Ok(catalog.jobs()[0].clone()),
                None => {
                    let ids: Vec<&str> = catalog
                        .jobs()
                        .iter()
                        .take(5)
                        .map(|job| job.id.as_str())
                        .collect();
                    Err(CliError::Usage(format!(
                        "{} holds {} jobs; pick one with --job-id (e.g. {})",
                        path.display(),
                        catalog.len(),
                        ids.join(", ")
                    )))
                }
            }
        }
        _ => {
            let text = read_text(path)?;
            let mut lines = text.lines().skip_while(|line| line.trim().is_empty());
            let title = lines
                .next()
                .map(str::trim)
                .filter(|title| !title.is_empty())
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "{} is empty: write the job title on the first line",
                        path.display()
                    ))
                })?;
            let description: Vec<&str> = lines.collect();
            let name = path.file_stem().map_or_else(
                || "job".to_string(),
                |stem| stem.to_string_lossy().into_owned(),
            );
            Ok(Job::new(name, title).with_description(description.join("\n").trim()))
        }
    }
}

/// Reads the candidates, stopping at the first bad record.
pub(crate) fn read_resumes(path: &Path) -> Result<Vec<Resume>> {
    if path.is_dir() {
        return read_resume_folder(path);
    }
    let is_csv = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let reader = if is_csv {
        read_resumes_csv(path, &ResumeColumns::default(), ReadOptions::default())?
    } else {
        read_resumes_jsonl(path, ReadOptions::default())?
    };
    Ok(reader.collect::<Result<Vec<_>, _>>()?)
}

/// Every file of a folder (not its subfolders), in name order.
fn read_resume_folder(dir: &Path) -> Result<Vec<Resume>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| CliError::Usage(format!("cannot read {}: {error}", dir.display())))?;
    let mut paths = entries
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|error| CliError::Usage(format!("cannot read {}: {error}", dir.display())))?;
    paths.retain(|path| path.is_file());
    paths.sort();
    if paths.is_empty() {
        return Err(CliError::Usage(format!("{} holds no files", dir.display())));
    }
    paths
        .iter()
        .map(|path| {
            let id = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Resume::new(id, read_resume(path)?))
        })
        .collect()
}

/// The readable table of a screening.
fn table(job: &Job, screening: &Screening, style: Style) -> String {
    let mut out = format!(
        "{} candidates for {} [{}]{}\n",
        screening.screened,
        style.bold(&job.title),
        job.id,
        if screening.redacted {
            " (resumes redacted before scoring)"
        } else {
            ""
        }
    );
    for candidate in &screening.candidates {
        out.push_str(&format!(
            "{:>2}. {}  {}\n",
            candidate.rank,
            style.bold(&format!("{:.3}", candidate.score)),
            style.bold(&candidate.resume_id)
        ));
        out.push_str(&format!(
            "    {} {}\n",
            style.green("matched:"),
            short_list(&candidate.matched_skills, 8)
        ));
        out.push_str(&format!(
            "    {} {}\n",
            style.yellow("missing:"),
            short_list(&candidate.missing_skills, 8)
        ));
        if let Some(evidence) = &candidate.evidence {
            out.push_str(&format!(
                "    evidence ({:.2}): \"{}\"\n      ~ \"{}\"\n",
                evidence.similarity,
                clip(&evidence.resume_sentence, 100),
                clip(&evidence.job_sentence, 100)
            ));
        }
    }
    if let Some(audit) = &screening.audit {
        out.push_str(&format!(
            "\nfairness audit by {:?}, top {} selected:\n",
            audit.group_key, audit.top_k
        ));
        for group in &audit.groups {
            out.push_str(&format!(
                "    {:<16} {:>3} of {:>3} selected  rate {:.2}\n",
                group.group, group.selected, group.candidates, group.selection_rate
            ));
        }
        if audit.without_group > 0 {
            out.push_str(&format!(
                "    ({} candidates without {:?})\n",
                audit.without_group, audit.group_key
            ));
        }
        match audit.disparate_impact {
            Some(ratio) if audit.adverse_impact => out.push_str(&format!(
                "    disparate impact ratio {ratio:.2}: {}\n",
                style.yellow("below 0.80, the four-fifths rule flags adverse impact")
            )),
            Some(ratio) => out.push_str(&format!(
                "    disparate impact ratio {ratio:.2} (four-fifths rule met)\n"
            )),
            None => out.push_str(
                "    disparate impact ratio undefined: no group had a candidate selected\n",
            ),
        }
    }
    out
}
