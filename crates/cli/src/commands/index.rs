//! `jobfit index`: embed a job catalog and save the index directory; also
//! the helpers the matching commands share (model and catalog loading).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use jobfit::matching::{
    AnnMode, AnnOptions, AnnStorage, Catalog, IndexOptions, JobFields, JobIndex, SearchMode,
};
use jobfit::model::{EmbedderOptions, Engine, ModelFiles, Prompts, TextEmbedder};
use jobfit::text::{DataSource, JobColumns, JobReader, ReadOptions, TextEncoding};

use crate::error::{CliError, Result};

/// Where jobs live when they are not in an index directory: PostgreSQL.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// A PostgreSQL database with pgvector holding the jobs, instead of an index directory:
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB, or `host=/socket/dir user=... dbname=...`
    /// (`scripts/postgres.sh start` prints one). The schema is created on first use.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// Read (search, get) from this replica of --store; writes still go to --store.
    #[arg(long, value_name = "URL", requires = "store")]
    pub store_read: Option<String>,
    /// The PostgreSQL schema of jobfit's tables.
    #[arg(long, default_value = "jobfit", requires = "store")]
    pub store_schema: String,
}

impl StoreArgs {
    /// Opens the store, if one was given, for `embedder`'s vectors; a new
    /// store embeds `fields` (and names unless `no_names`).
    pub fn open(
        &self,
        embedder: &TextEmbedder,
        fields: &JobFields,
        names: bool,
    ) -> Result<Option<std::sync::Arc<dyn jobfit::matching::JobStore>>> {
        let Some(url) = &self.store else {
            return Ok(None);
        };
        let options = jobfit::matching::PgOptions {
            schema: self.store_schema.clone(),
            fields: fields.clone(),
            names,
            ..jobfit::matching::PgOptions::default()
        };
        let store = jobfit::matching::PgStore::open(
            url,
            self.store_read.as_deref(),
            embedder.identity(),
            &options,
        )?;
        Ok(Some(std::sync::Arc::new(store)))
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "update", "store"])))]
pub struct IndexArgs {
    /// Model directory (a Hugging Face / sentence-transformers directory, a
    /// jobfit checkpoint, or a training run holding one).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The jobs: JSON lines, or CSV (.csv; see --columns).
    #[arg(long)]
    catalog: PathBuf,
    /// Build a new index from the whole catalog and write it to this directory
    /// (replaced atomically).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Sync an existing index directory to the catalog: embed only new and changed jobs,
    /// delete jobs that are not in the catalog any more. Each change is durable as it is made.
    #[arg(long, value_name = "DIR")]
    update: Option<PathBuf>,
    /// The job fields embedded, comma separated: title, description, skills,
    /// location, metadata.KEY (with --out; an updated index keeps its own).
    #[arg(long, default_value = "title,description,skills")]
    fields: String,
    /// CSV column mapping, FIELD=HEADER pairs separated by commas (fields:
    /// id, title, description, skills, aliases, location, salary_min, salary_max;
    /// `id=` alone numbers the rows).
    #[arg(long)]
    columns: Option<String>,
    /// The text encoding of a CSV catalog: utf-8, or gbk (GB18030, which
    /// includes GBK and GB2312: Chinese files saved by Excel on Windows).
    /// A GBK file read as UTF-8 fails with a message that says so.
    #[arg(long, default_value = "utf-8", value_parser = parse_encoding)]
    encoding: TextEncoding,
    /// Texts per forward pass of the encoder.
    #[arg(long)]
    batch_size: Option<usize>,
    /// The encoder implementation: auto (the fast CPU path on the CPU backend), burn, fast,
    /// or int8 (the fast path with dynamic int8 linear layers).
    #[arg(long, value_parser = parse_engine)]
    engine: Option<Engine>,
    /// Do not embed each job's names (title and aliases) on their own: a
    /// smaller index, but short queries then match the job text only.
    #[arg(long)]
    no_names: bool,
    #[command(flatten)]
    prompts: PromptArgs,
    /// When to keep an approximate (HNSW) index beside the exact vectors: auto (from
    /// 50,000 jobs), always, or never.
    #[arg(long, default_value = "auto")]
    ann: AnnMode,
    /// How the approximate index stores vectors: f32, f16 or i8 (smaller, slightly
    /// less exact; results are rescored with the exact vectors).
    #[arg(long, default_value = "f32")]
    ann_storage: AnnStorage,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: IndexArgs) -> Result<()> {
    let started = Instant::now();
    let embedder = load_embedder_with(
        &args.model,
        args.batch_size,
        args.engine,
        None,
        &args.prompts,
    )?;
    let catalog = load_catalog_with(&args.catalog, args.columns.as_deref(), args.encoding)?;
    let fields: JobFields = args.fields.parse()?;
    if let Some(store) = args.store.open(&embedder, &fields, !args.no_names)? {
        let (upserted, deleted) = sync_store(store.as_ref(), &catalog, &embedder)?;
        eprintln!(
            "synced {}: {} added, {} changed, {} unchanged, {} deleted; {} jobs in {:.1} s",
            store.describe(),
            upserted.added,
            upserted.updated,
            upserted.unchanged,
            deleted.deleted,
            store.len()?,
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    if let Some(dir) = &args.update {
        let index = JobIndex::open(dir)?;
        index.check_model(embedder.identity())?;
        let (upserted, deleted) = index.sync(&catalog, &embedder)?;
        index.compact()?;
        eprintln!(
            "updated {}: {} added, {} changed, {} unchanged, {} deleted; {} jobs in {:.1} s",
            dir.display(),
            upserted.added,
            upserted.updated,
            upserted.unchanged,
            deleted.deleted,
            index.len(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let out = args
        .out
        .as_ref()
        .ok_or_else(|| CliError::Usage("give --out DIR or --update DIR".into()))?;
    let index = JobIndex::build(
        catalog,
        &embedder,
        &IndexOptions::default()
            .with_fields(fields)
            .with_names(!args.no_names)
            .with_ann(args.ann)
            .with_ann_options(AnnOptions {
                storage: args.ann_storage,
                ..AnnOptions::default()
            }),
    )?;
    index.save(out)?;
    eprintln!(
        "indexed {} jobs with {} ({}-wide vectors{}) into {} in {:.1} s",
        index.len(),
        index.model().name,
        index.model().dim,
        if index.has_ann() {
            ", with an approximate index"
        } else {
            ""
        },
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Makes a store hold exactly `catalog`'s jobs: upserts them in batches
/// (embedding only new and changed ones) and deletes the others.
pub(crate) fn sync_store(
    store: &dyn jobfit::matching::JobStore,
    catalog: &Catalog,
    embedder: &TextEmbedder,
) -> Result<(
    jobfit::matching::UpsertReport,
    jobfit::matching::DeleteReport,
)> {
    let mut total = jobfit::matching::UpsertReport::default();
    for batch in catalog.jobs().chunks(512) {
        let report = store.upsert(batch.to_vec(), embedder)?;
        total.added += report.added;
        total.updated += report.updated;
        total.unchanged += report.unchanged;
    }
    let wanted: std::collections::HashSet<&str> =
        catalog.jobs().iter().map(|job| job.id.as_str()).collect();
    let stale: Vec<String> = store
        .ids()?
        .into_iter()
        .filter(|id| !wanted.contains(id.as_str()))
        .collect();
    let deleted = store.delete(&stale)?;
    Ok((total, deleted))
}

/// The model directory inside `path`: `path` itself when it holds a model,
/// else the first of `best`, `model`, `encoder`, `final`, `last` that does
/// (the layouts of training runs).
pub(crate) fn resolve_model_dir(path: &Path) -> Result<PathBuf> {
    let is_model =
        |dir: &Path| dir.join("config.json").is_file() && dir.join("model.safetensors").is_file();
    if is_model(path) || !path.is_dir() {
        // A missing directory gets the model crate's message (with the fetch hint).
        return Ok(path.to_path_buf());
    }
    for name in ["best", "model", "encoder", "final", "last"] {
        let candidate = path.join(name);
        if is_model(&candidate) {
            return Ok(candidate);
        }
    }
    Ok(path.to_path_buf())
}

/// Parses `--engine`.
pub(crate) fn parse_engine(text: &str) -> std::result::Result<Engine, String> {
    match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "auto" => Ok(Engine::Auto),
        "burn" => Ok(Engine::Burn),
        "fast" => Ok(Engine::Fast),
        "int8" | "fast-int8" => Ok(Engine::FastInt8),
        _ => Err(format!(
            "unknown engine {text:?}: use auto, burn, fast or int8"
        )),
    }
}

/// The prompt flags of the commands that load a model: the texts put before
/// queries (resumes, titles) and job texts. By default the model's own
/// (sentence-transformers' `config_sentence_transformers.json`; e5 models
/// have "query: " and "passage: "), none for a model without them.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct PromptArgs {
    /// The text put before each query (resume, job title) instead of the
    /// model's query prompt; "" for none.
    #[arg(long, value_name = "TEXT")]
    pub(crate) query_prompt: Option<String>,
    /// The text put before each job text instead of the model's passage
    /// prompt; "" for none.
    #[arg(long, value_name = "TEXT")]
    pub(crate) passage_prompt: Option<String>,
    /// Embed queries and job texts as given, without the model's prompts.
    #[arg(long, conflicts_with_all = ["query_prompt", "passage_prompt"])]
    pub(crate) no_prompts: bool,
}

impl PromptArgs {
    /// The prompts to use with the model in `dir`, or `None` for the
    /// model's own.
    pub(crate) fn resolve(&self, dir: &Path) -> Result<Option<Prompts>> {
        if self.no_prompts {
            return Ok(Some(Prompts::none()));
        }
        if self.query_prompt.is_none() && self.passage_prompt.is_none() {
            return Ok(None);
        }
        let own = ModelFiles::locate(dir)?.prompts;
        let pick = |given: &Option<String>, own: Option<String>| match given {
            Some(text) if text.is_empty() => None,
            Some(text) => Some(text.clone()),
            None => own,
        };
        Ok(Some(Prompts {
            query: pick(&self.query_prompt, own.query),
            passage: pick(&self.passage_prompt, own.passage),
        }))
    }
}

/// Loads a sentence encoder on the default device with the model's prompts.
pub(crate) fn load_embedder(
    path: &Path,
    batch_size: Option<usize>,
    engine: Option<Engine>,
    max_len: Option<usize>,
) -> Result<TextEmbedder> {
    load_embedder_with(path, batch_size, engine, max_len, &PromptArgs::default())
}

/// Loads a sentence encoder on the default device.
pub(crate) fn load_embedder_with(
    path: &Path,
    batch_size: Option<usize>,
    engine: Option<Engine>,
    max_len: Option<usize>,
    prompts: &PromptArgs,
) -> Result<TextEmbedder> {
    if batch_size == Some(0) {
        return Err(CliError::Usage("--batch-size must be at least 1".into()));
    }
    if max_len == Some(0) {
        return Err(CliError::Usage("--max-len must be at least 1".into()));
    }
    let dir = resolve_model_dir(path)?;
    let device = jobfit::default_device();
    let options = EmbedderOptions {
        batch_size,
        engine,
        max_length: max_len,
        prompts: prompts.resolve(&dir)?,
        ..EmbedderOptions::default()
    };
    Ok(TextEmbedder::from_dir_with(&dir, options, &device)?)
}

/// The index a query set is ranked against: the catalog's `fields`, with the
/// job names embedded when `name_weight` uses them; kept in `cache` when
/// given and reused while the catalog, fields and model stay the same.
pub(crate) fn evaluation_index(
    catalog: Catalog,
    embedder: &TextEmbedder,
    fields: JobFields,
    name_weight: f32,
    cache: Option<&Path>,
    search: SearchMode,
) -> Result<JobIndex> {
    let options = IndexOptions::default()
        .with_fields(fields)
        .with_names(name_weight > 0.0);
    let mut index = match cache {
        Some(dir) => JobIndex::load_or_build(dir, &catalog, embedder, &options)?.0,
        None => JobIndex::build(catalog, embedder, &options)?,
    };
    if search == SearchMode::Ann && !index.has_ann() {
        // Evaluating the approximate search on a catalog too small to get one by default.
        index.set_ann(AnnMode::Always, AnnOptions::default())?;
    }
    Ok(index)
}

/// Reads a catalog: CSV for `.csv` (with an optional column mapping), JSON
/// lines otherwise.
pub(crate) fn load_catalog(path: &Path, columns: Option<&str>) -> Result<Catalog> {
    load_catalog_with(path, columns, TextEncoding::Utf8)
}

/// Parses `--encoding`.
fn parse_encoding(text: &str) -> std::result::Result<TextEncoding, String> {
    text.parse()
}

/// Like [`load_catalog`], reading a CSV catalog in `encoding`.
pub(crate) fn load_catalog_with(
    path: &Path,
    columns: Option<&str>,
    encoding: TextEncoding,
) -> Result<Catalog> {
    let is_csv = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    match (is_csv, columns) {
        (true, columns) => {
            let mapping = match columns {
                Some(text) => parse_columns(text)?,
                None => JobColumns::default(),
            };
            if encoding == TextEncoding::Utf8 {
                return Ok(Catalog::from_csv(path, &mapping)?);
            }
            let options = ReadOptions::default().with_encoding(encoding);
            let reader = JobReader::csv(DataSource::open(path)?, &mapping, options)?;
            Ok(Catalog::from_reader(reader)?)
        }
        (false, Some(_)) => Err(CliError::Usage(
            "--columns applies to CSV catalogs only (a file ending in .csv)".into(),
        )),
        (false, None) => Ok(Catalog::from_jsonl(path)?),
    }
}

/// Parses `id=job_id,title=Title,...` into a column mapping.
fn parse_columns(text: &str) -> Result<JobColumns> {
    let mut columns = JobColumns::default();
    for pair in text
        .split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
    {
        let (field, header) = pair
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--columns: {pair:?} is not FIELD=HEADER")))?;
        let header = header.trim();
        columns = match (field.trim(), header) {
            ("id", "") => columns.with_generated_ids(true),
            ("id", header) => columns.with_id(header),
            ("title", header) => columns.with_title(header),
            ("description", header) => columns.with_description(header),
            ("skills", header) => columns.with_skills(header),
            ("aliases", header) => columns.with_aliases(header),
            ("location", header) => columns.with_location(header),
            ("salary_min", header) => columns.with_salary_min(header),
            ("salary_max", header) => columns.with_salary_max(header),
            (field, _) => {
                return Err(CliError::Usage(format!(
                    "--columns: unknown field {field:?}; use id, title, description, skills, \
                     aliases, location, salary_min or salary_max"
                )));
            }
        };
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_parse_by_name_and_unknown_ones_are_refused() {
        assert_eq!(parse_engine("auto"), Ok(Engine::Auto));
        assert_eq!(parse_engine("Burn"), Ok(Engine::Burn));
        assert_eq!(parse_engine("fast"), Ok(Engine::Fast));
        assert_eq!(parse_engine("int8"), Ok(Engine::FastInt8));
        assert_eq!(parse_engine("fast_int8"), Ok(Engine::FastInt8));
        let error = parse_engine("gpu").unwrap_err();
        assert!(error.contains("use auto, burn, fast or int8"), "{error}");
    }
}
