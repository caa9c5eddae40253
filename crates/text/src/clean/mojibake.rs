//! Mojibake repair: text that was UTF-8 encoded, then decoded as cp1252 or Latin-1.
//!
//! A UTF-8 multi-byte sequence read as cp1252 (or Latin-1) shows up as a lead
//! character (`Â`..`ô`, bytes `0xC2..=0xF4`) followed by one to three
//! continuation characters (bytes `0x80..=0xBF`: `€`, `’`, `©`, `¼`, ...). The
//! repair finds such sequences one by one, maps their characters back to bytes
//! and decodes those bytes as UTF-8, so text that mixes mojibake with correct
//! non-Latin characters is repaired too. Repairs repeat until nothing changes,
//! which also undoes mojibake applied twice (`Ã¢â„¢Â¦` -> `â™¦` -> `♦`).
//!
//! Legitimate Latin-1 text is left alone: `café`, `Müller` or `naïve` contain
//! no lead character followed by continuation characters. A sequence that
//! could be legitimate text (an accented capital ending a capitalised word
//! before a closing quote, as in `CAFÉ’S`, or a lower-case accented letter
//! before punctuation, as in `voilà »`) is repaired only when it touches
//! another sequence, as mojibake of a whole word does.
//!
//! Two lossy cases are also handled, both seen in scraped resumes:
//!
//! - cp1252 leaves five bytes undefined (`0x81`, `0x8D`, `0x8F`, `0x90`,
//!   `0x9D`); a decoder that meets one of them, or the invisible soft hyphen
//!   (`0xAD`), often writes a placeholder (U+200B or U+FFFD). A sequence with
//!   one placeholder is repaired when the candidates for the lost byte include
//!   the kind of character such text holds: a quotation mark is preferred,
//!   then a dash, then a bullet (`â€` + placeholder is `”`, `ï¼` + placeholder
//!   is the full-width hyphen `－`, `â—` + placeholder is `●`). When every
//!   candidate is invisible (`Â` + placeholder), the sequence is dropped; when
//!   exactly one is a lower-case letter (`Ã` + placeholder is `í`), it is
//!   that letter; otherwise the sequence is left alone.
//! - `Â` directly before whitespace or at the end of the text is a
//!   non-breaking space whose second byte became a plain space: it is dropped.

use std::borrow::Cow;

/// cp1252 characters for the bytes `0x80..=0x9F`; `None` where cp1252 leaves
/// the byte undefined.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('\u{20AC}'), // 0x80 €
    None,             // 0x81
    Some('\u{201A}'), // 0x82 ‚
    Some('\u{0192}'), // 0x83 ƒ
    Some('\u{201E}'), // 0x84 „
    Some('\u{2026}'), // 0x85 …
    Some('\u{2020}'), // 0x86 †
    Some('\u{2021}'), // 0x87 ‡
    Some('\u{02C6}'), // 0x88 ˆ
    Some('\u{2030}'), // 0x89 ‰
    Some('\u{0160}'), // 0x8A Š
    Some('\u{2039}'), // 0x8B ‹
    Some('\u{0152}'), // 0x8C Œ
    None,             // 0x8D
    Some('\u{017D}'), // 0x8E Ž
    None,             // 0x8F
    None,             // 0x90
    Some('\u{2018}'), // 0x91 ‘
    Some('\u{2019}'), // 0x92 ’
    Some('\u{201C}'), // 0x93 “
    Some('\u{201D}'), // 0x94 ”
    Some('\u{2022}'), // 0x95 •
    Some('\u{2013}'), // 0x96 –
    Some('\u{2014}'), // 0x97 —
    Some('\u{02DC}'), // 0x98 ˜
    Some('\u{2122}'), // 0x99 ™
    Some('\u{0161}'), // 0x9A š
    Some('\u{203A}'), // 0x9B ›
    Some('\u{0153}'), // 0x9C œ
    None,             // 0x9D
    Some('\u{017E}'), // 0x9E ž
    Some('\u{0178}'), // 0x9F Ÿ
];

/// The candidates for a byte replaced by a placeholder: the five bytes cp1252
/// leaves undefined, and `0xAD`, the soft hyphen, which is invisible and so
/// gets lost the same way.
const LOST_BYTE_CANDIDATES: [u8; 6] = [0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xAD];

/// Characters a decoder writes in place of a byte it could not decode.
fn is_placeholder(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FFFD}')
}

/// The byte that `c` came from when a byte string was decoded as cp1252, or
/// as Latin-1 (which maps `0x80..=0x9F` to the C1 controls).
fn sloppy_byte(c: char) -> Option<u8> {
    let code = u32::from(c);
    if code < 0x100 {
        // Latin-1 is the identity on 0x00..=0xFF; the cast cannot truncate.
        return Some(code as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&mapped| mapped == Some(c))
        // `position` is below 32, so the sum stays below 0xA0.
        .map(|index| 0x80 + index as u8)
}

/// The number of continuation bytes a UTF-8 lead byte announces.
fn continuation_count(lead: u8) -> Option<usize> {
    match lead {
        0xC2..=0xDF => Some(1),
        0xE0..=0xEF => Some(2),
        0xF0..=0xF4 => Some(3),
        _ => None,
    }
}

fn is_continuation(byte: u8) -> bool {
    (0x80..=0xBF).contains(&byte)
}

/// Characters that legitimately follow a letter in Latin-1 text and are also
/// continuation bytes. A sequence whose first continuation is one of these is
/// only repaired next to another sequence.
fn is_weak_follower(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}'
            | '\u{2019}'
            | '\u{2018}'
            | '\u{201D}'
            | '\u{201C}'
            | '\u{2026}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{00BB}'
            | '\u{203A}'
            | '\u{2022}'
    )
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '\u{2018}'..='\u{201F}' | '\u{2039}' | '\u{203A}' | '\u{00AB}' | '\u{00BB}'
    )
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}'
    )
}

fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '\u{2022}' | '\u{2023}' | '\u{2043}' | '\u{25AA}' | '\u{25AB}' | '\u{25CF}' | '\u{25E6}'
    )
}

/// What a found sequence turns into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A complete sequence; `weak` ones need a neighbouring sequence.
    Full { weak: bool },
    /// A sequence with one placeholder for a lost byte: never weak, since a
    /// placeholder inside a sequence does not occur in legitimate text.
    Lossy,
    /// `Â` before whitespace or at the end: a mangled non-breaking space.
    LostNbsp,
}

#[derive(Debug, Clone, Copy)]
struct Found {
    /// Index of the first character, in `chars`.
    start: usize,
    /// Index one past the last character, in `chars`.
    end: usize,
    /// The repaired character, or `None` to drop the sequence.
    replacement: Option<char>,
    kind: Kind,
}

/// Whether `text` may hold mojibake: only then is the slower scan run.
fn may_hold_mojibake(text: &str) -> bool {
    text.chars().any(|c| ('\u{00C2}'..='\u{00F4}').contains(&c))
}

/// Repairs mojibake in `text` (see the module documentation).
pub(super) fn repair(text: &str) -> Cow<'_, str> {
    if !may_hold_mojibake(text) {
        return Cow::Borrowed(text);
    }
    let mut chars: Vec<char> = text.chars().collect();
    let mut changed = false;
    // Every round that repairs something removes at least one character, so
    // the loop ends after at most `chars.len()` rounds.
    while let Some(next) = repair_once(&chars) {
        chars = next;
        changed = true;
    }
    if changed {
        Cow::Owned(chars.into_iter().collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// One left-to-right round; `None` when nothing was repaired.
fn repair_once(chars: &[char]) -> Option<Vec<char>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match find_at(chars, i) {
            Some(sequence) => {
                i = sequence.end;
                found.push(sequence);
            }
            None => i += 1,
        }
    }
    if found.is_empty() {
        return None;
    }

    let touches = |a: &Found, b: &Found| {
        a.end == b.start && !matches!(a.kind, Kind::LostNbsp) && !matches!(b.kind, Kind::LostNbsp)
    };
    let mut out = Vec::with_capacity(chars.len());
    let mut copied = 0;
    let mut repaired = false;
    for (index, sequence) in found.iter().enumerate() {
        let weak = match sequence.kind {
            Kind::Full { weak } => weak,
            Kind::Lossy | Kind::LostNbsp => false,
        };
        let accepted = !weak
            || index
                .checked_sub(1)
                .and_then(|previous| found.get(previous))
                .is_some_and(|previous| touches(previous, sequence))
            || found
                .get(index + 1)
                .is_some_and(|next| touches(sequence, next));
        if !accepted {
            continue;
        }
        out.extend(chars.get(copied..sequence.start).unwrap_or_default());
        out.extend(sequence.replacement);
        copied = sequence.end;
        repaired = true;
    }
    if !repaired {
        return None;
    }
    out.extend(chars.get(copied..).unwrap_or_default());
    Some(out)
}

/// The repairable sequence starting at `chars[i]`, if any.
fn find_at(chars: &[char], i: usize) -> Option<Found> {
    let &first = chars.get(i)?;
    let lead = sloppy_byte(first)?;
    let count = continuation_count(lead)?;

    if let Some(found) = find_sequence(chars, i, lead, count) {
        return Some(found);
    }
    let lone_nbsp = first == '\u{00C2}' && chars.get(i + 1).is_none_or(|c| c.is_whitespace());
    lone_nbsp.then_some(Found {
        start: i,
        end: i + 1,
        replacement: None,
        kind: Kind::LostNbsp,
    })
}

/// A complete or lossy sequence of `lead` and `count` continuations at `i`.
fn find_sequence(chars: &[char], i: usize, lead: u8, count: usize) -> Option<Found> {
    let mut bytes = [lead, 0, 0, 0];
    let mut placeholder = None;
    for offset in 1..=count {
        let c = *chars.get(i + offset)?;
        match sloppy_byte(c) {
            Some(byte) if is_continuation(byte) => {
                *bytes.get_mut(offset)? = byte;
            }
            _ if is_placeholder(c) && placeholder.is_none() => placeholder = Some(offset),
            _ => return None,
        }
    }
    let bytes = bytes.get(..=count)?;
    let first_follower = *chars.get(i + 1)?;
    let weak = match lead {
        // The commonest leads are never weak: `Â` and `Ã` (U+0080..=U+00FF
        // once repaired), `â` (punctuation, arrows, bullets) and `ï` (full-width
        // forms, the byte-order mark) followed by a symbol do not occur in
        // real text.
        0xC2 | 0xC3 | 0xE2 | 0xEF => false,
        // Other two-byte leads are accented capitals, which end a word only
        // in capitalised text (`CAFÉ’S`).
        0xC4..=0xDF => {
            let after_capital = i
                .checked_sub(1)
                .and_then(|previous| chars.get(previous))
                .is_some_and(|c| c.is_uppercase());
            after_capital && is_weak_follower(first_follower)
        }
        // Other three- and four-byte leads are lower-case letters (`à`, `é`,
        // `ô`, ...), which end many words (`voilà »`).
        _ => is_weak_follower(first_follower),
    };
    let end = i + count + 1;

    match placeholder {
        None => {
            let decoded = std::str::from_utf8(bytes).ok()?.chars().next()?;
            Some(Found {
                start: i,
                end,
                replacement: Some(decoded),
                kind: Kind::Full { weak },
            })
        }
        Some(offset) => {
            let replacement = repair_lossy(bytes, offset)?;
            Some(Found {
                start: i,
                end,
                replacement,
                kind: Kind::Lossy,
            })
        }
    }
}

/// Chooses a character for a sequence whose byte at `offset` was lost.
///
/// In order of preference: a quotation mark, a dash, a bullet; `Some(None)`,
/// to drop the sequence, when every candidate is invisible (a C1 control or
/// the soft hyphen); the only lower-case letter among the candidates (`Ã` +
/// placeholder is `í`, whose second byte is the soft hyphen). `None` leaves
/// the sequence alone.
fn repair_lossy(bytes: &[u8], offset: usize) -> Option<Option<char>> {
    let mut candidates = Vec::with_capacity(LOST_BYTE_CANDIDATES.len());
    for byte in LOST_BYTE_CANDIDATES {
        let mut attempt = [0_u8; 4];
        let attempt = attempt.get_mut(..bytes.len())?;
        attempt.copy_from_slice(bytes);
        *attempt.get_mut(offset)? = byte;
        if let Some(c) = std::str::from_utf8(attempt)
            .ok()
            .and_then(|s| s.chars().next())
        {
            candidates.push(c);
        }
    }
    if let Some(&quote) = candidates.iter().find(|&&c| is_quote(c)) {
        return Some(Some(quote));
    }
    if let Some(&dash) = candidates.iter().find(|&&c| is_dash(c)) {
        return Some(Some(dash));
    }
    if let Some(&bullet) = candidates.iter().find(|&&c| is_bullet(c)) {
        return Some(Some(bullet));
    }
    let invisible = |c: char| ('\u{80}'..='\u{9F}').contains(&c) || c == '\u{AD}';
    if !candidates.is_empty() && candidates.iter().all(|&c| invisible(c)) {
        return Some(None);
    }
    let mut lower_case = candidates.iter().filter(|c| c.is_lowercase());
    match (lower_case.next(), lower_case.next()) {
        (Some(&letter), None) => Some(Some(letter)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes `text` as UTF-8 and decodes the bytes as cp1252, the way a
    /// misconfigured reader does (undefined bytes become C1 controls). Written
    /// from the cp1252 table independently of `sloppy_byte`.
    fn garble(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)].unwrap_or(char::from(b)),
                _ => char::from(b),
            })
            .collect()
    }

    #[test]
    fn cp1252_table_matches_known_characters() {
        assert_eq!(sloppy_byte('€'), Some(0x80));
        assert_eq!(sloppy_byte('’'), Some(0x92));
        assert_eq!(sloppy_byte('Ÿ'), Some(0x9F));
        assert_eq!(sloppy_byte('\u{81}'), Some(0x81));
        assert_eq!(sloppy_byte('é'), Some(0xE9));
        assert_eq!(sloppy_byte('中'), None);
        let defined = CP1252_HIGH.iter().filter(|c| c.is_some()).count();
        assert_eq!(defined, 27);
    }

    #[test]
    fn repairs_common_punctuation() {
        assert_eq!(repair("donâ€™t"), "don’t");
        assert_eq!(repair("2010 â€“ 2012"), "2010 – 2012");
        assert_eq!(repair("â€¢ item"), "• item");
        assert_eq!(repair("â€œquotedâ€\u{9D}"), "“quoted”");
        assert_eq!(repair("CafÃ© dÃ©cor"), "Café décor");
        assert_eq!(repair("Â·"), "·");
        assert_eq!(repair("Â®"), "®");
    }

    #[test]
    fn repairs_full_width_colon() {
        // U+FF1A is EF BC 9A; 0x9A is `š` in cp1252.
        assert_eq!(repair("Name ï¼š Smith"), "Name ： Smith");
    }

    #[test]
    fn repairs_lossy_sequences_from_resumes() {
        assert_eq!(
            repair("Company Name ï¼\u{200B} City"),
            "Company Name － City"
        );
        assert_eq!(repair("â€œAâ€\u{200B} grade"), "“A” grade");
        assert_eq!(repair("Aug 2012 Â\u{200B} Oct 2013"), "Aug 2012  Oct 2013");
        // U+25CF is E2 97 8F; 0x8F is undefined in cp1252.
        assert_eq!(
            repair("SKILLS â—\u{200B} Over 20 years"),
            "SKILLS ● Over 20 years"
        );
        assert_eq!(repair("GPA: 3.7 â—¦ Major"), "GPA: 3.7 ◦ Major");
        assert_eq!(repair("ï»¿Summary"), "\u{FEFF}Summary");
        // After `Ã` only 0xAD gives a lower-case letter: í (C3 AD).
        assert_eq!(repair("dÃ\u{200B}as"), "días");
        // After `Å` several candidates are lower-case letters: no guess.
        assert_eq!(repair("Å\u{200B}x"), "Å\u{200B}x");
    }

    #[test]
    fn drops_mangled_non_breaking_space() {
        assert_eq!(repair("ManagementÂ  Training"), "Management  Training");
        assert_eq!(repair("employees.Â"), "employees.");
        assert_eq!(repair("Â\nnext"), "\nnext");
        assert_eq!(repair("Â\u{A0}x"), "\u{A0}x");
    }

    #[test]
    fn repairs_double_mojibake() {
        assert_eq!(
            repair("Management Ã¢â„¢Â¦ Turnaround"),
            "Management ♦ Turnaround"
        );
        assert_eq!(repair(&garble(&garble("naïve"))), "naïve");
    }

    #[test]
    fn repairs_garbled_scripts() {
        for original in [
            "Привет мир",
            "大数据开发工程师",
            "καλημέρα",
            "Zażółć gęślą jaźń",
            "日本語のテキスト",
        ] {
            assert_eq!(repair(&garble(original)), original, "{original}");
        }
    }

    #[test]
    fn leaves_legitimate_latin1_text() {
        for text in [
            "café",
            "Müller",
            "naïve",
            "São Paulo",
            "CAFÉ’S MENU",
            "“CAFÉ”",
            "voilà »",
            "Straße…",
            "Ångström",
            "30 °C",
            "½ day",
            "ÀÉÎÕÜ",
        ] {
            assert_eq!(repair(text), text, "{text}");
        }
    }

    #[test]
    fn repaired_text_is_stable() {
        for text in ["â€™", "Ã¢â„¢Â¦", "ï¼\u{200B}", "Â Â Â", "ÃƒÂ©"] {
            let once = repair(text).into_owned();
            assert_eq!(repair(&once), once, "{text}");
        }
    }
}
