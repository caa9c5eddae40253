//! [`JobIndex`]: a catalog with one embedding per job, built with a
//! [`TextEmbedder`], saved to and loaded from a directory.
//!
//! Besides the one vector per job (its [`JobFields`] text), an index holds by
//! default one vector per **name** of each job: its title and its aliases
//! ([`JobNames`]). A short query such as a job title is compared with every
//! name, which finds "Web Developer" under an occupation whose description
//! never says so.
//!
//! An index directory holds these files:
//!
//! ```text
//! index.json    format, model identity, fields, counts, sizes and checksums
//! vectors.f32   the embeddings, little-endian f32, row-major, one row per job
//! names.f32     the name embeddings, job by job, each job's title first (absent without names)
//! jobs.jsonl    the jobs, one JSON object per line, in row order
//! ```
//!
//! The directory is written in a staging folder and swapped in whole, so a
//! reader never sees half an index. Loading checks the format, every size
//! and checksum, and the job count, and refuses a damaged directory with a
//! message that says so; querying checks that the query model is the model
//! that built the index.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jobfit_model::{ModelIdentity, TextEmbedder};
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, JobFields};
use crate::error::{MatchError, Result};
use crate::vector::{ExactIndex, VectorIndex};

/// The version of the index directory layout written by this crate.
pub const INDEX_FORMAT: u32 = 1;

const MANIFEST: &str = "index.json";
const VECTORS: &str = "vectors.f32";
const NAMES: &str = "names.f32";
const JOBS: &str = "jobs.jsonl";

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
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            fields: JobFields::default(),
            chunk_size: 256,
            progress: ProgressMode::Auto,
            names: true,
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
    model: ModelIdentity,
    fields: JobFields,
    count: usize,
    dim: usize,
    /// A fingerprint of the jobs and fields, to tell whether a cached index
    /// still belongs to a catalog.
    catalog_fingerprint: String,
    vectors: FileEntry,
    /// The name vectors; absent in an index built without names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    names: Option<NamesEntry>,
    jobs: FileEntry,
    created_by: String,
}

/// The name vectors of `index.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct NamesEntry {
    count: usize,
    vectors: FileEntry,
}

/// The names of a job that an index embeds: its title, then its aliases,
/// each cleaned, without blanks and without repeats (ignoring case).
///
/// ```
/// use jobfit_match::job_names;
/// use jobfit_text::Job;
///
/// let job = Job::new("1", "Cook").with_aliases(["Line cook", "COOK", " "]);
/// assert_eq!(job_names(&job), ["Cook", "Line cook"]);
/// ```
pub fn job_names(job: &jobfit_text::Job) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    std::iter::once(&job.title)
        .chain(&job.aliases)
        .map(|name| jobfit_text::clean(name))
        .filter(|name| !name.is_empty() && seen.insert(name.to_lowercase()))
        .collect()
}

/// One vector per name of each job (see [`job_names`]), job by job.
#[derive(Debug, Clone)]
pub struct JobNames {
    vectors: ExactIndex,
    /// Job `j`'s names are rows `offsets[j]..offsets[j + 1]`.
    offsets: Vec<usize>,
    /// The job of each row.
    owners: Vec<u32>,
}

/// Below this many names the best-name scores are computed on the calling thread.
const PARALLEL_MIN_NAMES: usize = 16_384;

impl JobNames {
    /// Name vectors for `catalog`, row by row in [`job_names`] order.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] when the row count differs from the
    /// catalog's number of names, or the catalog has more than 2^32 jobs.
    pub fn new(catalog: &Catalog, vectors: ExactIndex) -> Result<Self> {
        let counts: Vec<usize> = catalog
            .jobs()
            .iter()
            .map(|job| job_names(job).len())
            .collect();
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        let mut owners = Vec::with_capacity(vectors.len());
        offsets.push(0);
        for (job, &count) in counts.iter().enumerate() {
            let owner = u32::try_from(job).map_err(|_| MatchError::InvalidVector {
                message: "job names support at most 2^32 jobs".into(),
            })?;
            owners.extend(std::iter::repeat_n(owner, count));
            offsets.push(owners.len());
        }
        if owners.len() != vectors.len() {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "{} name vectors for the {} names of the catalog: give one vector per name",
                    vectors.len(),
                    owners.len()
                ),
            });
        }
        Ok(Self {
            vectors,
            offsets,
            owners,
        })
    }

    /// The name vectors, job by job.
    pub fn vectors(&self) -> &ExactIndex {
        &self.vectors
    }

    /// The number of names.
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// Whether no job has a name (every title cleans to nothing).
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// The rows of job `position`'s names.
    pub fn rows_of(&self, position: usize) -> std::ops::Range<usize> {
        match (self.offsets.get(position), self.offsets.get(position + 1)) {
            (Some(&start), Some(&end)) => start..end,
            _ => 0..0,
        }
    }

    /// The job of name row `row`.
    pub fn owner(&self, row: usize) -> Option<usize> {
        self.owners.get(row).map(|&owner| owner as usize)
    }

    /// For each job, the best inner product of `query` with one of its
    /// names; `-inf` for a job without names.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for a query of the wrong width or with a
    /// value that is not finite.
    pub fn best_scores(&self, query: &[f32]) -> Result<Vec<f32>> {
        let scores = self.vectors.scores(query)?;
        let jobs = self.offsets.len() - 1;
        let best = |job: usize| {
            scores[self.offsets[job]..self.offsets[job + 1]]
                .iter()
                .copied()
                .fold(f32::NEG_INFINITY, f32::max)
        };
        if scores.len() < PARALLEL_MIN_NAMES {
            return Ok((0..jobs).map(best).collect());
        }
        use rayon::prelude::*;
        Ok((0..jobs).into_par_iter().map(best).collect())
    }

    /// The best-scoring name row of job `position` for `query`, with its score.
    pub fn best_of(&self, position: usize, query: &[f32]) -> Option<(usize, f32)> {
        self.rows_of(position)
            .filter_map(|row| Some((row, crate::vector::dot(query, self.vectors.vector(row)?))))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    }
}

/// A catalog, one vector per job, and the identity of the model that made
/// the vectors.
#[derive(Debug, Clone)]
pub struct JobIndex {
    catalog: Catalog,
    vectors: ExactIndex,
    names: Option<JobNames>,
    model: ModelIdentity,
    fields: JobFields,
    path: Option<PathBuf>,
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
        match names {
            Some(names) => index.with_names(names),
            None => Ok(index),
        }
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
        if vectors.len() != catalog.len() {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "{} vectors for {} jobs: give one vector per job",
                    vectors.len(),
                    catalog.len()
                ),
            });
        }
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
        Ok(Self {
            catalog,
            vectors,
            names: None,
            model,
            fields,
            path: None,
        })
    }

    /// Adds name vectors computed elsewhere: one row per name of each job,
    /// in [`job_names`] order, job by job.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] when the count or width disagrees.
    pub fn with_names(mut self, names: ExactIndex) -> Result<Self> {
        if names.dim() != self.vectors.dim() {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "the name vectors are {}-wide but the job vectors {}-wide",
                    names.dim(),
                    self.vectors.dim()
                ),
            });
        }
        self.names = Some(JobNames::new(&self.catalog, names)?);
        Ok(self)
    }

    /// Writes the index to `dir`, replacing any previous content atomically.
    ///
    /// # Errors
    ///
    /// [`MatchError::Model`] (an I/O error naming the path) when writing fails.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        let jobs = self.catalog.to_jsonl()?;
        let vector_bytes = le_bytes(self.vectors.as_flat());
        let name_bytes = self
            .names
            .as_ref()
            .map(|names| le_bytes(names.vectors.as_flat()));
        let manifest = Manifest {
            format: INDEX_FORMAT,
            model: self.model.clone(),
            fields: self.fields.clone(),
            count: self.catalog.len(),
            dim: self.vectors.dim(),
            catalog_fingerprint: fingerprint(&jobs, &self.fields),
            vectors: FileEntry {
                file: VECTORS.into(),
                bytes: vector_bytes.len() as u64,
                xxh3: hash_hex(&vector_bytes),
            },
            names: self
                .names
                .as_ref()
                .zip(name_bytes.as_ref())
                .map(|(names, bytes)| NamesEntry {
                    count: names.len(),
                    vectors: FileEntry {
                        file: NAMES.into(),
                        bytes: bytes.len() as u64,
                        xxh3: hash_hex(bytes),
                    },
                }),
            jobs: FileEntry {
                file: JOBS.into(),
                bytes: jobs.len() as u64,
                xxh3: hash_hex(jobs.as_bytes()),
            },
            created_by: format!("jobfit-match {}", env!("CARGO_PKG_VERSION")),
        };
        let manifest = serde_json::to_vec_pretty(&manifest).map_err(|error| {
            MatchError::Backend(format!("cannot serialize the index manifest: {error}"))
        })?;
        jobfit_model::write_dir_atomically(dir, |staging| {
            write_file(&staging.join(VECTORS), &vector_bytes)?;
            if let Some(bytes) = &name_bytes {
                write_file(&staging.join(NAMES), bytes)?;
            }
            write_file(&staging.join(JOBS), jobs.as_bytes())?;
            // The manifest last: a directory with a manifest is complete.
            write_file(&staging.join(MANIFEST), &manifest)
        })?;
        Ok(())
    }

    /// Loads an index saved by [`JobIndex::save`].
    ///
    /// # Errors
    ///
    /// [`MatchError::CorruptIndex`] when the directory is not an index, is of
    /// another format, or a file is missing, truncated or altered.
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
        // Read the format alone first, so a future layout gets a clear message.
        let format = serde_json::from_slice::<serde_json::Value>(&manifest_bytes)
            .ok()
            .and_then(|value| value.get("format").and_then(serde_json::Value::as_u64));
        if let Some(format) = format
            && format != u64::from(INDEX_FORMAT)
        {
            return Err(corrupt(format!(
                "index format {format} is not supported (this version reads format {INDEX_FORMAT})"
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
        let vector_bytes = read_checked(&manifest.vectors)?;
        let job_bytes = read_checked(&manifest.jobs)?;
        let vectors = vectors_from(&vector_bytes, manifest.count, manifest.dim, VECTORS, "jobs")
            .map_err(corrupt)?;
        let names = match &manifest.names {
            Some(entry) => {
                let bytes = read_checked(&entry.vectors)?;
                Some(
                    vectors_from(&bytes, entry.count, manifest.dim, NAMES, "names")
                        .map_err(corrupt)?,
                )
            }
            None => None,
        };
        let jobs =
            String::from_utf8(job_bytes).map_err(|_| corrupt(format!("{JOBS} is not UTF-8")))?;
        let catalog = Catalog::from_jsonl_str(&dir.join(JOBS).display().to_string(), &jobs)
            .map_err(|error| corrupt(format!("{JOBS}: {error}")))?;
        if catalog.len() != manifest.count {
            return Err(corrupt(format!(
                "{JOBS} holds {} jobs but the manifest records {}",
                catalog.len(),
                manifest.count
            )));
        }
        if manifest.model.dim != manifest.dim {
            return Err(corrupt(format!(
                "the model makes {}-wide vectors but the index holds {}-wide ones",
                manifest.model.dim, manifest.dim
            )));
        }
        let mut index = Self::from_parts(catalog, vectors, manifest.model, manifest.fields)?;
        if let Some(names) = names {
            index = index
                .with_names(names)
                .map_err(|error| corrupt(format!("{NAMES}: {error}")))?;
        }
        index.path = Some(dir.to_path_buf());
        Ok(index)
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
            let have = fingerprint(&index.catalog.to_jsonl()?, &index.fields);
            if wanted == have
                && index.names.is_some() == options.names
                && index.check_model(embedder.identity()).is_ok()
            {
                return Ok((index, false));
            }
        }
        let mut index = Self::build(catalog.clone(), embedder, options)?;
        index.save(dir)?;
        index.path = Some(dir.to_path_buf());
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
            path: self.path.clone(),
            index: Box::new(self.model.clone()),
            query: Box::new(query_model.clone()),
        })
    }

    /// The jobs.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The vectors, row `i` for job `i`.
    pub fn vectors(&self) -> &ExactIndex {
        &self.vectors
    }

    /// The name vectors (title and aliases of each job), when the index was
    /// built with [`IndexOptions::names`].
    pub fn names(&self) -> Option<&JobNames> {
        self.names.as_ref()
    }

    /// The identity of the model that built the vectors.
    pub fn model(&self) -> &ModelIdentity {
        &self.model
    }

    /// The fields embedded.
    pub fn fields(&self) -> &JobFields {
        &self.fields
    }

    /// The directory the index was loaded from or saved to by
    /// [`JobIndex::load_or_build`], if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The number of jobs.
    pub fn len(&self) -> usize {
        self.catalog.len()
    }

    /// Always `false`: an index holds at least one job.
    pub fn is_empty(&self) -> bool {
        self.catalog.is_empty()
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
/// cannot be (`what` names the rows in the message: jobs, names).
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
