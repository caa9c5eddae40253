//! [`AnnIndex`]: approximate inner-product search over an HNSW graph
//! (usearch), the [`VectorIndex`] for catalogs too large to scan.
//!
//! Why usearch: it is a maintained, single-header C++ HNSW with a Rust
//! binding that has everything a live job catalog needs: removal of single
//! vectors (a closed posting), a predicate evaluated *during* the graph walk
//! (a selective filter still yields `k` results), f16 and int8 storage, and
//! saving to one file that loads in one read. The pure-Rust alternative
//! (`hnsw_rs`) exits the process on a bad parameter and its dot distance can
//! panic on rounding, both unacceptable for user input; guarding them would
//! cost more than the C++ build (a few seconds of `g++`).

use std::path::Path;
use std::sync::{Condvar, Mutex, PoisonError};

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

use crate::error::{MatchError, Result};
use crate::vector::{PositionFilter, VectorIndex, check_finite};

/// How an approximate index stores its vectors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnStorage {
    /// 4 bytes per value: exact distances inside the graph. The default.
    #[default]
    F32,
    /// 2 bytes per value (IEEE half precision).
    F16,
    /// 1 byte per value (usearch's int8 scaling of unit vectors).
    I8,
}

impl AnnStorage {
    fn scalar(self) -> ScalarKind {
        match self {
            Self::F32 => ScalarKind::F32,
            Self::F16 => ScalarKind::F16,
            Self::I8 => ScalarKind::I8,
        }
    }

    /// Bytes per stored value.
    pub fn bytes(self) -> usize {
        match self {
            Self::F32 => 4,
            Self::F16 => 2,
            Self::I8 => 1,
        }
    }
}

impl std::str::FromStr for AnnStorage {
    type Err = MatchError;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "f32" => Ok(Self::F32),
            "f16" => Ok(Self::F16),
            "i8" | "int8" => Ok(Self::I8),
            _ => Err(MatchError::InvalidOption {
                name: "ann storage",
                value: text.to_string(),
                reason: "use f32, f16 or i8".into(),
            }),
        }
    }
}

/// The parameters of an HNSW graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnnOptions {
    /// Neighbours per node (HNSW's `M`). Default 16.
    pub connectivity: usize,
    /// Candidates kept while inserting (`efConstruction`). Default 128.
    pub expansion_add: usize,
    /// Candidates kept while searching (`ef`); at least `k` is used. Default
    /// 256: the smallest measured to keep recall@10 >= 0.95 against exact
    /// search on 1M jobs in every build (three builds: 0.944 to 0.956 at
    /// 128; four: 0.967 to 0.988 at 256 with p99 under 4 ms on 2 cores;
    /// `benches/ann.rs`).
    pub expansion_search: usize,
    /// Candidates kept while a filtered search walks the graph (`ef` for
    /// searches with a filter; only kept jobs count as candidates, so the
    /// walk visits more nodes than an unfiltered one of the same `ef`).
    /// Default 128: on 1M jobs a filter keeping 20% of them had recall@10
    /// 0.994 and 0.995 at 128 (p99 6.9 and 6.4 ms, two builds) and 0.998 at
    /// 256 (p99 13.1 and 12.6 ms).
    pub expansion_filtered: usize,
    /// How vectors are stored. Default f32.
    pub storage: AnnStorage,
}

impl Default for AnnOptions {
    fn default() -> Self {
        Self {
            connectivity: 16,
            expansion_add: 128,
            expansion_search: 256,
            expansion_filtered: 128,
            storage: AnnStorage::F32,
        }
    }
}

impl AnnOptions {
    fn validate(&self) -> Result<()> {
        let check = |name: &'static str, value: usize, low: usize, high: usize| {
            if (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(MatchError::InvalidOption {
                    name,
                    value: value.to_string(),
                    reason: format!("use a value from {low} to {high}"),
                })
            }
        };
        check("ann connectivity", self.connectivity, 4, 256)?;
        check("ann expansion_add", self.expansion_add, 8, 4096)?;
        check("ann expansion_search", self.expansion_search, 8, 4096)?;
        check("ann expansion_filtered", self.expansion_filtered, 8, 4096)
    }

    /// The candidates a search keeps: at least `k`.
    fn expansion(&self, k: usize, filtered: bool) -> usize {
        let ef = if filtered {
            self.expansion_filtered
        } else {
            self.expansion_search
        };
        ef.max(k)
    }
}

/// The expansion the usearch index itself holds: the smallest, so that the
/// results a search asks for (`ef`, see [`AnnOptions::expansion_search`])
/// decide how many candidates it keeps.
const NATIVE_EXPANSION: usize = 8;

/// Limits concurrent searches to the thread slots the index reserved.
#[derive(Debug)]
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn acquire(&self) -> SlotGuard<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        SlotGuard(self)
    }
}

struct SlotGuard<'a>(&'a Slots);

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.freed.notify_one();
    }
}

/// Approximate inner-product search over an HNSW graph (see the module docs).
///
/// Positions are the graph's keys. Scores are inner products computed on the
/// stored vectors (exact for f32 storage, approximate for f16 and i8).
///
/// ```
/// use jobfit_match::{AnnIndex, AnnOptions, VectorIndex};
/// use ndarray::array;
///
/// let mut index = AnnIndex::new(2, AnnOptions::default())?;
/// index.add(array![[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]].view())?;
/// let hits = index.search(&[0.8, 0.6], 2, None)?;
/// assert_eq!(hits.iter().map(|hit| hit.0).collect::<Vec<_>>(), [2, 0]);
/// index.remove(2)?;
/// assert_eq!(index.search(&[0.8, 0.6], 1, None)?[0].0, 0);
/// # Ok::<(), jobfit_match::MatchError>(())
/// ```
pub struct AnnIndex {
    index: Index,
    dim: usize,
    options: AnnOptions,
    positions: usize,
    slots: Slots,
}

impl std::fmt::Debug for AnnIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnIndex")
            .field("dim", &self.dim)
            .field("len", &self.index.size())
            .field("options", &self.options)
            .finish()
    }
}

/// Thread slots reserved per index: concurrent searches beyond this wait.
fn thread_slots() -> usize {
    std::thread::available_parallelism()
        .map_or(4, usize::from)
        .saturating_mul(4)
        .clamp(16, 256)
}

fn backend(error: impl std::fmt::Display) -> MatchError {
    MatchError::Backend(format!("approximate index: {error}"))
}

impl AnnIndex {
    /// An empty index of `dim`-wide vectors.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidVector`] for `dim == 0`, [`MatchError::InvalidOption`]
    /// for options out of range.
    pub fn new(dim: usize, options: AnnOptions) -> Result<Self> {
        if dim == 0 {
            return Err(MatchError::InvalidVector {
                message: "the vector width must be at least 1".into(),
            });
        }
        options.validate()?;
        let index = Index::new(&IndexOptions {
            dimensions: dim,
            metric: MetricKind::IP,
            quantization: options.storage.scalar(),
            connectivity: options.connectivity,
            expansion_add: options.expansion_add,
            // Each search asks for `ef` results instead (usearch keeps
            // max(its expansion, the results wanted) candidates), so that a
            // filtered search can keep fewer than an unfiltered one.
            expansion_search: NATIVE_EXPANSION,
            multi: false,
        })
        .map_err(backend)?;
        let threads = thread_slots();
        index
            .reserve_capacity_and_threads(64, threads)
            .map_err(backend)?;
        Ok(Self {
            index,
            dim,
            options,
            positions: 0,
            slots: Slots {
                free: Mutex::new(threads),
                freed: Condvar::new(),
            },
        })
    }

    /// The options.
    pub fn options(&self) -> AnnOptions {
        self.options
    }

    /// Sets the candidates kept while searching without a filter (`ef`).
    pub fn set_expansion_search(&mut self, expansion: usize) {
        self.options.expansion_search = expansion;
    }

    /// Sets the candidates kept while searching with a filter.
    pub fn set_expansion_filtered(&mut self, expansion: usize) {
        self.options.expansion_filtered = expansion;
    }

    /// The bytes the index holds in memory (graph and vectors).
    pub fn memory_usage(&self) -> usize {
        self.index.memory_usage()
    }

    /// Makes room for `extra` more vectors.
    fn grow(&self, extra: usize) -> Result<()> {
        let needed = self.index.size() + extra;
        if needed > self.index.capacity() {
            let capacity = needed.max(self.index.capacity() * 2).max(64);
            self.index
                .reserve_capacity_and_threads(capacity, thread_slots())
                .map_err(backend)?;
        }
        Ok(())
    }

    /// Adds many vectors at given positions, in parallel. Positions must not
    /// be held yet.
    ///
    /// # Errors
    ///
    /// As [`VectorIndex::set`].
    pub fn add_at(&mut self, positions: &[usize], vectors: ArrayView2<'_, f32>) -> Result<()> {
        if vectors.ncols() != self.dim || vectors.nrows() != positions.len() {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "{} rows of {} values for {} positions of a {}-wide index",
                    vectors.nrows(),
                    vectors.ncols(),
                    positions.len(),
                    self.dim
                ),
            });
        }
        if let Some(slice) = vectors.as_slice() {
            check_finite(slice)?;
        } else {
            for row in vectors.rows() {
                check_finite(&row.to_vec())?;
            }
        }
        self.grow(positions.len())?;
        let index = &self.index;
        (0..positions.len()).into_par_iter().try_for_each(|i| {
            let row = vectors.row(i).to_vec();
            index.add(positions[i] as u64, &row).map_err(backend)
        })?;
        if let Some(&highest) = positions.iter().max() {
            self.positions = self.positions.max(highest + 1);
        }
        Ok(())
    }

    /// Saves the index to a file.
    ///
    /// # Errors
    ///
    /// [`MatchError::Backend`] naming the file when writing fails.
    pub fn save(&self, path: &Path) -> Result<()> {
        let name = path_str(path)?;
        self.index
            .save(name)
            .map_err(|error| backend(format!("cannot save {}: {error}", path.display())))
    }

    /// Loads an index saved by [`AnnIndex::save`] into memory; `positions`
    /// is one past its highest position (the caller keeps it).
    ///
    /// # Errors
    ///
    /// [`MatchError::Backend`] when the file is not an index of this width.
    pub fn load(path: &Path, dim: usize, positions: usize, options: AnnOptions) -> Result<Self> {
        Self::open(path, dim, positions, options, false)
    }

    /// Maps an index saved by [`AnnIndex::save`] into memory without reading
    /// it (it opens at once, pages load as searches touch them). A mapped
    /// index can be searched but not changed.
    ///
    /// # Errors
    ///
    /// [`MatchError::Backend`] when the file is not an index of this width.
    pub fn view(path: &Path, dim: usize, positions: usize, options: AnnOptions) -> Result<Self> {
        Self::open(path, dim, positions, options, true)
    }

    fn open(
        path: &Path,
        dim: usize,
        positions: usize,
        options: AnnOptions,
        view: bool,
    ) -> Result<Self> {
        let name = path_str(path)?;
        let meta = Index::metadata(name)
            .map_err(|error| backend(format!("{} is not an index: {error}", path.display())))?;
        if meta.dimensions as usize != dim {
            return Err(backend(format!(
                "{} holds {}-wide vectors, not {dim}",
                path.display(),
                meta.dimensions
            )));
        }
        let index = if view {
            Index::restore_view(name)
        } else {
            Index::restore(name)
        }
        .map_err(|error| backend(format!("cannot read {}: {error}", path.display())))?;
        index.change_expansion_search(NATIVE_EXPANSION);
        let threads = thread_slots();
        if !view {
            index
                .reserve_capacity_and_threads(index.capacity().max(64), threads)
                .map_err(backend)?;
        }
        Ok(Self {
            index,
            dim,
            options,
            positions,
            slots: Slots {
                free: Mutex::new(threads),
                freed: Condvar::new(),
            },
        })
    }
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str().ok_or_else(|| MatchError::InvalidOption {
        name: "path",
        value: path.display().to_string(),
        reason: "the approximate index needs a UTF-8 path".into(),
    })
}

impl VectorIndex for AnnIndex {
    fn dim(&self) -> usize {
        self.dim
    }

    fn len(&self) -> usize {
        self.index.size()
    }

    fn positions(&self) -> usize {
        self.positions
    }

    fn add(&mut self, vectors: ArrayView2<'_, f32>) -> Result<()> {
        let start = self.positions;
        let positions: Vec<usize> = (start..start + vectors.nrows()).collect();
        self.add_at(&positions, vectors)
    }

    fn set(&mut self, position: usize, vector: &[f32]) -> Result<()> {
        if vector.len() != self.dim {
            return Err(MatchError::InvalidVector {
                message: format!(
                    "the vector has {} values but the index holds {}-wide vectors",
                    vector.len(),
                    self.dim
                ),
            });
        }
        check_finite(vector)?;
        if self.index.contains(position as u64) {
            self.index.remove(position as u64).map_err(backend)?;
        }
        self.grow(1)?;
        self.index.add(position as u64, vector).map_err(backend)?;
        self.positions = self.positions.max(position + 1);
        Ok(())
    }

    fn remove(&mut self, position: usize) -> Result<bool> {
        Ok(self.index.remove(position as u64).map_err(backend)? > 0)
    }

    fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<PositionFilter<'_>>,
    ) -> Result<Vec<(usize, f32)>> {
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
        check_finite(query)?;
        if k == 0 || self.index.size() == 0 {
            return Ok(Vec::new());
        }
        let _slot = self.slots.acquire();
        let wanted = self.options.expansion(k, filter.is_some());
        let matches = match filter {
            None => self.index.search(query, wanted),
            Some(keep) => self
                .index
                .filtered_search(query, wanted, |key| keep(key as usize)),
        }
        .map_err(backend)?;
        let mut hits: Vec<(usize, f32)> = matches
            .keys
            .iter()
            .zip(&matches.distances)
            .map(|(&key, &distance)| (key as usize, 1.0 - distance))
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.truncate(k);
        Ok(hits)
    }
}
