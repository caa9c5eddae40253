//! [`JobNames`]: one vector per name of each job (its title and aliases),
//! which a short query such as a job title is compared with.

use ndarray::ArrayView2;

use crate::error::{MatchError, Result};
use crate::vector::{ExactIndex, VectorIndex, dot};

/// The names of a job that an index embeds: its title, then its aliases,
/// each cleaned, without blanks and without repeats (ignoring case).
///
/// ```
/// use jobfit_match::job_names;
/// use jobfit_text::Job;
///
/// let job = Job::new("1", "Cook").with_aliases(["Line cook", "COOK", " "]);
/// assert_eq!(job_names(&job), ["Cook", "Line cook"]);
/// ```
pub fn job_names(job: &jobfit_text::Job) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    std::iter::once(&job.title)
        .chain(&job.aliases)
        .map(|name| jobfit_text::clean(name))
        .filter(|name| !name.is_empty() && seen.insert(name.to_lowercase()))
        .collect()
}

/// The most names one job may have: name `i` of the job at position `p`
/// is keyed `p << 16 | i` in an approximate index.
pub const MAX_NAMES_PER_JOB: usize = u16::MAX as usize;

/// A removed row's owner.
const NO_OWNER: u32 = u32::MAX;

/// One vector per name of each job (see [`job_names`]).
///
/// A job's names are consecutive rows, its title first. Replacing a job's
/// names with as many names overwrites its rows; with another number of
/// names it appends new rows and removes the old ones. Once removed rows
/// outnumber half the live ones the rows are renumbered job by job (see
/// [`JobNames::compacted`], what an index snapshot stores), so row numbers
/// hold only until the next change.
#[derive(Debug, Clone)]
pub struct JobNames {
    vectors: ExactIndex,
    /// Job position -> (first row, number of rows).
    spans: Vec<(u32, u32)>,
    /// Row -> the job position it names, or `NO_OWNER` when removed.
    owners: Vec<u32>,
    /// Rows that are not removed.
    live: usize,
}

/// Removed rows below this many are never compacted away.
const COMPACT_MIN_REMOVED: usize = 4096;

/// Below this many names the best-name scores are computed on the calling thread.
const PARALLEL_MIN_NAMES: usize = 16_384;

impl JobNames {
    /// An empty set of `dim`-wide name vectors.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for `dim == 0`.
    pub fn new(dim: usize) -> Result<Self> {
        Ok(Self {
            vectors: ExactIndex::new(dim)?,
            spans: Vec::new(),
            owners: Vec::new(),
            live: 0,
        })
    }

    /// Name vectors laid out job by job: job `j` (in order) has
    /// `counts[j]` consecutive rows of `vectors`.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] when the counts do not add up to the
    /// rows, or a job has more than [`MAX_NAMES_PER_JOB`] names.
    pub fn from_counts(vectors: ExactIndex, counts: &[usize]) -> Result<Self> {
        let total: usize = counts.iter().sum();
        if total != vectors.rows() {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "{} name vectors for the {total} names of the catalog: give one vector per name",
                    vectors.rows()
                ),
            });
        }
        let mut spans = Vec::with_capacity(counts.len());
        let mut owners = Vec::with_capacity(total);
        let mut start = 0usize;
        for (job, &count) in counts.iter().enumerate() {
            check_count(count)?;
            let owner = u32::try_from(job).map_err(|_| MatchError::InvalidVector {
                message: "job names support at most 2^32 jobs".into(),
            })?;
            let first = u32::try_from(start).map_err(|_| MatchError::InvalidVector {
                message: "job names support at most 2^32 names".into(),
            })?;
            spans.push((first, count as u32));
            owners.extend(std::iter::repeat_n(owner, count));
            start += count;
        }
        Ok(Self {
            live: owners.len(),
            vectors,
            spans,
            owners,
        })
    }

    /// The name vectors, row by row (removed rows are zeros that searches skip).
    pub fn vectors(&self) -> &ExactIndex {
        &self.vectors
    }

    /// The number of names held.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no job has a name.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The rows of the names of the job at `position` (empty for none).
    pub fn rows_of(&self, position: usize) -> std::ops::Range<usize> {
        match self.spans.get(position) {
            Some(&(start, count)) => start as usize..start as usize + count as usize,
            None => 0..0,
        }
    }

    /// The job position a name row belongs to.
    pub fn owner(&self, row: usize) -> Option<usize> {
        self.owners
            .get(row)
            .filter(|&&owner| owner != NO_OWNER)
            .map(|&owner| owner as usize)
    }

    /// Sets the names of the job at `position` (one row of `vectors` per
    /// name, title first), replacing any it had.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for a wrong width, a value that is not
    /// finite, too many names, or more than 2^32 rows.
    pub fn set_job(&mut self, position: usize, vectors: ArrayView2<'_, f32>) -> Result<()> {
        check_count(vectors.nrows())?;
        let owner = u32::try_from(position).map_err(|_| MatchError::InvalidVector {
            message: "job names support at most 2^32 jobs".into(),
        })?;
        let old = self.rows_of(position);
        if old.len() == vectors.nrows() && !old.is_empty() {
            // As many names as before (an edited alias, or the same names):
            // overwrite the rows in place, after checking every one, so that
            // a refused batch leaves the old names in place.
            for vector in vectors.rows() {
                self.vectors.check_query(&as_slice(vector))?;
            }
            for (row, vector) in old.zip(vectors.rows()) {
                self.vectors.set(row, &as_slice(vector))?;
            }
            return Ok(());
        }
        let first = self.vectors.rows();
        let start = u32::try_from(first).map_err(|_| MatchError::InvalidVector {
            message: "job names support at most 2^32 names".into(),
        })?;
        // Append first: a refused batch leaves the old names in place.
        self.vectors.add(vectors)?;
        self.remove_rows(position);
        if self.spans.len() <= position {
            self.spans.resize(position + 1, (0, 0));
        }
        self.spans[position] = (start, vectors.nrows() as u32);
        self.owners
            .extend(std::iter::repeat_n(owner, vectors.nrows()));
        self.live += vectors.nrows();
        self.compact_if_sparse();
        Ok(())
    }

    /// Whether the job at `position` has exactly these name vectors.
    pub fn has_names(&self, position: usize, vectors: ArrayView2<'_, f32>) -> bool {
        let rows = self.rows_of(position);
        rows.len() == vectors.nrows()
            && rows.zip(vectors.rows()).all(|(row, vector)| {
                self.vectors
                    .vector(row)
                    .is_some_and(|stored| stored.iter().eq(vector.iter()))
            })
    }

    /// Renumbers the rows once removed rows outnumber half the live ones
    /// (and a few thousand), so that a catalog whose jobs change all day
    /// keeps its memory and its search cost bounded.
    fn compact_if_sparse(&mut self) {
        let removed = self.removed_rows();
        if removed >= COMPACT_MIN_REMOVED && removed > self.live / 2 {
            *self = self.compacted();
        }
    }

    /// Removes the names of the job at `position`.
    pub fn remove_job(&mut self, position: usize) {
        self.remove_rows(position);
        self.compact_if_sparse();
    }

    /// Removes the rows of the job at `position`, renumbering nothing.
    fn remove_rows(&mut self, position: usize) {
        for row in self.rows_of(position) {
            // The exact index never fails to remove.
            let _ = self.vectors.remove(row);
            self.owners[row] = NO_OWNER;
            self.live -= 1;
        }
        if let Some(span) = self.spans.get_mut(position) {
            *span = (0, 0);
        }
    }

    /// The rows removed since the last compaction.
    pub fn removed_rows(&self) -> usize {
        self.owners.len() - self.live
    }

    /// The same names with the rows renumbered job by job (positions in
    /// order), removed rows dropped.
    pub fn compacted(&self) -> Self {
        let dim = self.vectors.dim();
        let mut data = Vec::with_capacity(self.live * dim);
        let mut counts = Vec::with_capacity(self.spans.len());
        for position in 0..self.spans.len() {
            let rows = self.rows_of(position);
            counts.push(rows.len());
            for row in rows {
                if let Some(vector) = self.vectors.vector(row) {
                    data.extend_from_slice(vector);
                }
            }
        }
        // The rows came from a valid index of the same width.
        let vectors = ExactIndex::from_flat(dim, data).unwrap_or_else(|_| {
            ExactIndex::new(dim).unwrap_or_else(|_| unreachable!("dim is at least 1"))
        });
        Self::from_counts(vectors, &counts).unwrap_or_else(|_| self.clone())
    }

    /// For each job position `0..positions`, the best inner product of
    /// `query` with one of its names; `-inf` for a position without names.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for a query of the wrong width or with a
    /// value that is not finite.
    pub fn best_scores(&self, query: &[f32], positions: usize) -> Result<Vec<f32>> {
        let scores = self.vectors.scores(query)?;
        let best = |job: usize| {
            scores[self.rows_of(job)]
                .iter()
                .copied()
                .fold(f32::NEG_INFINITY, f32::max)
        };
        if scores.len() < PARALLEL_MIN_NAMES {
            return Ok((0..positions).map(best).collect());
        }
        use rayon::prelude::*;
        Ok((0..positions).into_par_iter().map(best).collect())
    }

    /// The best-scoring name row of the job at `position` for `query`, with
    /// its score.
    pub fn best_of(&self, position: usize, query: &[f32]) -> Option<(usize, f32)> {
        self.rows_of(position)
            .filter_map(|row| Some((row, dot(query, self.vectors.vector(row)?))))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    }
}

/// A row as a slice, copied only when it is not contiguous.
fn as_slice(row: ndarray::ArrayView1<'_, f32>) -> std::borrow::Cow<'_, [f32]> {
    match row.to_slice() {
        Some(slice) => std::borrow::Cow::Borrowed(slice),
        None => std::borrow::Cow::Owned(row.to_vec()),
    }
}

fn check_count(count: usize) -> Result<()> {
    if count > MAX_NAMES_PER_JOB {
        return Err(MatchError::InvalidVector {
            message: format!(
                "a job has {count} names; at most {MAX_NAMES_PER_JOB} (title and aliases) are indexed"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn replacing_names_keeps_other_jobs_rows_and_compaction_renumbers() {
        let vectors = ExactIndex::from_flat(2, vec![1.0, 0.0, 0.0, 1.0, 0.6, 0.8]).unwrap();
        let mut names = JobNames::from_counts(vectors, &[2, 1]).unwrap();
        assert_eq!(names.rows_of(1), 2..3);
        names.set_job(0, array![[0.8, 0.6]].view()).unwrap();
        assert_eq!(names.rows_of(0), 3..4);
        assert_eq!(names.rows_of(1), 2..3);
        assert_eq!(names.owner(0), None);
        assert_eq!(names.owner(3), Some(0));
        assert_eq!(names.len(), 2);
        assert_eq!(names.removed_rows(), 2);
        // Job 0's best name for (0.8, 0.6) is its new one: 0.64 + 0.36 = 1.
        let best = names.best_scores(&[0.8, 0.6], 3).unwrap();
        assert!((best[0] - 1.0).abs() < 1e-6);
        assert!((best[1] - 0.96).abs() < 1e-6);
        assert_eq!(best[2], f32::NEG_INFINITY);
        let compact = names.compacted();
        assert_eq!(compact.rows_of(0), 0..1);
        assert_eq!(compact.rows_of(1), 1..2);
        assert_eq!(compact.vectors().as_flat(), &[0.8, 0.6, 0.6, 0.8]);
        names.remove_job(1);
        assert_eq!(names.len(), 1);
        assert_eq!(names.best_of(1, &[1.0, 0.0]), None);
    }

    #[test]
    fn as_many_names_overwrite_and_removed_rows_are_reclaimed() {
        let vectors =
            ExactIndex::from_flat(2, vec![1.0, 0.0, 0.0, 1.0, 0.6, 0.8, 0.8, 0.6]).unwrap();
        let mut names = JobNames::from_counts(vectors, &[2, 2]).unwrap();
        assert!(names.has_names(1, array![[0.6, 0.8], [0.8, 0.6]].view()));
        names
            .set_job(0, array![[0.0, 1.0], [1.0, 0.0]].view())
            .unwrap();
        assert_eq!(names.rows_of(0), 0..2);
        assert_eq!(names.removed_rows(), 0);
        assert!(names.has_names(0, array![[0.0, 1.0], [1.0, 0.0]].view()));
        assert!(!names.has_names(0, array![[1.0, 0.0], [0.0, 1.0]].view()));
        // A refused row leaves the old names in place.
        assert!(
            names
                .set_job(0, array![[0.0, f32::NAN], [1.0, 0.0]].view())
                .is_err()
        );
        assert!(names.has_names(0, array![[0.0, 1.0], [1.0, 0.0]].view()));
        // One name, then three, many times: never more than the live rows
        // plus the compaction threshold.
        for i in 0..10_000 {
            let count = if i % 2 == 0 { 1 } else { 3 };
            let rows = ndarray::Array2::from_elem((count, 2), 0.5);
            names.set_job(0, rows.view()).unwrap();
            assert!(names.vectors().rows() <= names.len() + COMPACT_MIN_REMOVED + 3);
        }
        assert_eq!(names.len(), 3 + 2);
        let best = names.best_scores(&[0.6, 0.8], 2).unwrap();
        assert!((best[0] - 0.7).abs() < 1e-6);
        assert!((best[1] - 1.0).abs() < 1e-6);
        assert_eq!(names.owner(names.rows_of(1).start), Some(1));
    }
}
