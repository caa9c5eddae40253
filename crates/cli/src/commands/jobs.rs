//! `jobfit jobs upsert|delete|get`: change one index's jobs in place, each
//! change durable before it is reported.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use jobfit::matching::{JobFields, JobIndex, JobStore};
use jobfit::model::TextEmbedder;
use jobfit::text::Job;

use crate::commands::index::{StoreArgs, load_embedder};
use crate::error::{CliError, Result};

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Add jobs or replace them by id: JSON lines from --file or standard input
    /// (`{"id", "title", ...}`); only jobs whose indexed text changed are embedded again.
    /// Prints one JSON line per batch once it is on disk.
    Upsert(UpsertArgs),
    /// Delete jobs by id: the ids as arguments, or one per line on standard input.
    Delete(DeleteArgs),
    /// Print a job as JSON.
    Get(GetArgs),
}

/// Which jobs to change: an index directory or a PostgreSQL store.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("where").required(true).args(["index", "store"])))]
pub struct Target {
    /// The index directory (built by `jobfit index --out`).
    #[arg(long)]
    index: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

impl Target {
    /// Opens the index or store; `embedder` is needed to open a store.
    fn open(&self, embedder: Option<&TextEmbedder>) -> Result<Arc<dyn JobStore>> {
        if let Some(dir) = &self.index {
            let index = JobIndex::open(dir)?;
            if let Some(bytes) = compact_bytes_from_env()? {
                index.set_compact_bytes(bytes);
            }
            return Ok(Arc::new(index));
        }
        let embedder = embedder
            .ok_or_else(|| CliError::Usage("opening --store needs the model (--model)".into()))?;
        self.store
            .open(embedder, &JobFields::default(), true)?
            .ok_or_else(|| CliError::Usage("give --index DIR or --store URL".into()))
    }

    fn name(&self) -> String {
        match (&self.index, &self.store.store) {
            (Some(dir), _) => dir.display().to_string(),
            (None, Some(url)) => jobfit::matching::redact_url(url),
            (None, None) => String::new(),
        }
    }
}

#[derive(Debug, Args)]
pub struct UpsertArgs {
    #[command(flatten)]
    target: Target,
    /// The model that embeds the jobs (it must be the index's model).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// A JSON lines file of jobs (`-` or absent: standard input).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Jobs written per batch: each batch is synced to disk and reported before the next.
    #[arg(long, default_value_t = 256)]
    batch_size: usize,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    target: Target,
    /// The model (only to open --store).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The ids (none: read one per line from standard input).
    ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(flatten)]
    target: Target,
    /// The model (only to open --store).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The id.
    id: String,
}

pub fn run(command: JobsCommand) -> Result<()> {
    match command {
        JobsCommand::Upsert(args) => upsert(args),
        JobsCommand::Delete(args) => delete(args),
        JobsCommand::Get(args) => get(args),
    }
}

fn upsert(args: UpsertArgs) -> Result<()> {
    if args.batch_size == 0 {
        return Err(CliError::Usage("--batch-size must be at least 1".into()));
    }
    let embedder = load_embedder(&args.model, None, None, None)?;
    let index = args.target.open(Some(&embedder))?;
    let input: Box<dyn BufRead> = match args.file.as_deref() {
        Some(path) if path.as_os_str() != "-" => {
            Box::new(std::io::BufReader::new(std::fs::File::open(path).map_err(
                |error| CliError::Usage(format!("cannot read {}: {error}", path.display())),
            )?))
        }
        _ => Box::new(std::io::stdin().lock()),
    };
    let source = args
        .file
        .as_deref()
        .map_or_else(|| "standard input".to_string(), |p| p.display().to_string());
    let mut batch: Vec<Job> = Vec::with_capacity(args.batch_size);
    let mut line_number = 0u64;
    let mut batches = 0u64;
    let stdout = std::io::stdout();
    let mut flush = |batch: &mut Vec<Job>, through: u64| -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let report = index.upsert(std::mem::take(batch), &embedder)?;
        batches += 1;
        let line = serde_json::json!({
            "batch": batches,
            "through_line": through,
            "added": report.added,
            "updated": report.updated,
            "unchanged": report.unchanged,
        });
        let mut out = stdout.lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|source| CliError::Write {
                path: PathBuf::from("standard output"),
                source,
            })
    };
    for line in input.lines() {
        line_number += 1;
        let line =
            line.map_err(|error| CliError::Usage(format!("cannot read {source}: {error}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let job: Job = serde_json::from_str(&line).map_err(|error| {
            CliError::Usage(format!(
                "{source}, line {line_number}: not a job ({error}); write one JSON object per \
                 line with at least \"id\" and \"title\""
            ))
        })?;
        batch.push(job);
        if batch.len() == args.batch_size {
            flush(&mut batch, line_number)?;
        }
    }
    flush(&mut batch, line_number)?;
    eprintln!("{}: {} jobs", args.target.name(), index.len()?);
    Ok(())
}

/// The embedder when a store must be opened (an index directory needs none).
fn embedder_for(target: &Target, model: &std::path::Path) -> Result<Option<TextEmbedder>> {
    match target.store.store {
        Some(_) => Ok(Some(load_embedder(model, None, None, None)?)),
        None => Ok(None),
    }
}

fn delete(args: DeleteArgs) -> Result<()> {
    let embedder = embedder_for(&args.target, &args.model)?;
    let index = args.target.open(embedder.as_ref())?;
    let ids = if args.ids.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .map(|line| {
                line.map(|line| line.trim().to_string()).map_err(|error| {
                    CliError::Usage(format!("cannot read standard input: {error}"))
                })
            })
            .filter(|line| !matches!(line, Ok(line) if line.is_empty()))
            .collect::<Result<Vec<_>>>()?
    } else {
        args.ids
    };
    let report = index.delete(&ids)?;
    println!(
        "{}",
        serde_json::json!({"deleted": report.deleted, "missing": report.missing})
    );
    Ok(())
}

fn get(args: GetArgs) -> Result<()> {
    let embedder = embedder_for(&args.target, &args.model)?;
    let index = args.target.open(embedder.as_ref())?;
    match index.get(&args.id)? {
        Some(job) => {
            let text = serde_json::to_string(&job)
                .map_err(|error| CliError::Usage(format!("cannot serialize the job: {error}")))?;
            println!("{text}");
            Ok(())
        }
        None => Err(CliError::Usage(format!(
            "no job with id {:?} in {}",
            args.id,
            args.target.name()
        ))),
    }
}

/// `JOBFIT_COMPACT_BYTES`: the change log size past which it is folded into
/// a snapshot (for tests and tuning).
fn compact_bytes_from_env() -> Result<Option<u64>> {
    match std::env::var("JOBFIT_COMPACT_BYTES") {
        Ok(text) => text.trim().parse().map(Some).map_err(|_| {
            CliError::Usage(format!(
                "JOBFIT_COMPACT_BYTES={text:?} is not a number of bytes"
            ))
        }),
        Err(_) => Ok(None),
    }
}
