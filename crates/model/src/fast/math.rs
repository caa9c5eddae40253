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

/// Exact (erf-based) GELU of one value.
#[inline]
pub fn gelu_scalar(x: f32) -> f32 {
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let mut p = ERFC[9];
    for &c in ERFC[..9].iter().rev() {
        p = p * t + c;
    }
    let erfc = t * (-z * z + p).exp();
    // x >= 0: x (1 - erfc/2); x < 0: x erfc/2.
    if x >= 0.0 {
        x - 0.5 * x * erfc
    } else {
        0.5 * x * erfc
    }
}

/// Softmax of a row, in place.
pub fn softmax(isa: Isa, row: &mut [f32]) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx512` is only detected on CPUs with AVX-512F.
        Isa::Avx512 => unsafe { x86::softmax512(row) },
        _ => softmax_portable(row),
    }
}

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

    /// Exact GELU for 16 lanes.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub fn gelu512(x: __m512) -> __m512 {
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
        let half_erfc = _mm512_mul_ps(_mm512_mul_ps(t, exp512(arg)), _mm512_set1_ps(0.5));
        // x >= 0: x - x * erfc/2; x < 0: x * erfc/2.
        let negative = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, _mm512_setzero_ps());
        let tail = _mm512_mul_ps(x, half_erfc);
        _mm512_mask_blend_ps(negative, _mm512_sub_ps(x, tail), tail)
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

    /// Exact GELU for 8 lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn gelu256(x: __m256) -> __m256 {
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
        let half_erfc = _mm256_mul_ps(_mm256_mul_ps(t, exp256(arg)), _mm256_set1_ps(0.5));
        let negative = _mm256_cmp_ps::<_CMP_LT_OQ>(x, _mm256_setzero_ps());
        let tail = _mm256_mul_ps(x, half_erfc);
        _mm256_blendv_ps(_mm256_sub_ps(x, tail), tail, negative)
    }

    /// Softmax of a row in place.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn softmax512(row: &mut [f32]) {
        let n = row.len();
        let full = n / 16 * 16;
        let tail_mask: __mmask16 = ((1u32 << (n - full)) - 1) as __mmask16;
        let ptr = row.as_mut_ptr();
        // SAFETY (all loads and stores below): offsets stay below `full`,
        // and the masked tail touches only lanes below `n`.
        unsafe {
            let mut max = _mm512_set1_ps(f32::NEG_INFINITY);
            let mut i = 0;
            while i < full {
                max = _mm512_max_ps(max, _mm512_loadu_ps(ptr.add(i)));
                i += 16;
            }
            if full < n {
                let tail = _mm512_mask_loadu_ps(
                    _mm512_set1_ps(f32::NEG_INFINITY),
                    tail_mask,
                    ptr.add(full),
                );
                max = _mm512_max_ps(max, tail);
            }
            let max = _mm512_set1_ps(_mm512_reduce_max_ps(max));
            let mut sum = _mm512_setzero_ps();
            let mut i = 0;
            while i < full {
                let e = exp512(_mm512_sub_ps(_mm512_loadu_ps(ptr.add(i)), max));
                _mm512_storeu_ps(ptr.add(i), e);
                sum = _mm512_add_ps(sum, e);
                i += 16;
            }
            if full < n {
                let tail = _mm512_maskz_loadu_ps(tail_mask, ptr.add(full));
                let e = _mm512_maskz_mov_ps(tail_mask, exp512(_mm512_sub_ps(tail, max)));
                _mm512_mask_storeu_ps(ptr.add(full), tail_mask, e);
                sum = _mm512_add_ps(sum, e);
            }
            let inv = _mm512_set1_ps(1.0 / _mm512_reduce_add_ps(sum));
            let mut i = 0;
            while i < full {
                _mm512_storeu_ps(ptr.add(i), _mm512_mul_ps(_mm512_loadu_ps(ptr.add(i)), inv));
                i += 16;
            }
            if full < n {
                let tail = _mm512_maskz_loadu_ps(tail_mask, ptr.add(full));
                _mm512_mask_storeu_ps(ptr.add(full), tail_mask, _mm512_mul_ps(tail, inv));
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
    fn softmax_sums_to_one_and_orders_like_inputs() {
        for isa in [Isa::Portable, Isa::detect()] {
            for n in [1usize, 5, 16, 17, 40] {
                let mut row: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin() * 4.0).collect();
                let original = row.clone();
                softmax(isa, &mut row);
                let sum: f32 = row.iter().sum();
                assert!((sum - 1.0).abs() < 1e-6, "{isa:?} n={n}: sum {sum}");
                // Against the definition in f64.
                let max = original.iter().copied().fold(f32::MIN, f32::max) as f64;
                let z: f64 = original.iter().map(|&v| (v as f64 - max).exp()).sum();
                for (p, &v) in row.iter().zip(&original) {
                    let expected = (v as f64 - max).exp() / z;
                    assert!(
                        (*p as f64 - expected).abs() < 1e-7,
                        "{isa:?}: {p} vs {expected}"
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
