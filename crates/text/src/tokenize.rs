//! Tokenization over Hugging Face `tokenizers`: single texts, pairs, truncation,
//! padding to the longest in a batch, long-document chunking, the prompts a
//! model prepends by role, and how much of a text the vocabulary knows.
//!
//! Nothing here assumes BERT's WordPiece: the special tokens, the padding id,
//! the window of a chunk and the layout of a pair all come from the
//! tokenizer itself (its post-processor and added tokens). WordPiece (BERT,
//! MiniLM), Unigram (SentencePiece: XLM-R, multilingual-e5) and WordLevel
//! vocabularies are supported; byte-level BPE is refused at load.

use std::ops::Range;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tokenizers::models::ModelWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::tokenizer::{Token, TruncationDirection, TruncationParams, TruncationStrategy};
use tokenizers::{Encoding as HfEncoding, Tokenizer};

/// Texts longer than this many bytes are tokenized in whitespace-delimited
/// segments, so memory stays bounded for multi-megabyte documents.
const SEGMENT_BYTES: usize = 32 * 1024;

/// Errors raised while loading a tokenizer or encoding text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenizeError {
    /// `tokenizer.json` could not be read.
    #[error("cannot read tokenizer file {path}: {source}")]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `tokenizer.json` was read but is not a valid Hugging Face tokenizer.
    #[error(
        "{origin} is not a valid Hugging Face tokenizer.json: {message}; \
         export it with `tokenizer.save(\"tokenizer.json\")` from the `tokenizers` library"
    )]
    Malformed {
        /// Where the tokenizer came from (a path or "bytes").
        origin: String,
        /// The parser's message.
        message: String,
    },
    /// The maximum length cannot hold the special tokens plus one token.
    #[error(
        "max length {max_length} is too small: this tokenizer adds {special} special tokens \
         to a {what}; use a max length of at least {minimum}"
    )]
    MaxLengthTooSmall {
        /// The rejected maximum length.
        max_length: usize,
        /// How many special tokens the tokenizer adds.
        special: usize,
        /// "single text" or "pair".
        what: &'static str,
        /// The smallest usable maximum length.
        minimum: usize,
    },
    /// The chunk stride is not smaller than the chunk window.
    #[error(
        "chunk stride {stride} must be smaller than the chunk window of {window} tokens \
         (max length minus special tokens)"
    )]
    StrideTooLarge {
        /// The rejected stride.
        stride: usize,
        /// The window the stride must fit in.
        window: usize,
    },
    /// The underlying tokenizer failed on a text.
    #[error("tokenization failed: {0}")]
    Encode(String),
    /// The tokenizer's model is neither WordPiece, Unigram nor WordLevel.
    #[error(
        "the tokenizer's model is {model}, which jobfit does not support: use a model whose \
         tokenizer.json has a WordPiece (BERT), Unigram (SentencePiece, e.g. multilingual-e5) \
         or WordLevel model"
    )]
    UnsupportedModel {
        /// The model type found (`BPE`).
        model: &'static str,
    },
}

/// The result type of this module.
pub type Result<T, E = TokenizeError> = std::result::Result<T, E>;

/// One encoded text (or text pair): token ids and token type ids, unpadded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoding {
    /// Token ids, special tokens included.
    pub ids: Vec<u32>,
    /// Token type ids (segment ids): 0 for the first text, 1 for the second.
    pub type_ids: Vec<u32>,
}

impl Encoding {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no tokens at all (never the case with special tokens).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn from_hf(encoding: &HfEncoding) -> Self {
        Self {
            ids: encoding.get_ids().to_vec(),
            type_ids: encoding.get_type_ids().to_vec(),
        }
    }
}

/// A batch of encodings padded to the longest one, as row-major `[batch, seq]` arrays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBatch {
    /// Token ids, padded with the tokenizer's pad id.
    pub input_ids: Array2<u32>,
    /// 1 for real tokens, 0 for padding (Hugging Face's convention).
    pub attention_mask: Array2<u32>,
    /// Token type ids, 0 at padding.
    pub token_type_ids: Array2<u32>,
    /// The unpadded length of each row.
    pub lengths: Vec<usize>,
}

impl EncodedBatch {
    /// Pads `encodings` to the longest one with `pad_id`.
    pub fn from_encodings(encodings: &[Encoding], pad_id: u32) -> Self {
        let rows = encodings.len();
        let cols = encodings.iter().map(Encoding::len).max().unwrap_or(0);
        let mut input_ids = Array2::from_elem((rows, cols), pad_id);
        let mut attention_mask = Array2::zeros((rows, cols));
        let mut token_type_ids = Array2::zeros((rows, cols));
        for (row, encoding) in encodings.iter().enumerate() {
            for (col, (&id, &type_id)) in encoding.ids.iter().zip(&encoding.type_ids).enumerate() {
                input_ids[[row, col]] = id;
                attention_mask[[row, col]] = 1;
                token_type_ids[[row, col]] = type_id;
            }
        }
        Self {
            input_ids,
            attention_mask,
            token_type_ids,
            lengths: encodings.iter().map(Encoding::len).collect(),
        }
    }

    /// Number of rows.
    pub fn batch_size(&self) -> usize {
        self.input_ids.nrows()
    }

    /// Padded sequence length (the longest row).
    pub fn seq_len(&self) -> usize {
        self.input_ids.ncols()
    }
}

/// A window of a long document, wrapped in the tokenizer's special tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Index of the document in the input slice.
    pub doc: usize,
    /// Index of this chunk within its document, from 0.
    pub index: usize,
    /// The document tokens (special tokens excluded) this chunk covers.
    pub token_range: Range<usize>,
    /// The chunk's encoding, special tokens included; at most the max length.
    pub encoding: Encoding,
}

/// The kind of vocabulary a tokenizer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VocabularyKind {
    /// BERT's WordPiece (`##` continuation pieces).
    WordPiece,
    /// SentencePiece's Unigram (`▁` word starts), as in XLM-R and multilingual-e5.
    Unigram,
    /// Whole words only.
    WordLevel,
}

/// The texts a sentence encoder prepends by role, as sentence-transformers'
/// `config_sentence_transformers.json` (`"prompts"`) gives them: e5 models
/// expect `"query: "` before a search query and `"passage: "` before a
/// document. `None` embeds that role's texts as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Prompts {
    /// Prepended to queries (resumes, job titles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Prepended to passages (job texts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<String>,
}

impl Prompts {
    /// No prompts: every text is embedded as given.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether neither role has a prompt.
    pub fn is_empty(&self) -> bool {
        self.query.is_none() && self.passage.is_none()
    }

    /// The prompt of `role`, if any.
    pub fn get(&self, role: PromptRole) -> Option<&str> {
        match role {
            PromptRole::Query => self.query.as_deref(),
            PromptRole::Passage => self.passage.as_deref(),
        }
    }
}

/// Which side of a search a text is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptRole {
    /// A query: a resume or a job title looking for jobs.
    Query,
    /// A passage: a job text that queries are matched against.
    Passage,
}

impl std::str::FromStr for PromptRole {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "query" => Ok(Self::Query),
            "passage" | "document" => Ok(Self::Passage),
            other => Err(format!("unknown prompt {other:?}: use query or passage")),
        }
    }
}

/// How many of the tokens of some text the vocabulary knows (special tokens
/// not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Coverage {
    /// Tokens of the text, special tokens excluded.
    pub tokens: usize,
    /// How many of them are the unknown token.
    pub unknown: usize,
}

impl Coverage {
    /// The share of unknown tokens, 0 for a text without tokens.
    pub fn unknown_share(&self) -> f64 {
        if self.tokens == 0 {
            0.0
        } else {
            self.unknown as f64 / self.tokens as f64
        }
    }

    /// Whether most of the tokens are unknown: the text is in a script the
    /// vocabulary does not cover, and its embedding is close to noise.
    pub fn mostly_unknown(&self) -> bool {
        self.tokens > 0 && 2 * self.unknown > self.tokens
    }
}

/// A Hugging Face tokenizer set up the way sentence encoders use it: truncation
/// at a maximum length, no padding inside the tokenizer (batches are padded to
/// their longest row), and chunking for documents longer than the maximum.
///
/// Cheap to share: `Send + Sync`, and every method takes `&self`.
#[derive(Debug, Clone)]
pub struct TextTokenizer {
    inner: Tokenizer,
    max_length: usize,
    pad_id: u32,
    single_special: usize,
    pair_special: usize,
    kind: VocabularyKind,
    unk_id: Option<u32>,
    /// Ids of the added tokens marked special, sorted.
    special_ids: Vec<u32>,
    /// Whether the pre-tokenizer is Metaspace (a word start is `▁`): long
    /// texts are then cut before a space, never after it.
    metaspace: bool,
    prompts: Prompts,
}

impl TextTokenizer {
    /// The default maximum length, sentence-transformers' default for MiniLM.
    pub const DEFAULT_MAX_LENGTH: usize = 256;

    /// Loads `tokenizer.json` from `path`, with a maximum length of
    /// [`Self::DEFAULT_MAX_LENGTH`].
    ///
    /// Truncation and padding settings stored in the file are replaced: this
    /// type truncates at its own maximum and pads to the longest in a batch.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| TokenizeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes_with_origin(&bytes, path.display().to_string())
    }

    /// Parses a tokenizer from the bytes of a `tokenizer.json`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_with_origin(bytes, "tokenizer bytes".to_string())
    }

    fn from_bytes_with_origin(bytes: &[u8], origin: String) -> Result<Self> {
        let tokenizer = Tokenizer::from_bytes(bytes).map_err(|error| TokenizeError::Malformed {
            origin,
            message: error.to_string(),
        })?;
        Self::from_tokenizer(tokenizer)
    }

    /// Wraps an already built `tokenizers::Tokenizer`.
    ///
    /// The padding id is the tokenizer's own padding setting, else its
    /// `[PAD]` or `<pad>` token, else 0 (see [`Self::with_pad_id`]).
    ///
    /// # Errors
    ///
    /// [`TokenizeError::UnsupportedModel`] for a BPE tokenizer.
    pub fn from_tokenizer(mut inner: Tokenizer) -> Result<Self> {
        let (kind, unk_id) = match inner.get_model() {
            ModelWrapper::WordPiece(model) => (
                VocabularyKind::WordPiece,
                inner.token_to_id(&model.unk_token),
            ),
            ModelWrapper::WordLevel(model) => (
                VocabularyKind::WordLevel,
                inner.token_to_id(&model.unk_token),
            ),
            ModelWrapper::Unigram(model) => (VocabularyKind::Unigram, unigram_unk_id(model)),
            ModelWrapper::BPE(_) => return Err(TokenizeError::UnsupportedModel { model: "BPE" }),
        };
        let metaspace = match inner.get_pre_tokenizer() {
            Some(PreTokenizerWrapper::Metaspace(_)) => true,
            Some(PreTokenizerWrapper::Sequence(sequence)) => sequence
                .as_ref()
                .iter()
                .any(|step| matches!(step, PreTokenizerWrapper::Metaspace(_))),
            _ => false,
        };
        let mut special_ids: Vec<u32> = inner
            .get_added_tokens_decoder()
            .into_iter()
            .filter(|(_, token)| token.special)
            .map(|(id, _)| id)
            .collect();
        special_ids.sort_unstable();
        let pad_id = inner
            .get_padding()
            .map(|padding| padding.pad_id)
            .or_else(|| inner.token_to_id("[PAD]"))
            .or_else(|| inner.token_to_id("<pad>"))
            .unwrap_or(0);
        inner.with_padding(None);
        let (single_special, pair_special) = match inner.get_post_processor() {
            Some(processor) => {
                use tokenizers::tokenizer::PostProcessor;
                (processor.added_tokens(false), processor.added_tokens(true))
            }
            None => (0, 0),
        };
        let mut tokenizer = Self {
            inner,
            max_length: 0,
            pad_id,
            single_special,
            pair_special,
            kind,
            unk_id,
            special_ids,
            metaspace,
            prompts: Prompts::default(),
        };
        tokenizer.set_max_length(Self::DEFAULT_MAX_LENGTH)?;
        Ok(tokenizer)
    }

    /// Sets the maximum number of tokens per encoding, special tokens included.
    ///
    /// Fails when the maximum cannot hold the special tokens of a pair plus
    /// one token of each text.
    pub fn with_max_length(mut self, max_length: usize) -> Result<Self> {
        self.set_max_length(max_length)?;
        Ok(self)
    }

    fn set_max_length(&mut self, max_length: usize) -> Result<()> {
        let minimum = self.pair_special + 2;
        if max_length < minimum {
            return Err(TokenizeError::MaxLengthTooSmall {
                max_length,
                special: self.pair_special,
                what: "pair",
                minimum,
            });
        }
        self.inner
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|error| TokenizeError::Encode(error.to_string()))?;
        self.max_length = max_length;
        Ok(())
    }

    /// The maximum number of tokens per encoding, special tokens included.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// The id used for padding.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// Sets the padding id (a model's `config.json` `pad_token_id` where the
    /// tokenizer names no padding token).
    #[must_use]
    pub fn with_pad_id(mut self, pad_id: u32) -> Self {
        self.pad_id = pad_id;
        self
    }

    /// The kind of vocabulary.
    pub fn vocabulary_kind(&self) -> VocabularyKind {
        self.kind
    }

    /// The id of the unknown token, if the vocabulary has one.
    pub fn unk_id(&self) -> Option<u32> {
        self.unk_id
    }

    /// Whether `id` is one of the tokenizer's special tokens (`[CLS]`,
    /// `<s>`, `<pad>`, ...).
    pub fn is_special(&self, id: u32) -> bool {
        self.special_ids.binary_search(&id).is_ok()
    }

    /// The prompts of the model this tokenizer belongs to (none unless set).
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// Sets the prompts that travel with this tokenizer, so that a model
    /// saved with it keeps them.
    #[must_use]
    pub fn with_prompts(mut self, prompts: Prompts) -> Self {
        self.prompts = prompts;
        self
    }

    /// How many of an encoding's tokens (special tokens excluded) are the
    /// unknown token.
    pub fn coverage(&self, encoding: &Encoding) -> Coverage {
        let mut coverage = Coverage::default();
        for &id in &encoding.ids {
            if self.is_special(id) && Some(id) != self.unk_id {
                continue;
            }
            coverage.tokens += 1;
            if Some(id) == self.unk_id {
                coverage.unknown += 1;
            }
        }
        coverage
    }

    /// How many special tokens wrap a single text (2 for BERT: `[CLS]`, `[SEP]`).
    pub fn special_tokens_single(&self) -> usize {
        self.single_special
    }

    /// The size of the vocabulary, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The wrapped `tokenizers::Tokenizer` (its truncation is set to this
    /// tokenizer's maximum length and its padding is off).
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }

    /// Encodes one text: special tokens added, truncated to the maximum length.
    ///
    /// The empty string encodes to the special tokens alone (`[CLS] [SEP]`).
    pub fn encode(&self, text: &str) -> Result<Encoding> {
        let text = self.bounded_prefix(text, self.max_length)?;
        let encoding = self
            .inner
            .encode_fast(text, true)
            .map_err(|error| TokenizeError::Encode(error.to_string()))?;
        Ok(Encoding::from_hf(&encoding))
    }

    /// Encodes a text pair (`[CLS] a [SEP] b [SEP]` for BERT), truncating the
    /// longer text first until the pair fits the maximum length.
    pub fn encode_pair(&self, first: &str, second: &str) -> Result<Encoding> {
        let first = self.bounded_prefix(first, self.max_length)?;
        let second = self.bounded_prefix(second, self.max_length)?;
        let encoding = self
            .inner
            .encode_fast((first, second), true)
            .map_err(|error| TokenizeError::Encode(error.to_string()))?;
        Ok(Encoding::from_hf(&encoding))
    }

    /// Encodes texts in parallel, each truncated, in input order.
    pub fn encode_all(&self, texts: &[&str]) -> Result<Vec<Encoding>> {
        texts.par_iter().map(|text| self.encode(text)).collect()
    }

    /// Encodes texts in parallel and pads them to the longest one.
    pub fn encode_batch(&self, texts: &[&str]) -> Result<EncodedBatch> {
        Ok(EncodedBatch::from_encodings(
            &self.encode_all(texts)?,
            self.pad_id,
        ))
    }

    /// Encodes text pairs in parallel and pads them to the longest one.
    pub fn encode_pair_batch(&self, pairs: &[(&str, &str)]) -> Result<EncodedBatch> {
        let encodings = pairs
            .par_iter()
            .map(|(first, second)| self.encode_pair(first, second))
            .collect::<Result<Vec<_>>>()?;
        Ok(EncodedBatch::from_encodings(&encodings, self.pad_id))
    }

    /// Token ids of `text` without special tokens and without truncation.
    ///
    /// Long texts are tokenized in segments cut at whitespace, which gives the
    /// same ids as one pass for tokenizers that split on whitespace first
    /// (BERT's WordPiece does; for SentencePiece's Metaspace the cut is made
    /// before a run of spaces, which then starts the next word) and keeps
    /// memory proportional to the ids. A segment of over 32 KiB without any
    /// white space (long Chinese text) is cut at a character boundary, where
    /// a word may be split in two.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let mut ids = Vec::new();
        for segment in whitespace_segments(text, SEGMENT_BYTES, self.metaspace) {
            let encoding = self
                .inner
                .encode_fast(segment, false)
                .map_err(|error| TokenizeError::Encode(error.to_string()))?;
            // The tokenizer's truncation would cut a long segment: undo it by
            // collecting the overflowing parts, which follow in order.
            ids.extend_from_slice(encoding.get_ids());
            for overflow in encoding.get_overflowing() {
                ids.extend_from_slice(overflow.get_ids());
            }
        }
        Ok(ids)
    }

    /// Splits a document into chunks of at most the maximum length.
    ///
    /// Each chunk holds a window of `max_length - special tokens` document
    /// tokens wrapped in the special tokens; consecutive windows overlap by
    /// `stride` tokens. Every token of the document lies in at least one chunk;
    /// an empty document gives one chunk of special tokens only.
    pub fn chunk(&self, text: &str, stride: usize) -> Result<Vec<Chunk>> {
        let window = self.max_length - self.single_special;
        if stride >= window {
            return Err(TokenizeError::StrideTooLarge { stride, window });
        }
        let ids = self.token_ids(text)?;
        let mut chunks = Vec::with_capacity(ids.len() / (window - stride) + 1);
        let mut start = 0;
        loop {
            let end = (start + window).min(ids.len());
            chunks.push(Chunk {
                doc: 0,
                index: chunks.len(),
                token_range: start..end,
                encoding: self.wrap_single(&ids[start..end])?,
            });
            if end == ids.len() {
                break;
            }
            start = end - stride;
        }
        Ok(chunks)
    }

    /// Like [`Self::chunk`], with `prefix` (a prompt such as `"query: "`) at
    /// the start of every chunk: each window holds the prefix's tokens and
    /// then as many document tokens as fit, so every chunk is embedded as the
    /// prompted text would be. The prefix's tokens are those it has at the
    /// start of `prefix + text`.
    pub fn chunk_with_prefix(&self, text: &str, prefix: &str, stride: usize) -> Result<Vec<Chunk>> {
        if prefix.is_empty() {
            return self.chunk(text, stride);
        }
        let prefix_ids = self.prefix_ids(prefix)?;
        let window = (self.max_length - self.single_special).saturating_sub(prefix_ids.len());
        if window == 0 || stride >= window {
            return Err(TokenizeError::StrideTooLarge { stride, window });
        }
        let ids = self.token_ids(text)?;
        let mut chunks = Vec::with_capacity(ids.len() / (window - stride) + 1);
        let mut start = 0;
        let mut buffer = Vec::with_capacity(prefix_ids.len() + window);
        loop {
            let end = (start + window).min(ids.len());
            buffer.clear();
            buffer.extend_from_slice(&prefix_ids);
            buffer.extend_from_slice(&ids[start..end]);
            chunks.push(Chunk {
                doc: 0,
                index: chunks.len(),
                token_range: start..end,
                encoding: self.wrap_single(&buffer)?,
            });
            if end == ids.len() {
                break;
            }
            start = end - stride;
        }
        Ok(chunks)
    }

    /// The tokens `prefix` contributes at the start of a text: the prefix
    /// without its trailing white space, which belongs to the next word
    /// (`"query: "` is `▁query :` for SentencePiece, `query :` for WordPiece).
    fn prefix_ids(&self, prefix: &str) -> Result<Vec<u32>> {
        self.token_ids(prefix.trim_end())
    }

    /// Chunks several documents in parallel; chunks come in document order and
    /// [`Chunk::doc`] maps each one back to its document.
    pub fn chunk_all(&self, texts: &[&str], stride: usize) -> Result<Vec<Chunk>> {
        let per_doc = texts
            .par_iter()
            .map(|text| self.chunk(text, stride))
            .collect::<Result<Vec<_>>>()?;
        Ok(per_doc
            .into_iter()
            .enumerate()
            .flat_map(|(doc, chunks)| chunks.into_iter().map(move |chunk| Chunk { doc, ..chunk }))
            .collect())
    }

    /// Wraps document token ids (from [`Self::token_ids`], without special
    /// tokens) in the special tokens of a single text: `[CLS] ids [SEP]` for
    /// BERT, with token type ids 0.
    ///
    /// Use it to build encodings from a selection of a document's tokens (its
    /// head and tail, say). Ids beyond `max_length - special_tokens_single()`
    /// are truncated from the end, so the result never exceeds the maximum.
    pub fn wrap_single(&self, ids: &[u32]) -> Result<Encoding> {
        let tokens = ids
            .iter()
            .map(|&id| Token::new(id, String::new(), (0, 0)))
            .collect();
        let encoding = self
            .inner
            .post_process(HfEncoding::from_tokens(tokens, 0), None, true)
            .map_err(|error| TokenizeError::Encode(error.to_string()))?;
        Ok(Encoding::from_hf(&encoding))
    }

    /// A prefix of `text` that tokenizes to the same first `max_tokens` tokens
    /// as the whole text; the text itself when it is short.
    fn bounded_prefix<'t>(&self, text: &'t str, max_tokens: usize) -> Result<&'t str> {
        if text.len() <= SEGMENT_BYTES {
            return Ok(text);
        }
        let mut end = 0;
        let mut count = 0;
        for segment in whitespace_segments(text, SEGMENT_BYTES, self.metaspace) {
            let encoding = self
                .inner
                .encode_fast(segment, false)
                .map_err(|error| TokenizeError::Encode(error.to_string()))?;
            count += encoding.len()
                + encoding
                    .get_overflowing()
                    .iter()
                    .map(HfEncoding::len)
                    .sum::<usize>();
            // `segment` is a subslice of `text`.
            end = segment.as_ptr() as usize - text.as_ptr() as usize + segment.len();
            if count > max_tokens {
                break;
            }
        }
        Ok(&text[..end])
    }
}

/// Splits `text` into consecutive pieces of roughly `target` bytes, each cut
/// just after a whitespace character (or at a char boundary when a piece has
/// no whitespace). With `before_spaces` (SentencePiece's Metaspace, which
/// marks a word start with the space before it) the cut is made before the
/// run of spaces instead, so the next piece starts with its space. The pieces
/// concatenate back to `text`.
fn whitespace_segments(
    text: &str,
    target: usize,
    before_spaces: bool,
) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        if rest.len() <= target {
            let piece = rest;
            rest = "";
            return Some(piece);
        }
        let mut cut = target;
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        if before_spaces {
            // Before the run of spaces that holds the last space before `cut`.
            if let Some(index) = rest[..cut].rfind(' ') {
                let run_start = rest[..index].trim_end_matches(' ').len();
                if run_start > 0 {
                    cut = run_start;
                }
            }
        } else if let Some((index, ch)) = rest[..cut]
            .char_indices()
            .rev()
            .find(|(_, ch)| ch.is_whitespace())
            && index > 0
        {
            // After the last whitespace before `cut`.
            cut = index + ch.len_utf8();
        }
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        Some(piece)
    })
}

/// The unknown-token id of a Unigram model (private in `tokenizers`: read
/// from the model's serialized form, whose `unk_id` comes before the
/// vocabulary, so only the first bytes are written).
fn unigram_unk_id(model: &tokenizers::models::unigram::Unigram) -> Option<u32> {
    /// Keeps the first bytes written and then refuses more.
    struct Head(Vec<u8>);
    impl std::io::Write for Head {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0.len() >= 256 {
                return Err(std::io::Error::other("enough"));
            }
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut head = Head(Vec::new());
    // Stopped early on purpose: the error is expected and the head is kept.
    let _ = serde_json::to_writer(&mut head, model);
    let head = String::from_utf8_lossy(&head.0);
    let rest = &head[head.find("\"unk_id\":")? + "\"unk_id\":".len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Byte ranges of `text` cut into pieces; used by tests.
#[cfg(test)]
fn segment_ranges(text: &str, target: usize, before_spaces: bool) -> Vec<Range<usize>> {
    whitespace_segments(text, target, before_spaces)
        .map(|piece| {
            let start = piece.as_ptr() as usize - text.as_ptr() as usize;
            start..start + piece.len()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_concatenate_back_and_cut_after_whitespace() {
        let text = "alpha beta gamma delta epsilon";
        let ranges = segment_ranges(text, 8, false);
        let joined: String = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(joined, text);
        // Every piece but the last ends in whitespace.
        for range in &ranges[..ranges.len() - 1] {
            assert!(
                text[range.clone()].ends_with(' '),
                "{:?}",
                &text[range.clone()]
            );
        }
    }

    #[test]
    fn segments_handle_multibyte_without_whitespace() {
        let text = "熟悉大数据开发工程师熟悉大数据开发工程师";
        let ranges = segment_ranges(text, 7, false);
        let joined: String = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(joined, text);
        assert!(ranges.len() > 1);
    }

    #[test]
    fn metaspace_segments_start_with_their_spaces() {
        let text = "alpha  beta gamma   delta epsilon";
        let ranges = segment_ranges(text, 9, true);
        let joined: String = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(joined, text);
        // Every piece but the first starts with a space and no piece ends in one.
        for range in &ranges[1..] {
            assert!(text[range.clone()].starts_with(' '), "{ranges:?}");
        }
        for range in &ranges {
            assert!(!text[range.clone()].ends_with(' '), "{ranges:?}");
        }
    }

    #[test]
    fn padding_fills_with_pad_id_and_zero_mask() {
        let encodings = [
            Encoding {
                ids: vec![101, 7, 102],
                type_ids: vec![0, 0, 0],
            },
            Encoding {
                ids: vec![101, 102],
                type_ids: vec![0, 0],
            },
        ];
        let batch = EncodedBatch::from_encodings(&encodings, 0);
        assert_eq!(
            batch.input_ids.as_slice().unwrap(),
            &[101, 7, 102, 101, 102, 0]
        );
        assert_eq!(
            batch.attention_mask.as_slice().unwrap(),
            &[1, 1, 1, 1, 1, 0]
        );
        assert_eq!(batch.lengths, vec![3, 2]);
    }
}
