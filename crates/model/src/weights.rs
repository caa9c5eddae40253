//! Reading and writing Hugging Face safetensors weights.
//!
//! [`WeightReader`] hands tensors to the model's constructors by their
//! checkpoint names and remembers which ones were taken, so that a load ends
//! with an exact account: every model tensor set, every file tensor used.
//! [`WeightWriter`] collects tensors under the same names and writes a file
//! that Hugging Face `transformers` loads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use safetensors::{Dtype, SafeTensors};

use crate::error::{ModelError, Result};

/// File tensors that are buffers, not weights: present in many checkpoints,
/// recomputed by the model, never an error when left unused.
const BUFFER_SUFFIXES: &[&str] = &["embeddings.position_ids", "embeddings.token_type_ids"];

/// Prefixes of pretraining heads (masked-LM and next-sentence) that ship with
/// BERT checkpoints and are not part of the encoder.
const PRETRAINING_HEAD_PREFIXES: &[&str] = &["cls."];

/// A tensor read from a file, converted to f32.
#[derive(Debug, Clone)]
struct RawTensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

/// Hands out the tensors of a safetensors file by name.
#[derive(Debug)]
pub struct WeightReader {
    path: PathBuf,
    prefix: String,
    tensors: BTreeMap<String, RawTensor>,
    taken: BTreeSet<String>,
    missing: Vec<String>,
    shape_error: Option<ModelError>,
}

impl WeightReader {
    /// Reads every tensor of `path`.
    ///
    /// The encoder's key prefix (none, `bert.`, `model.`, ...) is found from
    /// the word embeddings so that checkpoints saved from task models load
    /// as well as bare encoders.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses safetensors bytes; `path` is used in messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let file = SafeTensors::deserialize(bytes).map_err(|error| ModelError::Safetensors {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        let mut tensors = BTreeMap::new();
        for (name, view) in file.iter() {
            let data = to_f32(name, view.dtype(), view.data())?;
            tensors.insert(
                name.to_string(),
                RawTensor {
                    shape: view.shape().to_vec(),
                    data,
                },
            );
        }
        let prefix = tensors
            .keys()
            .find_map(|key| key.strip_suffix("embeddings.word_embeddings.weight"))
            .unwrap_or("")
            .to_string();
        Ok(Self {
            path: path.to_path_buf(),
            prefix,
            tensors,
            taken: BTreeSet::new(),
            missing: Vec::new(),
            shape_error: None,
        })
    }

    /// The prefix in front of every encoder key (for example `"bert."`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether the file holds `key` (after the prefix).
    pub fn contains(&self, key: &str) -> bool {
        self.tensors.contains_key(&format!("{}{key}", self.prefix))
    }

    /// Whether the file holds `key` exactly, without the encoder prefix.
    pub fn contains_exact(&self, key: &str) -> bool {
        self.tensors.contains_key(key)
    }

    /// Takes the tensor `key` (after the prefix) with the expected shape.
    ///
    /// A missing tensor or a wrong shape is recorded and reported by
    /// [`WeightReader::finish`]; zeros stand in meanwhile so construction can
    /// go on and report every problem at once.
    pub fn take(&mut self, key: &str, shape: &[usize]) -> Vec<f32> {
        let full = format!("{}{key}", self.prefix);
        self.take_exact(&full, shape)
    }

    /// Like [`WeightReader::take`], for a key outside the encoder prefix.
    pub fn take_exact(&mut self, full: &str, shape: &[usize]) -> Vec<f32> {
        let zeros = || vec![0.0; shape.iter().product()];
        match self.tensors.get(full) {
            None => {
                self.missing.push(full.to_string());
                zeros()
            }
            Some(raw) if raw.shape != shape => {
                if self.shape_error.is_none() {
                    self.shape_error = Some(ModelError::ShapeMismatch {
                        key: full.to_string(),
                        found: raw.shape.clone(),
                        expected: shape.to_vec(),
                    });
                }
                self.taken.insert(full.to_string());
                zeros()
            }
            Some(raw) => {
                self.taken.insert(full.to_string());
                raw.data.clone()
            }
        }
    }

    /// A linear layer from PyTorch's `{key}.weight` `[out, in]` and
    /// `{key}.bias` `[out]`; Burn stores the weight as `[in, out]`.
    pub fn linear(&mut self, key: &str, d_in: usize, d_out: usize, device: &Device) -> Linear {
        let weight = self.take(&format!("{key}.weight"), &[d_out, d_in]);
        let bias = self.take(&format!("{key}.bias"), &[d_out]);
        linear_from(weight, bias, d_in, d_out, device)
    }

    /// A LayerNorm from `{key}.weight` and `{key}.bias` (or the older
    /// `gamma` / `beta` names).
    pub fn layer_norm(&mut self, key: &str, width: usize, eps: f64, device: &Device) -> LayerNorm {
        let (gamma_key, beta_key) = if self.contains(&format!("{key}.gamma")) {
            (format!("{key}.gamma"), format!("{key}.beta"))
        } else {
            (format!("{key}.weight"), format!("{key}.bias"))
        };
        let gamma = self.take(&gamma_key, &[width]);
        let beta = self.take(&beta_key, &[width]);
        layer_norm_from(gamma, beta, eps, device)
    }

    /// An embedding table from `{key}.weight` `[rows, width]`.
    pub fn embedding(
        &mut self,
        key: &str,
        rows: usize,
        width: usize,
        device: &Device,
    ) -> Embedding {
        let weight = self.take(&format!("{key}.weight"), &[rows, width]);
        Embedding {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(weight, [rows, width]),
                device,
            )),
        }
    }

    /// Ends the load: fails on the first wrong shape, then on any missing
    /// tensor or any unused file tensor (buffers and pretraining heads
    /// excepted), naming them all.
    pub fn finish(self) -> Result<()> {
        if let Some(error) = self.shape_error {
            return Err(error);
        }
        let unused: Vec<String> = self
            .tensors
            .keys()
            .filter(|key| !self.taken.contains(*key))
            .filter(|key| !BUFFER_SUFFIXES.iter().any(|suffix| key.ends_with(suffix)))
            .filter(|key| {
                !PRETRAINING_HEAD_PREFIXES
                    .iter()
                    .any(|prefix| key.starts_with(prefix))
            })
            .cloned()
            .collect();
        if self.missing.is_empty() && unused.is_empty() {
            Ok(())
        } else {
            Err(ModelError::WeightsMismatch {
                path: self.path,
                missing: self.missing,
                unused,
            })
        }
    }
}

fn to_f32(name: &str, dtype: Dtype, bytes: &[u8]) -> Result<Vec<f32>> {
    let words = |size: usize| bytes.chunks_exact(size);
    Ok(match dtype {
        Dtype::F32 => words(4)
            .map(|w| f32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect(),
        Dtype::F16 => words(2)
            .map(|w| half::f16::from_le_bytes([w[0], w[1]]).to_f32())
            .collect(),
        Dtype::BF16 => words(2)
            .map(|w| half::bf16::from_le_bytes([w[0], w[1]]).to_f32())
            .collect(),
        // Integer buffers (position ids) are never weights; keep them as
        // numbers so they can be recognised and skipped.
        Dtype::I64 => words(8)
            .map(|w| i64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) as f32)
            .collect(),
        other => {
            return Err(ModelError::UnsupportedDtype {
                key: name.to_string(),
                dtype: format!("{other:?}"),
            });
        }
    })
}

/// A linear layer from a PyTorch-layout weight `[out, in]` and a bias.
pub(crate) fn linear_from(
    weight: Vec<f32>,
    bias: Vec<f32>,
    d_in: usize,
    d_out: usize,
    device: &Device,
) -> Linear {
    // Transpose on the host so the parameter is contiguous, exactly like a
    // freshly initialized layer (a strided view would pick other kernels and
    // round differently).
    let mut transposed = vec![0.0; weight.len()];
    for (row, chunk) in weight.chunks_exact(d_in).enumerate() {
        for (col, &value) in chunk.iter().enumerate() {
            transposed[col * d_out + row] = value;
        }
    }
    let weight = Tensor::<2>::from_data(TensorData::new(transposed, [d_in, d_out]), device);
    Linear {
        weight: Param::from_tensor(weight),
        bias: Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(bias, [d_out]),
            device,
        ))),
    }
}

/// A LayerNorm with the given parameters.
pub(crate) fn layer_norm_from(
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f64,
    device: &Device,
) -> LayerNorm {
    let width = gamma.len();
    let mut norm = LayerNormConfig::new(width).with_epsilon(eps).init(device);
    norm.gamma = Param::from_tensor(Tensor::from_data(TensorData::new(gamma, [width]), device));
    norm.beta = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(beta, [width]),
        device,
    )));
    norm
}

/// Collects tensors under checkpoint names and writes a safetensors file.
#[derive(Debug, Default)]
pub struct WeightWriter {
    tensors: BTreeMap<String, RawTensor>,
}

impl WeightWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tensor.
    pub fn tensor<const D: usize>(&mut self, key: &str, tensor: Tensor<D>) {
        let shape = tensor.dims().to_vec();
        let data = tensor
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .unwrap_or_default();
        self.tensors
            .insert(key.to_string(), RawTensor { shape, data });
    }

    /// Adds a linear layer in PyTorch layout (`weight` `[out, in]`, `bias`).
    pub fn linear(&mut self, key: &str, linear: &Linear) {
        self.tensor(&format!("{key}.weight"), linear.weight.val().transpose());
        if let Some(bias) = &linear.bias {
            self.tensor(&format!("{key}.bias"), bias.val());
        }
    }

    /// Adds a LayerNorm as `weight` and `bias`.
    pub fn layer_norm(&mut self, key: &str, norm: &LayerNorm) {
        self.tensor(&format!("{key}.weight"), norm.gamma.val());
        if let Some(beta) = &norm.beta {
            self.tensor(&format!("{key}.bias"), beta.val());
        }
    }

    /// Adds an embedding table as `weight`.
    pub fn embedding(&mut self, key: &str, embedding: &Embedding) {
        self.tensor(&format!("{key}.weight"), embedding.weight.val());
    }

    /// The data of a collected tensor (logical row-major order).
    pub fn get(&self, key: &str) -> Option<&[f32]> {
        self.tensors.get(key).map(|raw| raw.data.as_slice())
    }

    /// The names collected so far.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// Serializes to safetensors bytes with `metadata` (`{"format": "pt"}`
    /// is always set, as `transformers` expects).
    pub fn to_bytes(&self, metadata: BTreeMap<String, String>) -> Result<Vec<u8>> {
        let bytes: Vec<(&String, &RawTensor, Vec<u8>)> = self
            .tensors
            .iter()
            .map(|(name, raw)| {
                let bytes = raw
                    .data
                    .iter()
                    .flat_map(|value| value.to_le_bytes())
                    .collect();
                (name, raw, bytes)
            })
            .collect();
        let views = bytes
            .iter()
            .map(|(name, raw, bytes)| {
                safetensors::tensor::TensorView::new(Dtype::F32, raw.shape.clone(), bytes)
                    .map(|view| (name.to_string(), view))
                    .map_err(|error| ModelError::InvalidArgument(format!("tensor {name}: {error}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut info: std::collections::HashMap<String, String> = metadata.into_iter().collect();
        info.insert("format".to_string(), "pt".to_string());
        safetensors::serialize(views, Some(info)).map_err(|error| {
            ModelError::InvalidArgument(format!("cannot serialize weights: {error}"))
        })
    }

    /// Writes the file atomically (a temporary file renamed into place).
    pub fn write(&self, path: &Path, metadata: BTreeMap<String, String>) -> Result<()> {
        crate::fsutil::write_atomic(path, &self.to_bytes(metadata)?)
    }
}
