//! [`Matcher`]: recommends jobs of an index for a resume, with hybrid
//! scoring, re-ranking and explanations.

use std::collections::HashMap;
use std::sync::Arc;

use jobfit_model::TextEmbedder;
use jobfit_text::{Cleaner, Job, SkillGazetteer};
use serde::{Deserialize, Serialize};

use crate::bm25::{Bm25, Bm25Params};
use crate::encode::{Chunking, LongText, clean_nonempty, pooled_queries, text_vectors};
use crate::error::{MatchError, Result};
use crate::explain::{Evidence, ResumeSkills, best_pair, evidence_sentences, job_skills};
use crate::filter::JobFilter;
use crate::index::{JobIndex, ProgressMode};
#[cfg(doc)]
use crate::names::job_names;
use crate::rerank::{MatchPair, Reranker};
use crate::screen::Screener;
use crate::store::{JobStore, SearchMode, SearchRequest, StoredHit};

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
    /// treats every query as long, `usize::MAX` every query as short. Each
    /// character of Chinese, Japanese or Korean text counts as a word, so a
    /// Chinese resume is a long query, not one whitespace "word": on the
    /// Chinese resume sets (multilingual-e5-small, `eval/README.md`) that
    /// measured MRR@10 0.158 -> 0.188 (dev) and 0.149 -> 0.192 (held out).
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
    /// Exact or approximate search (see [`SearchMode`]). Default
    /// [`SearchMode::Auto`]: the approximate index when the store has one
    /// and the filter keeps many jobs.
    pub search: SearchMode,
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
            search: SearchMode::Auto,
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
    /// // Chinese has no spaces: each character counts as a word.
    /// assert_eq!(options.scoring_for("大数据开发工程师"), (0.7, None));
    /// let chinese = "2015年至今任某公司Java开发工程师，负责数据平台的设计与开发。".repeat(2);
    /// assert_eq!(options.scoring_for(&chinese), (0.0, options.hybrid));
    /// ```
    pub fn scoring_for(&self, query: &str) -> (f32, Option<Fusion>) {
        if query_words(query, self.short_query_words.saturating_add(1)) <= self.short_query_words {
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

    setter!(
        /// Sets exact or approximate search.
        with_search, search: SearchMode
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

/// A ranked candidate (a resume of a screening) with its score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The candidate's position in the list screened.
    pub position: usize,
    /// The final score: the reranker's score for re-ranked candidates
    /// (blended with the first stage's when the rerank weight is below 1),
    /// the dense score otherwise. Only the order of scores within one
    /// result list is meaningful.
    pub score: f32,
    /// The parts of the score.
    pub parts: ScoreParts,
    /// Unused for candidates; kept for the serialized form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_row: Option<usize>,
}

/// A ranked job of a [`Matcher`] with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct JobHit {
    /// The job.
    pub job: Arc<Job>,
    /// The final score: the reranker's score for re-ranked jobs (blended with
    /// the first stage's when the rerank weight is below 1), the fused
    /// score with hybrid scoring, the dense score otherwise. Only the order
    /// of scores within one result list is meaningful.
    pub score: f32,
    /// The parts of the score.
    pub parts: ScoreParts,
    /// The job's name (title or alias, see [`job_names`]) most like the
    /// query, when job names took part in the score (short queries).
    pub matched_name: Option<String>,
    /// The store's key of the job (equal keys: the same job).
    pub key: u64,
}

/// Something ranked with a score and its parts: what re-ranking reorders.
pub(crate) trait Scored {
    fn score(&self) -> f32;
    fn set_score(&mut self, score: f32);
    fn parts_mut(&mut self) -> &mut ScoreParts;
}

impl Scored for Hit {
    fn score(&self) -> f32 {
        self.score
    }
    fn set_score(&mut self, score: f32) {
        self.score = score;
    }
    fn parts_mut(&mut self) -> &mut ScoreParts {
        &mut self.parts
    }
}

impl Scored for JobHit {
    fn score(&self) -> f32 {
        self.score
    }
    fn set_score(&mut self, score: f32) {
        self.score = score;
    }
    fn parts_mut(&mut self) -> &mut ScoreParts {
        &mut self.parts
    }
}

/// One recommended job, with why it fits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The rank, from 1.
    pub rank: usize,
    /// The job.
    pub job: Job,
    /// The final score (see [`JobHit::score`]).
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

/// Recommends jobs of a [`JobStore`] (by default the embedded [`JobIndex`])
/// for resumes.
///
/// A `Matcher` is `Send + Sync`: build one and share it (by reference or in
/// an `Arc`) between the threads that serve requests; every method takes
/// `&self`. Its store may change meanwhile ([`JobStore::upsert`] through
/// [`Matcher::store`]): each search sees the store as of one moment.
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
    store: Arc<dyn JobStore>,
    /// The same store when it is the embedded index.
    embedded: Option<Arc<JobIndex>>,
    embedder: Arc<TextEmbedder>,
    reranker: Option<Arc<dyn Reranker>>,
    gazetteer: SkillGazetteer,
    cleaner: Cleaner,
    bm25_params: Bm25Params,
}

impl Matcher {
    /// A matcher over `index` that embeds resumes with `embedder`.
    ///
    /// # Errors
    ///
    /// [`MatchError::ModelMismatch`] when the index was built with another model.
    pub fn new(index: JobIndex, embedder: impl Into<Arc<TextEmbedder>>) -> Result<Self> {
        Self::from_index(Arc::new(index), embedder)
    }

    /// A matcher over a shared embedded index (the caller keeps a handle to
    /// change it).
    ///
    /// # Errors
    ///
    /// [`MatchError::ModelMismatch`] when the index was built with another model.
    pub fn from_index(
        index: Arc<JobIndex>,
        embedder: impl Into<Arc<TextEmbedder>>,
    ) -> Result<Self> {
        let embedder = embedder.into();
        index.check_model(embedder.identity())?;
        Ok(Self {
            store: Arc::clone(&index) as Arc<dyn JobStore>,
            embedded: Some(index),
            embedder,
            reranker: None,
            gazetteer: SkillGazetteer::default_gazetteer().clone(),
            cleaner: Cleaner::default(),
            bm25_params: Bm25Params::default(),
        })
    }

    /// A matcher over any [`JobStore`], such as [`PgStore`](crate::PgStore).
    ///
    /// # Errors
    ///
    /// [`MatchError::ModelMismatch`] when the store holds another model's vectors.
    pub fn from_store(
        store: Arc<dyn JobStore>,
        embedder: impl Into<Arc<TextEmbedder>>,
    ) -> Result<Self> {
        let embedder = embedder.into();
        if !store.model().compatible_with(embedder.identity()) {
            return Err(MatchError::ModelMismatch {
                path: None,
                index: Box::new(store.model().clone()),
                query: Box::new(embedder.identity().clone()),
            });
        }
        Ok(Self {
            store,
            embedded: None,
            embedder,
            reranker: None,
            gazetteer: SkillGazetteer::default_gazetteer().clone(),
            cleaner: Cleaner::default(),
            bm25_params: Bm25Params::default(),
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
        Ok(self)
    }

    /// The store of the jobs: upsert, delete and get through it.
    pub fn store(&self) -> &Arc<dyn JobStore> {
        &self.store
    }

    /// The embedded index, when the store is one.
    pub fn index(&self) -> Option<&Arc<JobIndex>> {
        self.embedded.as_ref()
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

    /// Recommends jobs for a resume, best first.
    ///
    /// # Errors
    ///
    /// [`MatchError::ZeroTopK`] and [`MatchError::InvalidOption`] for bad
    /// options, [`MatchError::UnknownFilterField`] for a filter on a field no
    /// job has, [`MatchError::EmptyText`] for a resume that is empty once
    /// cleaned, [`MatchError::NoReranker`] when re-ranking is asked for
    /// without a reranker, the embedder's errors and the store's.
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
            .map(
                |(rank, (hit, (matched, missing, evidence)))| Recommendation {
                    rank: rank + 1,
                    matched_name: hit.matched_name,
                    job: hit.job.as_ref().clone(),
                    score: hit.score,
                    scores: hit.parts,
                    matched_skills: matched,
                    missing_skills: missing,
                    evidence,
                },
            )
            .collect())
    }

    /// Ranks the store for many query texts (titles, resumes), without
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
    ) -> Result<Vec<Vec<JobHit>>> {
        self.rank_many_map(queries, options, progress, |hits| hits)
    }

    /// [`Matcher::rank_many`], keeping of each query's hits only what `map`
    /// makes of them, as each batch of queries is ranked: the ids of the
    /// hits, say, rather than thousands of lists of whole jobs (which a
    /// PostgreSQL store reads afresh for every hit).
    ///
    /// # Errors
    ///
    /// As [`Matcher::rank_many`].
    pub fn rank_many_map<T>(
        &self,
        queries: &[&str],
        options: &RecommendOptions,
        progress: ProgressMode,
        mut map: impl FnMut(Vec<JobHit>) -> T,
    ) -> Result<Vec<T>> {
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
            out.extend(self.rank_cleaned(&refs, options)?.into_iter().map(&mut map));
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(out)
    }

    fn check(&self, options: &RecommendOptions) -> Result<()> {
        options.validate()?;
        self.store.check_filter(&options.filter)?;
        if options.rerank.is_some() && self.reranker.is_none() {
            return Err(MatchError::NoReranker);
        }
        Ok(())
    }

    /// Ranks cleaned, non-empty texts; options already checked.
    fn rank_cleaned(&self, texts: &[&str], options: &RecommendOptions) -> Result<Vec<Vec<JobHit>>> {
        let vectors = text_vectors(&self.embedder, texts, options.chunking())?;
        let rerank = options.rerank.unwrap_or(0);
        let need = options.top_k.max(rerank);
        let mut out = Vec::with_capacity(texts.len());
        for (text, vectors) in texts.iter().zip(vectors) {
            let (name_weight, hybrid) = options.scoring_for(text);
            let name_weight = if self.store.has_names() {
                name_weight
            } else {
                0.0
            };
            let dense_k = match hybrid {
                Some(_) => need.max(options.hybrid_candidates),
                None => need,
            };
            let queries = pooled_queries(vectors, options.long_text);
            let rows: Vec<Vec<f32>> = queries.rows().into_iter().map(|row| row.to_vec()).collect();
            // A long query (names off for it, on in the options) also matches the job titles
            // it names against the job names: crate::resume_query.
            let resume_names =
                name_weight == 0.0 && options.name_weight > 0.0 && self.store.has_names();
            let (name_queries, name_weight) = if resume_names {
                (
                    crate::resume_query::title_vectors(&self.embedder, text)?,
                    crate::resume_query::RESUME_NAME_WEIGHT,
                )
            } else {
                (Vec::new(), name_weight)
            };
            let dense = self.store.search(&SearchRequest {
                queries: &rows,
                name_queries: &name_queries,
                k: dense_k,
                filter: &options.filter,
                name_weight,
                mode: options.search,
            })?;
            let mut hits: Vec<JobHit> = match hybrid {
                None => dense
                    .into_iter()
                    .map(|hit| JobHit {
                        parts: ScoreParts {
                            dense: Some(hit.score),
                            name: hit.name.as_ref().map(|name| name.score),
                            ..ScoreParts::default()
                        },
                        score: hit.score,
                        matched_name: hit.name.map(|name| name.name),
                        key: hit.key,
                        job: hit.job,
                    })
                    .collect(),
                Some(fusion) => {
                    let lexical = self.store.lexical_search(
                        text,
                        dense_k,
                        &options.filter,
                        self.bm25_params,
                    )?;
                    fuse(dense, lexical, fusion)
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
            out.push(hits);
        }
        Ok(out)
    }

    fn rerank(
        &self,
        reranker: &dyn Reranker,
        resume: &str,
        hits: &mut [JobHit],
        candidates: usize,
        weight: f32,
    ) -> Result<()> {
        let n = candidates.min(hits.len());
        let fields = self.store.fields();
        let texts: Vec<String> = hits[..n].iter().map(|hit| fields.text(&hit.job)).collect();
        let pairs: Vec<MatchPair<'_>> = texts
            .iter()
            .map(|job| MatchPair {
                job: job.as_str(),
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
        hits: &[JobHit],
        options: &RecommendOptions,
    ) -> Result<Vec<(Vec<String>, Vec<String>, Option<Evidence>)>> {
        let resume_skills = ResumeSkills::new(resume, &self.gazetteer);
        let gaps: Vec<(Vec<String>, Vec<String>)> = hits
            .iter()
            .map(|hit| resume_skills.gap(job_skills(&hit.job, &self.gazetteer)))
            .collect();
        let job_sentences: Vec<Vec<String>> = hits
            .iter()
            .map(|hit| job_sentences(&hit.job, options.max_job_sentences))
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
pub(crate) fn rerank_hits<H: Scored>(hits: &mut [H], scores: &[f32], weight: f32) {
    let first = min_max_scaled(hits.iter().map(Scored::score));
    let second = min_max_scaled(scores.iter().copied());
    for (i, (hit, &score)) in hits.iter_mut().zip(scores).enumerate() {
        hit.parts_mut().rerank = Some(score);
        hit.set_score(if weight >= 1.0 {
            score
        } else {
            (1.0 - weight) * first[i] + weight * second[i]
        });
    }
    hits.sort_by(|a, b| b.score().total_cmp(&a.score()));
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

/// The words of a query, counted up to `limit`: white-space separated
/// words, where each character of a CJK run counts as one (Chinese and
/// Japanese are written without spaces, so a whole resume can be one
/// "word"; a Chinese word is one to a few characters).
fn query_words(query: &str, limit: usize) -> usize {
    let mut count = 0;
    for word in query.split_whitespace() {
        let cjk = word.chars().filter(|&c| crate::bm25::is_cjk(c)).count();
        let rest = word
            .chars()
            .any(|c| c.is_alphanumeric() && !crate::bm25::is_cjk(c));
        count += cjk + usize::from(rest || cjk == 0);
        if count >= limit {
            return count;
        }
    }
    count
}

/// Fuses a dense and a lexical candidate list into one ranking.
pub(crate) fn fuse(dense: Vec<StoredHit>, lexical: Vec<StoredHit>, fusion: Fusion) -> Vec<JobHit> {
    let dense_scores: Vec<(u64, f32)> = dense.iter().map(|hit| (hit.key, hit.score)).collect();
    let lexical_scores: Vec<(u64, f32)> = lexical.iter().map(|hit| (hit.key, hit.score)).collect();
    let mut jobs: HashMap<u64, Arc<Job>> = HashMap::new();
    for hit in dense.into_iter().chain(lexical) {
        jobs.entry(hit.key).or_insert(hit.job);
    }
    fuse_scores(&dense_scores, &lexical_scores, fusion)
        .into_iter()
        .filter_map(|(key, score, parts)| {
            Some(JobHit {
                job: jobs.remove(&key)?,
                score,
                parts,
                matched_name: None,
                key,
            })
        })
        .collect()
}

/// The fused order of two scored lists of keys: (key, fused score, parts),
/// best first; ties by the dense score, then by key.
fn fuse_scores(
    dense: &[(u64, f32)],
    lexical: &[(u64, f32)],
    fusion: Fusion,
) -> Vec<(u64, f32, ScoreParts)> {
    let mut parts: HashMap<u64, ScoreParts> = HashMap::new();
    let mut fused: HashMap<u64, f32> = HashMap::new();
    for &(key, score) in dense {
        parts.entry(key).or_default().dense = Some(score);
    }
    for &(key, score) in lexical {
        parts.entry(key).or_default().lexical = Some(score);
    }
    match fusion {
        Fusion::Rrf { k } => {
            for list in [dense, lexical] {
                for (rank, &(key, _)) in list.iter().enumerate() {
                    *fused.entry(key).or_default() += 1.0 / (k + rank as f32 + 1.0);
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
                for &(key, score) in list {
                    // A list of one score, or of equal scores, normalizes to 1.
                    let normalized = if span > 0.0 {
                        (score - low) / span
                    } else {
                        1.0
                    };
                    *fused.entry(key).or_default() += weight * normalized;
                }
            }
        }
    }
    let mut out: Vec<(u64, f32, ScoreParts)> = fused
        .into_iter()
        .map(|(key, score)| (key, score, parts.get(&key).copied().unwrap_or_default()))
        .collect();
    out.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| {
                b.2.dense
                    .unwrap_or(f32::NEG_INFINITY)
                    .total_cmp(&a.2.dense.unwrap_or(f32::NEG_INFINITY))
            })
            .then(a.0.cmp(&b.0))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_matches_a_hand_computation() {
        // dense: 7, 3; lexical: 3, 9. With k = 0: 3 -> 1/2 + 1/1 = 1.5,
        // 7 -> 1/1 = 1, 9 -> 1/2 = 0.5.
        let hits = fuse_scores(
            &[(7, 0.9), (3, 0.8)],
            &[(3, 5.0), (9, 2.0)],
            Fusion::Rrf { k: 0.0 },
        );
        let order: Vec<(u64, f32)> = hits.iter().map(|hit| (hit.0, hit.1)).collect();
        assert_eq!(order, vec![(3, 1.5), (7, 1.0), (9, 0.5)]);
        assert_eq!(hits[0].2.dense, Some(0.8));
        assert_eq!(hits[0].2.lexical, Some(5.0));
        assert_eq!(hits[2].2.dense, None);
    }

    #[test]
    fn weighted_fusion_normalizes_each_list() {
        // dense 0.9 / 0.5 -> 1 / 0; lexical 4 / 2 / 0 -> 1 / 0.5 / 0.
        let hits = fuse_scores(
            &[(1, 0.9), (2, 0.5)],
            &[(2, 4.0), (3, 2.0), (1, 0.0)],
            Fusion::Weighted { dense_weight: 0.5 },
        );
        let order: Vec<(u64, f32)> = hits.iter().map(|hit| (hit.0, hit.1)).collect();
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
