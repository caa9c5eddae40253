//! [`JobIndex`]: the embedded job store. A catalog with one embedding per
//! job, built with a [`TextEmbedder`], searched in memory, changed one job at
//! a time, and saved to a directory that survives crashes.
//!
//! Besides the one vector per job (its [`JobFields`] text), an index holds by
//! default one vector per **name** of each job: its title and its aliases
//! ([`JobNames`]). A short query such as a job title is compared with every
//! name, which finds "Web Developer" under an occupation whose description
//! never says so.
//!
//! Each job sits at a **position**: positions stay put while other jobs come
//! and go (a removed job's position is reused by a later one), so vectors
//! never move and an approximate index never needs rebuilding.
//!
//! An index directory holds these files:
//!
//! ```text
//! index.json    format, snapshot generation, model identity, fields, counts, sizes and checksums
//! vectors.f32   the embeddings, little-endian f32, row-major, one row per position (zeros when free)
//! names.f32     the name embeddings, job by job in position order, each job's title first
//! jobs.jsonl    one line per position: the job as JSON, or `null` for a free position
//! changes.log   upserts and deletes since the snapshot (see below)
//! ```
//!
//! The snapshot files are written in a staging folder and swapped in whole,
//! so a reader never sees half an index. A change to an index opened from a
//! directory is appended to `changes.log` and synced to disk before
//! [`JobIndex::upsert`] or [`JobIndex::delete`] returns; opening the index
//! replays the log. When the log outgrows a share of the snapshot, the next
//! change folds it into a new snapshot (the swap again). A crash at any point
//! leaves the previous snapshot with its whole log, or the new snapshot:
//! nothing acknowledged is lost, and an interrupted, unacknowledged batch is
//! dropped as a whole.

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jobfit_model::{ModelIdentity, TextEmbedder};
use jobfit_text::Job;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ann::{AnnIndex, AnnOptions};
use crate::bm25::{Bm25, Bm25Params};
use crate::catalog::{Catalog, JobFields};
use crate::error::{MatchError, Result};
use crate::filter::{CatalogFacts, FilterIndex, JobFilter};
use crate::names::{JobNames, job_names};
use crate::store::{
    DeleteReport, JobStore, NameMatch, SearchMode, SearchRequest, StoredHit, UpsertReport,
    indexed_texts,
};
use crate::vector::{ExactIndex, PositionFilter, TopK, VectorIndex, dot};
use crate::wal::{self, Change, LOG_FILE, LogWriter};

/// The version of the index directory layout written by this crate.
/// Format 1 (no change log, no free positions) is still read.
pub const INDEX_FORMAT: u32 = 2;

const MANIFEST: &str = "index.json";
const VECTORS: &str = "vectors.f32";
const NAMES: &str = "names.f32";
const JOBS: &str = "jobs.jsonl";
const ANN_JOBS: &str = "ann-jobs.usearch";
const ANN_NAMES: &str = "ann-names.usearch";

/// With [`AnnMode::Auto`], an index of at least this many jobs gets an
/// approximate index. Measured (`cargo bench -p jobfit --bench ann --
/// --threshold`, 384-dimensional vectors, 2 cores of an AMD EPYC, AVX2):
/// an exact top-10 scan takes 6.0 / 9.1 ms (p50 / p99) at 50,000 jobs and
/// 12.4 / 22.4 ms at 100,000, so from here on the graph keeps queries under
/// 10 ms.
pub const ANN_AUTO_MIN_JOBS: usize = 50_000;

/// A filter that keeps at most this many jobs is answered by scoring those
/// jobs exactly rather than by walking the graph: exact, and cheaper than a
/// graph walk that must skip most nodes. Measured on 1M jobs on the machine
/// of [`ANN_AUTO_MIN_JOBS`] (`benches/ann.rs`, `--exact-only` and
/// `--vectors-only --storage i8`), the p99 of a top-10 search that scores
/// the kept jobs exactly, then of one that walks the graph (128
/// candidates), with a filter keeping 1% (10,000 jobs): 6.4 and 57.6 ms;
/// 2%: 12.1 and 39.4 ms; 5%: 22.8 and 18.6 ms; 10%: 33.5 and 9.3 ms. The
/// crossover lies between 20,000 and 50,000 kept jobs; the lower end keeps
/// exact searches under about 12 ms.
pub const EXACT_FILTERED_MAX: usize = 20_000;

/// When an index keeps an approximate (HNSW) index beside its exact vectors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnMode {
    /// From [`ANN_AUTO_MIN_JOBS`] jobs on (built when an index is built or
    /// snapshotted past that size). The default.
    #[default]
    Auto,
    /// Always, whatever the size.
    Always,
    /// Never: every search is exact.
    Never,
}

impl AnnMode {
    fn wants(self, jobs: usize) -> bool {
        match self {
            Self::Auto => jobs >= ANN_AUTO_MIN_JOBS,
            Self::Always => true,
            Self::Never => false,
        }
    }
}

impl std::str::FromStr for AnnMode {
    type Err = MatchError;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "always" | "on" | "yes" => Ok(Self::Always),
            "never" | "off" | "no" => Ok(Self::Never),
            _ => Err(MatchError::InvalidOption {
                name: "ann",
                value: text.to_string(),
                reason: "use auto, always or never".into(),
            }),
        }
    }
}

/// By default the change log is folded into a new snapshot once it holds
/// more than this many bytes and more than half the snapshot's size.
pub const DEFAULT_COMPACT_BYTES: u64 = 64 << 20;

/// When to draw a progress bar while embedding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressMode {
    /// When standard error is a terminal. The default.
    #[default]
    Auto,
    /// Always (drawn on standard error).
    Always,
    /// Never.
    Never,
}

impl ProgressMode {
    /// A progress bar of `len` steps, hidden unless this mode draws one.
    pub(crate) fn bar(self, len: u64, message: &'static str) -> ProgressBar {
        let draw = match self {
            Self::Auto => std::io::stderr().is_terminal(),
            Self::Always => true,
            Self::Never => false,
        };
        if !draw {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        // The template is a constant, checked by the unit test `progress_template_parses`.
        if let Ok(style) = ProgressStyle::with_template(PROGRESS_TEMPLATE) {
            bar.set_style(style);
        }
        bar.set_message(message);
        bar
    }
}

const PROGRESS_TEMPLATE: &str = "{msg} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)";

/// How an index is built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndexOptions {
    /// The parts of each job embedded. Default: title, description, skills.
    pub fields: JobFields,
    /// Jobs embedded per call to the embedder (the embedder batches within
    /// a call). Default 256.
    pub chunk_size: usize,
    /// Progress bar. Default [`ProgressMode::Auto`].
    pub progress: ProgressMode,
    /// Also embed each job's names (title and aliases) one by one, for
    /// [`RecommendOptions::name_weight`](crate::RecommendOptions::name_weight).
    /// Default true.
    pub names: bool,
    /// When to keep an approximate index. Default [`AnnMode::Auto`].
    pub ann: AnnMode,
    /// The approximate index's parameters.
    pub ann_options: AnnOptions,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            fields: JobFields::default(),
            chunk_size: 256,
            progress: ProgressMode::Auto,
            names: true,
            ann: AnnMode::Auto,
            ann_options: AnnOptions::default(),
        }
    }
}

impl IndexOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the fields embedded.
    #[must_use]
    pub fn with_fields(mut self, fields: JobFields) -> Self {
        self.fields = fields;
        self
    }

    /// Sets the number of jobs per embedder call.
    #[must_use]
    pub fn with_chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Sets when to draw a progress bar.
    #[must_use]
    pub fn with_progress(mut self, progress: ProgressMode) -> Self {
        self.progress = progress;
        self
    }

    /// Sets whether the names of each job (title and aliases) are embedded.
    #[must_use]
    pub fn with_names(mut self, names: bool) -> Self {
        self.names = names;
        self
    }

    /// Sets when to keep an approximate index.
    #[must_use]
    pub fn with_ann(mut self, ann: AnnMode) -> Self {
        self.ann = ann;
        self
    }

    /// Sets the approximate index's parameters.
    #[must_use]
    pub fn with_ann_options(mut self, options: AnnOptions) -> Self {
        self.ann_options = options;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.chunk_size == 0 {
            return Err(MatchError::InvalidOption {
                name: "chunk_size",
                value: "0".into(),
                reason: "embed at least one job per call (default 256)".into(),
            });
        }
        Ok(())
    }
}

/// A file of an index directory, with its size and checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileEntry {
    file: String,
    bytes: u64,
    xxh3: String,
}

/// What `index.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    /// Which snapshot this is: the change log beside it must carry the same
    /// number. 0 for a format-1 directory.
    #[serde(default)]
    generation: u64,
    model: ModelIdentity,
    fields: JobFields,
    /// The number of jobs.
    count: usize,
    /// The number of positions (jobs and free positions); format 1: `count`.
    #[serde(default)]
    positions: Option<usize>,
    dim: usize,
    /// A fingerprint of the jobs and fields, to tell whether a cached index
    /// still belongs to a catalog.
    catalog_fingerprint: String,
    vectors: FileEntry,
    /// The name vectors; absent in an index built without names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    names: Option<NamesEntry>,
    jobs: FileEntry,
    /// When the index keeps an approximate index, and its files.
    #[serde(default)]
    ann: AnnEntry,
    created_by: String,
}

/// The approximate index of `index.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct AnnEntry {
    mode: AnnMode,
    options: AnnOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    jobs: Option<FileEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    names: Option<FileEntry>,
}

/// The name vectors of `index.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct NamesEntry {
    count: usize,
    vectors: FileEntry,
}

/// The approximate indexes: of the job vectors (keyed by position) and of
/// the name vectors (keyed `position << 16 | ordinal`).
#[derive(Debug)]
struct Ann {
    jobs: AnnIndex,
    names: Option<AnnIndex>,
}

/// The key of name `ordinal` of the job at `position` in the names' approximate index.
fn name_key(position: usize, ordinal: usize) -> usize {
    position << 16 | ordinal
}

/// The jobs, vectors and lookup tables of an index, as of one moment.
#[derive(Debug)]
struct State {
    /// Position -> job (`None`: a free position).
    jobs: Vec<Option<Arc<Job>>>,
    by_id: HashMap<String, usize>,
    /// Free positions, reused lowest first.
    free: BTreeSet<usize>,
    /// Position -> fingerprint of the indexed text and names (0 when free).
    hashes: Vec<u64>,
    vectors: ExactIndex,
    names: Option<JobNames>,
    ann: Option<Ann>,
    facts: CatalogFacts,
    filters: FilterIndex,
    /// Bumped by every change.
    version: u64,
}

impl State {
    fn empty(dim: usize, names: bool) -> Result<Self> {
        Ok(Self {
            jobs: Vec::new(),
            by_id: HashMap::new(),
            free: BTreeSet::new(),
            hashes: Vec::new(),
            vectors: ExactIndex::new(dim)?,
            names: if names {
                Some(JobNames::new(dim)?)
            } else {
                None
            },
            ann: None,
            facts: CatalogFacts::default(),
            filters: FilterIndex::default(),
            version: 0,
        })
    }

    /// A state over jobs at positions `0..`, `None` for free positions, with
    /// one vector row per position.
    fn from_slots(
        jobs: Vec<Option<Job>>,
        vectors: ExactIndex,
        names: Option<JobNames>,
        fields: &JobFields,
    ) -> Result<Self> {
        if vectors.rows() != jobs.len() {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "{} vectors for {} jobs: give one vector per job",
                    vectors.rows(),
                    jobs.len()
                ),
            });
        }
        let mut state = Self {
            jobs: Vec::with_capacity(jobs.len()),
            by_id: HashMap::with_capacity(jobs.len()),
            free: BTreeSet::new(),
            hashes: Vec::with_capacity(jobs.len()),
            vectors,
            names,
            ann: None,
            facts: CatalogFacts::default(),
            filters: FilterIndex::default(),
            version: 0,
        };
        let with_names = state.names.is_some();
        for (position, job) in jobs.into_iter().enumerate() {
            match job {
                Some(job) => {
                    if let Some(first) = state.by_id.insert(job.id.clone(), position) {
                        return Err(MatchError::DuplicateId {
                            path: None,
                            id: job.id.clone(),
                            first: format!("record {}", first + 1),
                            second: format!("record {}", position + 1),
                        });
                    }
                    state
                        .hashes
                        .push(text_hash(&fields.text(&job), &job, with_names));
                    state.facts.add(&job);
                    state.filters.add(position, &job);
                    state.jobs.push(Some(Arc::new(job)));
                }
                None => {
                    // A free position holds no vector.
                    let _ = state.vectors.remove(position);
                    state.free.insert(position);
                    state.hashes.push(0);
                    state.jobs.push(None);
                }
            }
        }
        Ok(state)
    }

    fn len(&self) -> usize {
        self.by_id.len()
    }

    fn job(&self, position: usize) -> Option<&Arc<Job>> {
        self.jobs.get(position).and_then(Option::as_ref)
    }

    /// Where a new job goes: the lowest free position, else a new one.
    fn next_position(&self, taken: &BTreeSet<usize>) -> usize {
        self.free
            .iter()
            .find(|position| !taken.contains(position))
            .copied()
            .unwrap_or_else(|| self.jobs.len().max(taken.last().map_or(0, |p| p + 1)))
    }

    /// Applies one change; `Err` holds why it cannot be applied (a message
    /// for a corrupt log).
    fn apply(&mut self, change: Change) -> std::result::Result<(), String> {
        match change {
            Change::Upsert {
                position,
                hash,
                job,
                vector,
                names,
            } => {
                if let Some(&existing) = self.by_id.get(&job.id)
                    && existing != position
                {
                    return Err(format!(
                        "job {:?} is at position {existing}, not {position}",
                        job.id
                    ));
                }
                if let Some(other) = self.job(position)
                    && other.id != job.id
                {
                    return Err(format!(
                        "position {position} holds job {:?}, not {:?}",
                        other.id, job.id
                    ));
                }
                let dim = self.vectors.dim();
                if !names.len().is_multiple_of(dim) {
                    return Err(format!(
                        "the names of job {:?} are not whole vectors",
                        job.id
                    ));
                }
                let rows = ArrayView2::from_shape((names.len() / dim, dim), &names)
                    .map_err(|error| error.to_string())?;
                // A posting whose text changed usually keeps its names: then
                // neither the name rows nor their approximate index change.
                let same_names = self.job(position).is_some()
                    && self
                        .names
                        .as_ref()
                        .is_none_or(|store| store.has_names(position, rows));
                if let Some(ann) = &mut self.ann {
                    ann.jobs
                        .set(position, &vector)
                        .map_err(|error| error.to_string())?;
                    if let (Some(ann_names), Some(store), false) =
                        (&mut ann.names, &self.names, same_names)
                    {
                        for ordinal in 0..store.rows_of(position).len() {
                            ann_names
                                .remove(name_key(position, ordinal))
                                .map_err(|error| error.to_string())?;
                        }
                        for (ordinal, row) in rows.rows().into_iter().enumerate() {
                            ann_names
                                .set(name_key(position, ordinal), &row.to_vec())
                                .map_err(|error| error.to_string())?;
                        }
                    }
                }
                self.vectors
                    .set(position, &vector)
                    .map_err(|error| error.to_string())?;
                if let (Some(store), false) = (&mut self.names, same_names) {
                    store
                        .set_job(position, rows)
                        .map_err(|error| error.to_string())?;
                }
                self.remove_lookups(position);
                if self.jobs.len() <= position {
                    for free in self.jobs.len()..position {
                        self.free.insert(free);
                    }
                    self.jobs.resize(position + 1, None);
                    self.hashes.resize(position + 1, 0);
                }
                self.free.remove(&position);
                self.facts.add(&job);
                self.filters.add(position, &job);
                self.by_id.insert(job.id.clone(), position);
                self.hashes[position] = hash;
                self.jobs[position] = Some(Arc::new(job));
            }
            Change::Delete { id } => {
                let Some(position) = self.by_id.get(&id).copied() else {
                    return Ok(());
                };
                self.remove_lookups(position);
                if let Some(ann) = &mut self.ann {
                    ann.jobs
                        .remove(position)
                        .map_err(|error| error.to_string())?;
                    if let (Some(ann_names), Some(store)) = (&mut ann.names, &self.names) {
                        for ordinal in 0..store.rows_of(position).len() {
                            ann_names
                                .remove(name_key(position, ordinal))
                                .map_err(|error| error.to_string())?;
                        }
                    }
                }
                // The exact index never fails to remove.
                let _ = self.vectors.remove(position);
                if let Some(names) = &mut self.names {
                    names.remove_job(position);
                }
                self.by_id.remove(&id);
                self.jobs[position] = None;
                self.hashes[position] = 0;
                self.free.insert(position);
            }
        }
        self.version += 1;
        Ok(())
    }

    /// Builds the approximate indexes of the current vectors.
    fn build_ann(&self, options: AnnOptions) -> Result<Ann> {
        let dim = self.vectors.dim();
        let live: Vec<usize> = (0..self.jobs.len())
            .filter(|&position| self.job(position).is_some())
            .collect();
        let mut jobs = AnnIndex::new(dim, options)?;
        let mut data = Vec::with_capacity(live.len() * dim);
        for &position in &live {
            data.extend_from_slice(self.vectors.vector(position).unwrap_or(&[]));
        }
        let rows = ArrayView2::from_shape((live.len(), dim), &data)
            .map_err(|error| MatchError::Backend(error.to_string()))?;
        jobs.add_at(&live, rows)?;
        let names = match &self.names {
            Some(store) => {
                let mut keys = Vec::with_capacity(store.len());
                let mut data = Vec::with_capacity(store.len() * dim);
                for &position in &live {
                    for (ordinal, row) in store.rows_of(position).enumerate() {
                        keys.push(name_key(position, ordinal));
                        data.extend_from_slice(store.vectors().vector(row).unwrap_or(&[]));
                    }
                }
                let rows = ArrayView2::from_shape((keys.len(), dim), &data)
                    .map_err(|error| MatchError::Backend(error.to_string()))?;
                let mut names = AnnIndex::new(dim, options)?;
                names.add_at(&keys, rows)?;
                Some(names)
            }
            None => None,
        };
        Ok(Ann { jobs, names })
    }

    /// Drops the facts and filter entries of the job at `position`, if any.
    fn remove_lookups(&mut self, position: usize) {
        if let Some(old) = self.job(position).cloned() {
            self.facts.remove(&old);
            self.filters.remove(position, &old);
        }
    }

    /// The positions a filter keeps: `None` for every job.
    fn allowed(&self, filter: &JobFilter) -> Option<Vec<usize>> {
        if filter.is_empty() {
            return None;
        }
        let candidates = self.filters.candidates(filter);
        let keep = |&position: &usize| self.job(position).is_some_and(|job| filter.matches(job));
        Some(match candidates {
            // The postings decide a filter of metadata alone: no job is read.
            Some(kept) if filter.location.is_none() && filter.salary.is_none() => kept,
            Some(candidates) => candidates.into_iter().filter(keep).collect(),
            None => (0..self.jobs.len()).filter(keep).collect(),
        })
    }
}

/// A fingerprint of what an index embeds of a job: its text and, when names
/// are embedded, its names. Equal fingerprints need no new embedding.
fn text_hash(text: &str, job: &Job, with_names: bool) -> u64 {
    let mut bytes = text.as_bytes().to_vec();
    if with_names {
        for name in job_names(job) {
            bytes.push(0);
            bytes.extend_from_slice(name.as_bytes());
        }
    }
    // 0 marks a free position.
    xxhash_rust::xxh3::xxh3_64(&bytes).max(1)
}

/// What an upsert embedded of one job: its text vector and its name
/// vectors (row-major), `None` for a part it did not embed.
type EmbeddedParts = (Option<Vec<f32>>, Option<Vec<f32>>);

/// Which parts of a job an upsert embeds: its indexed text, its names.
#[derive(Debug, Clone, Copy)]
struct Parts {
    text: bool,
    names: bool,
}

impl Parts {
    const ALL: Self = Self {
        text: true,
        names: true,
    };
}

/// The writing side of an index: its directory, change log and lock.
#[derive(Debug)]
struct Writer {
    dir: Option<PathBuf>,
    generation: u64,
    /// Opened on the first change.
    log: Option<LogWriter>,
    /// The bytes of the log read at open, kept until the log is opened for writing.
    replayed: Option<wal::Replay>,
    /// Held while this process may write the directory.
    lock: Option<std::fs::File>,
    /// The snapshot's size in bytes, for the compaction threshold.
    snapshot_bytes: u64,
    /// A fixed compaction threshold, instead of the default policy.
    compact_bytes: Option<u64>,
    /// The change log's length as this process last saw or wrote it: a
    /// different length on disk means another writer changed the index.
    log_seen: u64,
}

impl Writer {
    /// The log size past which it is folded into a new snapshot.
    fn compact_threshold(&self) -> u64 {
        self.compact_bytes
            .unwrap_or_else(|| DEFAULT_COMPACT_BYTES.max(self.snapshot_bytes / 2))
    }
}

/// BM25 over the job texts of one version of the index, one document per
/// position. A change of the index updates it in place: only the jobs that
/// changed are tokenized again.
#[derive(Debug)]
struct Lexical {
    version: u64,
    bm25: Bm25,
    /// Position -> the job indexed there, to tell what changed since.
    jobs: Vec<Option<Arc<Job>>>,
}

/// A catalog, one vector per job (and per job name), and the identity of
/// the model that made the vectors: the embedded [`JobStore`].
///
/// An index is `Send + Sync` and changes through `&self`: searches run
/// concurrently and see each change whole. An index loaded from or saved
/// to a directory writes its changes there durably (see the module docs);
/// one built in memory keeps them in memory.
///
/// ```
/// use jobfit_match::{Catalog, JobIndex, JobStore};
/// # use jobfit_model::{BertConfig, BertModel, EmbedderOptions, TextEmbedder};
/// # use jobfit_text::TextTokenizer;
/// # let tokenizer = TextTokenizer::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny-tokenizer.json"))?;
/// # let config = BertConfig::tiny(tokenizer.vocab_size());
/// # let device = burn::prelude::Device::flex();
/// # let model = BertModel::init(&config, &device)?;
/// # let embedder = TextEmbedder::from_parts(model, tokenizer, config, EmbedderOptions::default(), "tiny", "t", &device)?;
/// use jobfit_text::Job;
///
/// let catalog = Catalog::from_jobs(vec![Job::new("1", "Baker"), Job::new("2", "Nurse")])?;
/// let index = JobIndex::build(catalog, &embedder, &Default::default())?;
/// let report = index.upsert(vec![Job::new("3", "Welder"), Job::new("1", "Baker")], &embedder)?;
/// assert_eq!((report.added, report.unchanged), (1, 1));
/// index.delete(&["2".to_string()])?;
/// assert_eq!(index.len(), 2);
/// assert!(index.get("2").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct JobIndex {
    state: RwLock<State>,
    model: ModelIdentity,
    fields: JobFields,
    with_names: bool,
    ann_mode: AnnMode,
    ann_options: AnnOptions,
    writer: Mutex<Writer>,
    lexical: RwLock<Option<Lexical>>,
}

fn hash_hex(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// A fingerprint of a catalog's jobs and the fields embedded.
fn fingerprint(jobs_jsonl: &str, fields: &JobFields) -> String {
    let mut bytes = jobs_jsonl.as_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(fields.to_string().as_bytes());
    hash_hex(&bytes)
}

impl JobIndex {
    fn with_state(state: State, model: ModelIdentity, fields: JobFields) -> Self {
        Self {
            with_names: state.names.is_some(),
            ann_mode: AnnMode::Auto,
            ann_options: AnnOptions::default(),
            state: RwLock::new(state),
            model,
            fields,
            writer: Mutex::new(Writer {
                dir: None,
                generation: 0,
                log: None,
                replayed: None,
                lock: None,
                snapshot_bytes: 0,
                compact_bytes: None,
                log_seen: 0,
            }),
            lexical: RwLock::new(None),
        }
    }

    /// An index with no job yet, for `model`'s vectors; add jobs with
    /// [`JobIndex::upsert`].
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for a model with 0-wide vectors.
    pub fn empty(model: ModelIdentity, options: &IndexOptions) -> Result<Self> {
        let state = State::empty(model.dim, options.names)?;
        let mut index = Self::with_state(state, model, options.fields.clone());
        index.set_ann(options.ann, options.ann_options)?;
        Ok(index)
    }

    /// Embeds every job of `catalog` with `embedder`.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidOption`] for bad options, and the embedder's errors.
    pub fn build(
        catalog: Catalog,
        embedder: &TextEmbedder,
        options: &IndexOptions,
    ) -> Result<Self> {
        options.validate()?;
        let texts = catalog.texts(&options.fields);
        let vectors = embed_all(&texts, embedder, options, "embedding jobs")?;
        let names = if options.names {
            let names: Vec<String> = catalog.jobs().iter().flat_map(job_names).collect();
            Some(embed_all(&names, embedder, options, "embedding job names")?)
        } else {
            None
        };
        let index = Self::from_parts(
            catalog,
            vectors,
            embedder.identity().clone(),
            options.fields.clone(),
        )?;
        let mut index = match names {
            Some(names) => index.with_names(names)?,
            None => index,
        };
        index.set_ann(options.ann, options.ann_options)?;
        Ok(index)
    }

    /// Sets when the index keeps an approximate index and with which
    /// parameters; builds it now when the mode wants one for the current
    /// size (and drops it when not).
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidOption`] for parameters out of range, and the
    /// approximate index's errors.
    pub fn set_ann(&mut self, mode: AnnMode, options: AnnOptions) -> Result<()> {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        let rebuild = options != self.ann_options;
        self.ann_mode = mode;
        self.ann_options = options;
        if !mode.wants(state.len()) {
            state.ann = None;
        } else if state.ann.is_none() || rebuild {
            state.ann = Some(state.build_ann(options)?);
        }
        Ok(())
    }

    /// Sets the candidates kept while searching the approximate indexes
    /// without a filter (`ef`; larger: higher recall, slower).
    pub fn set_ann_expansion(&self, expansion: usize) {
        self.change_ann(|ann| ann.set_expansion_search(expansion));
    }

    /// Sets the candidates kept while a filtered search walks the
    /// approximate indexes (see [`AnnOptions::expansion_filtered`]).
    pub fn set_ann_filtered_expansion(&self, expansion: usize) {
        self.change_ann(|ann| ann.set_expansion_filtered(expansion));
    }

    /// Applies `change` to the approximate index of the jobs and of their names.
    fn change_ann(&self, change: impl Fn(&mut AnnIndex)) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(ann) = &mut state.ann {
            change(&mut ann.jobs);
            if let Some(names) = &mut ann.names {
                change(names);
            }
        }
    }

    /// Whether the index holds an approximate index now.
    pub fn has_ann(&self) -> bool {
        self.read().ann.is_some()
    }

    /// When the index keeps an approximate index.
    pub fn ann_mode(&self) -> AnnMode {
        self.ann_mode
    }

    /// The bytes held by the approximate indexes (0 without).
    pub fn ann_memory(&self) -> usize {
        self.read().ann.as_ref().map_or(0, |ann| {
            ann.jobs.memory_usage() + ann.names.as_ref().map_or(0, AnnIndex::memory_usage)
        })
    }

    /// Assembles an index from vectors computed elsewhere (row `i` belongs
    /// to job `i`).
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] when the counts or widths disagree.
    pub fn from_parts(
        catalog: Catalog,
        vectors: ExactIndex,
        model: ModelIdentity,
        fields: JobFields,
    ) -> Result<Self> {
        if vectors.dim() != model.dim {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "the vectors are {}-wide but the model {:?} makes {}-wide vectors",
                    vectors.dim(),
                    model.name,
                    model.dim
                ),
            });
        }
        let jobs = catalog.into_jobs().into_iter().map(Some).collect();
        let state = State::from_slots(jobs, vectors, None, &fields)?;
        Ok(Self::with_state(state, model, fields))
    }

    /// Adds name vectors computed elsewhere: one row per name of each job,
    /// in [`job_names`] order, job by job.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] when the count or width disagrees.
    pub fn with_names(self, names: ExactIndex) -> Result<Self> {
        let mut state = self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if names.dim() != state.vectors.dim() {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "the name vectors are {}-wide but the job vectors {}-wide",
                    names.dim(),
                    state.vectors.dim()
                ),
            });
        }
        let counts: Vec<usize> = state
            .jobs
            .iter()
            .map(|job| job.as_ref().map_or(0, |job| job_names(job).len()))
            .collect();
        state.names = Some(JobNames::from_counts(names, &counts)?);
        // The fingerprints now cover the names too.
        for (position, job) in state.jobs.iter().enumerate() {
            if let Some(job) = job {
                state.hashes[position] = text_hash(&self.fields.text(job), job, true);
            }
        }
        let mut index = Self::with_state(state, self.model, self.fields);
        index.ann_mode = self.ann_mode;
        index.ann_options = self.ann_options;
        Ok(index)
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the index to `dir` as a snapshot, replacing any previous
    /// content atomically. An index not yet tied to a directory is tied to
    /// `dir` from then on: its later changes are written there.
    ///
    /// # Errors
    ///
    /// [`MatchError::Io`] / [`MatchError::Model`] (an I/O error naming the
    /// path) when writing fails, [`MatchError::IndexLocked`] when `dir` is
    /// the directory of an index another process is writing.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        let mut writer = self.writer();
        let own = writer.dir.as_deref().is_some_and(|own| same_dir(own, dir));
        if own || writer.dir.is_none() {
            // A live writer holds the lock already; anyone else takes it for the write.
            let _lock = match writer.lock {
                Some(_) => None,
                None => Some(lock_dir(dir)?),
            };
            if own && writer.lock.is_none() {
                check_unchanged(dir, writer.generation, writer.log_seen)?;
            }
            let generation = writer.generation + 1;
            let bytes = self.write_snapshot(dir, generation)?;
            writer.dir = Some(dir.to_path_buf());
            writer.generation = generation;
            writer.snapshot_bytes = bytes;
            writer.log = None;
            writer.replayed = None;
            writer.log_seen = wal::HEADER_LEN;
            return Ok(());
        }
        // A copy elsewhere: the index stays tied to its own directory.
        let _lock = lock_dir(dir)?;
        self.write_snapshot(dir, 1).map(|_| ())
    }

    /// Writes a snapshot of the current state with an empty change log;
    /// returns the snapshot's size in bytes.
    fn write_snapshot(&self, dir: &Path, generation: u64) -> Result<u64> {
        {
            // An index that grew past the threshold gets its approximate index now.
            let wants = self.ann_mode.wants(self.read().len());
            let has = self.read().ann.is_some();
            if wants != has {
                let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
                state.ann = if wants {
                    Some(state.build_ann(self.ann_options)?)
                } else {
                    None
                };
            }
        }
        let state = self.read();
        let mut jobs = String::new();
        for job in &state.jobs {
            let line = match job {
                Some(job) => serde_json::to_string(job.as_ref()).map_err(|error| {
                    MatchError::Backend(format!("cannot serialize job {:?}: {error}", job.id))
                })?,
                None => "null".to_string(),
            };
            jobs.push_str(&line);
            jobs.push('\n');
        }
        let vector_bytes = le_bytes(state.vectors.as_flat());
        let names = state.names.as_ref().map(JobNames::compacted);
        let name_bytes = names
            .as_ref()
            .map(|names| le_bytes(names.vectors().as_flat()));
        let manifest = Manifest {
            format: INDEX_FORMAT,
            generation,
            model: self.model.clone(),
            fields: self.fields.clone(),
            count: state.len(),
            positions: Some(state.jobs.len()),
            dim: state.vectors.dim(),
            catalog_fingerprint: fingerprint(&live_jsonl(&state)?, &self.fields),
            vectors: entry(VECTORS, &vector_bytes),
            names: names
                .as_ref()
                .zip(name_bytes.as_ref())
                .map(|(names, bytes)| NamesEntry {
                    count: names.len(),
                    vectors: entry(NAMES, bytes),
                }),
            jobs: entry(JOBS, jobs.as_bytes()),
            ann: AnnEntry {
                mode: self.ann_mode,
                options: self.ann_options,
                jobs: None,
                names: None,
            },
            created_by: format!("jobfit-match {}", env!("CARGO_PKG_VERSION")),
        };
        let mut manifest = manifest;
        let log_header = wal::header(generation, self.model.dim)?;
        let total =
            (vector_bytes.len() + jobs.len() + name_bytes.as_ref().map_or(0, Vec::len)) as u64;
        let mut ann_error = None;
        jobfit_model::write_dir_atomically(dir, |staging| {
            write_file(&staging.join(VECTORS), &vector_bytes)?;
            if let Some(bytes) = &name_bytes {
                write_file(&staging.join(NAMES), bytes)?;
            }
            write_file(&staging.join(JOBS), jobs.as_bytes())?;
            write_file(&staging.join(LOG_FILE), &log_header)?;
            if let Some(ann) = &state.ann {
                let saved = save_ann(&ann.jobs, &staging.join(ANN_JOBS)).and_then(|jobs| {
                    let names = match &ann.names {
                        Some(names) => Some(save_ann(names, &staging.join(ANN_NAMES))?),
                        None => None,
                    };
                    Ok((jobs, names))
                });
                match saved {
                    Ok((jobs, names)) => {
                        manifest.ann.jobs = Some(jobs);
                        manifest.ann.names = names;
                    }
                    Err(error) => {
                        ann_error = Some(error);
                        return Err(jobfit_model::ModelError::InvalidArgument(
                            "the approximate index could not be saved".into(),
                        ));
                    }
                }
            }
            let manifest = serde_json::to_vec_pretty(&manifest).map_err(|error| {
                jobfit_model::ModelError::InvalidArgument(format!(
                    "cannot serialize the index manifest: {error}"
                ))
            })?;
            // The manifest last: a directory with a manifest is complete.
            write_file(&staging.join(MANIFEST), &manifest)
        })
        .map_err(|error| ann_error.take().unwrap_or_else(|| error.into()))?;
        drop(state);
        sync_parent(dir);
        Ok(total)
    }

    /// Loads an index saved by [`JobIndex::save`] and replays its change
    /// log; later changes are written to `dir`.
    ///
    /// # Errors
    ///
    /// [`MatchError::CorruptIndex`] when the directory is not an index, is of
    /// another format, or a file is missing, truncated or altered, or the
    /// change log is damaged before its last committed change.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let corrupt = |message: String| MatchError::CorruptIndex {
            path: dir.to_path_buf(),
            message,
        };
        if !dir.is_dir() {
            return Err(corrupt("it does not exist or is not a directory".into()));
        }
        let manifest_bytes = match std::fs::read(dir.join(MANIFEST)) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(corrupt(format!(
                    "{MANIFEST} is missing, so this is not a jobfit index (or its writing was interrupted)"
                )));
            }
            Err(source) => {
                return Err(MatchError::Io {
                    path: dir.join(MANIFEST),
                    source,
                });
            }
        };
        // Read the format alone first, so another layout gets a clear message.
        let format = serde_json::from_slice::<serde_json::Value>(&manifest_bytes)
            .ok()
            .and_then(|value| value.get("format").and_then(serde_json::Value::as_u64));
        if let Some(format) = format
            && !(1..=u64::from(INDEX_FORMAT)).contains(&format)
        {
            return Err(corrupt(format!(
                "index format {format} is not supported (this version reads formats 1 to \
                 {INDEX_FORMAT}; an index from a newer jobfit needs that version)"
            )));
        }
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|error| corrupt(format!("{MANIFEST} is malformed: {error}")))?;
        let read_checked = |entry: &FileEntry| -> Result<Vec<u8>> {
            let path = dir.join(&entry.file);
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    return Err(corrupt(format!("{} is missing", entry.file)));
                }
                Err(source) => return Err(MatchError::Io { path, source }),
            };
            if bytes.len() as u64 != entry.bytes {
                return Err(corrupt(format!(
                    "{} has {} bytes but the manifest records {} (truncated or replaced)",
                    entry.file,
                    bytes.len(),
                    entry.bytes
                )));
            }
            let actual = hash_hex(&bytes);
            if actual != entry.xxh3 {
                return Err(corrupt(format!(
                    "{} has checksum {actual} but the manifest records {} (the file was altered)",
                    entry.file, entry.xxh3
                )));
            }
            Ok(bytes)
        };
        if manifest.model.dim != manifest.dim {
            return Err(corrupt(format!(
                "the model makes {}-wide vectors but the index holds {}-wide ones",
                manifest.model.dim, manifest.dim
            )));
        }
        let positions = manifest.positions.unwrap_or(manifest.count);
        let vector_bytes = read_checked(&manifest.vectors)?;
        let job_bytes = read_checked(&manifest.jobs)?;
        let vectors = vectors_from(&vector_bytes, positions, manifest.dim, VECTORS, "positions")
            .map_err(corrupt)?;
        drop(vector_bytes);
        let jobs =
            String::from_utf8(job_bytes).map_err(|_| corrupt(format!("{JOBS} is not UTF-8")))?;
        let slots = parse_jobs(&jobs).map_err(|message| corrupt(format!("{JOBS}: {message}")))?;
        drop(jobs);
        let live = slots.iter().filter(|job| job.is_some()).count();
        if slots.len() != positions || live != manifest.count {
            return Err(corrupt(format!(
                "{JOBS} holds {live} jobs at {} positions but the manifest records {} at {positions}",
                slots.len(),
                manifest.count
            )));
        }
        let names = match &manifest.names {
            Some(entry) => {
                let bytes = read_checked(&entry.vectors)?;
                let vectors = vectors_from(&bytes, entry.count, manifest.dim, NAMES, "names")
                    .map_err(corrupt)?;
                let counts: Vec<usize> = slots
                    .iter()
                    .map(|job| job.as_ref().map_or(0, |job| job_names(job).len()))
                    .collect();
                Some(
                    JobNames::from_counts(vectors, &counts)
                        .map_err(|error| corrupt(format!("{NAMES}: {error}")))?,
                )
            }
            None => None,
        };
        let mut state = State::from_slots(slots, vectors, names, &manifest.fields)
            .map_err(|error| corrupt(format!("{JOBS}: {error}")))?;
        if let Some(entry) = &manifest.ann.jobs {
            let options = manifest.ann.options;
            let jobs = load_ann(dir, entry, manifest.dim, positions, options)?;
            let names = match &manifest.ann.names {
                Some(entry) => Some(load_ann(
                    dir,
                    entry,
                    manifest.dim,
                    positions << 16,
                    options,
                )?),
                None => None,
            };
            state.ann = Some(Ann { jobs, names });
        }
        // Replay the changes made since the snapshot.
        let replay = wal::read(&dir.join(LOG_FILE), dir, manifest.generation, manifest.dim)?;
        for change in replay.batches.iter().flatten() {
            state
                .apply(change.clone())
                .map_err(|message| corrupt(format!("{LOG_FILE}: {message}")))?;
        }
        let snapshot_bytes = manifest.vectors.bytes
            + manifest.jobs.bytes
            + manifest
                .names
                .as_ref()
                .map_or(0, |names| names.vectors.bytes);
        let mut index = Self::with_state(state, manifest.model, manifest.fields);
        index.ann_mode = manifest.ann.mode;
        index.ann_options = manifest.ann.options;
        {
            let mut writer = index.writer();
            writer.dir = Some(dir.to_path_buf());
            writer.generation = manifest.generation;
            writer.snapshot_bytes = snapshot_bytes;
            writer.log_seen = replay.committed_len + replay.dropped_bytes;
            writer.replayed = Some(replay);
        }
        Ok(index)
    }

    /// Opens an index directory for serving and changing: [`JobIndex::load`].
    ///
    /// # Errors
    ///
    /// As [`JobIndex::load`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::load(dir)
    }

    /// Loads the index at `dir` when it holds `catalog` (same jobs, same
    /// fields) embedded by a model compatible with `embedder`; otherwise
    /// builds it and saves it there. Returns the index and whether it was
    /// built. A damaged directory is rebuilt.
    ///
    /// This is how a default catalog is cached: the second run loads in
    /// milliseconds instead of embedding every job again.
    ///
    /// # Errors
    ///
    /// As [`JobIndex::build`] and [`JobIndex::save`].
    pub fn load_or_build(
        dir: impl AsRef<Path>,
        catalog: &Catalog,
        embedder: &TextEmbedder,
        options: &IndexOptions,
    ) -> Result<(Self, bool)> {
        let dir = dir.as_ref();
        if let Ok(index) = Self::load(dir) {
            let wanted = fingerprint(&catalog.to_jsonl()?, &options.fields);
            let have = fingerprint(&live_jsonl(&index.read())?, &index.fields);
            if wanted == have
                && index.with_names == options.names
                && index.check_model(embedder.identity()).is_ok()
            {
                return Ok((index, false));
            }
        }
        let index = Self::build(catalog.clone(), embedder, options)?;
        index.save(dir)?;
        Ok((index, true))
    }

    /// Checks that vectors of `query_model` can be compared with this index's.
    ///
    /// # Errors
    ///
    /// [`MatchError::ModelMismatch`] naming both models.
    pub fn check_model(&self, query_model: &ModelIdentity) -> Result<()> {
        if self.model.compatible_with(query_model) {
            return Ok(());
        }
        Err(MatchError::ModelMismatch {
            path: self.path(),
            index: Box::new(self.model.clone()),
            query: Box::new(query_model.clone()),
        })
    }

    /// The jobs, in position order (a copy of the current state).
    pub fn jobs(&self) -> Vec<Arc<Job>> {
        self.read().jobs.iter().flatten().cloned().collect()
    }

    /// The jobs as a catalog, in position order (a copy of the current state).
    ///
    /// # Errors
    ///
    /// [`MatchError::EmptyCatalog`] when the index holds no job.
    pub fn catalog(&self) -> Result<Catalog> {
        Catalog::from_jobs(self.jobs().iter().map(|job| job.as_ref().clone()).collect())
    }

    /// The job with an id.
    pub fn get(&self, id: &str) -> Option<Job> {
        let state = self.read();
        let position = *state.by_id.get(id)?;
        state.job(position).map(|job| job.as_ref().clone())
    }

    /// The position of the job with an id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.read().by_id.get(id).copied()
    }

    /// The vector of the job with an id.
    pub fn vector(&self, id: &str) -> Option<Vec<f32>> {
        let state = self.read();
        let position = *state.by_id.get(id)?;
        state.vectors.vector(position).map(<[f32]>::to_vec)
    }

    /// The name vectors of the job with an id, title first (none without names).
    pub fn name_vectors(&self, id: &str) -> Vec<Vec<f32>> {
        let state = self.read();
        let (Some(&position), Some(names)) = (state.by_id.get(id), &state.names) else {
            return Vec::new();
        };
        names
            .rows_of(position)
            .filter_map(|row| names.vectors().vector(row).map(<[f32]>::to_vec))
            .collect()
    }

    /// A copy of the job vectors, one row per position (free positions
    /// removed). For tools and tests: on a large index this copies every vector.
    pub fn vectors(&self) -> ExactIndex {
        self.read().vectors.clone()
    }

    /// A copy of the name vectors (see [`JobIndex::vectors`]), when the
    /// index embeds names.
    pub fn names(&self) -> Option<JobNames> {
        self.read().names.clone()
    }

    /// The width of the vectors.
    pub fn dim(&self) -> usize {
        self.model.dim
    }

    /// The number of names embedded (0 without names).
    pub fn name_count(&self) -> usize {
        self.read().names.as_ref().map_or(0, JobNames::len)
    }

    /// Whether each job's names are embedded.
    pub fn has_names(&self) -> bool {
        self.with_names
    }

    /// The identity of the model that built the vectors.
    pub fn model(&self) -> &ModelIdentity {
        &self.model
    }

    /// The fields embedded.
    pub fn fields(&self) -> &JobFields {
        &self.fields
    }

    /// The directory the index writes its changes to, if any.
    pub fn path(&self) -> Option<PathBuf> {
        self.writer().dir.clone()
    }

    /// The number of jobs.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the index holds no job.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets the size in bytes past which the change log is folded into a
    /// new snapshot. By default: the larger of [`DEFAULT_COMPACT_BYTES`] and
    /// half the snapshot's size, so compaction costs stay proportional to
    /// the changes.
    pub fn set_compact_bytes(&self, bytes: u64) {
        self.writer().compact_bytes = Some(bytes);
    }

    /// Adds jobs, or replaces the jobs with their ids, embedding only jobs
    /// whose indexed text or names changed. For an index tied to a
    /// directory the change is on disk when this returns.
    ///
    /// # Errors
    ///
    /// [`MatchError::DuplicateId`] for an id twice in `jobs`,
    /// [`MatchError::InvalidJob`] for a job without id or title,
    /// [`MatchError::EmptyText`] for a job whose text cleans to nothing,
    /// [`MatchError::ModelMismatch`] when `embedder` is another model,
    /// [`MatchError::IndexLocked`] when another process writes the directory,
    /// and the embedder's and I/O errors. On error nothing is changed.
    pub fn upsert(&self, jobs: Vec<Job>, embedder: &TextEmbedder) -> Result<UpsertReport> {
        self.check_model(embedder.identity())?;
        let texts = indexed_texts(&jobs, &self.fields)?;
        let hashes: Vec<u64> = jobs
            .iter()
            .zip(&texts)
            .map(|(job, text)| text_hash(text, job, self.with_names))
            .collect();
        // What each job needs embedded, and which are identical to the stored ones.
        let (to_embed, identical): (Vec<(usize, Parts)>, Vec<bool>) = {
            let state = self.read();
            let mut to_embed = Vec::new();
            let mut identical = Vec::with_capacity(jobs.len());
            for (i, job) in jobs.iter().enumerate() {
                let stored = state.by_id.get(&job.id).copied();
                let same_text = stored.is_some_and(|p| state.hashes[p] == hashes[i]);
                let old = stored.and_then(|p| state.job(p));
                identical.push(same_text && old.is_some_and(|old| **old == *job));
                if !same_text {
                    // A changed posting usually keeps its title and aliases:
                    // embed only the part that changed.
                    let parts = match old {
                        Some(old) => Parts {
                            text: self.fields.text(old) != texts[i],
                            names: self.with_names && job_names(old) != job_names(job),
                        },
                        None => Parts::ALL,
                    };
                    to_embed.push((i, parts));
                }
            }
            (to_embed, identical)
        };
        let embedded = self.embed_jobs(&jobs, &texts, &to_embed, embedder)?;
        let mut writer = self.writer();
        let mut report = UpsertReport::default();
        let mut changes = Vec::new();
        {
            // The writer lock keeps other changes out until this batch is applied.
            let state = self.read();
            let mut taken = BTreeSet::new();
            let mut embedded = embedded.into_iter();
            let mut next = to_embed.iter().peekable();
            for (i, job) in jobs.into_iter().enumerate() {
                let fresh = if next.peek().is_some_and(|(j, _)| *j == i) {
                    next.next();
                    embedded.next()
                } else {
                    None
                };
                let stored = state.by_id.get(&job.id).copied();
                let vectors = match (fresh, stored) {
                    (Some((Some(vector), Some(names))), _) => Some((vector, names)),
                    // Part of it was embedded: the rest is the stored job's,
                    // if that part of the stored job is still the same.
                    (Some((vector, names)), Some(position)) => {
                        let old = state.job(position);
                        let vector = vector.or_else(|| {
                            old.filter(|old| self.fields.text(old) == texts[i])
                                .and_then(|_| copy_text_vector(&state, position))
                        });
                        let names = names.or_else(|| {
                            old.filter(|old| !self.with_names || job_names(old) == job_names(&job))
                                .map(|_| copy_name_vectors(&state, position))
                        });
                        vector.zip(names)
                    }
                    (None, Some(position)) if state.hashes[position] == hashes[i] => {
                        if identical[i] {
                            report.unchanged += 1;
                            continue;
                        }
                        Some(copy_vectors(&state, position))
                    }
                    // A part embedded for a job that is gone, or nothing
                    // embedded for a job whose text changed since it was read.
                    _ => None,
                };
                let (vector, names) = match vectors {
                    Some(vectors) => vectors,
                    // Changed since it was read: the text is no longer the one embedded.
                    None => {
                        let (vector, names) = self
                            .embed_jobs(
                                std::slice::from_ref(&job),
                                &texts[i..=i],
                                &[(0, Parts::ALL)],
                                embedder,
                            )?
                            .pop()
                            .unwrap_or_default();
                        (vector.unwrap_or_default(), names.unwrap_or_default())
                    }
                };
                let position = match stored {
                    Some(position) => {
                        if state.hashes[position] == hashes[i] {
                            report.unchanged += 1;
                        } else {
                            report.updated += 1;
                        }
                        position
                    }
                    None => {
                        report.added += 1;
                        let position = state.next_position(&taken);
                        taken.insert(position);
                        position
                    }
                };
                changes.push(Change::Upsert {
                    position,
                    hash: hashes[i],
                    job,
                    vector,
                    names,
                });
            }
        }
        self.commit(&mut writer, changes)?;
        Ok(report)
    }

    /// The vectors of the parts asked of `jobs[i]` for each `(i, parts)` in
    /// `which`: (text vector, name vectors row-major), `None` for a part not
    /// asked.
    fn embed_jobs(
        &self,
        jobs: &[Job],
        texts: &[String],
        which: &[(usize, Parts)],
        embedder: &TextEmbedder,
    ) -> Result<Vec<EmbeddedParts>> {
        if which.is_empty() {
            return Ok(Vec::new());
        }
        let text_refs: Vec<&str> = which
            .iter()
            .filter(|(_, parts)| parts.text)
            .map(|&(i, _)| texts[i].as_str())
            .collect();
        let vectors = if text_refs.is_empty() {
            Array2::zeros((0, self.model.dim))
        } else {
            embedder.embed_passages(&text_refs)?
        };
        let names: Vec<Vec<String>> = which
            .iter()
            .map(|&(i, parts)| {
                if self.with_names && parts.names {
                    job_names(&jobs[i])
                } else {
                    Vec::new()
                }
            })
            .collect();
        let flat: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
        let name_vectors = if flat.is_empty() {
            Array2::zeros((0, self.model.dim))
        } else {
            embedder.embed_passages(&flat)?
        };
        let mut text_row = 0;
        let mut name_row = 0;
        Ok(which
            .iter()
            .zip(&names)
            .map(|(&(_, parts), own)| {
                let vector = parts.text.then(|| {
                    text_row += 1;
                    vectors.row(text_row - 1).to_vec()
                });
                // An index without names stores none: an empty set, not a missing part.
                let names = (parts.names || !self.with_names).then(|| {
                    let rows = name_vectors.slice(ndarray::s![name_row..name_row + own.len(), ..]);
                    name_row += own.len();
                    rows.iter().copied().collect::<Vec<f32>>()
                });
                (vector, names)
            })
            .collect())
    }

    /// Removes the jobs with these ids. For an index tied to a directory the
    /// change is on disk when this returns.
    ///
    /// # Errors
    ///
    /// [`MatchError::IndexLocked`] and I/O errors; on error nothing is changed.
    pub fn delete(&self, ids: &[String]) -> Result<DeleteReport> {
        let mut writer = self.writer();
        let mut report = DeleteReport::default();
        let mut seen = std::collections::HashSet::new();
        let changes: Vec<Change> = {
            let state = self.read();
            ids.iter()
                .filter(|id| seen.insert(id.as_str()))
                .filter_map(|id| {
                    if state.by_id.contains_key(id) {
                        report.deleted += 1;
                        Some(Change::Delete { id: id.clone() })
                    } else {
                        report.missing += 1;
                        None
                    }
                })
                .collect()
        };
        self.commit(&mut writer, changes)?;
        Ok(report)
    }

    /// Makes the index hold exactly the jobs of `catalog`: upserts every job
    /// (embedding only changed ones) and deletes jobs not in it.
    ///
    /// # Errors
    ///
    /// As [`JobIndex::upsert`] and [`JobIndex::delete`].
    pub fn sync(
        &self,
        catalog: &Catalog,
        embedder: &TextEmbedder,
    ) -> Result<(UpsertReport, DeleteReport)> {
        let upserted = self.upsert(catalog.jobs().to_vec(), embedder)?;
        let gone: Vec<String> = self
            .read()
            .by_id
            .keys()
            .filter(|id| catalog.position(id).is_none())
            .cloned()
            .collect();
        let deleted = self.delete(&gone)?;
        Ok((upserted, deleted))
    }

    /// Logs a batch (when tied to a directory), applies it, and folds the
    /// log into a new snapshot when it has grown large.
    fn commit(&self, writer: &mut Writer, changes: Vec<Change>) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        if let Some(dir) = writer.dir.clone() {
            if writer.lock.is_none() {
                let lock = lock_dir(&dir)?;
                check_unchanged(&dir, writer.generation, writer.log_seen)?;
                writer.lock = Some(lock);
            }
            if writer.log.is_none() {
                let replay = writer.replayed.take().unwrap_or_default();
                writer.log = Some(LogWriter::open(
                    &dir.join(LOG_FILE),
                    writer.generation,
                    self.model.dim,
                    &replay,
                )?);
            }
            if let Some(log) = writer.log.as_mut() {
                log.append(&changes)?;
                writer.log_seen = log.len();
            }
        }
        {
            let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
            for change in changes {
                // The changes were built against this state under the writer
                // lock; a failure here is a bug, reported rather than hidden.
                state.apply(change).map_err(MatchError::Backend)?;
            }
        }
        let log_bytes = writer
            .log
            .as_ref()
            .map_or(0, |log| wal::payload_len(log.len()));
        if log_bytes > writer.compact_threshold() {
            self.compact_locked(writer)?;
        }
        Ok(())
    }

    /// Folds the change log into a new snapshot now.
    ///
    /// # Errors
    ///
    /// I/O errors writing the snapshot; the log still holds every change then.
    pub fn compact(&self) -> Result<()> {
        let mut writer = self.writer();
        self.compact_locked(&mut writer)
    }

    fn compact_locked(&self, writer: &mut Writer) -> Result<()> {
        let Some(dir) = writer.dir.clone() else {
            return Ok(());
        };
        if writer.log.is_none()
            && writer
                .replayed
                .as_ref()
                .is_none_or(|r| r.batches.is_empty())
        {
            return Ok(());
        }
        if writer.lock.is_none() {
            let lock = lock_dir(&dir)?;
            check_unchanged(&dir, writer.generation, writer.log_seen)?;
            writer.lock = Some(lock);
        }
        let generation = writer.generation + 1;
        let bytes = self.write_snapshot(&dir, generation)?;
        writer.generation = generation;
        writer.snapshot_bytes = bytes;
        writer.log = None;
        writer.replayed = None;
        writer.log_seen = wal::HEADER_LEN;
        Ok(())
    }

    /// The indexed text of each position (`None` for a free one).
    fn slot_texts(&self, state: &State) -> Vec<Option<String>> {
        state
            .jobs
            .iter()
            .map(|job| job.as_ref().map(|job| self.fields.text(job)))
            .collect()
    }

    /// Brings BM25 to `state`'s version: built on first need (or for other
    /// parameters), else updated with the jobs that changed since.
    fn update_lexical(&self, state: &State, params: Bm25Params) {
        let mut cached = self.lexical.write().unwrap_or_else(PoisonError::into_inner);
        match cached.as_mut() {
            Some(lexical)
                if lexical.version == state.version && lexical.bm25.params() == params => {}
            Some(lexical) if lexical.bm25.params() == params => {
                let slots = lexical.jobs.len().max(state.jobs.len());
                lexical.jobs.resize(slots, None);
                for (position, old) in lexical.jobs.iter_mut().enumerate() {
                    let new = state.job(position);
                    let same = match (old.as_ref(), new) {
                        (Some(old), Some(new)) => Arc::ptr_eq(old, new),
                        (None, None) => true,
                        _ => false,
                    };
                    if same {
                        continue;
                    }
                    if let Some(old) = old.as_ref() {
                        lexical.bm25.remove(position, &self.fields.text(old));
                    }
                    if let Some(new) = new {
                        lexical.bm25.insert(position, &self.fields.text(new));
                    }
                    *old = new.cloned();
                }
                lexical.jobs.truncate(state.jobs.len());
                lexical.version = state.version;
            }
            _ => {
                *cached = Some(Lexical {
                    version: state.version,
                    bm25: Bm25::build_slots(&self.slot_texts(state), params),
                    jobs: state.jobs.clone(),
                });
            }
        }
    }

    /// The search of one or more query vectors, max-pooled: exact, or
    /// through the approximate index (see [`SearchMode`]).
    fn search_state(&self, state: &State, request: &SearchRequest<'_>) -> Result<Vec<StoredHit>> {
        for query in request.queries.iter().chain(request.name_queries) {
            state.vectors.check_query(query)?;
        }
        if request.k == 0 || request.queries.is_empty() {
            return Ok(Vec::new());
        }
        let mut allowed = state.allowed(request.filter);
        let names = state
            .names
            .as_ref()
            .filter(|names| request.name_weight > 0.0 && !names.is_empty());
        let use_ann = match (request.mode, &state.ann) {
            (SearchMode::Exact, _) => false,
            (SearchMode::Ann, Some(_)) => true,
            (SearchMode::Ann, None) => {
                return Err(MatchError::Unsupported {
                    what: "approximate search".into(),
                    store: self.describe(),
                    hint: "this index has no approximate index: build one (`jobfit index --ann \
                           always`, `IndexOptions::ann`) or search exactly (`--search exact`)"
                        .into(),
                });
            }
            (SearchMode::Auto, ann) => {
                ann.is_some()
                    && allowed
                        .as_ref()
                        .is_none_or(|positions| positions.len() > EXACT_FILTERED_MAX)
            }
        };
        if !use_ann && let Some(positions) = allowed.as_mut() {
            // Scored one by one: ascending positions read the rows in memory
            // order. (The graph walk only asks whether a position is kept.)
            positions.sort_unstable();
        }
        let k = request.k;
        let top = match (&state.ann, use_ann, &allowed, names) {
            (Some(ann), true, _, _) => {
                let bits = allowed
                    .as_ref()
                    .map(|positions| bitset(positions, state.jobs.len()));
                let keep_job =
                    |position: usize| bits.as_ref().is_none_or(|bits| has_bit(bits, position));
                let keep_name = |key: usize| keep_job(key >> 16);
                let job_filter: Option<PositionFilter<'_>> =
                    bits.as_ref().map(|_| &keep_job as PositionFilter<'_>);
                let name_filter: Option<PositionFilter<'_>> =
                    bits.as_ref().map(|_| &keep_name as PositionFilter<'_>);
                let quantized = ann.jobs.options().storage != crate::ann::AnnStorage::F32;
                let candidates_k = match (names, quantized) {
                    (Some(_), _) => k.saturating_mul(4).max(100),
                    (None, true) => k.saturating_mul(2),
                    (None, false) => k,
                };
                let mut candidates = BTreeSet::new();
                for query in request.queries {
                    for (position, _) in ann.jobs.search(query, candidates_k, job_filter)? {
                        candidates.insert(position);
                    }
                }
                if let (Some(_), Some(ann_names)) = (names, &ann.names) {
                    for query in request.queries.iter().chain(request.name_queries) {
                        for (key, _) in ann_names.search(query, candidates_k, name_filter)? {
                            candidates.insert(key >> 16);
                        }
                    }
                }
                let candidates: Vec<usize> = candidates.into_iter().collect();
                score_exactly(state, &candidates, request, names)
            }
            (_, _, Some(positions), _) => score_exactly(state, positions, request, names),
            (_, _, None, Some(names)) => {
                let positions = state.jobs.len();
                let max_into = |acc: &mut Option<Vec<f32>>, scores: Vec<f32>| match acc {
                    None => *acc = Some(scores),
                    Some(best) => best.iter_mut().zip(scores).for_each(|(b, s)| *b = b.max(s)),
                };
                let mut text: Option<Vec<f32>> = None;
                let mut name: Option<Vec<f32>> = None;
                for query in request.queries {
                    max_into(&mut text, state.vectors.scores(query)?);
                }
                for query in request.queries.iter().chain(request.name_queries) {
                    max_into(&mut name, names.best_scores(query, positions)?);
                }
                let mut top = TopK::new(k);
                let (text, name) = (text.unwrap_or_default(), name.unwrap_or_default());
                for (position, (&text, &name)) in text.iter().zip(&name).enumerate() {
                    if state.job(position).is_some() {
                        top.push(position, blend(text, name, request.name_weight));
                    }
                }
                top
            }
            (_, _, None, None) => {
                let queries: Vec<&[f32]> = request.queries.iter().map(Vec::as_slice).collect();
                let mut top = TopK::new(k);
                for (position, score) in state.vectors.search_max(&queries, k, None)? {
                    top.push(position, score);
                }
                top
            }
        };
        Ok(top
            .into_sorted()
            .into_iter()
            .filter_map(|(position, score)| self.hit(state, position, score, request, names))
            .collect())
    }

    /// A hit for the job at `position`, with its text similarity and best name.
    fn hit(
        &self,
        state: &State,
        position: usize,
        score: f32,
        request: &SearchRequest<'_>,
        names: Option<&JobNames>,
    ) -> Option<StoredHit> {
        let job = state.job(position)?;
        let vector = state.vectors.vector(position)?;
        let text = request
            .queries
            .iter()
            .map(|query| dot(query, vector))
            .fold(f32::NEG_INFINITY, f32::max);
        let name = names.and_then(|names| {
            let first = names.rows_of(position).start;
            let (row, score) = request
                .queries
                .iter()
                .chain(request.name_queries)
                .filter_map(|query| names.best_of(position, query))
                .reduce(|a, b| if b.1 > a.1 { b } else { a })?;
            let ordinal = row - first;
            Some(NameMatch {
                ordinal,
                name: job_names(job).into_iter().nth(ordinal)?,
                score,
            })
        });
        Some(StoredHit {
            key: position as u64,
            job: Arc::clone(job),
            score,
            text: Some(text),
            name,
        })
    }
}

/// Below this many kept jobs a filtered exact search scores them on the
/// calling thread; from here on in parallel blocks of [`SCORE_BLOCK`].
const PARALLEL_SCORE_MIN: usize = 8_192;

/// Kept jobs per parallel block of a filtered exact search.
const SCORE_BLOCK: usize = 2_048;

/// The `k` best of `positions` by their exact (blended, max-pooled) score,
/// in parallel blocks when there are many: the rows a selective filter
/// keeps lie far apart in memory, so the scan mostly waits for memory, and
/// two threads keep twice as many reads in flight.
fn score_exactly(
    state: &State,
    positions: &[usize],
    request: &SearchRequest<'_>,
    names: Option<&JobNames>,
) -> TopK {
    if positions.len() < PARALLEL_SCORE_MIN {
        return score_block(state, positions, request, names);
    }
    positions
        .par_chunks(SCORE_BLOCK)
        .map(|block| score_block(state, block, request, names))
        .reduce(
            || TopK::new(request.k),
            |mut a, b| {
                a.merge(b);
                a
            },
        )
}

/// [`score_exactly`] on the calling thread.
fn score_block(
    state: &State,
    positions: &[usize],
    request: &SearchRequest<'_>,
    names: Option<&JobNames>,
) -> TopK {
    let mut top = TopK::new(request.k);
    for &position in positions {
        let Some(vector) = state.vectors.vector(position) else {
            continue;
        };
        let text = request
            .queries
            .iter()
            .map(|query| dot(query, vector))
            .fold(f32::NEG_INFINITY, f32::max);
        let score = match names {
            Some(names) => {
                let name = request
                    .queries
                    .iter()
                    .chain(request.name_queries)
                    .filter_map(|query| names.best_of(position, query))
                    .map(|best| best.1)
                    .fold(f32::NEG_INFINITY, f32::max);
                blend(text, name, request.name_weight)
            }
            None => text,
        };
        top.push(position, score);
    }
    top
}

/// A bitset of `positions` (one bit per position below `len`).
fn bitset(positions: &[usize], len: usize) -> Vec<u64> {
    let mut bits = vec![0u64; len.div_ceil(64)];
    for &position in positions {
        if let Some(word) = bits.get_mut(position / 64) {
            *word |= 1 << (position % 64);
        }
    }
    bits
}

fn has_bit(bits: &[u64], position: usize) -> bool {
    bits.get(position / 64)
        .is_some_and(|word| word >> (position % 64) & 1 == 1)
}

/// The dense score of a job from its text similarity and its best name
/// similarity (`-inf` without names): `(1 - w) * text + w * max(text, name)`.
pub(crate) fn blend(text: f32, name: f32, name_weight: f32) -> f32 {
    (1.0 - name_weight) * text + name_weight * text.max(name)
}

/// The vectors stored for the job at `position`: (text, names row-major).
fn copy_vectors(state: &State, position: usize) -> (Vec<f32>, Vec<f32>) {
    (
        copy_text_vector(state, position).unwrap_or_default(),
        copy_name_vectors(state, position),
    )
}

/// The text vector stored at `position`.
fn copy_text_vector(state: &State, position: usize) -> Option<Vec<f32>> {
    state.vectors.vector(position).map(<[f32]>::to_vec)
}

/// The name vectors stored at `position`, row-major (none without names).
fn copy_name_vectors(state: &State, position: usize) -> Vec<f32> {
    state.names.as_ref().map_or_else(Vec::new, |names| {
        names
            .rows_of(position)
            .filter_map(|row| names.vectors().vector(row))
            .flatten()
            .copied()
            .collect()
    })
}

impl JobStore for JobIndex {
    fn describe(&self) -> String {
        match self.path() {
            Some(dir) => format!("the index at {}", dir.display()),
            None => "the in-memory index".into(),
        }
    }

    fn model(&self) -> &ModelIdentity {
        &self.model
    }

    fn fields(&self) -> &JobFields {
        &self.fields
    }

    fn has_names(&self) -> bool {
        self.with_names
    }

    fn len(&self) -> Result<usize> {
        Ok(JobIndex::len(self))
    }

    fn get(&self, id: &str) -> Result<Option<Job>> {
        Ok(JobIndex::get(self, id))
    }

    fn ids(&self) -> Result<Vec<String>> {
        Ok(self.read().by_id.keys().cloned().collect())
    }

    fn check_filter(&self, filter: &JobFilter) -> Result<()> {
        filter.check(&self.read().facts)
    }

    fn search(&self, request: &SearchRequest<'_>) -> Result<Vec<StoredHit>> {
        let state = self.read();
        self.search_state(&state, request)
    }

    fn lexical_search(
        &self,
        query: &str,
        k: usize,
        filter: &JobFilter,
        params: Bm25Params,
    ) -> Result<Vec<StoredHit>> {
        // The state's read lock keeps the index at one version throughout.
        let state = self.read();
        let keep = |position: usize| {
            state
                .job(position)
                .is_some_and(|job| filter.is_empty() || filter.matches(job))
        };
        let run = |bm25: &Bm25| -> Vec<StoredHit> {
            let filter: Option<PositionFilter<'_>> = Some(&keep);
            bm25.search(query, k, filter)
                .into_iter()
                .filter_map(|(position, score)| {
                    Some(StoredHit {
                        key: position as u64,
                        job: Arc::clone(state.job(position)?),
                        score,
                        text: None,
                        name: None,
                    })
                })
                .collect()
        };
        for attempt in 0..2 {
            if attempt > 0 {
                self.update_lexical(&state, params);
            }
            let cached = self.lexical.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(lexical) = cached.as_ref()
                && lexical.version == state.version
                && lexical.bm25.params() == params
            {
                return Ok(run(&lexical.bm25));
            }
        }
        // Searches with other parameters keep replacing the shared one: build
        // this search its own.
        Ok(run(&Bm25::build_slots(&self.slot_texts(&state), params)))
    }

    fn upsert(&self, jobs: Vec<Job>, embedder: &TextEmbedder) -> Result<UpsertReport> {
        JobIndex::upsert(self, jobs, embedder)
    }

    fn delete(&self, ids: &[String]) -> Result<DeleteReport> {
        JobIndex::delete(self, ids)
    }

    fn flush(&self) -> Result<()> {
        self.compact()
    }
}

/// Parses `jobs.jsonl`: one job or `null` per line.
fn parse_jobs(text: &str) -> std::result::Result<Vec<Option<Job>>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            if line.trim() == "null" {
                return Ok(None);
            }
            serde_json::from_str::<Job>(line)
                .map(Some)
                .map_err(|error| format!("line {}: {error}", number + 1))
        })
        .collect()
}

/// The live jobs as JSON lines (what the catalog fingerprint covers).
fn live_jsonl(state: &State) -> Result<String> {
    let mut out = String::new();
    for job in state.jobs.iter().flatten() {
        let line = serde_json::to_string(job.as_ref()).map_err(|error| {
            MatchError::Backend(format!("cannot serialize job {:?}: {error}", job.id))
        })?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

fn entry(file: &str, bytes: &[u8]) -> FileEntry {
    FileEntry {
        file: file.into(),
        bytes: bytes.len() as u64,
        xxh3: hash_hex(bytes),
    }
}

/// Whether two paths name the same directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Takes the writer's lock of an index directory: an exclusive lock on a
/// file beside it (`.NAME.lock`), held while the returned file is open.
/// Stale staging folders of an interrupted snapshot are removed then.
fn lock_dir(dir: &Path) -> Result<std::fs::File> {
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| MatchError::InvalidOption {
            name: "index directory",
            value: dir.display().to_string(),
            reason: "name a directory (the path has no final component)".into(),
        })?;
    std::fs::create_dir_all(&parent).map_err(|source| MatchError::Io {
        path: parent.clone(),
        source,
    })?;
    let path = parent.join(format!(".{name}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| MatchError::Io {
            path: path.clone(),
            source,
        })?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => {
            return Err(MatchError::IndexLocked {
                path: dir.to_path_buf(),
            });
        }
        Err(error) => {
            return Err(MatchError::Io {
                path,
                source: error.into(),
            });
        }
    }
    // With the lock held no snapshot is being written: leftovers are stale.
    if let Ok(entries) = std::fs::read_dir(&parent) {
        let prefix = format!(".{name}.staging-");
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(file)
}

/// Checks that the snapshot and change log in `dir` are still the ones this
/// process read or wrote (snapshot `generation`, a log of `log_len` bytes):
/// another writer may have changed them while this process held no lock.
fn check_unchanged(dir: &Path, generation: u64, log_len: u64) -> Result<()> {
    let Ok(bytes) = std::fs::read(dir.join(MANIFEST)) else {
        // No snapshot yet (a first save), or it vanished: the write recreates it.
        return Ok(());
    };
    let found = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|value| value.get("generation").and_then(serde_json::Value::as_u64))
        .unwrap_or(0);
    let found_log = std::fs::metadata(dir.join(LOG_FILE)).map_or(0, |meta| meta.len());
    if found == generation && found_log == log_len {
        return Ok(());
    }
    Err(MatchError::IndexChanged {
        path: dir.to_path_buf(),
        expected: generation,
        found,
    })
}

/// Syncs the directory that holds `dir`, so the swap itself is durable.
fn sync_parent(dir: &Path) {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(handle) = std::fs::File::open(parent)
    {
        let _ = handle.sync_all();
    }
}

/// Embeds `texts` in calls of `options.chunk_size`, with a progress bar.
fn embed_all(
    texts: &[String],
    embedder: &TextEmbedder,
    options: &IndexOptions,
    message: &'static str,
) -> Result<ExactIndex> {
    let mut vectors = ExactIndex::new(embedder.dim())?;
    let bar = options.progress.bar(texts.len() as u64, message);
    for chunk in texts.chunks(options.chunk_size) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        vectors.add(embedder.embed_passages(&refs)?.view())?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(vectors)
}

/// The little-endian bytes of `values`, as the vector files store them.
fn le_bytes(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect()
}

/// `rows` vectors of width `dim` read from the bytes of `file`, or why they
/// cannot be (`what` names the rows in the message: positions, names).
fn vectors_from(
    bytes: &[u8],
    rows: usize,
    dim: usize,
    file: &str,
    what: &str,
) -> std::result::Result<ExactIndex, String> {
    let expected = (rows as u64)
        .checked_mul(dim as u64)
        .and_then(|values| values.checked_mul(4));
    if expected != Some(bytes.len() as u64) {
        return Err(format!(
            "{file} has {} bytes, not {rows} {what} x {dim} dims x 4 bytes",
            bytes.len()
        ));
    }
    let values = bytes
        .chunks_exact(4)
        .map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        .collect();
    ExactIndex::from_flat(dim, values).map_err(|error| format!("{file}: {error}"))
}

/// Saves an approximate index into a snapshot folder; returns its entry.
fn save_ann(ann: &AnnIndex, path: &Path) -> Result<FileEntry> {
    ann.save(path)?;
    file_entry(path)
}

/// The size and checksum of a file, read in pieces (approximate indexes are
/// large).
fn file_entry(path: &Path) -> Result<FileEntry> {
    use std::io::Read;
    let io = |source| MatchError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok(FileEntry {
        file: path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        xxh3: format!("{:016x}", hasher.digest()),
    })
}

/// Loads an approximate index of a snapshot after checking its size and checksum.
fn load_ann(
    dir: &Path,
    entry: &FileEntry,
    dim: usize,
    positions: usize,
    options: AnnOptions,
) -> Result<AnnIndex> {
    let corrupt = |message: String| MatchError::CorruptIndex {
        path: dir.to_path_buf(),
        message,
    };
    let path = dir.join(&entry.file);
    if !path.is_file() {
        return Err(corrupt(format!("{} is missing", entry.file)));
    }
    let actual = file_entry(&path)?;
    if actual.bytes != entry.bytes || actual.xxh3 != entry.xxh3 {
        return Err(corrupt(format!(
            "{} has {} bytes and checksum {} but the manifest records {} and {} (truncated or altered)",
            entry.file, actual.bytes, actual.xxh3, entry.bytes, entry.xxh3
        )));
    }
    AnnIndex::load(&path, dim, positions, options)
        .map_err(|error| corrupt(format!("{}: {error}", entry.file)))
}

fn write_file(path: &Path, bytes: &[u8]) -> jobfit_model::Result<()> {
    jobfit_model::write_atomic(path, bytes)
}

/// Where cached indexes go: `$JOBFIT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/jobfit`, else `$HOME/.cache/jobfit`; `None` when none
/// is set.
pub fn default_cache_dir() -> Option<PathBuf> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    from_env("JOBFIT_CACHE_DIR")
        .or_else(|| from_env("XDG_CACHE_HOME").map(|dir| dir.join("jobfit")))
        .or_else(|| from_env("HOME").map(|dir| dir.join(".cache").join("jobfit")))
}

/// The cache directory of an index of catalog `name` embedded by `model`
/// with `options`, under `cache_dir`: one directory per model identity,
/// fields and names choice, so indexes that differ in any of them never
/// collide.
pub fn cached_index_dir(
    cache_dir: &Path,
    name: &str,
    model: &ModelIdentity,
    options: &IndexOptions,
) -> PathBuf {
    let mut key = format!(
        "{}-{:?}-{}-{}-{}",
        model.weights_hash, model.pooling, model.normalize, model.max_length, options.fields
    );
    // Indexes with names (the default) keep the key they had before the
    // choice was part of it.
    if !options.names {
        key.push_str("-without-names");
    }
    let safe_name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    cache_dir.join(format!("{safe_name}-{}", hash_hex(key.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_template_parses() {
        assert!(ProgressStyle::with_template(PROGRESS_TEMPLATE).is_ok());
    }
}
