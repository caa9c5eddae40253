//! Garbage detection: real resumes and postings pass, binary files, random
//! bytes and text in a legacy encoding are refused with what was seen.

use std::path::Path;

use jobfit_text::{
    BinaryFormat, GarbageError, LegacyEncoding, MAX_UNREADABLE_SHARE, check_text, decode_text,
};
use proptest::prelude::*;

use crate::support;

/// Every text of the shared real data: LiveCareer resumes, 51job and Google
/// postings (every field), Chinese resume sentences; with their source.
fn real_texts() -> Option<Vec<(String, String)>> {
    let mut texts = Vec::new();
    for (file, source) in [
        ("data/resumes-livecareer/train.csv", "livecareer"),
        ("data/zh-51job/jobs.csv", "51job"),
        ("data/google-job-skills/job_skills.csv", "google"),
    ] {
        let path = support::shared(file)?;
        let mut reader = csv::Reader::from_path(path).unwrap();
        for record in reader.records() {
            for field in record.unwrap().iter().filter(|field| !field.is_empty()) {
                texts.push((source.to_string(), field.to_string()));
            }
        }
    }
    for split in ["train", "dev", "test"] {
        let path = support::shared(&format!("data/zh-resume-ner/{split}.char.bmes"))?;
        let text = std::fs::read_to_string(path).unwrap();
        for sentence in text.split("\n\n") {
            let chars: String = sentence
                .lines()
                .filter_map(|line| line.split(' ').next())
                .collect();
            if !chars.is_empty() {
                texts.push(("zh-resume-ner".to_string(), chars));
            }
        }
    }
    Some(texts)
}

#[test]
fn no_real_text_is_refused() {
    let Some(texts) = real_texts() else {
        return;
    };
    assert!(texts.len() > 60_000, "only {} texts", texts.len());
    for (source, text) in &texts {
        if let Err(error) = check_text(text) {
            panic!("check_text refused a {source} text: {error}\n{text}");
        }
        match decode_text(text.as_bytes()) {
            Ok(decoded) => assert_eq!(&decoded, text),
            Err(error) => panic!("decode_text refused a {source} text: {error}\n{text}"),
        }
    }
    // Whole files too, as a user would hand them over.
    for file in [
        "data/resumes-livecareer/train.csv",
        "data/zh-51job/jobs.csv",
        "data/zh-resume-ner/dev.char.bmes",
    ] {
        let path = support::shared(file).unwrap();
        let bytes = std::fs::read(path).unwrap();
        decode_text(&bytes).unwrap();
    }
}

/// The real texts in UTF-16 with a byte-order mark and in UTF-8 with one
/// decode to themselves.
#[test]
fn byte_order_marks_are_honoured() {
    let text = "Jane Doe\n数据分析师 — Python, SQL, café";
    let mut utf8 = b"\xEF\xBB\xBF".to_vec();
    utf8.extend_from_slice(text.as_bytes());
    assert_eq!(decode_text(&utf8).unwrap(), text);
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        le.extend_from_slice(&unit.to_le_bytes());
        be.extend_from_slice(&unit.to_be_bytes());
    }
    assert_eq!(decode_text(&le).unwrap(), text);
    assert_eq!(decode_text(&be).unwrap(), text);
    // Without the mark, ASCII-heavy UTF-16 is still recognized by its NULs.
    let ascii = "Registered nurse, 10 years of ICU experience.";
    let bare: Vec<u8> = ascii.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(decode_text(&bare).unwrap(), ascii);
}

/// Heads (512 bytes at most) of real files of common binary formats.
const BINARY_FIXTURES: &[(&str, BinaryFormat)] = &[
    ("document.pdf", BinaryFormat::Pdf),
    ("resume.docx", BinaryFormat::Docx),
    ("archive.zip", BinaryFormat::Zip),
    ("image.png", BinaryFormat::Png),
    ("image.jpg", BinaryFormat::Jpeg),
    ("image.gif", BinaryFormat::Gif),
    ("image.webp", BinaryFormat::Webp),
    ("program.elf", BinaryFormat::Elf),
    ("resume.txt.gz", BinaryFormat::Gzip),
    ("resume.txt.bz2", BinaryFormat::Bzip2),
    ("resume.txt.xz", BinaryFormat::Xz),
    ("archive.tar", BinaryFormat::Tar),
    ("jobs.sqlite", BinaryFormat::Sqlite),
];

#[test]
fn binary_files_are_named() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/garbage");
    for (file, format) in BINARY_FIXTURES {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        match decode_text(&bytes) {
            Err(GarbageError::Binary {
                format: Some(found),
                ..
            }) => assert_eq!(found, *format, "{file}"),
            other => panic!("{file}: {other:?}"),
        }
        // Past its signature, the rest of the file is still not text.
        let tail = &bytes[bytes.len().min(16)..];
        if tail.len() >= 64 && *format != BinaryFormat::Pdf {
            assert!(decode_text(tail).is_err(), "{file} without its signature");
        }
    }
    let message = decode_text(&std::fs::read(dir.join("resume.docx")).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        message
            .starts_with("this looks like a Word document (DOCX), not text: save it as plain text"),
        "{message}"
    );
}

/// A minimal xorshift generator: random bytes without a dependency.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn three_thousand_random_bytes_look_binary() {
    let bytes = random_bytes(20, 3000);
    let error = decode_text(&bytes).unwrap_err();
    assert!(
        matches!(error, GarbageError::Binary { format: None, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("this looks like binary data, not text: "),
        "{message}"
    );
    // Read lossily (as the command line used to), the text is refused too.
    let lossy = String::from_utf8_lossy(&bytes);
    let Err(GarbageError::Unreadable(counts)) = check_text(&lossy) else {
        panic!("the lossy text of random bytes passed");
    };
    assert!(
        counts.total() as f64 > 0.4 * counts.visible as f64,
        "{counts:?}"
    );
}

/// Encodes text in Windows-1252 where it can (Latin-1 letters are their own
/// code points), as an old editor would save it.
fn cp1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

#[test]
fn legacy_encodings_are_named() {
    let french = "Ingénieure d'études, expérience en sécurité réseau et télécoms; \
                  maîtrise de l'anglais et de l'allemand. Diplômée de l'École centrale.";
    let error = decode_text(&cp1252(french)).unwrap_err();
    assert!(
        matches!(
            error,
            GarbageError::LegacyEncoding {
                encoding: LegacyEncoding::SingleByte,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("Windows-1252"), "{error}");
    // "大数据开发工程师，熟悉Hadoop和Spark" in GBK (bytes from the GB2312 table).
    let gbk: &[u8] = b"\xB4\xF3\xCA\xFD\xBE\xDD\xBF\xAA\xB7\xA2\xB9\xA4\xB3\xCC\xCA\xA6\xA3\xAC\
                       \xCA\xEC\xCF\xA4Hadoop\xBA\xCDSpark";
    let error = decode_text(gbk).unwrap_err();
    assert!(
        matches!(
            error,
            GarbageError::LegacyEncoding {
                encoding: LegacyEncoding::DoubleByte,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("GBK"), "{error}");
    // A long English resume with two Windows-1252 quotes is decoded, the
    // quotes replaced.
    let mut english = "Managed accounts payable and receivable for 40 clients. ".repeat(20);
    english.push_str("Jane\u{2019}s team");
    let mut bytes = english.replace('\u{2019}', "").into_bytes();
    bytes.extend_from_slice(b" \x93lean\x94");
    let decoded = decode_text(&bytes).unwrap();
    assert!(decoded.ends_with(" \u{FFFD}lean\u{FFFD}"), "{decoded}");
}

#[test]
fn unreadable_text_says_what_it_holds() {
    let text = "\u{E000}\u{E001}\u{E002}\u{E003} ab \u{0378}\u{0379}\u{0001}\u{FFFD}";
    let Err(GarbageError::Unreadable(counts)) = check_text(text) else {
        panic!("accepted");
    };
    assert_eq!(
        (
            counts.private_use,
            counts.unassigned,
            counts.control,
            counts.replacement,
            counts.visible
        ),
        (4, 2, 1, 1, 10)
    );
    let message = GarbageError::Unreadable(counts).to_string();
    assert!(
        message.starts_with(
            "this text is mostly unreadable: 8 of its 10 visible characters are unreadable \
             (1 replacement characters U+FFFD, 1 control characters, 4 private-use code \
             points, 2 unassigned code points)"
        ),
        "{message}"
    );
    // Whitespace controls are text; an empty text is not garbage.
    assert!(check_text("a\tb\r\nc\u{000B}d\u{000C}").is_ok());
    assert!(check_text("").is_ok());
    // Too few to count, however large their share.
    assert!(check_text("\u{F0B7} Java \u{F0B7} SQL").is_ok());
    assert!(check_text("\u{FFFD}\u{FFFD}").is_err());
}

/// Visible text as people write it: letters of several scripts, digits,
/// punctuation, symbols and whitespace, never control, private-use,
/// unassigned or replacement characters.
fn readable() -> impl Strategy<Value = String> {
    "[\\PC\\s]{0,300}".prop_map(|text| text.replace('\u{FFFD}', "?"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn readable_text_passes(text in readable()) {
        prop_assert!(check_text(&text).is_ok());
        prop_assert_eq!(decode_text(text.as_bytes()).unwrap(), text);
    }

    #[test]
    fn a_few_odd_characters_pass(text in "[a-zA-Z0-9 ,.]{40,300}", odd in prop::collection::vec(
        prop::sample::select(vec!['\u{FFFD}', '\u{F0B7}', '\u{0007}', '\u{0378}']), 0..4)) {
        let visible = text.chars().filter(|c| !c.is_whitespace()).count();
        let mut mixed = text.clone();
        for (i, c) in odd.iter().enumerate() {
            let at = mixed.char_indices().nth(i * 7).map_or(mixed.len(), |(at, _)| at);
            mixed.insert(at, *c);
        }
        prop_assume!((odd.len() as f64) <= MAX_UNREADABLE_SHARE * visible as f64);
        prop_assert!(check_text(&mixed).is_ok());
    }

    #[test]
    fn random_bytes_are_refused(seed in any::<u64>(), len in 64usize..4096) {
        let bytes = random_bytes(seed, len);
        prop_assert!(decode_text(&bytes).is_err());
        prop_assert!(check_text(&String::from_utf8_lossy(&bytes)).is_err());
    }

    #[test]
    fn mostly_unreadable_text_is_refused(text in "[a-z ]{0,100}", bad in prop::collection::vec(
        prop::sample::select(vec!['\u{FFFD}', '\u{E123}', '\u{0002}', '\u{10FFFD}', '\u{FFFF}']), 4..200)) {
        let visible = text.chars().filter(|c| *c != ' ').count() + bad.len();
        prop_assume!(bad.len() as f64 > MAX_UNREADABLE_SHARE * visible as f64);
        let mut mixed = text;
        for (i, c) in bad.iter().enumerate() {
            let at = mixed.char_indices().nth(i * 3).map_or(mixed.len(), |(at, _)| at);
            mixed.insert(at, *c);
        }
        prop_assert!(check_text(&mixed).is_err());
    }

    /// Latin-script text with at least one accented letter in 40, saved in
    /// Windows-1252, is refused as a single-byte legacy encoding.
    #[test]
    fn cp1252_text_is_refused(words in prop::collection::vec("[a-z]{1,8}[éèàçêôûîïüöäßñáíóú][a-z]{0,8}", 4..60),
                             plain in prop::collection::vec("[a-z]{1,10}", 0..100)) {
        let accented = words.len();
        let mut all: Vec<String> = words;
        all.extend(plain);
        all.sort_by_key(|word| word.len() * 7 % 5);
        let text = all.join(" ");
        prop_assume!(accented * 40 >= text.len());
        let error = decode_text(&cp1252(&text)).unwrap_err();
        let is_single_byte = matches!(
            error,
            GarbageError::LegacyEncoding { encoding: LegacyEncoding::SingleByte, .. }
        );
        prop_assert!(is_single_byte, "{:?}", error);
    }

    /// Any text of at least 8 common Chinese characters in GBK (GB2312 rows
    /// 16-55: lead byte 0xB0-0xD7, trail byte 0xA1-0xFE), with some ASCII
    /// mixed in, is refused as a legacy encoding. (About one such
    /// pair in six is valid UTF-8 by chance, so a text of two characters can
    /// pass whole; eight all valid happen once in a million.)
    #[test]
    fn gbk_text_is_refused(chars in prop::collection::vec((0xB0u8..=0xD7, 0xA1u8..=0xFE), 8..200),
                           ascii in prop::collection::vec("[A-Za-z0-9 ,.]{0,6}", 0..200)) {
        let mut bytes = Vec::new();
        for (i, (lead, trail)) in chars.iter().enumerate() {
            bytes.extend_from_slice(&[*lead, *trail]);
            if let Some(word) = ascii.get(i).filter(|_| i % 3 == 0) {
                bytes.extend_from_slice(word.as_bytes());
            }
        }
        // Refused as a legacy encoding; which kind is a guess from the invalid
        // sequences, and when most pairs happen to be valid UTF-8 (lead 0xC2-0xD7,
        // trail 0xA1-0xBF) the few left look like single bytes.
        let error = decode_text(&bytes).unwrap_err();
        let is_legacy = matches!(error, GarbageError::LegacyEncoding { .. });
        prop_assert!(is_legacy, "{:?}", error);
    }
}
