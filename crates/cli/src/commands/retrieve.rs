//! `jobfit eval retrieve`: rank a catalog for every query of a query set and
//! print Recall@K, MRR@10, NDCG@10 and MAP@100 as one JSON object.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use jobfit::matching::eval::{RetrievalQuery, rankings, read_queries, unknown_relevant};
use jobfit::matching::{CrossEncoderReranker, JobFields, Matcher, ProgressMode, RecommendOptions};
use jobfit::train::{RetrievalEvaluator, RetrievalReport};

use crate::commands::index::{
    PromptArgs, StoreArgs, evaluation_index, load_catalog, load_embedder_with, parse_engine,
    sync_store,
};
use crate::commands::recommend::parse_hybrid;
use crate::error::{CliError, Result};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct RetrieveArgs {
    /// Model directory, jobfit checkpoint, or training run holding one.
    #[arg(long)]
    model: PathBuf,
    /// The catalog searched: JSON lines of jobs, or CSV (.csv).
    #[arg(long)]
    catalog: PathBuf,
    /// Queries: JSON lines {"query": "...", "relevant": ["id", ...]}.
    #[arg(long)]
    queries: PathBuf,
    /// The job fields indexed, comma separated (title, description, skills,
    /// location, metadata.KEY).
    #[arg(long, default_value = "title,description,skills")]
    catalog_fields: String,
    /// The cutoffs of Recall@K, comma separated.
    #[arg(long, default_value = "1,5,10", value_delimiter = ',')]
    k: Vec<usize>,
    /// Long queries (resumes): head (the default), chunk-max or chunk-mean.
    #[arg(long)]
    long_text: Option<String>,
    /// Hybrid scoring of long queries with BM25: weighted:0.8 (the default), weighted:W,
    /// weighted (0.7), rrf, rrf:K, or none (the encoder alone).
    #[arg(long)]
    hybrid: Option<String>,
    /// Queries of at most this many words (titles) are scored with the job names and
    /// without BM25, longer ones (resumes) with BM25 and without names; default 32.
    #[arg(long)]
    short_query_words: Option<usize>,
    /// How much the job names (title and aliases) weigh in the dense score of short
    /// queries, from 0 (the indexed fields alone; names are then not embedded) to 1;
    /// default 0.7.
    #[arg(long)]
    name_weight: Option<f32>,
    /// A cross-encoder checkpoint to re-rank the top candidates.
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
    /// Keep the catalog's index in this directory and reuse it while the
    /// catalog, fields and model stay the same.
    #[arg(long)]
    index_cache: Option<PathBuf>,
    /// Texts per forward pass of the encoder.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Tokens each text is truncated to (default: the model's window, e.g. 256 for
    /// all-MiniLM-L6-v2).
    #[arg(long)]
    max_len: Option<usize>,
    /// The encoder implementation: auto, burn, fast or int8 (see `jobfit index --help`).
    #[arg(long, value_parser = parse_engine)]
    engine: Option<jobfit::model::Engine>,
    #[command(flatten)]
    store: StoreArgs,
    /// Also write one JSON line per query to this file, in the order of the queries:
    /// {"query", "relevant", "rank" (of its first relevant job, from 1; null when it is not
    /// among the ranked jobs: the top 100, or the largest --k), "top" (the ids of the 10
    /// best jobs)}.
    #[arg(long)]
    per_query: Option<PathBuf>,
    #[command(flatten)]
    prompts: PromptArgs,
}

pub fn run(args: RetrieveArgs) -> Result<()> {
    if args.k.is_empty() || args.k.contains(&0) {
        return Err(CliError::Usage(
            "--k takes positive cutoffs, e.g. 1,5,10".into(),
        ));
    }
    let started = Instant::now();
    let embedder = Arc::new(load_embedder_with(
        &args.model,
        args.batch_size,
        args.engine,
        args.max_len,
        &args.prompts,
    )?);
    let catalog = load_catalog(&args.catalog, None)?;
    let queries = read_queries(&args.queries)?;
    let unknown = unknown_relevant(&queries, &catalog);
    if unknown > 0 {
        eprintln!(
            "warning: {unknown} relevant ids of {} are not in {}: is it the right catalog?",
            args.queries.display(),
            args.catalog.display()
        );
    }
    let fields: JobFields = args.catalog_fields.parse()?;
    // The recommender's scoring: what users get.
    let mut options = RecommendOptions::default();
    if let Some(weight) = args.name_weight {
        options.name_weight = weight;
    }
    if let Some(words) = args.short_query_words {
        options.short_query_words = words;
    }
    options.search = args.search;
    options.validate()?;
    let (mut matcher, docs) =
        match args
            .store
            .open(&embedder, &fields, options.name_weight > 0.0)?
        {
            Some(store) => {
                // The catalog evaluated is the catalog in the store.
                sync_store(store.as_ref(), &catalog, &embedder)?;
                let docs = store.len()?;
                (Matcher::from_store(store, Arc::clone(&embedder))?, docs)
            }
            None => {
                let index = evaluation_index(
                    catalog,
                    &embedder,
                    fields,
                    options.name_weight,
                    args.index_cache.as_deref(),
                    args.search,
                )?;
                let docs = index.len();
                (Matcher::new(index, Arc::clone(&embedder))?, docs)
            }
        };
    let indexed = started.elapsed().as_secs_f64();
    if let Some(strategy) = &args.long_text {
        options.long_text = strategy.parse()?;
    }
    if let Some(fusion) = &args.hybrid {
        options.hybrid = parse_hybrid(fusion)?;
    }
    if let Some(dir) = &args.rerank_model {
        let reranker = CrossEncoderReranker::from_checkpoint(dir, &jobfit::default_device())?;
        matcher = matcher.with_reranker(Arc::new(reranker));
        options.rerank = Some(args.rerank);
        options.rerank_weight = args.rerank_weight;
    }
    let depth = args.k.iter().copied().max().unwrap_or(10).max(100);
    let ranked = rankings(&matcher, &queries, depth, &options, ProgressMode::Auto)?;
    let mut evaluator = RetrievalEvaluator::new(&cutoffs(&args.k), docs).map_err(metrics_error)?;
    for (ranking, query) in ranked.iter().zip(&queries) {
        let relevant: HashSet<String> = query.relevant.iter().cloned().collect();
        evaluator.add(ranking, &relevant);
    }
    let report = evaluator.finish().map_err(metrics_error)?;
    if let Some(path) = &args.per_query {
        let mut out = Output::open(Some(path))?;
        for (ranking, query) in ranked.iter().zip(&queries) {
            out.line(&per_query_line(query, ranking))?;
        }
        out.finish()?;
    }
    println!("{}", to_json(&summary(&report, &args.k)));
    eprintln!(
        "{} queries against {docs} jobs: indexed in {indexed:.1} s, total {:.1} s",
        queries.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The cutoffs to compute: the asked Recall@K cutoffs, 10 (MRR, NDCG) and 100 (MAP).
fn cutoffs(ks: &[usize]) -> Vec<usize> {
    let mut all: Vec<usize> = ks.iter().copied().chain([10, 100]).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// One line of `--per-query`: the query, its relevant ids, the rank (from 1)
/// of its first relevant job in `ranking` (null when none is there) and the
/// ids of the 10 best jobs.
fn per_query_line(query: &RetrievalQuery, ranking: &[String]) -> String {
    let rank = ranking
        .iter()
        .position(|id| query.relevant.contains(id))
        .map(|index| index + 1);
    serde_json::json!({
        "query": query.query,
        "relevant": query.relevant,
        "rank": rank,
        "top": &ranking[..ranking.len().min(10)],
    })
    .to_string()
}

fn metrics_error(error: jobfit::train::MetricsError) -> CliError {
    CliError::Usage(format!("cannot compute the metrics: {error}"))
}

/// The printed object's fields, in order: `queries`, `docs`, `recall@K` for
/// each asked K, `mrr@10`, `hit@10` (the share of queries with a relevant job in
/// the top 10), `ndcg@10` and `map@100`.
fn summary(report: &RetrievalReport, ks: &[usize]) -> Vec<(String, serde_json::Value)> {
    let mut out: Vec<(String, serde_json::Value)> = vec![
        ("queries".into(), report.queries.into()),
        ("docs".into(), report.docs.into()),
    ];
    let mut asked = ks.to_vec();
    asked.sort_unstable();
    asked.dedup();
    let names = asked.iter().map(|&k| ("recall", k)).chain([
        ("mrr", 10),
        ("hit", 10),
        ("ndcg", 10),
        ("map", 100),
    ]);
    for (name, k) in names {
        if let Some(value) = report.get(name, k) {
            out.push((format!("{name}@{k}"), value.into()));
        }
    }
    out
}

/// One JSON object with the fields in the given order.
fn to_json(fields: &[(String, serde_json::Value)]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{}: {value}", serde_json::Value::from(name.as_str())))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_has_the_documented_keys_in_order() {
        let mut evaluator = RetrievalEvaluator::new(&cutoffs(&[5, 1]), 3).unwrap();
        evaluator.add(&["a", "b"], &HashSet::from(["b"]));
        let report = evaluator.finish().unwrap();
        let summary = summary(&report, &[5, 1]);
        let keys: Vec<&str> = summary.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            keys,
            [
                "queries", "docs", "recall@1", "recall@5", "mrr@10", "hit@10", "ndcg@10", "map@100"
            ]
        );
        let json = to_json(&summary);
        assert!(
            json.starts_with(
                r#"{"queries": 1, "docs": 3, "recall@1": 0.0, "recall@5": 1.0, "mrr@10": 0.5, "hit@10": 1.0"#
            ),
            "{json}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["map@100"], 0.5);
    }

    #[test]
    fn a_per_query_line_gives_the_first_relevant_rank_and_the_top_ten() {
        let query = RetrievalQuery {
            query: "Line Cook".into(),
            relevant: vec!["c".into(), "e".into()],
        };
        let ranking: Vec<String> = "abcdefghijkl".chars().map(String::from).collect();
        let line: serde_json::Value =
            serde_json::from_str(&per_query_line(&query, &ranking)).unwrap();
        assert_eq!(line["query"], "Line Cook");
        assert_eq!(line["relevant"], serde_json::json!(["c", "e"]));
        assert_eq!(line["rank"], 3);
        assert_eq!(
            line["top"],
            serde_json::json!(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])
        );

        let missed: serde_json::Value =
            serde_json::from_str(&per_query_line(&query, &ranking[3..4])).unwrap();
        assert_eq!(missed["rank"], serde_json::Value::Null);
        assert_eq!(missed["top"], serde_json::json!(["d"]));
    }
}
