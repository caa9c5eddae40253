//! The jobfit HTTP service: a thin layer over `jobfit-match` that recommends
//! jobs for resumes and screens resumes for jobs over a versioned JSON API.
//!
//! - [`Service`]: the axum router over a [`Matcher`](jobfit_match::Matcher)
//!   with API keys ([`KeyRing`]: hashed keys with `read` / `write` scopes,
//!   compared in constant time), limits ([`Limits`]: body, resume characters,
//!   `top_k`, resumes per screening, a per-key rate limit, requests in
//!   flight, a timeout), an access log with request ids, Prometheus
//!   [`Metrics`], and a graceful shutdown.
//! - The catalog is live: `PUT`, `GET` and `DELETE /v1/jobs/{id}` and
//!   `POST /v1/jobs:batch` (JSON lines) change the matcher's
//!   [`JobStore`](jobfit_match::JobStore), embedding on a blocking thread;
//!   a change is durable (the index's change log, or a PostgreSQL commit)
//!   before it is answered. `/readyz` asks the store
//!   ([`JobStore::check_ready`](jobfit_match::JobStore::check_ready)), a
//!   store that does not answer makes requests 503 `store_unavailable`,
//!   and the graceful shutdown flushes the store after the last request.
//! - [`ServeConfig`]: every setting, from a TOML file and flags.
//! - Resume files (PDF, DOCX, HTML, text) are read by
//!   [`jobfit_text::document`]; concurrent requests share the encoder through
//!   `jobfit_model::MicroBatcher`.
//!
//! The API is described by [`OPENAPI`], served at `/openapi.json`. The
//! library crates do not depend on this one.
#![deny(missing_docs)]

mod app;
pub mod auth;
mod config;
mod error;
pub mod metrics;
mod routes;

pub use app::{AppState, REQUEST_ID, Service};
pub use auth::{ApiKey, KeyRing, RateLimiter, Scope, hash_key};
pub use config::{Batching, Limits, LogFormat, ServeConfig, Shutdown};
pub use error::{ApiError, ErrorCode, ServeError};
pub use metrics::Metrics;
pub use routes::MAX_JOB_ID_BYTES;

/// The OpenAPI 3.1 document of the service.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The routes the service answers, as (method, path) pairs; the OpenAPI
/// document describes exactly these.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/recommend"),
    ("POST", "/v1/screen"),
    ("GET", "/v1/jobs/{id}"),
    ("PUT", "/v1/jobs/{id}"),
    ("DELETE", "/v1/jobs/{id}"),
    ("POST", "/v1/jobs:batch"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
];

/// Sends `tracing` events to standard error: JSON lines or text, at the
/// level of `RUST_LOG` (default `info`). Call once, from a binary.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Resolves when the process receives SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
