//! Metrics against hand-computed cases (arithmetic in the comments) and invariants.

use std::collections::HashSet;

use jobfit_train::{
    ClassificationReport, ConfusionMatrix, MetricsError, RankingMetrics, RetrievalEvaluator,
    accuracy, macro_f1, map_at_k, mrr_at_k, ndcg_at_k, precision_at_k, recall_at_k,
};
use proptest::prelude::*;

const EPS: f64 = 1e-12;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < EPS
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        assert!(close(a, b), "{} = {a}, expected {b}", stringify!($a));
    }};
}

// truth = [0,0,0,1,1,2], predicted = [0,0,1,1,2,2], three classes.
// Confusion (rows truth, columns predicted):
//   0: [2, 1, 0]
//   1: [0, 1, 1]
//   2: [0, 0, 1]
// accuracy = 4/6.
// class 0: tp 2, predicted 2, support 3 -> p 1, r 2/3, f1 = 2*(2/3)/(5/3) = 4/5
// class 1: tp 1, predicted 2, support 2 -> p 1/2, r 1/2, f1 1/2
// class 2: tp 1, predicted 2, support 1 -> p 1/2, r 1, f1 = 2*(1/2)/(3/2) = 2/3
// macro p = (1 + 1/2 + 1/2)/3 = 2/3; macro r = (2/3 + 1/2 + 1)/3 = 13/18;
// macro f1 = (4/5 + 1/2 + 2/3)/3 = (24 + 15 + 20)/90 = 59/90
// weighted p = (3*1 + 2*1/2 + 1*1/2)/6 = 4.5/6 = 3/4; weighted r = accuracy = 4/6;
// weighted f1 = (3*4/5 + 2*1/2 + 1*2/3)/6 = (12/5 + 1 + 2/3)/6 = (36 + 15 + 10)/90 = 61/90
const TRUTH: [usize; 6] = [0, 0, 0, 1, 1, 2];
const PRED: [usize; 6] = [0, 0, 1, 1, 2, 2];

#[test]
fn confusion_matrix_hand_computed() {
    let cm = ConfusionMatrix::from_ids(3, &TRUTH, &PRED).unwrap();
    assert_eq!(cm.rows(), vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
    assert_eq!(cm.total(), 6);
    assert_eq!(cm.correct(), 4);
    assert_close!(cm.accuracy().unwrap(), 4.0 / 6.0);
    assert_close!(accuracy(&TRUTH, &PRED).unwrap(), 4.0 / 6.0);

    let per = cm.per_class();
    assert_close!(per[0].precision, 1.0);
    assert_close!(per[0].recall, 2.0 / 3.0);
    assert_close!(per[0].f1, 0.8);
    assert_eq!(per[0].support, 3);
    assert_close!(per[1].precision, 0.5);
    assert_close!(per[1].recall, 0.5);
    assert_close!(per[1].f1, 0.5);
    assert_eq!(per[1].support, 2);
    assert_close!(per[2].precision, 0.5);
    assert_close!(per[2].recall, 1.0);
    assert_close!(per[2].f1, 2.0 / 3.0);
    assert_eq!(per[2].support, 1);

    let m = cm.macro_avg().unwrap();
    assert_close!(m.precision, 2.0 / 3.0);
    assert_close!(m.recall, 13.0 / 18.0);
    assert_close!(m.f1, 59.0 / 90.0);
    let w = cm.weighted_avg().unwrap();
    assert_close!(w.precision, 0.75);
    assert_close!(w.recall, 4.0 / 6.0);
    assert_close!(w.f1, 61.0 / 90.0);
    assert_close!(macro_f1(3, &TRUTH, &PRED).unwrap(), 59.0 / 90.0);
}

#[test]
fn inactive_classes_are_left_out_of_the_macro_average() {
    // Same data over five classes: classes 3 and 4 are neither true nor predicted, so the
    // macro average stays (4/5 + 1/2 + 2/3)/3 = 59/90 and the weighted one 61/90.
    let cm = ConfusionMatrix::from_ids(5, &TRUTH, &PRED).unwrap();
    assert!(!cm.is_active(3));
    assert_close!(cm.macro_f1().unwrap(), 59.0 / 90.0);
    assert_close!(cm.weighted_f1().unwrap(), 61.0 / 90.0);
}

#[test]
fn predicted_but_absent_class_counts_in_the_macro_average() {
    // truth [0, 0], predicted [0, 1]: class 0 p 1, r 1/2, f1 2/3; class 1 is predicted once but
    // never true: p 0, r 0 (no support), f1 0. macro f1 = (2/3 + 0)/2 = 1/3;
    // weighted f1 = (2 * 2/3 + 0 * 0)/2 = 2/3.
    let cm = ConfusionMatrix::from_ids(2, &[0, 0], &[0, 1]).unwrap();
    assert_close!(cm.macro_f1().unwrap(), 1.0 / 3.0);
    assert_close!(cm.weighted_f1().unwrap(), 2.0 / 3.0);
}

#[test]
fn report_from_labels_counts_unseen_labels_as_wrong() {
    // truth [a, b, x], predicted [a, a, b], trained on {a, b}; x is unseen.
    // labels a, b, x. a: tp 1, predicted 2, support 1 -> p 1/2, r 1, f1 2/3.
    // b: tp 0, predicted 1, support 1 -> 0, 0, 0. x: tp 0, never predicted, support 1 -> 0, 0, 0.
    // accuracy 1/3; macro f1 = (2/3)/3 = 2/9; weighted f1 = (1 * 2/3)/3 = 2/9.
    let report =
        ClassificationReport::from_labels(&["a", "b", "x"], &["a", "a", "b"], &["a", "b"]).unwrap();
    assert_eq!(report.n, 3);
    assert_close!(report.accuracy, 1.0 / 3.0);
    assert_close!(report.macro_f1, 2.0 / 9.0);
    assert_close!(report.weighted_f1, 2.0 / 9.0);
    assert_eq!(report.per_class.len(), 3);
    assert_close!(report.per_class["a"].f1, 2.0 / 3.0);
    assert_eq!(report.per_class["x"].support, 1);
    assert_close!(report.per_class["x"].recall, 0.0);
    assert_eq!(report.unseen_labels.get("x"), Some(&1));
    assert_eq!(report.unseen_count(), 1);
}

#[test]
fn report_json_has_the_documented_fields() {
    let report = ClassificationReport::from_labels(
        &["nurse", "chef"],
        &["nurse", "nurse"],
        &["chef", "nurse"],
    )
    .unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "accuracy",
            "macro_f1",
            "n",
            "per_class",
            "unseen_labels",
            "weighted_f1"
        ]
    );
    let nurse = json["per_class"]["nurse"].as_object().unwrap();
    let mut keys: Vec<&str> = nurse.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["f1", "precision", "recall", "support"]);
    // nurse: tp 1, predicted 2, support 1 -> p 0.5, r 1.
    assert_eq!(json["per_class"]["nurse"]["precision"], 0.5);
    assert_eq!(json["per_class"]["nurse"]["support"], 1);
    let back: ClassificationReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn classification_errors_are_typed() {
    assert_eq!(
        accuracy::<usize>(&[], &[]),
        Err(MetricsError::Empty { what: "accuracy" })
    );
    assert_eq!(
        accuracy(&[1, 2], &[1]),
        Err(MetricsError::LengthMismatch {
            truth: 2,
            predicted: 1
        })
    );
    assert_eq!(
        ConfusionMatrix::from_ids(2, &[0, 2], &[0, 1]),
        Err(MetricsError::ClassOutOfRange {
            class: 2,
            n_classes: 2
        })
    );
    let empty = ConfusionMatrix::new(3);
    assert!(matches!(empty.accuracy(), Err(MetricsError::Empty { .. })));
    assert!(matches!(empty.macro_f1(), Err(MetricsError::Empty { .. })));
    assert!(matches!(
        ClassificationReport::from_labels(&[] as &[&str], &[] as &[&str], &["a"]),
        Err(MetricsError::Empty { .. })
    ));
    assert!(matches!(
        ClassificationReport::from_confusion(
            &ConfusionMatrix::from_ids(2, &[0], &[1]).unwrap(),
            &["a"]
        ),
        Err(MetricsError::LengthMismatch { .. })
    ));
}

fn set(ids: &[&'static str]) -> HashSet<&'static str> {
    ids.iter().copied().collect()
}

#[test]
fn ranking_hand_computed() {
    // ranked a b c d e; relevant {b, d, f} (f never retrieved): hits at ranks 2 and 4.
    let ranked = ["a", "b", "c", "d", "e"];
    let rel = set(&["b", "d", "f"]);
    let l = |r: f64| 1.0 / (r + 1.0).log2();
    // IDCG for min(3, K) = 3 ideal hits: 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.6309... + 0.5.
    let idcg3 = l(1.0) + l(2.0) + l(3.0);
    assert_close!(idcg3, 2.130_929_753_571_457_8);

    // K = 1: no hit in the top 1: everything 0.
    let m = RankingMetrics::compute(&ranked, &rel, 1).unwrap();
    assert_eq!(
        (m.recall, m.precision, m.mrr, m.ndcg, m.map),
        (0.0, 0.0, 0.0, 0.0, 0.0)
    );

    // K = 3: hit at rank 2. recall 1/3, precision 1/3, MRR 1/2,
    // NDCG = (1/log2 3) / idcg3 = 0.6309.../2.1309... = 0.29608..., MAP = (1/2) / min(3, 3) = 1/6.
    let m = RankingMetrics::compute(&ranked, &rel, 3).unwrap();
    assert_close!(m.recall, 1.0 / 3.0);
    assert_close!(m.precision, 1.0 / 3.0);
    assert_close!(m.mrr, 0.5);
    assert_close!(m.ndcg, 0.296_081_910_965_865_2);
    assert_close!(m.map, 1.0 / 6.0);

    // K = 5: hits at 2 and 4. recall 2/3, precision 2/5, MRR 1/2,
    // NDCG = (1/log2 3 + 1/log2 5) / idcg3 = 0.49818..., MAP = (1/2 + 2/4) / 3 = 1/3.
    assert_close!(recall_at_k(&ranked, &rel, 5).unwrap(), 2.0 / 3.0);
    assert_close!(precision_at_k(&ranked, &rel, 5).unwrap(), 0.4);
    assert_close!(mrr_at_k(&ranked, &rel, 5).unwrap(), 0.5);
    assert_close!(
        ndcg_at_k(&ranked, &rel, 5).unwrap(),
        0.498_189_257_466_412_85
    );
    assert_close!(map_at_k(&ranked, &rel, 5).unwrap(), 1.0 / 3.0);

    // K = 10 beyond the list: the same hits; precision divides by K: 2/10.
    assert_close!(precision_at_k(&ranked, &rel, 10).unwrap(), 0.2);
    assert_close!(
        ndcg_at_k(&ranked, &rel, 10).unwrap(),
        0.498_189_257_466_412_85
    );
    assert_close!(map_at_k(&ranked, &rel, 10).unwrap(), 1.0 / 3.0);
}

#[test]
fn ideal_dcg_uses_min_of_relevant_and_k() {
    // relevant {a, b, c}, ranked a x b, K = 2: one hit at rank 1.
    // IDCG with min(3, 2) = 2 ideal hits = 1 + 1/log2 3; NDCG = 1 / (1 + 0.6309...) = 0.61314...
    // MAP = (1/1) / min(3, 2) = 1/2.
    let rel = set(&["a", "b", "c"]);
    let m = RankingMetrics::compute(&["a", "x", "b"], &rel, 2).unwrap();
    assert_close!(m.ndcg, 1.0 / (1.0 + 1.0 / 3f64.log2()));
    assert_close!(m.map, 0.5);
}

#[test]
fn duplicate_ids_count_once() {
    // ranked a a b, relevant {a}, K = 3: one hit at rank 1 -> precision 1/3, others 1.
    let m = RankingMetrics::compute(&["a", "a", "b"], &set(&["a"]), 3).unwrap();
    assert_close!(m.precision, 1.0 / 3.0);
    assert_close!(m.recall, 1.0);
    assert_close!(m.ndcg, 1.0);
    assert_close!(m.map, 1.0);
}

#[test]
fn ranking_errors_are_typed() {
    assert_eq!(
        recall_at_k(&["a"], &set(&["a"]), 0),
        Err(MetricsError::InvalidK { k: 0 })
    );
    assert_eq!(
        ndcg_at_k(&["a"], &HashSet::new(), 3),
        Err(MetricsError::NoRelevant)
    );
    // An empty ranking is valid: nothing retrieved, all zeros.
    assert_eq!(recall_at_k::<&str>(&[], &set(&["a"]), 3), Ok(0.0));
    assert!(matches!(
        RetrievalEvaluator::new(&[1, 0], 10),
        Err(MetricsError::InvalidK { k: 0 })
    ));
    assert!(matches!(
        RetrievalEvaluator::new(&[], 10),
        Err(MetricsError::Empty { .. })
    ));
}

#[test]
fn evaluator_averages_and_skips_queries_without_relevant_ids() {
    // q1: ranked a b c, relevant {a}: recall@1 1, mrr@10 1, ndcg@10 1.
    // q2: ranked a b c, relevant {c}: recall@1 0, mrr@10 1/3, ndcg@10 1/log2(4) = 1/2.
    // q3: no relevant id: skipped.
    let mut eval = RetrievalEvaluator::new(&[10, 1, 10], 3).unwrap();
    assert_eq!(eval.ks(), &[1, 10]);
    assert!(eval.add(&["a", "b", "c"], &set(&["a"])));
    assert!(eval.add(&["a", "b", "c"], &set(&["c"])));
    assert!(!eval.add(&["a", "b", "c"], &HashSet::new()));
    let report = eval.finish().unwrap();
    assert_eq!((report.queries, report.skipped, report.docs), (2, 1, 3));
    assert_close!(report.metrics["recall@1"], 0.5);
    assert_close!(report.metrics["mrr@10"], (1.0 + 1.0 / 3.0) / 2.0);
    assert_close!(report.metrics["ndcg@10"], 0.75);
    assert_close!(report.get("precision", 10).unwrap(), (0.1 + 0.1) / 2.0);
    // q1 has its relevant id first, q2 third: both are hits at 10, only q1 at 1.
    assert_close!(report.get("hit", 10).unwrap(), 1.0);
    assert_close!(report.get("hit", 1).unwrap(), 0.5);
    assert_eq!(report.metrics.len(), 12);
    assert_eq!(report.get("ndcg", 5), None);

    let mut none = RetrievalEvaluator::with_default_ks(3);
    none.add(&["a"], &HashSet::new());
    assert_eq!(none.finish(), Err(MetricsError::NoQueries { skipped: 1 }));
}

fn ranking_strategy() -> impl Strategy<Value = (Vec<u8>, HashSet<u8>)> {
    (
        prop::collection::vec(0u8..30, 0..25),
        prop::collection::hash_set(0u8..30, 1..10),
    )
}

proptest! {
    #[test]
    fn ranking_metrics_lie_in_unit_interval((ranked, rel) in ranking_strategy(), k in 1usize..40) {
        let m = RankingMetrics::compute(&ranked, &rel, k).unwrap();
        for v in [m.recall, m.precision, m.mrr, m.ndcg, m.map] {
            prop_assert!((0.0..=1.0 + EPS).contains(&v), "{v} out of [0, 1] in {m:?}");
        }
    }

    #[test]
    fn recall_is_monotone_in_k((ranked, rel) in ranking_strategy(), k in 1usize..40) {
        let a = recall_at_k(&ranked, &rel, k).unwrap();
        let b = recall_at_k(&ranked, &rel, k + 1).unwrap();
        prop_assert!(a <= b);
    }

    #[test]
    fn perfect_ranking_scores_one(
        rel in prop::collection::hash_set(0u8..30, 1..10),
        others in prop::collection::vec(30u8..60, 0..10),
        k in 1usize..25,
    ) {
        let mut ranked: Vec<u8> = rel.iter().copied().collect();
        ranked.extend(others);
        let m = RankingMetrics::compute(&ranked, &rel, k).unwrap();
        // MRR, NDCG and MAP (normalized by min(|relevant|, K)) are 1 at any K.
        prop_assert!(close(m.mrr, 1.0) && close(m.ndcg, 1.0) && close(m.map, 1.0), "{m:?}");
        // Recall reaches 1 once K covers the relevant ids; precision is 1 while K does not exceed them.
        if k >= rel.len() {
            prop_assert!(close(m.recall, 1.0));
        }
        if k <= rel.len() {
            prop_assert!(close(m.precision, 1.0));
        }
    }

    #[test]
    fn perfect_predictions_score_one(truth in prop::collection::vec(0usize..6, 1..50)) {
        let cm = ConfusionMatrix::from_ids(6, &truth, &truth).unwrap();
        prop_assert!(close(cm.accuracy().unwrap(), 1.0));
        prop_assert!(close(cm.macro_f1().unwrap(), 1.0));
        prop_assert!(close(cm.weighted_f1().unwrap(), 1.0));
    }

    #[test]
    fn classification_metrics_are_consistent(
        pairs in prop::collection::vec((0usize..5, 0usize..5), 1..60),
    ) {
        let (truth, pred): (Vec<usize>, Vec<usize>) = pairs.into_iter().unzip();
        let cm = ConfusionMatrix::from_ids(5, &truth, &pred).unwrap();
        prop_assert_eq!(cm.total() as usize, truth.len());
        let acc = cm.accuracy().unwrap();
        // Support-weighted recall is the accuracy: Σ (s_c/n)(tp_c/s_c) = Σ tp_c / n.
        prop_assert!(close(cm.weighted_avg().unwrap().recall, acc));
        for m in cm.per_class() {
            for v in [m.precision, m.recall, m.f1] {
                prop_assert!((0.0..=1.0).contains(&v));
            }
        }
        let f1 = cm.macro_f1().unwrap();
        prop_assert!((0.0..=1.0 + EPS).contains(&f1));
        let names = ["a", "b", "c", "d", "e"];
        let t: Vec<&str> = truth.iter().map(|&i| names[i]).collect();
        let p: Vec<&str> = pred.iter().map(|&i| names[i]).collect();
        let report = ClassificationReport::from_labels(&t, &p, &names).unwrap();
        prop_assert!(close(report.accuracy, acc));
        prop_assert!(close(report.macro_f1, f1));
        prop_assert!(report.unseen_labels.is_empty());
    }
}
