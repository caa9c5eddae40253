//! Which language a text is in (by script), which languages a model's card
//! lists, and character-bigram similarity for texts a model cannot read.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A language, as far as its script tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Language {
    /// The ISO 639-1 code used in model cards (`en`, `zh`).
    pub code: &'static str,
    /// Its English name.
    pub name: &'static str,
}

impl Language {
    /// English (and, by script alone, any Latin-script language).
    pub const ENGLISH: Language = Language {
        code: "en",
        name: "English",
    };
    /// Chinese.
    pub const CHINESE: Language = Language {
        code: "zh",
        name: "Chinese",
    };
}

/// The language of a text by the script of most of its letters: Han is
/// Chinese (Japanese when kana appear), Hangul Korean, Cyrillic Russian,
/// Arabic Arabic, Latin English; `None` without letters.
///
/// ```
/// use jobfit_guide::{Language, detect_language};
///
/// assert_eq!(detect_language("数据工程师"), Some(Language::CHINESE));
/// assert_eq!(detect_language("Data Engineer (大数据)"), Some(Language::ENGLISH));
/// assert_eq!(detect_language("123 - !"), None);
/// ```
pub fn detect_language(text: &str) -> Option<Language> {
    let (mut han, mut kana, mut hangul, mut cyrillic, mut arabic, mut latin) = (0, 0, 0, 0, 0, 0);
    for c in text.chars() {
        match c {
            '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' => han += 1,
            '\u{3040}'..='\u{30ff}' => kana += 1,
            '\u{ac00}'..='\u{d7af}' | '\u{1100}'..='\u{11ff}' => hangul += 1,
            '\u{0400}'..='\u{04ff}' => cyrillic += 1,
            '\u{0600}'..='\u{06ff}' => arabic += 1,
            c if c.is_alphabetic() && (c.is_ascii() || ('\u{00c0}'..='\u{024f}').contains(&c)) => {
                latin += 1;
            }
            _ => {}
        }
    }
    // A Han or kana character carries about as much as a short Latin word.
    let scores = [
        (han * 3 + kana * 3, if kana > 0 { "ja" } else { "zh" }),
        (hangul * 3, "ko"),
        (cyrillic, "ru"),
        (arabic, "ar"),
        (latin, "en"),
    ];
    let (best, code) = scores.iter().copied().max_by_key(|(score, _)| *score)?;
    if best == 0 {
        return None;
    }
    Some(match code {
        "zh" => Language::CHINESE,
        "ja" => Language {
            code: "ja",
            name: "Japanese",
        },
        "ko" => Language {
            code: "ko",
            name: "Korean",
        },
        "ru" => Language {
            code: "ru",
            name: "Russian",
        },
        "ar" => Language {
            code: "ar",
            name: "Arabic",
        },
        _ => Language::ENGLISH,
    })
}

/// The languages a model's card (`README.md` in its directory, Hugging Face
/// front matter) lists under `language:`; `None` when the card or the key is
/// missing. A card listing `multilingual` gives `["multilingual"]`.
pub fn model_languages(dir: impl AsRef<Path>) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(dir.as_ref().join("README.md")).ok()?;
    card_languages(&text)
}

/// The `language:` list of a card's front matter.
pub(crate) fn card_languages(card: &str) -> Option<Vec<String>> {
    let mut lines = card.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    let mut out = Vec::new();
    let mut in_list = false;
    for line in lines {
        if line.trim() == "---" {
            break;
        }
        if let Some(value) = line.strip_prefix("language:") {
            let value = value.trim();
            if value.is_empty() {
                in_list = true;
            } else {
                out.extend(
                    value
                        .trim_matches(['[', ']'])
                        .split(',')
                        .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
                        .filter(|v| !v.is_empty()),
                );
                in_list = false;
            }
            continue;
        }
        if in_list {
            match line.trim_start().strip_prefix("- ") {
                Some(item) if line.starts_with([' ', '-']) => {
                    out.push(item.trim().trim_matches(['"', '\'']).to_string());
                }
                _ => in_list = false,
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether a model with these card languages reads `language` (unknown
/// cards are trusted).
pub fn model_knows(languages: Option<&[String]>, language: Language) -> bool {
    match languages {
        None => true,
        Some(list) => list.iter().any(|l| {
            l.eq_ignore_ascii_case(language.code) || l.eq_ignore_ascii_case("multilingual")
        }),
    }
}

/// The Dice coefficient of two texts' character bigrams (lower-cased,
/// without white space): 1 for equal texts, 0 for texts sharing no bigram.
/// Works for any script, which is why it stands in for embeddings when the
/// model does not know a language.
///
/// ```
/// use jobfit_guide::bigram_similarity;
///
/// // 数据 据工 工程 程师 vs 大数 数据 据工 工程 程师: 2 * 4 / (4 + 5).
/// assert!((bigram_similarity("数据工程师", "大数据工程师") - 8.0 / 9.0).abs() < 1e-9);
/// assert_eq!(bigram_similarity("abc", "xyz"), 0.0);
/// ```
pub fn bigram_similarity(a: &str, b: &str) -> f64 {
    let bigrams = |text: &str| -> HashSet<(char, char)> {
        let chars: Vec<char> = text
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() && y.is_empty() {
        return if a.trim().eq_ignore_ascii_case(b.trim()) {
            1.0
        } else {
            0.0
        };
    }
    2.0 * x.intersection(&y).count() as f64 / (x.len() + y.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_list_languages_in_either_form() {
        let card = "---\nlanguage: en\nlicense: apache-2.0\n---\n# Model";
        assert_eq!(card_languages(card), Some(vec!["en".to_string()]));
        let card = "---\nlicense: mit\nlanguage:\n- multilingual\n- zh\n- en\ntags:\n- x\n---\n";
        assert_eq!(
            card_languages(card),
            Some(vec!["multilingual".into(), "zh".into(), "en".into()])
        );
        assert_eq!(
            card_languages("---\nlanguage: [en, \"de\"]\n---"),
            Some(vec!["en".into(), "de".into()])
        );
        assert_eq!(card_languages("# no front matter"), None);
        let english = Some(vec!["en".to_string()]);
        assert!(!model_knows(english.as_deref(), Language::CHINESE));
        assert!(model_knows(english.as_deref(), Language::ENGLISH));
        assert!(model_knows(None, Language::CHINESE));
    }

    #[test]
    fn scripts_decide() {
        assert_eq!(
            detect_language("データエンジニア").map(|l| l.code),
            Some("ja")
        );
        assert_eq!(
            detect_language("데이터 엔지니어").map(|l| l.code),
            Some("ko")
        );
        assert_eq!(
            detect_language("Инженер данных").map(|l| l.code),
            Some("ru")
        );
        assert_eq!(
            detect_language("大数据开发工程师 Java").map(|l| l.code),
            Some("zh")
        );
    }
}
