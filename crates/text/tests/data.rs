//! Integration tests for the data module.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use jobfit_text::{
    CsvTable, DataError, DataSource, Job, JobColumns, JobReader, JsonlReader, MetadataColumns,
    ReadOptions, Resume, ResumeColumns, ResumeReader, SalaryRange, read_jobs_csv, read_jobs_jsonl,
    read_jsonl, read_resumes_csv, read_resumes_jsonl,
};
use proptest::prelude::*;
use serde::Deserialize;

/// A hand-written fixture file of this module.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/data")
        .join(name)
}

/// A file of the project's shared data (beside the repository), if present.
fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

fn metadata(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn default() -> ReadOptions {
    ReadOptions::default()
}

#[test]
fn jsonl_jobs_with_only_id_and_title_numeric_ids_and_blank_lines() -> anyhow::Result<()> {
    let jobs = read_jobs_jsonl(fixture("jobs_minimal.jsonl"), default())?
        .collect::<Result<Vec<_>, _>>()?;
    assert_eq!(
        jobs,
        [
            Job::new("j1", "Pastry Chef"),
            Job::new("42", "Forklift Driver"),
            Job::new("7.5", "Night Nurse")
        ]
    );
    assert!(
        jobs.iter()
            .all(|job| job.description.is_empty() && job.skills.is_empty() && job.salary.is_none())
    );
    Ok(())
}

#[test]
fn jsonl_jobs_with_every_field() -> anyhow::Result<()> {
    let jobs =
        read_jobs_jsonl(fixture("jobs_full.jsonl"), default())?.collect::<Result<Vec<_>, _>>()?;
    let expected = Job::new("full-1", "Data Engineer")
        .with_description("Build pipelines.\nOwn the warehouse.")
        .with_skills(["SQL", "Spark"])
        .with_location("Berlin")
        .with_salary(SalaryRange::new(Some(60_000.0), Some(80_000.5))?)
        .with_metadata("company", "Acme")
        .with_metadata("remote", "true")
        .with_metadata("level", "3")
        .with_metadata("contract", "permanent");
    assert_eq!(jobs[0], expected);
    assert_eq!(
        jobs[0].text(),
        "Data Engineer\nBuild pipelines.\nOwn the warehouse.\nSkills: SQL, Spark"
    );
    assert_eq!(jobs[1].location, None, "an empty location is no location");
    assert_eq!(
        jobs[1].salary.map(|s| (s.min(), s.max())),
        Some((None, Some(30_000.0)))
    );
    assert_eq!(jobs.len(), 2);
    Ok(())
}

#[test]
fn bad_json_records_are_typed_errors_with_their_line_and_reading_goes_on() -> anyhow::Result<()> {
    let items: Vec<_> = read_jobs_jsonl(fixture("jobs_bad.jsonl"), default())?.collect();
    assert_eq!(items.len(), 7);
    assert_eq!(items[0].as_ref().ok().map(|j| j.id.as_str()), Some("ok-1"));
    assert!(
        matches!(&items[1], Err(DataError::MissingField { line: 2, field, .. }) if field == "title")
    );
    assert!(
        matches!(&items[2], Err(DataError::Malformed { line: 3, .. })),
        "{:?}",
        items[2]
    );
    assert!(
        matches!(&items[3], Err(DataError::Invalid { line: 4, message, .. }) if message.contains("salary_min is above salary_max")),
        "{:?}",
        items[3]
    );
    assert!(
        matches!(&items[4], Err(DataError::Invalid { line: 5, message, .. }) if message.contains("'id'"))
    );
    assert!(
        matches!(&items[5], Err(DataError::MissingField { line: 6, field, .. }) if field == "id")
    );
    assert_eq!(items[6].as_ref().ok().map(|j| j.id.as_str()), Some("ok-3"));

    let message = items[1]
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        message.starts_with(&format!("{}:2: ", fixture("jobs_bad.jsonl").display())),
        "{message}"
    );
    Ok(())
}

#[test]
fn a_bom_and_crlf_line_ends_are_accepted() -> anyhow::Result<()> {
    let jobs =
        read_jobs_jsonl(fixture("jobs_bom.jsonl"), default())?.collect::<Result<Vec<_>, _>>()?;
    assert_eq!(
        jobs,
        [Job::new("b1", "Gardener"), Job::new("b2", "Florist")]
    );

    let csv = "\u{FEFF}id,title\r\n1,Cook\r\n";
    let source = DataSource::from_reader("bom.csv", std::io::Cursor::new(csv));
    let jobs =
        JobReader::csv(source, &JobColumns::new(), default())?.collect::<Result<Vec<_>, _>>()?;
    assert_eq!(jobs, [Job::new("1", "Cook")]);
    Ok(())
}

#[test]
fn invalid_utf8_names_the_line_unless_lossy() -> anyhow::Result<()> {
    let items: Vec<_> = read_jobs_jsonl(fixture("jobs_invalid_utf8.jsonl"), default())?.collect();
    assert_eq!(
        items[0].as_ref().ok().map(|j| j.title.as_str()),
        Some("Café Manager")
    );
    assert!(
        matches!(&items[1], Err(DataError::InvalidUtf8 { line: 2, .. })),
        "{:?}",
        items[1]
    );
    assert_eq!(items[2].as_ref().ok().map(|j| j.id.as_str()), Some("u3"));
    let message = items[1]
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        message.contains(":2: invalid UTF-8") && message.contains("with_lossy_utf8"),
        "{message}"
    );

    let lossy = default().with_lossy_utf8(true);
    let jobs = read_jobs_jsonl(fixture("jobs_invalid_utf8.jsonl"), lossy)?
        .collect::<Result<Vec<_>, _>>()?;
    assert_eq!(jobs[1].title, "Caf\u{FFFD} Cook");
    assert_eq!(jobs.len(), 3);
    Ok(())
}

/// The mapping of `jobs.csv`, whose headers differ from the field names.
fn mapped_columns() -> JobColumns {
    JobColumns::new()
        .with_id("job_id")
        .with_title("name")
        .with_description("summary")
        .with_skills("tags")
        .with_location("city")
        .with_salary_min("pay_low")
        .with_salary_max("pay_high")
}

#[test]
fn csv_jobs_through_a_column_mapping() -> anyhow::Result<()> {
    let items: Vec<_> = read_jobs_csv(fixture("jobs.csv"), &mapped_columns(), default())?.collect();
    assert_eq!(items.len(), 3);
    let first = items[0].as_ref().map_err(ToString::to_string);
    let expected = Job::new("101", "Backend Developer")
        .with_description("Writes services in Rust, Go.\r\nOn call one week a month.")
        .with_skills(["rust", "go", "sql"])
        .with_location("Lisbon")
        .with_salary(SalaryRange::new(Some(50_000.0), Some(70_000.0))?)
        .with_metadata("company", "Acme");
    assert_eq!(first, Ok(&expected));
    let second = Job::new("102", "Accountant")
        .with_skills(["excel"])
        .with_metadata("company", "Bean, Counters & Co")
        .with_metadata("notes", "remote ok");
    assert_eq!(items[1].as_ref().map_err(ToString::to_string), Ok(&second));
    // Row 103 starts on line 5: the first row spans lines 2 and 3.
    let third = items[2]
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        matches!(&items[2], Err(DataError::Invalid { line: 5, .. })),
        "{third}"
    );
    assert!(
        third.contains(":5: salary_min 'abc' is not a number; write a plain number"),
        "{third}"
    );

    let comma = mapped_columns()
        .with_skill_separators([','])
        .with_metadata(MetadataColumns::Skip);
    let first = read_jobs_csv(fixture("jobs.csv"), &comma, default())?
        .next()
        .transpose()?;
    assert_eq!(
        first.as_ref().map(|j| j.skills.clone()),
        Some(strings(&["rust; go | sql;;"]))
    );
    assert_eq!(first.map(|j| j.metadata.len()), Some(0));
    Ok(())
}

#[test]
fn csv_without_a_mapped_column_names_it_and_lists_the_headers() {
    let err = read_jobs_csv(fixture("jobs.csv"), &JobColumns::new(), default()).err();
    let Some(DataError::MissingColumn {
        path,
        column,
        headers,
    }) = &err
    else {
        panic!("expected a missing column, got {err:?}");
    };
    assert_eq!(path, &fixture("jobs.csv"));
    assert_eq!(column, "id");
    assert_eq!(
        headers,
        &strings(&[
            "job_id", "name", "summary", "tags", "city", "pay_low", "pay_high", "company", "notes"
        ])
    );
    let message = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("has no column 'id'; its headers are: job_id, name, summary"),
        "{message}"
    );

    // A column named explicitly must exist even when optional.
    let err = read_jobs_csv(
        fixture("jobs.csv"),
        &mapped_columns().with_location("town"),
        default(),
    )
    .err();
    assert!(matches!(err, Some(DataError::MissingColumn { ref column, .. }) if column == "town"));
    let err = CsvTable::open(fixture("resumes.csv"), default())
        .and_then(|t| t.select(&["text", "label"]))
        .err();
    assert!(matches!(err, Some(DataError::MissingColumn { ref column, .. }) if column == "label"));
}

#[test]
fn csv_rows_with_the_wrong_number_of_fields_name_their_line() -> anyhow::Result<()> {
    let items: Vec<_> =
        read_jobs_csv(fixture("jobs_malformed.csv"), &JobColumns::new(), default())?.collect();
    assert_eq!(items.len(), 5);
    assert_eq!(
        items[1].as_ref().ok().map(|j| j.title.as_str()),
        Some("Waiter\nand host")
    );
    assert!(
        matches!(&items[2], Err(DataError::Malformed { line: 5, message, .. }) if message.contains("has 4 fields but the header has 3"))
    );
    assert!(matches!(
        &items[3],
        Err(DataError::Malformed { line: 6, .. })
    ));
    assert_eq!(items[4].as_ref().ok().map(|j| j.id.as_str()), Some("5"));
    Ok(())
}

#[test]
fn a_missing_file_names_the_path() {
    let path = fixture("no-such-file.jsonl");
    let errors = [
        read_jobs_jsonl(&path, default()).err(),
        read_jobs_csv(&path, &JobColumns::new(), default()).err(),
        read_resumes_jsonl(&path, default()).err(),
        read_resumes_csv(&path, &ResumeColumns::new(), default()).err(),
        read_jsonl::<serde_json::Value>(&path, default()).err(),
        CsvTable::open(&path, default()).err(),
    ];
    for err in errors {
        assert!(
            matches!(&err, Some(DataError::Open { path: p, .. }) if p == &path),
            "{err:?}"
        );
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.starts_with(&format!("cannot open {}: ", path.display())),
            "{message}"
        );
    }
}

#[test]
fn generated_ids_number_the_data_rows() -> anyhow::Result<()> {
    let csv = "title,location\nCook,Paris\nBad,row,extra\nWaiter,\n";
    let source = || DataSource::from_reader("no-id.csv", std::io::Cursor::new(csv));
    let err = JobReader::csv(source(), &JobColumns::new(), default()).err();
    assert!(matches!(err, Some(DataError::MissingColumn { ref column, .. }) if column == "id"));

    let columns = JobColumns::new().with_generated_ids(true);
    let items: Vec<_> = JobReader::csv(source(), &columns, default())?.collect();
    let ids: Vec<Option<&str>> = items
        .iter()
        .map(|item| item.as_ref().ok().map(|job| job.id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [Some("1"), None, Some("3")],
        "malformed rows keep their number"
    );

    let resumes = "text\nfirst\nsecond\n";
    let source = DataSource::from_reader("r.csv", std::io::Cursor::new(resumes));
    let resumes = ResumeReader::csv(
        source,
        &ResumeColumns::new().with_generated_ids(true),
        default(),
    )?
    .collect::<Result<Vec<_>, _>>()?;
    assert_eq!(
        resumes,
        [Resume::new("1", "first"), Resume::new("2", "second")]
    );
    Ok(())
}

#[test]
fn resumes_from_csv_and_jsonl() -> anyhow::Result<()> {
    let resumes = read_resumes_csv(fixture("resumes.csv"), &ResumeColumns::new(), default())?
        .collect::<Result<Vec<_>, _>>()?;
    assert_eq!(
        resumes,
        [
            Resume::new("r1", "Summary\nRecruited 40 engineers.\nRan payroll.")
                .with_metadata("category", "HR"),
            Resume::new("r2", "Audited \"big four\" clients").with_metadata("category", "FINANCE"),
            Resume::new("r3", "").with_metadata("category", "HR"),
        ]
    );

    let items: Vec<_> = read_resumes_jsonl(fixture("resumes.jsonl"), default())?.collect();
    let first = items[0].as_ref().map_err(ToString::to_string);
    let expected = Resume::new("1", "Welder with ten years of experience.")
        .with_metadata("category", "TRADES");
    assert_eq!(first, Ok(&expected));
    let second = items[1].as_ref().map(|r| r.metadata.clone()).ok();
    assert_eq!(
        second,
        Some(metadata(&[("category", "HEALTH"), ("source", "referral")]))
    );
    assert!(
        matches!(&items[2], Err(DataError::MissingField { line: 3, field, .. }) if field == "text")
    );
    Ok(())
}

#[test]
fn generic_readers_serve_training_sets_and_queries() -> anyhow::Result<()> {
    // A training set: a text column and a label column, by header name.
    let rows = CsvTable::open(fixture("resumes.csv"), default())?
        .select(&["text", "category"])?
        .collect::<Result<Vec<_>, _>>()?;
    let lines: Vec<u64> = rows.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [2, 5, 6]);
    assert_eq!(
        rows[1].1,
        strings(&["Audited \"big four\" clients", "FINANCE"])
    );

    // Evaluation queries as JSON lines.
    #[derive(Debug, Deserialize, PartialEq)]
    struct Query {
        query: String,
        relevant: Vec<String>,
    }
    let mut file = tempfile::NamedTempFile::new()?;
    writeln!(
        file,
        "{{\"query\": \"rust backend\", \"relevant\": [\"101\", \"7\"]}}"
    )?;
    writeln!(file)?;
    writeln!(file, "{{\"query\": \"nurse\"}}")?;
    file.flush()?;
    let items: Vec<_> = read_jsonl::<Query>(file.path(), default())?.collect();
    let first = items[0]
        .as_ref()
        .ok()
        .map(|(line, q)| (*line, q.query.as_str(), q.relevant.len()));
    assert_eq!(first, Some((1, "rust backend", 2)));
    assert!(
        matches!(&items[1], Err(DataError::MissingField { line: 3, field, .. }) if field == "relevant")
    );
    assert_eq!(items.len(), 2);
    Ok(())
}

#[test]
fn the_livecareer_resume_csv_reads_as_1490_resumes() -> anyhow::Result<()> {
    let Some(path) = shared_data("resumes-livecareer/train.csv") else {
        return Ok(());
    };
    let resumes = read_resumes_csv(&path, &ResumeColumns::new(), default())?
        .collect::<Result<Vec<_>, _>>()?;
    // SOURCE.md: 1,490 rows, 24 categories.
    assert_eq!(resumes.len(), 1490);
    let categories: std::collections::BTreeSet<&str> = resumes
        .iter()
        .filter_map(|r| r.metadata.get("category").map(String::as_str))
        .collect();
    assert_eq!(categories.len(), 24);
    assert!(resumes.iter().all(|r| r.metadata.len() == 1));
    // The first record, as the file shows it: a multi-line quoted text.
    assert_eq!(resumes[0].id, "12338274");
    assert_eq!(resumes[0].metadata["category"], "ACCOUNTANT");
    assert!(
        resumes[0]
            .text
            .starts_with("Summary\nTo pursue excellence in the dynamic business world")
    );
    Ok(())
}

#[test]
fn the_google_job_skills_csv_reads_through_a_mapping() -> anyhow::Result<()> {
    let Some(path) = shared_data("google-job-skills/job_skills.csv") else {
        return Ok(());
    };
    let columns = JobColumns::new()
        .with_title("Title")
        .with_description("Responsibilities")
        .with_location("Location")
        .with_generated_ids(true);
    let items: Vec<_> = read_jobs_csv(&path, &columns, default())?.collect();
    // SOURCE.md: 1,250 rows. One of them (the second, on line 13) has an empty title.
    assert_eq!(items.len(), 1250);
    let errors: Vec<&DataError> = items
        .iter()
        .filter_map(|item| item.as_ref().err())
        .collect();
    assert!(
        matches!(errors.as_slice(), [DataError::MissingField { line: 13, field, .. }] if field == "title"),
        "{errors:?}"
    );
    let first = items[0].as_ref().map_err(ToString::to_string);
    assert_eq!(
        first.map(|j| (j.id.as_str(), j.title.as_str(), j.location.as_deref())),
        Ok(("1", "Google Cloud Program Manager", Some("Singapore")))
    );
    let first = items[0]
        .as_ref()
        .map(|j| j.metadata.clone())
        .unwrap_or_default();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "Category",
            "Company",
            "Minimum Qualifications",
            "Preferred Qualifications"
        ]
    );
    assert_eq!(first["Category"], "Program Management");
    assert!(items[0].as_ref().is_ok_and(|j| {
        j.description
            .starts_with("Shape, shepherd, ship, and show technical programs")
    }));
    assert_eq!(items[2].as_ref().ok().map(|j| j.id.as_str()), Some("3"));
    Ok(())
}

#[test]
fn readers_stream_a_large_file() -> anyhow::Result<()> {
    const ROWS: usize = 100_000;
    let mut jsonl = tempfile::NamedTempFile::new()?;
    let mut csv = tempfile::NamedTempFile::new()?;
    {
        let mut out = BufWriter::new(jsonl.as_file_mut());
        let mut table = BufWriter::new(csv.as_file_mut());
        writeln!(table, "id,title,description")?;
        for i in 0..ROWS {
            writeln!(
                out,
                "{{\"id\": {i}, \"title\": \"Job {i}\", \"skills\": [\"a\", \"b\"], \"salary_min\": {i}}}"
            )?;
            writeln!(table, "{i},Job {i},\"Line one\nline two\"")?;
        }
        out.flush()?;
        table.flush()?;
    }
    let mut count = 0;
    let mut last = None;
    for job in read_jobs_jsonl(jsonl.path(), default())? {
        count += 1;
        last = Some(job?.id);
    }
    assert_eq!((count, last.as_deref()), (ROWS, Some("99999")));
    assert_eq!(
        read_jobs_csv(csv.path(), &JobColumns::new(), default())?
            .filter(Result::is_ok)
            .count(),
        ROWS
    );
    Ok(())
}

#[test]
fn readers_and_records_cross_threads() {
    fn send<T: Send>() {}
    fn shared<T: Send + Sync>() {}
    send::<JobReader>();
    send::<ResumeReader>();
    send::<JsonlReader<Job>>();
    send::<CsvTable>();
    send::<DataSource>();
    shared::<Job>();
    shared::<Resume>();
    shared::<DataError>();
    shared::<ReadOptions>();
    shared::<JobColumns>();
    shared::<ResumeColumns>();
}

#[test]
fn column_mappings_and_options_are_serde_configs() -> anyhow::Result<()> {
    let columns: JobColumns = serde_json::from_str(
        r#"{"title": "Title", "generated_ids": true, "metadata": {"only": ["Company"]}}"#,
    )?;
    let expected = JobColumns::new()
        .with_title("Title")
        .with_generated_ids(true)
        .with_metadata(MetadataColumns::Only(strings(&["Company"])));
    assert_eq!(columns, expected);
    let options: ReadOptions = serde_json::from_str(r#"{"lossy_utf8": true}"#)?;
    assert_eq!(options, default().with_lossy_utf8(true));
    Ok(())
}

/// Bytes that are mostly the structure of JSON and CSV, with some of anything.
fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    let structural = prop::sample::select(b"{}[]\",:;|\n\r\\ 1aeid\xEF\xBB\xBF\xFF".to_vec());
    prop::collection::vec(prop_oneof![3 => structural, 1 => any::<u8>()], 0..300)
}

/// Drains a reader, checking it ends: each item is at least one line.
fn drain<T>(items: impl Iterator<Item = Result<T, DataError>>, bytes: &[u8]) -> usize {
    let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
    let count = items.take(lines + 1).count();
    assert!(count <= lines, "{count} items from {lines} lines");
    count
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_bytes_never_panic_the_readers(bytes in file_bytes(), lossy in any::<bool>(), limit in 1usize..64) {
        let mut file = tempfile::NamedTempFile::new().map_err(|e| TestCaseError::fail(e.to_string()))?;
        file.write_all(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = file.path();
        for options in [default().with_lossy_utf8(lossy), default().with_max_record_bytes(limit)] {
            if let Ok(jobs) = read_jobs_jsonl(path, options) {
                drain(jobs, &bytes);
            }
            if let Ok(resumes) = read_resumes_jsonl(path, options) {
                drain(resumes, &bytes);
            }
            if let Ok(values) = read_jsonl::<serde_json::Value>(path, options) {
                drain(values, &bytes);
            }
            if let Ok(table) = CsvTable::open(path, options) {
                drain(table.rows(), &bytes);
            }
            let columns = JobColumns::new().with_generated_ids(true).with_title("1");
            if let Ok(jobs) = read_jobs_csv(path, &columns, options) {
                drain(jobs, &bytes);
            }
            if let Ok(resumes) = read_resumes_csv(path, &ResumeColumns::new(), options) {
                drain(resumes, &bytes);
            }
        }
    }

    #[test]
    fn csv_cells_round_trip_through_quoting(cells in prop::collection::vec("[a-z,\"\n ]{0,12}", 1..6)) {
        // Quote every cell as RFC 4180 does; the reader must give them back.
        let header: Vec<String> = (0..cells.len()).map(|i| format!("c{i}")).collect();
        let row: Vec<String> = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
        let text = format!("{}\n{}\n", header.join(","), row.join(","));
        let source = DataSource::from_reader("p.csv", std::io::Cursor::new(text));
        let rows: Vec<_> = CsvTable::from_source(source, default())
            .map(|table| table.rows().collect())
            .unwrap_or_default();
        prop_assert_eq!(rows.len(), 1);
        prop_assert!(matches!(&rows[0], Ok((2, values)) if values == &cells), "{:?}", rows);
    }
}

/// `title,description` and two Chinese postings, encoded as GBK by Python's `gbk` codec
/// (`'...'.encode('gbk')`): an independent encoder.
const GBK_CSV: &[u8] = b"title,description\n\xb4\xf3\xca\xfd\xbe\xdd\xbf\xaa\xb7\xa2\xb9\xa4\xb3\xcc\xca\xa6,\
\xca\xec\xcf\xa4Hadoop\xba\xcdSpark\n\xbb\xa4\xca\xbf,\xc8\xfd\xbc\xd7\xd2\xbd\xd4\xba\xbb\xa4\xc0\xed\xb9\xa4\xd7\xf7\n";

fn gbk_jobs(options: ReadOptions) -> Vec<Result<Job, DataError>> {
    let source = DataSource::from_reader("jobs-gbk.csv", std::io::Cursor::new(GBK_CSV));
    let columns = JobColumns::new()
        .with_generated_ids(true)
        .with_title("title")
        .with_description("description");
    JobReader::csv(source, &columns, options)
        .expect("the header is ASCII")
        .collect()
}

#[test]
fn a_gbk_csv_is_refused_naming_the_encoding() {
    let rows = gbk_jobs(default());
    assert_eq!(rows.len(), 2);
    for row in rows {
        let error = row.expect_err("GBK is not UTF-8");
        assert!(
            matches!(error, DataError::WrongEncoding { line: 2 | 3, .. }),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("GBK") && message.contains("--encoding gbk"),
            "{message}"
        );
    }
}

#[test]
fn a_gbk_csv_is_decoded_when_asked() {
    let options = default().with_encoding("gbk".parse().expect("a known encoding"));
    let jobs: Vec<Job> = gbk_jobs(options)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("decodes");
    assert_eq!(jobs[0].title, "大数据开发工程师");
    assert_eq!(jobs[0].description, "熟悉Hadoop和Spark");
    assert_eq!(jobs[1].title, "护士");
    assert_eq!(jobs[1].description, "三甲医院护理工作");
}

#[test]
fn latin1_accents_are_not_taken_for_gbk() {
    // "résumé, café" in Latin-1: é is 0xE9, followed by ASCII letters.
    let bytes: &[u8] = b"title,description\nr\xe9sum\xe9 writer,caf\xe9 and cr\xe8me\n";
    let source = DataSource::from_reader("latin1.csv", std::io::Cursor::new(bytes));
    let columns = JobColumns::new()
        .with_generated_ids(true)
        .with_title("title")
        .with_description("description");
    let rows: Vec<_> = JobReader::csv(source, &columns, default())
        .expect("header")
        .collect();
    assert!(
        matches!(rows[0], Err(DataError::InvalidUtf8 { line: 2, .. })),
        "{:?}",
        rows[0]
    );
}
