//! The `Job` record, its CSV column mapping and its readers.

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

/// A job posting.
///
/// In JSON a job is an object with `id` (a string or a number, which is
/// kept as its text) and `title`, both required and non-empty, and the
/// optional `description` (default empty), `skills` (an array of strings),
/// `aliases` (other names of the job: an array of strings), `location`,
/// `salary_min`, `salary_max` (numbers) and `metadata` (an object). Any
/// other top-level key is kept in the metadata too, so
/// `{"id": 1, "title": "Baker", "company": "Acme"}` has the metadata
/// `company = Acme`; a key in the `metadata` object wins over a top-level key
/// of the same name. Metadata values are text: strings as they are, other
/// JSON values as their JSON text (`true`, `3`), `null` left out.
///
/// Ids, titles and locations are trimmed; skills and aliases are trimmed and
/// empty ones dropped; the description is kept as given.
///
/// ```
/// use jobfit_text::Job;
///
/// let line = r#"{"id": 7, "title": "Data Engineer", "skills": ["SQL", "Spark"],
///               "salary_min": 50000, "remote": true}"#;
/// let job: Job = serde_json::from_str(line)?;
/// assert_eq!(job.id, "7");
/// assert_eq!(job.salary.map(|s| s.min()), Some(Some(50000.0)));
/// assert_eq!(job.metadata["remote"], "true");
/// assert_eq!(job.text(), "Data Engineer\nSkills: SQL, Spark");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// A unique id, never empty.
    pub id: String,
    /// The title, never empty.
    pub title: String,
    /// The description; may be empty.
    pub description: String,
    /// Skills asked for, in the order given.
    pub skills: Vec<String>,
    /// Other names of the job (alternate titles, synonyms, translations),
    /// in the order given. A matcher compares short queries with each name.
    pub aliases: Vec<String>,
    /// Where the job is.
    pub location: Option<String>,
    /// The salary range (`salary_min` / `salary_max` in JSON and CSV).
    pub salary: Option<SalaryRange>,
    /// Free key-value data (company, category, remote...), for filters.
    pub metadata: BTreeMap<String, String>,
}

impl Job {
    /// A job with only an id and a title.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: String::new(),
            skills: Vec::new(),
            aliases: Vec::new(),
            location: None,
            salary: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the skills.
    #[must_use]
    pub fn with_skills<S: Into<String>>(mut self, skills: impl IntoIterator<Item = S>) -> Self {
        self.skills = skills.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the location.
    #[must_use]
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Sets the salary range.
    #[must_use]
    pub fn with_salary(mut self, salary: SalaryRange) -> Self {
        self.salary = Some(salary);
        self
    }

    /// Sets the aliases (other names of the job).
    #[must_use]
    pub fn with_aliases<S: Into<String>>(mut self, aliases: impl IntoIterator<Item = S>) -> Self {
        self.aliases = aliases.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The text to embed for this job: the title, then the description (if
    /// not blank), then `Skills: ` and the skills joined with `, ` (if any),
    /// each part trimmed and on its own line.
    ///
    /// ```
    /// use jobfit_text::Job;
    ///
    /// let job = Job::new("1", "Baker").with_description(" Bakes bread. ").with_skills(["ovens", "dough"]);
    /// assert_eq!(job.text(), "Baker\nBakes bread.\nSkills: ovens, dough");
    /// ```
    pub fn text(&self) -> String {
        let mut text = self.title.trim().to_owned();
        let description = self.description.trim();
        if !description.is_empty() {
            text.push('\n');
            text.push_str(description);
        }
        if !self.skills.is_empty() {
            text.push_str("\nSkills: ");
            text.push_str(&self.skills.join(", "));
        }
        text
    }
}

/// A salary range with at least one bound; both bounds are finite and not
/// negative, and the minimum is not above the maximum.
///
/// The currency and period are not part of it: keep them in the job's metadata.
///
/// ```
/// use jobfit_text::SalaryRange;
///
/// let range = SalaryRange::new(Some(40_000.0), None)?;
/// assert!(range.contains(55_000.0) && !range.contains(30_000.0));
/// assert!(SalaryRange::new(Some(9.0), Some(5.0)).is_err());
/// # Ok::<(), jobfit_text::DataError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SalaryRange {
    min: Option<f64>,
    max: Option<f64>,
}

impl SalaryRange {
    /// A range from optional bounds.
    ///
    /// # Errors
    ///
    /// [`DataError::InvalidSalary`] when both bounds are absent, a bound is
    /// not finite or is negative, or `min > max`.
    pub fn new(min: Option<f64>, max: Option<f64>) -> Result<Self, DataError> {
        let invalid = |reason| Err(DataError::InvalidSalary { min, max, reason });
        if min.is_none() && max.is_none() {
            return invalid("give at least one bound, or no salary at all");
        }
        if min.into_iter().chain(max).any(|bound| !bound.is_finite()) {
            return invalid("bounds must be finite numbers");
        }
        if min.into_iter().chain(max).any(|bound| bound < 0.0) {
            return invalid("bounds must not be negative; leave a bound out when it is unknown");
        }
        if let (Some(low), Some(high)) = (min, max)
            && low > high
        {
            return invalid("salary_min is above salary_max; swap them or fix the data");
        }
        Ok(Self { min, max })
    }

    /// The lower bound.
    pub fn min(&self) -> Option<f64> {
        self.min
    }

    /// The upper bound.
    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// Whether `amount` lies within the bounds (a missing bound is open).
    pub fn contains(&self, amount: f64) -> bool {
        self.min.is_none_or(|low| amount >= low) && self.max.is_none_or(|high| amount <= high)
    }
}

/// The optional salary of a record: `None` without bounds.
fn salary(min: Option<f64>, max: Option<f64>) -> Result<Option<SalaryRange>, RecordError> {
    if min.is_none() && max.is_none() {
        return Ok(None);
    }
    SalaryRange::new(min, max)
        .map(Some)
        .map_err(|err| RecordError::Invalid(err.to_string()))
}

/// A job as it appears in JSON, before validation.
#[derive(Deserialize)]
#[serde(rename = "Job")]
struct JobRecord {
    id: Option<Value>,
    title: Option<String>,
    description: Option<String>,
    skills: Option<Vec<String>>,
    aliases: Option<Vec<String>>,
    location: Option<String>,
    salary_min: Option<f64>,
    salary_max: Option<f64>,
    metadata: Option<Map<String, Value>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl JobRecord {
    fn into_job(self) -> Result<Job, RecordError> {
        Ok(Job {
            id: record::id_from_json(self.id.as_ref())?,
            title: record::required(self.title.as_deref(), "title")?,
            description: self.description.unwrap_or_default(),
            skills: clean_skills(self.skills.unwrap_or_default()),
            aliases: clean_skills(self.aliases.unwrap_or_default()),
            location: record::optional(self.location.as_deref()),
            salary: salary(self.salary_min, self.salary_max)?,
            metadata: record::metadata_from_json(self.extra, self.metadata),
        })
    }
}

/// Trims skills (or aliases) and drops empty ones.
fn clean_skills(skills: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<String> {
    skills
        .into_iter()
        .filter_map(|skill| record::optional(Some(skill.as_ref())))
        .collect()
}

impl<'de> Deserialize<'de> for Job {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        JobRecord::deserialize(deserializer)?
            .into_job()
            .map_err(D::Error::custom)
    }
}

impl Serialize for Job {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The JSON shape: flat salary bounds, empty parts left out.
        #[derive(Serialize)]
        struct Wire<'a> {
            id: &'a str,
            title: &'a str,
            #[serde(skip_serializing_if = "str::is_empty")]
            description: &'a str,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            skills: &'a [String],
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            aliases: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            location: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            salary_min: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            salary_max: Option<f64>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            metadata: &'a BTreeMap<String, String>,
        }
        Wire {
            id: &self.id,
            title: &self.title,
            description: &self.description,
            skills: &self.skills,
            aliases: &self.aliases,
            location: self.location.as_deref(),
            salary_min: self.salary.and_then(|s| s.min),
            salary_max: self.salary.and_then(|s| s.max),
            metadata: &self.metadata,
        }
        .serialize(serializer)
    }
}

/// Which CSV columns hold a job's fields.
///
/// Each field defaults to the column named like it (`id`, `title`,
/// `description`, `skills`, `aliases`, `location`, `salary_min`, `salary_max`). A
/// column named with a `with_*` method must exist; a defaulted one may be
/// absent, except `title`, and `id` unless [`JobColumns::with_generated_ids`]
/// is on. Columns not mapped to a field go into the metadata (see
/// [`MetadataColumns`]).
///
/// Skills and aliases are split on any of the skill separators (default `;`
/// and `|`, not `,`, which often appears inside one skill's description or
/// a title), trimmed, and empty ones dropped. Empty cells count as absent; a salary cell must
/// be a plain number (`52000.5`).
///
/// ```
/// use jobfit_text::JobColumns;
///
/// // The Google job skills CSV: no id column, other header names.
/// let columns = JobColumns::new()
///     .with_title("Title")
///     .with_description("Responsibilities")
///     .with_location("Location")
///     .with_generated_ids(true);
/// # let _ = columns;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobColumns {
    id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    skills: Option<String>,
    aliases: Option<String>,
    location: Option<String>,
    salary_min: Option<String>,
    salary_max: Option<String>,
    skill_separators: Vec<char>,
    metadata: MetadataColumns,
    generated_ids: bool,
}

impl Default for JobColumns {
    fn default() -> Self {
        Self {
            id: None,
            title: None,
            description: None,
            skills: None,
            aliases: None,
            location: None,
            salary_min: None,
            salary_max: None,
            skill_separators: vec![';', '|'],
            metadata: MetadataColumns::AllOthers,
            generated_ids: false,
        }
    }
}

impl JobColumns {
    /// The default mapping: every field from the column of its name.
    pub fn new() -> Self {
        Self::default()
    }

    /// The column holding the id.
    #[must_use]
    pub fn with_id(mut self, header: impl Into<String>) -> Self {
        self.id = Some(header.into());
        self
    }

    /// The column holding the title.
    #[must_use]
    pub fn with_title(mut self, header: impl Into<String>) -> Self {
        self.title = Some(header.into());
        self
    }

    /// The column holding the description.
    #[must_use]
    pub fn with_description(mut self, header: impl Into<String>) -> Self {
        self.description = Some(header.into());
        self
    }

    /// The column holding the skills.
    #[must_use]
    pub fn with_skills(mut self, header: impl Into<String>) -> Self {
        self.skills = Some(header.into());
        self
    }

    /// The column holding the aliases (other names of the job).
    #[must_use]
    pub fn with_aliases(mut self, header: impl Into<String>) -> Self {
        self.aliases = Some(header.into());
        self
    }

    /// The column holding the location.
    #[must_use]
    pub fn with_location(mut self, header: impl Into<String>) -> Self {
        self.location = Some(header.into());
        self
    }

    /// The column holding the lower salary bound.
    #[must_use]
    pub fn with_salary_min(mut self, header: impl Into<String>) -> Self {
        self.salary_min = Some(header.into());
        self
    }

    /// The column holding the upper salary bound.
    #[must_use]
    pub fn with_salary_max(mut self, header: impl Into<String>) -> Self {
        self.salary_max = Some(header.into());
        self
    }

    /// The characters that separate skills in the skills cell, and aliases
    /// in the aliases cell (default `;` and `|`). With none, the whole cell
    /// is one skill (one alias).
    #[must_use]
    pub fn with_skill_separators(mut self, separators: impl IntoIterator<Item = char>) -> Self {
        self.skill_separators = separators.into_iter().collect();
        self
    }

    /// Which columns go into the metadata (default: all others).
    #[must_use]
    pub fn with_metadata(mut self, metadata: MetadataColumns) -> Self {
        self.metadata = metadata;
        self
    }

    /// When on and the id column is absent, each job's id is its 1-based row
    /// number among the data rows (the header is not counted, malformed rows
    /// are): `"1"`, `"2"`, ... Default: off, and a missing id column is an error.
    #[must_use]
    pub fn with_generated_ids(mut self, generated: bool) -> Self {
        self.generated_ids = generated;
        self
    }
}

/// Where each job field sits in a selected CSV row.
#[derive(Debug)]
struct JobSlots {
    /// `None`: generated from the row number.
    id: Option<usize>,
    title: Option<usize>,
    description: Option<usize>,
    skills: Option<usize>,
    aliases: Option<usize>,
    location: Option<usize>,
    salary_min: Option<usize>,
    salary_max: Option<usize>,
}

/// Jobs from CSV rows.
#[derive(Debug)]
struct CsvJobs {
    rows: CsvRows,
    slots: JobSlots,
    plan: ColumnPlan,
    separators: Vec<char>,
}

impl CsvJobs {
    fn new(table: CsvTable, columns: &JobColumns) -> Result<Self, DataError> {
        let mut plan = ColumnPlan::default();
        let id_required = !columns.generated_ids;
        let slots = JobSlots {
            id: plan.field(&table, columns.id.as_deref(), "id", id_required)?,
            title: plan.field(&table, columns.title.as_deref(), "title", true)?,
            description: plan.field(
                &table,
                columns.description.as_deref(),
                "description",
                false,
            )?,
            skills: plan.field(&table, columns.skills.as_deref(), "skills", false)?,
            aliases: plan.field(&table, columns.aliases.as_deref(), "aliases", false)?,
            location: plan.field(&table, columns.location.as_deref(), "location", false)?,
            salary_min: plan.field(&table, columns.salary_min.as_deref(), "salary_min", false)?,
            salary_max: plan.field(&table, columns.salary_max.as_deref(), "salary_max", false)?,
        };
        plan.metadata(&table, &columns.metadata)?;
        let rows = table.select_indices(plan.select.clone());
        Ok(Self {
            rows,
            slots,
            plan,
            separators: columns.skill_separators.clone(),
        })
    }

    fn job(&self, index: u64, values: &[String]) -> Result<Job, RecordError> {
        let slots = &self.slots;
        let id = match slots.id {
            Some(position) => record::required(cell(values, Some(position)), "id")?,
            None => index.to_string(),
        };
        let skills = cell(values, slots.skills).unwrap_or_default();
        let aliases = cell(values, slots.aliases).unwrap_or_default();
        Ok(Job {
            id,
            title: record::required(cell(values, slots.title), "title")?,
            description: cell(values, slots.description)
                .unwrap_or_default()
                .to_owned(),
            skills: clean_skills(skills.split(self.separators.as_slice())),
            aliases: clean_skills(aliases.split(self.separators.as_slice())),
            location: record::optional(cell(values, slots.location)),
            salary: salary(
                number(cell(values, slots.salary_min), "salary_min")?,
                number(cell(values, slots.salary_max), "salary_max")?,
            )?,
            metadata: self.plan.row_metadata(values),
        })
    }
}

/// A number from a CSV cell; an empty cell is absent.
fn number(value: Option<&str>, field: &str) -> Result<Option<f64>, RecordError> {
    let Some(text) = record::optional(value) else {
        return Ok(None);
    };
    match text.parse::<f64>() {
        Ok(number) => Ok(Some(number)),
        Err(_) => Err(RecordError::Invalid(format!(
            "{field} '{text}' is not a number; write a plain number such as 52000.5, \
             without currency signs or thousands separators"
        ))),
    }
}

/// Reads [`Job`]s from JSON lines or CSV, validating each.
///
/// Yields one `Result` per record; a bad record is an `Err` naming its file
/// and line ([`DataError::MissingField`] for a missing id or title,
/// [`DataError::Invalid`] for a bad salary, ...) and reading goes on with the
/// next one. Blank JSON lines are skipped.
///
/// ```
/// use jobfit_text::{DataSource, DataError, JobReader, ReadOptions};
///
/// let text = "{\"id\": 1, \"title\": \"Nurse\"}\n{\"id\": 2}\n";
/// let source = DataSource::from_reader("jobs.jsonl", std::io::Cursor::new(text));
/// let jobs: Vec<_> = JobReader::jsonl(source, ReadOptions::default()).collect();
/// assert_eq!(jobs[0].as_ref().map(|job| job.title.as_str()).ok(), Some("Nurse"));
/// assert!(matches!(&jobs[1], Err(DataError::MissingField { line: 2, field, .. }) if field == "title"));
/// ```
#[derive(Debug)]
pub struct JobReader {
    inner: Inner,
    /// The line where the last record parsed starts.
    line: u64,
}

#[derive(Debug)]
enum Inner {
    Jsonl(JsonlReader<JobRecord>),
    Csv(Box<CsvJobs>),
}

impl JobReader {
    /// Reads JSON lines from a source.
    pub fn jsonl(source: DataSource, options: ReadOptions) -> Self {
        Self {
            inner: Inner::Jsonl(JsonlReader::new(source, options)),
            line: 0,
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
        columns: &JobColumns,
        options: ReadOptions,
    ) -> Result<Self, DataError> {
        let table = CsvTable::from_source(source, options)?;
        Ok(Self {
            inner: Inner::Csv(Box::new(CsvJobs::new(table, columns)?)),
            line: 0,
        })
    }

    /// The name used in errors.
    pub fn path(&self) -> &Path {
        match &self.inner {
            Inner::Jsonl(reader) => reader.path(),
            Inner::Csv(jobs) => jobs.rows.path(),
        }
    }

    /// The 1-based line where the job last yielded by the iterator starts
    /// (0 before the first), so that callers can point at a record that is
    /// valid on its own but wrong in context, such as a duplicate id. Errors
    /// carry their own line.
    ///
    /// ```
    /// use jobfit_text::{DataSource, JobReader, ReadOptions};
    ///
    /// let text = "\n{\"id\": 1, \"title\": \"Nurse\"}\n{\"id\": 1, \"title\": \"Cook\"}\n";
    /// let mut jobs = JobReader::jsonl(DataSource::from_reader("jobs.jsonl", std::io::Cursor::new(text)), ReadOptions::default());
    /// assert_eq!(jobs.line(), 0);
    /// jobs.next();
    /// assert_eq!(jobs.line(), 2);
    /// jobs.next();
    /// assert_eq!(jobs.line(), 3);
    /// ```
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl Iterator for JobReader {
    type Item = Result<Job, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Jsonl(reader) => {
                let path = reader.path().to_path_buf();
                let line = &mut self.line;
                Some(reader.next()?.and_then(|(at, record)| {
                    *line = at;
                    record.into_job().map_err(|err| err.at(&path, at))
                }))
            }
            Inner::Csv(jobs) => {
                let row = jobs.rows.next_row()?;
                let path = jobs.rows.path();
                let line = &mut self.line;
                Some(row.and_then(|row| {
                    *line = row.line;
                    jobs.job(row.index, &row.values)
                        .map_err(|err| err.at(path, row.line))
                }))
            }
        }
    }
}

/// Opens a JSON lines file of jobs (`-` for standard input).
///
/// # Errors
///
/// [`DataError::Open`] naming the path; errors in records come from the iterator.
pub fn read_jobs_jsonl(
    path: impl AsRef<Path>,
    options: ReadOptions,
) -> Result<JobReader, DataError> {
    Ok(JobReader::jsonl(DataSource::open(path)?, options))
}

/// Opens a CSV file of jobs (`-` for standard input) with a column mapping.
///
/// # Errors
///
/// [`DataError::Open`] naming the path, [`DataError::MissingColumn`] naming
/// the column and listing the headers; errors in records come from the iterator.
pub fn read_jobs_csv(
    path: impl AsRef<Path>,
    columns: &JobColumns,
    options: ReadOptions,
) -> Result<JobReader, DataError> {
    JobReader::csv(DataSource::open(path)?, columns, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salary_rules() {
        assert!(SalaryRange::new(Some(1.0), Some(1.0)).is_ok());
        assert!(SalaryRange::new(None, Some(0.0)).is_ok());
        for (min, max) in [
            (None, None),
            (Some(2.0), Some(1.0)),
            (Some(f64::NAN), None),
            (None, Some(f64::INFINITY)),
            (Some(-1.0), None),
        ] {
            assert!(
                matches!(
                    SalaryRange::new(min, max),
                    Err(DataError::InvalidSalary { .. })
                ),
                "{min:?} {max:?}"
            );
        }
    }

    #[test]
    fn contains_treats_missing_bounds_as_open() {
        let range = SalaryRange {
            min: None,
            max: Some(10.0),
        };
        assert!(range.contains(0.0) && range.contains(10.0) && !range.contains(10.5));
    }

    #[test]
    fn serialization_round_trips() {
        let job = Job::new("a", "Cook")
            .with_description("Cooks.")
            .with_skills(["knives"])
            .with_aliases(["Chef de partie", "Line cook"])
            .with_location("Lyon")
            .with_metadata("title", "shadowed key stays in metadata");
        let job = Job {
            salary: SalaryRange::new(Some(10.0), Some(20.0)).ok(),
            ..job
        };
        let json = serde_json::to_string(&job).unwrap_or_default();
        assert!(
            json.contains("\"salary_min\":10.0") && json.contains("\"salary_max\":20.0"),
            "{json}"
        );
        let back: Option<Job> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(job));
        let bare = serde_json::to_string(&Job::new("b", "Baker")).unwrap_or_default();
        assert_eq!(bare, r#"{"id":"b","title":"Baker"}"#);
    }

    #[test]
    fn aliases_are_trimmed_and_blank_ones_dropped() {
        let line = r#"{"id": 1, "title": "Cook", "aliases": [" Line cook ", "", "  ", "Chef"]}"#;
        let job: Job = serde_json::from_str(line).unwrap_or_else(|_| Job::new("x", "x"));
        assert_eq!(job.aliases, ["Line cook", "Chef"]);
        let wrong = r#"{"id": 1, "title": "Cook", "aliases": "Chef"}"#;
        assert!(serde_json::from_str::<Job>(wrong).is_err());
    }

    #[test]
    fn csv_aliases_split_on_the_skill_separators() -> Result<(), DataError> {
        let text = "id,title,other_names\n1,Cook,Line cook; Chef |  \n2,Baker,\n";
        let source = DataSource::from_reader("jobs.csv", std::io::Cursor::new(text));
        let columns = JobColumns::new().with_aliases("other_names");
        let jobs = JobReader::csv(source, &columns, ReadOptions::default())?
            .collect::<Result<Vec<_>, _>>()?;
        assert_eq!(jobs[0].aliases, ["Line cook", "Chef"]);
        assert!(jobs[1].aliases.is_empty());
        assert!(!jobs[0].metadata.contains_key("other_names"));
        Ok(())
    }

    #[test]
    fn csv_numbers_must_be_plain() {
        assert!(matches!(number(Some(" 52000.5 "), "salary_min"), Ok(Some(v)) if v == 52000.5));
        assert!(matches!(number(Some(""), "salary_min"), Ok(None)));
        assert!(
            matches!(number(Some("$50,000"), "salary_min"), Err(RecordError::Invalid(m)) if m.contains("'$50,000'"))
        );
        // Rust parses "inf"; the range check rejects it.
        assert!(salary(number(Some("inf"), "salary_min").ok().flatten(), None).is_err());
    }
}
