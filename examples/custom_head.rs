//! A user-defined head on the pretrained encoder: a two-layer MLP with a
//! multi-label sigmoid output (which skill families a job posting asks for),
//! trained for a few AdamW steps with binary cross-entropy.
//!
//! Run: `cargo run --release --example custom_head -- [MODEL_DIR] [STEPS]`
//! (default `models/all-MiniLM-L6-v2`, fetched by `scripts/fetch-model.sh`).

use anyhow::{Context, Result};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use jobfit::model::{BertInput, EncoderFeatures, EncoderWithHead, Head, Pooling, Pretrained};

/// Two dense layers over the mean-pooled sentence vector, one logit per label.
#[derive(Module, Debug)]
struct MultiLabelMlp {
    hidden: Linear,
    activation: Relu,
    output: Linear,
}

impl MultiLabelMlp {
    fn new(width: usize, hidden: usize, labels: usize, device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(width, hidden).init(device),
            activation: Relu::new(),
            output: LinearConfig::new(hidden, labels).init(device),
        }
    }
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

/// Binary cross-entropy on logits, averaged: `max(x, 0) - x y + ln(1 + e^-|x|)`.
fn bce_with_logits(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    let stable = logits.clone().clamp_min(0.0) - logits.clone() * targets
        + (logits.abs().neg().exp() + 1.0).log();
    stable.mean()
}

const LABELS: [&str; 4] = ["software", "data", "healthcare", "sales"];

const EXAMPLES: [(&str, [f32; 4]); 8] = [
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
];

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let model_dir = args
        .next()
        .unwrap_or_else(|| "models/all-MiniLM-L6-v2".to_string());
    let steps: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(20);

    // Gradients need an autodiff device.
    let device = jobfit::default_device().autodiff();
    let pretrained = Pretrained::load(&model_dir, &device)
        .with_context(|| format!("loading {model_dir} (run scripts/fetch-model.sh first)"))?;
    let tokenizer = pretrained.tokenizer.with_max_length(64)?;
    let width = pretrained.config.hidden_size;
    let mut model = EncoderWithHead::new(
        pretrained.model,
        MultiLabelMlp::new(width, 64, LABELS.len(), &device),
    );

    let texts: Vec<&str> = EXAMPLES.iter().map(|(text, _)| *text).collect();
    let targets: Vec<f32> = EXAMPLES.iter().flat_map(|(_, y)| *y).collect();
    let batch = tokenizer.encode_batch(&texts)?;
    let targets = Tensor::<2>::from_data(
        TensorData::new(targets, [texts.len(), LABELS.len()]),
        &device,
    );

    let mut optimizer = AdamWConfig::new()
        .with_epsilon(1e-8)
        .with_weight_decay(0.01)
        .init();
    let mut losses = Vec::with_capacity(steps);
    for step in 1..=steps {
        let logits = model.forward(BertInput::from_batch(&batch, &device));
        let loss = bce_with_logits(logits, targets.clone());
        let value = loss.clone().into_scalar::<f32>();
        losses.push(value);
        println!("step {step:>3}  loss {value:.4}");
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(1e-4, model, grads);
    }

    let probabilities = sigmoid(model.forward(BertInput::from_batch(&batch, &device)));
    let probabilities: Vec<f32> = probabilities
        .into_data()
        .try_into_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    println!();
    for (i, text) in texts.iter().enumerate() {
        let predicted: Vec<&str> = LABELS
            .iter()
            .zip(&probabilities[i * LABELS.len()..(i + 1) * LABELS.len()])
            .filter(|(_, p)| **p > 0.5)
            .map(|(label, _)| *label)
            .collect();
        println!("{text:<52} -> {predicted:?}");
    }
    if let (Some(first), Some(last)) = (losses.first(), losses.last()) {
        println!(
            "\ntraining loss {first:.4} -> {last:.4} over {steps} steps (training examples, not a held-out score)"
        );
    }
    Ok(())
}
