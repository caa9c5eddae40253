//! Named byte streams to read records from, and the options every reader takes.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::DataError;

/// The name given to standard input in errors.
const STDIN_NAME: &str = "<stdin>";

/// The size of the read buffer of every reader.
const BUFFER_BYTES: usize = 64 * 1024;

/// The UTF-8 byte-order mark.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Options shared by the CSV and JSON lines readers.
///
/// ```
/// use jobfit_text::ReadOptions;
///
/// let options = ReadOptions::default().with_lossy_utf8(true).with_delimiter(b'\t');
/// assert!(options.lossy_utf8);
/// assert_eq!(options.delimiter, b'\t');
/// assert_eq!(options.max_record_bytes, 64 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Replace invalid UTF-8 with U+FFFD instead of failing the record with
    /// [`DataError::InvalidUtf8`]. Default: `false`.
    pub lossy_utf8: bool,
    /// The CSV field delimiter (JSON lines ignore it). Default: `b','`; use
    /// `b'\t'` for tab-separated files.
    pub delimiter: u8,
    /// Whether CSV fields may be quoted with `"` (then a quoted field may hold
    /// the delimiter, line breaks and `""` for a quote). Turn it off for
    /// tab-separated files whose text holds stray quotes. Default: `true`.
    pub quoting: bool,
    /// The longest record accepted, in bytes: a longer one is skipped with
    /// [`DataError::RecordTooLong`], which bounds memory on a corrupt file.
    /// Default: 64 MiB.
    pub max_record_bytes: usize,
    /// The text encoding of the file. Default [`TextEncoding::Utf8`]: a
    /// record that is not UTF-8 fails with [`DataError::InvalidUtf8`], or
    /// with [`DataError::WrongEncoding`] when it reads as GBK/GB18030
    /// (Chinese files saved by Excel or older Windows tools).
    pub encoding: TextEncoding,
}

/// The text encoding of a file the readers decode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TextEncoding {
    /// UTF-8 (a leading byte-order mark is skipped). The default.
    #[default]
    Utf8,
    /// GB18030, the superset of GBK and GB2312 used for Chinese text on
    /// Windows: records are decoded to UTF-8. UTF-8 records are left as they
    /// are, so a file that mixes both is read too.
    Gb18030,
}

impl std::str::FromStr for TextEncoding {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "utf8" => Ok(Self::Utf8),
            "gb18030" | "gbk" | "gb2312" | "cp936" => Ok(Self::Gb18030),
            _ => Err(format!(
                "unknown encoding {text:?}: use utf-8 or gbk (GB18030, which includes GBK and GB2312)"
            )),
        }
    }
}

/// Decodes a record that is not UTF-8 under `encoding`: `Some(text)` when
/// the encoding reads it, `None` when it does not.
pub(crate) fn decode_record(bytes: &[u8], encoding: TextEncoding) -> Option<String> {
    match encoding {
        TextEncoding::Utf8 => None,
        TextEncoding::Gb18030 => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(std::borrow::Cow::into_owned),
    }
}

/// The name of the encoding that invalid UTF-8 `bytes` look like, if any:
/// GBK/GB18030 when they decode as such and most of their two-byte
/// characters are common Chinese ones (the GB2312 rows), which Latin-1 or
/// cp1252 text with accented letters is not.
pub(crate) fn sniff_encoding(bytes: &[u8]) -> Option<&'static str> {
    let text = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)?;
    let (mut pairs, mut common) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte < 0x80 {
            i += 1;
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        if (0x30..=0x39).contains(&next) {
            // A four-byte GB18030 sequence.
            i += 4;
            continue;
        }
        pairs += 1;
        if (0xA1..=0xF7).contains(&byte) && (0xA1..=0xFE).contains(&next) {
            common += 1;
        }
        i += 2;
    }
    let han = text
        .chars()
        .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        .count();
    (pairs > 0 && han > 0 && common * 10 >= pairs * 8).then_some("GBK (GB18030)")
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            lossy_utf8: false,
            delimiter: b',',
            quoting: true,
            max_record_bytes: 64 * 1024 * 1024,
            encoding: TextEncoding::Utf8,
        }
    }
}

impl ReadOptions {
    /// Sets [`ReadOptions::lossy_utf8`].
    #[must_use]
    pub fn with_lossy_utf8(mut self, lossy: bool) -> Self {
        self.lossy_utf8 = lossy;
        self
    }

    /// Sets [`ReadOptions::delimiter`].
    #[must_use]
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Sets [`ReadOptions::quoting`].
    #[must_use]
    pub fn with_quoting(mut self, quoting: bool) -> Self {
        self.quoting = quoting;
        self
    }

    /// Sets [`ReadOptions::encoding`].
    #[must_use]
    pub fn with_encoding(mut self, encoding: TextEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sets [`ReadOptions::max_record_bytes`].
    #[must_use]
    pub fn with_max_record_bytes(mut self, bytes: usize) -> Self {
        self.max_record_bytes = bytes;
        self
    }
}

/// A named byte stream: a file, standard input, or any reader.
///
/// The name appears in every error. Opening is eager (a missing file fails
/// here, with [`DataError::Open`]); reading is lazy and buffered by the
/// reader that takes the source.
pub struct DataSource {
    path: PathBuf,
    reader: Box<dyn Read + Send>,
}

impl fmt::Debug for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataSource")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl DataSource {
    /// Opens a file; the path `-` means standard input.
    ///
    /// # Errors
    ///
    /// [`DataError::Open`] naming the path when the file cannot be opened or
    /// is a directory.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DataError> {
        let path = path.as_ref();
        if path == Path::new("-") {
            return Ok(Self::stdin());
        }
        let open_error = |source| DataError::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(open_error)?;
        if file.metadata().is_ok_and(|meta| meta.is_dir()) {
            return Err(open_error(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory, not a file",
            )));
        }
        Ok(Self {
            path: path.to_path_buf(),
            reader: Box::new(file),
        })
    }

    /// Standard input, named `<stdin>` in errors.
    pub fn stdin() -> Self {
        Self {
            path: PathBuf::from(STDIN_NAME),
            reader: Box::new(io::stdin()),
        }
    }

    /// Any reader, with the name to use in errors.
    pub fn from_reader(name: impl Into<PathBuf>, reader: impl Read + Send + 'static) -> Self {
        Self {
            path: name.into(),
            reader: Box::new(reader),
        }
    }

    /// The name used in errors: the path, or `<stdin>`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Splits into the name and a buffered reader that skips a leading BOM.
    pub(crate) fn into_parts(self) -> (PathBuf, BufReader<Box<dyn Read + Send>>) {
        let reader: Box<dyn Read + Send> = Box::new(SkipBom::new(self.reader));
        (self.path, BufReader::with_capacity(BUFFER_BYTES, reader))
    }
}

/// A reader that drops a UTF-8 byte-order mark at the start of its input.
///
/// It gathers the first three bytes before deciding, so a BOM split across
/// reads (a slow pipe) is still recognised.
struct SkipBom<R> {
    inner: R,
    prefix: [u8; 3],
    /// Next byte of `prefix` to hand out.
    start: usize,
    /// Bytes of `prefix` filled.
    len: usize,
    checked: bool,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            prefix: [0; 3],
            start: 0,
            len: 0,
            checked: false,
        }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            while let Some(rest) = self
                .prefix
                .get_mut(self.len..)
                .filter(|rest| !rest.is_empty())
            {
                match self.inner.read(rest) {
                    Ok(0) => break,
                    // `min` guards against a reader that claims more than it was given.
                    Ok(n) => self.len = (self.len + n).min(BOM.len()),
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
            self.checked = true;
            if self.len == BOM.len() && self.prefix == BOM {
                self.start = BOM.len();
            }
        }
        if let Some(pending) = self
            .prefix
            .get(self.start..self.len)
            .filter(|p| !p.is_empty())
        {
            let n = pending.len().min(out.len());
            if let (Some(dst), Some(src)) = (out.get_mut(..n), pending.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.start += n;
            return Ok(n);
        }
        self.inner.read(out)
    }
}

/// Counts lines over a byte stream fed in pieces.
///
/// `\n`, `\r\n` and a lone `\r` each end one line, also when `\r\n` is split
/// between two pieces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineCounter {
    line: u64,
    after_cr: bool,
}

impl LineCounter {
    /// A counter standing on `line`.
    pub(crate) fn at(line: u64) -> Self {
        Self {
            line,
            after_cr: false,
        }
    }

    /// The current 1-based line.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Moves over `bytes`.
    pub(crate) fn advance(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match byte {
                b'\n' => {
                    if !self.after_cr {
                        self.line += 1;
                    }
                    self.after_cr = false;
                }
                b'\r' => {
                    self.line += 1;
                    self.after_cr = true;
                }
                _ => self.after_cr = false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per call.
    struct OneByte(std::vec::IntoIter<u8>);

    impl Read for OneByte {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.next(), out.first_mut()) {
                (Some(byte), Some(slot)) => {
                    *slot = byte;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn read_all(reader: impl Read) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = SkipBom::new(reader);
        reader
            .read_to_end(&mut out)
            .map(|_| out)
            .unwrap_or_default()
    }

    #[test]
    fn bom_is_skipped_even_one_byte_at_a_time() {
        assert_eq!(read_all(&b"\xEF\xBB\xBFab"[..]), b"ab");
        assert_eq!(
            read_all(OneByte(b"\xEF\xBB\xBFab".to_vec().into_iter())),
            b"ab"
        );
        assert_eq!(read_all(&b"ab"[..]), b"ab");
        assert_eq!(read_all(&b"\xEF\xBB"[..]), b"\xEF\xBB");
        assert_eq!(read_all(&b""[..]), b"");
        assert_eq!(read_all(&b"\xEF\xBB\xBF\xEF\xBB\xBF"[..]), b"\xEF\xBB\xBF");
    }

    #[test]
    fn lines_count_every_terminator_once() {
        let mut lines = LineCounter::at(1);
        lines.advance(b"a\nb\r");
        assert_eq!(lines.line(), 3);
        lines.advance(b"\nc\r\rd");
        assert_eq!(lines.line(), 5);
    }

    #[test]
    fn missing_file_and_directory_are_open_errors() {
        let err = DataSource::open("/no/such/dir/jobs.jsonl").err();
        assert!(
            matches!(err, Some(DataError::Open { ref path, .. }) if path == Path::new("/no/such/dir/jobs.jsonl"))
        );
        let err = DataSource::open(env!("CARGO_MANIFEST_DIR")).err();
        assert!(matches!(err, Some(DataError::Open { .. })));
    }

    #[test]
    fn dash_means_stdin() {
        let source = DataSource::open("-").ok();
        assert_eq!(
            source.as_ref().map(DataSource::path),
            Some(Path::new("<stdin>"))
        );
    }
}
