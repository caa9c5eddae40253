//! Sentence splitting for evidence: any text in, no panic, bounded pieces.

use jobfit_match::split_sentences;
use proptest::prelude::*;

proptest! {
    #[test]
    fn any_text_splits_into_bounded_non_empty_sentences(text in "\\PC{0,800}") {
        for sentence in split_sentences(&text) {
            prop_assert!(!sentence.trim().is_empty());
            prop_assert!(sentence.len() <= 300, "{} bytes", sentence.len());
            prop_assert_eq!(sentence.trim(), sentence.as_str());
        }
    }

    #[test]
    fn words_survive_splitting(words in proptest::collection::vec("[a-z]{2,12}", 1..200)) {
        // Plain words separated by spaces: every word is kept, in order.
        let text = words.join(" ");
        let joined = split_sentences(&text).join(" ");
        prop_assert_eq!(joined.split_whitespace().collect::<Vec<_>>(), words.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

#[test]
fn bullets_and_wrapped_lines() {
    let text = "Experience\n- Designed the lakehouse on AWS with Apache Spark\n  jobs written in Python.\n- Mentors two engineers.";
    assert_eq!(
        split_sentences(text),
        [
            "Experience",
            "Designed the lakehouse on AWS with Apache Spark jobs written in Python.",
            "Mentors two engineers."
        ]
    );
    assert_eq!(
        split_sentences("熟悉Java。负责后端开发！"),
        ["熟悉Java。", "负责后端开发！"]
    );
}
