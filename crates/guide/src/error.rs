//! [`GuideError`]: everything the guidance features can fail with, each
//! variant naming the bad input and what to do about it.

use std::path::PathBuf;

/// An error of jobfit-guide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GuideError {
    /// Reading records failed (a file that cannot be opened, invalid UTF-8, ...).
    #[error(transparent)]
    Data(#[from] jobfit_text::DataError),
    /// Loading or running a model failed, or an atomic write did.
    #[error(transparent)]
    Model(#[from] jobfit_model::ModelError),
    /// Recommending, screening or reading a catalog failed.
    #[error(transparent)]
    Match(#[from] jobfit_match::MatchError),
    /// A file could not be read or written.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A postings file has neither a skills column nor a text column the
    /// skills could be found in.
    #[error(
        "{}: no column holds skills or text to find skills in (headers: {}); name one with \
         --skills-col or --text-col",
        path.display(),
        headers.join(", ")
    )]
    NoSkillColumn {
        /// The file.
        path: PathBuf,
        /// Its column names (for JSON lines: the keys of its first record).
        headers: Vec<String>,
    },
    /// A column named in a mapping is not in the file.
    #[error(
        "{}: no column {column:?} (headers: {}); check the spelling (case and spaces count)",
        path.display(),
        headers.join(", ")
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The columns the file has.
        headers: Vec<String>,
    },
    /// A file held no usable record.
    #[error(
        "{} holds no usable {what}{}",
        path.display(),
        if *skipped > 0 { format!(" ({skipped} records were unreadable; the first: {first_problem})") } else { String::new() }
    )]
    NoRecords {
        /// The file.
        path: PathBuf,
        /// What was expected (`posting`, `course`, `resume`).
        what: &'static str,
        /// How many records were skipped as unreadable.
        skipped: usize,
        /// Why the first skipped record was unreadable.
        first_problem: String,
    },
    /// A record of a file is unusable.
    #[error("{}, line {line}: {message}", path.display())]
    InvalidRecord {
        /// The file.
        path: PathBuf,
        /// The line where the record starts.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// An O*NET-SOC code that the bundled O*NET 29.3 catalog lacks.
    #[error(
        "O*NET 29.3 has no occupation {code:?}; write a code such as 15-1252.00{}",
        if suggestions.is_empty() { String::new() } else { format!(" (close: {})", suggestions.join(", ")) }
    )]
    UnknownOccupation {
        /// The code given.
        code: String,
        /// Codes and titles that are close to it.
        suggestions: Vec<String>,
    },
    /// A course catalog without courses.
    #[error(
        "the course catalog {} holds no course: give JSON lines or CSV with id, title, description, \
         skills, url and hours",
        path.display()
    )]
    EmptyCourseCatalog {
        /// The file.
        path: PathBuf,
    },
    /// Text in a language the model was not trained on, where nothing else
    /// can stand in for it.
    #[error(
        "{what} {text:?} is written in {language}, which the model does not know (its card lists {}); \
         {advice}",
        known.join(", ")
    )]
    UnknownLanguage {
        /// What the text is (`the title`).
        what: &'static str,
        /// The text.
        text: String,
        /// The language it was taken for (`Chinese`).
        language: String,
        /// The languages of the model's card.
        known: Vec<String>,
        /// What to do instead.
        advice: String,
    },
    /// The skills a target asks for could not be found.
    #[error(
        "{target} asks for no skill the skill gazetteer knows, so there is no gap to report; give a \
         target with a description or a skills list"
    )]
    NoTargetSkills {
        /// The target, in words.
        target: String,
    },
    /// A text is empty where one is needed.
    #[error("{what} is empty: {advice}")]
    EmptyText {
        /// What is empty.
        what: String,
        /// What to do.
        advice: String,
    },
    /// An option value out of its range.
    #[error("{name} = {value} is not allowed: {reason}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// Its value.
        value: String,
        /// Why, and what to do.
        reason: String,
    },
    /// A chart could not be drawn.
    #[error("cannot draw the chart {chart:?}: {message}")]
    Plot {
        /// The chart.
        chart: String,
        /// The drawing library's message.
        message: String,
    },
}

/// The result type of jobfit-guide.
pub type Result<T, E = GuideError> = std::result::Result<T, E>;

impl GuideError {
    /// An [`GuideError::InvalidOption`].
    pub(crate) fn option(
        name: &'static str,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidOption {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
