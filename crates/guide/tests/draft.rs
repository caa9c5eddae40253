//! Drafting: every line is copied from the source it cites.

use std::sync::Arc;

use jobfit_guide::{
    DraftOptions, DraftRequest, Drafter, EXTRACTIVE_NOTICE, GuideError, PostingColumns,
    onet_occupation, read_postings,
};

use crate::common::{fixture, tiny_embedder};

fn english_only() -> DraftOptions {
    DraftOptions {
        model_languages: Some(vec!["en".to_string()]),
        ..DraftOptions::default()
    }
}

#[test]
fn a_chinese_title_with_an_english_model_draws_on_chinese_postings() {
    let postings = read_postings(fixture("postings_zh.csv"), &PostingColumns::default()).unwrap();
    let drafter = Drafter::new(Arc::new(tiny_embedder()));
    let request = DraftRequest {
        title: "大数据开发工程师".into(),
        skills: Vec::new(),
    };
    let draft = drafter
        .draft(&request, &[], Some(&postings), &english_only())
        .unwrap();
    assert_eq!(draft.language, "zh");
    // Character bigrams: the same title (1.0), 数据工程师 (6/11), Java开发工程师 (8/15);
    // 数据仓库工程师 shares 6/13 < 0.5.
    let ids: Vec<&str> = draft.postings.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["1", "6", "3"]);
    let responsibilities: Vec<(&str, &str)> = draft
        .responsibilities
        .iter()
        .map(|l| (l.text.as_str(), l.source.as_str()))
        .collect();
    assert_eq!(
        responsibilities,
        [
            ("负责Hadoop和Spark平台开发", "posting 1"),
            ("参与数据仓库建设与维护工作", "posting 1")
        ]
    );
    let requirements: Vec<&str> = draft.requirements.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(requirements, ["本科及以上学历，计算机相关专业。"]);
    // Skills of at least two of the postings, each citing them.
    let skills: Vec<(&str, &str)> = draft
        .skills
        .iter()
        .map(|l| (l.text.as_str(), l.source.as_str()))
        .collect();
    assert_eq!(
        skills,
        [
            ("Apache Spark", "postings 1, 3"),
            ("Java", "postings 1, 3"),
            ("SQL", "postings 1, 6")
        ]
    );
    // Extractive: each line is in the posting it cites.
    for line in draft.responsibilities.iter().chain(&draft.requirements) {
        let id = line.source.trim_start_matches("posting ");
        let posting = postings.postings.iter().find(|p| p.id == id).unwrap();
        assert!(posting.text().contains(&line.text), "{}", line.text);
    }
    assert!(draft.summary.is_empty() && draft.partial);
    assert!(
        draft
            .notes
            .iter()
            .any(|n| n.contains("does not read Chinese")),
        "{:?}",
        draft.notes
    );
    assert_eq!(draft.notice, EXTRACTIVE_NOTICE);
}

#[test]
fn nothing_to_draft_from_in_an_unknown_language_is_an_error() {
    let drafter = Drafter::new(Arc::new(tiny_embedder()));
    let request = DraftRequest {
        title: "数据工程师".into(),
        skills: Vec::new(),
    };
    let error = drafter
        .draft(&request, &[], None, &english_only())
        .unwrap_err();
    assert!(
        matches!(error, GuideError::UnknownLanguage { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("Chinese"), "{error}");
    let empty = DraftRequest {
        title: " ".into(),
        skills: Vec::new(),
    };
    assert!(matches!(
        drafter.draft(&empty, &[], None, &DraftOptions::default()),
        Err(GuideError::EmptyText { .. })
    ));
}

#[test]
fn an_english_draft_cites_its_occupation() {
    let drafter = Drafter::new(Arc::new(tiny_embedder()));
    let scientists = onet_occupation("15-2051.00").unwrap().clone();
    let request = DraftRequest {
        title: "Data Scientist".into(),
        skills: vec!["Python".into(), "Statistics".into()],
    };
    let options = DraftOptions {
        // The tiny model's vectors are alike: keep every distinct line.
        duplicate_similarity: 1.01,
        ..DraftOptions::default()
    };
    let draft = drafter
        .draft(&request, &[(scientists.clone(), 0.9)], None, &options)
        .unwrap();
    let lines: Vec<&str> = scientists.description.lines().collect();
    assert!(!draft.summary.is_empty());
    assert!(
        draft
            .summary
            .iter()
            .all(|l| l.source == "O*NET 15-2051.00" && lines[0].contains(&l.text))
    );
    let tasks: Vec<&str> = draft
        .responsibilities
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(tasks, lines[1..]);
    assert_eq!(draft.skills[0].text, "Python");
    assert_eq!(draft.skills[0].source, "request");
    // The occupation's Python is a near duplicate of the request's: listed once.
    assert_eq!(
        draft.skills.iter().filter(|l| l.text == "Python").count(),
        1
    );
    assert!(
        draft.skills[2..]
            .iter()
            .all(|l| l.source == "O*NET 15-2051.00" && scientists.skills.contains(&l.text))
    );
    // O*NET has no requirements text: without postings that section is empty, and said so.
    assert!(draft.requirements.is_empty() && draft.partial);
    assert_eq!(draft.notes, ["the sources give no requirements"]);
}
