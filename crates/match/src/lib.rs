//! Job recommendation and candidate screening for jobfit: "here is a resume,
//! which jobs fit, and why", and "here is a job, which candidates fit, and why".
//!
//! The key types:
//!
//! - [`Catalog`]: jobs read from JSON lines or CSV, with unique ids; the
//!   bundled O*NET 29.3 occupations are [`Catalog::onet`].
//! - [`JobIndex`]: a catalog embedded by a sentence encoder, saved to and
//!   loaded from a directory, refusing queries from another model, and
//!   changed job by job ([`JobIndex::upsert`], [`JobIndex::delete`]) with a
//!   crash-safe change log. Vectors are searched through the small
//!   [`VectorIndex`] trait; the built-in [`ExactIndex`] scans them exactly,
//!   vectorized and in parallel.
//! - [`JobStore`]: what a [`Matcher`] searches and changes; the embedded
//!   [`JobIndex`] is one.
//! - [`Matcher`]: `recommend(resume, options)` returns [`Recommendation`]s
//!   with the job, its score, matched and missing skills and the best
//!   evidence pair of sentences; options add filters, long-resume chunking,
//!   hybrid BM25 scoring and cross-encoder re-ranking ([`Reranker`]).
//! - [`Screener`]: `screen(job, resumes, options)` ranks candidates with the
//!   same explanations, can redact personal attributes first, and audits
//!   selection rates per group ([`FairnessAudit`]).
//!
//! Search needs no model, so this example runs as is:
//!
//! ```
//! use jobfit_match::{ExactIndex, VectorIndex};
//! use ndarray::array;
//!
//! let mut index = ExactIndex::new(3)?;
//! index.add(array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.6, 0.8]].view())?;
//! let hits = index.search(&[0.0, 0.8, 0.6], 2, None)?;
//! assert_eq!(hits[0].0, 2); // 0.48 + 0.48 = 0.96
//! assert_eq!(hits[1].0, 1); // 0.8
//! # Ok::<(), jobfit_match::MatchError>(())
//! ```
//!
//! This crate never picks a Burn backend: the embedder carries its device.
#![deny(missing_docs)]

/// A builder method `$name(self, value) -> Self` that sets `$field`.
macro_rules! setter {
    ($(#[$doc:meta])* $name:ident, $field:ident: $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$field = value;
            self
        }
    };
}

mod ann;
mod audit;
mod bm25;
mod catalog;
mod encode;
mod error;
pub mod eval;
mod explain;
mod filter;
mod index;
mod names;
#[cfg(feature = "postgres")]
mod postgres;
mod recommend;
mod rerank;
mod resume_query;
mod screen;
mod store;
mod vector;
mod wal;

// Flat re-exports: one line per module, kept sorted.
pub use ann::{AnnIndex, AnnOptions, AnnStorage};
pub use audit::{FOUR_FIFTHS, FairnessAudit, GroupRate};
pub use bm25::{Bm25, Bm25Params};
pub use catalog::{Catalog, JobField, JobFields, ONET_CATALOG_NAME};
pub use encode::LongText;
pub use error::{MatchError, Result};
pub use explain::{Evidence, job_skills, split_sentences};
pub use filter::{JobFilter, LocationFilter};
pub use index::{
    ANN_AUTO_MIN_JOBS, AnnMode, DEFAULT_COMPACT_BYTES, EXACT_FILTERED_MAX, INDEX_FORMAT,
    IndexOptions, JobIndex, ProgressMode, cached_index_dir, default_cache_dir,
};
pub use names::{JobNames, MAX_NAMES_PER_JOB, job_names};
#[cfg(feature = "postgres")]
pub use postgres::{PG_SCHEMA_VERSION, PgOptions, PgStore, redact_url};
pub use recommend::{Fusion, Hit, JobHit, Matcher, RecommendOptions, Recommendation, ScoreParts};
pub use rerank::{CrossEncoderReranker, MatchPair, Reranker};
pub use resume_query::{MAX_TITLE_PHRASES, RESUME_NAME_WEIGHT, title_phrases};
pub use screen::{Candidate, ScreenOptions, Screener, Screening};
pub use store::{
    DeleteReport, JobStore, NameMatch, SearchMode, SearchRequest, StoredHit, UpsertReport,
};
pub use vector::{ExactIndex, PositionFilter, TopK, VectorIndex, dot};
