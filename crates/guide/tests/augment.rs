//! Augmenting files: seeded, the originals kept, copies after them.

use jobfit_guide::{
    AugmentKind, AugmentOptions, Augmenter, SynonymSource, SynonymTable, augment_file,
    held_out_title,
};
use jobfit_text::{CsvTable, ReadOptions};

use crate::common::fixture;

/// An augmenter over three groups; no section is dropped, so that every
/// phrase survives to be swapped.
fn augmenter() -> Augmenter {
    let table = SynonymTable::builder()
        .with_group(SynonymSource::Custom, ["PostgreSQL", "Postgres"])
        .with_group(SynonymSource::Custom, ["Kubernetes", "k8s cluster"])
        .with_group(
            SynonymSource::Custom,
            ["Software Engineer", "Software Developer"],
        )
        .build()
        .unwrap();
    let options = AugmentOptions {
        section_dropout: 0.0,
        ..AugmentOptions::default()
    };
    Augmenter::new(table, options).unwrap()
}

#[test]
fn classification_csv_gets_one_copy_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("train.aug.csv");
    let kind = AugmentKind::Classification {
        text: "text".into(),
    };
    let report = augment_file(fixture("classify.csv"), &out, &kind, &augmenter()).unwrap();
    assert_eq!((report.records, report.copies, report.unchanged), (2, 2, 0));
    let rows: Vec<Vec<String>> = CsvTable::open(&out, ReadOptions::default())
        .unwrap()
        .rows()
        .map(|row| row.unwrap().1)
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1][0], "1~aug1");
    assert_eq!(rows[1][2], "FINANCE");
    // Every copy swapped at least one phrase: the only phrase of each record.
    assert!(
        rows[1][1].contains("PostgreSQL") && !rows[1][1].contains("Postgres."),
        "{}",
        rows[1][1]
    );
    assert_eq!(rows[3][1], "Short text without sections about k8s cluster.");
    assert!(rows[1][1].starts_with("Jane Doe"));

    // The same seed gives the same bytes.
    let again = dir.path().join("again.csv");
    augment_file(fixture("classify.csv"), &again, &kind, &augmenter()).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn pairs_augment_the_anchor_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.aug.jsonl");
    let kind = AugmentKind::Pairs {
        anchor: "anchor".into(),
    };
    let report = augment_file(fixture("pairs.jsonl"), &out, &kind, &augmenter()).unwrap();
    // "Baker" has nothing to swap: its copy is left out.
    assert_eq!((report.records, report.copies, report.unchanged), (2, 1, 1));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["anchor"], "Senior Software Developer");
    assert_eq!(lines[1]["positive"], "Software Developers");

    let missing = AugmentKind::Pairs {
        anchor: "query".into(),
    };
    assert!(
        augment_file(
            fixture("pairs.jsonl"),
            dir.path().join("x.jsonl"),
            &missing,
            &augmenter()
        )
        .is_err()
    );
    assert!(!dir.path().join("x.jsonl").exists());
}

#[test]
fn held_out_titles_never_enter_the_table() {
    let titles: Vec<String> = (0..200).map(|i| format!("Title {i}")).collect();
    let held: Vec<&String> = titles.iter().filter(|t| held_out_title(t)).collect();
    assert!(!held.is_empty());
    let table = SynonymTable::builder()
        .with_group(SynonymSource::OnetTitles, titles.iter().cloned())
        .build()
        .unwrap();
    let kept = &table.groups()[0];
    assert_eq!(kept.len(), titles.len() - held.len());
    assert!(kept.iter().all(|t| !held_out_title(t)));
    // The bundled sources build.
    let full = SynonymTable::builder()
        .with_onet_titles()
        .with_gazetteer(jobfit_text::SkillGazetteer::default_gazetteer())
        .build()
        .unwrap();
    assert!(full.groups().len() > 1000);
}
