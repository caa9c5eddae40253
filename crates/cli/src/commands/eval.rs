//! `jobfit eval classify`: evaluate a fine-tuned classifier on a labelled file and print its
//! classification report as one JSON object.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use jobfit::text::ReadOptions;
use jobfit::train::{ClassificationReport, TextColumns, TextDataset, TrainError};

use crate::commands::predict::{LONG_TEXT_HELP, load_classifier, scores_in_chunks};
use crate::error::{CliError, Result};

#[derive(Debug, Args)]
pub struct ClassifyEvalArgs {
    /// Training run directory (its best/ checkpoint is used) or a checkpoint directory
    /// (e.g. RUN_DIR/last).
    #[arg(long)]
    run: PathBuf,
    /// The labelled test file: CSV or TSV with a header row, or JSON lines (.jsonl).
    /// RUN_DIR/valid.jsonl holds the run's validation examples, under the training columns.
    #[arg(long)]
    test: PathBuf,
    /// The text column (CSV) or field (JSON lines).
    #[arg(long, default_value = "text")]
    text_col: String,
    /// The label column (CSV) or field (JSON lines).
    #[arg(long, default_value = "category")]
    label_col: String,
    #[arg(long, value_name = "STRATEGY", help = LONG_TEXT_HELP)]
    long_text: Option<String>,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    #[arg(long)]
    lossy: bool,
}

/// Prints `{"n", "accuracy", "macro_f1", "weighted_f1", "per_class": {label: {"precision",
/// "recall", "f1", "support"}}, "unseen_labels": {label: count}}` on standard output. Test
/// labels the model was not trained on count as wrong and are listed in `unseen_labels` (and
/// in a warning on standard error).
pub fn run_classify(args: ClassifyEvalArgs) -> Result<()> {
    let started = Instant::now();
    let classifier = load_classifier(&args.run, args.long_text.as_deref())?;
    let columns = TextColumns::new(&args.text_col, &args.label_col);
    let options = ReadOptions::default().with_lossy_utf8(args.lossy);
    let data = TextDataset::read(&args.test, &columns, options)?;
    if data.is_empty() {
        return Err(TrainError::EmptyDataset.into());
    }
    let texts = data.texts();
    let logits = scores_in_chunks(&classifier, &texts, "evaluating", false)?;
    let labels = classifier.labels();
    let predicted: Vec<&str> = logits
        .iter()
        .map(|row| {
            // Highest logit, the first on ties; a model has at least one label.
            let best = (0..row.len())
                .reduce(|a, b| if row[b] > row[a] { b } else { a })
                .unwrap_or(0);
            labels.name(best).unwrap_or_default()
        })
        .collect();
    let report = ClassificationReport::from_labels(&data.labels(), &predicted, labels.names())
        .map_err(TrainError::from)?;
    if !report.unseen_labels.is_empty() {
        let names: Vec<&str> = report.unseen_labels.keys().map(String::as_str).collect();
        eprintln!(
            "warning: {} test examples have labels the model was not trained on ({}); \
             they count as wrong",
            report.unseen_count(),
            names.join(", ")
        );
    }
    let text = serde_json::to_string(&report)
        .map_err(|error| CliError::Usage(format!("cannot serialize the report: {error}")))?;
    println!("{text}");
    eprintln!(
        "{} texts: accuracy {:.4}, macro-F1 {:.4}, weighted F1 {:.4} ({:.1} s)",
        report.n,
        report.accuracy,
        report.macro_f1,
        report.weighted_f1,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
