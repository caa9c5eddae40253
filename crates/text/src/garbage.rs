//! Garbage detection: refusing binary files, text in a wrong encoding and unreadable text before
//! they are ranked.
//!
//! A recruiter who uploads the wrong file should get an error that says what the file looks like,
//! not a confident ranking of noise. Two entry points:
//!
//! - [`decode_text`] turns the bytes of a file into text. It accepts UTF-8 (with or without a
//!   byte-order mark) and UTF-16 (with a byte-order mark, or without one when the NUL pattern of
//!   UTF-16 is unmistakable), and refuses:
//!   - the signature of a known binary format ([`BinaryFormat`]: PDF, ZIP and the office files
//!     built on it, images, executables, archives, ...), naming it;
//!   - other binary data: more than [`MAX_CONTROL_BYTE_SHARE`] of the bytes are control bytes;
//!   - text in a legacy encoding (GBK, Big5, Shift_JIS, Windows-1252, ...): more than
//!     [`MAX_INVALID_UTF8_SHARE`] of the bytes are in invalid UTF-8 sequences. A few stray bytes
//!     (an English resume with two cp1252 quotes) are replaced by U+FFFD instead;
//!   - and whatever [`check_text`] refuses.
//! - [`check_text`] refuses a text more than [`MAX_UNREADABLE_SHARE`] of whose visible
//!   characters are control characters, replacement characters (U+FFFD), private-use or
//!   unassigned code points.
//!
//! A few odd characters are never enough: the character and control-byte rules also need at
//! least [`MIN_EVIDENCE`] of them (or the whole text), so a short title with one bullet from a PDF
//! font passes. One invalid UTF-8 byte is enough in a text under 100 bytes, where it is over 1%:
//! a short title in GBK often decodes partly as valid UTF-8 by chance, and only its few invalid
//! bytes tell.
//!
//! # How the thresholds were chosen
//!
//! On the real texts, no character of the 1,490 LiveCareer resumes, the 4,950 51job postings, the
//! 1,250 Google job postings or the 4,761 Chinese resume sentences falls in an unreadable class,
//! and none has an invalid byte or a control byte. On garbage, random bytes have about 11% control
//! bytes and invalid sequences in about 45% of their bytes; Chinese text in GBK has invalid
//! sequences in over 40% of its bytes; a French text in Windows-1252 in 2-3%. The thresholds sit
//! between: far above anything real text shows, below every garbage kind, so that a resume with
//! some PDF bullets (private-use characters) or a stray cp1252 apostrophe still passes.
//!
//! # Example
//!
//! ```
//! use jobfit_text::{BinaryFormat, GarbageError, decode_text};
//!
//! assert_eq!(decode_text("Rust engineer, 5 years".as_bytes())?, "Rust engineer, 5 years");
//! let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>";
//! let error = decode_text(pdf).unwrap_err();
//! assert_eq!(error, GarbageError::Binary { format: Some(BinaryFormat::Pdf), control: 0, bytes: pdf.len() });
//! assert!(error.to_string().starts_with("this looks like a PDF document"));
//! # Ok::<(), GarbageError>(())
//! ```

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// The largest share of the visible (non-whitespace) characters of a text that may be control,
/// replacement, private-use or unassigned before [`check_text`] refuses it.
pub const MAX_UNREADABLE_SHARE: f64 = 0.10;

/// The largest share of the bytes that may be control bytes (other than tab, line feed, vertical
/// tab, form feed, carriage return and escape) before [`decode_text`] calls the data binary.
pub const MAX_CONTROL_BYTE_SHARE: f64 = 0.02;

/// The largest share of the bytes that may sit in invalid UTF-8 sequences before
/// [`decode_text`] calls the data text in a legacy encoding.
pub const MAX_INVALID_UTF8_SHARE: f64 = 0.01;

/// The fewest offending characters or control bytes that make [`check_text`] or the binary rule
/// of [`decode_text`] refuse a text (a shorter text is refused only when all of it offends).
pub const MIN_EVIDENCE: usize = 4;

/// The longest prefix [`decode_text`] scans for the names inside a ZIP archive.
const ZIP_SCAN_BYTES: usize = 4096;

/// A binary file format that [`decode_text`] recognizes by its signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinaryFormat {
    /// A PDF document (`%PDF-`).
    Pdf,
    /// A Word document (DOCX: a ZIP archive holding `word/`).
    Docx,
    /// An Excel workbook (XLSX: a ZIP archive holding `xl/`).
    Xlsx,
    /// A PowerPoint presentation (PPTX: a ZIP archive holding `ppt/`).
    Pptx,
    /// An OpenDocument file (ODT, ODS, ODP: a ZIP archive whose first entry is its mimetype).
    OpenDocument,
    /// An EPUB book (a ZIP archive).
    Epub,
    /// Any other ZIP archive.
    Zip,
    /// A legacy Microsoft Office file (DOC, XLS, PPT: an OLE2 compound file).
    LegacyOffice,
    /// A rich-text document (`{\rtf`): text, but mostly markup.
    Rtf,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
    /// A GIF image.
    Gif,
    /// A WebP image.
    Webp,
    /// A BMP image.
    Bmp,
    /// A TIFF image.
    Tiff,
    /// An ELF executable or library (Linux).
    Elf,
    /// A Mach-O executable or library (macOS).
    MachO,
    /// A Windows executable or library (PE).
    WindowsExe,
    /// A gzip-compressed file.
    Gzip,
    /// A bzip2-compressed file.
    Bzip2,
    /// An xz-compressed file.
    Xz,
    /// A Zstandard-compressed file.
    Zstd,
    /// A 7-Zip archive.
    SevenZip,
    /// A RAR archive.
    Rar,
    /// A tar archive.
    Tar,
    /// An SQLite database.
    Sqlite,
    /// An audio or video file (MP3, MP4, Ogg, FLAC, WAV, ...).
    Media,
    /// A WebAssembly module.
    Wasm,
}

impl BinaryFormat {
    /// The format's name with its article, for messages (`a PDF document`).
    pub fn describe(self) -> &'static str {
        match self {
            Self::Pdf => "a PDF document",
            Self::Docx => "a Word document (DOCX)",
            Self::Xlsx => "an Excel workbook (XLSX)",
            Self::Pptx => "a PowerPoint presentation (PPTX)",
            Self::OpenDocument => "an OpenDocument file (ODT/ODS/ODP)",
            Self::Epub => "an EPUB book",
            Self::Zip => "a ZIP archive",
            Self::LegacyOffice => "a legacy Microsoft Office file (DOC/XLS/PPT)",
            Self::Rtf => "a rich-text (RTF) document",
            Self::Png => "a PNG image",
            Self::Jpeg => "a JPEG image",
            Self::Gif => "a GIF image",
            Self::Webp => "a WebP image",
            Self::Bmp => "a BMP image",
            Self::Tiff => "a TIFF image",
            Self::Elf => "an ELF executable (Linux program or library)",
            Self::MachO => "a Mach-O executable (macOS program or library)",
            Self::WindowsExe => "a Windows executable (EXE/DLL)",
            Self::Gzip => "a gzip-compressed file",
            Self::Bzip2 => "a bzip2-compressed file",
            Self::Xz => "an xz-compressed file",
            Self::Zstd => "a Zstandard-compressed file",
            Self::SevenZip => "a 7-Zip archive",
            Self::Rar => "a RAR archive",
            Self::Tar => "a tar archive",
            Self::Sqlite => "an SQLite database",
            Self::Media => "an audio or video file",
            Self::Wasm => "a WebAssembly module",
        }
    }

    /// What to do instead, for messages.
    fn advice(self) -> &'static str {
        match self {
            Self::Pdf => "extract its text first (e.g. `pdftotext resume.pdf resume.txt`)",
            Self::Docx
            | Self::Xlsx
            | Self::Pptx
            | Self::OpenDocument
            | Self::LegacyOffice
            | Self::Rtf => "save it as plain text (UTF-8) from the program that made it",
            Self::Png | Self::Jpeg | Self::Gif | Self::Webp | Self::Bmp | Self::Tiff => {
                "an image holds no text to match; give the text itself (run OCR first for a scan)"
            }
            Self::Zip
            | Self::Epub
            | Self::Gzip
            | Self::Bzip2
            | Self::Xz
            | Self::Zstd
            | Self::SevenZip
            | Self::Rar
            | Self::Tar => "unpack it and give the text file inside",
            Self::Elf
            | Self::MachO
            | Self::WindowsExe
            | Self::Sqlite
            | Self::Media
            | Self::Wasm => "this is not a resume or a job posting; check the file name",
        }
    }
}

impl fmt::Display for BinaryFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The kind of legacy encoding that the invalid bytes of a text point to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LegacyEncoding {
    /// Most invalid bytes come in pairs of high bytes: a double-byte encoding of Chinese,
    /// Japanese or Korean (GBK/GB18030, Big5, Shift_JIS, EUC-KR).
    DoubleByte,
    /// Most invalid bytes stand alone between ASCII: a single-byte encoding such as
    /// Windows-1252 or Latin-1.
    SingleByte,
}

impl LegacyEncoding {
    /// The most likely encoding of this kind, as `iconv` names it: `GB18030` (a superset of
    /// GBK) or `WINDOWS-1252`.
    pub fn iconv_name(self) -> &'static str {
        match self {
            Self::DoubleByte => "GB18030",
            Self::SingleByte => "WINDOWS-1252",
        }
    }
}

impl fmt::Display for LegacyEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DoubleByte => {
                "a double-byte legacy encoding such as GBK/GB18030, Big5 or Shift_JIS"
            }
            Self::SingleByte => "a single-byte legacy encoding such as Windows-1252 or Latin-1",
        })
    }
}

/// What [`check_text`] counted in a text it refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Unreadable {
    /// Visible (non-whitespace) characters in the text.
    pub visible: usize,
    /// Control characters (other than whitespace).
    pub control: usize,
    /// Replacement characters (U+FFFD), left where bytes could not be decoded.
    pub replacement: usize,
    /// Private-use code points.
    pub private_use: usize,
    /// Unassigned code points and noncharacters.
    pub unassigned: usize,
}

impl Unreadable {
    /// The characters of the four unreadable classes together.
    pub fn total(&self) -> usize {
        self.control + self.replacement + self.private_use + self.unassigned
    }
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of its {} visible characters are unreadable (",
            self.total(),
            self.visible
        )?;
        let parts = [
            (self.replacement, "replacement characters U+FFFD"),
            (self.control, "control characters"),
            (self.private_use, "private-use code points"),
            (self.unassigned, "unassigned code points"),
        ];
        let mut first = true;
        for (count, name) in parts {
            if count > 0 {
                if !first {
                    f.write_str(", ")?;
                }
                write!(f, "{count} {name}")?;
                first = false;
            }
        }
        f.write_str(")")
    }
}

/// Why a text or a file was refused as garbage.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GarbageError {
    /// The bytes are binary: a known format, or too many control bytes.
    #[error(
        "this looks like {}, not text: {}",
        format.map_or("binary data", BinaryFormat::describe),
        binary_detail(*format, *control, *bytes)
    )]
    Binary {
        /// The format its signature names, if known.
        format: Option<BinaryFormat>,
        /// Control bytes among the bytes.
        control: usize,
        /// The length in bytes.
        bytes: usize,
    },
    /// The bytes are text in a legacy encoding, not UTF-8.
    #[error(
        "this is not UTF-8 text: {invalid} of its {bytes} bytes are in invalid UTF-8 sequences; \
         it looks like text in {encoding}: save it as UTF-8 (e.g. `iconv -f {} -t UTF-8`, or \
         \"Save as... UTF-8\" in an editor) and try again",
        encoding.iconv_name()
    )]
    LegacyEncoding {
        /// Bytes in invalid UTF-8 sequences.
        invalid: usize,
        /// The length in bytes.
        bytes: usize,
        /// What the invalid bytes look like.
        encoding: LegacyEncoding,
    },
    /// The text is mostly control, replacement, private-use or unassigned characters.
    #[error(
        "this text is mostly unreadable: {0}; it was probably decoded from a binary file or with \
         the wrong encoding: give the text as plain UTF-8"
    )]
    Unreadable(Unreadable),
}

fn binary_detail(format: Option<BinaryFormat>, control: usize, bytes: usize) -> String {
    match format {
        Some(format) => format.advice().to_string(),
        None => format!(
            "{control} of its {bytes} bytes are control bytes, which text does not have; \
             give a plain-text (UTF-8) file"
        ),
    }
}

/// Is `bad` out of `total` enough to refuse: more than `share`, and at least
/// `evidence` (or everything)?
fn exceeds(bad: usize, total: usize, share: f64, evidence: usize) -> bool {
    bad > 0 && bad >= evidence.min(total) && bad as f64 > share * total as f64
}

/// The characters that can make a text unreadable (control, private use, unassigned including
/// noncharacters, U+FFFD). Whitespace controls are sorted out after matching.
static SUSPECT: LazyLock<Regex> = LazyLock::new(|| {
    // The pattern is a fixed valid class: it cannot fail to compile.
    Regex::new(r"[\p{Cc}\p{Co}\p{Cn}\x{FFFD}]").expect("the suspect-character class is valid")
});

/// Counts the unreadable characters of a text (see [`Unreadable`]).
fn count_unreadable(text: &str) -> Unreadable {
    let mut counts = Unreadable::default();
    if !SUSPECT.is_match(text) {
        counts.visible = text.chars().filter(|c| !c.is_whitespace()).count();
        return counts;
    }
    for found in SUSPECT.find_iter(text) {
        for c in found.as_str().chars() {
            if c.is_whitespace() {
                continue;
            }
            match c {
                '\u{FFFD}' => counts.replacement += 1,
                c if c.is_control() => counts.control += 1,
                '\u{E000}'..='\u{F8FF}'
                | '\u{F0000}'..='\u{FFFFD}'
                | '\u{100000}'..='\u{10FFFD}' => counts.private_use += 1,
                _ => counts.unassigned += 1,
            }
        }
    }
    counts.visible = text.chars().filter(|c| !c.is_whitespace()).count();
    counts
}

/// Refuses a text that is mostly control characters, replacement characters (U+FFFD),
/// private-use or unassigned code points: more than [`MAX_UNREADABLE_SHARE`] of its visible
/// characters, and at least [`MIN_EVIDENCE`] of them (or all).
///
/// Whitespace does not count either way; an empty text passes (emptiness is the caller's
/// concern).
///
/// ```
/// use jobfit_text::{GarbageError, check_text};
///
/// assert!(check_text("Senior accountant \u{F0B7} IFRS \u{F0B7} SAP").is_ok());
/// let lossy = String::from_utf8_lossy(&[0xFF, 0x00, 0xC0, 0x01, 0xB7, 0xFE, 0x02, 0xF5]);
/// let Err(GarbageError::Unreadable(counts)) = check_text(&lossy) else { panic!() };
/// assert_eq!((counts.replacement, counts.control), (5, 3));
/// ```
pub fn check_text(text: &str) -> Result<(), GarbageError> {
    let counts = count_unreadable(text);
    if exceeds(
        counts.total(),
        counts.visible,
        MAX_UNREADABLE_SHARE,
        MIN_EVIDENCE,
    ) {
        return Err(GarbageError::Unreadable(counts));
    }
    Ok(())
}

/// Decodes the bytes of a text file, refusing binary data, text in a legacy encoding and
/// unreadable text (see the [module documentation](self) for the rules).
///
/// A UTF-8 byte-order mark is dropped; UTF-16 with a byte-order mark is decoded. A few invalid
/// UTF-8 sequences (at most [`MAX_INVALID_UTF8_SHARE`] of the bytes) become U+FFFD.
pub fn decode_text(bytes: &[u8]) -> Result<String, GarbageError> {
    if let Some(text) = decode_utf16(bytes) {
        check_text(&text)?;
        return Ok(text);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let control = bytes.iter().filter(|&&b| is_control_byte(b)).count();
    if let Some(format) = sniff(bytes) {
        return Err(GarbageError::Binary {
            format: Some(format),
            control,
            bytes: bytes.len(),
        });
    }
    if exceeds(control, bytes.len(), MAX_CONTROL_BYTE_SHARE, MIN_EVIDENCE) {
        return Err(GarbageError::Binary {
            format: None,
            control,
            bytes: bytes.len(),
        });
    }
    let (invalid, paired) = invalid_utf8(bytes);
    if exceeds(invalid, bytes.len(), MAX_INVALID_UTF8_SHARE, 1) {
        let encoding = if paired * 2 >= invalid {
            LegacyEncoding::DoubleByte
        } else {
            LegacyEncoding::SingleByte
        };
        return Err(GarbageError::LegacyEncoding {
            invalid,
            bytes: bytes.len(),
            encoding,
        });
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    check_text(&text)?;
    Ok(text)
}

/// A control byte that text files do not hold: C0 controls other than tab, line feed, vertical
/// tab, form feed, carriage return and escape (terminal colours), and DEL.
fn is_control_byte(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F)
}

/// Counts the bytes in invalid UTF-8 sequences, and how many of them sit in runs of two or more
/// (the mark of a double-byte encoding; a single-byte one leaves them alone between ASCII).
fn invalid_utf8(bytes: &[u8]) -> (usize, usize) {
    let mut invalid = 0;
    let mut paired = 0;
    let mut run = 0;
    let mut rest = bytes;
    loop {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(_) => (rest.len(), 0),
            Err(error) => {
                let valid = error.valid_up_to();
                (valid, error.error_len().unwrap_or(rest.len() - valid))
            }
        };
        if valid > 0 || bad == 0 {
            if run >= 2 {
                paired += run;
            }
            run = 0;
        }
        if bad == 0 {
            return (invalid, paired);
        }
        invalid += bad;
        run += bad;
        rest = &rest[valid + bad..];
    }
}

/// Decodes UTF-16 when the bytes start with its byte-order mark, or have the NUL pattern of
/// UTF-16 text without one; `None` when they do not look like UTF-16.
fn decode_utf16(bytes: &[u8]) -> Option<String> {
    let (little, body) = if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        (true, body)
    } else if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        (false, body)
    } else {
        (looks_utf16(bytes)?, bytes)
    };
    let units = body.chunks(2).map(|pair| match pair {
        [a, b] if little => u16::from_le_bytes([*a, *b]),
        [a, b] => u16::from_be_bytes([*a, *b]),
        // An odd trailing byte cannot be decoded.
        _ => 0xFFFD,
    });
    Some(
        char::decode_utf16(units)
            .map(|unit| unit.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// `Some(little_endian)` when the bytes look like BOM-less UTF-16 text: at least 16 bytes, most
/// of one half of the byte pairs NUL (the high bytes of ASCII) and none of the other.
fn looks_utf16(bytes: &[u8]) -> Option<bool> {
    if bytes.len() < 16 {
        return None;
    }
    let pairs = bytes.len() / 2;
    let even = bytes
        .iter()
        .step_by(2)
        .take(pairs)
        .filter(|&&b| b == 0)
        .count();
    let odd = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd * 10 >= pairs * 7 && even == 0 {
        Some(true)
    } else if even * 10 >= pairs * 7 && odd == 0 {
        Some(false)
    } else {
        None
    }
}

/// The binary format whose signature starts the bytes, if any.
fn sniff(bytes: &[u8]) -> Option<BinaryFormat> {
    use BinaryFormat::*;
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| {
        bytes
            .get(offset..offset + magic.len())
            .is_some_and(|found| found == magic)
    };
    let format = if starts(b"%PDF-") {
        Pdf
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        zip_kind(bytes)
    } else if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        LegacyOffice
    } else if starts(b"{\\rtf") {
        Rtf
    } else if starts(b"\x89PNG\r\n\x1A\n") {
        Png
    } else if starts(b"\xFF\xD8\xFF") {
        Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Gif
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        Webp
    } else if starts(b"RIFF") && (at(8, b"WAVE") || at(8, b"AVI ")) {
        Media
    } else if starts(b"BM") && at(6, b"\0\0\0\0") {
        Bmp
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Tiff
    } else if starts(b"\x7FELF") {
        Elf
    } else if starts(b"\xFE\xED\xFA\xCE")
        || starts(b"\xFE\xED\xFA\xCF")
        || starts(b"\xCE\xFA\xED\xFE")
        || starts(b"\xCF\xFA\xED\xFE")
        || starts(b"\xCA\xFE\xBA\xBE")
    {
        MachO
    } else if starts(b"MZ") && bytes.len() >= 64 && bytes[2..64].contains(&0) {
        WindowsExe
    } else if starts(b"\x1F\x8B") {
        Gzip
    } else if starts(b"BZh") && at(4, b"1AY&SY") {
        Bzip2
    } else if starts(b"\xFD7zXZ\0") {
        Xz
    } else if starts(b"\x28\xB5\x2F\xFD") {
        Zstd
    } else if starts(b"7z\xBC\xAF\x27\x1C") {
        SevenZip
    } else if starts(b"Rar!\x1A\x07") {
        Rar
    } else if at(257, b"ustar") {
        Tar
    } else if starts(b"SQLite format 3\0") {
        Sqlite
    } else if starts(b"OggS\0")
        || starts(b"fLaC")
        || (starts(b"ID3") && bytes.get(3).is_some_and(|v| (2..=4).contains(v)))
        || (at(4, b"ftyp") && bytes[0] == 0)
        || starts(b"\x1A\x45\xDF\xA3")
    {
        Media
    } else if starts(b"\0asm") {
        Wasm
    } else {
        return None;
    };
    Some(format)
}

/// Which ZIP-based format an archive is, from the names near its start.
fn zip_kind(bytes: &[u8]) -> BinaryFormat {
    let head = &bytes[..bytes.len().min(ZIP_SCAN_BYTES)];
    let has = |name: &[u8]| head.windows(name.len()).any(|window| window == name);
    if has(b"mimetypeapplication/epub+zip") {
        BinaryFormat::Epub
    } else if has(b"mimetypeapplication/vnd.oasis.opendocument") {
        BinaryFormat::OpenDocument
    } else if has(b"word/") {
        BinaryFormat::Docx
    } else if has(b"xl/") {
        BinaryFormat::Xlsx
    } else if has(b"ppt/") {
        BinaryFormat::Pptx
    } else {
        BinaryFormat::Zip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_pair_up_in_double_byte_text() {
        // "大数据" in GBK: B4 F3 CA FD BE DD.
        let (invalid, paired) = invalid_utf8(b"\xB4\xF3\xCA\xFD\xBE\xDD");
        assert_eq!(invalid, 6);
        assert!(paired >= 3, "paired {paired}");
        // "caf\xE9 cr\xE8me" in Windows-1252: isolated bytes.
        assert_eq!(invalid_utf8(b"caf\xE9 cr\xE8me"), (2, 0));
    }

    #[test]
    fn evidence_needs_a_minimum() {
        assert!(!exceeds(1, 5, 0.1, 4));
        assert!(exceeds(2, 2, 0.1, 4));
        assert!(exceeds(4, 30, 0.1, 4));
        assert!(!exceeds(3, 30, 0.1, 4));
        assert!(!exceeds(0, 0, 0.1, 4));
        assert!(exceeds(1, 99, 0.01, 1));
        assert!(!exceeds(1, 100, 0.01, 1));
    }
}
