//! Catalogs: reading, duplicate ids, missing fields, empty input, CSV mapping,
//! and the bundled O*NET catalog.

use jobfit_match::{Catalog, MatchError};
use jobfit_text::{DataError, Job, JobColumns};

use crate::common::fixture;

#[test]
fn reads_every_field_of_the_fixture() {
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    assert_eq!(catalog.len(), 8);
    let nurse = catalog.by_id("nurse").unwrap();
    assert_eq!(nurse.skills, ["Patient care", "Medication administration"]);
    assert_eq!(nurse.location.as_deref(), Some("Berlin, Germany"));
    assert_eq!(nurse.metadata["sector"], "health");
    assert_eq!(catalog.position("accountant"), Some(7));
    assert!(
        catalog
            .source()
            .is_some_and(|path| path.ends_with("jobs.jsonl"))
    );
}

#[test]
fn duplicate_ids_name_the_id_and_both_lines() {
    // Line 2 is blank: the duplicate "a" is on lines 1 and 5.
    let error = Catalog::from_jsonl(fixture("jobs_duplicate.jsonl")).unwrap_err();
    match &error {
        MatchError::DuplicateId {
            id,
            first,
            second,
            path,
        } => {
            assert_eq!(id, "a");
            assert_eq!(first, "line 1");
            assert_eq!(second, "line 5");
            assert!(
                path.as_ref()
                    .is_some_and(|p| p.ends_with("jobs_duplicate.jsonl"))
            );
        }
        other => panic!("expected a duplicate id error, got {other:?}"),
    }
    assert!(error.to_string().contains("line 1") && error.to_string().contains("line 5"));
    let in_code = Catalog::from_jobs(vec![
        Job::new("x", "A"),
        Job::new("y", "B"),
        Job::new("x", "C"),
    ]);
    assert!(
        matches!(in_code, Err(MatchError::DuplicateId { first, second, .. })
        if first == "record 1" && second == "record 3")
    );
}

#[test]
fn a_missing_title_names_its_line() {
    let error = Catalog::from_jsonl(fixture("jobs_missing_title.jsonl")).unwrap_err();
    assert!(
        matches!(&error, MatchError::Data(DataError::MissingField { line: 2, field, .. }) if field == "title"),
        "{error:?}"
    );
    assert!(error.to_string().contains(":2:"), "{error}");
}

#[test]
fn an_empty_catalog_is_refused() {
    let error = Catalog::from_jsonl(fixture("jobs_empty.jsonl")).unwrap_err();
    assert!(
        matches!(error, MatchError::EmptyCatalog { path: Some(_) }),
        "{error:?}"
    );
    assert!(matches!(
        Catalog::from_jobs(Vec::new()),
        Err(MatchError::EmptyCatalog { path: None })
    ));
    let from_text = Catalog::from_jsonl_str("inline", "");
    assert!(matches!(from_text, Err(MatchError::EmptyCatalog { .. })));
}

#[test]
fn csv_catalogs_follow_the_column_mapping() {
    let columns = JobColumns::new()
        .with_id("job_id")
        .with_title("job_title")
        .with_description("summary")
        .with_location("city");
    let catalog = Catalog::from_csv(fixture("jobs.csv"), &columns).unwrap();
    assert_eq!(catalog.len(), 2);
    let rust = catalog.by_id("j1").unwrap();
    assert_eq!(rust.title, "Rust Engineer");
    assert_eq!(rust.skills, ["Rust", "Docker"]);
    assert_eq!(rust.location.as_deref(), Some("Berlin"));
    assert_eq!(rust.salary.and_then(|s| s.min()), Some(70000.0));
    assert_eq!(rust.metadata["company"], "Acme");
    // Without the mapping the id column is missing.
    assert!(Catalog::from_path(fixture("jobs.csv")).is_err());
}

#[test]
fn catalogs_round_trip_through_json_lines() {
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    let again = Catalog::from_jsonl_str("again", &catalog.to_jsonl().unwrap()).unwrap();
    assert_eq!(again.jobs(), catalog.jobs());
}

#[test]
fn the_bundled_onet_catalog_has_every_occupation() {
    let onet = Catalog::onet();
    assert_eq!(onet.len(), 1016);
    let nurses = onet
        .by_id("29-1141.00")
        .expect("Registered Nurses are in O*NET 29.3");
    assert_eq!(nurses.title, "Registered Nurses");
    assert!(
        onet.jobs()
            .iter()
            .all(|job| !job.description.trim().is_empty())
    );
}
