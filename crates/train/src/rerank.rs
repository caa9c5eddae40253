//! Cross-encoder (reranker) training.
//!
//! A bi-encoder embeds a query and a job apart and compares the vectors; a
//! cross-encoder reads both at once (`[CLS] job [SEP] query [SEP]`) and
//! scores the pair, which is slower but more accurate, so it re-orders the
//! bi-encoder's top candidates (`jobfit_match::CrossEncoderReranker`).
//!
//! [`train_reranker`] fine-tunes an encoder with a [`PairScoringHead`] on
//! [`RerankGroup`]s: a query, the text of a relevant job, and texts of
//! irrelevant ones, ideally the first stage's own mistakes (hard
//! negatives). Each step scores every group's positive and a seeded sample
//! of its negatives and applies the listwise softmax cross-entropy
//! ([`listwise_loss`]): the positive must outscore its group. Validation
//! ranks each held-out group's positive among all its negatives (MRR,
//! Recall@1). `best/` and `last/` are jobfit checkpoints with the pair
//! head; `last/` adds the optimizer and trainer state, from which a run
//! resumes.
//!
//! It trains through the crate's [`Driver`](crate::Driver), like the other
//! tasks (see docs/ARCHITECTURE.md).

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use jobfit_model::{
    BertConfig, BertInput, EncoderWithHead, PairScoringHead, PairScoringHeadConfig, Pooling,
    SaveInfo, SavedHead as _, load_checkpoint,
};
use jobfit_text::{DataError, TextTokenizer};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{EvalRecord, ExistingRun, RunDir, RunKind, save_training_checkpoint};
use crate::classify::{Callback, load_encoder, step_seed, with_max_length};
use crate::dataset::{HeldOut, SeededRng};
use crate::driver::{Driver, Evaluation, SaveContext, StopReason, TrainTask};
use crate::error::{Result, TrainError};
use crate::optim::{TrainConfig, setter, with_stable_ids};

/// The metric that picks the best reranker checkpoint.
pub const RERANK_METRIC: &str = "mrr";

/// Default number of negatives scored with each positive per step.
pub const DEFAULT_RERANK_NEGATIVES: usize = 7;

/// Mixed into the seed of the negatives' sampling ("negative" in ASCII), so
/// that it draws apart from dropout, which is seeded by the step alone.
const NEGATIVE_STREAM: u64 = 0x6e65_6761_7469_7665;

impl TrainConfig {
    /// Defaults for cross-encoder training: learning rate 5e-5 for the
    /// encoder and 1e-3 for the new scoring head, 10% warmup, one epoch,
    /// batches of 8 groups, 128 tokens per (job, query) pair, no early
    /// stopping.
    ///
    /// The head's larger rate matters: with the encoder's rate for both, an
    /// O*NET title reranker stayed at chance loss for about 100 steps and
    /// learned little, while with these rates the ESCO and O*NET rerankers
    /// of `eval/README.md` left chance within 40 steps.
    ///
    /// ```
    /// use jobfit_train::TrainConfig;
    ///
    /// let config = TrainConfig::rerank();
    /// assert_eq!(config.learning_rate, 5e-5);
    /// assert_eq!(config.head_learning_rate, Some(1e-3));
    /// ```
    pub fn rerank() -> Self {
        Self {
            learning_rate: 5e-5,
            head_learning_rate: Some(1e-3),
            epochs: 1,
            batch_size: 8,
            max_length: 128,
            early_stopping_patience: None,
            clean_text: false,
            long_text: crate::dataset::LongText::Head,
            ..Self::default()
        }
    }
}

/// One training example for a reranker: a query, a relevant text and
/// irrelevant ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerankGroup {
    /// The query (a job title, a resume).
    pub query: String,
    /// The text of a relevant job.
    pub positive: String,
    /// Texts of irrelevant jobs, hardest first when they come from a
    /// first-stage ranking.
    pub negatives: Vec<String>,
}

/// Reranker training groups, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RerankDataset {
    groups: Vec<RerankGroup>,
}

impl RerankDataset {
    /// A dataset of `groups`.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidConfig`] for a group with an empty query or
    /// positive, or without negatives (its position is named).
    pub fn new(groups: Vec<RerankGroup>) -> Result<Self> {
        for (index, group) in groups.iter().enumerate() {
            if let Some(problem) = group_problem(group) {
                return Err(TrainError::invalid_config(format!(
                    "reranker group {} {problem}",
                    index + 1
                )));
            }
        }
        Ok(Self { groups })
    }

    /// Reads JSON lines `{"query": "..", "positive": "..", "negatives":
    /// [".."]}`; blank lines are skipped.
    ///
    /// # Errors
    ///
    /// [`TrainError::Data`] for an unreadable file or a malformed line, and
    /// [`TrainError::InvalidConfig`] for an empty query or positive or a
    /// group without negatives (with the line number).
    pub fn read_jsonl(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mut groups = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let malformed = |message: String| DataError::Malformed {
                path: path.to_path_buf(),
                line: index as u64 + 1,
                message,
            };
            let group: RerankGroup = serde_json::from_str(line).map_err(|error| {
                malformed(format!(
                    "{error}; expected {{\"query\": \"..\", \"positive\": \"..\", \"negatives\": [\"..\"]}}"
                ))
            })?;
            if let Some(problem) = group_problem(&group) {
                return Err(malformed(format!("the group {problem}")).into());
            }
            groups.push(group);
        }
        Ok(Self { groups })
    }

    /// Writes the groups as JSON lines (atomically), readable by
    /// [`read_jsonl`](Self::read_jsonl).
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn write_jsonl(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::dataset::write_json_lines(path.as_ref(), &self.groups)
    }

    /// The groups.
    pub fn groups(&self) -> &[RerankGroup] {
        &self.groups
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Splits into `(train, held out)` by query; see [`HeldOut`].
    ///
    /// # Errors
    ///
    /// [`HeldOut::validate`]'s errors.
    pub fn split(&self, held_out: HeldOut) -> Result<(Self, Self)> {
        held_out.validate()?;
        let (valid, train): (Vec<RerankGroup>, Vec<RerankGroup>) = self
            .groups
            .iter()
            .cloned()
            .partition(|g| held_out.is_held_out(&g.query));
        Ok((Self { groups: train }, Self { groups: valid }))
    }

    /// The first `n` groups of a seeded shuffle (all of them when `n` is
    /// at least the length), in their original order.
    pub fn sample(&self, n: usize, seed: u64) -> Self {
        let keep = SeededRng::new(seed).sample_indices(self.groups.len(), n);
        Self {
            groups: keep.iter().map(|&i| self.groups[i].clone()).collect(),
        }
    }
}

fn group_problem(group: &RerankGroup) -> Option<&'static str> {
    if group.query.trim().is_empty() {
        Some("has an empty query")
    } else if group.positive.trim().is_empty() {
        Some("has an empty positive")
    } else if group.negatives.is_empty() {
        Some("has no negatives: give at least one irrelevant text to rank below the positive")
    } else {
        None
    }
}

/// `k` negatives of `group` for one step: a seeded sample without
/// replacement, or every negative in a seeded order, repeated, when the
/// group has fewer than `k` (so that every group of a batch has the same
/// size).
fn sample_negatives(group: &RerankGroup, k: usize, rng: &mut SeededRng) -> Vec<usize> {
    let n = group.negatives.len();
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    (0..k).map(|i| order[i % n]).collect()
}

/// The listwise softmax cross-entropy of reranking: each row of `scores`
/// holds one group's scores, the positive's first; the loss is the mean
/// over rows of `-log softmax(row)[0]`.
///
/// # Shapes
/// - scores: `[groups, 1 + negatives]`
/// - output: `[1]`
pub fn listwise_loss(scores: Tensor<2>) -> Tensor<1> {
    let [groups, _] = scores.dims();
    let log_probs = log_softmax(scores, 1);
    log_probs.slice([0..groups, 0..1]).mean().neg()
}

/// Where a reranker run writes, and what it samples.
#[derive(Debug, Clone)]
pub struct RerankOptions {
    /// The hyperparameters (start from [`TrainConfig::rerank`]);
    /// `batch_size` counts groups.
    pub config: TrainConfig,
    /// Negatives scored with each positive per step.
    pub negatives: usize,
    /// The run directory.
    pub out: PathBuf,
    /// What to do when `out` holds a run already.
    pub existing: ExistingRun,
    /// Show progress bars on standard error.
    pub progress: bool,
    /// Free-form provenance stored with the checkpoints.
    pub extra: serde_json::Value,
}

impl RerankOptions {
    /// Reranker defaults, writing to `out`.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self {
            config: TrainConfig::rerank(),
            negatives: DEFAULT_RERANK_NEGATIVES,
            out: out.into(),
            existing: ExistingRun::Refuse,
            progress: true,
            extra: serde_json::Value::Null,
        }
    }

    setter!(
        /// Sets the hyperparameters.
        with_config, config: TrainConfig
    );
    setter!(
        /// Sets the negatives per positive per step.
        with_negatives, negatives: usize
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
}

/// Ranking quality of a reranker on held-out groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RerankReport {
    /// Groups ranked.
    pub groups: usize,
    /// Mean reciprocal rank of each positive among its group.
    pub mrr: f64,
    /// Fraction of groups whose positive ranks first.
    pub recall_at_1: f64,
}

/// How a reranker run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RerankOutcome {
    /// The run directory.
    pub run_dir: PathBuf,
    /// The best evaluation (its model is in `best/`).
    pub best: Option<RerankReport>,
    /// Every evaluation.
    pub history: Vec<EvalRecord>,
    /// Optimizer steps done.
    pub steps: usize,
    /// Whether a callback interrupted the run.
    pub interrupted: bool,
}

type PairModel = EncoderWithHead<PairScoringHead>;

/// Ranks each group's positive among all its negatives with `model`.
///
/// # Errors
///
/// [`TrainError::EmptyDataset`] without groups, and model errors.
pub fn evaluate_reranker(
    model: &EncoderWithHead<PairScoringHead>,
    tokenizer: &TextTokenizer,
    groups: &RerankDataset,
    device: &Device,
) -> Result<RerankReport> {
    if groups.is_empty() {
        return Err(TrainError::EmptyDataset);
    }
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for group in groups.groups() {
        pairs.push((&group.positive, &group.query));
        pairs.extend(
            group
                .negatives
                .iter()
                .map(|n| (n.as_str(), group.query.as_str())),
        );
    }
    let scores = model.score_pairs(tokenizer, &pairs, crate::classify::EVAL_BATCH_SIZE, device)?;
    let (mut reciprocal, mut first) = (0.0, 0usize);
    let mut at = 0;
    for group in groups.groups() {
        let positive = scores[at];
        let negatives = &scores[at + 1..at + 1 + group.negatives.len()];
        at += 1 + group.negatives.len();
        // Ties rank the positive below: a constant scorer earns nothing.
        let rank = 1 + negatives.iter().filter(|&&s| s >= positive).count();
        reciprocal += 1.0 / rank as f64;
        first += usize::from(rank == 1);
    }
    let n = groups.len() as f64;
    Ok(RerankReport {
        groups: groups.len(),
        mrr: reciprocal / n,
        recall_at_1: first as f64 / n,
    })
}

/// Trains a cross-encoder from the encoder in `model_dir` on `train`
/// groups, evaluating on `valid` groups, and writes a run directory of kind
/// [`RunKind::Rerank`] whose `best/` loads as a
/// `jobfit_match::CrossEncoderReranker`.
///
/// # Errors
///
/// Invalid hyperparameters, no groups, zero negatives, an output directory
/// holding another run, a non-finite loss ([`TrainError::NonFinite`]), and
/// I/O errors.
pub fn train_reranker(
    model_dir: &Path,
    train: &RerankDataset,
    valid: &RerankDataset,
    options: RerankOptions,
    device: &Device,
) -> Result<RerankOutcome> {
    train_reranker_with(model_dir, train, valid, options, None, device)
}

/// [`train_reranker`] with a callback after every step and evaluation
/// (returning `ControlFlow::Break(())` saves `last/` and stops).
pub fn train_reranker_with(
    model_dir: &Path,
    train: &RerankDataset,
    valid: &RerankDataset,
    options: RerankOptions,
    callback: Option<Callback<'_>>,
    device: &Device,
) -> Result<RerankOutcome> {
    let config = options.config.clone();
    config.validate()?;
    if train.is_empty() {
        return Err(TrainError::EmptyDataset);
    }
    if valid.is_empty() {
        return Err(TrainError::invalid_config(
            "no groups were held out for validation: hold out some queries",
        ));
    }
    if options.negatives == 0 {
        return Err(TrainError::invalid_config(
            "negatives per positive must be at least 1 (default 7): the loss ranks a positive above its negatives",
        ));
    }
    // A new run loads the pretrained encoder before creating its directory,
    // so a bad model path leaves nothing behind.
    let pretrained = match options.existing {
        ExistingRun::Resume => None,
        _ => Some(load_encoder(model_dir, device)?),
    };
    let run = RunDir::prepare(&options.out, RunKind::Rerank, options.existing)?;
    let (model, encoder_config, tokenizer, pooling) = match pretrained {
        Some((encoder, encoder_config, tokenizer, pooling)) => {
            // Seed before the head's random initialization.
            device.seed(config.seed);
            let head = PairScoringHead::init(
                &PairScoringHeadConfig {
                    hidden_size: encoder_config.hidden_size,
                    dropout: config.dropout,
                },
                device,
            )?;
            (
                EncoderWithHead::new(encoder, head),
                encoder_config,
                tokenizer,
                pooling,
            )
        }
        None => {
            let checkpoint = load_checkpoint::<PairScoringHead>(&run.last(), device)?;
            (
                checkpoint.model,
                checkpoint.config,
                checkpoint.tokenizer,
                checkpoint.meta.pooling,
            )
        }
    };
    // A reranker reads pairs at the length it was trained on: the saved
    // tokenizer keeps `max_length`.
    let tokenizer = with_max_length(tokenizer, config.max_length, &encoder_config)?;
    let batches_per_epoch = train.len().div_ceil(config.batch_size);
    let model = with_stable_ids(model).train();
    let run_path = run.path().to_path_buf();
    let best_dir = run.best();
    let driver = Driver::new(config.clone(), run, RunKind::Rerank, device)
        .with_progress(options.progress)
        .with_callback(callback);
    let mut task = RerankTask {
        config,
        negatives: options.negatives,
        device: device.clone(),
        tokenizer,
        encoder_config,
        pooling,
        extra: options.extra,
        train,
        valid,
    };
    let outcome = driver.train(&mut task, model, batches_per_epoch)?;
    Ok(RerankOutcome {
        run_dir: run_path,
        best: match outcome.best {
            Some((_, report)) => Some(report),
            // The best came before a resume: the report saved with it.
            None => std::fs::read(best_dir.join(REPORT_FILE))
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok()),
        },
        steps: outcome.state.global_step,
        interrupted: outcome.stop == StopReason::Interrupted,
        history: outcome.state.history,
    })
}

/// Reranker training as a [`TrainTask`]: seeded batches of groups, the
/// listwise loss of each positive against a sample of its negatives, MRR of
/// the held-out groups' positives.
struct RerankTask<'d> {
    config: TrainConfig,
    negatives: usize,
    device: Device,
    tokenizer: TextTokenizer,
    encoder_config: BertConfig,
    pooling: Pooling,
    extra: serde_json::Value,
    train: &'d RerankDataset,
    valid: &'d RerankDataset,
}

impl RerankTask<'_> {
    fn save_info(&self, step: usize) -> SaveInfo<'_> {
        SaveInfo {
            config: &self.encoder_config,
            tokenizer: &self.tokenizer,
            labels: &[],
            pooling: self.pooling,
            extra: serde_json::json!({
                "run_kind": RunKind::Rerank.name(),
                "step": step,
                "negatives": self.negatives,
                "data": self.extra,
            }),
        }
    }
}

impl TrainTask for RerankTask<'_> {
    type Model = PairModel;
    type Report = RerankReport;

    fn metric_name(&self) -> &'static str {
        RERANK_METRIC
    }

    fn label(&self) -> &'static str {
        "rerank"
    }

    fn eval_label(&self) -> &'static str {
        "ranking held-out groups"
    }

    /// A seeded shuffle of the groups, cut into batches.
    fn batches(&self, epoch: usize) -> Result<Vec<Vec<usize>>> {
        let mut order: Vec<usize> = (0..self.train.len()).collect();
        SeededRng::new(step_seed(self.config.seed, epoch)).shuffle(&mut order);
        Ok(order
            .chunks(self.config.batch_size)
            .map(<[usize]>::to_vec)
            .collect())
    }

    fn loss(
        &self,
        model: &PairModel,
        batch: &[usize],
        step: usize,
        device: &Device,
    ) -> Result<Tensor<1>> {
        let mut rng = SeededRng::new(step_seed(self.config.seed ^ NEGATIVE_STREAM, step));
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(batch.len() * (1 + self.negatives));
        for &i in batch {
            let group = &self.train.groups()[i];
            pairs.push((&group.positive, &group.query));
            for n in sample_negatives(group, self.negatives, &mut rng) {
                pairs.push((&group.negatives[n], &group.query));
            }
        }
        let encoded = self
            .tokenizer
            .encode_pair_batch(&pairs)
            .map_err(jobfit_model::ModelError::from)?;
        let scores = model
            .forward(BertInput::from_batch(&encoded, device))
            .reshape([batch.len(), 1 + self.negatives]);
        Ok(listwise_loss(scores))
    }

    /// Pairs scored: each group is a positive and its negatives.
    fn examples(&self, batch: &[usize]) -> usize {
        batch.len() * (1 + self.negatives)
    }

    fn evaluate(&mut self, model: &PairModel, _step: usize) -> Result<Evaluation<RerankReport>> {
        let report = evaluate_reranker(&model.valid(), &self.tokenizer, self.valid, &self.device)?;
        let mut metrics = serde_json::Map::new();
        metrics.insert(RERANK_METRIC.into(), serde_json::json!(report.mrr));
        metrics.insert("recall@1".into(), serde_json::json!(report.recall_at_1));
        metrics.insert("groups".into(), serde_json::json!(report.groups));
        Ok(Evaluation {
            metric: report.mrr,
            metrics,
            valid_loss: None,
            log_values: vec![
                (RERANK_METRIC.to_string(), report.mrr),
                ("recall@1".to_string(), report.recall_at_1),
            ],
            report,
        })
    }

    fn eval_message(&self, record: &EvalRecord, report: &RerankReport) -> String {
        format!(
            "step {}: {RERANK_METRIC} {:.4}, recall@1 {:.4} ({} groups)",
            record.step, report.mrr, report.recall_at_1, report.groups
        )
    }

    fn save_best(
        &self,
        dir: &Path,
        model: &PairModel,
        report: &RerankReport,
        context: SaveContext<'_>,
    ) -> Result<()> {
        let report = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
        let mut files = context.files;
        files.extra_files.push((REPORT_FILE, report));
        save_training_checkpoint(dir, &model.valid(), &self.save_info(context.step), &files)
    }

    fn save_last(&self, dir: &Path, model: &PairModel, context: SaveContext<'_>) -> Result<()> {
        save_training_checkpoint(
            dir,
            &model.valid(),
            &self.save_info(context.step),
            &context.files,
        )
    }
}

/// The validation report saved with `best/`.
const REPORT_FILE: &str = "rerank_report.json";

#[cfg(test)]
mod tests {
    use super::*;

    fn group(query: &str, negatives: &[&str]) -> RerankGroup {
        RerankGroup {
            query: query.into(),
            positive: format!("{query} job"),
            negatives: negatives.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn listwise_loss_matches_a_hand_computation() {
        // Rows [2, 0, 0] and [0, 1, 1]:
        // -log(e^2 / (e^2 + 2)) = ln(1 + 2 e^-2) = 0.239_544_8
        // -log(1 / (1 + 2e))    = ln(1 + 2e)     = 1.861_994_8
        let device = Device::flex();
        let scores = Tensor::<2>::from_data(
            TensorData::new(vec![2.0f32, 0.0, 0.0, 0.0, 1.0, 1.0], [2, 3]),
            &device,
        );
        let loss = listwise_loss(scores).into_scalar::<f32>();
        let expected = (0.239_544_8 + 1.861_994_8) / 2.0;
        assert!((f64::from(loss) - expected).abs() < 1e-5, "{loss}");
    }

    #[test]
    fn negatives_are_sampled_without_replacement_then_repeated() {
        let mut rng = SeededRng::new(3);
        let g = group("nurse", &["a", "b", "c", "d"]);
        let mut picked = sample_negatives(&g, 3, &mut rng);
        picked.sort_unstable();
        picked.dedup();
        assert_eq!(picked.len(), 3);
        let few = group("chef", &["a", "b"]);
        let picked = sample_negatives(&few, 5, &mut rng);
        assert_eq!(picked.len(), 5);
        assert_eq!(picked[0], picked[2]);
        assert_eq!(picked[1], picked[3]);
        assert_ne!(picked[0], picked[1]);
    }

    #[test]
    fn groups_without_negatives_or_text_are_refused() {
        assert!(RerankDataset::new(vec![group("nurse", &["a"])]).is_ok());
        let error = RerankDataset::new(vec![group("nurse", &["a"]), group("chef", &[])])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("group 2") && error.contains("no negatives"),
            "{error}"
        );
        let error = RerankDataset::new(vec![group(" ", &["a"])])
            .unwrap_err()
            .to_string();
        assert!(error.contains("empty query"), "{error}");
    }

    #[test]
    fn jsonl_round_trips_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.jsonl");
        let data =
            RerankDataset::new(vec![group("nurse", &["a", "b"]), group("chef", &["c"])]).unwrap();
        data.write_jsonl(&path).unwrap();
        assert_eq!(RerankDataset::read_jsonl(&path).unwrap(), data);

        std::fs::write(
            &path,
            "{\"query\": \"a\", \"positive\": \"b\", \"negatives\": [\"c\"]}\n\n{\"query\": \"a\"}\n",
        )
        .unwrap();
        let error = RerankDataset::read_jsonl(&path).unwrap_err().to_string();
        assert!(
            error.contains(":3:") && error.contains("positive"),
            "{error}"
        );
        std::fs::write(
            &path,
            "{\"query\": \"a\", \"positive\": \"b\", \"negatives\": []}\n",
        )
        .unwrap();
        let error = RerankDataset::read_jsonl(&path).unwrap_err().to_string();
        assert!(
            error.contains(":1:") && error.contains("no negatives"),
            "{error}"
        );
    }

    #[test]
    fn split_holds_out_by_query() {
        let groups: Vec<RerankGroup> = (0..50)
            .map(|i| group(&format!("title {i}"), &["x"]))
            .collect();
        let data = RerankDataset::new(groups).unwrap();
        let (train, valid) = data.split(HeldOut::default()).unwrap();
        assert_eq!(train.len() + valid.len(), 50);
        assert!(!valid.is_empty() && !train.is_empty());
        let rule = HeldOut::default();
        assert!(valid.groups().iter().all(|g| rule.is_held_out(&g.query)));
        assert!(train.groups().iter().all(|g| !rule.is_held_out(&g.query)));
        let sample = data.sample(10, 1);
        assert_eq!(sample.len(), 10);
        assert_eq!(sample, data.sample(10, 1));
    }
}
