//! A streaming JSON lines reader, generic over the record type.

use std::borrow::Cow;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::error::DataError;
use super::source::{DataSource, ReadOptions, decode_record, sniff_encoding};

/// Reads one JSON value per line into `T`, one line at a time.
///
/// Yields `(line, value)` where `line` is the 1-based line number. Blank
/// lines are skipped; a line may end with `\n` or `\r\n`. A bad line is
/// yielded as an `Err` and reading goes on with the next line:
///
/// - invalid JSON: [`DataError::Malformed`];
/// - a missing field (serde's `missing field` error): [`DataError::MissingField`];
/// - any other mismatch with `T` (a wrong type): [`DataError::Invalid`];
/// - bytes that are not UTF-8: [`DataError::InvalidUtf8`], unless
///   [`ReadOptions::lossy_utf8`] is set;
/// - a line longer than [`ReadOptions::max_record_bytes`]: [`DataError::RecordTooLong`].
///
/// ```
/// use jobfit_text::{DataSource, JsonlReader, ReadOptions};
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize)]
/// struct Query {
///     query: String,
///     relevant: Vec<String>,
/// }
///
/// let text = "{\"query\": \"rust developer\", \"relevant\": [\"7\"]}\n\n{\"query\": 1}\n";
/// let source = DataSource::from_reader("queries.jsonl", std::io::Cursor::new(text));
/// let mut queries = JsonlReader::<Query>::new(source, ReadOptions::default());
/// let (line, first) = queries.next().unwrap().unwrap();
/// assert_eq!((line, first.query.as_str(), first.relevant.len()), (1, "rust developer", 1));
/// let err = queries.next().unwrap().unwrap_err();
/// assert!(err.to_string().starts_with("queries.jsonl:3: "));
/// assert!(queries.next().is_none());
/// ```
pub struct JsonlReader<T> {
    path: PathBuf,
    input: BufReader<Box<dyn Read + Send>>,
    options: ReadOptions,
    /// The line number of the line in `buf`.
    line: u64,
    buf: Vec<u8>,
    done: bool,
    record: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for JsonlReader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonlReader")
            .field("path", &self.path)
            .field("line", &self.line)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Opens a JSON lines file (`-` for standard input) and reads it into `T`.
///
/// # Errors
///
/// [`DataError::Open`] when the file cannot be opened; errors in records come
/// from the iterator.
pub fn read_jsonl<T: DeserializeOwned>(
    path: impl AsRef<Path>,
    options: ReadOptions,
) -> Result<JsonlReader<T>, DataError> {
    Ok(JsonlReader::new(DataSource::open(path)?, options))
}

impl<T> JsonlReader<T> {
    /// Reads from a source. Nothing is read until the first `next`.
    pub fn new(source: DataSource, options: ReadOptions) -> Self {
        let (path, input) = source.into_parts();
        Self {
            path,
            input,
            options,
            line: 0,
            buf: Vec::new(),
            done: false,
            record: PhantomData,
        }
    }

    /// The name used in errors.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the next line into `buf` without its terminator and returns its
    /// number, `None` at the end.
    fn read_line(&mut self) -> Option<Result<u64, DataError>> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let limit = u64::try_from(self.options.max_record_bytes).unwrap_or(u64::MAX);
        // One byte over the limit for the newline, one more to see an overlong line.
        let mut bounded = (&mut self.input).take(limit.saturating_add(2));
        let read = match bounded.read_until(b'\n', &mut self.buf) {
            Ok(read) => read,
            Err(source) => return Some(Err(self.fail(source))),
        };
        if read == 0 {
            self.done = true;
            return None;
        }
        self.line += 1;
        let ended = self.buf.last() == Some(&b'\n');
        if ended {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        if self.buf.len() > self.options.max_record_bytes {
            self.buf.clear();
            // The bound stopped the read inside the line: drop the rest of it.
            if !ended && let Err(source) = self.input.skip_until(b'\n') {
                return Some(Err(self.fail(source)));
            }
            let limit = self.options.max_record_bytes;
            return Some(Err(DataError::RecordTooLong {
                path: self.path.clone(),
                line: self.line,
                limit,
            }));
        }
        Some(Ok(self.line))
    }

    /// Turns an I/O error into the final item.
    fn fail(&mut self, source: std::io::Error) -> DataError {
        self.done = true;
        DataError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

impl<T: DeserializeOwned> Iterator for JsonlReader<T> {
    type Item = Result<(u64, T), DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = match self.read_line()? {
                Ok(line) => line,
                Err(err) => return Some(Err(err)),
            };
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let text = match std::str::from_utf8(&self.buf) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) if decode_record(&self.buf, self.options.encoding).is_some() => {
                    Cow::Owned(decode_record(&self.buf, self.options.encoding).unwrap_or_default())
                }
                Err(_) if self.options.lossy_utf8 => String::from_utf8_lossy(&self.buf),
                Err(_) if sniff_encoding(&self.buf).is_some() => {
                    return Some(Err(DataError::WrongEncoding {
                        path: self.path.clone(),
                        line,
                        encoding: sniff_encoding(&self.buf).unwrap_or_default(),
                    }));
                }
                Err(_) => {
                    return Some(Err(DataError::InvalidUtf8 {
                        path: self.path.clone(),
                        line,
                    }));
                }
            };
            let parsed = serde_json::from_str::<T>(&text);
            return Some(
                parsed
                    .map(|value| (line, value))
                    .map_err(|err| json_error(&self.path, line, &err)),
            );
        }
    }
}

/// Maps a serde_json error on one line to a [`DataError`] naming the line.
pub(crate) fn json_error(path: &Path, line: u64, err: &serde_json::Error) -> DataError {
    let path = path.to_path_buf();
    let full = err.to_string();
    // serde_json appends " at line L column C"; within one line, only C helps.
    let message = match full.rfind(" at line ") {
        Some(cut) if err.line() > 0 => full.get(..cut).unwrap_or(&full),
        _ => full.as_str(),
    };
    match err.classify() {
        Category::Data => match missing_field(message) {
            Some(field) => DataError::MissingField {
                path,
                line,
                field: field.to_owned(),
            },
            None => DataError::Invalid {
                path,
                line,
                message: format!("{message} (column {})", err.column()),
            },
        },
        Category::Syntax | Category::Eof | Category::Io => DataError::Malformed {
            path,
            line,
            message: format!("invalid JSON at column {}: {message}", err.column()),
        },
    }
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pair {
        text: String,
        label: u32,
    }

    fn read<T: DeserializeOwned>(
        bytes: &[u8],
        options: ReadOptions,
    ) -> Vec<Result<(u64, T), DataError>> {
        let source = DataSource::from_reader("t.jsonl", Cursor::new(bytes.to_vec()));
        JsonlReader::<T>::new(source, options).collect()
    }

    #[test]
    fn lines_are_numbered_and_blank_lines_skipped() {
        let rows = read::<Pair>(
            b"\n{\"text\":\"a\",\"label\":1}\r\n  \n{\"text\":\"b\",\"label\":2}",
            ReadOptions::default(),
        );
        let lines: Vec<u64> = rows
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|(line, _)| *line))
            .collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn errors_are_typed() {
        let rows = read::<Pair>(
            b"{\"text\":\"a\"}\n{\"text\":\"a\",\"label\":\"x\"}\n{oops\n",
            ReadOptions::default(),
        );
        assert!(
            matches!(&rows[0], Err(DataError::MissingField { line: 1, field, .. }) if field == "label")
        );
        assert!(matches!(&rows[1], Err(DataError::Invalid { line: 2, .. })));
        assert!(matches!(
            &rows[2],
            Err(DataError::Malformed { line: 3, .. })
        ));
        let message = rows[2]
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(!message.contains("at line 1"), "{message}");
        assert!(message.contains("column 2"), "{message}");
    }

    #[test]
    fn overlong_lines_are_skipped_not_fatal() {
        let options = ReadOptions::default().with_max_record_bytes(8);
        let rows = read::<u32>(b"1\n123456789012\n12345678\n123456789\n2", options);
        let summary: Vec<Result<u32, u64>> = rows
            .into_iter()
            .map(|row| match row {
                Ok((_, value)) => Ok(value),
                Err(DataError::RecordTooLong { line, limit: 8, .. }) => Err(line),
                Err(other) => Err(1000 + other.to_string().len() as u64),
            })
            .collect();
        assert_eq!(summary, [Ok(1), Err(2), Ok(12_345_678), Err(4), Ok(2)]);
    }
}
