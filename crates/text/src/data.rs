//! Data loading: `Job` and `Resume` records and streaming CSV / JSON lines readers.
//!
//! Every reader streams: it holds one record at a time (plus a fixed-size
//! read buffer), so a catalog of a million jobs never has to fit in memory.
//! Readers are iterators of `Result`s:
//!
//! - a bad *record* (malformed JSON, a row with the wrong number of fields,
//!   invalid UTF-8, a missing title, a bad salary, a record over the size
//!   limit) is yielded as an `Err` that names the file and line, and the
//!   iterator goes on with the next record, so a caller may skip bad records
//!   or stop at the first one (`collect::<Result<Vec<_>, _>>()`);
//! - an I/O error ends the iteration after it is yielded.
//!
//! Three layers, from generic to specific:
//!
//! - [`DataSource`]: a named byte stream (a file, `-` for standard input, or
//!   any `Read`). A UTF-8 byte-order mark at its start is skipped.
//! - [`JsonlReader`] (one JSON value per line, blank lines skipped) and
//!   [`CsvTable`] / [`CsvRows`] (RFC 4180 CSV with a header row, quoted
//!   fields that may span lines, columns selected by header name). Both
//!   yield the line number where each record starts.
//! - [`JobReader`] and [`ResumeReader`], which read [`Job`]s and [`Resume`]s
//!   from JSON lines or from CSV through a column mapping ([`JobColumns`],
//!   [`ResumeColumns`]) and validate them.

mod error;
mod job;
mod jsonl;
mod record;
mod resume;
mod source;
mod table;

pub use error::DataError;
pub use job::{Job, JobColumns, JobReader, SalaryRange, read_jobs_csv, read_jobs_jsonl};
pub use jsonl::{JsonlReader, read_jsonl};
pub use record::MetadataColumns;
pub use resume::{Resume, ResumeColumns, ResumeReader, read_resumes_csv, read_resumes_jsonl};
pub use source::{DataSource, ReadOptions, TextEncoding};
pub use table::{CsvRows, CsvTable};
