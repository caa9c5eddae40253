//! A CPU inference path for the BERT encoder, outside Burn: weights packed
//! once for a register-blocked matrix multiply, the sequences of a batch
//! packed back to back so no work is spent on padding, QKV fused into one
//! product, GELU and bias fused into the products' epilogues, and AVX-512 or
//! AVX2 kernels chosen at run time with a portable fallback.
//!
//! It computes the same function as [`crate::BertModel`] (same weights, same
//! operations); only the order of floating-point additions differs, well
//! inside the 1e-5 parity budget. Training always uses the Burn model.

mod attention;
mod gemm;
pub(crate) mod math;
mod quant;

use rayon::prelude::*;

pub use gemm::Isa;

use crate::bert::BertModel;
use crate::config::{Activation, BertConfig};
use crate::error::{ModelError, Result};
use crate::pooling::Pooling;
use crate::weights::WeightWriter;
use attention::SeqRange;
use gemm::{Epilogue, PackedMatrix};
use quant::QuantMatrix;

/// The numeric precision of the linear layers.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Precision {
    /// 32-bit floats: the same results as the reference within 1e-5.
    #[default]
    F32,
    /// Dynamic int8: weights quantized per output column, activations per
    /// token at run time, int32 accumulation (AVX-512 VNNI where available).
    /// Faster, with a small accuracy cost (see the benchmarks).
    Int8,
}

/// A linear layer in either precision.
#[derive(Debug, Clone)]
enum Linear {
    F32(PackedMatrix),
    Int8(QuantMatrix),
}

impl Linear {
    fn new(
        weight: &[f32],
        bias: &[f32],
        k: usize,
        n: usize,
        isa: Isa,
        precision: Precision,
    ) -> Self {
        match precision {
            Precision::F32 => Linear::F32(PackedMatrix::new(weight, bias, k, n, isa)),
            Precision::Int8 => Linear::Int8(QuantMatrix::new(weight, bias, k, n, isa)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn matmul(
        &self,
        a: &[f32],
        lda: usize,
        m: usize,
        c: &mut [f32],
        ldc: usize,
        accumulate: bool,
        epilogue: Epilogue,
    ) {
        match self {
            Linear::F32(matrix) => matrix.matmul(a, lda, m, c, ldc, accumulate, epilogue),
            Linear::Int8(matrix) => matrix.matmul(a, lda, m, c, ldc, accumulate, epilogue),
        }
    }
}

/// The word-embedding table: most of a multilingual model's weights (250k
/// rows for e5), read one row per token.
#[derive(Debug, Clone)]
enum WordTable {
    /// As loaded.
    F32(Vec<f32>),
    /// Half the memory; each row is widened to f32 when it is looked up.
    F16(Vec<half::f16>),
}

impl WordTable {
    /// Adds row `id` (`width` values) into `out` as `out = (word + typ) + pos`,
    /// Hugging Face's order of the embedding sum.
    fn sum_into(&self, id: usize, width: usize, typ: &[f32], pos: &[f32], out: &mut [f32]) {
        match self {
            WordTable::F32(table) => {
                let word = &table[id * width..][..width];
                for (((o, &w), &t), &p) in out.iter_mut().zip(word).zip(typ).zip(pos) {
                    *o = (w + t) + p;
                }
            }
            WordTable::F16(table) => {
                let word = &table[id * width..][..width];
                for (((o, &w), &t), &p) in out.iter_mut().zip(word).zip(typ).zip(pos) {
                    *o = (w.to_f32() + t) + p;
                }
            }
        }
    }

    /// Bytes held.
    fn bytes(&self) -> usize {
        match self {
            WordTable::F32(table) => table.len() * 4,
            WordTable::F16(table) => table.len() * 2,
        }
    }
}

/// One transformer layer, packed.
#[derive(Debug, Clone)]
struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: (Vec<f32>, Vec<f32>),
    intermediate: Linear,
    output: Linear,
    output_norm: (Vec<f32>, Vec<f32>),
}

/// The encoder, packed for CPU inference.
#[derive(Debug, Clone)]
pub struct FastEncoder {
    isa: Isa,
    precision: Precision,
    hidden: usize,
    heads: usize,
    intermediate: usize,
    eps: f32,
    max_positions: usize,
    word: WordTable,
    position: Vec<f32>,
    token_type: Vec<f32>,
    type_vocab: usize,
    vocab: usize,
    embedding_norm: (Vec<f32>, Vec<f32>),
    layers: Vec<Layer>,
}

/// One sequence to encode: token ids and token type ids (special tokens
/// included, no padding).
#[derive(Debug, Clone, Copy)]
pub struct SeqInput<'a> {
    /// Token ids.
    pub ids: &'a [u32],
    /// Token type ids (same length as `ids`).
    pub type_ids: &'a [u32],
}

impl FastEncoder {
    /// Packs the weights of `model` for the widest kernels this CPU runs.
    ///
    /// Fails for activations the fast path does not implement (only exact
    /// GELU is fused); callers then keep using the Burn model.
    pub fn from_model(model: &BertModel, config: &BertConfig) -> Result<Self> {
        Self::from_model_with(model, config, Isa::detect(), Precision::F32)
    }

    /// Like [`FastEncoder::from_model`] with a chosen instruction set (tests
    /// use it to check every kernel family on one machine).
    pub fn from_model_with_isa(model: &BertModel, config: &BertConfig, isa: Isa) -> Result<Self> {
        Self::from_model_with(model, config, isa, Precision::F32)
    }

    /// Like [`FastEncoder::from_model`] with a chosen instruction set and
    /// precision.
    pub fn from_model_with(
        model: &BertModel,
        config: &BertConfig,
        isa: Isa,
        precision: Precision,
    ) -> Result<Self> {
        if config.activation()? != Activation::Gelu {
            return Err(ModelError::InvalidArgument(format!(
                "the fast CPU path implements exact GELU only, not {:?}",
                config.hidden_act
            )));
        }
        let mut writer = WeightWriter::new();
        model.export(&mut writer);
        let get = |key: &str| -> Result<Vec<f32>> {
            writer
                .get(key)
                .map(<[f32]>::to_vec)
                .ok_or_else(|| ModelError::InvalidArgument(format!("encoder has no tensor {key}")))
        };
        let h = config.hidden_size;
        let inter = config.intermediate_size;
        // PyTorch layout [out, in] -> [in, out] for the packer.
        let transpose = |w: Vec<f32>, out: usize, inp: usize| -> Vec<f32> {
            let mut t = vec![0.0; w.len()];
            for o in 0..out {
                for i in 0..inp {
                    t[i * out + o] = w[o * inp + i];
                }
            }
            t
        };
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let key = |name: &str| format!("encoder.layer.{i}.{name}");
            // Q, K and V side by side: one product of width 3h.
            let mut qkv_weight = vec![0.0; h * 3 * h];
            let mut qkv_bias = Vec::with_capacity(3 * h);
            for (part, name) in ["query", "key", "value"].iter().enumerate() {
                let w = transpose(get(&key(&format!("attention.self.{name}.weight")))?, h, h);
                for row in 0..h {
                    qkv_weight[row * 3 * h + part * h..row * 3 * h + (part + 1) * h]
                        .copy_from_slice(&w[row * h..(row + 1) * h]);
                }
                qkv_bias.extend(get(&key(&format!("attention.self.{name}.bias")))?);
            }
            let linear = |name: &str, out: usize, inp: usize| -> Result<Linear> {
                let w = transpose(get(&key(&format!("{name}.weight")))?, out, inp);
                let bias = get(&key(&format!("{name}.bias")))?;
                Ok(Linear::new(&w, &bias, inp, out, isa, precision))
            };
            let norm = |name: &str| -> Result<(Vec<f32>, Vec<f32>)> {
                Ok((
                    get(&key(&format!("{name}.weight")))?,
                    get(&key(&format!("{name}.bias")))?,
                ))
            };
            layers.push(Layer {
                qkv: Linear::new(&qkv_weight, &qkv_bias, h, 3 * h, isa, precision),
                attention_out: linear("attention.output.dense", h, h)?,
                attention_norm: norm("attention.output.LayerNorm")?,
                intermediate: linear("intermediate.dense", inter, h)?,
                output: linear("output.dense", h, inter)?,
                output_norm: norm("output.LayerNorm")?,
            });
        }
        Ok(Self {
            isa,
            precision,
            hidden: h,
            heads: config.num_attention_heads,
            intermediate: inter,
            eps: config.layer_norm_eps as f32,
            max_positions: config.max_position_embeddings,
            word: WordTable::F32(get("embeddings.word_embeddings.weight")?),
            position: get("embeddings.position_embeddings.weight")?,
            token_type: get("embeddings.token_type_embeddings.weight")?,
            type_vocab: config.type_vocab_size,
            vocab: config.vocab_size,
            embedding_norm: (
                get("embeddings.LayerNorm.weight")?,
                get("embeddings.LayerNorm.bias")?,
            ),
            layers,
        })
    }

    /// The instruction set the kernels use.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The precision of the linear layers.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Stores the word-embedding table in f16 (`true`) or f32: half the
    /// memory of the largest tensor of a multilingual model (384 MB -> 192 MB
    /// for multilingual-e5-small), each row widened back to f32 when a token
    /// is looked up. The rounding moves embeddings by about 1e-6 (see the
    /// benchmark report); everything after the lookup is unchanged.
    #[must_use]
    pub fn with_f16_word_table(mut self, f16: bool) -> Self {
        self.word = match (self.word, f16) {
            (WordTable::F32(table), true) => {
                WordTable::F16(table.iter().map(|&v| half::f16::from_f32(v)).collect())
            }
            (WordTable::F16(table), false) => {
                WordTable::F32(table.iter().map(|v| v.to_f32()).collect())
            }
            (table, _) => table,
        };
        self
    }

    /// Whether the word-embedding table is stored in f16.
    pub fn has_f16_word_table(&self) -> bool {
        matches!(self.word, WordTable::F16(_))
    }

    /// Bytes held by the word-embedding table.
    pub fn word_table_bytes(&self) -> usize {
        self.word.bytes()
    }

    /// Encodes sequences and pools each into one vector (`[seqs, hidden]`,
    /// row-major), L2-normalized when `normalize`.
    pub fn embed(
        &self,
        seqs: &[SeqInput<'_>],
        pooling: Pooling,
        normalize: bool,
    ) -> Result<Vec<f32>> {
        let (hidden_states, ranges) = self.encode(seqs, &mut |_, _| {})?;
        let h = self.hidden;
        let mut out = vec![0.0f32; seqs.len() * h];
        out.par_chunks_mut(h)
            .zip(ranges.par_iter())
            .for_each(|(row, seq)| {
                let states = &hidden_states[seq.start * h..(seq.start + seq.len) * h];
                pool(states, h, pooling, row);
                if normalize {
                    let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                    row.iter_mut().for_each(|v| *v /= norm);
                }
            });
        Ok(out)
    }

    /// Runs the encoder: the last hidden states of all tokens, packed
    /// (`[total tokens, hidden]`), and where each sequence's rows are.
    ///
    /// `lap` is told how long each stage took (for profiling).
    fn encode(
        &self,
        seqs: &[SeqInput<'_>],
        lap: &mut dyn FnMut(Stage, std::time::Duration),
    ) -> Result<(Vec<f32>, Vec<SeqRange>)> {
        let h = self.hidden;
        let mut ranges = Vec::with_capacity(seqs.len());
        let mut total = 0;
        for seq in seqs {
            if seq.ids.len() != seq.type_ids.len() {
                return Err(ModelError::InvalidArgument(
                    "ids and type ids differ in length".into(),
                ));
            }
            if seq.ids.len() > self.max_positions {
                return Err(ModelError::InvalidArgument(format!(
                    "a sequence of {} tokens exceeds the model's {} positions",
                    seq.ids.len(),
                    self.max_positions
                )));
            }
            if let Some(&id) = seq.ids.iter().find(|&&id| id as usize >= self.vocab) {
                return Err(ModelError::InvalidArgument(format!(
                    "token id {id} is outside the vocabulary of {}",
                    self.vocab
                )));
            }
            if let Some(&t) = seq
                .type_ids
                .iter()
                .find(|&&t| t as usize >= self.type_vocab)
            {
                return Err(ModelError::InvalidArgument(format!(
                    "token type {t} is out of range"
                )));
            }
            ranges.push(SeqRange {
                start: total,
                len: seq.ids.len(),
            });
            total += seq.ids.len();
        }

        let mut clock = std::time::Instant::now();
        let mut lap = |stage: Stage| {
            let now = std::time::Instant::now();
            lap(stage, now - clock);
            clock = now;
        };
        // Embeddings + LayerNorm.
        let mut x = vec![0.0f32; total * h];
        let mut per_seq: Vec<&mut [f32]> = Vec::with_capacity(seqs.len());
        let mut rest = x.as_mut_slice();
        for seq in seqs {
            let (head, tail) = rest.split_at_mut(seq.ids.len() * h);
            per_seq.push(head);
            rest = tail;
        }
        per_seq
            .into_par_iter()
            .zip(seqs.par_iter())
            .for_each(|(rows, seq)| {
                for (position, (row, (&id, &type_id))) in rows
                    .chunks_exact_mut(h)
                    .zip(seq.ids.iter().zip(seq.type_ids))
                    .enumerate()
                {
                    let pos = &self.position[position * h..][..h];
                    let typ = &self.token_type[type_id as usize * h..][..h];
                    // Hugging Face's order: (word + token type) + position.
                    self.word.sum_into(id as usize, h, typ, pos, row);
                }
            });
        self.norm_rows(&mut x, &self.embedding_norm);
        lap(Stage::Embeddings);

        let mut qkv = vec![0.0f32; total * 3 * h];
        let mut ctx = vec![0.0f32; total * h];
        let mut inter = vec![0.0f32; total * self.intermediate];
        let mut attn = vec![0.0f32; total * h];
        for layer in &self.layers {
            layer
                .qkv
                .matmul(&x, h, total, &mut qkv, 3 * h, false, Epilogue::Bias);
            lap(Stage::Qkv);
            attention::attention(self.isa, &qkv, &mut ctx, &ranges, h, self.heads);
            lap(Stage::Attention);
            // attn = LN(ctx · Wo + bo + x)
            attn.copy_from_slice(&x);
            layer
                .attention_out
                .matmul(&ctx, h, total, &mut attn, h, true, Epilogue::Bias);
            lap(Stage::AttentionOutput);
            self.norm_rows(&mut attn, &layer.attention_norm);
            lap(Stage::LayerNorm);
            // x = LN(gelu(attn · Wi + bi) · Wo2 + bo2 + attn)
            layer.intermediate.matmul(
                &attn,
                h,
                total,
                &mut inter,
                self.intermediate,
                false,
                Epilogue::BiasGelu,
            );
            lap(Stage::Intermediate);
            x.copy_from_slice(&attn);
            layer.output.matmul(
                &inter,
                self.intermediate,
                total,
                &mut x,
                h,
                true,
                Epilogue::Bias,
            );
            lap(Stage::Output);
            self.norm_rows(&mut x, &layer.output_norm);
            lap(Stage::LayerNorm);
        }
        Ok((x, ranges))
    }

    fn norm_rows(&self, x: &mut [f32], (gamma, beta): &(Vec<f32>, Vec<f32>)) {
        let h = self.hidden;
        let isa = self.isa;
        let eps = self.eps;
        x.par_chunks_mut(64 * h)
            .for_each(|rows| math::layer_norm(isa, rows, h, gamma, beta, eps));
    }
}

/// Stages of a forward pass, for profiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Stage {
    Embeddings,
    Qkv,
    Attention,
    AttentionOutput,
    LayerNorm,
    Intermediate,
    Output,
}

/// Pools one sequence's hidden states (`[len, width]`) into `out`.
fn pool(states: &[f32], width: usize, pooling: Pooling, out: &mut [f32]) {
    let len = states.len() / width;
    match pooling {
        Pooling::Cls => out.copy_from_slice(&states[..width]),
        Pooling::Max => {
            out.copy_from_slice(&states[..width]);
            for row in states.chunks_exact(width).skip(1) {
                for (o, &v) in out.iter_mut().zip(row) {
                    *o = o.max(v);
                }
            }
        }
        Pooling::Mean | Pooling::MeanSqrtLen => {
            out.iter_mut().for_each(|o| *o = 0.0);
            for row in states.chunks_exact(width) {
                for (o, &v) in out.iter_mut().zip(row) {
                    *o += v;
                }
            }
            let divisor = if pooling == Pooling::Mean {
                (len as f32).max(1e-9)
            } else {
                (len as f32).sqrt().max(1e-9)
            };
            out.iter_mut().for_each(|o| *o /= divisor);
        }
    }
}

/// Where the time of a forward pass goes (run with
/// `cargo test --release -p jobfit-model stage_profile -- --ignored --nocapture`).
#[cfg(test)]
mod probe {
    use super::*;

    #[test]
    #[ignore = "a measurement, not a check"]
    fn stage_profile() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
        let workload = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/bench/workload.jsonl");
        let (Ok(text), true) = (std::fs::read_to_string(&workload), dir.exists()) else {
            eprintln!("skipping: model or workload missing");
            return;
        };
        let device = burn::prelude::Device::flex();
        let pretrained = crate::Pretrained::load(&dir, &device).unwrap();
        let tokenizer = pretrained.tokenizer.clone().with_max_length(128).unwrap();
        let texts: Vec<String> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["kind"] == "long")
            .filter_map(|v| v["text"].as_str().map(str::to_string))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let encodings = tokenizer.encode_all(&refs).unwrap();
        let precision = if std::env::var("JOBFIT_PRECISION").as_deref() == Ok("int8") {
            Precision::Int8
        } else {
            Precision::F32
        };
        let fast = FastEncoder::from_model_with(
            &pretrained.model,
            &pretrained.config,
            Isa::detect(),
            precision,
        )
        .unwrap();
        let mut totals = std::collections::BTreeMap::<String, f64>::new();
        let start = std::time::Instant::now();
        for batch in encodings.chunks(32) {
            let inputs: Vec<SeqInput<'_>> = batch
                .iter()
                .map(|e| SeqInput {
                    ids: &e.ids,
                    type_ids: &e.type_ids,
                })
                .collect();
            fast.encode(&inputs, &mut |stage, time| {
                *totals.entry(format!("{stage:?}")).or_default() += time.as_secs_f64();
            })
            .unwrap();
        }
        let wall = start.elapsed().as_secs_f64();
        println!(
            "{} texts in {wall:.2} s = {:.1} texts/s (threads {})",
            texts.len(),
            texts.len() as f64 / wall,
            rayon::current_num_threads()
        );
        for (stage, secs) in totals {
            println!("{stage:>16}: {secs:.3} s ({:.1}%)", 100.0 * secs / wall);
        }
    }
}
