//! Skill gaps: the skills the target jobs ask for and a resume does not
//! show, ranked by how much they matter, each with the closest skill the
//! candidate has and its ESCO skill group.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use jobfit_match::Catalog;
use jobfit_model::TextEmbedder;
use jobfit_text::{Job, SkillGazetteer};
use serde::{Deserialize, Serialize};

use crate::error::{GuideError, Result};
use crate::postings::Postings;
use crate::skills::{
    EscoGroups, ResumeSkills, TechnologySkills, best_rows, job_skills, posting_skills,
};

/// How much each signal weighs in a gap's importance (see [`SkillGap::importance`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportanceWeights {
    /// The weight of the share of target jobs asking for the skill. Default 1.
    pub asked: f64,
    /// The weight of O*NET's "Hot Technology" flag. Default 0.25.
    pub hot: f64,
    /// The weight of O*NET's "In Demand" flag. Default 0.5.
    pub in_demand: f64,
    /// The weight of the share of postings asking for the skill. Default 1.
    pub postings: f64,
}

impl Default for ImportanceWeights {
    fn default() -> Self {
        Self {
            asked: 1.0,
            hot: 0.25,
            in_demand: 0.5,
            postings: 1.0,
        }
    }
}

/// Options of [`GapAnalyzer::analyze`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GapOptions {
    /// The most gaps reported, most important first (at least 1). Default 20.
    pub top: usize,
    /// The weights of the importance.
    pub weights: ImportanceWeights,
    /// File the gaps under ESCO skill groups. Default true.
    pub esco_groups: bool,
    /// The least similarity between a skill and an ESCO group label for the
    /// skill to be filed under it. Default 0.4.
    pub group_min_similarity: f32,
}

impl Default for GapOptions {
    fn default() -> Self {
        Self {
            top: 20,
            weights: ImportanceWeights::default(),
            esco_groups: true,
            group_min_similarity: 0.4,
        }
    }
}

/// The candidate's skill most like a missing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClosestSkill {
    /// The skill the resume shows.
    pub skill: String,
    /// The cosine similarity of the two skill names' embeddings.
    pub similarity: f32,
}

/// An ESCO group a gap was filed under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMatch {
    /// The group's code (`S5.1`, `0613`).
    pub code: String,
    /// Its label.
    pub label: String,
    /// The similarity of the skill name and the label.
    pub similarity: f32,
}

/// A skill the targets ask for and the resume does not show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillGap {
    /// The skill (the gazetteer's canonical name when it has one).
    pub skill: String,
    /// `asked * asked_share + hot * [hot] + in_demand * [in_demand] +
    /// postings * posting_share` with the [`ImportanceWeights`].
    pub importance: f64,
    /// How many target jobs ask for it.
    pub asked_by: usize,
    /// O*NET marks it "Hot Technology".
    pub hot: bool,
    /// O*NET marks it "In Demand" for one of the targets (for any occupation
    /// when no target is an O*NET occupation).
    pub in_demand: bool,
    /// The share of postings asking for it, when postings were given.
    pub posting_share: Option<f64>,
    /// The candidate's most similar skill.
    pub closest: Option<ClosestSkill>,
    /// Its ESCO skill group, when one is close enough.
    pub group: Option<GroupMatch>,
}

/// A target job of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapTarget {
    /// The job's id.
    pub id: String,
    /// Its title.
    pub title: String,
}

/// Gaps filed under one ESCO group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapGroup {
    /// The group's code; `None` for the gaps no group was close enough to.
    pub code: Option<String>,
    /// The group's label.
    pub label: String,
    /// The gaps, most important first.
    pub skills: Vec<String>,
}

/// The result of a gap analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapReport {
    /// The targets.
    pub targets: Vec<GapTarget>,
    /// The skills found in the resume.
    pub resume_skills: Vec<String>,
    /// The targets' skills the resume shows.
    pub matched: Vec<String>,
    /// The most important gaps, most important first.
    pub gaps: Vec<SkillGap>,
    /// How many less important gaps were left out by [`GapOptions::top`].
    pub more_gaps: usize,
    /// The reported gaps by ESCO group, groups in the order of their first gap.
    pub groups: Vec<GapGroup>,
    /// How many postings weighed the gaps, when postings were given.
    pub postings: Option<usize>,
    /// What the reader should know (a resume without skills, ...).
    pub notes: Vec<String>,
}

/// How often postings ask for each skill.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SkillFrequency {
    postings: usize,
    counts: HashMap<String, usize>,
}

impl SkillFrequency {
    /// Counts the skills of postings (see [`posting_skills`]).
    pub fn of(postings: &Postings, gazetteer: &SkillGazetteer) -> Self {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for posting in &postings.postings {
            let skills: HashSet<String> = posting_skills(posting, gazetteer)
                .into_iter()
                .map(|s| s.to_lowercase())
                .collect();
            for skill in skills {
                *counts.entry(skill).or_default() += 1;
            }
        }
        Self {
            postings: postings.postings.len(),
            counts,
        }
    }

    /// From skill sets given directly: one list per posting.
    pub fn from_sets<S: AsRef<str>>(sets: &[Vec<S>]) -> Self {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for set in sets {
            let unique: HashSet<String> = set.iter().map(|s| s.as_ref().to_lowercase()).collect();
            for skill in unique {
                *counts.entry(skill).or_default() += 1;
            }
        }
        Self {
            postings: sets.len(),
            counts,
        }
    }

    /// The share of postings asking for `skill` (ignoring case).
    pub fn share(&self, skill: &str) -> f64 {
        if self.postings == 0 {
            return 0.0;
        }
        self.counts.get(&skill.to_lowercase()).copied().unwrap_or(0) as f64 / self.postings as f64
    }

    /// The number of postings counted.
    pub fn postings(&self) -> usize {
        self.postings
    }
}

/// Finds skill gaps.
#[derive(Debug)]
pub struct GapAnalyzer {
    embedder: Arc<TextEmbedder>,
    gazetteer: SkillGazetteer,
    groups: EscoGroups,
}

impl GapAnalyzer {
    /// An analyzer comparing skill names with `embedder` and finding skills
    /// with the default gazetteer.
    pub fn new(embedder: impl Into<Arc<TextEmbedder>>) -> Self {
        Self {
            embedder: embedder.into(),
            gazetteer: SkillGazetteer::default_gazetteer().clone(),
            groups: EscoGroups::bundled(),
        }
    }

    /// Sets the skill gazetteer.
    #[must_use]
    pub fn with_gazetteer(mut self, gazetteer: SkillGazetteer) -> Self {
        self.gazetteer = gazetteer;
        self
    }

    /// The gazetteer.
    pub fn gazetteer(&self) -> &SkillGazetteer {
        &self.gazetteer
    }

    /// The skills `targets` ask for that `resume` does not show, ranked.
    ///
    /// # Errors
    ///
    /// [`GuideError::InvalidOption`] for `top = 0` or no target,
    /// [`GuideError::EmptyText`] for an empty resume,
    /// [`GuideError::NoTargetSkills`] when the targets ask for no skill, and
    /// the embedder's errors.
    pub fn analyze(
        &self,
        resume: &str,
        targets: &[Job],
        postings: Option<&SkillFrequency>,
        options: &GapOptions,
    ) -> Result<GapReport> {
        if options.top == 0 {
            return Err(GuideError::option("top", 0, "report at least one gap"));
        }
        if targets.is_empty() {
            return Err(GuideError::option(
                "targets",
                "none",
                "give a job, an O*NET occupation, or an index to take the best jobs from",
            ));
        }
        if resume.trim().is_empty() {
            return Err(GuideError::EmptyText {
                what: "the resume".into(),
                advice: "give the resume's text".into(),
            });
        }
        let have = ResumeSkills::new(resume, &self.gazetteer);
        let flags = TechnologySkills::onet();
        let onet = Catalog::onet();
        let onet_targets: Vec<&str> = targets
            .iter()
            .filter(|job| onet.by_id(&job.id).is_some_and(|o| o.title == job.title))
            .map(|job| job.id.as_str())
            .collect();

        // skill (lower case) -> (name, target jobs asking), in first-seen order.
        let mut asked: Vec<(String, usize)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        for job in targets {
            let mut seen = HashSet::new();
            for skill in job_skills(job, &self.gazetteer) {
                let key = skill.to_lowercase();
                if !seen.insert(key.clone()) {
                    continue;
                }
                match position.get(&key) {
                    Some(&i) => asked[i].1 += 1,
                    None => {
                        position.insert(key, asked.len());
                        asked.push((skill, 1));
                    }
                }
            }
        }
        if asked.is_empty() {
            let names: Vec<String> = targets.iter().map(|j| format!("{:?}", j.title)).collect();
            return Err(GuideError::NoTargetSkills {
                target: names.join(", "),
            });
        }
        let n = targets.len() as f64;
        let w = options.weights;
        let mut matched = Vec::new();
        let mut gaps = Vec::new();
        for (skill, count) in asked {
            if have.has(&skill) {
                matched.push(skill);
                continue;
            }
            let hot = flags.is_hot(&skill);
            let in_demand = if onet_targets.is_empty() {
                flags.in_demand_anywhere(&skill)
            } else {
                onet_targets
                    .iter()
                    .any(|code| flags.in_demand_for(&skill, code))
            };
            let posting_share = postings.map(|p| p.share(&skill));
            let importance = w.asked * count as f64 / n
                + w.hot * f64::from(u8::from(hot))
                + w.in_demand * f64::from(u8::from(in_demand))
                + w.postings * posting_share.unwrap_or(0.0);
            gaps.push(SkillGap {
                skill,
                importance,
                asked_by: count,
                hot,
                in_demand,
                posting_share,
                closest: None,
                group: None,
            });
        }
        gaps.sort_by(|a, b| {
            b.importance
                .total_cmp(&a.importance)
                .then(b.asked_by.cmp(&a.asked_by))
                .then_with(|| a.skill.to_lowercase().cmp(&b.skill.to_lowercase()))
        });
        let more_gaps = gaps.len().saturating_sub(options.top);
        gaps.truncate(options.top);

        let mut notes = Vec::new();
        let resume_skills = have.skills().to_vec();
        if !gaps.is_empty() {
            let owned: Vec<String> = gaps.iter().map(|g| g.skill.clone()).collect();
            let names: Vec<&str> = owned.iter().map(String::as_str).collect();
            if resume_skills.is_empty() {
                notes.push(
                    "the skill gazetteer found no skill in the resume, so no gap has a closest skill"
                        .to_string(),
                );
            } else {
                let have_refs: Vec<&str> = resume_skills.iter().map(String::as_str).collect();
                let gap_vectors = self.embedder.embed(&names)?;
                let have_vectors = self.embedder.embed(&have_refs)?;
                for (gap, (row, similarity)) in
                    gaps.iter_mut().zip(best_rows(&gap_vectors, &have_vectors))
                {
                    gap.closest = Some(ClosestSkill {
                        skill: resume_skills[row].clone(),
                        similarity,
                    });
                }
            }
            if options.esco_groups {
                let groups =
                    self.groups
                        .assign(&self.embedder, &names, options.group_min_similarity)?;
                for (gap, group) in gaps.iter_mut().zip(groups) {
                    gap.group = group.map(|(group, similarity)| GroupMatch {
                        code: group.code,
                        label: group.label,
                        similarity,
                    });
                }
            }
        }
        let groups = group_gaps(&gaps);
        Ok(GapReport {
            targets: targets
                .iter()
                .map(|job| GapTarget {
                    id: job.id.clone(),
                    title: job.title.clone(),
                })
                .collect(),
            resume_skills,
            matched,
            gaps,
            more_gaps,
            groups,
            postings: postings.map(SkillFrequency::postings),
            notes,
        })
    }
}

/// The gaps by group, groups in the order of their first (most important) gap.
fn group_gaps(gaps: &[SkillGap]) -> Vec<GapGroup> {
    let mut order: Vec<Option<String>> = Vec::new();
    let mut groups: BTreeMap<Option<String>, GapGroup> = BTreeMap::new();
    for gap in gaps {
        let code = gap.group.as_ref().map(|g| g.code.clone());
        let entry = groups.entry(code.clone()).or_insert_with(|| {
            order.push(code.clone());
            GapGroup {
                code: code.clone(),
                label: gap.group.as_ref().map_or_else(
                    || "no ESCO group close enough".to_string(),
                    |g| g.label.clone(),
                ),
                skills: Vec::new(),
            }
        });
        entry.skills.push(gap.skill.clone());
    }
    order
        .into_iter()
        .filter_map(|code| groups.remove(&code))
        .collect()
}

/// The bundled O*NET occupation with this code (`15-1252.00`, or
/// `15-1252` for its `.00` occupation).
///
/// # Errors
///
/// [`GuideError::UnknownOccupation`] with up to five close codes (same
/// group, or titles containing the text given).
pub fn onet_occupation(code: &str) -> Result<&'static Job> {
    let catalog = Catalog::onet();
    let trimmed = code.trim();
    let full = if trimmed.len() == 7 && !trimmed.contains('.') {
        format!("{trimmed}.00")
    } else {
        trimmed.to_string()
    };
    if let Some(job) = catalog.by_id(&full) {
        return Ok(job);
    }
    let lower = trimmed.to_lowercase();
    let mut suggestions: Vec<String> = Vec::new();
    let has_letters = lower.chars().any(char::is_alphabetic);
    if has_letters {
        suggestions.extend(
            catalog
                .jobs()
                .iter()
                .filter(|job| job.title.to_lowercase().contains(&lower))
                .take(5)
                .map(|job| format!("{} {}", job.id, job.title)),
        );
    } else {
        // The longest prefix some codes share with it.
        for len in (2..=full.len().min(7)).rev() {
            let Some(prefix) = full.get(..len) else {
                continue;
            };
            let close: Vec<String> = catalog
                .jobs()
                .iter()
                .filter(|job| job.id.starts_with(prefix))
                .take(5)
                .map(|job| format!("{} {}", job.id, job.title))
                .collect();
            if !close.is_empty() {
                suggestions = close;
                break;
            }
        }
    }
    Err(GuideError::UnknownOccupation {
        code: code.to_string(),
        suggestions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupation_codes_and_suggestions() {
        assert_eq!(
            onet_occupation("15-1252.00").unwrap().title,
            "Software Developers"
        );
        assert_eq!(onet_occupation(" 15-1252 ").unwrap().id, "15-1252.00");
        match onet_occupation("15-1259.00") {
            Err(GuideError::UnknownOccupation { suggestions, .. }) => {
                assert!(!suggestions.is_empty());
                assert!(
                    suggestions.iter().all(|s| s.starts_with("15-125")),
                    "{suggestions:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        match onet_occupation("software developer") {
            Err(GuideError::UnknownOccupation { suggestions, .. }) => {
                assert!(
                    suggestions.iter().any(|s| s.starts_with("15-1252.00")),
                    "{suggestions:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn frequency_counts_each_posting_once() {
        let sets = vec![
            vec!["SQL", "sql", "Python"],
            vec!["SQL"],
            vec!["Excel"],
            vec![],
        ];
        let frequency = SkillFrequency::from_sets(&sets);
        assert_eq!(frequency.share("SQL"), 0.5);
        assert_eq!(frequency.share("python"), 0.25);
        assert_eq!(frequency.share("Rust"), 0.0);
        assert_eq!(frequency.postings(), 4);
    }

    #[test]
    fn groups_keep_the_order_of_their_first_gap() {
        let gap = |skill: &str, group: Option<(&str, &str)>| SkillGap {
            skill: skill.into(),
            importance: 1.0,
            asked_by: 1,
            hot: false,
            in_demand: false,
            posting_share: None,
            closest: None,
            group: group.map(|(code, label)| GroupMatch {
                code: code.into(),
                label: label.into(),
                similarity: 0.5,
            }),
        };
        let groups = group_gaps(&[
            gap("Python", Some(("S5.1", "programming computer systems"))),
            gap("Tact", None),
            gap("Java", Some(("S5.1", "programming computer systems"))),
        ]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].skills, ["Python", "Java"]);
        assert_eq!(groups[1].code, None);
        assert_eq!(groups[1].skills, ["Tact"]);
    }
}
