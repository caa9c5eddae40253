//! De-duplication: exact groups (normalized hash) and near-duplicate groups (MinHash with LSH banding).
//!
//! Both work on a normalized token stream: lower-cased runs of letters and
//! digits, with every Chinese character and Japanese kana a token of its own
//! (those scripts do not separate words by spaces, so their shingles are
//! character n-grams; Korean does, and is split into words). Punctuation,
//! symbols and whitespace only separate tokens.
//!
//! - [`Deduplicator::exact_groups`] groups texts whose token streams are equal,
//!   compared through a 128-bit xxh3 hash: `"Data Engineer!"` and
//!   `"data   engineer"` are exact duplicates.
//! - [`Deduplicator::near_groups`] compares the sets of shingles (runs of
//!   `shingle_size` consecutive tokens: word n-grams for English, character
//!   n-grams for Chinese) by Jaccard similarity. Each text gets a MinHash
//!   signature (in parallel); LSH banding puts texts that agree on a whole
//!   band of the signature in the same bucket; only pairs that share a bucket
//!   are compared, and a pair whose estimated Jaccard similarity (the share of
//!   equal signature values) reaches the threshold is joined. The work is
//!   linear in the number of texts plus the number of candidate pairs, so tens
//!   of thousands of postings take seconds.
//!
//! Groups are the connected components of the "is a duplicate of" relation, so
//! a group can hold two texts that are only linked through a third.
//!
//! Texts with no token at all (empty, whitespace or punctuation only) are exact
//! duplicates of each other, since they normalize to the same empty text, but
//! never near duplicates of anything: the Jaccard similarity of two empty
//! shingle sets is undefined, and an empty text says nothing about a posting.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

/// Default number of tokens per shingle.
const DEFAULT_SHINGLE_SIZE: usize = 3;
/// Default number of MinHash values per signature.
const DEFAULT_NUM_PERM: usize = 128;
/// Default Jaccard similarity from which texts are near duplicates.
const DEFAULT_THRESHOLD: f64 = 0.8;
/// Chance that LSH makes a pair exactly at the threshold a candidate, from
/// which the default number of bands is chosen.
const TARGET_RECALL: f64 = 0.9;
/// Default seed of the MinHash permutations.
const DEFAULT_SEED: u64 = 0x6A6F_6266_6974_2D31;

/// An error from building a [`Deduplicator`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DedupError {
    /// The shingle size is zero.
    #[error(
        "invalid shingle size {shingle_size}: it must be at least 1; use 3 (the default) for postings"
    )]
    InvalidShingleSize {
        /// The shingle size given.
        shingle_size: usize,
    },
    /// The number of MinHash permutations is zero.
    #[error(
        "invalid number of permutations {num_perm}: it must be at least 1; use 128 (the default)"
    )]
    InvalidNumPerm {
        /// The number of permutations given.
        num_perm: usize,
    },
    /// The number of LSH bands does not divide the number of permutations.
    #[error(
        "invalid number of bands {bands}: it must be at least 1 and divide the number of \
         permutations ({num_perm}); leave it unset to choose it from the threshold"
    )]
    InvalidBands {
        /// The number of bands given.
        bands: usize,
        /// The number of permutations it must divide.
        num_perm: usize,
    },
    /// The Jaccard threshold is outside `(0, 1]`.
    #[error("invalid threshold {threshold}: it must be in (0, 1]; use 0.8 (the default)")]
    InvalidThreshold {
        /// The threshold given.
        threshold: f64,
    },
}

/// Indices of texts that are duplicates of each other.
///
/// The members are sorted and there are always at least two; the first is the
/// representative to keep, the others are its [`duplicates`](Self::duplicates).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DuplicateGroup {
    members: Vec<usize>,
}

impl DuplicateGroup {
    /// All members, sorted, as indices into the texts given.
    pub fn members(&self) -> &[usize] {
        &self.members
    }

    /// The first (smallest) member: the one to keep.
    pub fn representative(&self) -> usize {
        // Never empty: groups are only built with two or more members.
        self.members.first().copied().unwrap_or_default()
    }

    /// The members after the representative: the ones to drop.
    pub fn duplicates(&self) -> &[usize] {
        self.members.get(1..).unwrap_or_default()
    }

    /// The members, sorted.
    pub fn into_members(self) -> Vec<usize> {
        self.members
    }
}

/// A MinHash signature: for each permutation, the smallest permuted shingle hash.
///
/// Made by [`Deduplicator::signature`]; two signatures from the same
/// deduplicator estimate the Jaccard similarity of the texts' shingle sets.
/// A text without shingles has an empty signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MinHashSignature {
    values: Vec<u64>,
}

impl MinHashSignature {
    /// The minimum hash values, one per permutation.
    pub fn values(&self) -> &[u64] {
        &self.values
    }

    /// Whether the text had no shingle.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The share of positions where both signatures agree: an unbiased
    /// estimate of the Jaccard similarity of the two shingle sets.
    ///
    /// `0.0` when either signature is empty or their lengths differ
    /// (signatures from differently configured deduplicators).
    pub fn estimated_jaccard(&self, other: &Self) -> f64 {
        if self.values.is_empty() || self.values.len() != other.values.len() {
            return 0.0;
        }
        let equal = agreements(&self.values, &other.values);
        equal as f64 / self.values.len() as f64
    }
}

fn agreements(a: &[u64], b: &[u64]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x == y).count()
}

/// Finds exact duplicates (equal normalized token streams) and near
/// duplicates (MinHash over word shingles with LSH banding).
///
/// Deterministic: the MinHash permutations come from a fixed seed, so the same
/// texts give the same groups on every run and machine.
///
/// # Example
///
/// ```
/// use jobfit_text::Deduplicator;
///
/// let postings = [
///     "Senior Rust engineer: build our search backend in Rust and SQL.",
///     "Barista wanted for a busy coffee shop downtown.",
///     "senior rust engineer - build our search backend in rust and sql",
/// ];
/// let dedup = Deduplicator::builder().with_threshold(0.9).build()?;
/// let exact = dedup.exact_groups(&postings);
/// assert_eq!(exact.len(), 1);
/// assert_eq!(exact[0].members(), &[0, 2]);
/// assert_eq!(dedup.near_groups(&postings), exact);
/// # Ok::<(), jobfit_text::DedupError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DeduplicatorBuilder", into = "DeduplicatorBuilder")]
pub struct Deduplicator {
    shingle_size: usize,
    num_perm: usize,
    bands: usize,
    threshold: f64,
    seed: u64,
    /// One `(multiplier, increment)` per permutation, derived from `seed`.
    keys: Vec<(u64, u64)>,
}

impl Default for Deduplicator {
    fn default() -> Self {
        let shingle_size = DEFAULT_SHINGLE_SIZE;
        let num_perm = DEFAULT_NUM_PERM;
        let threshold = DEFAULT_THRESHOLD;
        let seed = DEFAULT_SEED;
        Self {
            shingle_size,
            num_perm,
            bands: optimal_bands(num_perm, threshold),
            threshold,
            seed,
            keys: permutation_keys(seed, num_perm),
        }
    }
}

/// Builds a [`Deduplicator`].
///
/// It (de)serializes as an object with the optional fields `shingle_size`,
/// `num_perm`, `bands` (absent or `null`: chosen from the threshold),
/// `threshold` and `seed`, and so does [`Deduplicator`], which checks them as
/// [`build`](Self::build) does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeduplicatorBuilder {
    shingle_size: usize,
    num_perm: usize,
    bands: Option<usize>,
    threshold: f64,
    seed: u64,
}

impl Default for DeduplicatorBuilder {
    fn default() -> Self {
        Self {
            shingle_size: DEFAULT_SHINGLE_SIZE,
            num_perm: DEFAULT_NUM_PERM,
            bands: None,
            threshold: DEFAULT_THRESHOLD,
            seed: DEFAULT_SEED,
        }
    }
}

impl From<Deduplicator> for DeduplicatorBuilder {
    fn from(dedup: Deduplicator) -> Self {
        Self {
            shingle_size: dedup.shingle_size,
            num_perm: dedup.num_perm,
            bands: Some(dedup.bands),
            threshold: dedup.threshold,
            seed: dedup.seed,
        }
    }
}

impl TryFrom<DeduplicatorBuilder> for Deduplicator {
    type Error = DedupError;

    fn try_from(builder: DeduplicatorBuilder) -> Result<Self, DedupError> {
        builder.build()
    }
}

impl DeduplicatorBuilder {
    /// Sets the number of tokens per shingle (default 3): words in English
    /// text, characters in Chinese text. Must be at least 1.
    #[must_use]
    pub fn with_shingle_size(mut self, shingle_size: usize) -> Self {
        self.shingle_size = shingle_size;
        self
    }

    /// Sets the number of MinHash permutations (default 128). More make the
    /// similarity estimate finer (its standard error is about
    /// `sqrt(J (1 - J) / num_perm)`) and the signatures slower to compute.
    #[must_use]
    pub fn with_num_perm(mut self, num_perm: usize) -> Self {
        self.num_perm = num_perm;
        self
    }

    /// Sets the number of LSH bands; each band holds `num_perm / bands`
    /// signature values. More bands find more candidate pairs (higher
    /// recall, more comparisons). Unset (the default), it is the smallest
    /// divisor of `num_perm` with which a pair exactly at the threshold
    /// becomes a candidate with probability at least 0.9 (16 bands of 8 rows
    /// for 128 permutations and threshold 0.8).
    #[must_use]
    pub fn with_bands(mut self, bands: usize) -> Self {
        self.bands = Some(bands);
        self
    }

    /// Sets the Jaccard similarity from which two texts are near duplicates
    /// (default 0.8), in `(0, 1]`.
    #[must_use]
    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Sets the seed of the MinHash permutations (default fixed). Signatures
    /// are only comparable between deduplicators with the same seed and
    /// number of permutations.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the settings and builds the [`Deduplicator`].
    ///
    /// # Errors
    ///
    /// [`DedupError::InvalidShingleSize`] for a shingle size of 0,
    /// [`DedupError::InvalidNumPerm`] for 0 permutations,
    /// [`DedupError::InvalidBands`] when the bands do not divide the
    /// permutations, [`DedupError::InvalidThreshold`] for a threshold outside
    /// `(0, 1]` (or NaN).
    pub fn build(self) -> Result<Deduplicator, DedupError> {
        let Self {
            shingle_size,
            num_perm,
            bands,
            threshold,
            seed,
        } = self;
        if shingle_size == 0 {
            return Err(DedupError::InvalidShingleSize { shingle_size });
        }
        if num_perm == 0 {
            return Err(DedupError::InvalidNumPerm { num_perm });
        }
        if !(threshold > 0.0 && threshold <= 1.0) {
            return Err(DedupError::InvalidThreshold { threshold });
        }
        let bands = match bands {
            Some(bands) if bands == 0 || !num_perm.is_multiple_of(bands) => {
                return Err(DedupError::InvalidBands { bands, num_perm });
            }
            Some(bands) => bands,
            None => optimal_bands(num_perm, threshold),
        };
        Ok(Deduplicator {
            shingle_size,
            num_perm,
            bands,
            threshold,
            seed,
            keys: permutation_keys(seed, num_perm),
        })
    }
}

impl Deduplicator {
    /// A builder with the defaults: 3-token shingles, 128 permutations,
    /// threshold 0.8, bands chosen from the threshold.
    pub fn builder() -> DeduplicatorBuilder {
        DeduplicatorBuilder::default()
    }

    /// Tokens per shingle.
    pub fn shingle_size(&self) -> usize {
        self.shingle_size
    }

    /// MinHash permutations per signature.
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// LSH bands.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Signature values per LSH band: `num_perm / bands`.
    pub fn rows(&self) -> usize {
        self.num_perm / self.bands
    }

    /// The Jaccard similarity from which texts are near duplicates.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Groups texts that are equal once normalized (lower case, punctuation
    /// and whitespace dropped). Groups are sorted by their first member.
    pub fn exact_groups<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<DuplicateGroup> {
        let keys: Vec<u128> = texts
            .par_iter()
            .map(|text| exact_key(text.as_ref()))
            .collect();
        let mut by_key: HashMap<u128, Vec<usize>> = HashMap::with_capacity(keys.len());
        for (index, key) in keys.into_iter().enumerate() {
            by_key.entry(key).or_default().push(index);
        }
        // Members were pushed in increasing order, so each group is sorted.
        let mut groups: Vec<DuplicateGroup> = by_key
            .into_values()
            .filter(|members| members.len() > 1)
            .map(|members| DuplicateGroup { members })
            .collect();
        groups.sort_unstable_by_key(DuplicateGroup::representative);
        groups
    }

    /// Groups texts whose shingle sets have an estimated Jaccard similarity of
    /// at least the threshold, directly or through other members. Groups are
    /// sorted by their first member; texts without tokens are never grouped.
    pub fn near_groups<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<DuplicateGroup> {
        let signatures: Vec<MinHashSignature> = texts
            .par_iter()
            .map(|text| self.signature(text.as_ref()))
            .collect();
        self.group_signatures(&signatures)
    }

    /// The MinHash signature of `text`.
    pub fn signature(&self, text: &str) -> MinHashSignature {
        let shingles = self.shingles(text);
        if shingles.is_empty() {
            return MinHashSignature { values: Vec::new() };
        }
        let mut values = vec![u64::MAX; self.num_perm];
        for &shingle in &shingles {
            for (value, &(multiplier, increment)) in values.iter_mut().zip(&self.keys) {
                let permuted = multiplier.wrapping_mul(shingle).wrapping_add(increment);
                *value = (*value).min(permuted);
            }
        }
        MinHashSignature { values }
    }

    /// The exact Jaccard similarity of the shingle sets of `a` and `b`
    /// (shingles compared by 64-bit hash). `0.0` when either has no shingle.
    pub fn jaccard(&self, a: &str, b: &str) -> f64 {
        let mut a = self.shingles(a);
        let mut b = self.shingles(b);
        if a.is_empty() || b.is_empty() {
            return 0.0;
        }
        a.sort_unstable();
        a.dedup();
        b.sort_unstable();
        b.dedup();
        let (mut i, mut j, mut common) = (0, 0, 0_usize);
        while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let union = a.len() + b.len() - common;
        common as f64 / union as f64
    }

    /// The hashes of the shingles of `text` (with repeats).
    fn shingles(&self, text: &str) -> Vec<u64> {
        let mut tokens = Vec::new();
        for_each_token(text, |token| tokens.push(xxh3_64(token.as_bytes())));
        if tokens.is_empty() {
            return Vec::new();
        }
        // A text shorter than a shingle is one shingle of all its tokens.
        let size = self.shingle_size.min(tokens.len());
        let mut bytes = Vec::with_capacity(size * 8);
        tokens
            .windows(size)
            .map(|window| {
                bytes.clear();
                for token in window {
                    bytes.extend_from_slice(&token.to_le_bytes());
                }
                xxh3_64(&bytes)
            })
            .collect()
    }

    /// Near-duplicate groups from signatures made by this deduplicator.
    fn group_signatures(&self, signatures: &[MinHashSignature]) -> Vec<DuplicateGroup> {
        let mut sets = UnionFind::new(signatures.len());

        // Texts with identical signatures are duplicates outright; only one
        // of each such class takes part in banding, which keeps buckets of
        // many copies from turning into many pairs.
        let mut classes: HashMap<&[u64], usize> = HashMap::new();
        let mut representatives = Vec::new();
        for (index, signature) in signatures.iter().enumerate() {
            if signature.values.len() != self.num_perm {
                continue;
            }
            match classes.get(signature.values.as_slice()) {
                Some(&first) => sets.union(first, index),
                None => {
                    classes.insert(&signature.values, index);
                    representatives.push(index);
                }
            }
        }

        // Band keys in parallel; then, band by band, the pairs sharing a
        // bucket are checked, skipping pairs already joined (which keeps a
        // bucket of k near-identical texts at about k checks).
        let rows = self.rows();
        let band_keys: Vec<Vec<u64>> = representatives
            .par_iter()
            .map(|&index| {
                let values = signatures
                    .get(index)
                    .map(|signature| signature.values.as_slice())
                    .unwrap_or_default();
                let mut bytes = Vec::with_capacity(rows * 8);
                values
                    .chunks_exact(rows)
                    .map(|band| {
                        bytes.clear();
                        for value in band {
                            bytes.extend_from_slice(&value.to_le_bytes());
                        }
                        xxh3_64(&bytes)
                    })
                    .collect()
            })
            .collect();
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::with_capacity(representatives.len());
        for band in 0..self.bands {
            buckets.clear();
            for (&index, keys) in representatives.iter().zip(&band_keys) {
                if let Some(&key) = keys.get(band) {
                    buckets.entry(key).or_default().push(index);
                }
            }
            for members in buckets.values().filter(|members| members.len() > 1) {
                for (position, &a) in members.iter().enumerate() {
                    for &b in members.get(position + 1..).unwrap_or_default() {
                        if sets.find(a) == sets.find(b) {
                            continue;
                        }
                        let (Some(sa), Some(sb)) = (signatures.get(a), signatures.get(b)) else {
                            continue;
                        };
                        if sa.estimated_jaccard(sb) >= self.threshold {
                            sets.union(a, b);
                        }
                    }
                }
            }
        }
        sets.groups()
    }
}

/// Calls `f` with each lower-cased token of `text`: runs of letters and
/// digits, and each CJK character alone.
fn for_each_token(text: &str, mut f: impl FnMut(&str)) {
    let mut token = String::new();
    let mut flush = |token: &mut String| {
        if !token.is_empty() {
            f(token);
            token.clear();
        }
    };
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                token.push(c.to_ascii_lowercase());
            } else {
                flush(&mut token);
            }
        } else if is_cjk(c) {
            flush(&mut token);
            token.push(c);
            flush(&mut token);
        } else if c.is_alphanumeric() {
            token.extend(c.to_lowercase());
        } else {
            flush(&mut token);
        }
    }
    flush(&mut token);
}

/// Characters of scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{3040}'..='\u{30FF}'     // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}'   // half-width katakana
        | '\u{20000}'..='\u{323AF}' // CJK extensions B to H
    )
}

/// The hash of the normalized token stream of `text`: its tokens joined by
/// single spaces.
fn exact_key(text: &str) -> u128 {
    let mut normalized = String::with_capacity(text.len());
    for_each_token(text, |token| {
        if !normalized.is_empty() {
            normalized.push(' ');
        }
        normalized.push_str(token);
    });
    xxh3_128(normalized.as_bytes())
}

/// The MinHash permutations: `h -> a * h + b (mod 2^64)` with an odd
/// multiplier `a` (so that each is a bijection) and `a`, `b` drawn from the
/// SplitMix64 sequence of `seed`.
///
/// This is the universal family `datasketch` uses (there modulo a Mersenne
/// prime); the shingle hashes it permutes are already xxh3 outputs, and the
/// minimum is decided by the high bits, where the multiplication mixes every
/// input bit. One multiply-add per shingle and permutation keeps signatures
/// fast.
fn permutation_keys(seed: u64, count: usize) -> Vec<(u64, u64)> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(state)
    };
    (0..count).map(|_| (next() | 1, next())).collect()
}

/// The SplitMix64 finalizer: a bijection on `u64` that scrambles every bit.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The smallest number of bands (a divisor of `num_perm`) with which a pair
/// exactly at the threshold shares a bucket with probability at least
/// [`TARGET_RECALL`]; pairs above the threshold do so more often still.
///
/// With `b` bands of `r` rows, a pair of similarity `s` shares a bucket with
/// probability `1 - (1 - s^r)^b`. Fewer bands mean longer rows, so fewer
/// pairs below the threshold become candidates; candidates are checked
/// anyway, so recall comes first.
fn optimal_bands(num_perm: usize, threshold: f64) -> usize {
    (1..=num_perm)
        .filter(|&bands| num_perm.is_multiple_of(bands))
        .find(|&bands| {
            let rows = (num_perm / bands) as f64;
            let collision = 1.0 - (1.0 - threshold.powf(rows)).powf(bands as f64);
            collision >= TARGET_RECALL
        })
        .unwrap_or(num_perm)
}

/// Disjoint sets over `0..n` whose roots are their smallest members.
#[derive(Debug)]
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while let Some(&parent) = self.parent.get(x) {
            if parent == x {
                break;
            }
            // Path halving.
            let grandparent = self.parent.get(parent).copied().unwrap_or(parent);
            if let Some(slot) = self.parent.get_mut(x) {
                *slot = grandparent;
            }
            x = grandparent;
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
        if let Some(slot) = self.parent.get_mut(high) {
            *slot = low;
        }
    }

    /// Sets of two or more members, each sorted, sorted by first member.
    fn groups(mut self) -> Vec<DuplicateGroup> {
        let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
        for index in 0..self.parent.len() {
            let root = self.find(index);
            if root != index || by_root.contains_key(&root) {
                by_root.entry(root).or_default().push(index);
            }
        }
        // Each root is its set's smallest member and was skipped above.
        let mut groups: Vec<DuplicateGroup> = by_root
            .into_iter()
            .map(|(root, mut members)| {
                members.insert(0, root);
                DuplicateGroup { members }
            })
            .collect();
        groups.sort_unstable_by_key(DuplicateGroup::representative);
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_token(text, |token| out.push(token.to_owned()));
        out
    }

    #[test]
    fn builder_validates() {
        let error = Deduplicator::builder()
            .with_shingle_size(0)
            .build()
            .unwrap_err();
        assert_eq!(error, DedupError::InvalidShingleSize { shingle_size: 0 });
        let error = Deduplicator::builder()
            .with_num_perm(0)
            .build()
            .unwrap_err();
        assert_eq!(error, DedupError::InvalidNumPerm { num_perm: 0 });
        let error = Deduplicator::builder().with_bands(3).build().unwrap_err();
        assert_eq!(
            error,
            DedupError::InvalidBands {
                bands: 3,
                num_perm: 128
            }
        );
        let error = Deduplicator::builder().with_bands(0).build().unwrap_err();
        assert_eq!(
            error,
            DedupError::InvalidBands {
                bands: 0,
                num_perm: 128
            }
        );
        for threshold in [0.0, -0.5, 1.01, f64::NAN, f64::INFINITY] {
            let error = Deduplicator::builder()
                .with_threshold(threshold)
                .build()
                .unwrap_err();
            assert!(
                matches!(error, DedupError::InvalidThreshold { .. }),
                "{threshold}"
            );
        }
        let dedup = Deduplicator::builder()
            .with_num_perm(64)
            .with_bands(16)
            .with_threshold(1.0)
            .build()
            .unwrap();
        assert_eq!((dedup.bands(), dedup.rows()), (16, 4));
    }

    #[test]
    fn default_matches_builder() {
        assert_eq!(
            Deduplicator::builder().build().unwrap(),
            Deduplicator::default()
        );
    }

    #[test]
    fn default_bands_reach_the_target_recall() {
        // By hand: with 128 permutations and s = 0.8, 8 bands of 16 rows give
        // 1 - (1 - 0.8^16)^8 = 0.204 and 16 bands of 8 rows give
        // 1 - (1 - 0.8^8)^16 = 0.947.
        assert_eq!(optimal_bands(128, 0.8), 16);
        // s = 0.5: 32 bands of 4 rows give 1 - (1 - 0.5^4)^32 = 0.873, 64
        // bands of 2 rows give 1 - 0.75^64 = 1.000.
        assert_eq!(optimal_bands(128, 0.5), 64);
        // s = 1: a single band always collides.
        assert_eq!(optimal_bands(128, 1.0), 1);
        assert_eq!(optimal_bands(1, 0.8), 1);
        assert_eq!(Deduplicator::default().bands(), 16);
    }

    #[test]
    fn tokens_are_lowercased_words_and_cjk_characters() {
        assert_eq!(
            tokens("Senior Data-Engineer, C++ (5 yrs)!"),
            ["senior", "data", "engineer", "c", "5", "yrs"]
        );
        assert_eq!(
            tokens("大数据开发 Java工程师"),
            ["大", "数", "据", "开", "发", "java", "工", "程", "师"]
        );
        assert_eq!(tokens("ÉCOLE Straße"), ["école", "straße"]);
        assert!(tokens(" \n.,;!? ").is_empty());
    }

    #[test]
    fn exact_jaccard_matches_hand_counts() {
        let unigrams = Deduplicator::builder()
            .with_shingle_size(1)
            .build()
            .unwrap();
        // {a,b,c,d} vs {a,b,c,e}: 3 common of 5.
        assert!((unigrams.jaccard("a b c d", "a b c e") - 0.6).abs() < 1e-12);
        let trigrams = Deduplicator::default();
        // Trigrams abc bcd cde vs abc bcd cdx: 2 common of 4.
        assert!((trigrams.jaccard("a b c d e", "a b c d x") - 0.5).abs() < 1e-12);
        // Shorter than a shingle: one shingle of all tokens.
        assert!((trigrams.jaccard("a b", "A, b!") - 1.0).abs() < 1e-12);
        assert_eq!(trigrams.jaccard("", "a b c"), 0.0);
        assert_eq!(trigrams.jaccard("", ""), 0.0);
    }

    #[test]
    fn signatures_are_deterministic_and_seeded() {
        let a = Deduplicator::default().signature("the quick brown fox jumps");
        let b = Deduplicator::default().signature("the quick brown fox jumps");
        assert_eq!(a, b);
        assert_eq!(a.values().len(), 128);
        let other_seed = Deduplicator::builder().with_seed(7).build().unwrap();
        assert_ne!(a, other_seed.signature("the quick brown fox jumps"));
        assert!(Deduplicator::default().signature("  ...  ").is_empty());
    }

    #[test]
    fn estimated_jaccard_of_mismatched_signatures_is_zero() {
        let small = Deduplicator::builder().with_num_perm(16).build().unwrap();
        let a = small.signature("a b c d");
        let b = Deduplicator::default().signature("a b c d");
        assert_eq!(a.estimated_jaccard(&b), 0.0);
        assert_eq!(a.estimated_jaccard(&a), 1.0);
    }

    #[test]
    fn union_find_roots_are_smallest_members() {
        let mut sets = UnionFind::new(6);
        sets.union(4, 2);
        sets.union(5, 4);
        sets.union(3, 1);
        let groups: Vec<Vec<usize>> = sets
            .groups()
            .into_iter()
            .map(DuplicateGroup::into_members)
            .collect();
        assert_eq!(groups, [vec![1, 3], vec![2, 4, 5]]);
    }

    #[test]
    fn deduplicator_round_trips_through_serde() {
        let dedup = Deduplicator::builder()
            .with_threshold(0.7)
            .with_seed(3)
            .build()
            .unwrap();
        let json = serde_json::to_string(&dedup).unwrap();
        let back: Deduplicator = serde_json::from_str(&json).unwrap();
        assert_eq!(back, dedup);
        assert!(serde_json::from_str::<Deduplicator>(r#"{"threshold": 2.0}"#).is_err());
    }

    #[test]
    fn types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Deduplicator>();
        assert_send_sync::<DuplicateGroup>();
        assert_send_sync::<MinHashSignature>();
        assert_send_sync::<DedupError>();
    }
}
