//! `jobfit recommend`: the jobs of an index (or of the bundled O*NET
//! catalog) that fit a resume, with matched and missing skills and evidence.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use jobfit::matching::{
    Catalog, CrossEncoderReranker, Fusion, IndexOptions, JobFilter, JobIndex, LocationFilter,
    MatchError, Matcher, ONET_CATALOG_NAME, RecommendOptions, Recommendation, cached_index_dir,
    default_cache_dir, job_names,
};

use jobfit::model::{ModelError, TextEmbedder};
use jobfit::text::{DocumentLimits, read_document, read_document_file};

use crate::commands::index::{PromptArgs, StoreArgs, load_embedder_with};
use crate::error::{CliError, Result};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table (coloured on a terminal).
    Table,
    /// One JSON object.
    Json,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// An index directory built by `jobfit index` (default: the bundled
    /// O*NET catalog, embedded on first use and cached).
    #[arg(long)]
    index: Option<PathBuf>,
    /// The model that embeds the resume (it must be the index's model).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The resume: a PDF, DOCX, HTML or plain-text file, told apart by its
    /// content (`-` reads standard input).
    #[arg(long)]
    resume: PathBuf,
    /// How many jobs to show.
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Keep jobs whose location contains this text (ignoring case).
    #[arg(long)]
    location: Option<String>,
    /// Keep jobs whose salary range reaches this amount.
    #[arg(long)]
    salary_min: Option<f64>,
    /// Keep jobs whose salary range starts at or below this amount.
    #[arg(long)]
    salary_max: Option<f64>,
    /// Keep jobs whose metadata KEY equals VALUE (ignoring case); repeatable.
    #[arg(long = "where", value_name = "KEY=VALUE")]
    filters: Vec<String>,
    /// Long resumes: head (the default), chunk-max or chunk-mean.
    #[arg(long)]
    long_text: Option<String>,
    /// Hybrid scoring of long queries (resumes) with BM25: weighted:0.8 (the default),
    /// weighted:W, weighted (0.7), rrf, rrf:K, or none.
    #[arg(long)]
    hybrid: Option<String>,
    /// How much the job names (title and aliases) weigh in the dense score of short
    /// queries (titles), from 0 (the job text alone) to 1; default 0.7.
    #[arg(long)]
    name_weight: Option<f32>,
    /// Queries of at most this many words are scored with the job names and without
    /// BM25, longer ones with BM25 and without names; default 32.
    #[arg(long)]
    short_query_words: Option<usize>,
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
    /// Exact or approximate search: auto (approximate on large catalogs that have an
    /// approximate index, exact otherwise), exact, or ann.
    #[arg(long, default_value = "auto")]
    search: jobfit::matching::SearchMode,
    /// Where the default catalog's index is cached (default:
    /// $JOBFIT_CACHE_DIR, $XDG_CACHE_HOME/jobfit or ~/.cache/jobfit).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Do not read or write the cache: embed the default catalog every time.
    #[arg(long)]
    no_cache: bool,
    #[command(flatten)]
    prompts: PromptArgs,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: RecommendArgs) -> Result<()> {
    let resume = read_resume(&args.resume)?;
    let embedder = Arc::new(load_embedder_with(
        &args.model,
        None,
        None,
        None,
        &args.prompts,
    )?);
    if args.index.is_some() && args.store.store.is_some() {
        return Err(CliError::Usage(
            "give --index DIR or --store URL, not both".into(),
        ));
    }
    let store = args
        .store
        .open(&embedder, &jobfit::matching::JobFields::default(), true)?;
    let mut matcher = match store {
        Some(store) => Matcher::from_store(store, Arc::clone(&embedder))?,
        None => {
            let index = match &args.index {
                Some(dir) => JobIndex::load(dir)?,
                None => default_index(&embedder, args.cache_dir.as_deref(), args.no_cache)?,
            };
            Matcher::new(index, Arc::clone(&embedder))?
        }
    };
    let mut options = RecommendOptions::default()
        .with_top_k(args.top_k)
        .with_filter(filter(&args)?)
        .with_search(args.search);
    if let Some(strategy) = &args.long_text {
        options.long_text = strategy.parse()?;
    }
    if let Some(fusion) = &args.hybrid {
        options.hybrid = parse_hybrid(fusion)?;
    }
    if let Some(weight) = args.name_weight {
        options.name_weight = weight;
    }
    if let Some(words) = args.short_query_words {
        options.short_query_words = words;
    }
    if let Some(dir) = &args.rerank_model {
        let reranker = CrossEncoderReranker::from_checkpoint(dir, &jobfit::default_device())?;
        matcher = matcher.with_reranker(Arc::new(reranker));
        options.rerank = Some(args.rerank);
        options.rerank_weight = args.rerank_weight;
    }
    let recommendations = matcher.recommend(&resume, &options)?;
    match args.format {
        Format::Json => {
            let json = serde_json::json!({
                "model": embedder.identity().name,
                "catalog": catalog_name(&args),
                "recommendations": recommendations,
            });
            let text = serde_json::to_string_pretty(&json)
                .map_err(|error| CliError::Usage(format!("cannot serialize output: {error}")))?;
            println!("{text}");
        }
        Format::Table => print!("{}", table(&recommendations, Style::detect())),
    }
    Ok(())
}

fn catalog_name(args: &RecommendArgs) -> String {
    match (&args.index, &args.store.store) {
        (Some(dir), _) => dir.display().to_string(),
        (None, Some(url)) => jobfit::matching::redact_url(url),
        (None, None) => ONET_CATALOG_NAME.to_string(),
    }
}

/// `none` (or `off`) turns hybrid scoring off; anything else is a [`Fusion`].
pub(crate) fn parse_hybrid(text: &str) -> Result<Option<Fusion>> {
    match text.trim().to_ascii_lowercase().as_str() {
        "none" | "off" => Ok(None),
        _ => Ok(Some(text.parse()?)),
    }
}

/// Reads a text file, or standard input for `-`, refusing binary files and
/// text in a legacy encoding (a few invalid UTF-8 bytes are replaced).
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|read| bytes = read)
    };
    result.map_err(|error| CliError::Usage(format!("cannot read {}: {error}", path.display())))?;
    jobfit::text::decode_text(&bytes).map_err(|source| CliError::Garbage {
        path: path.to_path_buf(),
        source,
    })
}

/// A resume file of any supported format (PDF, DOCX, HTML, text); `-` reads
/// standard input.
pub(crate) fn read_resume(path: &Path) -> Result<String> {
    let limits = DocumentLimits::default();
    let document = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(limits.max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| CliError::Usage(format!("cannot read standard input: {error}")))?;
        read_document(&bytes, &limits)
    } else {
        read_document_file(path, &limits)
    };
    document
        .map(|document| document.text)
        .map_err(|error| match error {
            // Binary data or a legacy encoding: the same error as for any input file.
            jobfit::text::DocumentError::Garbage { source, .. } => CliError::Garbage {
                path: path.to_path_buf(),
                source,
            },
            error => CliError::Usage(format!("{}: {error}", path.display())),
        })
}

fn filter(args: &RecommendArgs) -> Result<JobFilter> {
    let mut filter = JobFilter::new();
    if let Some(location) = &args.location {
        filter = filter.with_location(LocationFilter::Contains(location.clone()));
    }
    if args.salary_min.is_some() || args.salary_max.is_some() {
        filter = filter.with_salary(args.salary_min, args.salary_max);
    }
    for pair in &args.filters {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--where {pair:?}: write KEY=VALUE")))?;
        filter = filter.with_metadata(key.trim(), value.trim());
    }
    Ok(filter)
}

/// The index of the bundled O*NET catalog for this model: loaded from the
/// cache when it is there, else embedded (about a minute on a laptop CPU)
/// and cached.
pub(crate) fn default_index(
    embedder: &TextEmbedder,
    cache_dir: Option<&Path>,
    no_cache: bool,
) -> Result<JobIndex> {
    let catalog = Catalog::onet();
    let options = IndexOptions::default().with_fields(Catalog::onet_fields());
    let cache = (!no_cache)
        .then(|| cache_dir.map(Path::to_path_buf).or_else(default_cache_dir))
        .flatten();
    let Some(cache) = cache else {
        eprintln!(
            "embedding the {} O*NET occupations (not cached)...",
            catalog.len()
        );
        return Ok(JobIndex::build(catalog.clone(), embedder, &options)?);
    };
    let dir = cached_index_dir(&cache, ONET_CATALOG_NAME, embedder.identity(), &options);
    if !dir.join("index.json").is_file() {
        eprintln!(
            "embedding the {} O*NET occupations and their names once (about a minute on two cores); \
             the index is cached in {}",
            catalog.len(),
            dir.display()
        );
    }
    match JobIndex::load_or_build(&dir, catalog, embedder, &options) {
        Ok((index, _built)) => Ok(index),
        Err(error @ (MatchError::Io { .. } | MatchError::Model(ModelError::Io { .. }))) => {
            // An unwritable cache must not stop the recommendation.
            eprintln!("warning: cannot cache the index ({error}); embedding without cache");
            Ok(JobIndex::build(catalog.clone(), embedder, &options)?)
        }
        Err(error) => Err(error.into()),
    }
}

/// ANSI styling, on only for a terminal without `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    color: bool,
}

impl Style {
    pub(crate) fn detect() -> Self {
        Self {
            color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub(crate) fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub(crate) fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// `a, b, c (+4 more)`, or `-` for none.
pub(crate) fn short_list(items: &[String], max: usize) -> String {
    if items.is_empty() {
        return "-".to_string();
    }
    let shown = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        format!("{shown} (+{} more)", items.len() - max)
    } else {
        shown
    }
}

/// Cuts a sentence to about `max` characters.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{}...", cut.trim_end())
}

/// The readable table of recommendations.
fn table(recommendations: &[Recommendation], style: Style) -> String {
    let mut out = String::new();
    if recommendations.is_empty() {
        out.push_str("no job passes the filters\n");
        return out;
    }
    for rec in recommendations {
        out.push_str(&format!(
            "{:>2}. {}  {}  {}\n",
            rec.rank,
            style.bold(&format!("{:.3}", rec.score)),
            style.bold(&rec.job.title),
            style.dim(&format!("[{}]", rec.job.id)),
        ));
        let mut details = Vec::new();
        // An alias, not the title (the first of the job's names), is worth showing.
        if let Some(name) = rec
            .matched_name
            .as_ref()
            .filter(|name| job_names(&rec.job).first() != Some(*name))
        {
            details.push(format!("as \"{name}\""));
        }
        if let Some(location) = &rec.job.location {
            details.push(location.clone());
        }
        if let Some(salary) = rec.job.salary {
            let bound =
                |value: Option<f64>| value.map_or_else(|| "?".to_string(), |v| format!("{v:.0}"));
            details.push(format!(
                "salary {}-{}",
                bound(salary.min()),
                bound(salary.max())
            ));
        }
        if !details.is_empty() {
            out.push_str(&format!("    {}\n", style.dim(&details.join(" | "))));
        }
        out.push_str(&format!(
            "    {} {}\n",
            style.green("matched:"),
            short_list(&rec.matched_skills, 8)
        ));
        out.push_str(&format!(
            "    {} {}\n",
            style.yellow("missing:"),
            short_list(&rec.missing_skills, 8)
        ));
        if let Some(evidence) = &rec.evidence {
            out.push_str(&format!(
                "    evidence ({:.2}): \"{}\"\n      ~ \"{}\"\n",
                evidence.similarity,
                clip(&evidence.resume_sentence, 100),
                clip(&evidence.job_sentence, 100)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_resume_is_refused_before_ranking() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: RecommendArgs,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("random.bin");
        // 3,000 bytes of a xorshift generator: random as far as text goes.
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let bytes: Vec<u8> = (0..3000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect();
        std::fs::write(&path, bytes).unwrap();
        let command = <Cli as clap::Parser>::try_parse_from([
            "recommend".as_ref(),
            "--resume".as_ref(),
            path.as_os_str(),
        ])
        .unwrap();
        let error = run(command.args).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, CliError::Garbage { .. }), "{error:?}");
        assert!(
            message.contains("random.bin: this looks like binary data, not text"),
            "{message}"
        );
    }

    #[test]
    fn lists_and_clips_stay_short() {
        let items: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(short_list(&items, 2), "a, b (+1 more)");
        assert_eq!(short_list(&items, 5), "a, b, c");
        assert_eq!(short_list(&[], 5), "-");
        assert_eq!(clip("abcdefghij", 6), "abc...");
        assert_eq!(clip("abc", 6), "abc");
    }

    #[test]
    fn the_table_names_the_alias_that_matched() {
        let job = jobfit::text::Job::new("35-3023.01", "Baristas");
        let rec = |name: Option<&str>| Recommendation {
            rank: 1,
            job: job.clone(),
            score: 0.9,
            scores: Default::default(),
            matched_name: name.map(str::to_string),
            matched_skills: vec!["espresso".into()],
            missing_skills: Vec::new(),
            evidence: None,
        };
        let plain = Style { color: false };
        let text = table(&[rec(Some("Coffee Maker"))], plain);
        assert!(text.contains("Baristas  [35-3023.01]"), "{text}");
        assert!(text.contains("    as \"Coffee Maker\"\n"), "{text}");
        assert!(text.contains("matched: espresso"), "{text}");
        // The title itself (as the job's names hold it: cleaned), or no name at all, adds no
        // line.
        for name in [Some("Baristas"), None] {
            let text = table(&[rec(name)], plain);
            assert!(!text.contains(" as \""), "{text}");
        }
        let mut spaced = rec(Some("Head Barista"));
        spaced.job.title = "Head  Barista".into();
        let text = table(&[spaced], plain);
        assert!(!text.contains(" as \""), "{text}");
    }

    #[test]
    fn plain_style_adds_no_escape_codes() {
        let style = Style { color: false };
        assert_eq!(style.bold("x"), "x");
        let style = Style { color: true };
        assert_eq!(style.green("x"), "\x1b[32mx\x1b[0m");
    }
}
