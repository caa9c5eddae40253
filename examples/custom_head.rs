//! A user-defined head on the pretrained encoder, trained through jobfit's training driver: a
//! two-layer MLP with a multi-label sigmoid output (which skill families a job posting asks
//! for), binary cross-entropy, micro-F1 on held-out postings.
//!
//! The head is a Burn module implementing `Head` (and `SavedHead`, so checkpoints can hold it);
//! the task is one implementation of `TrainTask`: its batches, the loss of a batch, its
//! evaluation and its checkpoints. The driver does the rest: AdamW with warmup and decay,
//! clipping, evaluation every epoch, `best/` and `last/` checkpoints, and resuming.
//!
//! Run: `cargo run --release --example custom_head -- [MODEL_DIR] [EPOCHS] [OUT_DIR]`
//! (default `models/all-MiniLM-L6-v2`, fetched by `scripts/fetch-model.sh`; 8 epochs; a run
//! directory under the system's temporary directory).

use std::path::Path;

use anyhow::{Context, Result};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use jobfit::model::{
    BertConfig, BertInput, EncoderFeatures, EncoderWithHead, Head, ModelError, Pooling, SaveInfo,
    SavedHead,
};
use jobfit::text::TextTokenizer;
use jobfit::train::{
    Driver, EvalRecord, Evaluation, ExistingRun, RunDir, RunKind, SaveContext, SeededRng,
    TrainConfig, TrainTask, load_encoder, save_training_checkpoint,
};
use serde::{Deserialize, Serialize};

/// Two dense layers over the mean-pooled sentence vector, one logit per label.
#[derive(Module, Debug)]
struct MultiLabelMlp {
    hidden: Linear,
    activation: Relu,
    output: Linear,
    #[module(skip)]
    config: MlpConfig,
}

/// The shape of the head, saved in checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MlpConfig {
    width: usize,
    hidden: usize,
    labels: usize,
}

impl Head for MultiLabelMlp {
    /// Logits, `[batch, labels]`; `sigmoid` turns them into probabilities.
    type Output = Tensor<2>;

    fn forward(&self, features: EncoderFeatures) -> Tensor<2> {
        let pooled = Pooling::Mean.pool(features.hidden, features.mask);
        self.output
            .forward(self.activation.forward(self.hidden.forward(pooled)))
    }
}

impl SavedHead for MultiLabelMlp {
    type Config = MlpConfig;
    const KIND: &'static str = "multi_label_mlp";

    fn config(&self) -> MlpConfig {
        self.config.clone()
    }

    fn init(config: &MlpConfig, device: &Device) -> Result<Self, ModelError> {
        Ok(Self {
            hidden: LinearConfig::new(config.width, config.hidden).init(device),
            activation: Relu::new(),
            output: LinearConfig::new(config.hidden, config.labels).init(device),
            config: config.clone(),
        })
    }
}

/// Binary cross-entropy on logits, averaged: `max(x, 0) - x y + ln(1 + e^-|x|)`.
fn bce_with_logits(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    let stable = logits.clone().clamp_min(0.0) - logits.clone() * targets
        + (logits.abs().neg().exp() + 1.0).log();
    stable.mean()
}

const LABELS: [&str; 4] = ["software", "data", "healthcare", "sales"];

type Example = (&'static str, [f32; 4]);

const TRAIN: [Example; 12] = [
    (
        "Backend engineer: Rust, Kubernetes, PostgreSQL",
        [1.0, 1.0, 0.0, 0.0],
    ),
    (
        "Frontend developer with React and TypeScript",
        [1.0, 0.0, 0.0, 0.0],
    ),
    (
        "Data analyst: SQL, dashboards, statistics",
        [0.0, 1.0, 0.0, 0.0],
    ),
    (
        "Registered nurse for the intensive care unit",
        [0.0, 0.0, 1.0, 0.0],
    ),
    (
        "Clinical data manager for hospital trials",
        [0.0, 1.0, 1.0, 0.0],
    ),
    (
        "Account executive selling SaaS to enterprises",
        [1.0, 0.0, 0.0, 1.0],
    ),
    (
        "Retail sales associate, customer service",
        [0.0, 0.0, 0.0, 1.0],
    ),
    (
        "Pharmacy sales representative visiting clinics",
        [0.0, 0.0, 1.0, 1.0],
    ),
    (
        "Mobile app developer, Kotlin and Swift",
        [1.0, 0.0, 0.0, 0.0],
    ),
    (
        "Machine learning engineer building data pipelines",
        [1.0, 1.0, 0.0, 0.0],
    ),
    (
        "Home care aide supporting elderly patients",
        [0.0, 0.0, 1.0, 0.0],
    ),
    (
        "Inside sales representative, cold calls and quotas",
        [0.0, 0.0, 0.0, 1.0],
    ),
];

const VALID: [Example; 4] = [
    (
        "Full-stack web developer, Python and JavaScript",
        [1.0, 0.0, 0.0, 0.0],
    ),
    (
        "Business intelligence analyst, reporting and SQL",
        [0.0, 1.0, 0.0, 0.0],
    ),
    (
        "Licensed practical nurse in a rehabilitation clinic",
        [0.0, 0.0, 1.0, 0.0],
    ),
    (
        "Territory sales manager for medical devices",
        [0.0, 0.0, 1.0, 1.0],
    ),
];

/// The skill-family task: what the driver needs to train the head and the encoder.
struct SkillTask {
    tokenizer: TextTokenizer,
    encoder_config: BertConfig,
    batch_size: usize,
    seed: u64,
    device: Device,
}

impl SkillTask {
    /// Texts and targets of `examples` as tensors on `device`.
    fn inputs(
        &self,
        examples: &[Example],
        device: &Device,
    ) -> jobfit::train::Result<(BertInput, Tensor<2>)> {
        let texts: Vec<&str> = examples.iter().map(|(text, _)| *text).collect();
        let targets: Vec<f32> = examples.iter().flat_map(|(_, y)| *y).collect();
        let batch = self
            .tokenizer
            .encode_batch(&texts)
            .map_err(ModelError::from)?;
        let targets = Tensor::<2>::from_data(
            TensorData::new(targets, [examples.len(), LABELS.len()]),
            device,
        );
        Ok((BertInput::from_batch(&batch, device), targets))
    }
}

impl TrainTask for SkillTask {
    type Model = EncoderWithHead<MultiLabelMlp>;
    /// Micro-F1 on the held-out postings.
    type Report = f64;

    fn metric_name(&self) -> &'static str {
        "micro_f1"
    }

    fn batches(&self, epoch: usize) -> jobfit::train::Result<Vec<Vec<usize>>> {
        let mut order: Vec<usize> = (0..TRAIN.len()).collect();
        SeededRng::new(self.seed ^ epoch as u64).shuffle(&mut order);
        Ok(order
            .chunks(self.batch_size)
            .map(<[usize]>::to_vec)
            .collect())
    }

    fn loss(
        &self,
        model: &Self::Model,
        batch: &[usize],
        _step: usize,
        device: &Device,
    ) -> jobfit::train::Result<Tensor<1>> {
        let examples: Vec<Example> = batch.iter().map(|&i| TRAIN[i]).collect();
        let (input, targets) = self.inputs(&examples, device)?;
        Ok(bce_with_logits(model.forward(input), targets))
    }

    fn evaluate(
        &mut self,
        model: &Self::Model,
        _step: usize,
    ) -> jobfit::train::Result<Evaluation<f64>> {
        let (input, targets) = self.inputs(&VALID, &self.device)?;
        let logits = model.valid().forward(input);
        let loss = bce_with_logits(logits.clone(), targets).into_scalar::<f32>();
        let probabilities: Vec<f32> = sigmoid(logits).into_data().iter::<f32>().collect();
        let truth: Vec<f32> = VALID.iter().flat_map(|(_, y)| *y).collect();
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for (p, t) in probabilities.iter().zip(&truth) {
            match (*p > 0.5, *t > 0.5) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                (false, false) => {}
            }
        }
        let f1 = if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fn_)
        };
        Ok(Evaluation {
            metric: f1,
            metrics: serde_json::Map::new(),
            valid_loss: Some(f64::from(loss)),
            log_values: vec![("micro_f1".into(), f1)],
            report: f1,
        })
    }

    fn eval_message(&self, record: &EvalRecord, _report: &f64) -> String {
        format!(
            "epoch {:.0}: train loss {:.4}, valid loss {:.4}, micro-F1 {:.3}",
            record.epoch,
            record.train_loss,
            record.valid_loss.unwrap_or(f64::NAN),
            record.metric
        )
    }

    fn save_best(
        &self,
        dir: &Path,
        model: &Self::Model,
        _report: &f64,
        context: SaveContext<'_>,
    ) -> jobfit::train::Result<()> {
        self.save_last(dir, model, context)
    }

    fn save_last(
        &self,
        dir: &Path,
        model: &Self::Model,
        context: SaveContext<'_>,
    ) -> jobfit::train::Result<()> {
        let labels: Vec<String> = LABELS.iter().map(|l| l.to_string()).collect();
        let info = SaveInfo {
            config: &self.encoder_config,
            tokenizer: &self.tokenizer,
            labels: &labels,
            pooling: Pooling::Mean,
            extra: serde_json::json!({ "step": context.step }),
        };
        save_training_checkpoint(dir, &model.valid(), &info, &context.files)
    }
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let model_dir = args
        .next()
        .unwrap_or_else(|| "models/all-MiniLM-L6-v2".to_string());
    let epochs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(8);
    let out = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("jobfit-custom-head"));

    let device = jobfit::default_device();
    let (encoder, encoder_config, tokenizer, _pooling) =
        load_encoder(Path::new(&model_dir), &device)
            .with_context(|| format!("loading {model_dir} (run scripts/fetch-model.sh first)"))?;
    let config = TrainConfig {
        epochs,
        batch_size: 4,
        learning_rate: 1e-4,
        head_learning_rate: Some(1e-3),
        max_length: 64,
        early_stopping_patience: None,
        ..TrainConfig::default()
    }
    .build()?;
    device.seed(config.seed);
    let head = MultiLabelMlp::init(
        &MlpConfig {
            width: encoder_config.hidden_size,
            hidden: 64,
            labels: LABELS.len(),
        },
        &device,
    )?;
    let model = EncoderWithHead::new(encoder, head).train();
    let mut task = SkillTask {
        tokenizer: tokenizer.with_max_length(config.max_length)?,
        encoder_config,
        batch_size: config.batch_size,
        seed: config.seed,
        device: device.clone(),
    };
    let run = RunDir::prepare(&out, RunKind::Custom, ExistingRun::Overwrite)?;
    let batches_per_epoch = TRAIN.len().div_ceil(config.batch_size);
    let outcome = Driver::new(config, run, RunKind::Custom, &device)
        .with_progress(true)
        .train(&mut task, model, batches_per_epoch)?;

    let best = outcome.best_record();
    println!(
        "\n{} steps; best held-out micro-F1 {:.3} at step {} (the model in {})",
        outcome.state.global_step,
        best.as_ref().map_or(f64::NAN, |r| r.metric),
        best.as_ref().map_or(0, |r| r.step),
        out.join("best").display()
    );
    let (input, _) = task.inputs(&VALID, &device)?;
    let probabilities: Vec<f32> = sigmoid(outcome.model.valid().forward(input))
        .into_data()
        .iter::<f32>()
        .collect();
    for (i, (text, _)) in VALID.iter().enumerate() {
        let predicted: Vec<&str> = LABELS
            .iter()
            .zip(&probabilities[i * LABELS.len()..(i + 1) * LABELS.len()])
            .filter(|(_, p)| **p > 0.5)
            .map(|(label, _)| *label)
            .collect();
        println!("{text:<52} -> {predicted:?}");
    }
    Ok(())
}
