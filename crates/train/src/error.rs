//! The error type of jobfit-train.

use std::path::PathBuf;

use crate::metrics::MetricsError;

/// Everything that can go wrong while preparing data, training, evaluating or saving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// Reading or parsing a data file failed.
    #[error(transparent)]
    Data(#[from] jobfit_text::DataError),
    /// Loading, running or saving the model failed.
    #[error(transparent)]
    Model(#[from] jobfit_model::ModelError),
    /// The tokenizer failed on a text or a length setting.
    #[error(transparent)]
    Tokenize(#[from] jobfit_text::TokenizeError),
    /// A metric could not be computed.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// A hyperparameter or option is out of range; the message names it and its valid range.
    #[error("invalid configuration: {message}")]
    InvalidConfig {
        /// What is wrong, naming the setting and its valid range.
        message: String,
    },
    /// The training (or evaluation) set holds no examples.
    #[error(
        "the dataset is empty: it needs at least one example (check the file and the column names)"
    )]
    EmptyDataset,
    /// Classification needs at least two classes.
    #[error(
        "every training example has the label {label:?}: a classifier needs at least two classes"
    )]
    SingleClass {
        /// The only label.
        label: String,
    },
    /// The loss became NaN or infinite.
    #[error(
        "the loss became {loss} at step {step}; training stopped and the last good checkpoint \
         was kept (lower the learning rate or check the data)"
    )]
    NonFinite {
        /// The optimizer step.
        step: usize,
        /// The non-finite loss.
        loss: f64,
    },
    /// The output directory already holds something.
    #[error("{path} already exists: refusing to overwrite; pass --overwrite")]
    OutputExists {
        /// The output directory.
        path: PathBuf,
    },
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// There is nothing to draw: no epoch with a finite loss or validation metric.
    #[error(
        "the training history is empty: no epoch or step with a finite loss or validation \
         metric to plot (train at least one epoch first)"
    )]
    EmptyHistory,
    /// Drawing a picture failed.
    #[error("cannot draw the training curves: {message}")]
    Plot {
        /// The drawing library's message.
        message: String,
    },
    /// A checkpoint is missing, incomplete or inconsistent.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The checkpoint directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl TrainError {
    /// An [`InvalidConfig`](Self::InvalidConfig) error.
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Self::InvalidConfig {
            message: message.into(),
        }
    }

    /// An [`Io`](Self::Io) error for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// The result type of jobfit-train.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;
