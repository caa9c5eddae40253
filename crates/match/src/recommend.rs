//! [`Matcher`]: recommends jobs of an index for a resume, with hybrid
//! scoring, re-ranking and explanations.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use jobfit_model::TextEmbedder;
use jobfit_text::{Cleaner, Job, SkillGazetteer};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::bm25::{Bm25, Bm25Params};
use crate::encode::{Chunking, LongText, clean_nonempty, pooled_queries, text_vectors};
use crate::error::{MatchError, Result};
use crate::explain::{Evidence, ResumeSkills, best_pair, evidence_sentences, job_skills};
use crate::filter::{CatalogFacts, JobFilter};
use crate::index::{JobIndex, JobNames, ProgressMode, job_names};
use crate::rerank::{MatchPair, Reranker};
use crate::screen::Screener;
use crate::vector::{PositionFilter, TopK, VectorIndex, dot};

/// How the dense (embedding) and lexical (BM25) scores are combined.
///
/// [`RecommendOptions`] fuses by weight ([`Fusion::Weighted`], dense weight
/// 0.8) by default, chosen on two resume sets (zero-shot all-MiniLM-L6-v2,
/// the bundled catalog's title and description indexed, the resume's titles
/// matched against the job names; `eval/README.md`, *Resume matching
/// defaults*): on 326 held-out LiveCareer resumes (`eval/resumes.queries.jsonl`)
/// and 150 Google job postings (`eval/google-jobs.queries.jsonl`), with the
/// resume's titles at weight 0.5, MRR@10 was 0.455 / 0.578 without BM25,
/// 0.461 / 0.590 with weighted fusion at 0.7, 0.464 / 0.616 at 0.8 and 0.470 /
/// 0.611 at 0.85. Reciprocal rank fusion (the earlier default) lost to the
/// dense score alone on both sets (0.399 / 0.490 against 0.431 / 0.552);
/// weighted fusion at 0.8 won there too (0.437 / 0.593). Both sets took part
/// in the choice. For short
/// queries such as job titles the dense score alone is better (O*NET
/// held-out titles MRR@10 0.365 dense, 0.305 RRF), so fusion applies to long
/// queries only (see [`RecommendOptions::short_query_words`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fusion {
    /// `dense_weight * dense + (1 - dense_weight) * bm25`, each min-max
    /// normalized over its candidate list (a job missing from one list gets
    /// 0 there).
    Weighted {
        /// Weight of the dense score, in `[0, 1]`.
        dense_weight: f32,
    },
    /// Reciprocal rank fusion: `1 / (k + dense rank) + 1 / (k + bm25 rank)`,
    /// ranks from 1, a missing rank adding nothing.
    Rrf {
        /// The rank offset (60 in the original paper).
        k: f32,
    },
}

impl std::str::FromStr for Fusion {
    type Err = MatchError;

    /// `rrf`, `rrf:K`, `weighted` (dense weight 0.7) or `weighted:W`.
    fn from_str(text: &str) -> Result<Self> {
        let bad = || MatchError::InvalidOption {
            name: "fusion",
            value: text.to_string(),
            reason: "use rrf, rrf:K, weighted or weighted:W with W in [0, 1]".into(),
        };
        let (name, value) = match text.trim().split_once(':') {
            Some((name, value)) => (name, Some(value.trim().parse::<f32>().map_err(|_| bad())?)),
            None => (text.trim(), None),
        };
        let fusion = match name.to_ascii_lowercase().as_str() {
            "rrf" => Self::Rrf {
                k: value.unwrap_or(60.0),
            },
            "weighted" => Self::Weighted {
                dense_weight: value.unwrap_or(0.7),
            },
            _ => return Err(bad()),
        };
        fusion.validate()?;
        Ok(fusion)
    }
}

impl Fusion {
    fn validate(&self) -> Result<()> {
        match *self {
            Self::Weighted { dense_weight } if !(0.0..=1.0).contains(&dense_weight) => {
                Err(MatchError::InvalidOption {
                    name: "fusion dense_weight",
                    value: dense_weight.to_string(),
                    reason: "use a weight in [0, 1]".into(),
                })
            }
            Self::Rrf { k } if !(k.is_finite() && k >= 0.0) => Err(MatchError::InvalidOption {
                name: "fusion rrf k",
                value: k.to_string(),
                reason: "use a finite k >= 0 (60 is usual)".into(),
            }),
            _ => Ok(()),
        }
    }
}

/// Options of [`Matcher::recommend`]. The defaults: 10 results, no filter,
/// head-of-text long-text scoring; a short query (a job title) is scored
/// against the job texts and names, a long one (a resume) against the job
/// texts and, through the job titles it names, the job names, with BM25
/// fused by weight (see [`RecommendOptions::short_query_words`], [`Fusion`]
/// and [`RESUME_NAME_WEIGHT`](crate::RESUME_NAME_WEIGHT)); no re-ranking, with
/// explanations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecommendOptions {
    /// How many jobs to return (all that pass the filter when fewer). Must
    /// be at least 1. Default 10.
    pub top_k: usize,
    /// Which jobs may be returned. Default: all.
    pub filter: JobFilter,
    /// How a resume longer than the encoder's window is scored.
    pub long_text: LongText,
    /// Tokens shared by consecutive chunks (at most half the encoder's
    /// window). Default 32.
    pub chunk_overlap: usize,
    /// The most chunks per resume, from its start. Default 16.
    pub max_chunks: usize,
    /// Queries of at most this many words (job titles, search-box queries)
    /// are scored with the job names and without BM25; longer ones (resumes,
    /// descriptions) with BM25 and without the job names. Default 32. `0`
    /// treats every query as long, `usize::MAX` every query as short.
    ///
    /// Measured (`eval/README.md`): names lift short queries a lot (held-out
    /// O*NET titles MRR@10 0.365 -> 0.574) while BM25 hurts them (0.305).
    /// Long queries are scored with their own name evidence: the job titles
    /// the resume names (see [`title_phrases`](crate::title_phrases)).
    pub short_query_words: usize,
    /// Fuse BM25 over the job texts with the dense score of long queries
    /// (see [`RecommendOptions::short_query_words`]); `None` ranks by the
    /// dense score alone. Default: weighted fusion, dense weight 0.8 (see
    /// [`Fusion`] for the measurement behind it).
    pub hybrid: Option<Fusion>,
    /// Candidates taken from each of the dense and BM25 lists before
    /// fusion. Default 100.
    pub hybrid_candidates: usize,
    /// How much the job's names (title and aliases, embedded one by one
    /// when the index was built with [`IndexOptions::names`](crate::IndexOptions::names))
    /// weigh in the dense score of short queries (see
    /// [`RecommendOptions::short_query_words`]): with `w` this weight, `d`
    /// the similarity to the job's text and `n` the best similarity to one of
    /// its names, the dense score is `(1 - w) * d + w * max(d, n)`. `0` ranks
    /// by the job text alone (and turns the name evidence of long queries off
    /// too). Default 0.7: on held-out O*NET alternate titles it raised MRR@10
    /// from 0.365 to 0.574, on vacancy titles -> ESCO from 0.294 to 0.374
    /// (see `eval/README.md`).
    pub name_weight: f32,
    /// Re-rank this many top candidates with the matcher's reranker.
    /// Default: off.
    pub rerank: Option<usize>,
    /// How much the reranker's score weighs against the first stage's in the
    /// re-ranked candidates, in `[0, 1]`: below 1, each stage's scores are
    /// min-max scaled over the candidates and blended as
    /// `(1 - w) * first + w * reranker`. Default 1: the reranker's order alone.
    pub rerank_weight: f32,
    /// Compute matched and missing skills and the evidence pair. Default true.
    pub explain: bool,
    /// The most resume sentences compared for evidence. Default 32.
    pub max_resume_sentences: usize,
    /// The most sentences of each job compared for evidence. Default 12.
    pub max_job_sentences: usize,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        Self {
            top_k: 10,
            filter: JobFilter::default(),
            long_text: LongText::default(),
            chunk_overlap: 32,
            max_chunks: 16,
            short_query_words: 32,
            hybrid: Some(Fusion::Weighted { dense_weight: 0.8 }),
            hybrid_candidates: 100,
            name_weight: 0.7,
            rerank: None,
            rerank_weight: 1.0,
            explain: true,
            max_resume_sentences: 32,
            max_job_sentences: 12,
        }
    }
}

impl RecommendOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    setter!(
        /// Sets the number of results.
        with_top_k, top_k: usize
    );

    setter!(
        /// Sets the filter.
        with_filter, filter: JobFilter
    );

    setter!(
        /// Sets the long-text strategy.
        with_long_text, long_text: LongText
    );

    setter!(
        /// Turns hybrid scoring on with a fusion, or off with `None`.
        with_hybrid, hybrid: Option<Fusion>
    );

    setter!(
        /// Sets the weight of the job names in the dense score of short
        /// queries (`0` turns name matching off).
        with_name_weight, name_weight: f32
    );

    setter!(
        /// Sets the most words of a short query (see
        /// [`RecommendOptions::short_query_words`]).
        with_short_query_words, short_query_words: usize
    );

    /// The name weight and fusion that apply to a cleaned query: the names
    /// for a short one, BM25 for a long one.
    ///
    /// ```
    /// use jobfit_match::RecommendOptions;
    ///
    /// let options = RecommendOptions::default();
    /// assert_eq!(options.scoring_for("Senior Data Engineer"), (0.7, None));
    /// let resume = "Built data pipelines with Spark and Airflow. ".repeat(10);
    /// assert_eq!(options.scoring_for(&resume), (0.0, options.hybrid));
    /// ```
    pub fn scoring_for(&self, query: &str) -> (f32, Option<Fusion>) {
        let words = query
            .split_whitespace()
            .take(self.short_query_words.saturating_add(1));
        if words.count() <= self.short_query_words {
            (self.name_weight, None)
        } else {
            (0.0, self.hybrid)
        }
    }

    setter!(
        /// Re-ranks the top `candidates` with the matcher's reranker, or turns
        /// re-ranking off with `None`.
        with_rerank, rerank: Option<usize>
    );

    setter!(
        /// Sets the reranker's weight against the first stage, in `[0, 1]`.
        with_rerank_weight, rerank_weight: f32
    );

    setter!(
        /// Turns explanations on or off.
        with_explain, explain: bool
    );

    /// Checks the options.
    ///
    /// # Errors
    ///
    /// [`MatchError::ZeroTopK`], or [`MatchError::InvalidOption`] naming the
    /// bad option.
    pub fn validate(&self) -> Result<()> {
        if self.top_k == 0 {
            return Err(MatchError::ZeroTopK);
        }
        check_rerank_weight(self.rerank_weight)?;
        self.chunking().validate()?;
        if let Some(fusion) = &self.hybrid {
            fusion.validate()?;
            if self.hybrid_candidates == 0 {
                return Err(MatchError::InvalidOption {
                    name: "hybrid_candidates",
                    value: "0".into(),
                    reason: "take at least one candidate from each list (default 100)".into(),
                });
            }
        }
        if !(0.0..=1.0).contains(&self.name_weight) {
            return Err(MatchError::InvalidOption {
                name: "name_weight",
                value: self.name_weight.to_string(),
                reason: "use a weight in [0, 1] (0 turns name matching off; default 0.7)".into(),
            });
        }
        if self.rerank == Some(0) {
            return Err(MatchError::InvalidOption {
                name: "rerank",
                value: "0".into(),
                reason: "re-rank at least one candidate, or turn re-ranking off".into(),
            });
        }
        Ok(())
    }

    pub(crate) fn chunking(&self) -> Chunking {
        Chunking {
            strategy: self.long_text,
            overlap: self.chunk_overlap,
            max_chunks: self.max_chunks,
        }
    }
}

/// The parts of a final score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreParts {
    /// The embedding similarity (cosine for normalized embeddings), when
    /// the job was among the dense candidates; with job names, their blend
    /// (see [`RecommendOptions::name_weight`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dense: Option<f32>,
    /// The best similarity of the query to one of the job's names, when the
    /// index holds names and name matching is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<f32>,
    /// The BM25 score, when hybrid scoring is on and the job was among the
    /// lexical candidates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lexical: Option<f32>,
    /// The reranker's score, when the job was re-ranked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerank: Option<f32>,
}

/// A ranked position of the catalog with its score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The job's position in the catalog.
    pub position: usize,
    /// The final score: the reranker's score for re-ranked jobs (blended with
    /// the first stage's when the rerank weight is below 1), the fused
    /// score with hybrid scoring, the dense score otherwise. Only the order
    /// of scores within one result list is meaningful.
    pub score: f32,
    /// The parts of the score.
    pub parts: ScoreParts,
    /// The row of the job's name most like the query (see [`JobNames`]),
    /// when job names took part in the score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_row: Option<usize>,
}

/// One recommended job, with why it fits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The rank, from 1.
    pub rank: usize,
    /// The job.
    pub job: Job,
    /// The final score (see [`Hit::score`]).
    pub score: f32,
    /// The parts of the score.
    pub scores: ScoreParts,
    /// The job's name (title or alias, see [`job_names`]) most like the
    /// query, when job names took part in the score (short queries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_name: Option<String>,
    /// Skills of the job the resume shows.
    pub matched_skills: Vec<String>,
    /// Skills of the job the resume does not show.
    pub missing_skills: Vec<String>,
    /// The resume sentence and job sentence that are most alike.
    pub evidence: Option<Evidence>,
}

/// Recommends jobs of a [`JobIndex`] for resumes.
///
/// A `Matcher` is `Send + Sync`: build one and share it (by reference or in
/// an `Arc`) between the threads that serve requests; every method takes
/// `&self`.
///
/// ```no_run
/// use jobfit_match::{Catalog, IndexOptions, JobIndex, Matcher, RecommendOptions};
/// use jobfit_model::TextEmbedder;
///
/// let device = burn::prelude::Device::default();
/// let embedder = TextEmbedder::from_dir("models/all-MiniLM-L6-v2", &device)?;
/// let index = JobIndex::build(Catalog::onet().clone(), &embedder, &IndexOptions::default())?;
/// let matcher = Matcher::new(index, embedder)?;
/// for rec in matcher.recommend("Registered nurse, ICU, 6 years...", &RecommendOptions::default())? {
///     println!("{} {:.3} missing: {:?}", rec.job.title, rec.score, rec.missing_skills);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Matcher {
    index: JobIndex,
    embedder: Arc<TextEmbedder>,
    facts: CatalogFacts,
    backend: Option<Box<dyn VectorIndex>>,
    reranker: Option<Arc<dyn Reranker>>,
    gazetteer: SkillGazetteer,
    cleaner: Cleaner,
    bm25_params: Bm25Params,
    /// The job texts (the index's fields), built on first need.
    job_texts: OnceLock<Vec<String>>,
    /// BM25 over the job texts, built on first hybrid query.
    bm25: OnceLock<Bm25>,
}

impl Matcher {
    /// A matcher over `index` that embeds resumes with `embedder`.
    ///
    /// # Errors
    ///
    /// [`MatchError::ModelMismatch`] when the index was built with another model.
    pub fn new(index: JobIndex, embedder: impl Into<Arc<TextEmbedder>>) -> Result<Self> {
        let embedder = embedder.into();
        index.check_model(embedder.identity())?;
        Ok(Self {
            facts: CatalogFacts::of(index.catalog()),
            index,
            embedder,
            backend: None,
            reranker: None,
            gazetteer: SkillGazetteer::default_gazetteer().clone(),
            cleaner: Cleaner::default(),
            bm25_params: Bm25Params::default(),
            job_texts: OnceLock::new(),
            bm25: OnceLock::new(),
        })
    }

    /// Sets the reranker used when [`RecommendOptions::rerank`] is on.
    #[must_use]
    pub fn with_reranker(mut self, reranker: Arc<dyn Reranker>) -> Self {
        self.reranker = Some(reranker);
        self
    }

    setter!(
        /// Sets the skill gazetteer of the explanations (default: the bundled one).
        with_gazetteer, gazetteer: SkillGazetteer
    );

    setter!(
        /// Sets the cleaner applied to resumes (default: [`Cleaner::default`]).
        with_cleaner, cleaner: Cleaner
    );

    /// Sets the BM25 parameters of hybrid scoring.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidOption`] for parameters out of range.
    pub fn with_bm25_params(mut self, params: Bm25Params) -> Result<Self> {
        Bm25::new(&[""], params)?;
        self.bm25_params = params;
        self.bm25 = OnceLock::new();
        Ok(self)
    }

    /// Searches `backend` instead of the index's exact vectors: an
    /// approximate index or a vector-database client holding the same
    /// vectors at the same positions.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] when its size or width differs from the index's.
    pub fn with_vector_index(mut self, backend: Box<dyn VectorIndex>) -> Result<Self> {
        if backend.len() != self.index.len() || backend.dim() != self.index.vectors().dim() {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "the vector index holds {} {}-wide vectors but the job index {} {}-wide ones",
                    backend.len(),
                    backend.dim(),
                    self.index.len(),
                    self.index.vectors().dim()
                ),
            });
        }
        self.backend = Some(backend);
        Ok(self)
    }

    /// The index.
    pub fn index(&self) -> &JobIndex {
        &self.index
    }

    /// The embedder.
    pub fn embedder(&self) -> &Arc<TextEmbedder> {
        &self.embedder
    }

    /// A [`Screener`] sharing this matcher's embedder, reranker, gazetteer
    /// and cleaner.
    pub fn screener(&self) -> Screener {
        let screener = Screener::new(Arc::clone(&self.embedder))
            .with_gazetteer(self.gazetteer.clone())
            .with_cleaner(self.cleaner.clone());
        match &self.reranker {
            Some(reranker) => screener.with_reranker(Arc::clone(reranker)),
            None => screener,
        }
    }

    fn vectors(&self) -> &dyn VectorIndex {
        match &self.backend {
            Some(backend) => backend.as_ref(),
            None => self.index.vectors(),
        }
    }

    fn job_texts(&self) -> &[String] {
        self.job_texts
            .get_or_init(|| self.index.catalog().texts(self.index.fields()))
    }

    fn bm25(&self) -> &Bm25 {
        self.bm25
            .get_or_init(|| Bm25::build(self.job_texts(), self.bm25_params))
    }

    /// Recommends jobs for a resume, best first.
    ///
    /// # Errors
    ///
    /// [`MatchError::ZeroTopK`] and [`MatchError::InvalidOption`] for bad
    /// options, [`MatchError::UnknownFilterField`] for a filter on a field no
    /// job has, [`MatchError::EmptyText`] for a resume that is empty once
    /// cleaned, [`MatchError::NoReranker`] when re-ranking is asked for
    /// without a reranker, and the embedder's errors.
    pub fn recommend(
        &self,
        resume: &str,
        options: &RecommendOptions,
    ) -> Result<Vec<Recommendation>> {
        self.check(options)?;
        let cleaned = clean_nonempty(&self.cleaner, resume, || "resume".to_string())?;
        let hits = self
            .rank_cleaned(&[cleaned.as_str()], options)?
            .pop()
            .unwrap_or_default();
        let explanations = if options.explain {
            self.explain(&cleaned, &hits, options)?
        } else {
            vec![(Vec::new(), Vec::new(), None); hits.len()]
        };
        Ok(hits
            .into_iter()
            .zip(explanations)
            .enumerate()
            .filter_map(|(rank, (hit, (matched, missing, evidence)))| {
                let job = self.index.catalog().get(hit.position)?;
                Some(Recommendation {
                    rank: rank + 1,
                    matched_name: self.matched_name(&hit, job),
                    job: job.clone(),
                    score: hit.score,
                    scores: hit.parts,
                    matched_skills: matched,
                    missing_skills: missing,
                    evidence,
                })
            })
            .collect())
    }

    /// Ranks the catalog for many query texts (titles, resumes), without
    /// explanations: one list of hits per query, best first. Queries are
    /// embedded in batches; a progress bar follows `progress`.
    ///
    /// This is what retrieval evaluation runs.
    ///
    /// # Errors
    ///
    /// As [`Matcher::recommend`]; an empty query names its position (`query 3`, from 1).
    pub fn rank_many(
        &self,
        queries: &[&str],
        options: &RecommendOptions,
        progress: ProgressMode,
    ) -> Result<Vec<Vec<Hit>>> {
        self.check(options)?;
        let cleaned = queries
            .iter()
            .enumerate()
            .map(|(i, query)| clean_nonempty(&self.cleaner, query, || format!("query {}", i + 1)))
            .collect::<Result<Vec<_>>>()?;
        let bar = progress.bar(cleaned.len() as u64, "ranking queries");
        let mut out = Vec::with_capacity(cleaned.len());
        for chunk in cleaned.chunks(256) {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            out.extend(self.rank_cleaned(&refs, options)?);
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(out)
    }

    fn check(&self, options: &RecommendOptions) -> Result<()> {
        options.validate()?;
        options.filter.check(&self.facts)?;
        if options.rerank.is_some() && self.reranker.is_none() {
            return Err(MatchError::NoReranker);
        }
        Ok(())
    }

    /// Ranks cleaned, non-empty texts; options already checked.
    fn rank_cleaned(&self, texts: &[&str], options: &RecommendOptions) -> Result<Vec<Vec<Hit>>> {
        let vectors = text_vectors(&self.embedder, texts, options.chunking())?;
        let catalog = self.index.catalog();
        let keep = |position: usize| {
            catalog
                .get(position)
                .is_some_and(|job| options.filter.matches(job))
        };
        let filter: Option<PositionFilter<'_>> = if options.filter.is_empty() {
            None
        } else {
            Some(&keep)
        };
        let rerank = options.rerank.unwrap_or(0);
        let need = options.top_k.max(rerank);
        let mut out = Vec::with_capacity(texts.len());
        for (text, vectors) in texts.iter().zip(vectors) {
            let (name_weight, hybrid) = options.scoring_for(text);
            let dense_k = match hybrid {
                Some(_) => need.max(options.hybrid_candidates),
                None => need,
            };
            let queries = pooled_queries(vectors, options.long_text);
            // A long query (names off for it, on in the options) also matches the job titles
            // it names against the job names: crate::resume_query.
            let resume_names = (name_weight == 0.0 && self.backend.is_none())
                .then(|| self.names(options.name_weight))
                .flatten();
            let dense = match resume_names {
                Some(names) => crate::resume_query::resume_search(
                    &self.embedder,
                    &self.index,
                    names,
                    text,
                    &queries,
                    dense_k,
                    filter,
                )?,
                None => self.dense_search(&queries, dense_k, filter, name_weight)?,
            };
            let mut hits: Vec<Hit> = match hybrid {
                None => dense
                    .into_iter()
                    .map(|(position, score)| Hit {
                        position,
                        score,
                        parts: ScoreParts {
                            dense: Some(score),
                            ..ScoreParts::default()
                        },
                        name_row: None,
                    })
                    .collect(),
                Some(fusion) => {
                    let lexical = self.bm25().search(text, dense_k, filter);
                    fuse(&dense, &lexical, fusion)
                }
            };
            if let (Some(candidates), Some(reranker)) = (options.rerank, &self.reranker) {
                self.rerank(
                    reranker.as_ref(),
                    text,
                    &mut hits,
                    candidates,
                    options.rerank_weight,
                )?;
            }
            hits.truncate(options.top_k);
            if let Some(names) = self.names(name_weight) {
                for hit in &mut hits {
                    let best = queries
                        .rows()
                        .into_iter()
                        .filter_map(|row| names.best_of(hit.position, row.as_slice()?))
                        .reduce(|a, b| if b.1 > a.1 { b } else { a });
                    hit.parts.name = best.map(|(_, score)| score);
                    hit.name_row = best.map(|(row, _)| row);
                }
            }
            out.push(hits);
        }
        Ok(out)
    }

    /// The name of `job` at the hit's name row, if the hit has one.
    fn matched_name(&self, hit: &Hit, job: &Job) -> Option<String> {
        let row = hit.name_row?;
        let first = self.index.names()?.rows_of(hit.position).start;
        job_names(job).into_iter().nth(row.checked_sub(first)?)
    }

    /// The index's job names, when it has some and `name_weight` uses them.
    fn names(&self, name_weight: f32) -> Option<&JobNames> {
        self.index
            .names()
            .filter(|names| name_weight > 0.0 && !names.is_empty())
    }

    /// The `k` best positions for one or more query vectors (several: max-pooled).
    fn dense_search(
        &self,
        queries: &Array2<f32>,
        k: usize,
        filter: Option<PositionFilter<'_>>,
        name_weight: f32,
    ) -> Result<Vec<(usize, f32)>> {
        let rows: Vec<Vec<f32>> = queries.rows().into_iter().map(|row| row.to_vec()).collect();
        if let Some(names) = self.names(name_weight) {
            return self.blended_search(names, &rows, k, filter, name_weight);
        }
        let index = self.vectors();
        if let [single] = rows.as_slice() {
            return index.search(single, k, filter);
        }
        // Max over chunks: a job in the true top k by its best chunk c is in
        // chunk c's own top k (every job above it there scores higher
        // overall), so merging the per-chunk lists by maximum is exact.
        let mut best: HashMap<usize, f32> = HashMap::new();
        for row in &rows {
            for (position, score) in index.search(row, k, filter)? {
                let entry = best.entry(position).or_insert(f32::NEG_INFINITY);
                *entry = entry.max(score);
            }
        }
        let mut top = TopK::new(k);
        for (position, score) in best {
            top.push(position, score);
        }
        Ok(top.into_sorted())
    }

    /// The `k` best jobs kept by the filter by their blended score (text and
    /// names), max-pooled over query rows. With the exact index every job is
    /// scored. With a plugged-in vector index, the jobs among its top
    /// candidates and the owners of the best-matching names are rescored: a
    /// job in neither list is missed, as an approximate index may miss one.
    fn blended_search(
        &self,
        names: &JobNames,
        rows: &[Vec<f32>],
        k: usize,
        filter: Option<PositionFilter<'_>>,
        name_weight: f32,
    ) -> Result<Vec<(usize, f32)>> {
        let mut top = TopK::new(k);
        let Some(backend) = &self.backend else {
            let mut best: Option<Vec<f32>> = None;
            for row in rows {
                let text = self.index.vectors().scores(row)?;
                let name = names.best_scores(row)?;
                let blended = text
                    .iter()
                    .zip(&name)
                    .map(|(&text, &name)| blend(text, name, name_weight));
                best = Some(match best {
                    None => blended.collect(),
                    Some(previous) => previous
                        .iter()
                        .zip(blended)
                        .map(|(a, b)| a.max(b))
                        .collect(),
                });
            }
            for (position, score) in best.unwrap_or_default().into_iter().enumerate() {
                if filter.is_none_or(|keep| keep(position)) {
                    top.push(position, score);
                }
            }
            return Ok(top.into_sorted());
        };
        let candidates_k = k.saturating_mul(4).max(100);
        let keep_name = |row: usize| {
            names
                .owner(row)
                .is_some_and(|owner| filter.is_none_or(|keep| keep(owner)))
        };
        let mut candidates = std::collections::BTreeSet::new();
        for row in rows {
            for (position, _) in backend.search(row, candidates_k, filter)? {
                candidates.insert(position);
            }
            for (name_row, _) in names
                .vectors()
                .search(row, candidates_k, Some(&keep_name))?
            {
                candidates.extend(names.owner(name_row));
            }
        }
        for position in candidates {
            let Some(vector) = self.index.vectors().vector(position) else {
                continue;
            };
            let score = rows
                .iter()
                .map(|row| {
                    let name = names
                        .best_of(position, row)
                        .map_or(f32::NEG_INFINITY, |(_, score)| score);
                    blend(dot(row, vector), name, name_weight)
                })
                .fold(f32::NEG_INFINITY, f32::max);
            top.push(position, score);
        }
        Ok(top.into_sorted())
    }

    fn rerank(
        &self,
        reranker: &dyn Reranker,
        resume: &str,
        hits: &mut [Hit],
        candidates: usize,
        weight: f32,
    ) -> Result<()> {
        let n = candidates.min(hits.len());
        let texts = self.job_texts();
        let pairs: Vec<MatchPair<'_>> = hits[..n]
            .iter()
            .map(|hit| MatchPair {
                job: texts.get(hit.position).map_or("", String::as_str),
                resume,
            })
            .collect();
        let scores = reranker.score_pairs(&pairs)?;
        if scores.len() != n {
            return Err(MatchError::Backend(format!(
                "the reranker returned {} scores for {n} pairs",
                scores.len()
            )));
        }
        rerank_hits(&mut hits[..n], &scores, weight);
        Ok(())
    }

    /// Matched skills, missing skills and evidence for each hit.
    #[allow(clippy::type_complexity)]
    fn explain(
        &self,
        resume: &str,
        hits: &[Hit],
        options: &RecommendOptions,
    ) -> Result<Vec<(Vec<String>, Vec<String>, Option<Evidence>)>> {
        let catalog = self.index.catalog();
        let jobs: Vec<&Job> = hits
            .iter()
            .filter_map(|hit| catalog.get(hit.position))
            .collect();
        let resume_skills = ResumeSkills::new(resume, &self.gazetteer);
        let gaps: Vec<(Vec<String>, Vec<String>)> = jobs
            .iter()
            .map(|job| resume_skills.gap(job_skills(job, &self.gazetteer)))
            .collect();
        let job_sentences: Vec<Vec<String>> = jobs
            .iter()
            .map(|job| job_sentences(job, options.max_job_sentences))
            .collect();
        let evidence = evidence_for(
            &self.embedder,
            resume,
            options.max_resume_sentences,
            &job_sentences,
            Side::ResumeFirst,
        )?;
        Ok(gaps
            .into_iter()
            .zip(evidence)
            .map(|((matched, missing), evidence)| (matched, missing, evidence))
            .collect())
    }
}

/// The dense score of a job from its text similarity and its best name
/// similarity (`-inf` without names): `(1 - w) * text + w * max(text, name)`.
fn blend(text: f32, name: f32, name_weight: f32) -> f32 {
    (1.0 - name_weight) * text + name_weight * text.max(name)
}

/// The sentences of a job for evidence: of its description, else its title.
pub(crate) fn job_sentences(job: &Job, max: usize) -> Vec<String> {
    let description = jobfit_text::clean(&job.description);
    let sentences = evidence_sentences(&description, max);
    if sentences.is_empty() {
        vec![jobfit_text::clean(&job.title)]
    } else {
        sentences
    }
}

/// Which side of an evidence pair is the single text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// One resume against many jobs.
    ResumeFirst,
    /// One job against many resumes.
    JobFirst,
}

/// The best pair between the sentences of one text and those of each of
/// `others`: the single text's sentences are embedded once, all the other
/// sentences in one call.
pub(crate) fn evidence_for(
    embedder: &TextEmbedder,
    single: &str,
    max_single: usize,
    others: &[Vec<String>],
    side: Side,
) -> Result<Vec<Option<Evidence>>> {
    let single_sentences = evidence_sentences(single, max_single);
    if single_sentences.is_empty() || others.iter().all(Vec::is_empty) {
        return Ok(vec![None; others.len()]);
    }
    let mut texts: Vec<&str> = single_sentences.iter().map(String::as_str).collect();
    for sentences in others {
        texts.extend(sentences.iter().map(String::as_str));
    }
    let vectors = embedder.embed(&texts)?;
    let single_vectors = vectors
        .slice(ndarray::s![..single_sentences.len(), ..])
        .to_owned();
    let mut row = single_sentences.len();
    let mut out = Vec::with_capacity(others.len());
    for sentences in others {
        let block = vectors.slice(ndarray::s![row..row + sentences.len(), ..]);
        row += sentences.len();
        out.push(
            best_pair(&single_sentences, &single_vectors, sentences, block).map(
                |(i, j, similarity)| {
                    let (one, other) = (single_sentences[i].clone(), sentences[j].clone());
                    let (resume_sentence, job_sentence) = match side {
                        Side::ResumeFirst => (one, other),
                        Side::JobFirst => (other, one),
                    };
                    Evidence {
                        resume_sentence,
                        job_sentence,
                        similarity,
                    }
                },
            ),
        );
    }
    Ok(out)
}

/// Reorders the re-ranked hits (stable for ties) and records the reranker's
/// scores.
///
/// With `weight` 1 a hit's new score is the reranker's. Below 1, each
/// stage's scores are min-max scaled over these hits (the two stages score
/// on unrelated scales: cosines, reciprocal ranks, logits) and blended as
/// `(1 - weight) * first + weight * reranker`, so the first stage's evidence
/// (a job name that matches the query, BM25) still counts.
pub(crate) fn rerank_hits(hits: &mut [Hit], scores: &[f32], weight: f32) {
    let first = min_max_scaled(hits.iter().map(|hit| hit.score));
    let second = min_max_scaled(scores.iter().copied());
    for (i, (hit, &score)) in hits.iter_mut().zip(scores).enumerate() {
        hit.parts.rerank = Some(score);
        hit.score = if weight >= 1.0 {
            score
        } else {
            (1.0 - weight) * first[i] + weight * second[i]
        };
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
}

/// Values scaled to `[0, 1]` by their minimum and maximum (all 0.5 when
/// they are equal).
fn min_max_scaled(values: impl Iterator<Item = f32>) -> Vec<f32> {
    let values: Vec<f32> = values.collect();
    let (lo, hi) = values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    values
        .iter()
        .map(|&v| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 })
        .collect()
}

/// Checks a reranker weight.
pub(crate) fn check_rerank_weight(weight: f32) -> Result<()> {
    if (0.0..=1.0).contains(&weight) {
        Ok(())
    } else {
        Err(MatchError::InvalidOption {
            name: "rerank_weight",
            value: weight.to_string(),
            reason: "use a weight in [0, 1] (1: the reranker's order alone; the default)".into(),
        })
    }
}

/// Fuses a dense and a lexical candidate list into one ranking.
pub(crate) fn fuse(dense: &[(usize, f32)], lexical: &[(usize, f32)], fusion: Fusion) -> Vec<Hit> {
    let mut parts: HashMap<usize, ScoreParts> = HashMap::new();
    let mut fused: HashMap<usize, f32> = HashMap::new();
    for &(position, score) in dense {
        parts.entry(position).or_default().dense = Some(score);
    }
    for &(position, score) in lexical {
        parts.entry(position).or_default().lexical = Some(score);
    }
    match fusion {
        Fusion::Rrf { k } => {
            for list in [dense, lexical] {
                for (rank, &(position, _)) in list.iter().enumerate() {
                    *fused.entry(position).or_default() += 1.0 / (k + rank as f32 + 1.0);
                }
            }
        }
        Fusion::Weighted { dense_weight } => {
            for (list, weight) in [(dense, dense_weight), (lexical, 1.0 - dense_weight)] {
                let (low, high) = list
                    .iter()
                    .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &(_, s)| {
                        (lo.min(s), hi.max(s))
                    });
                let span = high - low;
                for &(position, score) in list {
                    // A list of one score, or of equal scores, normalizes to 1.
                    let normalized = if span > 0.0 {
                        (score - low) / span
                    } else {
                        1.0
                    };
                    *fused.entry(position).or_default() += weight * normalized;
                }
            }
        }
    }
    let mut hits: Vec<Hit> = fused
        .into_iter()
        .map(|(position, score)| Hit {
            position,
            score,
            parts: parts.get(&position).copied().unwrap_or_default(),
            name_row: None,
        })
        .collect();
    // Best first; ties by the dense score, then by position, for a stable order.
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                b.parts
                    .dense
                    .unwrap_or(f32::NEG_INFINITY)
                    .total_cmp(&a.parts.dense.unwrap_or(f32::NEG_INFINITY))
            })
            .then(a.position.cmp(&b.position))
    });
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_matches_a_hand_computation() {
        // dense: 7, 3; lexical: 3, 9. With k = 0: 3 -> 1/2 + 1/1 = 1.5,
        // 7 -> 1/1 = 1, 9 -> 1/2 = 0.5.
        let hits = fuse(
            &[(7, 0.9), (3, 0.8)],
            &[(3, 5.0), (9, 2.0)],
            Fusion::Rrf { k: 0.0 },
        );
        let order: Vec<(usize, f32)> = hits.iter().map(|hit| (hit.position, hit.score)).collect();
        assert_eq!(order, vec![(3, 1.5), (7, 1.0), (9, 0.5)]);
        assert_eq!(hits[0].parts.dense, Some(0.8));
        assert_eq!(hits[0].parts.lexical, Some(5.0));
        assert_eq!(hits[2].parts.dense, None);
    }

    #[test]
    fn weighted_fusion_normalizes_each_list() {
        // dense 0.9 / 0.5 -> 1 / 0; lexical 4 / 2 / 0 -> 1 / 0.5 / 0.
        let hits = fuse(
            &[(1, 0.9), (2, 0.5)],
            &[(2, 4.0), (3, 2.0), (1, 0.0)],
            Fusion::Weighted { dense_weight: 0.5 },
        );
        let order: Vec<(usize, f32)> = hits.iter().map(|hit| (hit.position, hit.score)).collect();
        // 1: 0.5 * 1 + 0.5 * 0 = 0.5; 2: 0 + 0.5 = 0.5 (tie -> higher dense first); 3: 0.25.
        assert_eq!(order, vec![(1, 0.5), (2, 0.5), (3, 0.25)]);
    }

    #[test]
    fn fusion_parses() {
        assert_eq!("rrf".parse::<Fusion>().ok(), Some(Fusion::Rrf { k: 60.0 }));
        assert_eq!(
            "weighted:0.8".parse::<Fusion>().ok(),
            Some(Fusion::Weighted { dense_weight: 0.8 })
        );
        assert!("weighted:2".parse::<Fusion>().is_err());
        assert!("bm25".parse::<Fusion>().is_err());
    }

    #[test]
    fn reranking_reorders_and_records_scores() {
        let mut hits: Vec<Hit> = [(4, 0.9), (5, 0.8), (6, 0.7)]
            .into_iter()
            .map(|(position, score)| Hit {
                position,
                score,
                parts: ScoreParts {
                    dense: Some(score),
                    ..ScoreParts::default()
                },
                name_row: None,
            })
            .collect();
        let mut blended = hits.clone();
        rerank_hits(&mut hits, &[0.1, 2.0, -1.0], 1.0);
        let order: Vec<usize> = hits.iter().map(|hit| hit.position).collect();
        assert_eq!(order, [5, 4, 6]);
        assert_eq!(hits[0].parts.rerank, Some(2.0));
        assert_eq!(hits[0].score, 2.0);
        assert_eq!(hits[0].parts.dense, Some(0.8));

        // Scaled first stage [1, 0.5, 0], reranker [11/30, 1, 0]; at weight 0.25:
        // 4: 0.75 + 0.25 * 11/30 = 0.841 67, 5: 0.375 + 0.25 = 0.625, 6: 0.
        rerank_hits(&mut blended, &[0.1, 2.0, -1.0], 0.25);
        let order: Vec<usize> = blended.iter().map(|hit| hit.position).collect();
        assert_eq!(order, [4, 5, 6]);
        assert!(
            (blended[0].score - 0.841_666_7).abs() < 1e-6,
            "{}",
            blended[0].score
        );
        assert!((blended[1].score - 0.625).abs() < 1e-6);
        assert_eq!(blended[2].score, 0.0);
        assert_eq!(blended[1].parts.rerank, Some(2.0));
    }

    #[test]
    fn rerank_weight_is_checked() {
        for weight in [-0.1, 1.5, f32::NAN] {
            let options = RecommendOptions::default().with_rerank_weight(weight);
            assert!(options.validate().is_err(), "{weight}");
        }
        assert!(
            RecommendOptions::default()
                .with_rerank_weight(0.0)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn matcher_is_shareable() {
        fn shared<T: Send + Sync>() {}
        shared::<Matcher>();
        shared::<Recommendation>();
    }
}
