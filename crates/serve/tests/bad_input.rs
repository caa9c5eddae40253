//! Each bad input gets a JSON error with a stable code, and the server keeps
//! serving afterwards.

use jobfit_serve::ServeConfig;
use serde_json::json;

use crate::common::{READER_KEY, Reply, TestServer, multipart};
use crate::documents::{docx_bomb, encrypted_pdf, pdf_with_page_count};

const RESUME: &str = "Registered nurse, six years of intensive care and patient care.";

/// Checks the answer, then that the server still serves.
fn expect(server: &TestServer, reply: Reply, status: u16, code: &str) {
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (status, code),
        "{}",
        reply.text()
    );
    assert!(reply.header("x-request-id").is_some());
    let after = server.post_json("/v1/recommend", &json!({ "resume": RESUME, "top_k": 1 }));
    assert_eq!(
        after.status,
        200,
        "the server stopped serving: {}",
        after.text()
    );
}

fn file(server: &TestServer, bytes: &[u8]) -> Reply {
    let (content_type, body) = multipart(&[("resume", Some("cv"), bytes)]);
    server.call("POST", "/v1/recommend", &content_type, &body)
}

#[test]
fn malformed_json() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.call(
        "POST",
        "/v1/recommend",
        "application/json",
        b"{\"resume\": ",
    );
    expect(&server, reply, 400, "malformed_json");
}

#[test]
fn wrong_content_type() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.call("POST", "/v1/recommend", "text/plain", RESUME.as_bytes());
    expect(&server, reply, 415, "unsupported_media_type");
    let reply = server.call("POST", "/v1/recommend", "", RESUME.as_bytes());
    expect(&server, reply, 415, "unsupported_media_type");
}

#[test]
fn body_over_the_limit() {
    let mut config = ServeConfig::default();
    config.limits.max_body_bytes = 64 * 1024;
    let server = TestServer::start(config);
    let big = json!({ "resume": "x ".repeat(40_000) }).to_string();
    let reply = server.call("POST", "/v1/recommend", "application/json", big.as_bytes());
    expect(&server, reply, 413, "body_too_large");
    let (content_type, body) =
        multipart(&[("resume", Some("cv.txt"), "y ".repeat(40_000).as_bytes())]);
    let reply = server.call("POST", "/v1/recommend", &content_type, &body);
    expect(&server, reply, 413, "body_too_large");
}

#[test]
fn invalid_utf8() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.call(
        "POST",
        "/v1/recommend",
        "application/json",
        b"{\"resume\": \"caf\xe9\"}",
    );
    expect(&server, reply, 400, "invalid_utf8");
    // A text file in a legacy encoding is refused as unreadable text, with
    // advice on converting it.
    let reply = file(&server, b"caf\xe9 au lait, nurse");
    expect(&server, reply, 422, "garbage_text");
}

#[test]
fn empty_resume() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.post_json("/v1/recommend", &json!({ "resume": "" }));
    expect(&server, reply, 422, "empty_resume");
    let reply = server.post_json("/v1/recommend", &json!({ "resume": " \n\t " }));
    expect(&server, reply, 422, "empty_resume");
    let reply = file(&server, b"");
    expect(&server, reply, 422, "empty_resume");
    let reply = server.post_json("/v1/recommend", &json!({ "top_k": 3 }));
    expect(&server, reply, 422, "invalid_request");
}

#[test]
fn resume_over_the_character_limit() {
    let mut config = ServeConfig::default();
    config.limits.max_resume_chars = 1000;
    let server = TestServer::start(config);
    let reply = server.post_json("/v1/recommend", &json!({ "resume": "a ".repeat(600) }));
    expect(&server, reply, 413, "resume_too_long");
}

#[test]
fn a_pdf_that_is_not_a_pdf() {
    let server = TestServer::start(ServeConfig::default());
    let reply = file(&server, b"%PDF-1.7\nnot a PDF at all\n%%EOF\n");
    expect(&server, reply, 422, "malformed_document");
}

#[test]
fn an_encrypted_pdf() {
    let server = TestServer::start(ServeConfig::default());
    let reply = file(&server, &encrypted_pdf(RESUME));
    expect(&server, reply, 422, "encrypted_document");
}

#[test]
fn a_docx_zip_bomb() {
    let server = TestServer::start(ServeConfig::default());
    let reply = file(&server, &docx_bomb(60 << 20));
    expect(&server, reply, 413, "archive_too_large");
}

#[test]
fn a_pdf_with_ten_thousand_pages() {
    let server = TestServer::start(ServeConfig::default());
    let reply = file(&server, &pdf_with_page_count(10_000));
    expect(&server, reply, 413, "too_many_pages");
}

#[test]
fn other_binary_files() {
    let server = TestServer::start(ServeConfig::default());
    let reply = file(&server, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    expect(&server, reply, 415, "unsupported_document");
}

#[test]
fn top_k_zero_and_huge() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.post_json("/v1/recommend", &json!({ "resume": RESUME, "top_k": 0 }));
    expect(&server, reply, 422, "invalid_top_k");
    let reply = server.call(
        "POST",
        "/v1/recommend",
        "application/json",
        format!("{{\"resume\": \"{RESUME}\", \"top_k\": 1e9}}").as_bytes(),
    );
    expect(&server, reply, 422, "top_k_too_large");
    let reply = server.post_json("/v1/recommend", &json!({ "resume": RESUME, "top_k": 2.5 }));
    expect(&server, reply, 422, "invalid_top_k");
    let reply = server.post_json(
        "/v1/recommend",
        &json!({ "resume": RESUME, "top_k": "ten" }),
    );
    expect(&server, reply, 422, "invalid_top_k");
}

#[test]
fn unknown_filter_fields() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.post_json(
        "/v1/recommend",
        &json!({ "resume": RESUME, "filter": { "colour": "red" } }),
    );
    expect(&server, reply, 422, "unknown_filter_field");
    // A metadata key that no job has would remove every job.
    let reply = server.post_json(
        "/v1/recommend",
        &json!({ "resume": RESUME, "filter": { "metadata": { "colour": "red" } } }),
    );
    expect(&server, reply, 422, "unknown_filter_field");
    let reply = server.post_json(
        "/v1/recommend",
        &json!({ "resume": RESUME, "sort": "salary" }),
    );
    expect(&server, reply, 422, "invalid_request");
    let reply = server.post_json(
        "/v1/recommend",
        &json!({ "resume": RESUME, "long_text": "all" }),
    );
    expect(&server, reply, 422, "invalid_option");
}

#[test]
fn job_ids_with_a_slash_or_10_kb_long() {
    let server = TestServer::start(ServeConfig::default());
    let reply = server.call("GET", "/v1/jobs/a%2Fb", "", b"");
    expect(&server, reply, 400, "invalid_job_id");
    let long = "j".repeat(10 * 1024);
    let reply = server.call("GET", &format!("/v1/jobs/{long}"), "", b"");
    expect(&server, reply, 400, "invalid_job_id");
    let reply = server.post_json(
        "/v1/screen",
        &json!({ "job_id": long, "resumes": [{ "id": "a", "text": RESUME }] }),
    );
    expect(&server, reply, 400, "invalid_job_id");
    let job = br#"{"title": "Welder"}"#;
    for path in [
        "/v1/jobs/a%2Fb".to_string(),
        format!("/v1/jobs/{long}"),
        "/v1/jobs/a%01b".to_string(),
        "/v1/jobs/%20padded".to_string(),
    ] {
        for method in ["PUT", "DELETE", "GET"] {
            let reply = server.call(method, &path, "application/json", job);
            assert_eq!(
                (reply.status, reply.code().as_str()),
                (400, "invalid_job_id"),
                "{method} {}",
                &path[..path.len().min(40)]
            );
        }
    }
    // In a batch, the same ids are refused line by line.
    let lines = format!(
        "{{\"id\": \"a/b\", \"title\": \"x\"}}\n{{\"id\": \"{long}\", \"title\": \"x\"}}\n"
    );
    let reply = server.call(
        "POST",
        "/v1/jobs:batch",
        "application/x-ndjson",
        lines.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["failed"], 2);
    for error in body["errors"].as_array().unwrap() {
        assert_eq!(error["code"], "invalid_job_id");
    }
    assert_eq!(
        server.call("GET", "/v1/jobs/nurse", "", b"").status,
        200,
        "the catalog is intact"
    );
}

#[test]
fn missing_wrong_and_underprivileged_keys() {
    let server = TestServer::start(ServeConfig::default());
    let body = json!({ "resume": RESUME }).to_string();
    let reply = server.call_as(
        None,
        "POST",
        "/v1/recommend",
        "application/json",
        body.as_bytes(),
    );
    expect(&server, reply, 401, "missing_key");
    let reply = server.call_as(
        Some("not-a-key"),
        "POST",
        "/v1/recommend",
        "application/json",
        body.as_bytes(),
    );
    expect(&server, reply, 401, "invalid_key");
    // A read key on a write route.
    let reply = server.call_as(
        Some(READER_KEY),
        "PUT",
        "/v1/jobs/nurse",
        "application/json",
        b"{}",
    );
    expect(&server, reply, 403, "forbidden");
    for (method, path) in [("DELETE", "/v1/jobs/nurse"), ("POST", "/v1/jobs:batch")] {
        let reply = server.call_as(
            Some(READER_KEY),
            method,
            path,
            "application/json",
            br#"{"id": "nurse", "title": "Nurse"}"#,
        );
        expect(&server, reply, 403, "forbidden");
    }
    assert_eq!(
        server
            .call_as(Some(READER_KEY), "GET", "/v1/jobs/nurse", "", b"")
            .json()["title"],
        "Registered Nurse",
        "a refused write changed nothing"
    );
    let reply = server.call_as(None, "PUT", "/v1/jobs/nurse", "application/json", b"{}");
    expect(&server, reply, 401, "missing_key");
    let reply = server.call_as(
        Some(READER_KEY),
        "POST",
        "/v1/recommend",
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn screening_limits() {
    let mut config = ServeConfig::default();
    config.limits.max_resumes_per_screen = 2;
    let server = TestServer::start(config);
    let resumes: Vec<_> = (0..3)
        .map(|i| json!({ "id": i.to_string(), "text": RESUME }))
        .collect();
    let reply = server.post_json(
        "/v1/screen",
        &json!({ "job_id": "nurse", "resumes": resumes }),
    );
    expect(&server, reply, 413, "too_many_resumes");
    let reply = server.post_json("/v1/screen", &json!({ "job_id": "nurse", "resumes": [] }));
    expect(&server, reply, 422, "no_resumes");
    let reply = server.post_json(
        "/v1/screen",
        &json!({ "job_id": "nobody", "resumes": [{ "id": "a", "text": RESUME }] }),
    );
    expect(&server, reply, 404, "job_not_found");
    let reply = server.post_json(
        "/v1/screen",
        &json!({ "job_id": "nurse", "resumes": [{ "id": "a", "text": RESUME }], "group_key": "nope" }),
    );
    expect(&server, reply, 422, "unknown_group_key");
}
