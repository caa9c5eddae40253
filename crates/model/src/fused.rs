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
//! - [`attention_context`]: for short sequences, the whole attention up to
//!   the context per head. It keeps q, k, v and the probabilities.
//! - [`gelu`]: exact GELU in the inference path's vectorized erf, where
//!   autodiff's GELU calls a scalar `erf` per element. It keeps the input.
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
use crate::fast::{Isa, math};

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

/// Longest sequence [`attention_context`] is used for. Its per-head products
/// are plain loops: on short sequences they beat one matrix product call per
/// head and batch item (768 calls per product at 64 texts of 32 tokens), on
/// long ones the matrix products win. `benches/train_step.rs`, flex, 2
/// threads on 2 cores of an AMD EPYC with AVX-512 (before the GELU kernel):
/// a step of 64 x 32 took 1.65 s with it and 1.95 s without; one of 16 x 128
/// took 1.52 s with it and 1.34 s without.
pub(crate) const CONTEXT_MAX_SEQ: usize = 64;

/// The whole of multi-head attention up to the context:
/// `dropout(softmax(q k^T * scale + bias)) v` per head, with `mask` the
/// [`DropMask`] of `keep` and `seed` over `[batch, heads, queries, keys]`
/// (none when `keep` is 1), on the projections as they come out of their
/// linear layers.
///
/// # Shapes
/// - `q`, `k`, `v`, output: `[batch, seq, heads * head_dim]`
/// - `key_bias`: `[batch, seq]`
#[allow(clippy::too_many_arguments)]
pub(crate) fn attention_context(
    q: Tensor<3>,
    k: Tensor<3>,
    v: Tensor<3>,
    key_bias: Tensor<2>,
    heads: usize,
    scale: f64,
    keep: f64,
    seed: u64,
) -> Tensor<3> {
    Tensor::from_dispatch(<Dispatch as TrainKernels>::attention_context(
        q.into_dispatch(),
        k.into_dispatch(),
        v.into_dispatch(),
        key_bias.into_dispatch(),
        heads,
        scale,
        keep,
        seed,
    ))
}

/// Exact (erf) GELU, forward and backward in the inference path's
/// vectorized erf (`fast::math`) instead of a scalar `erf` per element.
pub(crate) fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as TrainKernels>::gelu(x.into_dispatch()))
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

    /// See [`gelu`].
    fn gelu(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// See [`attention_context`].
    #[allow(clippy::too_many_arguments)]
    fn attention_context(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        key_bias: FloatTensor<Self>,
        heads: usize,
        scale: f64,
        keep: f64,
        seed: u64,
    ) -> FloatTensor<Self>;
}

impl TrainKernels for Flex {
    fn gelu(x: FlexTensor) -> FlexTensor {
        gelu_forward(&x)
    }

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

    fn attention_context(
        q: FlexTensor,
        k: FlexTensor,
        v: FlexTensor,
        key_bias: FlexTensor,
        heads: usize,
        scale: f64,
        keep: f64,
        seed: u64,
    ) -> FlexTensor {
        let heads = Heads::new(&q, heads);
        context_forward(&q, &k, &v, &key_bias, heads, scale, mask(keep, seed)).0
    }
}

impl<C: CheckpointStrategy> TrainKernels for Autodiff<Flex, C> {
    fn gelu(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match GeluBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let input = contiguous(x.primitive());
                let out = gelu_forward(&input);
                prep.finish(input, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(gelu_forward(x.primitive())),
        }
    }

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

    fn attention_context(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        key_bias: FloatTensor<Self>,
        heads: usize,
        scale: f64,
        keep: f64,
        seed: u64,
    ) -> FloatTensor<Self> {
        let drop = mask(keep, seed);
        let heads = Heads::new(q.primitive(), heads);
        let backward = ContextBackward { heads, scale, drop };
        match backward
            .prepare::<C>([q.node(), k.node(), v.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (q, k, v) = (
                    contiguous(q.primitive()),
                    contiguous(k.primitive()),
                    contiguous(v.primitive()),
                );
                let (context, probs) =
                    context_forward(&q, &k, &v, key_bias.primitive(), heads, scale, drop);
                prep.finish(ContextState { q, k, v, probs }, context)
            }
            OpsKind::UnTracked(prep) => prep.finish(
                context_forward(
                    q.primitive(),
                    k.primitive(),
                    v.primitive(),
                    key_bias.primitive(),
                    heads,
                    scale,
                    drop,
                )
                .0,
            ),
        }
    }
}

#[derive(Debug)]
struct GeluBackward;

impl Backward<Flex, 1> for GeluBackward {
    /// The input.
    type State = FlexTensor;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, gelu_backward(&ops.state, &grad));
        }
    }
}

/// Elements per parallel task of the elementwise kernels.
const ELEMENTWISE_BLOCK: usize = 1 << 14;

fn gelu_forward(x: &FlexTensor) -> FlexTensor {
    let x = contiguous(x);
    let input = values(&x);
    let isa = Isa::detect();
    let mut out = vec![0.0f32; input.len()];
    out.par_chunks_mut(ELEMENTWISE_BLOCK)
        .zip(input.par_chunks(ELEMENTWISE_BLOCK))
        .for_each(|(out, x)| math::gelu_into(isa, x, out));
    tensor(out, x.layout().shape().clone())
}

fn gelu_backward(x: &FlexTensor, grad: &FlexTensor) -> FlexTensor {
    let grad = contiguous(grad);
    let (xs, gs) = (values(x), values(&grad));
    let isa = Isa::detect();
    let mut out = vec![0.0f32; xs.len()];
    out.par_chunks_mut(ELEMENTWISE_BLOCK)
        .zip(xs.par_chunks(ELEMENTWISE_BLOCK))
        .zip(gs.par_chunks(ELEMENTWISE_BLOCK))
        .for_each(|((out, x), dy)| math::gelu_backward_into(isa, x, dy, out));
    tensor(out, x.layout().shape().clone())
}

/// What the attention's backward pass needs.
#[derive(Clone, Debug)]
struct ContextState {
    q: FlexTensor,
    k: FlexTensor,
    v: FlexTensor,
    /// The probabilities before dropout, `[batch, heads, seq, seq]`.
    probs: FlexTensor,
}

#[derive(Debug)]
struct ContextBackward {
    heads: Heads,
    scale: f64,
    drop: Option<DropMask>,
}

impl Backward<Flex, 3> for ContextBackward {
    type State = ContextState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_q, node_k, node_v] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (d_q, d_k, d_v) =
            context_backward(&grad, &ops.state, self.heads, self.scale, self.drop);
        for (node, d) in [(node_q, d_q), (node_k, d_k), (node_v, d_v)] {
            if let Some(node) = node {
                grads.register::<Flex>(node.id, d);
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
    tensor(drop.apply(values(&t)), t.layout().shape().clone())
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

/// The shape of multi-head attention on `[batch, seq, heads * head_dim]`.
#[derive(Clone, Copy, Debug)]
struct Heads {
    batch: usize,
    seq: usize,
    heads: usize,
    head_dim: usize,
}

impl Heads {
    fn new(q: &FlexTensor, heads: usize) -> Self {
        let shape = q.layout().shape();
        assert_eq!(shape.num_dims(), 3, "projections are [batch, seq, hidden]");
        assert!(
            heads > 0 && shape[2].is_multiple_of(heads),
            "the width is not a multiple of the heads"
        );
        Self {
            batch: shape[0],
            seq: shape[1],
            heads,
            head_dim: shape[2] / heads,
        }
    }

    fn hidden(&self) -> usize {
        self.heads * self.head_dim
    }

    /// The `head_dim` values of head `h` in row `i` of one batch item's
    /// `[seq, hidden]` block.
    fn span(&self, i: usize, h: usize) -> std::ops::Range<usize> {
        let start = i * self.hidden() + h * self.head_dim;
        start..start + self.head_dim
    }
}

/// `y += a * x`.
#[inline]
fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * *x;
    }
}

/// Head `h` of one batch item's `[seq, hidden]` block, transposed to
/// `[head_dim, seq]`.
fn transposed(block: &[f32], h: usize, shape: Heads, out: &mut [f32]) {
    for i in 0..shape.seq {
        for (c, &value) in block[shape.span(i, h)].iter().enumerate() {
            out[c * shape.seq + i] = value;
        }
    }
}

/// The attention forward pass: the context and the probabilities before
/// dropout. One task per batch item; each head's products run as rows of
/// `axpy`s over a transposed operand, so nothing is reduced across lanes.
fn context_forward(
    q: &FlexTensor,
    k: &FlexTensor,
    v: &FlexTensor,
    key_bias: &FlexTensor,
    shape: Heads,
    scale: f64,
    drop: Option<DropMask>,
) -> (FlexTensor, FlexTensor) {
    let Heads {
        batch, seq, heads, ..
    } = shape;
    let hidden = shape.hidden();
    let (q, k, v, key_bias) = (
        contiguous(q),
        contiguous(k),
        contiguous(v),
        contiguous(key_bias),
    );
    let (qs, ks, vs, bias) = (values(&q), values(&k), values(&v), values(&key_bias));
    assert_eq!(bias.len(), batch * seq, "the key bias is [batch, seq]");
    let scale = scale as f32;
    let mut context = vec![0.0f32; batch * seq * hidden];
    let mut probs = vec![0.0f32; batch * heads * seq * seq];
    context
        .par_chunks_mut(seq * hidden)
        .zip(probs.par_chunks_mut(heads * seq * seq))
        .enumerate()
        .for_each(|(b, (context, probs))| {
            let block = b * seq * hidden..(b + 1) * seq * hidden;
            let (q, k, v) = (&qs[block.clone()], &ks[block.clone()], &vs[block]);
            let bias = &bias[b * seq..(b + 1) * seq];
            let mut k_t = vec![0.0f32; shape.head_dim * seq];
            let mut kept = vec![0.0f32; seq];
            for h in 0..heads {
                transposed(k, h, shape, &mut k_t);
                for i in 0..seq {
                    let row_start = (h * seq + i) * seq;
                    let p = &mut probs[row_start..row_start + seq];
                    p.copy_from_slice(bias);
                    for (c, &qc) in q[shape.span(i, h)].iter().enumerate() {
                        axpy(p, qc * scale, &k_t[c * seq..(c + 1) * seq]);
                    }
                    let max = p.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let mut sum = 0.0f32;
                    for value in p.iter_mut() {
                        *value = (*value - max).exp();
                        sum += *value;
                    }
                    let inverse = 1.0 / sum;
                    p.iter_mut().for_each(|value| *value *= inverse);
                    match drop {
                        Some(drop) => {
                            drop.fill((b * heads * seq * seq) + row_start, &mut kept);
                            kept.iter_mut().zip(p.iter()).for_each(|(m, p)| *m *= p);
                        }
                        None => kept.copy_from_slice(p),
                    }
                    let out = &mut context[shape.span(i, h)];
                    for (j, &weight) in kept.iter().enumerate() {
                        if weight != 0.0 {
                            axpy(out, weight, &v[shape.span(j, h)]);
                        }
                    }
                }
            }
        });
    (
        tensor(context, Shape::new([batch, seq, hidden])),
        tensor(probs, Shape::new([batch, heads, seq, seq])),
    )
}

/// The attention backward pass: the gradients of q, k and v.
fn context_backward(
    grad: &FlexTensor,
    state: &ContextState,
    shape: Heads,
    scale: f64,
    drop: Option<DropMask>,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let Heads {
        batch, seq, heads, ..
    } = shape;
    let hidden = shape.hidden();
    let grad = contiguous(grad);
    let (gs, qs, ks, vs, ps) = (
        values(&grad),
        values(&state.q),
        values(&state.k),
        values(&state.v),
        values(&state.probs),
    );
    let scale = scale as f32;
    let mut d_q = vec![0.0f32; batch * seq * hidden];
    let mut d_k = vec![0.0f32; batch * seq * hidden];
    let mut d_v = vec![0.0f32; batch * seq * hidden];
    d_q.par_chunks_mut(seq * hidden)
        .zip(d_k.par_chunks_mut(seq * hidden))
        .zip(d_v.par_chunks_mut(seq * hidden))
        .enumerate()
        .for_each(|(b, ((d_q, d_k), d_v))| {
            let block = b * seq * hidden..(b + 1) * seq * hidden;
            let (g, q, k, v) = (
                &gs[block.clone()],
                &qs[block.clone()],
                &ks[block.clone()],
                &vs[block],
            );
            let probs = &ps[b * heads * seq * seq..(b + 1) * heads * seq * seq];
            let mut v_t = vec![0.0f32; shape.head_dim * seq];
            let mut mask_row = vec![0.0f32; seq];
            let mut d_p = vec![0.0f32; seq];
            for h in 0..heads {
                transposed(v, h, shape, &mut v_t);
                for i in 0..seq {
                    let row_start = (h * seq + i) * seq;
                    let p = &probs[row_start..row_start + seq];
                    match drop {
                        Some(drop) => drop.fill((b * heads * seq * seq) + row_start, &mut mask_row),
                        None => mask_row.fill(1.0),
                    }
                    // The gradient of the dropped probabilities: dC_i . v_j.
                    d_p.fill(0.0);
                    let g_i = &g[shape.span(i, h)];
                    for (c, &gc) in g_i.iter().enumerate() {
                        axpy(&mut d_p, gc, &v_t[c * seq..(c + 1) * seq]);
                    }
                    // dV_j += p_ij m_ij dC_i.
                    for j in 0..seq {
                        let weight = p[j] * mask_row[j];
                        if weight != 0.0 {
                            axpy(&mut d_v[shape.span(j, h)], weight, g_i);
                        }
                    }
                    // Through the mask and the softmax, then the scale.
                    let mut dot = 0.0f32;
                    for j in 0..seq {
                        d_p[j] *= mask_row[j];
                        dot += d_p[j] * p[j];
                    }
                    for j in 0..seq {
                        d_p[j] = scale * p[j] * (d_p[j] - dot);
                    }
                    // dQ_i = sum_j dS_ij k_j; dK_j += dS_ij q_i.
                    let q_i = &q[shape.span(i, h)];
                    for j in 0..seq {
                        let d_s = d_p[j];
                        if d_s != 0.0 {
                            axpy(&mut d_q[shape.span(i, h)], d_s, &k[shape.span(j, h)]);
                            axpy(&mut d_k[shape.span(j, h)], d_s, q_i);
                        }
                    }
                }
            }
        });
    let shape = Shape::new([batch, seq, hidden]);
    (
        tensor(d_q, shape.clone()),
        tensor(d_k, shape.clone()),
        tensor(d_v, shape),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::activation::softmax;
    use burn::tensor::{Distribution, Gradients};

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

    /// `t`'s gradient in the fused and in the composed backward pass.
    fn assert_same_gradient<const D: usize>(
        name: &str,
        t: &Tensor<D>,
        [fused, composed]: &[Gradients; 2],
    ) {
        assert_close(
            name,
            t.grad(fused).unwrap(),
            t.grad(composed).unwrap(),
            1e-4,
        );
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
            let grads = [fused_grads, composed_grads];
            for (name, t) in [("x", &x), ("residual", &residual)] {
                assert_same_gradient(name, t, &grads);
            }
            for (name, t) in [("gamma", &gamma), ("beta", &beta)] {
                assert_same_gradient(name, t, &grads);
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

    /// The fused attention against Burn's operations on the heads, with
    /// and without dropout and padding.
    #[test]
    fn attention_context_matches_the_composed_operations() {
        let (batch, seq, heads, head_dim) = (2, 5, 3, 4);
        let hidden = heads * head_dim;
        let bias_values = [
            [0.0, 0.0, 0.0, f32::MIN, f32::MIN],
            [0.0, 0.0, 0.0, 0.0, 0.0],
        ];
        for keep in [1.0, 0.7] {
            let q = random([batch, seq, hidden], 21);
            let k = random([batch, seq, hidden], 22);
            let v = random([batch, seq, hidden], 23);
            let weights = random([batch, seq, hidden], 24).detach();
            let bias = Tensor::<2>::from_data(bias_values, &device());
            let fused = attention_context(
                q.clone(),
                k.clone(),
                v.clone(),
                bias.clone(),
                heads,
                0.5,
                keep,
                17,
            );
            let split = |t: Tensor<3>| t.reshape([batch, seq, heads, head_dim]).swap_dims(1, 2);
            let shape = [batch, heads, seq, seq];
            let scores = split(q.clone()).matmul(split(k.clone()).swap_dims(2, 3)) * 0.5
                + bias.reshape([batch, 1, 1, seq]).expand(shape);
            let probs = softmax(scores, 3) * mask_tensor(shape, keep, 17);
            let composed = probs
                .matmul(split(v.clone()))
                .swap_dims(1, 2)
                .reshape([batch, seq, hidden]);
            assert_close("context", fused.clone(), composed.clone(), 1e-5);
            let fused_grads = (fused * weights.clone()).sum().backward();
            let composed_grads = (composed * weights).sum().backward();
            let grads = [fused_grads, composed_grads];
            for (name, t) in [("q", &q), ("k", &k), ("v", &v)] {
                assert_same_gradient(name, t, &grads);
            }
        }
    }

    #[test]
    fn gelu_matches_burns() {
        let x = random([4, 37, 24], 31) * 3.0;
        let x = x.detach().require_grad();
        let weights = random([4, 37, 24], 32).detach();
        let fused = gelu(x.clone());
        let composed = burn::tensor::activation::gelu(x.clone());
        assert_close("gelu", fused.clone(), composed.clone(), 1e-6);
        let grads = [
            (fused * weights.clone()).sum().backward(),
            (composed * weights).sum().backward(),
        ];
        assert_same_gradient("x", &x, &grads);
    }

    #[test]
    fn the_kernels_serve_flex_autodiff_only() {
        let x = Tensor::<2>::zeros([2, 2], &device());
        assert!(available(&x));
        assert!(!available(&Tensor::<2>::zeros([2, 2], &Device::flex())));
    }
}
