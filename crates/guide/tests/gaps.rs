//! Skill gaps: importance computed by hand from the bundled O*NET flags.

use std::sync::Arc;

use jobfit_guide::{GapAnalyzer, GapOptions, GuideError, SkillFrequency, onet_occupation};
use jobfit_text::Job;

use crate::common::tiny_embedder;

fn targets() -> Vec<Job> {
    vec![
        Job::new("a", "Opening one").with_skills(["PostgreSQL", "Python", "Team leadership"]),
        Job::new("b", "Opening two").with_skills(["PostgreSQL", "Kubernetes"]),
    ]
}

fn options(top: usize) -> GapOptions {
    GapOptions {
        top,
        esco_groups: false,
        ..GapOptions::default()
    }
}

#[test]
fn gaps_are_ranked_by_targets_flags_and_postings() {
    let analyzer = GapAnalyzer::new(Arc::new(tiny_embedder()));
    let resume = "I write Python and MySQL queries daily.";
    let report = analyzer
        .analyze(resume, &targets(), None, &options(20))
        .unwrap();
    assert_eq!(report.matched, ["Python"]);
    let ranked: Vec<(&str, f64)> = report
        .gaps
        .iter()
        .map(|g| (g.skill.as_str(), g.importance))
        .collect();
    // PostgreSQL: asked by 2 of 2 (1.0) + hot (0.25) + in demand somewhere in O*NET (0.5) = 1.75;
    // Kubernetes: 1 of 2 (0.5) + 0.25 + 0.5 = 1.25; Team leadership: 0.5, no flag.
    assert_eq!(
        ranked,
        [
            ("PostgreSQL", 1.75),
            ("Kubernetes", 1.25),
            ("Team leadership", 0.5)
        ]
    );
    assert_eq!(report.gaps[0].asked_by, 2);
    assert!(report.gaps[0].hot && report.gaps[0].in_demand);
    assert!(!report.gaps[2].hot && !report.gaps[2].in_demand);
    for gap in &report.gaps {
        let closest = gap.closest.as_ref().expect("the resume has skills");
        assert!(report.resume_skills.contains(&closest.skill), "{closest:?}");
    }
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].code, None);
    assert_eq!(
        report.groups[0].skills,
        ["PostgreSQL", "Kubernetes", "Team leadership"]
    );

    // Postings: PostgreSQL in 2 of 4 (+0.5), Kubernetes in 1 of 4 (+0.25).
    let sets = vec![
        vec!["PostgreSQL"],
        vec!["Kubernetes", "postgresql"],
        vec!["Microsoft Excel"],
        vec![],
    ];
    let frequency = SkillFrequency::from_sets(&sets);
    let report = analyzer
        .analyze(resume, &targets(), Some(&frequency), &options(2))
        .unwrap();
    let ranked: Vec<(&str, f64)> = report
        .gaps
        .iter()
        .map(|g| (g.skill.as_str(), g.importance))
        .collect();
    assert_eq!(ranked, [("PostgreSQL", 2.25), ("Kubernetes", 1.5)]);
    assert_eq!(report.gaps[0].posting_share, Some(0.5));
    assert_eq!(report.more_gaps, 1);
    assert_eq!(report.postings, Some(4));
}

#[test]
fn an_onet_target_uses_its_own_in_demand_flags() {
    let analyzer = GapAnalyzer::new(Arc::new(tiny_embedder()));
    let developers = onet_occupation("15-1252.00").unwrap().clone();
    let report = analyzer
        .analyze(
            "Python, Java and SQL developer",
            &[developers],
            None,
            &options(40),
        )
        .unwrap();
    let kubernetes = report
        .gaps
        .iter()
        .find(|g| g.skill == "Kubernetes")
        .expect("Kubernetes is a gap");
    // Asked by the one target (1.0), hot (0.25), in demand for 15-1252.00 (0.5).
    assert_eq!(kubernetes.importance, 1.75);
    assert!(report.matched.iter().any(|s| s == "Python"));
}

#[test]
fn bad_input_is_a_typed_error() {
    let analyzer = GapAnalyzer::new(Arc::new(tiny_embedder()));
    let error = analyzer
        .analyze("  ", &targets(), None, &options(5))
        .unwrap_err();
    assert!(matches!(error, GuideError::EmptyText { .. }), "{error}");
    let error = analyzer
        .analyze("Python", &[Job::new("x", "Opening one")], None, &options(5))
        .unwrap_err();
    assert!(
        matches!(error, GuideError::NoTargetSkills { .. }),
        "{error}"
    );
    let error = analyzer
        .analyze("Python", &targets(), None, &options(0))
        .unwrap_err();
    assert!(matches!(error, GuideError::InvalidOption { .. }), "{error}");
    let error = analyzer
        .analyze("Python", &[], None, &options(3))
        .unwrap_err();
    assert!(matches!(error, GuideError::InvalidOption { .. }), "{error}");
    let error = onet_occupation("99-9999.99").unwrap_err();
    assert!(error.to_string().contains("99-9999.99"), "{error}");
}
