//! Long queries (resumes): the job titles a resume names, matched against the
//! job names (title and aliases) of the index, as evidence beside the
//! similarity of the resume to the job texts.
//!
//! A resume lists the positions its writer held ("Senior Accountant",
//! "Staff Nurse, ICU"), and those are the best clue to the occupation; the
//! head of the resume that the encoder reads (256 tokens) often holds only
//! the summary and a skills list. [`title_phrases`] takes the short phrases
//! of the resume's experience section (the whole text when it has none),
//! each is embedded as a short query, and a job's name score is the best
//! similarity of one of those phrases, or of the resume's head, to one of its
//! names. The dense score is then `(1 - w) * text + w * max(text, name)`,
//! as for short queries, with `w` = [`RESUME_NAME_WEIGHT`].

use jobfit_model::TextEmbedder;
use jobfit_text::{SectionKind, split_sections};

use crate::error::Result;

/// How much the job names weigh in the dense score of a long query (see the
/// module docs).
///
/// Measured zero-shot with all-MiniLM-L6-v2 on two resume sets
/// (`eval/README.md`, *Resume matching defaults*), with weighted BM25 fusion
/// (dense weight 0.8): MRR@10 on the 326 held-out LiveCareer resumes and the
/// 150 Google job postings was 0.437 / 0.593 without names (weight 0), 0.446
/// / 0.616 at weight 0.3 and 0.464 / 0.616 at 0.5, the weight chosen (both
/// sets took part in the choice).
pub const RESUME_NAME_WEIGHT: f32 = 0.5;

/// The most title phrases taken from one resume (from its start).
pub const MAX_TITLE_PHRASES: usize = 32;

/// Month names and words that mark a date range rather than a title.
const DATE_WORDS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "present",
    "current",
];

/// The short phrases of a resume that may be job titles, in order, without
/// repeats (ignoring case), at most `max`.
///
/// The lines of the experience sections (of the whole text when there is
/// none) that have at most 12 words and do not end with a period are split
/// at separators (`,`, `|`, `;`, `:`, `(`, `)`, ` - `, ` at `, ` @ `,
/// bullets); the parts of 1 to 6 words with at least three letters, no
/// month name and no year or numeric date are kept. Company names and places
/// come along: they rarely resemble a job's name, so they add little.
///
/// ```
/// use jobfit_match::title_phrases;
///
/// let resume = "Summary\nAnalyst who likes data.\n\nExperience\n\
///     Senior Data Engineer, Brightwater Logistics - 2021 to present\n\
///     - Built pipelines in Spark.\n\
///     Junior Software Developer | Kestrel Web Studio | 2017 to 2018\n";
/// assert_eq!(
///     title_phrases(resume, 10),
///     ["Senior Data Engineer", "Brightwater Logistics", "Junior Software Developer", "Kestrel Web Studio"]
/// );
/// ```
pub fn title_phrases(resume: &str, max: usize) -> Vec<String> {
    let experience: Vec<&str> = split_sections(resume)
        .into_iter()
        .filter(|section| section.kind == SectionKind::Experience && !section.body.is_empty())
        .map(|section| section.body)
        .collect();
    let sources = if experience.is_empty() {
        vec![resume]
    } else {
        experience
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let lines = sources.iter().flat_map(|text| text.lines());
    for line in lines {
        let line = line.trim_matches(|c: char| c.is_whitespace() || "-*•·".contains(c));
        if line.is_empty() || line.ends_with('.') || line.split_whitespace().count() > 12 {
            continue;
        }
        for part in split_title_line(line) {
            let part = part.trim_matches(|c: char| c.is_whitespace() || ".-–—".contains(c));
            if !is_title_like(part) || !seen.insert(part.to_lowercase()) {
                continue;
            }
            out.push(part.to_string());
            if out.len() >= max {
                return out;
            }
        }
    }
    out
}

/// A short line cut at the separators of a resume's position lines.
fn split_title_line(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = line;
    'outer: while !rest.is_empty() {
        for (i, c) in rest.char_indices() {
            let single = matches!(c, ',' | '|' | ';' | ':' | '(' | ')' | '\t' | '•' | '·');
            let spaced = if c == ' ' {
                [" - ", " – ", " — ", " at ", " @ "]
                    .iter()
                    .find(|sep| rest[i..].starts_with(**sep))
            } else {
                None
            };
            if single {
                parts.push(&rest[..i]);
                rest = &rest[i + c.len_utf8()..];
                continue 'outer;
            }
            if let Some(sep) = spaced {
                parts.push(&rest[..i]);
                rest = &rest[i + sep.len()..];
                continue 'outer;
            }
        }
        parts.push(rest);
        break;
    }
    parts
}

/// 1 to 6 words, three letters or more, and no date.
fn is_title_like(part: &str) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    if part.chars().filter(|c| c.is_alphabetic()).count() < 3 {
        return false;
    }
    let digits = |word: &str| word.chars().filter(char::is_ascii_digit).count();
    !words.iter().any(|word| {
        let bare = word
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        DATE_WORDS.contains(&bare.as_str())
            || digits(word) >= 4
            || (word.contains('/') && digits(word) >= 2)
    })
}

/// The embedded [`title_phrases`] of a long query `text` (as queries, with
/// the model's query prompt): the job titles a resume names, matched against
/// the job names with [`RESUME_NAME_WEIGHT`] (a job's name score is its best
/// name's similarity to one of them or to the resume itself).
///
/// # Errors
///
/// The embedder's errors.
pub(crate) fn title_vectors(embedder: &TextEmbedder, text: &str) -> Result<Vec<Vec<f32>>> {
    let phrases = title_phrases(text, MAX_TITLE_PHRASES);
    if phrases.is_empty() {
        return Ok(Vec::new());
    }
    let refs: Vec<&str> = phrases.iter().map(String::as_str).collect();
    let vectors = embedder.embed_queries(&refs)?;
    Ok(vectors.rows().into_iter().map(|row| row.to_vec()).collect())
}
