//! The live catalog: upserts and deletes without rebuilding, durable in the
//! index directory, replayed on load, compacted into snapshots.

use std::sync::Arc;

use jobfit_match::{
    Catalog, IndexOptions, JobFilter, JobIndex, JobStore, MatchError, Matcher, ProgressMode,
    RecommendOptions, SearchMode, SearchRequest, VectorIndex, job_names,
};
use jobfit_text::Job;

use crate::common::{fixture, tiny_embedder};

fn options() -> IndexOptions {
    IndexOptions::default().with_progress(ProgressMode::Never)
}

fn fixture_index() -> (JobIndex, jobfit_model::TextEmbedder) {
    let embedder = tiny_embedder("tiny-a");
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    (
        JobIndex::build(catalog, &embedder, &options()).unwrap(),
        embedder,
    )
}

fn welder() -> Job {
    Job::new("w1", "Welder")
        .with_description("Welds steel frames in a workshop.")
        .with_aliases(["Fabricator"])
        .with_metadata("remote", "no")
}

/// The ids of a matcher's ranking for a query, best first.
fn ranking(matcher: &Matcher, query: &str) -> Vec<String> {
    let options = RecommendOptions::default()
        .with_top_k(100)
        .with_explain(false)
        .with_hybrid(None);
    matcher
        .recommend(query, &options)
        .unwrap()
        .into_iter()
        .map(|rec| rec.job.id)
        .collect()
}

/// The ids of a matcher's ranking with BM25 (the default hybrid scoring).
fn hybrid_ranking(matcher: &Matcher, query: &str) -> Vec<String> {
    hybrid_scores(matcher, query)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// The ids and scores (to 1e-4) of a matcher's ranking with BM25.
fn hybrid_scores(matcher: &Matcher, query: &str) -> Vec<(String, i64)> {
    // Every query scored as a long one (a resume): with BM25.
    let options = RecommendOptions::default()
        .with_top_k(100)
        .with_explain(false)
        .with_short_query_words(0);
    matcher
        .recommend(query, &options)
        .unwrap()
        .into_iter()
        .map(|rec| (rec.job.id, (rec.score * 1e4).round() as i64))
        .collect()
}

#[test]
fn upserts_embed_only_what_changed_and_deletes_free_positions() {
    let (index, embedder) = fixture_index();
    let before = index.len();
    let report = index.upsert(vec![welder()], &embedder).unwrap();
    assert_eq!((report.added, report.updated, report.unchanged), (1, 0, 0));
    assert_eq!(index.len(), before + 1);
    // The new job's vectors are its text's and names' embeddings.
    let text = index.fields().text(&welder());
    let direct = embedder.embed(&[text.as_str()]).unwrap();
    let stored = index.vector("w1").unwrap();
    for (a, b) in stored.iter().zip(direct.row(0)) {
        assert!((a - b).abs() < 1e-5);
    }
    let names = index.name_vectors("w1");
    assert_eq!(names.len(), job_names(&welder()).len());
    let alias = embedder.embed(&["Fabricator"]).unwrap();
    for (a, b) in names[1].iter().zip(alias.row(0)) {
        assert!((a - b).abs() < 1e-5);
    }

    // The same job again: nothing to embed or write. A new salary only: unchanged text.
    let report = index.upsert(vec![welder()], &embedder).unwrap();
    assert_eq!((report.added, report.updated, report.unchanged), (0, 0, 1));
    let paid = welder().with_metadata("remote", "yes");
    let report = index.upsert(vec![paid], &embedder).unwrap();
    assert_eq!((report.added, report.updated, report.unchanged), (0, 0, 1));
    assert_eq!(index.get("w1").unwrap().metadata["remote"], "yes");
    // A new description: embedded again, in place.
    let position = index.position("w1").unwrap();
    let changed = welder().with_description("Welds pipes on offshore platforms.");
    let report = index.upsert(vec![changed.clone()], &embedder).unwrap();
    assert_eq!((report.added, report.updated, report.unchanged), (0, 1, 0));
    assert_eq!(index.position("w1"), Some(position));
    let text = index.fields().text(&changed);
    let direct = embedder.embed(&[text.as_str()]).unwrap();
    for (a, b) in index.vector("w1").unwrap().iter().zip(direct.row(0)) {
        assert!((a - b).abs() < 1e-5);
    }

    // Deleting frees the position; the next new job takes it.
    let report = index
        .delete(&["w1".to_string(), "nope".to_string()])
        .unwrap();
    assert_eq!((report.deleted, report.missing), (1, 1));
    assert!(index.get("w1").is_none() && index.vector("w1").is_none());
    assert_eq!(index.len(), before);
    index
        .upsert(
            vec![Job::new("c9", "Chef").with_description("Cooks.")],
            &embedder,
        )
        .unwrap();
    assert_eq!(index.position("c9"), Some(position));
    assert_eq!(index.vectors().len(), before + 1);
}

/// Whether two vectors are equal within float noise.
fn same(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
}

#[test]
fn an_upsert_embeds_only_the_part_of_a_job_that_changed() {
    let (index, first) = fixture_index();
    index.upsert(vec![welder()], &first).unwrap();
    let names = index.name_vectors("w1");
    let text = index.vector("w1").unwrap();
    // The same identity with other (random) weights: whatever it embeds
    // differs from what `first` embedded, so the vectors tell who made them.
    let second = tiny_embedder("tiny-a");
    let probe = index.fields().text(&welder());
    assert!(!same(
        &first.embed(&[probe.as_str()]).unwrap().row(0).to_vec(),
        &second.embed(&[probe.as_str()]).unwrap().row(0).to_vec()
    ));

    // A new description: the text is embedded again, the names are kept.
    let described = welder().with_description("Welds pipes on offshore platforms.");
    let report = index.upsert(vec![described.clone()], &second).unwrap();
    assert_eq!(report.updated, 1);
    let new_text = index.fields().text(&described);
    let direct = second.embed(&[new_text.as_str()]).unwrap();
    assert!(same(&index.vector("w1").unwrap(), &direct.row(0).to_vec()));
    let kept = index.name_vectors("w1");
    assert_eq!(kept.len(), names.len());
    for (kept, name) in kept.iter().zip(&names) {
        assert!(same(kept, name));
    }

    // A new alias only (aliases are not in the indexed fields): the names
    // are embedded again, the text vector is kept.
    let text_now = index.vector("w1").unwrap();
    let renamed = described
        .clone()
        .with_aliases(["Fabricator", "Pipe welder"]);
    let report = index.upsert(vec![renamed.clone()], &first).unwrap();
    assert_eq!(report.updated, 1);
    assert!(same(&index.vector("w1").unwrap(), &text_now));
    let renamed_names = job_names(&renamed);
    let direct: Vec<&str> = renamed_names.iter().map(String::as_str).collect();
    let direct = first.embed(&direct).unwrap();
    let stored = index.name_vectors("w1");
    assert_eq!(stored.len(), 3);
    for (stored, row) in stored.iter().zip(direct.rows()) {
        assert!(same(stored, &row.to_vec()));
    }
    assert!(!same(&text_now, &text));
}

#[test]
fn a_job_changed_all_day_keeps_the_memory_of_its_names_bounded() {
    let (index, embedder) = fixture_index();
    let index = Arc::new(index);
    let embedder = Arc::new(embedder);
    index.upsert(vec![welder()], &embedder).unwrap();
    let rows = |index: &JobIndex| index.names().unwrap().vectors().rows();
    let start = rows(&index);
    let live = index.names().unwrap().len();
    // New descriptions, the same names: no name row is added.
    for n in 0..20 {
        let job = welder().with_description(format!("Welds steel frames, opening {n}."));
        index.upsert(vec![job], &embedder).unwrap();
    }
    assert_eq!(rows(&index), start);
    // Another alias every time, as many names: the rows are overwritten.
    for n in 0..20 {
        let job = welder().with_aliases([format!("Fabricator {n}")]);
        index.upsert(vec![job], &embedder).unwrap();
    }
    assert_eq!(rows(&index), start);
    // Another number of names every time: removed rows are reclaimed.
    let mut most = 0;
    for n in 0..3_000 {
        let aliases: Vec<String> = (0..n % 4).map(|a| format!("Welder grade {a}")).collect();
        index
            .upsert(vec![welder().with_aliases(aliases)], &embedder)
            .unwrap();
        most = most.max(rows(&index));
    }
    assert!(
        most <= live + 4 + (live / 2).max(4096),
        "{most} rows for {live} names"
    );
    // And the index still ranks as one built from scratch.
    let matcher = Matcher::from_index(Arc::clone(&index), Arc::clone(&embedder)).unwrap();
    let rebuilt = JobIndex::build(index.catalog().unwrap(), &embedder, &options()).unwrap();
    let fresh = Matcher::new(rebuilt, Arc::clone(&embedder)).unwrap();
    for query in ["welder", "nurse", "welder grade 1"] {
        assert_eq!(ranking(&matcher, query), ranking(&fresh, query), "{query}");
    }
}

#[test]
fn searches_see_changes_and_match_a_rebuilt_index() {
    let (index, embedder) = fixture_index();
    let index = Arc::new(index);
    let embedder = Arc::new(embedder);
    let matcher = Matcher::from_index(Arc::clone(&index), Arc::clone(&embedder)).unwrap();
    index.upsert(vec![welder()], &embedder).unwrap();
    let first = index.jobs()[0].id.clone();
    index.delete(std::slice::from_ref(&first)).unwrap();
    let live = ranking(&matcher, "welder fabricator steel");
    assert!(live.contains(&"w1".to_string()));
    assert!(!live.contains(&first));
    // The same jobs indexed from scratch rank identically.
    let rebuilt = JobIndex::build(index.catalog().unwrap(), &embedder, &options()).unwrap();
    let fresh = Matcher::new(rebuilt, Arc::clone(&embedder)).unwrap();
    for query in [
        "welder fabricator steel",
        "nurse",
        "data pipelines in python",
    ] {
        assert_eq!(ranking(&matcher, query), ranking(&fresh, query), "{query}");
        // With BM25, which the live index updates in place instead of rebuilding.
        assert_eq!(
            hybrid_ranking(&matcher, query),
            hybrid_ranking(&fresh, query),
            "{query}"
        );
    }
    // More changes after BM25 was built: still what a fresh index gives.
    index
        .upsert(
            vec![
                welder().with_description("Welds pipes and tanks, reads blueprints."),
                Job::new("n7", "Night nurse").with_description("Cares for patients at night."),
            ],
            &embedder,
        )
        .unwrap();
    let second = index.jobs()[1].id.clone();
    index.delete(std::slice::from_ref(&second)).unwrap();
    let rebuilt = JobIndex::build(index.catalog().unwrap(), &embedder, &options()).unwrap();
    let fresh = Matcher::new(rebuilt, Arc::clone(&embedder)).unwrap();
    for query in [
        "welder who reads blueprints and welds tanks",
        "nurse caring for patients at night in a hospital ward",
    ] {
        assert_eq!(
            hybrid_scores(&matcher, query),
            hybrid_scores(&fresh, query),
            "{query}"
        );
    }
    // Filters see the new job's metadata.
    let filter = JobFilter::new().with_metadata("remote", "NO");
    let query = embedder.embed(&["welder"]).unwrap().row(0).to_vec();
    let hits = index
        .search(&SearchRequest {
            queries: &[query],
            name_queries: &[],
            k: 10,
            filter: &filter,
            name_weight: 0.7,
            mode: SearchMode::Exact,
        })
        .unwrap();
    assert!(hits.iter().any(|hit| hit.job.id == "w1"));
    assert!(hits.iter().all(|hit| hit.job.metadata["remote"] == "no"));
}

#[test]
fn changes_are_durable_replayed_and_compacted() {
    let (index, embedder) = fixture_index();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    index.save(&path).unwrap();
    index.upsert(vec![welder()], &embedder).unwrap();
    let first = index.jobs()[0].id.clone();
    index.delete(std::slice::from_ref(&first)).unwrap();
    let expected = index.vectors();
    let jobs = index.jobs();
    drop(index);
    // The snapshot is untouched; the changes are in the log, replayed on load.
    let loaded = JobIndex::load(&path).unwrap();
    assert_eq!(loaded.jobs(), jobs);
    assert_eq!(loaded.vectors(), expected);
    assert!(loaded.get(&first).is_none());
    let log = std::fs::metadata(path.join("changes.log")).unwrap().len();
    assert!(log > 20, "the log holds the changes ({log} bytes)");
    // Compaction folds them into a new snapshot with an empty log.
    loaded.compact().unwrap();
    assert_eq!(
        std::fs::metadata(path.join("changes.log")).unwrap().len(),
        20
    );
    drop(loaded);
    let reloaded = JobIndex::load(&path).unwrap();
    assert_eq!(reloaded.jobs(), jobs);
    assert_eq!(reloaded.vectors(), expected);
    // A free position survives the snapshot and is reused.
    reloaded
        .upsert(
            vec![Job::new("c9", "Chef").with_description("Cooks.")],
            &embedder,
        )
        .unwrap();
    assert_eq!(reloaded.position("c9"), Some(0));
    // The log grows past a tiny threshold: each change compacts.
    reloaded.set_compact_bytes(0);
    reloaded
        .upsert(vec![welder().with_description("Welds pipes.")], &embedder)
        .unwrap();
    assert_eq!(
        std::fs::metadata(path.join("changes.log")).unwrap().len(),
        20
    );
    let manifest = std::fs::read_to_string(path.join("index.json")).unwrap();
    assert!(manifest.contains("\"generation\": 3"), "{manifest}");
}

#[test]
fn an_interrupted_batch_is_dropped_and_damage_is_refused() {
    let (index, embedder) = fixture_index();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    index.save(&path).unwrap();
    index.upsert(vec![welder()], &embedder).unwrap();
    drop(index);
    let log = path.join("changes.log");
    let committed = std::fs::read(&log).unwrap();
    // A batch cut short by a crash: its bytes are dropped, the committed batch stays.
    let mut torn = committed.clone();
    torn.extend_from_slice(&committed[20..committed.len() - 10]);
    std::fs::write(&log, &torn).unwrap();
    let loaded = JobIndex::load(&path).unwrap();
    assert!(loaded.get("w1").is_some());
    // Writing again first cuts the tail off.
    loaded
        .upsert(
            vec![Job::new("c9", "Chef").with_description("Cooks.")],
            &embedder,
        )
        .unwrap();
    drop(loaded);
    let reloaded = JobIndex::load(&path).unwrap();
    assert!(reloaded.get("c9").is_some() && reloaded.get("w1").is_some());
    drop(reloaded);
    // A damaged record followed by committed ones is refused, with what to do.
    let mut damaged = std::fs::read(&log).unwrap();
    damaged[40] ^= 0x01;
    std::fs::write(&log, &damaged).unwrap();
    let error = JobIndex::load(&path).unwrap_err();
    assert!(
        matches!(error, MatchError::CorruptIndex { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("damaged"), "{error}");
}

#[test]
fn bad_batches_change_nothing() {
    let (index, embedder) = fixture_index();
    let before = index.jobs();
    let duplicate = index.upsert(vec![welder(), welder()], &embedder);
    assert!(
        matches!(duplicate, Err(MatchError::DuplicateId { .. })),
        "{duplicate:?}"
    );
    let blank = index.upsert(vec![welder(), Job::new("b", "<p> </p>")], &embedder);
    assert!(
        matches!(blank, Err(MatchError::EmptyText { ref what }) if what.contains("\"b\"")),
        "{blank:?}"
    );
    let no_id = index.upsert(vec![Job::new(" ", "Cook")], &embedder);
    assert!(
        matches!(no_id, Err(MatchError::InvalidJob { .. })),
        "{no_id:?}"
    );
    let other = tiny_embedder("tiny-b");
    let mismatch = index.upsert(vec![welder()], &other);
    assert!(
        matches!(mismatch, Err(MatchError::ModelMismatch { .. })),
        "{mismatch:?}"
    );
    assert_eq!(index.jobs(), before);
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_directory() {
    let (index, embedder) = fixture_index();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    index.save(&path).unwrap();
    // The first change makes `index` the directory's writer until it is dropped.
    index.upsert(vec![welder()], &embedder).unwrap();
    let other = JobIndex::load(&path).unwrap();
    // Reading needs no lock; writing does.
    assert_eq!(other.len(), index.len());
    let chef = Job::new("c9", "Chef").with_description("Cooks.");
    let error = other.upsert(vec![chef.clone()], &embedder).unwrap_err();
    assert!(matches!(error, MatchError::IndexLocked { .. }), "{error:?}");
    assert!(error.to_string().contains("another process"), "{error}");
    assert!(matches!(
        other.save(&path),
        Err(MatchError::IndexLocked { .. })
    ));
    // Once the writer is gone, a reader that saw everything may write.
    index.upsert(vec![chef.clone()], &embedder).unwrap();
    drop(index);
    let baker = Job::new("b1", "Baker").with_description("Bakes bread.");
    let error = other.upsert(vec![baker], &embedder).unwrap_err();
    // `other` did not see the chef: its state is stale, and writing it would lose changes.
    assert!(
        matches!(error, MatchError::IndexChanged { .. }),
        "{error:?}"
    );
    let fresh = JobIndex::load(&path).unwrap();
    assert!(fresh.get("c9").is_some());
    fresh
        .upsert(vec![welder().with_description("Welds pipes.")], &embedder)
        .unwrap();
}

#[test]
fn syncing_to_a_catalog_upserts_and_deletes() {
    let (index, embedder) = fixture_index();
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    let mut jobs = catalog.jobs()[2..].to_vec();
    jobs[0].description.push_str(" Also mentors juniors.");
    jobs.push(welder());
    let target = Catalog::from_jobs(jobs).unwrap();
    let (upserted, deleted) = index.sync(&target, &embedder).unwrap();
    assert_eq!(upserted.added, 1);
    assert_eq!(upserted.updated, 1);
    assert_eq!(upserted.unchanged, target.len() - 2);
    assert_eq!(deleted.deleted, 2);
    let mut have: Vec<String> = index.jobs().iter().map(|job| job.id.clone()).collect();
    let mut want: Vec<String> = target.jobs().iter().map(|job| job.id.clone()).collect();
    have.sort();
    want.sort();
    assert_eq!(have, want);
}

#[test]
fn a_format_1_directory_still_loads_and_is_upgraded_on_compaction() {
    let (index, embedder) = fixture_index();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    index.save(&path).unwrap();
    drop(index);
    // What format 1 wrote: no generation, no positions, no log.
    let manifest = std::fs::read_to_string(path.join("index.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    value["format"] = 1.into();
    let object = value.as_object_mut().unwrap();
    object.remove("generation");
    object.remove("positions");
    std::fs::write(path.join("index.json"), value.to_string()).unwrap();
    std::fs::remove_file(path.join("changes.log")).unwrap();
    let old = JobIndex::load(&path).unwrap();
    old.upsert(vec![welder()], &embedder).unwrap();
    old.compact().unwrap();
    drop(old);
    let manifest = std::fs::read_to_string(path.join("index.json")).unwrap();
    assert!(manifest.contains("\"format\": 2"), "{manifest}");
    assert!(JobIndex::load(&path).unwrap().get("w1").is_some());
}

#[test]
fn an_empty_index_grows_from_nothing() {
    let embedder = tiny_embedder("tiny-a");
    let index = JobIndex::empty(embedder.identity().clone(), &options()).unwrap();
    assert!(index.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    index.save(&path).unwrap();
    index.upsert(vec![welder()], &embedder).unwrap();
    drop(index);
    let loaded = JobIndex::load(&path).unwrap();
    assert_eq!(loaded.len(), 1);
    let matcher = Matcher::new(loaded, embedder).unwrap();
    assert_eq!(ranking(&matcher, "welder"), ["w1"]);
}
