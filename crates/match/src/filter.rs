//! [`JobFilter`]: which jobs a recommendation may return (location, salary
//! range, metadata equality).

use std::collections::{BTreeMap, HashMap, HashSet};

use jobfit_text::Job;
use serde::{Deserialize, Serialize};

use crate::error::{MatchError, Result};

/// How a location filter compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationFilter {
    /// The job's location contains this text, ignoring case (`"berlin"`
    /// keeps `"Berlin, Germany"`).
    Contains(String),
    /// The job's location equals this text, ignoring case and surrounding
    /// spaces.
    Equals(String),
}

/// Constraints on the jobs returned. Every constraint set must hold; the
/// default keeps every job.
///
/// - **location**: a job without a location fails a location filter;
/// - **salary**: the wanted range must overlap the job's range (a missing
///   bound is open on either side); a job without a salary fails it;
/// - **metadata**: each `key = value` must equal the job's metadata value,
///   ignoring case and surrounding spaces; a job without the key fails it.
///
/// A filter on a field that no job of the catalog has is refused when a
/// [`Matcher`](crate::Matcher) recommends with it (it would silently return
/// nothing).
///
/// ```
/// use jobfit_match::{JobFilter, LocationFilter};
/// use jobfit_text::{Job, SalaryRange};
///
/// let filter = JobFilter::new()
///     .with_location(LocationFilter::Contains("berlin".into()))
///     .with_salary(Some(60_000.0), None)
///     .with_metadata("remote", "yes");
/// let job = Job::new("1", "Rust engineer")
///     .with_location("Berlin, Germany")
///     .with_salary(SalaryRange::new(Some(50_000.0), Some(70_000.0))?)
///     .with_metadata("remote", "Yes");
/// assert!(filter.matches(&job));
/// assert!(!filter.matches(&Job::new("2", "Cook").with_location("Berlin")));
/// # Ok::<(), jobfit_text::DataError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobFilter {
    /// The location constraint.
    pub location: Option<LocationFilter>,
    /// The wanted salary range `(min, max)`; either bound may be open.
    pub salary: Option<(Option<f64>, Option<f64>)>,
    /// Metadata values that must match.
    pub metadata: BTreeMap<String, String>,
}

/// How many jobs of a catalog have each filterable field, kept up to date
/// as jobs come and go, to refuse filters on fields no job has.
#[derive(Debug, Clone, Default)]
pub(crate) struct CatalogFacts {
    location: usize,
    salary: usize,
    metadata_keys: BTreeMap<String, usize>,
}

impl CatalogFacts {
    /// Facts read elsewhere (a database): whether any job has a location, a
    /// salary, and which metadata keys.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn set(
        &mut self,
        location: bool,
        salary: bool,
        metadata_keys: impl Iterator<Item = String>,
    ) {
        self.location = usize::from(location);
        self.salary = usize::from(salary);
        self.metadata_keys = metadata_keys.map(|key| (key, 1)).collect();
    }

    pub(crate) fn add(&mut self, job: &Job) {
        self.location += usize::from(job.location.is_some());
        self.salary += usize::from(job.salary.is_some());
        for key in job.metadata.keys() {
            *self.metadata_keys.entry(key.clone()).or_default() += 1;
        }
    }

    pub(crate) fn remove(&mut self, job: &Job) {
        self.location -= usize::from(job.location.is_some());
        self.salary -= usize::from(job.salary.is_some());
        for key in job.metadata.keys() {
            if let Some(count) = self.metadata_keys.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    self.metadata_keys.remove(key);
                }
            }
        }
    }
}

/// Metadata values to positions, so an equality filter finds the jobs it
/// keeps without scanning the catalog.
#[derive(Debug, Clone, Default)]
pub(crate) struct FilterIndex {
    /// key -> normalized value -> positions.
    metadata: HashMap<String, HashMap<String, HashSet<u32>>>,
}

impl FilterIndex {
    pub(crate) fn add(&mut self, position: usize, job: &Job) {
        let Ok(position) = u32::try_from(position) else {
            return;
        };
        for (key, value) in &job.metadata {
            self.metadata
                .entry(key.clone())
                .or_default()
                .entry(normalized(value))
                .or_default()
                .insert(position);
        }
    }

    pub(crate) fn remove(&mut self, position: usize, job: &Job) {
        let Ok(position) = u32::try_from(position) else {
            return;
        };
        for (key, value) in &job.metadata {
            if let Some(values) = self.metadata.get_mut(key) {
                let value = normalized(value);
                if let Some(positions) = values.get_mut(&value) {
                    positions.remove(&position);
                    if positions.is_empty() {
                        values.remove(&value);
                    }
                }
                if values.is_empty() {
                    self.metadata.remove(key);
                }
            }
        }
    }

    /// The positions that pass `filter`'s metadata constraints, in no
    /// order: the intersection of their postings (values normalized as
    /// [`JobFilter::matches`] compares them), read without a job. Exactly
    /// the jobs the filter keeps when it constrains metadata alone, a
    /// superset when it also constrains location or salary; `None` when it
    /// has no metadata constraint and every job is a candidate.
    pub(crate) fn candidates(&self, filter: &JobFilter) -> Option<Vec<usize>> {
        let mut sets = Vec::with_capacity(filter.metadata.len());
        for (key, wanted) in &filter.metadata {
            match self
                .metadata
                .get(key)
                .and_then(|values| values.get(&normalized(wanted)))
            {
                Some(positions) => sets.push(positions),
                None => return Some(Vec::new()),
            }
        }
        sets.sort_by_key(|set| set.len());
        let (smallest, rest) = sets.split_first()?;
        Some(
            smallest
                .iter()
                .filter(|position| rest.iter().all(|set| set.contains(position)))
                .map(|&position| position as usize)
                .collect(),
        )
    }
}

fn normalized(value: &str) -> String {
    value.trim().to_lowercase()
}

fn same_text(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}

impl JobFilter {
    /// A filter that keeps every job.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a location constraint.
    #[must_use]
    pub fn with_location(mut self, location: LocationFilter) -> Self {
        self.location = Some(location);
        self
    }

    /// Adds a salary range constraint.
    #[must_use]
    pub fn with_salary(mut self, min: Option<f64>, max: Option<f64>) -> Self {
        self.salary = Some((min, max));
        self
    }

    /// Adds a metadata equality constraint.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Whether the filter keeps every job.
    pub fn is_empty(&self) -> bool {
        self.location.is_none() && self.salary.is_none() && self.metadata.is_empty()
    }

    /// Whether a job passes.
    pub fn matches(&self, job: &Job) -> bool {
        let location_ok = match (&self.location, &job.location) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(LocationFilter::Contains(wanted)), Some(location)) => location
                .to_lowercase()
                .contains(wanted.trim().to_lowercase().as_str()),
            (Some(LocationFilter::Equals(wanted)), Some(location)) => same_text(location, wanted),
        };
        let salary_ok = match (self.salary, job.salary) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((want_min, want_max)), Some(range)) => {
                range
                    .max()
                    .is_none_or(|high| want_min.is_none_or(|low| high >= low))
                    && range
                        .min()
                        .is_none_or(|low| want_max.is_none_or(|high| low <= high))
            }
        };
        location_ok
            && salary_ok
            && self.metadata.iter().all(|(key, wanted)| {
                job.metadata
                    .get(key)
                    .is_some_and(|value| same_text(value, wanted))
            })
    }

    /// Checks the filter against what the catalog's jobs have, and its salary bounds.
    pub(crate) fn check(&self, facts: &CatalogFacts) -> Result<()> {
        let unknown = |field: String| MatchError::UnknownFilterField {
            field,
            known: facts.metadata_keys.keys().cloned().collect(),
        };
        if self.location.is_some() && facts.location == 0 {
            return Err(unknown("a location".into()));
        }
        if let Some((min, max)) = self.salary {
            if facts.salary == 0 {
                return Err(unknown("a salary".into()));
            }
            let bad = min.into_iter().chain(max).any(|bound| !bound.is_finite());
            if bad || matches!((min, max), (Some(low), Some(high)) if low > high) {
                return Err(MatchError::InvalidOption {
                    name: "salary filter",
                    value: format!("{min:?}..{max:?}"),
                    reason: "give finite bounds with min <= max (either may be left open)".into(),
                });
            }
        }
        for key in self.metadata.keys() {
            if !facts.metadata_keys.contains_key(key) {
                return Err(unknown(format!("the metadata key {key:?}")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobfit_text::SalaryRange;

    fn job_with_salary(min: Option<f64>, max: Option<f64>) -> Job {
        Job::new("1", "x").with_salary(SalaryRange::new(min, max).unwrap())
    }

    #[test]
    fn salary_ranges_overlap_with_open_bounds() {
        let want = JobFilter::new().with_salary(Some(50.0), Some(60.0));
        assert!(want.matches(&job_with_salary(Some(40.0), Some(50.0))));
        assert!(want.matches(&job_with_salary(Some(55.0), None)));
        assert!(want.matches(&job_with_salary(None, Some(70.0))));
        assert!(!want.matches(&job_with_salary(Some(61.0), Some(90.0))));
        assert!(!want.matches(&job_with_salary(None, Some(49.0))));
        assert!(!want.matches(&Job::new("2", "no salary")));
        let at_least = JobFilter::new().with_salary(Some(100.0), None);
        assert!(at_least.matches(&job_with_salary(None, Some(100.0))));
        assert!(!at_least.matches(&job_with_salary(Some(10.0), Some(99.0))));
    }

    #[test]
    fn metadata_postings_keep_exactly_what_matches_keeps() {
        let jobs = [
            Job::new("0", "a")
                .with_metadata("region", "North")
                .with_metadata("remote", "yes"),
            Job::new("1", "b")
                .with_metadata("region", " north ")
                .with_metadata("remote", "no"),
            Job::new("2", "c")
                .with_metadata("region", "South")
                .with_metadata("remote", "YES"),
            Job::new("3", "d").with_metadata("remote", "yes"),
            Job::new("4", "e"),
        ];
        let mut index = FilterIndex::default();
        for (position, job) in jobs.iter().enumerate() {
            index.add(position, job);
        }
        // Job 1 leaves, then comes back as a southern remote job at position 1.
        index.remove(1, &jobs[1]);
        let moved = Job::new("1", "b")
            .with_metadata("region", "south")
            .with_metadata("remote", "Yes");
        index.add(1, &moved);
        let now = [&jobs[0], &moved, &jobs[2], &jobs[3], &jobs[4]];
        for filter in [
            JobFilter::new().with_metadata("region", "NORTH"),
            JobFilter::new().with_metadata("region", "south"),
            JobFilter::new().with_metadata("remote", "yes"),
            JobFilter::new()
                .with_metadata("remote", "yes")
                .with_metadata("region", "South "),
            JobFilter::new().with_metadata("remote", "maybe"),
            JobFilter::new().with_metadata("team", "x"),
        ] {
            let brute: Vec<usize> = (0..now.len()).filter(|&p| filter.matches(now[p])).collect();
            let mut kept = index.candidates(&filter).unwrap();
            kept.sort_unstable();
            assert_eq!(kept, brute, "{filter:?}");
        }
        // Other constraints are not the postings' to decide: with one, the
        // postings give the jobs its metadata keeps, for a check job by job.
        let located = JobFilter::new()
            .with_metadata("remote", "yes")
            .with_location(LocationFilter::Equals("Paris".into()));
        let mut candidates = index.candidates(&located).unwrap();
        candidates.sort_unstable();
        assert_eq!(candidates, [0, 1, 2, 3]);
        assert!(candidates.iter().all(|&p| !located.matches(now[p])));
        assert_eq!(index.candidates(&JobFilter::new()), None);
    }

    #[test]
    fn location_equality_ignores_case_and_spaces() {
        let filter = JobFilter::new().with_location(LocationFilter::Equals(" paris ".into()));
        assert!(filter.matches(&Job::new("1", "x").with_location("Paris")));
        assert!(!filter.matches(&Job::new("1", "x").with_location("Paris, France")));
    }
}
