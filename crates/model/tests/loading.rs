//! Loading model directories: bad input is a typed error that names the
//! problem, and a large vocabulary loads.

use std::path::Path;

use burn::prelude::Device;
use jobfit_model::{BertConfig, BertModel, ModelError, TextEmbedder, WeightReader, WeightWriter};

use crate::support;

fn device() -> Device {
    Device::flex()
}

/// A copy of the pretrained model's essential files in a temp dir, to damage.
fn model_copy() -> Option<tempfile::TempDir> {
    let model = support::model_dir()?;
    let temp = tempfile::tempdir().expect("temp dir");
    for name in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::fs::copy(model.join(name), temp.path().join(name)).expect("copies");
    }
    Some(temp)
}

#[test]
fn missing_directory_and_files_are_named() {
    let temp = tempfile::tempdir().expect("temp dir");
    let error = TextEmbedder::from_dir(temp.path().join("absent"), &device()).unwrap_err();
    assert!(matches!(error, ModelError::NotAModelDir { .. }), "{error}");

    let error = TextEmbedder::from_dir(temp.path(), &device()).unwrap_err();
    assert!(
        error.to_string().contains("config.json is missing"),
        "{error}"
    );
    assert!(error.to_string().contains("fetch-model.sh"), "{error}");
}

#[test]
fn malformed_config_is_reported_with_its_path() {
    let Some(temp) = model_copy() else { return };
    std::fs::write(temp.path().join("config.json"), b"{\"hidden_size\": 384,").unwrap();
    let error = TextEmbedder::from_dir(temp.path(), &device()).unwrap_err();
    assert!(matches!(error, ModelError::Config { .. }), "{error}");
    assert!(error.to_string().contains("config.json"), "{error}");
}

#[test]
fn unsupported_model_type_lists_supported_ones() {
    let Some(temp) = model_copy() else { return };
    let path = temp.path().join("config.json");
    let config = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"bert\"", "\"gpt2\"");
    std::fs::write(&path, config).unwrap();
    let error = TextEmbedder::from_dir(temp.path(), &device()).unwrap_err();
    assert!(
        matches!(error, ModelError::UnsupportedModelType { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("gpt2") && error.to_string().contains("bert"));
}

#[test]
fn truncated_weights_are_not_a_valid_safetensors_file() {
    let Some(temp) = model_copy() else { return };
    let path = temp.path().join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let error = TextEmbedder::from_dir(temp.path(), &device()).unwrap_err();
    assert!(matches!(error, ModelError::Safetensors { .. }), "{error}");
    assert!(error.to_string().contains("truncated"), "{error}");

    std::fs::write(&path, b"PK\x03\x04 this is a zip, not safetensors").unwrap();
    let error = TextEmbedder::from_dir(temp.path(), &device()).unwrap_err();
    assert!(matches!(error, ModelError::Safetensors { .. }), "{error}");
}

#[test]
fn a_wrong_shape_names_the_key_and_both_shapes() {
    let Some(temp) = model_copy() else { return };
    let path = temp.path().join("config.json");
    let config = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"intermediate_size\": 1536", "\"intermediate_size\": 1024");
    std::fs::write(&path, config).unwrap();
    let error = TextEmbedder::from_dir(temp.path(), &device()).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, ModelError::ShapeMismatch { .. }),
        "{message}"
    );
    assert!(
        message.contains("encoder.layer.0.intermediate.dense.weight"),
        "{message}"
    );
    assert!(
        message.contains("[1536, 384]") && message.contains("[1024, 384]"),
        "{message}"
    );
}

#[test]
fn a_wrong_key_map_is_reported_not_ignored() {
    // A checkpoint whose layers use another naming scheme (Burn's own
    // `encoder.layers.N.mha...`) must not load with random weights.
    let config = BertConfig::tiny(30);
    let model = BertModel::init(&config, &device()).unwrap();
    let mut writer = WeightWriter::new();
    model.export(&mut writer);
    let right = writer.to_bytes(Default::default()).unwrap();
    let file = safetensors::SafeTensors::deserialize(&right).unwrap();
    let renamed: Vec<(String, safetensors::tensor::TensorView<'_>)> = file
        .iter()
        .map(|(key, view)| {
            let key = key
                .replace("encoder.layer.", "encoder.layers.")
                .replace("attention.self.", "mha.");
            (key, view)
        })
        .collect();
    let wrong = safetensors::serialize(renamed, None).unwrap();
    let mut reader = WeightReader::from_bytes(&wrong, Path::new("wrong.safetensors")).unwrap();
    BertModel::load(&config, &mut reader, &device()).unwrap();
    let message = reader.finish().unwrap_err().to_string();
    assert!(
        message.contains("encoder.layer.0.attention.self.query.weight"),
        "{message}"
    );
    assert!(
        message.contains("encoder.layers.0.mha.query.weight"),
        "{message}"
    );
    assert!(message.contains("wrong.safetensors"), "{message}");
}

#[test]
fn a_large_vocabulary_loads_and_runs() {
    // paraphrase-multilingual-MiniLM-L12-v2 has 250,037 tokens.
    let mut config = BertConfig::tiny(250_037);
    config.hidden_size = 8;
    config.num_attention_heads = 2;
    config.intermediate_size = 16;
    let model = BertModel::init(&config, &device()).unwrap();
    let mut writer = WeightWriter::new();
    model.export(&mut writer);
    let bytes = writer.to_bytes(Default::default()).unwrap();
    let mut reader = WeightReader::from_bytes(&bytes, Path::new("big")).unwrap();
    let loaded = BertModel::load(&config, &mut reader, &device()).unwrap();
    reader.finish().unwrap();
    let ids =
        burn::tensor::Tensor::<2, burn::tensor::Int>::from_data([[0i64, 250_036, 17]], &device());
    let out = loaded.forward(jobfit_model::BertInput {
        attention_mask: ids.ones_like(),
        input_ids: ids,
        token_type_ids: None,
    });
    assert_eq!(out.hidden.dims(), [1, 3, 8]);
}

#[test]
fn an_empty_batch_is_an_error() {
    let Some(dir) = support::model_dir() else {
        return;
    };
    let embedder = TextEmbedder::from_dir(&dir, &device()).unwrap();
    assert!(matches!(embedder.embed(&[]), Err(ModelError::EmptyBatch)));
}
