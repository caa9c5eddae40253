//! `jobfit train classify`, `jobfit train match` and `jobfit train rerank`: fine-tune an encoder
//! into a classifier (fully, or as a linear probe), into a better sentence encoder for matching,
//! or into a cross-encoder that re-ranks a matcher's top candidates.
//!
//! Each writes a run directory (`best/`, `last/`, `metrics.jsonl`, `curves.svg`) and prints one
//! JSON summary on standard output.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use jobfit::matching::eval::{rankings, read_queries};
use jobfit::matching::{JobFields, Matcher, ProgressMode, RecommendOptions};
use jobfit::text::ReadOptions;
use jobfit::train::{
    ClassifyOptions, ClassifyOutcome, DEFAULT_RERANK_NEGATIVES, EvalRecord, ExistingRun, HeldOut,
    MatchOptions, PairColumns, PairDataset, RerankDataset, RerankGroup, RerankOptions,
    RetrievalTask, TextColumns, TextDataset, TrainConfig, TrainError, train_classifier,
    train_linear_probe, train_matcher, train_reranker,
};
use serde_json::json;

use crate::error::{CliError, Result};

/// The `train` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// Fine-tune an encoder with a classification head on labelled texts (CSV or JSON lines).
    Classify(ClassifyArgs),
    /// Fine-tune a sentence encoder on (anchor, positive[, negative]) pairs for matching.
    Match(MatchArgs),
    /// Fine-tune an encoder into a cross-encoder that re-ranks the top candidates of
    /// `jobfit recommend`, `screen` and `eval retrieve` (--rerank-model).
    Rerank(RerankArgs),
}

/// Settings shared by the subcommands.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// The pretrained encoder: a Hugging Face model directory.
    #[arg(long)]
    model: PathBuf,
    /// The run directory to write.
    #[arg(long)]
    out: PathBuf,
    /// A training configuration (JSON, e.g. a run's train_config.json) to start from; the
    /// flags below override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Passes over the training data (default: `train classify` chooses 2 to 8 from the
    /// training set's size, about 600 optimizer steps, and prints them; 100 with
    /// --linear-probe; 1 for `train match` and `train rerank`).
    #[arg(long)]
    epochs: Option<usize>,
    /// Maximum tokens per text (per chunk with chunk pooling; default 256 for fine-tuning
    /// with `train classify`, 128 otherwise).
    #[arg(long)]
    max_len: Option<usize>,
    /// Examples per batch (default 16 for `train classify`, 32 for `train match`, 8 groups
    /// for `train rerank`).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Peak learning rate (of the encoder; of the head for a linear probe; default 5e-5 for
    /// `train classify` and `train rerank`, 2e-5 for `train match`, 1e-3 for a linear probe).
    #[arg(long)]
    lr: Option<f64>,
    /// Peak learning rate of the new head (default: 5e-4 for `train classify`, 1e-3 for
    /// `train rerank`).
    #[arg(long)]
    head_lr: Option<f64>,
    /// Forward passes averaged into one optimizer step.
    #[arg(long)]
    grad_accum: Option<usize>,
    /// Fraction of the steps spent warming the learning rate up.
    #[arg(long)]
    warmup_ratio: Option<f64>,
    /// Evaluate every N optimizer steps instead of every epoch.
    #[arg(long)]
    eval_every: Option<usize>,
    /// Stop after N evaluations without improvement (0: never stop early).
    #[arg(long)]
    patience: Option<usize>,
    /// Seed of the split, shuffling, dropout and initialization.
    #[arg(long)]
    seed: Option<u64>,
    /// Replace a previous run in --out.
    #[arg(long, conflicts_with = "resume")]
    overwrite: bool,
    /// Continue the run in --out from its last/ checkpoint (same data and settings).
    #[arg(long)]
    resume: bool,
    /// Replace invalid UTF-8 in the data with U+FFFD instead of failing.
    #[arg(long)]
    lossy: bool,
    /// Hide the progress bars.
    #[arg(long)]
    quiet: bool,
}

impl CommonArgs {
    /// The configuration: `base`, or the --config file, with the flags applied, validated.
    fn config(&self, base: TrainConfig) -> Result<TrainConfig> {
        let mut config = match &self.config {
            Some(path) => TrainConfig::load(path)?,
            None => base,
        };
        if let Some(v) = self.epochs {
            config.epochs = v;
        }
        if let Some(v) = self.max_len {
            config.max_length = v;
        }
        if let Some(v) = self.batch_size {
            config.batch_size = v;
        }
        if let Some(v) = self.lr {
            config.learning_rate = v;
        }
        if self.head_lr.is_some() {
            config.head_learning_rate = self.head_lr;
        }
        if let Some(v) = self.grad_accum {
            config.gradient_accumulation_steps = v;
        }
        if let Some(v) = self.warmup_ratio {
            config.warmup_ratio = v;
        }
        if self.eval_every.is_some() {
            config.eval_every_steps = self.eval_every;
        }
        if let Some(v) = self.patience {
            config.early_stopping_patience = (v > 0).then_some(v);
        }
        if let Some(v) = self.seed {
            config.seed = v;
        }
        Ok(config)
    }

    fn existing(&self) -> ExistingRun {
        if self.resume {
            ExistingRun::Resume
        } else if self.overwrite {
            ExistingRun::Overwrite
        } else {
            ExistingRun::Refuse
        }
    }

    fn read_options(&self) -> ReadOptions {
        ReadOptions::default().with_lossy_utf8(self.lossy)
    }
}

/// `jobfit train classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The labelled training file: CSV/TSV with a header row, or JSON lines.
    #[arg(long)]
    train: PathBuf,
    /// The text column (CSV) or field (JSON lines).
    #[arg(long, default_value = "text")]
    text_col: String,
    /// The label column (CSV) or field (JSON lines).
    #[arg(long, default_value = "category")]
    label_col: String,
    /// A labelled validation file (same columns); without it, --valid-fraction of each class
    /// of the training file is held out. Either way the run directory gets the validation
    /// examples as valid.jsonl, with the same column names, for `jobfit eval classify`.
    #[arg(long)]
    valid: Option<PathBuf>,
    /// The fraction of each class held out for validation when there is no --valid file.
    #[arg(long, default_value_t = 0.2, conflicts_with = "valid")]
    valid_fraction: f64,
    /// Train only a classification head on the frozen encoder's cached embeddings (fast).
    #[arg(long)]
    linear_probe: bool,
    /// How to fit long texts: head, head-tail, head-tail:N or chunk-pool.
    #[arg(long)]
    long_text: Option<String>,
    /// Weigh the loss by inverse class frequency (the default for fine-tuning).
    #[arg(long, conflicts_with = "no_class_weights")]
    class_weights: bool,
    /// Weigh every class alike (the default of --linear-probe).
    #[arg(long)]
    no_class_weights: bool,
    /// Label smoothing of the cross-entropy, in [0, 1) (default 0.1 for fine-tuning, 0 for
    /// --linear-probe).
    #[arg(long)]
    label_smoothing: Option<f64>,
}

/// `jobfit train match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The training pairs: CSV/TSV or JSON lines with anchor and positive (and optionally
    /// negative) columns.
    #[arg(long)]
    pairs: PathBuf,
    /// The anchor column (a job title, a query).
    #[arg(long, default_value = "anchor")]
    anchor_col: String,
    /// The positive column (the matching occupation or posting).
    #[arg(long, default_value = "positive")]
    positive_col: String,
    /// The optional hard-negative column.
    #[arg(long, default_value = "negative")]
    negative_col: String,
    /// Held-out pairs for the retrieval evaluation (same columns); without it, anchors are
    /// held out from --pairs by --valid-fraction.
    #[arg(long)]
    valid_pairs: Option<PathBuf>,
    /// The fraction of anchors held out for evaluation when there is no --valid-pairs file
    /// (seeded). Without it, anchors whose FNV-1a hash is divisible by 5 are held out: the rule
    /// of the project's evaluation sets (docs/DATA.md).
    #[arg(long, conflicts_with = "valid_pairs")]
    valid_fraction: Option<f64>,
    /// The similarity scale of the ranking loss.
    #[arg(long, default_value_t = jobfit::train::DEFAULT_MNRL_SCALE)]
    scale: f64,
    /// Train on at most this many pairs (a seeded sample), for a quick run.
    #[arg(long)]
    max_pairs: Option<usize>,
    /// Clean every text of the pairs (HTML, mojibake, Unicode forms, white space) as
    /// `jobfit recommend` cleans a resume before embedding it: for pairs built from raw
    /// resumes or postings.
    #[arg(long)]
    clean: bool,
}

/// `jobfit train rerank`.
#[derive(Debug, Args)]
pub struct RerankArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Training groups: JSON lines {"query": "..", "positive": "..", "negatives": [".."]},
    /// where positive and negatives are job texts as the matcher indexes them.
    #[arg(long, required_unless_present = "queries", conflicts_with = "queries")]
    groups: Option<PathBuf>,
    /// Or queries to build groups from: JSON lines {"query": "..", "relevant": ["id", ..]}
    /// (the `jobfit eval retrieve` format), ranked against --catalog by the first-stage model;
    /// the positive is the first relevant job, the negatives are the other top candidates.
    #[arg(long, requires = "catalog")]
    queries: Option<PathBuf>,
    /// The catalog the queries' ids refer to: JSON lines of jobs, or CSV.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// The job fields the reranker reads (and the first stage indexes), comma separated:
    /// use the fields of the index it will re-rank.
    #[arg(long, default_value = "title,description")]
    catalog_fields: String,
    /// The embedding model that ranks the candidates (default: --model).
    #[arg(long)]
    first_stage: Option<PathBuf>,
    /// Negatives are taken from the first stage's top this many candidates.
    #[arg(long, default_value_t = 30)]
    candidates: usize,
    /// Keep the first stage's index of the catalog in this directory and reuse it.
    #[arg(long)]
    index_cache: Option<PathBuf>,
    /// Write the groups built from --queries to this file (JSON lines, for --groups).
    #[arg(long)]
    save_groups: Option<PathBuf>,
    /// Negatives scored with each positive per step (a seeded sample of the group's).
    #[arg(long, default_value_t = DEFAULT_RERANK_NEGATIVES)]
    negatives: usize,
    /// Held-out groups for validation (same format as --groups); without it, queries are held
    /// out by --valid-fraction, or by the project's rule (FNV-1a hash divisible by 5).
    #[arg(long)]
    valid_groups: Option<PathBuf>,
    /// The fraction of queries held out for validation when there is no --valid-groups file.
    #[arg(long, conflicts_with = "valid_groups")]
    valid_fraction: Option<f64>,
    /// Use at most this many training queries (a seeded sample), for a quick or cheaper run;
    /// with --queries the sample is drawn before ranking.
    #[arg(long)]
    max_groups: Option<usize>,
}

/// Runs a `train` subcommand.
pub fn run(command: TrainCommand) -> Result<()> {
    match command {
        TrainCommand::Classify(args) => run_classify(args),
        TrainCommand::Match(args) => run_match(args),
        TrainCommand::Rerank(args) => run_rerank(args),
    }
}

/// The configuration of `train classify` before the data is read: the preset
/// ([`TrainConfig::classify`], or [`TrainConfig::linear_probe`]) or the --config file, with
/// the flags applied, validated.
fn classify_config(args: &ClassifyArgs) -> Result<TrainConfig> {
    let base = if args.linear_probe {
        TrainConfig::linear_probe()
    } else {
        TrainConfig::classify()
    };
    let mut config = args.common.config(base)?;
    if let Some(strategy) = &args.long_text {
        config.long_text = strategy.parse()?;
    }
    if args.class_weights {
        config.class_weights = true;
    }
    if args.no_class_weights {
        config.class_weights = false;
    }
    if let Some(v) = args.label_smoothing {
        config.label_smoothing = v;
    }
    Ok(config.build()?)
}

fn run_classify(args: ClassifyArgs) -> Result<()> {
    // Hyperparameters are checked before the data is read.
    let mut config = classify_config(&args)?;
    let columns = TextColumns::new(&args.text_col, &args.label_col);
    let read = |path: &Path| TextDataset::read(path, &columns, args.common.read_options());
    let data = read(&args.train)?;
    let (train, valid) = match &args.valid {
        Some(path) => (data, read(path)?),
        None => {
            // Refuses an empty or single-class file before splitting it.
            data.label_map()?;
            data.stratified_split(args.valid_fraction, config.seed)?
        }
    };
    // Fine-tuning without --epochs or --config: the epochs follow the data's size.
    if !args.linear_probe && args.common.epochs.is_none() && args.common.config.is_none() {
        config.epochs = config.classify_epochs_for(train.len());
        eprintln!(
            "epochs: {} for {} training examples (about {} optimizer steps, {} to {} epochs; \
             --epochs N sets them)",
            config.epochs,
            train.len(),
            jobfit::train::CLASSIFY_TARGET_STEPS,
            jobfit::train::CLASSIFY_MIN_EPOCHS,
            jobfit::train::CLASSIFY_MAX_EPOCHS,
        );
    }
    let options = ClassifyOptions::new(&args.common.out)
        .with_config(config)
        .with_existing(args.common.existing())
        .with_progress(!args.common.quiet)
        .with_columns(columns.clone())
        .with_extra(json!({
            "train": args.train,
            "valid": args.valid,
            "valid_fraction": args.valid.is_none().then_some(args.valid_fraction),
            "text_col": args.text_col,
            "label_col": args.label_col,
        }));
    let device = jobfit::default_device();
    let outcome = if args.linear_probe {
        train_linear_probe(&args.common.model, &train, &valid, options, &device)?
    } else {
        train_classifier(&args.common.model, &train, &valid, options, &device)?
    };
    print_json(&classify_summary(&outcome, train.len(), valid.len()))
}

fn record_json(record: &EvalRecord) -> serde_json::Value {
    let mut value = json!({
        "step": record.step,
        "epoch": record.epoch,
        record.metric_name.clone(): record.metric,
        "train_loss": finite(record.train_loss),
        "valid_loss": record.valid_loss.and_then(finite),
    });
    if let Some(object) = value.as_object_mut() {
        for (name, metric) in &record.metrics {
            object.insert(name.clone(), metric.clone());
        }
    }
    value
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn classify_summary(outcome: &ClassifyOutcome, train: usize, valid: usize) -> serde_json::Value {
    json!({
        "run_dir": outcome.run_dir,
        "train_examples": train,
        "valid_examples": valid,
        "steps": outcome.steps,
        "stopped_early": outcome.stopped_early,
        "best": outcome.best.as_ref().map(record_json),
    })
}

fn run_match(args: MatchArgs) -> Result<()> {
    let config = args.common.config(TrainConfig::contrastive())?.build()?;
    let loss = jobfit::train::MultipleNegativesRankingLoss::new(args.scale)?;
    let columns = PairColumns {
        anchor: args.anchor_col.clone(),
        positive: args.positive_col.clone(),
        negative: args.negative_col.clone(),
    };
    let read = |path: &Path| PairDataset::read(path, &columns, args.common.read_options());
    let cleaned = |pairs: PairDataset| if args.clean { pairs.cleaned() } else { pairs };
    let pairs = cleaned(read(&args.pairs)?);
    if pairs.is_empty() {
        return Err(TrainError::EmptyDataset.into());
    }
    let held_out = match args.valid_fraction {
        Some(fraction) => HeldOut::fraction(fraction, config.seed),
        None => HeldOut::default(),
    };
    let (train, valid) = match &args.valid_pairs {
        Some(path) => (pairs, cleaned(read(path)?)),
        None => pairs.split(held_out)?,
    };
    // The catalog searched: every positive of the training and held-out pairs.
    let catalog: Vec<String> = train
        .pairs()
        .iter()
        .chain(valid.pairs())
        .map(|p| p.positive.clone())
        .collect();
    let train = match args.max_pairs {
        Some(n) if n < train.len() => {
            let keep = jobfit::train::SeededRng::new(config.seed).sample_indices(train.len(), n);
            PairDataset::new(keep.iter().map(|&i| train.pairs()[i].clone()).collect())
        }
        _ => train,
    };
    if valid.is_empty() {
        return Err(CliError::Usage(
            "no pairs were held out for evaluation (without --valid-fraction, anchors whose FNV-1a \
             hash is divisible by 5 are held out, and these pairs have none, as when they were built \
             with that rule): give --valid-fraction F or --valid-pairs FILE"
                .into(),
        ));
    }
    let task = RetrievalTask::from_pairs(&valid, &catalog);
    let options = MatchOptions::new(&args.common.out)
        .with_config(config)
        .with_existing(args.common.existing())
        .with_progress(!args.common.quiet)
        .with_loss(loss)
        .with_extra(json!({
            "pairs": args.pairs,
            "valid_pairs": args.valid_pairs,
            "held_out": args.valid_pairs.is_none().then_some(held_out),
            // The pairs were cleaned before training (the trainer itself does not clean).
            "cleaned": args.clean,
        }));
    let device = jobfit::default_device();
    let outcome = train_matcher(&args.common.model, &train, &task, options, &device)?;
    print_json(&json!({
        "run_dir": outcome.run_dir,
        "train_pairs": train.len(),
        "queries": task.queries.len(),
        "catalog": task.docs.len(),
        "steps": outcome.steps,
        "zero_shot": outcome.baseline.as_ref().map(|r| &r.metrics),
        "best": outcome.best.as_ref().map(|r| &r.metrics),
    }))
}

fn run_rerank(args: RerankArgs) -> Result<()> {
    let config = args.common.config(TrainConfig::rerank())?.build()?;
    if args.negatives == 0 {
        return Err(CliError::Usage(
            "--negatives must be at least 1 (default 7)".into(),
        ));
    }
    let held_out = match args.valid_fraction {
        Some(fraction) => HeldOut::fraction(fraction, config.seed),
        None => HeldOut::default(),
    };
    held_out.validate()?;
    let groups = match (&args.groups, &args.queries, &args.catalog) {
        (Some(path), _, _) => {
            let groups = RerankDataset::read_jsonl(path)?;
            match args.max_groups {
                Some(n) => groups.sample(n, config.seed),
                None => groups,
            }
        }
        (None, Some(queries), Some(catalog)) => mine_groups(&args, queries, catalog, config.seed)?,
        _ => {
            return Err(CliError::Usage(
                "give --groups FILE, or --queries FILE with --catalog FILE".into(),
            ));
        }
    };
    if groups.is_empty() {
        return Err(TrainError::EmptyDataset.into());
    }
    if let Some(path) = &args.save_groups {
        groups.write_jsonl(path)?;
    }
    let (train, valid) = match &args.valid_groups {
        Some(path) => (groups, RerankDataset::read_jsonl(path)?),
        None => groups.split(held_out)?,
    };
    if valid.is_empty() {
        return Err(CliError::Usage(
            "no groups were held out for validation: give --valid-fraction F or --valid-groups FILE"
                .into(),
        ));
    }
    let options = RerankOptions::new(&args.common.out)
        .with_config(config)
        .with_negatives(args.negatives)
        .with_existing(args.common.existing())
        .with_progress(!args.common.quiet)
        .with_extra(json!({
            "groups": args.groups,
            "queries": args.queries,
            "catalog": args.catalog,
            "catalog_fields": args.catalog_fields,
            "first_stage": args.first_stage.as_ref().unwrap_or(&args.common.model),
            "candidates": args.candidates,
            "valid_groups": args.valid_groups,
            "held_out": args.valid_groups.is_none().then_some(held_out),
        }));
    let device = jobfit::default_device();
    let outcome = train_reranker(&args.common.model, &train, &valid, options, &device)?;
    print_json(&json!({
        "run_dir": outcome.run_dir,
        "train_groups": train.len(),
        "valid_groups": valid.len(),
        "steps": outcome.steps,
        "best": outcome.best,
    }))
}

/// Ranks the catalog for each query with the first-stage model and keeps,
/// per query, its first relevant job as the positive and the other top
/// candidates as negatives: the mistakes the reranker must correct.
fn mine_groups(
    args: &RerankArgs,
    queries: &Path,
    catalog: &Path,
    seed: u64,
) -> Result<RerankDataset> {
    if args.candidates < 2 {
        return Err(CliError::Usage(
            "--candidates must be at least 2: a positive and a negative".into(),
        ));
    }
    let mut queries = read_queries(queries)?;
    if let Some(n) = args.max_groups
        && n < queries.len()
    {
        let keep = jobfit::train::SeededRng::new(seed).sample_indices(queries.len(), n);
        queries = keep.iter().map(|&i| queries[i].clone()).collect();
    }
    let first_stage = args.first_stage.as_ref().unwrap_or(&args.common.model);
    let embedder = Arc::new(crate::commands::index::load_embedder(
        first_stage,
        None,
        None,
        None,
    )?);
    let catalog = crate::commands::index::load_catalog(catalog, None)?;
    let fields: JobFields = args.catalog_fields.parse()?;
    // The recommender's default scoring: the candidates the reranker will see.
    let options = RecommendOptions::default();
    let index = crate::commands::index::evaluation_index(
        catalog,
        &embedder,
        fields,
        options.name_weight,
        args.index_cache.as_deref(),
        jobfit::matching::SearchMode::Exact,
    )?;
    let fields = index.fields().clone();
    let jobs: std::collections::HashMap<String, String> = index
        .jobs()
        .iter()
        .map(|job| (job.id.clone(), fields.text(job)))
        .collect();
    let matcher = Matcher::new(index, embedder)?;
    let ranked = rankings(
        &matcher,
        &queries,
        args.candidates,
        &options,
        ProgressMode::Auto,
    )?;
    let text_of = |id: &str| jobs.get(id).cloned();
    let mut groups = Vec::new();
    for (query, ranking) in queries.iter().zip(&ranked) {
        let relevant: HashSet<&str> = query.relevant.iter().map(String::as_str).collect();
        let Some(positive) = query.relevant.iter().find_map(|id| text_of(id)) else {
            continue;
        };
        let negatives: Vec<String> = ranking
            .iter()
            .filter(|id| !relevant.contains(id.as_str()))
            .filter_map(|id| text_of(id))
            .collect();
        if !negatives.is_empty() {
            groups.push(RerankGroup {
                query: query.query.clone(),
                positive,
                negatives,
            });
        }
    }
    Ok(RerankDataset::new(groups)?)
}

fn print_json(value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string(value)
        .map_err(|error| CliError::Usage(format!("cannot serialize the summary: {error}")))?;
    println!("{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use jobfit::Device;
    use jobfit::model::{BertConfig, BertModel, Pooling, export_encoder};
    use jobfit::text::TextTokenizer;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: TrainCommand,
    }

    fn parse(args: &[&str]) -> TrainCommand {
        let mut all = vec!["train"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).expect("arguments parse").command
    }

    /// A random tiny encoder with the model crate's test tokenizer.
    fn tiny_model(dir: &Path) -> PathBuf {
        let path = dir.join("model");
        let tokenizer = TextTokenizer::from_file(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../model/tests/fixtures/tiny-tokenizer.json"),
        )
        .and_then(|t| t.with_max_length(16))
        .unwrap();
        let config = BertConfig::tiny(30);
        let model = BertModel::init(&config, &Device::default()).unwrap();
        export_encoder(&path, &model, &config, &tokenizer, Pooling::Mean).unwrap();
        path
    }

    fn write_csv(dir: &Path, name: &str, rows: &[(&str, &str)]) -> PathBuf {
        let path = dir.join(name);
        let mut text = String::from("text,category\n");
        for (t, l) in rows {
            text.push_str(&format!("{t},{l}\n"));
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    fn classify(model: &Path, train: &Path, out: &Path, extra: &[&str]) -> Result<()> {
        let mut args = vec![
            "classify",
            "--model",
            model.to_str().unwrap(),
            "--train",
            train.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--max-len",
            "16",
            "--long-text",
            "head",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        run(parse(&args))
    }

    #[test]
    fn train_classify_runs_and_refuses_bad_input() {
        let temp = tempfile::tempdir().unwrap();
        let model = tiny_model(temp.path());
        let rows: Vec<(&str, &str)> = (0..6)
            .flat_map(|_| {
                [
                    ("rust engineer java", "eng"),
                    ("nurse patient care", "health"),
                ]
            })
            .collect();
        let train = write_csv(temp.path(), "train.csv", &rows);
        let out = temp.path().join("run");
        classify(
            &model,
            &train,
            &out,
            &["--epochs", "1", "--batch-size", "4"],
        )
        .unwrap();
        assert!(out.join("best/jobfit.json").is_file());
        assert!(out.join("last/train_config.json").is_file());
        // The validation part (20% of each class's 6 rows: 1 + 1) is in the run directory under
        // the training file's columns, ready for `eval classify --test`.
        let valid = std::fs::read_to_string(out.join("valid.jsonl")).unwrap();
        assert_eq!(valid.lines().count(), 2, "{valid}");
        let mut labels: Vec<String> = valid
            .lines()
            .map(|line| {
                let row: serde_json::Value = serde_json::from_str(line).unwrap();
                assert!(row["text"].is_string(), "{row}");
                row["category"].as_str().unwrap().to_owned()
            })
            .collect();
        labels.sort();
        assert_eq!(labels, ["eng", "health"]);

        let error = |result: Result<()>| result.unwrap_err().to_string();
        // The directory holds a run now.
        let message = error(classify(&model, &train, &out, &["--epochs", "1"]));
        assert!(message.contains("--overwrite"), "{message}");
        classify(&model, &train, &out, &["--epochs", "1", "--overwrite"]).unwrap();

        let elsewhere = temp.path().join("other");
        let message = error(classify(&model, &train, &elsewhere, &["--lr", "0"]));
        assert!(message.contains("learning_rate"), "{message}");
        let message = error(classify(&model, &train, &elsewhere, &["--lr", "NaN"]));
        assert!(message.contains("learning_rate"), "{message}");
        let message = error(classify(&model, &train, &elsewhere, &["--batch-size", "0"]));
        assert!(message.contains("batch_size"), "{message}");
        let empty = write_csv(temp.path(), "empty.csv", &[]);
        let message = error(classify(&model, &empty, &elsewhere, &[]));
        assert!(message.contains("empty"), "{message}");
        let single = write_csv(temp.path(), "single.csv", &[("a", "eng"), ("b", "eng")]);
        let message = error(classify(&model, &single, &elsewhere, &[]));
        assert!(message.contains("two classes"), "{message}");
        assert!(!elsewhere.exists());
    }

    #[test]
    fn fine_tuning_defaults_to_the_measured_recipe() {
        let parse_classify = |extra: &[&str]| {
            let mut args = vec!["classify", "--model", "m", "--train", "t.csv", "--out", "o"];
            args.extend_from_slice(extra);
            let TrainCommand::Classify(args) = parse(&args) else {
                panic!("classify");
            };
            classify_config(&args).unwrap()
        };
        let config = parse_classify(&[]);
        assert_eq!(config, TrainConfig::classify());
        assert_eq!(config.learning_rate, 5e-5);
        assert_eq!(config.head_learning_rate, Some(5e-4));
        assert!(config.class_weights);
        assert_eq!(config.label_smoothing, 0.1);
        assert_eq!(config.max_length, 256);
        let config = parse_classify(&["--no-class-weights", "--label-smoothing", "0"]);
        assert!(!config.class_weights);
        assert_eq!(config.label_smoothing, 0.0);
        let probe = parse_classify(&["--linear-probe"]);
        assert!(!probe.class_weights);
        assert_eq!(probe.label_smoothing, 0.0);
    }

    #[test]
    fn a_linear_probe_and_flags_build_the_configuration() {
        let TrainCommand::Classify(args) = parse(&[
            "classify",
            "--model",
            "m",
            "--train",
            "t.csv",
            "--out",
            "o",
            "--linear-probe",
            "--lr",
            "0.01",
            "--patience",
            "0",
            "--eval-every",
            "5",
        ]) else {
            panic!("classify");
        };
        let config = args.common.config(TrainConfig::linear_probe()).unwrap();
        assert_eq!(config.learning_rate, 0.01);
        assert_eq!(config.early_stopping_patience, None);
        assert_eq!(config.eval_every_steps, Some(5));
        assert_eq!(config.epochs, TrainConfig::linear_probe().epochs);
    }

    #[test]
    fn train_rerank_mines_groups_from_queries_trains_and_refuses_bad_input() {
        let temp = tempfile::tempdir().unwrap();
        let model = tiny_model(temp.path());
        let catalog = temp.path().join("catalog.jsonl");
        std::fs::write(
            &catalog,
            concat!(
                r#"{"id": "eng", "title": "rust engineer", "description": "java python sql"}"#,
                "\n",
                r#"{"id": "care", "title": "registered nurse", "description": "patient care"}"#,
                "\n",
                r#"{"id": "lead", "title": "team lead", "description": "senior skills"}"#,
                "\n",
            ),
        )
        .unwrap();
        let queries = temp.path().join("queries.jsonl");
        let mut lines = String::new();
        for (query, id) in [
            ("rust java", "eng"),
            ("python sql", "eng"),
            ("cloud data engineer", "eng"),
            ("nurse", "care"),
            ("patient hospital", "care"),
            ("care nurse", "care"),
            ("senior lead", "lead"),
            ("team skills", "lead"),
            ("lead job", "lead"),
        ] {
            lines.push_str(&format!(
                "{{\"query\": \"{query}\", \"relevant\": [\"{id}\"]}}\n"
            ));
        }
        std::fs::write(&queries, lines).unwrap();
        let saved = temp.path().join("groups.jsonl");
        let out = temp.path().join("run");
        let path = |p: &Path| p.to_str().unwrap().to_string();
        let common = |out: &Path| {
            vec![
                "rerank".to_string(),
                "--model".into(),
                path(&model),
                "--out".into(),
                path(out),
                "--max-len".into(),
                "16".into(),
                "--negatives".into(),
                "2".into(),
                "--valid-fraction".into(),
                "0.3".into(),
                "--quiet".into(),
            ]
        };
        let mut args = common(&out);
        args.extend([
            "--queries".into(),
            path(&queries),
            "--catalog".into(),
            path(&catalog),
            "--save-groups".into(),
            path(&saved),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(parse(&args)).unwrap();
        assert!(out.join("best/jobfit.json").is_file());

        // One group per query: its job's indexed text first, the other two jobs as negatives.
        let groups = RerankDataset::read_jsonl(&saved).unwrap();
        assert_eq!(groups.len(), 9);
        let first = &groups.groups()[0];
        assert_eq!(first.query, "rust java");
        assert!(
            first.positive.contains("rust engineer") && first.positive.contains("java python sql")
        );
        assert_eq!(first.negatives.len(), 2);
        assert!(first.negatives.iter().all(|n| !n.contains("rust engineer")));

        // The saved groups train again.
        let again = temp.path().join("run2");
        let mut args = common(&again);
        args.extend(["--groups".into(), path(&saved)]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(parse(&args)).unwrap();
        assert!(again.join("best/jobfit.json").is_file());

        // Bad input: no negatives per positive, a run directory that holds a run.
        let mut args = common(&temp.path().join("never"));
        let at = args.iter().position(|a| a == "--negatives").unwrap();
        args[at + 1] = "0".into();
        args.extend(["--groups".into(), path(&saved)]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let error = run(parse(&args)).unwrap_err().to_string();
        assert!(error.contains("--negatives"), "{error}");
        assert!(!temp.path().join("never").exists());
        let mut args = common(&again);
        args.extend(["--groups".into(), path(&saved)]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let error = run(parse(&args)).unwrap_err().to_string();
        assert!(error.contains("--overwrite"), "{error}");
    }
}
