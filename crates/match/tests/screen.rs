//! Screening: ranking, redaction, explanations, bad input and the fairness audit.

use std::sync::Arc;

use jobfit_match::{FairnessAudit, LongText, MatchError, ScreenOptions, Screener};
use jobfit_text::{Job, Resume, read_resumes_jsonl};

use crate::common::{fixture, tiny_embedder};

fn resumes() -> Vec<Resume> {
    read_resumes_jsonl(fixture("resumes.jsonl"), Default::default())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn job() -> Job {
    Job::new("nurse", "Registered Nurse")
        .with_description("Provide patient care in the hospital ICU. Give medication.")
        .with_skills(["Patient care", "Medication administration"])
}

#[test]
fn screening_ranks_every_resume_by_similarity_to_the_job() {
    let embedder = Arc::new(tiny_embedder("tiny-a"));
    let screener = Screener::new(embedder.clone());
    let resumes = resumes();
    let screening = screener
        .screen(
            &job(),
            &resumes,
            &ScreenOptions::default()
                .with_top_k(10)
                .with_explain(false)
                .with_long_text(LongText::Head),
        )
        .unwrap();
    assert_eq!(screening.screened, 5);
    assert_eq!(
        screening.candidates.len(),
        5,
        "top_k above the count returns all"
    );
    // Scores are the cosine of independent embeddings of the (truncated) texts.
    let job_text = "Registered Nurse\nProvide patient care in the hospital ICU. Give medication.\nSkills: Patient care, Medication administration";
    let job_vector = embedder.embed_one(job_text).unwrap();
    for candidate in &screening.candidates {
        let resume = embedder
            .embed_one(&resumes[candidate.position].text)
            .unwrap();
        let expected: f32 = resume.iter().zip(&job_vector).map(|(a, b)| a * b).sum();
        assert!(
            (candidate.score - expected).abs() < 1e-4,
            "{} {expected}",
            candidate.score
        );
        assert_eq!(candidate.resume_id, resumes[candidate.position].id);
    }
    assert!(
        screening
            .candidates
            .windows(2)
            .all(|pair| pair[0].score >= pair[1].score)
    );
    let top2 = screener
        .screen(&job(), &resumes, &ScreenOptions::default().with_top_k(2))
        .unwrap();
    assert_eq!(top2.candidates.len(), 2);
}

#[test]
fn explanations_and_redaction() {
    let screener = Screener::new(tiny_embedder("tiny-a"));
    let resumes = resumes();
    let plain = screener
        .screen(&job(), &resumes, &ScreenOptions::default().with_top_k(5))
        .unwrap();
    let nurse = plain
        .candidates
        .iter()
        .find(|c| c.resume_id == "r1")
        .unwrap();
    assert_eq!(nurse.matched_skills, ["Patient care"]);
    assert_eq!(nurse.missing_skills, ["Medication administration"]);
    assert!(nurse.evidence.is_some());
    assert!(!plain.redacted);

    let redacted = screener
        .screen(
            &job(),
            &resumes,
            &ScreenOptions::default().with_top_k(5).with_redact(true),
        )
        .unwrap();
    assert!(redacted.redacted);
    let redacted_nurse = redacted
        .candidates
        .iter()
        .find(|c| c.resume_id == "r1")
        .unwrap();
    for candidate in &redacted.candidates {
        let evidence = candidate.evidence.as_ref().unwrap();
        assert!(
            !evidence.resume_sentence.contains("jane@example.com"),
            "{evidence:?}"
        );
        assert!(!evidence.resume_sentence.contains("She "), "{evidence:?}");
        assert!(!evidence.resume_sentence.contains("34"), "{evidence:?}");
    }
    assert_eq!(redacted_nurse.matched_skills, ["Patient care"]);
    // Redaction happens before scoring: r1 (which holds PII) scores differently,
    // r2 (which holds none) the same.
    assert!((redacted_nurse.score - nurse.score).abs() > 1e-6);
    let score_of = |screening: &jobfit_match::Screening, id: &str| {
        screening
            .candidates
            .iter()
            .find(|c| c.resume_id == id)
            .unwrap()
            .score
    };
    assert!((score_of(&redacted, "r2") - score_of(&plain, "r2")).abs() < 1e-6);
}

#[test]
fn bad_screening_input_is_refused() {
    let screener = Screener::new(tiny_embedder("tiny-a"));
    let resumes = resumes();
    assert!(matches!(
        screener.screen(&job(), &[], &ScreenOptions::default()),
        Err(MatchError::NoResumes)
    ));
    assert!(matches!(
        screener.screen(&job(), &resumes, &ScreenOptions::default().with_top_k(0)),
        Err(MatchError::ZeroTopK)
    ));
    let blank = vec![Resume::new("ok", "nurse"), Resume::new("blank", " <br> ")];
    let error = screener
        .screen(&job(), &blank, &ScreenOptions::default())
        .unwrap_err();
    assert!(
        matches!(&error, MatchError::EmptyText { what } if what.contains("blank")),
        "{error:?}"
    );
    let error = screener
        .screen(
            &job(),
            &resumes,
            &ScreenOptions::default().with_group_key("gender"),
        )
        .unwrap_err();
    match error {
        MatchError::UnknownGroupKey { key, known } => {
            assert_eq!(key, "gender");
            assert_eq!(known, ["group"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        screener.screen(
            &job(),
            &resumes,
            &ScreenOptions::default().with_rerank(Some(2))
        ),
        Err(MatchError::NoReranker)
    ));
}

#[test]
fn the_screening_audit_counts_the_selected_top_k() {
    let screener = Screener::new(tiny_embedder("tiny-a"));
    let resumes = resumes();
    let screening = screener
        .screen(
            &job(),
            &resumes,
            &ScreenOptions::default()
                .with_top_k(2)
                .with_group_key("group"),
        )
        .unwrap();
    let audit = screening.audit.unwrap();
    // Recount from the returned ranking: two f resumes (r1, r3), two m (r2, r4), r5 without a group.
    let group_of = |id: &str| {
        resumes
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .metadata
            .get("group")
            .cloned()
    };
    let selected: Vec<Option<String>> = screening
        .candidates
        .iter()
        .map(|c| group_of(&c.resume_id))
        .collect();
    for rate in &audit.groups {
        assert_eq!(rate.candidates, 2);
        let chosen = selected
            .iter()
            .filter(|g| g.as_deref() == Some(rate.group.as_str()))
            .count();
        assert_eq!(rate.selected, chosen);
        assert_eq!(rate.selection_rate, chosen as f64 / 2.0);
    }
    assert_eq!(audit.without_group, 1);
    assert_eq!(audit.top_k, 2);
}

#[test]
fn audits_match_hand_computed_rates() {
    // 10 candidates: 6 in group a, 4 in group b; the top 5 hold 4 a and 1 b.
    let ranking = ["a", "a", "b", "a", "a", "b", "a", "b", "a", "b"];
    let groups: Vec<Option<&str>> = ranking.iter().map(|g| Some(*g)).collect();
    let audit = FairnessAudit::compute("group", &groups, 5);
    assert_eq!(audit.groups.len(), 2);
    assert_eq!(
        (audit.groups[0].candidates, audit.groups[0].selected),
        (6, 4)
    );
    assert_eq!(
        (audit.groups[1].candidates, audit.groups[1].selected),
        (4, 1)
    );
    // Rates 4/6 and 1/4: ratio (1/4) / (2/3) = 0.375, below four fifths.
    assert!((audit.groups[0].selection_rate - 2.0 / 3.0).abs() < 1e-12);
    assert!((audit.groups[1].selection_rate - 0.25).abs() < 1e-12);
    assert!((audit.disparate_impact.unwrap() - 0.375).abs() < 1e-12);
    assert!(audit.adverse_impact);

    // Three groups, top 6 of 12: a 3/4, b 2/4, c 1/4 -> ratio 1/3.
    let ranking = ["a", "b", "a", "c", "a", "b", "a", "b", "c", "b", "c", "c"];
    let groups: Vec<Option<&str>> = ranking.iter().map(|g| Some(*g)).collect();
    let audit = FairnessAudit::compute("group", &groups, 6);
    let rates: Vec<f64> = audit.groups.iter().map(|g| g.selection_rate).collect();
    assert_eq!(rates, [0.75, 0.5, 0.25]);
    assert!((audit.disparate_impact.unwrap() - 1.0 / 3.0).abs() < 1e-12);

    // Exactly four fifths is not adverse: a 4 of 5 vs b 5 of 5 at top 9 of 10.
    let ranking = ["a", "b", "a", "b", "a", "b", "a", "b", "b", "a"];
    let groups: Vec<Option<&str>> = ranking.iter().map(|g| Some(*g)).collect();
    let audit = FairnessAudit::compute("group", &groups, 9);
    assert_eq!(audit.disparate_impact, Some(0.8));
    assert!(!audit.adverse_impact);

    // top_k above the count selects everyone: every rate 1.
    let audit = FairnessAudit::compute("group", &groups, 50);
    assert_eq!(audit.top_k, 10);
    assert_eq!(audit.disparate_impact, Some(1.0));
}
