//! Checkpoints of fine-tuned models, and export of the encoder in Hugging
//! Face layout.
//!
//! A checkpoint is a directory that is also a Hugging Face (and
//! sentence-transformers) model directory, plus the head:
//!
//! ```text
//! config.json                 encoder configuration (Hugging Face fields)
//! model.safetensors           encoder weights under Hugging Face names
//! tokenizer.json              the tokenizer
//! sentence_bert_config.json   max length, for sentence-transformers
//! modules.json, 1_Pooling/    pooling and normalization, for sentence-transformers
//! config_sentence_transformers.json  the prompts, when the model has them (e5: "query: ")
//! head.safetensors            the head's weights
//! jobfit.json                 head kind and configuration, label names, metadata
//! ```
//!
//! Directories are written next to their destination and swapped in whole,
//! so a reader never sees a half-written checkpoint and a crash leaves the
//! previous one in place.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use jobfit_text::TextTokenizer;
use serde::{Deserialize, Serialize};

use crate::bert::BertModel;
use crate::config::{BertConfig, ModelFiles};
use crate::error::{ModelError, Result};
use crate::heads::{EncoderWithHead, SavedHead};
use crate::pooling::Pooling;
use crate::weights::{WeightReader, WeightWriter};

/// The version of the `jobfit.json` layout written by this crate.
pub const CHECKPOINT_FORMAT: u32 = 1;

/// What `jobfit.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// Layout version ([`CHECKPOINT_FORMAT`]).
    pub format: u32,
    /// The head's [`SavedHead::KIND`].
    pub head_kind: String,
    /// The head's configuration.
    pub head_config: serde_json::Value,
    /// Class names, in logit order (empty for heads without classes).
    #[serde(default)]
    pub labels: Vec<String>,
    /// Maximum tokens per text used in training.
    pub max_length: usize,
    /// Pooling of the encoder when used as a sentence embedder.
    pub pooling: Pooling,
    /// Free-form metadata (training configuration, metrics, ...).
    #[serde(default)]
    pub extra: serde_json::Value,
}

/// A loaded checkpoint.
#[derive(Debug)]
pub struct Checkpoint<H> {
    /// The encoder and head.
    pub model: EncoderWithHead<H>,
    /// The encoder configuration.
    pub config: BertConfig,
    /// The tokenizer, with the checkpoint's maximum length.
    pub tokenizer: TextTokenizer,
    /// `jobfit.json`.
    pub meta: CheckpointMeta,
}

/// What to store beside the weights when saving.
#[derive(Debug, Clone)]
pub struct SaveInfo<'a> {
    /// The encoder configuration.
    pub config: &'a BertConfig,
    /// The tokenizer.
    pub tokenizer: &'a TextTokenizer,
    /// Class names, in logit order.
    pub labels: &'a [String],
    /// Pooling for sentence embeddings.
    pub pooling: Pooling,
    /// Free-form metadata.
    pub extra: serde_json::Value,
}

/// Saves `model` as a checkpoint directory at `dir`, replacing any previous
/// checkpoint there atomically.
pub fn save_checkpoint<H: SavedHead>(
    dir: &Path,
    model: &EncoderWithHead<H>,
    info: &SaveInfo<'_>,
) -> Result<()> {
    let meta = CheckpointMeta {
        format: CHECKPOINT_FORMAT,
        head_kind: H::KIND.to_string(),
        head_config: serde_json::to_value(model.head.config())
            .map_err(|error| ModelError::InvalidArgument(format!("head config: {error}")))?,
        labels: info.labels.to_vec(),
        max_length: info.tokenizer.max_length(),
        pooling: info.pooling,
        extra: info.extra.clone(),
    };
    write_dir_atomically(dir, |staging| {
        write_hf_files(
            staging,
            &model.encoder,
            info.config,
            info.tokenizer,
            info.pooling,
        )?;
        let mut store =
            SafetensorsStore::from_file(staging.join("head.safetensors")).overwrite(true);
        model
            .head
            .save_into(&mut store)
            .map_err(|error| ModelError::Checkpoint {
                path: dir.to_path_buf(),
                message: format!("cannot save the head: {error}"),
            })?;
        write_json(&staging.join("jobfit.json"), &meta)
    })
}

/// Loads a checkpoint saved by [`save_checkpoint`] with head type `H`.
pub fn load_checkpoint<H: SavedHead>(dir: &Path, device: &Device) -> Result<Checkpoint<H>> {
    let bad = |message: String| ModelError::Checkpoint {
        path: dir.to_path_buf(),
        message,
    };
    let meta_path = dir.join("jobfit.json");
    let meta: CheckpointMeta = match std::fs::read(&meta_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|error| bad(format!("jobfit.json is malformed: {error}")))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(
                "jobfit.json is missing: this is not a jobfit checkpoint (a plain Hugging Face model directory loads with TextEmbedder::from_dir)".into(),
            ));
        }
        Err(source) => {
            return Err(ModelError::Io {
                path: meta_path,
                source,
            });
        }
    };
    if meta.format != CHECKPOINT_FORMAT {
        return Err(bad(format!(
            "checkpoint format {} is not supported (this version reads format {CHECKPOINT_FORMAT})",
            meta.format
        )));
    }
    if meta.head_kind != H::KIND {
        return Err(bad(format!(
            "the checkpoint holds a {:?} head, not a {:?} head",
            meta.head_kind,
            H::KIND
        )));
    }
    let head_config: H::Config = serde_json::from_value(meta.head_config.clone())
        .map_err(|error| bad(format!("the head configuration is malformed: {error}")))?;

    let files = ModelFiles::locate(dir)?;
    let config = BertConfig::from_file(&files.config)?;
    let mut reader = WeightReader::from_file(&files.weights)?;
    let encoder = BertModel::load(&config, &mut reader, device)?;
    reader.finish()?;
    let tokenizer = TextTokenizer::from_file(&files.tokenizer)?
        .with_max_length(meta.max_length)?
        .with_pad_id(config.pad_token_id)
        .with_prompts(files.prompts.clone());

    let mut head = H::init(&head_config, device)?;
    let mut store = SafetensorsStore::from_file(dir.join("head.safetensors"));
    let applied = head
        .load_from(&mut store)
        .map_err(|error| bad(format!("cannot load head.safetensors: {error}")))?;
    if !applied.missing.is_empty() || !applied.unused.is_empty() || !applied.errors.is_empty() {
        return Err(bad(format!(
            "head.safetensors does not match the head: missing {:?}, unused {:?}, errors {:?}",
            applied
                .missing
                .iter()
                .map(|(path, _)| path)
                .collect::<Vec<_>>(),
            applied.unused,
            applied.errors
        )));
    }
    Ok(Checkpoint {
        model: EncoderWithHead::new(encoder, head),
        config,
        tokenizer,
        meta,
    })
}

/// Writes the encoder as a Hugging Face / sentence-transformers model
/// directory at `dir` (replaced atomically): `transformers.AutoModel` and
/// `sentence_transformers.SentenceTransformer` load it, and so does
/// `TextEmbedder::from_dir`.
pub fn export_encoder(
    dir: &Path,
    encoder: &BertModel,
    config: &BertConfig,
    tokenizer: &TextTokenizer,
    pooling: Pooling,
) -> Result<()> {
    write_dir_atomically(dir, |staging| {
        write_hf_files(staging, encoder, config, tokenizer, pooling)
    })
}

fn write_hf_files(
    dir: &Path,
    encoder: &BertModel,
    config: &BertConfig,
    tokenizer: &TextTokenizer,
    pooling: Pooling,
) -> Result<()> {
    let mut hf_config = serde_json::to_value(config)
        .map_err(|error| ModelError::InvalidArgument(format!("config: {error}")))?;
    if let Some(object) = hf_config.as_object_mut() {
        object.insert("architectures".into(), serde_json::json!(["BertModel"]));
    }
    write_json(&dir.join("config.json"), &hf_config)?;

    let mut writer = WeightWriter::new();
    encoder.export(&mut writer);
    writer.write(&dir.join("model.safetensors"), Default::default())?;

    let tokenizer_json = tokenizer
        .inner()
        .to_string(true)
        .map_err(|error| ModelError::InvalidArgument(format!("tokenizer: {error}")))?;
    crate::fsutil::write_atomic(&dir.join("tokenizer.json"), tokenizer_json.as_bytes())?;

    write_json(
        &dir.join("sentence_bert_config.json"),
        &serde_json::json!({"max_seq_length": tokenizer.max_length(), "do_lower_case": false}),
    )?;
    write_json(
        &dir.join("1_Pooling/config.json"),
        &serde_json::json!({
            "word_embedding_dimension": config.hidden_size,
            "pooling_mode_cls_token": pooling == Pooling::Cls,
            "pooling_mode_mean_tokens": pooling == Pooling::Mean,
            "pooling_mode_max_tokens": pooling == Pooling::Max,
            "pooling_mode_mean_sqrt_len_tokens": pooling == Pooling::MeanSqrtLen,
        }),
    )?;
    let prompts = tokenizer.prompts();
    if !prompts.is_empty() {
        // The prompts the model was loaded with travel with it (a model
        // fine-tuned from e5 keeps "query: " and "passage: ").
        let mut named = serde_json::Map::new();
        if let Some(query) = &prompts.query {
            named.insert("query".into(), query.clone().into());
        }
        if let Some(passage) = &prompts.passage {
            named.insert("passage".into(), passage.clone().into());
        }
        write_json(
            &dir.join(crate::config::PROMPTS_FILE),
            &serde_json::json!({"prompts": named, "default_prompt_name": null}),
        )?;
    }
    write_json(
        &dir.join("modules.json"),
        &serde_json::json!([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
        ]),
    )
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|error| {
        ModelError::InvalidArgument(format!("cannot serialize {}: {error}", path.display()))
    })?;
    crate::fsutil::write_atomic(path, &bytes)
}

/// Builds a directory in a staging folder beside `dir`, then puts it in
/// place of `dir` in one step where the platform allows (an atomic exchange
/// on Linux), so `dir` always holds a complete directory.
pub fn write_dir_atomically(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let io = |path: &Path, source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    };
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| {
            ModelError::InvalidArgument(format!("{} has no directory name", dir.display()))
        })?;
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| io(&staging, e))?;
    if let Err(error) = fill(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    if dir.exists() {
        swap_into_place(&staging, dir).map_err(|e| io(dir, e))?;
        // `staging` now holds the previous directory.
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
    } else {
        std::fs::rename(&staging, dir).map_err(|e| io(dir, e))?;
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn swap_into_place(staging: &Path, dir: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, staging, CWD, dir, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn swap_into_place(staging: &Path, dir: &Path) -> std::io::Result<()> {
    // Two renames: between them `dir` is briefly absent, never half-written.
    let old = staging.with_extension("old");
    std::fs::rename(dir, &old)?;
    std::fs::rename(staging, dir)?;
    std::fs::rename(&old, staging)
}
