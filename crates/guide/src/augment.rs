//! Data augmentation for fine-tuning: title and skill synonyms (O*NET
//! alternate titles, ESCO alternative labels, the skill gazetteer's
//! aliases), and section dropout and reordering for resumes; seeded, so the
//! same input and seed give the same output on every machine.

use std::collections::HashMap;
use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use jobfit_match::Catalog;
use jobfit_text::{CsvTable, DataError, ReadOptions, SkillGazetteer, read_jsonl, split_sections};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{GuideError, Result};
use crate::rng::SplitMix64;

/// Where a synonym group comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SynonymSource {
    /// An O*NET occupation's title and alternate titles (bundled catalog).
    OnetTitles,
    /// An ESCO occupation's preferred and alternative labels.
    EscoOccupations,
    /// A gazetteer skill's name and aliases.
    Gazetteer,
    /// Groups given in code.
    Custom,
}

impl SynonymSource {
    /// Whether the group holds job titles (which the held-out rule applies to).
    fn titles(self) -> bool {
        matches!(
            self,
            SynonymSource::OnetTitles | SynonymSource::EscoOccupations
        )
    }
}

/// FNV-1a, 64 bits, of a string's UTF-8 bytes.
pub(crate) fn fnv1a64(text: &str) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01B3);
    }
    hash
}

/// Whether a title belongs to the evaluation part of the project's sets:
/// the FNV-1a 64 hash of its key (lower-cased, white space collapsed) is
/// divisible by 5 (`docs/DATA.md`).
pub fn held_out_title(title: &str) -> bool {
    let key = title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    fnv1a64(&key).is_multiple_of(5)
}

/// Groups of interchangeable phrases, and a matcher that finds them in text.
///
/// A phrase listed in two groups is ambiguous (the O*NET alternate title
/// "Commissioner" names several occupations) and is left out of both; a
/// group left with fewer than two phrases is dropped. Titles held out for
/// evaluation ([`held_out_title`]) are left out by default, so augmented
/// training data never contains an evaluation query.
#[derive(Debug, Clone)]
pub struct SynonymTable {
    groups: Vec<Vec<String>>,
    sources: Vec<SynonymSource>,
    /// Pattern i of the automaton is `patterns[i]` = (group, phrase index).
    patterns: Vec<(usize, usize)>,
    automaton: Option<AhoCorasick>,
}

/// Builds a [`SynonymTable`].
#[derive(Debug, Clone)]
pub struct SynonymTableBuilder {
    groups: Vec<(SynonymSource, Vec<String>)>,
    drop_held_out: bool,
}

impl Default for SynonymTableBuilder {
    fn default() -> Self {
        Self {
            groups: Vec::new(),
            drop_held_out: true,
        }
    }
}

impl SynonymTableBuilder {
    /// Adds a group of interchangeable phrases.
    #[must_use]
    pub fn with_group<S: Into<String>>(
        mut self,
        source: SynonymSource,
        phrases: impl IntoIterator<Item = S>,
    ) -> Self {
        self.groups
            .push((source, phrases.into_iter().map(Into::into).collect()));
        self
    }

    /// Adds each O*NET occupation of the bundled catalog: its title and its
    /// alternate titles (those not held out, as the catalog has them).
    #[must_use]
    pub fn with_onet_titles(mut self) -> Self {
        for job in Catalog::onet().jobs() {
            let mut phrases = vec![job.title.clone()];
            phrases.extend(job.aliases.iter().cloned());
            self.groups.push((SynonymSource::OnetTitles, phrases));
        }
        self
    }

    /// Adds each skill of a gazetteer with its aliases. Skills with a
    /// case-sensitive form (`Excel`, `Go`, `R`: words that are also English
    /// words or letters) are left out: swapping them would change text that
    /// is not about the skill.
    #[must_use]
    pub fn with_gazetteer(mut self, gazetteer: &SkillGazetteer) -> Self {
        for entry in gazetteer.entries() {
            if !entry.case_sensitive.is_empty() || entry.aliases.is_empty() {
                continue;
            }
            let mut phrases = vec![entry.name.clone()];
            phrases.extend(entry.aliases.iter().cloned());
            self.groups.push((SynonymSource::Gazetteer, phrases));
        }
        self
    }

    /// Adds each ESCO occupation of an `occupations_en.csv` export: its
    /// preferred label and its alternative labels (one per line of the
    /// `altLabels` cell).
    ///
    /// # Errors
    ///
    /// [`GuideError::Data`] when the file cannot be read or lacks the
    /// `preferredLabel` or `altLabels` column.
    pub fn with_esco_occupations(mut self, path: impl AsRef<Path>) -> Result<Self> {
        let table = CsvTable::open(path.as_ref(), ReadOptions::default())?;
        for row in table.select(&["preferredLabel", "altLabels"])? {
            let (_, values) = row?;
            let mut phrases = vec![values[0].clone()];
            phrases.extend(values[1].lines().map(str::to_string));
            self.groups.push((SynonymSource::EscoOccupations, phrases));
        }
        Ok(self)
    }

    /// Keeps or drops the titles held out for evaluation (default: drop).
    #[must_use]
    pub fn with_held_out_dropped(mut self, drop: bool) -> Self {
        self.drop_held_out = drop;
        self
    }

    /// Builds the table.
    ///
    /// # Errors
    ///
    /// [`GuideError::InvalidOption`] when no group of two usable phrases is left.
    pub fn build(self) -> Result<SynonymTable> {
        // Clean the phrases; count the groups each lower-cased phrase is in.
        let mut cleaned: Vec<(SynonymSource, Vec<String>)> = Vec::with_capacity(self.groups.len());
        let mut membership: HashMap<String, usize> = HashMap::new();
        for (source, phrases) in self.groups {
            let mut seen = std::collections::HashSet::new();
            let mut kept = Vec::new();
            for phrase in phrases {
                let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
                if phrase.chars().count() < 3
                    || (source.titles() && self.drop_held_out && held_out_title(&phrase))
                {
                    continue;
                }
                if seen.insert(phrase.to_lowercase()) {
                    kept.push(phrase);
                }
            }
            for key in &seen {
                *membership.entry(key.clone()).or_default() += 1;
            }
            cleaned.push((source, kept));
        }
        let mut groups = Vec::new();
        let mut sources = Vec::new();
        for (source, phrases) in cleaned {
            let unambiguous: Vec<String> = phrases
                .into_iter()
                .filter(|p| membership.get(&p.to_lowercase()) == Some(&1))
                .collect();
            if unambiguous.len() >= 2 {
                groups.push(unambiguous);
                sources.push(source);
            }
        }
        if groups.is_empty() {
            return Err(GuideError::option(
                "synonym groups",
                0,
                "no group of two unambiguous phrases; add synonym sources",
            ));
        }
        let mut patterns = Vec::new();
        let mut texts = Vec::new();
        for (g, phrases) in groups.iter().enumerate() {
            for (p, phrase) in phrases.iter().enumerate() {
                patterns.push((g, p));
                texts.push(phrase.as_str());
            }
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&texts)
            .ok();
        Ok(SynonymTable {
            groups,
            sources,
            patterns,
            automaton,
        })
    }
}

impl SynonymTable {
    /// A builder.
    pub fn builder() -> SynonymTableBuilder {
        SynonymTableBuilder::default()
    }

    /// The groups kept.
    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }

    /// How many groups each source gave.
    pub fn counts(&self) -> HashMap<SynonymSource, usize> {
        let mut counts = HashMap::new();
        for source in &self.sources {
            *counts.entry(*source).or_default() += 1;
        }
        counts
    }

    /// The phrases of the table in `text` (leftmost-longest, ignoring ASCII
    /// case, not inside a word): `(byte range, group, phrase index)`.
    pub fn find(&self, text: &str) -> Vec<(std::ops::Range<usize>, usize, usize)> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        automaton
            .find_iter(text)
            .filter(|m| word_bounded(text, m.start(), m.end()))
            .filter_map(|m| {
                let (group, phrase) = *self.patterns.get(m.pattern().as_usize())?;
                Some((m.start()..m.end(), group, phrase))
            })
            .collect()
    }
}

/// Whether `text[start..end]` does not start or end inside an ASCII word.
fn word_bounded(text: &str, start: usize, end: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    (!word(first) || !word(before)) && (!word(last) || !word(after))
}

/// Options of an [`Augmenter`]; every probability is in `[0, 1]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AugmentOptions {
    /// The seed. Default 42.
    pub seed: u64,
    /// Augmented copies per record. Default 1.
    pub copies: usize,
    /// The probability that a phrase found in the table is swapped for a
    /// synonym. Default 0.5. A copy that would come out unchanged gets one
    /// swap when the text has a phrase to swap.
    pub synonym_rate: f64,
    /// The probability that a resume section (after the first) is dropped.
    /// Default 0.15.
    pub section_dropout: f64,
    /// The probability that a resume's sections (after the first) are
    /// shuffled. Default 0.5.
    pub section_shuffle: f64,
}

impl Default for AugmentOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            copies: 1,
            synonym_rate: 0.5,
            section_dropout: 0.15,
            section_shuffle: 0.5,
        }
    }
}

impl AugmentOptions {
    fn validate(&self) -> Result<()> {
        if self.copies == 0 {
            return Err(GuideError::option("copies", 0, "make at least one copy"));
        }
        for (name, p) in [
            ("synonym_rate", self.synonym_rate),
            ("section_dropout", self.section_dropout),
            ("section_shuffle", self.section_shuffle),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(GuideError::option(
                    name,
                    p,
                    "a probability is between 0 and 1",
                ));
            }
        }
        Ok(())
    }
}

/// One augmented text and what was done to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Augmented {
    /// The new text.
    pub text: String,
    /// The phrases swapped: `(as written, replacement)`.
    pub swapped: Vec<(String, String)>,
    /// Sections dropped.
    pub sections_dropped: usize,
    /// Whether the sections were reordered.
    pub reordered: bool,
}

/// Makes augmented copies of texts.
#[derive(Debug, Clone)]
pub struct Augmenter {
    table: SynonymTable,
    options: AugmentOptions,
}

impl Augmenter {
    /// An augmenter.
    ///
    /// # Errors
    ///
    /// [`GuideError::InvalidOption`] for a probability outside `[0, 1]` or no copies.
    pub fn new(table: SynonymTable, options: AugmentOptions) -> Result<Self> {
        options.validate()?;
        Ok(Self { table, options })
    }

    /// The options.
    pub fn options(&self) -> &AugmentOptions {
        &self.options
    }

    /// The synonym table.
    pub fn table(&self) -> &SynonymTable {
        &self.table
    }

    /// Copy `copy` of record `record` of a title or short text: synonyms only.
    pub fn title(&self, text: &str, record: u64, copy: u64) -> Augmented {
        let mut rng = SplitMix64::new(self.options.seed, (record << 16) | copy);
        let (text, swapped) = self.swap(text, &mut rng);
        Augmented {
            text,
            swapped,
            sections_dropped: 0,
            reordered: false,
        }
    }

    /// Copy `copy` of record `record` of a resume: sections dropped and
    /// reordered, then synonyms swapped.
    pub fn resume(&self, text: &str, record: u64, copy: u64) -> Augmented {
        let mut rng = SplitMix64::new(self.options.seed, (record << 16) | copy);
        let (text, sections_dropped, reordered) = self.sections(text, &mut rng);
        let (text, swapped) = self.swap(&text, &mut rng);
        Augmented {
            text,
            swapped,
            sections_dropped,
            reordered,
        }
    }

    fn swap(&self, text: &str, rng: &mut SplitMix64) -> (String, Vec<(String, String)>) {
        let found = self.table.find(text);
        if found.is_empty() {
            return (text.to_string(), Vec::new());
        }
        let mut chosen: Vec<bool> = found
            .iter()
            .map(|_| rng.chance(self.options.synonym_rate))
            .collect();
        if !chosen.iter().any(|c| *c) {
            let forced = rng.below(found.len());
            chosen[forced] = true;
        }
        let mut out = String::with_capacity(text.len());
        let mut swapped = Vec::new();
        let mut at = 0;
        for ((range, group, phrase), swap) in found.into_iter().zip(chosen) {
            out.push_str(&text[at..range.start]);
            let written = &text[range.clone()];
            let members = &self.table.groups[group];
            if swap && members.len() > 1 {
                let mut pick = rng.below(members.len() - 1);
                if pick >= phrase {
                    pick += 1;
                }
                let replacement = match_case(written, &members[pick]);
                swapped.push((written.to_string(), replacement.clone()));
                out.push_str(&replacement);
            } else {
                out.push_str(written);
            }
            at = range.end;
        }
        out.push_str(&text[at..]);
        (out, swapped)
    }

    fn sections(&self, text: &str, rng: &mut SplitMix64) -> (String, usize, bool) {
        let sections = split_sections(text);
        if sections.len() < 3 {
            return (text.to_string(), 0, false);
        }
        // The first section (the text before the first heading, or the
        // first heading's) stays first; the others may go or move.
        let piece = |i: usize| -> String {
            let section = &sections[i];
            match &section.heading_span {
                Some(span) => format!("{}\n{}", &text[span.clone()], section.body),
                None => section.body.to_string(),
            }
        };
        let mut rest: Vec<usize> = (1..sections.len()).collect();
        let before = rest.len();
        let mut kept: Vec<usize> = rest
            .iter()
            .copied()
            .filter(|_| !rng.chance(self.options.section_dropout))
            .collect();
        if kept.is_empty() {
            kept.push(rest[rng.below(rest.len())]);
        }
        let dropped = before - kept.len();
        rest = kept;
        let reordered = rng.chance(self.options.section_shuffle);
        if reordered {
            rng.shuffle(&mut rest);
        }
        let mut parts = vec![piece(0)];
        parts.extend(rest.iter().map(|&i| piece(i)));
        let reordered = reordered && rest.windows(2).any(|w| w[0] > w[1]);
        (parts.join("\n\n"), dropped, reordered)
    }
}

/// `replacement` with the case pattern of `written`: all capitals, or a
/// capital first letter.
fn match_case(written: &str, replacement: &str) -> String {
    let letters: Vec<char> = written.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() > 1 && letters.iter().all(|c| c.is_uppercase()) {
        return replacement.to_uppercase();
    }
    if written.chars().next().is_some_and(char::is_uppercase) {
        let mut chars = replacement.chars();
        if let Some(first) = chars.next() {
            return first.to_uppercase().chain(chars).collect();
        }
    }
    replacement.to_string()
}

/// What a file holds, and which of its fields is augmented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AugmentKind {
    /// Labelled texts (resumes): the text gets section dropout and
    /// reordering, then synonyms.
    Classification {
        /// The text column.
        text: String,
    },
    /// Pairs: the anchor (a title or query) gets synonyms; the positive and
    /// negative stay as they are.
    Pairs {
        /// The anchor column.
        anchor: String,
    },
}

/// What augmenting a file did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AugmentReport {
    /// Records read.
    pub records: usize,
    /// Augmented copies written (each after its original).
    pub copies: usize,
    /// Copies not written because they came out equal to the original (or to an earlier copy).
    pub unchanged: usize,
    /// Phrases swapped in all copies.
    pub swaps: usize,
    /// Sections dropped in all copies.
    pub sections_dropped: usize,
    /// Copies whose sections were reordered.
    pub reordered: usize,
}

/// Augments a CSV (`.csv`) or JSON lines file into `output`: every record,
/// each followed by its augmented copies (copies equal to the original are
/// not written). A record id (`id` column or key) becomes `ID~augN` in copy
/// N. The output is written atomically.
///
/// # Errors
///
/// [`GuideError::Data`] for unreadable input (a missing column names the
/// headers), [`GuideError::InvalidRecord`] for a record without the field,
/// [`GuideError::NoRecords`] for an empty file, and write errors.
pub fn augment_file(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    kind: &AugmentKind,
    augmenter: &Augmenter,
) -> Result<AugmentReport> {
    let input = input.as_ref();
    let field = match kind {
        AugmentKind::Classification { text } => text.as_str(),
        AugmentKind::Pairs { anchor } => anchor.as_str(),
    };
    let is_csv = input
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let mut report = AugmentReport::default();
    let copies = augmenter.options.copies as u64;
    let augment = |text: &str, record: u64, copy: u64| match kind {
        AugmentKind::Classification { .. } => augmenter.resume(text, record, copy),
        AugmentKind::Pairs { .. } => augmenter.title(text, record, copy),
    };
    let bytes = if is_csv {
        let table = CsvTable::open(input, ReadOptions::default())?;
        let headers = table.headers().to_vec();
        let column = table
            .column(field)
            .ok_or_else(|| DataError::MissingColumn {
                path: input.to_path_buf(),
                column: field.to_string(),
                headers: headers.clone(),
            })?;
        let id_column = table.column("id");
        let mut writer = csv::Writer::from_writer(Vec::new());
        let write_error = |error: csv::Error| GuideError::Io {
            path: output.as_ref().to_path_buf(),
            source: std::io::Error::other(error),
        };
        writer.write_record(&headers).map_err(write_error)?;
        for (record, row) in table.rows().enumerate() {
            let (_, values) = row?;
            report.records += 1;
            writer.write_record(&values).map_err(write_error)?;
            let mut seen = vec![values[column].clone()];
            for copy in 1..=copies {
                let new = augment(&values[column], record as u64, copy);
                if seen.contains(&new.text) {
                    report.unchanged += 1;
                    continue;
                }
                seen.push(new.text.clone());
                tally(&mut report, &new);
                let mut out = values.clone();
                out[column] = new.text;
                if let Some(id) = id_column {
                    out[id] = format!("{}~aug{copy}", values[id]);
                }
                writer.write_record(&out).map_err(write_error)?;
            }
        }
        writer
            .into_inner()
            .map_err(|error| write_error(error.into_error().into()))?
    } else {
        let mut out = Vec::new();
        for (record, row) in
            read_jsonl::<Map<String, Value>>(input, ReadOptions::default())?.enumerate()
        {
            let (line, map) = row?;
            report.records += 1;
            let Some(Value::String(text)) = map.get(field) else {
                return Err(GuideError::InvalidRecord {
                    path: input.to_path_buf(),
                    line,
                    message: format!(
                        "the record has no text field {field:?}; name the field to augment"
                    ),
                });
            };
            let text = text.clone();
            push_json(&mut out, &map, output.as_ref())?;
            let mut seen = vec![text.clone()];
            for copy in 1..=copies {
                let new = augment(&text, record as u64, copy);
                if seen.contains(&new.text) {
                    report.unchanged += 1;
                    continue;
                }
                seen.push(new.text.clone());
                tally(&mut report, &new);
                let mut copy_map = map.clone();
                copy_map.insert(field.to_string(), Value::String(new.text));
                if let Some(id) = map.get("id") {
                    let id = match id {
                        Value::String(id) => id.clone(),
                        other => other.to_string(),
                    };
                    copy_map.insert("id".into(), Value::String(format!("{id}~aug{copy}")));
                }
                push_json(&mut out, &copy_map, output.as_ref())?;
            }
        }
        out
    };
    if report.records == 0 {
        return Err(GuideError::NoRecords {
            path: input.to_path_buf(),
            what: "record",
            skipped: 0,
            first_problem: String::new(),
        });
    }
    jobfit_model::write_atomic(output.as_ref(), &bytes)?;
    Ok(report)
}

fn tally(report: &mut AugmentReport, new: &Augmented) {
    report.copies += 1;
    report.swaps += new.swapped.len();
    report.sections_dropped += new.sections_dropped;
    report.reordered += usize::from(new.reordered);
}

fn push_json(out: &mut Vec<u8>, map: &Map<String, Value>, path: &Path) -> Result<()> {
    serde_json::to_writer(&mut *out, map).map_err(|error| GuideError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(error),
    })?;
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_vectors_and_the_rule() {
        assert_eq!(fnv1a64(""), 0xCBF2_9CE4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xAF63_DC4C_8601_EC8C);
        assert_eq!(fnv1a64("foobar"), 0x8594_4171_F739_67E8);
        assert_eq!(
            held_out_title("  Foo   BAR "),
            fnv1a64("foo bar").is_multiple_of(5)
        );
    }

    fn table() -> SynonymTable {
        SynonymTable::builder()
            .with_held_out_dropped(false)
            .with_group(
                SynonymSource::Custom,
                ["Software Engineer", "Software Developer", "Programmer"],
            )
            .with_group(SynonymSource::Custom, ["PostgreSQL", "Postgres"])
            .with_group(SynonymSource::Custom, ["Analyst", "Commissioner"])
            .with_group(SynonymSource::Custom, ["Commissioner", "Bureau Chief"])
            .build()
            .unwrap()
    }

    #[test]
    fn ambiguous_phrases_and_small_groups_are_dropped() {
        let table = table();
        // "Commissioner" is in two groups: gone; each of its groups is left with one phrase: dropped.
        assert_eq!(table.groups().len(), 2);
        let found = table.find("Senior software engineer; postgres, not postgresql2");
        let phrases: Vec<(usize, usize)> = found.iter().map(|(_, g, p)| (*g, *p)).collect();
        assert_eq!(phrases, [(0, 0), (1, 1)]);
        assert_eq!(found[0].0, 7..24);
    }

    #[test]
    fn swaps_are_seeded_and_keep_case() {
        let augmenter = Augmenter::new(
            table(),
            AugmentOptions {
                synonym_rate: 1.0,
                ..AugmentOptions::default()
            },
        )
        .unwrap();
        let a = augmenter.title("Senior Software Engineer (Postgres)", 3, 1);
        let b = augmenter.title("Senior Software Engineer (Postgres)", 3, 1);
        assert_eq!(a, b);
        assert_eq!(a.swapped.len(), 2);
        assert!(
            a.text.starts_with("Senior ") && a.text.ends_with("(PostgreSQL)"),
            "{}",
            a.text
        );
        assert!(!a.text.contains("Software Engineer"));
        assert_eq!(match_case("SQL DEVELOPER", "Programmer"), "PROGRAMMER");
        assert_eq!(
            match_case("programmer", "Software Developer"),
            "Software Developer"
        );
        assert_eq!(match_case("Postgres", "postgreSQL"), "PostgreSQL");
        // Nothing to swap: unchanged.
        assert_eq!(augmenter.title("Baker", 0, 1).text, "Baker");
    }

    #[test]
    fn sections_drop_and_move_but_the_first_stays() {
        let augmenter = Augmenter::new(
            table(),
            AugmentOptions {
                section_dropout: 0.0,
                section_shuffle: 1.0,
                synonym_rate: 0.0,
                ..AugmentOptions::default()
            },
        )
        .unwrap();
        let resume = "Jane Doe\n\nSummary\nAnalyst of data.\n\nExperience\nBank, 2019-2023.\n\nEducation\nBSc 2018.\n\nSkills\nSQL.";
        let mut moved = false;
        for record in 0..20 {
            let out = augmenter.resume(resume, record, 1);
            assert!(out.text.starts_with("Jane Doe\n\n"), "{}", out.text);
            for part in [
                "Summary\nAnalyst of data.",
                "Experience\nBank, 2019-2023.",
                "Education\nBSc 2018.",
                "Skills\nSQL.",
            ] {
                assert!(out.text.contains(part), "{}", out.text);
            }
            assert_eq!(out.sections_dropped, 0);
            moved |= out.reordered;
        }
        assert!(moved);
        let dropping = Augmenter::new(
            table(),
            AugmentOptions {
                section_dropout: 1.0,
                section_shuffle: 0.0,
                synonym_rate: 0.0,
                ..AugmentOptions::default()
            },
        )
        .unwrap();
        let out = dropping.resume(resume, 0, 1);
        // Every later section drawn for dropping: one is kept.
        assert_eq!(out.sections_dropped, 3);
        assert!(out.text.starts_with("Jane Doe"));
    }

    #[test]
    fn bad_options_are_refused() {
        let bad = AugmentOptions {
            synonym_rate: 1.5,
            ..AugmentOptions::default()
        };
        assert!(Augmenter::new(table(), bad).is_err());
        let none = AugmentOptions {
            copies: 0,
            ..AugmentOptions::default()
        };
        assert!(Augmenter::new(table(), none).is_err());
        assert!(SynonymTable::builder().build().is_err());
    }
}
