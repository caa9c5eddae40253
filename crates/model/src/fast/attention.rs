//! Self-attention over variable-length sequences packed back to back (no
//! padding): one task per (sequence, head), scores, softmax and the weighted
//! sum of values computed in a per-task scratch buffer.

use rayon::prelude::*;

use super::gemm::{self, Isa};
use super::math;

/// A sequence's rows in the packed token matrix.
#[derive(Debug, Clone, Copy)]
pub struct SeqRange {
    /// First row.
    pub start: usize,
    /// Number of rows (tokens).
    pub len: usize,
}

/// `ctx[t, h*d..(h+1)*d] = softmax(q kᵀ / √d) v` for every sequence and head.
///
/// `qkv` is `[tokens, 3 * hidden]` (queries, keys, values side by side);
/// `ctx` is `[tokens, hidden]`. Sequences run in parallel; within one, the
/// two products of each head go through the packed micro-kernel.
pub fn attention(
    isa: Isa,
    qkv: &[f32],
    ctx: &mut [f32],
    seqs: &[SeqRange],
    hidden: usize,
    heads: usize,
) {
    // Split `ctx` into each sequence's rows so tasks own disjoint slices.
    let mut parts: Vec<(SeqRange, &mut [f32])> = Vec::with_capacity(seqs.len());
    let mut rest = ctx;
    let mut consumed = 0;
    for seq in seqs {
        let (_, tail) = rest.split_at_mut((seq.start - consumed) * hidden);
        let (rows, tail) = tail.split_at_mut(seq.len * hidden);
        parts.push((*seq, rows));
        rest = tail;
        consumed = seq.start + seq.len;
    }
    parts
        .into_par_iter()
        .for_each(|(seq, out)| attend_sequence(isa, qkv, out, seq, hidden, heads));
}

/// All heads of one sequence; `out` is the sequence's `[len, hidden]` rows.
fn attend_sequence(
    isa: Isa,
    qkv: &[f32],
    out: &mut [f32],
    seq: SeqRange,
    hidden: usize,
    heads: usize,
) {
    let len = seq.len;
    let head_dim = hidden / heads;
    let stride = 3 * hidden;
    let scale = 1.0 / (head_dim as f32).sqrt();
    let rows = &qkv[seq.start * stride..(seq.start + len) * stride];
    let mut scores = vec![0.0f32; len * len];
    let mut queries = vec![0.0f32; len * head_dim];
    for head in 0..heads {
        let q_off = head * head_dim;
        let k_off = hidden + q_off;
        let v_off = 2 * hidden + q_off;
        // Scaled queries, so the scores come out scaled.
        for (i, q) in queries.chunks_exact_mut(head_dim).enumerate() {
            for (dst, &src) in q
                .iter_mut()
                .zip(&rows[i * stride + q_off..i * stride + q_off + head_dim])
            {
                *dst = src * scale;
            }
        }
        // scores = q · kᵀ: B is kᵀ, `[head_dim, len]`.
        let keys_t = gemm::pack_b(isa, head_dim, len, |d, j| rows[j * stride + k_off + d]);
        gemm::matmul_packed(
            isa,
            &keys_t,
            head_dim,
            len,
            &queries,
            head_dim,
            len,
            &mut scores,
            len,
            false,
        );
        for row in scores.chunks_exact_mut(len) {
            math::softmax(isa, row);
        }
        // out[:, head] = p · v: B is v, `[len, head_dim]`.
        let values = gemm::pack_b(isa, len, head_dim, |j, d| rows[j * stride + v_off + d]);
        gemm::matmul_packed(
            isa,
            &values,
            len,
            head_dim,
            &scores,
            len,
            len,
            &mut out[q_off..],
            hidden,
            false,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_definition_for_two_sequences() {
        let (hidden, heads) = (8, 2);
        let seqs = [SeqRange { start: 0, len: 3 }, SeqRange { start: 3, len: 5 }];
        let tokens = 8;
        let qkv: Vec<f32> = (0..tokens * 3 * hidden)
            .map(|i| ((i * 7919) % 23) as f32 / 11.0 - 1.0)
            .collect();
        for isa in [Isa::Portable, Isa::detect()] {
            let mut ctx = vec![0.0; tokens * hidden];
            attention(isa, &qkv, &mut ctx, &seqs, hidden, heads);
            let d = hidden / heads;
            for seq in seqs {
                for h in 0..heads {
                    for i in 0..seq.len {
                        let q = |t: usize, c: usize| {
                            qkv[(seq.start + t) * 3 * hidden + h * d + c] as f64
                        };
                        let k = |t: usize, c: usize| {
                            qkv[(seq.start + t) * 3 * hidden + hidden + h * d + c] as f64
                        };
                        let v = |t: usize, c: usize| {
                            qkv[(seq.start + t) * 3 * hidden + 2 * hidden + h * d + c] as f64
                        };
                        let scores: Vec<f64> = (0..seq.len)
                            .map(|j| {
                                (0..d).map(|c| q(i, c) * k(j, c)).sum::<f64>() / (d as f64).sqrt()
                            })
                            .collect();
                        let max = scores.iter().copied().fold(f64::MIN, f64::max);
                        let z: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                        for c in 0..d {
                            let expected: f64 = (0..seq.len)
                                .map(|j| (scores[j] - max).exp() / z * v(j, c))
                                .sum();
                            let got = ctx[(seq.start + i) * hidden + h * d + c] as f64;
                            assert!(
                                (got - expected).abs() < 1e-6,
                                "{isa:?}: {got} vs {expected}"
                            );
                        }
                    }
                }
            }
        }
    }
}
