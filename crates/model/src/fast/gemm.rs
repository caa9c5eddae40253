//! Packed single-precision matrix multiply for inference: `C = A · B (+ C)`
//! with `B` a linear layer's weight packed once at load time, and an
//! epilogue (bias, GELU) applied while the output tile is in registers.
//!
//! The loop structure is the classic one of BLIS: K is cut into blocks that
//! keep a panel of `B` in L1, M into blocks of packed `A` that stay in L2, and
//! a register-blocked micro-kernel computes `MR x NR` tiles. Row blocks run
//! in parallel with rayon. Three micro-kernels exist: AVX-512 (12 x 32),
//! AVX2+FMA (6 x 16), and a portable one; the widest the CPU supports is
//! picked at run time.

use rayon::prelude::*;

use super::math;

/// Rows of `A` per block packed for the L2 cache.
const MC: usize = 48;
/// Depth of the K blocks.
const KC: usize = 384;

/// Which micro-kernel family runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// AVX-512F (x86-64-v4).
    Avx512,
    /// AVX2 with FMA (x86-64-v3).
    Avx2,
    /// Plain Rust, any CPU.
    Portable,
}

impl Isa {
    /// The widest instruction set this CPU supports.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// Rows and columns of the micro-kernel's tile.
    pub fn tile(self) -> (usize, usize) {
        match self {
            Isa::Avx512 => (12, 32),
            Isa::Avx2 => (6, 16),
            Isa::Portable => (4, 16),
        }
    }
}

/// What to do with the finished output tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Epilogue {
    /// Store `A · B` (or add it to `C` when accumulating).
    None,
    /// Store `A · B + bias` (or add it to `C` when accumulating).
    Bias,
    /// Store `gelu(A · B + bias)` (exact, erf-based GELU).
    BiasGelu,
}

/// A weight matrix `[k, n]` (Burn's `[d_in, d_out]` layout) packed into
/// column panels of the micro-kernel's width, each panel `k x NR` row-major.
#[derive(Debug, Clone)]
pub struct PackedMatrix {
    k: usize,
    n: usize,
    isa: Isa,
    panels: Vec<f32>,
    bias: Vec<f32>,
}

impl PackedMatrix {
    /// Packs `weight` (`[k, n]`, row-major) and `bias` (`[n]`) for `isa`.
    pub fn new(weight: &[f32], bias: &[f32], k: usize, n: usize, isa: Isa) -> Self {
        assert_eq!(weight.len(), k * n, "weight is not [k, n]");
        assert_eq!(bias.len(), n, "bias is not [n]");
        let (_, nr) = isa.tile();
        let panels = pack_b(isa, k, n, |row, col| weight[row * n + col]);
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(n.div_ceil(nr) * nr, 0.0);
        Self {
            k,
            n,
            isa,
            panels,
            bias: padded_bias,
        }
    }

    fn view(&self) -> Panels<'_> {
        Panels {
            isa: self.isa,
            k: self.k,
            n: self.n,
            data: &self.panels,
            bias: Some(&self.bias),
        }
    }

    /// `c[m, n] = epilogue(a[m, k] · B + bias)`, or with `accumulate`,
    /// `c = epilogue(c + a · B + bias)` (a residual placed in `c` beforehand).
    ///
    /// `a` has row stride `lda`, `c` row stride `ldc`. Row blocks run in
    /// parallel.
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
        let view = self.view();
        for_row_blocks(a, lda, self.k, m, c, ldc, self.n, |a, rows, c| {
            view.block(a, lda, rows, c, ldc, accumulate, epilogue);
        });
    }
}

/// Runs `block(a_rows, rows, c_rows)` on blocks of `MC` rows of
/// `c[m, n] = a[m, k] · B` in parallel, after checking the shapes (row
/// strides `lda >= k` and `ldc >= n`). Shared by the float and int8 paths.
#[allow(clippy::too_many_arguments)]
pub(super) fn for_row_blocks(
    a: &[f32],
    lda: usize,
    k: usize,
    m: usize,
    c: &mut [f32],
    ldc: usize,
    n: usize,
    block: impl Fn(&[f32], usize, &mut [f32]) + Sync,
) {
    assert!(lda >= k && ldc >= n);
    if m == 0 {
        return;
    }
    assert!(a.len() >= (m - 1) * lda + k, "a is too short");
    assert!(c.len() >= (m - 1) * ldc + n, "c is too short");
    c.par_chunks_mut(MC * ldc)
        .take(m.div_ceil(MC))
        .enumerate()
        .for_each(|(index, c_block)| {
            let row0 = index * MC;
            block(&a[row0 * lda..], MC.min(m - row0), c_block);
        });
}

/// Packs a `[k, n]` matrix given element by element into column panels of
/// the micro-kernel's width (`k x NR` each, row-major, zero-padded).
pub fn pack_b(isa: Isa, k: usize, n: usize, at: impl Fn(usize, usize) -> f32) -> Vec<f32> {
    let (_, nr) = isa.tile();
    let panels_count = n.div_ceil(nr);
    let mut panels = vec![0.0; panels_count * k * nr];
    for panel in 0..panels_count {
        let base = panel * k * nr;
        let cols = nr.min(n - panel * nr);
        for row in 0..k {
            for col in 0..cols {
                panels[base + row * nr + col] = at(row, panel * nr + col);
            }
        }
    }
    panels
}

/// Zeros standing in for a missing bias.
const NO_BIAS: [f32; 32] = [0.0; 32];

/// Packed `B` panels and an optional bias, borrowed.
#[derive(Debug, Clone, Copy)]
struct Panels<'a> {
    isa: Isa,
    k: usize,
    n: usize,
    data: &'a [f32],
    bias: Option<&'a [f32]>,
}

impl Panels<'_> {
    /// One block of at most `MC` rows, on the calling thread.
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
        let (mr, nr) = self.isa.tile();
        let row_panels = m.div_ceil(mr);
        let mut packed_a = vec![0.0f32; row_panels * mr * KC.min(self.k)];
        let mut tile = vec![0.0f32; mr * nr];
        let col_panels = self.n.div_ceil(nr);
        let mut k0 = 0;
        while k0 < self.k {
            let kc = KC.min(self.k - k0);
            let last = k0 + kc == self.k;
            pack_a(a, lda, m, k0, kc, mr, &mut packed_a);
            for panel in 0..col_panels {
                let col0 = panel * nr;
                let cols = nr.min(self.n - col0);
                let b = &self.data[panel * self.k * nr + k0 * nr..];
                let bias = match self.bias {
                    Some(bias) => &bias[col0..col0 + nr],
                    None => &NO_BIAS[..nr],
                };
                for rp in 0..row_panels {
                    let row0 = rp * mr;
                    let rows = mr.min(m - row0);
                    let a_panel = &packed_a[rp * mr * kc..];
                    // Accumulate into C unless this is the first K block of a
                    // fresh product.
                    let add_c = accumulate || k0 > 0;
                    let tile_epilogue = if last { epilogue } else { Epilogue::None };
                    let full = rows == mr && cols == nr;
                    if full {
                        let c_tile = &mut c[row0 * ldc + col0..];
                        self.kernel(kc, a_panel, b, c_tile, ldc, add_c, bias, tile_epilogue);
                    } else {
                        // Edge tile: compute into a scratch tile, copy back.
                        for r in 0..mr {
                            for col in 0..nr {
                                tile[r * nr + col] = if add_c && r < rows && col < cols {
                                    c[(row0 + r) * ldc + col0 + col]
                                } else {
                                    0.0
                                };
                            }
                        }
                        self.kernel(kc, a_panel, b, &mut tile, nr, true, bias, tile_epilogue);
                        for r in 0..rows {
                            c[(row0 + r) * ldc + col0..(row0 + r) * ldc + col0 + cols]
                                .copy_from_slice(&tile[r * nr..r * nr + cols]);
                        }
                    }
                }
            }
            k0 += kc;
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn kernel(
        &self,
        kc: usize,
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        ldc: usize,
        add_c: bool,
        bias: &[f32],
        epilogue: Epilogue,
    ) {
        kernel(self.isa, kc, a, b, c, ldc, add_c, bias, epilogue);
    }
}

/// One full `MR x NR` tile: `c = epilogue(a · b (+ c))` with `a` a packed
/// row panel (`kc x MR`) and `b` a packed column panel (`kc x NR`).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn kernel(
    isa: Isa,
    kc: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    add_c: bool,
    bias: &[f32],
    epilogue: Epilogue,
) {
    let (mr, nr) = isa.tile();
    kernel_strided(isa, kc, a, mr, b, nr, c, ldc, add_c, bias, epilogue);
}

/// Like [`kernel`], with the `MR` values of `a` and the `NR` values of `b`
/// for one k found `a_stride` and `b_stride` elements after those of the
/// previous k (so operands can be read in place: rows of a matrix for `b`,
/// columns of a row-major matrix for `a`).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn kernel_strided(
    isa: Isa,
    kc: usize,
    a: &[f32],
    a_stride: usize,
    b: &[f32],
    b_stride: usize,
    c: &mut [f32],
    ldc: usize,
    add_c: bool,
    bias: &[f32],
    epilogue: Epilogue,
) {
    {
        let (mr, nr) = isa.tile();
        if kc == 0 {
            return;
        }
        // Checked in release builds too: the kernels below rely on them.
        assert!(a_stride >= mr && b_stride >= nr && bias.len() >= nr);
        assert!(a.len() >= (kc - 1) * a_stride + mr && b.len() >= (kc - 1) * b_stride + nr);
        assert!(ldc >= nr && c.len() >= (mr - 1) * ldc + nr);
        match isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::Avx512` is only chosen when the CPU has AVX-512F;
            // the slices hold the `kc x 12`, `kc x 32` and `12 x ldc` elements
            // the kernel reads and writes (checked above).
            Isa::Avx512 => unsafe {
                x86::kernel_12x32(
                    kc,
                    a.as_ptr(),
                    a_stride,
                    b.as_ptr(),
                    b_stride,
                    c.as_mut_ptr(),
                    ldc,
                    add_c,
                    bias.as_ptr(),
                    epilogue,
                )
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, for AVX2+FMA and a 6 x 16 tile.
            Isa::Avx2 => unsafe {
                x86::kernel_6x16(
                    kc,
                    a.as_ptr(),
                    a_stride,
                    b.as_ptr(),
                    b_stride,
                    c.as_mut_ptr(),
                    ldc,
                    add_c,
                    bias.as_ptr(),
                    epilogue,
                )
            },
            _ => portable_kernel(
                kc,
                (a, a_stride),
                (b, b_stride),
                c,
                ldc,
                add_c,
                bias,
                epilogue,
                mr,
                nr,
            ),
        }
    }
}

/// Packs rows `[0, m)` and columns `[k0, k0 + kc)` of `a` into row panels of
/// `mr` rows, each `kc x mr` with the `mr` values of one k adjacent; rows past
/// `m` are zero.
fn pack_a(a: &[f32], lda: usize, m: usize, k0: usize, kc: usize, mr: usize, out: &mut [f32]) {
    for (rp, panel) in out.chunks_mut(mr * kc).take(m.div_ceil(mr)).enumerate() {
        for r in 0..mr {
            let row = rp * mr + r;
            if row < m {
                let src = &a[row * lda + k0..row * lda + k0 + kc];
                for (kk, &value) in src.iter().enumerate() {
                    panel[kk * mr + r] = value;
                }
            } else {
                for kk in 0..kc {
                    panel[kk * mr + r] = 0.0;
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn portable_kernel(
    kc: usize,
    (a, a_stride): (&[f32], usize),
    (b, b_stride): (&[f32], usize),
    c: &mut [f32],
    ldc: usize,
    add_c: bool,
    bias: &[f32],
    epilogue: Epilogue,
    mr: usize,
    nr: usize,
) {
    let mut acc = vec![0.0f32; mr * nr];
    for kk in 0..kc {
        let a_k = &a[kk * a_stride..kk * a_stride + mr];
        let b_k = &b[kk * b_stride..kk * b_stride + nr];
        for (r, &a_value) in a_k.iter().enumerate() {
            for (acc, &b_value) in acc[r * nr..r * nr + nr].iter_mut().zip(b_k) {
                *acc += a_value * b_value;
            }
        }
    }
    for r in 0..mr {
        for col in 0..nr {
            let mut value = acc[r * nr + col];
            if add_c {
                value += c[r * ldc + col];
            }
            if epilogue != Epilogue::None {
                value += bias[col];
                if epilogue == Epilogue::BiasGelu {
                    value = math::gelu_scalar(value);
                }
            }
            c[r * ldc + col] = value;
        }
    }
}

/// Calls `$kernel::<ADD_C, EPI>(args)` with the const parameters that match
/// the run-time `add_c` and `epilogue`: one straight-line instantiation per
/// combination.
#[cfg(target_arch = "x86_64")]
macro_rules! dispatch_epilogue {
    ($kernel:ident, $add_c:expr, $epilogue:expr, $($arg:expr),* $(,)?) => {
        match ($add_c, $epilogue) {
            (false, Epilogue::None) => $kernel::<false, 0>($($arg),*),
            (true, Epilogue::None) => $kernel::<true, 0>($($arg),*),
            (false, Epilogue::Bias) => $kernel::<false, 1>($($arg),*),
            (true, Epilogue::Bias) => $kernel::<true, 1>($($arg),*),
            (false, Epilogue::BiasGelu) => $kernel::<false, 2>($($arg),*),
            (true, Epilogue::BiasGelu) => $kernel::<true, 2>($($arg),*),
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::Epilogue;
    use crate::fast::math::x86 as vmath;

    /// 12 x 32 tile: 24 accumulators, two B vectors per k, A broadcast from
    /// memory.
    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn kernel_12x32(
        kc: usize,
        a: *const f32,
        a_stride: usize,
        b: *const f32,
        b_stride: usize,
        c: *mut f32,
        ldc: usize,
        add_c: bool,
        bias: *const f32,
        epilogue: Epilogue,
    ) {
        // One straight-line instantiation per epilogue, so the accumulators
        // stay in registers for the plain ones.
        unsafe {
            dispatch_epilogue!(
                kernel_12x32_impl,
                add_c,
                epilogue,
                kc,
                a,
                a_stride,
                b,
                b_stride,
                c,
                ldc,
                bias
            )
        }
    }

    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    #[inline]
    unsafe fn kernel_12x32_impl<const ADD_C: bool, const EPI: u8>(
        kc: usize,
        a: *const f32,
        a_stride: usize,
        b: *const f32,
        b_stride: usize,
        c: *mut f32,
        ldc: usize,
        bias: *const f32,
    ) {
        unsafe {
            let mut acc = [[_mm512_setzero_ps(); 2]; 12];
            let mut a = a;
            let mut b = b;
            for _ in 0..kc {
                let b0 = _mm512_loadu_ps(b);
                let b1 = _mm512_loadu_ps(b.add(16));
                for (r, row) in acc.iter_mut().enumerate() {
                    let a_r = _mm512_set1_ps(*a.add(r));
                    row[0] = _mm512_fmadd_ps(a_r, b0, row[0]);
                    row[1] = _mm512_fmadd_ps(a_r, b1, row[1]);
                }
                a = a.add(a_stride);
                b = b.add(b_stride);
            }
            let bias0 = _mm512_loadu_ps(bias);
            let bias1 = _mm512_loadu_ps(bias.add(16));
            for (r, row) in acc.iter().enumerate() {
                let out = c.add(r * ldc);
                let mut v0 = row[0];
                let mut v1 = row[1];
                if ADD_C {
                    v0 = _mm512_add_ps(v0, _mm512_loadu_ps(out));
                    v1 = _mm512_add_ps(v1, _mm512_loadu_ps(out.add(16)));
                }
                if EPI != 0 {
                    v0 = _mm512_add_ps(v0, bias0);
                    v1 = _mm512_add_ps(v1, bias1);
                    if EPI == 2 {
                        v0 = vmath::gelu512(v0);
                        v1 = vmath::gelu512(v1);
                    }
                }
                _mm512_storeu_ps(out, v0);
                _mm512_storeu_ps(out.add(16), v1);
            }
        }
    }

    /// 6 x 16 tile for AVX2: 12 accumulators.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn kernel_6x16(
        kc: usize,
        a: *const f32,
        a_stride: usize,
        b: *const f32,
        b_stride: usize,
        c: *mut f32,
        ldc: usize,
        add_c: bool,
        bias: *const f32,
        epilogue: Epilogue,
    ) {
        // One straight-line instantiation per epilogue, so the accumulators
        // stay in registers for the plain ones.
        unsafe {
            dispatch_epilogue!(
                kernel_6x16_impl,
                add_c,
                epilogue,
                kc,
                a,
                a_stride,
                b,
                b_stride,
                c,
                ldc,
                bias
            )
        }
    }

    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    #[inline]
    unsafe fn kernel_6x16_impl<const ADD_C: bool, const EPI: u8>(
        kc: usize,
        a: *const f32,
        a_stride: usize,
        b: *const f32,
        b_stride: usize,
        c: *mut f32,
        ldc: usize,
        bias: *const f32,
    ) {
        unsafe {
            let mut acc = [[_mm256_setzero_ps(); 2]; 6];
            let mut a = a;
            let mut b = b;
            for _ in 0..kc {
                let b0 = _mm256_loadu_ps(b);
                let b1 = _mm256_loadu_ps(b.add(8));
                for (r, row) in acc.iter_mut().enumerate() {
                    let a_r = _mm256_set1_ps(*a.add(r));
                    row[0] = _mm256_fmadd_ps(a_r, b0, row[0]);
                    row[1] = _mm256_fmadd_ps(a_r, b1, row[1]);
                }
                a = a.add(a_stride);
                b = b.add(b_stride);
            }
            let bias0 = _mm256_loadu_ps(bias);
            let bias1 = _mm256_loadu_ps(bias.add(8));
            for (r, row) in acc.iter().enumerate() {
                let out = c.add(r * ldc);
                let mut v0 = row[0];
                let mut v1 = row[1];
                if ADD_C {
                    v0 = _mm256_add_ps(v0, _mm256_loadu_ps(out));
                    v1 = _mm256_add_ps(v1, _mm256_loadu_ps(out.add(8)));
                }
                if EPI != 0 {
                    v0 = _mm256_add_ps(v0, bias0);
                    v1 = _mm256_add_ps(v1, bias1);
                    if EPI == 2 {
                        v0 = vmath::gelu256(v0);
                        v1 = vmath::gelu256(v1);
                    }
                }
                _mm256_storeu_ps(out, v0);
                _mm256_storeu_ps(out.add(8), v1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], w: &[f32], bias: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut sum = bias[j] as f64;
                for p in 0..k {
                    sum += a[i * k + p] as f64 * w[p * n + j] as f64;
                }
                c[i * n + j] = sum;
            }
        }
        c.into_iter().map(|v| v as f32).collect()
    }

    fn data(len: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2654435761).wrapping_add(1);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    fn isas() -> Vec<Isa> {
        let mut isas = vec![Isa::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                isas.push(Isa::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                isas.push(Isa::Avx512);
            }
        }
        isas
    }

    #[test]
    fn matches_a_naive_product_on_ragged_shapes() {
        for isa in isas() {
            for &(m, k, n) in &[
                (1, 1, 1),
                (13, 7, 33),
                (100, 300, 50),
                (250, 520, 70),
                (12, 32, 32),
            ] {
                let a = data(m * k, 1);
                let w = data(k * n, 2);
                let bias = data(n, 3);
                let packed = PackedMatrix::new(&w, &bias, k, n, isa);
                let mut c = vec![f32::NAN; m * n];
                packed.matmul(&a, k, m, &mut c, n, false, Epilogue::Bias);
                let expected = naive(&a, &w, &bias, m, k, n);
                for (i, (x, y)) in c.iter().zip(&expected).enumerate() {
                    assert!(
                        (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
                        "{isa:?} {m}x{k}x{n} at {i}: {x} vs {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn accumulates_into_c_and_applies_gelu() {
        for isa in isas() {
            let (m, k, n) = (30, 40, 20);
            let a = data(m * k, 4);
            let w = data(k * n, 5);
            let bias = data(n, 6);
            let residual = data(m * n, 7);
            let packed = PackedMatrix::new(&w, &bias, k, n, isa);
            let mut c = residual.clone();
            packed.matmul(&a, k, m, &mut c, n, true, Epilogue::Bias);
            let product = naive(&a, &w, &bias, m, k, n);
            for i in 0..m * n {
                assert!((c[i] - (product[i] + residual[i])).abs() < 1e-4, "{isa:?}");
            }
            let mut g = vec![0.0; m * n];
            packed.matmul(&a, k, m, &mut g, n, false, Epilogue::BiasGelu);
            for i in 0..m * n {
                let x = product[i] as f64;
                let exact = 0.5 * x * (1.0 + libm_erf(x / std::f64::consts::SQRT_2));
                assert!(
                    (g[i] as f64 - exact).abs() < 1e-5,
                    "{isa:?}: {} vs {exact}",
                    g[i]
                );
            }
        }
    }

    /// erf by its Taylor series (|x| small) or continued fraction, in f64:
    /// an independent reference for the vectorized approximation.
    fn libm_erf(x: f64) -> f64 {
        if x.abs() < 3.0 {
            let mut sum = 0.0;
            let mut term = x;
            let mut n = 0.0;
            while term.abs() > 1e-17 {
                sum += term / (2.0 * n + 1.0);
                n += 1.0;
                term *= -x * x / n;
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            // erfc continued fraction (Lentz), accurate for |x| >= 3.
            let z = x.abs();
            let mut f = z;
            for k in (1..60).rev() {
                f = z + (k as f64 / 2.0) / f;
            }
            let erfc = (-z * z).exp() / (std::f64::consts::PI.sqrt() * f);
            x.signum() * (1.0 - erfc)
        }
    }
}

/// Throughput probe for tuning the block sizes (not a test of speed; run with
/// `cargo test --release -p jobfit-model gemm_throughput -- --ignored --nocapture`).
#[cfg(test)]
mod probe {
    use super::*;

    /// User + system CPU seconds of this process (from /proc, 10 ms ticks).
    fn cpu_seconds() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
            + fields
                .get(12)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
        ticks / 100.0
    }

    #[test]
    #[ignore = "a measurement, not a check"]
    fn gemm_throughput() {
        let isa = Isa::detect();
        for &(m, k, n) in &[
            (4096, 384, 1152),
            (4096, 384, 384),
            (4096, 384, 1536),
            (4096, 1536, 384),
            (256, 384, 1536),
        ] {
            let a: Vec<f32> = (0..m * k).map(|i| (i % 17) as f32 * 0.01).collect();
            let w: Vec<f32> = (0..k * n).map(|i| (i % 13) as f32 * 0.01).collect();
            let packed = PackedMatrix::new(&w, &vec![0.0; n], k, n, isa);
            let mut c = vec![0.0; m * n];
            packed.matmul(&a, k, m, &mut c, n, false, Epilogue::Bias);
            let reps = 10;
            let cpu0 = cpu_seconds();
            let start = std::time::Instant::now();
            for _ in 0..reps {
                packed.matmul(&a, k, m, &mut c, n, false, Epilogue::Bias);
            }
            let secs = start.elapsed().as_secs_f64() / reps as f64;
            let cpu = (cpu_seconds() - cpu0) / reps as f64;
            let flop = 2.0 * (m * k * n) as f64;
            println!(
                "{isa:?} {m}x{k}x{n}: {:.2} ms wall, {:.1} GFLOP/s wall, {:.1} GFLOP per CPU-second (threads {})",
                secs * 1e3,
                flop / secs / 1e9,
                flop / cpu / 1e9,
                rayon::current_num_threads()
            );
        }
    }
}
