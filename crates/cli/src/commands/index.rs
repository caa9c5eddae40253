//! `jobfit index`: embed a job catalog and save the index directory; also
//! the helpers the matching commands share (model and catalog loading).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use jobfit::matching::{Catalog, IndexOptions, JobFields, JobIndex};
use jobfit::model::{EmbedderOptions, Engine, ModelFiles, Prompts, TextEmbedder};
use jobfit::text::{DataSource, JobColumns, JobReader, ReadOptions, TextEncoding};

use crate::error::{CliError, Result};

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Model directory (a Hugging Face / sentence-transformers directory, a
    /// jobfit checkpoint, or a training run holding one).
    #[arg(long)]
    model: PathBuf,
    /// The jobs: JSON lines, or CSV (.csv; see --columns).
    #[arg(long)]
    catalog: PathBuf,
    /// Where to write the index directory (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    /// The job fields embedded, comma separated: title, description, skills,
    /// location, metadata.KEY.
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
    let index = JobIndex::build(
        catalog,
        &embedder,
        &IndexOptions::default()
            .with_fields(fields)
            .with_names(!args.no_names),
    )?;
    index.save(&args.out)?;
    eprintln!(
        "indexed {} jobs with {} ({}-wide vectors) into {} in {:.1} s",
        index.len(),
        index.model().name,
        index.model().dim,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
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
) -> Result<JobIndex> {
    let options = IndexOptions::default()
        .with_fields(fields)
        .with_names(name_weight > 0.0);
    Ok(match cache {
        Some(dir) => JobIndex::load_or_build(dir, &catalog, embedder, &options)?.0,
        None => JobIndex::build(catalog, embedder, &options)?,
    })
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
