//! The job routes: put, get and delete one job, batches of JSON lines with
//! bad lines, and changes on disk before they are acknowledged.

use jobfit_match::JobIndex;
use jobfit_serve::ServeConfig;
use serde_json::json;

use crate::common::{READER_KEY, Reply, TestServer, live_matcher, logs, tiny_embedder};

const WELDER: &str = r#"{"title": "Welder", "description": "Weld steel frames with MIG and TIG.", "skills": ["Welding"], "salary_min": 30000}"#;

fn put(server: &TestServer, id: &str, body: &str) -> Reply {
    server.call(
        "PUT",
        &format!("/v1/jobs/{id}"),
        "application/json",
        body.as_bytes(),
    )
}

fn batch(server: &TestServer, lines: &str) -> Reply {
    server.call(
        "POST",
        "/v1/jobs:batch",
        "application/x-ndjson",
        lines.as_bytes(),
    )
}

fn ready_jobs(server: &TestServer) -> serde_json::Value {
    let ready = server.call_as(None, "GET", "/readyz", "", b"");
    assert_eq!(ready.status, 200, "{}", ready.text());
    ready.json()["jobs"].clone()
}

#[test]
fn put_get_delete_then_get_is_404() {
    let server = TestServer::start(ServeConfig::default());
    let reply = put(&server, "welder", WELDER);
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json(), json!({ "id": "welder", "result": "added" }));
    let got = server.call_as(Some(READER_KEY), "GET", "/v1/jobs/welder", "", b"");
    assert_eq!(got.status, 200, "{}", got.text());
    let job = got.json();
    assert_eq!(
        (&job["id"], &job["title"], &job["skills"]),
        (&json!("welder"), &json!("Welder"), &json!(["Welding"]))
    );
    assert_eq!(ready_jobs(&server), 9);
    // The same job again changes nothing; another description is embedded again.
    let reply = put(&server, "welder", WELDER);
    assert_eq!(
        (reply.status, reply.json()["result"].clone()),
        (200, json!("unchanged"))
    );
    let reply = put(
        &server,
        "welder",
        r#"{"title": "Welder", "description": "Weld pipes on offshore platforms."}"#,
    );
    assert_eq!(
        (reply.status, reply.json()["result"].clone()),
        (200, json!("updated"))
    );
    // Recommendations see it at once (top_k above the catalog size: every job).
    let reply = server.post_json(
        "/v1/recommend",
        &json!({ "resume": "welding pipes offshore", "top_k": 50 }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let ids: Vec<String> = reply.json()["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["job"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"welder".to_string()), "{ids:?}");
    let reply = server.call("DELETE", "/v1/jobs/welder", "", b"");
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(reply.body.is_empty());
    let gone = server.call("GET", "/v1/jobs/welder", "", b"");
    assert_eq!((gone.status, gone.code().as_str()), (404, "job_not_found"));
    let again = server.call("DELETE", "/v1/jobs/welder", "", b"");
    assert_eq!(
        (again.status, again.code().as_str()),
        (404, "job_not_found")
    );
    assert_eq!(ready_jobs(&server), 8);
}

#[test]
fn the_path_id_is_used_or_must_match_and_bad_jobs_are_refused() {
    let server = TestServer::start(ServeConfig::default());
    let reply = put(
        &server,
        "w1",
        r#"{"id": "w1", "title": "Welder", "description": "Welds."}"#,
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let reply = put(&server, "7", r#"{"id": 7, "title": "Seventh"}"#);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let expect = |reply: Reply, status: u16, code: &str| {
        assert_eq!(
            (reply.status, reply.code().as_str()),
            (status, code),
            "{}",
            reply.text()
        );
    };
    expect(
        put(&server, "w1", r#"{"id": "w2", "title": "Welder"}"#),
        422,
        "id_mismatch",
    );
    expect(
        put(&server, "w3", r#"{"description": "no title"}"#),
        422,
        "invalid_job",
    );
    expect(
        put(&server, "w3", r#"{"title": "   "}"#),
        422,
        "invalid_job",
    );
    expect(put(&server, "w3", r#"["Welder"]"#), 422, "invalid_job");
    expect(
        put(&server, "w3", r#"{"title": "Welder""#),
        400,
        "malformed_json",
    );
    expect(
        put(
            &server,
            "w3",
            r#"{"title": "Welder", "salary_min": "lots"}"#,
        ),
        422,
        "invalid_job",
    );
    let garbage = json!({ "title": "x", "description": "\u{1}\u{2}\u{3}\u{4}".repeat(100) });
    expect(
        put(&server, "w3", &garbage.to_string()),
        422,
        "garbage_text",
    );
    expect(
        server.call("PUT", "/v1/jobs/w3", "text/plain", WELDER.as_bytes()),
        415,
        "unsupported_media_type",
    );
    expect(
        server.call(
            "PUT",
            "/v1/jobs/w3",
            "application/json",
            b"{\"title\": \"\xff\"}",
        ),
        400,
        "invalid_utf8",
    );
    // Nothing refused was stored.
    let missing = server.call("GET", "/v1/jobs/w3", "", b"");
    assert_eq!(missing.status, 404);
    assert_eq!(ready_jobs(&server), 10);
}

#[test]
fn a_batch_with_bad_lines_applies_the_good_ones() {
    let server = TestServer::start(ServeConfig::default());
    let nurse = server.call("GET", "/v1/jobs/nurse", "", b"").json();
    let lines = [
        r#"{"id": "b1", "title": "Butcher", "description": "Cuts meat."}"#.to_string(),
        r#"{"id": "b2", "title": "Broken"#.to_string(),
        r#"{"id": "b3"}"#.to_string(),
        String::new(),
        r#"{"id": "a/b", "title": "Slash"}"#.to_string(),
        r#"{"id": "b4", "title": "Bricklayer", "skills": ["Masonry"]}"#.to_string(),
        r#"{"id": "b1", "title": "Butcher again"}"#.to_string(),
        r#"["not", "an", "object"]"#.to_string(),
        nurse.to_string(),
        r#"{"id": "rust", "title": "Rust Engineer", "description": "Writes async Rust."}"#
            .to_string(),
    ]
    .join("\n");
    let reply = batch(&server, &lines);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(
        (
            &body["added"],
            &body["updated"],
            &body["unchanged"],
            &body["failed"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(5)),
        "{body}"
    );
    let errors: Vec<(u64, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (2, "malformed_json".to_string()),
            (3, "invalid_job".to_string()),
            (5, "invalid_job_id".to_string()),
            (7, "duplicate_id".to_string()),
            (8, "invalid_job".to_string()),
        ]
    );
    assert_eq!(body["errors"][1]["id"], "b3");
    let first = server.call("GET", "/v1/jobs/b1", "", b"").json();
    assert_eq!(first["title"], "Butcher");
    assert_eq!(server.call("GET", "/v1/jobs/b4", "", b"").status, 200);
    assert_eq!(server.call("GET", "/v1/jobs/b3", "", b"").status, 404);
    assert_eq!(
        server.call("GET", "/v1/jobs/rust", "", b"").json()["title"],
        "Rust Engineer"
    );
    assert_eq!(ready_jobs(&server), 10);
}

#[test]
fn batch_limits() {
    let mut config = ServeConfig::default();
    config.limits.max_jobs_per_batch = 2;
    let server = TestServer::start(config);
    let three = (0..3)
        .map(|i| format!(r#"{{"id": "x{i}", "title": "Job {i}"}}"#))
        .collect::<Vec<_>>()
        .join("\n");
    let reply = batch(&server, &three);
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (413, "too_many_jobs")
    );
    assert_eq!(server.call("GET", "/v1/jobs/x0", "", b"").status, 404);
    let reply = batch(&server, "\n  \n");
    assert_eq!((reply.status, reply.code().as_str()), (422, "no_jobs"));
    let reply = server.call("POST", "/v1/jobs:batch", "text/csv", b"id,title\n1,a\n");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (415, "unsupported_media_type")
    );
    // Two lines fit; application/json is taken as JSON lines too.
    let two =
        "{\"id\": \"x0\", \"title\": \"Job 0\"}\r\n{\"id\": \"x1\", \"title\": \"Job 1\"}\r\n";
    let reply = server.call("POST", "/v1/jobs:batch", "application/json", two.as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["added"], 2);
}

#[test]
fn acknowledged_changes_are_on_disk_before_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let index_dir = dir.path().join("index");
    let server = TestServer::start_with(
        ServeConfig::default(),
        live_matcher(tiny_embedder(), &index_dir),
    );
    assert_eq!(put(&server, "welder", WELDER).status, 201);
    let reply = batch(
        &server,
        "{\"id\": \"b1\", \"title\": \"Butcher\"}\n{\"id\": \"b2\", \"title\": \"Bricklayer\"}\n",
    );
    assert_eq!(reply.json()["added"], 2, "{}", reply.text());
    assert_eq!(server.call("DELETE", "/v1/jobs/nurse", "", b"").status, 204);
    // Read the directory while the server still runs: the change log holds
    // every acknowledged change.
    let check = |index: &JobIndex| {
        assert_eq!(index.len(), 10);
        assert_eq!(index.get("welder").unwrap().title, "Welder");
        assert!(index.get("b1").is_some() && index.get("b2").is_some());
        assert!(index.get("nurse").is_none());
    };
    check(&JobIndex::load(&index_dir).unwrap());
    let log_bytes = || {
        std::fs::metadata(index_dir.join("changes.log"))
            .map(|meta| meta.len())
            .unwrap_or(0)
    };
    let before = log_bytes();
    // A graceful stop folds the log into a new snapshot.
    server.stop();
    assert!(logs().contains("store flushed"), "no flush logged");
    assert!(log_bytes() < before, "the change log was not folded");
    check(&JobIndex::load(&index_dir).unwrap());
}
