//! Course catalogs: reading CSV and JSON lines, and refusing bad ones.

use jobfit_guide::{GuideError, read_courses};

use crate::common::fixture;

#[test]
fn catalogs_are_read_from_csv_and_json_lines() {
    let courses = read_courses(fixture("courses.csv")).unwrap();
    assert_eq!(courses.len(), 2);
    assert_eq!(courses[0].skills, ["Kubernetes", "Docker"]);
    assert_eq!(courses[0].hours, Some(8.0));
    assert_eq!(courses[1].url, None);
    let example =
        read_courses(crate::support::repo_root().join("examples/data/courses.example.jsonl"))
            .unwrap();
    assert!(example.len() >= 10);
    assert!(example.iter().any(|c| c.hours.is_none()));
}

#[test]
fn empty_and_bad_catalogs_are_errors() {
    let error = read_courses(fixture("courses_empty.csv")).unwrap_err();
    assert!(
        matches!(error, GuideError::EmptyCourseCatalog { .. }),
        "{error}"
    );
    let error = read_courses(fixture("courses_bad.jsonl")).unwrap_err();
    match error {
        GuideError::InvalidRecord { line, message, .. } => {
            assert_eq!(line, 2);
            assert!(message.contains("\"three\""), "{message}");
        }
        other => panic!("{other}"),
    }
}
