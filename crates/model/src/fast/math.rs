//! Element-wise and row-wise kernels of the inference path: exp, exact GELU,
//! softmax, LayerNorm, with AVX-512 and AVX2 versions picked at run time.
//!
//! GELU uses erf through `erfc(z) = t · exp(-z² + P(t))`, `t = 1 / (1 + z/2)`
//! (the Chebyshev fit of Numerical Recipes, fractional error below 1.2e-7),
//! and exp the Cephes range reduction and polynomial (about 1 ulp): both are
//! well inside the 1e-5 parity budget of the encoder.

use super::gemm::Isa;

/// Coefficients of the erfc fit, highest degree last.
const ERFC: [f32; 10] = [
    -1.265_512_2,
    1.000_023_7,
    0.374_091_96,
    0.096_784_18,
    -0.186_288_06,
    0.278_868_07,
    -1.135_204,
    1.488_515_9,
    -0.822_152_2,
    0.170_872_77,
];

/// erfc(|x| / sqrt 2) / 2 from the fit of [`ERFC`].
#[inline]
fn half_erfc_scalar(x: f32) -> f32 {
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let mut p = ERFC[9];
    for &c in ERFC[..9].iter().rev() {
        p = p * t + c;
    }
    0.5 * t * (-z * z + p).exp()
}

/// Exact (erf-based) GELU of one value.
#[inline]
pub fn gelu_scalar(x: f32) -> f32 {
    let half_erfc = half_erfc_scalar(x);
    // x >= 0: x (1 - erfc/2); x < 0: x erfc/2.
    if x >= 0.0 {
        x - x * half_erfc
    } else {
        x * half_erfc
    }
}

/// The derivative of exact GELU: `Phi(x) + x phi(x)`, with `Phi` from the
/// same erfc fit as [`gelu_scalar`].
#[inline]
#[cfg(feature = "flex")]
pub fn gelu_grad_scalar(x: f32) -> f32 {
    let half_erfc = half_erfc_scalar(x);
    let cdf = if x >= 0.0 { 1.0 - half_erfc } else { half_erfc };
    cdf + x * (-0.5 * x * x).exp() * FRAC_1_SQRT_2PI
}

/// `1 / sqrt(2 pi)`.
#[cfg(feature = "flex")]
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// GELU of `x` into `out`, 16 or 8 lanes at a time where the CPU has them.
#[cfg(feature = "flex")]
pub fn gelu_into(isa: Isa, x: &[f32], out: &mut [f32]) {
    assert_eq!(x.len(), out.len());
    let done = match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx512` is only detected on CPUs with AVX-512F.
        Isa::Avx512 => unsafe { x86::gelu_into512(x, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` is only detected on CPUs with AVX2 and FMA.
        Isa::Avx2 => unsafe { x86::gelu_into256(x, out) },
        _ => 0,
    };
    for (out, &x) in out[done..].iter_mut().zip(&x[done..]) {
        *out = gelu_scalar(x);
    }
}

/// `dy * gelu'(x)` into `out`, 16 or 8 lanes at a time where the CPU has
/// them.
#[cfg(feature = "flex")]
pub fn gelu_backward_into(isa: Isa, x: &[f32], dy: &[f32], out: &mut [f32]) {
    assert!(x.len() == out.len() && dy.len() == out.len());
    let done = match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx512` is only detected on CPUs with AVX-512F.
        Isa::Avx512 => unsafe { x86::gelu_backward_into512(x, dy, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` is only detected on CPUs with AVX2 and FMA.
        Isa::Avx2 => unsafe { x86::gelu_backward_into256(x, dy, out) },
        _ => 0,
    };
    for ((out, &x), &dy) in out[done..].iter_mut().zip(&x[done..]).zip(&dy[done..]) {
        *out = dy * gelu_grad_scalar(x);
    }
}

/// Softmax of a row, in place (the reference the column version is tested against).
#[cfg(test)]
fn softmax_portable(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for value in row.iter_mut() {
        *value = (*value - max).exp();
        sum += *value;
    }
    let inv = 1.0 / sum;
    for value in row.iter_mut() {
        *value *= inv;
    }
}

/// Softmax down each column of a row-major matrix (`rows` rows, row length
/// `ld`), in place.
pub fn softmax_columns(isa: Isa, m: &mut [f32], ld: usize, rows: usize) {
    assert!(m.len() >= rows * ld);
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx512` is only detected on CPUs with AVX-512F; the
        // length is checked above.
        Isa::Avx512 => unsafe { x86::softmax_columns512(m, ld, rows) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` is only detected on CPUs with AVX2 and FMA; the
        // length is checked above.
        Isa::Avx2 => unsafe { x86::softmax_columns256(m, ld, rows) },
        _ => softmax_columns_portable(m, ld, rows),
    }
}

fn softmax_columns_portable(m: &mut [f32], ld: usize, rows: usize) {
    let mut max = vec![f32::NEG_INFINITY; ld];
    for row in m.chunks_exact(ld).take(rows) {
        for (mx, &v) in max.iter_mut().zip(row) {
            *mx = mx.max(v);
        }
    }
    let mut sum = vec![0.0f32; ld];
    for row in m.chunks_exact_mut(ld).take(rows) {
        for ((v, &mx), s) in row.iter_mut().zip(&max).zip(sum.iter_mut()) {
            *v = (*v - mx).exp();
            *s += *v;
        }
    }
    for row in m.chunks_exact_mut(ld).take(rows) {
        for (v, &s) in row.iter_mut().zip(&sum) {
            *v /= s;
        }
    }
}

/// LayerNorm of each row of `x` (`[rows, width]`), in place.
pub fn layer_norm(isa: Isa, x: &mut [f32], width: usize, gamma: &[f32], beta: &[f32], eps: f32) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx512` is only detected on CPUs with AVX-512F.
        Isa::Avx512 => unsafe { x86::layer_norm512(x, width, gamma, beta, eps) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` is only detected on CPUs with AVX2 and FMA.
        Isa::Avx2 => unsafe { x86::layer_norm256(x, width, gamma, beta, eps) },
        _ => {
            for row in x.chunks_exact_mut(width) {
                layer_norm_row(row, gamma, beta, eps);
            }
        }
    }
}

/// One row of LayerNorm: biased variance, epsilon inside the root, as BERT.
#[inline(always)]
fn layer_norm_row(row: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = row.len() as f32;
    let mean = sum_lanes(row) / n;
    let mut var_lanes = [0.0f32; 16];
    for chunk in row.chunks_exact(16) {
        for (lane, &value) in var_lanes.iter_mut().zip(chunk) {
            let d = value - mean;
            *lane += d * d;
        }
    }
    let mut var: f32 = var_lanes.iter().sum();
    for &value in row.chunks_exact(16).remainder() {
        var += (value - mean) * (value - mean);
    }
    let inv = 1.0 / (var / n + eps).sqrt();
    for ((value, &g), &b) in row.iter_mut().zip(gamma).zip(beta) {
        *value = (*value - mean) * inv * g + b;
    }
}

/// A sum in 16 independent lanes (vectorizes, and stays within a few ulp of
/// a pairwise sum for hidden sizes of a few hundred).
#[inline(always)]
fn sum_lanes(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    for chunk in values.chunks_exact(16) {
        for (lane, &value) in lanes.iter_mut().zip(chunk) {
            *lane += value;
        }
    }
    let mut sum: f32 = lanes.iter().sum();
    for &value in values.chunks_exact(16).remainder() {
        sum += value;
    }
    sum
}

#[cfg(target_arch = "x86_64")]
pub mod x86 {
    use std::arch::x86_64::*;

    use super::ERFC;

    /// e^x for 16 lanes (Cephes: x = n ln2 + r, polynomial in r, scale by 2^n).
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub fn exp512(x: __m512) -> __m512 {
        let x = _mm512_min_ps(
            _mm512_max_ps(x, _mm512_set1_ps(-87.336_55)),
            _mm512_set1_ps(88.376_26),
        );
        let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)),
        );
        let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693_359_4), x);
        let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.121_944_4e-4), r);
        let mut p = _mm512_set1_ps(1.987_569_1e-4);
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.398_199_9e-3));
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.333_452e-3));
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.166_579_6e-2));
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.166_666_65));
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5));
        let r2 = _mm512_mul_ps(r, r);
        let y = _mm512_add_ps(_mm512_fmadd_ps(p, r2, r), _mm512_set1_ps(1.0));
        _mm512_scalef_ps(y, n)
    }

    /// erfc(|x| / sqrt 2) / 2 for 16 lanes, from the fit of [`ERFC`].
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn half_erfc512(x: __m512) -> __m512 {
        let z = _mm512_mul_ps(
            _mm512_abs_ps(x),
            _mm512_set1_ps(std::f32::consts::FRAC_1_SQRT_2),
        );
        let t = _mm512_div_ps(
            _mm512_set1_ps(1.0),
            _mm512_fmadd_ps(z, _mm512_set1_ps(0.5), _mm512_set1_ps(1.0)),
        );
        let mut p = _mm512_set1_ps(ERFC[9]);
        for &c in ERFC[..9].iter().rev() {
            p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(c));
        }
        let arg = _mm512_fnmadd_ps(z, z, p);
        _mm512_mul_ps(_mm512_mul_ps(t, exp512(arg)), _mm512_set1_ps(0.5))
    }

    /// Exact GELU for 16 lanes.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub fn gelu512(x: __m512) -> __m512 {
        let half_erfc = half_erfc512(x);
        // x >= 0: x - x * erfc/2; x < 0: x * erfc/2.
        let negative = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, _mm512_setzero_ps());
        let tail = _mm512_mul_ps(x, half_erfc);
        _mm512_mask_blend_ps(negative, _mm512_sub_ps(x, tail), tail)
    }

    /// The derivative of exact GELU for 16 lanes: `Phi(x) + x phi(x)`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    #[cfg(feature = "flex")]
    fn gelu_grad512(x: __m512) -> __m512 {
        let half_erfc = half_erfc512(x);
        let negative = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, _mm512_setzero_ps());
        let cdf = _mm512_mask_blend_ps(
            negative,
            _mm512_sub_ps(_mm512_set1_ps(1.0), half_erfc),
            half_erfc,
        );
        let square = _mm512_mul_ps(_mm512_mul_ps(x, x), _mm512_set1_ps(-0.5));
        let pdf = _mm512_mul_ps(exp512(square), _mm512_set1_ps(super::FRAC_1_SQRT_2PI));
        _mm512_fmadd_ps(x, pdf, cdf)
    }

    /// GELU over whole 16-lane blocks; returns how many values it wrote.
    ///
    /// # Safety
    /// The CPU must support AVX-512F; `out` is as long as `x`.
    #[target_feature(enable = "avx512f")]
    #[cfg(feature = "flex")]
    pub unsafe fn gelu_into512(x: &[f32], out: &mut [f32]) -> usize {
        let blocks = x.len() / 16;
        for b in 0..blocks {
            // SAFETY: block `b` lies within both slices.
            unsafe {
                let v = _mm512_loadu_ps(x.as_ptr().add(16 * b));
                _mm512_storeu_ps(out.as_mut_ptr().add(16 * b), gelu512(v));
            }
        }
        blocks * 16
    }

    /// `dy * gelu'(x)` over whole 16-lane blocks; returns how many values it
    /// wrote.
    ///
    /// # Safety
    /// The CPU must support AVX-512F; `dy` and `out` are as long as `x`.
    #[target_feature(enable = "avx512f")]
    #[cfg(feature = "flex")]
    pub unsafe fn gelu_backward_into512(x: &[f32], dy: &[f32], out: &mut [f32]) -> usize {
        let blocks = x.len() / 16;
        for b in 0..blocks {
            // SAFETY: block `b` lies within the three slices.
            unsafe {
                let v = _mm512_loadu_ps(x.as_ptr().add(16 * b));
                let g = _mm512_loadu_ps(dy.as_ptr().add(16 * b));
                _mm512_storeu_ps(
                    out.as_mut_ptr().add(16 * b),
                    _mm512_mul_ps(g, gelu_grad512(v)),
                );
            }
        }
        blocks * 16
    }

    /// e^x for 8 lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn exp256(x: __m256) -> __m256 {
        let x = _mm256_min_ps(
            _mm256_max_ps(x, _mm256_set1_ps(-87.336_55)),
            _mm256_set1_ps(88.376_26),
        );
        let n = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::LOG2_E)),
        );
        let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693_359_4), x);
        let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.121_944_4e-4), r);
        let mut p = _mm256_set1_ps(1.987_569_1e-4);
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.398_199_9e-3));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.333_452e-3));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.166_579_6e-2));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.166_666_65));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5));
        let r2 = _mm256_mul_ps(r, r);
        let y = _mm256_add_ps(_mm256_fmadd_ps(p, r2, r), _mm256_set1_ps(1.0));
        // 2^n through the exponent bits; n is in [-126, 127] after the clamp.
        let bits = _mm256_slli_epi32::<23>(_mm256_add_epi32(
            _mm256_cvtps_epi32(n),
            _mm256_set1_epi32(127),
        ));
        _mm256_mul_ps(y, _mm256_castsi256_ps(bits))
    }

    /// erfc(|x| / sqrt 2) / 2 for 8 lanes, from the fit of [`ERFC`].
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn half_erfc256(x: __m256) -> __m256 {
        let sign = _mm256_set1_ps(-0.0);
        let z = _mm256_mul_ps(
            _mm256_andnot_ps(sign, x),
            _mm256_set1_ps(std::f32::consts::FRAC_1_SQRT_2),
        );
        let t = _mm256_div_ps(
            _mm256_set1_ps(1.0),
            _mm256_fmadd_ps(z, _mm256_set1_ps(0.5), _mm256_set1_ps(1.0)),
        );
        let mut p = _mm256_set1_ps(ERFC[9]);
        for &c in ERFC[..9].iter().rev() {
            p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(c));
        }
        let arg = _mm256_fnmadd_ps(z, z, p);
        _mm256_mul_ps(_mm256_mul_ps(t, exp256(arg)), _mm256_set1_ps(0.5))
    }

    /// Exact GELU for 8 lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn gelu256(x: __m256) -> __m256 {
        let half_erfc = half_erfc256(x);
        let negative = _mm256_cmp_ps::<_CMP_LT_OQ>(x, _mm256_setzero_ps());
        let tail = _mm256_mul_ps(x, half_erfc);
        _mm256_blendv_ps(_mm256_sub_ps(x, tail), tail, negative)
    }

    /// The derivative of exact GELU for 8 lanes: `Phi(x) + x phi(x)`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    #[cfg(feature = "flex")]
    fn gelu_grad256(x: __m256) -> __m256 {
        let half_erfc = half_erfc256(x);
        let negative = _mm256_cmp_ps::<_CMP_LT_OQ>(x, _mm256_setzero_ps());
        let cdf = _mm256_blendv_ps(
            _mm256_sub_ps(_mm256_set1_ps(1.0), half_erfc),
            half_erfc,
            negative,
        );
        let square = _mm256_mul_ps(_mm256_mul_ps(x, x), _mm256_set1_ps(-0.5));
        let pdf = _mm256_mul_ps(exp256(square), _mm256_set1_ps(super::FRAC_1_SQRT_2PI));
        _mm256_fmadd_ps(x, pdf, cdf)
    }

    /// GELU over whole 8-lane blocks; returns how many values it wrote.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; `out` is as long as `x`.
    #[target_feature(enable = "avx2,fma")]
    #[cfg(feature = "flex")]
    pub unsafe fn gelu_into256(x: &[f32], out: &mut [f32]) -> usize {
        let blocks = x.len() / 8;
        for b in 0..blocks {
            // SAFETY: block `b` lies within both slices.
            unsafe {
                let v = _mm256_loadu_ps(x.as_ptr().add(8 * b));
                _mm256_storeu_ps(out.as_mut_ptr().add(8 * b), gelu256(v));
            }
        }
        blocks * 8
    }

    /// `dy * gelu'(x)` over whole 8-lane blocks; returns how many values it
    /// wrote.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; `dy` and `out` are as long as `x`.
    #[target_feature(enable = "avx2,fma")]
    #[cfg(feature = "flex")]
    pub unsafe fn gelu_backward_into256(x: &[f32], dy: &[f32], out: &mut [f32]) -> usize {
        let blocks = x.len() / 8;
        for b in 0..blocks {
            // SAFETY: block `b` lies within the three slices.
            unsafe {
                let v = _mm256_loadu_ps(x.as_ptr().add(8 * b));
                let g = _mm256_loadu_ps(dy.as_ptr().add(8 * b));
                _mm256_storeu_ps(
                    out.as_mut_ptr().add(8 * b),
                    _mm256_mul_ps(g, gelu_grad256(v)),
                );
            }
        }
        blocks * 8
    }

    /// Softmax down the columns, 16 columns at a time.
    ///
    /// # Safety
    /// The CPU must support AVX-512F and `m` must hold `rows * ld` values.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn softmax_columns512(m: &mut [f32], ld: usize, rows: usize) {
        let ptr = m.as_mut_ptr();
        let mut c = 0;
        // SAFETY (all loads and stores): rows < `rows`, columns < `ld`
        // (the masked tail covers the last columns).
        unsafe {
            while c < ld {
                let width = (ld - c).min(16);
                let mask: __mmask16 = if width == 16 {
                    0xffff
                } else {
                    ((1u32 << width) - 1) as __mmask16
                };
                let mut max = _mm512_set1_ps(f32::NEG_INFINITY);
                for r in 0..rows {
                    let v = _mm512_mask_loadu_ps(max, mask, ptr.add(r * ld + c));
                    max = _mm512_max_ps(max, v);
                }
                let mut sum = _mm512_setzero_ps();
                for r in 0..rows {
                    let at = ptr.add(r * ld + c);
                    let e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, at), max));
                    _mm512_mask_storeu_ps(at, mask, e);
                    sum = _mm512_add_ps(sum, e);
                }
                let inv = _mm512_div_ps(_mm512_set1_ps(1.0), sum);
                for r in 0..rows {
                    let at = ptr.add(r * ld + c);
                    _mm512_mask_storeu_ps(
                        at,
                        mask,
                        _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, at), inv),
                    );
                }
                c += 16;
            }
        }
    }

    /// Softmax down the columns, 8 columns at a time (a masked tail).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA, and `m` must hold `rows * ld` values.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn softmax_columns256(m: &mut [f32], ld: usize, rows: usize) {
        let ptr = m.as_mut_ptr();
        let mut c = 0;
        // SAFETY (all loads and stores): rows < `rows`, columns < `ld` (the
        // masked tail covers the last columns).
        unsafe {
            while c < ld {
                let width = (ld - c).min(8) as i32;
                let mask = _mm256_cmpgt_epi32(
                    _mm256_set1_epi32(width),
                    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                );
                let mut max = _mm256_set1_ps(f32::NEG_INFINITY);
                for r in 0..rows {
                    let v = _mm256_maskload_ps(ptr.add(r * ld + c), mask);
                    max = _mm256_max_ps(max, v);
                }
                let mut sum = _mm256_setzero_ps();
                for r in 0..rows {
                    let at = ptr.add(r * ld + c);
                    let e = exp256(_mm256_sub_ps(_mm256_maskload_ps(at, mask), max));
                    _mm256_maskstore_ps(at, mask, e);
                    sum = _mm256_add_ps(sum, e);
                }
                let inv = _mm256_div_ps(_mm256_set1_ps(1.0), sum);
                for r in 0..rows {
                    let at = ptr.add(r * ld + c);
                    _mm256_maskstore_ps(at, mask, _mm256_mul_ps(_mm256_maskload_ps(at, mask), inv));
                }
                c += 8;
            }
        }
    }

    /// LayerNorm of each row (the portable body compiled for AVX-512).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn layer_norm512(
        x: &mut [f32],
        width: usize,
        gamma: &[f32],
        beta: &[f32],
        eps: f32,
    ) {
        for row in x.chunks_exact_mut(width) {
            super::layer_norm_row(row, gamma, beta, eps);
        }
    }

    /// LayerNorm of each row (the portable body compiled for AVX2).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn layer_norm256(
        x: &mut [f32],
        width: usize,
        gamma: &[f32],
        beta: &[f32],
        eps: f32,
    ) {
        for row in x.chunks_exact_mut(width) {
            super::layer_norm_row(row, gamma, beta, eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "flex")]
    fn gelu_gradients_match_the_derivative_of_the_erf_formula() {
        // Reference in f64: d/dx [x Phi(x)] = Phi(x) + x phi(x), Phi through
        // erf by its Taylor series (converges for |x| < 6 at these terms).
        fn erf(x: f64) -> f64 {
            let (mut term, mut sum, mut n) = (x, x, 0.0);
            while term.abs() > 1e-17 * sum.abs().max(1e-300) || n < 5.0 {
                n += 1.0;
                term *= -x * x / n;
                sum += term / (2.0 * n + 1.0);
                if n > 400.0 {
                    break;
                }
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        }
        let xs: Vec<f32> = (-160..=160).map(|i| i as f32 * 0.025 + 0.0123).collect();
        let dy: Vec<f32> = (0..xs.len()).map(|i| 1.0 + (i % 7) as f32 * 0.25).collect();
        for isa in [Isa::detect(), Isa::Portable] {
            let mut out = vec![0.0; xs.len()];
            gelu_backward_into(isa, &xs, &dy, &mut out);
            let mut forward = vec![0.0; xs.len()];
            gelu_into(isa, &xs, &mut forward);
            for ((&x, &g), (&d, &f)) in xs.iter().zip(&dy).zip(out.iter().zip(&forward)) {
                let x64 = x as f64;
                let cdf = 0.5 * (1.0 + erf(x64 / std::f64::consts::SQRT_2));
                let pdf = (-0.5 * x64 * x64).exp() / (2.0 * std::f64::consts::PI).sqrt();
                let expected = g as f64 * (cdf + x64 * pdf);
                assert!(
                    (d as f64 - expected).abs() < 2e-6 * (1.0 + expected.abs()),
                    "gelu'({x})"
                );
                let scalar = gelu_scalar(x);
                assert!(
                    (f - scalar).abs() <= 1e-6 * (1.0 + scalar.abs()),
                    "gelu({x}) on {isa:?}"
                );
            }
        }
    }

    #[test]
    fn scalar_gelu_matches_known_values() {
        // Values of x * Phi(x) from the normal distribution table.
        for (x, expected) in [
            (0.0f32, 0.0f64),
            (1.0, 0.841_344_746_068_543),
            (-1.0, -0.158_655_253_931_457),
            (2.0, 1.954_499_736_103_642),
            (-3.0, -0.004_049_507_893_625),
            (0.5, 0.345_731_362_786_695),
        ] {
            assert!(
                (gelu_scalar(x) as f64 - expected).abs() < 2e-7,
                "gelu({x}) = {}",
                gelu_scalar(x)
            );
        }
    }

    #[test]
    fn column_softmax_matches_row_softmax_of_the_transpose() {
        for isa in [Isa::Portable, Isa::detect()] {
            let (rows, ld) = (7, 21);
            let m: Vec<f32> = (0..rows * ld)
                .map(|i| ((i * 37) % 19) as f32 / 3.0 - 2.0)
                .collect();
            let mut columns = m.clone();
            softmax_columns(isa, &mut columns, ld, rows);
            for c in 0..ld {
                let mut column: Vec<f32> = (0..rows).map(|r| m[r * ld + c]).collect();
                softmax_portable(&mut column);
                for r in 0..rows {
                    assert!(
                        (columns[r * ld + c] - column[r]).abs() < 1e-6,
                        "{isa:?} ({r}, {c})"
                    );
                }
            }
        }
    }

    #[test]
    fn layer_norm_normalizes_rows() {
        for isa in [Isa::Portable, Isa::detect()] {
            let width = 40;
            let mut x: Vec<f32> = (0..2 * width)
                .map(|i| (i as f32 * 0.11).cos() * 3.0 + 1.0)
                .collect();
            let gamma = vec![2.0; width];
            let beta = vec![0.5; width];
            layer_norm(isa, &mut x, width, &gamma, &beta, 1e-12);
            for row in x.chunks(width) {
                let mean: f32 = row.iter().map(|v| (v - 0.5) / 2.0).sum::<f32>() / width as f32;
                let var: f32 = row
                    .iter()
                    .map(|v| ((v - 0.5) / 2.0 - mean).powi(2))
                    .sum::<f32>()
                    / width as f32;
                assert!(
                    mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
                    "{isa:?}: {mean} {var}"
                );
            }
        }
    }
}
