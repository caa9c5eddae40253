//! Text cleaning: HTML to text, mojibake repair, Unicode NFKC, invisible characters and whitespace.
//!
//! A [`Cleaner`] runs up to six steps, in this order:
//!
//! 1. **HTML** (`with_html`): known tags are stripped (block tags become line
//!    breaks, `<li>` a list marker), `<script>`/`<style>` contents and comments
//!    removed, entities decoded. A `<` that does not open a known HTML tag is
//!    text, so `salary < 5000` is safe.
//! 2. **Mojibake** (`with_mojibake`): UTF-8 that was decoded as cp1252 or
//!    Latin-1 is repaired (`â€™` -> `’`, `Ã©` -> `é`, `Â ` -> ` `), leaving
//!    legitimate Latin-1 text such as `café` alone.
//! 3. **Invisible characters** (`with_strip_invisible`): zero-width
//!    characters, bidirectional marks, the byte-order mark, the soft hyphen
//!    and control characters are removed, except `\n`, `\t` and `\r`; vertical
//!    tab, form feed and U+0085 become `\n`.
//! 4. **NFKC** (`with_nfkc`): compatibility characters become their plain
//!    forms: full-width `ＪＡＶＡ，` -> `JAVA,`, `ﬁ` -> `fi`, `①` -> `1`.
//! 5. **Whitespace** (`with_collapse_whitespace`): line endings become `\n`,
//!    runs of other whitespace one space, lines are trimmed, blank lines
//!    collapse to one (a paragraph break), and the text is trimmed.
//! 6. **Lower case** (`with_lowercase`, off by default).
//!
//! # Idempotence
//!
//! Cleaning is idempotent: `clean(clean(x)) == clean(x)` for every string.
//! The steps feed each other (NFKC turns `＆ａｍｐ；` into an entity, stripping
//! a zero-width space can join the two halves of a mojibake sequence, decoding
//! `&lt;b&gt;` yields a tag), so [`Cleaner::clean`] repeats the steps until the
//! text stops changing. The result is a fixed point; for plain text the
//! repetition costs one cheap check. A consequence worth knowing: escaped
//! markup such as `&lt;b&gt;bold&lt;/b&gt;` ends up as `bold`, just as
//! `<b>bold</b>` does, while `&lt;Company Name&gt;` ends up as
//! `<Company Name>`.

mod html;
mod mojibake;

use std::sync::LazyLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// The most times [`Cleaner::clean`] repeats its steps to reach a fixed point.
///
/// Real text settles after one or two rounds; the bound only stops hostile
/// input built to need more.
const MAX_ROUNDS: usize = 16;

/// The longest list marker [`CleanerBuilder::with_list_marker`] accepts, in characters.
const MAX_LIST_MARKER_CHARS: usize = 8;

/// An error from building a [`Cleaner`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CleanError {
    /// The list marker holds a character that cleaning would change or that
    /// breaks the line.
    #[error(
        "invalid list marker {marker:?}: it must be at most {MAX_LIST_MARKER_CHARS} characters \
         without line breaks, control characters, `<` or `&`; use \"- \", \"* \" or \"\""
    )]
    InvalidListMarker {
        /// The marker given.
        marker: String,
    },
}

/// Cleans job postings and resumes: HTML to text, mojibake repair,
/// invisible characters, Unicode NFKC and whitespace, each step switched by
/// its `with_*` method.
///
/// Build one with [`Cleaner::builder`], or take [`Cleaner::default`] (every
/// step on, no lower-casing). A `Cleaner` is cheap to clone and can be shared
/// between threads.
///
/// # Example
///
/// ```
/// use jobfit_text::Cleaner;
///
/// let cleaner = Cleaner::default();
/// let posting = "<p>Skillsï¼š ＪＡＶＡ &amp; SQL</p><p>We donâ€™t  care\u{200B}.</p>";
/// assert_eq!(cleaner.clean(posting), "Skills: JAVA & SQL\n\nWe don’t care.");
///
/// let lower = Cleaner::builder().with_lowercase(true).build()?;
/// assert_eq!(lower.clean("Rust <b>Engineer</b>"), "rust engineer");
/// # Ok::<(), jobfit_text::CleanError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CleanerBuilder", into = "CleanerBuilder")]
pub struct Cleaner {
    html: bool,
    mojibake: bool,
    nfkc: bool,
    strip_invisible: bool,
    collapse_whitespace: bool,
    lowercase: bool,
    list_marker: String,
}

impl Default for Cleaner {
    fn default() -> Self {
        Self {
            html: true,
            mojibake: true,
            nfkc: true,
            strip_invisible: true,
            collapse_whitespace: true,
            lowercase: false,
            list_marker: String::from("- "),
        }
    }
}

/// Builds a [`Cleaner`]; every step starts on, lower-casing off.
///
/// It (de)serializes as an object with the optional fields `html`,
/// `mojibake`, `nfkc`, `strip_invisible`, `collapse_whitespace`, `lowercase`
/// (booleans) and `list_marker` (a string), and so does [`Cleaner`], which
/// checks them as [`build`](Self::build) does: a cleaner can live in a
/// configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CleanerBuilder {
    /// HTML to text. Default: `true`.
    html: bool,
    /// Mojibake repair. Default: `true`.
    mojibake: bool,
    /// Unicode NFKC. Default: `true`.
    nfkc: bool,
    /// Removal of invisible and control characters. Default: `true`.
    strip_invisible: bool,
    /// Whitespace collapsing. Default: `true`.
    collapse_whitespace: bool,
    /// Lower-casing. Default: `false`.
    lowercase: bool,
    /// Text starting each `<li>` line. Default: `"- "`.
    list_marker: String,
}

impl Default for CleanerBuilder {
    fn default() -> Self {
        Cleaner::default().into()
    }
}

impl From<Cleaner> for CleanerBuilder {
    fn from(cleaner: Cleaner) -> Self {
        let Cleaner {
            html,
            mojibake,
            nfkc,
            strip_invisible,
            collapse_whitespace,
            lowercase,
            list_marker,
        } = cleaner;
        Self {
            html,
            mojibake,
            nfkc,
            strip_invisible,
            collapse_whitespace,
            lowercase,
            list_marker,
        }
    }
}

impl TryFrom<CleanerBuilder> for Cleaner {
    type Error = CleanError;

    fn try_from(builder: CleanerBuilder) -> Result<Self, CleanError> {
        builder.build()
    }
}

impl CleanerBuilder {
    /// Turns HTML to text on or off (default on).
    #[must_use]
    pub fn with_html(mut self, on: bool) -> Self {
        self.html = on;
        self
    }

    /// Turns mojibake repair on or off (default on).
    #[must_use]
    pub fn with_mojibake(mut self, on: bool) -> Self {
        self.mojibake = on;
        self
    }

    /// Turns Unicode NFKC normalization on or off (default on).
    #[must_use]
    pub fn with_nfkc(mut self, on: bool) -> Self {
        self.nfkc = on;
        self
    }

    /// Turns removal of zero-width, format and control characters (except
    /// `\n`, `\t` and `\r`), the byte-order mark and the soft hyphen on or off
    /// (default on).
    #[must_use]
    pub fn with_strip_invisible(mut self, on: bool) -> Self {
        self.strip_invisible = on;
        self
    }

    /// Turns whitespace collapsing on or off (default on).
    #[must_use]
    pub fn with_collapse_whitespace(mut self, on: bool) -> Self {
        self.collapse_whitespace = on;
        self
    }

    /// Turns lower-casing on or off (default off).
    #[must_use]
    pub fn with_lowercase(mut self, on: bool) -> Self {
        self.lowercase = on;
        self
    }

    /// Sets the text that starts each line made from an HTML `<li>` (default
    /// `"- "`). It must be at most 8 characters, without line breaks, control
    /// characters, `<` or `&`; checked by [`build`](Self::build).
    #[must_use]
    pub fn with_list_marker(mut self, marker: impl Into<String>) -> Self {
        self.list_marker = marker.into();
        self
    }

    /// Checks the settings and builds the [`Cleaner`].
    ///
    /// # Errors
    ///
    /// [`CleanError::InvalidListMarker`] when the list marker is too long or
    /// holds a line break, a control character, `<` or `&`.
    pub fn build(self) -> Result<Cleaner, CleanError> {
        let marker_ok = self.list_marker.chars().count() <= MAX_LIST_MARKER_CHARS
            && !self
                .list_marker
                .chars()
                .any(|c| c.is_control() || is_line_break(c) || c == '<' || c == '&');
        if !marker_ok {
            return Err(CleanError::InvalidListMarker {
                marker: self.list_marker,
            });
        }
        let Self {
            html,
            mojibake,
            nfkc,
            strip_invisible,
            collapse_whitespace,
            lowercase,
            list_marker,
        } = self;
        Ok(Cleaner {
            html,
            mojibake,
            nfkc,
            strip_invisible,
            collapse_whitespace,
            lowercase,
            list_marker,
        })
    }
}

impl Cleaner {
    /// A builder with every step on and lower-casing off.
    pub fn builder() -> CleanerBuilder {
        CleanerBuilder::default()
    }

    /// Cleans `text`. Never panics; the result is a fixed point: cleaning it
    /// again returns it unchanged.
    pub fn clean(&self, text: &str) -> String {
        let mut current = self.round(text);
        for _ in 1..MAX_ROUNDS {
            if is_settled(&current) {
                break;
            }
            let next = self.round(&current);
            if next == current {
                break;
            }
            current = next;
        }
        current
    }

    /// Cleans many texts in parallel; the output is in input order.
    pub fn clean_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<String> {
        texts
            .par_iter()
            .map(|text| self.clean(text.as_ref()))
            .collect()
    }

    /// One round of the enabled steps.
    fn round(&self, text: &str) -> String {
        let mut current = String::from(text);
        if self.html {
            current = html::to_text(&current, &self.list_marker).into_owned();
        }
        if self.mojibake {
            current = mojibake::repair(&current).into_owned();
        }
        if self.strip_invisible {
            current = strip_invisible(&current);
        }
        if self.nfkc && is_nfkc_quick(current.chars()) != IsNormalized::Yes {
            current = current.nfkc().collect();
        }
        if self.collapse_whitespace {
            current = collapse_whitespace(&current);
        }
        if self.lowercase {
            current = current.to_lowercase();
        }
        current
    }
}

/// Whether one more round is known to change nothing: ASCII text without `&`
/// or `<` holds no markup, no entity and no mojibake, and the other steps
/// leave their own ASCII output alone.
fn is_settled(text: &str) -> bool {
    text.is_ascii() && !text.contains(['&', '<'])
}

/// Cleans `text` with the default [`Cleaner`].
///
/// ```
/// assert_eq!(jobfit_text::clean("  Caf&eacute;\u{00A0}&amp;  Bar  "), "Café & Bar");
/// ```
pub fn clean(text: &str) -> String {
    static DEFAULT: LazyLock<Cleaner> = LazyLock::new(Cleaner::default);
    DEFAULT.clean(text)
}

/// Line-break characters other than `\n`: `\r`, the Unicode line and
/// paragraph separators, and the controls that act as line breaks.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{000B}' | '\u{000C}' | '\u{0085}' | '\u{2028}' | '\u{2029}'
    )
}

/// Whether the strip step removes `c`: invisible format characters and
/// controls other than `\t`, `\n` and `\r` (the line-break controls are
/// turned into `\n` before this is asked).
fn is_invisible(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        _ if c.is_control() => true,
        '\u{00AD}'               // soft hyphen
        | '\u{034F}'             // combining grapheme joiner
        | '\u{061C}'             // Arabic letter mark
        | '\u{115F}' | '\u{1160}' // Hangul fillers
        | '\u{17B4}' | '\u{17B5}' // Khmer inherent vowels
        | '\u{180B}'..='\u{180F}' // Mongolian variation selectors and vowel separator
        | '\u{200B}'..='\u{200F}' // zero-width space, joiners, direction marks
        | '\u{202A}'..='\u{202E}' // bidirectional embeddings and overrides
        | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, isolates
        | '\u{3164}'             // Hangul filler
        | '\u{FEFF}'             // byte-order mark, zero-width no-break space
        | '\u{FFA0}'             // half-width Hangul filler
        | '\u{FFF0}'..='\u{FFF8}' // unassigned specials
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
        | '\u{1D173}'..='\u{1D17A}' // musical formatting
        | '\u{E0000}'..='\u{E0FFF}' => true, // tags and variation selectors supplement
        _ => false,
    }
}

/// Removes invisible characters; vertical tab, form feed and U+0085 become `\n`.
fn strip_invisible(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{000B}' | '\u{000C}' | '\u{0085}' => Some('\n'),
            _ if is_invisible(c) => None,
            _ => Some(c),
        })
        .collect()
}

/// Collapses whitespace: `\r\n`, `\r` and the other line breaks become `\n`,
/// runs of other whitespace one space, lines are trimmed, runs of blank lines
/// become one blank line, and the text is trimmed.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Blank lines seen since the last line with text.
    let mut pending_newlines = 0_usize;
    let mut line = String::new();
    let mut chars = text.chars().peekable();
    loop {
        let c = chars.next();
        let end_of_line = match c {
            None => true,
            Some('\r') => {
                chars.next_if_eq(&'\n');
                true
            }
            Some(c) => is_line_break(c),
        };
        if !end_of_line {
            if let Some(c) = c {
                if c.is_whitespace() {
                    if !line.is_empty() && !line.ends_with(' ') {
                        line.push(' ');
                    }
                } else {
                    line.push(c);
                }
            }
            continue;
        }
        let trimmed = line.trim_end_matches(' ');
        if trimmed.is_empty() {
            pending_newlines += 1;
        } else {
            if !out.is_empty() {
                out.push_str(if pending_newlines > 0 { "\n\n" } else { "\n" });
            }
            out.push_str(trimmed);
            pending_newlines = 0;
        }
        line.clear();
        if c.is_none() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(step: fn(CleanerBuilder) -> CleanerBuilder) -> Cleaner {
        let off = Cleaner::builder()
            .with_html(false)
            .with_mojibake(false)
            .with_nfkc(false)
            .with_strip_invisible(false)
            .with_collapse_whitespace(false);
        step(off).build().unwrap()
    }

    #[test]
    fn builder_defaults_to_every_step_but_lowercase() {
        let cleaner = Cleaner::builder().build().unwrap();
        assert_eq!(cleaner, Cleaner::default());
        assert!(cleaner.html && cleaner.mojibake && cleaner.nfkc);
        assert!(cleaner.strip_invisible && cleaner.collapse_whitespace);
        assert!(!cleaner.lowercase);
    }

    #[test]
    fn builder_rejects_bad_list_markers() {
        for marker in ["\n- ", "&bull;", "<li>", "a very long marker", "\u{7}"] {
            let error = Cleaner::builder()
                .with_list_marker(marker)
                .build()
                .unwrap_err();
            assert_eq!(
                error,
                CleanError::InvalidListMarker {
                    marker: marker.to_owned()
                }
            );
            assert!(error.to_string().contains("use \"- \""));
        }
        assert!(Cleaner::builder().with_list_marker("• ").build().is_ok());
        assert!(Cleaner::builder().with_list_marker("").build().is_ok());
    }

    #[test]
    fn cleaner_round_trips_through_serde() {
        let cleaner = Cleaner::builder()
            .with_lowercase(true)
            .with_list_marker("* ")
            .build()
            .unwrap();
        let json = serde_json::to_string(&cleaner).unwrap();
        let back: Cleaner = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cleaner);
        let partial: Cleaner = serde_json::from_str(r#"{"nfkc": false}"#).unwrap();
        assert_eq!(
            partial,
            Cleaner::builder().with_nfkc(false).build().unwrap()
        );
        assert!(serde_json::from_str::<Cleaner>(r#"{"list_marker": "\n"}"#).is_err());
    }

    #[test]
    fn html_step_alone() {
        let cleaner = only(|b| b.with_html(true));
        assert_eq!(cleaner.clean("<p>a &amp; b</p>"), "a & b\n\n");
        assert_eq!(cleaner.clean("salary < 5000"), "salary < 5000");
    }

    #[test]
    fn mojibake_step_alone() {
        let cleaner = only(|b| b.with_mojibake(true));
        assert_eq!(cleaner.clean("itâ€™s  ï¼š"), "it’s  ：");
    }

    #[test]
    fn nfkc_step_alone() {
        let cleaner = only(|b| b.with_nfkc(true));
        assert_eq!(
            cleaner.clean("ＪＡＶＡ，Ｐｙｔｈｏｎ：５年"),
            "JAVA,Python:5年"
        );
        assert_eq!(cleaner.clean("①ﬁ™"), "1fiTM");
        assert_eq!(cleaner.clean("e\u{301}"), "é");
    }

    #[test]
    fn strip_step_alone() {
        let cleaner = only(|b| b.with_strip_invisible(true));
        let text = "\u{FEFF}a\u{200B}b\u{00AD}c\u{200D}d\u{7}e\u{202E}f\tg\r\nh\u{0C}i\u{0}";
        assert_eq!(cleaner.clean(text), "abcdef\tg\r\nh\ni");
    }

    #[test]
    fn whitespace_step_alone() {
        let cleaner = only(|b| b.with_collapse_whitespace(true));
        assert_eq!(
            cleaner.clean("  a \t b  \r\n\r\n\r\n\n c\rd  "),
            "a b\n\nc\nd"
        );
        assert_eq!(cleaner.clean("a\u{00A0}\u{3000}b\u{2028}c"), "a b\nc");
        assert_eq!(cleaner.clean(" \n \n "), "");
        assert_eq!(cleaner.clean("x\n \ny"), "x\n\ny");
    }

    #[test]
    fn lowercase_step_alone() {
        let cleaner = only(|b| b.with_lowercase(true));
        assert_eq!(cleaner.clean("ÉCOLE Rust"), "école rust");
    }

    #[test]
    fn default_pipeline_on_a_posting() {
        let posting = "<div><h3>Requirements</h3><ul>\n<li>ＪＡＶＡ，Ｓｐｒｉｎｇ</li>\n\
                       <li>Salary&nbsp;&lt; 5000</li></ul></div>Company Name ï¼\u{200B} City";
        assert_eq!(
            clean(posting),
            "Requirements\n\n- JAVA,Spring\n- Salary < 5000\nCompany Name - City"
        );
    }

    #[test]
    fn steps_that_feed_each_other_settle() {
        // NFKC makes an entity, the entity a tag.
        assert_eq!(clean("＆ｌｔ;b＆ｇｔ;bold"), "bold");
        // Removing a zero-width space joins a mojibake sequence.
        assert_eq!(clean("Caf\u{00C3}\u{2060}\u{00A9}"), "Café");
        // Escaped markup of a known tag is stripped; other brackets stay.
        assert_eq!(
            clean("&lt;b&gt;x&lt;/b&gt; &lt;Company Name&gt;"),
            "x <Company Name>"
        );
    }

    #[test]
    fn cleaning_is_idempotent_on_examples() {
        for text in [
            "&amp;amp;lt;",
            "Ã¢â„¢Â¦",
            "<li>a<li>b",
            " Â Â Â ",
            "x\u{0301}\u{200B}\u{0301}",
            "\r\n\r\n\u{85}",
        ] {
            let once = clean(text);
            assert_eq!(clean(&once), once, "{text:?}");
        }
    }

    #[test]
    fn cleaner_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Cleaner>();
        assert_send_sync::<CleanerBuilder>();
        assert_send_sync::<CleanError>();
    }
}
