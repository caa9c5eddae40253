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

/// Environment variables with which a user sets glibc's allocator; when one
/// is set, [`tune_allocator`] leaves the allocator alone.
const ALLOCATOR_ENV: &[&str] = &[
    "GLIBC_TUNABLES",
    "MALLOC_ARENA_MAX",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
];

/// Keeps a long-running service's memory flat under glibc's allocator: at
/// most two malloc arenas, and blocks of 128 KiB and more (the encoder's
/// activations, whose sizes change with every micro-batch) mapped and
/// returned to the system when freed, instead of glibc's default of
/// raising that threshold to the largest block freed so far, which lets
/// such blocks pile up in the arenas. Measured with the load harness's
/// soak (`benches/load.rs`, the README): RSS grew from 878 to 1,027 MiB
/// over 10 minutes without this, and stayed between 438 and 509 MiB with it
/// (487 after the first minute).
///
/// Call it once, first thing, from a binary that serves. Does nothing on
/// other platforms or when the user set the allocator through the
/// environment (`GLIBC_TUNABLES`, `MALLOC_ARENA_MAX`, ...). Returns whether
/// the settings were applied.
pub fn tune_allocator() -> bool {
    if ALLOCATOR_ENV
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return false;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only changes allocator parameters; glibc makes
        // it safe to call at any time, from any thread.
        let arenas = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
        // SAFETY: as above.
        let mmap = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
        arenas == 1 && mmap == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allocator_takes_the_service_settings_unless_the_environment_sets_them() {
        let set_by_user = ALLOCATOR_ENV
            .iter()
            .any(|name| std::env::var_os(name).is_some());
        let supported = cfg!(all(target_os = "linux", target_env = "gnu"));
        assert_eq!(tune_allocator(), supported && !set_by_user);
    }
}
