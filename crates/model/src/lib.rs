//! BERT-family sentence encoders on Burn for jobfit.
#![deny(missing_docs)]

mod batch;
mod bert;
mod checkpoint;
mod config;
mod dropout;
mod embedder;
mod error;
mod fast;
mod fsutil;
#[cfg(feature = "flex")]
mod fused;
mod heads;
mod pooling;
mod weights;

pub use batch::{BATCH_SIZE_BUCKETS, BatchOptions, BatchStats, MicroBatcher};
pub use bert::{BertInput, BertModel, BertOutput, BertPooler};
pub use checkpoint::{
    CHECKPOINT_FORMAT, Checkpoint, CheckpointMeta, SaveInfo, export_encoder, load_checkpoint,
    save_checkpoint, write_dir_atomically,
};
pub use config::{
    Activation, BertConfig, ModelFiles, SUPPORTED_ACTIVATIONS, SUPPORTED_MODEL_TYPES,
};
pub use embedder::{EmbedderOptions, Engine, ModelIdentity, Pretrained, TextEmbedder};
pub use error::{ModelError, Result};
pub use fast::{FastEncoder, Isa, Precision, SeqInput};
pub use fsutil::write_atomic;
pub use heads::{
    ClassificationHead, ClassificationHeadConfig, EmbeddingHead, EmbeddingHeadConfig,
    EncoderFeatures, EncoderWithHead, Head, HeadPooling, PairScoringHead, PairScoringHeadConfig,
    SavedHead,
};
pub use jobfit_text::{Coverage, PromptRole, Prompts};
pub use pooling::{Pooling, l2_normalize};
pub use weights::{WeightReader, WeightWriter};
