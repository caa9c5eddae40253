//! Counterfactual fairness: change one protected attribute of each resume
//! (a name typical of a gender and origin, the pronouns, a stated age, the
//! years of study and work) and measure how much its score and rank for a
//! job move, with and without redaction.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, LazyLock};

use jobfit_match::{ScreenOptions, Screener};
use jobfit_model::TextEmbedder;
use jobfit_text::{Job, Resume};
use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};

use crate::error::{GuideError, Result};
use crate::lang::{Language, detect_language};

/// A protected attribute that the audit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Attribute {
    /// A name line at the top: names typical of a gender and an origin.
    Name,
    /// Every pronoun made male, or female.
    Pronouns,
    /// A stated age line: young or older.
    Age,
    /// Every year (study, work) moved back, which makes the candidate older.
    Years,
}

impl Attribute {
    /// The attribute's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Attribute::Name => "name",
            Attribute::Pronouns => "pronouns",
            Attribute::Age => "age",
            Attribute::Years => "years",
        }
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Names typical of a gender and an origin, after the audit studies of
/// résumé callbacks (Bertrand and Mullainathan 2004 for the English ones):
/// `(group, name)`.
pub const ENGLISH_NAMES: [(&str, &str); 8] = [
    ("female, White", "Emily Walsh"),
    ("male, White", "Greg Baker"),
    ("female, Black", "Lakisha Washington"),
    ("male, Black", "Jamal Jones"),
    ("female, Hispanic", "Maria Hernandez"),
    ("male, Hispanic", "Jose Rodriguez"),
    ("female, Asian", "Mei Chen"),
    ("male, Asian", "Wei Zhang"),
];

/// Chinese names typical of a gender and an origin: `(group, name)`.
pub const CHINESE_NAMES: [(&str, &str); 4] = [
    ("female, Han", "王芳"),
    ("male, Han", "王伟"),
    ("female, Uyghur", "古丽娜尔·艾力"),
    ("male, Uyghur", "艾合买提·吐尔逊"),
];

/// Options of [`CounterfactualAudit::run`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CounterfactualOptions {
    /// A resume is selected when it ranks in the top this many. Default 10.
    pub top_k: usize,
    /// Also measure with the screener's redaction on. Default true.
    pub with_redaction: bool,
    /// How many years [`Attribute::Years`] moves every year back. Default 20.
    pub year_shift: u16,
    /// The young and the older stated age of [`Attribute::Age`]. Default 28 and 58.
    pub ages: (u8, u8),
}

impl Default for CounterfactualOptions {
    fn default() -> Self {
        Self {
            top_k: 10,
            with_redaction: true,
            year_shift: 20,
            ages: (28, 58),
        }
    }
}

/// The mean effect of one variant (a name group, female pronouns, ...)
/// against the resume as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupEffect {
    /// The variant (`female, Black`, `years -20`).
    pub group: String,
    /// Resumes it applied to.
    pub resumes: usize,
    /// The mean score change.
    pub mean_score_change: f64,
    /// The mean rank change (positive: further down).
    pub mean_rank_change: f64,
}

/// How much one attribute moves scores and ranks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeEffect {
    /// The attribute.
    pub attribute: Attribute,
    /// Resumes the change applied to (a resume without pronouns or years is
    /// not changed by those swaps).
    pub resumes: usize,
    /// Each variant's mean effect.
    pub groups: Vec<GroupEffect>,
    /// The mean, over resumes, of the largest score difference between two
    /// variants of the resume (for years: between the resume as written
    /// and moved back).
    pub mean_score_gap: f64,
    /// The largest such difference.
    pub max_score_gap: f64,
    /// The mean of the largest rank difference between two variants.
    pub mean_rank_gap: f64,
    /// The largest rank difference.
    pub max_rank_gap: usize,
    /// Resumes selected (top K) under one variant and not under another.
    pub selection_flips: usize,
    /// The resume with the largest score gap.
    pub largest_gap_resume: Option<String>,
}

/// The result of a counterfactual audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualReport {
    /// The job.
    pub job_id: String,
    /// Resumes audited.
    pub resumes: usize,
    /// The selection size.
    pub top_k: usize,
    /// Scores without redaction.
    pub plain: Vec<AttributeEffect>,
    /// Scores with the screener's redaction, when asked for.
    pub redacted: Option<Vec<AttributeEffect>>,
    /// Resumes by language (`en`, `zh`): the language picks the names and forms.
    pub languages: BTreeMap<String, usize>,
    /// What the reader should know.
    pub notes: Vec<String>,
}

/// One changed text of one resume.
#[derive(Debug, Clone)]
struct Variant {
    resume: usize,
    attribute: Attribute,
    group: String,
    text: String,
}

static PRONOUN: LazyLock<Regex> = LazyLock::new(|| {
    // Cannot fail: a fixed, valid pattern.
    Regex::new(r"(?i)\b(?:he|she|him|her|his|hers|himself|herself)\b").expect("valid regex")
});
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    // Cannot fail: a fixed, valid pattern.
    Regex::new(r"\b(19[5-9][0-9]|20[0-3][0-9])\b").expect("valid regex")
});

/// Words after `her` that make it an object (`him`) rather than a
/// possessive (`his`).
const OBJECT_FOLLOWERS: &[&str] = &[
    "to", "and", "or", "in", "on", "at", "for", "with", "as", "about", "from", "by", "that", "a",
    "an", "the", "into", "over", "if", "when", "while", "because", "but", "so", "than",
];

/// `replacement` with the capitalization of `written`.
fn same_case(written: &str, replacement: &str) -> String {
    if written
        .chars()
        .all(|c| !c.is_alphabetic() || c.is_uppercase())
        && written.len() > 1
    {
        replacement.to_uppercase()
    } else if written.chars().next().is_some_and(char::is_uppercase) {
        let mut chars = replacement.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    } else {
        replacement.to_string()
    }
}

/// Every English pronoun made `female` or male. `her` becomes `him` before
/// a word such as `to` or `and` and at the end of a clause, else `his`;
/// `his` becomes `hers` in the same places, else `her`.
pub(crate) fn english_pronouns(text: &str, female: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for found in PRONOUN.find_iter(text) {
        out.push_str(&text[at..found.start()]);
        let word = found.as_str();
        let rest = &text[found.end()..];
        let next_word: String = if rest.starts_with(char::is_whitespace) {
            rest.trim_start()
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_lowercase()
        } else {
            String::new()
        };
        let object = next_word.is_empty() || OBJECT_FOLLOWERS.contains(&next_word.as_str());
        let new = match (word.to_lowercase().as_str(), female) {
            ("he" | "she", true) => "she",
            ("he" | "she", false) => "he",
            ("him" | "her", true) => "her",
            ("him", false) => "him",
            ("his", true) if object => "hers",
            ("his", true) => "her",
            ("hers", true) => "hers",
            ("his" | "hers", false) => "his",
            ("her", false) if object => "him",
            ("her", false) => "his",
            ("himself" | "herself", true) => "herself",
            (_, _) => "himself",
        };
        out.push_str(&same_case(word, new));
        at = found.end();
    }
    out.push_str(&text[at..]);
    out
}

/// Every `他` / `她` made female or male, except inside `其他`, `吉他` and `他人`.
pub(crate) fn chinese_pronouns(text: &str, female: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let pronoun = matches!(c, '他' | '她')
            && !matches!(i.checked_sub(1).map(|j| chars[j]), Some('其' | '吉'))
            && chars.get(i + 1) != Some(&'人');
        if pronoun {
            out.push(if female { '她' } else { '他' });
        } else {
            out.push(c);
        }
    }
    out
}

/// Every year from 1950 to 2039 moved back by `shift` years.
pub(crate) fn shift_years(text: &str, shift: u16) -> String {
    YEAR.replace_all(text, |caps: &Captures<'_>| {
        let year: u16 = caps[1].parse().unwrap_or(0);
        year.saturating_sub(shift).to_string()
    })
    .into_owned()
}

/// The variants of one resume.
fn variants(
    resume: usize,
    text: &str,
    language: Language,
    options: &CounterfactualOptions,
) -> Vec<Variant> {
    let chinese = language == Language::CHINESE;
    let mut out = Vec::new();
    let mut push = |attribute, group: String, text: String| {
        out.push(Variant {
            resume,
            attribute,
            group,
            text,
        });
    };
    let names: &[(&str, &str)] = if chinese {
        &CHINESE_NAMES
    } else {
        &ENGLISH_NAMES
    };
    for (group, name) in names {
        let line = if chinese {
            format!("姓名：{name}\n")
        } else {
            format!("{name}\n")
        };
        push(
            Attribute::Name,
            (*group).to_string(),
            format!("{line}{text}"),
        );
    }
    for (female, group) in [(false, "male pronouns"), (true, "female pronouns")] {
        let changed = if chinese {
            chinese_pronouns(text, female)
        } else {
            english_pronouns(text, female)
        };
        push(Attribute::Pronouns, group.to_string(), changed);
    }
    for age in [options.ages.0, options.ages.1] {
        let line = if chinese {
            format!("年龄：{age}岁\n")
        } else {
            format!("Age: {age}\n")
        };
        push(
            Attribute::Age,
            format!("age {age}"),
            format!("{line}{text}"),
        );
    }
    push(
        Attribute::Years,
        format!("years -{}", options.year_shift),
        shift_years(text, options.year_shift),
    );
    out
}

/// Runs counterfactual audits.
#[derive(Debug, Clone)]
pub struct CounterfactualAudit {
    screener: Screener,
}

impl CounterfactualAudit {
    /// An audit scoring with a [`Screener`] over `embedder`.
    pub fn new(embedder: impl Into<Arc<TextEmbedder>>) -> Self {
        Self {
            screener: Screener::new(embedder),
        }
    }

    /// An audit scoring with this screener (its reranker, redactor and
    /// fields count).
    pub fn with_screener(screener: Screener) -> Self {
        Self { screener }
    }

    /// Audits how `resumes`' scores for `job` move when one attribute changes.
    ///
    /// Every variant is scored against the resumes as written: its rank is
    /// its place among the other resumes as written.
    ///
    /// # Errors
    ///
    /// [`GuideError::InvalidOption`] for `top_k = 0` or fewer than two
    /// resumes, and the screener's errors (an empty resume names itself).
    pub fn run(
        &self,
        job: &Job,
        resumes: &[Resume],
        options: &CounterfactualOptions,
    ) -> Result<CounterfactualReport> {
        if options.top_k == 0 {
            return Err(GuideError::option("top_k", 0, "select at least one resume"));
        }
        if resumes.len() < 2 {
            return Err(GuideError::option(
                "resumes",
                resumes.len(),
                "give at least two resumes: ranks need others to be ranked against",
            ));
        }
        let mut languages: BTreeMap<String, usize> = BTreeMap::new();
        let mut all_variants = Vec::new();
        for (i, resume) in resumes.iter().enumerate() {
            let language = detect_language(&resume.text).unwrap_or(Language::ENGLISH);
            *languages.entry(language.code.to_string()).or_default() += 1;
            let language = if language == Language::CHINESE {
                Language::CHINESE
            } else {
                Language::ENGLISH
            };
            all_variants.extend(variants(i, &resume.text, language, options));
        }
        // Score each distinct text once: the originals first.
        let mut texts: Vec<String> = resumes.iter().map(|r| r.text.clone()).collect();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, text) in texts.iter().enumerate() {
            index.entry(text.clone()).or_insert(i);
        }
        let variant_rows: Vec<usize> = all_variants
            .iter()
            .map(|variant| {
                *index.entry(variant.text.clone()).or_insert_with(|| {
                    texts.push(variant.text.clone());
                    texts.len() - 1
                })
            })
            .collect();
        let plain_scores = self.scores(job, &texts, false)?;
        let plain = effects(
            resumes,
            &all_variants,
            &variant_rows,
            &plain_scores,
            options.top_k,
        );
        let redacted = if options.with_redaction {
            let scores = self.scores(job, &texts, true)?;
            Some(effects(
                resumes,
                &all_variants,
                &variant_rows,
                &scores,
                options.top_k,
            ))
        } else {
            None
        };
        let notes = vec![
            "a name or an age is added as a line at the top of the resume; pronouns and years are \
             changed where the resume has them (the other resumes stay as written)"
                .to_string(),
            "redaction removes pronouns, gender words, ages and contact details, not names or years"
                .to_string(),
        ];
        Ok(CounterfactualReport {
            job_id: job.id.clone(),
            resumes: resumes.len(),
            top_k: options.top_k,
            plain,
            redacted,
            languages,
            notes,
        })
    }

    /// The score of each text for `job`.
    fn scores(&self, job: &Job, texts: &[String], redact: bool) -> Result<Vec<f32>> {
        let pool: Vec<Resume> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| Resume::new(i.to_string(), text.clone()))
            .collect();
        let options = ScreenOptions::default()
            .with_top_k(pool.len())
            .with_redact(redact)
            .with_explain(false);
        let screening = self.screener.screen(job, &pool, &options)?;
        let mut scores = vec![f32::NAN; texts.len()];
        for candidate in screening.candidates {
            if let Some(slot) = scores.get_mut(candidate.position) {
                *slot = candidate.score;
            }
        }
        Ok(scores)
    }
}

/// The effects of each attribute. `scores[i]` for `i < resumes.len()` are
/// the resumes as written; `scores[rows[v]]` is variant v's.
fn effects(
    resumes: &[Resume],
    variants: &[Variant],
    rows: &[usize],
    scores: &[f32],
    top_k: usize,
) -> Vec<AttributeEffect> {
    let n = resumes.len();
    let mut originals: Vec<f32> = scores[..n].to_vec();
    originals.sort_by(|a, b| b.total_cmp(a));
    // The rank of a score among the resumes as written, leaving resume `i` out.
    let rank = |i: usize, score: f32| -> usize {
        let above = originals.partition_point(|&s| s > score);
        let own_above = usize::from(scores[i] > score);
        1 + above - own_above
    };
    let mut by_attribute: BTreeMap<Attribute, Vec<(usize, &Variant)>> = BTreeMap::new();
    for (v, variant) in variants.iter().enumerate() {
        by_attribute
            .entry(variant.attribute)
            .or_default()
            .push((rows[v], variant));
    }
    let mut out = Vec::new();
    for (attribute, members) in by_attribute {
        // resume -> [(group, score, rank)], for the resumes that some variant changes.
        let mut per_resume: BTreeMap<usize, Vec<(&str, f32, usize)>> = BTreeMap::new();
        let mut changed: Vec<bool> = vec![attribute == Attribute::Name; n];
        for (row, variant) in &members {
            changed[variant.resume] |= variant.text != resumes[variant.resume].text;
            let score = scores[*row];
            per_resume.entry(variant.resume).or_default().push((
                variant.group.as_str(),
                score,
                rank(variant.resume, score),
            ));
        }
        per_resume.retain(|i, _| changed[*i]);
        let mut groups: BTreeMap<&str, (usize, f64, f64)> = BTreeMap::new();
        let mut score_gaps = Vec::new();
        let mut rank_gaps = Vec::new();
        let mut flips = 0;
        let mut largest: Option<(f64, usize)> = None;
        for (&i, entries) in &per_resume {
            let original = scores[i];
            let original_rank = rank(i, original);
            let mut all: Vec<(f32, usize)> = entries.iter().map(|(_, s, r)| (*s, *r)).collect();
            if attribute == Attribute::Years {
                // The gap is between the resume as written and moved back.
                all.push((original, original_rank));
            }
            for (group, score, rank) in entries {
                let entry = groups.entry(group).or_insert((0, 0.0, 0.0));
                entry.0 += 1;
                entry.1 += f64::from(score - original);
                entry.2 += *rank as f64 - original_rank as f64;
            }
            let max_score = all.iter().map(|e| e.0).fold(f32::NEG_INFINITY, f32::max);
            let min_score = all.iter().map(|e| e.0).fold(f32::INFINITY, f32::min);
            let max_rank = all.iter().map(|e| e.1).max().unwrap_or(0);
            let min_rank = all.iter().map(|e| e.1).min().unwrap_or(0);
            let gap = f64::from(max_score - min_score);
            if largest.is_none_or(|(best, _)| gap > best) {
                largest = Some((gap, i));
            }
            score_gaps.push(gap);
            rank_gaps.push(max_rank - min_rank);
            let selected = all.iter().filter(|e| e.1 <= top_k).count();
            if selected > 0 && selected < all.len() {
                flips += 1;
            }
        }
        let mean = |values: &[f64]| {
            if values.is_empty() {
                0.0
            } else {
                values.iter().sum::<f64>() / values.len() as f64
            }
        };
        let rank_gaps_f: Vec<f64> = rank_gaps.iter().map(|&g| g as f64).collect();
        out.push(AttributeEffect {
            attribute,
            resumes: per_resume.len(),
            groups: groups
                .into_iter()
                .map(|(group, (count, score, rank))| GroupEffect {
                    group: group.to_string(),
                    resumes: count,
                    mean_score_change: score / count as f64,
                    mean_rank_change: rank / count as f64,
                })
                .collect(),
            mean_score_gap: mean(&score_gaps),
            max_score_gap: score_gaps.iter().copied().fold(0.0, f64::max),
            mean_rank_gap: mean(&rank_gaps_f),
            max_rank_gap: rank_gaps.iter().copied().max().unwrap_or(0),
            selection_flips: flips,
            largest_gap_resume: largest.map(|(_, i)| resumes[i].id.clone()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_pronouns_follow_grammar() {
        let text = "She led her team. He thanked her and praised his manager; the award was hers. Himself.";
        assert_eq!(
            english_pronouns(text, false),
            "He led his team. He thanked him and praised his manager; the award was his. Himself."
        );
        assert_eq!(
            english_pronouns(text, true),
            "She led her team. She thanked her and praised her manager; the award was hers. Herself."
        );
        // Words that contain pronouns are left alone.
        assert_eq!(
            english_pronouns("the heap, shell, other", false),
            "the heap, shell, other"
        );
    }

    #[test]
    fn chinese_pronouns_skip_other_words() {
        assert_eq!(
            chinese_pronouns("他负责其他项目，和他人合作，弹吉他", true),
            "她负责其他项目，和他人合作，弹吉他"
        );
        assert_eq!(chinese_pronouns("她们", false), "他们");
    }

    #[test]
    fn years_move_back() {
        assert_eq!(
            shift_years("BSc 2012; 2015-2019 at Acme; 30000 units; 1949", 20),
            "BSc 1992; 1995-1999 at Acme; 30000 units; 1949"
        );
    }

    #[test]
    fn effects_measure_gaps_ranks_and_flips() {
        let resumes = vec![
            Resume::new("a", "A"),
            Resume::new("b", "B"),
            Resume::new("c", "C"),
        ];
        // Two name variants of resume 0 only (rows 3 and 4).
        let variant = |group: &str, text: &str| Variant {
            resume: 0,
            attribute: Attribute::Name,
            group: group.into(),
            text: text.into(),
        };
        let variants = vec![variant("x", "xA"), variant("y", "yA")];
        let rows = vec![3, 4];
        // As written: a 0.5, b 0.6, c 0.4. Variant x of a: 0.7 (rank 1), y: 0.3 (rank 3).
        let scores = vec![0.5, 0.6, 0.4, 0.7, 0.3];
        let effects = effects(&resumes, &variants, &rows, &scores, 1);
        assert_eq!(effects.len(), 1);
        let name = &effects[0];
        assert_eq!(name.resumes, 1);
        assert!((name.mean_score_gap - 0.4).abs() < 1e-6);
        assert_eq!(name.max_rank_gap, 2);
        assert_eq!(name.selection_flips, 1);
        // a as written ranks 2nd: x moves it up one (-1), y down one (+1).
        let x = name.groups.iter().find(|g| g.group == "x").unwrap();
        assert!((x.mean_score_change - 0.2).abs() < 1e-6);
        assert_eq!(x.mean_rank_change, -1.0);
        let y = name.groups.iter().find(|g| g.group == "y").unwrap();
        assert_eq!(y.mean_rank_change, 1.0);
        assert_eq!(name.largest_gap_resume.as_deref(), Some("a"));
    }
}
