//! The command line's error type: every library error, plus usage mistakes.

use std::path::PathBuf;

/// Anything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Reading input data failed.
    #[error(transparent)]
    Data(#[from] jobfit::text::DataError),
    /// Loading or running a model failed.
    #[error(transparent)]
    Model(#[from] jobfit::model::ModelError),
    /// Building an index, recommending or screening failed.
    #[error(transparent)]
    Match(#[from] jobfit::matching::MatchError),
    /// Gap analysis, market analysis, drafting, augmentation or a
    /// counterfactual audit failed.
    #[error(transparent)]
    Guide(#[from] jobfit::guide::GuideError),
    /// Training, evaluating or predicting with a fine-tuned model failed.
    #[error(transparent)]
    Train(#[from] jobfit::train::TrainError),
    /// An input file is not text (a binary file, a legacy encoding).
    #[error("{}: {source}", path.display())]
    Garbage {
        /// The file.
        path: PathBuf,
        /// What it looks like.
        source: jobfit::text::GarbageError,
    },
    /// The service could not start.
    #[error(transparent)]
    Serve(#[from] jobfit_serve::ServeError),
    /// Writing output failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An argument or input record is unusable.
    #[error("{0}")]
    Usage(String),
}

/// The result type of commands.
pub type Result<T, E = CliError> = std::result::Result<T, E>;
