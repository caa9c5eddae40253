//! [`Catalog`]: the jobs to recommend from, read from JSON lines or CSV, with
//! unique ids; the bundled O*NET catalog; and [`JobFields`], which says what
//! text of a job is embedded.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::LazyLock;

use jobfit_text::{DataSource, Job, JobColumns, JobReader, ReadOptions};
use serde::{Deserialize, Serialize};

use crate::error::{MatchError, Result};

/// The bundled O*NET 29.3 occupations, one job per line (see `data/NOTICE.md`).
const ONET_JSONL: &str = include_str!("../data/onet-29.3-occupations.jsonl");

/// The name the bundled catalog carries in messages and index metadata.
pub const ONET_CATALOG_NAME: &str = "onet-29.3-occupations";

/// Parsed on first use; the unit test `bundled_onet_catalog_parses` reads it on every test run.
static ONET: LazyLock<Catalog> = LazyLock::new(|| {
    // Cannot fail: the file is compiled in and checked by the unit test below.
    Catalog::from_jsonl_str(ONET_CATALOG_NAME, ONET_JSONL)
        .expect("the bundled O*NET catalog is a valid catalog")
});

/// A set of jobs with unique ids, in the order read.
///
/// ```
/// use jobfit_match::Catalog;
/// use jobfit_text::Job;
///
/// let catalog = Catalog::from_jobs(vec![Job::new("1", "Baker"), Job::new("2", "Nurse")])?;
/// assert_eq!(catalog.len(), 2);
/// assert_eq!(catalog.position("2"), Some(1));
/// assert!(Catalog::from_jobs(vec![Job::new("1", "Baker"), Job::new("1", "Cook")]).is_err());
/// # Ok::<(), jobfit_match::MatchError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Catalog {
    jobs: Vec<Job>,
    by_id: HashMap<String, usize>,
    source: Option<PathBuf>,
}

impl Catalog {
    /// A catalog of jobs built in code; positions stand in for line numbers
    /// in duplicate-id errors (`record 3`).
    ///
    /// # Errors
    ///
    /// [`MatchError::EmptyCatalog`] without jobs, [`MatchError::DuplicateId`]
    /// when two jobs share an id.
    pub fn from_jobs(jobs: Vec<Job>) -> Result<Self> {
        let mut by_id = HashMap::with_capacity(jobs.len());
        for (position, job) in jobs.iter().enumerate() {
            if let Some(first) = by_id.insert(job.id.clone(), position) {
                return Err(MatchError::DuplicateId {
                    path: None,
                    id: job.id.clone(),
                    first: format!("record {}", first + 1),
                    second: format!("record {}", position + 1),
                });
            }
        }
        if jobs.is_empty() {
            return Err(MatchError::EmptyCatalog { path: None });
        }
        Ok(Self {
            jobs,
            by_id,
            source: None,
        })
    }

    /// Reads every job of a reader, stopping at the first bad record.
    ///
    /// # Errors
    ///
    /// The reader's errors (a missing id or title names its line), and
    /// [`MatchError::DuplicateId`] naming both lines of a repeated id,
    /// [`MatchError::EmptyCatalog`] when the source holds no job.
    pub fn from_reader(mut reader: JobReader) -> Result<Self> {
        let path = reader.path().to_path_buf();
        let mut jobs = Vec::new();
        let mut by_id: HashMap<String, (usize, u64)> = HashMap::new();
        while let Some(job) = reader.next() {
            let job = job?;
            let line = reader.line();
            if let Some(&(_, first)) = by_id.get(&job.id) {
                return Err(MatchError::DuplicateId {
                    path: Some(path),
                    id: job.id,
                    first: format!("line {first}"),
                    second: format!("line {line}"),
                });
            }
            by_id.insert(job.id.clone(), (jobs.len(), line));
            jobs.push(job);
        }
        if jobs.is_empty() {
            return Err(MatchError::EmptyCatalog { path: Some(path) });
        }
        Ok(Self {
            jobs,
            by_id: by_id
                .into_iter()
                .map(|(id, (position, _))| (id, position))
                .collect(),
            source: Some(path),
        })
    }

    /// Reads a JSON lines file of jobs (`-` for standard input).
    ///
    /// # Errors
    ///
    /// As [`Catalog::from_reader`], and [`MatchError::Data`] when the file
    /// cannot be opened.
    pub fn from_jsonl(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_reader(jobfit_text::read_jobs_jsonl(path, ReadOptions::default())?)
    }

    /// Reads a CSV file of jobs through a column mapping.
    ///
    /// # Errors
    ///
    /// As [`Catalog::from_reader`], and [`MatchError::Data`] when the file
    /// cannot be opened or lacks a mapped column.
    pub fn from_csv(path: impl AsRef<Path>, columns: &JobColumns) -> Result<Self> {
        Self::from_reader(jobfit_text::read_jobs_csv(
            path,
            columns,
            ReadOptions::default(),
        )?)
    }

    /// Reads a catalog file, choosing the format by extension: `.csv` is CSV
    /// with the default column mapping, anything else JSON lines.
    ///
    /// # Errors
    ///
    /// As [`Catalog::from_jsonl`] and [`Catalog::from_csv`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let is_csv = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
        if is_csv {
            Self::from_csv(path, &JobColumns::default())
        } else {
            Self::from_jsonl(path)
        }
    }

    /// Parses JSON lines held in memory; `name` stands for the file in errors.
    ///
    /// # Errors
    ///
    /// As [`Catalog::from_reader`].
    pub fn from_jsonl_str(name: &str, text: &str) -> Result<Self> {
        let source = DataSource::from_reader(name, std::io::Cursor::new(text.to_owned()));
        Self::from_reader(JobReader::jsonl(source, ReadOptions::default()))
    }

    /// The bundled catalog: the 1,016 occupations of O*NET 29.3 (title,
    /// description, main tasks and technology skills), parsed on first use.
    ///
    /// O*NET is a trademark of the U.S. Department of Labor; the data is
    /// used under CC BY 4.0 (see `crates/match/data/NOTICE.md`).
    pub fn onet() -> &'static Catalog {
        &ONET
    }

    /// The fields to embed for [`Catalog::onet`]: title and description
    /// (which holds the main tasks). The technology skill lists are left out
    /// of the embedded text, though explanations still use them: they are
    /// long lists of office and engineering products that many occupations
    /// share, and on held-out resumes -> O*NET occupations they lowered the
    /// zero-shot MRR@10 from 0.431 to 0.415 (`jobfit eval retrieve
    /// --catalog-fields title,description` against the default fields).
    pub fn onet_fields() -> JobFields {
        JobFields(vec![JobField::Title, JobField::Description])
    }

    /// The jobs, in the order read.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// The jobs, in the order read, without copying them.
    pub fn into_jobs(self) -> Vec<Job> {
        self.jobs
    }

    /// The job at a position.
    pub fn get(&self, position: usize) -> Option<&Job> {
        self.jobs.get(position)
    }

    /// The job with an id.
    pub fn by_id(&self, id: &str) -> Option<&Job> {
        self.position(id)
            .and_then(|position| self.jobs.get(position))
    }

    /// The position of the job with an id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The number of jobs (never 0).
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Always `false`: a catalog holds at least one job.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// The file the catalog was read from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// The jobs as JSON lines (the format [`Catalog::from_jsonl`] reads).
    pub fn to_jsonl(&self) -> Result<String> {
        let mut out = String::new();
        for job in &self.jobs {
            let line = serde_json::to_string(job).map_err(|error| {
                MatchError::Backend(format!("cannot serialize job {:?}: {error}", job.id))
            })?;
            out.push_str(&line);
            out.push('\n');
        }
        Ok(out)
    }

    /// The text of each job for `fields`, cleaned, in catalog order.
    pub fn texts(&self, fields: &JobFields) -> Vec<String> {
        use rayon::prelude::*;
        self.jobs.par_iter().map(|job| fields.text(job)).collect()
    }
}

/// A part of a job that goes into the text to embed and to search.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JobField {
    /// The title.
    Title,
    /// The description.
    Description,
    /// The skills, as `Skills: a, b, c`.
    Skills,
    /// The location.
    Location,
    /// A metadata value, as `key: value`.
    Metadata(String),
}

/// Which parts of a job make its text, in order, one per line.
///
/// The default is title, description and skills, the text of
/// [`Job::text`]. Parse a list with `"title,description"` (names: `title`,
/// `description`, `skills`, `location`, `metadata.KEY`).
///
/// ```
/// use jobfit_match::JobFields;
/// use jobfit_text::Job;
///
/// let fields: JobFields = "title,description".parse()?;
/// let job = Job::new("1", "Baker").with_description("Bakes <b>bread</b>.").with_skills(["ovens"]);
/// assert_eq!(fields.text(&job), "Baker\nBakes bread.");
/// assert_eq!(JobFields::default().text(&job), "Baker\nBakes bread.\nSkills: ovens");
/// # Ok::<(), jobfit_match::MatchError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobFields(Vec<JobField>);

impl Default for JobFields {
    fn default() -> Self {
        Self(vec![
            JobField::Title,
            JobField::Description,
            JobField::Skills,
        ])
    }
}

impl JobFields {
    /// Fields in the order given.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidOption`] for an empty list.
    pub fn new(fields: Vec<JobField>) -> Result<Self> {
        if fields.is_empty() {
            return Err(MatchError::InvalidOption {
                name: "catalog fields",
                value: "[]".into(),
                reason: "name at least one field, e.g. title".into(),
            });
        }
        Ok(Self(fields))
    }

    /// The fields.
    pub fn fields(&self) -> &[JobField] {
        &self.0
    }

    /// The cleaned text of a job: each field present on its own line.
    pub fn text(&self, job: &Job) -> String {
        let mut parts: Vec<String> = Vec::with_capacity(self.0.len());
        for field in &self.0 {
            let part = match field {
                JobField::Title => job.title.clone(),
                JobField::Description => job.description.clone(),
                JobField::Skills if !job.skills.is_empty() => {
                    format!("Skills: {}", job.skills.join(", "))
                }
                JobField::Skills => String::new(),
                JobField::Location => job.location.clone().unwrap_or_default(),
                JobField::Metadata(key) => job
                    .metadata
                    .get(key)
                    .map(|value| format!("{key}: {value}"))
                    .unwrap_or_default(),
            };
            let part = jobfit_text::clean(&part);
            if !part.is_empty() {
                parts.push(part);
            }
        }
        parts.join("\n")
    }
}

impl FromStr for JobFields {
    type Err = MatchError;

    fn from_str(text: &str) -> Result<Self> {
        let mut fields = Vec::new();
        for name in text
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            let field = match name.to_ascii_lowercase().as_str() {
                "title" => JobField::Title,
                "description" => JobField::Description,
                "skills" => JobField::Skills,
                "location" => JobField::Location,
                _ => match name.strip_prefix("metadata.") {
                    Some(key) if !key.is_empty() => JobField::Metadata(key.to_string()),
                    _ => {
                        return Err(MatchError::InvalidOption {
                            name: "catalog fields",
                            value: name.to_string(),
                            reason: "use title, description, skills, location or metadata.KEY"
                                .into(),
                        });
                    }
                },
            };
            fields.push(field);
        }
        Self::new(fields)
    }
}

impl fmt::Display for JobFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .0
            .iter()
            .map(|field| match field {
                JobField::Title => "title".to_string(),
                JobField::Description => "description".to_string(),
                JobField::Skills => "skills".to_string(),
                JobField::Location => "location".to_string(),
                JobField::Metadata(key) => format!("metadata.{key}"),
            })
            .collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_onet_catalog_parses() {
        let catalog = Catalog::from_jsonl_str(ONET_CATALOG_NAME, ONET_JSONL)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(catalog.len(), 1016);
        assert!(catalog.jobs().iter().all(|job| !job.description.is_empty()));
        assert_eq!(Catalog::onet().len(), 1016);
    }

    #[test]
    fn fields_round_trip_through_text() {
        let fields: JobFields = "title, skills ,metadata.remote".parse().unwrap();
        assert_eq!(fields.to_string(), "title,skills,metadata.remote");
        assert!("title,salary".parse::<JobFields>().is_err());
        assert!("".parse::<JobFields>().is_err());
        let job = Job::new("1", "Cook").with_metadata("remote", "yes");
        assert_eq!(fields.text(&job), "Cook\nremote: yes");
    }
}
