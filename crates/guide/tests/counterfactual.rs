//! Counterfactual audits with a tiny random encoder: which resumes each swap
//! applies to, and that redaction cancels exactly the swaps it covers.

use std::sync::Arc;

use jobfit_guide::{Attribute, CounterfactualAudit, CounterfactualOptions, ENGLISH_NAMES};
use jobfit_text::{Job, ReadOptions, Resume, read_resumes_jsonl};

use crate::common::{fixture, tiny_embedder};

#[test]
fn swaps_apply_where_they_can_and_redaction_cancels_pronouns_and_ages() {
    let resumes: Vec<Resume> = read_resumes_jsonl(fixture("resumes.jsonl"), ReadOptions::default())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let job = Job::new("acct", "Accountant").with_description("Audits, tax and month-end close.");
    let audit = CounterfactualAudit::new(Arc::new(tiny_embedder()));
    let options = CounterfactualOptions {
        top_k: 1,
        ..CounterfactualOptions::default()
    };
    let report = audit.run(&job, &resumes, &options).unwrap();
    assert_eq!(report.resumes, 3);
    assert_eq!(report.languages.get("en"), Some(&3));
    let effect = |effects: &[jobfit_guide::AttributeEffect], attribute| {
        effects
            .iter()
            .find(|e| e.attribute == attribute)
            .cloned()
            .unwrap()
    };
    let plain = &report.plain;
    // Names go on every resume; only r1 has pronouns; r1 and r2 have years.
    assert_eq!(effect(plain, Attribute::Name).resumes, 3);
    assert_eq!(
        effect(plain, Attribute::Name).groups.len(),
        ENGLISH_NAMES.len()
    );
    assert_eq!(effect(plain, Attribute::Pronouns).resumes, 1);
    assert_eq!(effect(plain, Attribute::Age).resumes, 3);
    assert_eq!(effect(plain, Attribute::Years).resumes, 2);
    // "She" and "He" are different tokens at the start of r1: its score moves.
    assert!(effect(plain, Attribute::Pronouns).max_score_gap > 0.0);
    assert!(effect(plain, Attribute::Age).max_score_gap > 0.0);

    let redacted = report.redacted.as_ref().unwrap();
    // Redaction turns both pronoun forms and both ages into the same placeholder.
    assert_eq!(effect(redacted, Attribute::Pronouns).max_score_gap, 0.0);
    assert_eq!(effect(redacted, Attribute::Age).max_score_gap, 0.0);
    assert_eq!(effect(redacted, Attribute::Age).max_rank_gap, 0);
    // It does not remove names.
    assert!(effect(redacted, Attribute::Name).max_score_gap > 0.0);

    assert!(audit.run(&job, &resumes[..1], &options).is_err());
}
