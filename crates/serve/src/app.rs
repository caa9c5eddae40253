//! The service: shared state, the router, the middleware that authenticates,
//! limits, times out, logs and counts every request, and the graceful run.

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jobfit_match::Matcher;
use jobfit_text::DocumentLimits;
use tokio::sync::Semaphore;

use crate::auth::{KeyRing, RateLimiter, Scope};
use crate::config::{Limits, ServeConfig, Shutdown};
use crate::error::{ApiError, ErrorCode, ServeError};
use crate::metrics::Metrics;
use crate::routes;

/// The header carrying the request id (taken from the request when it is a
/// short token, else made up) on every response.
pub const REQUEST_ID: &str = "x-request-id";

/// The state every handler shares.
#[derive(Debug)]
pub struct AppState {
    pub(crate) matcher: Arc<Matcher>,
    keys: Option<KeyRing>,
    pub(crate) limits: Limits,
    pub(crate) documents: DocumentLimits,
    rate: RateLimiter,
    pub(crate) metrics: Metrics,
    permits: Arc<Semaphore>,
    shutting_down: AtomicBool,
    next_id: AtomicU64,
    id_seed: u64,
}

/// The HTTP service over a matcher.
#[derive(Debug, Clone)]
pub struct Service {
    state: Arc<AppState>,
    shutdown: Shutdown,
}

impl Service {
    /// A service over `matcher` with `config`'s limits and keys (the model
    /// and index settings were used to build the matcher). Turn on
    /// micro-batching on the matcher's embedder before
    /// (`TextEmbedder::with_micro_batching`).
    ///
    /// # Errors
    ///
    /// [`ServeError`] for invalid settings or an unreadable keys file.
    pub fn new(config: &ServeConfig, matcher: Matcher) -> Result<Self, ServeError> {
        config.validate()?;
        let keys = config.keys.as_ref().map(KeyRing::from_file).transpose()?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id()).rotate_left(32);
        Ok(Self {
            state: Arc::new(AppState {
                matcher: Arc::new(matcher),
                keys,
                documents: config.limits.documents(),
                rate: RateLimiter::new(config.limits.rate_per_minute, config.limits.rate_burst),
                metrics: Metrics::new(),
                permits: Arc::new(Semaphore::new(config.limits.max_in_flight)),
                limits: config.limits.clone(),
                shutting_down: AtomicBool::new(false),
                next_id: AtomicU64::new(0),
                id_seed: seed,
            }),
            shutdown: config.shutdown.clone(),
        })
    }

    /// The matcher.
    pub fn matcher(&self) -> &Arc<Matcher> {
        &self.state.matcher
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.state.shutting_down.load(Ordering::SeqCst)
    }

    /// The routes with their middleware.
    pub fn router(&self) -> Router {
        let state = Arc::clone(&self.state);
        Router::new()
            .route("/v1/recommend", post(routes::recommend))
            .route("/v1/screen", post(routes::screen))
            .route(
                "/v1/jobs/{id}",
                get(routes::get_job)
                    .put(routes::put_job)
                    .delete(routes::delete_job),
            )
            .route("/v1/jobs:batch", post(routes::batch_jobs))
            .route("/healthz", get(routes::healthz))
            .route("/readyz", get(routes::readyz))
            .route("/metrics", get(routes::metrics))
            .route("/openapi.json", get(routes::openapi))
            .fallback(routes::not_found)
            .method_not_allowed_fallback(routes::method_not_allowed)
            .layer(middleware::from_fn_with_state(Arc::clone(&state), observe))
            .layer(DefaultBodyLimit::max(self.state.limits.max_body_bytes))
            .with_state(state)
    }

    /// Serves on `listener` until `shutdown` resolves, then drains: `/readyz`
    /// and new requests answer 503 for `shutdown.drain_ms`, the listener
    /// closes, in-flight requests get `shutdown.grace_secs` to finish.
    ///
    /// # Errors
    ///
    /// [`ServeError::Io`] when the listener fails.
    pub async fn run<F>(
        self,
        listener: tokio::net::TcpListener,
        shutdown: F,
    ) -> Result<(), ServeError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let address = listener.local_addr().ok();
        tracing::info!(address = ?address, "listening");
        let (close_tx, close_rx) = tokio::sync::oneshot::channel::<()>();
        let state = Arc::clone(&self.state);
        let drain = Duration::from_millis(self.shutdown.drain_ms);
        let grace = Duration::from_secs(self.shutdown.grace_secs);
        let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            shutdown.await;
            state.shutting_down.store(true, Ordering::SeqCst);
            tracing::info!(drain_ms = drain.as_millis() as u64, "shutting down");
            let _ = signalled_tx.send(());
            tokio::time::sleep(drain).await;
            let _ = close_tx.send(());
        });
        let server = axum::serve(listener, self.router()).with_graceful_shutdown(async move {
            let _ = close_rx.await;
        });
        let mut server = std::pin::pin!(server.into_future());
        let result = tokio::select! {
            result = &mut server => result,
            _ = async {
                let _ = signalled_rx.await;
                tokio::time::sleep(drain + grace).await;
            } => {
                tracing::warn!("in-flight requests did not finish within the grace period");
                Ok(())
            }
        };
        // Fold the changes of this run into the store's snapshot; they are
        // durable without it (in the change log), so a failure only warns.
        let matcher = Arc::clone(&self.state.matcher);
        let flushed = tokio::task::spawn_blocking(move || matcher.store().flush()).await;
        match flushed {
            Ok(Ok(())) => tracing::info!("store flushed"),
            Ok(Err(error)) => tracing::warn!(error = %error, "cannot flush the store"),
            Err(error) => tracing::warn!(error = %error, "cannot flush the store"),
        }
        result.map_err(|source| ServeError::Io {
            path: "listener".into(),
            source,
        })?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The scope a route needs, `None` for the public ones.
fn scope_of(method: &Method, route: &str) -> Option<Scope> {
    match route {
        "/healthz" | "/readyz" | "/metrics" | "/openapi.json" => None,
        "/v1/jobs/{id}" if method != Method::GET => Some(Scope::Write),
        "/v1/jobs:batch" => Some(Scope::Write),
        _ => Some(Scope::Read),
    }
}

/// The key presented as `Authorization: Bearer KEY` or `X-API-Key: KEY`.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        return value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim);
    }
    headers
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
}

impl AppState {
    fn request_id(&self, headers: &HeaderMap) -> String {
        if let Some(given) = headers.get(REQUEST_ID).and_then(|v| v.to_str().ok())
            && !given.is_empty()
            && given.len() <= 64
            && given
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return given.to_string();
        }
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        // A cheap mix so that ids do not reveal the request count.
        let mixed = (self.id_seed ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!("{mixed:016x}")
    }

    /// Whether shutdown has begun.
    pub(crate) fn shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Authenticates, limits and admits a request; the key's name.
    fn admit(
        &self,
        method: &Method,
        route: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<(String, Option<tokio::sync::OwnedSemaphorePermit>), ApiError> {
        let Some(scope) = route.and_then(|route| scope_of(method, route)) else {
            return Ok(("-".into(), None));
        };
        let name = match &self.keys {
            None => "anonymous".to_string(),
            Some(keys) => {
                let Some(presented) = presented_key(headers) else {
                    return Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "missing_key",
                        "this route needs an API key: send `Authorization: Bearer KEY`",
                    ));
                };
                let Some(key) = keys.verify(presented) else {
                    return Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "invalid_key",
                        "the API key is not valid; check it with the service's operator",
                    ));
                };
                if !key.allows(scope) {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "forbidden",
                        format!(
                            "the key {:?} lacks the {:?} scope this route needs",
                            key.name,
                            scope.name()
                        ),
                    ));
                }
                key.name.clone()
            }
        };
        if self.shutting_down() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the service is shutting down; retry on another instance",
            )
            .with_retry_after(1));
        }
        if let Err(wait) = self.rate.check(&name) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "the key's rate limit ({} requests a minute) is spent; retry later",
                    self.limits.rate_per_minute
                ),
            )
            .with_retry_after(wait.as_secs_f64().ceil().max(1.0) as u64));
        }
        let permit = Arc::clone(&self.permits).try_acquire_owned().map_err(|_| {
            ApiError::overloaded(format!(
                "the service is serving its limit of {} requests; retry shortly",
                self.limits.max_in_flight
            ))
        })?;
        Ok((name, Some(permit)))
    }
}

/// Every request: request id, authentication, limits, timeout, access log,
/// metrics.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = state.request_id(request.headers());
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string());
    let route_label = route.clone().unwrap_or_else(|| "unmatched".into());
    state.metrics.start();
    let (key, mut response) = match state.admit(&method, route.as_deref(), request.headers()) {
        Err(error) => ("-".to_string(), error.into_response()),
        Ok((key, permit)) => {
            let timeout = state.limits.request_timeout();
            let response = match tokio::time::timeout(timeout, next.run(request)).await {
                Ok(response) => response,
                Err(_) => ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "timeout",
                    format!(
                        "the request took longer than {} s; retry, or send less",
                        timeout.as_secs()
                    ),
                )
                .with_retry_after(1)
                .into_response(),
            };
            drop(permit);
            (key, response)
        }
    };
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.finish(&route_label, status, elapsed);
    let code = response.extensions().get::<ErrorCode>().map(|code| code.0);
    tracing::info!(
        target: "jobfit_serve::access",
        request_id = %request_id,
        key = %key,
        method = %method,
        route = %route_label,
        status,
        code = code.unwrap_or(""),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}
