//! Retrieval evaluation inputs and rankings: query sets of JSON lines
//! `{"query": "...", "relevant": ["id", ...]}` ranked against a catalog.
//!
//! The metrics themselves (Recall@K, MRR@K, NDCG@K, MAP@K) live with the
//! training code; this module produces the rankings they consume.

use std::path::Path;

use jobfit_text::{ReadOptions, read_jsonl};
use serde::{Deserialize, Deserializer, Serialize};

use crate::catalog::Catalog;
use crate::error::{MatchError, Result};
use crate::index::ProgressMode;
use crate::recommend::{Matcher, RecommendOptions};

/// One evaluation query and the ids of the jobs relevant to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrievalQuery {
    /// The query text (a title, a resume).
    pub query: String,
    /// Ids of relevant catalog jobs (numbers are read as their text).
    #[serde(deserialize_with = "ids")]
    pub relevant: Vec<String>,
}

fn ids<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Vec<String>, D::Error> {
    let values = Vec::<serde_json::Value>::deserialize(deserializer)?;
    values
        .into_iter()
        .map(|value| match value {
            serde_json::Value::String(text) => Ok(text.trim().to_string()),
            serde_json::Value::Number(number) => Ok(number.to_string()),
            other => Err(serde::de::Error::custom(format!(
                "relevant ids must be strings or numbers, got {other}"
            ))),
        })
        .collect()
}

/// Reads a query set, stopping at the first bad line.
///
/// # Errors
///
/// [`MatchError::Data`] naming the file and line of a bad record, and
/// [`MatchError::InvalidOption`] for a file without queries.
pub fn read_queries(path: impl AsRef<Path>) -> Result<Vec<RetrievalQuery>> {
    let path = path.as_ref();
    let mut queries = Vec::new();
    for record in read_jsonl::<RetrievalQuery>(path, ReadOptions::default())? {
        let (_line, query) = record?;
        queries.push(query);
    }
    if queries.is_empty() {
        return Err(MatchError::InvalidOption {
            name: "queries",
            value: path.display().to_string(),
            reason:
                "the file holds no query; write JSON lines {\"query\": ..., \"relevant\": [...]}"
                    .into(),
        });
    }
    Ok(queries)
}

/// How many relevant ids of the queries are not in the catalog (a sign that
/// the query set belongs to another catalog).
pub fn unknown_relevant(queries: &[RetrievalQuery], catalog: &Catalog) -> usize {
    queries
        .iter()
        .flat_map(|query| &query.relevant)
        .filter(|id| catalog.position(id).is_none())
        .count()
}

/// The ids of the `depth` best jobs for each query, best first.
///
/// # Errors
///
/// As [`Matcher::rank_many`].
pub fn rankings(
    matcher: &Matcher,
    queries: &[RetrievalQuery],
    depth: usize,
    options: &RecommendOptions,
    progress: ProgressMode,
) -> Result<Vec<Vec<String>>> {
    let texts: Vec<&str> = queries.iter().map(|query| query.query.as_str()).collect();
    let options = RecommendOptions {
        top_k: depth,
        explain: false,
        ..options.clone()
    };
    matcher.rank_many_map(&texts, &options, progress, |hits| {
        hits.into_iter().map(|hit| hit.job.id.clone()).collect()
    })
}
