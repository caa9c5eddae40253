//! HTML to text: a small tag stripper and entity decoding.
//!
//! The stripper is a scanner over the text that only recognises what is
//! unmistakably markup: a known HTML element name right after `<` or `</`
//! (`<br>`, `<p class="x">`, `</li>`), comments (`<!-- -->`), declarations
//! (`<!DOCTYPE html>`) and processing instructions (`<?xml ?>`), each closed by
//! `>`. Anything else stays text, so `salary < 5000`, `C<>` or a template's
//! `<Company Name>` survive. Text without markup goes through unchanged.
//!
//! Block elements become line breaks (`<br>`, `<div>`, `<li>`, `<tr>`, ...),
//! paragraphs and headings become paragraph breaks, table cells become a space
//! and `<li>` starts its line with a list marker. The contents of `<script>`,
//! `<style>`, `<noscript>` and `<template>` are removed. Whitespace in the
//! source right after a break is dropped, so pretty-printed HTML does not
//! turn into blank lines.
//!
//! Entities (`&amp;`, `&#233;`, `&#x4E2D;`) are decoded with `html-escape`,
//! repeatedly until none is left, so `&amp;lt;` becomes `<` in one go.

use std::borrow::Cow;

/// The longest tag the stripper accepts, in bytes; a longer one is text.
/// Generous because inline images put whole files in an attribute.
const MAX_TAG_LEN: usize = 1 << 20;

/// How far a tag is scanned for quoted attribute values holding `>`.
const MAX_QUOTED_SCAN: usize = 1024;

/// What an element does to the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Inline markup: removed without a trace.
    Inline,
    /// A table cell: a space.
    Cell,
    /// Starts a new line.
    Line,
    /// A hard line break (`<br>`): always a new line, even after another.
    Break,
    /// Starts a new paragraph (a blank line).
    Paragraph,
    /// A list item: a new line and the list marker.
    ListItem,
    /// An element whose contents are not text (`<script>`).
    Skip,
}

/// The effect of the element `name` (lower case), or `None` for a name that
/// is not HTML (then the `<` is plain text).
fn effect(name: &str) -> Option<Effect> {
    let effect = match name {
        "br" => Effect::Break,
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "hr" => Effect::Paragraph,
        "li" => Effect::ListItem,
        "td" | "th" => Effect::Cell,
        "script" | "style" | "noscript" | "template" => Effect::Skip,
        "address" | "article" | "aside" | "blockquote" | "body" | "caption" | "center" | "dd"
        | "details" | "dir" | "div" | "dl" | "dt" | "fieldset" | "figcaption" | "figure"
        | "footer" | "form" | "head" | "header" | "html" | "legend" | "main" | "menu" | "nav"
        | "ol" | "option" | "pre" | "section" | "summary" | "table" | "tbody" | "tfoot"
        | "thead" | "title" | "tr" | "ul" => Effect::Line,
        "a" | "abbr" | "area" | "audio" | "b" | "base" | "bdi" | "bdo" | "big" | "button"
        | "cite" | "code" | "col" | "colgroup" | "data" | "del" | "dfn" | "em" | "embed"
        | "font" | "i" | "iframe" | "img" | "input" | "ins" | "kbd" | "label" | "link" | "map"
        | "mark" | "meta" | "nobr" | "o:p" | "object" | "picture" | "q" | "s" | "samp"
        | "select" | "small" | "source" | "span" | "strike" | "strong" | "sub" | "sup" | "svg"
        | "textarea" | "time" | "tt" | "u" | "var" | "video" | "wbr" => Effect::Inline,
        _ => return None,
    };
    Some(effect)
}

/// Strips markup from `text` and decodes its entities (see the module
/// documentation); `list_marker` starts every `<li>` line.
pub(super) fn to_text<'a>(text: &'a str, list_marker: &str) -> Cow<'a, str> {
    let stripped = strip_tags(text, list_marker);
    match decode_entities(&stripped) {
        Cow::Borrowed(_) => stripped,
        Cow::Owned(decoded) => Cow::Owned(decoded),
    }
}

/// Decodes entities until none is left. Every round that changes the text
/// makes it shorter, so the loop ends.
fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut current = Cow::Borrowed(text);
    while let Cow::Owned(next) = html_escape::decode_html_entities(current.as_ref()) {
        if next == current.as_ref() {
            break;
        }
        current = Cow::Owned(next);
    }
    current
}

/// The text being built, with the break bookkeeping.
#[derive(Debug)]
struct Output {
    text: String,
    /// Set after a break: source whitespace up to the next text is dropped.
    after_break: bool,
}

impl Output {
    fn push_text(&mut self, chunk: &str) {
        let chunk = if self.after_break {
            chunk.trim_start()
        } else {
            chunk
        };
        if !chunk.is_empty() {
            self.after_break = false;
            self.text.push_str(chunk);
        }
    }

    fn trim_trailing_spaces(&mut self) {
        let kept = self.text.trim_end_matches([' ', '\t']).len();
        self.text.truncate(kept);
    }

    fn line(&mut self) {
        self.trim_trailing_spaces();
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        self.after_break = true;
    }

    fn hard_break(&mut self) {
        self.trim_trailing_spaces();
        self.text.push('\n');
        self.after_break = true;
    }

    fn paragraph(&mut self) {
        self.trim_trailing_spaces();
        if !self.text.is_empty() {
            while !self.text.ends_with("\n\n") {
                self.text.push('\n');
            }
        }
        self.after_break = true;
    }

    fn space(&mut self) {
        if !self.after_break && !self.text.is_empty() && !self.text.ends_with(char::is_whitespace) {
            self.text.push(' ');
        }
    }

    fn apply(&mut self, effect: Effect, closing: bool, list_marker: &str) {
        match effect {
            Effect::Inline | Effect::Skip => {}
            Effect::Cell => self.space(),
            Effect::Line => self.line(),
            Effect::Break => self.hard_break(),
            Effect::Paragraph => self.paragraph(),
            Effect::ListItem => {
                self.line();
                if !closing {
                    self.text.push_str(list_marker);
                }
            }
        }
    }
}

/// A recognised piece of markup starting at some `<`.
#[derive(Debug)]
enum Markup {
    /// A comment, declaration or processing instruction, `end` past its `>`.
    Ignored { end: usize },
    /// An element tag, `end` past its `>`.
    Tag {
        end: usize,
        effect: Effect,
        closing: bool,
        self_closing: bool,
        name_end: usize,
    },
}

fn strip_tags<'a>(text: &'a str, list_marker: &str) -> Cow<'a, str> {
    let bytes = text.as_bytes();
    let mut scanner = Scanner {
        bytes,
        next_gt: NextMatch::default(),
        next_quote: NextMatch::default(),
        next_comment_end: NextMatch::default(),
    };
    let mut out = Output {
        text: String::new(),
        after_break: false,
    };
    let mut found_markup = false;
    // Bytes before `copied` are handled; `<` and `>` are ASCII, so every
    // index used to slice below sits on a char boundary.
    let mut copied = 0;
    let mut search = 0;
    while let Some(offset) = bytes.get(search..).and_then(|rest| find_byte(rest, b'<')) {
        let start = search + offset;
        let Some(markup) = scanner.parse_markup(start) else {
            search = start + 1;
            continue;
        };
        if !found_markup {
            found_markup = true;
            out.text.reserve(text.len());
        }
        out.push_text(text.get(copied..start).unwrap_or_default());
        match markup {
            Markup::Ignored { end } => {
                copied = end;
            }
            Markup::Tag {
                end,
                effect,
                closing,
                self_closing,
                name_end,
            } => {
                out.apply(effect, closing, list_marker);
                copied = end;
                if effect == Effect::Skip && !closing && !self_closing {
                    let name = bytes.get(start + 1..name_end).unwrap_or_default();
                    copied = skip_element(bytes, end, name);
                }
            }
        }
        search = copied;
    }
    if !found_markup {
        return Cow::Borrowed(text);
    }
    out.push_text(text.get(copied..).unwrap_or_default());
    Cow::Owned(out.text)
}

fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Finds `needle` (lower-case ASCII) in `haystack` from `from`, ignoring ASCII case.
fn find_ascii_ci(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let rest = haystack.get(from..)?;
    rest.windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
        .map(|position| from + position)
}

/// The index past the end tag of a skipped element whose content starts at
/// `from`; the end of the text when the element is never closed.
fn skip_element(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut closing = Vec::with_capacity(name.len() + 2);
    closing.extend_from_slice(b"</");
    closing.extend(name.iter().map(u8::to_ascii_lowercase));
    let mut search = from;
    while let Some(position) = find_ascii_ci(bytes, search, &closing) {
        let after = position + closing.len();
        let boundary = bytes
            .get(after)
            .is_none_or(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace());
        if boundary {
            return bytes
                .get(after..)
                .and_then(|rest| find_byte(rest, b'>'))
                .map_or(bytes.len(), |offset| after + offset + 1);
        }
        search = after;
    }
    bytes.len()
}

/// The next occurrence of a pattern at or after a position, remembered so
/// that the many `<` of a hostile text do not each scan to its end.
#[derive(Debug, Default)]
struct NextMatch {
    /// `(from, result)` of the last search.
    last: Option<(usize, Option<usize>)>,
}

impl NextMatch {
    fn find(&mut self, from: usize, search: impl FnOnce(usize) -> Option<usize>) -> Option<usize> {
        if let Some((searched_from, result)) = self.last {
            match result {
                // Nothing after `searched_from`, so nothing after `from` either.
                None if searched_from <= from => return None,
                Some(position) if searched_from <= from && position >= from => {
                    return Some(position);
                }
                _ => {}
            }
        }
        let result = search(from);
        self.last = Some((from, result));
        result
    }
}

#[derive(Debug)]
struct Scanner<'a> {
    bytes: &'a [u8],
    next_gt: NextMatch,
    next_quote: NextMatch,
    next_comment_end: NextMatch,
}

impl Scanner<'_> {
    fn find_gt(&mut self, from: usize) -> Option<usize> {
        let bytes = self.bytes;
        self.next_gt.find(from, |from| {
            find_byte(bytes.get(from..)?, b'>').map(|offset| from + offset)
        })
    }

    /// Parses the markup starting at `bytes[start] == b'<'`, if it is markup.
    fn parse_markup(&mut self, start: usize) -> Option<Markup> {
        let bytes = self.bytes;
        let next = *bytes.get(start + 1)?;

        if bytes.get(start..start + 4) == Some(b"<!--".as_slice()) {
            let close = self
                .next_comment_end
                .find(start + 4, |from| find_ascii_ci(bytes, from, b"-->"))?;
            return Some(Markup::Ignored { end: close + 3 });
        }
        if next == b'!' || next == b'?' {
            let follower = *bytes.get(start + 2)?;
            if !follower.is_ascii_alphabetic() && follower != b'[' {
                return None;
            }
            let close = self.find_gt(start + 2)?;
            return (close - start <= MAX_TAG_LEN).then_some(Markup::Ignored { end: close + 1 });
        }

        let closing = next == b'/';
        let name_start = if closing { start + 2 } else { start + 1 };
        if !bytes.get(name_start)?.is_ascii_alphabetic() {
            return None;
        }
        let name_len = bytes
            .get(name_start..)?
            .iter()
            .take(16)
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b':'))?;
        let name_end = name_start + name_len;
        let after_name = *bytes.get(name_end)?;
        if !(after_name == b'>' || after_name == b'/' || after_name.is_ascii_whitespace()) {
            return None;
        }
        let name = std::str::from_utf8(bytes.get(name_start..name_end)?)
            .ok()?
            .to_ascii_lowercase();
        let effect = effect(&name)?;
        let close = self.find_tag_end(name_end)?;
        let self_closing = close
            .checked_sub(1)
            .and_then(|before| bytes.get(before))
            .is_some_and(|&b| b == b'/');
        Some(Markup::Tag {
            end: close + 1,
            effect,
            closing,
            self_closing,
            name_end,
        })
    }

    /// The index of the `>` closing a tag whose attributes start at `from`.
    ///
    /// A quoted attribute value may hold `>`; a quote left open within
    /// [`MAX_QUOTED_SCAN`] bytes falls back to the first `>`. A tag longer
    /// than [`MAX_TAG_LEN`] is not a tag.
    fn find_tag_end(&mut self, from: usize) -> Option<usize> {
        let first_gt = self.find_gt(from)?;
        if first_gt - from > MAX_TAG_LEN {
            return None;
        }
        let bytes = self.bytes;
        let quote = self.next_quote.find(from, |from| {
            bytes
                .get(from..)?
                .iter()
                .position(|&b| b == b'"' || b == b'\'')
                .map(|offset| from + offset)
        });
        if quote.is_none_or(|quote| quote > first_gt) {
            return Some(first_gt);
        }
        let window_end = bytes.len().min(from + MAX_QUOTED_SCAN);
        let mut open = None;
        for (offset, &b) in bytes.get(from..window_end)?.iter().enumerate() {
            match open {
                Some(q) if b == q => open = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => open = Some(b),
                None if b == b'>' => return Some(from + offset),
                None => {}
            }
        }
        Some(first_gt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        to_text(html, "- ").into_owned()
    }

    #[test]
    fn strips_inline_tags() {
        assert_eq!(text("<b>Rust</b> and <a href=\"x\">Go</a>"), "Rust and Go");
        assert_eq!(text("<SPAN CLASS='a'>x</SPAN>"), "x");
    }

    #[test]
    fn block_tags_become_line_breaks() {
        assert_eq!(
            text("one<br>two<br/>three<BR />four"),
            "one\ntwo\nthree\nfour"
        );
        assert_eq!(text("<div>a</div><div>b</div>"), "a\nb\n");
        assert_eq!(text("<p>first</p><p>second</p>"), "first\n\nsecond\n\n");
        assert_eq!(text("<h2>Skills</h2>Rust"), "Skills\n\nRust");
        assert_eq!(text("a<br><br>b"), "a\n\nb");
    }

    #[test]
    fn list_items_get_a_marker() {
        let html = "<ul>\n  <li>Rust</li>\n  <li>SQL</li>\n</ul>";
        assert_eq!(text(html), "- Rust\n- SQL\n");
        assert_eq!(to_text("<li>a<li>b", "* "), "* a\n* b");
    }

    #[test]
    fn table_cells_are_separated() {
        assert_eq!(
            text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"),
            "a b\nc\n"
        );
    }

    #[test]
    fn removes_scripts_styles_and_comments() {
        assert_eq!(text("a<script>if (x < 1) {}</script>b"), "ab");
        assert_eq!(text("a<style type=\"text/css\">p { }</STYLE >b"), "ab");
        assert_eq!(text("a<!-- <b>hidden</b> -->b"), "ab");
        assert_eq!(text("<!DOCTYPE html><html><body>x</body></html>"), "x\n");
        assert_eq!(text("a<script>never closed"), "a");
    }

    #[test]
    fn keeps_text_that_is_not_markup() {
        for plain in [
            "salary < 5000",
            "C<>",
            "a <= b",
            "<Company Name> hired me",
            "x<y and y>z",
            "1 <2",
            "<!-- never closed",
            "trailing <",
            "<b",
            "<3 you",
        ] {
            assert_eq!(text(plain), plain, "{plain}");
        }
    }

    #[test]
    fn quoted_attributes_may_hold_angle_brackets() {
        assert_eq!(text("<a title=\"a > b\">link</a>"), "link");
        assert_eq!(text("<a title=\"unclosed>link</a>"), "link");
    }

    #[test]
    fn decodes_entities() {
        assert_eq!(
            text("R&amp;D &lt;3 caf&eacute; &#233; &#x4E2D;"),
            "R&D <3 café é 中"
        );
        assert_eq!(text("&amp;lt;"), "<");
        assert_eq!(text("AT&T & co; &unknown;"), "AT&T & co; &unknown;");
    }
}
