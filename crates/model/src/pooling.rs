//! Pooling of token states into one vector per text, and L2 normalization.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// How token states become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Pooling {
    /// The mean over real tokens (padding excluded), sentence-transformers' default.
    #[default]
    Mean,
    /// The first token's state (`[CLS]`).
    Cls,
    /// The element-wise maximum over real tokens.
    Max,
    /// The sum over real tokens divided by the square root of their count.
    MeanSqrtLen,
}

impl Pooling {
    /// Pools token states.
    ///
    /// # Shapes
    /// - `hidden`: `[batch, seq, hidden]`
    /// - `mask`: `[batch, seq]`, 1.0 at real tokens and 0.0 at padding
    /// - output: `[batch, hidden]`
    pub fn pool(self, hidden: Tensor<3>, mask: Tensor<2>) -> Tensor<2> {
        let [batch, seq, width] = hidden.dims();
        match self {
            Self::Cls => hidden
                .slice([0..batch, 0..1, 0..width])
                .reshape([batch, width]),
            Self::Mean | Self::MeanSqrtLen => {
                let mask3 = mask.clone().reshape([batch, seq, 1]);
                let summed = (hidden * mask3).sum_dim(1).reshape([batch, width]);
                let counts = mask.sum_dim(1).clamp_min(1e-9);
                let divisor = if self == Self::Mean {
                    counts
                } else {
                    counts.sqrt()
                };
                summed / divisor
            }
            Self::Max => {
                // Padding gets a large negative value so it never wins, as in
                // sentence-transformers.
                let mask3 = mask.reshape([batch, seq, 1]);
                let filled = hidden.clone() * mask3.clone() + (mask3.neg() + 1.0) * -1e9;
                filled.max_dim(1).reshape([batch, width])
            }
        }
    }
}

/// Scales each row to unit L2 norm: `x / max(||x||, 1e-12)`.
///
/// # Shapes
/// - `x`: `[batch, dim]`, output the same.
pub fn l2_normalize(x: Tensor<2>) -> Tensor<2> {
    let norm = x.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
    x / norm
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> Device {
        Device::flex()
    }

    fn hidden() -> Tensor<3> {
        // Two texts, three positions, two features; the second text has one
        // padding position holding large values that must not leak in.
        Tensor::from_data(
            [
                [[1.0, 2.0], [3.0, -4.0], [5.0, 0.0]],
                [[2.0, 2.0], [-1.0, 6.0], [100.0, 100.0]],
            ],
            &device(),
        )
    }

    fn mask() -> Tensor<2> {
        Tensor::from_data([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]], &device())
    }

    fn values(x: Tensor<2>) -> Vec<f32> {
        x.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn mean_excludes_padding() {
        let pooled = values(Pooling::Mean.pool(hidden(), mask()));
        assert_eq!(pooled, vec![3.0, -2.0 / 3.0, 0.5, 4.0]);
    }

    #[test]
    fn cls_takes_first_token() {
        assert_eq!(
            values(Pooling::Cls.pool(hidden(), mask())),
            vec![1.0, 2.0, 2.0, 2.0]
        );
    }

    #[test]
    fn max_excludes_padding() {
        assert_eq!(
            values(Pooling::Max.pool(hidden(), mask())),
            vec![5.0, 2.0, 2.0, 6.0]
        );
    }

    #[test]
    fn mean_sqrt_len_divides_by_root_count() {
        let pooled = values(Pooling::MeanSqrtLen.pool(hidden(), mask()));
        let expected = [
            9.0 / 3f32.sqrt(),
            -2.0 / 3f32.sqrt(),
            1.0 / 2f32.sqrt(),
            8.0 / 2f32.sqrt(),
        ];
        for (a, b) in pooled.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn normalize_gives_unit_rows_and_keeps_zero_rows_finite() {
        let x = Tensor::<2>::from_data([[3.0, 4.0], [0.0, 0.0]], &device());
        assert_eq!(values(l2_normalize(x)), vec![0.6, 0.8, 0.0, 0.0]);
    }
}
