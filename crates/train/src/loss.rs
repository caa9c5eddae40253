//! Losses: cross-entropy with class weights and label smoothing, multiple-negatives ranking.
//!
//! Both follow their PyTorch / sentence-transformers definitions exactly, so a
//! loss logged here can be compared with one logged by a Python run:
//!
//! - [`CrossEntropyLoss`] is `torch.nn.CrossEntropyLoss(weight, label_smoothing)`
//!   with mean reduction: the per-example losses are averaged with the weights
//!   of the true classes as averaging weights.
//! - [`MultipleNegativesRankingLoss`] is sentence-transformers'
//!   `MultipleNegativesRankingLoss(scale=20, similarity_fct=cos_sim)`: each
//!   anchor scores every positive in the batch (and every hard negative), and
//!   cross-entropy asks that its own positive wins.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use jobfit_model::l2_normalize;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

/// Cross-entropy over logits with optional class weights and label smoothing.
///
/// With class weights `w`, smoothing `ε`, `C` classes and log-probabilities
/// `log p`, an example of class `y` contributes
/// `(1 - ε) · w_y · (-log p_y) + ε / C · Σ_c w_c · (-log p_c)`, and the batch
/// loss divides the sum of contributions by `Σ w_y` over the batch (by the
/// batch size without weights), as PyTorch does.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossEntropyLoss {
    num_classes: usize,
    class_weights: Option<Vec<f32>>,
    label_smoothing: f64,
}

impl CrossEntropyLoss {
    /// Plain cross-entropy over `num_classes` classes.
    pub fn new(num_classes: usize) -> Result<Self> {
        if num_classes == 0 {
            return Err(TrainError::invalid_config(
                "cross-entropy needs at least one class",
            ));
        }
        Ok(Self {
            num_classes,
            class_weights: None,
            label_smoothing: 0.0,
        })
    }

    /// Weighs each class's examples (e.g. inverse class frequency for
    /// imbalanced data). Weights must be finite, non-negative, one per class,
    /// and not all zero.
    pub fn with_class_weights(mut self, weights: Vec<f32>) -> Result<Self> {
        if weights.len() != self.num_classes {
            return Err(TrainError::invalid_config(format!(
                "class weights: got {} weights for {} classes",
                weights.len(),
                self.num_classes
            )));
        }
        if let Some(bad) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(TrainError::invalid_config(format!(
                "class weights must be finite and non-negative, got {bad}"
            )));
        }
        if weights.iter().all(|&w| w == 0.0) {
            return Err(TrainError::invalid_config(
                "class weights are all zero: at least one class must count",
            ));
        }
        self.class_weights = Some(weights);
        Ok(self)
    }

    /// Label smoothing `ε` in `[0, 1)`: the target puts `1 - ε` on the true
    /// class and spreads `ε` evenly over all classes.
    pub fn with_label_smoothing(mut self, epsilon: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&epsilon) {
            return Err(TrainError::invalid_config(format!(
                "label smoothing must be in [0, 1), got {epsilon}"
            )));
        }
        self.label_smoothing = epsilon;
        Ok(self)
    }

    /// The number of classes.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// The class weights, if any.
    pub fn class_weights(&self) -> Option<&[f32]> {
        self.class_weights.as_deref()
    }

    /// The label smoothing.
    pub fn label_smoothing(&self) -> f64 {
        self.label_smoothing
    }

    /// The mean loss of a batch.
    ///
    /// # Shapes
    /// - `logits`: `[batch, num_classes]`
    /// - `targets`: `[batch]`, class indices in `0..num_classes`
    /// - output: `[1]`
    pub fn forward(&self, logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
        let [batch, classes] = logits.dims();
        debug_assert_eq!(classes, self.num_classes, "logits width != class count");
        let device = logits.device();
        let log_probs = log_softmax(logits, 1);
        // Burn's one_hot refuses a single class; its one-hot is all ones.
        let one_hot: Tensor<2> = if classes == 1 {
            Tensor::ones([batch, 1], &device)
        } else {
            targets.one_hot::<2>(classes).float()
        };
        // -log p of the true class, [batch, 1].
        let nll = (log_probs.clone() * one_hot.clone()).sum_dim(1).neg();
        let weights = self.class_weights.as_ref().map(|weights| {
            Tensor::<1>::from_data(TensorData::new(weights.clone(), [classes]), &device)
                .reshape([1, classes])
        });
        let (nll_sum, denominator) = match &weights {
            Some(weights) => {
                let true_weight = (one_hot * weights.clone()).sum_dim(1);
                ((nll * true_weight.clone()).sum(), true_weight.sum())
            }
            None => (
                nll.sum(),
                Tensor::<1>::from_data(TensorData::new(vec![batch as f32], [1]), &device),
            ),
        };
        let loss = nll_sum.div(denominator.clone());
        if self.label_smoothing == 0.0 {
            return loss;
        }
        let smooth = match weights {
            Some(weights) => (log_probs * weights).sum_dim(1).neg(),
            None => log_probs.sum_dim(1).neg(),
        };
        let smooth = smooth.sum().div(denominator);
        let epsilon = self.label_smoothing;
        loss.mul_scalar(1.0 - epsilon) + smooth.mul_scalar(epsilon / classes as f64)
    }
}

/// The default similarity scale of [`MultipleNegativesRankingLoss`]
/// (sentence-transformers' default).
pub const DEFAULT_MNRL_SCALE: f64 = 20.0;

/// Multiple-negatives ranking loss (in-batch negatives) with cosine
/// similarity.
///
/// For anchors `a_i` and positives `p_i`, the scores are
/// `scale · cos(a_i, c_j)` over the candidates `c` = all positives of the
/// batch followed by any hard negatives, and the loss is the cross-entropy
/// with target `j = i`. Every other positive in the batch is a negative for
/// `a_i`, which is why a batch must not hold the same positive twice.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MultipleNegativesRankingLoss {
    /// The factor on cosine similarities (an inverse temperature). Default 20.
    pub scale: f64,
}

impl Default for MultipleNegativesRankingLoss {
    fn default() -> Self {
        Self {
            scale: DEFAULT_MNRL_SCALE,
        }
    }
}

impl MultipleNegativesRankingLoss {
    /// A loss with the given scale, which must be finite and positive.
    pub fn new(scale: f64) -> Result<Self> {
        if !scale.is_finite() || scale <= 0.0 {
            return Err(TrainError::invalid_config(format!(
                "the ranking loss scale must be finite and positive, got {scale}"
            )));
        }
        Ok(Self { scale })
    }

    /// The scaled cosine similarity of every anchor with every candidate.
    ///
    /// # Shapes
    /// - `anchors`: `[batch, dim]`, `positives`: `[batch, dim]`
    /// - `negatives`: `[n, dim]` (any `n`, typically `batch`)
    /// - output: `[batch, batch + n]`
    pub fn scores(
        &self,
        anchors: Tensor<2>,
        positives: Tensor<2>,
        negatives: Option<Tensor<2>>,
    ) -> Tensor<2> {
        let candidates = match negatives {
            Some(negatives) => Tensor::cat(vec![positives, negatives], 0),
            None => positives,
        };
        l2_normalize(anchors)
            .matmul(l2_normalize(candidates).transpose())
            .mul_scalar(self.scale)
    }

    /// The mean loss of a batch.
    ///
    /// # Shapes
    /// - as [`scores`](Self::scores); output `[1]`
    pub fn forward(
        &self,
        anchors: Tensor<2>,
        positives: Tensor<2>,
        negatives: Option<Tensor<2>>,
    ) -> Tensor<1> {
        let [batch, _] = anchors.dims();
        let device = anchors.device();
        let scores = self.scores(anchors, positives, negatives);
        let targets = Tensor::<1, Int>::arange(0..batch as i64, &device);
        let [_, candidates] = scores.dims();
        // Plain cross-entropy; `candidates >= batch >= 1` so this cannot fail.
        CrossEntropyLoss {
            num_classes: candidates,
            class_weights: None,
            label_smoothing: 0.0,
        }
        .forward(scores, targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> Device {
        Device::default()
    }

    fn value(t: Tensor<1>) -> f64 {
        t.into_scalar::<f32>() as f64
    }

    #[test]
    fn invalid_settings_are_refused() {
        assert!(CrossEntropyLoss::new(0).is_err());
        let loss = CrossEntropyLoss::new(3).unwrap();
        assert!(loss.clone().with_class_weights(vec![1.0, 2.0]).is_err());
        assert!(
            loss.clone()
                .with_class_weights(vec![1.0, f32::NAN, 1.0])
                .is_err()
        );
        assert!(loss.clone().with_class_weights(vec![0.0; 3]).is_err());
        assert!(loss.clone().with_label_smoothing(1.0).is_err());
        assert!(loss.with_label_smoothing(-0.1).is_err());
        assert!(MultipleNegativesRankingLoss::new(0.0).is_err());
        assert!(MultipleNegativesRankingLoss::new(f64::INFINITY).is_err());
    }

    #[test]
    fn uniform_logits_give_log_of_class_count() {
        let logits = Tensor::<2>::zeros([4, 5], &device());
        let targets = Tensor::<1, Int>::from_data([0i64, 1, 2, 4], &device());
        let loss = CrossEntropyLoss::new(5).unwrap().forward(logits, targets);
        assert!((value(loss) - 5f64.ln()).abs() < 1e-6);
    }
}
