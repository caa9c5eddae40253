//! The error type of jobfit-model.

use std::path::PathBuf;

/// Everything that can go wrong while loading, running or saving a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The directory lacks a file every model directory needs.
    #[error(
        "{path} is not a Hugging Face model directory: {missing} is missing \
         (a model directory holds config.json, model.safetensors and tokenizer.json; \
         scripts/fetch-model.sh fetches all-MiniLM-L6-v2)"
    )]
    NotAModelDir {
        /// The directory.
        path: PathBuf,
        /// The missing file.
        missing: String,
    },
    /// A JSON configuration file could not be parsed.
    #[error("{path} is not a valid configuration file: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The configuration parsed but describes an impossible model.
    #[error("invalid model configuration{}: {message}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    InvalidConfig {
        /// The file, when the configuration came from one.
        path: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// `model_type` names an architecture this crate does not implement.
    #[error("model type {model_type:?} is not supported; supported model types: {supported}")]
    UnsupportedModelType {
        /// The model type found.
        model_type: String,
        /// The supported ones.
        supported: String,
    },
    /// `hidden_act` names an activation this crate does not implement.
    #[error("activation {activation:?} is not supported; supported activations: {supported}")]
    UnsupportedActivation {
        /// The activation found.
        activation: String,
        /// The supported ones.
        supported: String,
    },
    /// The weights file is not a readable safetensors file.
    #[error(
        "{path} is not a valid safetensors file ({message}); \
         it may be truncated: fetch the model again"
    )]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A tensor has the wrong shape for the configuration.
    #[error("tensor {key} has shape {found:?}, but the configuration needs {expected:?}")]
    ShapeMismatch {
        /// The checkpoint key.
        key: String,
        /// The shape in the file.
        found: Vec<usize>,
        /// The shape the model needs.
        expected: Vec<usize>,
    },
    /// A tensor has a dtype that cannot be converted to f32.
    #[error("tensor {key} has dtype {dtype}, but only F32, F16 and BF16 weights are supported")]
    UnsupportedDtype {
        /// The checkpoint key.
        key: String,
        /// The dtype found.
        dtype: String,
    },
    /// The checkpoint does not cover the model exactly.
    #[error(
        "the weights in {path} do not match the model: {} missing [{}], {} unused [{}]; \
         check that the checkpoint is a BERT-architecture model and that config.json belongs to it",
        missing.len(), missing.join(", "), unused.len(), unused.join(", ")
    )]
    WeightsMismatch {
        /// The weights file.
        path: PathBuf,
        /// Model tensors the file does not provide.
        missing: Vec<String>,
        /// File tensors the model does not use.
        unused: Vec<String>,
    },
    /// `config_sentence_transformers.json` has prompts that are not a map
    /// of names to strings.
    #[error(
        "{path} has malformed prompts: {message}; write them as \
         {{\"prompts\": {{\"query\": \"query: \", \"passage\": \"passage: \"}}}}, or delete \
         the file to embed texts without prompts"
    )]
    Prompts {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The tokenizer could not be loaded or failed on a text.
    #[error(transparent)]
    Tokenize(#[from] jobfit_text::TokenizeError),
    /// An empty batch was given where texts are needed.
    #[error("the batch is empty: pass at least one text")]
    EmptyBatch,
    /// A checkpoint directory is incomplete or inconsistent.
    #[error("checkpoint {path} cannot be used: {message}")]
    Checkpoint {
        /// The checkpoint directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An argument is out of its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The micro-batching queue is full: the encoder is busy; try again later.
    #[error("the encoder is busy ({queued} texts queued, limit {limit}); try again shortly")]
    Overloaded {
        /// Texts queued.
        queued: usize,
        /// The queue's bound.
        limit: usize,
    },
}

/// The result type of jobfit-model.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
