//! Dropout with its keep mask drawn on every core.
//!
//! Burn's `Dropout::forward` draws a Bernoulli tensor one element at a time
//! from one generator, then multiplies twice (by the mask, then by
//! `1 / keep`), and autodiff records both products. A training step of
//! all-MiniLM-L6-v2 at batch 16 x 128 draws about 28 million such values.
//! Here the mask is a counter-based hash of a seed and the element's index
//! ([`DropMask`]), computed in parallel blocks and already scaled (each value
//! is 0 or `1 / keep`), so the forward pass is one product and the backward
//! pass one more. The fused training kernels (`fused.rs`) draw the same masks
//! without storing them. The seed comes from the backend's own generator, so
//! a seeded run (`Device::seed`) draws the same masks every time.

use burn::nn::Dropout;
use burn::prelude::*;
use burn::tensor::{DType, Distribution, TensorData};
use rayon::prelude::*;

/// Elements per parallel block of a mask.
const BLOCK: usize = 1 << 15;

/// Whether dropout `layer` acts on tensors of `device`: in training, with
/// autodiff, at a probability above 0 (as Burn's `Dropout::forward` decides).
pub(crate) fn is_active(layer: &Dropout, device: &Device) -> bool {
    layer.training.is_enabled() && device.is_autodiff() && layer.prob > 0.0
}

/// Applies `layer` to `x` as Burn's dropout does (the identity outside
/// training, on a device without autodiff, or at probability 0), with the
/// mask drawn by [`DropMask`].
pub(crate) fn apply_dropout<const D: usize>(layer: &Dropout, x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if !is_active(layer, &device) {
        return x;
    }
    if x.dtype() != DType::F32 {
        return layer.forward(x);
    }
    let (keep, seed) = keep_and_seed(layer, &device);
    let shape = x.shape();
    let mask = DropMask::new(keep, seed).values(shape.num_elements());
    x * Tensor::<D>::from_data(TensorData::new(mask, shape), &device)
}

/// The keep probability of dropout `layer` on `device` and a fresh mask
/// seed; keep 1 (no mask) where it does not act.
pub(crate) fn keep_and_seed(layer: &Dropout, device: &Device) -> (f64, u64) {
    if is_active(layer, device) {
        (1.0 - layer.prob, draw_seed(device))
    } else {
        (1.0, 0)
    }
}

/// One 64-bit seed from the backend's generator.
fn draw_seed(device: &Device) -> u64 {
    // Two uniform f32 in [0, 1) carry 24 random bits each.
    let draws = Tensor::<1>::random([2], Distribution::Default, device).into_data();
    let bits: Vec<u64> = draws
        .iter::<f32>()
        .map(|value| (value * (1u32 << 24) as f32) as u64)
        .collect();
    (bits[0] << 24) | bits[1]
}

/// An inverted-dropout mask as a function of the element's index: element
/// `i` is kept with probability `keep` and then scaled by `1 / keep`. It is
/// decided by half of output `i / 2` of the SplitMix64 stream that starts at
/// `seed`, so a mask depends on the seed alone: the backward pass recomputes
/// it instead of storing it, and the blocks may run in any order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropMask {
    seed: u64,
    threshold: u64,
    scale: f32,
}

impl DropMask {
    pub(crate) fn new(keep: f64, seed: u64) -> Self {
        Self {
            seed,
            // Kept when the 32 random bits are below keep * 2^32.
            threshold: (keep * 4_294_967_296.0).min(u32::MAX as f64) as u64,
            scale: (1.0 / keep) as f32,
        }
    }

    /// Writes the mask's elements `start..start + out.len()` into `out`.
    pub(crate) fn fill(&self, start: usize, out: &mut [f32]) {
        let mut i = start;
        let mut rest = out;
        if i % 2 == 1 && !rest.is_empty() {
            rest[0] = self.at(i);
            rest = &mut rest[1..];
            i += 1;
        }
        for (pair, values) in rest.chunks_mut(2).enumerate() {
            let bits = splitmix64(self.seed, (i / 2 + pair) as u64);
            for (half, value) in values.iter_mut().enumerate() {
                *value = self.decide(bits, half);
            }
        }
    }

    /// The mask's element `i`: `1 / keep` or 0.
    pub(crate) fn at(&self, i: usize) -> f32 {
        self.decide(splitmix64(self.seed, (i / 2) as u64), i % 2)
    }

    /// The element that half `half` (0 or 1) of the 64 random `bits` decides.
    fn decide(&self, bits: u64, half: usize) -> f32 {
        let draw = (bits >> (32 * half)) & 0xFFFF_FFFF;
        if draw < self.threshold {
            self.scale
        } else {
            0.0
        }
    }

    /// The first `len` elements of the mask, computed on all cores.
    pub(crate) fn values(&self, len: usize) -> Vec<f32> {
        self.blocks(len, None)
    }

    /// `x` times the mask, elementwise by index, computed on all cores.
    #[cfg(feature = "flex")]
    pub(crate) fn apply(&self, x: &[f32]) -> Vec<f32> {
        self.blocks(x.len(), Some(x))
    }

    /// The mask's first `len` elements, each times `x`'s where given, in
    /// parallel blocks.
    fn blocks(&self, len: usize, x: Option<&[f32]>) -> Vec<f32> {
        let mut out = vec![0.0f32; len];
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(block, out)| {
                let start = block * BLOCK;
                self.fill(start, out);
                if let Some(x) = x {
                    for (value, &x) in out.iter_mut().zip(&x[start..]) {
                        *value *= x;
                    }
                }
            });
        out
    }
}

/// Output `counter` of the SplitMix64 stream that starts at `seed`.
fn splitmix64(seed: u64, counter: u64) -> u64 {
    let mut z = seed.wrapping_add((counter + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::DropoutConfig;

    #[test]
    fn splitmix64_matches_the_reference_stream() {
        // The first outputs of SplitMix64 seeded with 0, as the reference
        // implementation (Vigna, splitmix64.c) prints them.
        assert_eq!(splitmix64(0, 0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(0, 1), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(splitmix64(0, 2), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn the_mask_keeps_its_share_at_the_scale_of_inverted_dropout() {
        let mask = DropMask::new(0.9, 7).values(1_000_001);
        let kept = mask.iter().filter(|&&v| v != 0.0).count();
        // 1e6 draws at p = 0.9: the standard deviation of the share is 3e-4.
        let share = kept as f64 / mask.len() as f64;
        assert!((share - 0.9).abs() < 2e-3, "kept share {share}");
        assert!(
            mask.iter()
                .all(|&v| v == 0.0 || (v - 1.0 / 0.9f32).abs() < 1e-6)
        );
        // The mask depends on the seed alone, and any element can be
        // recomputed from its index, from either parity.
        assert_eq!(mask, DropMask::new(0.9, 7).values(1_000_001));
        assert_ne!(mask, DropMask::new(0.9, 8).values(1_000_001));
        let stream = DropMask::new(0.9, 7);
        for i in [0, 1, 2, 777, 32_767, 32_768, 1_000_000] {
            assert_eq!(stream.at(i), mask[i]);
        }
        let mut part = vec![0.0; 11];
        stream.fill(99, &mut part);
        assert_eq!(part, mask[99..110]);
        // Neighbouring elements are not correlated: both halves of a draw
        // decide independently (with p = 0.5 about a quarter of the pairs
        // keep both).
        let mask = DropMask::new(0.5, 3).values(100_000);
        let both = mask
            .chunks(2)
            .filter(|pair| pair[0] != 0.0 && pair[1] != 0.0)
            .count();
        let both = both as f64 / 50_000.0;
        assert!((both - 0.25).abs() < 0.01, "pairs keeping both: {both}");
    }

    #[test]
    fn gradients_flow_through_the_kept_elements_only() {
        let device = Device::flex().autodiff();
        let layer = DropoutConfig::new(0.25).init();
        let x = Tensor::<2>::ones([64, 64], &device).require_grad();
        let y = apply_dropout(&layer, x.clone());
        let grads = y.clone().sum().backward();
        let grad = x.grad(&grads).unwrap().into_data();
        let y = y.into_data();
        let mut kept = 0;
        for (out, grad) in y.iter::<f32>().zip(grad.iter::<f32>()) {
            // d(x * m)/dx = m: the output of a one is its own gradient.
            assert!((out - grad).abs() < 1e-6);
            assert!(out == 0.0 || (out - 1.0 / 0.75).abs() < 1e-6);
            kept += usize::from(out != 0.0);
        }
        assert!(
            (2800..3350).contains(&kept),
            "{kept} of 4096 kept at p = 0.25"
        );
        // Outside autodiff it is the identity.
        let x = Tensor::<2>::ones([4, 4], &Device::flex());
        let y = apply_dropout(&layer, x.clone());
        assert_eq!(y.into_data(), x.into_data());
    }
}
