//! Recommendation and screening with the pretrained all-MiniLM-L6-v2 (skipped
//! when the model is not fetched): the right job comes first.

use std::sync::Arc;

use burn::prelude::Device;
use jobfit_match::{
    Catalog, IndexOptions, JobIndex, Matcher, ProgressMode, RecommendOptions, ScreenOptions,
};
use jobfit_model::TextEmbedder;
use jobfit_text::{Resume, read_resumes_jsonl};

use crate::common::fixture;
use crate::support;

#[test]
fn the_pretrained_encoder_recommends_the_fitting_job_first() {
    let Some(dir) = support::model_dir() else {
        return;
    };
    let embedder = Arc::new(TextEmbedder::from_dir(dir, &Device::flex()).unwrap());
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    let options = IndexOptions::default().with_progress(ProgressMode::Never);
    let index = JobIndex::build(catalog, &embedder, &options).unwrap();
    let matcher = Matcher::new(index, embedder).unwrap();
    let cases = [
        (
            "Registered nurse with six years in intensive care: patient care, medication.",
            "nurse",
        ),
        (
            "Backend developer writing Rust microservices on Kubernetes.",
            "rust",
        ),
        (
            "I bake bread and pastries every morning in a small bakery.",
            "baker",
        ),
    ];
    for (resume, expected) in cases {
        let recs = matcher
            .recommend(resume, &RecommendOptions::default().with_top_k(3))
            .unwrap();
        assert_eq!(
            recs[0].job.id,
            expected,
            "{resume}: {:?}",
            recs.iter().map(|r| &r.job.id).collect::<Vec<_>>()
        );
        assert!(
            recs[0]
                .evidence
                .as_ref()
                .is_some_and(|e| e.similarity > 0.2)
        );
    }

    let resumes: Vec<Resume> = read_resumes_jsonl(fixture("resumes.jsonl"), Default::default())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let job = matcher.index().unwrap().get("data").unwrap();
    let screening = matcher
        .screener()
        .screen(
            &job,
            &resumes,
            &ScreenOptions::default().with_top_k(1).with_redact(true),
        )
        .unwrap();
    assert_eq!(screening.candidates[0].resume_id, "r4");
    assert!(
        screening.candidates[0]
            .matched_skills
            .iter()
            .any(|s| s == "SQL")
    );
}
