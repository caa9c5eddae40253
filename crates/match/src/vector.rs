//! Vector search: the [`VectorIndex`] trait, the exact [`ExactIndex`], the
//! dot-product kernel and the bounded top-K heap.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::error::{MatchError, Result};

/// A predicate over vector positions: `true` keeps the vector.
///
/// It must be `Sync` because the exact index evaluates it from several
/// threads at once.
pub type PositionFilter<'a> = &'a (dyn Fn(usize) -> bool + Sync);

/// A store of fixed-width vectors searched by inner product.
///
/// The trait has the smallest shape that an exact scan, an approximate
/// index (HNSW) and an external vector database all share:
///
/// - vectors are identified by their **position**, a number the caller
///   chooses ([`VectorIndex::set`]) or the next free one ([`VectorIndex::add`]),
///   so the index knows nothing about jobs and the caller keeps the records;
///   positions stay put when others are removed, so a live catalog can
///   replace and remove vectors without renumbering;
/// - `add` takes a batch, because approximate indexes insert far faster in
///   bulk;
/// - `search` returns at most `k` `(position, score)` pairs, best first,
///   with ties broken by the lower position, so results are reproducible;
/// - the optional filter is a predicate over positions, evaluated during the
///   search rather than after it, so a selective filter still yields `k`
///   results; an approximate index tests it while walking its graph;
/// - the fallible methods return a `Result`, since a remote store can fail.
///
/// Scores are inner products: with L2-normalized vectors (the default of
/// the encoders here) they are cosine similarities.
pub trait VectorIndex: Send + Sync + std::fmt::Debug {
    /// The vector width.
    fn dim(&self) -> usize;

    /// The number of vectors held (removed ones not counted).
    fn len(&self) -> usize;

    /// Whether the index holds no vector.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One past the highest position ever set: where [`VectorIndex::add`]
    /// appends.
    fn positions(&self) -> usize;

    /// Appends vectors (one per row) at positions `positions()..`.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for a row of the wrong width or with a
    /// value that is not finite; nothing is added then.
    fn add(&mut self, vectors: ArrayView2<'_, f32>) -> Result<()>;

    /// Sets the vector at `position`, replacing any vector there.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for a vector of the wrong width or with
    /// a value that is not finite.
    fn set(&mut self, position: usize, vector: &[f32]) -> Result<()>;

    /// Removes the vector at `position`; returns whether there was one.
    ///
    /// # Errors
    ///
    /// A backend's failure (the exact index never fails).
    fn remove(&mut self, position: usize) -> Result<bool>;

    /// The `k` best `(position, score)` pairs for `query` among the vectors
    /// the filter keeps, best first; fewer when fewer are kept, none for
    /// `k == 0`.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for a query of the wrong width or with a
    /// value that is not finite.
    fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<PositionFilter<'_>>,
    ) -> Result<Vec<(usize, f32)>>;
}

/// Lanes per accumulator block of the dot product: 16 `f32`s, one AVX-512
/// register or two AVX2 registers.
const LANES: usize = 16;

/// Rows per parallel block of the exact search.
const BLOCK_ROWS: usize = 4096;

/// Below this many rows the search runs on the calling thread: splitting
/// would cost more than it saves.
const PARALLEL_MIN_ROWS: usize = 16_384;

/// The inner product of two equally long slices.
///
/// Written so the compiler vectorizes it without `unsafe`: sixteen
/// independent accumulators over `chunks_exact(16)` (no dependency chain
/// between lanes, so each lane is one SIMD slot), then one reduction and
/// the remainder. The summation order differs from a plain loop by rounding
/// only.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f32; LANES];
    let a_chunks = a.chunks_exact(LANES);
    let b_chunks = b.chunks_exact(LANES);
    let (a_rest, b_rest) = (a_chunks.remainder(), b_chunks.remainder());
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..LANES {
            acc[lane] += x[lane] * y[lane];
        }
    }
    // Pairwise reduction: 16 -> 8 -> 4 -> 2 -> 1.
    let mut width = LANES / 2;
    while width > 0 {
        for lane in 0..width {
            acc[lane] += acc[lane + width];
        }
        width /= 2;
    }
    let mut sum = acc[0];
    for (x, y) in a_rest.iter().zip(b_rest) {
        sum += x * y;
    }
    sum
}

/// A scored position ordered for a min-heap of the best: the *worst* entry
/// compares greatest, so `BinaryHeap::peek` shows the one to evict.
#[derive(Debug, Clone, Copy)]
struct Worst(usize, f32);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Worst {}

impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        // Lower score is worse; among equal scores the higher position is worse.
        other.1.total_cmp(&self.1).then(self.0.cmp(&other.0))
    }
}

/// Keeps the `k` best `(position, score)` pairs seen, in `O(log k)` per push.
#[derive(Debug, Clone)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Worst>,
}

impl TopK {
    /// An empty collector of the `k` best.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k.saturating_add(1).min(1 << 16)),
        }
    }

    /// Offers a scored position.
    #[inline]
    pub fn push(&mut self, position: usize, score: f32) {
        if self.k == 0 {
            return;
        }
        let entry = Worst(position, score);
        if self.heap.len() < self.k {
            self.heap.push(entry);
        } else if let Some(worst) = self.heap.peek()
            && entry < *worst
        {
            self.heap.pop();
            self.heap.push(entry);
        }
    }

    /// Merges another collector into this one.
    pub fn merge(&mut self, other: TopK) {
        for Worst(position, score) in other.heap {
            self.push(position, score);
        }
    }

    /// The kept pairs, best first (ties: lower position first).
    pub fn into_sorted(self) -> Vec<(usize, f32)> {
        let mut entries = self.heap.into_vec();
        entries.sort();
        entries
            .into_iter()
            .map(|Worst(position, score)| (position, score))
            .collect()
    }
}

/// Exact inner-product search over vectors stored contiguously (row-major).
///
/// A search scans every row: the dot product is vectorized ([`dot`]), and
/// indexes above 16,384 rows are split into blocks of 4,096 rows scanned in
/// parallel with rayon, each keeping its own top-K heap, merged at the end.
/// Row `i` holds the vector at position `i`; a removed position keeps a row
/// of zeros that searches skip, so positions never move.
///
/// ```
/// use jobfit_match::{ExactIndex, VectorIndex};
/// use ndarray::array;
///
/// let mut index = ExactIndex::new(2)?;
/// index.add(array![[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]].view())?;
/// let hits = index.search(&[0.8, 0.6], 2, None)?;
/// // Scores: 0.8, 0.6 and 0.6 * 0.8 + 0.8 * 0.6 = 0.96.
/// assert_eq!(hits.iter().map(|hit| hit.0).collect::<Vec<_>>(), [2, 0]);
/// // Keep only odd positions.
/// let odd = index.search(&[0.8, 0.6], 5, Some(&|position| position % 2 == 1))?;
/// assert_eq!(odd.len(), 1);
/// // Remove position 2: the others keep their positions.
/// index.remove(2)?;
/// assert_eq!(index.search(&[0.8, 0.6], 1, None)?, [(0, 0.8)]);
/// # Ok::<(), jobfit_match::MatchError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ExactIndex {
    dim: usize,
    data: Vec<f32>,
    /// One bit per row, set for a removed position; empty while none is.
    removed: Vec<u64>,
    /// The number of removed rows.
    removed_count: usize,
}

impl ExactIndex {
    /// An empty index of `dim`-wide vectors.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for `dim == 0`.
    pub fn new(dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(MatchError::InvalidVector {
                message: "the vector width must be at least 1".into(),
            });
        }
        Ok(Self {
            dim,
            data: Vec::new(),
            removed: Vec::new(),
            removed_count: 0,
        })
    }

    /// An index over row-major `data` (`len = rows * dim`).
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] when `data` is not a whole number of
    /// rows or holds a value that is not finite.
    pub fn from_flat(dim: usize, data: Vec<f32>) -> Result<Self> {
        let mut index = Self::new(dim)?;
        if !data.len().is_multiple_of(dim) {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "{} values are not a whole number of {dim}-wide rows",
                    data.len()
                ),
            });
        }
        check_finite(&data)?;
        index.data = data;
        Ok(index)
    }

    /// The rows, row-major, removed positions as rows of zeros.
    pub fn as_flat(&self) -> &[f32] {
        &self.data
    }

    /// The number of rows: one past the highest position ever set.
    pub fn rows(&self) -> usize {
        self.data.len() / self.dim
    }

    /// Whether a vector is held at `position`.
    pub fn contains(&self, position: usize) -> bool {
        position < self.rows() && !self.is_removed(position)
    }

    #[inline]
    fn is_removed(&self, position: usize) -> bool {
        self.removed_count > 0
            && self
                .removed
                .get(position / 64)
                .is_some_and(|word| word >> (position % 64) & 1 == 1)
    }

    fn mark_removed(&mut self, position: usize, removed: bool) {
        let word = position / 64;
        if self.removed.len() <= word {
            self.removed.resize(word + 1, 0);
        }
        let bit = 1u64 << (position % 64);
        let was = self.removed[word] & bit != 0;
        match (was, removed) {
            (false, true) => {
                self.removed[word] |= bit;
                self.removed_count += 1;
            }
            (true, false) => {
                self.removed[word] &= !bit;
                self.removed_count -= 1;
            }
            _ => {}
        }
    }

    /// The vector at a position, if one is held there.
    pub fn vector(&self, position: usize) -> Option<&[f32]> {
        if self.is_removed(position) {
            return None;
        }
        self.data
            .get(position * self.dim..(position + 1) * self.dim)
    }

    /// Scores every row kept by the filter against several queries at once
    /// and keeps, per row, the best of those scores: the max-pooled score of
    /// a multi-vector query, exactly. Returns the `k` best rows.
    ///
    /// # Errors
    ///
    /// As [`VectorIndex::search`], for each query.
    pub fn search_max(
        &self,
        queries: &[&[f32]],
        k: usize,
        filter: Option<PositionFilter<'_>>,
    ) -> Result<Vec<(usize, f32)>> {
        for query in queries {
            self.check_query(query)?;
        }
        if queries.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.scan(k, filter, |row| {
            queries
                .iter()
                .map(|query| dot(query, row))
                .fold(f32::NEG_INFINITY, f32::max)
        }))
    }

    /// The `k` best of the given positions for `query`, scored exactly:
    /// what a selective filter searches instead of the whole index.
    /// Positions not held are skipped.
    ///
    /// # Errors
    ///
    /// As [`VectorIndex::search`].
    pub fn search_among(
        &self,
        query: &[f32],
        k: usize,
        positions: &[usize],
    ) -> Result<Vec<(usize, f32)>> {
        self.check_query(query)?;
        let score_block = |block: &[usize]| {
            let mut top = TopK::new(k);
            for &position in block {
                if let Some(row) = self.vector(position) {
                    top.push(position, dot(query, row));
                }
            }
            top
        };
        if positions.len() < PARALLEL_MIN_ROWS {
            return Ok(score_block(positions).into_sorted());
        }
        Ok(positions
            .par_chunks(BLOCK_ROWS)
            .map(score_block)
            .reduce(
                || TopK::new(k),
                |mut a, b| {
                    a.merge(b);
                    a
                },
            )
            .into_sorted())
    }

    /// The inner product of `query` with every row, in row order (in
    /// parallel blocks when large); removed positions score 0.
    ///
    /// # Errors
    ///
    /// As [`VectorIndex::search`].
    pub fn scores(&self, query: &[f32]) -> Result<Vec<f32>> {
        self.check_query(query)?;
        let score_block = |block: &[f32]| -> Vec<f32> {
            block
                .chunks_exact(self.dim)
                .map(|row| dot(query, row))
                .collect()
        };
        if self.rows() < PARALLEL_MIN_ROWS {
            return Ok(score_block(&self.data));
        }
        Ok(self
            .data
            .par_chunks(BLOCK_ROWS * self.dim)
            .flat_map_iter(score_block)
            .collect())
    }

    /// Checks a vector's width and values.
    pub(crate) fn check_query(&self, query: &[f32]) -> Result<()> {
        if query.len() != self.dim {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "the query has {} values but the index holds {}-wide vectors \
                     (was it embedded by another model?)",
                    query.len(),
                    self.dim
                ),
            });
        }
        check_finite(query)
    }

    /// The `k` best rows by `score(row)`, scanning in parallel blocks when large.
    fn scan(
        &self,
        k: usize,
        filter: Option<PositionFilter<'_>>,
        score: impl Fn(&[f32]) -> f32 + Sync,
    ) -> Vec<(usize, f32)> {
        let rows = self.rows();
        if k == 0 || rows == 0 {
            return Vec::new();
        }
        let k = k.min(rows);
        let scan_block = |first: usize, block: &[f32]| {
            let mut top = TopK::new(k);
            for (offset, row) in block.chunks_exact(self.dim).enumerate() {
                let position = first + offset;
                if !self.is_removed(position) && filter.is_none_or(|keep| keep(position)) {
                    top.push(position, score(row));
                }
            }
            top
        };
        if rows < PARALLEL_MIN_ROWS {
            return scan_block(0, &self.data).into_sorted();
        }
        self.data
            .par_chunks(BLOCK_ROWS * self.dim)
            .enumerate()
            .map(|(block, data)| scan_block(block * BLOCK_ROWS, data))
            .reduce(
                || TopK::new(k),
                |mut a, b| {
                    a.merge(b);
                    a
                },
            )
            .into_sorted()
    }
}

pub(crate) fn check_finite(values: &[f32]) -> Result<()> {
    match values.iter().position(|value| !value.is_finite()) {
        Some(at) => Err(MatchError::InvalidVector {
            message: format!("value {} at offset {at} is not finite", values[at]),
        }),
        None => Ok(()),
    }
}

impl VectorIndex for ExactIndex {
    fn dim(&self) -> usize {
        self.dim
    }

    fn len(&self) -> usize {
        self.rows() - self.removed_count
    }

    fn positions(&self) -> usize {
        self.rows()
    }

    fn add(&mut self, vectors: ArrayView2<'_, f32>) -> Result<()> {
        if vectors.ncols() != self.dim {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "rows have {} values but the index holds {}-wide vectors",
                    vectors.ncols(),
                    self.dim
                ),
            });
        }
        let start = self.data.len();
        self.data.reserve(vectors.len());
        for row in vectors.rows() {
            self.data.extend(row.iter().copied());
        }
        if let Err(error) = check_finite(&self.data[start..]) {
            self.data.truncate(start);
            return Err(error);
        }
        Ok(())
    }

    fn set(&mut self, position: usize, vector: &[f32]) -> Result<()> {
        self.check_query(vector)?;
        let rows = self.rows();
        if position >= rows {
            // New rows in between are removed positions until set.
            self.data.resize((position + 1) * self.dim, 0.0);
            for gap in rows..position {
                self.mark_removed(gap, true);
            }
        }
        self.data[position * self.dim..(position + 1) * self.dim].copy_from_slice(vector);
        self.mark_removed(position, false);
        Ok(())
    }

    fn remove(&mut self, position: usize) -> Result<bool> {
        if !self.contains(position) {
            return Ok(false);
        }
        self.data[position * self.dim..(position + 1) * self.dim].fill(0.0);
        self.mark_removed(position, true);
        Ok(true)
    }

    fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<PositionFilter<'_>>,
    ) -> Result<Vec<(usize, f32)>> {
        self.check_query(query)?;
        Ok(self.scan(k, filter, |row| dot(query, row)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_a_plain_sum_for_every_remainder() {
        for len in [0, 1, 7, 15, 16, 17, 33, 384] {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(x * y)).sum();
            assert!((f64::from(dot(&a, &b)) - plain).abs() < 1e-4, "len {len}");
        }
    }

    #[test]
    fn top_k_keeps_the_best_with_ties_by_position() {
        let mut top = TopK::new(3);
        for (position, score) in [(0, 0.5), (1, 0.9), (2, 0.5), (3, 0.1), (4, 0.9), (5, 0.7)] {
            top.push(position, score);
        }
        assert_eq!(top.into_sorted(), vec![(1, 0.9), (4, 0.9), (5, 0.7)]);
        let mut top = TopK::new(2);
        for position in [3, 1, 2] {
            top.push(position, 1.0);
        }
        assert_eq!(top.into_sorted(), vec![(1, 1.0), (2, 1.0)]);
        assert!(TopK::new(0).into_sorted().is_empty());
    }
}
