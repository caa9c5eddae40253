//! Hand-written resumes of clearly different occupations against the bundled
//! O*NET catalog, scored as `jobfit recommend` scores them with no flags
//! (skipped when the model is not fetched): each gets one of its expected
//! occupations in the top 5; the README's sample resume (a data engineer)
//! should get data and software occupations only in its top 10 (ignored:
//! not met yet).
//!
//! The resumes and their expected occupations were written before any
//! default was tuned, from the O*NET titles alone; none of them is in an
//! evaluation set.

use std::path::PathBuf;
use std::sync::Arc;

use burn::prelude::Device;
use jobfit_match::{Catalog, IndexOptions, JobIndex, Matcher, ProgressMode, RecommendOptions};
use jobfit_model::TextEmbedder;

use crate::common::fixture;
use crate::support;

/// The README's sample resume, a data engineer's.
fn sample_resume() -> PathBuf {
    support::repo_root().join("examples/data/sample_resume.txt")
}

/// Each resume with the O*NET-SOC codes of which at least one must be in its top 5.
fn cases() -> Vec<(PathBuf, &'static [&'static str])> {
    let resume = |name: &str| fixture(&format!("resumes/{name}.txt"));
    vec![
        // An ICU staff nurse: Registered Nurses, or its critical / acute care specialties.
        (
            resume("nurse"),
            &["29-1141.00", "29-1141.03", "29-1141.01"][..],
        ),
        // A Class A over-the-road tractor-trailer driver.
        (resume("truck_driver"), &["53-3032.00"][..]),
        // A CPA who closes the books and worked in audit.
        (resume("accountant"), &["13-2011.00"][..]),
        // A high school mathematics teacher.
        (resume("teacher"), &["25-2031.00"][..]),
        // A structural and pipe welder.
        (resume("welder"), &["51-4121.00"][..]),
        // The README's data engineer: the data occupations, or Software Developers.
        (
            sample_resume(),
            &[
                "15-1243.00",
                "15-1243.01",
                "15-1242.00",
                "15-2051.00",
                "15-1252.00",
            ][..],
        ),
    ]
}

/// The matcher `jobfit recommend` builds when given no index: the bundled
/// catalog with its default fields and names.
fn default_matcher(model: PathBuf) -> Matcher {
    let embedder = Arc::new(TextEmbedder::from_dir(model, &Device::flex()).unwrap());
    let options = IndexOptions::default()
        .with_fields(Catalog::onet_fields())
        .with_progress(ProgressMode::Never);
    let index = JobIndex::build(Catalog::onet().clone(), &embedder, &options).unwrap();
    Matcher::new(index, embedder).unwrap()
}

#[test]
fn hand_written_resumes_get_their_occupations_in_the_top_5() {
    let Some(model) = support::model_dir() else {
        return;
    };
    let matcher = default_matcher(model);
    let options = RecommendOptions::default().with_explain(false);
    let mut failures = Vec::new();
    for (path, expected) in cases() {
        let resume = std::fs::read_to_string(&path).unwrap();
        let top: Vec<(String, String)> = matcher
            .recommend(&resume, &options)
            .unwrap()
            .into_iter()
            .map(|rec| (rec.job.id, rec.job.title))
            .collect();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !top
            .iter()
            .take(5)
            .any(|(id, _)| expected.contains(&id.as_str()))
        {
            failures.push(format!("{name}: expected one of {expected:?} in {top:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The README's sample resume gets data and software occupations only in its
/// top 10. Not met yet: the default recipe puts Computer Hardware Engineers,
/// Statistical Assistants, Architectural and Engineering Managers and an
/// aerospace technician among them (`cargo test -- --ignored` to check).
#[test]
#[ignore = "known gap of the default recipe: four neighbouring occupations in the data engineer's top 10"]
fn the_sample_resume_gets_data_and_software_occupations_in_its_top_10() {
    let Some(model) = support::model_dir() else {
        return;
    };
    let matcher = default_matcher(model);
    let options = RecommendOptions::default().with_explain(false);
    let resume = std::fs::read_to_string(sample_resume()).unwrap();
    let top: Vec<(String, String)> = matcher
        .recommend(&resume, &options)
        .unwrap()
        .into_iter()
        .map(|rec| (rec.job.id, rec.job.title))
        .collect();
    // Data and software occupations: SOC 15 (computer and mathematical), or the
    // managers of computer and information systems.
    let off: Vec<&(String, String)> = top
        .iter()
        .filter(|(id, _)| !(id.starts_with("15-") || id == "11-3021.00"))
        .collect();
    assert!(
        off.is_empty(),
        "not data or software occupations in the top 10: {off:?}"
    );
}
