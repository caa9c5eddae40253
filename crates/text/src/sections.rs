//! Resume section splitting: English and Chinese headings, and the sections under them.
//!
//! [`split_sections`] finds heading lines and cuts a resume into [`Section`]s. A line is a heading
//! when, after stripping decorations, it is one of the known headings of a [`SectionKind`]
//! (case-insensitive):
//!
//! - decorations: surrounding whitespace, zero-width and no-break spaces, the mojibake some PDF
//!   extractions leave (`Â`, `â€‹`), bullets and rules (`#`, `*`, `=`, `-`, `•`, `■`, ...),
//!   brackets (`【】`, `[]`, `()`, `《》`, ...), a numbering (`1.`, `一、`, `IV.`) and a final `:` or
//!   `：`;
//! - inside the heading, runs of spaces count as one, `&` reads `and`, and spaces between Chinese
//!   characters are ignored (`工 作 经 历`);
//! - a known heading may also open a line and be followed by a colon and content:
//!   `Skills: Java, Python`. Then the content after the colon starts the section's body. A short
//!   duration after the colon (`工作经验：3年`, `Experience: 5+ years`) is a field of a header block, not
//!   a heading.
//!
//! Text before the first heading, if any, is a section of kind [`SectionKind::Other`] with no
//! heading (the name and contact block of most resumes); a text without any heading is one such
//! section.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// What a resume section holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SectionKind {
    /// Contact and personal details (`Contact Information`, `Personal Information`, `个人信息`,
    /// `基本信息`).
    Contact,
    /// A summary, profile or objective (`Summary`, `Professional Summary`, `Objective`, `自我评价`,
    /// `个人简介`).
    Summary,
    /// Work history (`Experience`, `Work History`, `Employment History`, `工作经历`, `实习经历`).
    Experience,
    /// Education and training (`Education`, `Education and Training`, `教育背景`, `教育经历`).
    Education,
    /// Skills and qualifications (`Skills`, `Technical Skills`, `Core Competencies`, `Highlights`,
    /// `专业技能`).
    Skills,
    /// Projects (`Projects`, `Project Experience`, `项目经历`, `项目经验`).
    Projects,
    /// Certifications and licenses (`Certifications`, `Licenses`, `证书`, `资格证书`).
    Certifications,
    /// Languages spoken (`Languages`, `Language Skills`, `语言能力`).
    Languages,
    /// Awards, honours and accomplishments (`Awards`, `Honors`, `Accomplishments`, `获奖情况`).
    Awards,
    /// Interests and hobbies (`Interests`, `Hobbies`, `兴趣爱好`).
    Interests,
    /// Publications and research output (`Publications`, `发表论文`).
    Publications,
    /// Professional affiliations and memberships (`Professional Affiliations`, `Memberships`).
    Affiliations,
    /// Activities, volunteering and community service (`Volunteer Experience`, `Community Service`,
    /// `校园经历`).
    Activities,
    /// References (`References`, `推荐人`).
    References,
    /// Additional information (`Additional Information`, `其他信息`).
    Additional,
    /// Text under no known heading: the text before the first heading.
    Other,
}

impl SectionKind {
    /// Every kind, in the order of the enum.
    pub const ALL: [SectionKind; 16] = [
        SectionKind::Contact,
        SectionKind::Summary,
        SectionKind::Experience,
        SectionKind::Education,
        SectionKind::Skills,
        SectionKind::Projects,
        SectionKind::Certifications,
        SectionKind::Languages,
        SectionKind::Awards,
        SectionKind::Interests,
        SectionKind::Publications,
        SectionKind::Affiliations,
        SectionKind::Activities,
        SectionKind::References,
        SectionKind::Additional,
        SectionKind::Other,
    ];

    /// The kind's lower-case name, as serde writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            SectionKind::Contact => "contact",
            SectionKind::Summary => "summary",
            SectionKind::Experience => "experience",
            SectionKind::Education => "education",
            SectionKind::Skills => "skills",
            SectionKind::Projects => "projects",
            SectionKind::Certifications => "certifications",
            SectionKind::Languages => "languages",
            SectionKind::Awards => "awards",
            SectionKind::Interests => "interests",
            SectionKind::Publications => "publications",
            SectionKind::Affiliations => "affiliations",
            SectionKind::Activities => "activities",
            SectionKind::References => "references",
            SectionKind::Additional => "additional",
            SectionKind::Other => "other",
        }
    }

    /// The kind a heading names, if it is a known heading: `"WORK HISTORY:"` and `"【工作经历】"` are
    /// [`SectionKind::Experience`]. The heading is decorated and compared as a heading line is.
    pub fn from_heading(heading: &str) -> Option<SectionKind> {
        lookup(strip_decorations(heading)).map(|(kind, _)| kind)
    }
}

impl fmt::Display for SectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A section of a resume, borrowing from the text it was split from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Section<'a> {
    /// What the section holds.
    pub kind: SectionKind,
    /// The heading as written, without its decorations (`WORK HISTORY` for `## WORK HISTORY:`);
    /// `None` for the text before the first heading.
    pub heading: Option<&'a str>,
    /// The byte span of [`Section::heading`] in the text.
    pub heading_span: Option<Range<usize>>,
    /// The byte span of the body in the text, without surrounding whitespace; empty (at the body's
    /// start) when a heading directly follows another.
    pub span: Range<usize>,
    /// The body: the text between the heading and the next heading, without surrounding whitespace.
    pub body: &'a str,
}

/// Splits a resume into sections at its heading lines, in text order. Spans never overlap.
///
/// # Example
///
/// ```
/// use jobfit_text::{SectionKind, split_sections};
///
/// let resume = "Jane Doe\n\nSUMMARY\nAnalyst.\n\nSkills: SQL, Python\n\n【工作经历】\n2019-2023 数据分析师\n";
/// let sections = split_sections(resume);
/// let kinds: Vec<_> = sections.iter().map(|s| s.kind).collect();
/// assert_eq!(
///     kinds,
///     [SectionKind::Other, SectionKind::Summary, SectionKind::Skills, SectionKind::Experience]
/// );
/// assert_eq!(sections[2].heading, Some("Skills"));
/// assert_eq!(sections[2].body, "SQL, Python");
/// assert_eq!(sections[3].body, "2019-2023 数据分析师");
/// ```
pub fn split_sections(text: &str) -> Vec<Section<'_>> {
    let headings = find_headings(text);
    let mut sections = Vec::with_capacity(headings.len() + 1);
    let first_line = headings.first().map_or(text.len(), |h| h.line_start);
    if let Some(section) = section(text, SectionKind::Other, None, 0..first_line) {
        sections.push(section);
    }
    for (i, heading) in headings.iter().enumerate() {
        let end = headings
            .get(i + 1)
            .map_or(text.len(), |next| next.line_start);
        let body = heading.body_start..end.max(heading.body_start);
        let heading_text = text.get(heading.span.clone());
        let mut section =
            section(text, heading.kind, heading_text, body.clone()).unwrap_or(Section {
                kind: heading.kind,
                heading: heading_text,
                heading_span: None,
                span: body.start..body.start,
                body: "",
            });
        section.heading_span = Some(heading.span.clone());
        sections.push(section);
    }
    sections
}

/// The body of the first non-empty section of `kind`, if any.
///
/// # Example
///
/// ```
/// use jobfit_text::{SectionKind, section_text};
///
/// let resume = "Education\nBSc Physics, 2012\nSkills\nExcel\n";
/// assert_eq!(section_text(resume, SectionKind::Education), Some("BSc Physics, 2012"));
/// assert_eq!(section_text(resume, SectionKind::Projects), None);
/// ```
pub fn section_text(text: &str, kind: SectionKind) -> Option<&str> {
    split_sections(text)
        .into_iter()
        .find(|s| s.kind == kind && !s.body.is_empty())
        .map(|s| s.body)
}

/// A section over `range` trimmed of whitespace, or `None` if nothing is left.
fn section<'a>(
    text: &'a str,
    kind: SectionKind,
    heading: Option<&'a str>,
    range: Range<usize>,
) -> Option<Section<'a>> {
    let raw = text.get(range.clone())?;
    let body = raw.trim_matches(is_blank);
    if body.is_empty() {
        return None;
    }
    let start = range.start + (raw.len() - raw.trim_start_matches(is_blank).len());
    Some(Section {
        kind,
        heading,
        heading_span: None,
        span: start..start + body.len(),
        body,
    })
}

/// A heading found on a line.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Heading {
    kind: SectionKind,
    /// Where the heading's line starts.
    line_start: usize,
    /// The heading without decorations.
    span: Range<usize>,
    /// Where the body starts: after the line, or after the colon of an inline heading.
    body_start: usize,
}

/// Every heading line of `text`, in order.
fn find_headings(text: &str) -> Vec<Heading> {
    let mut headings = Vec::new();
    let mut line_start = 0;
    let mut after_blank = true;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let found = heading_line(content, after_blank).or_else(|| inline_heading(content));
        after_blank = content.trim_matches(is_blank).is_empty();
        if let Some(heading) = found {
            headings.push(Heading {
                kind: heading.kind,
                line_start,
                span: line_start + heading.span.start..line_start + heading.span.end,
                body_start: line_start + heading.body_start,
            });
        }
        line_start += line.len();
    }
    headings
}

/// The longest line, in bytes, that is examined as a heading: longer lines are prose.
const MAX_HEADING_BYTES: usize = 80;

/// A heading alone on its line (without its line break), with spans relative to the line.
/// `after_blank`: the line opens the text or follows a blank line.
///
/// A weak heading, a word that is also a list item (`Training`, `Research`), needs more: a blank
/// line before it, capitals, or a decoration (`Training:`).
fn heading_line(line: &str, after_blank: bool) -> Option<Heading> {
    if line.len() > MAX_HEADING_BYTES {
        return None;
    }
    let core = strip_decorations(line);
    let (kind, weak) = lookup(core)?;
    let capitals = core.chars().any(char::is_uppercase) && !core.chars().any(char::is_lowercase);
    let decorated = line.trim_matches(is_blank).len() != core.len();
    if weak && !(after_blank || capitals || decorated) {
        return None;
    }
    let start = offset_in(line, core);
    Some(Heading {
        kind,
        line_start: 0,
        span: start..start + core.len(),
        body_start: line.len(),
    })
}

/// A heading that opens its line and is followed by a colon and content (`Skills: Java`), with
/// spans relative to the line.
fn inline_heading(line: &str) -> Option<Heading> {
    let colon = line.find([':', '：'])?;
    if colon > MAX_HEADING_BYTES {
        return None;
    }
    let (before, after) = line.split_at(colon);
    let colon_len = after.chars().next().map_or(1, char::len_utf8);
    let rest = after.get(colon_len..)?;
    let value = rest.trim_matches(is_blank);
    if value.is_empty() || FIELD_VALUE.is_match(value) {
        return None;
    }
    let core = strip_decorations(before);
    let (kind, weak) = lookup(core)?;
    if weak {
        return None;
    }
    let start = offset_in(line, core);
    let body_start = colon + colon_len + (rest.len() - rest.trim_start_matches(is_blank).len());
    Some(Heading {
        kind,
        line_start: 0,
        span: start..start + core.len(),
        body_start,
    })
}

/// A value that makes `Heading: value` a field of a header block rather than a heading: a duration
/// or "none".
static FIELD_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    // A literal pattern, exercised by the unit tests: compiling cannot fail.
    Regex::new(
        r"^(?:[0-9一二三四五六七八九十两]+\s*(?:[\-~～至到]\s*[0-9一二三四五六七八九十两]+\s*)?\+?\s*(?:年|(?i:years?|yrs?)\b)|(?:无|(?i:none|n/a))$|应届)",
    )
    .expect("the field value pattern compiles")
});

/// The byte offset of `part`, a subslice of `whole`, in `whole`.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize)
        .saturating_sub(whole.as_ptr() as usize)
        .min(whole.len())
}

/// Whitespace, zero-width spaces and the byte-order mark.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// What may surround a heading: blanks, the mojibake of PDF extractions, bullets, rules and
/// brackets.
fn is_decoration(c: char) -> bool {
    is_blank(c)
        || matches!(
            c,
            // Mojibake of no-break and zero-width spaces, bullets and full-width colons.
            'Â' | 'â' | '€' | '‹' | '¢' | 'ï' | '¼' | 'š'
            // Bullets, rules and markdown.
            | '#' | '*' | '=' | '-' | '_' | '~' | '•' | '·' | '●' | '○' | '■' | '□' | '▪' | '▫' | '◆' | '◇'
            | '★' | '☆' | '►' | '▶' | '>' | '|' | '—' | '–' | '‐' | '§'
            // Brackets.
            | '[' | ']' | '(' | ')' | '{' | '}' | '<' | '【' | '】' | '〖' | '〗' | '［' | '］' | '（' | '）'
            | '《' | '》' | '〈' | '〉' | '「' | '」' | '『' | '』' | '〔' | '〕'
            // A final colon.
            | ':' | '：'
        )
}

/// A numbering before a heading: `1.`, `2、`, `一、`, `(三)`, `IV.`.
static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    // A literal pattern, exercised by the unit tests: compiling cannot fail.
    Regex::new(r"^(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3}|[IVX]{1,4})\s*[.、．)）]\s*")
        .expect("the numbering pattern compiles")
});

/// `line` without its decorations and numbering.
fn strip_decorations(line: &str) -> &str {
    let mut core = line.trim_matches(is_decoration);
    if let Some(numbering) = NUMBERING.find(core) {
        core = core
            .get(numbering.end()..)
            .unwrap_or_default()
            .trim_matches(is_decoration);
    }
    core
}

/// A heading's lookup key: lower case, `&` as `and`, spaces collapsed (removed between Chinese
/// characters).
fn normalize(core: &str) -> String {
    let lower = core.to_lowercase().replace(['&', '＆'], " and ");
    let words: Vec<&str> = lower.split_whitespace().collect();
    let han = core.chars().any(is_han);
    words.join(if han { "" } else { " " })
}

/// Whether `c` is a CJK ideograph.
fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The kind of a stripped heading, if known, and whether the heading is weak ([`WEAK_HEADINGS`]).
fn lookup(core: &str) -> Option<(SectionKind, bool)> {
    if core.is_empty() || core.len() > MAX_HEADING_BYTES {
        return None;
    }
    let key = normalize(core);
    let kind = HEADINGS.get(key.as_str()).copied()?;
    Some((
        kind,
        WEAK_HEADINGS.split(',').any(|weak| weak.trim() == key),
    ))
}

/// Headings, comma-separated, that are also common list items or field names: alone on a line
/// they need a blank line before them, capitals or a decoration, and they never open a line of
/// content (`Project: Apollo`).
const WEAK_HEADINGS: &str = "\
    training, research, project, expertise, other, about, overview, language, skill, license, \
    internship, employment, strengths, recognition, competencies, \
    技能, 语言, 荣誉, 获奖, 论文, 爱好, 其他, 证书";

/// Known headings by their lookup key.
static HEADINGS: LazyLock<HashMap<&'static str, SectionKind>> = LazyLock::new(|| {
    HEADING_TABLE
        .iter()
        .flat_map(|(kind, keys)| keys.split(',').map(|key| (key.trim(), *kind)))
        .collect()
});

/// Known headings, comma-separated and already normalized ([`normalize`]): lower case, `and` for
/// `&`, single spaces, no spaces in Chinese.
const HEADING_TABLE: &[(SectionKind, &str)] = &[
    (
        SectionKind::Contact,
        "contact, contact information, contact info, contact details, personal information, \
         personal info, personal details, personal data, personal particulars, \
         个人信息, 基本信息, 个人资料, 基本资料, 联系方式, 联系信息, 个人基本信息",
    ),
    (
        SectionKind::Summary,
        "summary, professional summary, career summary, executive summary, \
         summary of qualifications, qualifications summary, profile, professional profile, \
         executive profile, career profile, personal profile, personal statement, objective, \
         career objective, professional objective, job objective, objectives, career overview, \
         career focus, overview, about me, about, \
         自我评价, 个人简介, 个人评价, 个人总结, 自我介绍, 个人概述, 求职意向, 职业目标, \
         个人优势, 自我描述",
    ),
    (
        SectionKind::Experience,
        "experience, work experience, work history, professional experience, \
         employment history, employment, employment experience, relevant experience, \
         related experience, career history, professional history, professional background, \
         military experience, teaching experience, internship experience, internships, \
         internship, experiences, work experiences, relevant work experience, \
         professional work experience, \
         工作经历, 工作经验, 工作履历, 实习经历, 实习经验, 职业经历, 工作背景, 工作及实习经历, \
         实践经历",
    ),
    (
        SectionKind::Education,
        "education, education and training, educational background, education background, \
         academic background, academic qualifications, educational qualifications, \
         education and certifications, academic history, academics, training and education, \
         education and qualifications, training, \
         教育背景, 教育经历, 学习经历, 教育情况, 学历背景, 教育培训, 培训经历, 教育及培训",
    ),
    (
        SectionKind::Skills,
        "skills, skill, technical skills, core competencies, competencies, key competencies, \
         highlights, skill highlights, skills highlights, qualifications, core qualifications, \
         summary of skills, skills summary, computer skills, core strengths, strengths, \
         areas of expertise, expertise, key skills, skill set, skillset, skills and abilities, \
         technical proficiencies, professional skills, relevant skills, it skills, \
         additional skills, technical expertise, skills and qualifications, \
         专业技能, 技能特长, 技能, 个人技能, 职业技能, 技能专长, 专业特长, 技能证书, 技术能力, \
         专业能力, 技能清单",
    ),
    (
        SectionKind::Projects,
        "projects, project, project experience, key projects, selected projects, \
         academic projects, personal projects, project history, \
         项目经历, 项目经验, 项目背景, 主要项目, 项目介绍",
    ),
    (
        SectionKind::Certifications,
        "certifications, certification, certificates, licenses, license, licensure, \
         licenses and certifications, certifications and licenses, certificates and licenses, \
         professional certifications, credentials, \
         证书, 资格证书, 所获证书, 证书资质, 职业资格, 资质证书",
    ),
    (
        SectionKind::Languages,
        "languages, language, language skills, language proficiency, \
         语言能力, 外语能力, 语言技能, 语言",
    ),
    (
        SectionKind::Awards,
        "awards, honors, honours, accomplishments, achievements, key achievements, \
         awards and honors, honors and awards, awards and honours, honours and awards, \
         activities and honors, core accomplishments, recognition, awards and recognition, \
         获奖情况, 获奖经历, 荣誉奖项, 所获荣誉, 荣誉证书, 获得荣誉, 奖励情况, 荣誉, 获奖",
    ),
    (
        SectionKind::Interests,
        "interests, hobbies, hobbies and interests, interests and hobbies, personal interests, \
         兴趣爱好, 个人爱好, 爱好",
    ),
    (
        SectionKind::Publications,
        "publications, publications and presentations, presentations and publications, \
         research, research and publications, \
         发表论文, 论文发表, 科研成果, 学术成果, 论文",
    ),
    (
        SectionKind::Affiliations,
        "affiliations, professional affiliations, memberships, professional memberships, \
         associations, professional associations, \
         社会职务",
    ),
    (
        SectionKind::Activities,
        "activities, extracurricular activities, volunteer experience, volunteer work, \
         volunteering, community service, community involvement, leadership and activities, \
         校园经历, 在校经历, 社会实践, 社团经历, 志愿者经历, 校内实践, 课外活动",
    ),
    (
        SectionKind::References,
        "references, reference, references available upon request, \
         推荐人, 证明人",
    ),
    (
        SectionKind::Additional,
        "additional information, additional info, other information, miscellaneous, other, \
         其他, 其他信息, 附加信息, 补充信息",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_keys_are_normalized_and_unique() {
        let mut seen = HashMap::new();
        for (kind, keys) in HEADING_TABLE {
            assert_ne!(*kind, SectionKind::Other);
            for key in keys.split(',').map(str::trim) {
                assert_eq!(normalize(key), key, "{key} is not normalized");
                assert_eq!(
                    strip_decorations(key),
                    key,
                    "{key} loses characters to decorations"
                );
                assert!(seen.insert(key, *kind).is_none(), "{key} is listed twice");
            }
        }
        assert_eq!(HEADINGS.len(), seen.len());
        for key in WEAK_HEADINGS.split(',').map(str::trim) {
            assert!(
                seen.contains_key(key),
                "weak heading {key} is not a heading"
            );
        }
    }

    #[test]
    fn weak_headings_need_a_sign() {
        let kinds = |text: &str| {
            split_sections(text)
                .iter()
                .map(|s| s.kind)
                .collect::<Vec<_>>()
        };
        use SectionKind::{Education, Other, Skills};
        assert_eq!(
            kinds(
                "Skills
Sales
Training
Coaching"
            ),
            [Skills]
        );
        assert_eq!(
            kinds(
                "Skills
Sales

Training
First aid"
            ),
            [Skills, Education]
        );
        assert_eq!(
            kinds(
                "Skills
Sales
TRAINING
First aid"
            ),
            [Skills, Education]
        );
        assert_eq!(
            kinds(
                "Skills
Sales
Training:
First aid"
            ),
            [Skills, Education]
        );
        assert_eq!(
            kinds(
                "Project: Apollo
Training: CPR"
            ),
            [Other]
        );
    }

    #[test]
    fn decorations_are_stripped() {
        for (line, want) in [
            ("  ## Work History: ", "Work History"),
            ("【工作经历】", "工作经历"),
            ("一、教育背景", "教育背景"),
            ("2. Skills", "Skills"),
            ("IV. Projects", "Projects"),
            ("**SKILLS**", "SKILLS"),
            ("SkillsÂ", "Skills"),
            ("Experience\u{200b}", "Experience"),
            ("=== Education ===", "Education"),
            ("[Summary]", "Summary"),
        ] {
            assert_eq!(strip_decorations(line), want, "{line:?}");
        }
    }

    #[test]
    fn headings_are_classified() {
        for (line, kind) in [
            ("PROFESSIONAL EXPERIENCE", SectionKind::Experience),
            ("Education & Training", SectionKind::Education),
            ("education  and training", SectionKind::Education),
            ("工 作 经 历", SectionKind::Experience),
            ("Skill Highlights", SectionKind::Skills),
            ("Certifications:", SectionKind::Certifications),
            ("【获奖情况】", SectionKind::Awards),
            ("Additional Information", SectionKind::Additional),
        ] {
            assert_eq!(SectionKind::from_heading(line), Some(kind), "{line:?}");
        }
        for line in [
            "Experienced",
            "Company Name",
            "",
            "—",
            "Skills used in every role",
            "1985",
        ] {
            assert_eq!(SectionKind::from_heading(line), None, "{line:?}");
        }
    }

    #[test]
    fn inline_headings_and_fields() {
        let heading = inline_heading("Skills: Java, Python").expect("a heading");
        assert_eq!(
            (heading.kind, heading.span, heading.body_start),
            (SectionKind::Skills, 0..6, 8)
        );
        let heading = inline_heading("专业技能：Java").expect("a heading");
        assert_eq!(
            (heading.kind, heading.span, heading.body_start),
            (SectionKind::Skills, 0..12, 15)
        );
        let heading = inline_heading("工作经历：无锡某公司").expect("无锡 is a city, not 无");
        assert_eq!(heading.kind, SectionKind::Experience);
        for line in [
            "工作经验：3年",
            "工作经验：无",
            "Experience: 5+ years",
            "工作经验：3-5年",
            "Skills:",
            "Tel: 555",
        ] {
            assert_eq!(inline_heading(line), None, "{line:?}");
        }
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "Name\r\n\r\nSummary:\r\nGood.\r\nSkills: A, B\r\n";
        let sections = split_sections(text);
        for s in &sections {
            assert_eq!(&text[s.span.clone()], s.body);
            if let (Some(heading), Some(span)) = (s.heading, s.heading_span.clone()) {
                assert_eq!(&text[span], heading);
            }
        }
        let bodies: Vec<_> = sections.iter().map(|s| (s.kind, s.body)).collect();
        assert_eq!(
            bodies,
            [
                (SectionKind::Other, "Name"),
                (SectionKind::Summary, "Good."),
                (SectionKind::Skills, "A, B")
            ]
        );
    }

    #[test]
    fn empty_and_headingless_text() {
        assert!(split_sections("").is_empty());
        assert!(split_sections(" \n\t\n").is_empty());
        let sections = split_sections("  just prose\n");
        assert_eq!(sections.len(), 1);
        assert_eq!(
            (sections[0].kind, sections[0].heading, sections[0].body),
            (SectionKind::Other, None, "just prose")
        );
        assert_eq!(sections[0].span, 2..12);
    }

    #[test]
    fn consecutive_headings_give_an_empty_body() {
        let sections = split_sections("Skills\nEducation\nBA");
        assert_eq!(sections.len(), 2);
        assert_eq!(
            (sections[0].kind, sections[0].body, sections[0].span.clone()),
            (SectionKind::Skills, "", 6..6)
        );
        assert_eq!(
            (sections[1].kind, sections[1].body),
            (SectionKind::Education, "BA")
        );
    }
}
