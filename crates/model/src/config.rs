//! Model configuration read from a Hugging Face model directory:
//! `config.json` and sentence-transformers' pooling and length settings.

use std::path::{Path, PathBuf};

use jobfit_text::Prompts;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::pooling::Pooling;

/// Model types whose checkpoints follow BERT's architecture.
pub const SUPPORTED_MODEL_TYPES: &[&str] = &["bert"];

/// Activations the feed-forward block supports.
pub const SUPPORTED_ACTIVATIONS: &[&str] = &["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"];

/// The feed-forward activation of a BERT layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Activation {
    /// Exact GELU, `x * Φ(x)` with the error function (BERT's `gelu`).
    #[serde(rename = "gelu")]
    Gelu,
    /// GELU with the tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    #[serde(rename = "gelu_new", alias = "gelu_pytorch_tanh")]
    GeluTanh,
    /// `max(x, 0)`.
    #[serde(rename = "relu")]
    Relu,
}

impl Activation {
    fn parse(name: &str) -> Result<Self> {
        match name {
            "gelu" => Ok(Self::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" => Ok(Self::GeluTanh),
            "relu" => Ok(Self::Relu),
            other => Err(ModelError::UnsupportedActivation {
                activation: other.to_string(),
                supported: SUPPORTED_ACTIVATIONS.join(", "),
            }),
        }
    }
}

/// The architecture of a BERT-family encoder, with Hugging Face's
/// `config.json` field names.
///
/// Deserializing does not validate: call [`BertConfig::validate`], or load with
/// [`BertConfig::from_file`] which does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    /// `"bert"`: BERT, MiniLM and other checkpoints of BERT's architecture.
    #[serde(default = "default_model_type")]
    pub model_type: String,
    /// Size of the token vocabulary.
    pub vocab_size: usize,
    /// Width of every hidden state.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer; must divide `hidden_size`.
    pub num_attention_heads: usize,
    /// Width of the feed-forward block.
    pub intermediate_size: usize,
    /// Feed-forward activation name (`gelu`, `gelu_new`, `relu`).
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    /// Dropout on hidden states during training. Default 0.1.
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    /// Dropout on attention probabilities during training. Default 0.1.
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    /// Number of position embeddings: the longest sequence the model accepts.
    pub max_position_embeddings: usize,
    /// Number of token types (segments). Default 2.
    #[serde(default = "default_type_vocab_size")]
    pub type_vocab_size: usize,
    /// LayerNorm epsilon. Default 1e-12.
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    /// Id of the padding token. Default 0.
    #[serde(default)]
    pub pad_token_id: u32,
    /// Only `"absolute"` position embeddings are supported.
    #[serde(default = "default_position_embedding_type")]
    pub position_embedding_type: String,
}

fn default_model_type() -> String {
    "bert".to_string()
}
fn default_hidden_act() -> String {
    "gelu".to_string()
}
fn default_dropout() -> f64 {
    0.1
}
fn default_type_vocab_size() -> usize {
    2
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}
fn default_position_embedding_type() -> String {
    "absolute".to_string()
}

impl BertConfig {
    /// A small configuration for tests and examples.
    pub fn tiny(vocab_size: usize) -> Self {
        Self {
            model_type: default_model_type(),
            vocab_size,
            hidden_size: 16,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            intermediate_size: 32,
            hidden_act: default_hidden_act(),
            hidden_dropout_prob: 0.0,
            attention_probs_dropout_prob: 0.0,
            max_position_embeddings: 64,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            pad_token_id: 0,
            position_embedding_type: default_position_embedding_type(),
        }
    }

    /// Reads and validates `config.json`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Self = serde_json::from_slice(&bytes).map_err(|source| ModelError::Config {
            path: path.to_path_buf(),
            message: source.to_string(),
        })?;
        config.validate().map_err(|error| match error {
            ModelError::InvalidConfig { message, .. } => ModelError::InvalidConfig {
                path: Some(path.to_path_buf()),
                message,
            },
            other => other,
        })?;
        Ok(config)
    }

    /// Checks that the configuration describes an encoder this crate can run.
    pub fn validate(&self) -> Result<()> {
        if !SUPPORTED_MODEL_TYPES.contains(&self.model_type.as_str()) {
            return Err(ModelError::UnsupportedModelType {
                model_type: self.model_type.clone(),
                supported: SUPPORTED_MODEL_TYPES.join(", "),
            });
        }
        self.activation()?;
        let invalid = |message: String| ModelError::InvalidConfig {
            path: None,
            message,
        };
        for (name, value) in [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
            ("type_vocab_size", self.type_vocab_size),
        ] {
            if value == 0 {
                return Err(invalid(format!("{name} must be positive, got 0")));
            }
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(invalid(format!(
                "hidden_size {} is not divisible by num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            )));
        }
        for (name, value) in [
            ("hidden_dropout_prob", self.hidden_dropout_prob),
            (
                "attention_probs_dropout_prob",
                self.attention_probs_dropout_prob,
            ),
        ] {
            if !(0.0..1.0).contains(&value) {
                return Err(invalid(format!("{name} must be in [0, 1), got {value}")));
            }
        }
        if !(self.layer_norm_eps.is_finite() && self.layer_norm_eps > 0.0) {
            return Err(invalid(format!(
                "layer_norm_eps must be positive and finite, got {}",
                self.layer_norm_eps
            )));
        }
        if self.position_embedding_type != "absolute" {
            return Err(invalid(format!(
                "position_embedding_type {:?} is not supported; only \"absolute\" is",
                self.position_embedding_type
            )));
        }
        if self.pad_token_id as usize >= self.vocab_size {
            return Err(invalid(format!(
                "pad_token_id {} is outside the vocabulary of {}",
                self.pad_token_id, self.vocab_size
            )));
        }
        Ok(())
    }

    /// The parsed activation.
    pub fn activation(&self) -> Result<Activation> {
        Activation::parse(&self.hidden_act)
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// The longest token sequence the position embeddings allow.
    pub fn max_sequence_length(&self) -> usize {
        self.max_position_embeddings
    }
}

/// sentence-transformers' `sentence_bert_config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
}

/// sentence-transformers' `1_Pooling/config.json` (only the fields that
/// choose a strategy).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct PoolingFile {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

/// How a sentence encoder turns a model directory into embeddings: the
/// files found and the settings sentence-transformers would use.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFiles {
    /// The model directory.
    pub dir: PathBuf,
    /// `config.json`.
    pub config: PathBuf,
    /// `model.safetensors`.
    pub weights: PathBuf,
    /// `tokenizer.json`.
    pub tokenizer: PathBuf,
    /// Maximum sequence length from `sentence_bert_config.json`, if present.
    pub max_seq_length: Option<usize>,
    /// Pooling from `1_Pooling/config.json`, if present.
    pub pooling: Option<Pooling>,
    /// Whether `modules.json` lists a `Normalize` module.
    pub normalize: Option<bool>,
    /// The prompts of `config_sentence_transformers.json` (`"prompts"`):
    /// `query` from the prompt named `query`, `passage` from the one named
    /// `passage` (or `document`); none when the file or the names are absent.
    pub prompts: Prompts,
}

impl ModelFiles {
    /// Finds the files of a Hugging Face model directory.
    ///
    /// `config.json`, `model.safetensors` and `tokenizer.json` are required;
    /// the sentence-transformers files are read when present.
    pub fn locate(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(ModelError::NotAModelDir {
                path: dir.to_path_buf(),
                missing: "the directory itself".to_string(),
            });
        }
        let required = |name: &str| -> Result<PathBuf> {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(ModelError::NotAModelDir {
                    path: dir.to_path_buf(),
                    missing: name.to_string(),
                })
            }
        };
        let config = required("config.json")?;
        let weights = required("model.safetensors")?;
        let tokenizer = required("tokenizer.json")?;

        let max_seq_length =
            match read_optional::<SentenceBertConfig>(&dir.join("sentence_bert_config.json"))? {
                Some(file) => file.max_seq_length,
                None => None,
            };
        let pooling =
            read_optional::<PoolingFile>(&dir.join("1_Pooling/config.json"))?.map(|file| {
                if file.pooling_mode_cls_token {
                    Pooling::Cls
                } else if file.pooling_mode_max_tokens {
                    Pooling::Max
                } else if file.pooling_mode_mean_sqrt_len_tokens {
                    Pooling::MeanSqrtLen
                } else {
                    Pooling::Mean
                }
            });
        let normalize =
            read_optional::<Vec<serde_json::Value>>(&dir.join("modules.json"))?.map(|modules| {
                modules.iter().any(|module| {
                    module["type"]
                        .as_str()
                        .is_some_and(|kind| kind.ends_with(".Normalize"))
                })
            });
        let prompts = read_prompts(&dir.join("config_sentence_transformers.json"))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            config,
            weights,
            tokenizer,
            max_seq_length,
            pooling,
            normalize,
            prompts,
        })
    }
}

/// The name of the file that holds sentence-transformers' prompts.
pub(crate) const PROMPTS_FILE: &str = "config_sentence_transformers.json";

/// Reads the prompts of `config_sentence_transformers.json`; a missing file
/// or a file without `"prompts"` gives none.
fn read_prompts(path: &Path) -> Result<Prompts> {
    let Some(file) = read_optional::<serde_json::Value>(path)? else {
        return Ok(Prompts::none());
    };
    prompts_from_json(&file).map_err(|message| ModelError::Prompts {
        path: path.to_path_buf(),
        message,
    })
}

/// The query and passage prompts of a parsed `config_sentence_transformers.json`.
pub(crate) fn prompts_from_json(file: &serde_json::Value) -> std::result::Result<Prompts, String> {
    let object = file
        .as_object()
        .ok_or_else(|| "the file is not a JSON object".to_string())?;
    let prompts = match object.get("prompts") {
        None | Some(serde_json::Value::Null) => return Ok(Prompts::none()),
        Some(serde_json::Value::Object(prompts)) => prompts,
        Some(other) => return Err(format!("\"prompts\" is {other}, not an object")),
    };
    for (name, value) in prompts {
        if !value.is_string() {
            return Err(format!("prompt {name:?} is {value}, not a string"));
        }
    }
    let get = |name: &str| {
        prompts
            .get(name)
            .and_then(serde_json::Value::as_str)
            .filter(|prompt| !prompt.is_empty())
            .map(str::to_string)
    };
    Ok(Prompts {
        query: get("query"),
        passage: get("passage").or_else(|| get("document")),
    })
}

fn read_optional<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| ModelError::Config {
                    path: path.to_path_buf(),
                    message: source.to_string(),
                })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ModelError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINILM: &str = r#"{
        "architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 384,
        "initializer_range": 0.02, "intermediate_size": 1536, "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
        "num_hidden_layers": 6, "pad_token_id": 0, "position_embedding_type": "absolute",
        "type_vocab_size": 2, "vocab_size": 30522
    }"#;

    #[test]
    fn parses_hugging_face_field_names() {
        let config: BertConfig = serde_json::from_str(MINILM).unwrap();
        config.validate().unwrap();
        assert_eq!(config.hidden_size, 384);
        assert_eq!(config.head_dim(), 32);
        assert_eq!(config.activation().unwrap(), Activation::Gelu);
        assert_eq!(config.max_sequence_length(), 512);
    }

    #[test]
    fn rejects_heads_that_do_not_divide_hidden_size() {
        let mut config: BertConfig = serde_json::from_str(MINILM).unwrap();
        config.num_attention_heads = 7;
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("not divisible"), "{error}");
    }

    #[test]
    fn rejects_unknown_activation_and_type_naming_the_supported_ones() {
        let mut config: BertConfig = serde_json::from_str(MINILM).unwrap();
        config.hidden_act = "swish".into();
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("swish") && error.contains("gelu"), "{error}");

        let mut config: BertConfig = serde_json::from_str(MINILM).unwrap();
        config.model_type = "gpt2".into();
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("gpt2") && error.contains("bert"), "{error}");
    }

    #[test]
    fn prompts_come_from_sentence_transformers_names() {
        let file = serde_json::json!({
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": null
        });
        let prompts = prompts_from_json(&file).unwrap();
        assert_eq!(prompts.query.as_deref(), Some("query: "));
        assert_eq!(prompts.passage.as_deref(), Some("passage: "));
        let file = serde_json::json!({"prompts": {"query": "q: ", "document": "d: "}});
        assert_eq!(
            prompts_from_json(&file).unwrap().passage.as_deref(),
            Some("d: ")
        );
        let file = serde_json::json!({"__version__": {"sentence_transformers": "3.0.0"}});
        assert!(prompts_from_json(&file).unwrap().is_empty());
    }

    #[test]
    fn malformed_prompts_are_named() {
        for bad in [
            serde_json::json!({"prompts": ["query: "]}),
            serde_json::json!({"prompts": {"query": 3}}),
            serde_json::json!("query: "),
        ] {
            assert!(prompts_from_json(&bad).is_err(), "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PROMPTS_FILE);
        std::fs::write(&path, r#"{"prompts": {"query": ["x"]}}"#).unwrap();
        let error = read_prompts(&path).unwrap_err().to_string();
        assert!(
            error.contains("malformed prompts") && error.contains("query"),
            "{error}"
        );
    }

    #[test]
    fn rejects_zero_sizes() {
        let mut config: BertConfig = serde_json::from_str(MINILM).unwrap();
        config.num_hidden_layers = 0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("num_hidden_layers")
        );
    }
}
