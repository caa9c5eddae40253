//! Gaps, skill groups and drafting with the pretrained all-MiniLM-L6-v2
//! (skipped when the model is not fetched).

use std::sync::Arc;

use burn::prelude::Device;
use jobfit_guide::{EscoGroups, GapAnalyzer, GapOptions};
use jobfit_model::TextEmbedder;
use jobfit_text::Job;

use crate::support;

#[test]
fn the_closest_skill_and_the_esco_group_make_sense() {
    let Some(dir) = support::model_dir() else {
        return;
    };
    let embedder = Arc::new(TextEmbedder::from_dir(dir, &Device::flex()).unwrap());
    let analyzer = GapAnalyzer::new(Arc::clone(&embedder));
    let target =
        Job::new("t", "Opening one").with_skills(["PostgreSQL", "Python", "Microsoft Excel"]);
    let report = analyzer
        .analyze(
            "Reporting analyst: MySQL queries, Tableau dashboards, Python scripts.",
            &[target],
            None,
            &GapOptions::default(),
        )
        .unwrap();
    let postgres = report
        .gaps
        .iter()
        .find(|g| g.skill == "PostgreSQL")
        .unwrap();
    // Has MySQL, lacks PostgreSQL.
    assert_eq!(postgres.closest.as_ref().unwrap().skill, "MySQL");

    let groups = EscoGroups::bundled();
    let found = groups
        .assign(&embedder, &["Python", "Java", "bookkeeping"], 0.0)
        .unwrap();
    let labels: Vec<String> = found
        .iter()
        .map(|g| g.as_ref().unwrap().0.label.clone())
        .collect();
    assert!(
        labels[0].contains("programming") || labels[0].contains("software"),
        "{labels:?}"
    );
    assert!(
        labels[2].contains("account") || labels[2].contains("financ"),
        "{labels:?}"
    );
}
