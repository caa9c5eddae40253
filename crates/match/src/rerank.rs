//! Re-ranking of the top candidates: the [`Reranker`] trait and the
//! [`CrossEncoderReranker`] built from a jobfit pair-scoring checkpoint.

use std::path::Path;

use burn::prelude::*;
use jobfit_model::{EncoderWithHead, PairScoringHead, load_checkpoint};
use jobfit_text::TextTokenizer;

use crate::error::{MatchError, Result};

/// A job text and a resume text to score together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchPair<'a> {
    /// The job's text.
    pub job: &'a str,
    /// The resume's text.
    pub resume: &'a str,
}

/// Scores (job, resume) pairs; a higher score is a better fit.
///
/// Why this shape: a reranker sees both texts at once (that is what makes a
/// cross-encoder more accurate than comparing two embeddings), so it takes
/// pairs rather than vectors; it takes a batch, because models score
/// batches much faster than single pairs; each pair names which text is the
/// job and which the resume, so the same reranker serves recommendation
/// (one resume, many jobs) and screening (one job, many resumes); and it
/// returns a `Result`, so a remote scoring service fits too. Scores only
/// need to order the pairs of one call: they may be logits.
pub trait Reranker: Send + Sync + std::fmt::Debug {
    /// One score per pair, in the order of `pairs`.
    ///
    /// # Errors
    ///
    /// Whatever the scorer fails with (tokenization, a model error).
    fn score_pairs(&self, pairs: &[MatchPair<'_>]) -> Result<Vec<f32>>;
}

/// A cross-encoder: an encoder reading `[CLS] job [SEP] resume [SEP]` with a
/// [`PairScoringHead`] that turns the pooled output into one logit.
#[derive(Debug)]
pub struct CrossEncoderReranker {
    model: EncoderWithHead<PairScoringHead>,
    tokenizer: TextTokenizer,
    device: Device,
    batch_size: usize,
}

impl CrossEncoderReranker {
    /// Default pairs per forward pass.
    pub const DEFAULT_BATCH_SIZE: usize = 16;

    /// A reranker from a model and the tokenizer it was trained with.
    pub fn new(
        model: EncoderWithHead<PairScoringHead>,
        tokenizer: TextTokenizer,
        device: &Device,
    ) -> Self {
        Self {
            model,
            tokenizer,
            device: device.clone(),
            batch_size: Self::DEFAULT_BATCH_SIZE,
        }
    }

    /// Loads a jobfit checkpoint saved with a [`PairScoringHead`]
    /// (`jobfit_model::save_checkpoint`).
    ///
    /// # Errors
    ///
    /// [`MatchError::Model`] when the directory is not such a checkpoint.
    pub fn from_checkpoint(dir: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let checkpoint = load_checkpoint::<PairScoringHead>(dir.as_ref(), device)?;
        Ok(Self::new(checkpoint.model, checkpoint.tokenizer, device))
    }

    /// Sets the number of pairs per forward pass.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidOption`] for 0.
    pub fn with_batch_size(mut self, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(MatchError::InvalidOption {
                name: "rerank batch size",
                value: "0".into(),
                reason: "score at least one pair per pass (default 16)".into(),
            });
        }
        self.batch_size = batch_size;
        Ok(self)
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }
}

impl Reranker for CrossEncoderReranker {
    fn score_pairs(&self, pairs: &[MatchPair<'_>]) -> Result<Vec<f32>> {
        let texts: Vec<(&str, &str)> = pairs.iter().map(|pair| (pair.job, pair.resume)).collect();
        Ok(self
            .model
            .score_pairs(&self.tokenizer, &texts, self.batch_size, &self.device)?)
    }
}
