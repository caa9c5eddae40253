//! Course catalogs and learning plans: the few courses that close the most
//! important skill gaps for the hours they take (greedy weighted set cover).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jobfit_text::{CsvTable, DataError, ReadOptions, SkillGazetteer, read_jsonl};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{GuideError, Result};
use crate::gaps::SkillGap;
use crate::skills::ResumeSkills;

/// A course of a catalog.
///
/// In JSON lines: `{"id", "title", "description", "skills": [..] or "a; b",
/// "url", "hours"}`; in CSV the same columns, skills separated by `;`, `|`
/// or `,`. `id` and `title` are required; `hours` must be a positive number
/// when given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Course {
    /// The id.
    pub id: String,
    /// The title.
    pub title: String,
    /// What it teaches.
    #[serde(default)]
    pub description: String,
    /// The skills it teaches, as listed.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Where to find it.
    #[serde(default)]
    pub url: Option<String>,
    /// How long it takes.
    #[serde(default)]
    pub hours: Option<f64>,
}

/// Reads a course catalog: `.csv` as CSV, anything else as JSON lines.
///
/// # Errors
///
/// [`GuideError::Data`] when the file cannot be opened or read,
/// [`GuideError::InvalidRecord`] naming the line of a course without id or
/// title or with bad hours, [`GuideError::InvalidRecord`] for a duplicate id,
/// and [`GuideError::EmptyCourseCatalog`] without courses.
pub fn read_courses(path: impl AsRef<Path>) -> Result<Vec<Course>> {
    let path = path.as_ref();
    let is_csv = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let records: Vec<(u64, Map<String, Value>)> = if is_csv {
        let table = CsvTable::open(path, ReadOptions::default())?;
        let headers: Vec<String> = table.headers().iter().map(|h| h.to_lowercase()).collect();
        let mut out = Vec::new();
        for row in table.rows() {
            let (line, values) = row?;
            let map = headers
                .iter()
                .cloned()
                .zip(values.into_iter().map(Value::String))
                .collect();
            out.push((line, map));
        }
        out
    } else {
        read_jsonl::<Map<String, Value>>(path, ReadOptions::default())?
            .collect::<Result<Vec<_>, DataError>>()?
    };
    let mut courses = Vec::with_capacity(records.len());
    let mut ids = HashSet::new();
    for (line, record) in records {
        let course = course(&record).map_err(|message| GuideError::InvalidRecord {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        if !ids.insert(course.id.clone()) {
            return Err(GuideError::InvalidRecord {
                path: path.to_path_buf(),
                line,
                message: format!(
                    "the course id {:?} is used twice; give each course its own id",
                    course.id
                ),
            });
        }
        courses.push(course);
    }
    if courses.is_empty() {
        return Err(GuideError::EmptyCourseCatalog {
            path: path.to_path_buf(),
        });
    }
    Ok(courses)
}

fn text_field(record: &Map<String, Value>, key: &str) -> Option<String> {
    match record.get(key)? {
        Value::String(text) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn course(record: &Map<String, Value>) -> Result<Course, String> {
    let id = text_field(record, "id").ok_or("the course has no id: give each course an id")?;
    let title = text_field(record, "title")
        .ok_or_else(|| format!("course {id:?} has no title: give each course a title"))?;
    let skills = match record.get("skills") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(text)) => text
            .split([';', '|', ','])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    let hours = match record.get("hours") {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) => number.as_f64(),
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => Some(text.trim().parse::<f64>().map_err(|_| {
            format!("course {id:?}: hours {text:?} is not a number; write hours as a number such as 12.5")
        })?),
        Some(other) => {
            return Err(format!(
                "course {id:?}: hours {other} is not a number; write hours as a number such as 12.5"
            ));
        }
    };
    if let Some(hours) = hours
        && !(hours.is_finite() && hours > 0.0)
    {
        return Err(format!(
            "course {id:?}: hours must be a positive number, got {hours}"
        ));
    }
    Ok(Course {
        id,
        title,
        description: text_field(record, "description").unwrap_or_default(),
        skills,
        url: text_field(record, "url"),
        hours,
    })
}

/// One course of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// The course.
    pub course: Course,
    /// The gaps it closes that earlier steps had not.
    pub closes: Vec<String>,
    /// Their total importance.
    pub importance: f64,
    /// The hours counted for it: its own, or the catalog's median when it has none.
    pub hours: f64,
    /// Whether `hours` is the catalog's median rather than the course's own.
    pub hours_estimated: bool,
}

/// A learning plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningPlan {
    /// The courses, in the order they were chosen.
    pub steps: Vec<PlanStep>,
    /// The gaps the plan closes.
    pub covered: Vec<String>,
    /// The gaps no course of the catalog teaches.
    pub uncovered: Vec<String>,
    /// The share of the gaps' total importance the plan closes.
    pub importance_covered: f64,
    /// The hours of the plan.
    pub hours: f64,
    /// The catalog file, when read from one.
    pub catalog: Option<PathBuf>,
    /// Courses in the catalog.
    pub courses_considered: usize,
}

/// A plan covering `gaps` with few courses: greedy weighted set cover. Each
/// round takes the course with the most importance of not yet covered gaps
/// per hour (ties: more importance, then fewer hours, then catalog order),
/// until no course covers another gap.
///
/// A course teaches a gap when the gap's skill is among the skills the
/// gazetteer finds in the course's title, description and listed skills, or
/// appears there as a whole phrase (ignoring case). A course without hours
/// counts the median hours of the courses that have them (1 when none has).
///
/// ```
/// use jobfit_guide::{Course, SkillGap, plan_learning};
/// use jobfit_text::SkillGazetteer;
///
/// let gap = |skill: &str, importance: f64| SkillGap {
///     skill: skill.into(), importance, asked_by: 1, hot: false, in_demand: false,
///     posting_share: None, closest: None, group: None,
/// };
/// let course = |id: &str, skills: &[&str], hours: f64| Course {
///     id: id.into(), title: format!("Course {id}"), description: String::new(),
///     skills: skills.iter().map(|s| s.to_string()).collect(), url: None, hours: Some(hours),
/// };
/// let gaps = [gap("PostgreSQL", 3.0), gap("Docker", 2.0)];
/// let courses = [course("a", &["PostgreSQL", "Docker"], 10.0), course("b", &["PostgreSQL"], 2.0),
///                course("c", &["Docker"], 4.0)];
/// let plan = plan_learning(&gaps, &courses, SkillGazetteer::default_gazetteer());
/// // b: 3.0 / 2 h = 1.5 beats a: 5.0 / 10 h = 0.5; then c: 2.0 / 4 h = 0.5 beats a: 2.0 / 10 h = 0.2.
/// let ids: Vec<&str> = plan.steps.iter().map(|s| s.course.id.as_str()).collect();
/// assert_eq!(ids, ["b", "c"]);
/// assert_eq!(plan.hours, 6.0);
/// ```
pub fn plan_learning(
    gaps: &[SkillGap],
    courses: &[Course],
    gazetteer: &SkillGazetteer,
) -> LearningPlan {
    let known: Vec<f64> = courses.iter().filter_map(|c| c.hours).collect();
    let default_hours = median(&known).unwrap_or(1.0);
    let teaches: Vec<Vec<usize>> = courses
        .iter()
        .map(|course| {
            let text = format!(
                "{}\n{}\n{}",
                course.title,
                course.description,
                course.skills.join(", ")
            );
            let skills = ResumeSkills::new(&text, gazetteer);
            let listed: HashSet<String> = course.skills.iter().map(|s| s.to_lowercase()).collect();
            gaps.iter()
                .enumerate()
                .filter(|(_, gap)| {
                    listed.contains(&gap.skill.to_lowercase()) || skills.has(&gap.skill)
                })
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let total: f64 = gaps.iter().map(|g| g.importance.max(0.0)).sum();
    let mut covered = vec![false; gaps.len()];
    let mut used = vec![false; courses.len()];
    let mut steps = Vec::new();
    loop {
        // (course, importance, hours)
        let mut best: Option<(usize, f64, f64)> = None;
        for (c, course) in courses.iter().enumerate() {
            if used[c] {
                continue;
            }
            let gain: f64 = teaches[c]
                .iter()
                .filter(|&&g| !covered[g])
                .map(|&g| gaps[g].importance.max(0.0))
                .sum();
            let new = teaches[c].iter().any(|&g| !covered[g]);
            if !new {
                continue;
            }
            let hours = course.hours.unwrap_or(default_hours);
            let better = match best {
                None => true,
                Some((_, best_gain, best_hours)) => {
                    let (ratio, best_ratio) = (gain / hours, best_gain / best_hours);
                    ratio > best_ratio
                        || (ratio == best_ratio
                            && (gain > best_gain || (gain == best_gain && hours < best_hours)))
                }
            };
            if better {
                best = Some((c, gain, hours));
            }
        }
        let Some((c, gain, hours)) = best else { break };
        used[c] = true;
        let closes: Vec<String> = teaches[c]
            .iter()
            .filter(|&&g| !covered[g])
            .map(|&g| gaps[g].skill.clone())
            .collect();
        for &g in &teaches[c] {
            covered[g] = true;
        }
        steps.push(PlanStep {
            course: courses[c].clone(),
            closes,
            importance: gain,
            hours,
            hours_estimated: courses[c].hours.is_none(),
        });
    }
    let covered_importance: f64 = gaps
        .iter()
        .zip(&covered)
        .filter(|(_, c)| **c)
        .map(|(g, _)| g.importance.max(0.0))
        .sum();
    LearningPlan {
        hours: steps.iter().map(|s| s.hours).sum(),
        steps,
        covered: gaps
            .iter()
            .zip(&covered)
            .filter(|(_, c)| **c)
            .map(|(g, _)| g.skill.clone())
            .collect(),
        uncovered: gaps
            .iter()
            .zip(&covered)
            .filter(|(_, c)| !**c)
            .map(|(g, _)| g.skill.clone())
            .collect(),
        importance_covered: if total > 0.0 {
            covered_importance / total
        } else {
            0.0
        },
        catalog: None,
        courses_considered: courses.len(),
    }
}

fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(skill: &str, importance: f64) -> SkillGap {
        SkillGap {
            skill: skill.into(),
            importance,
            asked_by: 1,
            hot: false,
            in_demand: false,
            posting_share: None,
            closest: None,
            group: None,
        }
    }

    fn course(id: &str, description: &str, skills: &[&str], hours: Option<f64>) -> Course {
        Course {
            id: id.into(),
            title: format!("Course {id}"),
            description: description.into(),
            skills: skills.iter().map(|s| s.to_string()).collect(),
            url: None,
            hours,
        }
    }

    #[test]
    fn greedy_cover_by_importance_per_hour() {
        // Gaps A 3, B 2, C 1 (the skills are found in the descriptions).
        let gaps = [
            gap("Kubernetes", 3.0),
            gap("Terraform", 2.0),
            gap("Ansible", 1.0),
        ];
        let courses = [
            course("c1", "Kubernetes and Terraform", &[], Some(10.0)), // 5/10 = 0.5
            course("c2", "Kubernetes basics", &[], Some(2.0)),         // 3/2 = 1.5
            course("c3", "", &["Terraform", "Ansible"], Some(3.0)),    // 3/3 = 1.0
            course("c4", "Ansible", &[], Some(1.0)),                   // 1/1 = 1.0
            course("c5", "Cooking", &[], Some(1.0)),                   // nothing
        ];
        let plan = plan_learning(&gaps, &courses, SkillGazetteer::default_gazetteer());
        // Round 1: c2 (1.5). Round 2: c1 2/10, c3 3/3 = 1.0, c4 1/1 = 1.0: c3 wins the tie on importance.
        let ids: Vec<&str> = plan.steps.iter().map(|s| s.course.id.as_str()).collect();
        assert_eq!(ids, ["c2", "c3"]);
        assert_eq!(plan.steps[1].closes, ["Terraform", "Ansible"]);
        assert_eq!(plan.hours, 5.0);
        assert!(plan.uncovered.is_empty());
        assert_eq!(plan.importance_covered, 1.0);
    }

    #[test]
    fn missing_hours_count_the_median_and_untaught_gaps_are_listed() {
        let gaps = [gap("Kubernetes", 1.0), gap("Cobol", 1.0)];
        let courses = [
            course("a", "Kubernetes", &[], None),
            course("b", "Nothing useful", &[], Some(2.0)),
            course("c", "Nothing useful", &[], Some(4.0)),
        ];
        let plan = plan_learning(&gaps, &courses, SkillGazetteer::default_gazetteer());
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.steps[0].hours, 3.0);
        assert!(plan.steps[0].hours_estimated);
        assert_eq!(plan.uncovered, ["Cobol"]);
        assert_eq!(plan.importance_covered, 0.5);
    }

    #[test]
    fn course_records_are_checked() {
        let record = |json: &str| course_from(json);
        assert!(record(r#"{"id": 1, "title": "SQL", "hours": "12"}"#).is_ok());
        assert!(record(r#"{"title": "SQL"}"#).unwrap_err().contains("no id"));
        assert!(record(r#"{"id": "x"}"#).unwrap_err().contains("no title"));
        assert!(
            record(r#"{"id": "x", "title": "t", "hours": -1}"#)
                .unwrap_err()
                .contains("positive")
        );
        assert!(
            record(r#"{"id": "x", "title": "t", "hours": "lots"}"#)
                .unwrap_err()
                .contains("not a number")
        );
        let parsed = record(r#"{"id": "x", "title": "t", "skills": "SQL; Python|Excel"}"#).unwrap();
        assert_eq!(parsed.skills, ["SQL", "Python", "Excel"]);
    }

    fn course_from(json: &str) -> Result<Course, String> {
        let map: Map<String, Value> = serde_json::from_str(json).unwrap();
        super::course(&map)
    }
}
