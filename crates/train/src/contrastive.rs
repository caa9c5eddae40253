//! Contrastive (bi-encoder) training for matching.
//!
//! [`train_matcher`] fine-tunes a sentence encoder on (anchor, positive[,
//! hard negative]) pairs with the multiple-negatives ranking loss (in-batch
//! negatives, cosine similarity, scale 20), in batches that never hold the
//! same positive twice (each would be the other's false negative). The
//! encoder is evaluated on a retrieval task (held-out anchors against a
//! catalog) before training, which is the zero-shot baseline, and after
//! every epoch (or every N steps), by MRR@10; the best encoder is saved in
//! `best/` as an embedding-model directory that `TextEmbedder::from_dir`,
//! `jobfit embed`, the matching crate, Hugging Face and sentence-transformers
//! load. `last/` adds the optimizer and trainer state, from which a run
//! resumes.
//!
//! Texts are not cleaned here: the model is used by `jobfit embed` and the
//! matching crate on the texts they are given.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::*;
use jobfit_model::{BertConfig, BertInput, BertModel, EmbedderOptions, Pooling, TextEmbedder};
use jobfit_text::{EncodedBatch, TextTokenizer};
use ndarray::Array2;

use crate::checkpoint::{
    EvalRecord, ExistingRun, RunDir, RunKind, TrainingFiles, save_encoder_checkpoint,
};
use crate::classify::{Callback, load_encoder, step_seed, with_max_length};
use crate::dataset::{PairDataset, RetrievalTask};
use crate::driver::{Driver, Evaluation, SaveContext, StopReason, TrainTask};
use crate::error::{Result, TrainError};
use crate::loss::MultipleNegativesRankingLoss;
use crate::metrics::{RetrievalEvaluator, RetrievalReport};
use crate::optim::{TrainConfig, setter, with_stable_ids};

/// The metric that picks the best contrastive checkpoint.
pub const MATCH_METRIC: &str = "mrr@10";

/// The cutoffs of the retrieval evaluation.
pub const MATCH_KS: [usize; 4] = [1, 5, 10, 100];

impl TrainConfig {
    /// Defaults for contrastive training: sentence-transformers' usual
    /// fine-tuning setup (learning rate 2e-5, batches of 32 pairs, 10%
    /// warmup, one epoch) at 128 tokens, without early stopping.
    pub fn contrastive() -> Self {
        Self {
            epochs: 1,
            batch_size: 32,
            max_length: 128,
            early_stopping_patience: None,
            clean_text: false,
            // Pairs are short texts, truncated at `max_length`.
            long_text: crate::dataset::LongText::Head,
            ..Self::default()
        }
    }
}

/// Where a contrastive run writes, and how it scores.
#[derive(Debug, Clone)]
pub struct MatchOptions {
    /// The hyperparameters (start from [`TrainConfig::contrastive`]).
    pub config: TrainConfig,
    /// The run directory.
    pub out: PathBuf,
    /// What to do when `out` holds a run already.
    pub existing: ExistingRun,
    /// Show progress bars on standard error.
    pub progress: bool,
    /// The ranking loss.
    pub loss: MultipleNegativesRankingLoss,
    /// Free-form provenance stored with the checkpoints.
    pub extra: serde_json::Value,
}

impl MatchOptions {
    /// Contrastive defaults, writing to `out`.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self {
            config: TrainConfig::contrastive(),
            out: out.into(),
            existing: ExistingRun::Refuse,
            progress: true,
            loss: MultipleNegativesRankingLoss::default(),
            extra: serde_json::Value::Null,
        }
    }

    setter!(
        /// Sets the hyperparameters.
        with_config, config: TrainConfig
    );
    setter!(
        /// Sets what happens to an existing run in `out`.
        with_existing, existing: ExistingRun
    );
    setter!(
        /// Turns progress bars on or off.
        with_progress, progress: bool
    );

    setter!(
        /// Sets the ranking loss (its scale).
        with_loss, loss: MultipleNegativesRankingLoss
    );

    setter!(
        /// Sets the provenance stored with the checkpoints.
        with_extra, extra: serde_json::Value
    );
}

/// How a contrastive run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchOutcome {
    /// The run directory.
    pub run_dir: PathBuf,
    /// The zero-shot encoder's retrieval metrics (before any step).
    pub baseline: Option<RetrievalReport>,
    /// The best evaluation's retrieval metrics (its encoder is in `best/`).
    pub best: Option<RetrievalReport>,
    /// Every evaluation, the zero-shot one first.
    pub history: Vec<EvalRecord>,
    /// Optimizer steps done.
    pub steps: usize,
    /// Whether a callback interrupted the run.
    pub interrupted: bool,
}

/// Ranks `task.docs` for every query of `task` by cosine similarity of
/// their embeddings and averages the ranking metrics at `ks`.
pub fn evaluate_retrieval(
    embedder: &TextEmbedder,
    task: &RetrievalTask,
    ks: &[usize],
) -> Result<RetrievalReport> {
    if task.queries.is_empty() || task.docs.is_empty() {
        return Err(TrainError::EmptyDataset);
    }
    let queries: Vec<&str> = task.queries.iter().map(String::as_str).collect();
    let docs: Vec<&str> = task.docs.iter().map(String::as_str).collect();
    let q = embedder.embed(&queries)?;
    let d = embedder.embed(&docs)?;
    let scores: Array2<f32> = q.dot(&d.t());
    let depth = ks.iter().copied().max().unwrap_or(1).min(docs.len());
    let mut evaluator = RetrievalEvaluator::new(ks, docs.len())?;
    for (row, relevant) in scores.rows().into_iter().zip(&task.relevant) {
        let mut ranked: Vec<usize> = (0..row.len()).collect();
        let by_score = |a: &usize, b: &usize| row[*b].total_cmp(&row[*a]).then(a.cmp(b));
        if depth < ranked.len() {
            ranked.select_nth_unstable_by(depth, by_score);
            ranked.truncate(depth);
        }
        ranked.sort_by(by_score);
        evaluator.add(&ranked, relevant);
    }
    Ok(evaluator.finish()?)
}

/// Trains the encoder in `model_dir` on `train` pairs, evaluating on
/// `valid`, and writes a run directory of kind [`RunKind::Match`].
///
/// # Errors
///
/// Invalid hyperparameters, no pairs, a batch size below 2, an empty
/// retrieval task, an output directory holding another run, a non-finite
/// loss ([`TrainError::NonFinite`]), and I/O errors.
pub fn train_matcher(
    model_dir: &Path,
    train: &PairDataset,
    valid: &RetrievalTask,
    options: MatchOptions,
    device: &Device,
) -> Result<MatchOutcome> {
    train_matcher_with(model_dir, train, valid, options, None, device)
}

/// [`train_matcher`] with a callback after every step and evaluation
/// (returning `ControlFlow::Break(())` saves `last/` and stops).
pub fn train_matcher_with(
    model_dir: &Path,
    train: &PairDataset,
    valid: &RetrievalTask,
    options: MatchOptions,
    callback: Option<Callback<'_>>,
    device: &Device,
) -> Result<MatchOutcome> {
    let config = options.config.clone();
    config.validate()?;
    if train.is_empty() {
        return Err(TrainError::EmptyDataset);
    }
    if valid.queries.is_empty() || valid.docs.is_empty() {
        return Err(TrainError::invalid_config(
            "the retrieval task for validation has no queries or no documents: hold out some pairs",
        ));
    }
    // Checks the batch size (at least 2) before anything is written.
    train.batches(config.batch_size, config.seed)?;
    // A new run loads the pretrained encoder before creating its directory,
    // so a bad model path leaves nothing behind.
    let pretrained = match options.existing {
        ExistingRun::Resume => None,
        _ => Some(load_encoder(model_dir, device)?),
    };
    let run = RunDir::prepare(&options.out, RunKind::Match, options.existing)?;
    let (encoder, encoder_config, tokenizer, pooling) = match pretrained {
        Some(parts) => parts,
        None => load_encoder(&run.last(), device)?,
    };
    // The saved model keeps the pretrained model's window: `max_length` is a
    // training cost knob (short pairs train fast), not the length the model
    // should read at inference, where resumes and job texts are long.
    let inference_tokenizer = tokenizer.clone();
    let tokenizer = with_max_length(tokenizer, config.max_length, &encoder_config)?;
    let encoder = with_stable_ids(encoder).train();
    let batches_per_epoch = train.batches(config.batch_size, config.seed)?.len();
    let run_path = run.path().to_path_buf();
    let driver = Driver::new(config.clone(), run, RunKind::Match, device)
        .with_progress(options.progress)
        .with_callback(callback);
    let mut task = MatchTask {
        config,
        loss: options.loss,
        device: device.clone(),
        tokenizer,
        inference_tokenizer,
        encoder_config,
        pooling,
        extra: options.extra,
        train,
        valid,
    };
    let outcome = driver.train(&mut task, encoder, batches_per_epoch)?;
    let history = outcome.state.history.clone();
    let report_of = |step: usize| report_of(&history, step);
    Ok(MatchOutcome {
        run_dir: run_path,
        baseline: report_of(0),
        best: match outcome.best {
            Some((_, report)) => Some(report),
            None => outcome.state.early_stopping.best_step().and_then(report_of),
        },
        steps: outcome.state.global_step,
        interrupted: outcome.stop == StopReason::Interrupted,
        history: outcome.state.history,
    })
}

/// The retrieval report stored in the history at `step`, if any.
fn report_of(history: &[EvalRecord], step: usize) -> Option<RetrievalReport> {
    let record = history.iter().find(|r| r.step == step)?;
    let count = |key: &str| record.metrics.get(key)?.as_u64().map(|v| v as usize);
    let metrics = record
        .metrics
        .iter()
        .filter(|(k, _)| k.contains('@'))
        .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
        .collect();
    Some(RetrievalReport {
        queries: count("queries")?,
        skipped: count("skipped").unwrap_or(0),
        docs: count("docs")?,
        metrics,
    })
}

/// Contrastive training as a [`TrainTask`]: batches of pairs without a
/// repeated positive, the ranking loss over in-batch negatives, retrieval
/// MRR@10 on held-out anchors.
struct MatchTask<'d> {
    config: TrainConfig,
    loss: MultipleNegativesRankingLoss,
    device: Device,
    tokenizer: TextTokenizer,
    /// The pretrained model's tokenizer and window: what checkpoints save
    /// and what the retrieval evaluation reads with.
    inference_tokenizer: TextTokenizer,
    encoder_config: BertConfig,
    pooling: Pooling,
    extra: serde_json::Value,
    train: &'d PairDataset,
    valid: &'d RetrievalTask,
}

impl MatchTask<'_> {
    /// Embeds texts with the encoder being trained (on the autodiff device):
    /// pooled, not normalized (the loss normalizes).
    fn embed(&self, encoder: &BertModel, texts: &[&str], device: &Device) -> Result<Tensor<2>> {
        let encodings = self
            .tokenizer
            .encode_all(texts)
            .map_err(jobfit_model::ModelError::from)?;
        let batch = EncodedBatch::from_encodings(&encodings, self.tokenizer.pad_id());
        let output = encoder.forward(BertInput::from_batch(&batch, device));
        Ok(self.pooling.pool(output.hidden, output.mask))
    }

    fn embedder(&self, encoder: &BertModel, step: usize) -> Result<TextEmbedder> {
        Ok(TextEmbedder::from_parts(
            encoder.valid(),
            self.inference_tokenizer.clone(),
            self.encoder_config.clone(),
            EmbedderOptions {
                max_length: Some(self.inference_tokenizer.max_length()),
                pooling: Some(self.pooling),
                normalize: Some(true),
                ..EmbedderOptions::default()
            },
            "training",
            format!("step-{step}"),
            &self.device,
        )?)
    }

    fn save(&self, dir: &Path, encoder: &BertModel, files: &TrainingFiles<'_>) -> Result<()> {
        save_encoder_checkpoint(
            dir,
            &encoder.valid(),
            &self.encoder_config,
            &self.inference_tokenizer,
            self.pooling,
            files,
        )
    }
}

impl TrainTask for MatchTask<'_> {
    type Model = BertModel;
    type Report = RetrievalReport;

    fn metric_name(&self) -> &'static str {
        MATCH_METRIC
    }

    fn label(&self) -> &'static str {
        "contrastive"
    }

    fn eval_label(&self) -> &'static str {
        "evaluating retrieval"
    }

    fn batches(&self, epoch: usize) -> Result<Vec<Vec<usize>>> {
        self.train
            .batches(self.config.batch_size, step_seed(self.config.seed, epoch))
    }

    fn loss(
        &self,
        encoder: &BertModel,
        batch: &[usize],
        _step: usize,
        device: &Device,
    ) -> Result<Tensor<1>> {
        let pairs: Vec<_> = batch.iter().map(|&i| &self.train.pairs()[i]).collect();
        let anchors: Vec<&str> = pairs.iter().map(|p| p.anchor.as_str()).collect();
        let positives: Vec<&str> = pairs.iter().map(|p| p.positive.as_str()).collect();
        let negatives: Vec<&str> = pairs.iter().filter_map(|p| p.negative.as_deref()).collect();
        let a = self.embed(encoder, &anchors, device)?;
        let p = self.embed(encoder, &positives, device)?;
        let n = if negatives.is_empty() {
            None
        } else {
            Some(self.embed(encoder, &negatives, device)?)
        };
        Ok(self.loss.forward(a, p, n))
    }

    fn evaluate(
        &mut self,
        encoder: &BertModel,
        step: usize,
    ) -> Result<Evaluation<RetrievalReport>> {
        let report = evaluate_retrieval(&self.embedder(encoder, step)?, self.valid, &MATCH_KS)?;
        let metric = report
            .metrics
            .get(MATCH_METRIC)
            .copied()
            .unwrap_or(f64::NAN);
        let mut metrics: serde_json::Map<String, serde_json::Value> = report
            .metrics
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        metrics.insert("queries".into(), serde_json::json!(report.queries));
        metrics.insert("skipped".into(), serde_json::json!(report.skipped));
        metrics.insert("docs".into(), serde_json::json!(report.docs));
        Ok(Evaluation {
            metric,
            metrics,
            valid_loss: None,
            log_values: report
                .metrics
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            report,
        })
    }

    fn eval_message(&self, record: &EvalRecord, report: &RetrievalReport) -> String {
        format!(
            "step {}: {MATCH_METRIC} {:.4}, recall@1 {:.4}, recall@10 {:.4}",
            record.step,
            record.metric,
            report.get("recall", 1).unwrap_or(f64::NAN),
            report.get("recall", 10).unwrap_or(f64::NAN)
        )
    }

    fn evaluate_before_training(&self) -> bool {
        true
    }

    fn save_best(
        &self,
        dir: &Path,
        encoder: &BertModel,
        report: &RetrievalReport,
        context: SaveContext<'_>,
    ) -> Result<()> {
        let report = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
        let meta = serde_json::json!({
            "run_kind": RunKind::Match.name(),
            "step": context.step,
            "data": self.extra,
        });
        let mut files = context.files;
        files
            .extra_files
            .extend([("retrieval_report.json", report), ("run_meta.json", meta)]);
        self.save(dir, encoder, &files)
    }

    fn save_last(&self, dir: &Path, encoder: &BertModel, context: SaveContext<'_>) -> Result<()> {
        self.save(dir, encoder, &context.files)
    }
}
