//! Dynamic int8 quantization of the linear layers: weights quantized once per
//! output column (symmetric, int8), activations quantized per row when a
//! product runs (asymmetric, uint8 with a zero point), products accumulated
//! in int32: with AVX-512 VNNI (`vpdpbusd`) where the CPU has it, else with
//! AVX2 (`vpmaddubsw` then `vpmaddwd`), else in portable Rust.
//!
//! For row `i` with scale `sa` and zero point `za`, and column `j` with scale
//! `sw`: `c[i][j] = sa · sw · (Σ_k qa[i][k] · qw[k][j] − za · Σ_k qw[k][j])`,
//! then bias, GELU and the residual as in the float path.
//!
//! `vpmaddubsw` adds two products of an unsigned and a signed byte into a
//! saturating int16. With activations in `[0, 255]` and weights in
//! `[-63, 63]` the pair sums stay within `2 · 255 · 63 = 32130`, below
//! 32767, so the AVX2 kernel quantizes weights to 7 bits and never
//! saturates: its integers are exact, and equal to the portable kernel's for
//! the same quantized weights.

use super::gemm::{Epilogue, Isa, for_row_blocks};
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

/// Which integer kernel computes the products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantKernel {
    /// Plain Rust, any CPU.
    Portable,
    /// AVX2: `vpmaddubsw` + `vpmaddwd`, weights in 7 bits.
    Avx2,
    /// AVX-512 VNNI: `vpdpbusd`.
    Vnni,
}

impl QuantKernel {
    /// The kernel that goes with a float kernel family: VNNI with AVX-512
    /// when the CPU has it, AVX2 for AVX2 (and AVX-512 without VNNI), else
    /// portable.
    pub fn for_isa(isa: Isa) -> Self {
        match isa {
            Isa::Avx512 if vnni_available() => Self::Vnni,
            Isa::Avx512 | Isa::Avx2 if avx2_available() => Self::Avx2,
            _ => Self::Portable,
        }
    }

    /// The largest quantized weight magnitude the kernel takes.
    fn weight_max(self) -> f32 {
        match self {
            Self::Avx2 => 63.0,
            Self::Portable | Self::Vnni => 127.0,
        }
    }
}

fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Quantizes one row to uint8 with its own scale and zero point:
/// `q = round(v / scale) + zero`, covering `[min(row, 0), max(row, 0)]`.
fn quantize_row(kernel: QuantKernel, row: &[f32], out: &mut [u8]) -> (f32, i32) {
    #[cfg(target_arch = "x86_64")]
    match kernel {
        // SAFETY: `Vnni` implies AVX-512F and BW; `out` is as long as `row`.
        QuantKernel::Vnni => return unsafe { x86::quantize_row512(row, out) },
        // SAFETY: `Avx2` is only chosen when the CPU has AVX2 and FMA.
        QuantKernel::Avx2 => return unsafe { x86::quantize_row256(row, out) },
        QuantKernel::Portable => {}
    }
    let _ = kernel;
    let (min, max) = row
        .iter()
        .fold((0.0f32, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (scale, zero) = row_scale(min, max);
    let inv = 1.0 / scale;
    // Ties to even, like the vector conversion.
    for (q, &v) in out.iter_mut().zip(row) {
        *q = v.mul_add(inv, zero).round_ties_even().clamp(0.0, 255.0) as u8;
    }
    (scale, zero as i32)
}

/// The scale and zero point of a row whose values span `[min, max]`
/// (`min <= 0 <= max`).
#[inline]
fn row_scale(min: f32, max: f32) -> (f32, f32) {
    let scale = if max > min { (max - min) / 255.0 } else { 1.0 };
    let zero = (-min / scale).round().clamp(0.0, 255.0);
    (scale, zero)
}

/// A weight matrix `[k, n]` quantized per column and packed for the kernel:
/// panels of 32 columns, each `k/4` groups of `32 x 4` bytes (four
/// consecutive k of one column adjacent, as `vpdpbusd` and `vpmaddubsw`
/// read them).
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
    kernel: QuantKernel,
}

impl QuantMatrix {
    /// Quantizes `weight` (`[k, n]`, row-major) for the kernel that goes with
    /// `isa`, and keeps `bias` in f32.
    pub fn new(weight: &[f32], bias: &[f32], k: usize, n: usize, isa: Isa) -> Self {
        Self::with_kernel(weight, bias, k, n, QuantKernel::for_isa(isa))
    }

    /// Like [`QuantMatrix::new`] with a chosen kernel.
    pub fn with_kernel(
        weight: &[f32],
        bias: &[f32],
        k: usize,
        n: usize,
        kernel: QuantKernel,
    ) -> Self {
        Self::with_weight_limit(weight, bias, k, n, kernel, kernel.weight_max())
    }

    /// Quantizes weights to `[-limit, limit]` (at most 127; at most 63 for
    /// the AVX2 kernel).
    fn with_weight_limit(
        weight: &[f32],
        bias: &[f32],
        k: usize,
        n: usize,
        kernel: QuantKernel,
        limit: f32,
    ) -> Self {
        assert_eq!(weight.len(), k * n);
        assert_eq!(bias.len(), n);
        assert!(limit <= kernel.weight_max());
        let k4 = k.div_ceil(4) * 4;
        let n_pad = n.div_ceil(NR) * NR;
        let mut scales = vec![0.0f32; n_pad];
        let mut quantized = vec![0i8; k4 * n_pad];
        let mut col_sums = vec![0i32; n_pad];
        for j in 0..n {
            let max = (0..k)
                .map(|row| weight[row * n + j].abs())
                .fold(0.0f32, f32::max);
            let scale = if max > 0.0 { max / limit } else { 1.0 };
            scales[j] = scale;
            for row in 0..k {
                let q = (weight[row * n + j] / scale).round().clamp(-limit, limit) as i8;
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
            kernel,
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
            let (scale, zero) = quantize_row(self.kernel, row, &mut bytes[..self.k]);
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
                if self.kernel != QuantKernel::Portable && rows == MR && cols == NR {
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
                    if self.kernel == QuantKernel::Vnni {
                        // SAFETY: `Vnni` is only chosen when the CPU has
                        // AVX-512F, BW and VNNI; the slices hold what a full
                        // 12 x 32 tile reads and writes.
                        unsafe {
                            x86::kernel_vnni_tile(groups, a_panel.as_ptr(), b.as_ptr(), tile)
                        };
                    } else {
                        // SAFETY: `Avx2` is only chosen when the CPU has AVX2
                        // and FMA; the slices hold what a full tile reads and
                        // writes.
                        unsafe {
                            x86::kernel_avx2_tile(groups, a_panel.as_ptr(), b.as_ptr(), tile)
                        };
                    }
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
        assert!(a.len() >= groups * MR * 4 && b.len() >= groups * NR * 4);
        #[cfg(target_arch = "x86_64")]
        match self.kernel {
            // SAFETY: `Vnni` is only chosen when the CPU has AVX-512F, BW and
            // VNNI; `a` holds `groups * 12 * 4` bytes and `b` `groups * 32 * 4`
            // (checked above).
            QuantKernel::Vnni => {
                return unsafe { x86::kernel_vnni(groups, a.as_ptr(), b.as_ptr(), acc) };
            }
            // SAFETY: as above, for AVX2.
            QuantKernel::Avx2 => {
                return unsafe { x86::kernel_avx2(groups, a.as_ptr(), b.as_ptr(), acc) };
            }
            QuantKernel::Portable => {}
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

    /// [`super::quantize_row`] with AVX2.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn quantize_row256(row: &[f32], out: &mut [u8]) -> (f32, i32) {
        assert!(out.len() >= row.len());
        let n = row.len();
        let full8 = n / 8 * 8;
        // SAFETY (loads and stores): indices stay below `full8 <= n`, and
        // below `full32 <= n` in the packing loop.
        unsafe {
            let mut lo = _mm256_setzero_ps();
            let mut hi = _mm256_setzero_ps();
            let mut i = 0;
            while i < full8 {
                let v = _mm256_loadu_ps(row.as_ptr().add(i));
                lo = _mm256_min_ps(lo, v);
                hi = _mm256_max_ps(hi, v);
                i += 8;
            }
            let mut lanes = [0.0f32; 8];
            _mm256_storeu_ps(lanes.as_mut_ptr(), lo);
            let mut min = lanes.iter().copied().fold(0.0f32, f32::min);
            _mm256_storeu_ps(lanes.as_mut_ptr(), hi);
            let mut max = lanes.iter().copied().fold(0.0f32, f32::max);
            for &v in &row[full8..] {
                min = min.min(v);
                max = max.max(v);
            }
            let (scale, zero) = super::row_scale(min, max);
            let inv = 1.0 / scale;
            let inv_v = _mm256_set1_ps(inv);
            let zero_v = _mm256_set1_ps(zero);
            let top = _mm256_set1_ps(255.0);
            let quantize = |at: usize| {
                let v = _mm256_fmadd_ps(_mm256_loadu_ps(row.as_ptr().add(at)), inv_v, zero_v);
                // Round to nearest even (the default rounding mode).
                _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), top))
            };
            let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
            let full32 = n / 32 * 32;
            let mut i = 0;
            while i < full32 {
                let p01 = _mm256_packus_epi32(quantize(i), quantize(i + 8));
                let p23 = _mm256_packus_epi32(quantize(i + 16), quantize(i + 24));
                let bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(p01, p23), order);
                _mm256_storeu_si256(out.as_mut_ptr().add(i).cast(), bytes);
                i += 32;
            }
            for (q, &v) in out[full32..n].iter_mut().zip(&row[full32..]) {
                *q = v.mul_add(inv, zero).round_ties_even().clamp(0.0, 255.0) as u8;
            }
            (scale, zero as i32)
        }
    }

    /// One 6 x 16 block of sums with AVX2: rows `a` (6 of the 12 in a row
    /// panel), columns `b` (16 of the 32 in a column panel).
    ///
    /// `vpmaddubsw` forms the pair sums of four u8 x i8 products (exact: the
    /// weights are 7-bit), `vpmaddwd` by ones adds the pairs into int32.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn sums_6x16(groups: usize, a: *const u8, b: *const i8) -> [[__m256i; 2]; 6] {
        // SAFETY: the callers pass panels of `groups` groups.
        unsafe {
            let ones = _mm256_set1_epi16(1);
            let mut sums = [[_mm256_setzero_si256(); 2]; 6];
            let mut a = a;
            let mut b = b;
            for _ in 0..groups {
                let b0 = _mm256_loadu_si256(b.cast());
                let b1 = _mm256_loadu_si256(b.add(32).cast());
                for (r, row) in sums.iter_mut().enumerate() {
                    let a4 = _mm256_set1_epi32(a.add(r * 4).cast::<i32>().read_unaligned());
                    row[0] = _mm256_add_epi32(
                        row[0],
                        _mm256_madd_epi16(_mm256_maddubs_epi16(a4, b0), ones),
                    );
                    row[1] = _mm256_add_epi32(
                        row[1],
                        _mm256_madd_epi16(_mm256_maddubs_epi16(a4, b1), ones),
                    );
                }
                a = a.add(MR * 4);
                b = b.add(NR * 4);
            }
            sums
        }
    }

    /// The AVX2 product of one full 12 x 32 tile (four 6 x 16 blocks) with
    /// the dequantizing epilogue.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn kernel_avx2_tile(groups: usize, a: *const u8, b: *const i8, tile: Tile<'_>) {
        // SAFETY: the caller passes full panels and a tile of 12 rows of at
        // least 32 columns.
        unsafe {
            for half_r in 0..2 {
                for half_c in 0..2 {
                    let sums = sums_6x16(groups, a.add(half_r * 24), b.add(half_c * 64));
                    let col = half_c * 16;
                    let cs = [
                        _mm256_loadu_ps(tile.col_scale.as_ptr().add(col)),
                        _mm256_loadu_ps(tile.col_scale.as_ptr().add(col + 8)),
                    ];
                    let csum = [
                        _mm256_loadu_si256(tile.col_sum.as_ptr().add(col).cast()),
                        _mm256_loadu_si256(tile.col_sum.as_ptr().add(col + 8).cast()),
                    ];
                    let bias = [
                        _mm256_loadu_ps(tile.bias.as_ptr().add(col)),
                        _mm256_loadu_ps(tile.bias.as_ptr().add(col + 8)),
                    ];
                    for (i, row) in sums.iter().enumerate() {
                        let r = half_r * 6 + i;
                        let sa = _mm256_set1_ps(tile.row_scale[r]);
                        let za = _mm256_set1_epi32(tile.row_zero[r]);
                        let out = tile.c.as_mut_ptr().add(r * tile.ldc + col);
                        for h in 0..2 {
                            let integer = _mm256_sub_epi32(row[h], _mm256_mullo_epi32(za, csum[h]));
                            let mut v = _mm256_mul_ps(
                                _mm256_mul_ps(sa, cs[h]),
                                _mm256_cvtepi32_ps(integer),
                            );
                            if tile.accumulate {
                                v = _mm256_add_ps(v, _mm256_loadu_ps(out.add(8 * h)));
                            }
                            if tile.epilogue != Epilogue::None {
                                v = _mm256_add_ps(v, bias[h]);
                                if tile.epilogue == Epilogue::BiasGelu {
                                    v = vmath::gelu256(v);
                                }
                            }
                            _mm256_storeu_ps(out.add(8 * h), v);
                        }
                    }
                }
            }
        }
    }

    /// The sums of one full 12 x 32 tile with AVX2, into `acc`.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn kernel_avx2(groups: usize, a: *const u8, b: *const i8, acc: &mut [i32; MR * NR]) {
        // SAFETY: the caller passes full panels; `acc` holds 12 x 32.
        unsafe {
            for half_r in 0..2 {
                for half_c in 0..2 {
                    let sums = sums_6x16(groups, a.add(half_r * 24), b.add(half_c * 64));
                    for (i, row) in sums.iter().enumerate() {
                        let at = acc.as_mut_ptr().add((half_r * 6 + i) * NR + half_c * 16);
                        _mm256_storeu_si256(at.cast(), row[0]);
                        _mm256_storeu_si256(at.add(8).cast(), row[1]);
                    }
                }
            }
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
        let mut kernels = vec![QuantKernel::Portable];
        if avx2_available() {
            kernels.push(QuantKernel::Avx2);
        }
        if vnni_available() {
            kernels.push(QuantKernel::Vnni);
        }
        let product = |q: &QuantMatrix| {
            let mut c = vec![0.0; m * n];
            q.matmul(&a, k, m, &mut c, n, false, Epilogue::Bias);
            c
        };
        for kernel in kernels {
            let c = product(&QuantMatrix::with_kernel(&w, &bias, k, n, kernel));
            let mut worst = 0.0f32;
            for i in 0..m {
                for j in 0..n {
                    let exact: f32 =
                        (0..k).map(|p| a[i * k + p] * w[p * n + j]).sum::<f32>() + bias[j];
                    worst = worst.max((c[i * n + j] - exact).abs());
                }
            }
            // Each product carries at most half a step of each operand's
            // grid: |error| <= k * (|a| sw/2 + |w| sa/2 + sa sw/4), about
            // 130 * 0.008 with 8-bit weights and 130 * 0.012 with 7-bit ones.
            assert!(worst < 0.5, "{kernel:?}: worst error {worst}");
            // The vector kernels compute the portable kernel's integers for
            // the same quantized weights.
            let portable = QuantMatrix::with_weight_limit(
                &w,
                &bias,
                k,
                n,
                QuantKernel::Portable,
                kernel.weight_max(),
            );
            assert_eq!(c, product(&portable), "{kernel:?}");
        }
    }

    #[test]
    fn vector_quantization_of_rows_matches_the_portable_one() {
        for (len, seed) in [(7, 1), (40, 2), (130, 3), (384, 4)] {
            let mut row = data(len, seed);
            row[len / 2] = 3.5; // an outlier, as BERT's hidden states have
            let mut expected = vec![0u8; len];
            let portable = quantize_row(QuantKernel::Portable, &row, &mut expected);
            for kernel in [QuantKernel::Avx2, QuantKernel::Vnni] {
                let available = match kernel {
                    QuantKernel::Avx2 => avx2_available(),
                    _ => vnni_available(),
                };
                if !available {
                    continue;
                }
                let mut got = vec![0u8; len];
                assert_eq!(quantize_row(kernel, &row, &mut got), portable, "{kernel:?}");
                assert_eq!(got, expected, "{kernel:?} len {len}");
            }
        }
    }
}
