//! The service over PostgreSQL while the database goes away and comes back:
//! readiness and requests answer 503 `store_unavailable` (never a crash),
//! and both recover when the server returns. Skipped (with a message) where
//! PostgreSQL is not installed (`scripts/postgres.sh install`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use jobfit_match::{Catalog, JobStore, Matcher, PgOptions, PgStore};
use jobfit_pgtest::PgServer;
use jobfit_serve::ServeConfig;
use serde_json::json;

use crate::common::{TestServer, fixture, tiny_embedder};

#[test]
fn while_postgresql_is_down_requests_answer_503_and_readiness_recovers() {
    let Some(mut pg) = PgServer::for_tests() else {
        return;
    };
    pg.create_db("serve").unwrap();
    let url = pg.url("serve");
    let embedder = Arc::new(tiny_embedder());
    let store = PgStore::open(&url, None, embedder.identity(), &PgOptions::default()).unwrap();
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).unwrap();
    store.upsert(catalog.jobs().to_vec(), &embedder).unwrap();
    let matcher = Matcher::from_store(Arc::new(store), embedder).unwrap();
    let server = TestServer::start_with(ServeConfig::default(), matcher);

    let ready = server.call_as(None, "GET", "/readyz", "", b"");
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(ready.json()["jobs"], 8);
    let job = br#"{"title": "Welder", "description": "Weld steel frames."}"#;
    let put = server.call("PUT", "/v1/jobs/welder", "application/json", job);
    assert_eq!(put.status, 201, "{}", put.text());
    let resume = json!({ "resume": "Registered nurse in the ICU, patient care and medication." });
    assert_eq!(server.post_json("/v1/recommend", &resume).status, 200);

    pg.stop();
    let expect_down = |method: &str, path: &str, body: &[u8]| {
        let reply = server.call(method, path, "application/json", body);
        assert_eq!(
            (reply.status, reply.code().as_str()),
            (503, "store_unavailable"),
            "{method} {path}: {}",
            reply.text()
        );
        assert!(reply.header("retry-after").is_some());
        // The message names the store without its password, and what to do.
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("PostgreSQL")
        );
    };
    let ready = server.call_as(None, "GET", "/readyz", "", b"");
    assert_eq!(
        (ready.status, ready.code().as_str()),
        (503, "store_unavailable"),
        "{}",
        ready.text()
    );
    expect_down("POST", "/v1/recommend", resume.to_string().as_bytes());
    expect_down("GET", "/v1/jobs/welder", b"");
    expect_down("PUT", "/v1/jobs/welder2", job);
    expect_down("DELETE", "/v1/jobs/welder", b"");
    expect_down(
        "POST",
        "/v1/jobs:batch",
        b"{\"id\": \"b1\", \"title\": \"Butcher\"}\n",
    );
    expect_down(
        "POST",
        "/v1/screen",
        json!({ "job_id": "nurse", "resumes": [{ "id": "a", "text": "nurse" }] })
            .to_string()
            .as_bytes(),
    );
    // The process still serves what needs no store.
    assert_eq!(server.call_as(None, "GET", "/healthz", "", b"").status, 200);
    assert_eq!(server.call_as(None, "GET", "/metrics", "", b"").status, 200);

    pg.restart().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = server.call_as(None, "GET", "/readyz", "", b"");
        if ready.status == 200 {
            assert_eq!(ready.json()["jobs"], 9);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready a minute after PostgreSQL returned: {}",
            ready.text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Acknowledged before the outage, present after it; nothing refused
    // during it was applied.
    let got = server.call("GET", "/v1/jobs/welder", "", b"");
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(server.call("GET", "/v1/jobs/welder2", "", b"").status, 404);
    assert_eq!(server.post_json("/v1/recommend", &resume).status, 200);
}
