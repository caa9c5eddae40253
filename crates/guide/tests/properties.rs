//! Invariants over any input: no panic, and what comes back is well formed.

use jobfit_guide::{
    AugmentOptions, Augmenter, SynonymSource, SynonymTable, bigram_similarity, detect_language,
    parse_pay, read_date, read_dates,
};
use proptest::prelude::*;

/// Text that looks a little like pay, dates and resumes, plus anything.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 .,kK万千元$£€/年月天小时a-z-]{0,24}",
        "(he|she|her|his|him|Postgres|[0-9]{4}|Summary|Skills|\n| |\\.){0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn pay_is_read_or_refused_never_wrong_shaped(text in texty()) {
        if let Ok(pay) = parse_pay(&text) {
            prop_assert!(pay.low.is_some() || pay.high.is_some());
            for bound in pay.low.into_iter().chain(pay.high) {
                prop_assert!(bound.is_finite() && bound > 0.0);
            }
            if let (Some(low), Some(high)) = (pay.low, pay.high) {
                prop_assert!(low <= high);
            }
            prop_assert!(pay.annual().is_finite() && pay.annual() > 0.0);
        }
    }

    #[test]
    fn dates_are_in_range(texts in proptest::collection::vec(proptest::option::of(texty()), 0..8)) {
        for text in texts.iter().flatten() {
            let _ = read_date(text);
        }
        let refs: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
        let reading = read_dates(&refs);
        prop_assert_eq!(reading.months.len(), texts.len());
        prop_assert_eq!(reading.readable() + reading.unreadable_count() + reading.absent, texts.len());
        for month in reading.months.iter().flatten() {
            prop_assert!((1..=12).contains(&month.month) && (1900..=2100).contains(&month.year));
        }
    }

    #[test]
    fn similarity_and_language_never_panic(a in texty(), b in texty()) {
        let s = bigram_similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&s));
        prop_assert_eq!(bigram_similarity(&a, &a), 1.0);
        let _ = detect_language(&a);
    }

    #[test]
    fn augmentation_is_seeded_and_keeps_text_without_phrases(text in texty(), record in 0u64..1000) {
        let table = SynonymTable::builder()
            .with_group(SynonymSource::Custom, ["PostgreSQL", "Postgres"])
            .build()
            .unwrap();
        let augmenter = Augmenter::new(table, AugmentOptions::default()).unwrap();
        let a = augmenter.resume(&text, record, 1);
        prop_assert_eq!(&a, &augmenter.resume(&text, record, 1));
        let title = augmenter.title(&text, record, 1);
        if !text.to_ascii_lowercase().contains("postgres") {
            prop_assert_eq!(title.text, text);
        }
    }
}
