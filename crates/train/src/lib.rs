//! Fine-tuning for jobfit: adapt a pretrained encoder to job tasks.
//!
//! - Classification (resume -> job category): a [`TextDataset`] read from CSV or JSONL, a
//!   [`LabelMap`], a seeded stratified split, a long-text strategy ([`LongText`]), cross-entropy
//!   with AdamW, early stopping on validation macro-F1, and a [`ClassificationReport`].
//! - Contrastive training for matching (bi-encoder): [`PairDataset`] rows of anchor, positive and
//!   optional hard negative, batches without duplicate positives, and retrieval metrics
//!   ([`RetrievalEvaluator`]).
//! - Cross-encoder training for reranking: [`RerankDataset`] groups of a query, a relevant text
//!   and irrelevant ones, the [`listwise_loss`], and a checkpoint that the matching crate's
//!   reranker loads.
//! - One training loop for all of them, [`Driver`]: accumulation, AdamW steps, evaluation,
//!   early stopping, checkpoints and resumption; a task of your own is a [`TrainTask`]
//!   implementation (`examples/custom_head.rs`).
//! - What a user sees: progress bars ([`Progress`]), a JSON-lines metrics log ([`MetricsLog`]),
//!   and a training-curve picture ([`write_curves`]).
//!
//! Metrics are pure functions:
//!
//! ```
//! use jobfit_train::ClassificationReport;
//!
//! let truth = ["nurse", "nurse", "chef", "chef"];
//! let predicted = ["nurse", "chef", "chef", "chef"];
//! let report = ClassificationReport::from_labels(&truth, &predicted, &["chef", "nurse"]).unwrap();
//! assert_eq!(report.n, 4);
//! assert_eq!(report.accuracy, 0.75);
//! // nurse: precision 1, recall 1/2, F1 2/3; chef: precision 2/3, recall 1, F1 4/5.
//! assert!((report.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
//! ```
//!
//! This crate never picks a Burn backend: functions take a device.
#![deny(missing_docs)]

mod alloc;
mod checkpoint;
mod classify;
mod contrastive;
mod curves;
mod dataset;
mod driver;
mod error;
mod log;
mod loss;
mod metrics;
mod optim;
mod probe;
mod progress;
mod rerank;

// Flat re-exports: one line per module, kept sorted.
pub use alloc::tune_allocator_for_training;
pub use checkpoint::{
    BEST_DIR, EarlyStopping, EvalOutcome, EvalRecord, ExistingRun, LAST_DIR, OPTIMIZER_FILE,
    RUN_FILE, RUN_FORMAT, RunDir, RunInfo, RunKind, TRAIN_CONFIG_FILE, TRAINER_STATE_FILE,
    TrainerState, TrainingFiles, read_optimizer_state, read_run_info, resolve_checkpoint,
    save_encoder_checkpoint, save_training_checkpoint,
};
pub use classify::{
    Callback, Classifier, ClassifyOptions, ClassifyOutcome, ClassifyTrainer, EVAL_BATCH_SIZE,
    StepRecord, TrainEvent, VALID_FILE, argmax_rows, document_features, encode_texts,
    epoch_batches, load_encoder, pooled_features, predict_logits, train_classifier,
};
pub use contrastive::{
    MATCH_KS, MATCH_METRIC, MatchOptions, MatchOutcome, evaluate_retrieval, train_matcher,
    train_matcher_with,
};
pub use curves::{CURVES_FILE, CurvePoint, TrainingCurves, write_curves};
pub use dataset::{
    Example, HeldOut, LabelMap, LongText, LongTextEncodings, Pair, PairColumns, PairDataset,
    PairSplit, RetrievalTask, SeededRng, SharedDataPaths, TextColumns, TextDataset,
    esco_label_pairs, head_tail_ids, jobbert_title_pairs, occupation_text, onet_title_pairs,
    read_texts, read_texts_with_ids, stratified_split_indices,
};
pub use driver::{
    Driver, DriverOutcome, EpochEndEval, Evaluation, SaveContext, StopReason, TrainTask,
};
pub use error::{Result, TrainError};
pub use log::{EventKind, LogEvent, METRICS_LOG_FILE, MetricsLog, read_metrics_log};
pub use loss::{CrossEntropyLoss, DEFAULT_MNRL_SCALE, MultipleNegativesRankingLoss};
pub use metrics::{
    AveragedMetrics, ClassMetrics, ClassificationReport, ConfusionMatrix, DEFAULT_RETRIEVAL_KS,
    MetricsError, MetricsResult, RANKING_METRIC_NAMES, RankingMetrics, RetrievalEvaluator,
    RetrievalReport, accuracy, macro_f1, map_at_k, mrr_at_k, ndcg_at_k, precision_at_k,
    recall_at_k,
};
pub use optim::{
    CLASSIFY_MAX_EPOCHS, CLASSIFY_MIN_EPOCHS, CLASSIFY_TARGET_STEPS, DEFAULT_LONG_TEXT,
    GradAccumulator, LinearSchedule, ParamInfo, TrainConfig, TrainOptimizer, check_learning_rate,
    clip_grad_norm, grad_norm, param_groups, scale_grads, with_stable_ids,
};
pub use probe::{embed_documents, train_linear_probe};
pub use progress::Progress;
pub use rerank::{
    DEFAULT_RERANK_NEGATIVES, RERANK_METRIC, RerankDataset, RerankGroup, RerankOptions,
    RerankOutcome, RerankReport, evaluate_reranker, listwise_loss, train_reranker,
    train_reranker_with,
};
