//! PII redaction: emails, phone numbers, URLs, birth dates, ages, gender words, names, ID numbers,
//! messaging ids and street addresses replaced by typed placeholders.
//!
//! A [`Redactor`] finds every enabled [`PiiKind`] in a text, resolves overlapping matches (the
//! earliest match wins, then the longest), and returns a [`Redacted`] text together with one
//! [`Redaction`] per replaced span. Each redaction keeps the original text and both spans, so the
//! input can be restored exactly ([`Redacted::restore`]).
//!
//! The detectors are rules, tuned for resumes and job postings in English and Chinese. They expect
//! cleaned text (Unicode NFKC, mojibake repaired): a full-width digit or a stray `Â` glued to a
//! word hides that word. What each class covers:
//!
//! - [`PiiKind::Email`]: `name@example.com` (ASCII addresses).
//! - [`PiiKind::Phone`]: `+` international numbers (`+44 20 7946 0958`, `+86 138 0013 8000`), North
//!   American numbers (`(415) 555-0134`, `415.555.0134`), Chinese mobiles (`13800138000`,
//!   `138 0013 8000`) and landlines (`010-12345678`), and any 7 to 15 digit number after a label
//!   such as `Phone:`, `Tel.` or `手机：`. A match glued to a longer digit run is not a phone, so
//!   years (`2015-2019`), salaries, zip codes and versions stay.
//! - [`PiiKind::Url`]: `http://`, `https://`, `ftp://` and `www.` addresses, and bare domains with
//!   a path (`linkedin.com/in/name`); trailing punctuation and an unbalanced closing bracket are
//!   left out.
//! - [`PiiKind::DateOfBirth`]: a date after a birth label (`DOB:`, `Date of birth`, `born on`,
//!   `出生日期：`, `出生年月`) or before `出生` (`1985年3月出生`). Only the date is replaced; dates without a
//!   birth context, such as employment dates, stay.
//! - [`PiiKind::Age`]: `age 45`, `Age: 45`, `aged 45`, `45 years old`, `45-year-old`, `45岁`,
//!   `年龄：45`, for ages 14 to 99. Only the number is replaced. Ranges (`ages 10-14`, `25-35岁`),
//!   durations (`aged 90 days`) and `5 years of experience` stay.
//! - [`PiiKind::Gender`]: English pronouns (`he`, `she`, `him`, `his`, `her`, `hers`, `himself`,
//!   `herself`, `s/he`), titles before a name (`Mr.`, `Mrs.`, `Ms.`, `Miss`), gender nouns (`male`,
//!   `female`, `man`, `woman`, `men`, `women`, `gentleman`, `lady`, `boy`, `girl`, `husband`,
//!   `wife`, ... and plurals), a one-letter value after a label (`Sex: M`), and Chinese `她`, `他`
//!   (not in `其他`, `吉他`, `他人`, `他们`, ...), `男性`, `女性`, `男士`, `女士`, `先生`, `小姐`, and `男` / `女`
//!   standing alone (`性别：男`, `张三 | 女 | 28岁`) but not inside a word such as `女装` (women's clothing).
//!   Gendered job titles (`chairman`, `waitress`) are not covered.
//! - [`PiiKind::Name`]: the name after a name label (`姓名：张伟`, `姓名 欧阳娜娜`, `Name: Jane Doe`):
//!   two to four Han characters (or two Han names joined by `·`), or one to three capitalised words.
//!   Names elsewhere in the text are not found: that needs a named-entity model.
//! - [`PiiKind::IdNumber`]: Chinese resident ID numbers, 18 characters (6-digit region, birth date,
//!   3 digits, a check digit or `X`), when the check digit is right (ISO 7064 MOD 11-2) or a label
//!   (`身份证`, `身份证号`, `ID No.`) stands before it; 15-digit first-generation numbers after a label.
//! - [`PiiKind::MessagingId`]: WeChat and QQ ids after their label (`微信：zhang_wei88`, `WeChat ID:
//!   wxid_abc123`, `QQ：12345678`, `QQ号 12345678`); a WeChat id is a phone number or 6 to 20 letters,
//!   digits, `_` and `-` starting with a letter, a QQ id 5 to 11 digits.
//! - [`PiiKind::Address`]: a Chinese address after an address label (`地址：`, `住址`, `家庭住址`,
//!   `通讯地址`, `现居住地`, up to the end of the clause), and an unlabelled street address with its
//!   place and number (`北京市朝阳区建国路88号`, `浦东新区世纪大道1500号东方大厦4层`): a city (`市`)
//!   and/or a district or county (`区`, `县`) of two to four characters, a street ending in
//!   `路`/`街`/`道`/`巷`/`弄`/`胡同`, a number with `号`, and the building, floor and room after it. A
//!   place alone (`北京`, `上海市浦东新区`) stays, and so does a street without its place.
//!
//! By default every kind is on and every match becomes its kind's placeholder
//! ([`PiiKind::placeholder`]). [`GenderStyle::Neutral`] instead turns pronouns and titles into
//! neutral ones (`she` to `they`, `Mr.` to `Mx.`, `她` to `TA`), which keeps a text readable for a
//! screener.

use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// A class of personally identifying information that a [`Redactor`] can replace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PiiKind {
    /// An email address.
    Email,
    /// A telephone number.
    Phone,
    /// A web address.
    Url,
    /// A date of birth (the date only, not its label).
    DateOfBirth,
    /// A person's age (the number only, not its label).
    Age,
    /// A word that reveals gender: a pronoun, a title, a gender noun or a gender field's value.
    Gender,
    /// A person's name after a name label (`姓名：张伟`).
    Name,
    /// A national ID number (Chinese resident ID card).
    IdNumber,
    /// A WeChat or QQ id.
    MessagingId,
    /// A street address.
    Address,
}

impl PiiKind {
    /// Every kind, in the order of the enum.
    pub const ALL: [PiiKind; 10] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::Url,
        PiiKind::DateOfBirth,
        PiiKind::Age,
        PiiKind::Gender,
        PiiKind::Name,
        PiiKind::IdNumber,
        PiiKind::MessagingId,
        PiiKind::Address,
    ];

    /// The default placeholder: `[EMAIL]`, `[PHONE]`, `[URL]`, `[DOB]`, `[AGE]`, `[GENDER]`,
    /// `[NAME]`, `[ID]`, `[MESSAGING]` or `[ADDRESS]`.
    pub const fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Email => "[EMAIL]",
            PiiKind::Phone => "[PHONE]",
            PiiKind::Url => "[URL]",
            PiiKind::DateOfBirth => "[DOB]",
            PiiKind::Age => "[AGE]",
            PiiKind::Gender => "[GENDER]",
            PiiKind::Name => "[NAME]",
            PiiKind::IdNumber => "[ID]",
            PiiKind::MessagingId => "[MESSAGING]",
            PiiKind::Address => "[ADDRESS]",
        }
    }

    /// The kind's lower-case name, as serde writes it (`date_of_birth`).
    pub const fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Url => "url",
            PiiKind::DateOfBirth => "date_of_birth",
            PiiKind::Age => "age",
            PiiKind::Gender => "gender",
            PiiKind::Name => "name",
            PiiKind::IdNumber => "id_number",
            PiiKind::MessagingId => "messaging_id",
            PiiKind::Address => "address",
        }
    }

    /// The kind's position in [`PiiKind::ALL`].
    const fn index(self) -> usize {
        match self {
            PiiKind::Email => 0,
            PiiKind::Phone => 1,
            PiiKind::Url => 2,
            PiiKind::DateOfBirth => 3,
            PiiKind::Age => 4,
            PiiKind::Gender => 5,
            PiiKind::Name => 6,
            PiiKind::IdNumber => 7,
            PiiKind::MessagingId => 8,
            PiiKind::Address => 9,
        }
    }
}

impl fmt::Display for PiiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The number of kinds.
const KIND_COUNT: usize = PiiKind::ALL.len();

/// How gender words are replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GenderStyle {
    /// Every gender word becomes the gender placeholder (`[GENDER]` unless changed). The default.
    #[default]
    Placeholder,
    /// Pronouns become neutral pronouns (`he`/`she` to `they`, `him` to `them`, `his`/`her` to
    /// `their`, `hers` to `theirs`, `himself`/`herself` to `themselves`, keeping a capital), titles
    /// become `Mx.`, `他`/`她` become `TA`; the other gender words become the gender placeholder.
    Neutral,
}

/// The errors of [`RedactorBuilder::build`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedactError {
    /// A placeholder was empty or only whitespace.
    #[error(
        "the placeholder for {kind} is {placeholder:?}: give a visible marker such as {:?} so that a redaction \
         does not silently delete text",
        kind.placeholder()
    )]
    EmptyPlaceholder {
        /// The kind whose placeholder was set.
        kind: PiiKind,
        /// The placeholder given.
        placeholder: String,
    },
}

/// A `Result` whose error defaults to [`RedactError`].
pub type Result<T, E = RedactError> = std::result::Result<T, E>;

/// One replaced span.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Redaction {
    /// What was found.
    pub kind: PiiKind,
    /// The byte span of the match in the original text.
    pub span: Range<usize>,
    /// The original text of the match.
    pub original: String,
    /// The byte span of the replacement in the redacted text.
    pub replacement_span: Range<usize>,
}

/// A redacted text and the spans it replaced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Redacted {
    /// The text with every match replaced.
    pub text: String,
    /// The replacements, sorted by span and never overlapping.
    pub redactions: Vec<Redaction>,
}

impl Redacted {
    /// Puts every original back in place of its replacement: the text given to
    /// [`Redactor::redact`].
    ///
    /// A redaction whose replacement span does not fit the text (a hand-edited value) is skipped.
    pub fn restore(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut last = 0;
        for redaction in &self.redactions {
            let span = &redaction.replacement_span;
            if self.text.get(span.clone()).is_none() {
                continue;
            }
            let Some(before) = self.text.get(last..span.start) else {
                continue;
            };
            out.push_str(before);
            out.push_str(&redaction.original);
            last = span.end;
        }
        out.push_str(self.text.get(last..).unwrap_or_default());
        out
    }
}

/// Replaces PII in text. Cheap to clone, `Send + Sync`: build one and share it.
///
/// # Example
///
/// ```
/// use jobfit_text::{PiiKind, Redactor};
///
/// let redactor = Redactor::builder().with_kind(PiiKind::Gender, false).build()?;
/// let redacted = redactor.redact("Mail jane@example.com or call (415) 555-0134.");
/// assert_eq!(redacted.text, "Mail [EMAIL] or call [PHONE].");
/// assert_eq!(redacted.redactions[1].original, "(415) 555-0134");
/// # Ok::<(), jobfit_text::RedactError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Redactor {
    enabled: [bool; KIND_COUNT],
    placeholders: [String; KIND_COUNT],
    gender_style: GenderStyle,
}

impl Default for Redactor {
    /// Every kind on, default placeholders, [`GenderStyle::Placeholder`].
    fn default() -> Self {
        Redactor {
            enabled: [true; KIND_COUNT],
            placeholders: PiiKind::ALL.map(|kind| kind.placeholder().to_owned()),
            gender_style: GenderStyle::Placeholder,
        }
    }
}

/// Builds a [`Redactor`]. Every kind starts on, with its default placeholder.
#[derive(Clone, Debug)]
pub struct RedactorBuilder {
    redactor: Redactor,
}

impl RedactorBuilder {
    /// Turns one kind on or off.
    #[must_use]
    pub fn with_kind(mut self, kind: PiiKind, on: bool) -> Self {
        self.redactor.enabled[kind.index()] = on;
        self
    }

    /// Turns on exactly the kinds given and every other kind off.
    #[must_use]
    pub fn with_only(mut self, kinds: impl IntoIterator<Item = PiiKind>) -> Self {
        self.redactor.enabled = [false; KIND_COUNT];
        for kind in kinds {
            self.redactor.enabled[kind.index()] = true;
        }
        self
    }

    /// Replaces a kind's placeholder (default: [`PiiKind::placeholder`]). It must not be blank.
    #[must_use]
    pub fn with_placeholder(mut self, kind: PiiKind, placeholder: impl Into<String>) -> Self {
        self.redactor.placeholders[kind.index()] = placeholder.into();
        self
    }

    /// How gender words are replaced (default: [`GenderStyle::Placeholder`]).
    #[must_use]
    pub fn with_gender_style(mut self, style: GenderStyle) -> Self {
        self.redactor.gender_style = style;
        self
    }

    /// Checks the placeholders and returns the redactor.
    ///
    /// # Errors
    ///
    /// [`RedactError::EmptyPlaceholder`] if a placeholder is blank.
    pub fn build(self) -> Result<Redactor> {
        for kind in PiiKind::ALL {
            let placeholder = &self.redactor.placeholders[kind.index()];
            if placeholder.trim().is_empty() {
                return Err(RedactError::EmptyPlaceholder {
                    kind,
                    placeholder: placeholder.clone(),
                });
            }
        }
        Ok(self.redactor)
    }
}

impl Redactor {
    /// A builder with every kind on.
    pub fn builder() -> RedactorBuilder {
        RedactorBuilder {
            redactor: Redactor::default(),
        }
    }

    /// Whether this redactor replaces `kind`.
    pub fn is_enabled(&self, kind: PiiKind) -> bool {
        self.enabled[kind.index()]
    }

    /// The placeholder this redactor writes for `kind`.
    pub fn placeholder(&self, kind: PiiKind) -> &str {
        &self.placeholders[kind.index()]
    }

    /// How this redactor replaces gender words.
    pub fn gender_style(&self) -> GenderStyle {
        self.gender_style
    }

    /// Finds the enabled kinds in `text` without replacing them: sorted, non-overlapping
    /// `(kind, byte span)` pairs.
    pub fn find(&self, text: &str) -> Vec<(PiiKind, Range<usize>)> {
        self.matches(text)
            .into_iter()
            .map(|m| (m.kind, m.span))
            .collect()
    }

    /// Replaces every enabled kind in `text`.
    pub fn redact(&self, text: &str) -> Redacted {
        let matches = self.matches(text);
        let mut out = String::with_capacity(text.len());
        let mut redactions = Vec::with_capacity(matches.len());
        let mut last = 0;
        for m in matches {
            // Spans come from regex matches on `text` (or ASCII trims of them) and are sorted and
            // disjoint, so they lie on char boundaries after `last`; `get` keeps this panic-free
            // all the same.
            let (Some(before), Some(original)) =
                (text.get(last..m.span.start), text.get(m.span.clone()))
            else {
                continue;
            };
            out.push_str(before);
            let replacement = match m.replacement {
                Replacement::Placeholder => self.placeholder(m.kind),
                Replacement::Literal(literal) => literal,
            };
            let start = out.len();
            out.push_str(replacement);
            redactions.push(Redaction {
                kind: m.kind,
                span: m.span.clone(),
                original: original.to_owned(),
                replacement_span: start..out.len(),
            });
            last = m.span.end;
        }
        out.push_str(text.get(last..).unwrap_or_default());
        Redacted {
            text: out,
            redactions,
        }
    }

    /// Every enabled match, overlaps resolved: sorted by start, the earliest then the longest wins.
    fn matches(&self, text: &str) -> Vec<Match> {
        let mut found = Vec::new();
        if self.is_enabled(PiiKind::Email) {
            find_emails(text, &mut found);
        }
        if self.is_enabled(PiiKind::Url) {
            find_urls(text, &mut found);
        }
        if self.is_enabled(PiiKind::Phone) {
            find_phones(text, &mut found);
        }
        if self.is_enabled(PiiKind::DateOfBirth) {
            find_dates_of_birth(text, &mut found);
        }
        if self.is_enabled(PiiKind::Age) {
            find_ages(text, &mut found);
        }
        if self.is_enabled(PiiKind::Gender) {
            find_gender(text, self.gender_style, &mut found);
        }
        if self.is_enabled(PiiKind::Name) {
            find_names(text, &mut found);
        }
        if self.is_enabled(PiiKind::IdNumber) {
            find_id_numbers(text, &mut found);
        }
        if self.is_enabled(PiiKind::MessagingId) {
            find_messaging_ids(text, &mut found);
        }
        if self.is_enabled(PiiKind::Address) {
            find_addresses(text, &mut found);
        }
        resolve_overlaps(found)
    }
}

/// What a match is replaced by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Replacement {
    /// The redactor's placeholder for the kind.
    Placeholder,
    /// A fixed text (a neutral pronoun).
    Literal(&'static str),
}

/// A candidate match.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Match {
    kind: PiiKind,
    span: Range<usize>,
    replacement: Replacement,
}

impl Match {
    fn new(kind: PiiKind, span: Range<usize>) -> Match {
        Match {
            kind,
            span,
            replacement: Replacement::Placeholder,
        }
    }
}

/// Keeps the earliest match, then the longest, then the first kind; drops empty matches and any
/// match that overlaps one kept before it.
fn resolve_overlaps(mut found: Vec<Match>) -> Vec<Match> {
    found.retain(|m| m.span.start < m.span.end);
    found.sort_by(|a, b| {
        a.span
            .start
            .cmp(&b.span.start)
            .then(b.span.end.cmp(&a.span.end))
            .then(a.kind.cmp(&b.kind))
    });
    let mut kept: Vec<Match> = Vec::with_capacity(found.len());
    for m in found {
        if kept.last().is_none_or(|last| m.span.start >= last.span.end) {
            kept.push(m);
        }
    }
    kept
}

/// Compiles a pattern of this module.
fn regex(pattern: &str) -> Regex {
    // The patterns are literals of this module, each exercised by the unit tests: compiling cannot
    // fail.
    Regex::new(pattern).expect("a built-in redaction pattern compiles")
}

/// The char before byte `at`, if any.
fn char_before(text: &str, at: usize) -> Option<char> {
    text.get(..at)?.chars().next_back()
}

/// The char at byte `at`, if any.
fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..)?.chars().next()
}

/// Whether `c` is a CJK ideograph.
fn is_han(c: char) -> bool {
    matches!(
        c,
        '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2FFFF}'
    )
}

/// Whether `span` continues a longer number: a digit right before or after it, or a digit behind a
/// `-`, `.` or `/` next to it (`2015-2019-...`, `1.415.555.0134.5`).
fn touches_digits(text: &str, span: &Range<usize>) -> bool {
    let joiner = |c: char| matches!(c, '-' | '.' | '/');
    let before = char_before(text, span.start);
    if before.is_some_and(|c| c.is_ascii_digit()) {
        return true;
    }
    if before.is_some_and(joiner)
        && char_before(text, span.start - 1).is_some_and(|c| c.is_ascii_digit())
    {
        return true;
    }
    let after = char_at(text, span.end);
    if after.is_some_and(|c| c.is_ascii_digit()) {
        return true;
    }
    after.is_some_and(joiner) && char_at(text, span.end + 1).is_some_and(|c| c.is_ascii_digit())
}

// ------------------------------------------------------------------------------------------------
// Emails and URLs

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"[A-Za-z0-9](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-])?@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}",
    )
});

fn find_emails(text: &str, out: &mut Vec<Match>) {
    for m in EMAIL.find_iter(text) {
        // A digit or a 25th letter glued to the end: not a top-level domain.
        if char_at(text, m.end()).is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        out.push(Match::new(PiiKind::Email, m.range()));
    }
}

/// The characters a URL may hold (RFC 3986, ASCII only).
const URL_CHARS: &str = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]";

static URL: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i:https?://|ftp://|www\.){URL_CHARS}+|(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+(?:com|org|net|edu|gov|mil|io|co|me|info|biz|dev|ai|app|us|uk|cn|de|fr|in|ca|au|jp|ly|tv)/{URL_CHARS}*"
    ))
});

fn find_urls(text: &str, out: &mut Vec<Match>) {
    for m in URL.find_iter(text) {
        let before = char_before(text, m.start());
        // A bare domain glued to a word, or an email's domain, is not a URL of its own.
        let glued = |c: char| c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_' | '/');
        if before.is_some_and(glued) {
            continue;
        }
        let url = trim_url(m.as_str());
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let rest = rest
            .strip_prefix("www.")
            .or_else(|| rest.strip_prefix("WWW."))
            .unwrap_or(rest);
        if rest.bytes().any(|b| b.is_ascii_alphanumeric()) {
            out.push(Match::new(PiiKind::Url, m.start()..m.start() + url.len()));
        }
    }
}

/// Drops trailing punctuation, and a closing bracket that has no opening one inside the URL.
fn trim_url(mut url: &str) -> &str {
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            ']' => url.matches('[').count() < url.matches(']').count(),
            _ => false,
        };
        if !drop {
            return url;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
}

// ------------------------------------------------------------------------------------------------
// Phones

/// `+` country code, then up to six groups of digits (a group may sit in brackets).
static PHONE_INTERNATIONAL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\+[0-9]{1,3}(?:[ .\-]?(?:\([0-9]{1,4}\)|[0-9]{1,5})){1,6}"));

/// North American numbers: `(415) 555-0134`, `415-555-0134`, `415.555.0134`, `1 415 555 0134`.
static PHONE_NANP: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:\b1[ .\-]?)?(?:\([2-9][0-9]{2}\)[ .\-]?|\(?[2-9][0-9]{2}[ .\-])[2-9][0-9]{2}[ .\-][0-9]{4}",
    )
});

/// Chinese mobiles (`13800138000`, `138 0013 8000`) and landlines (`010-12345678`,
/// `(0755) 1234567`).
static PHONE_CHINA: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"1[3-9][0-9](?:[0-9]{8}|[ \-][0-9]{4}[ \-][0-9]{4})|(?:\(0[0-9]{2,3}\)[ \-]?|0[0-9]{2,3}-)[0-9]{7,8}(?:-[0-9]{1,4})?",
    )
});

/// Any number after a phone label; group 1 is the number.
static PHONE_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:(?i:\b(?:phone|telephone|tel|mobile|cell|cellphone|fax|contact)\b)\.?(?:\s*(?i:no\.?|number|#))?|电话|手机|手机号|手机号码|联系电话|联系方式|座机|传真)\s*[:：]?\s*(\+?(?:\([0-9]+\)|[0-9]+)(?:[ .\-]{1,2}(?:\([0-9]{2,}\)|[0-9]{2,}))*)",
    )
});

fn find_phones(text: &str, out: &mut Vec<Match>) {
    let digits = |s: &str| s.bytes().filter(u8::is_ascii_digit).count();
    let mut shaped = Vec::new();
    for m in PHONE_INTERNATIONAL.find_iter(text) {
        if (8..=15).contains(&digits(m.as_str())) && !touches_digits(text, &m.range()) {
            shaped.push(m.range());
        }
    }
    for m in PHONE_NANP
        .find_iter(text)
        .chain(PHONE_CHINA.find_iter(text))
    {
        if !touches_digits(text, &m.range()) {
            // `(910-391-4768)`: an opening bracket whose closing one is not part of the number
            // stays outside.
            let open = m.as_str().starts_with('(') && !m.as_str().contains(')');
            shaped.push(m.start() + usize::from(open)..m.end());
        }
    }
    // A labelled number reaches as far as its digits go (`Tel: 0977 757437`); where a number of a
    // known shape starts inside it, the shape knows better where it ends
    // (`Contact (919) 489-1116 60 hours`).
    for caps in PHONE_LABELLED.captures_iter(text) {
        let Some(number) = caps.get(1) else { continue };
        let shaped_inside = shaped.iter().any(|s| number.range().contains(&s.start));
        if !shaped_inside
            && (7..=15).contains(&digits(number.as_str()))
            && !touches_digits(text, &number.range())
        {
            out.push(Match::new(PiiKind::Phone, number.range()));
        }
    }
    out.extend(
        shaped
            .into_iter()
            .map(|span| Match::new(PiiKind::Phone, span)),
    );
}

// ------------------------------------------------------------------------------------------------
// Dates of birth and ages

/// A month name or its abbreviation.
const MONTH: &str = r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

/// A day of the month, maybe ordinal.
const DAY: &str = r"[0-9]{1,2}(?i:st|nd|rd|th)?";

/// A Chinese date (`1985年3月12日`) or a numeric year-first date (`1985.03`, `1985-03-12`).
const DATE_ZH: &str = r"[0-9]{4}\s*年(?:\s*[0-9]{1,2}\s*月(?:\s*[0-9]{1,2}\s*[日号])?)?|[0-9]{4}[./\-][0-9]{1,2}(?:[./\-][0-9]{1,2})?";

/// Any date, longest forms first.
fn date_pattern() -> String {
    [
        r"[0-9]{1,4}[./\-][0-9]{1,2}[./\-][0-9]{2,4}".to_owned(),
        DATE_ZH.to_owned(),
        format!(r"{DAY}(?:\s+of)?[\s\-]+{MONTH}\b\.?(?:,?[\s\-]+[0-9]{{4}})?"),
        format!(r"{MONTH}\b\.?\s+{DAY},?\s+[0-9]{{4}}"),
        format!(r"{MONTH}\b\.?,?[\s\-]+[0-9]{{4}}"),
        r"[0-9]{1,2}[./\-][0-9]{4}".to_owned(),
        r"[0-9]{4}".to_owned(),
    ]
    .join("|")
}

/// A birth label and a date; group 1 is the date.
static DOB_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?:(?i:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s*(?:date|day)\b|\bborn(?:\s+(?:on|in))?\b)|出生日期|出生年月日?|生日|出生于|出生在|出生)\s*(?:[:：\-–]\s*)?({})",
        date_pattern()
    ))
});

/// A Chinese date followed by `出生` or `生`; group 1 is the date, group 2 the word.
static DOB_BEFORE_BIRTH: LazyLock<Regex> =
    LazyLock::new(|| regex(&format!(r"({DATE_ZH})\s*(出生|生人|生)")));

fn find_dates_of_birth(text: &str, out: &mut Vec<Match>) {
    for caps in DOB_LABELLED.captures_iter(text) {
        let Some(date) = caps.get(1) else { continue };
        if !char_at(text, date.end()).is_some_and(|c| c.is_ascii_digit()) {
            out.push(Match::new(PiiKind::DateOfBirth, date.range()));
        }
    }
    for caps in DOB_BEFORE_BIRTH.captures_iter(text) {
        let (Some(date), Some(word)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        // `生` alone ends a word only: `2019年3月生产` is production, not birth.
        let glued = word.as_str() == "生" && char_at(text, word.end()).is_some_and(is_han);
        if !glued && !char_before(text, date.start()).is_some_and(|c| c.is_ascii_digit()) {
            out.push(Match::new(PiiKind::DateOfBirth, date.range()));
        }
    }
}

/// `age 45`, `Age: 45`, `aged 45`, `at the age of 45`, `年龄：45`; group 1 is the number, group 2 a
/// limit word before the label (`under the age of 30` is a requirement, not a person's age).
static AGE_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:(?i:\b(under|over|below|above|minimum|maximum|min|max)\s+(?:the\s+)?)?(?i:\bage[d]?\b)\s*(?:[:：=\-]\s*|(?i:of|is)\s+)?|年龄\s*[:：]?\s*)([0-9]{1,3})",
    )
});

/// `45 years old`, `45 yrs. old`, `45-year-old`; group 1 is the number, group 2 the unit, group 3
/// `old`, group 4 the next word, if any.
static AGE_YEARS_OLD: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"\b([0-9]{1,3})[\s\-]*((?i:years?|yrs?))\.?[\s\-]*((?i:old))\b(?:[\s\-]+(\p{L}+))?")
});

/// Words that may follow a singular `45-year-old` that is a person's age: the phrase ends there
/// (`I am a 19 year old that ...`) or it describes a person (`a 45-year-old woman`). Any other word
/// leaves it alone (`a 20 year old company`).
const AFTER_YEAR_OLD: &str = "\
    and but that who with currently looking seeking now man woman male female person individual \
    professional student graduate mother father applicant candidate";

/// `45岁`, `45周岁`; group 1 is the number.
static AGE_SUI: LazyLock<Regex> = LazyLock::new(|| regex(r"([0-9]{1,3})\s*周?岁"));

/// What after an age number says it is a range, a duration or a share, not an age.
static AGE_NOT_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^\s*(?:[\-–~～+%]|(?i:to|through|days?|weeks?|months?|hours?|minutes?|mins?|(?:(?:years?|yrs)\s+)?(?:and|or)\s+(?:over|older|above|up|under|younger|below))\b|以上|以下|之间|至|到)",
    )
});

/// Whether `number` reads as a person's age: 14 to 99, not glued to other digits, not the end of a
/// range, and not followed (from byte `tail_from` on) by a range or duration word.
fn is_age(text: &str, number: &regex::Match<'_>, tail_from: usize) -> bool {
    let Ok(value) = number.as_str().parse::<u32>() else {
        return false;
    };
    let before = text.get(..number.start()).unwrap_or_default().trim_end();
    (14..=99).contains(&value)
        && !touches_digits(text, &number.range())
        && !before.ends_with(['-', '–', '~', '～', '至', '到'])
        && !AGE_NOT_AFTER.is_match(text.get(tail_from..).unwrap_or_default())
}

fn find_ages(text: &str, out: &mut Vec<Match>) {
    let mut push = |number: regex::Match<'_>, tail_from: usize| {
        if is_age(text, &number, tail_from) {
            out.push(Match::new(PiiKind::Age, number.range()));
        }
    };
    for caps in AGE_LABELLED.captures_iter(text) {
        if let (Some(number), None) = (caps.get(2), caps.get(1)) {
            push(number, number.end());
        }
    }
    for caps in AGE_YEARS_OLD.captures_iter(text) {
        let (Some(number), Some(unit), Some(old)) = (caps.get(1), caps.get(2), caps.get(3)) else {
            continue;
        };
        let plural = unit.as_str().ends_with(['s', 'S']);
        let next = caps.get(4).map(|word| word.as_str().to_lowercase());
        if plural || next.is_none_or(|word| AFTER_YEAR_OLD.split_whitespace().any(|w| w == word)) {
            push(number, old.end());
        }
    }
    for caps in AGE_SUI.captures_iter(text) {
        if let (Some(whole), Some(number)) = (caps.get(0), caps.get(1)) {
            push(number, whole.end());
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Gender

/// Pronouns and the words too ambiguous in capitals (`HIS` is a hospital information system, `MAN`
/// a network): matched in lower case or with a capital first letter.
const GENDER_WORDS_LOWER: &str = "he she him his her hers himself herself man men";

/// Gender nouns matched in lower case, with a capital, or in capitals.
const GENDER_WORDS_ANY: &str = "\
    male males female females woman women gentleman gentlemen lady ladies boy boys girl girls \
    husband husbands wife wives boyfriend girlfriend";

/// English gender words and `s/he`.
static GENDER_EN: LazyLock<Regex> = LazyLock::new(|| {
    let mut words = vec!["[Ss]/[Hh]e".to_owned()];
    let capital = |w: &str| {
        let mut chars = w.chars();
        chars
            .next()
            .map(|c| format!("[{}{}]{}", c, c.to_ascii_uppercase(), chars.as_str()))
            .unwrap_or_default()
    };
    words.extend(GENDER_WORDS_LOWER.split_whitespace().map(capital));
    words.extend(
        GENDER_WORDS_ANY
            .split_whitespace()
            .map(|w| format!("{}|{}", capital(w), w.to_ascii_uppercase())),
    );
    regex(&format!(r"\b(?:{})\b", words.join("|")))
});

/// What after `man` makes it a compound (`man hours`).
static MAN_HOURS: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^\s+(?i:hours?|days?|power|years?)\b"));

/// A title before a capitalised word; group 1 is the title (with its dot), group 2 the next word.
static GENDER_TITLE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b((?:Mr|Mrs|Ms|Miss)\b\.?)\s+(\p{Lu}[\p{L}'\-]*)"));

/// Words after `Ms` that make it Microsoft, not a title.
const MICROSOFT_WORDS: &str = "\
    office excel word access powerpoint outlook project visio sql dynamics teams windows \
    publisher exchange azure sharepoint dos power paint works money edge server crm navision \
    frontpage onenote";

/// A one-letter gender value after a label (`Sex: M`); group 1 is the letter.
static GENDER_LETTER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i:\b(?:gender|sex)\b)\s*[:：]\s*([MFmf])\b"));

/// Chinese gender words, `他`, `她`, and `男` / `女` (each checked for context).
static GENDER_ZH: LazyLock<Regex> =
    LazyLock::new(|| regex(r"男性|女性|男士|女士|先生|小姐|他|她|男|女"));

/// `性别` followed by its value; group 1 is the value.
static GENDER_ZH_FIELD: LazyLock<Regex> = LazyLock::new(|| regex(r"性别\s*[:：]?\s*(男|女)"));

/// Words around `他` that make it "other" rather than "he".
const TA_BEFORE: &[char] = &['其', '吉', '利', '排', '无', '自', '异'];
/// Words after `他` that make it "other(s)" or plural rather than "he".
const TA_AFTER: &[char] = &[
    '人', '们', '乡', '国', '处', '者', '物', '日', '山', '方', '杀', '律',
];

/// The neutral form of an English pronoun, keeping a capital first letter.
fn neutral_pronoun(word: &str) -> Option<&'static str> {
    let capital = word.starts_with(|c: char| c.is_ascii_uppercase());
    let lower = word.to_ascii_lowercase();
    let (small, big) = match lower.as_str() {
        "he" | "she" | "s/he" => ("they", "They"),
        "him" => ("them", "Them"),
        "his" | "her" => ("their", "Their"),
        "hers" => ("theirs", "Theirs"),
        "himself" | "herself" => ("themselves", "Themselves"),
        _ => return None,
    };
    Some(if capital { big } else { small })
}

fn find_gender(text: &str, style: GenderStyle, out: &mut Vec<Match>) {
    let neutral = style == GenderStyle::Neutral;
    let gender = |span: Range<usize>, literal: Option<&'static str>| Match {
        kind: PiiKind::Gender,
        span,
        replacement: literal
            .filter(|_| neutral)
            .map_or(Replacement::Placeholder, Replacement::Literal),
    };
    for m in GENDER_EN.find_iter(text) {
        // `man-hours`, `man hours`, `man-made`: a compound, not a person.
        let rest = text.get(m.end()..).unwrap_or_default();
        if m.as_str().eq_ignore_ascii_case("man")
            && (rest.starts_with('-') || MAN_HOURS.is_match(rest))
        {
            continue;
        }
        out.push(gender(m.range(), neutral_pronoun(m.as_str())));
    }
    for caps in GENDER_TITLE.captures_iter(text) {
        let (Some(title), Some(next)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let microsoft = || {
            let next = next.as_str().to_lowercase();
            MICROSOFT_WORDS.split_whitespace().any(|w| w == next)
        };
        if title.as_str() == "Ms" && microsoft() {
            continue;
        }
        let literal = if title.as_str().ends_with('.') {
            "Mx."
        } else {
            "Mx"
        };
        out.push(gender(title.range(), Some(literal)));
    }
    for caps in GENDER_LETTER
        .captures_iter(text)
        .chain(GENDER_ZH_FIELD.captures_iter(text))
    {
        if let Some(value) = caps.get(1) {
            out.push(gender(value.range(), None));
        }
    }
    for m in GENDER_ZH.find_iter(text) {
        let before = char_before(text, m.start());
        let after = char_at(text, m.end());
        let keep = match m.as_str() {
            "他" => {
                !(before.is_some_and(|c| TA_BEFORE.contains(&c))
                    || after.is_some_and(|c| TA_AFTER.contains(&c)))
            }
            // Standing alone, not inside a word such as 女装 or 男篮.
            "男" | "女" => !before.is_some_and(is_han) && !after.is_some_and(is_han),
            _ => true,
        };
        if keep {
            let literal = matches!(m.as_str(), "他" | "她").then_some("TA");
            out.push(gender(m.range(), literal));
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Names, ID numbers, messaging ids and addresses

/// A name after a name label; group 1 is the name.
static NAME_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:姓\s*名|(?i:\b(?:full\s+)?name\b))\s*[:：]?\s*(\p{Han}{1,4}[·•]\p{Han}{1,6}|\p{Han}{2,4}|\p{Lu}[\p{L}'\-]*(?:[ 	]+\p{Lu}[\p{L}'\-]*){0,2})",
    )
});

/// Words that follow `Name:` in forms and postings without being a name.
const NOT_NAMES: &str = "of the and or not required n/a na none";

fn find_names(text: &str, out: &mut Vec<Match>) {
    for caps in NAME_LABELLED.captures_iter(text) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let latin = name.as_str().starts_with(|c: char| c.is_ascii_alphabetic());
        // An English label needs its colon (`name` alone is a word), and a Han name must end where
        // the Han run ends.
        // A Han name needs a colon or a space after its label (`姓名要求` is not a name field).
        let separated = whole.as_str()[..name.start() - whole.start()]
            .contains(|c: char| c == ':' || c == '：' || c.is_whitespace());
        if (latin && !whole.as_str().contains([':', '：'])) || (!latin && !separated) {
            continue;
        }
        if latin
            && NOT_NAMES
                .split_whitespace()
                .any(|w| w.eq_ignore_ascii_case(name.as_str()))
        {
            continue;
        }
        if !latin && char_at(text, name.end()).is_some_and(is_han) {
            continue;
        }
        out.push(Match::new(PiiKind::Name, name.range()));
    }
}

/// An 18-character Chinese resident ID: region, birth date (19xx/20xx), sequence, check character.
static ID_CN: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]",
    )
});

/// An ID number after its label; group 1 is the number (18 or 15 characters).
static ID_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:身份证(?:号码|号)?|公民身份号码|(?i:\bID\s*(?:card\s*)?(?:no\.?|number|#)))\s*[:：]?\s*([0-9]{17}[0-9Xx]|[0-9]{15})",
    )
});

/// Whether the 18th character of a Chinese ID is its ISO 7064 MOD 11-2 check character.
fn id_checksum_ok(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let mut sum = 0;
    for (byte, weight) in bytes[..17].iter().zip(WEIGHTS) {
        if !byte.is_ascii_digit() {
            return false;
        }
        sum += u32::from(byte - b'0') * weight;
    }
    bytes[17].to_ascii_uppercase() == CHECK[(sum % 11) as usize]
}

fn find_id_numbers(text: &str, out: &mut Vec<Match>) {
    let glued = |span: &Range<usize>| {
        char_before(text, span.start).is_some_and(|c| c.is_ascii_alphanumeric())
            || char_at(text, span.end).is_some_and(|c| c.is_ascii_alphanumeric())
    };
    for caps in ID_LABELLED.captures_iter(text) {
        if let Some(number) = caps.get(1)
            && !glued(&number.range())
        {
            out.push(Match::new(PiiKind::IdNumber, number.range()));
        }
    }
    for m in ID_CN.find_iter(text) {
        if id_checksum_ok(m.as_str()) && !glued(&m.range()) {
            out.push(Match::new(PiiKind::IdNumber, m.range()));
        }
    }
}

/// A WeChat or QQ id after its label; group 1 is a WeChat id, group 2 a QQ number.
static MESSAGING_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:(?:微信号?\s*[:：]?|(?i:\bwe\s?chat\b)(?:\s*(?i:id|no\.?)\s*[:：]?|\s*[:：])|(?i:\bwx\b)\s*[:：])\s*(1[3-9][0-9]{9}|[A-Za-z][A-Za-z0-9_\-]{5,19})|(?i:\bQQ)(?:\s*(?:号码?|(?i:no\.?|number|#)))?\s*[:：]?\s*([1-9][0-9]{4,10}))",
    )
});

fn find_messaging_ids(text: &str, out: &mut Vec<Match>) {
    for caps in MESSAGING_LABELLED.captures_iter(text) {
        let Some(id) = caps.get(1).or_else(|| caps.get(2)) else {
            continue;
        };
        // The id must end where its word ends (`QQ12345678901234` is no QQ number).
        if char_at(text, id.end()).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        out.push(Match::new(PiiKind::MessagingId, id.range()));
    }
}

/// An address after its label; group 1 is the address, up to the end of the clause.
static ADDRESS_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:家庭住址|家庭地址|通讯地址|联系地址|居住地址|现居住地|现住址|户籍地址|住址|地址)\s*[:：]?\s*([^\s,，;；。|
][^,，;；。|
]{3,60}?)\s*(?:[,，;；。|
]|$)",
    )
});

/// Characters that precede a place name without being part of it (`在`, `于`, `住`, `位`, ...).
const ADDRESS_LEADERS: &[char] = &['在', '于', '住', '位', '至', '到', '从', '往', '自', '居'];

/// A street address: a place (an optional province, then a city, a district or county, or both), a
/// street, its number and what follows the number (building, floor, room).
static ADDRESS_STREET: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:\p{Han}{2,4}(?:省|自治区))?(?:\p{Han}{2,4}市(?:\p{Han}{2,4}[区县])?|\p{Han}{2,4}[区县])\p{Han}{1,8}?(?:路|街|大道|道|巷|弄|胡同)[0-9]{1,5}(?:-[0-9]{1,5})?号(?:\p{Han}{0,8}?[0-9A-Za-z\-]{1,6}(?:号楼|栋|幢|座|单元|层|楼|室|号))*",
    )
});

fn find_addresses(text: &str, out: &mut Vec<Match>) {
    for caps in ADDRESS_LABELLED.captures_iter(text) {
        if let Some(address) = caps.get(1)
            && address.as_str().chars().any(is_han)
        {
            out.push(Match::new(PiiKind::Address, address.range()));
        }
    }
    for m in ADDRESS_STREET.find_iter(text) {
        // The place may have taken a preposition or verb before it (`住在杭州市...`): leave those.
        let address = m.as_str().trim_start_matches(ADDRESS_LEADERS);
        out.push(Match::new(
            PiiKind::Address,
            m.end() - address.len()..m.end(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> String {
        Redactor::default().redact(text).text
    }

    fn only(kind: PiiKind, text: &str) -> String {
        Redactor::builder()
            .with_only([kind])
            .build()
            .expect("default placeholders")
            .redact(text)
            .text
    }

    #[test]
    fn every_pattern_compiles() {
        for re in [
            &EMAIL,
            &URL,
            &PHONE_INTERNATIONAL,
            &PHONE_NANP,
            &PHONE_CHINA,
            &PHONE_LABELLED,
            &DOB_LABELLED,
            &DOB_BEFORE_BIRTH,
            &AGE_LABELLED,
            &AGE_YEARS_OLD,
            &AGE_SUI,
            &AGE_NOT_AFTER,
            &GENDER_EN,
            &GENDER_TITLE,
            &GENDER_LETTER,
            &GENDER_ZH,
            &GENDER_ZH_FIELD,
        ] {
            assert!(!re.as_str().is_empty());
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            only(PiiKind::Email, "E-mail:Hassan_aly1014@yahoo.com."),
            "E-mail:[EMAIL]."
        );
        assert_eq!(
            only(PiiKind::Email, "(jo.e+x@mail.example.co.uk)"),
            "([EMAIL])"
        );
        assert_eq!(
            only(PiiKind::Email, "Chef@Your service"),
            "Chef@Your service"
        );
        assert_eq!(
            only(PiiKind::Email, "邮箱zhangsan@163.com联系"),
            "邮箱[EMAIL]联系"
        );
        assert_eq!(
            only(PiiKind::Url, "主页github.com/zhang欢迎"),
            "主页[URL]欢迎"
        );
    }

    #[test]
    fn urls_trim_trailing_punctuation() {
        assert_eq!(
            only(PiiKind::Url, "See https://example.com/a?b=1."),
            "See [URL]."
        );
        assert_eq!(only(PiiKind::Url, "(www.example.org/x)"), "([URL])");
        assert_eq!(
            only(PiiKind::Url, "https://en.wikipedia.org/wiki/A_(b), next"),
            "[URL], next"
        );
        assert_eq!(only(PiiKind::Url, "linkedin.com/in/jane-doe;"), "[URL];");
        assert_eq!(
            only(PiiKind::Url, "ASP.NET/C#, VB.NET and Salesforce.com"),
            "ASP.NET/C#, VB.NET and Salesforce.com"
        );
        assert_eq!(only(PiiKind::Url, "see http:// now"), "see http:// now");
    }

    #[test]
    fn an_email_domain_is_not_a_url() {
        let found = Redactor::default().find("jane@www.example.com");
        assert_eq!(found, vec![(PiiKind::Email, 0..20)]);
    }

    #[test]
    fn phones() {
        for (text, want) in [
            ("+1 (415) 555-0134", "[PHONE]"),
            ("+44 20 7946 0958", "[PHONE]"),
            ("415.555.0134", "[PHONE]"),
            ("(415) 555-0134", "[PHONE]"),
            ("+86 138 0013 8000", "[PHONE]"),
            ("手机13800138000。", "手机[PHONE]。"),
            ("138-0013-8000", "[PHONE]"),
            ("010-12345678", "[PHONE]"),
            ("Phone: 555-0134", "Phone: [PHONE]"),
            ("Tel. 0044 20 7946", "Tel. [PHONE]"),
        ] {
            assert_eq!(only(PiiKind::Phone, text), want, "{text}");
        }
    }

    #[test]
    fn not_phones() {
        for text in [
            "2015-2019",
            "01/2015 - 12/2019",
            "$120,000",
            "94107-1234",
            "3.10.4",
            "1985-03-12",
            "12 345",
            "138001380001",
            "ISBN 978-0-13-468599-1",
            "Phone: 12",
        ] {
            assert_eq!(only(PiiKind::Phone, text), text);
        }
    }

    #[test]
    fn dates_of_birth() {
        for (text, want) in [
            ("DOB: 12/03/1985", "DOB: [DOB]"),
            ("D.O.B. 27-12-1978", "D.O.B. [DOB]"),
            ("Date of birth: March 3, 1985", "Date of birth: [DOB]"),
            ("Date of Birth : 20th Oct-1985", "Date of Birth : [DOB]"),
            ("Birthday: 18th of February, 1992", "Birthday: [DOB]"),
            ("born on 1985-03-12", "born on [DOB]"),
            ("born in 1985 in Ohio", "born in [DOB] in Ohio"),
            ("出生日期：1985年3月", "出生日期：[DOB]"),
            ("出生年月：1985.03", "出生年月：[DOB]"),
            ("1985年3月出生", "[DOB]出生"),
            ("1990年生，", "[DOB]生，"),
        ] {
            assert_eq!(only(PiiKind::DateOfBirth, text), want, "{text}");
        }
    }

    #[test]
    fn not_dates_of_birth() {
        for text in [
            "Jan 2015 - Present",
            "03/2014 to 05/2017",
            "Birth: Des Moines, WA",
            "DOB SST: Fall Prevention Training",
            "born and raised in Texas",
            "2019年3月生产线投产",
            "2015年毕业生",
        ] {
            assert_eq!(only(PiiKind::DateOfBirth, text), text);
        }
    }

    #[test]
    fn ages() {
        for (text, want) in [
            ("age 45", "age [AGE]"),
            ("Age: 45", "Age: [AGE]"),
            ("aged 45,", "aged [AGE],"),
            ("45 years old", "[AGE] years old"),
            ("a 45-year-old woman", "a [AGE]-year-old woman"),
            ("(33 Years Old)", "([AGE] Years Old)"),
            ("45岁", "[AGE]岁"),
            ("年龄：45", "年龄：[AGE]"),
            ("年龄：28岁", "年龄：[AGE]岁"),
        ] {
            assert_eq!(only(PiiKind::Age, text), want, "{text}");
        }
    }

    #[test]
    fn not_ages() {
        for text in [
            "5 years of experience",
            "10 years old company",
            "students age 15-18",
            "ages 3 to 5",
            "receivables aged 90 days",
            "average 45",
            "25-35岁",
            "18岁以上用户",
            "a 5-year-old program",
        ] {
            assert_eq!(only(PiiKind::Age, text), text);
        }
    }

    #[test]
    fn gender_words() {
        for (text, want) in [
            ("She led his team.", "[GENDER] led [GENDER] team."),
            ("Gender: Male", "Gender: [GENDER]"),
            ("Sex : F.", "Sex : [GENDER]."),
            (
                "Mr. Smith and Ms Jones",
                "[GENDER] Smith and [GENDER] Jones",
            ),
            (
                "MS Office, Ms Excel, HIS, HER2",
                "MS Office, Ms Excel, HIS, HER2",
            ),
            ("性别：男", "性别：[GENDER]"),
            ("性别女", "性别[GENDER]"),
            ("张三 | 女 | 28岁", "张三 | [GENDER] | 28岁"),
            ("她负责女装和男装销售", "[GENDER]负责女装和男装销售"),
            ("其他技能：吉他；他人评价", "其他技能：吉他；他人评价"),
            ("王先生，男性", "王[GENDER]，[GENDER]"),
        ] {
            assert_eq!(only(PiiKind::Gender, text), want, "{text}");
        }
    }

    #[test]
    fn neutral_gender_style() {
        let redactor = Redactor::builder()
            .with_only([PiiKind::Gender])
            .with_gender_style(GenderStyle::Neutral)
            .build()
            .expect("default placeholders");
        let out = redactor
            .redact("He said she trusts him; Mrs. Lee is female. 她很好。")
            .text;
        assert_eq!(
            out,
            "They said they trusts them; Mx. Lee is [GENDER]. TA很好。"
        );
    }

    #[test]
    fn earliest_then_longest_wins() {
        let kept = resolve_overlaps(vec![
            Match::new(PiiKind::Url, 5..10),
            Match::new(PiiKind::Phone, 0..4),
            Match::new(PiiKind::Email, 0..8),
            Match::new(PiiKind::Age, 8..12),
            Match::new(PiiKind::Gender, 3..3),
        ]);
        let spans: Vec<_> = kept.iter().map(|m| (m.kind, m.span.clone())).collect();
        assert_eq!(spans, vec![(PiiKind::Email, 0..8), (PiiKind::Age, 8..12)]);
    }

    #[test]
    fn blank_placeholder_is_an_error() {
        let err = Redactor::builder()
            .with_placeholder(PiiKind::Age, " ")
            .build()
            .unwrap_err();
        assert_eq!(
            err,
            RedactError::EmptyPlaceholder {
                kind: PiiKind::Age,
                placeholder: " ".into()
            }
        );
        assert!(err.to_string().contains("[AGE]"));
    }

    #[test]
    fn custom_placeholder() {
        let redactor = Redactor::builder()
            .with_placeholder(PiiKind::Email, "<mail>")
            .build()
            .expect("non-blank");
        assert_eq!(redactor.redact("a@b.io").text, "<mail>");
        assert_eq!(redact("a@b.io"), "[EMAIL]");
    }

    #[test]
    fn restore_reconstructs() {
        let text = "Jane (she/her), jane@x.org, +1 415 555 0134, DOB 1985-03-12, age 39.";
        let redacted = Redactor::default().redact(text);
        assert_eq!(redacted.restore(), text);
        assert_eq!(redacted.redactions.len(), 6);
    }

    #[test]
    fn send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Redactor>();
        assert_send_sync::<Redacted>();
    }
}
