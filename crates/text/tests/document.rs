//! Resume files: each format read by content, each limit enforced with a
//! typed error.

use jobfit_text::{DocumentError, DocumentKind, DocumentLimits, GarbageError, read_document};

use crate::documents::{docx, docx_bomb, encrypted_pdf, pdf, pdf_with_page_count, zip};

fn read(bytes: &[u8]) -> Result<jobfit_text::Document, DocumentError> {
    read_document(bytes, &DocumentLimits::default())
}

#[test]
fn plain_text_in_utf8_and_utf16() {
    let document = read("Registered nurse, 6 years ICU.".as_bytes()).unwrap();
    assert_eq!(document.kind, DocumentKind::Text);
    assert_eq!(document.text, "Registered nurse, 6 years ICU.");
    let bom = read(b"\xEF\xBB\xBFcaf\xC3\xA9").unwrap();
    assert_eq!(bom.text, "café");
    // "Hé" in UTF-16 little- and big-endian with their byte order marks.
    assert_eq!(read(b"\xFF\xFEH\x00\xE9\x00").unwrap().text, "Hé");
    assert_eq!(read(b"\xFE\xFF\x00H\x00\xE9").unwrap().text, "Hé");
}

#[test]
fn html_is_told_by_its_tags_and_reduced_to_text() {
    let document =
        read(b"<!DOCTYPE html><html><body><h1>Jane</h1><p>Nurse &amp; midwife</p></body></html>")
            .unwrap();
    assert_eq!(document.kind, DocumentKind::Html);
    assert!(document.text.contains("Jane"), "{:?}", document.text);
    assert!(
        document.text.contains("Nurse & midwife"),
        "{:?}",
        document.text
    );
    assert!(!document.text.contains('<'));
    // A text that mentions a tag is still text.
    assert_eq!(
        read(b"I write <div> layouts").unwrap().kind,
        DocumentKind::Text
    );
}

#[test]
fn pdf_text_comes_out_page_by_page() {
    let document = read(&pdf(&["Registered Nurse", "Intensive care unit"])).unwrap();
    assert_eq!(document.kind, DocumentKind::Pdf);
    assert_eq!(document.pages, Some(2));
    let first = document.text.find("Registered Nurse").expect("page 1 text");
    let second = document
        .text
        .find("Intensive care unit")
        .expect("page 2 text");
    assert!(first < second);
}

#[test]
fn docx_paragraphs_become_lines() {
    let document = read(&docx(&["Jane Doe", "Nurse & midwife <ICU>"])).unwrap();
    assert_eq!(document.kind, DocumentKind::Docx);
    assert_eq!(document.text, "Jane Doe\nNurse & midwife <ICU>\n");
}

#[test]
fn a_pdf_that_is_not_a_pdf_is_malformed() {
    let error = read(b"%PDF-1.7\nthis is not really a PDF\n").unwrap_err();
    assert!(
        matches!(
            error,
            DocumentError::Malformed {
                kind: DocumentKind::Pdf,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn encrypted_pdfs_are_refused() {
    let error = read(&encrypted_pdf("Secret resume")).unwrap_err();
    assert!(matches!(error, DocumentError::Encrypted), "{error:?}");
    assert!(error.to_string().contains("without a password"));
}

#[test]
fn a_pdf_with_ten_thousand_pages_is_refused_before_extraction() {
    let bytes = pdf_with_page_count(10_000);
    assert!(bytes.len() < DocumentLimits::default().max_bytes);
    let error = read(&bytes).unwrap_err();
    assert!(
        matches!(
            error,
            DocumentError::TooManyPages {
                pages: 10_000,
                limit: 50
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_docx_zip_bomb_is_refused() {
    let bytes = docx_bomb(60 << 20);
    assert!(bytes.len() < 1 << 20, "the bomb is small: {}", bytes.len());
    let error = read(&bytes).unwrap_err();
    assert!(
        matches!(error, DocumentError::ArchiveTooLarge { .. }),
        "{error:?}"
    );
    // The actual inflated size is bounded too, whatever the archive declares.
    let limits = DocumentLimits {
        max_uncompressed: 1 << 20,
        ..DocumentLimits::default()
    };
    let error = read_document(&docx_bomb(2 << 20), &limits).unwrap_err();
    assert!(
        matches!(error, DocumentError::ArchiveTooLarge { .. }),
        "{error:?}"
    );
}

#[test]
fn other_formats_are_named() {
    let error = read(&zip(&[("notes.txt", b"hello")])).unwrap_err();
    assert!(error.to_string().contains("not a Word document"), "{error}");
    let error = read(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err();
    assert!(error.to_string().contains("PNG image"), "{error}");
    let error = read(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest").unwrap_err();
    assert!(error.to_string().contains("legacy Word"), "{error}");
    let error = read(b"text\0with\0nul").unwrap_err();
    assert!(
        matches!(error, DocumentError::Unsupported { .. }),
        "{error:?}"
    );
}

#[test]
fn bad_text_and_empty_documents() {
    // One Windows-1252 byte in twelve is a legacy encoding, not UTF-8.
    let error = read(b"caf\xE9 au lait").unwrap_err();
    assert!(
        matches!(
            error,
            DocumentError::Garbage {
                kind: DocumentKind::Text,
                source: GarbageError::LegacyEncoding { invalid: 1, .. }
            }
        ),
        "{error:?}"
    );
    assert!(matches!(
        read(b"").unwrap_err(),
        DocumentError::Empty { .. }
    ));
    assert!(matches!(
        read(b"  \n\t ").unwrap_err(),
        DocumentError::Empty { .. }
    ));
    let error = read(&pdf(&[""])).unwrap_err();
    assert!(
        matches!(
            error,
            DocumentError::Empty {
                kind: DocumentKind::Pdf
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("OCR"));
}

#[test]
fn size_and_character_limits() {
    let limits = DocumentLimits {
        max_bytes: 10,
        max_chars: 5,
        ..DocumentLimits::default()
    };
    let error = read_document(b"0123456789A", &limits).unwrap_err();
    assert!(
        matches!(error, DocumentError::TooLarge { limit: 10 }),
        "{error:?}"
    );
    let error = read_document(
        "ééééééé".as_bytes(),
        &DocumentLimits {
            max_bytes: 100,
            ..limits
        },
    )
    .unwrap_err();
    assert!(
        matches!(error, DocumentError::TooManyChars { limit: 5 }),
        "{error:?}"
    );
    // Five two-byte characters are within five characters.
    assert!(
        read_document(
            "ééééé".as_bytes(),
            &DocumentLimits {
                max_bytes: 100,
                ..limits
            }
        )
        .is_ok()
    );
}

#[test]
fn files_are_read_with_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cv.bin");
    std::fs::write(&path, docx(&["Welder"])).unwrap();
    let document = jobfit_text::read_document_file(&path, &DocumentLimits::default()).unwrap();
    assert_eq!(document.kind, DocumentKind::Docx);
    let error =
        jobfit_text::read_document_file(dir.path().join("missing"), &DocumentLimits::default())
            .unwrap_err();
    assert!(matches!(error, DocumentError::Io { .. }));
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
fn random_bytes_as_a_text_file_are_refused() {
    for seed in 1..20 {
        let mut bytes = random_bytes(seed, 2000);
        // Not a signature that the sniffer knows (a PDF, ZIP or image).
        bytes[..4].copy_from_slice(b"abcd");
        let error = read(&bytes).unwrap_err();
        assert!(
            matches!(
                error,
                DocumentError::Garbage {
                    kind: DocumentKind::Text,
                    source: GarbageError::Binary { format: None, .. }
                }
            ),
            "seed {seed}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with(
                "the plain text document has no readable text: this looks like binary data"
            ),
            "{message}"
        );
    }
}

#[test]
fn a_gbk_text_is_refused() {
    let resume =
        "张伟，大数据开发工程师，五年经验，熟悉Hadoop和Spark，负责数据仓库建设与实时计算平台。";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(resume);
    assert!(!unmappable);
    let error = read(&gbk).unwrap_err();
    assert!(
        matches!(
            error,
            DocumentError::Garbage {
                kind: DocumentKind::Text,
                source: GarbageError::LegacyEncoding { .. }
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("GBK"), "{message}");
    assert!(message.contains("UTF-8"), "{message}");
    // The same text in UTF-8 is read.
    assert_eq!(read(resume.as_bytes()).unwrap().text, resume);
}

#[test]
fn a_utf16le_text_with_a_byte_order_mark_is_read() {
    let resume = "Jane Doe\nRegistered nurse, 6 years ICU — Zürich, 東京\n";
    let mut bytes = b"\xFF\xFE".to_vec();
    for unit in resume.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let document = read(&bytes).unwrap();
    assert_eq!(document.kind, DocumentKind::Text);
    assert_eq!(document.text, resume);
    // An HTML page in UTF-16 is HTML.
    let mut html = b"\xFF\xFE".to_vec();
    for unit in "<html><body><p>Nurse</p></body></html>".encode_utf16() {
        html.extend_from_slice(&unit.to_le_bytes());
    }
    let document = read(&html).unwrap();
    assert_eq!(document.kind, DocumentKind::Html);
    assert_eq!(document.text.trim(), "Nurse");
}

#[test]
fn unreadable_extracted_text_is_refused_whatever_the_format() {
    // Symbol-font bullets and private-use letters, as a PDF font without a
    // Unicode map gives them.
    let private = "\u{F0B7}\u{F041}\u{F042}\u{F043}\u{F044}\u{F045} \u{F046}\u{F047}";
    let error = read(&docx(&[private])).unwrap_err();
    assert!(
        matches!(
            error,
            DocumentError::Garbage {
                kind: DocumentKind::Docx,
                source: GarbageError::Unreadable(_)
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("standard fonts"), "{error}");
    // An HTML page of private-use characters.
    let html = format!("<html><body><p>{private}</p></body></html>");
    let error = read(html.as_bytes()).unwrap_err();
    assert!(matches!(error, DocumentError::Garbage { .. }), "{error:?}");
    // A few bullets among words pass.
    let document = read(&docx(&[
        "\u{F0B7} Welding \u{F0B7} Pipefitting \u{F0B7} Rigging",
    ]))
    .unwrap();
    assert!(document.text.contains("Pipefitting"));
}
