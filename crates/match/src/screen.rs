//! [`Screener`]: ranks candidates (resumes) for a job, with the same
//! explanations as recommendations, optional redaction of personal and
//! protected attributes, and a fairness audit.

use std::collections::BTreeSet;
use std::sync::Arc;

use jobfit_model::TextEmbedder;
use jobfit_text::{Cleaner, Job, Redactor, Resume, SkillGazetteer};
use serde::{Deserialize, Serialize};

use crate::audit::FairnessAudit;
use crate::catalog::JobFields;
use crate::encode::{Chunking, LongText, clean_nonempty, text_vectors};
use crate::error::{MatchError, Result};
use crate::explain::{Evidence, ResumeSkills, job_skills};
use crate::recommend::{
    Hit, ScoreParts, Side, check_rerank_weight, evidence_for, job_sentences, rerank_hits,
};
use crate::rerank::{MatchPair, Reranker};
use crate::vector::dot;

/// Options of [`Screener::screen`]. The defaults: top 10, no redaction, no
/// audit, head-of-text long-text scoring, no re-ranking, with explanations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScreenOptions {
    /// How many candidates to return and to count as selected in the
    /// audit (all when fewer). Must be at least 1. Default 10.
    pub top_k: usize,
    /// Redact personal and protected attributes (contact details, birth
    /// dates, ages, gender words) from every resume before scoring, so they
    /// cannot sway the ranking; explanations then quote redacted text.
    /// Default false.
    pub redact: bool,
    /// The resume metadata key whose values form the groups of the fairness
    /// audit. Default: no audit.
    pub group_key: Option<String>,
    /// How a resume longer than the encoder's window is scored.
    pub long_text: LongText,
    /// Tokens shared by consecutive chunks (at most half the encoder's
    /// window). Default 32.
    pub chunk_overlap: usize,
    /// The most chunks per resume, from its start. Default 16.
    pub max_chunks: usize,
    /// Re-rank this many top candidates with the screener's reranker.
    /// Default: off.
    pub rerank: Option<usize>,
    /// How much the reranker's score weighs against the first stage's, in
    /// `[0, 1]` (as [`RecommendOptions::rerank_weight`](crate::RecommendOptions::rerank_weight)).
    /// Default 1: the reranker's order alone.
    pub rerank_weight: f32,
    /// Compute matched and missing skills and the evidence pair. Default true.
    pub explain: bool,
    /// The most sentences of each resume compared for evidence. Default 16.
    pub max_resume_sentences: usize,
    /// The most job sentences compared for evidence. Default 24.
    pub max_job_sentences: usize,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        Self {
            top_k: 10,
            redact: false,
            group_key: None,
            long_text: LongText::default(),
            chunk_overlap: 32,
            max_chunks: 16,
            rerank: None,
            rerank_weight: 1.0,
            explain: true,
            max_resume_sentences: 16,
            max_job_sentences: 24,
        }
    }
}

impl ScreenOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    setter!(
        /// Sets the number of candidates returned and selected.
        with_top_k, top_k: usize
    );

    setter!(
        /// Turns redaction on or off.
        with_redact, redact: bool
    );

    /// Audits selection by the values of a resume metadata key.
    #[must_use]
    pub fn with_group_key(mut self, key: impl Into<String>) -> Self {
        self.group_key = Some(key.into());
        self
    }

    setter!(
        /// Sets the long-text strategy.
        with_long_text, long_text: LongText
    );

    setter!(
        /// Re-ranks the top `candidates`, or turns re-ranking off with `None`.
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
        if self.rerank == Some(0) {
            return Err(MatchError::InvalidOption {
                name: "rerank",
                value: "0".into(),
                reason: "re-rank at least one candidate, or turn re-ranking off".into(),
            });
        }
        self.chunking().validate()
    }

    fn chunking(&self) -> Chunking {
        Chunking {
            strategy: self.long_text,
            overlap: self.chunk_overlap,
            max_chunks: self.max_chunks,
        }
    }
}

/// One ranked candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The rank, from 1.
    pub rank: usize,
    /// The resume's id.
    pub resume_id: String,
    /// The resume's position in the input.
    pub position: usize,
    /// The final score (the reranker's for re-ranked candidates, else the
    /// embedding similarity).
    pub score: f32,
    /// The parts of the score.
    pub scores: ScoreParts,
    /// Skills of the job the resume shows.
    pub matched_skills: Vec<String>,
    /// Skills of the job the resume does not show.
    pub missing_skills: Vec<String>,
    /// The resume sentence and job sentence that are most alike.
    pub evidence: Option<Evidence>,
}

/// The result of a screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    /// The job's id.
    pub job_id: String,
    /// The top candidates, best first.
    pub candidates: Vec<Candidate>,
    /// The number of resumes screened.
    pub screened: usize,
    /// Whether resumes were redacted before scoring.
    pub redacted: bool,
    /// The fairness audit, when a group key was given.
    pub audit: Option<FairnessAudit>,
}

/// Ranks resumes for a job.
///
/// `Send + Sync`, like [`Matcher`](crate::Matcher): share one between threads.
#[derive(Debug, Clone)]
pub struct Screener {
    embedder: Arc<TextEmbedder>,
    reranker: Option<Arc<dyn Reranker>>,
    gazetteer: SkillGazetteer,
    cleaner: Cleaner,
    redactor: Redactor,
    fields: JobFields,
}

impl Screener {
    /// A screener embedding with `embedder`.
    pub fn new(embedder: impl Into<Arc<TextEmbedder>>) -> Self {
        Self {
            embedder: embedder.into(),
            reranker: None,
            gazetteer: SkillGazetteer::default_gazetteer().clone(),
            cleaner: Cleaner::default(),
            redactor: Redactor::default(),
            fields: JobFields::default(),
        }
    }

    /// Sets the reranker used when [`ScreenOptions::rerank`] is on.
    #[must_use]
    pub fn with_reranker(mut self, reranker: Arc<dyn Reranker>) -> Self {
        self.reranker = Some(reranker);
        self
    }

    setter!(
        /// Sets the skill gazetteer of the explanations.
        with_gazetteer, gazetteer: SkillGazetteer
    );

    setter!(
        /// Sets the cleaner applied to the job and the resumes.
        with_cleaner, cleaner: Cleaner
    );

    setter!(
        /// Sets the redactor used when [`ScreenOptions::redact`] is on (default:
        /// every kind of [`jobfit_text::PiiKind`]).
        with_redactor, redactor: Redactor
    );

    setter!(
        /// Sets the parts of the job that are embedded (default: title,
        /// description, skills).
        with_fields, fields: JobFields
    );

    /// Ranks `resumes` for `job`, best first.
    ///
    /// # Errors
    ///
    /// [`MatchError::ZeroTopK`] and [`MatchError::InvalidOption`] for bad
    /// options, [`MatchError::NoResumes`] without resumes,
    /// [`MatchError::EmptyText`] for a job or a resume that is empty once
    /// cleaned (naming the resume), [`MatchError::UnknownGroupKey`] when no
    /// resume has the group key, [`MatchError::NoReranker`] when re-ranking
    /// is asked for without a reranker, and the embedder's errors.
    pub fn screen(
        &self,
        job: &Job,
        resumes: &[Resume],
        options: &ScreenOptions,
    ) -> Result<Screening> {
        options.validate()?;
        if resumes.is_empty() {
            return Err(MatchError::NoResumes);
        }
        if options.rerank.is_some() && self.reranker.is_none() {
            return Err(MatchError::NoReranker);
        }
        if let Some(key) = &options.group_key
            && !resumes
                .iter()
                .any(|resume| resume.metadata.contains_key(key))
        {
            let known: BTreeSet<String> = resumes
                .iter()
                .flat_map(|resume| resume.metadata.keys().cloned())
                .collect();
            return Err(MatchError::UnknownGroupKey {
                key: key.clone(),
                known: known.into_iter().collect(),
            });
        }
        let job_text = clean_nonempty(&self.cleaner, &self.fields.text(job), || "job".to_string())?;
        let texts = resumes
            .iter()
            .map(|resume| {
                let cleaned = clean_nonempty(&self.cleaner, &resume.text, || {
                    format!("resume {:?}", resume.id)
                })?;
                Ok(if options.redact {
                    self.redactor.redact(&cleaned).text
                } else {
                    cleaned
                })
            })
            .collect::<Result<Vec<String>>>()?;

        // The job is one passage (a job text, as in an index); each resume is
        // a query and may be chunked.
        let job_vector = self
            .embedder
            .embed_passages(&[job_text.as_str()])?
            .row(0)
            .to_vec();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let resume_vectors = text_vectors(&self.embedder, &refs, options.chunking())?;
        let mut hits: Vec<Hit> = resume_vectors
            .iter()
            .enumerate()
            .map(|(position, chunks)| {
                let sims: Vec<f32> = chunks
                    .rows()
                    .into_iter()
                    .map(|row| row.as_slice().map_or(0.0, |row| dot(row, &job_vector)))
                    .collect();
                let score = match options.long_text {
                    LongText::ChunkMax => sims.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                    _ => sims.iter().sum::<f32>() / sims.len().max(1) as f32,
                };
                Hit {
                    position,
                    score,
                    parts: ScoreParts {
                        dense: Some(score),
                        ..ScoreParts::default()
                    },
                    name_row: None,
                }
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.position.cmp(&b.position))
        });

        if let (Some(candidates), Some(reranker)) = (options.rerank, &self.reranker) {
            let n = candidates.min(hits.len());
            let pairs: Vec<MatchPair<'_>> = hits[..n]
                .iter()
                .map(|hit| MatchPair {
                    job: &job_text,
                    resume: &texts[hit.position],
                })
                .collect();
            let scores = reranker.score_pairs(&pairs)?;
            if scores.len() != n {
                return Err(MatchError::Backend(format!(
                    "the reranker returned {} scores for {n} pairs",
                    scores.len()
                )));
            }
            rerank_hits(&mut hits[..n], &scores, options.rerank_weight);
        }

        let audit = options.group_key.as_ref().map(|key| {
            let groups: Vec<Option<&str>> = hits
                .iter()
                .map(|hit| resumes[hit.position].metadata.get(key).map(String::as_str))
                .collect();
            FairnessAudit::compute(key, &groups, options.top_k)
        });

        hits.truncate(options.top_k);
        let mut candidates: Vec<Candidate> = hits
            .iter()
            .enumerate()
            .map(|(rank, hit)| Candidate {
                rank: rank + 1,
                resume_id: resumes[hit.position].id.clone(),
                position: hit.position,
                score: hit.score,
                scores: hit.parts,
                matched_skills: Vec::new(),
                missing_skills: Vec::new(),
                evidence: None,
            })
            .collect();
        if options.explain {
            let skills = job_skills(job, &self.gazetteer);
            let resume_sentences: Vec<Vec<String>> = hits
                .iter()
                .map(|hit| {
                    crate::explain::evidence_sentences(
                        &texts[hit.position],
                        options.max_resume_sentences,
                    )
                })
                .collect();
            let job_text_for_evidence = job_sentences(job, options.max_job_sentences).join("\n");
            let evidence = evidence_for(
                &self.embedder,
                &job_text_for_evidence,
                options.max_job_sentences,
                &resume_sentences,
                Side::JobFirst,
            )?;
            for ((candidate, hit), evidence) in candidates.iter_mut().zip(&hits).zip(evidence) {
                let resume_skills = ResumeSkills::new(&texts[hit.position], &self.gazetteer);
                let (matched, missing) = resume_skills.gap(skills.clone());
                candidate.matched_skills = matched;
                candidate.missing_skills = missing;
                candidate.evidence = evidence;
            }
        }
        Ok(Screening {
            job_id: job.id.clone(),
            candidates,
            screened: resumes.len(),
            redacted: options.redact,
            audit,
        })
    }
}
