//! The `Resume` record, its CSV column mapping and its readers.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::error::DataError;
use super::jsonl::JsonlReader;
use super::record::{self, ColumnPlan, MetadataColumns, RecordError, cell};
use super::source::{DataSource, ReadOptions};
use super::table::{CsvRows, CsvTable};

/// A resume: an id, its text, and free metadata (a category label, a source).
///
/// In JSON a resume is an object with `id` (a string or a number, kept as
/// its text; required, non-empty), `text` (a string, required, may be empty)
/// and an optional `metadata` object. Other top-level keys are kept in the
/// metadata, as for [`Job`](crate::Job), so a training line
/// `{"id": 3, "text": "...", "category": "HR"}` keeps its label.
///
/// ```
/// use jobfit_text::Resume;
///
/// let resume: Resume = serde_json::from_str(r#"{"id": 3, "text": "Payroll clerk", "category": "HR"}"#)?;
/// assert_eq!((resume.id.as_str(), resume.metadata["category"].as_str()), ("3", "HR"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// A unique id, never empty.
    pub id: String,
    /// The resume's text, as given.
    pub text: String,
    /// Free key-value data.
    pub metadata: BTreeMap<String, String>,
}

impl Resume {
    /// A resume without metadata.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            text: text.into(),
            metadata: BTreeMap::new(),
        }
    }

    /// Adds a metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

/// A resume as it appears in JSON, before validation.
#[derive(Deserialize)]
#[serde(rename = "Resume")]
struct ResumeRecord {
    id: Option<Value>,
    text: Option<String>,
    metadata: Option<Map<String, Value>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl ResumeRecord {
    fn into_resume(self) -> Result<Resume, RecordError> {
        Ok(Resume {
            id: record::id_from_json(self.id.as_ref())?,
            text: self.text.ok_or(RecordError::Missing("text"))?,
            metadata: record::metadata_from_json(self.extra, self.metadata),
        })
    }
}

impl<'de> Deserialize<'de> for Resume {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ResumeRecord::deserialize(deserializer)?
            .into_resume()
            .map_err(D::Error::custom)
    }
}

impl Serialize for Resume {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The JSON shape: metadata left out when empty.
        #[derive(Serialize)]
        struct Wire<'a> {
            id: &'a str,
            text: &'a str,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            metadata: &'a BTreeMap<String, String>,
        }
        Wire {
            id: &self.id,
            text: &self.text,
            metadata: &self.metadata,
        }
        .serialize(serializer)
    }
}

/// Which CSV columns hold a resume's fields.
///
/// `id` and `text` default to the columns of those names, and must exist
/// (the id column may be absent with [`ResumeColumns::with_generated_ids`]).
/// Other columns go into the metadata (see [`MetadataColumns`]). The text is
/// kept as given, line breaks included; an empty text cell gives an empty text.
///
/// ```
/// use jobfit_text::{MetadataColumns, ResumeColumns};
///
/// let columns = ResumeColumns::new()
///     .with_text("resume_text")
///     .with_metadata(MetadataColumns::Only(vec!["category".into()]));
/// # let _ = columns;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ResumeColumns {
    id: Option<String>,
    text: Option<String>,
    metadata: MetadataColumns,
    generated_ids: bool,
}

impl ResumeColumns {
    /// The default mapping: `id` and `text`, everything else as metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// The column holding the id.
    #[must_use]
    pub fn with_id(mut self, header: impl Into<String>) -> Self {
        self.id = Some(header.into());
        self
    }

    /// The column holding the text.
    #[must_use]
    pub fn with_text(mut self, header: impl Into<String>) -> Self {
        self.text = Some(header.into());
        self
    }

    /// Which columns go into the metadata (default: all others).
    #[must_use]
    pub fn with_metadata(mut self, metadata: MetadataColumns) -> Self {
        self.metadata = metadata;
        self
    }

    /// When on and the id column is absent, each resume's id is its 1-based
    /// row number among the data rows (the header is not counted, malformed
    /// rows are): `"1"`, `"2"`, ... Default: off.
    #[must_use]
    pub fn with_generated_ids(mut self, generated: bool) -> Self {
        self.generated_ids = generated;
        self
    }
}

/// Resumes from CSV rows.
#[derive(Debug)]
struct CsvResumes {
    rows: CsvRows,
    /// `None`: generated from the row number.
    id: Option<usize>,
    text: Option<usize>,
    plan: ColumnPlan,
}

impl CsvResumes {
    fn new(table: CsvTable, columns: &ResumeColumns) -> Result<Self, DataError> {
        let mut plan = ColumnPlan::default();
        let id = plan.field(&table, columns.id.as_deref(), "id", !columns.generated_ids)?;
        let text = plan.field(&table, columns.text.as_deref(), "text", true)?;
        plan.metadata(&table, &columns.metadata)?;
        let rows = table.select_indices(plan.select.clone());
        Ok(Self {
            rows,
            id,
            text,
            plan,
        })
    }

    fn resume(&self, index: u64, values: &[String]) -> Result<Resume, RecordError> {
        let id = match self.id {
            Some(position) => record::required(cell(values, Some(position)), "id")?,
            None => index.to_string(),
        };
        let text = cell(values, self.text).unwrap_or_default().to_owned();
        Ok(Resume {
            id,
            text,
            metadata: self.plan.row_metadata(values),
        })
    }
}

/// Reads [`Resume`]s from JSON lines or CSV, validating each.
///
/// Yields one `Result` per record; a bad record is an `Err` naming its file
/// and line, and reading goes on with the next one.
///
/// ```
/// use jobfit_text::{DataSource, ReadOptions, ResumeColumns, ResumeReader};
///
/// let text = "id,category,text\n1,HR,\"Payroll\nand benefits\"\n";
/// let source = DataSource::from_reader("train.csv", std::io::Cursor::new(text));
/// let resumes = ResumeReader::csv(source, &ResumeColumns::new(), ReadOptions::default())?
///     .collect::<Result<Vec<_>, _>>()?;
/// assert_eq!(resumes[0].text, "Payroll\nand benefits");
/// assert_eq!(resumes[0].metadata["category"], "HR");
/// # Ok::<(), jobfit_text::DataError>(())
/// ```
#[derive(Debug)]
pub struct ResumeReader {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Jsonl(JsonlReader<ResumeRecord>),
    Csv(Box<CsvResumes>),
}

impl ResumeReader {
    /// Reads JSON lines from a source.
    pub fn jsonl(source: DataSource, options: ReadOptions) -> Self {
        Self {
            inner: Inner::Jsonl(JsonlReader::new(source, options)),
        }
    }

    /// Reads CSV from a source through a column mapping.
    ///
    /// # Errors
    ///
    /// [`DataError::MissingColumn`] when a mapped column is absent, and the
    /// errors of [`CsvTable::from_source`].
    pub fn csv(
        source: DataSource,
        columns: &ResumeColumns,
        options: ReadOptions,
    ) -> Result<Self, DataError> {
        let table = CsvTable::from_source(source, options)?;
        Ok(Self {
            inner: Inner::Csv(Box::new(CsvResumes::new(table, columns)?)),
        })
    }

    /// The name used in errors.
    pub fn path(&self) -> &Path {
        match &self.inner {
            Inner::Jsonl(reader) => reader.path(),
            Inner::Csv(resumes) => resumes.rows.path(),
        }
    }
}

impl Iterator for ResumeReader {
    type Item = Result<Resume, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Jsonl(reader) => {
                let path = reader.path().to_path_buf();
                Some(reader.next()?.and_then(|(line, record)| {
                    record.into_resume().map_err(|err| err.at(&path, line))
                }))
            }
            Inner::Csv(resumes) => {
                let row = resumes.rows.next_row()?;
                let path = resumes.rows.path();
                Some(row.and_then(|row| {
                    resumes
                        .resume(row.index, &row.values)
                        .map_err(|err| err.at(path, row.line))
                }))
            }
        }
    }
}

/// Opens a JSON lines file of resumes (`-` for standard input).
///
/// # Errors
///
/// [`DataError::Open`] naming the path; errors in records come from the iterator.
pub fn read_resumes_jsonl(
    path: impl AsRef<Path>,
    options: ReadOptions,
) -> Result<ResumeReader, DataError> {
    Ok(ResumeReader::jsonl(DataSource::open(path)?, options))
}

/// Opens a CSV file of resumes (`-` for standard input) with a column mapping.
///
/// # Errors
///
/// [`DataError::Open`] naming the path, [`DataError::MissingColumn`] naming
/// the column and listing the headers; errors in records come from the iterator.
pub fn read_resumes_csv(
    path: impl AsRef<Path>,
    columns: &ResumeColumns,
    options: ReadOptions,
) -> Result<ResumeReader, DataError> {
    ResumeReader::csv(DataSource::open(path)?, columns, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_required_but_may_be_empty() {
        let empty: Result<Resume, _> = serde_json::from_str(r#"{"id": "r", "text": ""}"#);
        assert_eq!(empty.ok(), Some(Resume::new("r", "")));
        let missing = serde_json::from_str::<Resume>(r#"{"id": "r"}"#)
            .err()
            .map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.contains("no 'text'")));
    }

    #[test]
    fn serialization_round_trips() {
        let resume = Resume::new("9", "Line one\nline two").with_metadata("category", "HR");
        let json = serde_json::to_string(&resume).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"id":"9","text":"Line one\nline two","metadata":{"category":"HR"}}"#
        );
        assert_eq!(serde_json::from_str::<Resume>(&json).ok(), Some(resume));
    }
}
