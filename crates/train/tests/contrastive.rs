//! Contrastive training on a tiny model: zero-shot baseline, best/last as embedding-model
//! directories, no duplicate positives per batch.

use burn::prelude::*;
use jobfit_model::TextEmbedder;
use jobfit_train::{
    EventKind, MATCH_METRIC, MatchOptions, Pair, PairDataset, RetrievalTask, TrainConfig,
    TrainError, read_metrics_log, train_matcher,
};

use crate::tiny;

const OCCUPATIONS: [&str; 3] = [
    "rust engineer java python sql cloud aws data",
    "registered nurse patient care hospital",
    "team lead senior job skills",
];

fn pairs(seed: u64, per_occupation: usize) -> PairDataset {
    let words: [&[&str]; 3] = [
        &[
            "rust", "engineer", "java", "python", "sql", "cloud", "aws", "data",
        ],
        &["registered", "nurse", "patient", "care", "hospital"],
        &["team", "lead", "senior", "job", "skills"],
    ];
    let mut rng = jobfit_train::SeededRng::new(seed);
    let mut out = Vec::new();
    for _ in 0..per_occupation {
        for (occupation, vocabulary) in OCCUPATIONS.iter().zip(words) {
            let a = vocabulary[rng.below(vocabulary.len())];
            let b = vocabulary[rng.below(vocabulary.len())];
            out.push(Pair::new(format!("{a} {b}"), *occupation));
        }
    }
    PairDataset::new(out)
}

fn config() -> TrainConfig {
    TrainConfig::contrastive()
        .with_learning_rate(1e-2)
        .with_epochs(2)
        .with_batch_size(3)
        .with_max_length(16)
        .build()
        .unwrap()
}

#[test]
fn contrastive_training_saves_an_embedding_model_and_beats_nothing_worse_than_zero_shot() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let out = temp.path().join("match");
    let catalog: Vec<String> = OCCUPATIONS.iter().map(|s| s.to_string()).collect();
    let valid = RetrievalTask::from_pairs(&pairs(9, 2), &catalog);
    let outcome = train_matcher(
        &model,
        &pairs(1, 6),
        &valid,
        MatchOptions::new(&out)
            // Train at 12 tokens; the model's own window is 16.
            .with_config(TrainConfig {
                max_length: 12,
                ..config()
            })
            .with_progress(false),
        &Device::flex(),
    )
    .unwrap();

    // The zero-shot evaluation comes first, then one per epoch.
    assert_eq!(outcome.history.len(), 3);
    assert_eq!(outcome.history[0].step, 0);
    assert_eq!(outcome.history[0].metric_name, MATCH_METRIC);
    let baseline = outcome.baseline.clone().unwrap();
    let best = outcome.best.clone().unwrap();
    assert!(best.get("mrr", 10).unwrap() >= baseline.get("mrr", 10).unwrap());
    assert_eq!(best.docs, 3);
    // 18 pairs in batches of at most 3 with distinct positives: 6 or more steps per epoch.
    assert!(outcome.steps >= 12, "{}", outcome.steps);

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

    // best/ and last/ are embedding-model directories.
    for dir in ["best", "last"] {
        let embedder = TextEmbedder::from_dir(out.join(dir), &Device::flex()).unwrap();
        let v = embedder.embed_one("senior rust engineer").unwrap();
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
    }
    // The saved model reads with the pretrained window, not the training length.
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("best/sentence_bert_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["max_seq_length"], 16);
    assert!(out.join("best/retrieval_report.json").is_file());
    assert!(out.join("last/optimizer.bpk").is_file());
}

#[test]
fn contrastive_bad_input_is_refused() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let catalog: Vec<String> = OCCUPATIONS.iter().map(|s| s.to_string()).collect();
    let valid = RetrievalTask::from_pairs(&pairs(9, 1), &catalog);
    let attempt = |train: &PairDataset, valid: &RetrievalTask, config: TrainConfig| {
        train_matcher(
            &model,
            train,
            valid,
            MatchOptions::new(temp.path().join("never"))
                .with_config(config)
                .with_progress(false),
            &Device::flex(),
        )
        .unwrap_err()
    };
    let empty = attempt(&PairDataset::default(), &valid, config());
    assert!(matches!(empty, TrainError::EmptyDataset), "{empty}");
    let one = attempt(&pairs(1, 2), &valid, config().with_batch_size(1));
    assert!(matches!(one, TrainError::InvalidConfig { .. }), "{one}");
    let no_queries = attempt(&pairs(1, 2), &RetrievalTask::default(), config());
    assert!(
        matches!(no_queries, TrainError::InvalidConfig { .. }),
        "{no_queries}"
    );
    let bad_lr = attempt(&pairs(1, 2), &valid, config().with_learning_rate(-1.0));
    assert!(
        matches!(bad_lr, TrainError::InvalidConfig { .. }),
        "{bad_lr}"
    );
    assert!(!temp.path().join("never").exists());
}
