//! Skill extraction: a gazetteer of skill names found in text by one Aho-Corasick pass, with a bundled default list.
//!
//! A [`SkillGazetteer`] maps surface forms (`"mysql"`, `"Spring Boot"`, `"R"`) to canonical skill names and finds
//! them in a text with [`SkillGazetteer::extract`], which returns one [`SkillMatch`] per occurrence: the canonical
//! name, the byte span in the text given, and the text matched.
//!
//! How matching works:
//!
//! - **Case.** A form is matched ignoring case (full Unicode lower-casing, not only ASCII), unless it is listed
//!   among its entry's case-sensitive forms ([`SkillEntry::case_sensitive`]): short or ambiguous names such as
//!   `R`, `Go` or `Excel` are only found spelled exactly so.
//! - **Spaces.** Any run of white space in the text matches one space in a form, so a multi-word skill broken over
//!   two lines (`"Spring\nBoot"`) is still found.
//! - **Word boundaries.** In Latin and other spaced scripts a match must not start or end inside a word: `Java` is
//!   not found in `JavaScript`, `R` not in `React`, `SQL` not in `T-SQL`. A `.`, `-` or `&` between two letters or
//!   digits joins them into one word (`Node.js`, `e-commerce`, `R&D`), while a sentence period after a skill
//!   (`"... and SQL."`) is fine; `+` and `#` after a word continue it (`C` is not found in `C++` or `C#`). Forms
//!   that start or end with such signs (`C++`, `C#`, `.NET`) are matched like any other. A single letter followed
//!   by a period is taken for an initial (`John R. Smith`) and not matched.
//! - **Character boundaries in CJK.** Han, kana, Hangul, Thai, Lao, Khmer and Myanmar characters count as words on
//!   their own, so a match next to them is accepted: `熟悉Spring Boot和MySQL` gives `Spring Boot` and `MySQL`.
//! - **Overlaps.** Among the valid matches, the leftmost wins, then the longest; matches never overlap. A longer
//!   form that fails the boundary test does not hide a shorter valid one at the same place.
//!
//! The default gazetteer ([`SkillGazetteer::default_gazetteer`]) is built from the MIT-licensed skill list of the
//! `skill-extractor` project and the technology examples of O*NET 29.3 (CC BY 4.0); `crates/text/data/NOTICE.md`
//! has the attribution and `scripts/build-gazetteer.py` rebuilds it. Bring your own list with
//! [`SkillGazetteer::from_entries`], [`SkillGazetteer::from_tsv_reader`] or [`SkillGazetteer::from_path`].
//!
//! The TSV format: one skill per line, up to four tab-separated columns (`<TAB>` below stands for a tab), lists
//! inside a column separated by `|`:
//!
//! ```text
//! # name<TAB>aliases<TAB>case-sensitive forms<TAB>sources
//! MySQL
//! Go<TAB>golang<TAB>Go<TAB>curated
//! Microsoft Excel<TAB>ms excel<TAB>Excel<TAB>onet|skills-gazetteer
//! ```
//!
//! Blank lines and lines starting with `#` are skipped; a trailing `\r` is dropped. Missing trailing columns are
//! empty.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

/// The bundled default gazetteer, as committed in `crates/text/data/skills.tsv`.
const DEFAULT_TSV: &str = include_str!("../data/skills.tsv");

/// The bundled Chinese names of skills, `crates/text/data/skills-zh.tsv` (hand-made, one justification per row).
const DEFAULT_ZH_TSV: &str = include_str!("../data/skills-zh.tsv");

/// Built on first use; the bundled files are checked by the unit test `default_gazetteer_parses`.
static DEFAULT: LazyLock<SkillGazetteer> = LazyLock::new(|| {
    // Cannot fail: the TSVs are compiled in and the test `default_gazetteer_parses` builds them on every test run.
    SkillGazetteer::from_tsv_reader(DEFAULT_TSV.as_bytes())
        .and_then(|gazetteer| gazetteer.with_translations(DEFAULT_ZH_TSV.as_bytes()))
        .expect("the bundled skills.tsv and skills-zh.tsv are a valid gazetteer")
});

/// An error while building a [`SkillGazetteer`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SkillError {
    /// No entry was given.
    #[error(
        "the skill gazetteer is empty: give at least one skill (one name per line in a TSV file)"
    )]
    Empty,
    /// A gazetteer file could not be opened.
    #[error("cannot open skill gazetteer {path}: {source}")]
    Open {
        /// The file that was asked for.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A line could not be read (an I/O error, or bytes that are not UTF-8).
    #[error(
        "cannot read line {line} of the skill gazetteer: {source}; the file must be UTF-8 text"
    )]
    Read {
        /// The 1-based line number.
        line: usize,
        /// The I/O error.
        source: io::Error,
    },
    /// A TSV line does not have the expected shape.
    #[error(
        "line {line} of the skill gazetteer is malformed ({reason}): {text:?}; expected \
         `name<TAB>aliases<TAB>case-sensitive forms<TAB>sources` with lists separated by `|`"
    )]
    Malformed {
        /// The 1-based line number.
        line: usize,
        /// The line's text.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A name or alias cannot be matched: it is empty or has no letter or digit.
    #[error("skill {skill:?} has an unusable form {form:?}{}: {reason}; remove it or give a real spelling", AtLine(*.line))]
    InvalidForm {
        /// The entry's name.
        skill: String,
        /// The bad form.
        form: String,
        /// Why it is bad.
        reason: &'static str,
        /// The 1-based line number, when the entry came from a TSV file.
        line: Option<usize>,
    },
    /// Two entries claim the same spelling, so a match could not tell which skill it is.
    #[error(
        "the form {form:?} belongs to both {first:?} and {second:?}{}: give each spelling to one skill \
         (merge the entries, or drop the alias from one)",
        AtLine(*.line)
    )]
    Conflict {
        /// The shared form.
        form: String,
        /// The entry that claimed it first.
        first: String,
        /// The entry that claimed it again.
        second: String,
        /// The 1-based line number of the second entry, when it came from a TSV file.
        line: Option<usize>,
    },
    /// An error in a gazetteer file, with the file's path.
    #[error("in skill gazetteer {path}: {source}")]
    InFile {
        /// The file being read.
        path: PathBuf,
        /// The error found in it.
        source: Box<SkillError>,
    },
    /// The automaton could not be built (the patterns exceed its limits).
    #[error("cannot build the skill matcher: {0}; use a smaller gazetteer")]
    Build(#[from] aho_corasick::BuildError),
}

/// A `Result` whose error defaults to [`SkillError`].
pub type Result<T, E = SkillError> = std::result::Result<T, E>;

/// Formats ` (line N)` when a line number is known.
struct AtLine(Option<usize>);

impl fmt::Display for AtLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, " (line {line})"),
            None => Ok(()),
        }
    }
}

/// One skill of a gazetteer: its canonical name and the spellings that mean it.
///
/// The name is matched ignoring case, unless it is also listed in [`case_sensitive`](Self::case_sensitive).
///
/// ```
/// use jobfit_text::SkillEntry;
///
/// let go = SkillEntry::new("Go").with_alias("golang").with_case_sensitive("Go");
/// assert_eq!(go.name, "Go");
/// assert_eq!(go.aliases, ["golang"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SkillEntry {
    /// The canonical name, returned in every match of this skill (`"MySQL"`, `"Microsoft Excel"`).
    pub name: String,
    /// Other spellings, matched ignoring case (`"mysql db"`, `"ms excel"`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Spellings matched only with exactly this case (`"R"`, `"Go"`, `"Excel"`). List the name here to match the
    /// name itself only case-sensitively.
    #[serde(default)]
    pub case_sensitive: Vec<String>,
    /// Where the entry comes from (`"onet"`, `"skills-gazetteer"`, `"curated"`); not used for matching.
    #[serde(default)]
    pub sources: Vec<String>,
}

impl SkillEntry {
    /// An entry with a canonical name and no other spelling.
    pub fn new(name: impl Into<String>) -> Self {
        SkillEntry {
            name: name.into(),
            ..SkillEntry::default()
        }
    }

    /// Adds a spelling matched ignoring case.
    #[must_use]
    pub fn with_alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }

    /// Adds a spelling matched only with exactly this case.
    #[must_use]
    pub fn with_case_sensitive(mut self, form: impl Into<String>) -> Self {
        self.case_sensitive.push(form.into());
        self
    }

    /// Adds a source label.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.sources.push(source.into());
        self
    }

    /// Whether the name is matched ignoring case (it is not listed among the case-sensitive forms).
    fn name_ignores_case(&self) -> bool {
        let name = collapse_spaces(&self.name);
        !self
            .case_sensitive
            .iter()
            .any(|form| collapse_spaces(form) == name)
    }
}

/// One skill found in a text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SkillMatch {
    /// The canonical name of the skill ([`SkillEntry::name`]).
    pub skill: String,
    /// Where it was found: a byte range into the text given, on char boundaries.
    pub span: Range<usize>,
    /// The text at `span`, as written (`"mysql"` for the skill `"MySQL"`).
    pub matched: String,
}

/// A set of skills and an automaton that finds them in text.
///
/// Cloning is cheap (the automaton is shared), and a gazetteer can be shared between threads.
///
/// ```
/// use jobfit_text::{SkillEntry, SkillGazetteer};
///
/// let gazetteer = SkillGazetteer::from_entries([
///     SkillEntry::new("Spring Boot"),
///     SkillEntry::new("MySQL"),
///     SkillEntry::new("Java"),
/// ])?;
/// let found: Vec<_> = gazetteer.extract("熟悉Spring Boot和MySQL, not JavaScript").into_iter().map(|m| m.skill).collect();
/// assert_eq!(found, ["Spring Boot", "MySQL"]);
/// # Ok::<(), jobfit_text::SkillError>(())
/// ```
#[derive(Clone)]
pub struct SkillGazetteer {
    inner: Arc<Inner>,
}

struct Inner {
    entries: Vec<SkillEntry>,
    /// Finds the lower-cased forms in lower-cased text; pattern `i` is `targets[i]`.
    automaton: AhoCorasick,
    targets: Vec<Target>,
    /// Lower-cased form to pattern index, for [`SkillGazetteer::canonical_name`].
    by_key: HashMap<String, usize>,
}

/// What a lower-cased pattern stands for.
#[derive(Debug)]
enum Target {
    /// Any casing of the pattern means this entry.
    AnyCase(usize),
    /// Only these exact spellings (spaces collapsed) count, each meaning its entry.
    Exact(Vec<(String, usize)>),
}

impl fmt::Debug for SkillGazetteer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkillGazetteer")
            .field("skills", &self.inner.entries.len())
            .field("forms", &self.inner.targets.len())
            .finish_non_exhaustive()
    }
}

impl SkillGazetteer {
    /// The bundled default gazetteer (about 30,000 skills: software, programming languages, methods, trades and
    /// professional fields), built on first use and shared afterwards.
    ///
    /// The first call takes a fraction of a second; later calls are free.
    pub fn default_gazetteer() -> &'static SkillGazetteer {
        &DEFAULT
    }

    /// Builds a gazetteer from entries.
    ///
    /// # Errors
    ///
    /// [`SkillError::Empty`] without entries, [`SkillError::InvalidForm`] for a name or alias that is blank or has
    /// no letter or digit, [`SkillError::Conflict`] when two entries share a spelling.
    pub fn from_entries<I: IntoIterator<Item = SkillEntry>>(entries: I) -> Result<Self> {
        Self::build(entries.into_iter().collect(), None)
    }

    /// Reads a gazetteer in the TSV format of the bundled `data/skills.tsv`:
    /// one skill per line, up to four tab-separated columns (name, aliases,
    /// case-sensitive forms, sources), lists inside a column separated by `|`;
    /// blank lines and lines starting with `#` are skipped.
    ///
    /// # Errors
    ///
    /// [`SkillError::Read`] for an I/O error or text that is not UTF-8, [`SkillError::Malformed`] for a line with
    /// more than four columns, an empty name or an empty item in a list, and the errors of
    /// [`from_entries`](Self::from_entries), all with their line number.
    pub fn from_tsv_reader<R: Read>(reader: R) -> Result<Self> {
        let mut reader = BufReader::new(reader);
        let mut entries = Vec::new();
        let mut lines = Vec::new();
        let mut buf = String::new();
        let mut line = 0;
        loop {
            buf.clear();
            line += 1;
            match reader.read_line(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(source) => return Err(SkillError::Read { line, source }),
            }
            let text = buf.strip_suffix('\n').unwrap_or(&buf);
            let text = text.strip_suffix('\r').unwrap_or(text);
            if text.trim().is_empty() || text.starts_with('#') {
                continue;
            }
            entries.push(parse_line(text, line)?);
            lines.push(line);
        }
        Self::build(entries, Some(&lines))
    }

    /// Reads a gazetteer TSV file (see [`from_tsv_reader`](Self::from_tsv_reader)).
    ///
    /// # Errors
    ///
    /// [`SkillError::Open`] when the file cannot be opened; otherwise the errors of
    /// [`from_tsv_reader`](Self::from_tsv_reader) wrapped in [`SkillError::InFile`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| SkillError::Open {
            path: path.into(),
            source,
        })?;
        Self::from_tsv_reader(file).map_err(|source| SkillError::InFile {
            path: path.into(),
            source: Box::new(source),
        })
    }

    /// Adds the names of skills in another language from a TSV of four tab-separated columns: the forms in that
    /// language (separated by `|`), the canonical skill they name, English forms to add with them (separated by
    /// `|`, may be empty), and why the forms mean that skill (required: the list is meant to be reviewed).
    ///
    /// The canonical skill is looked up by name ignoring case; its entry gains the forms as aliases (and the
    /// source `zh-curated`). A skill the gazetteer does not have is created with the English forms. So
    /// `项目管理<TAB>project management<TAB><TAB>...` makes `项目管理` in a Chinese resume the same skill as
    /// `project management` in an English job. The bundled default gazetteer includes
    /// `crates/text/data/skills-zh.tsv` this way.
    ///
    /// ```
    /// use jobfit_text::{SkillEntry, SkillGazetteer};
    ///
    /// let gazetteer = SkillGazetteer::from_entries([SkillEntry::new("project management")])?
    ///     .with_translations("项目管理\tproject management\t\t项目 (project) + 管理 (management)\n".as_bytes())?;
    /// assert_eq!(gazetteer.skill_set("五年项目管理经验").into_iter().collect::<Vec<_>>(), ["project management"]);
    /// # Ok::<(), jobfit_text::SkillError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SkillError::Read`] and [`SkillError::Malformed`] (with the line) for a line that cannot be read or has
    /// not four columns, an empty form list, name or justification; the errors of
    /// [`from_entries`](Self::from_entries) when a form is unusable or already belongs to another skill.
    pub fn with_translations<R: Read>(&self, reader: R) -> Result<Self> {
        let mut entries = self.inner.entries.clone();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            by_name.entry(entry.name.to_lowercase()).or_insert(index);
        }
        let mut reader = BufReader::new(reader);
        let mut buf = String::new();
        let mut line = 0;
        loop {
            buf.clear();
            line += 1;
            match reader.read_line(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(source) => return Err(SkillError::Read { line, source }),
            }
            let text = buf.strip_suffix('\n').unwrap_or(&buf);
            let text = text.strip_suffix('\r').unwrap_or(text);
            if text.trim().is_empty() || text.starts_with('#') {
                continue;
            }
            let malformed = |reason: &str| SkillError::Malformed {
                line,
                text: text.to_owned(),
                reason: reason.to_owned(),
            };
            let columns: Vec<&str> = text.split('\t').map(str::trim).collect();
            let [forms, name, english, why] = columns[..] else {
                return Err(malformed(
                    "a translation line has 4 columns: forms, canonical skill, English forms, why",
                ));
            };
            let list = |column: &str| -> Vec<String> {
                column
                    .split('|')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let (forms, english) = (list(forms), list(english));
            if forms.is_empty() || name.is_empty() || why.is_empty() {
                return Err(malformed(
                    "the forms, the canonical skill and the justification must not be empty",
                ));
            }
            let index = match by_name.get(&name.to_lowercase()) {
                Some(&index) => index,
                None => {
                    by_name.insert(name.to_lowercase(), entries.len());
                    entries.push(SkillEntry::new(name));
                    entries.len() - 1
                }
            };
            let entry = &mut entries[index];
            let mut known: BTreeSet<String> = std::iter::once(&entry.name)
                .chain(&entry.aliases)
                .filter_map(|form| form_key(form).ok())
                .collect();
            for form in english.into_iter().chain(forms) {
                if let Ok(key) = form_key(&form)
                    && known.insert(key)
                {
                    entry.aliases.push(form);
                }
            }
            if !entry.sources.iter().any(|source| source == "zh-curated") {
                entry.sources.push("zh-curated".to_owned());
            }
        }
        Self::build(entries, None)
    }

    /// The entries, in the order given.
    pub fn entries(&self) -> &[SkillEntry] {
        &self.inner.entries
    }

    /// The number of skills.
    pub fn len(&self) -> usize {
        self.inner.entries.len()
    }

    /// Always `false`: a gazetteer has at least one skill.
    pub fn is_empty(&self) -> bool {
        self.inner.entries.is_empty()
    }

    /// The canonical name for a spelling, if the gazetteer knows it (`"mysql"` gives `"MySQL"`).
    ///
    /// The spelling must be a whole form: case is ignored except for case-sensitive forms, and runs of white space
    /// count as one space.
    pub fn canonical_name(&self, form: &str) -> Option<&str> {
        let key = fold(form);
        let index = *self.inner.by_key.get(key.text.trim_matches(' '))?;
        let entry = match self.inner.targets.get(index)? {
            Target::AnyCase(entry) => *entry,
            Target::Exact(spellings) => {
                spellings
                    .iter()
                    .find(|(spelling, _)| same_collapsed(form, spelling))?
                    .1
            }
        };
        self.inner
            .entries
            .get(entry)
            .map(|entry| entry.name.as_str())
    }

    /// Finds the skills in a text: non-overlapping, in text order, leftmost then longest.
    ///
    /// Any string is accepted; spans are byte ranges into `text` on char boundaries.
    ///
    /// ```
    /// use jobfit_text::SkillGazetteer;
    ///
    /// let skills = SkillGazetteer::default_gazetteer().extract("Built REST services in Java and SQL.");
    /// let names: Vec<_> = skills.iter().map(|m| m.skill.as_str()).collect();
    /// assert!(names.contains(&"Java") && names.contains(&"SQL"));
    /// ```
    pub fn extract(&self, text: &str) -> Vec<SkillMatch> {
        let inner = &*self.inner;
        let folded = fold(text);
        let mut candidates: Vec<(Range<usize>, usize)> = Vec::new();
        // Cannot panic: the automaton is built with `MatchKind::Standard`, which supports overlapping search.
        for m in inner.automaton.find_overlapping_iter(folded.text.as_str()) {
            let Some(span) = folded.source_span(m.start()..m.end()) else {
                continue;
            };
            let Some(matched) = text.get(span.clone()) else {
                continue;
            };
            let entry = match inner.targets.get(m.pattern().as_usize()) {
                Some(Target::AnyCase(entry)) => *entry,
                Some(Target::Exact(spellings)) => {
                    match spellings
                        .iter()
                        .find(|(spelling, _)| same_collapsed(matched, spelling))
                    {
                        Some((_, entry)) => *entry,
                        None => continue,
                    }
                }
                None => continue,
            };
            if is_bounded(text, &span) {
                candidates.push((span, entry));
            }
        }
        candidates.sort_by(|(a, _), (b, _)| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut matches = Vec::new();
        let mut end = 0;
        for (span, entry) in candidates {
            if span.start < end {
                continue;
            }
            let (Some(entry), Some(matched)) = (inner.entries.get(entry), text.get(span.clone()))
            else {
                continue;
            };
            end = span.end;
            matches.push(SkillMatch {
                skill: entry.name.clone(),
                span,
                matched: matched.to_owned(),
            });
        }
        matches
    }

    /// The distinct canonical skills found in a text.
    pub fn skill_set(&self, text: &str) -> BTreeSet<String> {
        self.extract(text).into_iter().map(|m| m.skill).collect()
    }

    /// Validates the entries and builds the automaton; `lines[i]` is the TSV line of `entries[i]`.
    fn build(entries: Vec<SkillEntry>, lines: Option<&[usize]>) -> Result<Self> {
        if entries.is_empty() {
            return Err(SkillError::Empty);
        }
        let line_of = |index: usize| lines.and_then(|lines| lines.get(index).copied());
        let mut keys: Vec<String> = Vec::new();
        let mut targets: Vec<Target> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            let any_case = entry
                .name_ignores_case()
                .then_some(&entry.name)
                .into_iter()
                .chain(&entry.aliases);
            let forms = any_case
                .map(|form| (form, false))
                .chain(entry.case_sensitive.iter().map(|form| (form, true)));
            for (form, exact) in forms {
                let key = form_key(form).map_err(|reason| SkillError::InvalidForm {
                    skill: entry.name.clone(),
                    form: form.clone(),
                    reason,
                    line: line_of(index),
                })?;
                let conflict = |other: usize| SkillError::Conflict {
                    form: form.clone(),
                    first: entries
                        .get(other)
                        .map(|e| e.name.clone())
                        .unwrap_or_default(),
                    second: entry.name.clone(),
                    line: line_of(index),
                };
                let Some(&slot) = by_key.get(&key) else {
                    by_key.insert(key.clone(), targets.len());
                    keys.push(key);
                    targets.push(if exact {
                        Target::Exact(vec![(collapse_spaces(form), index)])
                    } else {
                        Target::AnyCase(index)
                    });
                    continue;
                };
                // The slot exists: `by_key` only holds indices of `targets`.
                let Some(target) = targets.get_mut(slot) else {
                    continue;
                };
                match target {
                    Target::AnyCase(other) if *other == index => {}
                    Target::AnyCase(other) => return Err(conflict(*other)),
                    Target::Exact(spellings) => {
                        // An any-case form clashes with every other entry's spelling; an exact one only with the
                        // same spelling.
                        let clash = spellings.iter().find(|(spelling, other)| {
                            *other != index && (!exact || same_collapsed(form, spelling))
                        });
                        if let Some((_, other)) = clash {
                            return Err(conflict(*other));
                        }
                        if !exact {
                            *target = Target::AnyCase(index);
                        } else if !spellings
                            .iter()
                            .any(|(spelling, _)| same_collapsed(form, spelling))
                        {
                            spellings.push((collapse_spaces(form), index));
                        }
                    }
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&keys)?;
        Ok(SkillGazetteer {
            inner: Arc::new(Inner {
                entries,
                automaton,
                targets,
                by_key,
            }),
        })
    }
}

/// Parses one non-comment TSV line.
fn parse_line(text: &str, line: usize) -> Result<SkillEntry> {
    let malformed = |reason: String| SkillError::Malformed {
        line,
        text: text.to_owned(),
        reason,
    };
    let columns: Vec<&str> = text.split('\t').collect();
    if columns.len() > 4 {
        return Err(malformed(format!(
            "{} columns, at most 4 expected",
            columns.len()
        )));
    }
    let column = |i: usize| columns.get(i).copied().unwrap_or("");
    let name = column(0).trim();
    if name.is_empty() {
        return Err(malformed("the name (first column) is empty".into()));
    }
    let list = |i: usize, what: &str| -> Result<Vec<String>> {
        let value = column(i).trim();
        if value.is_empty() {
            return Ok(Vec::new());
        }
        value
            .split('|')
            .map(|item| match item.trim() {
                "" => Err(malformed(format!("an empty item in the {what} list"))),
                item => Ok(item.to_owned()),
            })
            .collect()
    };
    Ok(SkillEntry {
        name: name.to_owned(),
        aliases: list(1, "aliases")?,
        case_sensitive: list(2, "case-sensitive forms")?,
        sources: list(3, "sources")?,
    })
}

/// The automaton key of a form: lower-cased, spaces collapsed and trimmed; an error names what is wrong.
fn form_key(form: &str) -> std::result::Result<String, &'static str> {
    let key = fold(form).text.trim_matches(' ').to_owned();
    if key.is_empty() {
        return Err("it is empty");
    }
    if !key.chars().any(char::is_alphanumeric) {
        return Err("it has no letter or digit");
    }
    Ok(key)
}

/// Lower-cased text with runs of white space collapsed to one space, and where each byte came from.
struct Folded {
    text: String,
    /// For each byte of `text`, the byte range of the original char that produced it.
    source: Vec<(usize, usize)>,
}

impl Folded {
    /// Maps a range of folded bytes back to the original text, or `None` when the range starts or ends inside the
    /// lower-case expansion of one original char (`İ` lower-cases to two chars).
    fn source_span(&self, range: Range<usize>) -> Option<Range<usize>> {
        let first = *self.source.get(range.start)?;
        let last = *self.source.get(range.end.checked_sub(1)?)?;
        let starts_inside = range.start > 0 && self.source.get(range.start - 1) == Some(&first);
        let ends_inside = self.source.get(range.end) == Some(&last);
        (!starts_inside && !ends_inside).then_some(first.0..last.1)
    }
}

/// Lower-cases `text` char by char and collapses white space, remembering where each byte came from.
fn fold(text: &str) -> Folded {
    let mut folded = Folded {
        text: String::with_capacity(text.len()),
        source: Vec::with_capacity(text.len()),
    };
    let mut buf = [0u8; 4];
    for (start, c) in text.char_indices() {
        let origin = (start, start + c.len_utf8());
        if c.is_whitespace() {
            if !folded.text.ends_with(' ') {
                folded.text.push(' ');
                folded.source.push(origin);
            }
            continue;
        }
        for lower in c.to_lowercase() {
            let encoded = lower.encode_utf8(&mut buf);
            folded.text.push_str(encoded);
            folded
                .source
                .extend(std::iter::repeat_n(origin, encoded.len()));
        }
    }
    folded
}

/// `text` with runs of white space collapsed to one space and trimmed.
fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether two strings are equal once runs of white space are collapsed and the ends trimmed.
fn same_collapsed(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// Whether `c` belongs to a script written without spaces between words, where each character stands alone.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1100..=0x11FF // Hangul Jamo
        | 0x1780..=0x17FF // Khmer
        | 0x2E80..=0x2FDF // CJK radicals
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3100..=0x31FF // Bopomofo, Hangul compatibility Jamo, Katakana extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xA960..=0xA97F // Hangul Jamo extended A
        | 0xAC00..=0xD7FF // Hangul syllables, Jamo extended B
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFF66..=0xFFDC // half-width Katakana and Hangul
        | 0x20000..=0x3134F // CJK extensions B to G
    )
}

/// Whether `c` is part of a word in a spaced script: a letter, digit, `_` or combining mark.
fn is_word(c: char) -> bool {
    (c.is_alphanumeric() || c == '_' || unicode_normalization::char::is_combining_mark(c))
        && !is_unspaced(c)
}

/// Signs that join two words into one when they stand between letters or digits (`Node.js`, `e-commerce`, `R&D`).
fn is_joiner(c: char) -> bool {
    matches!(c, '.' | '-' | '&')
}

/// Whether a match at `span` starts and ends on word boundaries (see the module docs).
fn is_bounded(text: &str, span: &Range<usize>) -> bool {
    let (Some(before), Some(matched), Some(after)) = (
        text.get(..span.start),
        text.get(span.clone()),
        text.get(span.end..),
    ) else {
        return false;
    };
    let (Some(first), Some(last)) = (matched.chars().next(), matched.chars().next_back()) else {
        return false;
    };
    let mut before = before.chars().rev();
    if let Some(prev) = before.next() {
        if is_word(prev) && is_word(first) {
            return false;
        }
        if is_joiner(prev) && is_word(first) && before.next().is_some_and(is_word) {
            return false;
        }
    }
    let mut after = after.chars();
    if let Some(next) = after.next() {
        if is_word(last) && is_word(next) {
            return false;
        }
        if (is_word(last) || matches!(last, '+' | '#')) && matches!(next, '+' | '#') {
            return false;
        }
        let following = after.next();
        if is_joiner(next) && is_word(last) && following.is_some_and(is_word) {
            return false;
        }
        // A lone letter before a period is an initial ("John R. Smith").
        if next == '.' && first == last && last.is_alphabetic() && !is_unspaced(last) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gazetteer(entries: &[SkillEntry]) -> SkillGazetteer {
        SkillGazetteer::from_entries(entries.to_vec()).unwrap()
    }

    fn skills(g: &SkillGazetteer, text: &str) -> Vec<String> {
        g.extract(text).into_iter().map(|m| m.skill).collect()
    }

    #[test]
    fn chinese_names_map_to_the_english_skills() {
        let g = SkillGazetteer::default_gazetteer();
        let zh = skills(
            g,
            "五年项目管理经验，擅长数据分析和机器学习，负责财务报表编制；三甲医院护理工作",
        );
        let en = skills(
            g,
            "Project management, data analysis and machine learning; financial reporting; nursing",
        );
        assert_eq!(zh, en);
        for skill in [
            "project management",
            "data analysis",
            "machine learning",
            "nursing",
        ] {
            assert!(zh.iter().any(|s| s == skill), "{skill} in {zh:?}");
        }
        // English skill names inside Chinese text are still found.
        let mixed = skills(g, "熟悉Spring Boot和MySQL，了解大数据");
        assert!(mixed.iter().any(|s| s == "Spring Boot") && mixed.iter().any(|s| s == "big data"));
    }

    #[test]
    fn every_translation_row_is_justified_and_lands_on_one_skill() {
        let rows: Vec<&str> = DEFAULT_ZH_TSV
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .collect();
        assert!(rows.len() >= 60, "{} rows", rows.len());
        let g = SkillGazetteer::default_gazetteer();
        for row in rows {
            let columns: Vec<&str> = row.split('\t').collect();
            assert_eq!(columns.len(), 4, "{row}");
            assert!(
                columns[3].chars().count() >= 6,
                "a real justification: {row}"
            );
            for form in columns[0].split('|') {
                assert_eq!(
                    g.canonical_name(form).map(str::to_lowercase),
                    Some(columns[1].to_lowercase()),
                    "{form} in {row}"
                );
            }
        }
    }

    #[test]
    fn malformed_translations_are_refused_with_their_line() {
        let g = SkillGazetteer::from_entries([SkillEntry::new("project management")]).unwrap();
        for bad in [
            "项目管理\tproject management\n",
            "项目管理\tproject management\t\t\n",
            "\tproject management\t\twhy\n",
        ] {
            let error = g.with_translations(bad.as_bytes()).unwrap_err();
            assert!(
                matches!(error, SkillError::Malformed { line: 1, .. }),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn default_gazetteer_parses() {
        let g = SkillGazetteer::from_tsv_reader(DEFAULT_TSV.as_bytes()).unwrap();
        assert!(!g.is_empty());
    }

    #[test]
    fn fold_lowercases_and_collapses_spaces() {
        let folded = fold("Ab \n\tÇ");
        assert_eq!(folded.text, "ab ç");
        assert_eq!(folded.source, [(0, 1), (1, 2), (2, 3), (5, 7), (5, 7)]);
    }

    #[test]
    fn source_span_rejects_a_split_expansion() {
        // 'İ' (2 bytes) lower-cases to "i\u{307}" (3 bytes).
        let folded = fold("İx");
        assert_eq!(folded.text, "i\u{307}x");
        assert_eq!(folded.source_span(0..3), Some(0..2));
        assert_eq!(folded.source_span(0..1), None);
        assert_eq!(folded.source_span(1..4), None);
        assert_eq!(folded.source_span(3..4), Some(2..3));
    }

    #[test]
    fn boundaries_follow_words_and_joiners() {
        let text = "Java JavaScript e-commerce SQL. Node.js";
        assert!(is_bounded(text, &(0..4)));
        assert!(!is_bounded(text, &(5..9)));
        assert!(!is_bounded(text, &(18..26)));
        assert!(is_bounded(text, &(27..30)));
        assert!(!is_bounded(text, &(32..36)));
    }

    #[test]
    fn non_ascii_case_is_folded() {
        let g = gazetteer(&[SkillEntry::new("Ärztliche Abrechnung")]);
        let found = g.extract("Kenntnisse: ÄRZTLICHE   ABRECHNUNG.");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].skill, "Ärztliche Abrechnung");
        assert_eq!(found[0].matched, "ÄRZTLICHE   ABRECHNUNG");
    }

    #[test]
    fn exact_forms_need_exact_case() {
        let g = gazetteer(&[
            SkillEntry::new("R").with_case_sensitive("R"),
            SkillEntry::new("Python"),
        ]);
        assert_eq!(skills(&g, "R, python"), ["R", "Python"]);
        assert_eq!(skills(&g, "r, PYTHON"), ["Python"]);
        assert_eq!(g.canonical_name("R"), Some("R"));
        assert_eq!(g.canonical_name("r"), None);
        assert_eq!(g.canonical_name(" PYTHON "), Some("Python"));
    }

    #[test]
    fn an_initial_is_not_a_skill() {
        let g = gazetteer(&[SkillEntry::new("R").with_case_sensitive("R")]);
        assert!(skills(&g, "John R. Smith").is_empty());
        assert_eq!(skills(&g, "R/Python"), ["R"]);
    }

    #[test]
    fn two_exact_spellings_of_one_key_can_mean_two_skills() {
        let g = gazetteer(&[
            SkillEntry::new("SAS").with_case_sensitive("SAS"),
            SkillEntry::new("Sas shell").with_case_sensitive("Sas"),
        ]);
        assert_eq!(skills(&g, "SAS, Sas, sas"), ["SAS", "Sas shell"]);
    }

    #[test]
    fn an_exact_and_an_any_case_form_of_one_entry_merge() {
        let g = gazetteer(&[SkillEntry::new("Go")
            .with_case_sensitive("Go")
            .with_alias("go")]);
        assert_eq!(skills(&g, "go GO"), ["Go", "Go"]);
    }

    #[test]
    fn conflicts_name_both_entries() {
        let err = SkillGazetteer::from_entries([
            SkillEntry::new("Go"),
            SkillEntry::new("Golang").with_alias("GO"),
        ])
        .unwrap_err();
        match err {
            SkillError::Conflict {
                form,
                first,
                second,
                line: None,
            } => {
                assert_eq!(
                    (form.as_str(), first.as_str(), second.as_str()),
                    ("GO", "Go", "Golang")
                );
            }
            other => panic!("unexpected error {other:?}"),
        }
        let err = SkillGazetteer::from_entries([
            SkillEntry::new("Go").with_case_sensitive("Go"),
            SkillEntry::new("Golang").with_alias("go"),
        ])
        .unwrap_err();
        assert!(matches!(err, SkillError::Conflict { .. }), "{err:?}");
    }
}
