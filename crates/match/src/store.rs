//! [`JobStore`]: where the jobs of a [`Matcher`](crate::Matcher) live and
//! how they change: the embedded [`JobIndex`](crate::JobIndex) (one process,
//! exact or approximate search, a change log on disk) and, for more than one
//! machine, [`PgStore`](crate::PgStore) (PostgreSQL with pgvector).

use std::sync::Arc;

use jobfit_model::{ModelIdentity, TextEmbedder};
use jobfit_text::Job;
use serde::{Deserialize, Serialize};

use crate::bm25::Bm25Params;
use crate::catalog::JobFields;
use crate::error::{MatchError, Result};
use crate::filter::JobFilter;

/// How a dense search looks for the best jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// The approximate index when the store has one and the filter keeps
    /// many jobs; an exact scan of the kept jobs otherwise. The default.
    #[default]
    Auto,
    /// Score every job the filter keeps: exact, slower on large catalogs.
    Exact,
    /// The approximate index, even for a selective filter; an error when the
    /// store has none.
    Ann,
}

impl std::str::FromStr for SearchMode {
    type Err = MatchError;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "exact" => Ok(Self::Exact),
            "ann" | "approximate" | "hnsw" => Ok(Self::Ann),
            _ => Err(MatchError::InvalidOption {
                name: "search",
                value: text.to_string(),
                reason: "use auto, exact or ann".into(),
            }),
        }
    }
}

/// A dense search of a store: one or more query vectors (several are
/// max-pooled: a job scores its best match with any of them).
///
/// With names, a job's score is `(1 - w) * t + w * max(t, n)`, `t` its
/// best text similarity to one of `queries`, `n` its best name similarity
/// to one of `queries` or `name_queries`, `w` the `name_weight`.
#[derive(Debug, Clone, Copy)]
pub struct SearchRequest<'a> {
    /// The query vectors, each as wide as the store's vectors.
    pub queries: &'a [Vec<f32>],
    /// More vectors compared with the job names only (the job titles a
    /// resume names); usually empty.
    pub name_queries: &'a [Vec<f32>],
    /// How many jobs to return at most.
    pub k: usize,
    /// Which jobs may be returned.
    pub filter: &'a JobFilter,
    /// How much the job names weigh in the score (see
    /// [`RecommendOptions::name_weight`](crate::RecommendOptions::name_weight));
    /// 0 scores the job text alone.
    pub name_weight: f32,
    /// Exact or approximate.
    pub mode: SearchMode,
}

/// The job name that matched a query best.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameMatch {
    /// The name's place among [`job_names`](crate::job_names) of the job (0: the title).
    pub ordinal: usize,
    /// The name.
    pub name: String,
    /// Its similarity to the query.
    pub score: f32,
}

/// A job found by a store's search.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHit {
    /// The store's key of the job: equal keys are the same job within one
    /// search (the dense and lexical lists of a query are fused by key).
    pub key: u64,
    /// The job.
    pub job: Arc<Job>,
    /// The score: the dense score (the text similarity blended with the
    /// best name similarity when names count), or the BM25 score of a
    /// lexical search.
    pub score: f32,
    /// The similarity of the query to the job's text (dense searches).
    pub text: Option<f32>,
    /// The job name most like the query, when names count.
    pub name: Option<NameMatch>,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertReport {
    /// Jobs whose id was new.
    pub added: usize,
    /// Jobs that replaced a job with another text (embedded again).
    pub updated: usize,
    /// Jobs equal in their indexed text and names to the one stored: not
    /// embedded again (other fields, such as the salary, are still replaced).
    pub unchanged: usize,
}

impl UpsertReport {
    /// The jobs embedded: added and updated.
    pub fn embedded(&self) -> usize {
        self.added + self.updated
    }
}

/// What a delete did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteReport {
    /// Jobs removed.
    pub deleted: usize,
    /// Ids that were not in the store.
    pub missing: usize,
}

/// Where the jobs of a [`Matcher`](crate::Matcher) live: their records, one
/// embedding of each job's text and (optionally) one per name, searched by
/// inner product, and changed one job at a time.
///
/// The trait is the seam between matching and storage, shaped by what the
/// two built-in stores share:
///
/// - **search** takes query vectors and a structured [`JobFilter`] rather
///   than a closure, because a database runs the filter itself (as SQL);
/// - **upsert** takes jobs and the embedder, so a store embeds only what
///   changed (it alone knows what it holds), and returns once the change is
///   durable;
/// - every method takes `&self`: a store is shared by the threads that serve
///   requests and synchronizes inside;
/// - lexical (BM25) search is optional: the embedded index has it, a
///   database store may not.
pub trait JobStore: Send + Sync + std::fmt::Debug {
    /// Where the store is, for messages: a directory, a database URL
    /// (without its password), or `memory`.
    fn describe(&self) -> String;

    /// The identity of the model whose vectors the store holds.
    fn model(&self) -> &ModelIdentity;

    /// The job fields whose text is embedded.
    fn fields(&self) -> &JobFields;

    /// Whether each job's names (title and aliases) are embedded too.
    fn has_names(&self) -> bool;

    /// The number of jobs.
    ///
    /// # Errors
    ///
    /// A backend failure.
    fn len(&self) -> Result<usize>;

    /// Whether the store holds no job.
    ///
    /// # Errors
    ///
    /// A backend failure.
    fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// The job with an id.
    ///
    /// # Errors
    ///
    /// A backend failure.
    fn get(&self, id: &str) -> Result<Option<Job>>;

    /// The ids of every job (to sync a store to a catalog).
    ///
    /// # Errors
    ///
    /// A backend failure.
    fn ids(&self) -> Result<Vec<String>>;

    /// Refuses a filter on a field no job has (it would match nothing) or
    /// with bounds out of range.
    ///
    /// # Errors
    ///
    /// [`MatchError::UnknownFilterField`], [`MatchError::InvalidOption`].
    fn check_filter(&self, filter: &JobFilter) -> Result<()>;

    /// The `k` best jobs for the query vectors among those the filter keeps,
    /// best first (ties: the lower key first).
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for a query of the wrong width, and a
    /// backend failure.
    fn search(&self, request: &SearchRequest<'_>) -> Result<Vec<StoredHit>>;

    /// The `k` best jobs for `query` by BM25 over the job texts, among those
    /// the filter keeps, best first, scores above 0 only.
    ///
    /// # Errors
    ///
    /// [`MatchError::Unsupported`] when the store has no lexical search.
    fn lexical_search(
        &self,
        query: &str,
        k: usize,
        filter: &JobFilter,
        params: Bm25Params,
    ) -> Result<Vec<StoredHit>> {
        let _ = (query, k, filter, params);
        Err(MatchError::Unsupported {
            what: "hybrid (BM25) scoring".into(),
            store: self.describe(),
            hint: "turn it off (`--hybrid none`, `RecommendOptions::hybrid = None`) or use \
                   the embedded index"
                .into(),
        })
    }

    /// Adds jobs, or replaces the jobs with their ids; embeds only jobs
    /// whose indexed text or names changed. Returns once the change is
    /// durable (for stores that persist).
    ///
    /// # Errors
    ///
    /// [`MatchError::DuplicateId`] for an id twice in `jobs`,
    /// [`MatchError::EmptyText`] for a job whose text cleans to nothing,
    /// [`MatchError::ModelMismatch`] when `embedder` is not the store's model,
    /// and the embedder's and backend's errors; on error nothing is changed.
    fn upsert(&self, jobs: Vec<Job>, embedder: &TextEmbedder) -> Result<UpsertReport>;

    /// Removes the jobs with these ids; returns once durable.
    ///
    /// # Errors
    ///
    /// A backend failure; on error nothing is changed.
    fn delete(&self, ids: &[String]) -> Result<DeleteReport>;

    /// Whether the store can serve: its backend is reachable.
    ///
    /// # Errors
    ///
    /// What is wrong (PostgreSQL unreachable, ...).
    fn check_ready(&self) -> Result<()> {
        Ok(())
    }

    /// Folds pending changes into the store's snapshot (the embedded index
    /// compacts its change log); nothing to do for a database.
    ///
    /// # Errors
    ///
    /// A failure writing the snapshot; the change log still holds every change.
    fn flush(&self) -> Result<()> {
        Ok(())
    }
}

/// The indexed text of each job of an upsert batch, after checking the batch
/// the way every store does: ids unique, each job with an id and a title, and
/// a text that does not clean to nothing.
pub(crate) fn indexed_texts(jobs: &[Job], fields: &JobFields) -> Result<Vec<String>> {
    check_unique_ids(jobs)?;
    jobs.iter()
        .map(|job| {
            if job.id.trim().is_empty() || job.title.trim().is_empty() {
                return Err(MatchError::InvalidJob {
                    id: job.id.clone(),
                    reason: "a job needs a non-empty id and title".into(),
                });
            }
            let text = fields.text(job);
            if text.is_empty() {
                return Err(MatchError::EmptyText {
                    what: format!("indexed text of job {:?}", job.id),
                });
            }
            Ok(text)
        })
        .collect()
}

/// Checks the ids of an upsert batch: each once.
fn check_unique_ids(jobs: &[Job]) -> Result<()> {
    let mut seen = std::collections::HashMap::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        if let Some(first) = seen.insert(job.id.as_str(), i) {
            return Err(MatchError::DuplicateId {
                path: None,
                id: job.id.clone(),
                first: format!("record {} of the batch", first + 1),
                second: format!("record {} of the batch", i + 1),
            });
        }
    }
    Ok(())
}
