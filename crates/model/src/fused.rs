//! Fused training kernels for the flex backend, each with its own backward
//! pass.
//!
//! Autodiff builds a LayerNorm out of nine tracked operations and the
//! attention probabilities (scaled scores, padding bias, softmax, dropout)
//! out of eight; each is a pass over the tensor forward, one or more
//! backward, and most keep a tensor alive for the backward pass. On a
//! training step these passes, not the matrix products, are where the flex
//! backend lost to libtorch. Here each block is one pass forward and one
//! backward, over rows in parallel:
//!
//! - [`residual_layer_norm`]: `LayerNorm(dropout(x) + residual)`, the end of
//!   every attention and feed-forward block of a post-norm encoder. It keeps
//!   the normalized rows and one reciprocal deviation per row.
//! - [`attention_probs`]: `dropout(softmax(scores * scale + bias))` with the
//!   padding bias given per key. It keeps the probabilities before dropout.
//!
//! The dropout masks are [`DropMask`]s: recomputed from their seed in the
//! backward pass, never stored. The kernels serve autodiff devices over flex
//! ([`available`]); elsewhere the model composes the same arithmetic from
//! Burn's operations.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, DispatchDevice, Flex, backend_extension};
use burn::prelude::*;
use burn::tensor::{DType, Shape, TensorData};
use rayon::prelude::*;

use crate::dropout::DropMask;

/// Rows of a LayerNorm per parallel task.
const NORM_ROWS: usize = 16;
/// Rows of attention probabilities per parallel task.
const PROB_ROWS: usize = 64;

/// Whether the fused kernels serve `x`: an f32 tensor on an autodiff device
/// over flex.
pub(crate) fn available<const D: usize>(x: &Tensor<D>) -> bool {
    let device = x.device();
    device.is_autodiff()
        && x.dtype() == DType::F32
        && matches!(device.inner().as_dispatch(), DispatchDevice::Flex(_))
}

/// `LayerNorm(x * mask + residual)` over the last dimension, with `mask`
/// the [`DropMask`] of `keep` and `seed` (none when `keep` is 1).
///
/// # Shapes
/// - `x`, `residual`, output: `[..., width]`
/// - `gamma`, `beta`: `[width]`
pub(crate) fn residual_layer_norm<const D: usize>(
    x: Tensor<D>,
    residual: Tensor<D>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    epsilon: f64,
    keep: f64,
    seed: u64,
) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as TrainKernels>::residual_layer_norm(
        x.into_dispatch(),
        residual.into_dispatch(),
        gamma.into_dispatch(),
        beta.into_dispatch(),
        epsilon,
        keep,
        seed,
    ))
}

/// `softmax(scores * scale + bias) * mask` over the last dimension, with
/// `mask` the [`DropMask`] of `keep` and `seed` (none when `keep` is 1).
///
/// # Shapes
/// - `scores`, output: `[batch, heads, queries, keys]`
/// - `key_bias`: `[batch, keys]`, added to every head's and query's scores
///   (0 at real keys, a large negative number at padding)
pub(crate) fn attention_probs(
    scores: Tensor<4>,
    key_bias: Tensor<2>,
    scale: f64,
    keep: f64,
    seed: u64,
) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as TrainKernels>::attention_probs(
        scores.into_dispatch(),
        key_bias.into_dispatch(),
        scale,
        keep,
        seed,
    ))
}

/// The fused operations, as a backend extension: the flex implementation
/// computes the forward pass, the autodiff one records the backward pass.
#[backend_extension(Flex, Autodiff)]
pub trait TrainKernels: Backend {
    /// See [`residual_layer_norm`].
    fn residual_layer_norm(
        x: FloatTensor<Self>,
        residual: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        keep: f64,
        seed: u64,
    ) -> FloatTensor<Self>;

    /// See [`attention_probs`].
    fn attention_probs(
        scores: FloatTensor<Self>,
        key_bias: FloatTensor<Self>,
        scale: f64,
        keep: f64,
        seed: u64,
    ) -> FloatTensor<Self>;
}

impl TrainKernels for Flex {
    fn residual_layer_norm(
        x: FlexTensor,
        residual: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
        keep: f64,
        seed: u64,
    ) -> FlexTensor {
        norm_forward(&x, &residual, &gamma, &beta, epsilon, mask(keep, seed)).0
    }

    fn attention_probs(
        scores: FlexTensor,
        key_bias: FlexTensor,
        scale: f64,
        keep: f64,
        seed: u64,
    ) -> FlexTensor {
        probs_forward(&scores, &key_bias, scale, mask(keep, seed)).0
    }
}

impl<C: CheckpointStrategy> TrainKernels for Autodiff<Flex, C> {
    fn residual_layer_norm(
        x: FloatTensor<Self>,
        residual: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        keep: f64,
        seed: u64,
    ) -> FloatTensor<Self> {
        let drop = mask(keep, seed);
        let parents = [x.node(), residual.node(), gamma.node(), beta.node()];
        let backward = ResidualNormBackward { drop };
        match backward.prepare::<C>(parents).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (y, normalized, inverse_std) = norm_forward(
                    x.primitive(),
                    residual.primitive(),
                    gamma.primitive(),
                    beta.primitive(),
                    epsilon,
                    drop,
                );
                let state = NormState {
                    normalized,
                    inverse_std,
                    gamma: gamma.primitive().clone(),
                };
                prep.finish(state, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(
                norm_forward(
                    x.primitive(),
                    residual.primitive(),
                    gamma.primitive(),
                    beta.primitive(),
                    epsilon,
                    drop,
                )
                .0,
            ),
        }
    }

    fn attention_probs(
        scores: FloatTensor<Self>,
        key_bias: FloatTensor<Self>,
        scale: f64,
        keep: f64,
        seed: u64,
    ) -> FloatTensor<Self> {
        let drop = mask(keep, seed);
        // The padding bias is a constant: no gradient flows to it.
        let backward = ProbsBackward { scale, drop };
        match backward
            .prepare::<C>([scores.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (out, probs) =
                    probs_forward(scores.primitive(), key_bias.primitive(), scale, drop);
                prep.finish(probs, out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(probs_forward(scores.primitive(), key_bias.primitive(), scale, drop).0)
            }
        }
    }
}

/// What the LayerNorm's backward pass needs.
#[derive(Clone, Debug)]
struct NormState {
    /// `(z - mean) / std` per row, `[..., width]`.
    normalized: FlexTensor,
    /// `1 / std` per row, `[rows]`.
    inverse_std: FlexTensor,
    gamma: FlexTensor,
}

#[derive(Debug)]
struct ResidualNormBackward {
    drop: Option<DropMask>,
}

impl Backward<Flex, 4> for ResidualNormBackward {
    type State = NormState;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_residual, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (d_sum, d_gamma, d_beta) = norm_backward(&grad, &ops.state);
        if let Some(node) = node_gamma {
            grads.register::<Flex>(node.id, d_gamma);
        }
        if let Some(node) = node_beta {
            grads.register::<Flex>(node.id, d_beta);
        }
        if let Some(node) = node_x {
            let d_x = match self.drop {
                Some(drop) => masked(&d_sum, drop),
                None => d_sum.clone(),
            };
            grads.register::<Flex>(node.id, d_x);
        }
        if let Some(node) = node_residual {
            grads.register::<Flex>(node.id, d_sum);
        }
    }
}

#[derive(Debug)]
struct ProbsBackward {
    scale: f64,
    drop: Option<DropMask>,
}

impl Backward<Flex, 1> for ProbsBackward {
    /// The probabilities before dropout.
    type State = FlexTensor;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_scores] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        if let Some(node) = node_scores {
            let d_scores = probs_backward(&grad, &ops.state, self.scale, self.drop);
            grads.register::<Flex>(node.id, d_scores);
        }
    }
}

fn mask(keep: f64, seed: u64) -> Option<DropMask> {
    (keep < 1.0).then(|| DropMask::new(keep, seed))
}

/// `t` with its values in one contiguous f32 run.
fn contiguous(t: &FlexTensor) -> FlexTensor {
    assert_eq!(t.dtype(), DType::F32, "the fused kernels take f32 tensors");
    if t.as_slice::<f32>().is_some() {
        t.clone()
    } else {
        t.to_contiguous()
    }
}

fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>()
        .expect("a contiguous f32 tensor (see `contiguous`)")
}

fn tensor(values: Vec<f32>, shape: Shape) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

fn last_dim(t: &FlexTensor) -> usize {
    let shape = t.layout().shape();
    shape[shape.num_dims() - 1]
}

/// `t * mask`, elementwise by flat index.
fn masked(t: &FlexTensor, drop: DropMask) -> FlexTensor {
    let t = contiguous(t);
    let input = values(&t);
    let mut out = vec![0.0f32; input.len()];
    const BLOCK: usize = 1 << 15;
    out.par_chunks_mut(BLOCK)
        .enumerate()
        .for_each(|(block, out)| {
            let start = block * BLOCK;
            drop.fill(start, out);
            for (value, &x) in out.iter_mut().zip(&input[start..]) {
                *value *= x;
            }
        });
    tensor(out, t.layout().shape().clone())
}

/// The LayerNorm forward pass: the output, the normalized rows and each
/// row's `1 / std`.
fn norm_forward(
    x: &FlexTensor,
    residual: &FlexTensor,
    gamma: &FlexTensor,
    beta: &FlexTensor,
    epsilon: f64,
    drop: Option<DropMask>,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let shape = x.layout().shape().clone();
    assert_eq!(&shape, residual.layout().shape(), "x and residual differ");
    let width = last_dim(x);
    let (x, residual, gamma, beta) = (
        contiguous(x),
        contiguous(residual),
        contiguous(gamma),
        contiguous(beta),
    );
    let (xs, rs, gs, bs) = (values(&x), values(&residual), values(&gamma), values(&beta));
    assert_eq!(gs.len(), width, "gamma is not as wide as the rows");
    assert_eq!(bs.len(), width, "beta is not as wide as the rows");
    let rows = xs.len() / width;
    let epsilon = epsilon as f32;
    let mut out = vec![0.0f32; xs.len()];
    let mut normalized = vec![0.0f32; xs.len()];
    let mut inverse_std = vec![0.0f32; rows];
    out.par_chunks_mut(width * NORM_ROWS)
        .zip(normalized.par_chunks_mut(width * NORM_ROWS))
        .zip(inverse_std.par_chunks_mut(NORM_ROWS))
        .enumerate()
        .for_each(|(block, ((out, normalized), inverse_std))| {
            let rows = out
                .chunks_mut(width)
                .zip(normalized.chunks_mut(width))
                .zip(inverse_std.iter_mut());
            for (i, ((out, z), inverse_std)) in rows.enumerate() {
                let start = (block * NORM_ROWS + i) * width;
                let (x, r) = (&xs[start..start + width], &rs[start..start + width]);
                match drop {
                    Some(drop) => {
                        drop.fill(start, z);
                        for j in 0..width {
                            z[j] = x[j] * z[j] + r[j];
                        }
                    }
                    None => {
                        for j in 0..width {
                            z[j] = x[j] + r[j];
                        }
                    }
                }
                let mean = z.iter().sum::<f32>() / width as f32;
                let variance =
                    z.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
                let inverse = 1.0 / (variance + epsilon).sqrt();
                for j in 0..width {
                    z[j] = (z[j] - mean) * inverse;
                    out[j] = z[j] * gs[j] + bs[j];
                }
                *inverse_std = inverse;
            }
        });
    (
        tensor(out, shape.clone()),
        tensor(normalized, shape),
        tensor(inverse_std, Shape::new([rows])),
    )
}

/// The LayerNorm backward pass: the gradients of the normalized sum
/// `x * mask + residual`, of gamma and of beta.
fn norm_backward(grad: &FlexTensor, state: &NormState) -> (FlexTensor, FlexTensor, FlexTensor) {
    let shape = state.normalized.layout().shape().clone();
    let width = last_dim(&state.normalized);
    let grad = contiguous(grad);
    let (dys, zs, inverse_std, gs) = (
        values(&grad),
        values(&state.normalized),
        values(&state.inverse_std),
        values(&state.gamma),
    );
    let mut d_sum = vec![0.0f32; dys.len()];
    let partials: Vec<(Vec<f32>, Vec<f32>)> = d_sum
        .par_chunks_mut(width * NORM_ROWS)
        .enumerate()
        .map(|(block, d_sum)| {
            let mut d_gamma = vec![0.0f32; width];
            let mut d_beta = vec![0.0f32; width];
            for (i, d_sum) in d_sum.chunks_mut(width).enumerate() {
                let row = block * NORM_ROWS + i;
                let start = row * width;
                let (dy, z) = (&dys[start..start + width], &zs[start..start + width]);
                // dz_hat = dy * gamma; dz = (dz_hat - mean(dz_hat)
                //   - z_hat * mean(dz_hat * z_hat)) / std.
                let (mut mean_g, mut mean_gz) = (0.0f32, 0.0f32);
                for j in 0..width {
                    let g = dy[j] * gs[j];
                    mean_g += g;
                    mean_gz += g * z[j];
                    d_gamma[j] += dy[j] * z[j];
                    d_beta[j] += dy[j];
                }
                mean_g /= width as f32;
                mean_gz /= width as f32;
                let inverse = inverse_std[row];
                for j in 0..width {
                    d_sum[j] = inverse * (dy[j] * gs[j] - mean_g - z[j] * mean_gz);
                }
            }
            (d_gamma, d_beta)
        })
        .collect();
    let mut d_gamma = vec![0.0f32; width];
    let mut d_beta = vec![0.0f32; width];
    for (g, b) in &partials {
        for j in 0..width {
            d_gamma[j] += g[j];
            d_beta[j] += b[j];
        }
    }
    (
        tensor(d_sum, shape),
        tensor(d_gamma, Shape::new([width])),
        tensor(d_beta, Shape::new([width])),
    )
}

/// The attention probabilities: the output (after dropout) and the
/// probabilities before it.
fn probs_forward(
    scores: &FlexTensor,
    key_bias: &FlexTensor,
    scale: f64,
    drop: Option<DropMask>,
) -> (FlexTensor, FlexTensor) {
    let shape = scores.layout().shape().clone();
    assert_eq!(
        shape.num_dims(),
        4,
        "scores are [batch, heads, queries, keys]"
    );
    let (heads, queries, keys) = (shape[1], shape[2], shape[3]);
    assert_eq!(
        key_bias.layout().shape().clone(),
        Shape::new([shape[0], keys]),
        "the key bias is [batch, keys]"
    );
    let (scores, key_bias) = (contiguous(scores), contiguous(key_bias));
    let (ss, bias) = (values(&scores), values(&key_bias));
    let scale = scale as f32;
    let mut probs = vec![0.0f32; ss.len()];
    probs
        .par_chunks_mut(keys * PROB_ROWS)
        .enumerate()
        .for_each(|(block, probs)| {
            for (i, p) in probs.chunks_mut(keys).enumerate() {
                let row = block * PROB_ROWS + i;
                let batch = row / (heads * queries);
                let start = row * keys;
                let s = &ss[start..start + keys];
                let b = &bias[batch * keys..(batch + 1) * keys];
                let mut max = f32::NEG_INFINITY;
                for j in 0..keys {
                    p[j] = s[j] * scale + b[j];
                    max = max.max(p[j]);
                }
                let mut sum = 0.0f32;
                for value in p.iter_mut() {
                    *value = (*value - max).exp();
                    sum += *value;
                }
                let inverse = 1.0 / sum;
                for value in p.iter_mut() {
                    *value *= inverse;
                }
            }
        });
    let probs = tensor(probs, shape);
    match drop {
        Some(drop) => (masked(&probs, drop), probs),
        None => (probs.clone(), probs),
    }
}

/// The gradient of the scores: `scale * p * (g - sum(g * p))` per row, with
/// `g` the output's gradient times the dropout mask.
fn probs_backward(
    grad: &FlexTensor,
    probs: &FlexTensor,
    scale: f64,
    drop: Option<DropMask>,
) -> FlexTensor {
    let keys = last_dim(probs);
    let grad = contiguous(grad);
    let (gs, ps) = (values(&grad), values(probs));
    let scale = scale as f32;
    let mut d_scores = vec![0.0f32; gs.len()];
    d_scores
        .par_chunks_mut(keys * PROB_ROWS)
        .enumerate()
        .for_each(|(block, d_scores)| {
            for (i, d) in d_scores.chunks_mut(keys).enumerate() {
                let start = (block * PROB_ROWS + i) * keys;
                let (g, p) = (&gs[start..start + keys], &ps[start..start + keys]);
                // d holds the masked gradient first.
                match drop {
                    Some(drop) => {
                        drop.fill(start, d);
                        for j in 0..keys {
                            d[j] *= g[j];
                        }
                    }
                    None => d.copy_from_slice(g),
                }
                let dot: f32 = d.iter().zip(p).map(|(d, p)| d * p).sum();
                for j in 0..keys {
                    d[j] = scale * p[j] * (d[j] - dot);
                }
            }
        });
    tensor(d_scores, probs.layout().shape().clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;
    use burn::tensor::activation::softmax;

    fn device() -> Device {
        Device::flex().autodiff()
    }

    fn random<const D: usize>(shape: [usize; D], seed: u64) -> Tensor<D> {
        let flex = Device::flex();
        flex.seed(seed);
        let values = Tensor::<D>::random(shape, Distribution::Normal(0.0, 1.0), &flex);
        Tensor::from_data(values.into_data(), &device()).require_grad()
    }

    fn mask_tensor<const D: usize>(shape: [usize; D], keep: f64, seed: u64) -> Tensor<D> {
        let len = shape.iter().product();
        let values = DropMask::new(keep, seed).values(len);
        Tensor::from_data(TensorData::new(values, shape), &device())
    }

    fn assert_close<const D: usize>(what: &str, a: Tensor<D>, b: Tensor<D>, tolerance: f32) {
        let (a, b) = (a.into_data(), b.into_data());
        let mut worst = 0.0f32;
        for (a, b) in a.iter::<f32>().zip(b.iter::<f32>()) {
            worst = worst.max((a - b).abs() / b.abs().max(1.0));
        }
        assert!(worst <= tolerance, "{what}: off by {worst}");
    }

    /// The fused LayerNorm against the same arithmetic composed from
    /// Burn's differentiable operations, with and without dropout.
    #[test]
    fn residual_layer_norm_matches_the_composed_operations() {
        let shape = [3, 5, 48];
        for keep in [1.0, 0.9] {
            let x = random(shape, 1);
            let residual = random(shape, 2);
            let gamma = random([48], 3);
            let beta = random([48], 4);
            let weights = random(shape, 5).detach();
            let fused = residual_layer_norm(
                x.clone(),
                residual.clone(),
                gamma.clone(),
                beta.clone(),
                1e-12,
                keep,
                11,
            );
            let z = x.clone() * mask_tensor(shape, keep, 11) + residual.clone();
            let mean = z.clone().mean_dim(2);
            let centered = z - mean;
            let variance = (centered.clone() * centered.clone()).mean_dim(2);
            let composed = centered / (variance + 1e-12).sqrt() * gamma.clone().reshape([1, 1, 48])
                + beta.clone().reshape([1, 1, 48]);
            assert_close("output", fused.clone(), composed.clone(), 1e-5);
            let fused_grads = (fused * weights.clone()).sum().backward();
            let composed_grads = (composed * weights).sum().backward();
            for (name, t) in [("x", &x), ("residual", &residual)] {
                assert_close(
                    name,
                    t.grad(&fused_grads).unwrap(),
                    t.grad(&composed_grads).unwrap(),
                    1e-4,
                );
            }
            for (name, t) in [("gamma", &gamma), ("beta", &beta)] {
                assert_close(
                    name,
                    t.grad(&fused_grads).unwrap(),
                    t.grad(&composed_grads).unwrap(),
                    1e-4,
                );
            }
        }
    }

    /// The fused attention probabilities against Burn's softmax of the
    /// scaled, biased scores, with and without dropout.
    #[test]
    fn attention_probs_match_the_composed_operations() {
        let shape = [2, 3, 7, 7];
        let bias_values = [
            [0.0, 0.0, 0.0, 0.0, 0.0, f32::MIN, f32::MIN],
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ];
        for keep in [1.0, 0.8] {
            let scores = random(shape, 6);
            let weights = random(shape, 7).detach();
            let bias = Tensor::<2>::from_data(bias_values, &device());
            let fused = attention_probs(scores.clone(), bias.clone(), 0.125, keep, 13);
            let expanded = bias.reshape([2, 1, 1, 7]).expand(shape);
            let composed =
                softmax(scores.clone() * 0.125 + expanded, 3) * mask_tensor(shape, keep, 13);
            assert_close("probabilities", fused.clone(), composed.clone(), 1e-6);
            let fused_grads = (fused.clone() * weights.clone()).sum().backward();
            let composed_grads = (composed * weights).sum().backward();
            assert_close(
                "scores",
                scores.grad(&fused_grads).unwrap(),
                scores.grad(&composed_grads).unwrap(),
                1e-5,
            );
            // Padded keys get nothing.
            let probs = fused.into_data();
            let probs: Vec<f32> = probs.iter::<f32>().collect();
            for row in probs.chunks(7).take(3 * 7) {
                assert_eq!(&row[5..], &[0.0, 0.0]);
            }
        }
    }

    #[test]
    fn the_kernels_serve_flex_autodiff_only() {
        let x = Tensor::<2>::zeros([2, 2], &device());
        assert!(available(&x));
        assert!(!available(&Tensor::<2>::zeros([2, 2], &Device::flex())));
    }
}
