//! Exact vector search against a brute-force reference.

use jobfit_match::{ExactIndex, MatchError, VectorIndex};
use ndarray::Array2;
use proptest::prelude::*;

/// The inner product in f64, a plain loop: the reference.
fn reference_dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// Checks `hits` against a brute-force scan: sorted best first, the right
/// length, each score right, and nothing left out that scores higher.
fn check_hits(
    rows: &Array2<f32>,
    query: &[f32],
    k: usize,
    keep: impl Fn(usize) -> bool,
    hits: &[(usize, f32)],
) {
    let kept: Vec<usize> = (0..rows.nrows()).filter(|&i| keep(i)).collect();
    assert_eq!(hits.len(), k.min(kept.len()));
    for pair in hits.windows(2) {
        assert!(pair[0].1 >= pair[1].1, "not sorted: {pair:?}");
    }
    let scores: Vec<f64> = (0..rows.nrows())
        .map(|i| reference_dot(rows.row(i).as_slice().unwrap(), query))
        .collect();
    for &(position, score) in hits {
        assert!(
            keep(position),
            "position {position} should have been filtered out"
        );
        assert!((f64::from(score) - scores[position]).abs() < 1e-4);
    }
    let lowest = hits.last().map_or(f64::INFINITY, |hit| f64::from(hit.1));
    for &i in &kept {
        if !hits.iter().any(|hit| hit.0 == i) {
            assert!(
                scores[i] <= lowest + 1e-4,
                "row {i} ({}) beats the last hit ({lowest})",
                scores[i]
            );
        }
    }
}

fn random_rows(rows: usize, dim: usize, seed: u64) -> Array2<f32> {
    // A small linear congruential generator: deterministic and dependency-free.
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    Array2::from_shape_fn((rows, dim), |_| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn exact_search_matches_brute_force(
        rows in 1usize..200,
        dim in 1usize..40,
        k in 0usize..30,
        seed in any::<u64>(),
        modulus in 1usize..4,
    ) {
        let data = random_rows(rows, dim, seed);
        let query = random_rows(1, dim, seed ^ 0xdead_beef).row(0).to_vec();
        let mut index = ExactIndex::new(dim).unwrap();
        index.add(data.view()).unwrap();
        let hits = index.search(&query, k, None).unwrap();
        check_hits(&data, &query, k, |_| true, &hits);
        let keep = move |i: usize| i.is_multiple_of(modulus);
        let hits = index.search(&query, k, Some(&keep)).unwrap();
        check_hits(&data, &query, k, keep, &hits);
    }
}

#[test]
fn large_catalogs_are_searched_in_parallel_blocks_exactly() {
    // Above the parallel threshold (16,384 rows), with a ragged last block.
    let data = random_rows(40_000 + 123, 24, 7);
    let query = random_rows(1, 24, 8).row(0).to_vec();
    let index = ExactIndex::from_flat(24, data.iter().copied().collect()).unwrap();
    for k in [1, 10, 500] {
        let hits = index.search(&query, k, None).unwrap();
        check_hits(&data, &query, k, |_| true, &hits);
    }
    let keep = |i: usize| i % 1000 == 3;
    let hits = index.search(&query, 100, Some(&keep)).unwrap();
    check_hits(&data, &query, 100, keep, &hits);
}

#[test]
fn k_above_the_size_returns_everything_and_zero_returns_nothing() {
    let data = random_rows(5, 3, 1);
    let mut index = ExactIndex::new(3).unwrap();
    index.add(data.view()).unwrap();
    assert_eq!(index.search(&[1.0, 0.0, 0.0], 50, None).unwrap().len(), 5);
    assert!(index.search(&[1.0, 0.0, 0.0], 0, None).unwrap().is_empty());
}

#[test]
fn bad_vectors_are_refused() {
    let mut index = ExactIndex::new(3).unwrap();
    assert!(matches!(
        ExactIndex::new(0),
        Err(MatchError::InvalidVector { .. })
    ));
    assert!(matches!(
        index.add(Array2::zeros((2, 4)).view()),
        Err(MatchError::InvalidVector { .. })
    ));
    let mut with_nan = Array2::zeros((2, 3));
    with_nan[[1, 2]] = f32::NAN;
    assert!(matches!(
        index.add(with_nan.view()),
        Err(MatchError::InvalidVector { .. })
    ));
    assert_eq!(index.len(), 0, "a refused batch adds nothing");
    index.add(Array2::ones((1, 3)).view()).unwrap();
    assert!(matches!(
        index.search(&[1.0, 2.0], 1, None),
        Err(MatchError::InvalidVector { .. })
    ));
    assert!(matches!(
        index.search(&[1.0, f32::INFINITY, 0.0], 1, None),
        Err(MatchError::InvalidVector { .. })
    ));
    assert!(matches!(
        ExactIndex::from_flat(3, vec![1.0; 7]),
        Err(MatchError::InvalidVector { .. })
    ));
}
