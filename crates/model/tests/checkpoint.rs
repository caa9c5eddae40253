//! Checkpoints round-trip exactly, refuse the wrong head, and the exported
//! encoder loads as a Hugging Face model directory.

use std::path::Path;

use burn::prelude::*;
use jobfit_model::{
    BertConfig, BertInput, BertModel, ClassificationHead, ClassificationHeadConfig,
    EmbedderOptions, EncoderWithHead, Engine, ModelError, PairScoringHead, Pooling, SaveInfo,
    SavedHead, TextEmbedder, export_encoder, load_checkpoint, save_checkpoint,
};
use jobfit_text::TextTokenizer;

fn device() -> Device {
    Device::flex()
}

fn tokenizer() -> TextTokenizer {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-tokenizer.json");
    TextTokenizer::from_file(path)
        .and_then(|t| t.with_max_length(16))
        .expect("tiny tokenizer loads")
}

fn model(config: &BertConfig) -> EncoderWithHead<ClassificationHead> {
    EncoderWithHead::new(
        BertModel::init(config, &device()).unwrap(),
        ClassificationHead::init(
            &ClassificationHeadConfig::new(config.hidden_size, 3),
            &device(),
        )
        .unwrap(),
    )
}

fn logits(model: &EncoderWithHead<ClassificationHead>, tokenizer: &TextTokenizer) -> Vec<f32> {
    let batch = tokenizer
        .encode_batch(&[
            "senior rust engineer",
            "registered nurse with patient care skills",
        ])
        .unwrap();
    model
        .forward(BertInput::from_batch(&batch, &device()))
        .into_data()
        .try_into_vec::<f32>()
        .unwrap()
}

#[test]
fn a_checkpoint_round_trips_exactly() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("best");
    let config = BertConfig::tiny(30);
    let tokenizer = tokenizer();
    let model = model(&config);
    let labels = vec![
        "engineering".to_string(),
        "healthcare".into(),
        "sales".into(),
    ];
    let info = SaveInfo {
        config: &config,
        tokenizer: &tokenizer,
        labels: &labels,
        pooling: Pooling::Mean,
        extra: serde_json::json!({"epochs": 3}),
    };
    save_checkpoint(&dir, &model, &info).unwrap();
    let loaded = load_checkpoint::<ClassificationHead>(&dir, &device()).unwrap();
    assert_eq!(loaded.meta.labels, labels);
    assert_eq!(loaded.meta.extra["epochs"], 3);
    assert_eq!(loaded.config, config);
    assert_eq!(loaded.tokenizer.max_length(), 16);
    assert_eq!(
        logits(&model, &tokenizer),
        logits(&loaded.model, &loaded.tokenizer)
    );

    // Saving again over it replaces it whole and leaves no staging folder.
    save_checkpoint(&dir, &model, &info).unwrap();
    let entries: Vec<_> = std::fs::read_dir(temp.path()).unwrap().collect();
    assert_eq!(entries.len(), 1);
}

#[test]
fn the_wrong_head_kind_or_a_damaged_checkpoint_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ckpt");
    let config = BertConfig::tiny(30);
    let tokenizer = tokenizer();
    let info = SaveInfo {
        config: &config,
        tokenizer: &tokenizer,
        labels: &[],
        pooling: Pooling::Mean,
        extra: serde_json::Value::Null,
    };
    save_checkpoint(&dir, &model(&config), &info).unwrap();
    let error = load_checkpoint::<PairScoringHead>(&dir, &device()).unwrap_err();
    assert!(
        error.to_string().contains("\"classification\" head"),
        "{error}"
    );

    std::fs::remove_file(dir.join("jobfit.json")).unwrap();
    let error = load_checkpoint::<ClassificationHead>(&dir, &device()).unwrap_err();
    assert!(matches!(error, ModelError::Checkpoint { .. }), "{error}");
    assert!(
        error.to_string().contains("jobfit.json is missing"),
        "{error}"
    );
}

#[test]
fn a_failed_save_keeps_the_previous_checkpoint() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("last");
    let config = BertConfig::tiny(30);
    let tokenizer = tokenizer();
    let info = SaveInfo {
        config: &config,
        tokenizer: &tokenizer,
        labels: &[],
        pooling: Pooling::Mean,
        extra: serde_json::Value::Null,
    };
    let first = model(&config);
    save_checkpoint(&dir, &first, &info).unwrap();
    // A save that fails part-way (simulated: an error after the first file
    // is written) must leave the first checkpoint loadable.
    let result = jobfit_model::write_dir_atomically(&dir, |staging| {
        std::fs::write(staging.join("config.json"), b"{}").unwrap();
        Err(ModelError::InvalidArgument(
            "simulated crash while writing".into(),
        ))
    });
    assert!(result.is_err());
    let loaded = load_checkpoint::<ClassificationHead>(&dir, &device()).unwrap();
    assert_eq!(
        logits(&first, &tokenizer),
        logits(&loaded.model, &loaded.tokenizer)
    );
    assert_eq!(
        std::fs::read_dir(temp.path()).unwrap().count(),
        1,
        "no staging folder left"
    );
}

#[test]
fn an_exported_encoder_loads_as_a_model_directory() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("exported");
    let config = BertConfig::tiny(30);
    let tokenizer = tokenizer();
    let encoder = BertModel::init(&config, &device()).unwrap();
    export_encoder(&dir, &encoder, &config, &tokenizer, Pooling::Mean).unwrap();
    for name in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "sentence_bert_config.json",
        "modules.json",
        "1_Pooling/config.json",
    ] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    // Hugging Face names, PyTorch layout.
    let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let query = file
        .tensor("encoder.layer.0.intermediate.dense.weight")
        .unwrap();
    assert_eq!(query.shape(), &[32, 16]);

    // The Burn engine computes exactly what the original encoder computes.
    let options = EmbedderOptions {
        engine: Some(Engine::Burn),
        ..Default::default()
    };
    let embedder = TextEmbedder::from_dir_with(&dir, options, &device()).unwrap();
    assert_eq!(embedder.identity().max_length, 16);
    let vectors = embedder.embed(&["senior rust engineer"]).unwrap();
    // Same as pooling the original encoder's output by hand.
    let batch = tokenizer.encode_batch(&["senior rust engineer"]).unwrap();
    let output = encoder.forward(BertInput::from_batch(&batch, &device()));
    let expected = jobfit_model::l2_normalize(Pooling::Mean.pool(output.hidden, output.mask))
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    assert_eq!(vectors.as_slice().unwrap(), expected.as_slice());
}
