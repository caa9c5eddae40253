//! Explanations of a match: matched and missing skills, and the best
//! evidence pair (a resume sentence and a job sentence).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use jobfit_text::{Job, PiiKind, Redactor, SkillGazetteer};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::vector::dot;

/// The resume sentence and the job sentence that are most alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// A sentence of the resume.
    pub resume_sentence: String,
    /// A sentence of the job (its description, or its title).
    pub job_sentence: String,
    /// Their cosine similarity.
    pub similarity: f32,
}

/// Sentences longer than this many bytes are cut at a space.
const MAX_SENTENCE_BYTES: usize = 300;

/// Splits text into sentences: at line breaks (a line starting in lower case
/// continues the one before unless that one ends a sentence), and after
/// `.`, `!`, `?` or `;` followed by a space (and after `。`, `！`, `？`, `；`). List markers are
/// removed, long sentences cut at about 300 bytes, and pieces without at
/// least two letters or digits dropped.
///
/// ```
/// use jobfit_match::split_sentences;
///
/// let text = "- Built ETL pipelines in Python. Led a team of 4!\n* Node.js APIs; SQL\n--";
/// assert_eq!(
///     split_sentences(text),
///     ["Built ETL pipelines in Python.", "Led a team of 4!", "Node.js APIs;", "SQL"]
/// );
/// // Hard-wrapped lines are joined again.
/// assert_eq!(
///     split_sentences("Summary\nBuilt pipelines for analytics and\nmachine learning teams."),
///     ["Summary", "Built pipelines for analytics and machine learning teams."]
/// );
/// ```
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in unwrap_lines(text) {
        let line = line.as_str();
        let mut start = 0;
        let mut chars = line.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let end = at + c.len_utf8();
            let cjk_stop = matches!(c, '。' | '！' | '？' | '；');
            let latin_stop = matches!(c, '.' | '!' | '?' | ';')
                && chars.peek().is_some_and(|(_, next)| next.is_whitespace());
            if cjk_stop || latin_stop {
                push_sentence(&mut out, &line[start..end]);
                start = end;
            }
        }
        push_sentence(&mut out, &line[start..]);
    }
    out
}

/// Joins lines broken inside a sentence (hard-wrapped text): a line that
/// starts with a lower-case letter continues the previous line, unless that
/// one ends a sentence.
fn unwrap_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let continues = trimmed.chars().next().is_some_and(char::is_lowercase)
            && lines.last().is_some_and(|previous| {
                !previous.is_empty()
                    && !previous.ends_with(['.', '!', '?', ';', ':', '。', '！', '？', '；', '：'])
            });
        match lines.last_mut() {
            Some(previous) if continues => {
                previous.push(' ');
                previous.push_str(trimmed);
            }
            _ => lines.push(trimmed.to_string()),
        }
    }
    lines
}

fn push_sentence(out: &mut Vec<String>, piece: &str) {
    let piece = piece
        .trim()
        .trim_start_matches(['-', '*', '•', '·', '–', '—', '>', '●', '▪', '◦'])
        .trim();
    if piece.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        return;
    }
    let mut rest = piece;
    while rest.len() > MAX_SENTENCE_BYTES {
        // Cut at the last space before the limit (or at a char boundary).
        let mut cut = MAX_SENTENCE_BYTES;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if let Some(space) = rest[..cut].rfind(char::is_whitespace)
            && space > 0
        {
            cut = space;
        }
        out.push(rest[..cut].trim().to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
}

/// Finds contact details, which make poor evidence.
static CONTACT: LazyLock<Redactor> = LazyLock::new(|| {
    Redactor::builder()
        .with_only([PiiKind::Email, PiiKind::Phone, PiiKind::Url])
        .build()
        // Cannot fail: the default placeholders are not blank.
        .unwrap_or_default()
});

/// At most `max` sentences of a text for evidence, preferring sentences of
/// at least three words without contact details (headings, one-word lines
/// and contact lines make poor evidence); in text order.
pub(crate) fn evidence_sentences(text: &str, max: usize) -> Vec<String> {
    let all: Vec<String> = split_sentences(text)
        .into_iter()
        .filter(|sentence| CONTACT.find(sentence).is_empty())
        .collect();
    let wordy: Vec<String> = all
        .iter()
        .filter(|sentence| sentence.split_whitespace().count() >= 3)
        .take(max)
        .cloned()
        .collect();
    if wordy.is_empty() {
        all.into_iter().take(max).collect()
    } else {
        wordy
    }
}

/// The best pair between two sets of embedded sentences (rows of
/// `left_vectors` and `right_vectors`, in the order of the sentences).
pub(crate) fn best_pair(
    left: &[String],
    left_vectors: &Array2<f32>,
    right: &[String],
    right_vectors: ndarray::ArrayView2<'_, f32>,
) -> Option<(usize, usize, f32)> {
    let mut best: Option<(usize, usize, f32)> = None;
    for (i, l) in left_vectors.rows().into_iter().enumerate().take(left.len()) {
        let l = l.as_slice()?;
        for (j, r) in right_vectors
            .rows()
            .into_iter()
            .enumerate()
            .take(right.len())
        {
            let similarity = match r.as_slice() {
                Some(r) => dot(l, r),
                None => continue,
            };
            if best.is_none_or(|(_, _, s)| similarity > s) {
                best = Some((i, j, similarity));
            }
        }
    }
    best
}

/// The skills a job asks for: its listed skills (under the gazetteer's
/// canonical name when it spells them differently), then the skills the gazetteer finds
/// in its title and description; without duplicates (ignoring case), in
/// that order.
pub fn job_skills(job: &Job, gazetteer: &SkillGazetteer) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut add = |skill: String| {
        if seen.insert(skill.to_lowercase()) {
            out.push(skill);
        }
    };
    for skill in &job.skills {
        // The gazetteer's name unifies spellings (`postgres` -> `PostgreSQL`);
        // a name that differs only in case keeps the job's own spelling.
        let name = match gazetteer.canonical_name(skill) {
            Some(name) if !name.eq_ignore_ascii_case(skill) => name.to_string(),
            _ => skill.clone(),
        };
        add(name);
    }
    for found in gazetteer.extract(&format!("{}\n{}", job.title, job.description)) {
        add(found.skill);
    }
    out
}

/// The skills of a resume, as the gazetteer finds them, with the resume
/// text for skills it does not know.
#[derive(Debug, Clone)]
pub(crate) struct ResumeSkills {
    canonical: BTreeSet<String>,
    lower_text: String,
}

impl ResumeSkills {
    pub(crate) fn new(text: &str, gazetteer: &SkillGazetteer) -> Self {
        Self {
            canonical: gazetteer
                .skill_set(text)
                .into_iter()
                .map(|skill| skill.to_lowercase())
                .collect(),
            lower_text: text.to_lowercase(),
        }
    }

    /// Whether the resume has a skill: the gazetteer found it, or the skill
    /// appears as a whole phrase in the text (ignoring case).
    pub(crate) fn has(&self, skill: &str) -> bool {
        let lower = skill.to_lowercase();
        self.canonical.contains(&lower) || contains_phrase(&self.lower_text, lower.trim())
    }

    /// Splits a job's skills into matched and missing.
    pub(crate) fn gap(&self, job_skills: Vec<String>) -> (Vec<String>, Vec<String>) {
        job_skills.into_iter().partition(|skill| self.has(skill))
    }
}

/// Whether `phrase` occurs in `text` not inside a longer word.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    let mut from = 0;
    while let Some(found) = text[from..].find(phrase) {
        let start = from + found;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !is_word(before) && !is_word(after) {
            return true;
        }
        // Move past the first char of this occurrence.
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobfit_text::SkillEntry;

    #[test]
    fn phrases_respect_word_boundaries() {
        assert!(contains_phrase("i know patient care well", "patient care"));
        assert!(!contains_phrase("outpatient careers", "patient care"));
        assert!(contains_phrase("patient care", "patient care"));
        assert!(!contains_phrase("anything", ""));
    }

    #[test]
    fn gap_uses_canonical_names_and_plain_phrases() {
        let gazetteer = SkillGazetteer::from_entries([
            SkillEntry::new("PostgreSQL").with_alias("postgres"),
            SkillEntry::new("Python"),
            SkillEntry::new("Kubernetes"),
        ])
        .unwrap();
        let job = Job::new("1", "Backend developer")
            .with_description("You will run services on Kubernetes.")
            .with_skills(["postgres", "Python", "Team leadership"]);
        let skills = job_skills(&job, &gazetteer);
        assert_eq!(
            skills,
            ["PostgreSQL", "Python", "Team leadership", "Kubernetes"]
        );
        let resume = ResumeSkills::new("Python and Postgres; team leadership of 5", &gazetteer);
        let (matched, missing) = resume.gap(skills);
        assert_eq!(matched, ["PostgreSQL", "Python", "Team leadership"]);
        assert_eq!(missing, ["Kubernetes"]);
    }

    #[test]
    fn long_sentences_are_cut_at_spaces() {
        let long = "word ".repeat(200);
        let pieces = split_sentences(&long);
        assert!(pieces.len() >= 3);
        assert!(pieces.iter().all(|piece| piece.len() <= MAX_SENTENCE_BYTES));
        assert_eq!(
            pieces
                .iter()
                .map(|p| p.split_whitespace().count())
                .sum::<usize>(),
            200
        );
    }
}
