//! The BERT encoder: embeddings, post-norm transformer layers with
//! padding-masked self-attention, and the optional pooler.
//!
//! The module tree mirrors Hugging Face's checkpoint names
//! (`embeddings.word_embeddings`, `encoder.layer.N.attention.self.query`, ...)
//! so that [`BertModel::load`] and [`BertModel::export`] read like the
//! checkpoint.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Embedding, LayerNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::{gelu, gelu_approximate, relu, softmax};
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use crate::config::{Activation, BertConfig};
use crate::dropout::{apply_dropout, is_active};
use crate::error::Result;
use crate::weights::{WeightReader, WeightWriter, layer_norm_from};
#[cfg(feature = "flex")]
use crate::{dropout::keep_and_seed, fused};

/// Word, position and token-type embeddings, summed and normalized.
#[derive(Module, Debug)]
pub struct BertEmbeddings {
    word_embeddings: Embedding,
    position_embeddings: Embedding,
    token_type_embeddings: Embedding,
    layer_norm: LayerNorm,
    dropout: Dropout,
}

impl BertEmbeddings {
    /// # Shapes
    /// - `input_ids`, `token_type_ids`: `[batch, seq]`
    /// - output: `[batch, seq, hidden]`
    fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [batch, seq] = input_ids.dims();
        let device = input_ids.device();
        let positions = Tensor::<1, Int>::arange(0..seq as i64, &device)
            .reshape([1, seq])
            .expand([batch, seq]);
        let x = self.word_embeddings.forward(input_ids)
            + self.position_embeddings.forward(positions)
            + self.token_type_embeddings.forward(token_type_ids);
        apply_dropout(&self.dropout, self.layer_norm.forward(x))
    }
}

/// Multi-head self-attention with its output projection, residual and
/// LayerNorm (Hugging Face's `attention.self` and `attention.output`).
#[derive(Module, Debug)]
pub struct BertAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    layer_norm: LayerNorm,
    probs_dropout: Dropout,
    hidden_dropout: Dropout,
    num_heads: usize,
    head_dim: usize,
    /// Read by the fused training kernels (the LayerNorm keeps its own).
    #[cfg_attr(not(feature = "flex"), allow(dead_code))]
    layer_norm_eps: f64,
}

impl BertAttention {
    /// # Shapes
    /// - `x`: `[batch, seq, hidden]`
    /// - `key_bias`: `[batch, seq]`, the additive padding mask: 0 at real
    ///   keys, the lowest f32 at padded keys (Hugging Face's extended mask)
    /// - output: `[batch, seq, hidden]`
    fn forward(&self, x: Tensor<3>, key_bias: Tensor<2>) -> Tensor<3> {
        let [batch, seq, hidden] = x.dims();
        let heads = |t: Tensor<3>| {
            t.reshape([batch, seq, self.num_heads, self.head_dim])
                .swap_dims(1, 2)
        };
        let q = self.query.forward(x.clone());
        let k = self.key.forward(x.clone());
        let v = self.value.forward(x.clone());

        let scale = 1.0 / (self.head_dim as f64).sqrt();
        #[cfg(feature = "flex")]
        if fused::available(&x) {
            let (keep, seed) = keep_and_seed(&self.probs_dropout, &x.device());
            let context = if seq <= fused::CONTEXT_MAX_SEQ {
                fused::attention_context(q, k, v, key_bias, self.num_heads, scale, keep, seed)
            } else {
                let scores = heads(q).matmul(heads(k).swap_dims(2, 3));
                let probs = fused::attention_probs(scores, key_bias, scale, keep, seed);
                probs
                    .matmul(heads(v))
                    .swap_dims(1, 2)
                    .reshape([batch, seq, hidden])
            };
            let projected = self.output.forward(context);
            let dropout = &self.hidden_dropout;
            return residual_norm(&self.layer_norm, self.layer_norm_eps, dropout, projected, x);
        }
        let (q, k, v) = (heads(q), heads(k), heads(v));
        // The padding goes in as an additive bias, not a boolean mask:
        // backends disagree on what `true` means in a mask (libtorch's
        // scaled_dot_product_attention attends where it is true), while an
        // additive bias means the same everywhere.
        let pad = key_bias
            .reshape([batch, 1, 1, seq])
            .expand([batch, self.num_heads, seq, seq]);
        let context = if is_active(&self.probs_dropout, &x.device()) {
            // Burn's attention operation has no dropout on the
            // probabilities.
            let probs = softmax(q.matmul(k.swap_dims(2, 3)) * scale + pad, 3);
            apply_dropout(&self.probs_dropout, probs).matmul(v)
        } else {
            attention(q, k, v, None, Some(pad), AttentionModuleOptions::default())
        };
        let context = context.swap_dims(1, 2).reshape([batch, seq, hidden]);
        let projected = apply_dropout(&self.hidden_dropout, self.output.forward(context));
        self.layer_norm.forward(projected + x)
    }
}

/// `layer_norm(dropout(x) + residual)` by the fused kernel.
#[cfg(feature = "flex")]
fn residual_norm(
    layer_norm: &LayerNorm,
    epsilon: f64,
    dropout: &Dropout,
    x: Tensor<3>,
    residual: Tensor<3>,
) -> Tensor<3> {
    let (keep, seed) = keep_and_seed(dropout, &x.device());
    let gamma = layer_norm.gamma.val();
    let beta = match &layer_norm.beta {
        Some(beta) => beta.val(),
        None => gamma.zeros_like(),
    };
    fused::residual_layer_norm(x, residual, gamma, beta, epsilon, keep, seed)
}

/// One post-norm transformer layer: attention, then the feed-forward block
/// with its residual and LayerNorm.
#[derive(Module, Debug)]
pub struct BertLayer {
    attention: BertAttention,
    intermediate: Linear,
    output: Linear,
    layer_norm: LayerNorm,
    dropout: Dropout,
    #[module(skip)]
    activation: Activation,
    #[cfg_attr(not(feature = "flex"), allow(dead_code))]
    layer_norm_eps: f64,
}

impl BertLayer {
    fn forward(&self, x: Tensor<3>, key_bias: Tensor<2>) -> Tensor<3> {
        let x = self.attention.forward(x, key_bias);
        let inner = self.intermediate.forward(x.clone());
        let inner = match self.activation {
            #[cfg(feature = "flex")]
            Activation::Gelu if fused::available(&inner) => fused::gelu(inner),
            Activation::Gelu => gelu(inner),
            Activation::GeluTanh => gelu_approximate(inner),
            Activation::Relu => relu(inner),
        };
        let out = self.output.forward(inner);
        #[cfg(feature = "flex")]
        if fused::available(&out) {
            return residual_norm(&self.layer_norm, self.layer_norm_eps, &self.dropout, out, x);
        }
        self.layer_norm
            .forward(apply_dropout(&self.dropout, out) + x)
    }
}

/// The pooler: a dense layer with tanh over the first token.
#[derive(Module, Debug)]
pub struct BertPooler {
    dense: Linear,
}

impl BertPooler {
    /// # Shapes
    /// - `hidden`: `[batch, seq, hidden]`; output `[batch, hidden]`
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<2> {
        let [batch, _, width] = hidden.dims();
        let first = hidden
            .slice([0..batch, 0..1, 0..width])
            .reshape([batch, width]);
        self.dense.forward(first).tanh()
    }
}

/// The inputs of a forward pass.
#[derive(Debug, Clone)]
pub struct BertInput {
    /// Token ids, `[batch, seq]`.
    pub input_ids: Tensor<2, Int>,
    /// Hugging Face attention mask, `[batch, seq]`: 1 at real tokens, 0 at padding.
    pub attention_mask: Tensor<2, Int>,
    /// Segment ids, `[batch, seq]`; all zeros when `None`.
    pub token_type_ids: Option<Tensor<2, Int>>,
}

impl BertInput {
    /// Tensors on `device` from an encoded batch of the tokenizer.
    pub fn from_batch(batch: &jobfit_text::EncodedBatch, device: &Device) -> Self {
        let shape = [batch.batch_size(), batch.seq_len()];
        let int = |array: &ndarray::Array2<u32>| {
            let data: Vec<i64> = array.iter().map(|&v| i64::from(v)).collect();
            Tensor::<2, Int>::from_data(TensorData::new(data, shape), device)
        };
        Self {
            input_ids: int(&batch.input_ids),
            attention_mask: int(&batch.attention_mask),
            token_type_ids: Some(int(&batch.token_type_ids)),
        }
    }
}

/// The encoder's outputs.
#[derive(Debug, Clone)]
pub struct BertOutput {
    /// Last hidden states, `[batch, seq, hidden]`.
    pub hidden: Tensor<3>,
    /// The attention mask as floats, `[batch, seq]`: 1.0 at real tokens.
    pub mask: Tensor<2>,
}

/// A BERT-architecture encoder.
#[derive(Module, Debug)]
pub struct BertModel {
    embeddings: BertEmbeddings,
    layers: Vec<BertLayer>,
    pooler: Option<BertPooler>,
}

impl BertModel {
    /// A randomly initialized encoder (Burn's default initializers), for tests
    /// and training from scratch.
    pub fn init(config: &BertConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        let h = config.hidden_size;
        let embedding = |rows: usize| burn::nn::EmbeddingConfig::new(rows, h).init(device);
        let linear =
            |d_in: usize, d_out: usize| burn::nn::LinearConfig::new(d_in, d_out).init(device);
        let norm = || layer_norm_from(vec![1.0; h], vec![0.0; h], config.layer_norm_eps, device);
        let activation = config.activation()?;
        Ok(Self {
            embeddings: BertEmbeddings {
                word_embeddings: embedding(config.vocab_size),
                position_embeddings: embedding(config.max_position_embeddings),
                token_type_embeddings: embedding(config.type_vocab_size),
                layer_norm: norm(),
                dropout: dropout(config.hidden_dropout_prob),
            },
            layers: (0..config.num_hidden_layers)
                .map(|_| BertLayer {
                    attention: BertAttention {
                        query: linear(h, h),
                        key: linear(h, h),
                        value: linear(h, h),
                        output: linear(h, h),
                        layer_norm: norm(),
                        probs_dropout: dropout(config.attention_probs_dropout_prob),
                        hidden_dropout: dropout(config.hidden_dropout_prob),
                        num_heads: config.num_attention_heads,
                        head_dim: config.head_dim(),
                        layer_norm_eps: config.layer_norm_eps,
                    },
                    intermediate: linear(h, config.intermediate_size),
                    output: linear(config.intermediate_size, h),
                    layer_norm: norm(),
                    dropout: dropout(config.hidden_dropout_prob),
                    activation,
                    layer_norm_eps: config.layer_norm_eps,
                })
                .collect(),
            pooler: Some(BertPooler {
                dense: linear(h, h),
            }),
        })
    }

    /// Builds the encoder from checkpoint tensors. The pooler is loaded when
    /// the checkpoint has one. Call [`WeightReader::finish`] afterwards to
    /// check that every tensor was set and used.
    pub fn load(config: &BertConfig, weights: &mut WeightReader, device: &Device) -> Result<Self> {
        config.validate()?;
        let h = config.hidden_size;
        let eps = config.layer_norm_eps;
        let activation = config.activation()?;
        let embeddings = BertEmbeddings {
            word_embeddings: weights.embedding(
                "embeddings.word_embeddings",
                config.vocab_size,
                h,
                device,
            ),
            position_embeddings: weights.embedding(
                "embeddings.position_embeddings",
                config.max_position_embeddings,
                h,
                device,
            ),
            token_type_embeddings: weights.embedding(
                "embeddings.token_type_embeddings",
                config.type_vocab_size,
                h,
                device,
            ),
            layer_norm: weights.layer_norm("embeddings.LayerNorm", h, eps, device),
            dropout: dropout(config.hidden_dropout_prob),
        };
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let key = |name: &str| format!("encoder.layer.{i}.{name}");
                BertLayer {
                    attention: BertAttention {
                        query: weights.linear(&key("attention.self.query"), h, h, device),
                        key: weights.linear(&key("attention.self.key"), h, h, device),
                        value: weights.linear(&key("attention.self.value"), h, h, device),
                        output: weights.linear(&key("attention.output.dense"), h, h, device),
                        layer_norm: weights.layer_norm(
                            &key("attention.output.LayerNorm"),
                            h,
                            eps,
                            device,
                        ),
                        probs_dropout: dropout(config.attention_probs_dropout_prob),
                        hidden_dropout: dropout(config.hidden_dropout_prob),
                        num_heads: config.num_attention_heads,
                        head_dim: config.head_dim(),
                        layer_norm_eps: config.layer_norm_eps,
                    },
                    intermediate: weights.linear(
                        &key("intermediate.dense"),
                        h,
                        config.intermediate_size,
                        device,
                    ),
                    output: weights.linear(
                        &key("output.dense"),
                        config.intermediate_size,
                        h,
                        device,
                    ),
                    layer_norm: weights.layer_norm(&key("output.LayerNorm"), h, eps, device),
                    dropout: dropout(config.hidden_dropout_prob),
                    activation,
                    layer_norm_eps: eps,
                }
            })
            .collect();
        let pooler = weights.contains("pooler.dense.weight").then(|| BertPooler {
            dense: weights.linear("pooler.dense", h, h, device),
        });
        Ok(Self {
            embeddings,
            layers,
            pooler,
        })
    }

    /// Collects the weights under Hugging Face names (no prefix), the inverse
    /// of [`BertModel::load`].
    pub fn export(&self, out: &mut WeightWriter) {
        let e = &self.embeddings;
        out.embedding("embeddings.word_embeddings", &e.word_embeddings);
        out.embedding("embeddings.position_embeddings", &e.position_embeddings);
        out.embedding("embeddings.token_type_embeddings", &e.token_type_embeddings);
        out.layer_norm("embeddings.LayerNorm", &e.layer_norm);
        for (i, layer) in self.layers.iter().enumerate() {
            let key = |name: &str| format!("encoder.layer.{i}.{name}");
            let a = &layer.attention;
            out.linear(&key("attention.self.query"), &a.query);
            out.linear(&key("attention.self.key"), &a.key);
            out.linear(&key("attention.self.value"), &a.value);
            out.linear(&key("attention.output.dense"), &a.output);
            out.layer_norm(&key("attention.output.LayerNorm"), &a.layer_norm);
            out.linear(&key("intermediate.dense"), &layer.intermediate);
            out.linear(&key("output.dense"), &layer.output);
            out.layer_norm(&key("output.LayerNorm"), &layer.layer_norm);
        }
        if let Some(pooler) = &self.pooler {
            out.linear("pooler.dense", &pooler.dense);
        }
    }

    /// Runs the encoder.
    ///
    /// # Shapes
    /// - input tensors: `[batch, seq]`
    /// - [`BertOutput::hidden`]: `[batch, seq, hidden]`
    pub fn forward(&self, input: BertInput) -> BertOutput {
        let token_type_ids = input
            .token_type_ids
            .unwrap_or_else(|| input.input_ids.zeros_like());
        let key_bias = input.attention_mask.clone().equal_elem(0).float() * f32::MIN;
        let mut x = self.embeddings.forward(input.input_ids, token_type_ids);
        for layer in &self.layers {
            x = layer.forward(x, key_bias.clone());
        }
        BertOutput {
            hidden: x,
            mask: input.attention_mask.float(),
        }
    }

    /// The pooler, when the checkpoint has one.
    pub fn pooler(&self) -> Option<&BertPooler> {
        self.pooler.as_ref()
    }

    /// Width of the hidden states.
    pub fn hidden_size(&self) -> usize {
        let [_, width] = self.embeddings.word_embeddings.weight.dims();
        width
    }

    /// Number of transformer layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }
}

fn dropout(prob: f64) -> Dropout {
    // `BertConfig::validate` has checked that the probability is in [0, 1).
    DropoutConfig::new(prob).init()
}

/// Weights of a linear layer in PyTorch layout, for tests in this crate.
#[cfg(test)]
pub(crate) fn test_linear(weight: Vec<f32>, bias: Vec<f32>, d_in: usize, d_out: usize) -> Linear {
    crate::weights::linear_from(weight, bias, d_in, d_out, &Device::flex())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> Device {
        Device::flex()
    }

    fn values<const D: usize>(x: Tensor<D>) -> Vec<f32> {
        x.into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .unwrap()
    }

    fn ids(rows: &[&[i64]]) -> Tensor<2, Int> {
        let shape = [rows.len(), rows[0].len()];
        let data: Vec<i64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Tensor::from_data(TensorData::new(data, shape), &device())
    }

    #[test]
    fn attention_of_one_head_matches_hand_computation() {
        // One head of width 2, identity projections, two tokens.
        let identity = || test_linear(vec![1.0, 0.0, 0.0, 1.0], vec![0.0, 0.0], 2, 2);
        let attention = BertAttention {
            query: identity(),
            key: identity(),
            value: identity(),
            output: identity(),
            layer_norm: layer_norm_from(vec![1.0; 2], vec![0.0; 2], 1e-12, &device()),
            probs_dropout: dropout(0.0),
            hidden_dropout: dropout(0.0),
            num_heads: 1,
            head_dim: 2,
            layer_norm_eps: 1e-12,
        };
        // scores = x x^T / sqrt(2) = [[1, 0], [0, 4]] / 1.41421
        let s = 2f32.sqrt();
        let p0 = [(1.0 / s).exp(), 1.0f32];
        let (z0, z1) = (p0[0] + p0[1], 1.0 + (4.0 / s).exp());
        let ctx0 = [p0[0] / z0, 2.0 * p0[1] / z0];
        let ctx1 = [1.0 / z1, 2.0 * (4.0 / s).exp() / z1];
        // residual then LayerNorm over 2 features: (a, b) -> sign(a - b) * (1, -1)
        let ln = |a: f32, b: f32| {
            let m = (a + b) / 2.0;
            let sd = (((a - m).powi(2) + (b - m).powi(2)) / 2.0 + 1e-12).sqrt();
            [(a - m) / sd, (b - m) / sd]
        };
        let expected = [ln(ctx0[0] + 1.0, ctx0[1]), ln(ctx1[0], ctx1[1] + 2.0)].concat();
        let expected_first = ln(1.0 + 1.0, 0.0);
        // Inference, and training (the fused kernels on flex).
        for device in [device(), device().autodiff()] {
            let attention = attention.clone().to_device(&device);
            let x = Tensor::<3>::from_data([[[1.0, 0.0], [0.0, 2.0]]], &device);
            let no_pad = Tensor::<2>::from_data([[0.0, 0.0]], &device);
            let out = values(attention.forward(x.clone(), no_pad));
            for (a, b) in out.iter().zip(&expected) {
                assert!((a - b).abs() < 1e-5, "{out:?} vs {expected:?}");
            }
            // A padded second token is ignored by the first.
            let pad = Tensor::<2>::from_data([[0.0, f32::MIN]], &device);
            let out = values(attention.forward(x, pad));
            assert!(
                (out[0] - expected_first[0]).abs() < 1e-5
                    && (out[1] - expected_first[1]).abs() < 1e-5
            );
        }
    }

    #[test]
    fn padding_does_not_change_real_tokens() {
        let config = BertConfig::tiny(50);
        let model = BertModel::init(&config, &device()).unwrap();
        let single = model.forward(BertInput {
            input_ids: ids(&[&[2, 7, 9, 3]]),
            attention_mask: ids(&[&[1, 1, 1, 1]]),
            token_type_ids: None,
        });
        let padded = model.forward(BertInput {
            input_ids: ids(&[&[2, 7, 9, 3, 0, 0], &[2, 5, 3, 0, 0, 0]]),
            attention_mask: ids(&[&[1, 1, 1, 1, 0, 0], &[1, 1, 1, 0, 0, 0]]),
            token_type_ids: None,
        });
        let a = values(single.hidden);
        let b = values(padded.hidden.slice([0..1, 0..4, 0..16]));
        let diff = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-5, "max diff {diff}");
    }

    #[test]
    fn training_runs_the_encoder_that_inference_runs() {
        // On an autodiff device over flex the layers end in the fused
        // kernels; without dropout they compute what inference computes.
        let config = BertConfig::tiny(50);
        let model = BertModel::init(&config, &device()).unwrap();
        let input = |device: &Device| {
            let ids = |rows: &[&[i64]]| ids(rows).to_device(device);
            BertInput {
                input_ids: ids(&[&[2, 7, 9, 3, 0, 0], &[2, 5, 3, 0, 0, 0]]),
                attention_mask: ids(&[&[1, 1, 1, 1, 0, 0], &[1, 1, 1, 0, 0, 0]]),
                token_type_ids: None,
            }
        };
        let inference = values(model.forward(input(&device())).hidden);
        let autodiff = device().autodiff();
        let training = model.clone().to_device(&autodiff);
        let trained = values(training.forward(input(&autodiff)).hidden);
        let diff = inference
            .iter()
            .zip(&trained)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-5, "max diff {diff}");
    }

    #[test]
    fn export_then_load_round_trips_exactly() {
        let config = BertConfig::tiny(40);
        let model = BertModel::init(&config, &device()).unwrap();
        let mut writer = WeightWriter::new();
        model.export(&mut writer);
        let bytes = writer.to_bytes(Default::default()).unwrap();
        let mut reader = WeightReader::from_bytes(&bytes, std::path::Path::new("memory")).unwrap();
        let loaded = BertModel::load(&config, &mut reader, &device()).unwrap();
        reader.finish().unwrap();
        let input = || BertInput {
            input_ids: ids(&[&[2, 11, 13, 3]]),
            attention_mask: ids(&[&[1, 1, 1, 1]]),
            token_type_ids: None,
        };
        assert_eq!(
            values(model.forward(input()).hidden),
            values(loaded.forward(input()).hidden)
        );
    }

    #[test]
    fn missing_and_unused_tensors_are_listed() {
        let config = BertConfig::tiny(40);
        let model = BertModel::init(&config, &device()).unwrap();
        let mut writer = WeightWriter::new();
        model.export(&mut writer);
        let bytes = writer.to_bytes(Default::default()).unwrap();
        // One fewer layer in the file than the configuration asks for: the
        // model misses layer 1, and nothing is unused.
        let mut bigger = config.clone();
        bigger.num_hidden_layers = 3;
        let mut reader =
            WeightReader::from_bytes(&bytes, std::path::Path::new("w.safetensors")).unwrap();
        BertModel::load(&bigger, &mut reader, &device()).unwrap();
        let error = reader.finish().unwrap_err().to_string();
        assert!(
            error.contains("encoder.layer.2.attention.self.query.weight"),
            "{error}"
        );
        assert!(error.contains("16 missing"), "{error}");

        let mut smaller = config.clone();
        smaller.num_hidden_layers = 1;
        let mut reader =
            WeightReader::from_bytes(&bytes, std::path::Path::new("w.safetensors")).unwrap();
        BertModel::load(&smaller, &mut reader, &device()).unwrap();
        let error = reader.finish().unwrap_err().to_string();
        assert!(error.contains("0 missing"), "{error}");
        assert!(
            error.contains("encoder.layer.1.output.dense.bias"),
            "{error}"
        );
    }

    #[test]
    fn wrong_shape_names_key_and_both_shapes() {
        let config = BertConfig::tiny(40);
        let model = BertModel::init(&config, &device()).unwrap();
        let mut writer = WeightWriter::new();
        model.export(&mut writer);
        let bytes = writer.to_bytes(Default::default()).unwrap();
        let mut wider = config.clone();
        wider.intermediate_size = 48;
        let mut reader = WeightReader::from_bytes(&bytes, std::path::Path::new("w")).unwrap();
        BertModel::load(&wider, &mut reader, &device()).unwrap();
        let error = reader.finish().unwrap_err().to_string();
        assert!(
            error.contains("encoder.layer.0.intermediate.dense.weight"),
            "{error}"
        );
        assert!(
            error.contains("[32, 16]") && error.contains("[48, 16]"),
            "{error}"
        );
    }
}
