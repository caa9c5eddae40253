//! Classification fine-tuning.
//!
//! [`ClassifyTrainer`] fine-tunes a pretrained encoder with a
//! [`ClassificationHead`] the way the Hugging Face Trainer does: AdamW with
//! decay groups, linear warmup and decay, clipping at a global norm,
//! gradient accumulation that averages, dropout on, validation every epoch
//! (or every N steps), early stopping on validation macro-F1, and `best/` and
//! `last/` checkpoints written atomically in the run directory (see
//! [`crate::RunDir`]). A run is seeded: the same data, configuration and seed
//! give the same batches, dropout masks and weights, and a resumed run
//! continues exactly where the interrupted one stood.
//!
//! # Why not burn-train's `Learner`
//!
//! burn-train brings a terminal UI, system metrics and a dataset framework
//! (over 60 more crates), and its loop cannot express what this one needs:
//! AdamW parameter groups exempt from decay with a separate head learning
//! rate, clipping by the *global* gradient norm (its clipping is per
//! tensor), accumulation that averages (it sums), chunk-pooled documents
//! whose batch holds a variable number of sequences, a run directory whose
//! checkpoints are ordinary Hugging Face model directories swapped in
//! atomically, and resumption that restores the optimizer state through
//! stable parameter ids. The loop is this crate's [`Driver`], shared by
//! every fine-tuning task, and each of those behaviours is tested.
//!
//! # Long texts
//!
//! Texts go through the configuration's [`LongText`] strategy. Head and
//! head+tail give one sequence per text. Chunk pooling gives several; their
//! pooled encoder outputs are averaged per text before the head, so a
//! batch of 16 resumes may run many more sequences through the encoder.

use std::ops::{ControlFlow, Range};
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::*;
use jobfit_model::{
    BertConfig, BertInput, BertModel, ClassificationHead, ClassificationHeadConfig,
    EncoderFeatures, EncoderWithHead, HeadPooling, ModelFiles, Pooling, SaveInfo, SavedHead,
    WeightReader, load_checkpoint,
};
use jobfit_text::{EncodedBatch, Encoding, TextTokenizer};
use ndarray::Array2;
use rayon::prelude::*;
use serde_json::json;

use crate::checkpoint::{
    EvalRecord, ExistingRun, RunDir, RunKind, resolve_checkpoint, save_training_checkpoint,
};
use crate::curves::write_curves;
use crate::dataset::{LabelMap, LongText, LongTextEncodings, SeededRng, TextColumns, TextDataset};
use crate::driver::{Driver, EpochEndEval, Evaluation, SaveContext, StopReason, TrainTask};
use crate::error::{Result, TrainError};
use crate::log::read_metrics_log;
use crate::loss::CrossEntropyLoss;
use crate::metrics::ClassificationReport;
use crate::optim::{TrainConfig, setter, with_stable_ids};
use crate::progress::Progress;

/// The validation set of a classification run, written into its directory as JSON lines
/// (fields named by [`ClassifyOptions::columns`]), so a validation measurement can be
/// repeated on exactly these examples.
pub const VALID_FILE: &str = "valid.jsonl";

/// Texts per forward pass when evaluating or predicting.
pub const EVAL_BATCH_SIZE: usize = 32;

/// Where a classification run writes, and what else to record with it.
#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    /// The hyperparameters.
    pub config: TrainConfig,
    /// The run directory.
    pub out: PathBuf,
    /// What to do when `out` holds a run already.
    pub existing: ExistingRun,
    /// Show progress bars on standard error.
    pub progress: bool,
    /// Free-form provenance (data files, split) stored in `jobfit.json`.
    pub extra: serde_json::Value,
    /// The field names of the validation set the run writes into its directory
    /// ([`VALID_FILE`]). Default `text` and `label`; give the training file's columns so the
    /// file reads back with the same column flags.
    pub columns: TextColumns,
}

impl ClassifyOptions {
    /// The classification defaults ([`TrainConfig::classify`]), writing to
    /// `out`, refusing an existing run, with progress bars.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self {
            config: TrainConfig::classify(),
            out: out.into(),
            existing: ExistingRun::Refuse,
            progress: true,
            extra: serde_json::Value::Null,
            columns: TextColumns::default(),
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
        /// Sets the provenance stored with the checkpoints.
        with_extra, extra: serde_json::Value
    );
    setter!(
        /// Sets the field names of the validation set written into the run directory.
        with_columns, columns: TextColumns
    );
}

/// One optimizer step, as reported to a callback and the metrics log.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// Optimizer steps done, this one included.
    pub step: usize,
    /// Epochs done, fractional.
    pub epoch: f64,
    /// The mean training loss of the step's examples.
    pub loss: f64,
    /// The encoder's learning rate of the step.
    pub lr: f64,
    /// The global gradient norm before clipping.
    pub grad_norm: f64,
    /// Training throughput.
    pub texts_per_second: f64,
}

/// What a training callback sees.
#[derive(Debug, Clone, Copy)]
pub enum TrainEvent<'a> {
    /// After an optimizer step.
    Step(&'a StepRecord),
    /// After an evaluation (and its checkpoints).
    Eval(&'a EvalRecord),
}

/// A callback that may stop a run: returning `ControlFlow::Break(())` saves
/// `last/` and returns, so the run can be resumed later.
pub type Callback<'a> = Box<dyn FnMut(&TrainEvent<'_>) -> ControlFlow<()> + 'a>;

/// How a classification run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifyOutcome {
    /// The run directory.
    pub run_dir: PathBuf,
    /// The best evaluation (its model is in `best/`).
    pub best: Option<EvalRecord>,
    /// The validation report of the best evaluation.
    pub best_report: Option<ClassificationReport>,
    /// Every evaluation.
    pub history: Vec<EvalRecord>,
    /// Optimizer steps done.
    pub steps: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Whether a callback interrupted the run (resume it with
    /// [`ExistingRun::Resume`]).
    pub interrupted: bool,
}

/// Fine-tunes an encoder with a classification head.
pub struct ClassifyTrainer<'a> {
    options: ClassifyOptions,
    callback: Option<Callback<'a>>,
}

impl core::fmt::Debug for ClassifyTrainer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClassifyTrainer")
            .field("options", &self.options)
            .field("callback", &self.callback.is_some())
            .finish()
    }
}

impl<'a> ClassifyTrainer<'a> {
    /// A trainer with these options.
    pub fn new(options: ClassifyOptions) -> Self {
        Self {
            options,
            callback: None,
        }
    }

    /// Calls `callback` after every step and evaluation.
    #[must_use]
    pub fn with_callback(
        mut self,
        callback: impl FnMut(&TrainEvent<'_>) -> ControlFlow<()> + 'a,
    ) -> Self {
        self.callback = Some(Box::new(callback));
        self
    }

    /// Fine-tunes the Hugging Face encoder in `model_dir` on `train`,
    /// validating on `valid`, and writes the run directory.
    ///
    /// # Errors
    ///
    /// Invalid hyperparameters, an empty training or validation set, a
    /// single class, an output directory holding another run, a model
    /// directory that cannot be loaded, a non-finite loss
    /// ([`TrainError::NonFinite`], naming the step; the last good
    /// checkpoint stays), and I/O errors.
    pub fn train(
        self,
        model_dir: &Path,
        train: &TextDataset,
        valid: &TextDataset,
        device: &Device,
    ) -> Result<ClassifyOutcome> {
        let config = self.options.config.clone();
        config.validate()?;
        let labels = train.label_map()?;
        if valid.is_empty() {
            return Err(TrainError::invalid_config(
                "the validation set is empty: give a validation file or a validation fraction",
            ));
        }
        // A new run loads the pretrained encoder before creating its
        // directory, so a bad model path leaves nothing behind.
        let pretrained = match self.options.existing {
            ExistingRun::Resume => None,
            _ => Some(load_encoder(model_dir, device)?),
        };
        let run = RunDir::prepare(&self.options.out, RunKind::Classify, self.options.existing)?;
        valid.write_jsonl(run.path().join(VALID_FILE), &self.options.columns)?;
        let (model, encoder_config, tokenizer, pooling) = match pretrained {
            Some((encoder, encoder_config, tokenizer, pooling)) => {
                // Seed before the head's random initialization.
                device.seed(config.seed);
                let mut head_config =
                    ClassificationHeadConfig::new(encoder_config.hidden_size, labels.len());
                head_config.dropout = config.dropout;
                head_config.pooling = HeadPooling::Tokens(pooling);
                let head = ClassificationHead::init(&head_config, device)?;
                (
                    EncoderWithHead::new(encoder, head),
                    encoder_config,
                    tokenizer,
                    pooling,
                )
            }
            None => {
                let checkpoint = load_checkpoint::<ClassificationHead>(&run.last(), device)?;
                if checkpoint.meta.labels != labels.names() {
                    return Err(TrainError::Checkpoint {
                        path: run.last(),
                        message: format!(
                            "the checkpoint was trained on labels {:?}, but the training set has {:?}",
                            checkpoint.meta.labels,
                            labels.names()
                        ),
                    });
                }
                (
                    checkpoint.model,
                    checkpoint.config,
                    checkpoint.tokenizer,
                    checkpoint.meta.pooling,
                )
            }
        };
        let tokenizer = with_max_length(tokenizer, config.max_length, &encoder_config)?;

        let progress = self.options.progress;
        let train_docs = Docs::encode(train, &labels, &tokenizer, &config)?;
        let valid_docs = Docs::encode(valid, &labels, &tokenizer, &config)?;
        if train_docs.n_docs() == 0 {
            return Err(TrainError::EmptyDataset);
        }

        let mut loss =
            CrossEntropyLoss::new(labels.len())?.with_label_smoothing(config.label_smoothing)?;
        if config.class_weights {
            loss = loss.with_class_weights(train.class_weights(&labels)?)?;
        }

        let batches_per_epoch = train_docs.n_docs().div_ceil(config.batch_size);
        let model = with_stable_ids(model).train();
        let run_path = run.path().to_path_buf();
        let best_dir = run.best();
        let driver = Driver::new(config.clone(), run, RunKind::Classify, device)
            .with_progress(progress)
            .with_callback(self.callback);
        let mut task = ClassifyTask {
            lengths: train_docs.lengths(),
            config,
            device: device.clone(),
            labels,
            tokenizer,
            encoder_config,
            pooling,
            loss,
            train_docs,
            valid_docs,
            extra: self.options.extra,
        };
        let outcome = driver.train(&mut task, model, batches_per_epoch)?;
        let best = outcome.best_record();
        let best_report = match outcome.best {
            Some((_, report)) => Some(report),
            // The best came before a resume: the report saved with it.
            None => std::fs::read(best_dir.join(VALID_REPORT_FILE))
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok()),
        };
        Ok(ClassifyOutcome {
            run_dir: run_path,
            best,
            best_report,
            history: outcome.state.history,
            steps: outcome.state.global_step,
            stopped_early: outcome.stop == StopReason::EarlyStopped,
            interrupted: outcome.stop == StopReason::Interrupted,
        })
    }
}

/// The validation report saved with `best/`.
const VALID_REPORT_FILE: &str = "valid_report.json";

/// Fine-tunes with [`ClassifyTrainer`] and no callback.
pub fn train_classifier(
    model_dir: &Path,
    train: &TextDataset,
    valid: &TextDataset,
    options: ClassifyOptions,
    device: &Device,
) -> Result<ClassifyOutcome> {
    ClassifyTrainer::new(options).train(model_dir, train, valid, device)
}

/// Loads a Hugging Face encoder directory: the encoder, its configuration,
/// its tokenizer (at the directory's maximum length) and its pooling.
pub fn load_encoder(
    dir: &Path,
    device: &Device,
) -> Result<(BertModel, BertConfig, TextTokenizer, Pooling)> {
    let files = ModelFiles::locate(dir)?;
    let config = BertConfig::from_file(&files.config)?;
    let mut reader = WeightReader::from_file(&files.weights)?;
    let encoder = BertModel::load(&config, &mut reader, device)?;
    reader.finish()?;
    // The prompts travel with the tokenizer, so a checkpoint keeps them.
    let tokenizer = TextTokenizer::from_file(&files.tokenizer)
        .map_err(jobfit_model::ModelError::from)?
        .with_pad_id(config.pad_token_id)
        .with_prompts(files.prompts.clone());
    let tokenizer = match files.max_seq_length {
        Some(max) => tokenizer
            .with_max_length(max.min(config.max_sequence_length()))
            .map_err(jobfit_model::ModelError::from)?,
        None => tokenizer,
    };
    Ok((
        encoder,
        config,
        tokenizer,
        files.pooling.unwrap_or_default(),
    ))
}

/// The tokenizer at `max_length`, which must fit the encoder's positions.
pub(crate) fn with_max_length(
    tokenizer: TextTokenizer,
    max_length: usize,
    config: &BertConfig,
) -> Result<TextTokenizer> {
    if max_length > config.max_sequence_length() {
        return Err(TrainError::invalid_config(format!(
            "max_length {max_length} exceeds the encoder's {} positions",
            config.max_sequence_length()
        )));
    }
    Ok(tokenizer
        .with_max_length(max_length)
        .map_err(jobfit_model::ModelError::from)?)
}

/// Encoded documents with their label ids.
#[derive(Debug, Clone)]
pub(crate) struct Docs {
    pub(crate) encoded: LongTextEncodings,
    ranges: Vec<Range<usize>>,
    /// Label ids; `None` for a label unseen in training.
    pub(crate) labels: Vec<Option<usize>>,
    /// Label names, for reports.
    pub(crate) names: Vec<String>,
}

impl Docs {
    pub(crate) fn encode(
        data: &TextDataset,
        labels: &LabelMap,
        tokenizer: &TextTokenizer,
        config: &TrainConfig,
    ) -> Result<Self> {
        let encoded = encode_texts(
            &data.texts(),
            tokenizer,
            config.long_text,
            config.clean_text,
        )?;
        Ok(Self {
            ranges: encoded.doc_ranges(),
            encoded,
            labels: data.label_ids(labels),
            names: data.labels().iter().map(|l| l.to_string()).collect(),
        })
    }

    pub(crate) fn n_docs(&self) -> usize {
        self.ranges.len()
    }

    /// Tokens of each document (all its chunks).
    fn lengths(&self) -> Vec<usize> {
        self.ranges
            .iter()
            .map(|r| {
                self.encoded.encodings[r.clone()]
                    .iter()
                    .map(Encoding::len)
                    .sum()
            })
            .collect()
    }
}

/// Encodes texts under a long-text strategy, cleaning them first when
/// `clean` is set (what training and prediction both do).
pub fn encode_texts(
    texts: &[&str],
    tokenizer: &TextTokenizer,
    long_text: LongText,
    clean: bool,
) -> Result<LongTextEncodings> {
    if clean {
        let cleaned: Vec<String> = texts.par_iter().map(|t| jobfit_text::clean(t)).collect();
        let cleaned: Vec<&str> = cleaned.iter().map(String::as_str).collect();
        long_text.encode(tokenizer, &cleaned)
    } else {
        long_text.encode(tokenizer, texts)
    }
}

/// A seed for the random draws (dropout) of optimizer step `step`: every
/// step reseeds the backend, so a run resumed at any step draws what the
/// uninterrupted run drew.
pub(crate) fn step_seed(seed: u64, step: usize) -> u64 {
    SeededRng::new(seed ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

/// The batches of one epoch: a seeded shuffle, then within buckets of 8
/// batches the documents are sorted by length (less padding), and the
/// batches are shuffled again.
pub fn epoch_batches(
    lengths: &[usize],
    batch_size: usize,
    seed: u64,
    epoch: usize,
) -> Vec<Vec<usize>> {
    let batch_size = batch_size.max(1);
    let mut rng = SeededRng::new(step_seed(seed, epoch) ^ 0x5EED_BA7C_4E50_0000);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    rng.shuffle(&mut order);
    let mut batches: Vec<Vec<usize>> = Vec::with_capacity(lengths.len().div_ceil(batch_size));
    for bucket in order.chunks(batch_size * 8) {
        let mut bucket = bucket.to_vec();
        bucket.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
        batches.extend(bucket.chunks(batch_size).map(<[usize]>::to_vec));
    }
    rng.shuffle(&mut batches);
    batches
}

/// The pooled features of documents, `[documents, hidden]`: the encoder
/// runs on every encoding, its output is pooled with the head's pooling,
/// and the encodings of one document (chunks) are averaged.
///
/// `groups[d]` is the range of `encodings` of document `d`.
pub fn document_features(
    model: &EncoderWithHead<ClassificationHead>,
    encodings: &[Encoding],
    groups: &[Range<usize>],
    pad_id: u32,
    device: &Device,
) -> Tensor<2> {
    let pooled = pooled_features(
        &model.encoder,
        model.head.config().pooling,
        encodings,
        pad_id,
        device,
    );
    average_groups(pooled, groups, encodings.len(), device)
}

/// The encoder's pooled output for each encoding, `[encodings, hidden]`.
pub fn pooled_features(
    encoder: &BertModel,
    pooling: HeadPooling,
    encodings: &[Encoding],
    pad_id: u32,
    device: &Device,
) -> Tensor<2> {
    let batch = EncodedBatch::from_encodings(encodings, pad_id);
    let output = encoder.forward(BertInput::from_batch(&batch, device));
    EncoderFeatures::new(output, encoder).pool(pooling)
}

/// Averages the rows of `x` within each group.
fn average_groups(
    x: Tensor<2>,
    groups: &[Range<usize>],
    rows: usize,
    device: &Device,
) -> Tensor<2> {
    let identity = groups.len() == rows && groups.iter().enumerate().all(|(i, r)| *r == (i..i + 1));
    if identity {
        return x;
    }
    let mut weights = vec![0f32; groups.len() * rows];
    for (d, range) in groups.iter().enumerate() {
        let share = 1.0 / range.len().max(1) as f32;
        for r in range.clone() {
            weights[d * rows + r] = share;
        }
    }
    let matrix = Tensor::<2>::from_data(TensorData::new(weights, [groups.len(), rows]), device);
    matrix.matmul(x)
}

/// Logits of every document, `[documents, classes]`, evaluated in
/// length-sorted batches of `batch_size` encodings; the logits of a
/// document's chunks are averaged (equal to the head applied to the
/// averaged features, the head being linear).
///
/// `model` should be in inference mode (`Module::valid`).
pub fn predict_logits(
    model: &EncoderWithHead<ClassificationHead>,
    encoded: &LongTextEncodings,
    pad_id: u32,
    batch_size: usize,
    device: &Device,
) -> Result<Array2<f32>> {
    let n = encoded.encodings.len();
    let classes = model.head.config().num_labels;
    let mut per_encoding = vec![0f32; n * classes];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(encoded.encodings[i].len()));
    for chunk in order.chunks(batch_size.max(1)) {
        let encodings: Vec<Encoding> = chunk
            .iter()
            .map(|&i| encoded.encodings[i].clone())
            .collect();
        let groups: Vec<Range<usize>> = (0..chunk.len()).map(|i| i..i + 1).collect();
        let features = document_features(model, &encodings, &groups, pad_id, device);
        let logits = to_vec(model.head.forward_pooled(features))?;
        for (row, &i) in chunk.iter().enumerate() {
            per_encoding[i * classes..(i + 1) * classes]
                .copy_from_slice(&logits[row * classes..(row + 1) * classes]);
        }
    }
    let mut out = Array2::<f32>::zeros((encoded.n_docs, classes));
    let ranges = encoded.doc_ranges();
    for (d, range) in ranges.iter().enumerate() {
        let share = 1.0 / range.len().max(1) as f32;
        for i in range.clone() {
            for c in 0..classes {
                out[[d, c]] += per_encoding[i * classes + c] * share;
            }
        }
    }
    Ok(out)
}

pub(crate) fn to_vec<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|error| TrainError::invalid_config(format!("cannot read a tensor: {error:?}")))
}

/// The index of the largest value of each row (the first on ties).
pub fn argmax_rows(logits: &Array2<f32>) -> Vec<usize> {
    logits
        .rows()
        .into_iter()
        .map(|row| {
            let mut best = 0;
            for (i, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

/// A progress bar, hidden unless asked for (and standard error is a terminal).
pub(crate) fn new_progress(show: bool, total: usize, label: &str) -> Progress {
    if show {
        Progress::new(total as u64, label)
    } else {
        Progress::hidden(total as u64, label)
    }
}

/// Redraws a run's curves from its metrics log. The picture is a
/// convenience: failing to draw it never fails a run.
pub(crate) fn write_run_curves(run: &RunDir, metric: &str) {
    if let Ok(events) = read_metrics_log(run.metrics_log()) {
        let _ = write_curves(&events, metric, run.curves());
    }
}

/// The report and mean cross-entropy (over examples with known labels) of
/// validation logits.
pub(crate) fn validation_report(
    logits: &Array2<f32>,
    docs: &Docs,
    labels: &LabelMap,
) -> Result<(ClassificationReport, Option<f64>)> {
    let predicted: Vec<&str> = argmax_rows(logits)
        .into_iter()
        // Argmax indexes the head's outputs, one per label.
        .map(|i| labels.name(i).unwrap_or(""))
        .collect();
    let report = ClassificationReport::from_labels(&docs.names, &predicted, labels.names())?;
    let mut total = 0.0;
    let mut count = 0usize;
    for (row, label) in logits.rows().into_iter().zip(&docs.labels) {
        let Some(label) = label else { continue };
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        let sum: f64 = row.iter().map(|&v| (v as f64 - max).exp()).sum();
        total += sum.ln() + max - row[*label] as f64;
        count += 1;
    }
    Ok((report, (count > 0).then(|| total / count as f64)))
}

/// Classification as a [`TrainTask`]: documents in length-bucketed batches,
/// cross-entropy on the head's logits, validation macro-F1.
struct ClassifyTask {
    config: TrainConfig,
    device: Device,
    labels: LabelMap,
    tokenizer: TextTokenizer,
    encoder_config: BertConfig,
    pooling: Pooling,
    loss: CrossEntropyLoss,
    train_docs: Docs,
    valid_docs: Docs,
    /// Tokens of each training document.
    lengths: Vec<usize>,
    extra: serde_json::Value,
}

impl ClassifyTask {
    fn save_info(&self, step: usize, record: Option<&EvalRecord>) -> SaveInfo<'_> {
        SaveInfo {
            config: &self.encoder_config,
            tokenizer: &self.tokenizer,
            labels: self.labels.names(),
            pooling: self.pooling,
            extra: json!({
                "run_kind": RunKind::Classify.name(),
                "train_config": self.config,
                "long_text": self.config.long_text,
                "step": step,
                "eval": record,
                "data": self.extra,
            }),
        }
    }
}

impl TrainTask for ClassifyTask {
    type Model = EncoderWithHead<ClassificationHead>;
    type Report = ClassificationReport;

    fn metric_name(&self) -> &'static str {
        "macro_f1"
    }

    fn eval_label(&self) -> &'static str {
        "validating"
    }

    fn batches(&self, epoch: usize) -> Result<Vec<Vec<usize>>> {
        Ok(epoch_batches(
            &self.lengths,
            self.config.batch_size,
            self.config.seed,
            epoch,
        ))
    }

    fn loss(
        &self,
        model: &Self::Model,
        batch: &[usize],
        _step: usize,
        device: &Device,
    ) -> Result<Tensor<1>> {
        let (encodings, groups) = gather(&self.train_docs, batch);
        let targets: Vec<i64> = batch
            .iter()
            // Training labels all belong to the label map built from them.
            .map(|&d| self.train_docs.labels[d].unwrap_or(0) as i64)
            .collect();
        let features =
            document_features(model, &encodings, &groups, self.tokenizer.pad_id(), device);
        let logits = model.head.forward_pooled(features);
        let device = logits.device();
        let targets = Tensor::<1, Int>::from_data(TensorData::new(targets, [batch.len()]), &device);
        Ok(self.loss.forward(logits, targets))
    }

    fn evaluate(
        &mut self,
        model: &Self::Model,
        _step: usize,
    ) -> Result<Evaluation<ClassificationReport>> {
        let logits = predict_logits(
            &model.valid(),
            &self.valid_docs.encoded,
            self.tokenizer.pad_id(),
            EVAL_BATCH_SIZE,
            &self.device,
        )?;
        let (report, valid_loss) = validation_report(&logits, &self.valid_docs, &self.labels)?;
        let mut metrics = serde_json::Map::new();
        metrics.insert("accuracy".into(), json!(report.accuracy));
        metrics.insert("weighted_f1".into(), json!(report.weighted_f1));
        Ok(Evaluation {
            metric: report.macro_f1,
            metrics,
            valid_loss,
            log_values: vec![
                ("macro_f1".into(), report.macro_f1),
                ("accuracy".into(), report.accuracy),
                ("weighted_f1".into(), report.weighted_f1),
            ],
            report,
        })
    }

    fn eval_message(&self, record: &EvalRecord, report: &ClassificationReport) -> String {
        format!(
            "step {} epoch {:.2}: train loss {:.4}, valid macro-F1 {:.4}, accuracy {:.4}",
            record.step, record.epoch, record.train_loss, report.macro_f1, report.accuracy
        )
    }

    fn epoch_end_eval(&self) -> EpochEndEval {
        EpochEndEval::UnlessStepping
    }

    fn save_best(
        &self,
        dir: &Path,
        model: &Self::Model,
        report: &ClassificationReport,
        context: SaveContext<'_>,
    ) -> Result<()> {
        let report = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
        let info = self.save_info(context.step, context.record);
        let mut files = context.files;
        files.extra_files.push((VALID_REPORT_FILE, report));
        save_training_checkpoint(dir, &model.valid(), &info, &files)
    }

    fn save_last(&self, dir: &Path, model: &Self::Model, context: SaveContext<'_>) -> Result<()> {
        save_training_checkpoint(
            dir,
            &model.valid(),
            &self.save_info(context.step, context.record),
            &context.files,
        )
    }
}

/// The encodings of a batch of documents and each document's range in them.
fn gather(docs: &Docs, batch: &[usize]) -> (Vec<Encoding>, Vec<Range<usize>>) {
    let mut encodings = Vec::new();
    let mut groups = Vec::with_capacity(batch.len());
    for &d in batch {
        let start = encodings.len();
        encodings.extend_from_slice(&docs.encoded.encodings[docs.ranges[d].clone()]);
        groups.push(start..encodings.len());
    }
    (encodings, groups)
}

/// A fine-tuned classifier loaded for prediction: what `jobfit eval
/// classify` and `jobfit predict` use.
#[derive(Debug)]
pub struct Classifier {
    model: EncoderWithHead<ClassificationHead>,
    tokenizer: TextTokenizer,
    labels: LabelMap,
    long_text: LongText,
    clean_text: bool,
    device: Device,
}

impl Classifier {
    /// Loads a checkpoint directory, or a run directory's `best/`.
    pub fn load(path: &Path, device: &Device) -> Result<Self> {
        let dir = resolve_checkpoint(path);
        let checkpoint = load_checkpoint::<ClassificationHead>(&dir, device)?;
        let long_text = checkpoint
            .meta
            .extra
            .get("long_text")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or(LongText::Head);
        let clean_text = checkpoint
            .meta
            .extra
            .get("train_config")
            .and_then(|c| c.get("clean_text"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let labels = LabelMap::try_from(checkpoint.meta.labels.clone()).map_err(|message| {
            TrainError::Checkpoint {
                path: dir.clone(),
                message,
            }
        })?;
        Ok(Self {
            model: checkpoint.model,
            tokenizer: checkpoint.tokenizer,
            labels,
            long_text,
            clean_text,
            device: device.clone(),
        })
    }

    /// The labels, in logit order.
    pub fn labels(&self) -> &LabelMap {
        &self.labels
    }

    /// The long-text strategy texts are read with: the one the model was
    /// trained with unless [`with_long_text`](Self::with_long_text) changed it.
    pub fn long_text(&self) -> LongText {
        self.long_text
    }

    /// Reads texts with `long_text` instead of the strategy the model was
    /// trained with (for example, a model trained on the head of each resume
    /// can score every chunk of it).
    ///
    /// # Errors
    ///
    /// [`LongText::validate`]'s errors for this model's tokenizer.
    pub fn with_long_text(mut self, long_text: LongText) -> Result<Self> {
        long_text.validate(&self.tokenizer)?;
        self.long_text = long_text;
        Ok(self)
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Logits of each text, `[texts, labels]`.
    pub fn logits(&self, texts: &[&str]) -> Result<Array2<f32>> {
        if texts.is_empty() {
            return Ok(Array2::zeros((0, self.labels.len())));
        }
        let encoded = encode_texts(texts, &self.tokenizer, self.long_text, self.clean_text)?;
        predict_logits(
            &self.model,
            &encoded,
            self.tokenizer.pad_id(),
            EVAL_BATCH_SIZE,
            &self.device,
        )
    }

    /// Class probabilities (softmax of the logits) of each text.
    pub fn probabilities(&self, texts: &[&str]) -> Result<Array2<f32>> {
        let mut logits = self.logits(texts)?;
        for mut row in logits.rows_mut() {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            row.mapv_inplace(|v| (v - max).exp());
            let sum: f32 = row.sum();
            row.mapv_inplace(|v| v / sum);
        }
        Ok(logits)
    }

    /// The most likely label of each text.
    pub fn predict(&self, texts: &[&str]) -> Result<Vec<String>> {
        let logits = self.logits(texts)?;
        Ok(argmax_rows(&logits)
            .into_iter()
            .map(|i| self.labels.name(i).unwrap_or_default().to_string())
            .collect())
    }
}
