//! Extractive job-description drafts: a summary, responsibilities,
//! requirements and skills assembled from the closest O*NET occupations and
//! from similar postings, every line copied from the source it cites.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use jobfit_match::{Catalog, Matcher, RecommendOptions, split_sentences};
use jobfit_model::TextEmbedder;
use jobfit_text::{Job, SkillGazetteer};
use serde::{Deserialize, Serialize};

use crate::error::{GuideError, Result};
use crate::lang::{Language, bigram_similarity, detect_language, model_knows};
use crate::postings::{Posting, Postings};
use crate::skills::{TechnologySkills, posting_skills};

/// What every draft says about itself.
pub const EXTRACTIVE_NOTICE: &str = "Extractive draft: every line is copied from the source it cites \
(an O*NET 29.3 occupation, a posting of the file given, or the request); no text was written or \
reworded by a model. Edit it before publishing.";

/// What to draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftRequest {
    /// The job title (`Data Engineer`, `数据工程师`).
    pub title: String,
    /// Skills the job needs, in the order given.
    pub skills: Vec<String>,
}

/// Options of [`Drafter::draft`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftOptions {
    /// O*NET occupations to draw from. Default 2.
    pub occupations: usize,
    /// Similar postings to draw from. Default 5.
    pub postings: usize,
    /// The least title similarity of a posting drawn from (cosine, or
    /// character-bigram Dice when the model does not know the title's
    /// language). Default 0.5.
    pub min_posting_similarity: f32,
    /// The most lines per section. Default 8 (summary 2, skills 15).
    pub max_lines: usize,
    /// Lines at least this similar (cosine) to a line kept before are
    /// near-duplicates and dropped. Default 0.9.
    pub duplicate_similarity: f32,
    /// The languages the model's card lists (see
    /// [`model_languages`](crate::model_languages)); `None` trusts the model
    /// with any language.
    pub model_languages: Option<Vec<String>>,
}

impl Default for DraftOptions {
    fn default() -> Self {
        Self {
            occupations: 2,
            postings: 5,
            min_posting_similarity: 0.5,
            max_lines: 8,
            duplicate_similarity: 0.9,
            model_languages: None,
        }
    }
}

/// One line of a draft and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftLine {
    /// The text, as in the source (list markers removed).
    pub text: String,
    /// The source: `O*NET 15-1252.00`, `posting 17`, `request`, or for a
    /// skill found in several postings `postings 3, 17`.
    pub source: String,
    /// The line's language code (`en`, `zh`), by script.
    pub language: String,
}

/// A source the draft drew from, with how close it is to the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftSource {
    /// The occupation code or posting id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its similarity to the request.
    pub similarity: f32,
}

/// A drafted job description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDraft {
    /// The title asked for.
    pub title: String,
    /// The request's language code.
    pub language: String,
    /// What the job is.
    pub summary: Vec<DraftLine>,
    /// What the job does.
    pub responsibilities: Vec<DraftLine>,
    /// What it asks of candidates.
    pub requirements: Vec<DraftLine>,
    /// The skills it needs.
    pub skills: Vec<DraftLine>,
    /// The O*NET occupations drawn from.
    pub occupations: Vec<DraftSource>,
    /// The postings drawn from.
    pub postings: Vec<DraftSource>,
    /// Near-duplicate lines dropped.
    pub duplicates_removed: usize,
    /// True when a section is empty or lines are in another language than
    /// the request's (see `notes`).
    pub partial: bool,
    /// What the reader should know.
    pub notes: Vec<String>,
    /// [`EXTRACTIVE_NOTICE`].
    pub notice: String,
}

/// The closest O*NET occupations to a title by the matcher (which should
/// index the bundled O*NET catalog), with their scores.
///
/// # Errors
///
/// The matcher's errors (an empty title is [`jobfit_match::MatchError::EmptyText`]).
pub fn closest_occupations(matcher: &Matcher, title: &str, k: usize) -> Result<Vec<(Job, f32)>> {
    let options = RecommendOptions::default()
        .with_top_k(k.max(1))
        .with_explain(false);
    Ok(matcher
        .recommend(title, &options)?
        .into_iter()
        .map(|rec| (rec.job, rec.score))
        .collect())
}

/// O*NET occupations listing most of `skills` (ignoring case), with the
/// share of the skills each lists; for a title the model cannot read.
pub fn occupations_by_skills(skills: &[String], k: usize) -> Vec<(Job, f32)> {
    if skills.is_empty() {
        return Vec::new();
    }
    let wanted: HashSet<String> = skills.iter().map(|s| s.to_lowercase()).collect();
    let mut scored: Vec<(usize, &Job)> = Catalog::onet()
        .jobs()
        .iter()
        .map(|job| {
            let listed = job
                .skills
                .iter()
                .filter(|s| wanted.contains(&s.to_lowercase()))
                .count();
            (listed, job)
        })
        .filter(|(listed, _)| *listed > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    scored
        .into_iter()
        .take(k)
        .map(|(listed, job)| (job.clone(), listed as f32 / wanted.len() as f32))
        .collect()
}

/// Which section a posting sentence belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Responsibilities,
    Requirements,
    Unknown,
}

const RESPONSIBILITY_HEADINGS: &[&str] = &[
    "responsibilities",
    "what you'll do",
    "what you will do",
    "duties",
    "the role",
    "岗位职责",
    "工作职责",
    "职位描述",
    "工作内容",
    "岗位描述",
    "职责描述",
];
const REQUIREMENT_HEADINGS: &[&str] = &[
    "minimum qualifications",
    "preferred qualifications",
    "qualifications",
    "requirements",
    "what you'll need",
    "skills",
    "任职要求",
    "任职资格",
    "岗位要求",
    "职位要求",
    "技能要求",
    "招聘要求",
    "任职条件",
    "应聘要求",
    "应聘条件",
    "资格要求",
];

fn part_of_label(label: &str) -> Part {
    let lower = label.to_lowercase();
    if RESPONSIBILITY_HEADINGS.iter().any(|h| lower.contains(h))
        || lower.contains("respons")
        || lower.contains("职责")
    {
        Part::Responsibilities
    } else if REQUIREMENT_HEADINGS.iter().any(|h| lower.contains(h))
        || lower.contains("qualif")
        || lower.contains("要求")
    {
        Part::Requirements
    } else {
        Part::Unknown
    }
}

/// A heading at the start of a sentence (`任职要求：...`), its part and the
/// rest of the sentence.
fn heading_prefix(sentence: &str) -> Option<(Part, &str)> {
    let trimmed = sentence.trim_start_matches(['【', '[', '#', ' ']);
    for (headings, part) in [
        (RESPONSIBILITY_HEADINGS, Part::Responsibilities),
        (REQUIREMENT_HEADINGS, Part::Requirements),
    ] {
        for heading in headings {
            let lower = trimmed.to_lowercase();
            if !lower.starts_with(heading) {
                continue;
            }
            // The heading's bytes in `trimmed` (the lower-cased heading is as long for these headings).
            let Some(after) = trimmed.get(heading.len()..) else {
                continue;
            };
            let rest = after.trim_start_matches(['】', ']', ':', '：', ' ', '\t']);
            if rest.len() < after.len() || rest.is_empty() {
                return Some((part, rest));
            }
        }
    }
    None
}

/// Removes list markers: `1、`, `2.`, `(3)`, `（4）`, `①`, `-`, `•`.
fn strip_marker(line: &str) -> &str {
    let mut rest = line.trim();
    loop {
        let before = rest;
        rest = rest.trim_start_matches(['-', '*', '•', '·', '●', '▪', '◦', '–', '—', ' ']);
        rest = rest.trim_start_matches(|c: char| ('\u{2460}'..='\u{2473}').contains(&c));
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && digits <= 2 {
            let after = &rest[digits..];
            if let Some(stripped) = after
                .strip_prefix('、')
                .or_else(|| after.strip_prefix('.'))
                .or_else(|| after.strip_prefix("．"))
                .or_else(|| after.strip_prefix(')'))
                .or_else(|| after.strip_prefix('）'))
            {
                rest = stripped;
            }
        }
        for (open, close) in [('(', ')'), ('（', '）')] {
            if let Some(inner) = rest.strip_prefix(open) {
                let digits = inner.chars().take_while(char::is_ascii_digit).count();
                if digits > 0
                    && let Some(stripped) = inner[digits..].strip_prefix(close)
                {
                    rest = stripped;
                }
            }
        }
        rest = rest.trim();
        if rest == before {
            return rest;
        }
    }
}

/// Whether a line is worth a draft: not too short or long.
fn usable(line: &str) -> bool {
    let chars = line.chars().count();
    let cjk = line
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    let words = line.split_whitespace().count();
    chars <= 240 && (cjk >= 6 || words >= 4)
}

/// The responsibility and requirement lines of a posting.
fn posting_lines(posting: &Posting) -> (Vec<String>, Vec<String>) {
    let mut responsibilities = Vec::new();
    let mut requirements = Vec::new();
    for part in &posting.parts {
        let mut current = part_of_label(&part.label);
        for sentence in split_sentences(&part.text) {
            let mut text = sentence.as_str();
            if let Some((heading, rest)) = heading_prefix(text) {
                current = heading;
                text = rest;
            }
            let line = strip_marker(text).trim_end_matches(['；', ';']).trim();
            if !usable(line) {
                continue;
            }
            match current {
                Part::Responsibilities => responsibilities.push(line.to_string()),
                Part::Requirements => requirements.push(line.to_string()),
                Part::Unknown => {}
            }
        }
    }
    (responsibilities, requirements)
}

/// Drafts job descriptions.
#[derive(Debug)]
pub struct Drafter {
    embedder: Arc<TextEmbedder>,
    gazetteer: SkillGazetteer,
}

impl Drafter {
    /// A drafter comparing texts with `embedder`.
    pub fn new(embedder: impl Into<Arc<TextEmbedder>>) -> Self {
        Self {
            embedder: embedder.into(),
            gazetteer: SkillGazetteer::default_gazetteer().clone(),
        }
    }

    /// Sets the skill gazetteer.
    #[must_use]
    pub fn with_gazetteer(mut self, gazetteer: SkillGazetteer) -> Self {
        self.gazetteer = gazetteer;
        self
    }

    /// Drafts a description for `request` from `occupations` (O*NET jobs
    /// with their similarity to the request, best first; see
    /// [`closest_occupations`] and [`occupations_by_skills`]) and the postings
    /// whose titles are most like the request's.
    ///
    /// Lines in the request's language come first; lines in another
    /// language fill a section only when it would otherwise be empty, and
    /// make the draft partial.
    ///
    /// # Errors
    ///
    /// [`GuideError::EmptyText`] for an empty title,
    /// [`GuideError::UnknownLanguage`] when the model does not know the
    /// title's language and there is nothing else to draft from (no skills,
    /// no postings in that language), and the embedder's errors.
    pub fn draft(
        &self,
        request: &DraftRequest,
        occupations: &[(Job, f32)],
        postings: Option<&Postings>,
        options: &DraftOptions,
    ) -> Result<JobDraft> {
        let title = request.title.trim();
        if title.is_empty() {
            return Err(GuideError::EmptyText {
                what: "the title".into(),
                advice: "give the job title to draft for".into(),
            });
        }
        let language = detect_language(title).unwrap_or(Language::ENGLISH);
        let readable = model_knows(options.model_languages.as_deref(), language);
        let mut notes = Vec::new();
        let mut partial = false;

        // Postings with text, by title similarity.
        let mut chosen: Vec<(&Posting, f32)> = Vec::new();
        if let Some(postings) = postings {
            let with_text: Vec<&Posting> = postings
                .postings
                .iter()
                .filter(|p| !p.parts.is_empty() && !p.title.is_empty())
                .collect();
            let scores: Vec<f32> = if readable {
                let mut titles: Vec<&str> = with_text.iter().map(|p| p.title.as_str()).collect();
                titles.sort_unstable();
                titles.dedup();
                let mut all = vec![title];
                all.extend(titles.iter().copied());
                let vectors = self.embedder.embed(&all)?;
                let query = vectors.row(0);
                let by_title: BTreeMap<&str, f32> = titles
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (*t, vectors.row(i + 1).dot(&query)))
                    .collect();
                with_text
                    .iter()
                    .map(|p| by_title.get(p.title.as_str()).copied().unwrap_or(0.0))
                    .collect()
            } else {
                with_text
                    .iter()
                    .map(|p| bigram_similarity(title, &p.title) as f32)
                    .collect()
            };
            let mut scored: Vec<(&Posting, f32)> = with_text.into_iter().zip(scores).collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.line.cmp(&b.0.line)));
            chosen = scored
                .into_iter()
                .filter(|(_, s)| *s >= options.min_posting_similarity)
                .take(options.postings)
                .collect();
            if chosen.is_empty() {
                partial = true;
                notes.push(format!(
                    "no posting of {} has a title similar enough to {title:?} (at least {})",
                    postings.source.display(),
                    options.min_posting_similarity
                ));
            }
        }
        if !readable {
            let known = options.model_languages.clone().unwrap_or_default();
            if chosen.is_empty() && occupations.is_empty() {
                return Err(GuideError::UnknownLanguage {
                    what: "the title",
                    text: title.to_string(),
                    language: language.name.to_string(),
                    known,
                    advice: format!(
                        "give --skills so that O*NET occupations can be chosen by skill, postings in {} \
                         to draw from, or a model that reads {}",
                        language.name, language.name
                    ),
                });
            }
            partial = true;
            notes.push(format!(
                "the model does not read {} (its card lists {}): postings were chosen by the characters \
                 their titles share with the request{}",
                language.name,
                known.join(", "),
                if occupations.is_empty() {
                    String::new()
                } else {
                    ", O*NET occupations by the skills given".to_string()
                }
            ));
        }
        let occupations: Vec<&(Job, f32)> = occupations.iter().take(options.occupations).collect();

        // Candidate lines per section, each with its source.
        let onet_source = |job: &Job| format!("O*NET {}", job.id);
        let mut summary: Vec<(String, String)> = Vec::new();
        let mut responsibilities: Vec<(String, String)> = Vec::new();
        let mut requirements: Vec<(String, String)> = Vec::new();
        for (job, _) in &occupations {
            let mut lines = job.description.lines();
            if let Some(first) = lines.next() {
                for sentence in split_sentences(first).into_iter().take(2) {
                    summary.push((sentence, onet_source(job)));
                }
            }
            for task in lines {
                let task = task.trim();
                if !task.is_empty() {
                    responsibilities.push((task.to_string(), onet_source(job)));
                }
            }
        }
        for (posting, _) in &chosen {
            let (resp, req) = posting_lines(posting);
            let source = format!("posting {}", posting.id);
            responsibilities.extend(resp.into_iter().map(|line| (line, source.clone())));
            requirements.extend(req.into_iter().map(|line| (line, source.clone())));
        }

        // Skills: the request's, the occupations' flagged ones first, then
        // those of several postings.
        let flags = TechnologySkills::onet();
        let mut skills: Vec<(String, String)> = request
            .skills
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| (s.trim().to_string(), "request".to_string()))
            .collect();
        for (job, _) in &occupations {
            let mut listed: Vec<&String> = job.skills.iter().collect();
            listed.sort_by_key(|s| !(flags.in_demand_for(s, &job.id) || flags.is_hot(s)));
            for skill in listed.into_iter().take(8) {
                skills.push((skill.clone(), onet_source(job)));
            }
        }
        let mut in_postings: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        for (posting, _) in &chosen {
            for skill in posting_skills(posting, &self.gazetteer) {
                let entry = in_postings
                    .entry(skill.to_lowercase())
                    .or_insert_with(|| (skill.clone(), Vec::new()));
                entry.1.push(posting.id.clone());
            }
        }
        let mut frequent: Vec<(String, Vec<String>)> = in_postings
            .into_values()
            .filter(|(_, ids)| ids.len() >= 2 || chosen.len() == 1)
            .collect();
        frequent.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        for (skill, ids) in frequent {
            let source = if ids.len() == 1 {
                format!("posting {}", ids[0])
            } else {
                format!("postings {}", ids.join(", "))
            };
            skills.push((skill, source));
        }

        let mut duplicates_removed = 0;
        let mut section = |name: &str,
                           lines: Vec<(String, String)>,
                           max: usize,
                           embed: bool|
         -> Result<Vec<DraftLine>> {
            let (kept, removed) = self.pick(
                lines,
                language,
                max,
                embed,
                options.duplicate_similarity,
                readable,
            )?;
            duplicates_removed += removed;
            if kept.is_empty() {
                partial = true;
                notes.push(format!("the sources give no {name}"));
            } else if embed && kept.iter().any(|l| l.language != language.code) {
                partial = true;
                notes.push(format!(
                    "some lines of the {name} are not in {}: the sources have too few in it",
                    language.name
                ));
            }
            Ok(kept)
        };
        let summary = section("summary", summary, 2, true)?;
        let responsibilities = section(
            "responsibilities",
            responsibilities,
            options.max_lines,
            true,
        )?;
        let requirements = section("requirements", requirements, options.max_lines, true)?;
        let skills = section("skills", skills, 15, false)?;
        Ok(JobDraft {
            title: title.to_string(),
            language: language.code.to_string(),
            summary,
            responsibilities,
            requirements,
            skills,
            occupations: occupations
                .iter()
                .map(|(job, score)| DraftSource {
                    id: job.id.clone(),
                    title: job.title.clone(),
                    similarity: *score,
                })
                .collect(),
            postings: chosen
                .iter()
                .map(|(posting, score)| DraftSource {
                    id: posting.id.clone(),
                    title: posting.title.clone(),
                    similarity: *score,
                })
                .collect(),
            duplicates_removed,
            partial,
            notes,
            notice: EXTRACTIVE_NOTICE.to_string(),
        })
    }

    /// Keeps at most `max` lines: the request's language first (others only
    /// to fill an empty section), near-duplicates dropped. Returns the kept
    /// lines and how many duplicates were dropped.
    fn pick(
        &self,
        lines: Vec<(String, String)>,
        language: Language,
        max: usize,
        embed: bool,
        threshold: f32,
        readable: bool,
    ) -> Result<(Vec<DraftLine>, usize)> {
        let tagged: Vec<(String, String, &'static str)> = lines
            .into_iter()
            .map(|(text, source)| {
                let code = detect_language(&text).map_or(language.code, |l| l.code);
                (text, source, code)
            })
            .collect();
        // Skill names (not embedded) read the same in any language: no preference.
        let same: Vec<&(String, String, &str)> = tagged
            .iter()
            .filter(|l| !embed || l.2 == language.code)
            .collect();
        let pool: Vec<&(String, String, &str)> = if same.is_empty() {
            tagged.iter().collect()
        } else {
            same
        };
        if pool.is_empty() {
            return Ok((Vec::new(), 0));
        }
        // Cosine of the lines when the model reads them, else bigram Dice only.
        let vectors = if embed && readable {
            let texts: Vec<&str> = pool.iter().map(|l| l.0.as_str()).collect();
            Some(self.embedder.embed(&texts)?)
        } else {
            None
        };
        let mut kept: Vec<usize> = Vec::new();
        let mut removed = 0;
        for (i, line) in pool.iter().enumerate() {
            if kept.len() == max {
                break;
            }
            let duplicate = kept.iter().any(|&j| {
                let lexical = if embed {
                    bigram_similarity(&line.0, &pool[j].0) >= 0.8
                } else {
                    line.0.eq_ignore_ascii_case(&pool[j].0)
                };
                let semantic = vectors
                    .as_ref()
                    .is_some_and(|v| v.row(i).dot(&v.row(j)) >= threshold);
                lexical || semantic
            });
            if duplicate {
                removed += 1;
            } else {
                kept.push(i);
            }
        }
        Ok((
            kept.into_iter()
                .map(|i| DraftLine {
                    text: pool[i].0.clone(),
                    source: pool[i].1.clone(),
                    language: pool[i].2.to_string(),
                })
                .collect(),
            removed,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postings::PostingPart;

    #[test]
    fn markers_are_removed() {
        assert_eq!(
            strip_marker("1、根据公司销售规划和目标"),
            "根据公司销售规划和目标"
        );
        assert_eq!(strip_marker("2. Build pipelines"), "Build pipelines");
        assert_eq!(strip_marker("（3）熟悉Hadoop"), "熟悉Hadoop");
        assert_eq!(strip_marker("- • Own the roadmap"), "Own the roadmap");
        assert_eq!(strip_marker("① 负责数据仓库"), "负责数据仓库");
        assert_eq!(strip_marker("2019 revenue grew"), "2019 revenue grew");
    }

    #[test]
    fn posting_text_splits_at_headings() {
        let posting = Posting {
            id: "7".into(),
            line: 2,
            title: "大数据开发工程师".into(),
            parts: vec![PostingPart {
                label: "description".into(),
                text: "岗位职责：1、负责大数据平台的开发与维护；2、参与数据仓库的设计和建设；\
                       任职要求：1、本科及以上学历，计算机相关专业；2、熟悉Hadoop、Spark等大数据框架。"
                    .into(),
            }],
            skills: vec![],
            pay: None,
            region: None,
            category: None,
            date: None,
        };
        let (resp, req) = posting_lines(&posting);
        assert_eq!(
            resp,
            ["负责大数据平台的开发与维护", "参与数据仓库的设计和建设"]
        );
        assert_eq!(
            req,
            [
                "本科及以上学历，计算机相关专业",
                "熟悉Hadoop、Spark等大数据框架。"
            ]
        );
    }

    #[test]
    fn labelled_columns_decide_the_section() {
        assert_eq!(part_of_label("Responsibilities"), Part::Responsibilities);
        assert_eq!(part_of_label("Minimum Qualifications"), Part::Requirements);
        assert_eq!(part_of_label("description"), Part::Unknown);
    }

    #[test]
    fn occupations_by_skills_rank_by_overlap() {
        let found = occupations_by_skills(
            &[
                "Apache Hadoop".into(),
                "Apache Spark".into(),
                "Python".into(),
            ],
            3,
        );
        assert_eq!(found.len(), 3);
        assert!(found[0].1 >= found[1].1 && found[1].1 >= found[2].1);
        assert!(
            found[0].0.skills.iter().any(|s| s == "Apache Spark"),
            "{:?}",
            found[0].0.title
        );
        assert!(occupations_by_skills(&[], 3).is_empty());
    }
}
