//! A streaming CSV reader with a header row and column selection by name.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use csv_core::ReadRecordResult;

use super::error::DataError;
use super::source::{DataSource, LineCounter, ReadOptions, decode_record, sniff_encoding};

/// A CSV file whose header row has been read.
///
/// The first record is the header. Fields may be quoted (`"`), and a quoted
/// field may hold the delimiter, `""` for a quote, and line breaks; lines may
/// end with `\n`, `\r\n` or `\r`; blank lines between records are skipped.
/// Header names are trimmed of surrounding whitespace.
///
/// Pick the columns to read with [`CsvTable::select`] (by header name) or
/// take them all with [`CsvTable::rows`].
///
/// ```
/// use jobfit_text::{CsvTable, DataSource, ReadOptions};
///
/// let text = "id,text,category\n1,\"Led a team\nof five\",HR\n2,Audits,FINANCE\n";
/// let source = DataSource::from_reader("train.csv", std::io::Cursor::new(text));
/// let table = CsvTable::from_source(source, ReadOptions::default())?;
/// assert_eq!(table.headers(), ["id", "text", "category"]);
/// let rows: Vec<(u64, Vec<String>)> =
///     table.select(&["text", "category"])?.collect::<Result<_, _>>()?;
/// assert_eq!(rows[0], (2, vec!["Led a team\nof five".to_owned(), "HR".to_owned()]));
/// assert_eq!(rows[1].0, 4);
/// # Ok::<(), jobfit_text::DataError>(())
/// ```
#[derive(Debug)]
pub struct CsvTable {
    parser: Parser,
    headers: Vec<String>,
}

impl CsvTable {
    /// Opens a CSV file (`-` for standard input) and reads its header row.
    ///
    /// # Errors
    ///
    /// [`DataError::Open`] when the file cannot be opened, and the errors of
    /// [`CsvTable::from_source`].
    pub fn open(path: impl AsRef<Path>, options: ReadOptions) -> Result<Self, DataError> {
        Self::from_source(DataSource::open(path)?, options)
    }

    /// Reads the header row from a source. An empty source gives a table
    /// with no headers and no rows.
    ///
    /// # Errors
    ///
    /// [`DataError::Io`], [`DataError::InvalidUtf8`] (unless lossy) or
    /// [`DataError::RecordTooLong`] for the header row.
    pub fn from_source(source: DataSource, options: ReadOptions) -> Result<Self, DataError> {
        let mut parser = Parser::new(source, options);
        let headers = match parser.read_record() {
            Err(source) => {
                return Err(DataError::Io {
                    path: parser.path.clone(),
                    source,
                });
            }
            Ok(Next::End) => Vec::new(),
            Ok(Next::TooLong { line }) => {
                let limit = options.max_record_bytes;
                return Err(DataError::RecordTooLong {
                    path: parser.path.clone(),
                    line,
                    limit,
                });
            }
            Ok(Next::Record { line }) => {
                parser.field_count = Some(parser.ends_len);
                (0..parser.ends_len)
                    .map(|i| parser.field(i, line).map(|header| header.trim().to_owned()))
                    .collect::<Result<_, _>>()?
            }
        };
        Ok(Self { parser, headers })
    }

    /// The name used in errors.
    pub fn path(&self) -> &Path {
        &self.parser.path
    }

    /// The header names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The index of the first column with this header name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|header| header == name)
    }

    /// The index of a column, or [`DataError::MissingColumn`] listing the headers.
    pub(crate) fn require(&self, name: &str) -> Result<usize, DataError> {
        self.column(name).ok_or_else(|| DataError::MissingColumn {
            path: self.parser.path.clone(),
            column: name.to_owned(),
            headers: self.headers.clone(),
        })
    }

    /// Reads only these columns, in this order.
    ///
    /// # Errors
    ///
    /// [`DataError::MissingColumn`] naming the first column the file lacks
    /// and listing its headers.
    pub fn select<S: AsRef<str>>(self, columns: &[S]) -> Result<CsvRows, DataError> {
        let indices = columns
            .iter()
            .map(|name| self.require(name.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(self.select_indices(indices))
    }

    /// Reads these column indices (from [`CsvTable::column`]), in this order.
    pub(crate) fn select_indices(self, indices: Vec<usize>) -> CsvRows {
        CsvRows {
            parser: self.parser,
            indices,
        }
    }

    /// Reads every column.
    pub fn rows(self) -> CsvRows {
        let indices = (0..self.headers.len()).collect();
        self.select_indices(indices)
    }
}

/// The data rows of a [`CsvTable`]: `(line, values)` with the values of the
/// selected columns, `line` being where the row starts.
///
/// A row with more or fewer fields than the header is a
/// [`DataError::Malformed`]; invalid UTF-8 in a selected column is a
/// [`DataError::InvalidUtf8`] naming the line of the bad byte (unless lossy);
/// a row over [`ReadOptions::max_record_bytes`] is a
/// [`DataError::RecordTooLong`]. After each of these the next row follows;
/// after an I/O error the iteration ends.
#[derive(Debug)]
pub struct CsvRows {
    parser: Parser,
    indices: Vec<usize>,
}

/// One data row, with its 1-based position among the data rows.
#[derive(Debug)]
pub(crate) struct Row {
    /// 1-based index among the data rows (the header is not counted), bad rows included.
    pub(crate) index: u64,
    /// The line where the row starts.
    pub(crate) line: u64,
    /// The values of the selected columns.
    pub(crate) values: Vec<String>,
}

impl CsvRows {
    /// The name used in errors.
    pub fn path(&self) -> &Path {
        &self.parser.path
    }

    /// The next row with its index among data rows.
    pub(crate) fn next_row(&mut self) -> Option<Result<Row, DataError>> {
        if self.parser.done {
            return None;
        }
        let line = match self.parser.read_record() {
            Err(source) => {
                self.parser.done = true;
                return Some(Err(DataError::Io {
                    path: self.parser.path.clone(),
                    source,
                }));
            }
            Ok(Next::End) => {
                self.parser.done = true;
                return None;
            }
            Ok(Next::TooLong { line }) => {
                self.parser.rows += 1;
                let limit = self.parser.options.max_record_bytes;
                return Some(Err(DataError::RecordTooLong {
                    path: self.parser.path.clone(),
                    line,
                    limit,
                }));
            }
            Ok(Next::Record { line }) => line,
        };
        self.parser.rows += 1;
        let index = self.parser.rows;
        let found = self.parser.ends_len;
        let expected = *self.parser.field_count.get_or_insert(found);
        if found != expected {
            let delimiter = char::from(self.parser.options.delimiter).escape_default();
            let message = format!(
                "the row has {found} fields but the header has {expected}; \
                 quote fields that hold the delimiter '{delimiter}' or a line break"
            );
            return Some(Err(DataError::Malformed {
                path: self.parser.path.clone(),
                line,
                message,
            }));
        }
        let values: Result<Vec<String>, DataError> = self
            .indices
            .iter()
            .map(|&i| self.parser.field(i, line))
            .collect();
        Some(values.map(|values| Row {
            index,
            line,
            values,
        }))
    }
}

impl Iterator for CsvRows {
    type Item = Result<(u64, Vec<String>), DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
            .map(|row| row.map(|row| (row.line, row.values)))
    }
}

/// What one call to [`Parser::read_record`] found.
enum Next {
    /// A record starting on `line`, in the parser's buffers.
    Record { line: u64 },
    /// A record starting on `line` that was over the size limit and dropped.
    TooLong { line: u64 },
    /// The end of the input.
    End,
}

/// A record-at-a-time CSV parser over `csv-core`, counting lines itself so
/// that the line of each record's start is exact (blank lines and `\r\n`
/// included).
struct Parser {
    path: PathBuf,
    input: BufReader<Box<dyn io::Read + Send>>,
    core: csv_core::Reader,
    options: ReadOptions,
    lines: LineCounter,
    /// The unescaped bytes of the current record's fields.
    fields: Vec<u8>,
    /// The end of each field in `fields`.
    ends: Vec<usize>,
    ends_len: usize,
    /// The number of fields every record must have (the header's).
    field_count: Option<usize>,
    /// Data rows read so far.
    rows: u64,
    done: bool,
}

impl fmt::Debug for Parser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parser")
            .field("path", &self.path)
            .field("line", &self.lines.line())
            .field("rows", &self.rows)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Parser {
    fn new(source: DataSource, options: ReadOptions) -> Self {
        let (path, input) = source.into_parts();
        let core = csv_core::ReaderBuilder::new()
            .delimiter(options.delimiter)
            .quoting(options.quoting)
            .build();
        Self {
            path,
            input,
            core,
            options,
            lines: LineCounter::at(1),
            fields: vec![0; 4096],
            ends: vec![0; 64],
            ends_len: 0,
            field_count: None,
            rows: 0,
            done: false,
        }
    }

    /// Parses the next record into `fields` / `ends`.
    fn read_record(&mut self) -> io::Result<Next> {
        // Skip line breaks between records so the record's first line is known.
        loop {
            let buf = self.input.fill_buf()?;
            let skip = buf
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            let rest = buf.len() - skip;
            if let Some(skipped) = buf.get(..skip) {
                self.lines.advance(skipped);
            }
            self.input.consume(skip);
            if rest > 0 || skip == 0 {
                break;
            }
        }
        let line = self.lines.line();
        let limit = self.options.max_record_bytes;
        let (mut out_len, mut ends_len, mut too_long) = (0, 0, false);
        loop {
            let buf = self.input.fill_buf()?;
            let output = self.fields.get_mut(out_len..).unwrap_or_default();
            let ends = self.ends.get_mut(ends_len..).unwrap_or_default();
            let (result, read, written, ended) = self.core.read_record(buf, output, ends);
            if let Some(consumed) = buf.get(..read) {
                self.lines.advance(consumed);
            }
            self.input.consume(read);
            out_len += written;
            ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if too_long || self.fields.len() >= limit {
                        // Over the limit: keep parsing to the record's end, discarding it.
                        too_long = true;
                        out_len = 0;
                    } else {
                        let grown = self.fields.len().saturating_mul(2).min(limit.max(1));
                        self.fields.resize(grown.max(self.fields.len() + 1), 0);
                    }
                }
                ReadRecordResult::OutputEndsFull => {
                    let ends_bytes = self.ends.len().saturating_mul(size_of::<usize>());
                    if too_long || ends_bytes >= limit {
                        too_long = true;
                        ends_len = 0;
                    } else {
                        let grown = self.ends.len().saturating_mul(2);
                        self.ends.resize(grown, 0);
                    }
                }
                ReadRecordResult::Record if too_long || out_len > limit => {
                    return Ok(Next::TooLong { line });
                }
                ReadRecordResult::Record => {
                    self.ends_len = ends_len;
                    return Ok(Next::Record { line });
                }
                ReadRecordResult::End => return Ok(Next::End),
            }
        }
    }

    /// Field `i` of the current record (which starts on `line`) as text.
    fn field(&self, i: usize, line: u64) -> Result<String, DataError> {
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(0)
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        let bytes = self.fields.get(start..end).unwrap_or_default();
        match String::from_utf8_lossy(bytes) {
            Cow::Borrowed(text) => Ok(text.to_owned()),
            Cow::Owned(text) => {
                if let Some(decoded) = decode_record(bytes, self.options.encoding) {
                    return Ok(decoded);
                }
                if self.options.lossy_utf8 {
                    return Ok(text);
                }
                if let Some(encoding) = sniff_encoding(bytes) {
                    return Err(DataError::WrongEncoding {
                        path: self.path.clone(),
                        line,
                        encoding,
                    });
                }
                // Count line breaks up to the first bad byte to name its line.
                let valid = std::str::from_utf8(bytes)
                    .err()
                    .map_or(0, |err| err.valid_up_to());
                let before = self.fields.get(..start + valid).unwrap_or_default();
                let mut lines = LineCounter::at(line);
                lines.advance(before);
                Err(DataError::InvalidUtf8 {
                    path: self.path.clone(),
                    line: lines.line(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn table(bytes: &[u8], options: ReadOptions) -> Result<CsvTable, DataError> {
        CsvTable::from_source(
            DataSource::from_reader("t.csv", Cursor::new(bytes.to_vec())),
            options,
        )
    }

    fn lines(bytes: &[u8]) -> Vec<Result<(u64, Vec<String>), String>> {
        match table(bytes, ReadOptions::default()) {
            Ok(table) => table
                .rows()
                .map(|row| row.map_err(|err| err.to_string()))
                .collect(),
            Err(err) => vec![Err(err.to_string())],
        }
    }

    fn row(line: u64, values: &[&str]) -> Result<(u64, Vec<String>), String> {
        Ok((line, values.iter().map(|v| (*v).to_owned()).collect()))
    }

    #[test]
    fn line_numbers_are_exact_with_crlf_blank_lines_and_quoted_breaks() {
        assert_eq!(
            lines(b"a,b\r\n1,2\r\n3,4\r\n"),
            [row(2, &["1", "2"]), row(3, &["3", "4"])]
        );
        assert_eq!(
            lines(b"\na,b\n\n1,\"x\r\ny\"\n\n\n3,4"),
            [row(4, &["1", "x\r\ny"]), row(8, &["3", "4"])]
        );
        assert_eq!(
            lines(b"a,b\r1,2\r3,4\r"),
            [row(2, &["1", "2"]), row(3, &["3", "4"])]
        );
    }

    #[test]
    fn wrong_field_count_names_the_line_and_reading_goes_on() {
        let rows = lines(b"a,b\n1,2\n3\n4,5,6\n7,8\n");
        assert_eq!(rows[0], row(2, &["1", "2"]));
        assert!(
            matches!(&rows[1], Err(m) if m.starts_with("t.csv:3: malformed record: the row has 1 fields but the header has 2"))
        );
        assert!(matches!(&rows[2], Err(m) if m.starts_with("t.csv:4: ")));
        assert_eq!(rows[3], row(5, &["7", "8"]));
    }

    #[test]
    fn invalid_utf8_names_the_line_of_the_bad_byte() {
        let bytes = b"a,b\n1,\"one\ntwo \xFF\"\n";
        let rows: Vec<_> = table(bytes, ReadOptions::default())
            .map(|t| t.rows().collect())
            .unwrap_or_default();
        assert!(
            matches!(
                rows.as_slice(),
                [Err(DataError::InvalidUtf8 { line: 3, .. })]
            ),
            "{rows:?}"
        );
        let lossy = ReadOptions::default().with_lossy_utf8(true);
        let rows: Vec<_> = table(bytes, lossy)
            .map(|t| t.rows().collect())
            .unwrap_or_default();
        assert!(
            matches!(rows.as_slice(), [Ok((2, values))] if values[1] == "one\ntwo \u{FFFD}"),
            "{rows:?}"
        );
    }

    #[test]
    fn unselected_columns_may_hold_bad_bytes() {
        let rows: Vec<_> = table(b"a,b\n\xFF,ok\n", ReadOptions::default())
            .and_then(|t| t.select(&["b"]))
            .map(|rows| rows.collect())
            .unwrap_or_default();
        assert!(matches!(rows.as_slice(), [Ok((2, values))] if values == &["ok"]));
    }

    #[test]
    fn long_records_are_skipped() {
        let options = ReadOptions::default().with_max_record_bytes(16);
        let long = format!("a,b\n1,2\n{},x\n3,4\n", "y".repeat(5000));
        let rows: Vec<_> = table(long.as_bytes(), options)
            .map(|t| t.rows().collect())
            .unwrap_or_default();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert!(matches!(
            &rows[1],
            Err(DataError::RecordTooLong {
                line: 3,
                limit: 16,
                ..
            })
        ));
        assert!(matches!(&rows[2], Ok((4, _))));
    }

    #[test]
    fn empty_input_has_no_headers() {
        let table = table(b"", ReadOptions::default());
        assert!(matches!(&table, Ok(t) if t.headers().is_empty()));
        let err = table.and_then(|t| t.select(&["x"])).err();
        assert!(matches!(err, Some(DataError::MissingColumn { ref column, .. }) if column == "x"));
    }

    #[test]
    fn tab_separated_without_quoting() {
        let options = ReadOptions::default()
            .with_delimiter(b'\t')
            .with_quoting(false);
        let rows: Vec<_> = table(b"a\tb\n\"x\ty z\n", options)
            .map(|t| t.rows().collect())
            .unwrap_or_default();
        assert!(matches!(rows.as_slice(), [Ok((2, values))] if values == &["\"x", "y z"]));
    }
}
