//! The error type of jobfit-match.

use std::path::PathBuf;

/// Everything that can go wrong while building a catalog or an index,
/// recommending jobs or screening candidates.
///
/// Each variant carries the bad value and says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    /// Reading jobs, resumes or queries failed (the message names the file
    /// and line).
    #[error(transparent)]
    Data(#[from] jobfit_text::DataError),
    /// Loading or running a model failed.
    #[error(transparent)]
    Model(#[from] jobfit_model::ModelError),
    /// Tokenizing a text failed.
    #[error(transparent)]
    Tokenize(#[from] jobfit_text::TokenizeError),
    /// A file or directory could not be read or written.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Two jobs of a catalog share an id.
    #[error(
        "{}duplicate job id {id:?}: first at {first}, again at {second}; \
         job ids must be unique: rename or drop one of them",
        source_prefix(path)
    )]
    DuplicateId {
        /// The file, when the catalog came from one.
        path: Option<PathBuf>,
        /// The id.
        id: String,
        /// Where the id first appears (`line N`, or `record N` for jobs not read from a file).
        first: String,
        /// Where it appears again.
        second: String,
    },
    /// A catalog without jobs.
    #[error(
        "{}the catalog has no jobs; give a JSON lines or CSV file with at least one job \
         (each needs an id and a title)",
        source_prefix(path)
    )]
    EmptyCatalog {
        /// The file, when the catalog came from one.
        path: Option<PathBuf>,
    },
    /// A text is empty once cleaned, so there is nothing to match.
    #[error(
        "the {what} is empty after cleaning (it held only whitespace, markup or invisible \
         characters); give a {what} with some text"
    )]
    EmptyText {
        /// What the text is (`resume`, `job`, `query 3`).
        what: String,
    },
    /// A text is garbage: mostly control, replacement, private-use or
    /// unassigned characters (a binary file or a wrong encoding read as text).
    #[error("the {what} cannot be matched: {source}")]
    Garbage {
        /// What the text is (`resume`, `job`, `query 3`).
        what: String,
        /// What was seen in it.
        source: jobfit_text::GarbageError,
    },
    /// `top_k` was 0.
    #[error("top_k must be at least 1 (it is the number of results to return), got 0")]
    ZeroTopK,
    /// A filter names a field that no job in the catalog has, so it would
    /// remove every job.
    #[error(
        "no job in the catalog has {field}, so the filter on it would match nothing; \
         drop the filter or use a field the jobs have{}",
        known_list(known)
    )]
    UnknownFilterField {
        /// The field (`location`, `salary`, `metadata "remote"`).
        field: String,
        /// Metadata keys the catalog does have, for the message.
        known: Vec<String>,
    },
    /// An index was built with another model than the one asked to query it.
    #[error(
        "the index at {} was built with model {:?} (weights {}, dim {}), but the query model \
         is {:?} (weights {}, dim {}); vectors of different models cannot be compared: query \
         with the index's model, or rebuild the index with `jobfit index --model ...`",
        path.as_ref().map_or_else(|| "<memory>".to_string(), |p| p.display().to_string()),
        index.name, index.weights_hash, index.dim, query.name, query.weights_hash, query.dim
    )]
    ModelMismatch {
        /// The index directory, when loaded from one.
        path: Option<PathBuf>,
        /// The model that built the index.
        index: Box<jobfit_model::ModelIdentity>,
        /// The query model.
        query: Box<jobfit_model::ModelIdentity>,
    },
    /// An index directory is incomplete, damaged or of another format.
    #[error(
        "the index directory {} cannot be used: {message}; rebuild it with `jobfit index`",
        path.display()
    )]
    CorruptIndex {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A vector has the wrong width, or holds NaN or infinity.
    #[error("invalid vector: {message}")]
    InvalidVector {
        /// What is wrong.
        message: String,
    },
    /// An option is out of its valid range.
    #[error("invalid option {name} = {value}: {reason}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// The value given.
        value: String,
        /// The valid range, and what to do.
        reason: String,
    },
    /// A re-ranking was asked for, but the matcher has no reranker.
    #[error(
        "re-ranking was asked for, but no reranker is set; add one with \
         Matcher::with_reranker (e.g. a CrossEncoderReranker) or turn re-ranking off"
    )]
    NoReranker,
    /// A screening without candidates.
    #[error("there are no resumes to screen; give at least one")]
    NoResumes,
    /// The group attribute of a fairness audit is on no resume.
    #[error(
        "no resume has the metadata key {key:?}, so there are no groups to audit; \
         name a key the resumes have{}",
        known_list(known)
    )]
    UnknownGroupKey {
        /// The key.
        key: String,
        /// The metadata keys the resumes have, for the message.
        known: Vec<String>,
    },
    /// A scorer (reranker, external index) returned something unusable.
    #[error("{0}")]
    Backend(String),
    /// A job given to an index is not a valid job.
    #[error("invalid job {id:?}: {reason}")]
    InvalidJob {
        /// The job's id (possibly empty).
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A store cannot do what was asked.
    #[error("{what} is not supported by {store}; {hint}")]
    Unsupported {
        /// What was asked.
        what: String,
        /// The store (`the index at DIR`, `PostgreSQL at HOST/DB`).
        store: String,
        /// What to do instead.
        hint: String,
    },
    /// A database store failed or refused.
    #[error("{store}: {message}; {hint}")]
    Store {
        /// The store (`PostgreSQL at postgres://user:***@host/db`).
        store: String,
        /// What failed.
        message: String,
        /// What to do.
        hint: String,
    },
    /// The index directory was rewritten by another writer since this
    /// process loaded it.
    #[error(
        "the index at {} was rewritten by another writer since it was loaded here (snapshot \
         {found}, loaded {expected}); load it again before changing it",
        path.display()
    )]
    IndexChanged {
        /// The index directory.
        path: PathBuf,
        /// The snapshot this process knows.
        expected: u64,
        /// The snapshot on disk.
        found: u64,
    },
    /// Another process is writing the index directory.
    #[error(
        "the index at {} is being changed by another process (it holds the lock file beside \
         the directory); stop that process, or change the index through it (for example the \
         `jobfit serve` that serves it)",
        path.display()
    )]
    IndexLocked {
        /// The index directory.
        path: PathBuf,
    },
}

fn source_prefix(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|path| format!("{}: ", path.display()))
        .unwrap_or_default()
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!(" (metadata keys present: {})", known.join(", "))
    }
}

/// The result type of jobfit-match.
pub type Result<T, E = MatchError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_bad_value() {
        let error = MatchError::DuplicateId {
            path: Some("jobs.jsonl".into()),
            id: "7".into(),
            first: "line 2".into(),
            second: "line 9".into(),
        };
        let message = error.to_string();
        assert!(message.starts_with("jobs.jsonl: duplicate job id \"7\""));
        assert!(message.contains("line 2") && message.contains("line 9"));
        let error = MatchError::UnknownFilterField {
            field: "metadata \"remote\"".into(),
            known: vec!["company".into()],
        };
        assert!(
            error
                .to_string()
                .contains("(metadata keys present: company)")
        );
    }

    #[test]
    fn errors_can_cross_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<MatchError>();
    }
}
