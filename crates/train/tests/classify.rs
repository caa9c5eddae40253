//! The classification loop end to end on a tiny model: run directory contents, learning,
//! reproducibility, resumption, non-finite losses, bad input, interrupted checkpoint writes.

use std::ops::ControlFlow;
use std::path::Path;

use burn::prelude::*;
use jobfit_model::{ClassificationHead, load_checkpoint};
use jobfit_text::ReadOptions;
use jobfit_train::{
    ClassificationReport, Classifier, ClassifyOptions, ClassifyOutcome, ClassifyTrainer, EventKind,
    ExistingRun, LongText, TextColumns, TextDataset, TrainConfig, TrainError, TrainEvent,
    VALID_FILE, read_metrics_log, train_classifier,
};

use crate::tiny;

fn device() -> Device {
    Device::flex()
}

fn run(model: &Path, out: &Path, config: TrainConfig) -> Result<ClassifyOutcome, TrainError> {
    train_classifier(
        model,
        &tiny::dataset(8, 1),
        &tiny::dataset(3, 2),
        ClassifyOptions::new(out)
            .with_config(config)
            .with_progress(false),
        &device(),
    )
}

/// Every weight of a checkpoint's classifier and one encoder matrix, flattened.
fn weights(dir: &Path) -> Vec<f32> {
    let checkpoint = load_checkpoint::<ClassificationHead>(dir, &device()).unwrap();
    let head = checkpoint.model.head.classifier().weight.val();
    head.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn a_run_learns_and_writes_best_last_log_and_curves() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let out = temp.path().join("run");
    let config = tiny::config().with_epochs(6);
    let outcome = run(&model, &out, config.clone()).unwrap();

    for file in [
        "run.json",
        "metrics.jsonl",
        "curves.svg",
        "best/jobfit.json",
        "best/model.safetensors",
        "best/head.safetensors",
        "best/train_config.json",
        "best/valid_report.json",
        "last/jobfit.json",
        "last/train_config.json",
        "last/trainer_state.json",
        "last/optimizer.bpk",
    ] {
        assert!(out.join(file).is_file(), "{file} is missing");
    }
    assert_eq!(outcome.history.len(), 6, "one evaluation per epoch");
    // 24 texts in batches of 4: 6 steps per epoch.
    assert_eq!(outcome.steps, 36);
    let best = outcome.best.clone().unwrap();
    assert!(
        best.metric > 0.9,
        "the tiny task is easy: {:?}",
        outcome.history
    );

    // The saved configuration is the run's.
    let saved = TrainConfig::load(&out.join("best/train_config.json")).unwrap();
    assert_eq!(saved, config);

    // The log has a line per step and one per epoch.
    let events = read_metrics_log(out.join("metrics.jsonl")).unwrap();
    assert_eq!(
        events.iter().filter(|e| e.event == EventKind::Step).count(),
        36
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event == EventKind::Epoch)
            .count(),
        6
    );
    let svg = std::fs::read_to_string(out.join("curves.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));

    // The run wrote its validation set, and the best checkpoint predicts it as well as its
    // evaluation says.
    let valid = tiny::dataset(3, 2);
    let written = TextDataset::read(
        out.join(VALID_FILE),
        &TextColumns::default(),
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(written, valid);
    let classifier = Classifier::load(&out, &device()).unwrap();
    let predicted = classifier.predict(&valid.texts()).unwrap();
    let report =
        ClassificationReport::from_labels(&valid.labels(), &predicted, classifier.labels().names())
            .unwrap();
    assert!(
        (report.macro_f1 - best.metric).abs() < 1e-9,
        "{report:?} vs {best:?}"
    );
    let probabilities = classifier.probabilities(&["nurse patient care"]).unwrap();
    assert!((probabilities.sum() - 1.0).abs() < 1e-5);

    // Another long-text strategy at prediction time: short texts are one chunk, so chunk
    // pooling scores them as the trained head strategy does; a head-tail split that
    // leaves no tail is refused.
    let short = ["nurse patient care", "rust engineer", "team lead"];
    assert_eq!(classifier.long_text(), LongText::Head);
    let head_logits = classifier.logits(&short).unwrap();
    let classifier = classifier.with_long_text(LongText::ChunkPool).unwrap();
    assert_eq!(classifier.long_text(), LongText::ChunkPool);
    let chunk_logits = classifier.logits(&short).unwrap();
    for (a, b) in head_logits.iter().zip(&chunk_logits) {
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
    let error = classifier
        .with_long_text(LongText::HeadTail { head: 100_000 })
        .unwrap_err();
    assert!(matches!(error, TrainError::InvalidConfig { .. }), "{error}");
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let config = tiny::config().with_epochs(2);
    let a = run(&model, &temp.path().join("a"), config.clone()).unwrap();
    let b = run(&model, &temp.path().join("b"), config.clone()).unwrap();
    assert_eq!(a.history, b.history);
    assert_eq!(
        weights(&temp.path().join("a/last")),
        weights(&temp.path().join("b/last"))
    );
    let c = run(&model, &temp.path().join("c"), config.with_seed(43)).unwrap();
    assert_ne!(
        a.history, c.history,
        "another seed shuffles and drops out differently"
    );
}

#[test]
fn an_interrupted_run_resumes_where_it_stopped() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let config = tiny::config().with_epochs(2);
    let full = run(&model, &temp.path().join("full"), config.clone()).unwrap();

    // Stop after step 8 (in the second epoch), then resume.
    let out = temp.path().join("resumed");
    let options = || {
        ClassifyOptions::new(&out)
            .with_config(config.clone())
            .with_progress(false)
    };
    let first = ClassifyTrainer::new(options())
        .with_callback(|event| match event {
            TrainEvent::Step(step) if step.step == 8 => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        })
        .train(
            &model,
            &tiny::dataset(8, 1),
            &tiny::dataset(3, 2),
            &device(),
        )
        .unwrap();
    assert!(first.interrupted);
    assert_eq!(first.steps, 8);

    // Resuming is explicit: the directory holds a run.
    let refused = run(&model, &out, config.clone()).unwrap_err();
    assert!(
        matches!(refused, TrainError::OutputExists { .. }),
        "{refused}"
    );

    let second = ClassifyTrainer::new(options().with_existing(ExistingRun::Resume))
        .train(
            &model,
            &tiny::dataset(8, 1),
            &tiny::dataset(3, 2),
            &device(),
        )
        .unwrap();
    assert!(!second.interrupted);
    assert_eq!(second.steps, full.steps);
    assert_eq!(second.history.len(), full.history.len());
    for (a, b) in full.history.iter().zip(&second.history) {
        assert_eq!(a.step, b.step);
        assert!((a.metric - b.metric).abs() < 1e-9, "{a:?} vs {b:?}");
        assert!((a.train_loss - b.train_loss).abs() < 1e-4, "{a:?} vs {b:?}");
    }
    let (a, b) = (
        weights(&temp.path().join("full/last")),
        weights(&out.join("last")),
    );
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-4, "{x} vs {y}");
    }
}

#[test]
fn a_diverging_run_stops_at_the_bad_step_and_keeps_its_checkpoint() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let out = temp.path().join("run");
    // A huge (but finite, hence valid) learning rate blows the weights up within a few steps;
    // evaluating after every step leaves a checkpoint from before the failure.
    let config = tiny::config()
        .with_learning_rate(1e30)
        .with_max_grad_norm(0.0)
        .with_warmup_ratio(0.2)
        .with_eval_every_steps(Some(1));
    let error = run(&model, &out, config).unwrap_err();
    let TrainError::NonFinite { step, loss } = error else {
        panic!("expected a non-finite loss, got {error}");
    };
    assert!(step >= 2, "step {step}");
    assert!(!loss.is_finite());
    let message = error_message(step, loss);
    assert!(message.contains(&format!("step {step}")), "{message}");
    // The last checkpoint written before the failure loads.
    load_checkpoint::<ClassificationHead>(&out.join("last"), &device()).unwrap();
    load_checkpoint::<ClassificationHead>(&out.join("best"), &device()).unwrap();
}

fn error_message(step: usize, loss: f64) -> String {
    TrainError::NonFinite { step, loss }.to_string()
}

#[test]
fn bad_input_is_refused_with_a_typed_error() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let valid = tiny::dataset(2, 2);
    let attempt = |train: &TextDataset, config: TrainConfig, name: &str| {
        train_classifier(
            &model,
            train,
            &valid,
            ClassifyOptions::new(temp.path().join(name))
                .with_config(config)
                .with_progress(false),
            &device(),
        )
        .unwrap_err()
    };
    let empty = attempt(&TextDataset::default(), tiny::config(), "empty");
    assert!(matches!(empty, TrainError::EmptyDataset), "{empty}");
    let one_class = TextDataset::from_pairs([("rust engineer", "eng"), ("java sql", "eng")]);
    let single = attempt(&one_class, tiny::config(), "single");
    assert!(matches!(single, TrainError::SingleClass { .. }), "{single}");
    assert!(single.to_string().contains("eng"));
    let train = tiny::dataset(2, 1);
    for config in [
        tiny::config().with_learning_rate(0.0),
        tiny::config().with_learning_rate(f64::NAN),
        tiny::config().with_batch_size(0),
        tiny::config().with_warmup_ratio(f64::INFINITY),
    ] {
        let error = attempt(&train, config, "bad-config");
        assert!(matches!(error, TrainError::InvalidConfig { .. }), "{error}");
    }
    // Nothing was written for refused runs.
    assert!(!temp.path().join("bad-config").exists());

    // A model directory that is not one: a model error, and no run directory.
    let error = train_classifier(
        &temp.path().join("no-such-model"),
        &train,
        &valid,
        ClassifyOptions::new(temp.path().join("no-model-run")).with_progress(false),
        &device(),
    )
    .unwrap_err();
    assert!(matches!(error, TrainError::Model(_)), "{error}");
    assert!(!temp.path().join("no-model-run").exists());

    // A directory that is not a run is never touched.
    let foreign = temp.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let error = attempt(&train, tiny::config(), "foreign");
    assert!(matches!(error, TrainError::InvalidConfig { .. }), "{error}");
    assert!(foreign.join("notes.txt").is_file());
}

#[test]
fn an_existing_run_needs_overwrite_and_unseen_validation_labels_count_as_wrong() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let out = temp.path().join("run");
    let config = tiny::config().with_epochs(1);
    run(&model, &out, config.clone()).unwrap();
    let error = run(&model, &out, config.clone()).unwrap_err();
    assert!(matches!(error, TrainError::OutputExists { .. }), "{error}");
    assert!(error.to_string().contains("--overwrite"));

    // With overwrite, and a validation set holding a label the training set lacks.
    let mut valid: Vec<(String, String)> = tiny::dataset(2, 2)
        .examples()
        .iter()
        .map(|e| (e.text.clone(), e.label.clone()))
        .collect();
    valid.push(("rust nurse".into(), "chef".into()));
    let outcome = train_classifier(
        &model,
        &tiny::dataset(8, 1),
        &TextDataset::from_pairs(valid),
        ClassifyOptions::new(&out)
            .with_config(config)
            .with_existing(ExistingRun::Overwrite)
            .with_progress(false),
        &device(),
    )
    .unwrap();
    let report: ClassificationReport =
        serde_json::from_slice(&std::fs::read(out.join("best/valid_report.json")).unwrap())
            .unwrap();
    assert_eq!(report.unseen_labels.get("chef"), Some(&1));
    assert_eq!(report.n, 7);
    assert!(outcome.best.is_some());
}

#[test]
fn a_checkpoint_write_that_dies_leaves_the_previous_one_loadable() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let out = temp.path().join("run");
    let config = tiny::config().with_epochs(1);
    run(&model, &out, config.clone()).unwrap();
    let before = weights(&out.join("last"));

    // What a run killed while writing last/ leaves: a half-filled staging directory.
    let staging = out.join(".last.staging-999999");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("model.safetensors"), b"half a file").unwrap();
    assert_eq!(weights(&out.join("last")), before);

    // Resuming clears the leftovers (this run had finished: nothing more to train).
    let resumed = train_classifier(
        &model,
        &tiny::dataset(8, 1),
        &tiny::dataset(3, 2),
        ClassifyOptions::new(&out)
            .with_config(config)
            .with_existing(ExistingRun::Resume)
            .with_progress(false),
        &device(),
    )
    .unwrap();
    assert!(!staging.exists());
    assert_eq!(resumed.steps, 6);
    assert_eq!(weights(&out.join("last")), before);
}
