//! Dynamic int8 quantization of the linear layers: weights quantized once per
//! output column (symmetric, int8), activations quantized per row when a
//! product runs (asymmetric, uint8 with a zero point), products accumulated
//! in int32 with AVX-512 VNNI (`vpdpbusd`) where the CPU has it.
//!
//! For row `i` with scale `sa` and zero point `za`, and column `j` with scale
//! `sw`: `c[i][j] = sa · sw · (Σ_k qa[i][k] · qw[k][j] − za · Σ_k qw[k][j])`,
//! then bias, GELU and the residual as in the float path.

use super::gemm::{Epilogue, for_row_blocks};
use super::math;

/// Micro-tile: 12 rows by 32 columns (two registers of 16 int32).
const MR: usize = 12;
const NR: usize = 32;

/// Whether the CPU has the VNNI kernel's instructions.
pub fn vnni_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Quantizes one row to uint8 with its own scale and zero point:
/// `q = round(v / scale) + zero`, covering `[min(row, 0), max(row, 0)]`.
fn quantize_row(vnni: bool, row: &[f32], out: &mut [u8]) -> (f32, i32) {
    #[cfg(target_arch = "x86_64")]
    if vnni {
        // SAFETY: `vnni` implies AVX-512F and BW; `out` is as long as `row`.
        return unsafe { x86::quantize_row512(row, out) };
    }
    let _ = vnni;
    let (min, max) = row
        .iter()
        .fold((0.0f32, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let scale = if max > min { (max - min) / 255.0 } else { 1.0 };
    let zero = (-min / scale).round().clamp(0.0, 255.0);
    let inv = 1.0 / scale;
    // Ties to even, like the vector conversion.
    for (q, &v) in out.iter_mut().zip(row) {
        *q = v.mul_add(inv, zero).round_ties_even().clamp(0.0, 255.0) as u8;
    }
    (scale, zero as i32)
}

/// A weight matrix `[k, n]` quantized per column and packed for the kernel:
/// panels of 32 columns, each `k/4` groups of `32 x 4` bytes (four
/// consecutive k of one column adjacent, as `vpdpbusd` reads them).
#[derive(Debug, Clone)]
pub struct QuantMatrix {
    k: usize,
    /// `k` rounded up to a multiple of 4.
    k4: usize,
    n: usize,
    packed: Vec<i8>,
    scales: Vec<f32>,
    col_sums: Vec<i32>,
    bias: Vec<f32>,
    vnni: bool,
}

impl QuantMatrix {
    /// Quantizes `weight` (`[k, n]`, row-major) and keeps `bias` in f32.
    pub fn new(weight: &[f32], bias: &[f32], k: usize, n: usize) -> Self {
        Self::with_kernel(weight, bias, k, n, vnni_available())
    }

    /// Like [`QuantMatrix::new`], choosing the VNNI kernel or the portable one.
    pub fn with_kernel(weight: &[f32], bias: &[f32], k: usize, n: usize, vnni: bool) -> Self {
        assert_eq!(weight.len(), k * n);
        assert_eq!(bias.len(), n);
        let k4 = k.div_ceil(4) * 4;
        let n_pad = n.div_ceil(NR) * NR;
        let mut scales = vec![0.0f32; n_pad];
        let mut quantized = vec![0i8; k4 * n_pad];
        let mut col_sums = vec![0i32; n_pad];
        for j in 0..n {
            let max = (0..k)
                .map(|row| weight[row * n + j].abs())
                .fold(0.0f32, f32::max);
            let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
            scales[j] = scale;
            for row in 0..k {
                let q = (weight[row * n + j] / scale).round().clamp(-127.0, 127.0) as i8;
                quantized[row * n_pad + j] = q;
                col_sums[j] += i32::from(q);
            }
        }
        // Pack: panel p, group g, column c, byte t -> k = 4g + t, j = 32p + c.
        let groups = k4 / 4;
        let mut packed = vec![0i8; k4 * n_pad];
        for p in 0..n_pad / NR {
            for g in 0..groups {
                for c in 0..NR {
                    for t in 0..4 {
                        let row = 4 * g + t;
                        packed[((p * groups + g) * NR + c) * 4 + t] =
                            quantized[row * n_pad + p * NR + c];
                    }
                }
            }
        }
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(n_pad, 0.0);
        Self {
            k,
            k4,
            n,
            packed,
            scales,
            col_sums,
            bias: padded_bias,
            vnni,
        }
    }

    /// Same contract as the float `PackedMatrix::matmul`.
    #[allow(clippy::too_many_arguments)]
    pub fn matmul(
        &self,
        a: &[f32],
        lda: usize,
        m: usize,
        c: &mut [f32],
        ldc: usize,
        accumulate: bool,
        epilogue: Epilogue,
    ) {
        for_row_blocks(a, lda, self.k, m, c, ldc, self.n, |a, rows, c| {
            self.block(a, lda, rows, c, ldc, accumulate, epilogue);
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        a: &[f32],
        lda: usize,
        m: usize,
        c: &mut [f32],
        ldc: usize,
        accumulate: bool,
        epilogue: Epilogue,
    ) {
        let groups = self.k4 / 4;
        let row_panels = m.div_ceil(MR);
        // Quantize rows and pack them: panel, group, row, 4 bytes.
        let mut packed_a = vec![0u8; row_panels * groups * MR * 4];
        let mut row_scale = vec![0.0f32; row_panels * MR];
        let mut row_zero = vec![0i32; row_panels * MR];
        let mut bytes = vec![0u8; self.k4];
        for r in 0..m {
            let row = &a[r * lda..r * lda + self.k];
            let (scale, zero) = quantize_row(self.vnni, row, &mut bytes[..self.k]);
            row_scale[r] = scale;
            row_zero[r] = zero;
            // Padding k (k4 > k) meets zero weights: any value will do.
            bytes[self.k..].iter_mut().for_each(|b| *b = zero as u8);
            let (panel, within) = (r / MR, r % MR);
            for (g, quad) in bytes.chunks_exact(4).enumerate() {
                let at = ((panel * groups + g) * MR + within) * 4;
                packed_a[at..at + 4].copy_from_slice(quad);
            }
        }
        let mut acc = [0i32; MR * NR];
        for p in 0..self.n.div_ceil(NR) {
            let col0 = p * NR;
            let cols = NR.min(self.n - col0);
            let b = &self.packed[p * groups * NR * 4..(p + 1) * groups * NR * 4];
            for rp in 0..row_panels {
                let a_panel = &packed_a[rp * groups * MR * 4..(rp + 1) * groups * MR * 4];
                let rows = MR.min(m - rp * MR);
                #[cfg(target_arch = "x86_64")]
                if self.vnni && rows == MR && cols == NR {
                    let tile = x86::Tile {
                        c: &mut c[rp * MR * ldc + col0..],
                        ldc,
                        row_scale: &row_scale[rp * MR..rp * MR + MR],
                        row_zero: &row_zero[rp * MR..rp * MR + MR],
                        col_scale: &self.scales[col0..col0 + NR],
                        col_sum: &self.col_sums[col0..col0 + NR],
                        bias: &self.bias[col0..col0 + NR],
                        accumulate,
                        epilogue,
                    };
                    // SAFETY: `vnni` is only set when the CPU has AVX-512F, BW
                    // and VNNI; the slices hold what a full 12 x 32 tile reads
                    // and writes.
                    unsafe { x86::kernel_vnni_tile(groups, a_panel.as_ptr(), b.as_ptr(), tile) };
                    continue;
                }
                self.kernel(groups, a_panel, b, &mut acc);
                for r in 0..rows {
                    let i = rp * MR + r;
                    let (sa, za) = (row_scale[i], row_zero[i]);
                    let out = &mut c[i * ldc + col0..i * ldc + col0 + cols];
                    for (cc, o) in out.iter_mut().enumerate() {
                        let j = col0 + cc;
                        let integer = acc[r * NR + cc] - za * self.col_sums[j];
                        let mut value = sa * self.scales[j] * integer as f32;
                        if accumulate {
                            value += *o;
                        }
                        if epilogue != Epilogue::None {
                            value += self.bias[j];
                            if epilogue == Epilogue::BiasGelu {
                                value = math::gelu_scalar(value);
                            }
                        }
                        *o = value;
                    }
                }
            }
        }
    }

    /// `acc[r][c] = Σ_g Σ_t a[g][r][t] · b[g][c][t]` for one 12 x 32 tile.
    fn kernel(&self, groups: usize, a: &[u8], b: &[i8], acc: &mut [i32; MR * NR]) {
        #[cfg(target_arch = "x86_64")]
        if self.vnni {
            // SAFETY: `vnni` is only set when the CPU has AVX-512F, BW and
            // VNNI; `a` holds `groups * 12 * 4` bytes and `b` `groups * 32 * 4`.
            unsafe { x86::kernel_vnni(groups, a.as_ptr(), b.as_ptr(), acc) };
            return;
        }
        acc.iter_mut().for_each(|v| *v = 0);
        for g in 0..groups {
            for r in 0..MR {
                let a4 = &a[(g * MR + r) * 4..(g * MR + r) * 4 + 4];
                for c in 0..NR {
                    let b4 = &b[(g * NR + c) * 4..(g * NR + c) * 4 + 4];
                    let mut sum = 0i32;
                    for t in 0..4 {
                        sum += i32::from(a4[t]) * i32::from(b4[t]);
                    }
                    acc[r * NR + c] += sum;
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Epilogue, MR, NR};
    use crate::fast::math::x86 as vmath;

    /// Where a full 12 x 32 tile goes and how to turn its integers into floats.
    pub struct Tile<'a> {
        pub c: &'a mut [f32],
        pub ldc: usize,
        pub row_scale: &'a [f32],
        pub row_zero: &'a [i32],
        pub col_scale: &'a [f32],
        pub col_sum: &'a [i32],
        pub bias: &'a [f32],
        pub accumulate: bool,
        pub epilogue: Epilogue,
    }

    /// [`super::quantize_row`] with AVX-512.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub unsafe fn quantize_row512(row: &[f32], out: &mut [u8]) -> (f32, i32) {
        unsafe {
            let n = row.len();
            let full = n / 16 * 16;
            let mut lo = _mm512_setzero_ps();
            let mut hi = _mm512_setzero_ps();
            let mut i = 0;
            while i < full {
                let v = _mm512_loadu_ps(row.as_ptr().add(i));
                lo = _mm512_min_ps(lo, v);
                hi = _mm512_max_ps(hi, v);
                i += 16;
            }
            let mut min = _mm512_reduce_min_ps(lo);
            let mut max = _mm512_reduce_max_ps(hi);
            for &v in &row[full..] {
                min = min.min(v);
                max = max.max(v);
            }
            let scale = if max > min { (max - min) / 255.0 } else { 1.0 };
            let zero = (-min / scale).round().clamp(0.0, 255.0);
            let inv = 1.0 / scale;
            let inv_v = _mm512_set1_ps(inv);
            let zero_v = _mm512_set1_ps(zero);
            let top = _mm512_set1_ps(255.0);
            let mut i = 0;
            while i < full {
                let v = _mm512_fmadd_ps(_mm512_loadu_ps(row.as_ptr().add(i)), inv_v, zero_v);
                let v = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), top);
                let q = _mm512_cvtps_epi32(v);
                _mm_storeu_si128(out.as_mut_ptr().add(i).cast(), _mm512_cvtusepi32_epi8(q));
                i += 16;
            }
            for (q, &v) in out[full..].iter_mut().zip(&row[full..]) {
                *q = v.mul_add(inv, zero).round_ties_even().clamp(0.0, 255.0) as u8;
            }
            (scale, zero as i32)
        }
    }

    /// The VNNI product of one full tile with the dequantizing epilogue.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub unsafe fn kernel_vnni_tile(groups: usize, a: *const u8, b: *const i8, tile: Tile<'_>) {
        unsafe {
            let mut sums = [[_mm512_setzero_si512(); 2]; MR];
            let mut a = a;
            let mut b = b;
            for _ in 0..groups {
                let b0 = _mm512_loadu_si512(b.cast());
                let b1 = _mm512_loadu_si512(b.add(64).cast());
                for (r, row) in sums.iter_mut().enumerate() {
                    let a4 = _mm512_set1_epi32(a.add(r * 4).cast::<i32>().read_unaligned());
                    row[0] = _mm512_dpbusd_epi32(row[0], a4, b0);
                    row[1] = _mm512_dpbusd_epi32(row[1], a4, b1);
                }
                a = a.add(MR * 4);
                b = b.add(NR * 4);
            }
            let cs = [
                _mm512_loadu_ps(tile.col_scale.as_ptr()),
                _mm512_loadu_ps(tile.col_scale.as_ptr().add(16)),
            ];
            let csum = [
                _mm512_loadu_si512(tile.col_sum.as_ptr().cast()),
                _mm512_loadu_si512(tile.col_sum.as_ptr().add(16).cast()),
            ];
            let bias = [
                _mm512_loadu_ps(tile.bias.as_ptr()),
                _mm512_loadu_ps(tile.bias.as_ptr().add(16)),
            ];
            for (r, row) in sums.iter().enumerate() {
                let sa = _mm512_set1_ps(tile.row_scale[r]);
                let za = _mm512_set1_epi32(tile.row_zero[r]);
                let out = tile.c.as_mut_ptr().add(r * tile.ldc);
                for h in 0..2 {
                    let integer = _mm512_sub_epi32(row[h], _mm512_mullo_epi32(za, csum[h]));
                    let mut v =
                        _mm512_mul_ps(_mm512_mul_ps(sa, cs[h]), _mm512_cvtepi32_ps(integer));
                    if tile.accumulate {
                        v = _mm512_add_ps(v, _mm512_loadu_ps(out.add(16 * h)));
                    }
                    if tile.epilogue != Epilogue::None {
                        v = _mm512_add_ps(v, bias[h]);
                        if tile.epilogue == Epilogue::BiasGelu {
                            v = vmath::gelu512(v);
                        }
                    }
                    _mm512_storeu_ps(out.add(16 * h), v);
                }
            }
        }
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub unsafe fn kernel_vnni(groups: usize, a: *const u8, b: *const i8, acc: &mut [i32; MR * NR]) {
        unsafe {
            let mut sums = [[_mm512_setzero_si512(); 2]; MR];
            let mut a = a;
            let mut b = b;
            for _ in 0..groups {
                let b0 = _mm512_loadu_si512(b.cast());
                let b1 = _mm512_loadu_si512(b.add(64).cast());
                for (r, row) in sums.iter_mut().enumerate() {
                    let a4 = _mm512_set1_epi32(a.add(r * 4).cast::<i32>().read_unaligned());
                    row[0] = _mm512_dpbusd_epi32(row[0], a4, b0);
                    row[1] = _mm512_dpbusd_epi32(row[1], a4, b1);
                }
                a = a.add(MR * 4);
                b = b.add(NR * 4);
            }
            for (r, row) in sums.iter().enumerate() {
                _mm512_storeu_si512(acc.as_mut_ptr().add(r * NR).cast(), row[0]);
                _mm512_storeu_si512(acc.as_mut_ptr().add(r * NR + 16).cast(), row[1]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2654435761).wrapping_add(7);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn quantized_product_is_close_to_the_float_product() {
        let (m, k, n) = (50, 130, 70);
        let a = data(m * k, 1);
        let w = data(k * n, 2);
        let bias = data(n, 3);
        let mut kernels = vec![false];
        if vnni_available() {
            kernels.push(true);
        }
        let mut results = Vec::new();
        for vnni in kernels {
            let q = QuantMatrix::with_kernel(&w, &bias, k, n, vnni);
            let mut c = vec![0.0; m * n];
            q.matmul(&a, k, m, &mut c, n, false, Epilogue::Bias);
            let mut worst = 0.0f32;
            for i in 0..m {
                for j in 0..n {
                    let exact: f32 =
                        (0..k).map(|p| a[i * k + p] * w[p * n + j]).sum::<f32>() + bias[j];
                    worst = worst.max((c[i * n + j] - exact).abs());
                }
            }
            // Each product carries at most half a step of each operand's
            // grid: |error| <= k * (|a| sw/2 + |w| sa/2 + sa sw/4) ~ 130 * 0.008.
            assert!(worst < 0.5, "vnni={vnni}: worst error {worst}");
            results.push(c);
        }
        // Both kernels compute the same integers.
        if results.len() == 2 {
            assert_eq!(results[0], results[1]);
        }
    }
}
