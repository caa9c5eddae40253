//! Self-attention over variable-length sequences packed back to back (no
//! padding): one task per (sequence, head), scores, softmax and the weighted
//! sum of values computed in a per-task scratch buffer.

use rayon::prelude::*;

use super::gemm::{self, Epilogue, Isa};
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
///
/// The scores are computed transposed, `sᵀ = k · qᵀ` (`[keys, queries]`):
/// the softmax then runs down columns, vectorized across queries, and the
/// probabilities are already laid out as the row panels of `p · v`, which
/// reads them, and the values, in place. Tiles are full: keys are padded to
/// the tile height and queries to its width; padded keys are never read
/// (products run over the real keys only) and padded queries are dropped.
fn attend_sequence(
    isa: Isa,
    qkv: &[f32],
    out: &mut [f32],
    seq: SeqRange,
    hidden: usize,
    heads: usize,
) {
    let (mr, nr) = isa.tile();
    let len = seq.len;
    let head_dim = hidden / heads;
    let stride = 3 * hidden;
    let scale = 1.0 / (head_dim as f32).sqrt();
    let rows = &qkv[seq.start * stride..(seq.start + len) * stride];
    let keys_m = len.div_ceil(mr) * mr;
    let queries_n = len.div_ceil(nr) * nr;
    // Packed operands and results, reused across heads.
    let mut k_packed = vec![0.0f32; keys_m * head_dim];
    let mut q_packed = vec![0.0f32; queries_n * head_dim];
    // Slack of one tile row: the last panel of `p · v` may read a few
    // columns past the last row (padded queries, whose results are dropped).
    let mut scores_t = vec![0.0f32; keys_m * queries_n + mr];
    let ctx_n = head_dim.div_ceil(nr) * nr;
    let mut context = vec![0.0f32; len.div_ceil(mr) * mr * ctx_n];
    let mut v_padded = if head_dim.is_multiple_of(nr) {
        Vec::new()
    } else {
        vec![0.0f32; len * ctx_n]
    };
    for head in 0..heads {
        let q_off = head * head_dim;
        let k_off = hidden + q_off;
        let v_off = 2 * hidden + q_off;
        // A panels of keys: panel, d, key within panel.
        for j in 0..len {
            let (panel, r) = (j / mr, j % mr);
            let k = &rows[j * stride + k_off..j * stride + k_off + head_dim];
            for (d, &value) in k.iter().enumerate() {
                k_packed[(panel * head_dim + d) * mr + r] = value;
            }
        }
        // B panels of scaled qᵀ: panel of queries, d, query within panel.
        for i in 0..len {
            let (panel, c) = (i / nr, i % nr);
            let q = &rows[i * stride + q_off..i * stride + q_off + head_dim];
            for (d, &value) in q.iter().enumerate() {
                q_packed[(panel * head_dim + d) * nr + c] = value * scale;
            }
        }
        for rp in 0..keys_m / mr {
            for cp in 0..queries_n / nr {
                gemm::kernel(
                    isa,
                    head_dim,
                    &k_packed[rp * head_dim * mr..],
                    &q_packed[cp * head_dim * nr..],
                    &mut scores_t[rp * mr * queries_n + cp * nr..],
                    queries_n,
                    false,
                    &NO_BIAS,
                    Epilogue::None,
                );
            }
        }
        math::softmax_columns(isa, &mut scores_t[..len * queries_n], queries_n, len);
        // B is v read in place when a head's width is a whole number of
        // tiles (32 for BERT-base-like and MiniLM heads), else a padded copy.
        let (values, v_base, v_stride): (&[f32], usize, usize) = if head_dim.is_multiple_of(nr) {
            (rows, v_off, stride)
        } else {
            for j in 0..len {
                v_padded[j * ctx_n..j * ctx_n + head_dim]
                    .copy_from_slice(&rows[j * stride + v_off..j * stride + v_off + head_dim]);
            }
            (&v_padded, 0, ctx_n)
        };
        // context[i][d] = Σ_j p[i][j] v[j][d]: A is pᵀ read down its columns
        // (stride = row length).
        for qp in 0..queries_n.div_ceil(mr) {
            let q0 = qp * mr;
            if q0 >= len {
                break;
            }
            for dp in 0..ctx_n / nr {
                gemm::kernel_strided(
                    isa,
                    len,
                    &scores_t[q0..],
                    queries_n,
                    &values[v_base + dp * nr..],
                    v_stride,
                    &mut context[q0 * ctx_n + dp * nr..],
                    ctx_n,
                    false,
                    &NO_BIAS,
                    Epilogue::None,
                );
            }
        }
        for i in 0..len {
            out[i * hidden + q_off..i * hidden + q_off + head_dim]
                .copy_from_slice(&context[i * ctx_n..i * ctx_n + head_dim]);
        }
    }
}

/// Zeros standing in for a bias.
const NO_BIAS: [f32; 32] = [0.0; 32];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_definition_for_two_sequences() {
        // Head widths of 4 (a padded copy of the values) and 32 (values read
        // in place), lengths that fill no tile exactly.
        for (hidden, heads, lens) in [(8, 2, [3, 5]), (64, 2, [13, 40])] {
            check(hidden, heads, &lens);
        }
    }

    fn check(hidden: usize, heads: usize, lens: &[usize]) {
        let mut seqs = Vec::new();
        let mut start = 0;
        for &len in lens {
            seqs.push(SeqRange { start, len });
            start += len;
        }
        let tokens = start;
        let qkv: Vec<f32> = (0..tokens * 3 * hidden)
            .map(|i| ((i * 7919) % 23) as f32 / 11.0 - 1.0)
            .collect();
        for isa in [Isa::Portable, Isa::detect()] {
            let mut ctx = vec![0.0; tokens * hidden];
            attention(isa, &qkv, &mut ctx, &seqs, hidden, heads);
            let d = hidden / heads;
            for &seq in &seqs {
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
                                (got - expected).abs() < 1e-5,
                                "{isa:?} d={d}: {got} vs {expected}"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Attention alone (run with
/// `cargo test --release -p jobfit-model attention_throughput -- --ignored --nocapture`).
#[cfg(test)]
mod probe {
    use super::*;

    #[test]
    #[ignore = "a measurement, not a check"]
    fn attention_throughput() {
        let (hidden, heads, len, seqs_n) = (384, 12, 123, 32);
        let seqs: Vec<SeqRange> = (0..seqs_n)
            .map(|s| SeqRange {
                start: s * len,
                len,
            })
            .collect();
        let tokens = len * seqs_n;
        let qkv: Vec<f32> = (0..tokens * 3 * hidden)
            .map(|i| ((i * 7919) % 23) as f32 / 23.0 - 0.5)
            .collect();
        let mut ctx = vec![0.0; tokens * hidden];
        let isa = Isa::detect();
        attention(isa, &qkv, &mut ctx, &seqs, hidden, heads);
        let reps = 10;
        let start = std::time::Instant::now();
        for _ in 0..reps {
            attention(isa, &qkv, &mut ctx, &seqs, hidden, heads);
        }
        let secs = start.elapsed().as_secs_f64() / reps as f64;
        let flop = 4.0 * (len * len * hidden * seqs_n) as f64;
        println!(
            "{isa:?}: {:.2} ms per layer of {seqs_n} x {len}, {:.1} GFLOP/s",
            secs * 1e3,
            flop / secs / 1e9
        );
    }
}
