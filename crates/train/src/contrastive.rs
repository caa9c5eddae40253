//! The contrastive (bi-encoder) training loop for matching.
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

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::prelude::*;
use jobfit_model::{BertConfig, BertInput, BertModel, EmbedderOptions, Pooling, TextEmbedder};
use jobfit_text::{EncodedBatch, TextTokenizer};
use ndarray::Array2;

use crate::checkpoint::{
    EvalOutcome, EvalRecord, ExistingRun, RunDir, RunKind, TrainerState, TrainingFiles,
    save_encoder_checkpoint, start_or_resume,
};
use crate::classify::{
    Callback, EvalFlow, StepParts, StepWindow, Stop, TrainEvent, load_encoder, new_progress,
    optimizer_step, step_seed, with_max_length, write_run_curves,
};
use crate::dataset::{PairDataset, RetrievalTask};
use crate::error::{Result, TrainError};
use crate::log::{EventKind, LogEvent, MetricsLog};
use crate::loss::MultipleNegativesRankingLoss;
use crate::metrics::{RetrievalEvaluator, RetrievalReport};
use crate::optim::{
    GradAccumulator, LinearSchedule, TrainConfig, TrainOptimizer, setter, with_stable_ids,
};
use crate::progress::Progress;

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
    let total_steps = config.total_steps(batches_per_epoch);
    let (state, optimizer, log) = start_or_resume(
        &run,
        TrainOptimizer::new(&encoder, &config)?,
        RunKind::Match,
        total_steps,
        config.early_stopping_patience,
    )?;
    let fit = MatchFit {
        schedule: config.schedule(total_steps),
        config,
        loss: options.loss,
        device: device.clone(),
        tokenizer,
        inference_tokenizer,
        encoder_config,
        pooling,
        encoder: Some(encoder),
        optimizer,
        state,
        run,
        log,
        extra: options.extra,
        callback,
        progress: options.progress,
        batches_per_epoch,
        started: Instant::now(),
        baseline: None,
        best: None,
    };
    fit.run_loop(train, valid)
}

struct MatchFit<'a> {
    config: TrainConfig,
    schedule: LinearSchedule,
    loss: MultipleNegativesRankingLoss,
    device: Device,
    tokenizer: TextTokenizer,
    /// The pretrained model's tokenizer and window: what checkpoints save
    /// and what the retrieval evaluation reads with.
    inference_tokenizer: TextTokenizer,
    encoder_config: BertConfig,
    pooling: Pooling,
    /// `None` only while the optimizer updates it.
    encoder: Option<BertModel>,
    optimizer: TrainOptimizer,
    state: TrainerState,
    run: RunDir,
    log: MetricsLog,
    extra: serde_json::Value,
    callback: Option<Callback<'a>>,
    progress: bool,
    batches_per_epoch: usize,
    started: Instant,
    baseline: Option<RetrievalReport>,
    best: Option<RetrievalReport>,
}

impl MatchFit<'_> {
    fn encoder(&self) -> &BertModel {
        // Taken out only inside the optimizer step, which puts it back.
        self.encoder
            .as_ref()
            .expect("the encoder is present between steps")
    }

    fn emit(&mut self, event: &TrainEvent<'_>) -> ControlFlow<()> {
        match self.callback.as_mut() {
            Some(callback) => callback(event),
            None => ControlFlow::Continue(()),
        }
    }

    fn run_loop(mut self, train: &PairDataset, valid: &RetrievalTask) -> Result<MatchOutcome> {
        let progress = new_progress(self.progress, self.state.total_steps, "contrastive");
        let mut interrupted = false;
        if self.state.history.is_empty() {
            // The zero-shot baseline, which is also the first best.
            match self.evaluate(valid, &progress)? {
                EvalFlow::Continue => {}
                EvalFlow::Early => self.state.finished = true,
                EvalFlow::Interrupted => interrupted = true,
            }
        }
        self.baseline = self.report_of(0);
        'epochs: while !interrupted && !self.state.finished && self.state.epoch < self.config.epochs
        {
            let epoch = self.state.epoch;
            let batches =
                train.batches(self.config.batch_size, step_seed(self.config.seed, epoch))?;
            let mut accumulator = GradAccumulator::new();
            let mut window = (0.0f64, 0usize);
            let mut step_started = Instant::now();
            for (index, batch) in batches.iter().enumerate().skip(self.state.batches_done) {
                if accumulator.is_empty() {
                    self.device
                        .seed(step_seed(self.config.seed, self.state.global_step));
                    step_started = Instant::now();
                }
                let (value, grads) = self.forward_backward(train, batch)?;
                window.0 += value * batch.len() as f64;
                window.1 += batch.len();
                accumulator.add(self.encoder(), grads, batch.len());
                if accumulator.passes() < self.config.gradient_accumulation_steps
                    && index + 1 < batches.len()
                {
                    continue;
                }
                // The accumulator holds this batch's gradients.
                let grads = accumulator
                    .finish(self.encoder())
                    .expect("gradients were added");
                let record = optimizer_step(
                    &mut self.encoder,
                    grads,
                    StepWindow {
                        loss: window.0 / window.1.max(1) as f64,
                        examples: window.1,
                        started: step_started,
                        epoch: epoch as f64 + (index + 1) as f64 / self.batches_per_epoch as f64,
                    },
                    StepParts {
                        config: &self.config,
                        schedule: &self.schedule,
                        optimizer: &mut self.optimizer,
                        state: &mut self.state,
                        log: &mut self.log,
                        run_started: self.started,
                    },
                )?;
                self.state.batches_done = index + 1;
                window = (0.0, 0);
                progress.update(
                    record.step as u64,
                    record.loss,
                    record.lr,
                    record.texts_per_second,
                );
                if self.emit(&TrainEvent::Step(&record)).is_break() {
                    interrupted = true;
                    break 'epochs;
                }
                if let Some(every) = self.config.eval_every_steps
                    && self.state.global_step.is_multiple_of(every)
                    && let Some(end) = self.evaluate(valid, &progress)?.stop()
                {
                    interrupted = matches!(end, Stop::Interrupted);
                    break 'epochs;
                }
            }
            self.state.epoch += 1;
            self.state.batches_done = 0;
            let evaluated_here = self
                .state
                .history
                .last()
                .is_some_and(|r| r.step == self.state.global_step);
            if !evaluated_here && let Some(end) = self.evaluate(valid, &progress)?.stop() {
                interrupted = matches!(end, Stop::Interrupted);
                break;
            }
        }
        progress.finish();
        if !interrupted {
            self.state.finished = true;
        }
        self.save_last()?;
        write_run_curves(&self.run, MATCH_METRIC);
        Ok(MatchOutcome {
            run_dir: self.run.path().to_path_buf(),
            baseline: self.baseline.clone(),
            best: self.best.clone().or_else(|| {
                let step = self.state.early_stopping.best_step()?;
                self.report_of(step)
            }),
            history: self.state.history.clone(),
            steps: self.state.global_step,
            interrupted,
        })
    }

    /// The retrieval report stored in the history at `step`, if any.
    fn report_of(&self, step: usize) -> Option<RetrievalReport> {
        let record = self.state.history.iter().find(|r| r.step == step)?;
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

    /// Embeds texts with the encoder being trained (on the autodiff device):
    /// pooled, not normalized (the loss normalizes).
    fn embed(&self, texts: &[&str], device: &Device) -> Result<Tensor<2>> {
        let encodings = self
            .tokenizer
            .encode_all(texts)
            .map_err(jobfit_model::ModelError::from)?;
        let batch = EncodedBatch::from_encodings(&encodings, self.tokenizer.pad_id());
        let output = self
            .encoder()
            .forward(BertInput::from_batch(&batch, device));
        Ok(self.pooling.pool(output.hidden, output.mask))
    }

    fn forward_backward(
        &self,
        train: &PairDataset,
        batch: &[usize],
    ) -> Result<(f64, GradientsParams)> {
        let device = self.device.clone().autodiff();
        let pairs: Vec<_> = batch.iter().map(|&i| &train.pairs()[i]).collect();
        let anchors: Vec<&str> = pairs.iter().map(|p| p.anchor.as_str()).collect();
        let positives: Vec<&str> = pairs.iter().map(|p| p.positive.as_str()).collect();
        let negatives: Vec<&str> = pairs.iter().filter_map(|p| p.negative.as_deref()).collect();
        let a = self.embed(&anchors, &device)?;
        let p = self.embed(&positives, &device)?;
        let n = if negatives.is_empty() {
            None
        } else {
            Some(self.embed(&negatives, &device)?)
        };
        let loss = self.loss.forward(a, p, n);
        let value = f64::from(loss.clone().into_scalar::<f32>());
        if !value.is_finite() {
            return Err(TrainError::NonFinite {
                step: self.state.global_step + 1,
                loss: value,
            });
        }
        Ok((
            value,
            GradientsParams::from_grads(loss.backward(), self.encoder()),
        ))
    }

    fn embedder(&self) -> Result<TextEmbedder> {
        Ok(TextEmbedder::from_parts(
            self.encoder().valid(),
            self.inference_tokenizer.clone(),
            self.encoder_config.clone(),
            EmbedderOptions {
                max_length: Some(self.inference_tokenizer.max_length()),
                pooling: Some(self.pooling),
                normalize: Some(true),
                ..EmbedderOptions::default()
            },
            "training",
            format!("step-{}", self.state.global_step),
            &self.device,
        )?)
    }

    fn evaluate(&mut self, valid: &RetrievalTask, progress: &Progress) -> Result<EvalFlow> {
        progress.update_message(self.state.global_step as u64, "evaluating retrieval");
        let report = evaluate_retrieval(&self.embedder()?, valid, &MATCH_KS)?;
        let metric = report
            .metrics
            .get(MATCH_METRIC)
            .copied()
            .unwrap_or(f64::NAN);
        let (sum, count) = std::mem::take(&mut self.state.pending_loss);
        let train_loss = if count == 0 {
            f64::NAN
        } else {
            sum / count as f64
        };
        let mut metrics: serde_json::Map<String, serde_json::Value> = report
            .metrics
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        metrics.insert("queries".into(), serde_json::json!(report.queries));
        metrics.insert("skipped".into(), serde_json::json!(report.skipped));
        metrics.insert("docs".into(), serde_json::json!(report.docs));
        let record = EvalRecord {
            step: self.state.global_step,
            epoch: self.state.epoch as f64
                + self.state.batches_done as f64 / self.batches_per_epoch.max(1) as f64,
            train_loss,
            valid_loss: None,
            metric,
            metric_name: MATCH_METRIC.into(),
            metrics,
        };
        let kind = if self.config.eval_every_steps.is_some() {
            EventKind::Eval
        } else {
            EventKind::Epoch
        };
        let mut event = LogEvent::new(kind, record.step, record.epoch)
            .with_elapsed_s(self.started.elapsed().as_secs_f64())
            .with_vals(report.metrics.iter().map(|(k, v)| (k.clone(), *v)));
        if train_loss.is_finite() {
            event = event.with_loss(train_loss);
        }
        self.log.write(&event)?;
        if self.progress {
            progress.println(format!(
                "step {}: {MATCH_METRIC} {metric:.4}, recall@1 {:.4}, recall@10 {:.4}",
                record.step,
                report.get("recall", 1).unwrap_or(f64::NAN),
                report.get("recall", 10).unwrap_or(f64::NAN)
            ));
        }
        let outcome = self
            .state
            .early_stopping
            .update(metric, self.state.global_step);
        self.state.history.push(record.clone());
        if outcome == EvalOutcome::Improved {
            self.save_best(&report)?;
            self.best = Some(report);
        }
        if outcome == EvalOutcome::Stop || self.state.global_step >= self.state.total_steps {
            self.state.finished = true;
        }
        self.save_last()?;
        write_run_curves(&self.run, MATCH_METRIC);
        if self.emit(&TrainEvent::Eval(&record)).is_break() {
            return Ok(EvalFlow::Interrupted);
        }
        Ok(if outcome == EvalOutcome::Stop {
            EvalFlow::Early
        } else {
            EvalFlow::Continue
        })
    }

    fn save_best(&self, report: &RetrievalReport) -> Result<()> {
        let report = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
        let meta = serde_json::json!({
            "run_kind": RunKind::Match.name(),
            "step": self.state.global_step,
            "data": self.extra,
        });
        save_encoder_checkpoint(
            &self.run.best(),
            &self.encoder().valid(),
            &self.encoder_config,
            &self.inference_tokenizer,
            self.pooling,
            &TrainingFiles {
                config: &self.config,
                resume: None,
                extra_files: vec![("retrieval_report.json", report), ("run_meta.json", meta)],
            },
        )
    }

    fn save_last(&self) -> Result<()> {
        save_encoder_checkpoint(
            &self.run.last(),
            &self.encoder().valid(),
            &self.encoder_config,
            &self.inference_tokenizer,
            self.pooling,
            &TrainingFiles {
                config: &self.config,
                resume: Some((&self.state, &self.optimizer)),
                extra_files: Vec::new(),
            },
        )
    }
}
