//! Task heads on top of the encoder, the [`Head`] trait users implement for
//! their own, and [`EncoderWithHead`] which composes the two.
//!
//! A head is a Burn module that maps the encoder's features to its output.
//! The trait is small on purpose: one associated output type and one
//! `forward`, so a head can be anything from a linear layer to a multi-label
//! MLP, and training code can stay generic over it. Heads that should be
//! saved in checkpoints also implement [`SavedHead`], which adds a serde
//! configuration and a constructor from it.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::bert::{BertInput, BertModel, BertOutput};
use crate::error::{ModelError, Result};
use crate::pooling::{Pooling, l2_normalize};

/// What a head sees of the encoder's output.
#[derive(Debug, Clone)]
pub struct EncoderFeatures {
    /// Last hidden states, `[batch, seq, hidden]`.
    pub hidden: Tensor<3>,
    /// 1.0 at real tokens, 0.0 at padding, `[batch, seq]`.
    pub mask: Tensor<2>,
    /// The pooler's output (tanh dense over `[CLS]`), `[batch, hidden]`,
    /// when the encoder has a pooler.
    pub pooler_output: Option<Tensor<2>>,
}

impl EncoderFeatures {
    /// Features of an encoder output, with the pooler run when present.
    pub fn new(output: BertOutput, encoder: &BertModel) -> Self {
        let pooler_output = encoder
            .pooler()
            .map(|pooler| pooler.forward(output.hidden.clone()));
        Self {
            hidden: output.hidden,
            mask: output.mask,
            pooler_output,
        }
    }

    /// Pools the features into one vector per text.
    ///
    /// # Shapes
    /// - output: `[batch, hidden]`
    pub fn pool(&self, pooling: HeadPooling) -> Tensor<2> {
        match pooling {
            HeadPooling::Tokens(pooling) => pooling.pool(self.hidden.clone(), self.mask.clone()),
            HeadPooling::Pooler => match &self.pooler_output {
                Some(pooled) => pooled.clone(),
                // No pooler in this encoder: its input, the [CLS] state.
                None => Pooling::Cls.pool(self.hidden.clone(), self.mask.clone()),
            },
        }
    }
}

/// Which vector a head starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadPooling {
    /// Pool the token states (mean, CLS, max).
    Tokens(Pooling),
    /// BERT's pooler output (what Hugging Face's sequence classifiers use);
    /// the `[CLS]` state when the encoder has no pooler.
    Pooler,
}

impl Default for HeadPooling {
    fn default() -> Self {
        Self::Tokens(Pooling::Mean)
    }
}

/// A task head: maps encoder features to an output.
///
/// Implement it for any Burn module to put your own head on the encoder; see
/// `examples/custom_head.rs` for a multi-label MLP.
pub trait Head: Module + core::fmt::Debug {
    /// What the head produces (logits, scores, embeddings, ...).
    type Output;

    /// Runs the head.
    fn forward(&self, features: EncoderFeatures) -> Self::Output;
}

/// A head that checkpoints can save and restore: a serde configuration from
/// which an untrained head of the right shape is built, before its weights
/// are loaded.
pub trait SavedHead: Head + Sized {
    /// The head's configuration.
    type Config: Serialize + serde::de::DeserializeOwned + core::fmt::Debug + Clone;

    /// A name stored in checkpoints, so that loading a checkpoint as the wrong
    /// kind of head is refused.
    const KIND: &'static str;

    /// The configuration of this head.
    fn config(&self) -> Self::Config;

    /// A new head with random weights for `config`.
    fn init(config: &Self::Config, device: &Device) -> Result<Self>;
}

/// Configuration of a [`ClassificationHead`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationHeadConfig {
    /// Encoder width.
    pub hidden_size: usize,
    /// Number of classes.
    pub num_labels: usize,
    /// Dropout before the classifier during training. Default 0.1.
    #[serde(default = "default_head_dropout")]
    pub dropout: f64,
    /// The vector the classifier reads. Default mean pooling.
    #[serde(default)]
    pub pooling: HeadPooling,
}

fn default_head_dropout() -> f64 {
    0.1
}

impl ClassificationHeadConfig {
    /// A configuration with the default dropout and pooling.
    pub fn new(hidden_size: usize, num_labels: usize) -> Self {
        Self {
            hidden_size,
            num_labels,
            dropout: default_head_dropout(),
            pooling: HeadPooling::default(),
        }
    }

    fn validate(&self) -> Result<()> {
        if self.hidden_size == 0 || self.num_labels == 0 {
            return Err(ModelError::InvalidArgument(format!(
                "a classification head needs a positive width and label count, got {} and {}",
                self.hidden_size, self.num_labels
            )));
        }
        check_dropout(self.dropout)
    }
}

fn check_dropout(prob: f64) -> Result<()> {
    if (0.0..1.0).contains(&prob) {
        Ok(())
    } else {
        Err(ModelError::InvalidArgument(format!(
            "dropout must be in [0, 1), got {prob}"
        )))
    }
}

/// Sequence classification (resume -> job category): pooled vector ->
/// dropout -> linear, producing logits.
#[derive(Module, Debug)]
pub struct ClassificationHead {
    dropout: Dropout,
    classifier: Linear,
    #[module(skip)]
    config: ClassificationHeadConfig,
}

impl ClassificationHead {
    /// The classifier layer (`[hidden, num_labels]`).
    pub fn classifier(&self) -> &Linear {
        &self.classifier
    }

    /// Replaces the classifier layer, e.g. with one trained elsewhere.
    pub fn with_classifier(mut self, classifier: Linear) -> Self {
        self.classifier = classifier;
        self
    }

    /// Logits from an already pooled vector.
    ///
    /// # Shapes
    /// - `pooled`: `[batch, hidden]`; output `[batch, num_labels]`
    pub fn forward_pooled(&self, pooled: Tensor<2>) -> Tensor<2> {
        self.classifier
            .forward(crate::dropout::apply_dropout(&self.dropout, pooled))
    }
}

impl Head for ClassificationHead {
    type Output = Tensor<2>;

    /// # Shapes
    /// - output: logits `[batch, num_labels]`
    fn forward(&self, features: EncoderFeatures) -> Tensor<2> {
        self.forward_pooled(features.pool(self.config.pooling))
    }
}

impl SavedHead for ClassificationHead {
    type Config = ClassificationHeadConfig;
    const KIND: &'static str = "classification";

    fn config(&self) -> ClassificationHeadConfig {
        self.config.clone()
    }

    fn init(config: &ClassificationHeadConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            dropout: DropoutConfig::new(config.dropout).init(),
            classifier: LinearConfig::new(config.hidden_size, config.num_labels).init(device),
            config: config.clone(),
        })
    }
}

/// Configuration of a [`PairScoringHead`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairScoringHeadConfig {
    /// Encoder width.
    pub hidden_size: usize,
    /// Dropout before the scorer during training. Default 0.1.
    #[serde(default = "default_head_dropout")]
    pub dropout: f64,
}

/// Cross-encoder pair scoring: the encoder reads `[CLS] job [SEP] resume
/// [SEP]` (see `TextTokenizer::encode_pair_batch`), and this head turns the
/// pooler output into one relevance score (a logit) per pair.
#[derive(Module, Debug)]
pub struct PairScoringHead {
    dropout: Dropout,
    scorer: Linear,
    #[module(skip)]
    config: PairScoringHeadConfig,
}

impl Head for PairScoringHead {
    type Output = Tensor<1>;

    /// # Shapes
    /// - output: scores `[batch]`
    fn forward(&self, features: EncoderFeatures) -> Tensor<1> {
        let pooled = features.pool(HeadPooling::Pooler);
        let [batch, _] = pooled.dims();
        self.scorer
            .forward(crate::dropout::apply_dropout(&self.dropout, pooled))
            .reshape([batch])
    }
}

impl SavedHead for PairScoringHead {
    type Config = PairScoringHeadConfig;
    const KIND: &'static str = "pair_scoring";

    fn config(&self) -> PairScoringHeadConfig {
        self.config.clone()
    }

    fn init(config: &PairScoringHeadConfig, device: &Device) -> Result<Self> {
        check_dropout(config.dropout)?;
        if config.hidden_size == 0 {
            return Err(ModelError::InvalidArgument(
                "hidden size must be positive".into(),
            ));
        }
        Ok(Self {
            dropout: DropoutConfig::new(config.dropout).init(),
            scorer: LinearConfig::new(config.hidden_size, 1).init(device),
            config: config.clone(),
        })
    }
}

impl EncoderWithHead<PairScoringHead> {
    /// Scores `(first, second)` text pairs, one logit each and in order,
    /// `batch_size` pairs per forward pass; `tokenizer` reads each pair as
    /// `[CLS] first [SEP] second [SEP]` (a cross-encoder: `first` is the job).
    ///
    /// # Errors
    ///
    /// Tokenizer errors, and [`ModelError::InvalidArgument`] for a batch
    /// size of 0 or scores that cannot be read back.
    pub fn score_pairs(
        &self,
        tokenizer: &jobfit_text::TextTokenizer,
        pairs: &[(&str, &str)],
        batch_size: usize,
        device: &Device,
    ) -> Result<Vec<f32>> {
        if batch_size == 0 {
            return Err(ModelError::InvalidArgument(
                "score at least one pair per pass".into(),
            ));
        }
        let mut scores = Vec::with_capacity(pairs.len());
        for batch in pairs.chunks(batch_size) {
            let encoded = tokenizer.encode_pair_batch(batch)?;
            let values = self
                .forward(BertInput::from_batch(&encoded, device))
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .map_err(|error| {
                    ModelError::InvalidArgument(format!("cannot read pair scores: {error:?}"))
                })?;
            if values.len() != batch.len() {
                return Err(ModelError::InvalidArgument(format!(
                    "the pair scorer returned {} scores for {} pairs",
                    values.len(),
                    batch.len()
                )));
            }
            scores.extend(values);
        }
        Ok(scores)
    }
}

/// Configuration of an [`EmbeddingHead`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingHeadConfig {
    /// Encoder width.
    pub hidden_size: usize,
    /// Pooling of token states. Default mean.
    #[serde(default)]
    pub pooling: Pooling,
    /// Width of an optional linear projection after pooling.
    #[serde(default)]
    pub projection: Option<usize>,
    /// L2-normalize the output. Default true.
    #[serde(default = "default_true")]
    pub normalize: bool,
}

fn default_true() -> bool {
    true
}

impl EmbeddingHeadConfig {
    /// Mean pooling, no projection, normalized: sentence-transformers' setup.
    pub fn new(hidden_size: usize) -> Self {
        Self {
            hidden_size,
            pooling: Pooling::Mean,
            projection: None,
            normalize: true,
        }
    }
}

/// Sentence embeddings: pooling, an optional projection, and L2
/// normalization.
#[derive(Module, Debug)]
pub struct EmbeddingHead {
    projection: Option<Linear>,
    #[module(skip)]
    config: EmbeddingHeadConfig,
}

impl Head for EmbeddingHead {
    type Output = Tensor<2>;

    /// # Shapes
    /// - output: `[batch, projection or hidden]`
    fn forward(&self, features: EncoderFeatures) -> Tensor<2> {
        let pooled = self.config.pooling.pool(features.hidden, features.mask);
        let projected = match &self.projection {
            Some(projection) => projection.forward(pooled),
            None => pooled,
        };
        if self.config.normalize {
            l2_normalize(projected)
        } else {
            projected
        }
    }
}

impl SavedHead for EmbeddingHead {
    type Config = EmbeddingHeadConfig;
    const KIND: &'static str = "embedding";

    fn config(&self) -> EmbeddingHeadConfig {
        self.config.clone()
    }

    fn init(config: &EmbeddingHeadConfig, device: &Device) -> Result<Self> {
        if config.hidden_size == 0 || config.projection == Some(0) {
            return Err(ModelError::InvalidArgument(
                "embedding widths must be positive".into(),
            ));
        }
        Ok(Self {
            projection: config
                .projection
                .map(|width| LinearConfig::new(config.hidden_size, width).init(device)),
            config: config.clone(),
        })
    }
}

/// An encoder with a head: the model that fine-tuning trains.
#[derive(Module, Debug)]
pub struct EncoderWithHead<H> {
    /// The encoder.
    pub encoder: BertModel,
    /// The head.
    pub head: H,
}

impl<H: Head> EncoderWithHead<H> {
    /// Composes an encoder and a head.
    pub fn new(encoder: BertModel, head: H) -> Self {
        Self { encoder, head }
    }

    /// Encoder, then head.
    pub fn forward(&self, input: BertInput) -> H::Output {
        let output = self.encoder.forward(input);
        self.head
            .forward(EncoderFeatures::new(output, &self.encoder))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BertConfig;

    fn device() -> Device {
        Device::flex()
    }

    fn input(batch: usize, seq: usize) -> BertInput {
        let ids: Vec<i64> = (0..batch * seq).map(|i| (i % 30) as i64 + 1).collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [batch, seq]), &device());
        BertInput {
            attention_mask: ids.ones_like(),
            input_ids: ids,
            token_type_ids: None,
        }
    }

    #[test]
    fn heads_produce_their_shapes() {
        let config = BertConfig::tiny(32);
        let encoder = || BertModel::init(&config, &device()).unwrap();
        let classify = EncoderWithHead::new(
            encoder(),
            ClassificationHead::init(&ClassificationHeadConfig::new(16, 5), &device()).unwrap(),
        );
        assert_eq!(classify.forward(input(3, 7)).dims(), [3, 5]);

        let pair = EncoderWithHead::new(
            encoder(),
            PairScoringHead::init(
                &PairScoringHeadConfig {
                    hidden_size: 16,
                    dropout: 0.1,
                },
                &device(),
            )
            .unwrap(),
        );
        assert_eq!(pair.forward(input(4, 6)).dims(), [4]);

        let mut embedding_config = EmbeddingHeadConfig::new(16);
        embedding_config.projection = Some(8);
        let embed = EncoderWithHead::new(
            encoder(),
            EmbeddingHead::init(&embedding_config, &device()).unwrap(),
        );
        let out = embed.forward(input(2, 5));
        assert_eq!(out.dims(), [2, 8]);
        let norms: Vec<f32> = out
            .powi_scalar(2)
            .sum_dim(1)
            .sqrt()
            .into_data()
            .try_to_vec()
            .unwrap();
        for norm in norms {
            assert!((norm - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn invalid_head_configs_are_errors() {
        assert!(
            ClassificationHead::init(&ClassificationHeadConfig::new(16, 0), &device()).is_err()
        );
        let mut config = ClassificationHeadConfig::new(16, 3);
        config.dropout = 1.5;
        assert!(ClassificationHead::init(&config, &device()).is_err());
    }
}
