//! The routes, the OpenAPI document, request ids, logs, metrics, the rate
//! limit and the graceful shutdown.

use std::collections::BTreeSet;

use jobfit_serve::{OPENAPI, ROUTES, ServeConfig};
use serde_json::json;

use crate::common::{READER_KEY, TestServer, WRITER_KEY, logs, multipart, request};
use crate::documents::{docx, pdf};

const NURSE: &str = "Registered nurse with six years in intensive care: patient care, \
                     medication administration, monitoring patients in the hospital ICU.";

#[test]
fn recommend_takes_text_and_files() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.post_json("/v1/recommend", &json!({ "resume": NURSE, "top_k": 3 }));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    let recommendations = body["recommendations"].as_array().unwrap();
    assert_eq!(recommendations.len(), 3);
    for (rank, recommendation) in recommendations.iter().enumerate() {
        assert_eq!(recommendation["rank"], rank + 1);
        assert!(recommendation["job"]["id"].is_string());
        assert!(recommendation["score"].is_number());
        assert!(recommendation["matched_skills"].is_array());
    }
    assert_eq!(body["model"], "tiny");
    // The same text as a PDF and as a DOCX gets the same ranking as the text.
    let ids = |body: &serde_json::Value| -> Vec<String> {
        body["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["job"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let options = br#"{"top_k": 3, "explain": false}"#;
    let text_ids = ids(&server
        .post_json(
            "/v1/recommend",
            &json!({ "resume": NURSE, "top_k": 3, "explain": false }),
        )
        .json());
    for file in [docx(&[NURSE]), pdf(&[NURSE])] {
        let (content_type, body) =
            multipart(&[("resume", Some("cv"), &file), ("options", None, options)]);
        let reply = server.call("POST", "/v1/recommend", &content_type, &body);
        assert_eq!(reply.status, 200, "{}", reply.text());
        let recommendations = reply.json();
        assert_eq!(
            recommendations["recommendations"].as_array().unwrap().len(),
            3
        );
        assert!(recommendations["recommendations"][0]["evidence"].is_null());
        assert_eq!(ids(&recommendations), text_ids);
    }
    let filtered = server.post_json(
        "/v1/recommend",
        &json!({ "resume": NURSE, "filter": { "metadata": { "remote": "yes" } } }),
    );
    assert_eq!(filtered.status, 200, "{}", filtered.text());
    for recommendation in filtered.json()["recommendations"].as_array().unwrap() {
        assert_eq!(recommendation["job"]["metadata"]["remote"], "yes");
    }
}

#[test]
fn screen_ranks_texts_and_files_and_audits() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.post_json(
        "/v1/screen",
        &json!({
            "job_id": "nurse",
            "resumes": [
                { "id": "a", "text": NURSE, "metadata": { "group": "x" } },
                { "id": "b", "text": "Backend developer writing Rust on Kubernetes.", "metadata": { "group": "y" } },
            ],
            "top_k": 1,
            "redact": true,
            "group_key": "group",
        }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["job_id"], "nurse");
    assert_eq!(body["screened"], 2);
    assert_eq!(body["redacted"], true);
    assert_eq!(body["candidates"].as_array().unwrap().len(), 1);
    assert!(body["audit"].is_object());
    let (content_type, multipart_body) = multipart(&[
        ("job_id", None, b"rust"),
        ("resume", Some("one.docx"), &docx(&[NURSE])),
        (
            "resume",
            Some("two.pdf"),
            &pdf(&["Rust developer, Docker, Kubernetes"]),
        ),
    ]);
    let reply = server.call("POST", "/v1/screen", &content_type, &multipart_body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let ids: BTreeSet<String> = reply.json()["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resume_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from(["one.docx".to_string(), "two.pdf".to_string()])
    );
    // An inline job.
    let reply = server.post_json(
        "/v1/screen",
        &json!({ "job": { "id": "j", "title": "Baker" }, "resumes": [{ "id": "a", "text": NURSE }] }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn jobs_health_readiness_and_metrics() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.call_as(Some(READER_KEY), "GET", "/v1/jobs/nurse", "", b"");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["title"], "Registered Nurse");
    let missing = server.call("GET", "/v1/jobs/nobody", "", b"");
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "job_not_found")
    );
    let health = server.call_as(None, "GET", "/healthz", "", b"");
    assert_eq!(health.status, 200);
    let ready = server.call_as(None, "GET", "/readyz", "", b"");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["jobs"], 8);
    server.post_json("/v1/recommend", &json!({ "resume": NURSE }));
    server.post_json("/v1/recommend", &json!({ "resume": "" }));
    let metrics = server.call_as(None, "GET", "/metrics", "", b"");
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    assert!(
        text.contains("jobfit_http_requests_total{route=\"/v1/recommend\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("jobfit_http_requests_total{route=\"/v1/recommend\",status=\"422\"} 1"),
        "{text}"
    );
    assert!(text.contains("jobfit_http_request_duration_seconds_count{route=\"/v1/recommend\"} 2"));
    assert!(text.contains("jobfit_catalog_jobs 8"));
    assert!(text.contains("jobfit_embed_batch_size_count"));
    assert!(text.contains("jobfit_http_requests_in_flight"));
}

#[test]
fn the_openapi_document_describes_exactly_the_routes() {
    let spec: serde_json::Value = serde_json::from_str(OPENAPI).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                documented.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    assert_eq!(documented, routes);
    // Every error code the document lists is a string; the server answers
    // each documented route, and no other method on its path.
    let server = TestServer::start(ServeConfig::default());
    let served = server.call_as(None, "GET", "/openapi.json", "", b"");
    assert_eq!(served.json(), spec);
    for (method, path) in &routes {
        let concrete = path.replace("{id}", "nurse");
        let reply = server.call(method, &concrete, "application/json", b"{}");
        // A 404 of the route itself says `not_found`; a missing job (after
        // the DELETE) says `job_not_found`.
        assert!(
            reply.status != 405 && !(reply.status == 404 && reply.code() == "not_found"),
            "{method} {path}: {} {}",
            reply.status,
            reply.text()
        );
        for other in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if routes.contains(&(other.to_string(), path.clone())) {
                continue;
            }
            let reply = server.call(other, &concrete, "application/json", b"{}");
            assert_eq!(
                reply.status, 405,
                "{other} {path} is undocumented but answered"
            );
            assert_eq!(reply.code(), "method_not_allowed");
        }
    }
    let unknown = server.call("GET", "/v2/nothing", "", b"");
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "not_found")
    );
}

#[test]
fn request_ids_are_echoed_and_logs_hold_no_resume_or_key() {
    let server = TestServer::start(ServeConfig::default());
    let marker = "Zyxwvut Qponmlk";
    let reply = request(
        server.addr,
        "POST",
        "/v1/recommend",
        &[
            ("authorization", format!("Bearer {WRITER_KEY}").as_str()),
            ("content-type", "application/json"),
            ("x-request-id", "trace-42"),
        ],
        json!({ "resume": format!("{NURSE} {marker}") })
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-request-id"), Some("trace-42"));
    let generated = server.call("GET", "/healthz", "", b"");
    let id = generated.header("x-request-id").unwrap();
    assert_eq!(id.len(), 16);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    // A request id that could forge log lines is replaced.
    let reply = request(
        server.addr,
        "GET",
        "/healthz",
        &[("x-request-id", "a\"b")],
        b"",
    )
    .unwrap();
    assert_ne!(reply.header("x-request-id"), Some("a\"b"));
    let logs = logs();
    let line = logs
        .lines()
        .find(|line| line.contains("\"request_id\":\"trace-42\""))
        .unwrap_or_else(|| panic!("no access log line: {logs}"));
    let entry: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(entry["key"], "writer");
    assert_eq!(entry["route"], "/v1/recommend");
    assert_eq!(entry["status"], 200);
    assert!(entry["latency_ms"].is_number());
    assert!(!logs.contains(marker), "resume text in the logs");
    assert!(
        !logs.contains(WRITER_KEY) && !logs.contains(READER_KEY),
        "a key in the logs"
    );
}

#[test]
fn the_rate_limit_answers_429_with_retry_after() {
    let mut config = ServeConfig::default();
    config.limits.rate_per_minute = 6;
    config.limits.rate_burst = 2;
    let server = TestServer::start(config);
    for _ in 0..2 {
        assert_eq!(server.call("GET", "/v1/jobs/nurse", "", b"").status, 200);
    }
    let limited = server.call("GET", "/v1/jobs/nurse", "", b"");
    assert_eq!(
        (limited.status, limited.code().as_str()),
        (429, "rate_limited")
    );
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    // Another key has its own budget; public routes have none.
    assert_eq!(
        server
            .call_as(Some(READER_KEY), "GET", "/v1/jobs/nurse", "", b"")
            .status,
        200
    );
    assert_eq!(server.call_as(None, "GET", "/healthz", "", b"").status, 200);
}

#[test]
fn after_sigterm_requests_get_503_then_the_listener_closes() {
    let mut config = ServeConfig::default();
    config.shutdown.drain_ms = 1500;
    let mut server = TestServer::start(config);
    assert_eq!(server.call_as(None, "GET", "/readyz", "", b"").status, 200);
    server.begin_shutdown();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(server.service.is_shutting_down());
    let ready = server.call_as(None, "GET", "/readyz", "", b"");
    assert_eq!(
        (ready.status, ready.code().as_str()),
        (503, "shutting_down")
    );
    let reply = server.post_json("/v1/recommend", &json!({ "resume": NURSE }));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (503, "shutting_down")
    );
    assert!(reply.header("retry-after").is_some());
    let addr = server.addr;
    server.stop();
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening"
    );
}
