//! [`JobIndex`]: a catalog with one embedding per job, built with a
//! [`TextEmbedder`], saved to and loaded from a directory.
//!
//! An index directory holds three files:
//!
//! ```text
//! index.json    format, model identity, fields, counts, sizes and checksums
//! vectors.f32   the embeddings, little-endian f32, row-major, one row per job
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
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            fields: JobFields::default(),
            chunk_size: 256,
            progress: ProgressMode::Auto,
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
    jobs: FileEntry,
    created_by: String,
}

/// A catalog, one vector per job, and the identity of the model that made
/// the vectors.
#[derive(Debug, Clone)]
pub struct JobIndex {
    catalog: Catalog,
    vectors: ExactIndex,
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
        let mut vectors = ExactIndex::new(embedder.dim())?;
        let bar = options.progress.bar(texts.len() as u64, "embedding jobs");
        for chunk in texts.chunks(options.chunk_size) {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let embedded = embedder.embed(&refs)?;
            vectors.add(embedded.view())?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Self::from_parts(
            catalog,
            vectors,
            embedder.identity().clone(),
            options.fields.clone(),
        )
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
            model,
            fields,
            path: None,
        })
    }

    /// Writes the index to `dir`, replacing any previous content atomically.
    ///
    /// # Errors
    ///
    /// [`MatchError::Model`] (an I/O error naming the path) when writing fails.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        let jobs = self.catalog.to_jsonl()?;
        let vector_bytes: Vec<u8> = self
            .vectors
            .as_flat()
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect();
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
        let expected = (manifest.count as u64)
            .checked_mul(manifest.dim as u64)
            .and_then(|values| values.checked_mul(4));
        if expected != Some(vector_bytes.len() as u64) {
            return Err(corrupt(format!(
                "{VECTORS} has {} bytes, not {} jobs x {} dims x 4 bytes",
                vector_bytes.len(),
                manifest.count,
                manifest.dim
            )));
        }
        let data: Vec<f32> = vector_bytes
            .chunks_exact(4)
            .map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            .collect();
        let vectors = ExactIndex::from_flat(manifest.dim, data)
            .map_err(|error| corrupt(format!("{VECTORS}: {error}")))?;
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
            if wanted == have && index.check_model(embedder.identity()).is_ok() {
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
/// with `fields`, under `cache_dir`: one directory per model identity, so
/// indexes of different models never collide.
pub fn cached_index_dir(
    cache_dir: &Path,
    name: &str,
    model: &ModelIdentity,
    fields: &JobFields,
) -> PathBuf {
    let key = format!(
        "{}-{:?}-{}-{}-{}",
        model.weights_hash, model.pooling, model.normalize, model.max_length, fields
    );
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
