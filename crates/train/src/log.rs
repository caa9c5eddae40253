//! The JSON-lines metrics log: one object per step or epoch event, flushed per write, readable
//! back for the training curves.
//!
//! A line looks like
//!
//! ```json
//! {"event":"epoch","step":93,"epoch":1.0,"loss":1.87,"lr":1.9e-5,"texts_per_s":41.2,"val":{"macro_f1":0.61,"accuracy":0.66}}
//! ```
//!
//! Absent values are left out. JSON has no NaN or infinity: a non-finite loss is written as
//! `null` and reads back as `None` (the loop reports it as an error anyway).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

/// The usual file name of the metrics log in a run directory.
pub const METRICS_LOG_FILE: &str = "metrics.jsonl";

/// What a log line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// One optimizer step (or a window of steps): the training loss, learning rate, speed.
    Step,
    /// The end of an epoch: the mean training loss of the epoch and the validation metrics.
    Epoch,
    /// A validation in the middle of an epoch (validation every N steps).
    Eval,
}

/// One line of the metrics log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEvent {
    /// What the line records.
    pub event: EventKind,
    /// Optimizer steps done so far.
    pub step: usize,
    /// Epochs done so far, fractional within an epoch (1.0 is the end of the first epoch).
    pub epoch: f64,
    /// Training loss: of the step for [`EventKind::Step`], the epoch's mean for
    /// [`EventKind::Epoch`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<f64>,
    /// Learning rate at the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Training throughput in texts per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texts_per_s: Option<f64>,
    /// Seconds since the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
    /// Validation metrics by name (`"macro_f1"`, `"accuracy"`, `"loss"`, `"ndcg@10"`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub val: BTreeMap<String, f64>,
}

impl LogEvent {
    /// An event with no values yet.
    pub fn new(event: EventKind, step: usize, epoch: f64) -> Self {
        Self {
            event,
            step,
            epoch,
            loss: None,
            lr: None,
            texts_per_s: None,
            elapsed_s: None,
            val: BTreeMap::new(),
        }
    }

    /// A training step with its loss, learning rate and throughput.
    pub fn step(step: usize, epoch: f64, loss: f64, lr: f64, texts_per_s: f64) -> Self {
        Self::new(EventKind::Step, step, epoch)
            .with_loss(loss)
            .with_lr(lr)
            .with_texts_per_s(texts_per_s)
    }

    /// The end of an epoch with its mean training loss; add validation metrics with
    /// [`with_val`](Self::with_val).
    pub fn epoch(step: usize, epoch: f64, mean_loss: f64) -> Self {
        Self::new(EventKind::Epoch, step, epoch).with_loss(mean_loss)
    }

    /// Sets the loss.
    #[must_use]
    pub fn with_loss(mut self, loss: f64) -> Self {
        self.loss = Some(loss);
        self
    }

    /// Sets the learning rate.
    #[must_use]
    pub fn with_lr(mut self, lr: f64) -> Self {
        self.lr = Some(lr);
        self
    }

    /// Sets the throughput.
    #[must_use]
    pub fn with_texts_per_s(mut self, texts_per_s: f64) -> Self {
        self.texts_per_s = Some(texts_per_s);
        self
    }

    /// Sets the time since the run started.
    #[must_use]
    pub fn with_elapsed_s(mut self, elapsed_s: f64) -> Self {
        self.elapsed_s = Some(elapsed_s);
        self
    }

    /// Adds a validation metric.
    #[must_use]
    pub fn with_val(mut self, name: impl Into<String>, value: f64) -> Self {
        self.val.insert(name.into(), value);
        self
    }

    /// Adds validation metrics.
    #[must_use]
    pub fn with_vals<S: Into<String>>(
        mut self,
        values: impl IntoIterator<Item = (S, f64)>,
    ) -> Self {
        self.val
            .extend(values.into_iter().map(|(name, value)| (name.into(), value)));
        self
    }
}

/// Writes [`LogEvent`]s as JSON lines, one `write` call and a flush per event, so a crash
/// loses at most the line being written and a reader (or `tail -f`) sees each line at once.
#[derive(Debug)]
pub struct MetricsLog {
    path: PathBuf,
    file: File,
}

impl MetricsLog {
    /// Creates (or truncates) the log at `path`, creating its directory.
    ///
    /// # Errors
    ///
    /// [`TrainError::Io`] when the file cannot be created.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        Self::open(path.as_ref(), false)
    }

    /// Opens the log at `path` for appending (resuming a run), creating it if absent.
    ///
    /// # Errors
    ///
    /// [`TrainError::Io`] when the file cannot be opened.
    pub fn append(path: impl AsRef<Path>) -> Result<Self> {
        Self::open(path.as_ref(), true)
    }

    fn open(path: &Path, append: bool) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
        }
        let mut options = OpenOptions::new();
        options.create(true);
        if append {
            options.append(true);
        } else {
            options.write(true).truncate(true);
        }
        let file = options.open(path).map_err(|e| TrainError::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event and flushes it.
    ///
    /// # Errors
    ///
    /// [`TrainError::Io`] when writing fails.
    pub fn write(&mut self, event: &LogEvent) -> Result<()> {
        // A struct of numbers, strings and a string-keyed map always serializes.
        let mut line = serde_json::to_vec(event).expect("a log event serializes");
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.flush())
            .map_err(|e| TrainError::io(&self.path, e))
    }
}

/// Reads a metrics log back.
///
/// A last line cut short (a run killed mid-write: no final newline and not valid JSON) is
/// ignored; any other bad line is an error naming it.
///
/// # Errors
///
/// [`TrainError::Io`] when the file cannot be read, [`TrainError::Data`] for a malformed line.
pub fn read_metrics_log(path: impl AsRef<Path>) -> Result<Vec<LogEvent>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| TrainError::io(path, e))?;
    let mut reader = BufReader::new(file);
    let mut events = Vec::new();
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| TrainError::io(path, e))?;
        if read == 0 {
            break;
        }
        number += 1;
        let complete = line.ends_with('\n');
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<LogEvent>(text) {
            Ok(event) => events.push(event),
            Err(_) if !complete => break,
            Err(e) => {
                return Err(jobfit_text::DataError::Malformed {
                    path: path.to_path_buf(),
                    line: number,
                    message: e.to_string(),
                }
                .into());
            }
        }
    }
    Ok(events)
}
