//! `jobfit serve`: the HTTP service (recommend, screen, jobs, health, metrics).

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use jobfit::matching::{JobFields, JobIndex, Matcher};
use jobfit_serve::{LogFormat, ServeConfig, Service};

use crate::commands::index::{StoreArgs, load_embedder};
use crate::commands::recommend::default_index;
use crate::error::{CliError, Result};

/// Every setting can also be given in the TOML file of `--config` (flags win);
/// the key is the flag's name with underscores, limits under `[limits]`,
/// batching under `[batching]`, shutdown under `[shutdown]`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A TOML file of settings (see `jobfit serve --help` and the README).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The model directory [default: models/all-MiniLM-L6-v2].
    #[arg(long)]
    model: Option<PathBuf>,
    /// An index directory built by `jobfit index`, served live: job changes
    /// through the API are written to it before they are acknowledged
    /// [default: the bundled O*NET catalog, embedded on first use and cached,
    /// changes kept in memory only].
    #[arg(long, conflicts_with = "store")]
    index: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
    /// The address to listen on [default: 127.0.0.1:8080]. Without --keys only
    /// loopback addresses are allowed. TLS: terminate it in front (see the README).
    #[arg(long)]
    bind: Option<SocketAddr>,
    /// The API keys file: [[key]] entries with name, sha256 (of the key) and
    /// scopes (read, write) [default: none; loopback only].
    #[arg(long)]
    keys: Option<PathBuf>,
    /// The most bytes of a request body [default: 12582912].
    #[arg(long)]
    max_body_bytes: Option<usize>,
    /// The most bytes of one resume file [default: 10485760].
    #[arg(long)]
    max_file_bytes: Option<usize>,
    /// The most characters of one resume [default: 100000].
    #[arg(long)]
    max_resume_chars: Option<usize>,
    /// The most pages of a PDF resume [default: 50].
    #[arg(long)]
    max_pdf_pages: Option<usize>,
    /// The most bytes a DOCX resume may inflate to [default: 52428800].
    #[arg(long)]
    max_uncompressed_bytes: Option<u64>,
    /// The largest top_k [default: 100].
    #[arg(long)]
    max_top_k: Option<usize>,
    /// The most resumes in one screening [default: 200].
    #[arg(long)]
    max_resumes_per_screen: Option<usize>,
    /// The most jobs in one bulk upsert [default: 10000].
    #[arg(long)]
    max_jobs_per_batch: Option<usize>,
    /// Requests per minute per key, 0 for no limit [default: 600].
    #[arg(long)]
    rate_per_minute: Option<u32>,
    /// Requests a key may make at once above its rate [default: 60].
    #[arg(long)]
    rate_burst: Option<u32>,
    /// Requests doing work at once; more are answered 503 [default: 256].
    #[arg(long)]
    max_in_flight: Option<usize>,
    /// Seconds a request may take before it is answered 503 [default: 30].
    #[arg(long)]
    request_timeout_secs: Option<u64>,
    /// Do not share the encoder's forward passes between concurrent requests.
    #[arg(long)]
    no_batching: bool,
    /// The most texts in one encoder batch [default: 256].
    #[arg(long)]
    batch_max: Option<usize>,
    /// Milliseconds the first request of a batch waits for others [default: 2].
    #[arg(long)]
    batch_wait_ms: Option<u64>,
    /// The most texts waiting for the encoder; more are answered 503 [default: 16384].
    #[arg(long)]
    batch_queue: Option<usize>,
    /// Milliseconds between SIGTERM and closing the listener, answering 503 meanwhile
    /// [default: 0].
    #[arg(long)]
    drain_ms: Option<u64>,
    /// Seconds in-flight requests get to finish after SIGTERM [default: 30].
    #[arg(long)]
    grace_secs: Option<u64>,
    /// Log lines as json or text [default: json].
    #[arg(long)]
    log_format: Option<LogFormat>,
    /// Where the default catalog's index is cached (default: $JOBFIT_CACHE_DIR,
    /// $XDG_CACHE_HOME/jobfit or ~/.cache/jobfit).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Do not read or write the cache: embed the default catalog at start.
    #[arg(long)]
    no_cache: bool,
    /// Print the SHA-256 of a key read from standard input (for the keys file) and exit.
    #[arg(long)]
    hash_key: bool,
}

/// The settings: the file's, then the flags'.
fn config(args: &ServeArgs) -> Result<ServeConfig> {
    let mut config = match &args.config {
        Some(path) => ServeConfig::from_file(path)?,
        None => ServeConfig::default(),
    };
    macro_rules! set {
        ($($flag:ident => $($field:ident).+),* $(,)?) => {
            $(if let Some(value) = args.$flag.clone() {
                config.$($field).+ = value;
            })*
        };
    }
    set!(
        model => model,
        bind => bind,
        max_body_bytes => limits.max_body_bytes,
        max_file_bytes => limits.max_file_bytes,
        max_resume_chars => limits.max_resume_chars,
        max_pdf_pages => limits.max_pdf_pages,
        max_uncompressed_bytes => limits.max_uncompressed_bytes,
        max_top_k => limits.max_top_k,
        max_resumes_per_screen => limits.max_resumes_per_screen,
        max_jobs_per_batch => limits.max_jobs_per_batch,
        rate_per_minute => limits.rate_per_minute,
        rate_burst => limits.rate_burst,
        max_in_flight => limits.max_in_flight,
        request_timeout_secs => limits.request_timeout_secs,
        batch_max => batching.max_batch,
        batch_wait_ms => batching.max_wait_ms,
        batch_queue => batching.max_queue,
        drain_ms => shutdown.drain_ms,
        grace_secs => shutdown.grace_secs,
        log_format => log_format,
    );
    if args.index.is_some() {
        config.index = args.index.clone();
        config.store = None;
        config.store_read = None;
    }
    if args.store.store.is_some() {
        config.store = args.store.store.clone();
        config.store_read = args.store.store_read.clone();
        config.store_schema = args.store.store_schema.clone();
        config.index = None;
    }
    if args.keys.is_some() {
        config.keys = args.keys.clone();
    }
    if args.no_batching {
        config.batching.enabled = false;
    }
    config.validate()?;
    Ok(config)
}

/// The bundled catalog's index detached from its cache directory, so that
/// job changes through the API stay in memory and the cache keeps holding
/// the catalog (serve an index directory, `--index`, to keep changes).
fn detached(index: JobIndex) -> Result<JobIndex> {
    if index.path().is_none() {
        return Ok(index);
    }
    let copy = JobIndex::from_parts(
        index.catalog()?,
        index.vectors(),
        index.model().clone(),
        index.fields().clone(),
    )?;
    Ok(match index.names() {
        Some(names) => copy.with_names(names.compacted().vectors().clone())?,
        None => copy,
    })
}

pub fn run(args: ServeArgs) -> Result<()> {
    if args.hash_key {
        let mut key = String::new();
        std::io::stdin()
            .read_to_string(&mut key)
            .map_err(|error| CliError::Usage(format!("cannot read standard input: {error}")))?;
        let key = key.trim_end_matches(['\n', '\r']);
        if key.is_empty() {
            return Err(CliError::Usage("standard input holds no key".into()));
        }
        println!("{}", jobfit_serve::hash_key(key));
        return Ok(());
    }
    // Before any thread starts: the allocator's arenas are made per thread.
    jobfit_serve::tune_allocator();
    let config = config(&args)?;
    jobfit_serve::init_logging(config.log_format);
    let mut embedder = load_embedder(&config.model, None, None, None)?;
    if config.batching.enabled {
        embedder = embedder.with_micro_batching(config.batching.options())?;
    }
    let embedder = Arc::new(embedder);
    let matcher = if config.store.is_some() {
        let store = StoreArgs {
            store: config.store.clone(),
            store_read: config.store_read.clone(),
            store_schema: config.store_schema.clone(),
        };
        let fields: JobFields = "title,description,skills".parse()?;
        let store = store
            .open(&embedder, &fields, true)?
            .ok_or_else(|| CliError::Usage("--store needs a URL".into()))?;
        Matcher::from_store(store, embedder)?
    } else if let Some(dir) = &config.index {
        Matcher::from_index(Arc::new(JobIndex::open(dir)?), embedder)?
    } else {
        let index = default_index(&embedder, args.cache_dir.as_deref(), args.no_cache)?;
        Matcher::new(detached(index)?, embedder)?
    };
    let service = Service::new(&config, matcher)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Usage(format!("cannot start the runtime: {error}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| jobfit_serve::ServeError::Bind {
                bind: config.bind,
                source,
            })?;
        service.run(listener, jobfit_serve::shutdown_signal()).await
    })?;
    Ok(())
}
