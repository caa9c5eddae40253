//! The linear probe on a tiny model: a normal checkpoint with the encoder unchanged.

use burn::prelude::*;
use jobfit_model::BertInput;
use jobfit_text::ReadOptions;
use jobfit_train::{
    ClassificationReport, Classifier, ClassifyOptions, ExistingRun, TextColumns, TextDataset,
    TrainConfig, TrainError, VALID_FILE, load_encoder, train_linear_probe,
};

use crate::tiny;

fn config() -> TrainConfig {
    TrainConfig::linear_probe()
        .with_learning_rate(3e-2)
        .with_epochs(40)
        .with_batch_size(8)
        .with_max_length(16)
        .with_long_text(jobfit_train::LongText::Head)
        .build()
        .unwrap()
}

#[test]
fn a_probe_trains_the_head_only_and_saves_a_normal_checkpoint() {
    let _serial = tiny::serial();
    let temp = tempfile::tempdir().unwrap();
    let model = tiny::model_dir(temp.path());
    let out = temp.path().join("probe");
    let train = tiny::dataset(8, 1);
    let valid = tiny::dataset(4, 2);
    let outcome = train_linear_probe(
        &model,
        &train,
        &valid,
        ClassifyOptions::new(&out)
            .with_config(config())
            .with_progress(false)
            .with_columns(TextColumns::new("resume", "category")),
        &Device::flex(),
    )
    .unwrap();
    assert!(!outcome.history.is_empty());
    // The validation set is in the run directory, under the columns asked for.
    let columns = TextColumns::new("resume", "category");
    let written = TextDataset::read(out.join(VALID_FILE), &columns, ReadOptions::default());
    assert_eq!(written.unwrap(), valid);
    for file in [
        "run.json",
        "metrics.jsonl",
        "curves.svg",
        "best/jobfit.json",
        "last/jobfit.json",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }

    // The encoder in the checkpoint is the pretrained one, weight for weight.
    let hidden = |dir: &std::path::Path| {
        let (encoder, _, tokenizer, _) = load_encoder(dir, &Device::flex()).unwrap();
        let batch = tokenizer
            .encode_batch(&["registered nurse with patient care skills"])
            .unwrap();
        let output = encoder.forward(BertInput::from_batch(&batch, &Device::flex()));
        output.hidden.into_data().try_to_vec::<f32>().unwrap()
    };
    assert_eq!(hidden(&model), hidden(&out.join("best")));

    // The checkpoint classifies as its best evaluation says.
    let best = outcome.best.unwrap();
    let classifier = Classifier::load(&out, &Device::flex()).unwrap();
    let predicted = classifier.predict(&valid.texts()).unwrap();
    let report =
        ClassificationReport::from_labels(&valid.labels(), &predicted, classifier.labels().names())
            .unwrap();
    assert!((report.macro_f1 - best.metric).abs() < 1e-9);
    // Three classes: chance is about 1/3.
    assert!(best.metric > 0.6, "{:?}", outcome.history);

    // A probe run cannot be resumed.
    let error = train_linear_probe(
        &model,
        &train,
        &valid,
        ClassifyOptions::new(&out)
            .with_config(config())
            .with_existing(ExistingRun::Resume)
            .with_progress(false),
        &Device::flex(),
    )
    .unwrap_err();
    assert!(matches!(error, TrainError::InvalidConfig { .. }), "{error}");
}
