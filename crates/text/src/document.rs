//! Resume files: PDF, DOCX, HTML and plain text, told apart by their content.
//!
//! [`read_document`] sniffs the bytes (not the file name), extracts the text
//! and enforces [`DocumentLimits`] at every step: the input size, the PDF page
//! count, the DOCX archive's uncompressed size (a zip bomb inflates a few
//! kilobytes into gigabytes) and the characters extracted. Encrypted PDFs are
//! refused: their text cannot be read without the password.
//!
//! Plain text and HTML are decoded with [`decode_text`] (UTF-8, or UTF-16 with
//! a byte order mark or its NUL pattern; binary data and legacy encodings such
//! as GBK or Windows-1252 are refused), and the text extracted from every kind
//! of document must pass [`check_text`]: a PDF whose fonts map glyphs to
//! private-use code points gives no readable text, and is refused rather than
//! ranked. Both refusals are [`DocumentError::Garbage`].
//!
//! ```
//! use jobfit_text::{DocumentKind, DocumentLimits, read_document};
//!
//! let document = read_document(b"<html><body><p>Nurse, ICU</p></body></html>", &DocumentLimits::default())?;
//! assert_eq!(document.kind, DocumentKind::Html);
//! assert_eq!(document.text.trim(), "Nurse, ICU");
//! # Ok::<(), jobfit_text::DocumentError>(())
//! ```

use std::fmt;
use std::io::{Cursor, Read};
use std::path::Path;

use quick_xml::events::Event;
use serde::{Deserialize, Serialize};

use crate::clean::Cleaner;
use crate::garbage::{GarbageError, check_text, decode_text};

/// Limits applied while reading a document. The defaults suit resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DocumentLimits {
    /// The most bytes of input. Default 10 MiB.
    pub max_bytes: usize,
    /// The most pages of a PDF. Default 50.
    pub max_pages: usize,
    /// The most characters of extracted text. Default 100,000 (a long resume
    /// has about 10,000).
    pub max_chars: usize,
    /// The most bytes a DOCX archive may inflate to (declared and actual),
    /// and a PDF page's content stream. Default 50 MiB.
    pub max_uncompressed: u64,
    /// The most entries of a DOCX archive. Default 1,000.
    pub max_entries: usize,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 << 20,
            max_pages: 50,
            max_chars: 100_000,
            max_uncompressed: 50 << 20,
            max_entries: 1000,
        }
    }
}

/// What a document turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A PDF file.
    Pdf,
    /// A Word (Office Open XML) document.
    Docx,
    /// An HTML page.
    Html,
    /// Plain text (UTF-8, or UTF-16 with a byte order mark or the NUL pattern
    /// of ASCII in UTF-16).
    Text,
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pdf => "PDF",
            Self::Docx => "DOCX",
            Self::Html => "HTML",
            Self::Text => "plain text",
        })
    }
}

/// The text of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// What the bytes were.
    pub kind: DocumentKind,
    /// The extracted text: paragraphs on their own lines.
    pub text: String,
    /// Pages, for PDFs.
    pub pages: Option<usize>,
}

/// Why a document could not be read. Every message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The input is larger than [`DocumentLimits::max_bytes`].
    #[error("the document is larger than {limit} bytes; send a smaller file")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The input is empty, or no text could be extracted from it.
    #[error(
        "the {kind} document has no text{}",
        if *kind == DocumentKind::Pdf { " (a scanned PDF needs OCR first)" } else { "" }
    )]
    Empty {
        /// What the document was.
        kind: DocumentKind,
    },
    /// A PDF has more pages than [`DocumentLimits::max_pages`].
    #[error("the PDF has {pages} pages, more than the limit of {limit}; send the resume alone")]
    TooManyPages {
        /// Its pages.
        pages: usize,
        /// The limit.
        limit: usize,
    },
    /// The text is longer than [`DocumentLimits::max_chars`].
    #[error("the document holds more than {limit} characters of text; send a shorter one")]
    TooManyChars {
        /// The limit.
        limit: usize,
    },
    /// A DOCX archive inflates beyond [`DocumentLimits::max_uncompressed`] or
    /// has more than [`DocumentLimits::max_entries`] entries.
    #[error("the DOCX archive {what}, beyond the limit of {limit}; it is not a resume")]
    ArchiveTooLarge {
        /// What exceeded the limit.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// The PDF is encrypted.
    #[error(
        "the PDF is encrypted; save it without a password (or print it to a new PDF) and send that"
    )]
    Encrypted,
    /// The bytes start like a PDF or DOCX but cannot be parsed as one.
    #[error("the {kind} document is damaged: {message}")]
    Malformed {
        /// What the document claimed to be.
        kind: DocumentKind,
        /// The parser's message.
        message: String,
    },
    /// The bytes are a format that is not read (images, legacy Word, other
    /// archives, other binary data).
    #[error("{format} cannot be read; send a PDF, DOCX, HTML or plain-text resume")]
    Unsupported {
        /// What the bytes look like.
        format: String,
    },
    /// The text is not valid UTF-8 (nor UTF-16 with a byte order mark).
    ///
    /// No longer returned by [`read_document`]: text is decoded with
    /// [`decode_text`], and what it refuses is [`DocumentError::Garbage`].
    /// Kept so that code matching on it still compiles.
    #[error(
        "the text is not valid UTF-8 (invalid byte at offset {offset}); save it as UTF-8 and send it again"
    )]
    InvalidUtf8 {
        /// The offset of the first invalid byte.
        offset: usize,
    },
    /// The bytes are not readable text: plain text or HTML that is binary
    /// data or in a legacy encoding (refused by [`decode_text`]), or text
    /// extracted from any kind of document that is mostly control,
    /// replacement, private-use or unassigned characters (refused by
    /// [`check_text`]). The message says what was seen and what to do.
    #[error("the {kind} document has no readable text: {source}{}", garbage_advice(*kind, source))]
    Garbage {
        /// What the document was (plain text for bytes that could not be
        /// decoded).
        kind: DocumentKind,
        /// What was seen.
        source: GarbageError,
    },
}

/// Advice for unreadable text extracted from a PDF or DOCX, whose cause is
/// the file's fonts rather than its encoding.
fn garbage_advice(kind: DocumentKind, source: &GarbageError) -> &'static str {
    match (kind, source) {
        (DocumentKind::Pdf | DocumentKind::Docx, GarbageError::Unreadable(_)) => {
            " (its fonts may map letters to private symbols: export the document again with \
             standard fonts, or send the resume as plain text)"
        }
        _ => "",
    }
}

/// The result type of document reading.
pub type DocumentResult<T> = std::result::Result<T, DocumentError>;

/// Reads a document, telling the format by its content.
///
/// # Errors
///
/// A [`DocumentError`] for input over a limit, damaged or encrypted files,
/// unsupported formats, binary data, legacy encodings, unreadable text
/// ([`DocumentError::Garbage`]) or no text at all.
pub fn read_document(bytes: &[u8], limits: &DocumentLimits) -> DocumentResult<Document> {
    if bytes.len() > limits.max_bytes {
        return Err(DocumentError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let document = match sniff(bytes) {
        Sniffed::Pdf => read_pdf(bytes, limits)?,
        Sniffed::Zip => read_docx(bytes, limits)?,
        Sniffed::Binary(format) => {
            return Err(DocumentError::Unsupported {
                format: format.to_string(),
            });
        }
        Sniffed::Text => read_text(bytes)?,
    };
    if document.text.chars().count() > limits.max_chars {
        return Err(DocumentError::TooManyChars {
            limit: limits.max_chars,
        });
    }
    if document.text.trim().is_empty() {
        return Err(DocumentError::Empty {
            kind: document.kind,
        });
    }
    check_text(&document.text).map_err(|source| DocumentError::Garbage {
        kind: document.kind,
        source,
    })?;
    Ok(document)
}

/// Reads a document file (at most [`DocumentLimits::max_bytes`] of it).
///
/// # Errors
///
/// [`DocumentError::Io`] when the file cannot be read, else as
/// [`read_document`].
pub fn read_document_file(
    path: impl AsRef<Path>,
    limits: &DocumentLimits,
) -> DocumentResult<Document> {
    let path = path.as_ref();
    let io = |source| DocumentError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limits.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    read_document(&bytes, limits)
}

enum Sniffed {
    Pdf,
    Zip,
    Binary(&'static str),
    Text,
}

fn sniff(bytes: &[u8]) -> Sniffed {
    // Readers accept "%PDF-" anywhere in the first kilobyte.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|window| window == b"%PDF-") {
        return Sniffed::Pdf;
    }
    const MAGIC: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", ""),
        (b"PK\x05\x06", ""),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "a legacy Word (.doc) or other OLE file",
        ),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"{\\rtf", "an RTF document"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"\x7FELF", "an executable"),
        (b"MZ", "an executable"),
    ];
    for (magic, format) in MAGIC {
        if bytes.starts_with(magic) {
            return if format.is_empty() {
                Sniffed::Zip
            } else {
                Sniffed::Binary(format)
            };
        }
    }
    Sniffed::Text
}

fn read_text(bytes: &[u8]) -> DocumentResult<Document> {
    let text = decode_text(bytes).map_err(|source| DocumentError::Garbage {
        kind: DocumentKind::Text,
        source,
    })?;
    // `decode_text` lets a few control bytes through; NUL is never text.
    if text.contains('\0') {
        return Err(DocumentError::Unsupported {
            format: "binary data".into(),
        });
    }
    if looks_like_html(&text) {
        let cleaner = Cleaner::builder()
            .with_mojibake(false)
            .with_nfkc(false)
            .with_strip_invisible(false)
            .with_collapse_whitespace(false)
            .build()
            .map_err(|error| DocumentError::Malformed {
                kind: DocumentKind::Html,
                message: error.to_string(),
            })?;
        return Ok(Document {
            kind: DocumentKind::Html,
            text: cleaner.clean(&text),
            pages: None,
        });
    }
    Ok(Document {
        kind: DocumentKind::Text,
        text,
        pages: None,
    })
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with('<')
            && [
                "<body", "<head", "<div", "<p>", "<p ", "<h1", "<table", "<ul",
            ]
            .iter()
            .any(|tag| head.contains(tag)))
}

fn read_pdf(bytes: &[u8], limits: &DocumentLimits) -> DocumentResult<Document> {
    let malformed = |message: String| DocumentError::Malformed {
        kind: DocumentKind::Pdf,
        message,
    };
    let document = match lopdf::Document::load_mem(bytes) {
        Ok(document) => document,
        Err(lopdf::Error::Decryption(_)) => return Err(DocumentError::Encrypted),
        Err(_) if has_encrypt_entry(bytes) => return Err(DocumentError::Encrypted),
        Err(error) => return Err(malformed(error.to_string())),
    };
    if document.was_encrypted() || document.is_encrypted() {
        return Err(DocumentError::Encrypted);
    }
    let pages = document.get_pages();
    if pages.len() > limits.max_pages {
        return Err(DocumentError::TooManyPages {
            pages: pages.len(),
            limit: limits.max_pages,
        });
    }
    let page_limit = usize::try_from(limits.max_uncompressed).unwrap_or(usize::MAX);
    let mut text = String::new();
    let mut chars = 0;
    for &number in pages.keys() {
        let page = document
            .extract_text_with_limit(&[number], page_limit)
            .map_err(|error| malformed(format!("page {number}: {error}")))?;
        chars += page.chars().count();
        if chars > limits.max_chars {
            return Err(DocumentError::TooManyChars {
                limit: limits.max_chars,
            });
        }
        text.push_str(page.trim_end());
        text.push('\n');
    }
    Ok(Document {
        kind: DocumentKind::Pdf,
        text,
        pages: Some(pages.len()),
    })
}

/// Whether a trailer names an `/Encrypt` dictionary (for files the parser
/// rejects before telling).
fn has_encrypt_entry(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|window| window == b"/Encrypt")
}

fn read_docx(bytes: &[u8], limits: &DocumentLimits) -> DocumentResult<Document> {
    let malformed = |message: String| DocumentError::Malformed {
        kind: DocumentKind::Docx,
        message,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| malformed(format!("not a readable zip archive: {error}")))?;
    if archive.len() > limits.max_entries {
        return Err(DocumentError::ArchiveTooLarge {
            what: format!("has {} entries", archive.len()),
            limit: limits.max_entries as u64,
        });
    }
    let mut declared: u64 = 0;
    let mut has_document = false;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|error| malformed(error.to_string()))?;
        declared = declared.saturating_add(entry.size());
        if entry
            .name()
            .map(|name| name == "word/document.xml")
            .unwrap_or(false)
        {
            has_document = true;
        }
    }
    if declared > limits.max_uncompressed {
        return Err(DocumentError::ArchiveTooLarge {
            what: format!("declares {declared} bytes uncompressed"),
            limit: limits.max_uncompressed,
        });
    }
    if !has_document {
        return Err(DocumentError::Unsupported {
            format: "a ZIP archive that is not a Word document (no word/document.xml)".into(),
        });
    }
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|error| malformed(error.to_string()))?;
    // Declared sizes can lie: bound what is actually inflated too.
    let mut xml = Vec::new();
    entry
        .take(limits.max_uncompressed + 1)
        .read_to_end(&mut xml)
        .map_err(|error| malformed(format!("word/document.xml: {error}")))?;
    if xml.len() as u64 > limits.max_uncompressed {
        return Err(DocumentError::ArchiveTooLarge {
            what: "inflates word/document.xml".into(),
            limit: limits.max_uncompressed,
        });
    }
    let xml = String::from_utf8(xml)
        .map_err(|error| malformed(format!("word/document.xml is not UTF-8: {error}")))?;
    Ok(Document {
        kind: DocumentKind::Docx,
        text: docx_text(&xml, limits.max_chars)?,
        pages: None,
    })
}

/// The text of `word/document.xml`: runs (`w:t`), tabs and breaks, one
/// paragraph (`w:p`) per line.
fn docx_text(xml: &str, max_chars: usize) -> DocumentResult<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut text = String::new();
    let mut in_text = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|error| DocumentError::Malformed {
                kind: DocumentKind::Docx,
                message: format!(
                    "word/document.xml at byte {}: {error}",
                    reader.buffer_position()
                ),
            })?;
        match event {
            Event::Start(tag) if tag.local_name().as_ref() == "t" => in_text = true,
            Event::End(tag) => match tag.local_name().as_ref() {
                "t" => in_text = false,
                "p" => text.push('\n'),
                _ => {}
            },
            Event::Empty(tag) => match tag.local_name().as_ref() {
                "tab" => text.push('\t'),
                "br" | "cr" | "p" => text.push('\n'),
                _ => {}
            },
            Event::Text(content) if in_text => text.push_str(&content.xml10_content()),
            Event::CData(content) if in_text => text.push_str(&content),
            Event::GeneralRef(reference) if in_text => {
                if let Ok(Some(c)) = reference.resolve_char_ref() {
                    text.push(c);
                } else {
                    text.push_str(match &*reference {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if text.len() > max_chars.saturating_mul(4) {
            return Err(DocumentError::TooManyChars { limit: max_chars });
        }
    }
    Ok(text)
}
