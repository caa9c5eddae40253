//! [`TextEmbedder`]: texts in, sentence embeddings out, as
//! sentence-transformers' `encode(normalize_embeddings=True)` computes them.

use std::path::Path;
use std::sync::Arc;

use burn::prelude::*;
use jobfit_text::{Coverage, EncodedBatch, Encoding, PromptRole, Prompts, TextTokenizer};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::batch::{BatchOptions, MicroBatcher};
use crate::bert::{BertInput, BertModel};
use crate::config::{BertConfig, ModelFiles};
use crate::error::{ModelError, Result};
use crate::fast::{FastEncoder, Isa, Precision, SeqInput};
use crate::pooling::{Pooling, l2_normalize};
use crate::weights::WeightReader;

/// What identifies the vectors a model produces: indexes built with one
/// model refuse queries embedded by another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelIdentity {
    /// The model directory's name, for messages.
    pub name: String,
    /// A hash of the weights file (xxh3-64, hex).
    pub weights_hash: String,
    /// Embedding width.
    pub dim: usize,
    /// Pooling strategy.
    pub pooling: Pooling,
    /// Whether embeddings are L2-normalized.
    pub normalize: bool,
    /// Maximum tokens per text.
    pub max_length: usize,
    /// The prompts prepended to queries and passages (none for models
    /// without prompts, and for indexes saved before prompts existed).
    #[serde(default, skip_serializing_if = "Prompts::is_empty")]
    pub prompts: Prompts,
}

impl ModelIdentity {
    /// Whether vectors of `other` can be compared with vectors of `self`
    /// (same weights, width, pooling, normalization and prompts; the name and
    /// the maximum length may differ).
    pub fn compatible_with(&self, other: &Self) -> bool {
        self.weights_hash == other.weights_hash
            && self.dim == other.dim
            && self.pooling == other.pooling
            && self.normalize == other.normalize
            && self.prompts == other.prompts
    }
}

/// A pretrained encoder loaded from a Hugging Face model directory, with
/// everything that came with it.
#[derive(Debug)]
pub struct Pretrained {
    /// The encoder, every weight set from the checkpoint.
    pub model: BertModel,
    /// Its configuration.
    pub config: BertConfig,
    /// The tokenizer, truncating at sentence-transformers' `max_seq_length`
    /// when the directory gives one, capped by the model's position limit,
    /// padding with the configuration's `pad_token_id`, and carrying the
    /// directory's prompts (so that a model saved from it keeps them).
    pub tokenizer: TextTokenizer,
    /// The files found in the directory and sentence-transformers' settings.
    pub files: ModelFiles,
    /// xxh3-64 of the weights file, hex.
    pub weights_hash: String,
}

impl Pretrained {
    /// Loads the encoder and tokenizer of a model directory; fails when any
    /// model tensor is missing or any checkpoint tensor is left unused.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let files = ModelFiles::locate(dir)?;
        let config = BertConfig::from_file(&files.config)?;
        let weights_bytes = std::fs::read(&files.weights).map_err(|source| ModelError::Io {
            path: files.weights.clone(),
            source,
        })?;
        let mut reader = WeightReader::from_bytes(&weights_bytes, &files.weights)?;
        let model = BertModel::load(&config, &mut reader, device)?;
        reader.finish()?;
        let weights_hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&weights_bytes));
        drop(weights_bytes);
        let tokenizer = TextTokenizer::from_file(&files.tokenizer)?;
        let max_length = files
            .max_seq_length
            .unwrap_or(config.max_sequence_length())
            .min(config.max_sequence_length());
        let tokenizer = tokenizer
            .with_max_length(max_length)?
            .with_pad_id(config.pad_token_id)
            .with_prompts(files.prompts.clone());
        Ok(Self {
            model,
            config,
            tokenizer,
            files,
            weights_hash,
        })
    }
}

/// Options of a [`TextEmbedder`]; the defaults come from the model directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmbedderOptions {
    /// Maximum tokens per text, special tokens included. Default: the
    /// directory's `sentence_bert_config.json`, else the model's maximum.
    pub max_length: Option<usize>,
    /// Pooling. Default: the directory's `1_Pooling/config.json`, else mean.
    pub pooling: Option<Pooling>,
    /// L2-normalize the output. Default true.
    pub normalize: Option<bool>,
    /// Texts per forward pass. Default 32. The fast CPU path packs
    /// sequences without padding and takes up to `batch_size * max_length`
    /// tokens per pass, so short texts go in larger batches.
    pub batch_size: Option<usize>,
    /// Which implementation runs the encoder. Default [`Engine::Auto`].
    pub engine: Option<Engine>,
    /// The prompts of [`TextEmbedder::embed_queries`] and
    /// [`TextEmbedder::embed_passages`]. Default: the directory's
    /// `config_sentence_transformers.json` (the tokenizer's prompts for
    /// [`TextEmbedder::from_parts`]); `Some(Prompts::none())` turns them off.
    pub prompts: Option<Prompts>,
    /// Keep the fast path's word-embedding table in f16 (each looked-up row
    /// widened to f32). Default: when the table is over 64 MB in f32
    /// (multilingual vocabularies: 384 MB -> 192 MB for
    /// multilingual-e5-small, whose embeddings then still match the reference
    /// within 1e-5).
    pub f16_word_table: Option<bool>,
}

/// Which implementation runs inference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Engine {
    /// The fast CPU path when the device is Burn's CPU backend (flex), else
    /// the Burn model on the device.
    #[default]
    Auto,
    /// Always the Burn model on the device.
    Burn,
    /// The fast CPU path (packed weights, no padding, AVX-512/AVX2 kernels).
    Fast,
    /// The fast CPU path with dynamic int8 linear layers: about twice as fast
    /// again, with embeddings at cosine ~0.99 to the float ones.
    FastInt8,
}

/// A pretrained sentence encoder with its tokenizer.
///
/// `embed` tokenizes in parallel, sorts texts by length so that each batch
/// carries little padding, runs the encoder, pools, normalizes, and returns
/// the vectors in input order.
#[derive(Debug)]
pub struct TextEmbedder {
    model: BertModel,
    tokenizer: TextTokenizer,
    config: BertConfig,
    pooling: Pooling,
    normalize: bool,
    batch_size: usize,
    identity: ModelIdentity,
    device: Device,
    fast: Option<FastEncoder>,
    batcher: Option<Arc<MicroBatcher>>,
}

impl FastEncoder {
    /// The fast CPU path for `model` when `device` is Burn's CPU backend
    /// (flex), which it replaces for inference; `None` on other devices
    /// (libtorch, GPUs), where the Burn model should run.
    pub fn for_device(model: &BertModel, config: &BertConfig, device: &Device) -> Option<Self> {
        if is_flex(device) {
            Self::from_model(model, config).ok()
        } else {
            None
        }
    }
}

/// Whether `device` is Burn's CPU backend, which the fast path replaces.
fn is_flex(device: &Device) -> bool {
    #[cfg(feature = "flex")]
    {
        device.clone().without_autodiff() == Device::flex()
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = device;
        false
    }
}

impl TextEmbedder {
    /// The default batch size.
    pub const DEFAULT_BATCH_SIZE: usize = 32;

    /// Word-embedding tables larger than this (in f32) are kept in f16 by
    /// default on the fast path.
    pub const F16_WORD_TABLE_BYTES: usize = 64 * 1024 * 1024;

    /// Loads a Hugging Face model directory with default options.
    pub fn from_dir(dir: impl AsRef<Path>, device: &Device) -> Result<Self> {
        Self::from_dir_with(dir, EmbedderOptions::default(), device)
    }

    /// Loads a Hugging Face model directory (`config.json`,
    /// `model.safetensors`, `tokenizer.json`, and sentence-transformers'
    /// settings when present).
    pub fn from_dir_with(
        dir: impl AsRef<Path>,
        options: EmbedderOptions,
        device: &Device,
    ) -> Result<Self> {
        let pretrained = Pretrained::load(dir, device)?;
        let files = &pretrained.files;
        let name = files
            .dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_string());
        let options = EmbedderOptions {
            max_length: options.max_length.or(files.max_seq_length),
            pooling: Some(options.pooling.or(files.pooling).unwrap_or_default()),
            normalize: Some(options.normalize.or(files.normalize).unwrap_or(true)),
            batch_size: options.batch_size,
            engine: options.engine,
            prompts: options.prompts,
            f16_word_table: options.f16_word_table,
        };
        Self::assemble(
            pretrained.model,
            pretrained.tokenizer,
            pretrained.config,
            options,
            name,
            pretrained.weights_hash,
            device,
        )
    }

    /// Assembles an embedder from parts (for models built in code or loaded
    /// from a checkpoint).
    pub fn from_parts(
        model: BertModel,
        tokenizer: TextTokenizer,
        config: BertConfig,
        options: EmbedderOptions,
        identity_name: impl Into<String>,
        weights_hash: impl Into<String>,
        device: &Device,
    ) -> Result<Self> {
        Self::assemble(
            model,
            tokenizer,
            config,
            options,
            identity_name.into(),
            weights_hash.into(),
            device,
        )
    }

    fn assemble(
        model: BertModel,
        tokenizer: TextTokenizer,
        config: BertConfig,
        options: EmbedderOptions,
        name: String,
        weights_hash: String,
        device: &Device,
    ) -> Result<Self> {
        let max_length = options
            .max_length
            .unwrap_or(tokenizer.max_length())
            .min(config.max_sequence_length());
        if max_length == 0 {
            return Err(ModelError::InvalidArgument(
                "max length must be positive".into(),
            ));
        }
        let mut tokenizer = tokenizer.with_max_length(max_length)?;
        if let Some(prompts) = options.prompts {
            tokenizer = tokenizer.with_prompts(prompts);
        }
        let batch_size = options.batch_size.unwrap_or(Self::DEFAULT_BATCH_SIZE);
        if batch_size == 0 {
            return Err(ModelError::InvalidArgument(
                "batch size must be positive".into(),
            ));
        }
        let pooling = options.pooling.unwrap_or_default();
        let normalize = options.normalize.unwrap_or(true);
        let identity = ModelIdentity {
            name,
            weights_hash,
            dim: config.hidden_size,
            pooling,
            normalize,
            max_length,
            prompts: tokenizer.prompts().clone(),
        };
        let fast = match options.engine.unwrap_or_default() {
            Engine::Burn => None,
            Engine::Fast => Some(FastEncoder::from_model(&model, &config)?),
            Engine::FastInt8 => Some(FastEncoder::from_model_with(
                &model,
                &config,
                Isa::detect(),
                Precision::Int8,
            )?),
            // The fast path covers exact-GELU models; others run on Burn.
            Engine::Auto if is_flex(device) => FastEncoder::from_model(&model, &config).ok(),
            Engine::Auto => None,
        };
        let table_bytes = config.vocab_size * config.hidden_size * 4;
        let f16_words = options
            .f16_word_table
            .unwrap_or(table_bytes > Self::F16_WORD_TABLE_BYTES);
        let fast = fast.map(|fast| fast.with_f16_word_table(f16_words));
        Ok(Self {
            model,
            tokenizer,
            config,
            pooling,
            normalize,
            batch_size,
            identity,
            device: device.clone(),
            fast,
            batcher: None,
        })
    }

    /// Embeds texts, one row per text in input order.
    ///
    /// Texts go to the tokenizer unchanged (no prompt); texts longer than the
    /// maximum length are truncated exactly as sentence-transformers
    /// truncates them.
    pub fn embed(&self, texts: &[&str]) -> Result<Array2<f32>> {
        if texts.is_empty() {
            return Err(ModelError::EmptyBatch);
        }
        let encodings = self.tokenizer.encode_all(texts)?;
        self.embed_encodings(&encodings)
    }

    /// Embeds queries (resumes, job titles): [`Self::embed`] with the query
    /// prompt in front of each text (`"query: "` for e5 models), or the texts
    /// as given when the model has no query prompt.
    pub fn embed_queries(&self, texts: &[&str]) -> Result<Array2<f32>> {
        self.embed_as(PromptRole::Query, texts)
    }

    /// Embeds passages (job texts): [`Self::embed`] with the passage prompt
    /// in front of each text (`"passage: "` for e5 models), or the texts as
    /// given when the model has no passage prompt.
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Array2<f32>> {
        self.embed_as(PromptRole::Passage, texts)
    }

    /// Embeds texts in a role: with that role's prompt, if any.
    pub fn embed_as(&self, role: PromptRole, texts: &[&str]) -> Result<Array2<f32>> {
        match self.prompt(role) {
            None => self.embed(texts),
            Some(prompt) => {
                let prompted: Vec<String> =
                    texts.iter().map(|text| format!("{prompt}{text}")).collect();
                let refs: Vec<&str> = prompted.iter().map(String::as_str).collect();
                self.embed(&refs)
            }
        }
    }

    /// The prompts this embedder applies by role.
    pub fn prompts(&self) -> &Prompts {
        self.tokenizer.prompts()
    }

    /// The prompt of `role`, if any.
    pub fn prompt(&self, role: PromptRole) -> Option<&str> {
        self.tokenizer.prompts().get(role)
    }

    /// How much of each text the vocabulary knows: a text whose tokens are
    /// mostly unknown ([`Coverage::mostly_unknown`]) is in a script the
    /// model cannot read, and its embedding is close to noise.
    pub fn coverage(&self, texts: &[&str]) -> Result<Vec<Coverage>> {
        Ok(self
            .tokenizer
            .encode_all(texts)?
            .iter()
            .map(|encoding| self.tokenizer.coverage(encoding))
            .collect())
    }

    /// Warns (through the `log` facade) when texts are mostly unknown tokens.
    fn warn_unknown(&self, encodings: &[Encoding]) {
        let unreadable = encodings
            .iter()
            .filter(|encoding| self.tokenizer.coverage(encoding).mostly_unknown())
            .count();
        if unreadable > 0 {
            log::warn!(
                "{unreadable} of {} texts are mostly tokens that the vocabulary of {} does not \
                 know: their embeddings carry little meaning. For Chinese and other languages \
                 use a multilingual model (scripts/fetch-model.sh multilingual-e5-small, then \
                 --model models/multilingual-e5-small)",
                encodings.len(),
                self.identity.name
            );
        }
    }

    /// Embeds one text.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>> {
        Ok(self.embed(&[text])?.row(0).to_vec())
    }

    /// Shares forward passes between concurrent callers: every later
    /// `embed` call (and so every embedding a matcher or screener makes
    /// through this embedder) queues its texts in a [`MicroBatcher`], and
    /// calls arriving within [`BatchOptions::max_wait`] run as one batch.
    /// Results are the same rows as without it.
    ///
    /// # Errors
    ///
    /// [`ModelError::InvalidArgument`] for zero bounds.
    pub fn with_micro_batching(mut self, options: BatchOptions) -> Result<Self> {
        self.batcher = Some(Arc::new(MicroBatcher::new(options)?));
        Ok(self)
    }

    /// The micro-batcher, when [`TextEmbedder::with_micro_batching`] set one.
    pub fn micro_batcher(&self) -> Option<&Arc<MicroBatcher>> {
        self.batcher.as_ref()
    }

    /// Embeds already tokenized texts, one row per encoding in input order.
    ///
    /// With micro-batching on, this call may fail with
    /// [`ModelError::Overloaded`] when the batcher's queue is full.
    pub fn embed_encodings(&self, encodings: &[Encoding]) -> Result<Array2<f32>> {
        if encodings.is_empty() {
            return Err(ModelError::EmptyBatch);
        }
        self.warn_unknown(encodings);
        match &self.batcher {
            Some(batcher) => batcher.run(encodings, |batch| self.embed_now(batch)),
            None => self.embed_now(encodings),
        }
    }

    /// Embeds encodings in this thread, now.
    fn embed_now(&self, encodings: &[Encoding]) -> Result<Array2<f32>> {
        let dim = self.config.hidden_size;
        let mut out = Array2::<f32>::zeros((encodings.len(), dim));
        // Longest first: similar lengths share a batch, so padding is minimal.
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].len()));
        let mut scatter = |indices: &[usize], vectors: &[f32]| {
            for (row, &index) in indices.iter().enumerate() {
                out.row_mut(index).assign(&ndarray::ArrayView1::from(
                    &vectors[row * dim..(row + 1) * dim],
                ));
            }
        };
        if let Some(fast) = &self.fast {
            // No padding: batches are cut by a token budget.
            let budget = self.batch_size * self.tokenizer.max_length();
            let mut start = 0;
            while start < order.len() {
                let mut end = start;
                let mut tokens = 0;
                while end < order.len()
                    && (end == start || tokens + encodings[order[end]].len() <= budget)
                {
                    tokens += encodings[order[end]].len();
                    end += 1;
                }
                let batch = &order[start..end];
                let inputs: Vec<SeqInput<'_>> = batch
                    .iter()
                    .map(|&i| SeqInput {
                        ids: &encodings[i].ids,
                        type_ids: &encodings[i].type_ids,
                    })
                    .collect();
                let vectors = fast.embed(&inputs, self.pooling, self.normalize)?;
                scatter(batch, &vectors);
                start = end;
            }
            return Ok(out);
        }
        for batch_indices in order.chunks(self.batch_size) {
            let batch: Vec<Encoding> = batch_indices
                .iter()
                .map(|&i| encodings[i].clone())
                .collect();
            let encoded = EncodedBatch::from_encodings(&batch, self.tokenizer.pad_id());
            let vectors = self.forward_batch(&encoded)?;
            scatter(batch_indices, &vectors);
        }
        Ok(out)
    }

    /// Runs one padded batch through encoder, pooling and normalization.
    fn forward_batch(&self, batch: &EncodedBatch) -> Result<Vec<f32>> {
        let output = self
            .model
            .forward(BertInput::from_batch(batch, &self.device));
        let pooled = self.pooling.pool(output.hidden, output.mask);
        let pooled = if self.normalize {
            l2_normalize(pooled)
        } else {
            pooled
        };
        pooled
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|error| {
                ModelError::InvalidArgument(format!("cannot read embeddings: {error:?}"))
            })
    }

    /// Embedding width.
    pub fn dim(&self) -> usize {
        self.config.hidden_size
    }

    /// The identity of the vectors this embedder produces.
    pub fn identity(&self) -> &ModelIdentity {
        &self.identity
    }

    /// The tokenizer (with this embedder's maximum length).
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// The encoder.
    pub fn model(&self) -> &BertModel {
        &self.model
    }

    /// The encoder's configuration.
    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    /// The pooling strategy.
    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    /// The device the encoder runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Which engine runs inference: [`Engine::Fast`], [`Engine::FastInt8`] or
    /// [`Engine::Burn`] (never `Auto`: what `Auto` resolved to).
    pub fn engine(&self) -> Engine {
        match &self.fast {
            Some(fast) if fast.precision() == Precision::Int8 => Engine::FastInt8,
            Some(_) => Engine::Fast,
            None => Engine::Burn,
        }
    }

    /// Texts per forward pass.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Takes the embedder apart: encoder, tokenizer and configuration.
    pub fn into_parts(self) -> (BertModel, TextTokenizer, BertConfig) {
        (self.model, self.tokenizer, self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedder_can_be_shared_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<TextEmbedder>();
        shared::<ModelIdentity>();
    }
}
