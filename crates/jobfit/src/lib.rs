//! Job recommendation with pretrained transformer encoders, in Rust.
//!
//! This crate re-exports the jobfit crates and owns the choice of backend:
//!
//! - [`text`] (`jobfit-text`): cleaning, PII redaction, skills, sections,
//!   tokenization and data loading.
//! - [`model`] (`jobfit-model`): a BERT-family encoder on Burn that loads
//!   Hugging Face weights, pooling, heads and checkpoints.
//! - [`train`] (`jobfit-train`): fine-tuning (classification, linear probe,
//!   contrastive matching), metrics, checkpoints and training curves.
//! - [`matching`] (`jobfit-match`): job catalogs and indexes, recommendation
//!   with explanations, candidate screening with a fairness audit.
//! - [`guide`] (`jobfit-guide`): skill gaps and learning plans, labour-market
//!   analysis, job-description drafting, data augmentation and
//!   counterfactual fairness.
//!
//! ```no_run
//! use jobfit::model::TextEmbedder;
//!
//! let device = jobfit::default_device();
//! let embedder = TextEmbedder::from_dir("models/all-MiniLM-L6-v2", &device)?;
//! let vectors = embedder.embed(&["Senior Rust engineer", "Registered nurse"])?;
//! assert_eq!(vectors.shape(), &[2, 384]);
//! # Ok::<(), jobfit::model::ModelError>(())
//! ```
#![deny(missing_docs)]

pub use burn::prelude::Device;
pub use jobfit_guide as guide;
pub use jobfit_match as matching;
pub use jobfit_model as model;
pub use jobfit_text as text;
pub use jobfit_train as train;

mod backend;

pub use backend::{Backend, BackendError, default_device};
