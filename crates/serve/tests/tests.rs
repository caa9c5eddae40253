//! Integration tests for jobfit-serve: the real server on 127.0.0.1 (an
//! ephemeral port), spoken to over HTTP.

mod api;
mod bad_input;
mod common;
#[path = "../../text/tests/documents.rs"]
#[allow(dead_code)]
mod documents;
mod jobs;
mod pretrained;
mod store;
