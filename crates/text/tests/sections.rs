//! Integration tests for the sections module.

use std::path::PathBuf;

use jobfit_text::{Section, SectionKind, section_text, split_sections};
use proptest::prelude::*;

const ENGLISH: &str = "\
Jane Doe
jane@example.com | (415) 555-0134

PROFESSIONAL SUMMARY:
Data analyst with 6 years of experience.

Skills: SQL, Python, Tableau

Work History
Data Analyst, 01/2019 to Current
Acme Corp - Springfield
Built dashboards.

## Education and Training
BSc Statistics, 2016

Languages
English, Spanish
";

const CHINESE: &str = "\
张三
电话：13800138000
工作经验：3年

【自我评价】
踏实肯干，沟通能力强。

一、工作经历
2019.07-至今  某某科技有限公司  数据分析师
负责销售数据分析。

二、教育背景
2015.09-2019.06  某某大学  统计学  本科

专业技能：Python、SQL、Excel

获奖情况
2018年 国家奖学金
";

/// `(kind, heading, body)` of each section.
fn outline(text: &str) -> Vec<(SectionKind, Option<&str>, &str)> {
    split_sections(text)
        .into_iter()
        .map(|s| (s.kind, s.heading, s.body))
        .collect()
}

/// The invariants every split must keep.
fn check_invariants(text: &str, sections: &[Section<'_>]) {
    let mut last_end = 0;
    for s in sections {
        if let Some(span) = &s.heading_span {
            assert!(
                span.start >= last_end && span.end <= s.span.start,
                "heading before its body: {s:?}"
            );
            assert_eq!(text.get(span.clone()), s.heading, "heading span");
            let heading = s.heading.expect("a heading span comes with a heading");
            assert_eq!(SectionKind::from_heading(heading), Some(s.kind));
        } else {
            assert_eq!(s.heading, None);
            assert_eq!(s.kind, SectionKind::Other);
        }
        assert!(
            s.span.start >= last_end && s.span.start <= s.span.end,
            "ordered, disjoint: {sections:?}"
        );
        assert_eq!(
            text.get(s.span.clone()),
            Some(s.body),
            "body span on char boundaries"
        );
        assert_eq!(s.body, s.body.trim(), "bodies are trimmed");
        last_end = s.span.end;
    }
    assert!(last_end <= text.len());
}

#[test]
fn english_resume() {
    use SectionKind::*;
    assert_eq!(
        outline(ENGLISH),
        [
            (Other, None, "Jane Doe\njane@example.com | (415) 555-0134"),
            (
                Summary,
                Some("PROFESSIONAL SUMMARY"),
                "Data analyst with 6 years of experience."
            ),
            (Skills, Some("Skills"), "SQL, Python, Tableau"),
            (
                Experience,
                Some("Work History"),
                "Data Analyst, 01/2019 to Current\nAcme Corp - Springfield\nBuilt dashboards."
            ),
            (
                Education,
                Some("Education and Training"),
                "BSc Statistics, 2016"
            ),
            (Languages, Some("Languages"), "English, Spanish"),
        ]
    );
    check_invariants(ENGLISH, &split_sections(ENGLISH));
}

#[test]
fn english_spans() {
    let sections = split_sections(ENGLISH);
    let skills = &sections[2];
    // The heading is the 6 bytes of "Skills"; the body starts after ": " and runs over "SQL,
    // Python, Tableau".
    let line = ENGLISH.find("Skills:").expect("the skills line");
    assert_eq!(skills.heading_span, Some(line..line + 6));
    assert_eq!(skills.span, line + 8..line + 28);
    let history = ENGLISH.find("Work History").expect("the history heading");
    assert_eq!(sections[3].heading_span, Some(history..history + 12));
    assert_eq!(sections[3].span.start, history + 13);
}

#[test]
fn chinese_resume() {
    use SectionKind::*;
    assert_eq!(
        outline(CHINESE),
        [
            (Other, None, "张三\n电话：13800138000\n工作经验：3年"),
            (Summary, Some("自我评价"), "踏实肯干，沟通能力强。"),
            (
                Experience,
                Some("工作经历"),
                "2019.07-至今  某某科技有限公司  数据分析师\n负责销售数据分析。"
            ),
            (
                Education,
                Some("教育背景"),
                "2015.09-2019.06  某某大学  统计学  本科"
            ),
            (Skills, Some("专业技能"), "Python、SQL、Excel"),
            (Awards, Some("获奖情况"), "2018年 国家奖学金"),
        ]
    );
    check_invariants(CHINESE, &split_sections(CHINESE));
}

#[test]
fn decorated_and_spaced_headings() {
    let text = "# Summary\nA.\n**EXPERIENCE**\nB.\n=== Skills ===\nC.\n\
                [ 教 育 背 景 ]\nD.\n3. Projects:\nE.\n";
    let kinds: Vec<_> = split_sections(text)
        .iter()
        .map(|s| (s.kind, s.body))
        .collect();
    use SectionKind::*;
    assert_eq!(
        kinds,
        [
            (Summary, "A."),
            (Experience, "B."),
            (Skills, "C."),
            (Education, "D."),
            (Projects, "E.")
        ]
    );
}

#[test]
fn prose_is_not_a_heading() {
    let text = "Experience\nI have experience in skills training.\n\
                Education is my passion:\nSkills used: Excel\n";
    let kinds: Vec<_> = split_sections(text).iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SectionKind::Experience]);
}

#[test]
fn section_text_finds_the_first_non_empty_body() {
    let text = "Skills\n\nHighlights\nExcel, Word\nEducation\nBA\n";
    assert_eq!(section_text(text, SectionKind::Skills), Some("Excel, Word"));
    assert_eq!(section_text(text, SectionKind::Education), Some("BA"));
    assert_eq!(section_text(text, SectionKind::Experience), None);
    assert_eq!(section_text("", SectionKind::Other), None);
}

#[test]
fn serde_names() -> anyhow::Result<()> {
    assert_eq!(
        serde_json::to_string(&SectionKind::Experience)?,
        r#""experience""#
    );
    let kind: SectionKind = serde_json::from_str(r#""certifications""#)?;
    assert_eq!(kind, SectionKind::Certifications);
    let sections = split_sections("Skills\nSQL");
    let json = serde_json::to_value(&sections)?;
    assert_eq!(json[0]["kind"], "skills");
    assert_eq!(json[0]["body"], "SQL");
    Ok(())
}

/// Resume-like text: heading lines, separators and arbitrary strings.
fn resume_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<String>(),
        2 => prop::sample::select(vec![
            "Skills", "EXPERIENCE", "Work History:", "## Education", "【工作经历】", "一、教育背景", "Skills: ",
            "专业技能：", "Training", "工作经验：3年", "\n", "\n\n", "\r\n", ":", "：", " ", "Â", "\u{200b}", "é",
        ]).prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn any_string_keeps_the_invariants(text in any::<String>()) {
        check_invariants(&text, &split_sections(&text));
    }

    #[test]
    fn resume_soup_keeps_the_invariants(text in resume_soup()) {
        let sections = split_sections(&text);
        check_invariants(&text, &sections);
        // Nothing but blanks and headings is lost: every non-blank line is in a section or is a
        // heading line.
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let start = line.as_ptr() as usize - text.as_ptr() as usize;
            let covered = sections.iter().any(|s| {
                let heading = s.heading_span.clone().unwrap_or(0..0);
                (s.span.start < start + line.len() && start < s.span.end)
                    || (heading.start < start + line.len() && start < heading.end)
            });
            let blank = |c: char| {
                c.is_whitespace() || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
            };
            prop_assert!(covered || line.trim_matches(blank).is_empty(),
                "line {:?} is lost in {:?}", line, sections);
        }
    }
}

/// The LiveCareer resumes, if the shared data is there.
fn livecareer() -> Option<Vec<String>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/resumes-livecareer/train.csv");
    if !path.is_file() {
        eprintln!("skipped: {} is absent", path.display());
        return None;
    }
    let mut reader = csv::Reader::from_path(path).ok()?;
    let texts = reader
        .records()
        .take(200)
        .map(|r| r.map(|r| r.get(2).unwrap_or_default().to_owned()));
    texts.collect::<Result<_, _>>().ok()
}

/// Whether a line, letters only, reads as a heading that ends with `word` (`Work Experience`,
/// `EDUCATION`).
fn looks_like_heading(line: &str, words: &[&str]) -> bool {
    let letters: String = line
        .chars()
        .filter(|c| c.is_ascii_alphabetic() || *c == ' ')
        .collect();
    let lower = letters.trim().to_ascii_lowercase();
    lower.split(' ').count() <= 3
        && words.iter().any(|w| lower.ends_with(w))
        && line.trim().len() < 40
}

/// A crude mojibake cleaner for the test: what the LiveCareer extraction leaves around words.
fn crude_clean(text: &str) -> String {
    text.replace("â€‹", "")
        .replace(['\u{200b}', 'Â'], "")
        .replace("ï¼", ":")
        .replace('\u{a0}', " ")
}

#[test]
fn livecareer_resumes() {
    let Some(resumes) = livecareer() else { return };
    assert_eq!(resumes.len(), 200);
    let (mut expected_experience, mut found_experience, mut found_when_expected) = (0, 0, 0);
    let (mut expected_education, mut found_education_when_expected) = (0, 0);
    for text in &resumes {
        let sections = split_sections(text);
        check_invariants(text, &sections);
        let has = |kind| sections.iter().any(|s: &Section<'_>| s.kind == kind);
        let expect_experience = text
            .lines()
            .any(|l| looks_like_heading(l, &["experience", "work history", "employment history"]));
        let expect_education = text
            .lines()
            .any(|l| looks_like_heading(l, &["education", "education and training"]));
        expected_experience += usize::from(expect_experience);
        found_experience += usize::from(has(SectionKind::Experience));
        found_when_expected += usize::from(expect_experience && has(SectionKind::Experience));
        expected_education += usize::from(expect_education);
        found_education_when_expected +=
            usize::from(expect_education && has(SectionKind::Education));

        // The same resume, cleaned, splits under the same headings.
        let cleaned = crude_clean(text);
        let headings = |sections: Vec<Section<'_>>| -> Vec<(SectionKind, Option<String>)> {
            sections
                .into_iter()
                .map(|s| (s.kind, s.heading.map(str::to_owned)))
                .collect()
        };
        assert_eq!(headings(split_sections(&cleaned)), headings(sections));
    }
    assert!(
        found_experience >= 160,
        "Experience in {found_experience} of 200"
    );
    assert!(
        expected_experience >= 160,
        "the line scan expects Experience in {expected_experience} of 200"
    );
    assert!(
        found_when_expected * 100 >= expected_experience * 95,
        "Experience found in {found_when_expected} of the {expected_experience} resumes with such a line"
    );
    assert!(
        found_education_when_expected * 100 >= expected_education * 95,
        "Education found in {found_education_when_expected} of the {expected_education} resumes with such a line"
    );
}
