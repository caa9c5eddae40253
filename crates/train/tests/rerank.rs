//! Cross-encoder training on a tiny model: it learns to put each query's occupation first,
//! saves a pair-scoring checkpoint that scores as it did in training, and refuses bad input.

use burn::prelude::*;
use jobfit_model::{PairScoringHead, load_checkpoint};
use jobfit_train::{
    EventKind, RERANK_METRIC, RerankDataset, RerankGroup, RerankOptions, TrainConfig, TrainError,
    evaluate_reranker, read_metrics_log, train_reranker,
};

use crate::tiny;

const OCCUPATIONS: [(&str, &[&str]); 3] = [
    (
        "rust engineer java python sql cloud aws data",
        &[
            "rust", "engineer", "java", "python", "sql", "cloud", "aws", "data",
        ],
    ),
    (
        "registered nurse patient care hospital",
        &["registered", "nurse", "patient", "care", "hospital"],
    ),
    (
        "team lead senior job skills",
        &["team", "lead", "senior", "job", "skills"],
    ),
];

/// Two-word queries from one occupation's words; the other two occupations are the negatives.
fn groups(seed: u64, per_occupation: usize) -> RerankDataset {
    let mut rng = jobfit_train::SeededRng::new(seed);
    let mut out = Vec::new();
    for _ in 0..per_occupation {
        for (index, (occupation, words)) in OCCUPATIONS.iter().enumerate() {
            let a = words[rng.below(words.len())];
            let b = words[rng.below(words.len())];
            out.push(RerankGroup {
                query: format!("{a} {b}"),
                positive: occupation.to_string(),
                negatives: OCCUPATIONS
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != index)
                    .map(|(_, (text, _))| text.to_string())
                    .collect(),
            });
        }
    }
    RerankDataset::new(out).unwrap()
}

fn config() -> TrainConfig {
    TrainConfig::rerank()
        .with_learning_rate(1e-2)
        .with_head_learning_rate(Some(3e-2))
        // The tiny model learns the pairs in a few epochs without dropout.
        .with_dropout(0.0)
        .with_epochs(6)
        .with_batch_size(4)
        .with_max_length(16)
        .build()
        .unwrap()
}

#[test]
fn a_reranker_learns_to_rank_the_positive_first_and_saves_a_pair_checkpoint() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let out = temp.path().join("rerank");
    let valid = groups(9, 4);
    let outcome = train_reranker(
        &model,
        &groups(1, 32),
        &valid,
        RerankOptions::new(&out)
            .with_config(config())
            .with_negatives(2)
            .with_progress(false),
        &Device::flex(),
    )
    .unwrap();

    // One evaluation per epoch; 96 groups in batches of 4.
    assert_eq!(outcome.history.len(), 6);
    assert_eq!(outcome.history[0].metric_name, RERANK_METRIC);
    assert_eq!(outcome.steps, 144);
    // Chance is (1 + 1/2 + 1/3) / 3 = 0.61 MRR and 1/3 first; the words give the answer away.
    let best = outcome.best.clone().unwrap();
    assert_eq!(best.groups, 12);
    assert!(best.mrr > 0.9, "{best:?}");
    assert!(best.recall_at_1 > 0.8, "{best:?}");

    // The loss goes down.
    let steps: Vec<f64> = read_metrics_log(out.join("metrics.jsonl"))
        .unwrap()
        .iter()
        .filter(|e| e.event == EventKind::Step)
        .filter_map(|e| e.loss)
        .collect();
    let half = steps.len() / 2;
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    assert!(mean(&steps[half..]) < mean(&steps[..half]), "{steps:?}");

    // best/ is a pair-scoring checkpoint that reads at the training length and ranks as it did.
    let checkpoint =
        load_checkpoint::<PairScoringHead>(&out.join("best"), &Device::flex()).unwrap();
    assert_eq!(checkpoint.tokenizer.max_length(), 16);
    let again = evaluate_reranker(
        &checkpoint.model,
        &checkpoint.tokenizer,
        &valid,
        &Device::flex(),
    )
    .unwrap();
    assert!((again.mrr - best.mrr).abs() < 1e-9, "{again:?} vs {best:?}");
    assert!(out.join("best/rerank_report.json").is_file());
    assert!(out.join("last/optimizer.bpk").is_file());
    assert!(out.join("curves.svg").is_file());
}

#[test]
fn reranker_bad_input_is_refused() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let attempt = |train: &RerankDataset, valid: &RerankDataset, negatives: usize, config| {
        train_reranker(
            &model,
            train,
            valid,
            RerankOptions::new(temp.path().join("never"))
                .with_config(config)
                .with_negatives(negatives)
                .with_progress(false),
            &Device::flex(),
        )
        .unwrap_err()
    };
    let empty = attempt(&RerankDataset::default(), &groups(2, 1), 2, config());
    assert!(matches!(empty, TrainError::EmptyDataset), "{empty}");
    let no_valid = attempt(&groups(1, 2), &RerankDataset::default(), 2, config());
    assert!(
        matches!(no_valid, TrainError::InvalidConfig { .. }),
        "{no_valid}"
    );
    let no_negatives = attempt(&groups(1, 2), &groups(2, 1), 0, config());
    assert!(
        no_negatives.to_string().contains("at least 1"),
        "{no_negatives}"
    );
    let bad_lr = attempt(
        &groups(1, 2),
        &groups(2, 1),
        2,
        config().with_learning_rate(f64::NAN),
    );
    assert!(
        matches!(bad_lr, TrainError::InvalidConfig { .. }),
        "{bad_lr}"
    );
    assert!(!temp.path().join("never").exists());
}
