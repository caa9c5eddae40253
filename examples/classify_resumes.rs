//! Fine-tunes a sentence encoder to classify resumes into job categories (the 24 LiveCareer
//! categories) and prints the validation metrics.
//!
//! ```text
//! cargo run --release --example classify_resumes -- --subset 240 --epochs 1   # a quick run
//! cargo run --release --example classify_resumes -- --linear-probe           # frozen encoder
//! cargo run --release --example classify_resumes                             # full fine-tuning
//! ```
//!
//! Full fine-tuning uses the library's classification defaults (`TrainConfig::classify`), the
//! best recipe measured on these resumes: 256 tokens, batches of 16, learning rate 5e-5 with
//! 5e-4 for the head, class weights, label smoothing 0.1, early stopping that keeps the best
//! epoch, and epochs chosen from the training set's size (8 for the 1,193 training resumes),
//! which reached validation macro-F1 0.708 (`eval/README.md`). The flags below override them.
//!
//! The validation set is a seeded, stratified part of the training file (20% by default).

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use jobfit::train::{
    ClassifyOptions, ExistingRun, TextColumns, TextDataset, TrainConfig, train_classifier,
    train_linear_probe,
};

#[derive(Debug, Parser)]
#[command(about = "Fine-tune an encoder on resume categories and print the metrics")]
struct Args {
    /// The labelled resumes (CSV with `text` and `category` columns).
    #[arg(long, default_value = "../shared/data/resumes-livecareer/train.csv")]
    data: PathBuf,
    /// The pretrained encoder (a Hugging Face model directory).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The run directory.
    #[arg(long, default_value = "runs/classify-resumes")]
    out: PathBuf,
    /// Train on at most this many resumes (a stratified subset), for a quick run.
    #[arg(long)]
    subset: Option<usize>,
    /// Epochs (default: chosen from the training set's size for fine-tuning, 2 to 8; 100 for a
    /// linear probe).
    #[arg(long)]
    epochs: Option<usize>,
    /// Train only a head on the frozen encoder's embeddings.
    #[arg(long)]
    linear_probe: bool,
    /// Long-text strategy: head, head-tail, head-tail:N or chunk-pool (default: the library's).
    #[arg(long)]
    long_text: Option<String>,
    /// Maximum tokens per text (per chunk).
    #[arg(long)]
    max_len: Option<usize>,
    /// Texts per batch.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Peak learning rate of the encoder (of the head for a linear probe).
    #[arg(long)]
    lr: Option<f64>,
    /// Peak learning rate of the head (default 5e-4 for fine-tuning).
    #[arg(long)]
    head_lr: Option<f64>,
    /// Weigh every category alike (fine-tuning weighs the loss by inverse class frequency by
    /// default: the categories are imbalanced).
    #[arg(long)]
    no_class_weights: bool,
    /// Label smoothing of the cross-entropy, in [0, 1) (default 0.1 for fine-tuning).
    #[arg(long)]
    label_smoothing: Option<f64>,
    /// Fraction of each category held out for validation.
    #[arg(long, default_value_t = 0.2)]
    valid_fraction: f64,
    /// Seed of the split, the shuffling, dropout and the head's initialization.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Replace a previous run in the output directory.
    #[arg(long)]
    overwrite: bool,
    /// Continue the run in the output directory.
    #[arg(long)]
    resume: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let data = TextDataset::read(
        &args.data,
        &TextColumns::new("text", "category"),
        Default::default(),
    )
    .with_context(|| format!("reading {}", args.data.display()))?;
    let data = match args.subset {
        Some(n) if n < data.len() => {
            data.stratified_split(n as f64 / data.len() as f64, args.seed)?
                .1
        }
        _ => data,
    };
    let (train, valid) = data.stratified_split(args.valid_fraction, args.seed)?;
    eprintln!(
        "{} training and {} validation resumes, {} categories",
        train.len(),
        valid.len(),
        train.label_map()?.len()
    );

    let mut config = if args.linear_probe {
        TrainConfig::linear_probe()
    } else {
        TrainConfig::classify()
    };
    config.seed = args.seed;
    if let Some(max_len) = args.max_len {
        config.max_length = max_len;
    }
    if let Some(batch_size) = args.batch_size {
        config.batch_size = batch_size;
    }
    if let Some(lr) = args.lr {
        config.learning_rate = lr;
    }
    if args.head_lr.is_some() {
        config.head_learning_rate = args.head_lr;
    }
    if let Some(strategy) = &args.long_text {
        config.long_text = strategy.parse()?;
    }
    if args.no_class_weights {
        config.class_weights = false;
    }
    if let Some(smoothing) = args.label_smoothing {
        config.label_smoothing = smoothing;
    }
    match args.epochs {
        Some(epochs) => config.epochs = epochs,
        None if !args.linear_probe => {
            config.epochs = config.classify_epochs_for(train.len());
            eprintln!(
                "{} epochs, chosen for {} training resumes (--epochs N sets them)",
                config.epochs,
                train.len()
            );
        }
        None => {}
    }
    let existing = match (args.resume, args.overwrite) {
        (true, _) => ExistingRun::Resume,
        (false, true) => ExistingRun::Overwrite,
        (false, false) => ExistingRun::Refuse,
    };
    let options = ClassifyOptions::new(&args.out)
        .with_config(config.build()?)
        .with_existing(existing)
        .with_extra(serde_json::json!({
            "data": args.data,
            "subset": args.subset,
            "valid_fraction": args.valid_fraction,
        }));
    let device = jobfit::default_device();
    let outcome = if args.linear_probe {
        train_linear_probe(&args.model, &train, &valid, options, &device)?
    } else {
        train_classifier(&args.model, &train, &valid, options, &device)?
    };

    for record in &outcome.history {
        println!(
            "epoch {:6.2}  step {:5}  train loss {:.4}  valid loss {:.4}  macro-F1 {:.4}",
            record.epoch,
            record.step,
            record.train_loss,
            record.valid_loss.unwrap_or(f64::NAN),
            record.metric
        );
    }
    if let Some(report) = &outcome.best_report {
        println!(
            "best: macro-F1 {:.4}  weighted-F1 {:.4}  accuracy {:.4}  ({} validation resumes)",
            report.macro_f1, report.weighted_f1, report.accuracy, report.n
        );
        for (label, metrics) in &report.per_class {
            println!(
                "  {label:24} precision {:.3}  recall {:.3}  F1 {:.3}  support {}",
                metrics.precision, metrics.recall, metrics.f1, metrics.support
            );
        }
    }
    println!("run directory: {}", outcome.run_dir.display());
    Ok(())
}
