//! The error type of the data readers.

use std::io;
use std::path::PathBuf;

/// An error while reading jobs, resumes or other records.
///
/// Every variant that comes from a file names it (`path`; standard input is
/// `<stdin>`), and every record-level variant carries the 1-based line where
/// the record starts (or, for invalid UTF-8, the line holding the bad byte).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened.
    #[error("cannot open {}: {source}; check the path (use - to read standard input)", path.display())]
    Open {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Reading failed after the file was opened. The reader stops after this.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A CSV file has no column with the header name the mapping asks for.
    #[error(
        "{} has no column '{column}'; its headers are: {}; name one of these in the column mapping",
        path.display(),
        header_list(headers)
    )]
    MissingColumn {
        /// The CSV file.
        path: PathBuf,
        /// The header name asked for.
        column: String,
        /// The headers the file has, in order.
        headers: Vec<String>,
    },
    /// A record that cannot be parsed: bad JSON, or a CSV row whose number of
    /// fields differs from the header's.
    #[error("{}:{line}: malformed record: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line where the record starts.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A record holds bytes that are not UTF-8.
    #[error(
        "{}:{line}: invalid UTF-8; convert the file to UTF-8, or read it with lossy UTF-8 \
         (ReadOptions::with_lossy_utf8) to replace invalid bytes with U+FFFD",
        path.display()
    )]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// The line holding the first invalid byte.
        line: u64,
    },
    /// A record is not UTF-8 but reads as another encoding (GBK Chinese text).
    #[error(
        "{}:{line}: the file is not UTF-8 but looks like {encoding}; read it as such \
         (ReadOptions::with_encoding(TextEncoding::Gb18030), or --encoding gbk on the command line), \
         or convert it: iconv -f GB18030 -t UTF-8 FILE > FILE.utf8",
        path.display()
    )]
    WrongEncoding {
        /// The file.
        path: PathBuf,
        /// The line holding the first record that is not UTF-8.
        line: u64,
        /// The encoding the bytes look like.
        encoding: &'static str,
    },
    /// A record lacks a required field, or the field is null or empty.
    #[error(
        "{}:{line}: the record has no '{field}' (absent, null or empty); every record needs one: \
         add it, or map the column that holds it",
        path.display()
    )]
    MissingField {
        /// The file.
        path: PathBuf,
        /// The line where the record starts.
        line: u64,
        /// The field's name.
        field: String,
    },
    /// A record has a field with a bad value (a wrong JSON type, a salary
    /// that is not a number, a minimum salary above the maximum).
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line where the record starts.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// A record is longer than [`ReadOptions::max_record_bytes`](crate::ReadOptions).
    /// The reader skips it and goes on with the next record.
    #[error(
        "{}:{line}: the record is longer than {limit} bytes; raise the limit \
         (ReadOptions::with_max_record_bytes) if the file is right",
        path.display()
    )]
    RecordTooLong {
        /// The file.
        path: PathBuf,
        /// The line where the record starts.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// A salary range that is not valid: a bound that is not finite or is
    /// negative, a minimum above the maximum, or no bound at all.
    #[error(
        "invalid salary range (salary_min {}, salary_max {}): {reason}",
        bound(*min),
        bound(*max)
    )]
    InvalidSalary {
        /// The lower bound given.
        min: Option<f64>,
        /// The upper bound given.
        max: Option<f64>,
        /// Which rule it breaks.
        reason: &'static str,
    },
}

/// Formats headers for a message: `a, b, c`, or a note when there are none.
fn header_list(headers: &[String]) -> String {
    if headers.is_empty() {
        "(none: the file is empty)".to_owned()
    } else {
        headers.join(", ")
    }
}

/// Formats an optional salary bound for a message.
fn bound(value: Option<f64>) -> String {
    value.map_or_else(|| "absent".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_column_lists_headers_or_says_empty() {
        let err = DataError::MissingColumn {
            path: "jobs.csv".into(),
            column: "title".into(),
            headers: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            err.to_string(),
            "jobs.csv has no column 'title'; its headers are: a, b; name one of these in the column mapping"
        );
        let err = DataError::MissingColumn {
            path: "e.csv".into(),
            column: "x".into(),
            headers: vec![],
        };
        assert!(err.to_string().contains("(none: the file is empty)"));
    }

    #[test]
    fn salary_message_shows_both_bounds() {
        let err = DataError::InvalidSalary {
            min: Some(10.0),
            max: None,
            reason: "r",
        };
        assert_eq!(
            err.to_string(),
            "invalid salary range (salary_min 10, salary_max absent): r"
        );
    }
}
