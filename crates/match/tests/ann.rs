//! The approximate index: recall against exact search, filters during the
//! walk, removal, saving, and its place in a live job index.

use std::sync::Arc;

use jobfit_match::{
    AnnIndex, AnnMode, AnnOptions, AnnStorage, Catalog, ExactIndex, IndexOptions, JobFields,
    JobFilter, JobIndex, JobStore, MatchError, Matcher, ProgressMode, RecommendOptions, SearchMode,
    SearchRequest, VectorIndex,
};
use jobfit_text::Job;
use ndarray::Array2;

use crate::common::{fixture, tiny_embedder};

/// Unit vectors in clusters, like embeddings of jobs (a fixed-seed generator).
fn clustered(rows: usize, dim: usize, seed: u64) -> Array2<f32> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let centers: Vec<Vec<f32>> = (0..20)
        .map(|_| (0..dim).map(|_| next()).collect())
        .collect();
    let mut data = Array2::zeros((rows, dim));
    for r in 0..rows {
        let center = &centers[r % centers.len()];
        let mut norm = 0.0;
        for c in 0..dim {
            let value = center[c] + 0.3 * next();
            data[[r, c]] = value;
            norm += value * value;
        }
        data.row_mut(r).mapv_inplace(|v| v / norm.sqrt());
    }
    data
}

fn recall(exact: &[(usize, f32)], approximate: &[(usize, f32)]) -> f64 {
    let found = exact
        .iter()
        .filter(|hit| approximate.iter().any(|other| other.0 == hit.0))
        .count();
    found as f64 / exact.len().max(1) as f64
}

#[test]
fn approximate_search_finds_what_exact_search_finds() {
    let data = clustered(3000, 32, 11);
    let queries = clustered(50, 32, 12);
    let mut exact = ExactIndex::new(32).unwrap();
    exact.add(data.view()).unwrap();
    for storage in [AnnStorage::F32, AnnStorage::F16, AnnStorage::I8] {
        let options = AnnOptions {
            storage,
            ..AnnOptions::default()
        };
        let mut ann = AnnIndex::new(32, options).unwrap();
        ann.add(data.view()).unwrap();
        assert_eq!(ann.len(), 3000);
        let mut total = 0.0;
        let mut filtered = 0.0;
        let keep = |position: usize| position % 10 == 3;
        for query in queries.rows() {
            let query = query.to_vec();
            let truth = exact.search(&query, 10, None).unwrap();
            let found = ann.search(&query, 10, None).unwrap();
            assert_eq!(found.len(), 10);
            total += recall(&truth, &found);
            // A filter keeping a tenth of the vectors is applied during the walk.
            let truth = exact.search(&query, 10, Some(&keep)).unwrap();
            let found = ann.search(&query, 10, Some(&keep)).unwrap();
            assert_eq!(found.len(), 10, "a filtered search still returns k results");
            assert!(found.iter().all(|hit| keep(hit.0)));
            filtered += recall(&truth, &found);
        }
        let (total, filtered) = (total / 50.0, filtered / 50.0);
        // int8 storage loses some order among near ties (a job index rescores
        // twice as many candidates with the exact vectors to make up for it).
        let wanted = if storage == AnnStorage::I8 { 0.9 } else { 0.95 };
        assert!(total >= wanted, "{storage:?}: recall@10 {total}");
        assert!(
            filtered >= wanted,
            "{storage:?}: filtered recall@10 {filtered}"
        );
    }
}

#[test]
fn filtered_and_unfiltered_searches_keep_their_own_number_of_candidates() {
    let data = clustered(3000, 32, 21);
    let queries = clustered(30, 32, 22);
    let mut exact = ExactIndex::new(32).unwrap();
    exact.add(data.view()).unwrap();
    let keep = |position: usize| position % 10 == 3;
    // An expansion past the number of vectors walks every reachable node, so
    // the search is all but exact: only the kind of search it is set for
    // (unfiltered or filtered) gets there. Not exactly 1.0: the graph is
    // built on several threads, and a build can leave a node no walk
    // reaches (eight builds: 0.993 to 1.0 at ef 4096, 0.60 to 0.90 at 8).
    let wide = |expansion_search, expansion_filtered| {
        let mut ann = AnnIndex::new(
            32,
            AnnOptions {
                expansion_search,
                expansion_filtered,
                ..AnnOptions::default()
            },
        )
        .unwrap();
        ann.add(data.view()).unwrap();
        ann
    };
    let recalls = |ann: &AnnIndex| {
        let (mut plain, mut filtered) = (0.0, 0.0);
        for query in queries.rows() {
            let query = query.to_vec();
            let truth = exact.search(&query, 10, None).unwrap();
            plain += recall(&truth, &ann.search(&query, 10, None).unwrap());
            let truth = exact.search(&query, 10, Some(&keep)).unwrap();
            let found = ann.search(&query, 10, Some(&keep)).unwrap();
            assert_eq!(found.len(), 10);
            filtered += recall(&truth, &found);
        }
        (plain / 30.0, filtered / 30.0)
    };
    let (plain, filtered) = recalls(&wide(4096, 8));
    assert!(plain >= 0.98, "recall {plain} with ef 4096");
    assert!(filtered <= 0.95, "filtered recall {filtered} with ef 8");
    let (plain, filtered) = recalls(&wide(8, 4096));
    assert!(plain <= 0.95, "recall {plain} with ef 8");
    assert!(filtered >= 0.98, "filtered recall {filtered} with ef 4096");
    // Out of range is refused.
    let options = AnnOptions {
        expansion_filtered: 4,
        ..AnnOptions::default()
    };
    assert!(matches!(
        AnnIndex::new(32, options),
        Err(MatchError::InvalidOption { .. })
    ));
}

#[test]
fn vectors_are_replaced_removed_saved_and_viewed() {
    let data = clustered(200, 16, 3);
    let mut ann = AnnIndex::new(16, AnnOptions::default()).unwrap();
    ann.add(data.view()).unwrap();
    let query = data.row(7).to_vec();
    assert_eq!(ann.search(&query, 1, None).unwrap()[0].0, 7);
    // Position 7 now holds row 8's vector; position 8 is removed.
    ann.set(7, data.row(8).as_slice().unwrap()).unwrap();
    assert!(ann.remove(8).unwrap());
    assert!(!ann.remove(8).unwrap());
    let hit = ann
        .search(data.row(8).as_slice().unwrap(), 1, None)
        .unwrap()[0];
    assert_eq!(hit.0, 7);
    assert!((hit.1 - 1.0).abs() < 1e-4, "{hit:?}");
    assert_eq!(ann.len(), 199);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ann.usearch");
    ann.save(&path).unwrap();
    for loaded in [
        AnnIndex::load(&path, 16, 200, AnnOptions::default()).unwrap(),
        AnnIndex::view(&path, 16, 200, AnnOptions::default()).unwrap(),
    ] {
        assert_eq!(loaded.len(), 199);
        assert_eq!(
            loaded.search(&query, 5, None).unwrap(),
            ann.search(&query, 5, None).unwrap()
        );
    }
    assert!(AnnIndex::load(&path, 8, 200, AnnOptions::default()).is_err());
    std::fs::write(&path, b"not an index").unwrap();
    assert!(AnnIndex::load(&path, 16, 200, AnnOptions::default()).is_err());
    // Bad input.
    assert!(matches!(
        ann.search(&[1.0; 3], 1, None),
        Err(MatchError::InvalidVector { .. })
    ));
    assert!(matches!(
        ann.set(1, &[f32::NAN; 16]),
        Err(MatchError::InvalidVector { .. })
    ));
    assert!(
        AnnIndex::new(
            16,
            AnnOptions {
                connectivity: 1,
                ..AnnOptions::default()
            }
        )
        .is_err()
    );
}

fn ranking(matcher: &Matcher, query: &str, search: SearchMode, filter: JobFilter) -> Vec<String> {
    let options = RecommendOptions::default()
        .with_top_k(5)
        .with_explain(false)
        .with_hybrid(None)
        .with_search(search)
        .with_filter(filter);
    matcher
        .recommend(query, &options)
        .unwrap()
        .into_iter()
        .map(|rec| rec.job.id)
        .collect()
}

#[test]
fn a_job_index_searches_through_its_approximate_index_and_keeps_it_live() {
    let embedder = Arc::new(tiny_embedder("tiny-a"));
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    let options = IndexOptions::default()
        .with_progress(ProgressMode::Never)
        .with_ann(AnnMode::Always);
    let index = Arc::new(JobIndex::build(catalog.clone(), &embedder, &options).unwrap());
    assert!(index.has_ann());
    let matcher = Matcher::from_index(Arc::clone(&index), Arc::clone(&embedder)).unwrap();
    let remote = JobFilter::new().with_metadata("remote", "yes");
    for query in ["nurse", "data engineer with python and spark pipelines"] {
        for filter in [JobFilter::new(), remote.clone()] {
            if filter == remote
                && catalog
                    .jobs()
                    .iter()
                    .all(|job| !job.metadata.contains_key("remote"))
            {
                continue;
            }
            assert_eq!(
                ranking(&matcher, query, SearchMode::Ann, filter.clone()),
                ranking(&matcher, query, SearchMode::Exact, filter),
                "{query}"
            );
        }
    }
    // Changes reach the approximate index. The tiny model's weights are
    // random, so the query is the new job's own vector (the nearest to
    // itself whatever the weights), not words that should mean a welder.
    let welder = Job::new("w1", "Welder").with_description("Welds steel frames.");
    let text = JobFields::default().text(&welder);
    let own = embedder
        .embed_passages(&[text.as_str()])
        .unwrap()
        .row(0)
        .to_vec();
    let nearest = |mode: SearchMode| -> Vec<String> {
        index
            .search(&SearchRequest {
                queries: std::slice::from_ref(&own),
                name_queries: &[],
                k: 5,
                filter: &JobFilter::new(),
                name_weight: 0.0,
                mode,
            })
            .unwrap()
            .into_iter()
            .map(|hit| hit.job.id.clone())
            .collect()
    };
    index.upsert(vec![welder], &embedder).unwrap();
    assert_eq!(nearest(SearchMode::Ann)[0], "w1");
    assert_eq!(nearest(SearchMode::Ann), nearest(SearchMode::Exact));
    index.delete(&["w1".to_string()]).unwrap();
    assert!(!nearest(SearchMode::Ann).contains(&"w1".to_string()));
    assert_eq!(nearest(SearchMode::Ann), nearest(SearchMode::Exact));

    // Saved with the snapshot, replayed with the log, checked on load.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    drop(matcher);
    let index = Arc::into_inner(index).unwrap();
    index.save(&path).unwrap();
    assert!(path.join("ann-jobs.usearch").is_file());
    assert!(path.join("ann-names.usearch").is_file());
    index
        .upsert(
            vec![Job::new("c9", "Chef").with_description("Cooks meals.")],
            &embedder,
        )
        .unwrap();
    drop(index);
    let loaded = JobIndex::load(&path).unwrap();
    assert!(loaded.has_ann());
    let matcher = Matcher::new(loaded, Arc::clone(&embedder)).unwrap();
    assert_eq!(
        ranking(
            &matcher,
            "chef cooks meals",
            SearchMode::Ann,
            JobFilter::new()
        ),
        ranking(
            &matcher,
            "chef cooks meals",
            SearchMode::Exact,
            JobFilter::new()
        )
    );
    drop(matcher);
    let file = path.join("ann-jobs.usearch");
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let error = JobIndex::load(&path).unwrap_err();
    assert!(error.to_string().contains("ann-jobs.usearch"), "{error}");

    // Without an approximate index, asking for one is an error that says what to do.
    let plain = JobIndex::build(
        catalog,
        &embedder,
        &IndexOptions::default()
            .with_progress(ProgressMode::Never)
            .with_ann(AnnMode::Never),
    )
    .unwrap();
    let matcher = Matcher::new(plain, Arc::clone(&embedder)).unwrap();
    let options = RecommendOptions::default()
        .with_search(SearchMode::Ann)
        .with_explain(false);
    let error = matcher.recommend("nurse", &options).unwrap_err();
    assert!(matches!(error, MatchError::Unsupported { .. }), "{error}");
}

#[test]
fn a_filter_keeping_thousands_of_jobs_is_scored_exactly_in_blocks() {
    // 20,000 jobs and a filter keeping 10,000 of them: past the size from
    // which the kept jobs are scored in parallel blocks, under the size that
    // `auto` scores exactly. The reference is a plain loop over the rows.
    let (rows, dim) = (20_000, 16);
    let data = clustered(rows, dim, 31);
    let queries = clustered(5, dim, 32);
    let jobs: Vec<Job> = (0..rows)
        .map(|i| Job::new(format!("j{i}"), "job").with_metadata("half", (i % 2).to_string()))
        .collect();
    let mut exact = ExactIndex::new(dim).unwrap();
    exact.add(data.view()).unwrap();
    let identity = tiny_embedder("blocks").identity().clone();
    let mut index = JobIndex::from_parts(
        Catalog::from_jobs(jobs).unwrap(),
        exact,
        identity,
        JobFields::default(),
    )
    .unwrap();
    index
        .set_ann(AnnMode::Always, AnnOptions::default())
        .unwrap();
    let filter = JobFilter::new().with_metadata("half", "1");
    for query in queries.rows() {
        let query = query.to_vec();
        let mut truth: Vec<(f64, usize)> = (0..rows)
            .filter(|i| i % 2 == 1)
            .map(|i| {
                let score = data
                    .row(i)
                    .iter()
                    .zip(&query)
                    .map(|(a, b)| f64::from(*a) * f64::from(*b))
                    .sum();
                (score, i)
            })
            .collect();
        truth.sort_by(|a, b| b.0.total_cmp(&a.0));
        for mode in [SearchMode::Exact, SearchMode::Auto] {
            let hits = index
                .search(&SearchRequest {
                    queries: std::slice::from_ref(&query),
                    name_queries: &[],
                    k: 10,
                    filter: &filter,
                    name_weight: 0.0,
                    mode,
                })
                .unwrap();
            let ids: Vec<String> = hits.iter().map(|hit| hit.job.id.clone()).collect();
            let expected: Vec<String> = truth[..10].iter().map(|(_, i)| format!("j{i}")).collect();
            assert_eq!(ids, expected, "{mode:?}");
            for (hit, (score, _)) in hits.iter().zip(&truth) {
                assert!((f64::from(hit.score) - score).abs() < 1e-5);
            }
        }
    }
}
