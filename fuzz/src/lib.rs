//! Fuzz targets for the parsers of jobfit that read user input.
//!
//! Each public function takes the fuzzer's bytes, runs one parser on them and
//! panics when a property fails: beyond "does not crash", each checks what the
//! parser promises (cleaning is idempotent, redaction spans map back, a reader
//! yields jobs it can read back, a loader either loads or returns an error).
//! The binaries in `src/bin` hand them to AFL++; `replay` runs them on files.
//!
//! Several targets read more than one input from the bytes: the first byte
//! picks a mode or options, and [`files`] splits the rest into named files.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use jobfit_text::{
    Cleaner, CsvTable, DataSource, DocumentError, DocumentKind, DocumentLimits, GenderStyle,
    JobColumns, JobReader, ReadOptions, Redactor, ResumeColumns, ResumeReader, SkillGazetteer,
    TextTokenizer, check_text, decode_text, read_document, split_sections,
};
use unicode_normalization::is_nfkc;

/// The line that separates the files of a multi-file input.
pub const FILE_SEPARATOR: &[u8] = b"\n=====\n";

/// Splits bytes into named files: parts separated by [`FILE_SEPARATOR`], each
/// `NAME\nCONTENT`. Names are kept to `[A-Za-z0-9._-]` segments (at most two,
/// 64 bytes in all, none starting with a dot) so that a file never leaves its
/// directory; parts with another name are dropped.
pub fn files(data: &[u8]) -> Vec<(String, &[u8])> {
    let mut out = Vec::new();
    let mut rest = data;
    loop {
        let (part, next) = match find(rest, FILE_SEPARATOR) {
            Some(at) => (&rest[..at], Some(&rest[at + FILE_SEPARATOR.len()..])),
            None => (rest, None),
        };
        let (name, content) = match part.iter().position(|&b| b == b'\n') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        let valid = name.len() <= 64
            && name.split(|&b| b == b'/').count() <= 2
            && name.split(|&b| b == b'/').all(|segment| {
                !segment.is_empty()
                    && segment[0] != b'.'
                    && segment
                        .iter()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            });
        if valid {
            // The name is ASCII, checked just above.
            out.push((String::from_utf8_lossy(name).into_owned(), content));
        }
        match next {
            Some(next) => rest = next,
            None => return out,
        }
    }
}

/// Joins named files into one input for [`files`] (to build seeds).
pub fn join_files(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (name, content)) in files.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(FILE_SEPARATOR);
        }
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(content);
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A directory of this process for the files of one input, emptied first.
pub fn scratch_dir() -> PathBuf {
    static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        base.join(format!("jobfit-fuzz-{}", std::process::id()))
    });
    let dir = DIR.clone();
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}

/// Writes the files of an input into the scratch directory.
#[cfg_attr(not(feature = "model"), allow(dead_code))]
fn write_files(data: &[u8]) -> (PathBuf, Vec<String>) {
    let dir = scratch_dir();
    let mut names = Vec::new();
    for (name, content) in files(data) {
        if let Some(parent) = Path::new(&name).parent() {
            fs::create_dir_all(dir.join(parent)).expect("the scratch directory is writable");
        }
        fs::write(dir.join(&name), content).expect("the scratch directory is writable");
        names.push(name);
    }
    (dir, names)
}

/// Cleaning: the first byte switches steps off (bit 0 HTML, 1 mojibake,
/// 2 NFKC, 3 invisible characters, 4 whitespace) and lower-casing on (bit 5).
///
/// Properties: cleaning is idempotent; collapsed whitespace is single spaces
/// and at most one blank line, trimmed; stripped text has no control
/// characters but line breaks and tabs; NFKC output is NFKC; lower-cased
/// output is lower case.
pub fn clean(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (html, mojibake, nfkc, strip, collapse, lower) = (
        flags & 1 == 0,
        flags & 2 == 0,
        flags & 4 == 0,
        flags & 8 == 0,
        flags & 16 == 0,
        flags & 32 != 0,
    );
    let cleaner = Cleaner::builder()
        .with_html(html)
        .with_mojibake(mojibake)
        .with_nfkc(nfkc)
        .with_strip_invisible(strip)
        .with_collapse_whitespace(collapse)
        .with_lowercase(lower)
        .build()
        .expect("the default list marker is valid");
    let once = cleaner.clean(&text);
    let twice = cleaner.clean(&once);
    assert_eq!(
        once, twice,
        "cleaning is not idempotent (flags {flags:#04x})"
    );
    if collapse {
        assert_eq!(once.trim(), once, "cleaned text is not trimmed");
        for c in once.chars() {
            assert!(
                !c.is_whitespace() || c == ' ' || c == '\n',
                "whitespace {c:?} left after collapsing"
            );
        }
        for bad in ["  ", " \n", "\n ", "\n\n\n"] {
            assert!(!once.contains(bad), "{bad:?} left after collapsing");
        }
    }
    if strip {
        for c in once.chars() {
            assert!(
                !c.is_control() || matches!(c, '\n' | '\t' | '\r'),
                "control character {c:?} left after stripping"
            );
        }
    }
    if nfkc && !lower {
        assert!(is_nfkc(&once), "cleaned text is not NFKC");
    }
    if lower {
        assert_eq!(
            once.to_lowercase(),
            once,
            "lower-cased text is not lower case"
        );
    }
}

/// Redaction with the default redactor (bit 0 of the first byte: neutral
/// gender words instead of placeholders).
///
/// Properties: restoring gives the input back; each redaction's span holds
/// its original in the input and its replacement span lies in the output;
/// spans are sorted and disjoint; `find` reports the same spans.
pub fn redact(data: &[u8]) {
    static PLACEHOLDERS: LazyLock<Redactor> = LazyLock::new(Redactor::default);
    static NEUTRAL: LazyLock<Redactor> = LazyLock::new(|| {
        Redactor::builder()
            .with_gender_style(GenderStyle::Neutral)
            .build()
            .expect("the default redactor with neutral gender words builds")
    });
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let redactor = if flags & 1 == 0 {
        &*PLACEHOLDERS
    } else {
        &*NEUTRAL
    };
    let redacted = redactor.redact(&text);
    assert_eq!(
        redacted.restore(),
        text,
        "restoring does not give the input back"
    );
    let mut last_end = 0;
    let mut last_replacement_end = 0;
    for redaction in &redacted.redactions {
        assert!(
            redaction.span.start >= last_end,
            "redactions overlap or are unsorted"
        );
        assert!(
            redaction.replacement_span.start >= last_replacement_end,
            "replacements overlap or are unsorted"
        );
        assert_eq!(
            text.get(redaction.span.clone()),
            Some(redaction.original.as_str()),
            "a span does not hold its original"
        );
        assert!(
            redacted
                .text
                .get(redaction.replacement_span.clone())
                .is_some(),
            "a replacement span is outside the output or off a char boundary"
        );
        last_end = redaction.span.end;
        last_replacement_end = redaction.replacement_span.end;
    }
    let found: Vec<_> = redactor.find(&text);
    let spans: Vec<_> = redacted
        .redactions
        .iter()
        .map(|r| (r.kind, r.span.clone()))
        .collect();
    assert_eq!(found, spans, "find and redact disagree");
}

/// Section splitting and skill extraction. Bit 0 of the first byte set: the
/// rest is `GAZETTEER_TSV\n=====\nTEXT` and the gazetteer is loaded from it.
///
/// Properties: sections are in order and disjoint, their bodies and headings
/// are what their spans hold, trimmed; skill matches lie on char boundaries,
/// hold what they say they matched, are sorted and disjoint, and name
/// skills of the gazetteer; `skill_set` is their set of names.
pub fn extract(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let loaded;
    let (gazetteer, text) = if flags & 1 == 1 {
        let (tsv, text) = match find(rest, FILE_SEPARATOR) {
            Some(at) => (&rest[..at], &rest[at + FILE_SEPARATOR.len()..]),
            None => (rest, &[][..]),
        };
        match SkillGazetteer::from_tsv_reader(tsv) {
            Ok(gazetteer) => {
                loaded = gazetteer;
                (&loaded, String::from_utf8_lossy(text))
            }
            Err(error) => {
                let _ = error.to_string();
                return;
            }
        }
    } else {
        (
            SkillGazetteer::default_gazetteer(),
            String::from_utf8_lossy(rest),
        )
    };

    let sections = split_sections(&text);
    let mut last_end = 0;
    for section in &sections {
        if let (Some(heading), Some(span)) = (section.heading, &section.heading_span) {
            assert!(span.start >= last_end, "sections overlap or are unsorted");
            assert_eq!(text.get(span.clone()), Some(heading), "a heading span");
            last_end = span.end;
        }
        assert!(
            section.span.start >= last_end,
            "sections overlap or are unsorted"
        );
        assert_eq!(
            text.get(section.span.clone()),
            Some(section.body),
            "a body span"
        );
        assert_eq!(section.body.trim(), section.body, "a body is not trimmed");
        last_end = section.span.end;
    }

    let matches = gazetteer.extract(&text);
    let mut last_end = 0;
    let mut names = std::collections::BTreeSet::new();
    for found in &matches {
        assert!(
            found.span.start >= last_end,
            "skill matches overlap or are unsorted"
        );
        assert_eq!(
            text.get(found.span.clone()),
            Some(found.matched.as_str()),
            "a skill span does not hold its match"
        );
        assert!(
            gazetteer
                .entries()
                .iter()
                .any(|entry| entry.name == found.skill),
            "a match names a skill the gazetteer does not have"
        );
        last_end = found.span.end;
        names.insert(found.skill.clone());
    }
    assert_eq!(
        gazetteer.skill_set(&text),
        names,
        "skill_set and extract disagree"
    );
}

/// The tokenizer of all-MiniLM-L6-v2 (`$JOBFIT_FUZZ_TOKENIZER`, else the
/// repository's `models/`), cut to 32 tokens so that chunking has work.
static TOKENIZER: LazyLock<TextTokenizer> = LazyLock::new(|| {
    let path = std::env::var_os("JOBFIT_FUZZ_TOKENIZER").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/all-MiniLM-L6-v2/tokenizer.json"),
        PathBuf::from,
    );
    TextTokenizer::from_file(&path)
        .and_then(|tokenizer| tokenizer.with_max_length(32))
        .unwrap_or_else(|error| panic!("cannot load the tokenizer {}: {error}", path.display()))
});

/// Tokenization and chunking: the first byte is the chunk overlap, the rest
/// a text, split at the first NUL into a pair.
///
/// Properties: encodings never exceed the maximum length; chunks cover the
/// document's tokens in order with the asked overlap, and each holds its
/// tokens between the special tokens.
pub fn tokenize(data: &[u8]) {
    let tokenizer = &*TOKENIZER;
    let Some((&stride, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let max = tokenizer.max_length();
    let encoding = tokenizer.encode(&text).expect("a text encodes");
    assert!(
        encoding.len() <= max,
        "an encoding is longer than the maximum"
    );
    assert_eq!(encoding.ids.len(), encoding.type_ids.len());
    if let Some((first, second)) = text.split_once('\0') {
        let pair = tokenizer
            .encode_pair(first, second)
            .expect("a pair encodes");
        assert!(
            pair.len() <= max,
            "a pair encoding is longer than the maximum"
        );
    }

    let window = max - tokenizer.special_tokens_single();
    let stride = usize::from(stride) % (window + 4);
    let chunks = match tokenizer.chunk(&text, stride) {
        Ok(chunks) => chunks,
        Err(error) => {
            assert!(
                stride >= window,
                "chunking failed with a valid stride: {error}"
            );
            return;
        }
    };
    let ids = tokenizer.token_ids(&text).expect("a text tokenizes");
    assert!(!chunks.is_empty(), "no chunk");
    assert_eq!(
        chunks[0].token_range.start, 0,
        "the first chunk does not start the text"
    );
    assert_eq!(
        chunks.last().map(|chunk| chunk.token_range.end),
        Some(ids.len()),
        "the last chunk does not end the text"
    );
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(chunk.index, i);
        let range = chunk.token_range.clone();
        assert!(range.len() <= window, "a chunk is wider than the window");
        assert!(
            chunk.encoding.len() <= max,
            "a chunk is longer than the maximum"
        );
        assert_eq!(
            chunk.encoding.len(),
            range.len() + tokenizer.special_tokens_single(),
            "a chunk holds more than its tokens and the special tokens"
        );
        assert_eq!(
            &chunk.encoding.ids[1..chunk.encoding.len() - 1],
            &ids[range.clone()],
            "a chunk does not hold its tokens"
        );
        if let Some(next) = chunks.get(i + 1) {
            assert_eq!(
                next.token_range.start,
                range.end - stride,
                "consecutive chunks do not overlap by the stride"
            );
        }
    }
}

/// Read options from a byte: bit 0 lossy UTF-8, bits 1-2 the delimiter,
/// bit 3 no quoting, bit 4 a 64-byte record limit.
fn read_options(byte: u8) -> ReadOptions {
    ReadOptions::default()
        .with_lossy_utf8(byte & 1 == 1)
        .with_delimiter([b',', b'\t', b';', b'|'][usize::from(byte >> 1 & 3)])
        .with_quoting(byte & 8 == 0)
        .with_max_record_bytes(if byte & 16 == 16 { 64 } else { 1 << 20 })
}

fn source(name: &str, bytes: &[u8]) -> DataSource {
    DataSource::from_reader(name, Cursor::new(bytes.to_vec()))
}

/// Consumes a reader's items, at most `limit` of them: a reader must end.
fn drain<T, E: std::fmt::Display>(
    items: impl Iterator<Item = Result<T, E>>,
    limit: usize,
    mut check: impl FnMut(T),
) {
    let mut count = 0;
    for item in items {
        count += 1;
        assert!(
            count <= limit,
            "the reader yields more records than the input has lines"
        );
        match item {
            Ok(value) => check(value),
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
}

/// The job and resume readers, CSV and JSON lines, and the CSV table: the
/// first byte picks the reader (bits 0-2) and the options (bits 3-7, see
/// [`read_options`]).
///
/// Properties: readers end (at most one item per line); every job and
/// resume read has a non-empty id (and title), and writing it as JSON and
/// reading it back gives it back.
pub fn records(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let options = read_options(flags >> 3);
    // CSV ends records at `\r` too.
    let limit = rest.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 2;
    match flags & 7 {
        0 | 1 => {
            let reader = if flags & 7 == 0 {
                JobReader::jsonl(source("fuzz.jsonl", rest), options)
            } else {
                match JobReader::csv(source("fuzz.csv", rest), &JobColumns::default(), options) {
                    Ok(reader) => reader,
                    Err(error) => return drop(error.to_string()),
                }
            };
            drain(reader, limit, |job| {
                assert!(!job.id.trim().is_empty(), "a job without id was read");
                assert!(!job.title.trim().is_empty(), "a job without title was read");
                let line = serde_json::to_string(&job).expect("a job serializes");
                let back: Vec<_> = JobReader::jsonl(
                    source("back.jsonl", line.as_bytes()),
                    ReadOptions::default(),
                )
                .collect();
                assert_eq!(
                    back.len(),
                    1,
                    "a job line reads back as {} records",
                    back.len()
                );
                match &back[0] {
                    Ok(read) => assert_eq!(read, &job, "a job does not read back the same"),
                    Err(error) => panic!("a job read does not read back: {error}\n{line}"),
                }
            });
        }
        2 | 3 => {
            let reader = if flags & 7 == 2 {
                ResumeReader::jsonl(source("fuzz.jsonl", rest), options)
            } else {
                match ResumeReader::csv(
                    source("fuzz.csv", rest),
                    &ResumeColumns::default(),
                    options,
                ) {
                    Ok(reader) => reader,
                    Err(error) => return drop(error.to_string()),
                }
            };
            drain(reader, limit, |resume| {
                assert!(!resume.id.trim().is_empty(), "a resume without id was read");
                let line = serde_json::to_string(&resume).expect("a resume serializes");
                let back: Vec<_> = ResumeReader::jsonl(
                    source("back.jsonl", line.as_bytes()),
                    ReadOptions::default(),
                )
                .collect();
                assert_eq!(
                    back.len(),
                    1,
                    "a resume line reads back as {} records",
                    back.len()
                );
                match &back[0] {
                    Ok(read) => assert_eq!(read, &resume, "a resume does not read back the same"),
                    Err(error) => panic!("a resume read does not read back: {error}\n{line}"),
                }
            });
        }
        4 | 5 => {
            let table = match CsvTable::from_source(source("fuzz.csv", rest), options) {
                Ok(table) => table,
                Err(error) => return drop(error.to_string()),
            };
            let headers = table.headers().to_vec();
            for (i, header) in headers.iter().enumerate() {
                let found = table.column(header).expect("a header names a column");
                assert!(found <= i, "column() finds a header after its first place");
            }
            let columns: Vec<&str> = headers.iter().take(3).map(String::as_str).collect();
            let rows = if flags & 7 == 4 {
                table.rows()
            } else {
                match table.select(&columns) {
                    Ok(rows) => rows,
                    Err(error) => return drop(error.to_string()),
                }
            };
            drain(rows, limit, |_row| ());
        }
        _ => {
            let reader = jobfit_text::JsonlReader::<serde_json::Value>::new(
                source("fuzz.jsonl", rest),
                options,
            );
            drain(reader, limit, |(line, _value)| {
                assert!(line >= 1, "a JSON line is numbered {line}");
            });
        }
    }
}

/// Garbage detection on bytes.
///
/// Properties: decoded text passes [`check_text`]; bytes that are UTF-8
/// without a byte-order mark or NUL decode to themselves; whatever `check_text`
/// refuses in the lossy text of non-UTF-16 bytes is refused by
/// `decode_text`; messages render.
pub fn garbage(data: &[u8]) {
    let decoded = decode_text(data);
    let lossy = String::from_utf8_lossy(data);
    let checked = check_text(&lossy);
    match &decoded {
        Ok(text) => {
            assert!(check_text(text).is_ok(), "decoded text fails check_text");
            // (Bytes with NULs may be UTF-16 without a byte-order mark.)
            if let Ok(utf8) = std::str::from_utf8(data)
                && !utf8.starts_with('\u{FEFF}')
                && !data.contains(&0)
            {
                assert_eq!(text, utf8, "UTF-8 did not decode to itself");
            }
            let utf16 = data.starts_with(b"\xFF\xFE") || data.starts_with(b"\xFE\xFF");
            if !utf16 && !data.contains(&0) {
                assert!(
                    checked.is_ok(),
                    "check_text refuses what decode_text accepted"
                );
            }
        }
        Err(error) => {
            assert!(!error.to_string().is_empty());
        }
    }
    if let Err(error) = checked {
        assert!(
            error
                .to_string()
                .starts_with("this text is mostly unreadable")
        );
    }
}

/// The limits of the `document` target: small, so that zip bombs, long
/// documents and many-page PDFs reach them within a few milliseconds.
pub const DOCUMENT_LIMITS: DocumentLimits = DocumentLimits {
    max_bytes: 64 << 10,
    max_pages: 8,
    max_chars: 4000,
    max_uncompressed: 64 << 10,
    max_entries: 32,
};

/// Resume files (PDF, DOCX, HTML, plain text) read with [`DOCUMENT_LIMITS`].
///
/// Properties: the input either reads or is refused with an error whose
/// message renders; input over `max_bytes` is refused as too large, and only
/// it; a document read has non-blank text within `max_chars` that passes
/// [`check_text`], pages within `max_pages` for a PDF and none otherwise; the
/// kind of a document read, damaged, empty or unreadable is what the magic
/// bytes say (PDF: `%PDF-` in the first kilobyte; DOCX: a `PK` zip header;
/// HTML and plain text: neither), and so are the errors only PDFs or
/// archives give; plain text and HTML decode with [`decode_text`], plain text
/// to the text read.
pub fn document(data: &[u8]) {
    let limits = DOCUMENT_LIMITS;
    let result = read_document(data, &limits);
    let head = &data[..data.len().min(1024)];
    let pdf = head.windows(5).any(|window| window == b"%PDF-");
    let zip = !pdf && (data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06"));
    let sniffed = |kind: DocumentKind| match kind {
        DocumentKind::Pdf => pdf,
        DocumentKind::Docx => zip,
        DocumentKind::Html | DocumentKind::Text => !pdf && !zip,
    };
    let too_large = data.len() > limits.max_bytes;
    match result {
        Ok(document) => {
            let kind = document.kind;
            assert!(!too_large, "{} bytes read", data.len());
            assert!(sniffed(kind), "{kind} read against the magic bytes");
            let text = &document.text;
            assert!(
                !text.trim().is_empty(),
                "a {kind} document read with no text"
            );
            let chars = text.chars().count();
            assert!(chars <= limits.max_chars, "{chars} characters read");
            if let Err(error) = check_text(text) {
                panic!("the text of a {kind} document fails check_text: {error}");
            }
            if matches!(kind, DocumentKind::Html | DocumentKind::Text) {
                let decoded = decode_text(data);
                assert!(decoded.is_ok(), "{kind} that decode_text refuses");
                if kind == DocumentKind::Text {
                    assert_eq!(
                        decoded.ok().as_ref(),
                        Some(text),
                        "plain text is not decoded"
                    );
                }
            }
            match document.pages {
                Some(pages) => {
                    assert_eq!(kind, DocumentKind::Pdf, "pages of a non-PDF");
                    assert!(
                        (1..=limits.max_pages).contains(&pages),
                        "{pages} pages read"
                    );
                }
                None => assert_ne!(kind, DocumentKind::Pdf, "a PDF without pages"),
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.is_empty());
            assert_eq!(
                matches!(error, DocumentError::TooLarge { .. }),
                too_large,
                "{message}"
            );
            match error {
                DocumentError::Malformed { kind, .. }
                | DocumentError::Empty { kind }
                | DocumentError::Garbage { kind, .. } => {
                    assert!(sniffed(kind), "{message}: {kind} against the magic bytes");
                }
                DocumentError::TooManyPages { .. } | DocumentError::Encrypted => {
                    assert!(pdf, "{message}");
                }
                DocumentError::ArchiveTooLarge { .. } => assert!(zip, "{message}"),
                _ => {}
            }
        }
    }
}

#[cfg(feature = "model")]
mod model;
#[cfg(feature = "model")]
pub use model::{catalog, checkpoint, index, pairs, write_seeds};

/// Runs a target by name on one input; `false` for an unknown name.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "clean" => clean(data),
        "redact" => redact(data),
        "extract" => extract(data),
        "tokenize" => tokenize(data),
        "records" => records(data),
        "garbage" => garbage(data),
        "document" => document(data),
        #[cfg(feature = "model")]
        "pairs" => pairs(data),
        #[cfg(feature = "model")]
        "catalog" => catalog(data),
        #[cfg(feature = "model")]
        "index" => index(data),
        #[cfg(feature = "model")]
        "checkpoint" => checkpoint(data),
        _ => return false,
    }
    true
}
