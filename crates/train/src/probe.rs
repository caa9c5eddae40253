//! The fast linear-probe mode: cached embeddings, head-only training.
//!
//! The encoder stays frozen. Each training and validation text is embedded
//! once (through the configuration's long-text strategy and the head's
//! pooling, chunks averaged per text), then only the classification head
//! trains on the cached vectors, with the same AdamW, schedule, early
//! stopping and metrics as full fine-tuning. Embedding is the only costly
//! part; the head trains in seconds.
//!
//! The head trains on standardized vectors (each dimension shifted and
//! scaled by its training mean and standard deviation), which a linear
//! model fits in far fewer steps than the raw pooled vectors, whose
//! dimensions differ in scale by orders of magnitude. The standardization is
//! then folded into the head's weights (`W' = W / σ`,
//! `b' = b - (μ / σ) · W`), so the saved head reads raw pooled vectors like
//! any other classification head.
//!
//! The result is an ordinary classification checkpoint (the unchanged
//! encoder plus the trained head) in `best/` and `last/`, so `jobfit eval
//! classify` and `jobfit predict` treat it as any fine-tuned model. A probe
//! run is not resumable: it restarts in the time a resume would take.

use std::path::Path;
use std::time::Instant;

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::optim::GradientsParams;
use burn::prelude::*;
use jobfit_model::{
    BertModel, ClassificationHead, ClassificationHeadConfig, EncoderWithHead, FastEncoder,
    HeadPooling, SaveInfo, SavedHead, SeqInput,
};
use ndarray::Array2;
use serde_json::json;

use crate::checkpoint::{
    EvalOutcome, EvalRecord, ExistingRun, RunDir, RunKind, TrainerState, TrainingFiles,
    save_training_checkpoint,
};
use crate::classify::{
    ClassifyOptions, ClassifyOutcome, Docs, new_progress, pooled_features, step_seed, to_vec,
    validation_report, with_max_length, write_run_curves,
};
use crate::dataset::{LongTextEncodings, SeededRng, TextDataset};
use crate::error::{Result, TrainError};
use crate::log::{EventKind, LogEvent, MetricsLog};
use crate::loss::CrossEntropyLoss;
use crate::optim::{GradAccumulator, TrainConfig, TrainOptimizer, clip_grad_norm, with_stable_ids};
use crate::progress::Progress;

impl TrainConfig {
    /// Defaults for a linear probe: a head alone learns with a far larger
    /// learning rate (1e-3) over many cheap epochs (100, batches of 32),
    /// without warmup, stopping after 10 epochs without a better validation
    /// macro-F1.
    pub fn linear_probe() -> Self {
        Self {
            learning_rate: 1e-3,
            epochs: 100,
            batch_size: 32,
            warmup_ratio: 0.0,
            early_stopping_patience: Some(10),
            ..Self::default()
        }
    }
}

/// Trains a classification head on a frozen encoder's cached embeddings
/// and writes a run directory of kind [`RunKind::LinearProbe`].
///
/// `options.config` should usually start from [`TrainConfig::linear_probe`];
/// `options.existing` may be `Refuse` or `Overwrite`.
///
/// # Errors
///
/// As [`crate::train_classifier`]; [`ExistingRun::Resume`] is refused.
pub fn train_linear_probe(
    model_dir: &Path,
    train: &TextDataset,
    valid: &TextDataset,
    options: ClassifyOptions,
    device: &Device,
) -> Result<ClassifyOutcome> {
    let config = options.config.clone();
    config.validate()?;
    if options.existing == ExistingRun::Resume {
        return Err(TrainError::invalid_config(
            "a linear probe cannot be resumed: run it again (only the head trains, in seconds)",
        ));
    }
    let labels = train.label_map()?;
    if valid.is_empty() {
        return Err(TrainError::invalid_config(
            "the validation set is empty: give a validation file or a validation fraction",
        ));
    }
    let (encoder, encoder_config, tokenizer, pooling) =
        crate::classify::load_encoder(model_dir, device)?;
    let tokenizer = with_max_length(tokenizer, config.max_length, &encoder_config)?;
    let run = RunDir::prepare(&options.out, RunKind::LinearProbe, options.existing)?;
    valid.write_jsonl(
        run.path().join(crate::classify::VALID_FILE),
        &options.columns,
    )?;
    let head_pooling = HeadPooling::Tokens(pooling);

    let train_docs = Docs::encode(train, &labels, &tokenizer, &config)?;
    let valid_docs = Docs::encode(valid, &labels, &tokenizer, &config)?;
    let started = Instant::now();
    let fast = FastEncoder::for_device(&encoder, &encoder_config, device);
    let train_x = embed_documents(
        &encoder,
        fast.as_ref(),
        head_pooling,
        &train_docs.encoded,
        tokenizer.pad_id(),
        device,
        options.progress,
    )?;
    let valid_x = embed_documents(
        &encoder,
        fast.as_ref(),
        head_pooling,
        &valid_docs.encoded,
        tokenizer.pad_id(),
        device,
        options.progress,
    )?;
    let embed_seconds = started.elapsed().as_secs_f64();
    let standardizer = Standardizer::fit(&train_x);
    let train_x = standardizer.apply(&train_x);
    let valid_x = standardizer.apply(&valid_x);

    device.seed(config.seed);
    let mut head_config = ClassificationHeadConfig::new(encoder_config.hidden_size, labels.len());
    head_config.dropout = config.dropout;
    head_config.pooling = head_pooling;
    let head = with_stable_ids(ClassificationHead::init(&head_config, device)?).train();
    let mut loss =
        CrossEntropyLoss::new(labels.len())?.with_label_smoothing(config.label_smoothing)?;
    if config.class_weights {
        loss = loss.with_class_weights(train.class_weights(&labels)?)?;
    }
    let mut log = MetricsLog::create(run.metrics_log())?;
    let trained = fit_head(
        head,
        &config,
        &loss,
        (&train_x, &train_docs.labels),
        &valid_x,
        &valid_docs,
        &labels,
        &mut log,
        device,
        options.progress,
    )?;

    let model = EncoderWithHead::new(encoder, standardizer.fold(trained.best_head, device));
    let extra = |record: Option<&EvalRecord>| {
        json!({
            "run_kind": RunKind::LinearProbe.name(),
            "train_config": config,
            "long_text": config.long_text,
            "step": trained.state.global_step,
            "eval": record,
            "embed_seconds": embed_seconds,
            "data": options.extra,
        })
    };
    let best = trained.state.early_stopping.best_step().and_then(|step| {
        trained
            .state
            .history
            .iter()
            .find(|r| r.step == step)
            .cloned()
    });
    let info = SaveInfo {
        config: &encoder_config,
        tokenizer: &tokenizer,
        labels: labels.names(),
        pooling,
        extra: extra(best.as_ref()),
    };
    let report = serde_json::to_value(&trained.best_report).unwrap_or(serde_json::Value::Null);
    save_training_checkpoint(
        &run.best(),
        &model,
        &info,
        &TrainingFiles {
            config: &config,
            resume: None,
            extra_files: vec![("valid_report.json", report)],
        },
    )?;
    let last = EncoderWithHead::new(model.encoder, standardizer.fold(trained.last_head, device));
    let info = SaveInfo {
        extra: extra(trained.state.history.last()),
        ..info
    };
    save_training_checkpoint(
        &run.last(),
        &last,
        &info,
        &TrainingFiles {
            config: &config,
            resume: None,
            extra_files: vec![(
                crate::checkpoint::TRAINER_STATE_FILE,
                serde_json::to_value(&trained.state).unwrap_or(serde_json::Value::Null),
            )],
        },
    )?;
    write_run_curves(&run, "macro_f1");
    Ok(ClassifyOutcome {
        run_dir: run.path().to_path_buf(),
        best,
        best_report: trained.best_report,
        history: trained.state.history.clone(),
        steps: trained.state.global_step,
        stopped_early: trained.stopped_early,
        interrupted: false,
    })
}

/// One vector per document, `[documents, hidden]`: the encoder's pooled
/// output for every encoding (in length-sorted batches, without gradients),
/// averaged over each document's chunks.
///
/// With `fast` (see [`FastEncoder::for_device`]) and token pooling, the
/// fast CPU path computes the same vectors (within 1e-6) several times
/// faster than the Burn model.
pub fn embed_documents(
    encoder: &BertModel,
    fast: Option<&FastEncoder>,
    pooling: HeadPooling,
    encoded: &LongTextEncodings,
    pad_id: u32,
    device: &Device,
    show_progress: bool,
) -> Result<Array2<f32>> {
    let n = encoded.encodings.len();
    let hidden = encoder.hidden_size();
    let mut per_encoding = vec![0f32; n * hidden];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(encoded.encodings[i].len()));
    let progress = new_progress(show_progress, n, "embedding");
    let mut done = 0;
    for chunk in order.chunks(crate::classify::EVAL_BATCH_SIZE) {
        let features = match (fast, pooling) {
            (Some(fast), HeadPooling::Tokens(token_pooling)) => {
                let seqs: Vec<SeqInput<'_>> = chunk
                    .iter()
                    .map(|&i| SeqInput {
                        ids: &encoded.encodings[i].ids,
                        type_ids: &encoded.encodings[i].type_ids,
                    })
                    .collect();
                fast.embed(&seqs, token_pooling, false)?
            }
            _ => {
                let encodings: Vec<_> = chunk
                    .iter()
                    .map(|&i| encoded.encodings[i].clone())
                    .collect();
                to_vec(pooled_features(
                    encoder, pooling, &encodings, pad_id, device,
                ))?
            }
        };
        for (row, &i) in chunk.iter().enumerate() {
            per_encoding[i * hidden..(i + 1) * hidden]
                .copy_from_slice(&features[row * hidden..(row + 1) * hidden]);
        }
        done += chunk.len();
        progress.update_message(done as u64, "texts");
    }
    progress.finish();
    let mut out = Array2::<f32>::zeros((encoded.n_docs, hidden));
    for (d, range) in encoded.doc_ranges().into_iter().enumerate() {
        let share = 1.0 / range.len().max(1) as f32;
        for i in range {
            for h in 0..hidden {
                out[[d, h]] += per_encoding[i * hidden + h] * share;
            }
        }
    }
    Ok(out)
}

/// Per-dimension standardization of cached vectors.
#[derive(Debug, Clone)]
struct Standardizer {
    mean: Vec<f32>,
    std: Vec<f32>,
}

impl Standardizer {
    /// The mean and standard deviation of each column (a constant column
    /// gets deviation 1).
    fn fit(x: &Array2<f32>) -> Self {
        let n = x.nrows().max(1) as f64;
        let mut mean = Vec::with_capacity(x.ncols());
        let mut std = Vec::with_capacity(x.ncols());
        for column in x.columns() {
            let m = column.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = column
                .iter()
                .map(|&v| (f64::from(v) - m).powi(2))
                .sum::<f64>()
                / n;
            let s = var.sqrt();
            mean.push(m as f32);
            std.push(if s > 1e-6 { s as f32 } else { 1.0 });
        }
        Self { mean, std }
    }

    fn apply(&self, x: &Array2<f32>) -> Array2<f32> {
        let mut out = x.clone();
        for mut row in out.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - self.mean[j]) / self.std[j];
            }
        }
        out
    }

    /// A head on raw vectors equal to `head` on standardized ones.
    fn fold(&self, head: ClassificationHead, device: &Device) -> ClassificationHead {
        let width = self.mean.len();
        let classifier = head.classifier();
        let weight = classifier.weight.val().to_device(device);
        let [_, classes] = weight.dims();
        let inv_std: Vec<f32> = self.std.iter().map(|s| 1.0 / s).collect();
        let inv_std = Tensor::<2>::from_data(TensorData::new(inv_std, [width, 1]), device);
        let scaled_mean: Vec<f32> = self
            .mean
            .iter()
            .zip(&self.std)
            .map(|(m, s)| m / s)
            .collect();
        let scaled_mean = Tensor::<2>::from_data(TensorData::new(scaled_mean, [1, width]), device);
        let bias = match &classifier.bias {
            Some(bias) => bias.val().to_device(device).reshape([1, classes]),
            None => Tensor::<2>::zeros([1, classes], device),
        };
        let folded_bias = bias - scaled_mean.matmul(weight.clone());
        let folded = Linear {
            weight: Param::from_tensor(weight * inv_std),
            bias: Some(Param::from_tensor(folded_bias.reshape([classes]))),
        };
        head.with_classifier(folded)
    }
}

struct TrainedHead {
    best_head: ClassificationHead,
    last_head: ClassificationHead,
    best_report: Option<crate::metrics::ClassificationReport>,
    state: TrainerState,
    stopped_early: bool,
}

fn rows_tensor(x: &Array2<f32>, rows: &[usize], device: &Device) -> Tensor<2> {
    let width = x.ncols();
    let mut data: Vec<f32> = Vec::with_capacity(rows.len() * width);
    for &r in rows {
        data.extend(x.row(r).iter());
    }
    Tensor::from_data(TensorData::new(data, [rows.len(), width]), device)
}

/// Trains the head on cached features; keeps the head of the best
/// validation macro-F1.
#[allow(clippy::too_many_arguments)]
fn fit_head(
    mut head: ClassificationHead,
    config: &TrainConfig,
    loss: &CrossEntropyLoss,
    (train_x, train_y): (&Array2<f32>, &[Option<usize>]),
    valid_x: &Array2<f32>,
    valid_docs: &Docs,
    labels: &crate::dataset::LabelMap,
    log: &mut MetricsLog,
    device: &Device,
    show_progress: bool,
) -> Result<TrainedHead> {
    let autodiff = device.clone().autodiff();
    let n = train_x.nrows();
    let batches_per_epoch = n.div_ceil(config.batch_size);
    let total_steps = config.total_steps(batches_per_epoch);
    let schedule = config.schedule(total_steps);
    let mut optimizer = TrainOptimizer::new(&head, config)?;
    let mut state = TrainerState::new(
        RunKind::LinearProbe,
        total_steps,
        config.early_stopping_patience,
    );
    let progress: Progress = new_progress(show_progress, config.epochs, "linear probe");
    let mut best_head = head.valid();
    let mut best_report = None;
    let mut stopped_early = false;
    let valid_all: Vec<usize> = (0..valid_x.nrows()).collect();
    let started = Instant::now();
    for epoch in 0..config.epochs {
        let mut order: Vec<usize> = (0..n).collect();
        SeededRng::new(step_seed(config.seed, epoch)).shuffle(&mut order);
        let mut epoch_loss = (0.0, 0usize);
        let batches: Vec<&[usize]> = order.chunks(config.batch_size).collect();
        let mut accumulator = GradAccumulator::new();
        let mut pending = (0.0, 0usize);
        for (index, batch) in batches.iter().enumerate() {
            if accumulator.is_empty() {
                device.seed(step_seed(config.seed, state.global_step));
            }
            let x = rows_tensor(train_x, batch, &autodiff);
            // Training labels all belong to the label map built from them.
            let y: Vec<i64> = batch
                .iter()
                .map(|&i| train_y[i].unwrap_or(0) as i64)
                .collect();
            let y = Tensor::<1, Int>::from_data(TensorData::new(y, [batch.len()]), &autodiff);
            let batch_loss = loss.forward(head.forward_pooled(x), y);
            let value = f64::from(batch_loss.clone().into_scalar::<f32>());
            if !value.is_finite() {
                return Err(TrainError::NonFinite {
                    step: state.global_step + 1,
                    loss: value,
                });
            }
            let grads = GradientsParams::from_grads(batch_loss.backward(), &head);
            accumulator.add(&head, grads, batch.len());
            pending.0 += value * batch.len() as f64;
            pending.1 += batch.len();
            if accumulator.passes() < config.gradient_accumulation_steps
                && index + 1 < batches.len()
            {
                continue;
            }
            // The accumulator holds this batch's gradients.
            let grads = accumulator.finish(&head).expect("gradients were added");
            let (grads, norm) = clip_grad_norm(&head, grads, config.max_grad_norm);
            if !norm.is_finite() {
                return Err(TrainError::NonFinite {
                    step: state.global_step + 1,
                    loss: norm,
                });
            }
            head = optimizer.step(schedule.lr(state.global_step), head, grads);
            state.global_step += 1;
            epoch_loss.0 += pending.0;
            epoch_loss.1 += pending.1;
            pending = (0.0, 0);
        }
        state.epoch = epoch + 1;
        let train_loss = epoch_loss.0 / epoch_loss.1.max(1) as f64;
        let frozen = head.valid();
        let logits = rows_tensor(valid_x, &valid_all, device);
        let logits = to_vec(frozen.forward_pooled(logits))?;
        let logits = Array2::from_shape_vec((valid_x.nrows(), labels.len()), logits)
            .map_err(|e| TrainError::invalid_config(format!("logits shape: {e}")))?;
        let (report, valid_loss) = validation_report(&logits, valid_docs, labels)?;
        let mut metrics = serde_json::Map::new();
        metrics.insert("accuracy".into(), json!(report.accuracy));
        metrics.insert("weighted_f1".into(), json!(report.weighted_f1));
        let record = EvalRecord {
            step: state.global_step,
            epoch: state.epoch as f64,
            train_loss,
            valid_loss,
            metric: report.macro_f1,
            metric_name: "macro_f1".into(),
            metrics,
        };
        let mut event = LogEvent::new(EventKind::Epoch, record.step, record.epoch)
            .with_loss(train_loss)
            .with_lr(schedule.lr(state.global_step.saturating_sub(1)))
            .with_elapsed_s(started.elapsed().as_secs_f64())
            .with_val("macro_f1", report.macro_f1)
            .with_val("accuracy", report.accuracy)
            .with_val("weighted_f1", report.weighted_f1);
        if let Some(loss) = valid_loss {
            event = event.with_val("loss", loss);
        }
        log.write(&event)?;
        progress.update_message(
            state.epoch as u64,
            format!("loss {train_loss:.4} valid macro-F1 {:.4}", report.macro_f1),
        );
        state.history.push(record);
        match state
            .early_stopping
            .update(report.macro_f1, state.global_step)
        {
            EvalOutcome::Improved => {
                best_head = frozen;
                best_report = Some(report);
            }
            EvalOutcome::NoImprovement => {}
            EvalOutcome::Stop => {
                stopped_early = true;
                break;
            }
        }
    }
    progress.finish();
    state.finished = true;
    Ok(TrainedHead {
        best_head,
        last_head: head.valid(),
        best_report,
        state,
        stopped_early,
    })
}
