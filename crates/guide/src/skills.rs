//! Skills: what a resume has, what a posting asks for, O*NET's Hot
//! Technology and In Demand flags, ESCO skill groups, and similarity between
//! skill names.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

use jobfit_model::TextEmbedder;
use jobfit_text::{Job, SkillGazetteer};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::postings::Posting;

/// The bundled O*NET technology skills (see `data/NOTICE.md`).
const TECHNOLOGY_TSV: &str = include_str!("../data/onet-29.3-technology-skills.tsv");
/// The bundled ESCO skill groups (see `data/NOTICE.md`).
const GROUPS_TSV: &str = include_str!("../data/esco-skill-groups.tsv");

/// O*NET 29.3's technology skills, by the default gazetteer's names: their
/// flags and the kind of tool each is (its O*NET commodity).
///
/// "Hot Technology" marks a technology that employers' postings ask for
/// often, whatever the occupation; "In Demand" marks one that postings for a
/// given occupation ask for often. Skills are keyed by the gazetteer's
/// canonical name, ignoring case; the bundled set holds every skill of the
/// bundled O*NET catalog and every flagged one.
///
/// ```
/// use jobfit_guide::TechnologySkills;
///
/// let onet = TechnologySkills::onet();
/// assert!(onet.is_hot("Python"));
/// assert!(onet.in_demand_for("python", "15-1252.00")); // Software Developers
/// assert!(!onet.in_demand_for("Python", "29-1141.00")); // Registered Nurses
/// assert_eq!(onet.commodity("Microsoft Excel"), Some("Spreadsheet software"));
/// ```
#[derive(Debug, Clone)]
pub struct TechnologySkills {
    /// Lower-cased skill -> (hot, in-demand codes, commodity code).
    skills: HashMap<String, (bool, BTreeSet<String>, String)>,
    /// Commodity code -> title.
    commodities: HashMap<String, String>,
}

static TECHNOLOGY: LazyLock<TechnologySkills> =
    LazyLock::new(|| TechnologySkills::parse(TECHNOLOGY_TSV));

impl TechnologySkills {
    /// The bundled technology skills of O*NET 29.3.
    pub fn onet() -> &'static TechnologySkills {
        &TECHNOLOGY
    }

    fn parse(tsv: &str) -> Self {
        let mut skills = HashMap::new();
        let mut commodities = HashMap::new();
        for line in tsv.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["@", code, title] => {
                    commodities.insert((*code).to_string(), (*title).to_string());
                }
                [skill, hot, codes, commodity] => {
                    let codes: BTreeSet<String> = codes
                        .split('|')
                        .filter(|code| !code.is_empty())
                        .map(str::to_string)
                        .collect();
                    skills.insert(
                        skill.to_lowercase(),
                        (*hot == "Y", codes, (*commodity).to_string()),
                    );
                }
                _ => {}
            }
        }
        Self {
            skills,
            commodities,
        }
    }

    /// Whether O*NET marks the skill "Hot Technology".
    pub fn is_hot(&self, skill: &str) -> bool {
        self.skills
            .get(&skill.to_lowercase())
            .is_some_and(|(hot, ..)| *hot)
    }

    /// Whether O*NET marks the skill "In Demand" for the occupation `code`.
    pub fn in_demand_for(&self, skill: &str, code: &str) -> bool {
        self.skills
            .get(&skill.to_lowercase())
            .is_some_and(|(_, codes, _)| codes.contains(code))
    }

    /// Whether O*NET marks the skill "In Demand" for any occupation.
    pub fn in_demand_anywhere(&self, skill: &str) -> bool {
        self.skills
            .get(&skill.to_lowercase())
            .is_some_and(|(_, codes, _)| !codes.is_empty())
    }

    /// The kind of tool the skill is (`Spreadsheet software`), when known.
    pub fn commodity(&self, skill: &str) -> Option<&str> {
        let (.., code) = self.skills.get(&skill.to_lowercase())?;
        self.commodities.get(code).map(String::as_str)
    }

    /// The number of skills.
    pub fn len(&self) -> usize {
        self.skills.len()
    }

    /// Whether there is no skill.
    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }
}

/// A group of the ESCO skills hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EscoGroup {
    /// The code: the last part of its URI (`S5.1`, `0613`).
    pub code: String,
    /// The English label (`programming computer systems`).
    pub label: String,
    /// The label of its top-level group (`working with computers`).
    pub top: String,
}

impl EscoGroup {
    /// The group's URI.
    pub fn uri(&self) -> String {
        if self.code.starts_with(|c: char| c.is_ascii_digit()) {
            format!("http://data.europa.eu/esco/isced-f/{}", self.code)
        } else {
            format!("http://data.europa.eu/esco/skill/{}", self.code)
        }
    }
}

/// ESCO skill groups, and the filing of skill names under them by embedding
/// similarity.
///
/// ESCO's own skill-to-group relations are not bundled (the skills file is
/// too large), so a skill is filed under the group whose label is most like
/// it for the sentence encoder, when that similarity reaches a minimum;
/// otherwise it stays ungrouped. A technology skill is embedded with its
/// O*NET commodity (`Tableau (Business intelligence and data analysis
/// software)`): product names alone say little to the encoder.
#[derive(Debug)]
pub struct EscoGroups {
    groups: Vec<EscoGroup>,
    /// The labels' embeddings and the weights hash of the model that made them.
    vectors: Mutex<Option<(String, Arc<Array2<f32>>)>>,
}

static GROUPS: LazyLock<Vec<EscoGroup>> = LazyLock::new(|| {
    GROUPS_TSV
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let mut fields = line.split('\t');
            Some(EscoGroup {
                code: fields.next()?.to_string(),
                label: fields.next()?.to_string(),
                top: fields.next()?.to_string(),
            })
        })
        .collect()
});

impl Default for EscoGroups {
    fn default() -> Self {
        Self::bundled()
    }
}

impl EscoGroups {
    /// The bundled groups (levels 2 and 3 of ESCO's skills, knowledge and
    /// attitudes pillars, and the language groups; see `data/NOTICE.md`).
    pub fn bundled() -> Self {
        Self {
            groups: GROUPS.clone(),
            vectors: Mutex::new(None),
        }
    }

    /// The groups.
    pub fn groups(&self) -> &[EscoGroup] {
        &self.groups
    }

    /// The group of each skill: the group whose label is most similar
    /// (cosine of the encoder's embeddings) when the similarity is at least
    /// `min_similarity`, with that similarity.
    ///
    /// # Errors
    ///
    /// The embedder's errors.
    pub fn assign(
        &self,
        embedder: &TextEmbedder,
        skills: &[&str],
        min_similarity: f32,
    ) -> Result<Vec<Option<(EscoGroup, f32)>>> {
        if skills.is_empty() || self.groups.is_empty() {
            return Ok(vec![None; skills.len()]);
        }
        let labels = self.label_vectors(embedder)?;
        let technology = TechnologySkills::onet();
        let texts: Vec<String> = skills
            .iter()
            .map(|skill| match technology.commodity(skill) {
                Some(commodity) => format!("{skill} ({commodity})"),
                None => (*skill).to_string(),
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let skill_vectors = embedder.embed(&refs)?;
        Ok(best_rows(&skill_vectors, &labels)
            .into_iter()
            .map(|(row, similarity)| {
                (similarity >= min_similarity).then(|| (self.groups[row].clone(), similarity))
            })
            .collect())
    }

    /// The labels' embeddings by `embedder`, kept for the next call with the same model.
    fn label_vectors(&self, embedder: &TextEmbedder) -> Result<Arc<Array2<f32>>> {
        let model = embedder.identity().weights_hash.clone();
        if let Ok(cache) = self.vectors.lock()
            && let Some((hash, vectors)) = cache.as_ref()
            && *hash == model
        {
            return Ok(Arc::clone(vectors));
        }
        let texts: Vec<&str> = self.groups.iter().map(|g| g.label.as_str()).collect();
        let vectors = Arc::new(embedder.embed(&texts)?);
        if let Ok(mut cache) = self.vectors.lock() {
            *cache = Some((model, Arc::clone(&vectors)));
        }
        Ok(vectors)
    }
}

/// For each row of `queries`, the row of `keys` with the largest dot
/// product, and that product. `keys` must have at least one row.
pub(crate) fn best_rows(queries: &Array2<f32>, keys: &Array2<f32>) -> Vec<(usize, f32)> {
    let scores = queries.dot(&keys.t());
    scores
        .rows()
        .into_iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |best, (i, &s)| {
                    if s > best.1 { (i, s) } else { best }
                })
        })
        .collect()
}

/// The skills of a resume: what the gazetteer finds (by canonical name), and
/// its text for skills the gazetteer does not know.
#[derive(Debug, Clone)]
pub struct ResumeSkills {
    found: Vec<String>,
    lower: BTreeSet<String>,
    lower_text: String,
}

impl ResumeSkills {
    /// The skills of `text` under `gazetteer`.
    pub fn new(text: &str, gazetteer: &SkillGazetteer) -> Self {
        let found: Vec<String> = gazetteer.skill_set(text).into_iter().collect();
        Self {
            lower: found.iter().map(|s| s.to_lowercase()).collect(),
            found,
            lower_text: text.to_lowercase(),
        }
    }

    /// The skills the gazetteer found, by canonical name, sorted.
    pub fn skills(&self) -> &[String] {
        &self.found
    }

    /// Whether the resume shows `skill`: the gazetteer found it, or it
    /// appears as a whole phrase in the text (ignoring case).
    pub fn has(&self, skill: &str) -> bool {
        let lower = skill.to_lowercase();
        self.lower.contains(&lower) || contains_phrase(&self.lower_text, lower.trim())
    }
}

/// Whether `phrase` occurs in `text` not inside a longer word.
pub(crate) fn contains_phrase(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() && c.is_ascii());
    let mut from = 0;
    while let Some(found) = text[from..].find(phrase) {
        let start = from + found;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let first = phrase.chars().next();
        let last = phrase.chars().next_back();
        let open_before = !is_word(first) || !is_word(before);
        let open_after = !is_word(last) || !is_word(after);
        if open_before && open_after {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// The skills a posting asks for: its listed skills and those the gazetteer
/// finds in its title and text (as [`jobfit_match::job_skills`]).
pub fn posting_skills(posting: &Posting, gazetteer: &SkillGazetteer) -> Vec<String> {
    job_skills(&posting.to_job(), gazetteer)
}

/// The skills a job asks for ([`jobfit_match::job_skills`]).
pub(crate) fn job_skills(job: &Job, gazetteer: &SkillGazetteer) -> Vec<String> {
    jobfit_match::job_skills(job, gazetteer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_data_parses() {
        let onet = TechnologySkills::onet();
        assert!(onet.len() > 3000, "{}", onet.len());
        assert!(onet.is_hot("PostgreSQL") && onet.in_demand_anywhere("PostgreSQL"));
        assert!(!onet.is_hot("no such skill") && onet.commodity("no such skill").is_none());
        assert_eq!(
            onet.commodity("C"),
            Some("Development environment software")
        );
        let groups = EscoGroups::bundled();
        assert!(groups.groups().len() > 300);
        let programming = groups
            .groups()
            .iter()
            .find(|g| g.code == "S5.1")
            .expect("S5.1 is bundled");
        assert_eq!(programming.label, "programming computer systems");
        assert_eq!(programming.uri(), "http://data.europa.eu/esco/skill/S5.1");
        let software = groups.groups().iter().find(|g| g.code == "0613").unwrap();
        assert_eq!(software.uri(), "http://data.europa.eu/esco/isced-f/0613");
    }

    #[test]
    fn resume_skills_use_names_and_phrases() {
        let gazetteer = SkillGazetteer::default_gazetteer();
        let resume =
            ResumeSkills::new("Built ETL in Python and MySQL; patient handling", gazetteer);
        assert!(resume.has("python") && resume.has("MySQL"));
        assert!(resume.has("patient handling"));
        assert!(!resume.has("PostgreSQL"));
        assert!(!resume.has("SQL"), "SQL inside MySQL is not SQL");
    }

    #[test]
    fn phrases_respect_word_boundaries() {
        assert!(contains_phrase("i know patient care well", "patient care"));
        assert!(!contains_phrase("outpatient careers", "patient care"));
        assert!(contains_phrase("熟悉hadoop和spark", "hadoop"));
        assert!(!contains_phrase("anything", ""));
    }

    #[test]
    fn best_rows_pick_the_largest_dot_product() {
        let queries = ndarray::array![[1.0, 0.0], [0.0, 1.0]];
        let keys = ndarray::array![[0.6, 0.8], [1.0, 0.0], [0.0, -1.0]];
        assert_eq!(best_rows(&queries, &keys), [(1, 1.0), (0, 0.8)]);
    }
}
