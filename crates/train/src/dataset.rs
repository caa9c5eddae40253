//! Labelled text datasets, label maps, stratified splits, long-text strategies and contrastive
//! pairs, with builders of pair sets from O*NET, ESCO and the JobBERT titles.
//!
//! # Files
//!
//! [`TextDataset`] and [`PairDataset`] read CSV (a header row; `.tsv` files are tab-separated)
//! or JSON lines (`.jsonl`, `.ndjson`, `.json`), picked by the file extension, with the column or
//! field names the caller chooses. A row without a text or a label (absent, null or blank) is an
//! error naming its line: fix the file rather than train on silently dropped rows.
//!
//! # Randomness
//!
//! Everything random here takes a seed and uses [`SeededRng`] (SplitMix64), so a split or a
//! batch order is the same on every machine and every run for the same seed and input.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ops::Range;
use std::path::{Path, PathBuf};

use jobfit_text::{CsvTable, DataError, Encoding, ReadOptions, TextTokenizer, read_jsonl};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, TrainError};

/// A small deterministic random number generator (SplitMix64).
///
/// Not for cryptography: it makes splits, shuffles and batch orders reproducible from a `u64`
/// seed without depending on a particular version of a random-number crate.
#[derive(Debug, Clone)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// A uniform integer in `0..n` (0 when `n` is 0), without modulo bias.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let n = n as u64;
        // Values below `2^64 mod n` would make low results more likely: draw again.
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            if x >= threshold {
                // `x % n < n`, and `n` came from a usize.
                return (x % n) as usize;
            }
        }
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// `n` distinct indices of `0..len` chosen uniformly, in increasing order
    /// (the first `n` of a shuffle, sorted): a seeded subset that keeps the
    /// original order. All of `0..len` when `n >= len`, without drawing.
    pub fn sample_indices(&mut self, len: usize, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..len).collect();
        if n < len {
            self.shuffle(&mut order);
            order.truncate(n);
            order.sort_unstable();
        }
        order
    }
}

/// SplitMix64's output function: a bijective mix of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over bytes: a stable hash (the same on every platform and release).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The kind of a data file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Csv,
    Tsv,
    Jsonl,
}

impl FileKind {
    fn of(path: &Path) -> Self {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "jsonl" | "ndjson" | "json" => Self::Jsonl,
            "tsv" | "tab" => Self::Tsv,
            _ => Self::Csv,
        }
    }

    fn csv_options(self, options: ReadOptions) -> ReadOptions {
        match self {
            Self::Tsv => options.with_delimiter(b'\t'),
            _ => options,
        }
    }
}

/// Writes `rows` as JSON lines to `path`, atomically.
pub(crate) fn write_json_lines<T: Serialize>(
    path: &Path,
    rows: impl IntoIterator<Item = T>,
) -> Result<()> {
    let mut out = Vec::new();
    for row in rows {
        // The rows are strings and maps of strings: serializing them into a Vec cannot fail.
        serde_json::to_writer(&mut out, &row).expect("a row of strings serializes");
        out.push(b'\n');
    }
    jobfit_model::write_atomic(path, &out)?;
    Ok(())
}

fn missing_field(path: &Path, line: u64, field: &str) -> DataError {
    DataError::MissingField {
        path: path.to_path_buf(),
        line,
        field: field.to_owned(),
    }
}

/// A JSON field as text: strings as they are, numbers and booleans printed, null or absent as
/// `None`; arrays and objects are an error.
fn json_field(
    record: &Map<String, Value>,
    field: &str,
    path: &Path,
    line: u64,
) -> std::result::Result<Option<String>, DataError> {
    match record.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
        Some(_) => Err(DataError::Invalid {
            path: path.to_path_buf(),
            line,
            message: format!("field '{field}' must be a string, not an array or object"),
        }),
    }
}

/// A required field: present and not blank.
fn required(
    value: Option<String>,
    field: &str,
    path: &Path,
    line: u64,
) -> std::result::Result<String, DataError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(missing_field(path, line, field)),
    }
}

/// Reads the named columns of every row of a CSV/TSV file; `optional` columns the file lacks
/// come back as `None`.
fn read_csv_columns(
    path: &Path,
    kind: FileKind,
    options: ReadOptions,
    required_cols: &[&str],
    optional_cols: &[&str],
) -> Result<Vec<(u64, Vec<Option<String>>)>> {
    let table = CsvTable::open(path, kind.csv_options(options))?;
    let present: Vec<bool> = optional_cols
        .iter()
        .map(|c| table.column(c).is_some())
        .collect();
    let mut names: Vec<&str> = required_cols.to_vec();
    names.extend(
        optional_cols
            .iter()
            .zip(&present)
            .filter(|(_, p)| **p)
            .map(|(c, _)| *c),
    );
    let mut out = Vec::new();
    for row in table.select(&names)? {
        let (line, mut values) = row?;
        let mut row: Vec<Option<String>> = values.drain(..required_cols.len()).map(Some).collect();
        let mut rest = values.into_iter();
        for &p in &present {
            row.push(if p { rest.next() } else { None });
        }
        out.push((line, row));
    }
    Ok(out)
}

/// Reads named fields of every record of a JSON lines file.
fn read_jsonl_fields(
    path: &Path,
    options: ReadOptions,
    fields: &[&str],
) -> Result<Vec<(u64, Vec<Option<String>>)>> {
    let reader = read_jsonl::<Map<String, Value>>(path, options)?;
    let mut out = Vec::new();
    for record in reader {
        let (line, record) = record?;
        let values = fields
            .iter()
            .map(|f| json_field(&record, f, path, line))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.push((line, values));
    }
    Ok(out)
}

/// Reads the texts of a file for prediction: CSV/TSV (column `text_col`), JSON lines (field
/// `text_col`), or a `.txt` file with one text per non-blank line.
///
/// # Errors
///
/// As [`read_texts_with_ids`].
pub fn read_texts(path: &Path, text_col: &str, options: ReadOptions) -> Result<Vec<String>> {
    Ok(read_texts_with_ids(path, text_col, None, options)?
        .into_iter()
        .map(|(_, text)| text)
        .collect())
}

/// Reads `(id, text)` records for prediction: like [`read_texts`], with the value of column
/// (or field) `id_col` as the id when asked for. A record with a blank id gets `None`; a `.txt`
/// file has no ids.
///
/// # Errors
///
/// [`TrainError::Data`] for an unreadable file, a missing column or a record without text
/// (naming the line); [`TrainError::Io`] for an unreadable `.txt` file;
/// [`TrainError::EmptyDataset`] when the file holds no text.
pub fn read_texts_with_ids(
    path: &Path,
    text_col: &str,
    id_col: Option<&str>,
    options: ReadOptions,
) -> Result<Vec<(Option<String>, String)>> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let records: Vec<(Option<String>, String)> = if matches!(ext.as_str(), "txt" | "text") {
        std::fs::read_to_string(path)
            .map_err(|e| TrainError::io(path, e))?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| (None, l.to_owned()))
            .collect()
    } else {
        let kind = FileKind::of(path);
        let mut columns = vec![text_col];
        columns.extend(id_col);
        let rows = match kind {
            FileKind::Jsonl => read_jsonl_fields(path, options, &columns)?,
            _ => read_csv_columns(path, kind, options, &columns, &[])?,
        };
        rows.into_iter()
            .map(|(line, values)| {
                let mut values = values.into_iter();
                let text = required(values.next().flatten(), text_col, path, line)?;
                let id = values.next().flatten().filter(|id| !id.trim().is_empty());
                Ok((id, text))
            })
            .collect::<std::result::Result<_, DataError>>()?
    };
    if records.is_empty() {
        return Err(TrainError::EmptyDataset);
    }
    Ok(records)
}

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// The text (a resume, a job posting).
    pub text: String,
    /// The label name (a job category), trimmed.
    pub label: String,
}

/// Which columns (CSV) or fields (JSON lines) hold the text and the label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextColumns {
    /// The text column. Default: `"text"`.
    pub text: String,
    /// The label column. Default: `"label"`.
    pub label: String,
}

impl Default for TextColumns {
    fn default() -> Self {
        Self {
            text: "text".to_owned(),
            label: "label".to_owned(),
        }
    }
}

impl TextColumns {
    /// Columns `text` and `label`.
    pub fn new(text: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            label: label.into(),
        }
    }
}

/// Labelled texts for classification, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextDataset {
    examples: Vec<Example>,
}

impl TextDataset {
    /// A dataset of these examples (labels are trimmed).
    pub fn new(examples: Vec<Example>) -> Self {
        let examples = examples
            .into_iter()
            .map(|e| Example {
                label: e.label.trim().to_owned(),
                text: e.text,
            })
            .collect();
        Self { examples }
    }

    /// A dataset of `(text, label)` pairs.
    pub fn from_pairs<T: Into<String>, L: Into<String>>(
        pairs: impl IntoIterator<Item = (T, L)>,
    ) -> Self {
        Self::new(
            pairs
                .into_iter()
                .map(|(text, label)| Example {
                    text: text.into(),
                    label: label.into(),
                })
                .collect(),
        )
    }

    /// Reads a CSV/TSV or JSON lines file, by its extension (see the module docs).
    ///
    /// # Errors
    ///
    /// [`TrainError::Data`] when the file cannot be read, lacks a column, or has a row without
    /// text or label (naming the line). An empty file gives an empty dataset, not an error;
    /// [`label_map`](Self::label_map) and the split refuse it.
    pub fn read(
        path: impl AsRef<Path>,
        columns: &TextColumns,
        options: ReadOptions,
    ) -> Result<Self> {
        let path = path.as_ref();
        let kind = FileKind::of(path);
        let fields = [columns.text.as_str(), columns.label.as_str()];
        let rows = match kind {
            FileKind::Jsonl => read_jsonl_fields(path, options, &fields)?,
            _ => read_csv_columns(path, kind, options, &fields, &[])?,
        };
        let examples = rows
            .into_iter()
            .map(|(line, values)| {
                let mut values = values.into_iter();
                let text = required(values.next().flatten(), &columns.text, path, line)?;
                let label = required(values.next().flatten(), &columns.label, path, line)?;
                Ok(Example { text, label })
            })
            .collect::<std::result::Result<Vec<_>, DataError>>()?;
        Ok(Self::new(examples))
    }

    /// Writes the examples as JSON lines, one object per example with the text under
    /// `columns.text` and the label under `columns.label`, atomically; [`read`](Self::read)
    /// with the same columns gives them back.
    ///
    /// # Errors
    ///
    /// [`TrainError::Model`] wrapping the I/O error of the atomic write.
    pub fn write_jsonl(&self, path: impl AsRef<Path>, columns: &TextColumns) -> Result<()> {
        let rows = self.examples.iter().map(|example| {
            Map::from_iter([
                (columns.text.clone(), Value::from(example.text.as_str())),
                (columns.label.clone(), Value::from(example.label.as_str())),
            ])
        });
        write_json_lines(path.as_ref(), rows)
    }

    /// The number of examples.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// The examples, in order.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// The texts, in order.
    pub fn texts(&self) -> Vec<&str> {
        self.examples.iter().map(|e| e.text.as_str()).collect()
    }

    /// The label names, in order.
    pub fn labels(&self) -> Vec<&str> {
        self.examples.iter().map(|e| e.label.as_str()).collect()
    }

    /// The examples at `indices`, in that order (indices past the end are ignored).
    pub fn select(&self, indices: &[usize]) -> Self {
        Self {
            examples: indices
                .iter()
                .filter_map(|&i| self.examples.get(i).cloned())
                .collect(),
        }
    }

    /// The label map of this dataset's labels.
    ///
    /// # Errors
    ///
    /// [`TrainError::EmptyDataset`] with no examples, [`TrainError::SingleClass`] when every
    /// example has the same label.
    pub fn label_map(&self) -> Result<LabelMap> {
        let map = LabelMap::new(self.examples.iter().map(|e| e.label.as_str()));
        match map.len() {
            0 => Err(TrainError::EmptyDataset),
            1 => Err(TrainError::SingleClass {
                label: map.labels[0].clone(),
            }),
            _ => Ok(map),
        }
    }

    /// Each example's label id in `map`, `None` for a label the map lacks.
    pub fn label_ids(&self, map: &LabelMap) -> Vec<Option<usize>> {
        self.examples.iter().map(|e| map.id(&e.label)).collect()
    }

    /// The number of examples per label, sorted by label.
    pub fn class_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for e in &self.examples {
            *counts.entry(e.label.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// Inverse-frequency class weights indexed by the ids of `map`:
    /// `weight_c = n / (k * count_c)`, with `n` the examples whose label is in `map` and `k` the
    /// classes of `map` that occur here (the "balanced" weights of scikit-learn). The weighted
    /// count of every occurring class is then `n / k`. A class of `map` with no example gets
    /// weight 0 (it never appears as a target).
    ///
    /// # Errors
    ///
    /// [`TrainError::EmptyDataset`] when no example has a label of `map`.
    pub fn class_weights(&self, map: &LabelMap) -> Result<Vec<f32>> {
        let mut counts = vec![0usize; map.len()];
        for id in self.label_ids(map).into_iter().flatten() {
            counts[id] += 1;
        }
        let n: usize = counts.iter().sum();
        let k = counts.iter().filter(|&&c| c > 0).count();
        if n == 0 {
            return Err(TrainError::EmptyDataset);
        }
        Ok(counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    0.0
                } else {
                    (n as f64 / (k as f64 * c as f64)) as f32
                }
            })
            .collect())
    }

    /// A seeded stratified split into `(train, validation)`; see [`stratified_split_indices`].
    ///
    /// # Errors
    ///
    /// As [`stratified_split_indices`].
    pub fn stratified_split(&self, valid_fraction: f64, seed: u64) -> Result<(Self, Self)> {
        let (train, valid) = stratified_split_indices(&self.labels(), valid_fraction, seed)?;
        Ok((self.select(&train), self.select(&valid)))
    }
}

/// Splits example indices into `(train, validation)`, class by class.
///
/// Each class's indices are shuffled with a [`SeededRng`] (classes in sorted label order, one
/// generator), and `round(count * valid_fraction)` of them go to validation, clamped so that a
/// class with at least two examples keeps at least one in each part; a class with one example
/// stays in training. Both index lists come back sorted (file order). The same labels, fraction
/// and seed always give the same split.
///
/// # Errors
///
/// [`TrainError::InvalidConfig`] unless `0 < valid_fraction < 1`, [`TrainError::EmptyDataset`]
/// for no labels.
pub fn stratified_split_indices(
    labels: &[impl AsRef<str>],
    valid_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(valid_fraction.is_finite() && valid_fraction > 0.0 && valid_fraction < 1.0) {
        return Err(TrainError::invalid_config(format!(
            "valid fraction {valid_fraction} is out of range: it must lie strictly between 0 and 1 \
             (0.1 holds out 10% of each class)"
        )));
    }
    if labels.is_empty() {
        return Err(TrainError::EmptyDataset);
    }
    let mut by_class: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, label) in labels.iter().enumerate() {
        by_class.entry(label.as_ref()).or_default().push(i);
    }
    let mut rng = SeededRng::new(seed);
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for indices in by_class.values_mut() {
        rng.shuffle(indices);
        let count = indices.len();
        let n_valid = if count < 2 {
            0
        } else {
            ((count as f64 * valid_fraction).round() as usize).clamp(1, count - 1)
        };
        valid.extend_from_slice(&indices[..n_valid]);
        train.extend_from_slice(&indices[n_valid..]);
    }
    train.sort_unstable();
    valid.sort_unstable();
    Ok((train, valid))
}

/// Label names and their ids: the sorted, de-duplicated names, a name's id being its position.
///
/// Serializes as the JSON array of names (`["ACCOUNTANT", "ADVOCATE", ...]`); deserializing
/// checks the array is sorted and free of duplicates, so ids saved with a model never shift.
///
/// ```
/// use jobfit_train::LabelMap;
///
/// let map = LabelMap::new(["nurse", "chef", "nurse"]);
/// assert_eq!(map.names(), ["chef", "nurse"]);
/// assert_eq!(map.id("nurse"), Some(1));
/// assert_eq!(map.id("pilot"), None);
/// assert_eq!(map.name(0), Some("chef"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct LabelMap {
    labels: Vec<String>,
}

impl LabelMap {
    /// The map of these names (trimmed, sorted, de-duplicated; blank names dropped).
    pub fn new(names: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        let mut labels: Vec<String> = names
            .into_iter()
            .map(|n| n.as_ref().trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect();
        labels.sort_unstable();
        labels.dedup();
        Self { labels }
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The id of a label name, `None` for a name not in the map.
    pub fn id(&self, name: &str) -> Option<usize> {
        self.labels
            .binary_search_by(|l| l.as_str().cmp(name.trim()))
            .ok()
    }

    /// The name of a label id, `None` when out of range.
    pub fn name(&self, id: usize) -> Option<&str> {
        self.labels.get(id).map(String::as_str)
    }

    /// The names, in id order.
    pub fn names(&self) -> &[String] {
        &self.labels
    }
}

impl TryFrom<Vec<String>> for LabelMap {
    type Error = String;

    fn try_from(labels: Vec<String>) -> std::result::Result<Self, String> {
        if let Some(pair) = labels.windows(2).find(|w| w[0] >= w[1]) {
            return Err(format!(
                "label map must list labels sorted and without duplicates, but {:?} comes before {:?}",
                pair[0], pair[1]
            ));
        }
        Ok(Self { labels })
    }
}

impl From<LabelMap> for Vec<String> {
    fn from(map: LabelMap) -> Self {
        map.labels
    }
}

/// How to fit a text longer than the model's maximum length.
///
/// Serializes as `{"strategy": "head"}`, `{"strategy": "head_tail", "head": 64}`,
/// `{"strategy": "chunk_pool"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "strategy", rename_all = "snake_case")]
pub enum LongText {
    /// Keep the first tokens (plain truncation). The default.
    #[default]
    Head,
    /// Keep the first `head` tokens and the last `max_length - special - head` tokens of the
    /// document, then add the special tokens (`[CLS]` and `[SEP]` for BERT). Resumes often end
    /// with skills and education, which plain truncation loses.
    HeadTail {
        /// Document tokens kept from the start; the rest of the window comes from the end.
        head: usize,
    },
    /// Split the document into non-overlapping windows of `max_length - special` tokens, encode
    /// each, and pool the per-chunk outputs per document (the loop decides how: mean of
    /// embeddings or of logits). Every token is used; the cost grows with the length.
    ChunkPool,
}

impl std::str::FromStr for LongText {
    type Err = TrainError;

    /// Parses `head`, `head-tail` (64 head tokens), `head-tail:N` or `chunk-pool`, ignoring
    /// case, with `_` for `-` allowed (the serialized names parse too).
    ///
    /// ```
    /// use jobfit_train::LongText;
    ///
    /// assert_eq!("head-tail:32".parse::<LongText>().unwrap(), LongText::HeadTail { head: 32 });
    /// assert_eq!("Chunk_Pool".parse::<LongText>().unwrap(), LongText::ChunkPool);
    /// assert!("tail".parse::<LongText>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Self> {
        let normalized = text.trim().to_ascii_lowercase().replace('_', "-");
        let bad = || {
            TrainError::invalid_config(format!(
                "unknown long-text strategy {text:?}: use head, head-tail, head-tail:N or chunk-pool"
            ))
        };
        match normalized.as_str() {
            "head" => Ok(Self::Head),
            "head-tail" => Ok(Self::HeadTail { head: 64 }),
            "chunk-pool" | "chunks" => Ok(Self::ChunkPool),
            other => match other.strip_prefix("head-tail:") {
                Some(n) => n
                    .parse()
                    .map(|head| Self::HeadTail { head })
                    .map_err(|_| bad()),
                None => Err(bad()),
            },
        }
    }
}

/// Encodings of documents under a [`LongText`] strategy.
///
/// `docs[i]` is the document of `encodings[i]`. Each document has at least one encoding, and a
/// document's encodings are contiguous and in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTextEncodings {
    /// The encodings (special tokens included, never longer than the tokenizer's maximum).
    pub encodings: Vec<Encoding>,
    /// The document index of each encoding.
    pub docs: Vec<usize>,
    /// The number of documents.
    pub n_docs: usize,
}

impl LongTextEncodings {
    /// The range of `encodings` that belongs to each document, in document order.
    pub fn doc_ranges(&self) -> Vec<Range<usize>> {
        let mut ranges = vec![0..0; self.n_docs];
        let mut start = 0;
        while start < self.docs.len() {
            let doc = self.docs[start];
            let mut end = start + 1;
            while end < self.docs.len() && self.docs[end] == doc {
                end += 1;
            }
            if let Some(r) = ranges.get_mut(doc) {
                *r = start..end;
            }
            start = end;
        }
        ranges
    }
}

/// The first `head` and the last `window - head` ids of a document longer than `window`; the
/// whole document when it fits. `head` larger than `window` keeps the first `window` ids.
///
/// ```
/// use jobfit_train::head_tail_ids;
///
/// assert_eq!(head_tail_ids(&[1, 2, 3, 4, 5, 6, 7], 2, 5), [1, 2, 5, 6, 7]);
/// assert_eq!(head_tail_ids(&[1, 2, 3], 2, 5), [1, 2, 3]);
/// ```
pub fn head_tail_ids(ids: &[u32], head: usize, window: usize) -> Vec<u32> {
    if ids.len() <= window {
        return ids.to_vec();
    }
    let head = head.min(window);
    let tail = window - head;
    let mut out = Vec::with_capacity(window);
    out.extend_from_slice(&ids[..head]);
    out.extend_from_slice(&ids[ids.len() - tail..]);
    out
}

impl LongText {
    /// Checks the strategy against a tokenizer.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidConfig`] for [`HeadTail`](Self::HeadTail) whose `head` leaves no room
    /// for a tail (`head` must be below `max_length - special tokens`).
    pub fn validate(&self, tokenizer: &TextTokenizer) -> Result<()> {
        if let Self::HeadTail { head } = *self {
            let window = window_of(tokenizer);
            if head >= window {
                return Err(TrainError::invalid_config(format!(
                    "head-tail head {head} leaves no tail: with max length {} and {} special \
                     tokens the window is {window} tokens, so head must be in 0..{window} \
                     (use the head strategy to keep only the start)",
                    tokenizer.max_length(),
                    tokenizer.special_tokens_single()
                )));
            }
        }
        Ok(())
    }

    /// Encodes `texts` under this strategy, in parallel; see [`LongTextEncodings`].
    ///
    /// [`Head`](Self::Head) and [`HeadTail`](Self::HeadTail) give one encoding per text;
    /// [`ChunkPool`](Self::ChunkPool) one per chunk.
    ///
    /// # Errors
    ///
    /// [`validate`](Self::validate)'s errors, and [`TrainError::Tokenize`] when the tokenizer
    /// fails.
    pub fn encode(&self, tokenizer: &TextTokenizer, texts: &[&str]) -> Result<LongTextEncodings> {
        self.validate(tokenizer)?;
        let n_docs = texts.len();
        let one_each = |encodings: Vec<Encoding>| LongTextEncodings {
            docs: (0..encodings.len()).collect(),
            encodings,
            n_docs,
        };
        match *self {
            Self::Head => Ok(one_each(tokenizer.encode_all(texts)?)),
            Self::HeadTail { head } => {
                let window = window_of(tokenizer);
                let encodings = texts
                    .par_iter()
                    .map(|text| {
                        let ids = tokenizer.token_ids(text)?;
                        tokenizer.wrap_single(&head_tail_ids(&ids, head, window))
                    })
                    .collect::<jobfit_text::TokenizeResult<Vec<_>>>()?;
                Ok(one_each(encodings))
            }
            Self::ChunkPool => {
                let chunks = tokenizer.chunk_all(texts, 0)?;
                let (docs, encodings) = chunks.into_iter().map(|c| (c.doc, c.encoding)).unzip();
                Ok(LongTextEncodings {
                    encodings,
                    docs,
                    n_docs,
                })
            }
        }
    }
}

/// Document tokens that fit in one encoding.
fn window_of(tokenizer: &TextTokenizer) -> usize {
    tokenizer
        .max_length()
        .saturating_sub(tokenizer.special_tokens_single())
}

/// One contrastive training row: an anchor (a job title, a query), its positive (the matching
/// occupation or posting), and optionally a hard negative (similar but wrong).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pair {
    /// The anchor text.
    pub anchor: String,
    /// The text that matches the anchor.
    pub positive: String,
    /// A text that looks close but does not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative: Option<String>,
}

impl Pair {
    /// A pair without a hard negative.
    pub fn new(anchor: impl Into<String>, positive: impl Into<String>) -> Self {
        Self {
            anchor: anchor.into(),
            positive: positive.into(),
            negative: None,
        }
    }
}

/// Which columns (CSV) or fields (JSON lines) hold a [`Pair`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PairColumns {
    /// The anchor column. Default: `"anchor"`.
    pub anchor: String,
    /// The positive column. Default: `"positive"`.
    pub positive: String,
    /// The optional hard-negative column; a file without it, or a blank value, means no
    /// negative. Default: `"negative"`.
    pub negative: String,
}

impl Default for PairColumns {
    fn default() -> Self {
        Self {
            anchor: "anchor".to_owned(),
            positive: "positive".to_owned(),
            negative: "negative".to_owned(),
        }
    }
}

/// How pair builders hold out part of the anchors for evaluation.
///
/// The split is by normalized anchor (lower-cased, whitespace collapsed), so the same title
/// lands on the same side in every build and in every source, and a title listed under several
/// occupations is held out as a whole.
///
/// The default, [`HeldOut::Modulo`] with modulus 5, is the rule of the project's evaluation
/// sets (`docs/DATA.md`): a title is held out when the FNV-1a 64-bit hash of its key is
/// divisible by 5. Train with the default and the held-out queries of `eval/` stay unseen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldOut {
    /// Held out when `fnv1a64(key) % modulus == 0` (about `1 / modulus` of the anchors).
    Modulo {
        /// At least 2. Default: 5.
        modulus: u64,
    },
    /// A seeded fraction of the anchors.
    Fraction {
        /// Expected fraction of anchors held out, in `[0, 1)`.
        valid_fraction: f64,
        /// Seed of the hash.
        seed: u64,
    },
}

impl Default for HeldOut {
    fn default() -> Self {
        Self::Modulo { modulus: 5 }
    }
}

impl HeldOut {
    /// A seeded fraction of the anchors (see [`HeldOut::Fraction`]).
    pub fn fraction(valid_fraction: f64, seed: u64) -> Self {
        Self::Fraction {
            valid_fraction,
            seed,
        }
    }

    /// Checks the fraction or modulus.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidConfig`] unless `0 <= valid_fraction < 1`, or for a modulus below 2.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Self::Modulo { modulus } if modulus < 2 => Err(TrainError::invalid_config(format!(
                "held-out modulus {modulus} is out of range: it must be at least 2 (5 holds out \
                 a fifth of the anchors)"
            ))),
            Self::Modulo { .. } => Ok(()),
            Self::Fraction { valid_fraction, .. } => {
                let f = valid_fraction;
                if f.is_finite() && (0.0..1.0).contains(&f) {
                    Ok(())
                } else {
                    Err(TrainError::invalid_config(format!(
                        "held-out fraction {f} is out of range: it must be in [0, 1) (0.1 holds \
                         out 10% of the anchors)"
                    )))
                }
            }
        }
    }

    /// Whether an anchor is held out.
    pub fn is_held_out(&self, anchor: &str) -> bool {
        let key = normalize_key(anchor);
        match *self {
            Self::Modulo { modulus } => fnv1a(key.as_bytes()).is_multiple_of(modulus),
            Self::Fraction {
                valid_fraction,
                seed,
            } => {
                let h = mix64(fnv1a(key.as_bytes()) ^ mix64(seed));
                ((h >> 11) as f64 / (1u64 << 53) as f64) < valid_fraction
            }
        }
    }
}

/// Lower-cased, whitespace-collapsed text: the identity of a title for de-duplication and
/// held-out splits.
fn normalize_key(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Contrastive pairs, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairDataset {
    pairs: Vec<Pair>,
}

impl PairDataset {
    /// A dataset of these pairs.
    pub fn new(pairs: Vec<Pair>) -> Self {
        Self { pairs }
    }

    /// Reads a CSV/TSV or JSON lines file, by its extension (see the module docs).
    ///
    /// # Errors
    ///
    /// [`TrainError::Data`] when the file cannot be read, lacks the anchor or positive column,
    /// or has a row with a blank anchor or positive (naming the line).
    pub fn read(
        path: impl AsRef<Path>,
        columns: &PairColumns,
        options: ReadOptions,
    ) -> Result<Self> {
        let path = path.as_ref();
        let kind = FileKind::of(path);
        let rows = match kind {
            FileKind::Jsonl => read_jsonl_fields(
                path,
                options,
                &[
                    columns.anchor.as_str(),
                    columns.positive.as_str(),
                    columns.negative.as_str(),
                ],
            )?,
            _ => read_csv_columns(
                path,
                kind,
                options,
                &[columns.anchor.as_str(), columns.positive.as_str()],
                &[columns.negative.as_str()],
            )?,
        };
        let pairs = rows
            .into_iter()
            .map(|(line, values)| {
                let mut values = values.into_iter();
                let anchor = required(values.next().flatten(), &columns.anchor, path, line)?;
                let positive = required(values.next().flatten(), &columns.positive, path, line)?;
                let negative = values.next().flatten().filter(|n| !n.trim().is_empty());
                Ok(Pair {
                    anchor,
                    positive,
                    negative,
                })
            })
            .collect::<std::result::Result<Vec<_>, DataError>>()?;
        Ok(Self { pairs })
    }

    /// Writes the pairs as JSON lines (`{"anchor", "positive"[, "negative"]}`), atomically.
    ///
    /// # Errors
    ///
    /// [`TrainError::Model`] wrapping the I/O error of the atomic write.
    pub fn write_jsonl(&self, path: impl AsRef<Path>) -> Result<()> {
        write_json_lines(path.as_ref(), &self.pairs)
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    /// The same pairs with every text cleaned by [`jobfit_text::clean`] (HTML,
    /// mojibake, Unicode forms, white space), as the matching crate cleans a
    /// resume or a job text before embedding it: for pairs built from raw
    /// resumes or postings, so that training sees the text inference sees.
    pub fn cleaned(&self) -> Self {
        let clean = jobfit_text::clean;
        let pairs = self
            .pairs
            .iter()
            .map(|p| Pair {
                anchor: clean(&p.anchor),
                positive: clean(&p.positive),
                negative: p.negative.as_deref().map(clean),
            })
            .collect();
        Self { pairs }
    }

    /// Whether any pair has a hard negative.
    pub fn has_negatives(&self) -> bool {
        self.pairs.iter().any(|p| p.negative.is_some())
    }

    /// Splits into `(train, held out)` by anchor; see [`HeldOut`].
    ///
    /// # Errors
    ///
    /// [`HeldOut::validate`]'s errors.
    pub fn split(&self, held_out: HeldOut) -> Result<(Self, Self)> {
        held_out.validate()?;
        let (valid, train): (Vec<Pair>, Vec<Pair>) = self
            .pairs
            .iter()
            .cloned()
            .partition(|p| held_out.is_held_out(&p.anchor));
        Ok((Self { pairs: train }, Self { pairs: valid }))
    }

    /// Batches of pair indices for in-batch-negative training: a seeded shuffle, then a greedy
    /// repair so that no batch holds two pairs with the same positive text (each would be the
    /// other's false negative).
    ///
    /// A positive can be in at most one pair per batch, so one that covers many pairs (O*NET's
    /// "Production Workers, All Other" has over 2,000 alternate titles) would otherwise leave
    /// a long tail of batches holding one or two pairs, which teach nothing and cost a step
    /// each. Each positive therefore keeps at most `ceil(pairs / batch_size)` of its pairs per
    /// epoch (a seeded sample: another seed, another sample); the rest sit out that epoch.
    ///
    /// Batches are filled in shuffled order; a pair whose positive is already in the batch waits
    /// and goes first into the next batch that can take it. Every kept pair appears exactly
    /// once, except that a last batch of a single pair (no negative to learn from) is dropped.
    /// Batches hold `batch_size` pairs except where the data allow no more: the last batches
    /// may be smaller. The same pairs, size and seed always give the same batches.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidConfig`] for `batch_size < 2` (in-batch negatives need a second
    /// pair) or pairs that all share one positive, [`TrainError::EmptyDataset`] for no pairs.
    pub fn batches(&self, batch_size: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
        if batch_size < 2 {
            return Err(TrainError::invalid_config(format!(
                "batch size {batch_size} is too small for in-batch negatives: use at least 2 \
                 (32 or more works best)"
            )));
        }
        if self.pairs.is_empty() {
            return Err(TrainError::EmptyDataset);
        }
        let mut order: Vec<usize> = (0..self.pairs.len()).collect();
        SeededRng::new(seed).shuffle(&mut order);
        let positive = |i: usize| self.pairs[i].positive.as_str();
        let cap = self.pairs.len().div_ceil(batch_size);
        let mut kept: HashMap<&str, usize> = HashMap::new();
        order.retain(|&i| {
            let count = kept.entry(positive(i)).or_insert(0);
            *count += 1;
            *count <= cap
        });
        let mut stream = order.into_iter();
        let mut waiting: VecDeque<usize> = VecDeque::new();
        let mut batches = Vec::with_capacity(self.pairs.len() / batch_size + 1);
        loop {
            let mut batch = Vec::with_capacity(batch_size);
            let mut seen: HashSet<&str> = HashSet::with_capacity(batch_size);
            // Waiting pairs first, keeping the ones that still clash.
            let mut still_waiting = VecDeque::with_capacity(waiting.len());
            while let Some(i) = waiting.pop_front() {
                if batch.len() < batch_size && seen.insert(positive(i)) {
                    batch.push(i);
                } else {
                    still_waiting.push_back(i);
                }
            }
            waiting = still_waiting;
            while batch.len() < batch_size {
                let Some(i) = stream.next() else { break };
                if seen.insert(positive(i)) {
                    batch.push(i);
                } else {
                    waiting.push_back(i);
                }
            }
            if batch.is_empty() {
                break;
            }
            batches.push(batch);
        }
        // A lone pair has no negative: it teaches nothing and costs a step.
        batches.retain(|batch| batch.len() >= 2);
        if batches.is_empty() {
            return Err(TrainError::invalid_config(
                "every pair has the same positive text, so no batch can hold a negative: \
                 in-batch negatives need pairs with at least two different positives",
            ));
        }
        Ok(batches)
    }
}

/// A retrieval evaluation: queries, a catalog of documents, and each query's relevant documents
/// (indices into `docs`). Feed it to [`RetrievalEvaluator`](crate::RetrievalEvaluator).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetrievalTask {
    /// The distinct query texts, in first-appearance order.
    pub queries: Vec<String>,
    /// For each query, the indices of its relevant documents in `docs`.
    pub relevant: Vec<HashSet<usize>>,
    /// The catalog searched, sorted and de-duplicated.
    pub docs: Vec<String>,
}

impl RetrievalTask {
    /// The task of finding each anchor's positives among `catalog` plus the positives of
    /// `pairs` (a positive missing from `catalog` is added). An anchor listed in several pairs
    /// is one query whose relevant set holds all its positives.
    pub fn from_pairs(pairs: &PairDataset, catalog: &[String]) -> Self {
        let mut docs: Vec<String> = catalog
            .iter()
            .cloned()
            .chain(pairs.pairs.iter().map(|p| p.positive.clone()))
            .collect();
        docs.sort_unstable();
        docs.dedup();
        let mut queries = Vec::new();
        let mut relevant: Vec<HashSet<usize>> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for pair in &pairs.pairs {
            let q = *index.entry(pair.anchor.as_str()).or_insert_with(|| {
                queries.push(pair.anchor.clone());
                relevant.push(HashSet::new());
                queries.len() - 1
            });
            // Every positive was added to `docs` above.
            if let Ok(d) = docs.binary_search(&pair.positive) {
                relevant[q].insert(d);
            }
        }
        Self {
            queries,
            relevant,
            docs,
        }
    }
}

/// Training and held-out pairs built from a public source, with the catalog to search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairSplit {
    /// Pairs to train on.
    pub train: PairDataset,
    /// Pairs whose anchors are held out (see [`HeldOut`]).
    pub valid: PairDataset,
    /// Every occupation text of the source, in file order, whether or not a pair uses it.
    pub catalog: Vec<String>,
    /// Source rows left out: blank titles, duplicates, or titles whose occupation is unknown.
    pub skipped: usize,
}

impl PairSplit {
    /// The retrieval task of the held-out anchors against the whole catalog.
    pub fn retrieval_task(&self) -> RetrievalTask {
        RetrievalTask::from_pairs(&self.valid, &self.catalog)
    }

    /// Splits `pairs` and attaches the catalog, de-duplicating `(anchor, positive)` by
    /// normalized anchor.
    fn build(
        pairs: Vec<Pair>,
        catalog: Vec<String>,
        skipped: usize,
        held_out: HeldOut,
    ) -> Result<Self> {
        held_out.validate()?;
        let mut seen = HashSet::new();
        let mut skipped = skipped;
        let mut unique = Vec::with_capacity(pairs.len());
        for pair in pairs {
            if pair.anchor.trim().is_empty() {
                skipped += 1;
            } else if seen.insert((normalize_key(&pair.anchor), pair.positive.clone())) {
                unique.push(pair);
            } else {
                skipped += 1;
            }
        }
        let (train, valid) = PairDataset::new(unique).split(held_out)?;
        Ok(Self {
            train,
            valid,
            catalog,
            skipped,
        })
    }
}

/// The text that stands for an occupation: `"{title}: {description}"`, or the title alone.
pub fn occupation_text(title: &str, description: &str) -> String {
    let (title, description) = (title.trim(), description.trim());
    if description.is_empty() {
        title.to_owned()
    } else {
        format!("{title}: {description}")
    }
}

fn tab_options() -> ReadOptions {
    // O*NET's tab-delimited release does not quote fields and has stray quotes in text.
    ReadOptions::default()
        .with_delimiter(b'\t')
        .with_quoting(false)
}

/// Reads `(key column, value columns)` rows of a table into a map, in file order.
fn read_table(path: &Path, options: ReadOptions, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    for row in CsvTable::open(path, options)?.select(columns)? {
        rows.push(row?.1);
    }
    Ok(rows)
}

/// Pairs of O*NET alternate titles -> occupation text (title + description).
///
/// `alternate_titles` is the release's `Alternate Titles.txt` (columns `O*NET-SOC Code`,
/// `Alternate Title`), `occupation_data` its `Occupation Data.txt` (`O*NET-SOC Code`, `Title`,
/// `Description`); both tab-separated. The catalog holds every occupation. Anchors are held out
/// by title (see [`HeldOut`]). Titles of codes missing from the occupation data are skipped.
///
/// # Errors
///
/// [`TrainError::Data`] for unreadable files or missing columns, and [`HeldOut::validate`]'s
/// errors.
pub fn onet_title_pairs(
    alternate_titles: &Path,
    occupation_data: &Path,
    held_out: HeldOut,
) -> Result<PairSplit> {
    let occupations = read_table(
        occupation_data,
        tab_options(),
        &["O*NET-SOC Code", "Title", "Description"],
    )?;
    let mut text_of: HashMap<String, usize> = HashMap::new();
    let mut catalog = Vec::with_capacity(occupations.len());
    for row in &occupations {
        text_of.insert(row[0].trim().to_owned(), catalog.len());
        catalog.push(occupation_text(&row[1], &row[2]));
    }
    let mut pairs = Vec::new();
    let mut skipped = 0;
    for row in read_table(
        alternate_titles,
        tab_options(),
        &["O*NET-SOC Code", "Alternate Title"],
    )? {
        match text_of.get(row[0].trim()) {
            Some(&i) => pairs.push(Pair::new(row[1].trim(), catalog[i].clone())),
            None => skipped += 1,
        }
    }
    PairSplit::build(pairs, catalog, skipped, held_out)
}

/// ESCO occupations: `(conceptUri, occupation text, alternative labels)`.
fn read_esco(occupations: &Path) -> Result<Vec<(String, String, Vec<String>)>> {
    let rows = read_table(
        occupations,
        ReadOptions::default(),
        &["conceptUri", "preferredLabel", "description", "altLabels"],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let alt = r[3]
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            (r[0].trim().to_owned(), occupation_text(&r[1], &r[2]), alt)
        })
        .collect())
}

/// Pairs of ESCO alternative labels -> occupation text (preferred label + description).
///
/// `occupations` is ESCO's `occupations_en.csv` (columns `conceptUri`, `preferredLabel`,
/// `altLabels` — newline-separated — and `description`). The catalog holds every occupation.
/// Anchors are held out by label (see [`HeldOut`]).
///
/// # Errors
///
/// [`TrainError::Data`] for an unreadable file or missing columns, and [`HeldOut::validate`]'s
/// errors.
pub fn esco_label_pairs(occupations: &Path, held_out: HeldOut) -> Result<PairSplit> {
    let esco = read_esco(occupations)?;
    let mut pairs = Vec::new();
    for (_, text, alt) in &esco {
        pairs.extend(
            alt.iter()
                .map(|label| Pair::new(label.clone(), text.clone())),
        );
    }
    let catalog = esco.into_iter().map(|(_, text, _)| text).collect();
    PairSplit::build(pairs, catalog, 0, held_out)
}

/// Pairs of JobBERT vacancy titles -> ESCO occupation text.
///
/// `titles` is the JobBERT evaluation set's `titles.dev.csv` (columns `vacancyTitle`,
/// `conceptUri`), `esco_occupations` ESCO's `occupations_en.csv` (to turn the URI into the
/// occupation text). The catalog holds every ESCO occupation. Anchors are held out by title (see
/// [`HeldOut`]); titles whose URI is not in the ESCO file are skipped.
///
/// # Errors
///
/// [`TrainError::Data`] for unreadable files or missing columns, and [`HeldOut::validate`]'s
/// errors.
pub fn jobbert_title_pairs(
    titles: &Path,
    esco_occupations: &Path,
    held_out: HeldOut,
) -> Result<PairSplit> {
    let esco = read_esco(esco_occupations)?;
    let text_of: HashMap<&str, &str> = esco
        .iter()
        .map(|(uri, text, _)| (uri.as_str(), text.as_str()))
        .collect();
    let mut pairs = Vec::new();
    let mut skipped = 0;
    for row in read_table(
        titles,
        ReadOptions::default(),
        &["vacancyTitle", "conceptUri"],
    )? {
        match text_of.get(row[1].trim()) {
            Some(&text) => pairs.push(Pair::new(row[0].trim(), text)),
            None => skipped += 1,
        }
    }
    let catalog = esco.iter().map(|(_, text, _)| text.clone()).collect();
    PairSplit::build(pairs, catalog, skipped, held_out)
}

/// The usual locations of the pair sources under a shared data folder (`../shared/data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedDataPaths {
    /// The shared data folder.
    pub root: PathBuf,
}

impl SharedDataPaths {
    /// Paths under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `onet-29.3/Alternate Titles.txt`.
    pub fn onet_alternate_titles(&self) -> PathBuf {
        self.root.join("onet-29.3/Alternate Titles.txt")
    }

    /// `onet-29.3/Occupation Data.txt`.
    pub fn onet_occupation_data(&self) -> PathBuf {
        self.root.join("onet-29.3/Occupation Data.txt")
    }

    /// `esco/occupations_en.csv`.
    pub fn esco_occupations(&self) -> PathBuf {
        self.root.join("esco/occupations_en.csv")
    }

    /// `jobbert-titles/titles.dev.csv`.
    pub fn jobbert_titles(&self) -> PathBuf {
        self.root.join("jobbert-titles/titles.dev.csv")
    }

    /// `resumes-livecareer/train.csv` (columns `id`, `category`, `text`).
    pub fn livecareer_resumes(&self) -> PathBuf {
        self.root.join("resumes-livecareer/train.csv")
    }
}
