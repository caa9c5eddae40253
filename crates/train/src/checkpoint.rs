//! Training checkpoints: best and last, resume, experiment config.
//!
//! A run directory holds:
//!
//! ```text
//! run.json              marks the directory as a jobfit run (kind, format)
//! best/                 the best model so far (a jobfit checkpoint, or an embedding
//!                       model directory for contrastive runs) + train_config.json
//! last/                 the latest model + train_config.json, trainer_state.json and
//!                       optimizer.bpk (Adam's moments), from which a run resumes
//! metrics.jsonl         one JSON object per step and per evaluation
//! curves.svg            loss and validation metric per evaluation
//! valid.jsonl           the validation examples (classification runs)
//! ```
//!
//! `best/` and `last/` are each written in a staging directory and swapped
//! in whole (see `jobfit_model::write_dir_atomically`): a run killed while
//! writing one leaves the previous one complete and loadable, and the next
//! run in that directory clears the killed run's staging leftovers.

use std::path::{Path, PathBuf};

use jobfit_model::{
    BertConfig, BertModel, EncoderWithHead, ModelError, Pooling, SaveInfo, SavedHead,
    export_encoder, save_checkpoint, write_atomic, write_dir_atomically,
};
use jobfit_text::TextTokenizer;
use serde::{Deserialize, Serialize};

use crate::curves::CURVES_FILE;
use crate::error::{Result, TrainError};
use crate::log::{METRICS_LOG_FILE, MetricsLog};
use crate::optim::{TrainConfig, TrainOptimizer};

/// The file that marks a directory as a run directory.
pub const RUN_FILE: &str = "run.json";
/// The best checkpoint's directory inside a run.
pub const BEST_DIR: &str = "best";
/// The latest checkpoint's directory inside a run.
pub const LAST_DIR: &str = "last";
/// The training configuration beside the weights.
pub const TRAIN_CONFIG_FILE: &str = "train_config.json";
/// Where a run stands (step, epoch, best metric), inside `last/`.
pub const TRAINER_STATE_FILE: &str = "trainer_state.json";
/// The optimizer state (burnpack), inside `last/`.
pub const OPTIMIZER_FILE: &str = "optimizer.bpk";

/// The version of the run-directory layout.
pub const RUN_FORMAT: u32 = 1;

/// What a run trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Full fine-tuning of an encoder with a classification head.
    Classify,
    /// A classification head trained on a frozen encoder's embeddings.
    LinearProbe,
    /// Contrastive (bi-encoder) training for matching.
    Match,
    /// Cross-encoder (reranker) training.
    Rerank,
    /// A task of the user's own, trained through [`crate::Driver`].
    Custom,
}

impl RunKind {
    /// The kind's name in `run.json`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Classify => "classify",
            Self::LinearProbe => "linear_probe",
            Self::Match => "match",
            Self::Rerank => "rerank",
            Self::Custom => "custom",
        }
    }
}

/// What `run.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Layout version ([`RUN_FORMAT`]).
    pub format: u32,
    /// What the run trains.
    pub kind: RunKind,
    /// The crate version that started the run.
    pub created_by: String,
}

/// How to treat an output directory that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExistingRun {
    /// Refuse a directory that holds another run (the default).
    #[default]
    Refuse,
    /// Delete the previous run's files and start over.
    Overwrite,
    /// Continue the run from its `last/` checkpoint.
    Resume,
}

/// A run directory: where a training run writes its checkpoints and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
    resuming: bool,
}

impl RunDir {
    /// Prepares `path` for a run of `kind`.
    ///
    /// - A missing or empty directory is created and marked.
    /// - A directory holding a run: [`ExistingRun::Refuse`] fails with
    ///   [`TrainError::OutputExists`], [`ExistingRun::Overwrite`] deletes the
    ///   run's files, [`ExistingRun::Resume`] continues it (it must be a run
    ///   of the same kind with a `last/` checkpoint).
    /// - A non-empty directory that is not a run is never deleted.
    ///
    /// Staging leftovers of a run killed while writing a checkpoint are
    /// removed.
    pub fn prepare(path: impl Into<PathBuf>, kind: RunKind, existing: ExistingRun) -> Result<Self> {
        let path = path.into();
        let io = |source| TrainError::io(&path, source);
        let is_empty = match std::fs::read_dir(&path) {
            Ok(mut entries) => entries.next().is_none(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => true,
            Err(error) => return Err(io(error)),
        };
        let run = Self {
            path: path.clone(),
            resuming: false,
        };
        if is_empty {
            if existing == ExistingRun::Resume {
                return Err(TrainError::Checkpoint {
                    path: run.last(),
                    message: "there is no run to resume here (no last/ checkpoint)".into(),
                });
            }
            std::fs::create_dir_all(&path).map_err(io)?;
            run.write_info(kind)?;
            return Ok(run);
        }
        let info = match read_run_info(&path)? {
            Some(info) => info,
            None => {
                return Err(TrainError::invalid_config(format!(
                    "{} is not empty and is not a jobfit run directory; \
                     choose a new or empty output directory",
                    path.display()
                )));
            }
        };
        match existing {
            ExistingRun::Refuse => Err(TrainError::OutputExists { path }),
            ExistingRun::Overwrite => {
                std::fs::remove_dir_all(&path).map_err(io)?;
                std::fs::create_dir_all(&path).map_err(io)?;
                run.write_info(kind)?;
                Ok(run)
            }
            ExistingRun::Resume => {
                if info.kind != kind {
                    return Err(TrainError::Checkpoint {
                        path: path.join(RUN_FILE),
                        message: format!(
                            "this is a {} run; it cannot be resumed as a {} run",
                            info.kind.name(),
                            kind.name()
                        ),
                    });
                }
                run.remove_staging_leftovers()?;
                if !run.last().join(TRAINER_STATE_FILE).is_file() {
                    return Err(TrainError::Checkpoint {
                        path: run.last(),
                        message: "there is no last/ checkpoint with a trainer state to resume from"
                            .into(),
                    });
                }
                Ok(Self {
                    resuming: true,
                    ..run
                })
            }
        }
    }

    /// The run directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the run continues from `last/`.
    pub fn is_resuming(&self) -> bool {
        self.resuming
    }

    /// The best checkpoint's directory.
    pub fn best(&self) -> PathBuf {
        self.path.join(BEST_DIR)
    }

    /// The latest checkpoint's directory.
    pub fn last(&self) -> PathBuf {
        self.path.join(LAST_DIR)
    }

    /// The metrics log.
    pub fn metrics_log(&self) -> PathBuf {
        self.path.join(METRICS_LOG_FILE)
    }

    /// The training-curve picture.
    pub fn curves(&self) -> PathBuf {
        self.path.join(CURVES_FILE)
    }

    fn write_info(&self, kind: RunKind) -> Result<()> {
        let info = RunInfo {
            format: RUN_FORMAT,
            kind,
            created_by: format!("jobfit-train {}", env!("CARGO_PKG_VERSION")),
        };
        write_json(&self.path.join(RUN_FILE), &info).map_err(TrainError::from)
    }

    /// Removes `.NAME.staging-PID` directories and `.NAME.tmp-PID` files that
    /// a killed run left behind.
    fn remove_staging_leftovers(&self) -> Result<()> {
        let entries = std::fs::read_dir(&self.path).map_err(|e| TrainError::io(&self.path, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && (name.contains(".staging-") || name.contains(".tmp-")) {
                let path = entry.path();
                let result = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                result.map_err(|e| TrainError::io(&path, e))?;
            }
        }
        Ok(())
    }
}

/// Reads `run.json` of a directory; `None` when there is none.
pub fn read_run_info(dir: &Path) -> Result<Option<RunInfo>> {
    let path = dir.join(RUN_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|error| TrainError::Checkpoint {
                    path,
                    message: format!("run.json is malformed: {error}"),
                })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(TrainError::io(path, error)),
    }
}

/// The checkpoint a path designates: the path itself when it is a
/// checkpoint (holds `jobfit.json` or `config.json`), else its `best/` when
/// it is a run directory.
pub fn resolve_checkpoint(path: &Path) -> PathBuf {
    if path.join("jobfit.json").is_file() || path.join("config.json").is_file() {
        path.to_path_buf()
    } else {
        path.join(BEST_DIR)
    }
}

/// One evaluation of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    /// Optimizer steps done.
    pub step: usize,
    /// Epochs done, fractional.
    pub epoch: f64,
    /// Mean training loss since the previous evaluation (NaN before any step).
    pub train_loss: f64,
    /// Validation loss, when the validation set has a loss (classification).
    pub valid_loss: Option<f64>,
    /// The metric that picks the best checkpoint (validation macro-F1 for
    /// classification, MRR@10 for matching).
    pub metric: f64,
    /// The metric's name.
    pub metric_name: String,
    /// Other validation metrics by name.
    #[serde(default)]
    pub metrics: serde_json::Map<String, serde_json::Value>,
}

/// Early stopping on a validation metric where higher is better.
///
/// An evaluation improves when its metric is strictly above the best so far;
/// after `patience` evaluations in a row without improvement, training stops
/// (the Trainer's `EarlyStoppingCallback`). A non-finite metric never
/// improves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    patience: Option<usize>,
    best: Option<f64>,
    best_step: Option<usize>,
    without_improvement: usize,
}

/// What an evaluation means for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalOutcome {
    /// A new best: save it.
    Improved,
    /// Not better; training goes on.
    NoImprovement,
    /// Not better for `patience` evaluations: stop.
    Stop,
}

impl EarlyStopping {
    /// A tracker that stops after `patience` evaluations without
    /// improvement (`None`: never).
    pub fn new(patience: Option<usize>) -> Self {
        Self {
            patience,
            best: None,
            best_step: None,
            without_improvement: 0,
        }
    }

    /// Records the metric of the evaluation at `step`.
    pub fn update(&mut self, metric: f64, step: usize) -> EvalOutcome {
        let improved = metric.is_finite() && self.best.is_none_or(|best| metric > best);
        if improved {
            self.best = Some(metric);
            self.best_step = Some(step);
            self.without_improvement = 0;
            return EvalOutcome::Improved;
        }
        self.without_improvement += 1;
        match self.patience {
            Some(patience) if self.without_improvement >= patience => EvalOutcome::Stop,
            _ => EvalOutcome::NoImprovement,
        }
    }

    /// The best metric so far.
    pub fn best(&self) -> Option<f64> {
        self.best
    }

    /// The step of the best metric.
    pub fn best_step(&self) -> Option<usize> {
        self.best_step
    }

    /// Evaluations in a row without improvement.
    pub fn without_improvement(&self) -> usize {
        self.without_improvement
    }
}

/// Where a run stands: saved in `last/` so that a run can resume exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerState {
    /// What the run trains.
    pub kind: RunKind,
    /// Optimizer steps done.
    pub global_step: usize,
    /// Optimizer steps of the whole run (the schedule's length).
    pub total_steps: usize,
    /// The epoch in progress (0-based).
    pub epoch: usize,
    /// Batches of `epoch` already trained on.
    pub batches_done: usize,
    /// Early-stopping state.
    pub early_stopping: EarlyStopping,
    /// Every evaluation so far.
    pub history: Vec<EvalRecord>,
    /// Training loss summed since the last evaluation, and the number of
    /// steps in the sum.
    pub pending_loss: (f64, usize),
    /// Whether the run has finished (all epochs or early stopping).
    pub finished: bool,
}

impl TrainerState {
    /// The state of a run that has not started.
    pub fn new(kind: RunKind, total_steps: usize, patience: Option<usize>) -> Self {
        Self {
            kind,
            global_step: 0,
            total_steps,
            epoch: 0,
            batches_done: 0,
            early_stopping: EarlyStopping::new(patience),
            history: Vec::new(),
            pending_loss: (0.0, 0),
            finished: false,
        }
    }

    /// Reads `trainer_state.json` of a checkpoint directory.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(TRAINER_STATE_FILE);
        let bytes = std::fs::read(&path).map_err(|error| TrainError::io(&path, error))?;
        serde_json::from_slice(&bytes).map_err(|error| TrainError::Checkpoint {
            path,
            message: format!("trainer_state.json is malformed: {error}"),
        })
    }
}

/// What a training checkpoint holds besides the model.
#[derive(Debug)]
pub struct TrainingFiles<'a> {
    /// The run's configuration (`train_config.json`).
    pub config: &'a TrainConfig,
    /// For `last/`: the trainer state and the optimizer, to resume from.
    pub resume: Option<(&'a TrainerState, &'a TrainOptimizer)>,
    /// More JSON files to write, by file name.
    pub extra_files: Vec<(&'a str, serde_json::Value)>,
}

/// Saves an encoder with its head as a jobfit checkpoint at `dir`, with the
/// training files, replacing any previous checkpoint there atomically.
pub fn save_training_checkpoint<H: SavedHead>(
    dir: &Path,
    model: &EncoderWithHead<H>,
    info: &SaveInfo<'_>,
    files: &TrainingFiles<'_>,
) -> Result<()> {
    let optimizer_state = optimizer_bytes(files)?;
    write_dir_atomically(dir, |staging| {
        save_checkpoint(staging, model, info)?;
        write_training_files(staging, files, optimizer_state.as_deref())
    })?;
    Ok(())
}

/// Saves an encoder as an embedding-model directory (loadable by
/// `TextEmbedder::from_dir`, Hugging Face and sentence-transformers) at
/// `dir`, with the training files, atomically.
pub fn save_encoder_checkpoint(
    dir: &Path,
    encoder: &BertModel,
    encoder_config: &BertConfig,
    tokenizer: &TextTokenizer,
    pooling: Pooling,
    files: &TrainingFiles<'_>,
) -> Result<()> {
    let optimizer_state = optimizer_bytes(files)?;
    write_dir_atomically(dir, |staging| {
        export_encoder(staging, encoder, encoder_config, tokenizer, pooling)?;
        write_training_files(staging, files, optimizer_state.as_deref())
    })?;
    Ok(())
}

fn optimizer_bytes(files: &TrainingFiles<'_>) -> Result<Option<Vec<u8>>> {
    files
        .resume
        .map(|(_, optimizer)| optimizer.state_bytes())
        .transpose()
}

fn write_training_files(
    dir: &Path,
    files: &TrainingFiles<'_>,
    optimizer_state: Option<&[u8]>,
) -> jobfit_model::Result<()> {
    write_json(&dir.join(TRAIN_CONFIG_FILE), files.config)?;
    if let Some((state, _)) = files.resume {
        write_json(&dir.join(TRAINER_STATE_FILE), state)?;
    }
    if let Some(bytes) = optimizer_state {
        write_atomic(&dir.join(OPTIMIZER_FILE), bytes)?;
    }
    for (name, value) in &files.extra_files {
        write_json(&dir.join(name), value)?;
    }
    Ok(())
}

/// Reads the optimizer state saved in a checkpoint directory, if any.
pub fn read_optimizer_state(dir: &Path) -> Result<Option<Vec<u8>>> {
    let path = dir.join(OPTIMIZER_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(TrainError::io(path, error)),
    }
}

fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> jobfit_model::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|error| {
        ModelError::InvalidArgument(format!("cannot serialize {}: {error}", path.display()))
    })?;
    write_atomic(path, &bytes)
}

/// What a training loop starts from: the trainer state and optimizer restored
/// from `last/` when the run resumes, fresh ones otherwise, and the metrics
/// log (appended to on resume).
///
/// # Errors
///
/// [`TrainError::Checkpoint`] when a resumed run was planned for another
/// number of steps (other data or configuration), and I/O errors.
pub(crate) fn start_or_resume(
    run: &RunDir,
    mut optimizer: TrainOptimizer,
    kind: RunKind,
    total_steps: usize,
    patience: Option<usize>,
) -> Result<(TrainerState, TrainOptimizer, MetricsLog)> {
    if !run.is_resuming() {
        let state = TrainerState::new(kind, total_steps, patience);
        return Ok((state, optimizer, MetricsLog::create(run.metrics_log())?));
    }
    let state = TrainerState::load(&run.last())?;
    if let Some(bytes) = read_optimizer_state(&run.last())? {
        optimizer = optimizer.load_state_bytes(bytes, &run.last())?;
    }
    if state.total_steps != total_steps {
        return Err(TrainError::Checkpoint {
            path: run.last(),
            message: format!(
                "the run was planned for {} steps, but this data and configuration give {total_steps}: resume with the same data and configuration",
                state.total_steps
            ),
        });
    }
    Ok((state, optimizer, MetricsLog::append(run.metrics_log())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_stopping_counts_evaluations_without_improvement() {
        let mut early = EarlyStopping::new(Some(2));
        assert_eq!(early.update(0.5, 1), EvalOutcome::Improved);
        assert_eq!(early.update(0.5, 2), EvalOutcome::NoImprovement);
        assert_eq!(early.update(0.6, 3), EvalOutcome::Improved);
        assert_eq!(early.best_step(), Some(3));
        assert_eq!(early.update(f64::NAN, 4), EvalOutcome::NoImprovement);
        assert_eq!(early.update(0.59, 5), EvalOutcome::Stop);
        assert_eq!(early.best(), Some(0.6));

        let mut never = EarlyStopping::new(None);
        never.update(1.0, 1);
        for step in 2..20 {
            assert_eq!(never.update(0.0, step), EvalOutcome::NoImprovement);
        }
    }
}
