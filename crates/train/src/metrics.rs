//! Evaluation metrics as pure functions: classification (accuracy, precision, recall, F1,
//! confusion matrix, a printable report) and ranking (Recall@K, Precision@K, MRR@K, NDCG@K,
//! MAP@K, Hit@K, and an aggregate over many queries).
//!
//! # Conventions
//!
//! Classification:
//!
//! - A class's precision is `tp / predicted`, its recall `tp / support`, its F1 the harmonic mean
//!   `2 p r / (p + r)`. A ratio whose denominator is zero is `0.0` (a class never predicted has
//!   precision 0; `p + r = 0` gives F1 0), as scikit-learn does with `zero_division=0`.
//! - Macro averages are unweighted means over the *active* classes: those that occur in the truth
//!   or in the predictions. A class of the label set that is neither in the evaluated data nor ever
//!   predicted has no defined precision or recall and is left out (scikit-learn's default label
//!   set is the same union). Weighted averages weight each class by its support, so they equal
//!   `Σ support_c · m_c / n`.
//! - A test label that the model never saw in training ([`ClassificationReport::from_labels`])
//!   can never be predicted: its examples count as wrong, the label appears in `per_class` with
//!   recall 0 and enters the macro average, and it is listed in `unseen_labels`.
//!
//! Ranking (one query, a ranked list of retrieved ids, a set of relevant ids, a cutoff `K`):
//!
//! - Binary relevance. Only the first `K` ranked ids count; a list shorter than `K` is fine (the
//!   missing positions are misses). An id listed twice counts once, at its first position.
//! - `Recall@K = hits / |relevant|`; `Precision@K = hits / K` (divided by `K`, not by the list
//!   length, as `trec_eval` does); `MRR@K = 1 / rank` of the first relevant id within the top `K`,
//!   else 0; `NDCG@K = DCG / IDCG` with `DCG = Σ_{i ≤ K, rel_i} 1 / log2(i + 1)` and the ideal
//!   `IDCG = Σ_{i=1}^{min(|relevant|, K)} 1 / log2(i + 1)`; `MAP@K = (Σ_{i ≤ K, rel_i} hits_i / i)
//!   / min(|relevant|, K)`, where `hits_i` counts the relevant ids among the first `i`;
//!   `Hit@K` is 1 when a relevant id is among the first `K`, else 0 (its mean is the share of
//!   queries answered in the top `K`, also called success@K).
//! - `K = 0` is an error ([`MetricsError::InvalidK`]). A query with no relevant ids is an error for
//!   the single-query functions ([`MetricsError::NoRelevant`]); the aggregate
//!   ([`RetrievalEvaluator`]) skips such a query and counts it in
//!   [`RetrievalReport::skipped`]. No metric is ever NaN: empty inputs are typed errors.

use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// What can go wrong while computing a metric.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// There is nothing to evaluate.
    #[error("cannot compute {what} over no examples: the evaluation set is empty")]
    Empty {
        /// The metric or input that was empty.
        what: &'static str,
    },
    /// The truth and the predictions have different lengths.
    #[error("{truth} true labels but {predicted} predictions: pass one prediction per example")]
    LengthMismatch {
        /// Number of true labels.
        truth: usize,
        /// Number of predictions.
        predicted: usize,
    },
    /// A class id is not below the number of classes.
    #[error("class id {class} is out of range for {n_classes} classes (valid ids: 0..{n_classes})")]
    ClassOutOfRange {
        /// The bad id.
        class: usize,
        /// The number of classes.
        n_classes: usize,
    },
    /// A ranking cutoff of zero.
    #[error("invalid cutoff K = {k}: K must be at least 1")]
    InvalidK {
        /// The bad cutoff.
        k: usize,
    },
    /// A ranking query without relevant ids, where a metric needs at least one.
    #[error(
        "the query has no relevant ids, so recall, NDCG and MAP are undefined; \
         leave the query out or use RetrievalEvaluator, which skips and counts it"
    )]
    NoRelevant,
    /// Every query added to a [`RetrievalEvaluator`] was skipped, or none was added.
    #[error(
        "no query to average over ({skipped} skipped for having no relevant ids): \
         add at least one query with a relevant id"
    )]
    NoQueries {
        /// Queries skipped for having no relevant ids.
        skipped: usize,
    },
}

/// The result alias of this module.
pub type MetricsResult<T> = std::result::Result<T, MetricsError>;

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

fn f1_of(precision: f64, recall: f64) -> f64 {
    ratio(2.0 * precision * recall, precision + recall)
}

fn check_lengths(truth: usize, predicted: usize) -> MetricsResult<()> {
    if truth != predicted {
        return Err(MetricsError::LengthMismatch { truth, predicted });
    }
    if truth == 0 {
        return Err(MetricsError::Empty { what: "accuracy" });
    }
    Ok(())
}

/// The fraction of predictions equal to the truth.
///
/// # Errors
///
/// [`MetricsError::LengthMismatch`] when the slices differ in length,
/// [`MetricsError::Empty`] when they are empty.
pub fn accuracy<T: PartialEq>(truth: &[T], predicted: &[T]) -> MetricsResult<f64> {
    check_lengths(truth.len(), predicted.len())?;
    let correct = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / truth.len() as f64)
}

/// Macro-averaged F1 of class-id predictions over the active classes (see the module docs).
///
/// A shortcut for [`ConfusionMatrix::from_ids`] followed by [`ConfusionMatrix::macro_f1`].
///
/// # Errors
///
/// As [`ConfusionMatrix::from_ids`].
pub fn macro_f1(n_classes: usize, truth: &[usize], predicted: &[usize]) -> MetricsResult<f64> {
    ConfusionMatrix::from_ids(n_classes, truth, predicted)?.macro_f1()
}

/// Precision, recall and F1 of one class, with its support.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// True positives over predictions of the class (0 when never predicted).
    pub precision: f64,
    /// True positives over the class's examples (0 when it has none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Number of examples whose true label is the class.
    pub support: usize,
}

/// Averaged precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AveragedMetrics {
    /// Averaged precision.
    pub precision: f64,
    /// Averaged recall.
    pub recall: f64,
    /// Averaged F1 (the mean of per-class F1, not the F1 of the means).
    pub f1: f64,
}

/// Counts of (true class, predicted class) pairs over `n_classes` class ids.
///
/// Rows are true classes, columns predicted classes: `get(t, p)` counts examples of class `t`
/// predicted as `p`. Fill it in one go with [`from_ids`](Self::from_ids) or incrementally with
/// [`add`](Self::add) (for example batch by batch during validation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    n_classes: usize,
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An all-zero matrix over `n_classes` classes.
    pub fn new(n_classes: usize) -> Self {
        Self {
            n_classes,
            counts: vec![0; n_classes * n_classes],
        }
    }

    /// The matrix of paired true and predicted class ids.
    ///
    /// # Errors
    ///
    /// [`MetricsError::LengthMismatch`], [`MetricsError::Empty`], or
    /// [`MetricsError::ClassOutOfRange`] for an id `>= n_classes`.
    pub fn from_ids(n_classes: usize, truth: &[usize], predicted: &[usize]) -> MetricsResult<Self> {
        check_lengths(truth.len(), predicted.len())?;
        let mut matrix = Self::new(n_classes);
        for (&t, &p) in truth.iter().zip(predicted) {
            matrix.add(t, p)?;
        }
        Ok(matrix)
    }

    /// Counts one example of true class `truth` predicted as `predicted`.
    ///
    /// # Errors
    ///
    /// [`MetricsError::ClassOutOfRange`] when either id is `>= n_classes` (nothing is counted).
    pub fn add(&mut self, truth: usize, predicted: usize) -> MetricsResult<()> {
        for class in [truth, predicted] {
            if class >= self.n_classes {
                return Err(MetricsError::ClassOutOfRange {
                    class,
                    n_classes: self.n_classes,
                });
            }
        }
        self.counts[truth * self.n_classes + predicted] += 1;
        Ok(())
    }

    /// The number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Examples of class `truth` predicted as `predicted` (0 for ids out of range).
    pub fn get(&self, truth: usize, predicted: usize) -> u64 {
        if truth >= self.n_classes || predicted >= self.n_classes {
            return 0;
        }
        self.counts[truth * self.n_classes + predicted]
    }

    /// The matrix as rows (true class) of columns (predicted class).
    pub fn rows(&self) -> Vec<Vec<u64>> {
        if self.n_classes == 0 {
            return Vec::new();
        }
        self.counts
            .chunks(self.n_classes)
            .map(<[u64]>::to_vec)
            .collect()
    }

    /// The number of examples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The number of correctly predicted examples (the diagonal).
    pub fn correct(&self) -> u64 {
        (0..self.n_classes).map(|c| self.get(c, c)).sum()
    }

    /// Examples whose true class is `class`.
    pub fn support(&self, class: usize) -> u64 {
        (0..self.n_classes).map(|p| self.get(class, p)).sum()
    }

    /// Examples predicted as `class`.
    pub fn predicted_count(&self, class: usize) -> u64 {
        (0..self.n_classes).map(|t| self.get(t, class)).sum()
    }

    /// Whether `class` occurs in the truth or in the predictions.
    pub fn is_active(&self, class: usize) -> bool {
        self.support(class) > 0 || self.predicted_count(class) > 0
    }

    /// The fraction of examples on the diagonal.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Empty`] when nothing was counted.
    pub fn accuracy(&self) -> MetricsResult<f64> {
        let total = self.total();
        if total == 0 {
            return Err(MetricsError::Empty { what: "accuracy" });
        }
        Ok(self.correct() as f64 / total as f64)
    }

    /// Precision, recall, F1 and support of one class (all zero for an id out of range).
    pub fn class_metrics(&self, class: usize) -> ClassMetrics {
        let tp = self.get(class, class) as f64;
        let precision = ratio(tp, self.predicted_count(class) as f64);
        let support = self.support(class);
        let recall = ratio(tp, support as f64);
        ClassMetrics {
            precision,
            recall,
            f1: f1_of(precision, recall),
            // A count of examples held in memory fits in usize.
            support: support as usize,
        }
    }

    /// [`class_metrics`](Self::class_metrics) of every class id, in id order.
    pub fn per_class(&self) -> Vec<ClassMetrics> {
        (0..self.n_classes).map(|c| self.class_metrics(c)).collect()
    }

    /// Unweighted means over the active classes (see the module docs).
    ///
    /// # Errors
    ///
    /// [`MetricsError::Empty`] when nothing was counted.
    pub fn macro_avg(&self) -> MetricsResult<AveragedMetrics> {
        let active: Vec<ClassMetrics> = (0..self.n_classes)
            .filter(|&c| self.is_active(c))
            .map(|c| self.class_metrics(c))
            .collect();
        if active.is_empty() {
            return Err(MetricsError::Empty {
                what: "macro average",
            });
        }
        let n = active.len() as f64;
        Ok(AveragedMetrics {
            precision: active.iter().map(|m| m.precision).sum::<f64>() / n,
            recall: active.iter().map(|m| m.recall).sum::<f64>() / n,
            f1: active.iter().map(|m| m.f1).sum::<f64>() / n,
        })
    }

    /// Means weighted by support.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Empty`] when nothing was counted.
    pub fn weighted_avg(&self) -> MetricsResult<AveragedMetrics> {
        let total = self.total();
        if total == 0 {
            return Err(MetricsError::Empty {
                what: "weighted average",
            });
        }
        let total = total as f64;
        let (mut precision, mut recall, mut f1) = (0.0, 0.0, 0.0);
        for m in self.per_class() {
            let w = m.support as f64 / total;
            precision += w * m.precision;
            recall += w * m.recall;
            f1 += w * m.f1;
        }
        Ok(AveragedMetrics {
            precision,
            recall,
            f1,
        })
    }

    /// Macro-averaged F1 over the active classes.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Empty`] when nothing was counted.
    pub fn macro_f1(&self) -> MetricsResult<f64> {
        Ok(self.macro_avg()?.f1)
    }

    /// Support-weighted F1.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Empty`] when nothing was counted.
    pub fn weighted_f1(&self) -> MetricsResult<f64> {
        Ok(self.weighted_avg()?.f1)
    }
}

/// The classification metrics `jobfit eval classify` prints, as one JSON object:
///
/// ```json
/// {"n": 4, "accuracy": 0.75, "macro_f1": 0.73, "weighted_f1": 0.73,
///  "per_class": {"a": {"precision": 1.0, "recall": 0.5, "f1": 0.67, "support": 2}, ...},
///  "unseen_labels": {}}
/// ```
///
/// `per_class` holds the active classes (see the module docs), keyed by label and sorted.
/// `unseen_labels` maps each true label the model was not trained on to its number of examples;
/// those examples are counted as wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Number of evaluated examples.
    pub n: usize,
    /// Fraction predicted correctly.
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1.
    pub macro_f1: f64,
    /// Support-weighted mean of the per-class F1.
    pub weighted_f1: f64,
    /// Metrics per label.
    pub per_class: BTreeMap<String, ClassMetrics>,
    /// True labels absent from the training labels, with their example counts.
    #[serde(default)]
    pub unseen_labels: BTreeMap<String, usize>,
}

impl ClassificationReport {
    /// The report of a confusion matrix whose class ids name `labels[id]`.
    ///
    /// No label is reported unseen.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Empty`] when the matrix counted nothing,
    /// [`MetricsError::LengthMismatch`] when `labels` does not name every class
    /// (`truth` is the number of classes, `predicted` the number of labels).
    pub fn from_confusion(
        matrix: &ConfusionMatrix,
        labels: &[impl AsRef<str>],
    ) -> MetricsResult<Self> {
        if labels.len() != matrix.n_classes() {
            return Err(MetricsError::LengthMismatch {
                truth: matrix.n_classes(),
                predicted: labels.len(),
            });
        }
        let accuracy = matrix.accuracy()?;
        let per_class = (0..matrix.n_classes())
            .filter(|&c| matrix.is_active(c))
            .map(|c| (labels[c].as_ref().to_owned(), matrix.class_metrics(c)))
            .collect();
        Ok(Self {
            // A count of examples held in memory fits in usize.
            n: matrix.total() as usize,
            accuracy,
            macro_f1: matrix.macro_f1()?,
            weighted_f1: matrix.weighted_f1()?,
            per_class,
            unseen_labels: BTreeMap::new(),
        })
    }

    /// The report of true and predicted label names.
    ///
    /// `training_labels` is the label set the model was trained on; a true label outside it is
    /// reported in `unseen_labels` and its examples count as wrong (unless a prediction names it,
    /// which a model cannot do for a label it was not trained on).
    ///
    /// # Errors
    ///
    /// [`MetricsError::LengthMismatch`] or [`MetricsError::Empty`] for the two slices.
    pub fn from_labels(
        truth: &[impl AsRef<str>],
        predicted: &[impl AsRef<str>],
        training_labels: &[impl AsRef<str>],
    ) -> MetricsResult<Self> {
        check_lengths(truth.len(), predicted.len())?;
        let known: HashSet<&str> = training_labels.iter().map(AsRef::as_ref).collect();
        let mut names: Vec<&str> = known
            .iter()
            .copied()
            .chain(truth.iter().map(AsRef::as_ref))
            .chain(predicted.iter().map(AsRef::as_ref))
            .collect();
        names.sort_unstable();
        names.dedup();
        let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let mut matrix = ConfusionMatrix::new(names.len());
        let mut unseen = BTreeMap::new();
        for (t, p) in truth.iter().zip(predicted) {
            let (t, p) = (t.as_ref(), p.as_ref());
            // Both names were inserted into `index` above.
            matrix.add(index[t], index[p])?;
            if !known.contains(t) {
                *unseen.entry(t.to_owned()).or_insert(0) += 1;
            }
        }
        let mut report = Self::from_confusion(&matrix, &names)?;
        report.unseen_labels = unseen;
        Ok(report)
    }

    /// The number of examples whose true label was not among the training labels.
    pub fn unseen_count(&self) -> usize {
        self.unseen_labels.values().sum()
    }
}

fn check_query<T: Eq + Hash>(relevant: &HashSet<T>, k: usize) -> MetricsResult<()> {
    if k == 0 {
        return Err(MetricsError::InvalidK { k });
    }
    if relevant.is_empty() {
        return Err(MetricsError::NoRelevant);
    }
    Ok(())
}

/// The 1-based ranks (within the first `k`) of the relevant ids, each id counted once.
fn hit_ranks<T: Eq + Hash>(ranked: &[T], relevant: &HashSet<T>, k: usize) -> Vec<usize> {
    let mut seen: HashSet<&T> = HashSet::new();
    ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, id)| relevant.contains(*id) && seen.insert(*id))
        .map(|(i, _)| i + 1)
        .collect()
}

/// All six ranking metrics of one query at one cutoff.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankingMetrics {
    /// Recall@K.
    pub recall: f64,
    /// Precision@K.
    pub precision: f64,
    /// MRR@K (the reciprocal rank of this query).
    pub mrr: f64,
    /// NDCG@K.
    pub ndcg: f64,
    /// MAP@K (the average precision of this query).
    pub map: f64,
    /// Hit@K: 1 when a relevant id is among the first `K`, else 0.
    pub hit: f64,
}

impl RankingMetrics {
    /// Computes the metrics of `ranked` (best first) against `relevant` at cutoff `k`, following
    /// the conventions in the module docs.
    ///
    /// # Errors
    ///
    /// [`MetricsError::InvalidK`] for `k == 0`, [`MetricsError::NoRelevant`] for an empty
    /// `relevant`.
    pub fn compute<T: Eq + Hash>(
        ranked: &[T],
        relevant: &HashSet<T>,
        k: usize,
    ) -> MetricsResult<Self> {
        check_query(relevant, k)?;
        let ranks = hit_ranks(ranked, relevant, k);
        let hits = ranks.len() as f64;
        let ideal = relevant.len().min(k);
        let discount = |rank: usize| 1.0 / ((rank + 1) as f64).log2();
        let dcg: f64 = ranks.iter().map(|&r| discount(r)).sum();
        let idcg: f64 = (1..=ideal).map(discount).sum();
        let ap: f64 = ranks
            .iter()
            .enumerate()
            .map(|(i, &r)| (i + 1) as f64 / r as f64)
            .sum();
        Ok(Self {
            recall: hits / relevant.len() as f64,
            precision: hits / k as f64,
            mrr: ranks.first().map_or(0.0, |&r| 1.0 / r as f64),
            ndcg: dcg / idcg,
            map: ap / ideal as f64,
            hit: if ranks.is_empty() { 0.0 } else { 1.0 },
        })
    }
}

/// Recall@K: the fraction of the relevant ids found in the first `k` ranked ids.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] for `k == 0`, [`MetricsError::NoRelevant`] for an empty `relevant`.
pub fn recall_at_k<T: Eq + Hash>(
    ranked: &[T],
    relevant: &HashSet<T>,
    k: usize,
) -> MetricsResult<f64> {
    Ok(RankingMetrics::compute(ranked, relevant, k)?.recall)
}

/// Precision@K: relevant ids among the first `k` ranked ids, divided by `k`.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] for `k == 0`, [`MetricsError::NoRelevant`] for an empty `relevant`.
pub fn precision_at_k<T: Eq + Hash>(
    ranked: &[T],
    relevant: &HashSet<T>,
    k: usize,
) -> MetricsResult<f64> {
    Ok(RankingMetrics::compute(ranked, relevant, k)?.precision)
}

/// MRR@K of one query: `1 / rank` of the first relevant id within the first `k`, else 0.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] for `k == 0`, [`MetricsError::NoRelevant`] for an empty `relevant`.
pub fn mrr_at_k<T: Eq + Hash>(ranked: &[T], relevant: &HashSet<T>, k: usize) -> MetricsResult<f64> {
    Ok(RankingMetrics::compute(ranked, relevant, k)?.mrr)
}

/// NDCG@K with binary relevance and a `log2(rank + 1)` discount; the ideal DCG places
/// `min(|relevant|, k)` relevant ids first.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] for `k == 0`, [`MetricsError::NoRelevant`] for an empty `relevant`.
pub fn ndcg_at_k<T: Eq + Hash>(
    ranked: &[T],
    relevant: &HashSet<T>,
    k: usize,
) -> MetricsResult<f64> {
    Ok(RankingMetrics::compute(ranked, relevant, k)?.ndcg)
}

/// MAP@K of one query (its average precision truncated at `k`): the sum of Precision@i over the
/// ranks `i <= k` that hold a relevant id, divided by `min(|relevant|, k)`.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] for `k == 0`, [`MetricsError::NoRelevant`] for an empty `relevant`.
pub fn map_at_k<T: Eq + Hash>(ranked: &[T], relevant: &HashSet<T>, k: usize) -> MetricsResult<f64> {
    Ok(RankingMetrics::compute(ranked, relevant, k)?.map)
}

/// The cutoffs [`RetrievalEvaluator::with_default_ks`] uses.
pub const DEFAULT_RETRIEVAL_KS: [usize; 4] = [1, 5, 10, 100];

/// The names of the ranking metrics, as used in [`RetrievalReport::metrics`] keys.
pub const RANKING_METRIC_NAMES: [&str; 6] = ["recall", "precision", "mrr", "ndcg", "map", "hit"];

/// Mean ranking metrics over many queries.
///
/// `metrics` maps `"{name}@{k}"` (names from [`RANKING_METRIC_NAMES`], e.g. `"recall@1"`,
/// `"mrr@10"`, `"ndcg@10"`, `"map@100"`) to the mean over the evaluated queries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievalReport {
    /// Queries averaged over.
    pub queries: usize,
    /// Queries skipped because they had no relevant id.
    #[serde(default)]
    pub skipped: usize,
    /// Size of the searched catalog.
    pub docs: usize,
    /// Mean metric per `"{name}@{k}"`.
    pub metrics: BTreeMap<String, f64>,
}

impl RetrievalReport {
    /// The mean of metric `name` (`"recall"`, `"precision"`, `"mrr"`, `"ndcg"`, `"map"`,
    /// `"hit"`) at `k`, if it was computed.
    pub fn get(&self, name: &str, k: usize) -> Option<f64> {
        self.metrics.get(&format!("{name}@{k}")).copied()
    }
}

/// Accumulates [`RankingMetrics`] over queries at several cutoffs and averages them into a
/// [`RetrievalReport`].
///
/// ```
/// use std::collections::HashSet;
/// use jobfit_train::RetrievalEvaluator;
///
/// let mut eval = RetrievalEvaluator::new(&[1, 10], 3).unwrap();
/// eval.add(&["a", "b", "c"], &HashSet::from(["a"]));
/// eval.add(&["a", "b", "c"], &HashSet::from(["b"]));
/// let report = eval.finish().unwrap();
/// assert_eq!(report.get("recall", 1), Some(0.5));
/// assert_eq!(report.get("mrr", 10), Some(0.75));
/// ```
#[derive(Debug, Clone)]
pub struct RetrievalEvaluator {
    ks: Vec<usize>,
    docs: usize,
    sums: Vec<[f64; 6]>,
    queries: usize,
    skipped: usize,
}

impl RetrievalEvaluator {
    /// An evaluator at cutoffs `ks` over a catalog of `docs` documents (reported as is).
    ///
    /// # Errors
    ///
    /// [`MetricsError::InvalidK`] for a zero cutoff, [`MetricsError::Empty`] for no cutoff.
    pub fn new(ks: &[usize], docs: usize) -> MetricsResult<Self> {
        if ks.is_empty() {
            return Err(MetricsError::Empty {
                what: "cutoff list",
            });
        }
        if let Some(&k) = ks.iter().find(|&&k| k == 0) {
            return Err(MetricsError::InvalidK { k });
        }
        let mut ks = ks.to_vec();
        ks.sort_unstable();
        ks.dedup();
        Ok(Self {
            sums: vec![[0.0; 6]; ks.len()],
            ks,
            docs,
            queries: 0,
            skipped: 0,
        })
    }

    /// An evaluator at [`DEFAULT_RETRIEVAL_KS`].
    pub fn with_default_ks(docs: usize) -> Self {
        Self {
            ks: DEFAULT_RETRIEVAL_KS.to_vec(),
            docs,
            sums: vec![[0.0; 6]; DEFAULT_RETRIEVAL_KS.len()],
            queries: 0,
            skipped: 0,
        }
    }

    /// The cutoffs, sorted and de-duplicated.
    pub fn ks(&self) -> &[usize] {
        &self.ks
    }

    /// Adds one query's ranking (best first). A query without relevant ids is skipped and
    /// counted; the return value says whether the query was evaluated.
    pub fn add<T: Eq + Hash>(&mut self, ranked: &[T], relevant: &HashSet<T>) -> bool {
        if relevant.is_empty() {
            self.skipped += 1;
            return false;
        }
        for (sum, &k) in self.sums.iter_mut().zip(&self.ks) {
            // `k >= 1` (checked in `new`) and `relevant` is non-empty: compute cannot fail.
            if let Ok(m) = RankingMetrics::compute(ranked, relevant, k) {
                for (s, v) in
                    sum.iter_mut()
                        .zip([m.recall, m.precision, m.mrr, m.ndcg, m.map, m.hit])
                {
                    *s += v;
                }
            }
        }
        self.queries += 1;
        true
    }

    /// The means over the evaluated queries.
    ///
    /// # Errors
    ///
    /// [`MetricsError::NoQueries`] when no query was evaluated.
    pub fn finish(&self) -> MetricsResult<RetrievalReport> {
        if self.queries == 0 {
            return Err(MetricsError::NoQueries {
                skipped: self.skipped,
            });
        }
        let n = self.queries as f64;
        let mut metrics = BTreeMap::new();
        for (sum, k) in self.sums.iter().zip(&self.ks) {
            for (name, s) in RANKING_METRIC_NAMES.iter().zip(sum) {
                metrics.insert(format!("{name}@{k}"), s / n);
            }
        }
        Ok(RetrievalReport {
            queries: self.queries,
            skipped: self.skipped,
            docs: self.docs,
            metrics,
        })
    }
}
