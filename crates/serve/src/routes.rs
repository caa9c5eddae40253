//! The handlers: request bodies (JSON or multipart files) to library calls,
//! library results and errors to JSON.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jobfit_match::{
    Fusion, JobFilter, LocationFilter, LongText, RecommendOptions, ScreenOptions, UpsertReport,
};
use jobfit_text::{Job, Resume, read_document};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::app::AppState;
use crate::error::ApiError;

type Shared = State<Arc<AppState>>;

/// The most bytes of a job id.
pub const MAX_JOB_ID_BYTES: usize = 256;

/// Options shared by `/v1/recommend` and `/v1/screen` (JSON body fields, or
/// the multipart field `options`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecommendBody {
    resume: Option<String>,
    top_k: Option<Value>,
    filter: Option<Map<String, Value>>,
    long_text: Option<String>,
    hybrid: Option<String>,
    explain: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreenBody {
    job_id: Option<String>,
    job: Option<Job>,
    #[serde(default)]
    resumes: Vec<Resume>,
    top_k: Option<Value>,
    long_text: Option<String>,
    redact: Option<bool>,
    group_key: Option<String>,
    explain: Option<bool>,
}

/// What a request body is.
enum Body {
    Json(Bytes),
    Multipart(Multipart),
}

async fn body(state: &AppState, request: Request) -> Result<Body, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let limit = state.limits.max_body_bytes;
    if let Some(length) = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        && length > limit as u64
    {
        return Err(ApiError::body_too_large(limit));
    }
    if content_type.starts_with("application/json") {
        let bytes = axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|_| ApiError::body_too_large(limit))?;
        Ok(Body::Json(bytes))
    } else if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(request, &())
            .await
            .map_err(|error| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_multipart",
                    error.body_text(),
                )
            })?;
        Ok(Body::Multipart(multipart))
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "send application/json or multipart/form-data, not {:?}",
                if content_type.is_empty() {
                    "no content type"
                } else {
                    content_type.as_str()
                }
            ),
        ))
    }
}

/// Parses a JSON body: invalid UTF-8, syntax errors and wrong fields each
/// get their own code.
fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(ApiError::bad_request(
            "invalid_utf8",
            format!(
                "the body is not valid UTF-8 (invalid byte at offset {}); send UTF-8 JSON",
                error.valid_up_to()
            ),
        ));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        use serde_json::error::Category;
        match error.classify() {
            Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
                "malformed_json",
                format!("the body is not valid JSON: {error}"),
            ),
            Category::Data => ApiError::unprocessable(
                "invalid_request",
                format!("the JSON does not fit this route: {error}"),
            ),
        }
    })
}

fn multipart_error(error: axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::body_too_large(limit)
    } else {
        ApiError::bad_request("malformed_multipart", error.body_text())
    }
}

/// A file field: its name and bytes.
struct FileField {
    file_name: Option<String>,
    bytes: Bytes,
}

/// Reads a multipart body: the named files, and text fields by name.
async fn read_multipart(
    state: &AppState,
    mut multipart: Multipart,
) -> Result<(Vec<FileField>, BTreeMap<String, String>), ApiError> {
    let limit = state.limits.max_body_bytes;
    let mut files = Vec::new();
    let mut fields = BTreeMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| multipart_error(error, limit))?
    {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|error| multipart_error(error, limit))?;
        match name.as_str() {
            "resume" => files.push(FileField { file_name, bytes }),
            "options" | "job" | "job_id" => {
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    ApiError::bad_request(
                        "invalid_utf8",
                        format!("the multipart field {name:?} is not valid UTF-8"),
                    )
                })?;
                fields.insert(name, text);
            }
            other => {
                return Err(ApiError::unprocessable(
                    "invalid_request",
                    format!(
                        "unknown multipart field {other:?}; send `resume` files and an optional \
                         `options` JSON field"
                    ),
                ));
            }
        }
    }
    Ok((files, fields))
}

/// Extracts a resume file's text (on a blocking thread: PDF parsing is CPU work).
async fn document_text(state: &AppState, file: FileField) -> Result<String, ApiError> {
    let limits = state.documents;
    let document = tokio::task::spawn_blocking(move || read_document(&file.bytes, &limits))
        .await
        .map_err(|_| internal())??;
    Ok(document.text)
}

fn internal() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the service failed on this request; it is logged",
    )
}

fn check_resume(state: &AppState, text: &str, what: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::unprocessable(
            "empty_resume",
            format!("{what} is empty; send its text"),
        ));
    }
    let limit = state.limits.max_resume_chars;
    if text.len() > limit && text.chars().count() > limit {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "resume_too_long",
            format!("{what} has more than {limit} characters; send a shorter one"),
        ));
    }
    Ok(())
}

fn top_k(state: &AppState, value: Option<&Value>, default: usize) -> Result<usize, ApiError> {
    let Some(value) = value else {
        return Ok(default.min(state.limits.max_top_k));
    };
    let max = state.limits.max_top_k;
    let number = value.as_f64().ok_or_else(|| {
        ApiError::unprocessable(
            "invalid_top_k",
            format!("top_k must be a number, got {value}"),
        )
    })?;
    if number < 1.0 || number.fract() != 0.0 {
        return Err(ApiError::unprocessable(
            "invalid_top_k",
            format!("top_k must be a whole number from 1 to {max}, got {value}"),
        ));
    }
    if number > max as f64 {
        return Err(ApiError::unprocessable(
            "top_k_too_large",
            format!("top_k is at most {max} on this service, got {value}"),
        ));
    }
    Ok(number as usize)
}

fn long_text(value: Option<&String>) -> Result<Option<LongText>, ApiError> {
    value
        .map(|text| {
            text.parse::<LongText>()
                .map_err(|error| ApiError::unprocessable("invalid_option", error.to_string()))
        })
        .transpose()
}

fn filter(map: Option<&Map<String, Value>>) -> Result<JobFilter, ApiError> {
    let mut filter = JobFilter::new();
    let Some(map) = map else {
        return Ok(filter);
    };
    let number = |key: &str, value: &Value| {
        value.as_f64().ok_or_else(|| {
            ApiError::unprocessable("invalid_filter", format!("filter.{key} must be a number"))
        })
    };
    let (mut min, mut max) = (None, None);
    for (key, value) in map {
        match key.as_str() {
            "location" => {
                let text = value.as_str().ok_or_else(|| {
                    ApiError::unprocessable("invalid_filter", "filter.location must be a string")
                })?;
                filter = filter.with_location(LocationFilter::Contains(text.to_string()));
            }
            "salary_min" => min = Some(number(key, value)?),
            "salary_max" => max = Some(number(key, value)?),
            "metadata" => {
                let entries = value.as_object().ok_or_else(|| {
                    ApiError::unprocessable(
                        "invalid_filter",
                        "filter.metadata must be an object of strings",
                    )
                })?;
                for (name, wanted) in entries {
                    let wanted = wanted.as_str().ok_or_else(|| {
                        ApiError::unprocessable(
                            "invalid_filter",
                            format!("filter.metadata.{name} must be a string"),
                        )
                    })?;
                    filter = filter.with_metadata(name.clone(), wanted);
                }
            }
            other => {
                return Err(ApiError::unprocessable(
                    "unknown_filter_field",
                    format!(
                        "unknown filter field {other:?}; filter on location, salary_min, \
                         salary_max or metadata"
                    ),
                ));
            }
        }
    }
    if min.is_some() || max.is_some() {
        filter = filter.with_salary(min, max);
    }
    Ok(filter)
}

fn hybrid(value: Option<&String>) -> Result<Option<Option<Fusion>>, ApiError> {
    value
        .map(|text| match text.trim().to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(None),
            _ => text
                .parse::<Fusion>()
                .map(Some)
                .map_err(|error| ApiError::unprocessable("invalid_option", error.to_string())),
        })
        .transpose()
}

/// Runs library work on a blocking thread.
async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| internal())?
}

/// `POST /v1/recommend`.
pub(crate) async fn recommend(
    State(state): Shared,
    request: Request,
) -> Result<Response, ApiError> {
    let (body, resume) = match body(&state, request).await? {
        Body::Json(bytes) => {
            let mut body: RecommendBody = parse_json(&bytes)?;
            let resume = body.resume.take().ok_or_else(|| {
                ApiError::unprocessable("invalid_request", "the body needs a \"resume\" text")
            })?;
            (body, resume)
        }
        Body::Multipart(multipart) => {
            let (mut files, fields) = read_multipart(&state, multipart).await?;
            let body: RecommendBody = match fields.get("options") {
                Some(options) => parse_json(options.as_bytes())?,
                None => RecommendBody::default(),
            };
            if body.resume.is_some() || files.len() != 1 {
                return Err(ApiError::unprocessable(
                    "invalid_request",
                    "send exactly one `resume` file (and no resume text in `options`)",
                ));
            }
            let file = files.remove(0);
            let text = document_text(&state, file).await?;
            (body, text)
        }
    };
    check_resume(&state, &resume, "the resume")?;
    let mut options = RecommendOptions::default()
        .with_top_k(top_k(&state, body.top_k.as_ref(), 10)?)
        .with_filter(filter(body.filter.as_ref())?);
    if let Some(strategy) = long_text(body.long_text.as_ref())? {
        options.long_text = strategy;
    }
    if let Some(fusion) = hybrid(body.hybrid.as_ref())? {
        options.hybrid = fusion;
    }
    if let Some(explain) = body.explain {
        options.explain = explain;
    }
    let matcher = Arc::clone(&state.matcher);
    let recommendations = blocking(move || Ok(matcher.recommend(&resume, &options)?)).await?;
    Ok(Json(serde_json::json!({
        "model": state.matcher.embedder().identity().name,
        "recommendations": recommendations,
    }))
    .into_response())
}

/// `POST /v1/screen`.
pub(crate) async fn screen(State(state): Shared, request: Request) -> Result<Response, ApiError> {
    let mut body: ScreenBody = match body(&state, request).await? {
        Body::Json(bytes) => parse_json(&bytes)?,
        Body::Multipart(multipart) => {
            let (files, fields) = read_multipart(&state, multipart).await?;
            let mut body: ScreenBody = match fields.get("options") {
                Some(options) => parse_json(options.as_bytes())?,
                None => ScreenBody::default(),
            };
            if let Some(job) = fields.get("job") {
                body.job = Some(parse_json(job.as_bytes())?);
            }
            if let Some(id) = fields.get("job_id") {
                body.job_id = Some(id.clone());
            }
            check_count(&state, files.len() + body.resumes.len())?;
            for (i, file) in files.into_iter().enumerate() {
                let id = file
                    .file_name
                    .clone()
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| format!("resume-{}", i + 1));
                let text = document_text(&state, file).await?;
                body.resumes.push(Resume::new(id, text));
            }
            body
        }
    };
    check_count(&state, body.resumes.len())?;
    for resume in &body.resumes {
        check_resume(&state, &resume.text, &format!("resume {:?}", resume.id))?;
    }
    let job = match (body.job.take(), body.job_id.take()) {
        (Some(job), None) => job,
        (None, Some(id)) => {
            check_job_id(&id)?;
            lookup(&state, &id).await?
        }
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_request",
                "send either \"job_id\" (a job of the catalog) or \"job\" (a job object)",
            ));
        }
    };
    let mut options = ScreenOptions {
        top_k: top_k(&state, body.top_k.as_ref(), body.resumes.len().max(1))?,
        ..ScreenOptions::default()
    };
    if let Some(strategy) = long_text(body.long_text.as_ref())? {
        options.long_text = strategy;
    }
    if let Some(redact) = body.redact {
        options.redact = redact;
    }
    if let Some(explain) = body.explain {
        options.explain = explain;
    }
    options.group_key = body.group_key.take();
    let screener = state.matcher.screener();
    let resumes = std::mem::take(&mut body.resumes);
    let screening = blocking(move || Ok(screener.screen(&job, &resumes, &options)?)).await?;
    Ok(Json(screening).into_response())
}

fn check_count(state: &AppState, count: usize) -> Result<(), ApiError> {
    let limit = state.limits.max_resumes_per_screen;
    if count > limit {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_resumes",
            format!("a screening takes at most {limit} resumes, got {count}; split them"),
        ));
    }
    if count == 0 {
        return Err(ApiError::unprocessable(
            "no_resumes",
            "send at least one resume (\"resumes\" texts or `resume` files)",
        ));
    }
    Ok(())
}

/// A job id: 1 to 256 bytes, no `/`, no control characters, no white
/// space at either end (job ids are stored trimmed).
pub(crate) fn check_job_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > MAX_JOB_ID_BYTES {
        return Err(ApiError::bad_request(
            "invalid_job_id",
            format!(
                "a job id has 1 to {MAX_JOB_ID_BYTES} bytes, this one {}",
                id.len()
            ),
        ));
    }
    if id.contains('/') || id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_job_id",
            "a job id may not contain '/' or control characters",
        ));
    }
    if id.trim() != id {
        return Err(ApiError::bad_request(
            "invalid_job_id",
            "a job id may not start or end with white space",
        ));
    }
    Ok(())
}

/// The id of a `/v1/jobs/{id}` path, checked.
fn path_id(
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<String, ApiError> {
    let Path(id) =
        id.map_err(|error| ApiError::bad_request("invalid_job_id", error.body_text()))?;
    check_job_id(&id)?;
    Ok(id)
}

fn job_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "job_not_found",
        format!("no job has the id {id:?}"),
    )
}

/// The job with an id, from the store (on a blocking thread: a database
/// store does network I/O).
async fn lookup(state: &AppState, id: &str) -> Result<Job, ApiError> {
    let matcher = Arc::clone(&state.matcher);
    let key = id.to_string();
    blocking(move || Ok(matcher.store().get(&key)?))
        .await?
        .ok_or_else(|| job_not_found(id))
}

/// `GET /v1/jobs/{id}`.
pub(crate) async fn get_job(
    State(state): Shared,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id)?;
    Ok(Json(lookup(&state, &id).await?).into_response())
}

/// A job from a JSON object: its `id` is `path_id` when it has none, and
/// must equal it when it has one.
fn job_from_json(text: &str, path_id: Option<&str>) -> Result<Job, ApiError> {
    let mut value: Value = serde_json::from_str(text).map_err(|error| {
        ApiError::bad_request("malformed_json", format!("not valid JSON: {error}"))
    })?;
    let Some(object) = value.as_object_mut() else {
        return Err(ApiError::unprocessable(
            "invalid_job",
            "a job is a JSON object with at least \"id\" and \"title\"",
        ));
    };
    if let Some(path_id) = path_id {
        match object.get("id") {
            None | Some(Value::Null) => {
                object.insert("id".into(), Value::String(path_id.to_string()));
            }
            Some(given) => {
                let given = match given {
                    Value::String(text) => text.trim().to_string(),
                    other => other.to_string(),
                };
                if given != path_id {
                    return Err(ApiError::unprocessable(
                        "id_mismatch",
                        format!(
                            "the body's id {given:?} is not the path's {path_id:?}; leave \
                             \"id\" out of the body or make them equal"
                        ),
                    ));
                }
            }
        }
    }
    let job: Job = serde_json::from_value(value)
        .map_err(|error| ApiError::unprocessable("invalid_job", format!("invalid job: {error}")))?;
    check_job_id(&job.id)?;
    Ok(job)
}

/// Refuses a job the store would refuse (so that one bad line of a batch
/// does not fail the others): garbage text, nothing to embed.
fn check_job(state: &AppState, job: &Job) -> Result<(), ApiError> {
    if let Err(source) = jobfit_text::check_text(&job.text()) {
        return Err(ApiError::unprocessable(
            "garbage_text",
            format!("the text of job {:?} cannot be indexed: {source}", job.id),
        ));
    }
    if state.matcher.store().fields().text(job).trim().is_empty() {
        return Err(ApiError::unprocessable(
            "empty_job",
            format!(
                "job {:?} has no text in the fields this catalog embeds ({}); give it some",
                job.id,
                state.matcher.store().fields()
            ),
        ));
    }
    Ok(())
}

/// Upserts jobs on a blocking thread (embedding is CPU work; the change is
/// durable when it returns).
async fn upsert(state: &AppState, jobs: Vec<Job>) -> Result<UpsertReport, ApiError> {
    let matcher = Arc::clone(&state.matcher);
    blocking(move || Ok(matcher.store().upsert(jobs, matcher.embedder())?)).await
}

/// A request body for the job routes: JSON (or JSON lines for a batch).
async fn job_body(state: &AppState, request: Request, lines: bool) -> Result<String, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let accepted: &[&str] = if lines {
        &[
            "application/x-ndjson",
            "application/jsonl",
            "application/json-lines",
            "application/json",
        ]
    } else {
        &["application/json"]
    };
    if !accepted.iter().any(|kind| content_type.starts_with(kind)) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "send {}, not {:?}",
                accepted.join(" or "),
                if content_type.is_empty() {
                    "no content type"
                } else {
                    content_type.as_str()
                }
            ),
        ));
    }
    let limit = state.limits.max_body_bytes;
    let bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| ApiError::body_too_large(limit))?;
    String::from_utf8(bytes.to_vec()).map_err(|error| {
        ApiError::bad_request(
            "invalid_utf8",
            format!(
                "the body is not valid UTF-8 (invalid byte at offset {}); send UTF-8 JSON",
                error.utf8_error().valid_up_to()
            ),
        )
    })
}

/// `PUT /v1/jobs/{id}`: adds or replaces one job; 201 when it is new.
pub(crate) async fn put_job(
    State(state): Shared,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let id = path_id(id)?;
    let text = job_body(&state, request, false).await?;
    let job = job_from_json(&text, Some(&id))?;
    check_job(&state, &job)?;
    let report = upsert(&state, vec![job]).await?;
    let (status, result) = if report.added > 0 {
        (StatusCode::CREATED, "added")
    } else if report.updated > 0 {
        (StatusCode::OK, "updated")
    } else {
        (StatusCode::OK, "unchanged")
    };
    Ok((
        status,
        Json(serde_json::json!({ "id": id, "result": result })),
    )
        .into_response())
}

/// `DELETE /v1/jobs/{id}`: 204, or 404 when no job has the id.
pub(crate) async fn delete_job(
    State(state): Shared,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id)?;
    let matcher = Arc::clone(&state.matcher);
    let ids = vec![id.clone()];
    let report = blocking(move || Ok(matcher.store().delete(&ids)?)).await?;
    if report.deleted == 0 {
        return Err(job_not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A line of a batch that was not applied.
#[derive(Debug, Serialize)]
struct LineError {
    /// The line number, from 1.
    line: usize,
    /// The job id, when the line had a readable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    code: &'static str,
    message: String,
}

/// `POST /v1/jobs:batch`: JSON lines, one job a line, upserted together;
/// bad lines are reported and skipped, the good ones applied in one durable
/// change.
pub(crate) async fn batch_jobs(
    State(state): Shared,
    request: Request,
) -> Result<Response, ApiError> {
    let text = job_body(&state, request, true).await?;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    let limit = state.limits.max_jobs_per_batch;
    if lines.len() > limit {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_jobs",
            format!(
                "a batch takes at most {limit} jobs, got {}; split it",
                lines.len()
            ),
        ));
    }
    if lines.is_empty() {
        return Err(ApiError::unprocessable(
            "no_jobs",
            "the body holds no job: send JSON lines, one job object a line",
        ));
    }
    let mut jobs = Vec::with_capacity(lines.len());
    let mut errors = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (line, text) in lines {
        let job = job_from_json(text, None).and_then(|job| {
            check_job(&state, &job)?;
            Ok(job)
        });
        match job {
            Ok(job) => {
                if let Some(first) = seen.get(&job.id) {
                    errors.push(LineError {
                        line,
                        code: "duplicate_id",
                        message: format!(
                            "job id {:?} is on line {first} too; the first is kept",
                            job.id
                        ),
                        id: Some(job.id),
                    });
                } else {
                    seen.insert(job.id.clone(), line);
                    jobs.push(job);
                }
            }
            Err(error) => errors.push(LineError {
                line,
                id: serde_json::from_str::<Value>(text).ok().and_then(|value| {
                    match value.get("id") {
                        Some(Value::String(id)) => Some(id.clone()),
                        Some(Value::Number(id)) => Some(id.to_string()),
                        _ => None,
                    }
                }),
                code: error.code,
                message: error.message,
            }),
        }
    }
    let report = if jobs.is_empty() {
        UpsertReport::default()
    } else {
        upsert(&state, jobs).await?
    };
    Ok(Json(serde_json::json!({
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "failed": errors.len(),
        "errors": errors,
    }))
    .into_response())
}

/// `GET /healthz`: the process answers.
pub(crate) async fn healthz() -> Response {
    Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// How long `/readyz` waits for the store before answering 503.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// `GET /readyz`: the model is loaded (it is before the service starts),
/// the store answers, and shutdown has not begun.
pub(crate) async fn readyz(State(state): Shared) -> Response {
    if state.shutting_down() {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the service is shutting down",
        )
        .into_response();
    }
    let matcher = Arc::clone(&state.matcher);
    let check = blocking(move || {
        let store = matcher.store();
        store.check_ready()?;
        Ok(store.len()?)
    });
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(jobs)) => Json(serde_json::json!({
            "status": "ready",
            "model": state.matcher.embedder().identity().name,
            "store": state.matcher.store().describe(),
            "jobs": jobs,
        }))
        .into_response(),
        Ok(Err(error)) => error.into_response(),
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            format!(
                "{} did not answer within {} s",
                state.matcher.store().describe(),
                READY_TIMEOUT.as_secs()
            ),
        )
        .with_retry_after(5)
        .into_response(),
    }
}

/// `GET /metrics`: Prometheus text.
pub(crate) async fn metrics(State(state): Shared) -> Response {
    let batch = state
        .matcher
        .embedder()
        .micro_batcher()
        .map(|batcher| batcher.stats());
    // The job count is left out while the store does not answer.
    let matcher = Arc::clone(&state.matcher);
    let jobs = tokio::time::timeout(
        READY_TIMEOUT,
        blocking(move || Ok(matcher.store().len().ok())),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .flatten();
    let text = state.metrics.render(batch.as_ref(), jobs);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// `GET /openapi.json`.
pub(crate) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], crate::OPENAPI).into_response()
}

/// Unknown paths.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; see /openapi.json",
    )
}

/// Known paths, wrong method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; see /openapi.json",
    )
}
