//! Integration tests for the clean module.

use jobfit_text::{Cleaner, clean};
use proptest::prelude::*;

use crate::support;

/// Zero-width and other invisible characters that cleaning must remove.
const INVISIBLE: [char; 7] = [
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{200E}',
];

/// Encodes `text` as UTF-8 and decodes the bytes as cp1252, as a
/// misconfigured reader does; the five bytes cp1252 leaves undefined become
/// the C1 controls of the same value, as Latin-1 decoding gives them. The
/// table is the Windows-1252 code page as published by Microsoft.
fn garble(text: &str) -> String {
    const HIGH: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    text.bytes()
        .map(|b| match b {
            0x80..=0x9F => char::from_u32(HIGH[usize::from(b - 0x80)]).unwrap(),
            _ => char::from(b),
        })
        .collect()
}

#[test]
fn garble_reproduces_the_resume_artifacts() {
    // The artifacts listed in the resume data's SOURCE.md come out of garble.
    assert_eq!(garble("\u{00A0}"), "Â\u{00A0}");
    assert_eq!(garble("’"), "â€™");
    assert_eq!(garble("–"), "â€“");
    assert_eq!(garble("："), "ï¼š");
}

#[test]
fn repairs_typical_resume_mojibake() {
    assert_eq!(
        clean("Company Name ï¼\u{200B} City , State"),
        "Company Name - City , State"
    );
    assert_eq!(
        clean("â€¢ Streamlined the process"),
        "• Streamlined the process"
    );
    assert_eq!(clean("2010 â€“ 2012"), "2010 – 2012");
    assert_eq!(
        clean("a â€œFire Projectâ€\u{200B} for"),
        "a “Fire Project” for"
    );
    assert_eq!(
        clean("Â Â Â Â Microsoft Â\u{200B} Office"),
        "Microsoft Office"
    );
    assert_eq!(clean("customer servicesâ€¨Make"), "customer services\nMake");
    assert_eq!(clean("Skillsï¼š Excel"), "Skills: Excel");
    assert_eq!(
        clean("CafÃ© dÃ©cor, naïve Müller"),
        "Café décor, naïve Müller"
    );
}

#[test]
fn chinese_full_width_forms_become_ascii() {
    assert_eq!(
        clean("熟悉ＪＡＶＡ、Ｐｙｔｈｏｎ，经验３年以上（含）！"),
        "熟悉JAVA、Python,经验3年以上(含)!"
    );
    assert_eq!(
        clean("岗位职责：１、负责\u{3000}数据开发"),
        "岗位职责:1、负责 数据开发"
    );
}

#[test]
fn html_posting_becomes_plain_text() {
    let html = "<html><head><style>body{color:red}</style></head><body>\n\
                <h2>About the job</h2>\n<p>We build <b>search</b> &amp; ranking.</p>\n\
                <ul>\n  <li>Rust &gt; 3 years</li>\n  <li>SQL</li>\n</ul>\n\
                <p>Salary < 5000 &euro;<br>Remote</p>\n<!-- tracking --></body></html>";
    assert_eq!(
        clean(html),
        "About the job\n\nWe build search & ranking.\n\n- Rust > 3 years\n- SQL\n\nSalary < 5000 €\nRemote"
    );
}

#[test]
fn plain_text_with_angle_brackets_is_kept() {
    assert_eq!(
        clean("salary < 5000 and C<> or <Company Name>"),
        "salary < 5000 and C<> or <Company Name>"
    );
}

#[test]
fn steps_can_be_turned_off() {
    let keep_html = Cleaner::builder().with_html(false).build().unwrap();
    assert_eq!(keep_html.clean("<b>x</b>  y"), "<b>x</b> y");
    let keep_width = Cleaner::builder().with_nfkc(false).build().unwrap();
    assert_eq!(keep_width.clean("ＪＡＶＡ"), "ＪＡＶＡ");
    let keep_mojibake = Cleaner::builder().with_mojibake(false).build().unwrap();
    assert_eq!(keep_mojibake.clean("donâ€™t"), "donâ€TMt");
    let lower = Cleaner::builder().with_lowercase(true).build().unwrap();
    assert_eq!(lower.clean("ＪＡＶＡ Engineer"), "java engineer");
}

#[test]
fn clean_batch_keeps_order() {
    let cleaner = Cleaner::default();
    let texts = ["<b>a</b>", " b ", "câ€™"];
    assert_eq!(cleaner.clean_batch(&texts), ["a", "b", "c’"]);
    let owned: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(cleaner.clean_batch(&owned), cleaner.clean_batch(&texts));
    assert!(cleaner.clean_batch::<&str>(&[]).is_empty());
}

#[test]
fn empty_and_blank_texts() {
    assert_eq!(clean(""), "");
    assert_eq!(clean(" \n\t\u{200B}\u{FEFF} \r\n"), "");
    assert_eq!(clean("<br><br>"), "");
}

#[test]
fn cleans_shared_resumes() {
    let Some(path) = support::shared("data/resumes-livecareer/train.csv") else {
        return;
    };
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let text_column = headers.iter().position(|h| h == "text").unwrap();
    let resumes: Vec<String> = reader
        .records()
        .take(200)
        .map(|record| record.unwrap().get(text_column).unwrap().to_owned())
        .collect();
    assert_eq!(resumes.len(), 200);
    let had_lossy_dash = resumes
        .iter()
        .filter(|r| r.contains("Company Name ï¼\u{200B} City"))
        .count();
    assert!(
        had_lossy_dash > 0,
        "the sample should hold the lossy full-width dash"
    );

    let cleaner = Cleaner::default();
    let cleaned = cleaner.clean_batch(&resumes);
    for (raw, text) in resumes.iter().zip(&cleaned) {
        for artifact in ["Â", "ï¼", "â€"] {
            assert!(!text.contains(artifact), "{artifact:?} left in {text:?}");
        }
        assert!(
            !text.contains(INVISIBLE),
            "invisible character left in {text:?}"
        );
        assert!(!text.contains("\n\n\n"));
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
        assert_eq!(&cleaner.clean(text), text, "not idempotent");
        if raw.contains("Company Name ï¼\u{200B} City") {
            assert!(text.contains("Company Name - City"), "{text:?}");
        }
        // Cleaning removes noise, it does not lose text.
        let words = |s: &str| {
            s.split_whitespace()
                .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric()))
                .count()
        };
        assert!(words(text) >= words(raw), "words were lost");
    }
}

/// Pieces that exercise every step and the ways the steps feed each other.
const FRAGMENTS: &[&str] = &[
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<li>",
    "</li>",
    "<b>",
    "</b>",
    "<div class=\"x\">",
    "</div>",
    "<script>",
    "</script>",
    "<style>",
    "<!--",
    "-->",
    "<!DOCTYPE html>",
    "<td>",
    "<h1>",
    "<a href='>'>",
    "&amp;",
    "&lt;",
    "&gt;",
    "&nbsp;",
    "&#233;",
    "&#x4E2D;",
    "&#0;",
    "&shy;",
    "&",
    "<",
    ">",
    ";",
    "#",
    "lt",
    "amp",
    "Â",
    "Ã",
    "©",
    "â",
    "€",
    "™",
    "ï",
    "¼",
    "š",
    "Ð",
    "°",
    "\u{81}",
    "\u{9D}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{AD}",
    "\u{202E}",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n\n",
    "\r\n",
    "\r",
    "\u{A0}",
    "\u{3000}",
    "\u{2028}",
    "\u{85}",
    "\u{0}",
    "\u{7}",
    "\u{C}",
    "ＪＡＶＡ",
    "，",
    "＆",
    "ａｍｐ",
    "；",
    "＜",
    "ｂ",
    "＞",
    "e",
    "\u{301}",
    "word",
    "Café",
    "中文",
    "İ",
    "ẞ",
    "Σ",
    "ﬁ",
    "①",
    "ÉCOLE",
    "’",
    "»",
    "- ",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|parts| parts.concat())
}

fn any_cleaner() -> impl Strategy<Value = Cleaner> {
    (
        any::<[bool; 6]>(),
        prop::sample::select(vec!["- ", "", "• "]),
    )
        .prop_map(|(on, marker)| {
            Cleaner::builder()
                .with_html(on[0])
                .with_mojibake(on[1])
                .with_nfkc(on[2])
                .with_strip_invisible(on[3])
                .with_collapse_whitespace(on[4])
                .with_lowercase(on[5])
                .with_list_marker(marker)
                .build()
                .unwrap()
        })
}

/// Words in one script each (two or more characters, so that a garbled
/// word is a run of touching sequences), separated by spaces.
fn multilingual_words() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        "[a-zA-Zéèêëàâäîïôöûüùçñß]{2,8}",
        "[а-яА-ЯёЁ]{2,8}",
        "[α-ωΑ-Ω]{2,8}",
        "[\u{4E00}-\u{9FA5}]{2,6}",
        "[\u{3041}-\u{3093}\u{30A1}-\u{30F3}]{2,6}",
        "[’“”–—•…€™]{1,3}",
    ];
    prop::collection::vec(word, 0..12).prop_map(|words| words.join(" "))
}

fn assert_clean_output(text: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "control character in {text:?}"
    );
    prop_assert!(!text.contains("\n\n\n"), "three line breaks in {text:?}");
    prop_assert!(!text.contains(INVISIBLE), "invisible character in {text:?}");
    prop_assert_eq!(text.trim(), text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn idempotent_on_any_string(text in any::<String>()) {
        let once = clean(&text);
        prop_assert_eq!(clean(&once), once.clone());
        assert_clean_output(&once)?;
    }

    #[test]
    fn idempotent_on_markup_and_mojibake(text in fragments()) {
        let once = clean(&text);
        prop_assert_eq!(clean(&once), once.clone());
        assert_clean_output(&once)?;
    }

    #[test]
    fn idempotent_with_any_configuration(cleaner in any_cleaner(), text in fragments()) {
        let once = cleaner.clean(&text);
        prop_assert_eq!(cleaner.clean(&once), once);
    }

    #[test]
    fn never_panics_on_bytes_read_lossily(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let once = clean(&text);
        prop_assert_eq!(clean(&once), once.clone());
        assert_clean_output(&once)?;
    }

    #[test]
    fn garbled_text_is_restored(text in multilingual_words()) {
        let mojibake_only = Cleaner::builder()
            .with_html(false)
            .with_nfkc(false)
            .with_strip_invisible(false)
            .with_collapse_whitespace(false)
            .build()
            .unwrap();
        prop_assert_eq!(mojibake_only.clean(&text), text.clone());
        prop_assert_eq!(mojibake_only.clean(&garble(&text)), text.clone());
        prop_assert_eq!(mojibake_only.clean(&garble(&garble(&text))), text);
    }
}
