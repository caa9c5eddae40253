//! Turning texts into query vectors: cleaning, and the long-text strategies
//! (truncated head, or chunks pooled by max or mean).

use jobfit_model::{PromptRole, TextEmbedder};
use jobfit_text::{Cleaner, Encoding};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{MatchError, Result};

/// How a text longer than the encoder's window (256 tokens for
/// all-MiniLM-L6-v2) is scored.
///
/// Texts that fit the window give the same scores under every strategy.
///
/// The default is [`LongText::Head`], chosen by measurement: on 326
/// held-out LiveCareer resumes -> O*NET occupations (`eval/resumes.queries.jsonl`
/// against the full O*NET catalog, zero-shot all-MiniLM-L6-v2, `jobfit eval
/// retrieve --long-text ...`), the head scored MRR@10 0.415 / Recall@10 0.337 /
/// MAP@100 0.254, the chunk mean 0.413 / 0.341 / 0.247 and the chunk
/// maximum 0.401 / 0.340 / 0.242: no chunking strategy beat the head, and
/// the head costs one window per resume instead of up to 16.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LongText {
    /// Embed the head of the text, truncated to the window; the rest is
    /// ignored. The cheapest, and the default.
    #[default]
    Head,
    /// Split the text into overlapping windows (chunks), embed each, and
    /// score a job by its best chunk: the maximum of the chunk
    /// similarities. Rewards one strongly matching part of a resume.
    ChunkMax,
    /// Split the text into chunks and score a job by the mean of the chunk
    /// similarities. The mean of inner products is the inner product with
    /// the mean chunk vector, so this costs one search.
    ChunkMean,
}

impl std::str::FromStr for LongText {
    type Err = MatchError;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "head" | "truncate" => Ok(Self::Head),
            "chunk_max" | "max" => Ok(Self::ChunkMax),
            "chunk_mean" | "mean" => Ok(Self::ChunkMean),
            _ => Err(MatchError::InvalidOption {
                name: "long text strategy",
                value: text.to_string(),
                reason: "use head, chunk-max or chunk-mean".into(),
            }),
        }
    }
}

/// Chunking settings shared by recommendation and screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunking {
    pub(crate) strategy: LongText,
    pub(crate) overlap: usize,
    pub(crate) max_chunks: usize,
}

impl Chunking {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_chunks == 0 {
            return Err(MatchError::InvalidOption {
                name: "max_chunks",
                value: "0".into(),
                reason: "keep at least one chunk per text (default 16)".into(),
            });
        }
        Ok(())
    }
}

/// Cleans a text and refuses one that is garbage (checked before cleaning,
/// which would strip the control characters) or that cleans to nothing.
pub(crate) fn clean_nonempty(
    cleaner: &Cleaner,
    text: &str,
    what: impl FnOnce() -> String,
) -> Result<String> {
    if let Err(source) = jobfit_text::check_text(text) {
        return Err(MatchError::Garbage {
            what: what(),
            source,
        });
    }
    let cleaned = cleaner.clean(text);
    if cleaned.trim().is_empty() {
        return Err(MatchError::EmptyText { what: what() });
    }
    Ok(cleaned)
}

/// The vectors of each query text (a resume, a title) under a strategy: one
/// row for `Head`, one row per chunk (at most `max_chunks`, from the start)
/// otherwise. The model's query prompt, if it has one, starts the text and
/// every chunk of it.
pub(crate) fn text_vectors(
    embedder: &TextEmbedder,
    texts: &[&str],
    chunking: Chunking,
) -> Result<Vec<Array2<f32>>> {
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let counts: Vec<usize>;
    let all = match chunking.strategy {
        LongText::Head => {
            counts = vec![1; texts.len()];
            embedder.embed_queries(texts)?
        }
        LongText::ChunkMax | LongText::ChunkMean => {
            let tokenizer = embedder.tokenizer();
            let prompt = embedder.prompt(PromptRole::Query).unwrap_or("");
            let prompt_tokens = if prompt.is_empty() {
                0
            } else {
                tokenizer.token_ids(prompt.trim_end())?.len()
            };
            // The overlap is capped at half the window, so that a small
            // encoder still advances through the text.
            let window = (tokenizer.max_length() - tokenizer.special_tokens_single())
                .saturating_sub(prompt_tokens);
            let overlap = chunking.overlap.min(window / 2);
            let mut encodings: Vec<Encoding> = Vec::new();
            let mut per_text = Vec::with_capacity(texts.len());
            for text in texts {
                let chunks = tokenizer.chunk_with_prefix(text, prompt, overlap)?;
                let kept = chunks.len().min(chunking.max_chunks);
                per_text.push(kept);
                encodings.extend(chunks.into_iter().take(kept).map(|chunk| chunk.encoding));
            }
            counts = per_text;
            embedder.embed_encodings(&encodings)?
        }
    };
    let mut out = Vec::with_capacity(texts.len());
    let mut row = 0;
    for count in counts {
        out.push(all.slice(ndarray::s![row..row + count, ..]).to_owned());
        row += count;
    }
    Ok(out)
}

/// The query vectors of one text: the chunk mean for `ChunkMean` (one
/// row), the rows as they are otherwise.
pub(crate) fn pooled_queries(vectors: Array2<f32>, strategy: LongText) -> Array2<f32> {
    match strategy {
        LongText::ChunkMean if vectors.nrows() > 1 => match vectors.mean_axis(ndarray::Axis(0)) {
            Some(mean) => mean.insert_axis(ndarray::Axis(0)),
            None => vectors,
        },
        _ => vectors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_before_cleaning() {
        let cleaner = Cleaner::default();
        // Random bytes read lossily: replacement and control characters,
        // which cleaning would partly strip.
        let lossy = String::from_utf8_lossy(b"\x00\xFF\x01\xFE\x02\xC0\x03\xB7\x1F\x9C\x7F\xE9");
        let error = clean_nonempty(&cleaner, &lossy, || "resume".into()).unwrap_err();
        assert!(
            matches!(&error, MatchError::Garbage { what, .. } if what == "resume"),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("the resume cannot be matched: this text is mostly unreadable"),
            "{error}"
        );
        assert_eq!(
            clean_nonempty(&cleaner, " Data \u{200B}engineer ", || "query 1".into()).unwrap(),
            "Data engineer"
        );
        assert!(matches!(
            clean_nonempty(&cleaner, "\u{200B} ", || "job".into()),
            Err(MatchError::EmptyText { .. })
        ));
    }
}
