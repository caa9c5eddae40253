//! Job indexes: building, saving, loading, refusing damaged directories and
//! other models, caching.

use jobfit_match::{
    Catalog, IndexOptions, JobField, JobFields, JobIndex, MatchError, Matcher, ProgressMode,
    VectorIndex, cached_index_dir, job_names,
};

use crate::common::{fixture, tiny_embedder};

fn options() -> IndexOptions {
    IndexOptions::default()
        .with_progress(ProgressMode::Never)
        .with_chunk_size(3)
}

fn built() -> (JobIndex, jobfit_model::TextEmbedder) {
    let embedder = tiny_embedder("tiny-a");
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    (
        JobIndex::build(catalog, &embedder, &options()).unwrap(),
        embedder,
    )
}

#[test]
fn building_embeds_each_job_text_in_catalog_order() {
    let (index, embedder) = built();
    assert_eq!(index.len(), 8);
    assert_eq!(index.vectors().dim(), 16);
    // Row i is the embedding of job i's text, whatever the chunking of calls.
    let texts = index.catalog().unwrap().texts(&JobFields::default());
    let direct = embedder.embed(&[texts[4].as_str()]).unwrap();
    let vectors = index.vectors();
    let row = vectors.vector(4).unwrap();
    for (a, b) in row.iter().zip(direct.row(0)) {
        assert!((a - b).abs() < 1e-5);
    }
    assert!(matches!(
        JobIndex::build(
            index.catalog().unwrap(),
            &embedder,
            &options().with_chunk_size(0)
        ),
        Err(MatchError::InvalidOption {
            name: "chunk_size",
            ..
        })
    ));
}

#[test]
fn saving_and_loading_round_trips() {
    let (index, _) = built();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    index.save(&path).unwrap();
    let loaded = JobIndex::load(&path).unwrap();
    assert_eq!(loaded.vectors(), index.vectors());
    assert_eq!(
        loaded.catalog().unwrap().jobs(),
        index.catalog().unwrap().jobs()
    );
    assert_eq!(loaded.model(), index.model());
    assert_eq!(loaded.fields(), index.fields());
    // Saving again replaces the directory in one step and leaves no staging folder.
    loaded.save(&path).unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".index.lock")
        .collect();
    assert_eq!(names, ["index"]);
}

#[test]
fn names_are_embedded_one_by_one_saved_and_optional() {
    let (index, embedder) = built();
    let names = index.names().expect("names by default");
    let catalog = &index.catalog().unwrap();
    // Job 2's names: its title first, then its aliases, each embedded alone.
    let expected = job_names(&catalog.jobs()[2]);
    let rows = names.rows_of(2);
    assert_eq!(rows.len(), expected.len());
    let direct = embedder.embed(&[expected[0].as_str()]).unwrap();
    let row = names.vectors().vector(rows.start).unwrap();
    for (a, b) in row.iter().zip(direct.row(0)) {
        assert!((a - b).abs() < 1e-5);
    }
    assert!(rows.clone().all(|row| names.owner(row) == Some(2)));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    index.save(&path).unwrap();
    let loaded = JobIndex::load(&path).unwrap();
    assert_eq!(loaded.names().unwrap().vectors(), names.vectors());
    let file = path.join("names.f32");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[7] ^= 0x10;
    std::fs::write(&file, &bytes).unwrap();
    assert!(corrupt_message(&path).contains("names.f32 has checksum"));

    // Without names: no file, no names, and a cached index is rebuilt when the choice changes.
    let plain = options().with_names(false);
    let without = JobIndex::build(catalog.clone(), &embedder, &plain).unwrap();
    assert!(without.names().is_none());
    without.save(&path).unwrap();
    assert!(!path.join("names.f32").exists());
    assert!(JobIndex::load(&path).unwrap().names().is_none());
    let (again, rebuilt) = JobIndex::load_or_build(&path, catalog, &embedder, &options()).unwrap();
    assert!(rebuilt && again.names().is_some());
    let (_, rebuilt) = JobIndex::load_or_build(&path, catalog, &embedder, &options()).unwrap();
    assert!(!rebuilt);
}

fn corrupt_message(path: &std::path::Path) -> String {
    match JobIndex::load(path) {
        Err(MatchError::CorruptIndex { message, .. }) => message,
        other => panic!("expected a corrupt index error, got {other:?}"),
    }
}

#[test]
fn damaged_index_directories_are_refused_clearly() {
    let (index, _) = built();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");

    assert!(corrupt_message(&path).contains("does not exist"));

    index.save(&path).unwrap();
    let vectors = path.join("vectors.f32");
    let bytes = std::fs::read(&vectors).unwrap();
    std::fs::write(&vectors, &bytes[..bytes.len() - 4]).unwrap();
    assert!(corrupt_message(&path).contains("truncated"));

    let mut flipped = bytes.clone();
    flipped[10] ^= 0x40;
    std::fs::write(&vectors, &flipped).unwrap();
    assert!(corrupt_message(&path).contains("altered"));

    index.save(&path).unwrap();
    let jobs = path.join("jobs.jsonl");
    let text = std::fs::read_to_string(&jobs)
        .unwrap()
        .replace("Baker", "Bakes");
    std::fs::write(&jobs, text).unwrap();
    assert!(corrupt_message(&path).contains("altered"));

    index.save(&path).unwrap();
    std::fs::remove_file(path.join("jobs.jsonl")).unwrap();
    assert!(corrupt_message(&path).contains("jobs.jsonl is missing"));

    index.save(&path).unwrap();
    let manifest = std::fs::read_to_string(path.join("index.json")).unwrap();
    std::fs::write(
        path.join("index.json"),
        manifest.replace("\"format\": 2", "\"format\": 99"),
    )
    .unwrap();
    assert!(corrupt_message(&path).contains("format 99"));

    std::fs::write(path.join("index.json"), "{not json").unwrap();
    assert!(corrupt_message(&path).contains("malformed"));

    std::fs::remove_file(path.join("index.json")).unwrap();
    let message = corrupt_message(&path);
    assert!(message.contains("not a jobfit index"), "{message}");
    let shown = JobIndex::load(&path).unwrap_err().to_string();
    assert!(shown.contains("rebuild it with `jobfit index`"), "{shown}");
}

#[test]
fn an_index_refuses_queries_from_another_model() {
    let (index, _) = built();
    let dir = tempfile::tempdir().unwrap();
    index.save(dir.path().join("index")).unwrap();
    let loaded = JobIndex::load(dir.path().join("index")).unwrap();
    let other = tiny_embedder("tiny-b");
    let error = Matcher::new(loaded, other).unwrap_err();
    assert!(
        matches!(error, MatchError::ModelMismatch { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("tiny-a") && message.contains("tiny-b"),
        "{message}"
    );
    assert!(message.contains(&dir.path().join("index").display().to_string()));
}

#[test]
fn load_or_build_reuses_a_matching_index_and_rebuilds_otherwise() {
    let embedder = tiny_embedder("tiny-a");
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir = cached_index_dir(cache.path(), "fixture", embedder.identity(), &options());
    let (first, built) = JobIndex::load_or_build(&dir, &catalog, &embedder, &options()).unwrap();
    assert!(built);
    let (second, built) = JobIndex::load_or_build(&dir, &catalog, &embedder, &options()).unwrap();
    assert!(!built, "the second run loads the cached index");
    assert_eq!(first.vectors(), second.vectors());
    // Another catalog, another model, or a damaged directory: rebuilt.
    let smaller = Catalog::from_jobs(catalog.jobs()[..3].to_vec()).unwrap();
    assert!(
        JobIndex::load_or_build(&dir, &smaller, &embedder, &options())
            .unwrap()
            .1
    );
    let other = tiny_embedder("tiny-b");
    let (rebuilt, built) = JobIndex::load_or_build(&dir, &smaller, &other, &options()).unwrap();
    assert!(built);
    assert_eq!(rebuilt.model().weights_hash, "tiny-b");
    std::fs::write(dir.join("vectors.f32"), b"junk").unwrap();
    assert!(
        JobIndex::load_or_build(&dir, &smaller, &other, &options())
            .unwrap()
            .1
    );
    // Different models, fields or names choices get different cache directories.
    let dir_of = |identity, options: &IndexOptions| {
        cached_index_dir(cache.path(), "fixture", identity, options)
    };
    assert_eq!(dir, dir_of(embedder.identity(), &options()));
    assert_ne!(dir, dir_of(other.identity(), &options()));
    assert_ne!(
        dir,
        dir_of(embedder.identity(), &options().with_names(!options().names))
    );
    let title_only = JobFields::new(vec![JobField::Title]).unwrap();
    assert_ne!(
        dir,
        dir_of(embedder.identity(), &options().with_fields(title_only))
    );
}
