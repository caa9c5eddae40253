//! Helpers shared by the job and resume records: ids, metadata, column plans.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::DataError;
use super::table::CsvTable;

/// Which CSV columns go into a record's `metadata`, keyed by header name.
///
/// Empty cells are left out, so an empty cell and a missing key mean the same.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MetadataColumns {
    /// No metadata.
    Skip,
    /// Every column not mapped to a field (the default).
    #[default]
    AllOthers,
    /// These columns; each must exist.
    Only(Vec<String>),
}

/// Why a record is rejected, before the file and line are known.
#[derive(Debug)]
pub(crate) enum RecordError {
    /// A required field is absent, null or empty.
    Missing(&'static str),
    /// A field has a bad value; the message says which and what to do.
    Invalid(String),
}

impl RecordError {
    /// Attaches the file and line.
    pub(crate) fn at(self, path: &Path, line: u64) -> DataError {
        let path = path.to_path_buf();
        match self {
            Self::Missing(field) => DataError::MissingField {
                path,
                line,
                field: field.to_owned(),
            },
            Self::Invalid(message) => DataError::Invalid {
                path,
                line,
                message,
            },
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(field) => {
                write!(f, "the record has no '{field}' (absent, null or empty)")
            }
            Self::Invalid(message) => f.write_str(message),
        }
    }
}

/// A required text field, trimmed; empty counts as missing.
pub(crate) fn required(value: Option<&str>, field: &'static str) -> Result<String, RecordError> {
    match value.map(str::trim) {
        Some(text) if !text.is_empty() => Ok(text.to_owned()),
        _ => Err(RecordError::Missing(field)),
    }
}

/// An optional text field, trimmed; empty counts as absent.
pub(crate) fn optional(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// A JSON id: a non-empty string, or a number written as JSON writes it.
pub(crate) fn id_from_json(value: Option<&Value>) -> Result<String, RecordError> {
    match value {
        None | Some(Value::Null) => Err(RecordError::Missing("id")),
        Some(Value::String(text)) => required(Some(text), "id"),
        Some(Value::Number(number)) => Ok(number.to_string()),
        Some(other) => Err(RecordError::Invalid(format!(
            "'id' must be a string or a number, not {}",
            json_kind(other)
        ))),
    }
}

/// Metadata from a JSON record: its top-level keys outside the known fields,
/// overlaid with its `metadata` object. Strings stay as they are, `null` is
/// left out, other values become their JSON text (`true`, `3`, `[1,2]`).
pub(crate) fn metadata_from_json(
    extra: Map<String, Value>,
    metadata: Option<Map<String, Value>>,
) -> BTreeMap<String, String> {
    extra
        .into_iter()
        .chain(metadata.unwrap_or_default())
        .filter_map(|(key, value)| match value {
            Value::Null => None,
            Value::String(text) => Some((key, text)),
            other => Some((key, other.to_string())),
        })
        .collect()
}

/// The name of a JSON value's type, for messages.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The columns of a CSV table to read for a record type, in selection order.
#[derive(Debug, Default)]
pub(crate) struct ColumnPlan {
    /// Column indices to select.
    pub(crate) select: Vec<usize>,
    /// Metadata keys and their position in the selected values.
    pub(crate) metadata: Vec<(String, usize)>,
}

impl ColumnPlan {
    /// Adds a field's column and returns its position in the selected values.
    ///
    /// `explicit` is the header the caller named (it must exist); without it
    /// the `default` header is used when `required` or when present.
    pub(crate) fn field(
        &mut self,
        table: &CsvTable,
        explicit: Option<&str>,
        default: &str,
        required: bool,
    ) -> Result<Option<usize>, DataError> {
        let index = match explicit {
            Some(name) => Some(table.require(name)?),
            None if required => Some(table.require(default)?),
            None => table.column(default),
        };
        Ok(index.map(|index| self.push(index)))
    }

    /// Adds the metadata columns.
    pub(crate) fn metadata(
        &mut self,
        table: &CsvTable,
        columns: &MetadataColumns,
    ) -> Result<(), DataError> {
        let indices: Vec<usize> = match columns {
            MetadataColumns::Skip => Vec::new(),
            MetadataColumns::AllOthers => (0..table.headers().len())
                .filter(|index| !self.select.contains(index))
                .collect(),
            MetadataColumns::Only(names) => names
                .iter()
                .map(|name| table.require(name))
                .collect::<Result<_, _>>()?,
        };
        for index in indices {
            let key = table.headers().get(index).cloned().unwrap_or_default();
            let position = self.push(index);
            self.metadata.push((key, position));
        }
        Ok(())
    }

    fn push(&mut self, index: usize) -> usize {
        self.select.push(index);
        self.select.len() - 1
    }

    /// The metadata of a row read with this plan; empty cells are left out.
    pub(crate) fn row_metadata(&self, values: &[String]) -> BTreeMap<String, String> {
        let mut metadata = BTreeMap::new();
        for (key, position) in &self.metadata {
            if let Some(value) = values.get(*position).filter(|value| !value.is_empty()) {
                metadata.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        metadata
    }
}

/// The value at a position of a row, if the column was selected.
pub(crate) fn cell(values: &[String], position: Option<usize>) -> Option<&str> {
    position
        .and_then(|position| values.get(position))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_accept_strings_and_numbers_only() {
        assert_eq!(
            id_from_json(Some(&json!(" a1 "))).ok().as_deref(),
            Some("a1")
        );
        assert_eq!(id_from_json(Some(&json!(42))).ok().as_deref(), Some("42"));
        assert_eq!(id_from_json(Some(&json!(-7))).ok().as_deref(), Some("-7"));
        assert!(matches!(
            id_from_json(Some(&json!(""))),
            Err(RecordError::Missing("id"))
        ));
        assert!(matches!(
            id_from_json(None),
            Err(RecordError::Missing("id"))
        ));
        assert!(
            matches!(id_from_json(Some(&json!(true))), Err(RecordError::Invalid(m)) if m.contains("a boolean"))
        );
    }

    #[test]
    fn metadata_object_wins_over_top_level_keys() {
        let extra = json!({"company": "Acme", "remote": true, "gone": null});
        let metadata = json!({"company": "Beta", "level": 3});
        let (Value::Object(extra), Value::Object(metadata)) = (extra, metadata) else {
            unreachable!("literals are objects")
        };
        let merged = metadata_from_json(extra, Some(metadata));
        let expected: BTreeMap<String, String> =
            [("company", "Beta"), ("level", "3"), ("remote", "true")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .into();
        assert_eq!(merged, expected);
    }
}
