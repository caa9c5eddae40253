//! The one training loop behind every fine-tuning task.
//!
//! [`Driver`] owns the flow that classification, contrastive and reranker
//! training share: it walks the epochs' batches, reseeds the backend at each
//! optimizer step (so a resumed run draws the dropout masks the
//! uninterrupted one drew), accumulates gradients to the step boundary,
//! clips and applies them ([`TrainOptimizer`], [`LinearSchedule`]), logs and
//! reports each step, evaluates every N steps and at the epoch's end, keeps
//! the best checkpoint, stops early, lets a callback interrupt the run, and
//! writes `last/` so that the run can resume.
//!
//! A task supplies what differs: its batches, the loss of a batch, its
//! evaluation and how its checkpoints are written ([`TrainTask`]). A new
//! task, such as a head of your own, is one implementation of that trait;
//! `examples/custom_head.rs` trains a multi-label head this way.

use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::prelude::*;

use crate::checkpoint::{
    EvalOutcome, EvalRecord, RunDir, RunKind, TrainerState, TrainingFiles, start_or_resume,
};
use crate::classify::{Callback, StepRecord, TrainEvent, new_progress, write_run_curves};
use crate::error::{Result, TrainError};
use crate::log::{EventKind, LogEvent, MetricsLog};
use crate::optim::{GradAccumulator, LinearSchedule, TrainConfig, TrainOptimizer, clip_grad_norm};
use crate::progress::Progress;

/// When a task is evaluated at the end of an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EpochEndEval {
    /// At the end of every epoch, unless an evaluation every N steps has just
    /// run.
    #[default]
    Always,
    /// At the end of every epoch when there is no evaluation every N steps;
    /// with one, at the end of the last epoch only (unless one has just run).
    UnlessStepping,
}

/// What an evaluation measured.
#[derive(Debug, Clone)]
pub struct Evaluation<R> {
    /// The metric that picks the best checkpoint and drives early stopping
    /// ([`TrainTask::metric_name`]); higher is better.
    pub metric: f64,
    /// Other metrics, stored in the run's history ([`EvalRecord::metrics`]).
    pub metrics: serde_json::Map<String, serde_json::Value>,
    /// The validation loss, when the task has one.
    pub valid_loss: Option<f64>,
    /// The values written to the metrics log line of the evaluation (the
    /// validation loss is added as `loss`).
    pub log_values: Vec<(String, f64)>,
    /// The full report, kept for the best checkpoint and the outcome.
    pub report: R,
}

/// What a checkpoint is written with besides the model.
#[derive(Debug)]
pub struct SaveContext<'a> {
    /// Optimizer steps done.
    pub step: usize,
    /// The evaluation the checkpoint goes with: the new best one for `best/`,
    /// the latest one (if any) for `last/`.
    pub record: Option<&'a EvalRecord>,
    /// The training files: configuration, and for `last/` the trainer state
    /// and the optimizer.
    pub files: TrainingFiles<'a>,
}

/// A fine-tuning task: what the [`Driver`] needs to train a model.
///
/// The model is the whole trained module (an encoder, or an encoder with a
/// head). Batches are lists of indices into the task's own training data.
pub trait TrainTask {
    /// The module being trained.
    type Model: Module;
    /// What an evaluation reports (kept with the best checkpoint).
    type Report: Clone;

    /// The name of the metric that picks the best checkpoint (`"macro_f1"`,
    /// `"mrr@10"`, ...).
    fn metric_name(&self) -> &'static str;

    /// The label of the progress bar.
    fn label(&self) -> &'static str {
        "training"
    }

    /// The progress bar's message while the task evaluates.
    fn eval_label(&self) -> &'static str {
        "evaluating"
    }

    /// Batches of one epoch, as indices into the training data; the same
    /// batches for the same epoch (seeded), so a resumed run continues where
    /// it stopped.
    fn batches(&self, epoch: usize) -> Result<Vec<Vec<usize>>>;

    /// The mean loss of one batch, a one-element tensor on the autodiff
    /// `device`. `step` is the number of optimizer steps already done.
    fn loss(
        &self,
        model: &Self::Model,
        batch: &[usize],
        step: usize,
        device: &Device,
    ) -> Result<Tensor<1>>;

    /// The examples a batch counts for the throughput of a step (by default
    /// its length).
    fn examples(&self, batch: &[usize]) -> usize {
        batch.len()
    }

    /// Evaluates the model (in training mode: call `Module::valid` for
    /// inference) on the task's validation data.
    fn evaluate(&mut self, model: &Self::Model, step: usize) -> Result<Evaluation<Self::Report>>;

    /// The line printed above the progress bar after an evaluation.
    fn eval_message(&self, record: &EvalRecord, _report: &Self::Report) -> String {
        format!(
            "step {} epoch {:.2}: train loss {:.4}, valid {} {:.4}",
            record.step, record.epoch, record.train_loss, record.metric_name, record.metric
        )
    }

    /// Writes the best checkpoint (the directory is `best/` of the run).
    fn save_best(
        &self,
        dir: &Path,
        model: &Self::Model,
        report: &Self::Report,
        context: SaveContext<'_>,
    ) -> Result<()>;

    /// Writes the latest checkpoint, from which the run resumes (the
    /// directory is `last/` of the run; `context.files.resume` holds the
    /// trainer state and the optimizer).
    fn save_last(&self, dir: &Path, model: &Self::Model, context: SaveContext<'_>) -> Result<()>;

    /// Evaluate before the first step (a zero-shot baseline, which is also
    /// the first best). Default false.
    fn evaluate_before_training(&self) -> bool {
        false
    }

    /// When to evaluate at the end of an epoch. Default
    /// [`EpochEndEval::Always`].
    fn epoch_end_eval(&self) -> EpochEndEval {
        EpochEndEval::Always
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// All epochs done.
    Finished,
    /// Early stopping ran out of patience.
    EarlyStopped,
    /// A callback interrupted the run; `last/` holds where it stood.
    Interrupted,
}

/// How a driven run ended.
#[derive(Debug)]
pub struct DriverOutcome<M, R> {
    /// The trained model as it stands at the end (not necessarily the best).
    pub model: M,
    /// The trainer state: steps, epochs, every evaluation.
    pub state: TrainerState,
    /// The best evaluation of this process and its report; `None` when the
    /// best came before a resume, or there was no evaluation.
    pub best: Option<(EvalRecord, R)>,
    /// Why the run stopped.
    pub stop: StopReason,
}

impl<M, R> DriverOutcome<M, R> {
    /// The evaluation of the best checkpoint (from the history, so also when
    /// it came before a resume).
    pub fn best_record(&self) -> Option<EvalRecord> {
        let step = self.state.early_stopping.best_step()?;
        self.state.history.iter().find(|r| r.step == step).cloned()
    }
}

/// Runs a [`TrainTask`] in a run directory.
pub struct Driver<'a> {
    config: TrainConfig,
    run: RunDir,
    kind: RunKind,
    device: Device,
    progress: bool,
    callback: Option<Callback<'a>>,
}

impl core::fmt::Debug for Driver<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Driver")
            .field("config", &self.config)
            .field("run", &self.run)
            .field("kind", &self.kind)
            .field("progress", &self.progress)
            .field("callback", &self.callback.is_some())
            .finish()
    }
}

impl<'a> Driver<'a> {
    /// A driver for a run of `kind` in `run` (prepared with
    /// [`RunDir::prepare`]), with the hyperparameters of `config`, on
    /// `device` (gradients go through `device.autodiff()`), without progress
    /// bars or callback.
    pub fn new(config: TrainConfig, run: RunDir, kind: RunKind, device: &Device) -> Self {
        Self {
            config,
            run,
            kind,
            device: device.clone(),
            progress: false,
            callback: None,
        }
    }

    /// Shows progress bars on standard error.
    #[must_use]
    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// Calls `callback` after every step and evaluation; returning
    /// `ControlFlow::Break(())` saves `last/` and stops.
    #[must_use]
    pub fn with_callback(mut self, callback: Option<Callback<'a>>) -> Self {
        self.callback = callback;
        self
    }

    /// The run directory.
    pub fn run_dir(&self) -> &RunDir {
        &self.run
    }

    /// Trains `model` on `task`: a new run, or the run in the directory
    /// resumed from `last/` (the model then being the one loaded from it).
    ///
    /// `batches_per_epoch` is the length of [`TrainTask::batches`]; with the
    /// configuration it sets the number of optimizer steps and the schedule.
    /// It first keeps freed memory in the process for the steps to reuse
    /// ([`tune_allocator_for_training`](crate::tune_allocator_for_training)).
    ///
    /// # Errors
    ///
    /// Invalid hyperparameters, a resumed run planned for another number of
    /// steps, a non-finite loss or gradient norm ([`TrainError::NonFinite`],
    /// naming the step; the last good checkpoint stays), the task's errors,
    /// and I/O errors.
    pub fn train<T: TrainTask>(
        self,
        task: &mut T,
        model: T::Model,
        batches_per_epoch: usize,
    ) -> Result<DriverOutcome<T::Model, T::Report>> {
        self.config.validate()?;
        crate::tune_allocator_for_training();
        let total_steps = self.config.total_steps(batches_per_epoch);
        let (state, optimizer, log) = start_or_resume(
            &self.run,
            TrainOptimizer::new(&model, &self.config)?,
            self.kind,
            total_steps,
            self.config.early_stopping_patience,
        )?;
        let mut run = Running {
            schedule: self.config.schedule(total_steps),
            config: self.config,
            run: self.run,
            device: self.device,
            show_progress: self.progress,
            callback: self.callback,
            model: Some(model),
            optimizer,
            state,
            log,
            batches_per_epoch: batches_per_epoch.max(1),
            started: Instant::now(),
            best: None,
        };
        let stop = run.run_loop(task)?;
        Ok(DriverOutcome {
            model: run
                .model
                .take()
                .expect("the model is present between steps"),
            state: run.state,
            best: run.best,
            stop,
        })
    }
}

/// The state of a run while the driver trains.
struct Running<'a, M, R> {
    config: TrainConfig,
    schedule: LinearSchedule,
    run: RunDir,
    device: Device,
    show_progress: bool,
    callback: Option<Callback<'a>>,
    /// `None` only while the optimizer updates it.
    model: Option<M>,
    optimizer: TrainOptimizer,
    state: TrainerState,
    log: MetricsLog,
    batches_per_epoch: usize,
    started: Instant,
    best: Option<(EvalRecord, R)>,
}

/// What an evaluation tells the loop.
enum EvalFlow {
    Continue,
    Early,
    Interrupted,
}

impl EvalFlow {
    fn stop(self) -> Option<StopReason> {
        match self {
            Self::Continue => None,
            Self::Early => Some(StopReason::EarlyStopped),
            Self::Interrupted => Some(StopReason::Interrupted),
        }
    }
}

impl<M: Module, R: Clone> Running<'_, M, R> {
    fn model(&self) -> &M {
        // Taken out only inside the optimizer step, which puts it back.
        self.model
            .as_ref()
            .expect("the model is present between steps")
    }

    fn emit(&mut self, event: &TrainEvent<'_>) -> ControlFlow<()> {
        match self.callback.as_mut() {
            Some(callback) => callback(event),
            None => ControlFlow::Continue(()),
        }
    }

    fn run_loop<T: TrainTask<Model = M, Report = R>>(
        &mut self,
        task: &mut T,
    ) -> Result<StopReason> {
        let progress = new_progress(self.show_progress, self.state.total_steps, task.label());
        progress.update_message(self.state.global_step as u64, "");
        let mut stop = StopReason::Finished;
        if task.evaluate_before_training() && self.state.history.is_empty() {
            match self.evaluate(task, &progress)? {
                EvalFlow::Continue => {}
                EvalFlow::Early => self.state.finished = true,
                EvalFlow::Interrupted => stop = StopReason::Interrupted,
            }
        }
        let autodiff = self.device.clone().autodiff();
        'epochs: while stop != StopReason::Interrupted
            && !self.state.finished
            && self.state.epoch < self.config.epochs
        {
            let epoch = self.state.epoch;
            let batches = task.batches(epoch)?;
            let mut accumulator = GradAccumulator::new();
            // Loss summed over examples, examples, examples for throughput.
            let mut window = (0.0f64, 0usize, 0usize);
            let mut step_started = Instant::now();
            for (index, batch) in batches.iter().enumerate().skip(self.state.batches_done) {
                if accumulator.is_empty() {
                    self.device.seed(crate::classify::step_seed(
                        self.config.seed,
                        self.state.global_step,
                    ));
                    step_started = Instant::now();
                }
                let (value, grads) = self.forward_backward(task, batch, &autodiff)?;
                window.0 += value * batch.len() as f64;
                window.1 += batch.len();
                window.2 += task.examples(batch);
                accumulator.add(self.model(), grads, batch.len());
                let boundary = accumulator.passes() >= self.config.gradient_accumulation_steps
                    || index + 1 == batches.len();
                if !boundary {
                    continue;
                }
                let grads = accumulator
                    .finish(self.model())
                    .expect("the accumulator holds this step's gradients");
                let loss = window.0 / window.1.max(1) as f64;
                let examples = window.2;
                window = (0.0, 0, 0);
                let record = self.optimizer_step(
                    grads,
                    loss,
                    examples,
                    step_started,
                    epoch as f64 + (index + 1) as f64 / self.batches_per_epoch as f64,
                )?;
                self.state.batches_done = index + 1;
                progress.update(
                    record.step as u64,
                    record.loss,
                    record.lr,
                    record.texts_per_second,
                );
                if self.emit(&TrainEvent::Step(&record)).is_break() {
                    stop = StopReason::Interrupted;
                    break 'epochs;
                }
                if let Some(every) = self.config.eval_every_steps
                    && self.state.global_step.is_multiple_of(every)
                    && let Some(end) = self.evaluate(task, &progress)?.stop()
                {
                    stop = end;
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
            let due = match task.epoch_end_eval() {
                EpochEndEval::Always => !evaluated_here,
                EpochEndEval::UnlessStepping => {
                    self.config.eval_every_steps.is_none()
                        || (self.state.epoch == self.config.epochs && !evaluated_here)
                }
            };
            if due && let Some(end) = self.evaluate(task, &progress)?.stop() {
                stop = end;
                break 'epochs;
            }
        }
        progress.finish();
        if stop == StopReason::Interrupted {
            // Make the interruption point resumable.
            self.save_last(task)?;
        } else if !self.state.finished {
            self.state.finished = true;
            self.save_last(task)?;
        }
        write_run_curves(&self.run, task.metric_name());
        Ok(stop)
    }

    /// Forward and backward over one batch: its mean loss and gradients.
    fn forward_backward<T: TrainTask<Model = M, Report = R>>(
        &self,
        task: &T,
        batch: &[usize],
        autodiff: &Device,
    ) -> Result<(f64, GradientsParams)> {
        let loss = task.loss(self.model(), batch, self.state.global_step, autodiff)?;
        let value = f64::from(loss.clone().into_scalar::<f32>());
        if !value.is_finite() {
            return Err(TrainError::NonFinite {
                step: self.state.global_step + 1,
                loss: value,
            });
        }
        Ok((
            value,
            GradientsParams::from_grads(loss.backward(), self.model()),
        ))
    }

    /// Clips `grads` by their global norm (a non-finite norm stops the run
    /// with an error naming the step), updates the model at the scheduled
    /// learning rate, counts the step and its loss, and logs it.
    fn optimizer_step(
        &mut self,
        grads: GradientsParams,
        loss: f64,
        examples: usize,
        started: Instant,
        epoch: f64,
    ) -> Result<StepRecord> {
        let current = self
            .model
            .take()
            .expect("the model is present between steps");
        let (grads, norm) = clip_grad_norm(&current, grads, self.config.max_grad_norm);
        if !norm.is_finite() {
            self.model = Some(current);
            return Err(TrainError::NonFinite {
                step: self.state.global_step + 1,
                loss: norm,
            });
        }
        let lr = self.schedule.lr(self.state.global_step);
        self.model = Some(self.optimizer.step(lr, current, grads));
        self.state.global_step += 1;
        self.state.pending_loss.0 += loss;
        self.state.pending_loss.1 += 1;
        let record = StepRecord {
            step: self.state.global_step,
            epoch,
            loss,
            lr,
            grad_norm: norm,
            texts_per_second: examples as f64 / started.elapsed().as_secs_f64().max(1e-9),
        };
        let mut event = LogEvent::step(
            record.step,
            record.epoch,
            record.loss,
            lr,
            record.texts_per_second,
        )
        .with_elapsed_s(self.started.elapsed().as_secs_f64());
        event.val.insert("grad_norm".into(), norm);
        self.log.write(&event)?;
        Ok(record)
    }

    /// Evaluates, updates early stopping, writes `best/` and `last/`.
    fn evaluate<T: TrainTask<Model = M, Report = R>>(
        &mut self,
        task: &mut T,
        progress: &Progress,
    ) -> Result<EvalFlow> {
        progress.update_message(self.state.global_step as u64, task.eval_label());
        let evaluation = task.evaluate(self.model(), self.state.global_step)?;
        let (sum, count) = std::mem::take(&mut self.state.pending_loss);
        let train_loss = if count == 0 {
            f64::NAN
        } else {
            sum / count as f64
        };
        let record = EvalRecord {
            step: self.state.global_step,
            epoch: self.state.epoch as f64
                + self.state.batches_done as f64 / self.batches_per_epoch as f64,
            train_loss,
            valid_loss: evaluation.valid_loss,
            metric: evaluation.metric,
            metric_name: task.metric_name().into(),
            metrics: evaluation.metrics,
        };
        let outcome = self
            .state
            .early_stopping
            .update(record.metric, self.state.global_step);
        self.state.history.push(record.clone());
        let kind = if self.config.eval_every_steps.is_some() {
            EventKind::Eval
        } else {
            EventKind::Epoch
        };
        let mut event = LogEvent::new(kind, record.step, record.epoch)
            .with_elapsed_s(self.started.elapsed().as_secs_f64())
            .with_vals(evaluation.log_values);
        if train_loss.is_finite() {
            event = event.with_loss(train_loss);
        }
        if let Some(loss) = record.valid_loss {
            event = event.with_val("loss", loss);
        }
        self.log.write(&event)?;
        if self.show_progress {
            progress.println(task.eval_message(&record, &evaluation.report));
        }
        if outcome == EvalOutcome::Improved {
            task.save_best(
                &self.run.best(),
                self.model(),
                &evaluation.report,
                SaveContext {
                    step: self.state.global_step,
                    record: Some(&record),
                    files: TrainingFiles {
                        config: &self.config,
                        resume: None,
                        extra_files: Vec::new(),
                    },
                },
            )?;
            self.best = Some((record.clone(), evaluation.report));
        }
        if outcome == EvalOutcome::Stop || self.state.global_step >= self.state.total_steps {
            self.state.finished = true;
        }
        self.save_last(task)?;
        write_run_curves(&self.run, task.metric_name());
        if self.emit(&TrainEvent::Eval(&record)).is_break() {
            return Ok(EvalFlow::Interrupted);
        }
        Ok(if outcome == EvalOutcome::Stop {
            EvalFlow::Early
        } else {
            EvalFlow::Continue
        })
    }

    fn save_last<T: TrainTask<Model = M, Report = R>>(&self, task: &T) -> Result<()> {
        task.save_last(
            &self.run.last(),
            self.model(),
            SaveContext {
                step: self.state.global_step,
                record: self.state.history.last(),
                files: TrainingFiles {
                    config: &self.config,
                    resume: Some((&self.state, &self.optimizer)),
                    extra_files: Vec::new(),
                },
            },
        )
    }
}
