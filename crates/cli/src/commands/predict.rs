//! `jobfit predict`: each text's most likely labels with probabilities, as JSON lines, from a
//! fine-tuned classifier.

use std::path::{Path, PathBuf};

use clap::Args;
use jobfit::text::ReadOptions;
use jobfit::train::{Classifier, Progress, read_texts_with_ids};
use serde::Serialize;

use crate::error::{CliError, Result};
use crate::output::Output;

/// Texts classified per model call (and per progress update).
pub(crate) const CHUNK: usize = 64;

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Training run directory (its best/ checkpoint is used) or a checkpoint directory
    /// (e.g. RUN_DIR/last).
    #[arg(long)]
    run: PathBuf,
    /// The texts: CSV or TSV with a header row, JSON lines (.jsonl), or .txt with one text per
    /// line; `-` reads CSV from standard input.
    #[arg(long)]
    input: PathBuf,
    /// How many labels to write per text, most likely first.
    #[arg(long, default_value_t = 3)]
    top: usize,
    /// The text column (CSV) or field (JSON lines).
    #[arg(long, default_value = "text")]
    text_col: String,
    /// A column (or field) copied to each output line as "id".
    #[arg(long)]
    id_col: Option<String>,
    /// Where to write the JSON lines (default: standard output).
    #[arg(long)]
    output: Option<PathBuf>,
    #[arg(long, value_name = "STRATEGY", help = LONG_TEXT_HELP)]
    long_text: Option<String>,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    #[arg(long)]
    lossy: bool,
}

#[derive(Debug, Serialize)]
struct Scored<'a> {
    label: &'a str,
    probability: f32,
}

#[derive(Debug, Serialize)]
struct OutputLine<'a> {
    /// 0-based position of the text in the input.
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    labels: Vec<Scored<'a>>,
}

/// The help of `--long-text` on the commands that load a classifier.
pub(crate) const LONG_TEXT_HELP: &str = "How to read texts longer than the model's window: \
    head, head-tail, head-tail:N or chunk-pool (default: the strategy the model was trained with)";

/// Loads the classifier of a run or checkpoint directory on the default device, reading long
/// texts with `long_text` when given (a `--long-text` value) instead of the trained strategy.
pub(crate) fn load_classifier(run: &Path, long_text: Option<&str>) -> Result<Classifier> {
    let device = jobfit::default_device();
    let classifier = Classifier::load(run, &device)?;
    Ok(match long_text {
        Some(strategy) => classifier.with_long_text(strategy.parse()?)?,
        None => classifier,
    })
}

/// The classifier's probabilities (`softmax: true`) or logits, one row of label scores per
/// text, computed `CHUNK` texts at a time with a progress bar (drawn only on a terminal).
pub(crate) fn scores_in_chunks(
    classifier: &Classifier,
    texts: &[&str],
    label: &str,
    softmax: bool,
) -> Result<Vec<Vec<f32>>> {
    let progress = Progress::new(texts.len() as u64, label);
    let mut rows = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(CHUNK) {
        let scores = if softmax {
            classifier.probabilities(chunk)?
        } else {
            classifier.logits(chunk)?
        };
        rows.extend(scores.rows().into_iter().map(|row| row.to_vec()));
        progress.update_message(rows.len() as u64, "texts");
    }
    progress.finish();
    Ok(rows)
}

/// The indices of the `top` largest values, largest first (ties: lower index first).
fn top_indices(row: &[f32], top: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
    order.truncate(top);
    order
}

pub fn run(args: PredictArgs) -> Result<()> {
    if args.top == 0 {
        return Err(CliError::Usage(
            "--top must be at least 1 (the number of labels written per text)".into(),
        ));
    }
    let classifier = load_classifier(&args.run, args.long_text.as_deref())?;
    let records = read_texts_with_ids(
        &args.input,
        &args.text_col,
        args.id_col.as_deref(),
        ReadOptions::default().with_lossy_utf8(args.lossy),
    )?;
    let texts: Vec<&str> = records.iter().map(|(_, text)| text.as_str()).collect();
    let probabilities = scores_in_chunks(&classifier, &texts, "predicting", true)?;
    let labels = classifier.labels();
    let mut output = Output::open(args.output.as_deref())?;
    for (index, ((id, _), row)) in records.iter().zip(&probabilities).enumerate() {
        let scored = top_indices(row, args.top)
            .into_iter()
            .map(|i| Scored {
                label: labels.name(i).unwrap_or_default(),
                probability: row[i],
            })
            .collect();
        let line = OutputLine {
            index,
            id: id.as_deref(),
            labels: scored,
        };
        let text = serde_json::to_string(&line)
            .map_err(|error| CliError::Usage(format!("cannot serialize output: {error}")))?;
        output.line(&text)?;
    }
    output.finish()?;
    eprintln!(
        "{} texts classified into {} labels",
        records.len(),
        labels.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_indices_orders_by_score_then_index() {
        assert_eq!(top_indices(&[0.1, 0.5, 0.2, 0.5], 3), [1, 3, 2]);
        assert_eq!(top_indices(&[0.1, 0.9], 5), [1, 0]);
    }
}
