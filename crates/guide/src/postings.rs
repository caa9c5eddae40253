//! Job postings files for market analysis, gap weighting and drafting: CSV
//! (or TSV) and JSON lines, read through a column mapping whose defaults are
//! the header names boards and scrapers use.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jobfit_text::{CsvTable, DataError, Job, ReadOptions, read_jsonl};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{GuideError, Result};

/// Which columns (CSV headers, or JSON keys) hold a posting's fields.
///
/// A field left `None` (`text` left empty) is looked up among the usual
/// names, compared ignoring case with spaces and hyphens read as `_`:
///
/// | field | names tried, in order |
/// |---|---|
/// | id | id, job_id, jobid, posting_id, uid, 编号 |
/// | title | title, job_title, jobtitle, position, position_title, job, 职位, 岗位, 职位名称, 岗位名称 |
/// | text | every column named description, job_description, responsibilities, minimum_qualifications, preferred_qualifications, qualifications, requirements, summary, text, 职位描述, 岗位职责, 任职要求, 描述, 职位信息 |
/// | skills | skills, skill, required_skills, tags, keywords, 技能, 技能要求 |
/// | pay | salary, pay, compensation, wage, salary_range, 薪资, 薪水, 工资, 月薪 |
/// | region | region, location, city, area, 地区, 城市, 工作地点 |
/// | category | category, job_category, industry, function, department, 类别, 行业, 职能 |
/// | date | date, posted, post_date, posted_date, date_posted, created, published, publish_date, 发布日期, 日期 |
///
/// A field named here must exist in the file. Without an id column, the
/// id is the record's 1-based position.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostingColumns {
    /// The id column.
    pub id: Option<String>,
    /// The title column.
    pub title: Option<String>,
    /// The text columns (description, responsibilities, requirements...), in order.
    pub text: Vec<String>,
    /// The skills column: skills separated by `,` `;` `|` `、` or `，`.
    pub skills: Option<String>,
    /// The pay column (pay as written, see [`parse_pay`](crate::parse_pay)).
    pub pay: Option<String>,
    /// The region (location) column.
    pub region: Option<String>,
    /// The category column.
    pub category: Option<String>,
    /// The date column (see [`read_date`](crate::read_date)).
    pub date: Option<String>,
}

const ID: &[&str] = &["id", "job_id", "jobid", "posting_id", "uid", "编号"];
const TITLE: &[&str] = &[
    "title",
    "job_title",
    "jobtitle",
    "position",
    "position_title",
    "job",
    "职位",
    "岗位",
    "职位名称",
    "岗位名称",
];
const TEXT: &[&str] = &[
    "description",
    "job_description",
    "jobdescription",
    "responsibilities",
    "minimum_qualifications",
    "preferred_qualifications",
    "qualifications",
    "requirements",
    "summary",
    "text",
    "职位描述",
    "岗位职责",
    "任职要求",
    "描述",
    "职位信息",
];
const SKILLS: &[&str] = &[
    "skills",
    "skill",
    "required_skills",
    "tags",
    "keywords",
    "技能",
    "技能要求",
];
const PAY: &[&str] = &[
    "salary",
    "pay",
    "compensation",
    "wage",
    "salary_range",
    "薪资",
    "薪水",
    "工资",
    "月薪",
];
const REGION: &[&str] = &[
    "region",
    "location",
    "city",
    "area",
    "地区",
    "城市",
    "工作地点",
];
const CATEGORY: &[&str] = &[
    "category",
    "job_category",
    "industry",
    "function",
    "department",
    "类别",
    "行业",
    "职能",
];
const DATE: &[&str] = &[
    "date",
    "posted",
    "post_date",
    "posted_date",
    "date_posted",
    "created",
    "published",
    "publish_date",
    "发布日期",
    "日期",
];

/// The separators of a skills cell.
const SKILL_SEPARATORS: &[char] = &[',', ';', '|', '、', '，', '；'];

fn header_key(header: &str) -> String {
    header.trim().to_lowercase().replace([' ', '-'], "_")
}

/// One part of a posting's text, under the name of the column it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingPart {
    /// The column name (`Responsibilities`, `description`).
    pub label: String,
    /// The text.
    pub text: String,
}

/// One job posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    /// The id (the id column, or the record's 1-based position).
    pub id: String,
    /// The line where the record starts.
    pub line: u64,
    /// The title; may be empty when the posting has text.
    pub title: String,
    /// The text columns that are not empty.
    pub parts: Vec<PostingPart>,
    /// The skills listed in the skills column, as written.
    pub skills: Vec<String>,
    /// The pay as written.
    pub pay: Option<String>,
    /// The region as written.
    pub region: Option<String>,
    /// The category as written.
    pub category: Option<String>,
    /// The date as written.
    pub date: Option<String>,
}

impl Posting {
    /// The text parts, one after another.
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .map(|part| part.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The posting as a [`Job`]: title (or `posting ID` when it has none),
    /// text as the description, the listed skills.
    pub fn to_job(&self) -> Job {
        let title = if self.title.is_empty() {
            format!("posting {}", self.id)
        } else {
            self.title.clone()
        };
        let mut job = Job::new(self.id.clone(), title)
            .with_description(self.text())
            .with_skills(self.skills.clone());
        job.location.clone_from(&self.region);
        job
    }
}

/// A record that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRecord {
    /// The line where it starts (0 when unknown).
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// The postings of a file, and an account of what was left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postings {
    /// The file.
    pub source: PathBuf,
    /// The columns used (the mapping with the looked-up names filled in).
    pub columns: PostingColumns,
    /// The postings, in file order, exact duplicates left out.
    pub postings: Vec<Posting>,
    /// How many records were left out as unreadable or empty.
    pub skipped: usize,
    /// The first 20 of them.
    pub skipped_examples: Vec<SkippedRecord>,
    /// How many records repeated an earlier one exactly (every field read) and were left out.
    pub duplicates: usize,
}

/// Reads a postings file: `.csv` and `.tsv` as CSV, anything else as JSON
/// lines (one object per line; arrays of strings are joined with `|`).
/// Invalid UTF-8 is replaced with U+FFFD; a malformed record, or one without
/// a title and text, is skipped and counted; exact duplicates are dropped and
/// counted.
///
/// # Errors
///
/// [`GuideError::Data`] when the file cannot be opened or read,
/// [`GuideError::MissingColumn`] for a mapped column the file lacks,
/// [`GuideError::NoSkillColumn`] when no column holds skills or text, and
/// [`GuideError::NoRecords`] when no posting is left.
pub fn read_postings(path: impl AsRef<Path>, columns: &PostingColumns) -> Result<Postings> {
    let path = path.as_ref();
    let extension = path
        .extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let options = ReadOptions::default().with_lossy_utf8(true);
    let (headers, rows) = match extension.as_str() {
        "csv" | "tsv" => {
            let options = if extension == "tsv" {
                options.with_delimiter(b'\t')
            } else {
                options
            };
            let table = CsvTable::open(path, options)?;
            let headers = table.headers().to_vec();
            let rows: Vec<Result<(u64, Vec<String>), DataError>> = table.rows().collect();
            (headers, rows)
        }
        _ => jsonl_rows(path, options)?,
    };
    postings_from_rows(path, &headers, rows, columns)
}

/// The records of a JSON lines file as rows under the union of their keys.
type Rows = Vec<Result<(u64, Vec<String>), DataError>>;

fn jsonl_rows(path: &Path, options: ReadOptions) -> Result<(Vec<String>, Rows)> {
    let mut headers: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut records = Vec::new();
    for record in read_jsonl::<Map<String, Value>>(path, options)? {
        match record {
            Ok((line, map)) => {
                for key in map.keys() {
                    if seen.insert(key.clone()) {
                        headers.push(key.clone());
                    }
                }
                records.push(Ok((line, map)));
            }
            Err(error @ DataError::Io { .. }) => return Err(error.into()),
            Err(error) => records.push(Err(error)),
        }
    }
    let rows = records
        .into_iter()
        .map(|record| {
            record.map(|(line, map)| {
                let values = headers
                    .iter()
                    .map(|key| map.get(key).map(json_text).unwrap_or_default())
                    .collect();
                (line, values)
            })
        })
        .collect();
    Ok((headers, rows))
}

/// A JSON value as cell text: strings as they are, arrays of values joined with `|`.
fn json_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(json_text)
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("|"),
        other => other.to_string(),
    }
}

/// Where each field sits in a row.
#[derive(Debug, Default)]
struct Slots {
    id: Option<usize>,
    title: Option<usize>,
    text: Vec<usize>,
    skills: Option<usize>,
    pay: Option<usize>,
    region: Option<usize>,
    category: Option<usize>,
    date: Option<usize>,
}

fn resolve(
    path: &Path,
    headers: &[String],
    columns: &PostingColumns,
) -> Result<(Slots, PostingColumns)> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let exact = |name: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h.trim() == name.trim())
            .ok_or_else(|| GuideError::MissingColumn {
                path: path.to_path_buf(),
                column: name.to_string(),
                headers: headers.to_vec(),
            })
    };
    let find = |given: &Option<String>, names: &[&str]| -> Result<Option<usize>> {
        match given {
            Some(name) => exact(name).map(Some),
            None => Ok(names
                .iter()
                .find_map(|name| keys.iter().position(|key| key == name))),
        }
    };
    let mut slots = Slots {
        id: find(&columns.id, ID)?,
        title: find(&columns.title, TITLE)?,
        skills: find(&columns.skills, SKILLS)?,
        pay: find(&columns.pay, PAY)?,
        region: find(&columns.region, REGION)?,
        category: find(&columns.category, CATEGORY)?,
        date: find(&columns.date, DATE)?,
        text: Vec::new(),
    };
    slots.text = if columns.text.is_empty() {
        let taken = [slots.id, slots.title, slots.skills];
        keys.iter()
            .enumerate()
            .filter(|(i, key)| TEXT.contains(&key.as_str()) && !taken.contains(&Some(*i)))
            .map(|(i, _)| i)
            .collect()
    } else {
        columns
            .text
            .iter()
            .map(|name| exact(name))
            .collect::<Result<_>>()?
    };
    if slots.skills.is_none() && slots.text.is_empty() {
        return Err(GuideError::NoSkillColumn {
            path: path.to_path_buf(),
            headers: headers.to_vec(),
        });
    }
    let name = |slot: Option<usize>| slot.and_then(|i| headers.get(i).cloned());
    let used = PostingColumns {
        id: name(slots.id),
        title: name(slots.title),
        text: slots
            .text
            .iter()
            .filter_map(|&i| headers.get(i).cloned())
            .collect(),
        skills: name(slots.skills),
        pay: name(slots.pay),
        region: name(slots.region),
        category: name(slots.category),
        date: name(slots.date),
    };
    Ok((slots, used))
}

fn postings_from_rows(
    path: &Path,
    headers: &[String],
    rows: Rows,
    columns: &PostingColumns,
) -> Result<Postings> {
    let (slots, used) = resolve(path, headers, columns)?;
    let mut postings = Vec::new();
    let mut skipped = 0usize;
    let mut skipped_examples = Vec::new();
    let mut duplicates = 0usize;
    let mut seen: HashSet<String> = HashSet::new();
    let mut skip = |line: u64, reason: String, examples: &mut Vec<SkippedRecord>| {
        skipped += 1;
        if examples.len() < 20 {
            examples.push(SkippedRecord { line, reason });
        }
    };
    for (position, row) in rows.into_iter().enumerate() {
        let (line, values) = match row {
            Ok(row) => row,
            Err(error @ DataError::Io { .. }) => return Err(error.into()),
            Err(error) => {
                let line = match &error {
                    DataError::Malformed { line, .. }
                    | DataError::InvalidUtf8 { line, .. }
                    | DataError::RecordTooLong { line, .. }
                    | DataError::Invalid { line, .. } => *line,
                    _ => 0,
                };
                skip(line, error.to_string(), &mut skipped_examples);
                continue;
            }
        };
        let cell = |slot: Option<usize>| -> Option<String> {
            slot.and_then(|i| values.get(i))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let title = cell(slots.title).unwrap_or_default();
        let parts: Vec<PostingPart> = slots
            .text
            .iter()
            .filter_map(|&i| {
                let text = values.get(i)?.trim();
                (!text.is_empty()).then(|| PostingPart {
                    label: headers.get(i).cloned().unwrap_or_default(),
                    text: text.to_string(),
                })
            })
            .collect();
        let skills: Vec<String> = cell(slots.skills)
            .map(|cell| {
                cell.split(SKILL_SEPARATORS)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if title.is_empty() && parts.is_empty() && skills.is_empty() {
            skip(
                line,
                "no title, text or skills".to_string(),
                &mut skipped_examples,
            );
            continue;
        }
        let id = cell(slots.id).unwrap_or_else(|| (position + 1).to_string());
        let posting = Posting {
            id,
            line,
            title,
            parts,
            skills,
            pay: cell(slots.pay),
            region: cell(slots.region),
            category: cell(slots.category),
            date: cell(slots.date),
        };
        let key = duplicate_key(&posting);
        if !seen.insert(key) {
            duplicates += 1;
            continue;
        }
        postings.push(posting);
    }
    if postings.is_empty() {
        let first_problem = skipped_examples
            .first()
            .map(|s| s.reason.clone())
            .unwrap_or_else(|| "the file has no records".to_string());
        return Err(GuideError::NoRecords {
            path: path.to_path_buf(),
            what: "posting",
            skipped,
            first_problem,
        });
    }
    Ok(Postings {
        source: path.to_path_buf(),
        columns: used,
        postings,
        skipped,
        skipped_examples,
        duplicates,
    })
}

/// Every field read, joined: postings with the same key are exact duplicates.
fn duplicate_key(posting: &Posting) -> String {
    let mut key = String::new();
    for field in [
        Some(&posting.title),
        posting.pay.as_ref(),
        posting.region.as_ref(),
        posting.category.as_ref(),
        posting.date.as_ref(),
    ] {
        key.push_str(field.map_or("", String::as_str));
        key.push('\u{1f}');
    }
    for part in &posting.parts {
        key.push_str(&part.text);
        key.push('\u{1f}');
    }
    key.push_str(&posting.skills.join("\u{1e}"));
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[(u64, &[&str])]) -> Rows {
        data.iter()
            .map(|(line, values)| Ok((*line, values.iter().map(|v| v.to_string()).collect())))
            .collect()
    }

    #[test]
    fn usual_headers_are_found() {
        let headers: Vec<String> = [
            "Company",
            "Title",
            "Category",
            "Location",
            "Responsibilities",
            "Minimum Qualifications",
        ]
        .map(String::from)
        .to_vec();
        let data = rows(&[
            (
                2,
                &[
                    "Google",
                    "Analyst",
                    "Finance",
                    "Dublin",
                    "Model data.",
                    "SQL",
                ],
            ),
            (
                3,
                &[
                    "Google",
                    "Analyst",
                    "Finance",
                    "Dublin",
                    "Model data.",
                    "SQL",
                ],
            ),
            (4, &["Google", "", "", "", "", ""]),
        ]);
        let postings = postings_from_rows(
            Path::new("p.csv"),
            &headers,
            data,
            &PostingColumns::default(),
        )
        .unwrap();
        assert_eq!(postings.columns.title.as_deref(), Some("Title"));
        assert_eq!(postings.columns.region.as_deref(), Some("Location"));
        assert_eq!(
            postings.columns.text,
            ["Responsibilities", "Minimum Qualifications"]
        );
        assert_eq!(postings.columns.pay, None);
        assert_eq!(postings.postings.len(), 1);
        assert_eq!(postings.duplicates, 1);
        assert_eq!(postings.skipped, 1);
        assert_eq!(postings.postings[0].id, "1");
        assert_eq!(postings.postings[0].text(), "Model data.\nSQL");
    }

    #[test]
    fn a_file_without_skills_or_text_is_refused() {
        let headers: Vec<String> = ["title", "salary"].map(String::from).to_vec();
        let error = postings_from_rows(
            Path::new("p.csv"),
            &headers,
            rows(&[(2, &["Nurse", "$30 an hour"])]),
            &PostingColumns::default(),
        )
        .unwrap_err();
        assert!(matches!(error, GuideError::NoSkillColumn { .. }), "{error}");
        let columns = PostingColumns {
            text: vec!["body".into()],
            ..PostingColumns::default()
        };
        let error =
            postings_from_rows(Path::new("p.csv"), &headers, Vec::new(), &columns).unwrap_err();
        assert!(matches!(error, GuideError::MissingColumn { ref column, .. } if column == "body"));
    }

    #[test]
    fn skills_cells_split_on_list_separators() {
        let headers: Vec<String> = ["职位", "技能"].map(String::from).to_vec();
        let postings = postings_from_rows(
            Path::new("p.csv"),
            &headers,
            rows(&[(2, &["数据工程师", "Hadoop、Spark，SQL; Python"])]),
            &PostingColumns::default(),
        )
        .unwrap();
        assert_eq!(
            postings.postings[0].skills,
            ["Hadoop", "Spark", "SQL", "Python"]
        );
    }
}
