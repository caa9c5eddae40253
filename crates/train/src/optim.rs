//! AdamW with Hugging Face-like defaults, parameter groups and warmup/decay schedules.
//!
//! What the Hugging Face Trainer does, and how it is done here on Burn:
//!
//! - **AdamW** (betas 0.9/0.999, epsilon 1e-8, decoupled weight decay 0.01)
//!   is Burn's [`AdamW`](burn::optim::AdamW), whose update is PyTorch's.
//! - **No decay on biases and LayerNorm weights**: Burn's
//!   [`ModuleOptimizer::with_group`] gives parameter groups their own
//!   optimizer. [`TrainOptimizer`] walks the module once, puts every parameter
//!   named `bias` and every parameter of a `LayerNorm` (its `gamma` and
//!   `beta`) in a group whose AdamW has weight decay 0, as
//!   `no_decay = ["bias", "LayerNorm.weight"]` does in Transformers.
//! - **A larger learning rate for the head**: the head's parameters get their
//!   own group whose optimizer scales the scheduled learning rate by
//!   `head_learning_rate / learning_rate`.
//! - **Linear warmup, then linear decay to 0** ([`LinearSchedule`]), the same
//!   numbers as `get_linear_schedule_with_warmup`.
//! - **Clipping by the global norm** of all gradients ([`clip_grad_norm`]),
//!   as `torch.nn.utils.clip_grad_norm_`. Burn's own
//!   `GradientClipping::Norm` clips each tensor by its own norm, which is a
//!   different (and weaker) rule, so it is not used.
//! - **Gradient accumulation that averages** ([`GradAccumulator`]): Burn's
//!   `GradientsAccumulator` sums; this one weighs each micro-batch by its
//!   size, so the accumulated gradient equals the gradient of one big batch.
//!
//! Optimizer state (Adam's moments) is keyed by parameter id in Burn. Ids are
//! random when a model is built, so a model reloaded from disk would not find
//! its state; [`with_stable_ids`] replaces every id with a hash of the
//! parameter's path, which makes saved optimizer state resumable.

use std::path::Path;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamGroup, ParamId};
use burn::optim::{AdamW, AdamWConfig, GradientsParams, ModuleOptimizer, Optimizer};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::LongText;
use crate::error::{Result, TrainError};

/// The hyperparameters of a training run, saved as `train_config.json` next
/// to the weights.
///
/// [`TrainConfig::default`] is the base every task starts from: the Hugging
/// Face Trainer's fine-tuning defaults where it has one (AdamW, weight decay
/// 0.01 as commonly set, clipping at 1.0, linear schedule) and settings that
/// suit a small encoder on a CPU elsewhere. Each task has its own preset,
/// measured on its data: [`TrainConfig::classify`] (fine-tuning a
/// classifier), [`TrainConfig::linear_probe`], [`TrainConfig::contrastive`]
/// and [`TrainConfig::rerank`]. Fields are public for serde; [`TrainConfig::build`] (or
/// [`TrainConfig::validate`]) checks them, and every training entry point
/// validates again before any work starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Peak learning rate of the encoder. Default 2e-5.
    pub learning_rate: f64,
    /// Peak learning rate of the head; `None` uses `learning_rate`.
    /// Default `None`.
    pub head_learning_rate: Option<f64>,
    /// Decoupled weight decay, not applied to biases and LayerNorm weights.
    /// Default 0.01.
    pub weight_decay: f64,
    /// Adam's first-moment decay. Default 0.9.
    pub adam_beta1: f64,
    /// Adam's second-moment decay. Default 0.999.
    pub adam_beta2: f64,
    /// Adam's epsilon. Default 1e-8.
    pub adam_epsilon: f64,
    /// Clip gradients to this global L2 norm; 0 turns clipping off.
    /// Default 1.0.
    pub max_grad_norm: f64,
    /// Fraction of the optimizer steps spent warming the learning rate up
    /// linearly from 0, in `[0, 1]`. Default 0.1.
    pub warmup_ratio: f64,
    /// Passes over the training set. Default 3.
    pub epochs: usize,
    /// Examples per forward pass. Default 16.
    pub batch_size: usize,
    /// Forward passes whose gradients are averaged into one optimizer step.
    /// Default 1.
    pub gradient_accumulation_steps: usize,
    /// Maximum tokens per text (per chunk for chunk pooling), special tokens
    /// included. Default 128.
    pub max_length: usize,
    /// Dropout before the classifier, in `[0, 1)`. Default 0.1. The
    /// encoder's own dropout comes from its `config.json`.
    pub dropout: f64,
    /// Label smoothing of the cross-entropy, in `[0, 1)`. Default 0.
    pub label_smoothing: f64,
    /// Weigh the cross-entropy by inverse class frequency (imbalanced
    /// categories). Default false.
    pub class_weights: bool,
    /// Evaluate every this many optimizer steps; `None` evaluates at the end
    /// of each epoch. Default `None`.
    pub eval_every_steps: Option<usize>,
    /// Stop after this many evaluations without a better validation
    /// macro-F1; `None` never stops early. Default 3.
    pub early_stopping_patience: Option<usize>,
    /// Seed of shuffling, dropout and head initialization. Default 42.
    pub seed: u64,
    /// How texts longer than `max_length` are fitted (classification).
    /// Default [`DEFAULT_LONG_TEXT`].
    pub long_text: LongText,
    /// Clean texts (`jobfit_text::clean`: HTML, mojibake, Unicode,
    /// whitespace) before tokenizing, in training and in prediction.
    /// Default true.
    pub clean_text: bool,
}

/// The default long-text strategy of classification runs: the head of the
/// text, chosen by measurement. On the 24-category LiveCareer resumes (1,193
/// training and 297 validation resumes, a stratified 80/20 split with seed
/// 42, max length 256, `jobfit train classify --linear-probe --long-text
/// ...`), the validation macro-F1 was 0.529 for the head, 0.509 for chunk
/// pooling (every token, about 4 windows per resume) and 0.427 for head +
/// tail with 64 head tokens: resumes put the summary and the latest job
/// first, and their ends (education, references) say less about the
/// category. A fully fine-tuned model reads heads best too: the 8-epoch run
/// of `eval/README.md` (trained on heads, macro-F1 0.691) scored 0.635 when
/// `jobfit eval classify --long-text chunk-pool` pooled all its chunks and
/// 0.511 with head + tail.
pub const DEFAULT_LONG_TEXT: LongText = LongText::Head;

/// The epochs of [`TrainConfig::classify`], and the most that
/// [`TrainConfig::classify_epochs_for`] chooses.
pub const CLASSIFY_MAX_EPOCHS: usize = 8;

/// The fewest epochs that [`TrainConfig::classify_epochs_for`] chooses.
pub const CLASSIFY_MIN_EPOCHS: usize = 2;

/// The optimizer steps a classification run aims at when its epochs are
/// chosen from the data ([`TrainConfig::classify_epochs_for`]): the 600
/// steps (8 epochs of 75 batches of 16) of the best run measured on the
/// LiveCareer resumes.
pub const CLASSIFY_TARGET_STEPS: usize = 600;

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            learning_rate: 2e-5,
            head_learning_rate: None,
            weight_decay: 0.01,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            adam_epsilon: 1e-8,
            max_grad_norm: 1.0,
            warmup_ratio: 0.1,
            epochs: 3,
            batch_size: 16,
            gradient_accumulation_steps: 1,
            max_length: 128,
            dropout: 0.1,
            label_smoothing: 0.0,
            class_weights: false,
            eval_every_steps: None,
            early_stopping_patience: Some(3),
            seed: 42,
            long_text: DEFAULT_LONG_TEXT,
            clean_text: true,
        }
    }
}

/// A builder method `$name(self, value) -> Self` that sets `$field`.
macro_rules! setter {
    ($(#[$doc:meta])* $name:ident, $field:ident: $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$field = value;
            self
        }
    };
}
pub(crate) use setter;

impl TrainConfig {
    setter!(
        /// Sets the encoder's peak learning rate.
        with_learning_rate, learning_rate: f64
    );
    setter!(
        /// Sets the head's peak learning rate (`None`: the encoder's).
        with_head_learning_rate, head_learning_rate: Option<f64>
    );
    setter!(
        /// Sets the weight decay.
        with_weight_decay, weight_decay: f64
    );
    setter!(
        /// Sets the global gradient-norm limit (0: no clipping).
        with_max_grad_norm, max_grad_norm: f64
    );
    setter!(
        /// Sets the warmup fraction.
        with_warmup_ratio, warmup_ratio: f64
    );
    setter!(
        /// Sets the number of epochs.
        with_epochs, epochs: usize
    );
    setter!(
        /// Sets the batch size.
        with_batch_size, batch_size: usize
    );
    setter!(
        /// Sets the number of accumulated forward passes per optimizer step.
        with_gradient_accumulation_steps, gradient_accumulation_steps: usize
    );
    setter!(
        /// Sets the maximum tokens per text.
        with_max_length, max_length: usize
    );
    setter!(
        /// Sets the head's dropout.
        with_dropout, dropout: f64
    );
    setter!(
        /// Sets the label smoothing.
        with_label_smoothing, label_smoothing: f64
    );
    setter!(
        /// Turns inverse-frequency class weights on or off.
        with_class_weights, class_weights: bool
    );
    setter!(
        /// Evaluates every `n` optimizer steps instead of every epoch.
        with_eval_every_steps, eval_every_steps: Option<usize>
    );
    setter!(
        /// Sets the early-stopping patience (`None`: never stop early).
        with_early_stopping_patience, early_stopping_patience: Option<usize>
    );
    setter!(
        /// Sets the seed.
        with_seed, seed: u64
    );
    setter!(
        /// Sets the long-text strategy.
        with_long_text, long_text: LongText
    );
    setter!(
        /// Turns text cleaning on or off.
        with_clean_text, clean_text: bool
    );

    /// Defaults for fine-tuning a classifier (`jobfit train classify`): the
    /// best recipe measured on the 24 LiveCareer resume categories (1,193
    /// training and 297 validation resumes, a stratified 80/20 split with
    /// seed 42; `eval/README.md`, *Resume classification*):
    ///
    /// - learning rate 5e-5 for the encoder and 5e-4 for the new head, batches
    ///   of 16, 10% warmup then linear decay: with the encoder's rate for the
    ///   head too (2e-5, 3 epochs, 128 tokens: the earlier defaults) the run
    ///   reached macro-F1 0.36;
    /// - 256 tokens, the head of each text (512 tokens: 0.688 against 0.691,
    ///   at twice the cost);
    /// - inverse-frequency class weights and label smoothing 0.1: 5 epochs
    ///   without either 0.639, 8 epochs with class weights 0.691, with both
    ///   **0.708** (best epoch = the last);
    /// - 8 epochs ([`CLASSIFY_MAX_EPOCHS`]; 6 epochs with the same loss gave
    ///   0.689), which suits a set of about 1,200 examples: choose them from
    ///   the data with [`TrainConfig::classify_epochs_for`];
    /// - early stopping after 3 evaluations without a better validation
    ///   macro-F1, the best checkpoint kept as `best/`.
    ///
    /// ```
    /// use jobfit_train::TrainConfig;
    ///
    /// let config = TrainConfig::classify();
    /// assert_eq!((config.learning_rate, config.head_learning_rate), (5e-5, Some(5e-4)));
    /// assert_eq!((config.epochs, config.batch_size, config.max_length), (8, 16, 256));
    /// assert!(config.class_weights);
    /// assert_eq!(config.label_smoothing, 0.1);
    /// assert_eq!(config.early_stopping_patience, Some(3));
    /// ```
    pub fn classify() -> Self {
        Self {
            learning_rate: 5e-5,
            head_learning_rate: Some(5e-4),
            epochs: CLASSIFY_MAX_EPOCHS,
            batch_size: 16,
            max_length: 256,
            label_smoothing: 0.1,
            class_weights: true,
            early_stopping_patience: Some(3),
            ..Self::default()
        }
    }

    /// The epochs of a classification run over `train_examples` examples
    /// with this configuration's batch size and accumulation: about
    /// [`CLASSIFY_TARGET_STEPS`] optimizer steps, and between
    /// [`CLASSIFY_MIN_EPOCHS`] and [`CLASSIFY_MAX_EPOCHS`] epochs.
    ///
    /// On the LiveCareer resumes (1,193 training examples, 75 steps per
    /// epoch) this is the measured 8. A larger set reaches the same number of
    /// steps in fewer passes (the validation score of that run had levelled
    /// off after about 400 steps), and fine-tuning rarely needs fewer than 2
    /// epochs; a smaller set gets 8, with early stopping keeping the best
    /// epoch.
    ///
    /// ```
    /// use jobfit_train::TrainConfig;
    ///
    /// let config = TrainConfig::classify();
    /// assert_eq!(config.classify_epochs_for(1_193), 8);
    /// assert_eq!(config.classify_epochs_for(200), 8);
    /// assert_eq!(config.classify_epochs_for(2_400), 4);
    /// assert_eq!(config.classify_epochs_for(50_000), 2);
    /// ```
    pub fn classify_epochs_for(&self, train_examples: usize) -> usize {
        let batches = train_examples.div_ceil(self.batch_size.max(1)).max(1);
        let steps_per_epoch = batches.div_ceil(self.gradient_accumulation_steps.max(1));
        CLASSIFY_TARGET_STEPS
            .div_ceil(steps_per_epoch)
            .clamp(CLASSIFY_MIN_EPOCHS, CLASSIFY_MAX_EPOCHS)
    }

    /// Validates the configuration and returns it.
    pub fn build(self) -> Result<Self> {
        self.validate()?;
        Ok(self)
    }

    /// Checks every field against its valid range.
    pub fn validate(&self) -> Result<()> {
        check_learning_rate("learning_rate", self.learning_rate)?;
        if let Some(lr) = self.head_learning_rate {
            check_learning_rate("head_learning_rate", lr)?;
        }
        let in_range = |name: &str, value: f64, range: &str, ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(TrainError::invalid_config(format!(
                    "{name} must be {range}, got {value}"
                )))
            }
        };
        let finite = |v: f64| v.is_finite();
        in_range(
            "weight_decay",
            self.weight_decay,
            "finite and >= 0",
            finite(self.weight_decay) && self.weight_decay >= 0.0,
        )?;
        for (name, beta) in [
            ("adam_beta1", self.adam_beta1),
            ("adam_beta2", self.adam_beta2),
        ] {
            in_range(name, beta, "in [0, 1)", (0.0..1.0).contains(&beta))?;
        }
        in_range(
            "adam_epsilon",
            self.adam_epsilon,
            "finite and > 0",
            finite(self.adam_epsilon) && self.adam_epsilon > 0.0,
        )?;
        in_range(
            "max_grad_norm",
            self.max_grad_norm,
            "finite and >= 0 (0 turns clipping off)",
            finite(self.max_grad_norm) && self.max_grad_norm >= 0.0,
        )?;
        in_range(
            "warmup_ratio",
            self.warmup_ratio,
            "in [0, 1]",
            (0.0..=1.0).contains(&self.warmup_ratio),
        )?;
        in_range(
            "dropout",
            self.dropout,
            "in [0, 1)",
            (0.0..1.0).contains(&self.dropout),
        )?;
        in_range(
            "label_smoothing",
            self.label_smoothing,
            "in [0, 1)",
            (0.0..1.0).contains(&self.label_smoothing),
        )?;
        for (name, value) in [
            ("epochs", self.epochs),
            ("batch_size", self.batch_size),
            (
                "gradient_accumulation_steps",
                self.gradient_accumulation_steps,
            ),
        ] {
            if value == 0 {
                return Err(TrainError::invalid_config(format!(
                    "{name} must be at least 1, got 0"
                )));
            }
        }
        if self.max_length < 4 {
            return Err(TrainError::invalid_config(format!(
                "max_length must be at least 4 tokens (2 special tokens and some text), got {}",
                self.max_length
            )));
        }
        if self.eval_every_steps == Some(0) {
            return Err(TrainError::invalid_config(
                "eval_every_steps must be at least 1 (or unset to evaluate every epoch)",
            ));
        }
        if let LongText::HeadTail { head } = self.long_text
            && head >= self.max_length.saturating_sub(2)
        {
            return Err(TrainError::invalid_config(format!(
                "long_text head-tail keeps {head} head tokens, which leaves no tail within \
                 max_length {}: use a head below {}",
                self.max_length,
                self.max_length.saturating_sub(2)
            )));
        }
        if self.early_stopping_patience == Some(0) {
            return Err(TrainError::invalid_config(
                "early_stopping_patience must be at least 1 (or unset to never stop early)",
            ));
        }
        Ok(())
    }

    /// Reads a configuration saved by [`save`](Self::save) and validates it.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|error| TrainError::io(path, error))?;
        let config: Self = serde_json::from_slice(&bytes).map_err(|error| {
            TrainError::invalid_config(format!("{} is malformed: {error}", path.display()))
        })?;
        config.build()
    }

    /// Writes the configuration as pretty JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|error| TrainError::invalid_config(format!("cannot serialize: {error}")))?;
        jobfit_model::write_atomic(path, &bytes)?;
        Ok(())
    }

    /// The head's peak learning rate.
    pub fn head_lr(&self) -> f64 {
        self.head_learning_rate.unwrap_or(self.learning_rate)
    }

    /// Optimizer steps of a run over `batches_per_epoch` batches per epoch:
    /// `epochs * ceil(batches_per_epoch / gradient_accumulation_steps)`
    /// (a last, shorter accumulation at the end of an epoch is one step).
    pub fn total_steps(&self, batches_per_epoch: usize) -> usize {
        self.epochs
            * batches_per_epoch
                .div_ceil(self.gradient_accumulation_steps.max(1))
                .max(1)
    }

    /// The learning-rate schedule of a run of `total_steps` optimizer steps.
    pub fn schedule(&self, total_steps: usize) -> LinearSchedule {
        LinearSchedule::with_warmup_ratio(self.learning_rate, self.warmup_ratio, total_steps)
    }
}

/// Checks that a learning rate is finite and positive.
pub fn check_learning_rate(name: &str, lr: f64) -> Result<()> {
    if lr.is_finite() && lr > 0.0 {
        Ok(())
    } else {
        Err(TrainError::invalid_config(format!(
            "{name} must be finite and > 0, got {lr}"
        )))
    }
}

/// Linear warmup from 0 to the peak, then linear decay to 0: Hugging Face's
/// `get_linear_schedule_with_warmup`.
///
/// The learning rate of optimizer step `s` (counting from 0) is
/// `peak * s / warmup` during warmup and
/// `peak * max(0, (total - s) / (total - warmup))` afterwards; so with
/// warmup the very first step runs at 0, as in Transformers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearSchedule {
    /// The peak learning rate.
    pub peak: f64,
    /// Warmup steps.
    pub warmup_steps: usize,
    /// Total optimizer steps.
    pub total_steps: usize,
}

impl LinearSchedule {
    /// A schedule with explicit warmup steps.
    pub fn new(peak: f64, warmup_steps: usize, total_steps: usize) -> Self {
        Self {
            peak,
            warmup_steps,
            total_steps,
        }
    }

    /// A schedule warming up over `ceil(warmup_ratio * total_steps)` steps,
    /// as the Trainer rounds it.
    pub fn with_warmup_ratio(peak: f64, warmup_ratio: f64, total_steps: usize) -> Self {
        let warmup = (warmup_ratio * total_steps as f64).ceil() as usize;
        Self::new(peak, warmup.min(total_steps), total_steps)
    }

    /// The learning rate of optimizer step `step` (from 0).
    pub fn lr(&self, step: usize) -> f64 {
        self.peak * self.factor(step)
    }

    /// The multiplier of the peak at `step`, in `[0, 1]`.
    pub fn factor(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return step as f64 / self.warmup_steps.max(1) as f64;
        }
        let remaining = self.total_steps.saturating_sub(step) as f64;
        let decay = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
        (remaining / decay).clamp(0.0, 1.0)
    }
}

/// Where a parameter sits in the model and which group it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamInfo {
    /// The parameter's path in the module tree, e.g.
    /// `encoder.layers.0.attention.layer_norm.gamma`.
    pub path: String,
    /// The parameter id (stable after [`with_stable_ids`]).
    pub id: ParamId,
    /// Whether weight decay applies (false for biases and LayerNorm).
    pub decay: bool,
    /// Whether the parameter belongs to the head (path starts with `head.`).
    pub head: bool,
    /// Number of scalars.
    pub numel: usize,
}

/// The float parameters of `module` with their groups, in visiting order.
///
/// A parameter is exempt from weight decay when it is named `bias` or sits
/// directly in a `LayerNorm`; it belongs to the head when the first component
/// of its path is `head` (the field of `EncoderWithHead`).
pub fn param_groups<M: Module>(module: &M) -> Vec<ParamInfo> {
    let mut visitor = GroupVisitor::default();
    module.visit(&mut visitor);
    visitor.params
}

#[derive(Default)]
struct GroupVisitor {
    path: Vec<String>,
    containers: Vec<String>,
    params: Vec<ParamInfo>,
}

impl ModuleVisitor for GroupVisitor {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.push(name.to_string());
        self.containers.push(container_type.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
        self.containers.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let name = self.path.last().map(String::as_str).unwrap_or("");
        let container = self.containers.last().map(String::as_str).unwrap_or("");
        let no_decay = name == "bias" || container == "Struct:LayerNorm";
        self.params.push(ParamInfo {
            path: self.path.join("."),
            id: param.id,
            decay: !no_decay,
            head: self.path.first().map(String::as_str) == Some(HEAD_FIELD),
            numel: param.shape().num_elements(),
        });
    }
}

/// The name of the head's field in `EncoderWithHead`.
const HEAD_FIELD: &str = "head";

/// Replaces every parameter id of `module` with a hash of its path, so that
/// optimizer state saved for one copy of a model applies to a copy loaded
/// from disk.
pub fn with_stable_ids<M: Module>(module: M) -> M {
    module.map(&mut StableIds::default())
}

#[derive(Default)]
struct StableIds {
    path: Vec<String>,
}

impl ModuleMapper for StableIds {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (_, tensor, mapper) = param.consume();
        let id = ParamId::from(fnv1a(self.path.join(".").as_bytes()));
        Param::from_mapped_value(id, tensor, mapper)
    }
}

/// 64-bit FNV-1a: a stable hash (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Burn's AdamW with its learning rate multiplied by a constant: the head's
/// optimizer when the head has its own learning rate.
#[derive(Clone)]
struct ScaledLr {
    inner: AdamW,
    scale: f64,
}

impl Optimizer for ScaledLr {
    type State<const D: usize> = <AdamW as Optimizer>::State<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        self.inner.step(lr * self.scale, tensor, grad, state)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        <AdamW as Optimizer>::to_device(state, device)
    }
}

/// AdamW over a module with Hugging Face's parameter groups: decay on
/// weights only, an optional learning-rate multiplier for the head.
///
/// Build it for the model it will train, after [`with_stable_ids`]; call
/// [`step`](Self::step) with the scheduled learning rate and the (clipped,
/// averaged) gradients.
pub struct TrainOptimizer {
    inner: ModuleOptimizer,
    params: Vec<ParamInfo>,
    head_scale: f64,
}

impl core::fmt::Debug for TrainOptimizer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrainOptimizer")
            .field("params", &self.params.len())
            .field("head_scale", &self.head_scale)
            .finish()
    }
}

impl TrainOptimizer {
    /// AdamW for `module` with the settings of `config` (betas, epsilon,
    /// weight decay, head learning rate). The configuration must be valid.
    pub fn new<M: Module>(module: &M, config: &TrainConfig) -> Result<Self> {
        config.validate()?;
        let adamw = |decay: f64| {
            AdamWConfig::new()
                .with_beta_1(config.adam_beta1 as f32)
                .with_beta_2(config.adam_beta2 as f32)
                .with_epsilon(config.adam_epsilon as f32)
                .with_weight_decay(decay as f32)
                .build()
        };
        let head_scale = config.head_lr() / config.learning_rate;
        let params = param_groups(module);
        let ids = |decay: bool, head: bool| {
            ParamGroup::from_ids(
                params
                    .iter()
                    .filter(|p| p.decay == decay && p.head == head)
                    .map(|p| p.id)
                    .collect(),
            )
        };
        let scaled = |decay: f64| ScaledLr {
            inner: adamw(decay),
            scale: head_scale,
        };
        // The first optimizer is the fallback for every parameter; later
        // groups take precedence.
        let inner = ModuleOptimizer::from(adamw(config.weight_decay))
            .with_group(ids(false, false), adamw(0.0), None)
            .with_group(ids(true, true), scaled(config.weight_decay), None)
            .with_group(ids(false, true), scaled(0.0), None);
        Ok(Self {
            inner,
            params,
            head_scale,
        })
    }

    /// The parameters this optimizer was built for, with their groups.
    pub fn params(&self) -> &[ParamInfo] {
        &self.params
    }

    /// The head's learning rate relative to the encoder's.
    pub fn head_scale(&self) -> f64 {
        self.head_scale
    }

    /// One AdamW update of `module` at learning rate `lr` (the encoder's;
    /// the head's is scaled).
    pub fn step<M: Module>(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        self.inner.step(lr, module, grads)
    }

    /// The optimizer state (Adam's moments and step counts) as bytes.
    pub fn state_bytes(&self) -> Result<Vec<u8>> {
        let bytes = self
            .inner
            .into_bytes()
            .map_err(|error| TrainError::Checkpoint {
                path: "optimizer state".into(),
                message: format!("cannot serialize the optimizer state: {error}"),
            })?;
        Ok(bytes.to_vec())
    }

    /// Restores state saved by [`state_bytes`](Self::state_bytes) for a model
    /// with the same (stable) parameter ids.
    pub fn load_state_bytes(self, bytes: Vec<u8>, origin: &Path) -> Result<Self> {
        let inner = self
            .inner
            .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
            .map_err(|error| TrainError::Checkpoint {
                path: origin.to_path_buf(),
                message: format!("the optimizer state cannot be read: {error}"),
            })?;
        Ok(Self { inner, ..self })
    }
}

/// The global L2 norm of all gradients of `module`'s parameters.
pub fn grad_norm<M: Module>(module: &M, grads: &GradientsParams) -> f64 {
    let mut visitor = SquaredNorm { grads, total: None };
    module.visit(&mut visitor);
    match visitor.total {
        Some(total) => f64::from(total.into_scalar::<f32>()).sqrt(),
        None => 0.0,
    }
}

struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.get::<D>(param.id) {
            let squares = grad.square().sum();
            self.total = Some(match self.total.take() {
                Some(total) => total + squares,
                None => squares,
            });
        }
    }
}

/// Multiplies every gradient of `module`'s parameters by `factor`.
pub fn scale_grads<M: Module>(
    module: &M,
    mut grads: GradientsParams,
    factor: f64,
) -> GradientsParams {
    module.visit(&mut ScaleGrads {
        grads: &mut grads,
        factor,
    });
    grads
}

struct ScaleGrads<'a> {
    grads: &'a mut GradientsParams,
    factor: f64,
}

impl ModuleVisitor for ScaleGrads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            self.grads.register(param.id, grad.mul_scalar(self.factor));
        }
    }
}

/// Clips gradients to a global L2 norm of at most `max_norm`, as
/// `torch.nn.utils.clip_grad_norm_`: when the norm `n` exceeds `max_norm`,
/// every gradient is multiplied by `max_norm / (n + 1e-6)`. `max_norm = 0`
/// leaves them alone. Returns the gradients and the norm before clipping
/// (what the Trainer logs as `grad_norm`); a non-finite norm leaves the
/// gradients unchanged for the caller to reject.
pub fn clip_grad_norm<M: Module>(
    module: &M,
    grads: GradientsParams,
    max_norm: f64,
) -> (GradientsParams, f64) {
    let norm = grad_norm(module, &grads);
    if max_norm > 0.0 && norm.is_finite() && norm > max_norm {
        let factor = max_norm / (norm + 1e-6);
        (scale_grads(module, grads, factor), norm)
    } else {
        (grads, norm)
    }
}

/// Averages the gradients of several forward passes into one optimizer
/// step.
///
/// Each pass's gradient (of its mean loss) is weighted by the number of
/// examples in it, and [`finish`](Self::finish) divides by the total, so the
/// result is the gradient of the mean loss over all the examples: the same as
/// one big batch.
#[derive(Debug, Default)]
pub struct GradAccumulator {
    sum: Option<GradientsParams>,
    weight: f64,
    passes: usize,
}

impl GradAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the gradients of a pass over `examples` examples.
    pub fn add<M: Module>(&mut self, module: &M, grads: GradientsParams, examples: usize) {
        let weighted = scale_grads(module, grads, examples as f64);
        self.sum = Some(match self.sum.take() {
            None => weighted,
            Some(mut sum) => {
                module.visit(&mut AddGrads {
                    sum: &mut sum,
                    new: weighted,
                });
                sum
            }
        });
        self.weight += examples as f64;
        self.passes += 1;
    }

    /// Number of passes added since the last [`finish`](Self::finish).
    pub fn passes(&self) -> usize {
        self.passes
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.passes == 0
    }

    /// The averaged gradients; the accumulator is empty afterwards. `None`
    /// when nothing was added.
    pub fn finish<M: Module>(&mut self, module: &M) -> Option<GradientsParams> {
        let sum = self.sum.take()?;
        let weight = std::mem::take(&mut self.weight);
        self.passes = 0;
        Some(scale_grads(
            module,
            sum,
            1.0 / weight.max(f64::MIN_POSITIVE),
        ))
    }
}

struct AddGrads<'a> {
    sum: &'a mut GradientsParams,
    new: GradientsParams,
}

impl ModuleVisitor for AddGrads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.new.remove::<D>(param.id) {
            let total = match self.sum.remove::<D>(param.id) {
                Some(sum) => sum + grad,
                None => grad,
            };
            self.sum.register(param.id, total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let config = TrainConfig::default().build().unwrap();
        let json = serde_json::to_string(&config).unwrap();
        let back: TrainConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, config);
        // Missing fields take their defaults.
        let partial: TrainConfig = serde_json::from_str(r#"{"epochs": 7}"#).unwrap();
        assert_eq!(partial.epochs, 7);
        assert_eq!(partial.learning_rate, 2e-5);
    }

    #[test]
    fn fnv_is_the_reference_hash() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
