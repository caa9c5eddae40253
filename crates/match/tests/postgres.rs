//! The PostgreSQL store against a real server (PostgreSQL 18 with pgvector):
//! the same rankings as the embedded index, filters pushed down as SQL,
//! changes in transactions, a streaming replica, and bad setups refused.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jobfit_match::{
    Catalog, Fusion, IndexOptions, JobFilter, JobIndex, JobStore, LocationFilter, MatchError,
    Matcher, PgOptions, PgStore, ProgressMode, RecommendOptions, SearchMode,
};
use jobfit_pgtest::PgServer;
use jobfit_text::{Job, SalaryRange};

use crate::common::{fixture, tiny_embedder};

fn catalog() -> Catalog {
    let mut jobs = Catalog::from_jsonl(fixture("jobs.jsonl"))
        .unwrap()
        .jobs()
        .to_vec();
    // Filterable fields on some jobs.
    for (i, job) in jobs.iter_mut().enumerate() {
        if i % 2 == 0 {
            job.location = Some(format!("Berlin {i}"));
            job.metadata.insert("remote".into(), " Yes ".into());
        } else {
            job.location = Some("Paris".into());
            job.salary = Some(SalaryRange::new(Some(40_000.0 + i as f64 * 5_000.0), None).unwrap());
        }
    }
    Catalog::from_jobs(jobs).unwrap()
}

fn options(schema: &str) -> PgOptions {
    PgOptions {
        schema: schema.into(),
        ..PgOptions::default()
    }
}

fn ids(matcher: &Matcher, query: &str, recommend: &RecommendOptions) -> Vec<String> {
    matcher
        .recommend(query, recommend)
        .unwrap()
        .into_iter()
        .map(|rec| rec.job.id)
        .collect()
}

#[test]
fn postgres_ranks_filters_and_changes_like_the_embedded_index() {
    let Some(server) = PgServer::for_tests() else {
        return;
    };
    let embedder = Arc::new(tiny_embedder("tiny-a"));
    let url = server.url("postgres");
    let store = PgStore::open(&url, None, embedder.identity(), &options("ranks")).unwrap();
    let report = store.upsert(catalog().jobs().to_vec(), &embedder).unwrap();
    assert_eq!(report.added, catalog().len());
    assert_eq!(store.len().unwrap(), catalog().len());
    let store: Arc<dyn JobStore> = Arc::new(store);
    let pg = Matcher::from_store(Arc::clone(&store), Arc::clone(&embedder)).unwrap();
    let index = JobIndex::build(
        catalog(),
        &embedder,
        &IndexOptions::default().with_progress(ProgressMode::Never),
    )
    .unwrap();
    let embedded = Matcher::new(index, Arc::clone(&embedder)).unwrap();
    let base = RecommendOptions::default()
        .with_top_k(8)
        .with_explain(false)
        .with_hybrid(None);
    let filters = [
        JobFilter::new(),
        JobFilter::new().with_metadata("remote", "yes"),
        JobFilter::new().with_location(LocationFilter::Contains("berlin".into())),
        JobFilter::new().with_location(LocationFilter::Equals(" PARIS ".into())),
        JobFilter::new().with_salary(Some(55_000.0), None),
    ];
    for filter in filters {
        for query in [
            "nurse",
            "data engineer python pipelines",
            "cook in a restaurant kitchen",
        ] {
            for mode in [SearchMode::Auto, SearchMode::Exact] {
                let options = base.clone().with_filter(filter.clone()).with_search(mode);
                assert_eq!(
                    ids(&pg, query, &options),
                    ids(&embedded, query, &options),
                    "{query} with {filter:?} ({mode:?})"
                );
            }
        }
    }
    // Scores and the matched name agree too.
    let from_pg = pg.recommend("nurse", &base).unwrap();
    let from_index = embedded.recommend("nurse", &base).unwrap();
    for (a, b) in from_pg.iter().zip(&from_index) {
        assert!((a.score - b.score).abs() < 1e-5);
        assert_eq!(a.matched_name, b.matched_name);
    }
    // A filter on a field no job has is refused, as by the embedded index.
    let unknown = base
        .clone()
        .with_filter(JobFilter::new().with_metadata("team", "x"));
    assert!(matches!(
        pg.recommend("nurse", &unknown),
        Err(MatchError::UnknownFilterField { .. })
    ));
    // Hybrid scoring of long queries: BM25 in SQL ranks as the embedded index's.
    let resume = "Registered nurse with six years of patient care in a hospital ICU. \
        Gave medication, monitored patients and trained new staff. Before that I built data \
        pipelines in Python and SQL for a finance team, and cooked in a restaurant kitchen. \
        Skills: patient care, medication administration, python, sql, docker, kubernetes.";
    assert!(resume.split_whitespace().count() > 32, "a long query");
    for fusion in [
        Fusion::Rrf { k: 60.0 },
        Fusion::Weighted { dense_weight: 0.8 },
    ] {
        for filter in [
            JobFilter::new(),
            JobFilter::new().with_metadata("remote", "yes"),
        ] {
            let options = base.clone().with_hybrid(Some(fusion)).with_filter(filter);
            let a = pg.recommend(resume, &options).unwrap();
            let b = embedded.recommend(resume, &options).unwrap();
            let ids = |recs: &[jobfit_match::Recommendation]| -> Vec<String> {
                recs.iter().map(|rec| rec.job.id.clone()).collect()
            };
            assert_eq!(ids(&a), ids(&b), "{fusion:?}");
            for (a, b) in a.iter().zip(&b) {
                assert!(
                    (a.score - b.score).abs() < 1e-4,
                    "{fusion:?}: {} vs {}",
                    a.score,
                    b.score
                );
                match (a.scores.lexical, b.scores.lexical) {
                    (Some(x), Some(y)) => assert!((x - y).abs() < 1e-3, "bm25 {x} vs {y}"),
                    (x, y) => assert_eq!(x, y),
                }
            }
        }
    }

    // Changes: an update re-embeds, an unchanged job is not, a delete removes.
    let mut jobs = catalog().jobs().to_vec();
    jobs[0].description = "Welds steel frames.".into();
    let report = store.upsert(jobs[..2].to_vec(), &embedder).unwrap();
    assert_eq!((report.added, report.updated, report.unchanged), (0, 1, 1));
    assert_eq!(
        store.get(&jobs[0].id).unwrap().unwrap().description,
        "Welds steel frames."
    );
    let report = store
        .delete(&[jobs[1].id.clone(), "missing".into()])
        .unwrap();
    assert_eq!((report.deleted, report.missing), (1, 1));
    assert!(store.get(&jobs[1].id).unwrap().is_none());
    assert!(!ids(&pg, "nurse", &base).contains(&jobs[1].id));
    store.check_ready().unwrap();

    // Opening the schema with another model is refused.
    let other = tiny_embedder("tiny-b");
    let error = PgStore::open(&url, None, other.identity(), &options("ranks")).unwrap_err();
    assert!(matches!(error, MatchError::ModelMismatch { .. }), "{error}");
    // So is upserting with it into an open store.
    let error = store
        .upsert(vec![Job::new("x", "Cook")], &other)
        .unwrap_err();
    assert!(matches!(error, MatchError::ModelMismatch { .. }), "{error}");
}

#[test]
fn a_job_upserted_on_the_primary_is_recommended_from_a_replica() {
    let Some(primary) = PgServer::for_tests() else {
        return;
    };
    let replica = primary.start_replica().unwrap();
    let embedder = Arc::new(tiny_embedder("tiny-a"));
    let url = primary.url("postgres");
    let writer = PgStore::open(&url, None, embedder.identity(), &options("replicated")).unwrap();
    writer.upsert(catalog().jobs().to_vec(), &embedder).unwrap();
    let reader: Arc<dyn JobStore> = Arc::new(
        PgStore::open(
            &url,
            Some(&replica.url("postgres")),
            embedder.identity(),
            &options("replicated"),
        )
        .unwrap(),
    );
    let matcher = Matcher::from_store(Arc::clone(&reader), Arc::clone(&embedder)).unwrap();
    let welder = Job::new("welder-1", "Welder").with_description("Welds steel frames.");
    writer.upsert(vec![welder], &embedder).unwrap();
    let options = RecommendOptions::default()
        .with_top_k(20)
        .with_explain(false)
        .with_hybrid(None);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // The replica may not have replayed the schema yet: an error is a "not yet".
        let found = matcher
            .recommend("welder", &options)
            .map(|recs| recs.into_iter().map(|rec| rec.job.id).collect::<Vec<_>>());
        if found
            .as_ref()
            .is_ok_and(|found| found.contains(&"welder-1".to_string()))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never served the new job: {found:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Writes through a store with a replica still go to the primary.
    reader.delete(&["welder-1".to_string()]).unwrap();
    assert!(writer.get("welder-1").unwrap().is_none());
}

#[test]
fn bad_setups_get_errors_that_say_what_to_do() {
    let Some(server) = PgServer::for_tests() else {
        return;
    };
    let embedder = tiny_embedder("tiny-a");
    // Nobody listens there.
    let error = PgStore::open(
        "host=/nonexistent/socket user=postgres dbname=postgres",
        None,
        embedder.identity(),
        &PgOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, MatchError::Store { .. }), "{error}");
    assert!(error.to_string().contains("cannot connect"), "{error}");
    // Not a URL.
    let error = PgStore::open(
        "postgres://[",
        None,
        embedder.identity(),
        &PgOptions::default(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("not a PostgreSQL URL"),
        "{error}"
    );
    // A database without the vector extension, and a user that may not create it.
    server.create_db("plain").unwrap();
    let admin = postgres_client(&server.url("plain"));
    drop(admin);
    let mut admin = postgres_client(&server.url("postgres"));
    admin
        .batch_execute("CREATE ROLE app LOGIN; GRANT CREATE ON DATABASE plain TO app;")
        .unwrap();
    let app_url = format!(
        "host={} user=app dbname=plain",
        server.socket_dir().display()
    );
    let error =
        PgStore::open(&app_url, None, embedder.identity(), &PgOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("vector extension"), "{message}");
    assert!(message.contains("superuser"), "{message}");
    // A schema written by another jobfit layout.
    let url = server.url("postgres");
    admin
        .batch_execute(
            "CREATE SCHEMA future; CREATE TABLE future.meta (key text PRIMARY KEY, value jsonb); \
             INSERT INTO future.meta VALUES ('store', '{\"schema_version\": 99}');",
        )
        .unwrap();
    let error = PgStore::open(&url, None, embedder.identity(), &options("future")).unwrap_err();
    assert!(error.to_string().contains("schema version"), "{error}");
}

fn postgres_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}
