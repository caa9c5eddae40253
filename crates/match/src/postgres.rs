//! [`PgStore`]: jobs and their vectors in PostgreSQL with pgvector, for more
//! than one machine: several jobfit processes serve from one database,
//! writes go to the primary in transactions, reads may go to a streaming
//! replica.
//!
//! The schema (created and checked by [`PgStore::open`], in the schema named
//! by [`PgOptions::schema`], `jobfit` by default):
//!
//! ```sql
//! meta  (key text PRIMARY KEY, value jsonb)          -- model identity, fields, names, version
//! jobs  (key bigint identity PRIMARY KEY, id text UNIQUE, job jsonb, text_hash bigint,
//!        location text, salary_min float8, salary_max float8,
//!        metadata jsonb,       -- the job's metadata, values trimmed and lower-cased
//!        embedding vector(D),  -- HNSW index, vector_ip_ops
//!        bm25_terms text[], bm25_tfs int[], bm25_len int)  -- GIN index on the terms
//! names (job_key bigint REFERENCES jobs ON DELETE CASCADE, ordinal int, name text,
//!        embedding vector(D))  -- HNSW index, vector_ip_ops
//! term_stats (term text PRIMARY KEY, df bigint)     -- documents per term, for BM25
//! corpus (id int PRIMARY KEY, docs bigint, terms bigint)
//! ```
//!
//! BM25 (for hybrid scoring of long queries) is computed in SQL with the
//! same terms, document frequencies and formula as the embedded index's
//! [`Bm25`](crate::Bm25), so both stores rank alike. It scores every job that
//! shares a term with the query: on catalogs of millions, long queries cost
//! more with it than without (`RecommendOptions::hybrid = None`).
//!
//! A search asks each HNSW index for candidates with the filter pushed down
//! as SQL (`hnsw.iterative_scan = relaxed_order`, so a selective filter
//! still returns enough rows), then scores the candidates exactly as the
//! embedded index does: the same blend of text and name similarity.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jobfit_model::{ModelIdentity, TextEmbedder};
use jobfit_text::Job;
use pgvector::Vector;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls};
use serde::{Deserialize, Serialize};

use crate::bm25::Bm25Params;
use crate::catalog::JobFields;
use crate::error::{MatchError, Result};
use crate::filter::{JobFilter, LocationFilter};
use crate::index::blend;
use crate::names::{MAX_NAMES_PER_JOB, job_names};
use crate::store::{
    DeleteReport, JobStore, NameMatch, SearchMode, SearchRequest, StoredHit, UpsertReport,
    indexed_texts,
};
use crate::vector::{TopK, dot};

/// The version of the schema this crate writes.
pub const PG_SCHEMA_VERSION: u32 = 1;

/// How a [`PgStore`] is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PgOptions {
    /// The PostgreSQL schema holding jobfit's tables. Default `jobfit`.
    pub schema: String,
    /// The job fields embedded (for a new store; an existing one keeps its
    /// own). Default: title, description, skills.
    pub fields: JobFields,
    /// Embed each job's names (title and aliases) too (for a new store).
    /// Default true.
    pub names: bool,
    /// Candidates kept while searching each HNSW index (`hnsw.ef_search`).
    /// Default 200.
    pub ef_search: usize,
    /// Candidates taken from each index before exact scoring, at least `k`.
    /// Default 100.
    pub candidates: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            schema: "jobfit".into(),
            fields: JobFields::default(),
            names: true,
            ef_search: 200,
            candidates: 100,
        }
    }
}

/// What the `meta` table records about the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Meta {
    schema_version: u32,
    model: ModelIdentity,
    fields: JobFields,
    names: bool,
}

/// Which fields the jobs have, cached briefly (a filter on a field no job
/// has is refused).
#[derive(Debug, Clone)]
struct Facts {
    at: Instant,
    location: bool,
    salary: bool,
    metadata_keys: HashSet<String>,
}

const FACTS_TTL: Duration = Duration::from_secs(30);

/// Jobs and vectors in PostgreSQL (see the module docs).
pub struct PgStore {
    primary: Mutex<Option<Client>>,
    replica: Option<Mutex<Option<Client>>>,
    primary_url: String,
    replica_url: Option<String>,
    schema: String,
    model: ModelIdentity,
    fields: JobFields,
    names: bool,
    options: PgOptions,
    facts: Mutex<Option<Facts>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("primary", &redact_url(&self.primary_url))
            .field("replica", &self.replica_url.as_deref().map(redact_url))
            .field("schema", &self.schema)
            .field("model", &self.model.name)
            .finish()
    }
}

/// A URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    // postgres://user:password@host/db -> postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((credentials, host)) = rest.split_once('@')
        && let Some((user, _)) = credentials.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.split_whitespace()
        .map(|part| {
            if part.starts_with("password=") {
                "password=***"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A PostgreSQL error with the server's message, which its `Display` leaves out.
fn describe_pg(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

fn store_error(url: &str, what: &str, error: impl std::fmt::Display, hint: &str) -> MatchError {
    MatchError::Store {
        store: format!("PostgreSQL at {}", redact_url(url)),
        message: format!("{what}: {error}"),
        hint: hint.to_string(),
    }
}

const CONNECT_HINT: &str = "check that the server is running and the URL (host, port or socket \
                            directory, user, database) is right; `scripts/postgres.sh` starts a \
                            local server with pgvector";

fn connect(url: &str) -> Result<Client> {
    let mut config: postgres::Config = url.parse().map_err(|error| {
        store_error(
            url,
            "the URL is not a PostgreSQL URL",
            error,
            "write postgres://USER@HOST[:PORT]/DATABASE, or host=/socket/dir user=... dbname=...",
        )
    })?;
    config.connect_timeout(Duration::from_secs(10));
    config
        .connect(NoTls)
        .map_err(|error| store_error(url, "cannot connect", error, CONNECT_HINT))
}

/// Quotes an identifier for SQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl PgStore {
    /// Connects to the database at `url` (reads from `replica_url` when
    /// given), creates the schema when it is new, and checks that it holds
    /// vectors of `model`.
    ///
    /// # Errors
    ///
    /// [`MatchError::Store`] when the server is unreachable, too old, lacks
    /// the `vector` extension (pgvector 0.8 or later), or the schema belongs
    /// to another model or layout.
    pub fn open(
        url: &str,
        replica_url: Option<&str>,
        model: &ModelIdentity,
        options: &PgOptions,
    ) -> Result<Self> {
        if options.schema.is_empty() || options.schema.len() > 63 {
            return Err(MatchError::InvalidOption {
                name: "schema",
                value: options.schema.clone(),
                reason: "name a PostgreSQL schema of 1 to 63 characters".into(),
            });
        }
        let mut client = connect(url)?;
        check_server(&mut client, url)?;
        let meta = migrate(&mut client, url, &options.schema, model, options)?;
        if !meta.model.compatible_with(model) || meta.model.dim != model.dim {
            return Err(MatchError::ModelMismatch {
                path: None,
                index: Box::new(meta.model),
                query: Box::new(model.clone()),
            });
        }
        let replica = match replica_url {
            Some(replica) => {
                let mut client = connect(replica)?;
                check_server(&mut client, replica)?;
                Some(Mutex::new(Some(client)))
            }
            None => None,
        };
        Ok(Self {
            primary: Mutex::new(Some(client)),
            replica,
            primary_url: url.to_string(),
            replica_url: replica_url.map(str::to_string),
            schema: options.schema.clone(),
            model: meta.model,
            fields: meta.fields,
            names: meta.names,
            options: options.clone(),
            facts: Mutex::new(None),
        })
    }

    fn table(&self, name: &str) -> String {
        format!("{}.{}", ident(&self.schema), ident(name))
    }

    /// Runs `work` with a connection (the replica's for reads when there is
    /// one), reconnecting once when the connection was lost.
    fn with_client<T>(
        &self,
        read: bool,
        mut work: impl FnMut(&mut Client) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let (slot, url) = match (&self.replica, read) {
            (Some(replica), true) => (replica, self.replica_url.as_deref().unwrap_or_default()),
            _ => (&self.primary, self.primary_url.as_str()),
        };
        let mut guard: MutexGuard<'_, Option<Client>> =
            slot.lock().unwrap_or_else(PoisonError::into_inner);
        for attempt in 0..2 {
            if guard.as_ref().is_none_or(Client::is_closed) {
                *guard = Some(connect(url)?);
            }
            let client = guard.as_mut().ok_or_else(|| {
                store_error(url, "no connection", "the client was not set", CONNECT_HINT)
            })?;
            match work(client) {
                Ok(value) => return Ok(value),
                Err(error) if attempt == 0 && (error.is_closed() || client.is_closed()) => {
                    *guard = None;
                }
                Err(error) => {
                    if client.is_closed() {
                        *guard = None;
                    }
                    return Err(store_error(
                        url,
                        "a query failed",
                        describe_pg(&error),
                        CONNECT_HINT,
                    ));
                }
            }
        }
        Err(store_error(
            url,
            "the connection was lost",
            "reconnecting failed",
            CONNECT_HINT,
        ))
    }

    /// As [`PgStore::with_client`] on the primary, running `work` again when
    /// PostgreSQL aborted it as a deadlock or serialization failure (two
    /// writers touching the same statistics rows).
    fn with_retry<T>(
        &self,
        mut work: impl FnMut(&mut Client) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let mut attempts = 0;
        self.with_client(false, |client| {
            loop {
                match work(client) {
                    Err(error)
                        if attempts < 5
                            && error.code().is_some_and(|code| {
                                *code == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                                    || *code == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                            }) =>
                    {
                        attempts += 1;
                        std::thread::sleep(Duration::from_millis(10 * attempts));
                    }
                    other => return other,
                }
            }
        })
    }

    fn facts(&self, refresh: bool) -> Result<Facts> {
        let mut cached = self.facts.lock().unwrap_or_else(PoisonError::into_inner);
        if !refresh
            && let Some(facts) = cached.as_ref()
            && facts.at.elapsed() < FACTS_TTL
        {
            return Ok(facts.clone());
        }
        let jobs = self.table("jobs");
        let facts = self.with_client(true, |client| {
            let row = client.query_one(
                &format!(
                    "SELECT EXISTS (SELECT 1 FROM {jobs} WHERE location IS NOT NULL), \
                     EXISTS (SELECT 1 FROM {jobs} WHERE salary_min IS NOT NULL OR salary_max IS NOT NULL)"
                ),
                &[],
            )?;
            let keys = client.query(
                &format!("SELECT DISTINCT jsonb_object_keys(metadata) FROM {jobs}"),
                &[],
            )?;
            Ok(Facts {
                at: Instant::now(),
                location: row.get(0),
                salary: row.get(1),
                metadata_keys: keys.iter().map(|row| row.get::<_, String>(0)).collect(),
            })
        })?;
        *cached = Some(facts.clone());
        Ok(facts)
    }

    /// Candidate keys from one HNSW index for one query, filtered in SQL.
    fn candidates(
        &self,
        client: &mut impl GenericClient,
        query: &Vector,
        filter: &SqlFilter,
        limit: i64,
        names: bool,
    ) -> std::result::Result<Vec<i64>, postgres::Error> {
        let jobs = self.table("jobs");
        let sql = if names {
            let names = self.table("names");
            format!(
                "SELECT n.job_key FROM {names} n JOIN {jobs} j ON j.key = n.job_key \
                 WHERE {} ORDER BY n.embedding <#> $1 LIMIT $2",
                filter.clause("j")
            )
        } else {
            format!(
                "SELECT j.key FROM {jobs} j WHERE {} ORDER BY j.embedding <#> $1 LIMIT $2",
                filter.clause("j")
            )
        };
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![query, &limit];
        params.extend(
            filter
                .params
                .iter()
                .map(|param| param.as_ref() as &(dyn ToSql + Sync)),
        );
        let rows = client.query(&sql, &params)?;
        Ok(rows.iter().map(|row| row.get::<_, i64>(0)).collect())
    }
}

fn check_server(client: &mut Client, url: &str) -> Result<()> {
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .map_err(|error| {
            store_error(
                url,
                "cannot read the server version",
                describe_pg(&error),
                CONNECT_HINT,
            )
        })?
        .get(0);
    if version < 130_000 {
        return Err(store_error(
            url,
            "unsupported server",
            format!("PostgreSQL {} is too old", version / 10_000),
            "use PostgreSQL 13 or later with pgvector 0.8 or later",
        ));
    }
    Ok(())
}

/// Creates the extension, schema, tables and indexes when missing; returns
/// the store's recorded metadata (written now for a new store).
fn migrate(
    client: &mut Client,
    url: &str,
    schema: &str,
    model: &ModelIdentity,
    options: &PgOptions,
) -> Result<Meta> {
    let fail = |what: &str, error: postgres::Error, hint: &str| {
        store_error(url, what, describe_pg(&error), hint)
    };
    let available: Option<String> = client
        .query_opt(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'",
            &[],
        )
        .map_err(|error| fail("cannot list extensions", error, CONNECT_HINT))?
        .map(|row| row.get(0));
    let Some(_) = available else {
        return Err(store_error(
            url,
            "the vector extension is not installed on this server",
            "pgvector is missing",
            "install pgvector 0.8 or later into this PostgreSQL (or use `scripts/postgres.sh`, \
             which ships it)",
        ));
    };
    client
        .batch_execute("CREATE EXTENSION IF NOT EXISTS vector")
        .map_err(|error| {
            fail(
                "cannot create the vector extension",
                error,
                "create it once as a superuser: CREATE EXTENSION vector;",
            )
        })?;
    let installed: String = client
        .query_one(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
            &[],
        )
        .map_err(|error| {
            fail(
                "cannot read the vector extension's version",
                error,
                CONNECT_HINT,
            )
        })?
        .get(0);
    let parts: Vec<u32> = installed
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect();
    if parts.as_slice() < [0, 8].as_slice() {
        return Err(store_error(
            url,
            "pgvector is too old",
            format!("version {installed}"),
            "upgrade to pgvector 0.8 or later (ALTER EXTENSION vector UPDATE): filtered HNSW \
             searches need its iterative scans",
        ));
    }
    let s = ident(schema);
    let dim = model.dim;
    let create = format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
         CREATE TABLE IF NOT EXISTS {s}.meta (key text PRIMARY KEY, value jsonb NOT NULL);"
    );
    client.batch_execute(&create).map_err(|error| {
        fail(
            "cannot create the schema",
            error,
            "grant CREATE on the database to this user",
        )
    })?;
    let row = client
        .query_opt(
            &format!("SELECT value FROM {s}.meta WHERE key = 'store'"),
            &[],
        )
        .map_err(|error| fail("cannot read the store's metadata", error, CONNECT_HINT))?;
    if let Some(row) = row {
        let value: serde_json::Value = row.get(0);
        let version = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(PG_SCHEMA_VERSION)) {
            return Err(store_error(
                url,
                "unsupported schema",
                format!(
                    "schema {schema:?} has jobfit schema version {version:?}, this jobfit writes {PG_SCHEMA_VERSION}"
                ),
                "use the jobfit version that created it, or another --store schema",
            ));
        }
        let meta: Meta = serde_json::from_value(value).map_err(|error| {
            store_error(
                url,
                "the store's metadata is malformed",
                error,
                "recreate the schema",
            )
        })?;
        return Ok(meta);
    }
    let meta = Meta {
        schema_version: PG_SCHEMA_VERSION,
        model: model.clone(),
        fields: options.fields.clone(),
        names: options.names,
    };
    let value = serde_json::to_value(&meta).map_err(|error| {
        MatchError::Backend(format!("cannot serialize the store metadata: {error}"))
    })?;
    let tables = format!(
        "CREATE TABLE IF NOT EXISTS {s}.jobs (
             key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             id text NOT NULL UNIQUE,
             job jsonb NOT NULL,
             text_hash bigint NOT NULL,
             location text,
             salary_min double precision,
             salary_max double precision,
             metadata jsonb NOT NULL DEFAULT '{{}}',
             embedding vector({dim}) NOT NULL,
             bm25_terms text[] NOT NULL,
             bm25_tfs int[] NOT NULL,
             bm25_len int NOT NULL);
         CREATE TABLE IF NOT EXISTS {s}.names (
             job_key bigint NOT NULL REFERENCES {s}.jobs (key) ON DELETE CASCADE,
             ordinal int NOT NULL,
             name text NOT NULL,
             embedding vector({dim}) NOT NULL,
             PRIMARY KEY (job_key, ordinal));
         CREATE INDEX IF NOT EXISTS jobs_embedding ON {s}.jobs USING hnsw (embedding vector_ip_ops);
         CREATE INDEX IF NOT EXISTS names_embedding ON {s}.names USING hnsw (embedding vector_ip_ops);
         CREATE INDEX IF NOT EXISTS jobs_metadata ON {s}.jobs USING gin (metadata jsonb_path_ops);
         CREATE INDEX IF NOT EXISTS jobs_terms ON {s}.jobs USING gin (bm25_terms);
         CREATE TABLE IF NOT EXISTS {s}.term_stats (term text PRIMARY KEY, df bigint NOT NULL);
         CREATE TABLE IF NOT EXISTS {s}.corpus (
             id int PRIMARY KEY CHECK (id = 1), docs bigint NOT NULL, terms bigint NOT NULL);
         INSERT INTO {s}.corpus VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING;"
    );
    let mut transaction = client
        .transaction()
        .map_err(|error| fail("cannot start a transaction", error, CONNECT_HINT))?;
    transaction.batch_execute(&tables).map_err(|error| {
        fail(
            "cannot create the tables",
            error,
            "grant CREATE on the schema to this user",
        )
    })?;
    // A concurrent first open may have written it: keep the first.
    transaction
        .execute(
            &format!("INSERT INTO {s}.meta (key, value) VALUES ('store', $1) ON CONFLICT (key) DO NOTHING"),
            &[&value],
        )
        .map_err(|error| fail("cannot record the store's metadata", error, CONNECT_HINT))?;
    let stored: serde_json::Value = transaction
        .query_one(
            &format!("SELECT value FROM {s}.meta WHERE key = 'store'"),
            &[],
        )
        .map_err(|error| fail("cannot read the store's metadata", error, CONNECT_HINT))?
        .get(0);
    transaction
        .commit()
        .map_err(|error| fail("cannot create the schema", error, CONNECT_HINT))?;
    serde_json::from_value(stored).map_err(|error| {
        store_error(
            url,
            "the store's metadata is malformed",
            error,
            "recreate the schema",
        )
    })
}

/// A [`JobFilter`] as a SQL condition with its parameters (numbered after
/// the query's own two).
struct SqlFilter {
    conditions: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl SqlFilter {
    fn new(filter: &JobFilter, first_param: usize) -> Self {
        let mut out = Self {
            conditions: Vec::new(),
            params: Vec::new(),
        };
        let mut next = first_param;
        let mut param = |out: &mut Self, value: Box<dyn ToSql + Sync>| {
            out.params.push(value);
            let placeholder = format!("${next}");
            next += 1;
            placeholder
        };
        match &filter.location {
            Some(LocationFilter::Contains(text)) => {
                let p = param(&mut out, Box::new(text.trim().to_lowercase()));
                out.conditions
                    .push(format!("strpos(lower({{t}}.location), {p}) > 0"));
            }
            Some(LocationFilter::Equals(text)) => {
                let p = param(&mut out, Box::new(text.trim().to_lowercase()));
                out.conditions
                    .push(format!("lower(btrim({{t}}.location)) = {p}"));
            }
            None => {}
        }
        if let Some((min, max)) = filter.salary {
            out.conditions
                .push("({t}.salary_min IS NOT NULL OR {t}.salary_max IS NOT NULL)".into());
            if let Some(min) = min {
                let p = param(&mut out, Box::new(min));
                out.conditions.push(format!(
                    "({{t}}.salary_max IS NULL OR {{t}}.salary_max >= {p})"
                ));
            }
            if let Some(max) = max {
                let p = param(&mut out, Box::new(max));
                out.conditions.push(format!(
                    "({{t}}.salary_min IS NULL OR {{t}}.salary_min <= {p})"
                ));
            }
        }
        if !filter.metadata.is_empty() {
            let wanted: BTreeMap<String, String> = filter
                .metadata
                .iter()
                .map(|(key, value)| (key.clone(), value.trim().to_lowercase()))
                .collect();
            let json = serde_json::to_value(wanted).unwrap_or_default();
            let p = param(&mut out, Box::new(json));
            out.conditions.push(format!("{{t}}.metadata @> {p}"));
        }
        out
    }

    fn clause(&self, table: &str) -> String {
        if self.conditions.is_empty() {
            return "TRUE".into();
        }
        self.conditions
            .iter()
            .map(|condition| condition.replace("{t}", table))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

/// The metadata a filter compares with: values trimmed and lower-cased.
fn normalized_metadata(job: &Job) -> serde_json::Value {
    let map: BTreeMap<&str, String> = job
        .metadata
        .iter()
        .map(|(key, value)| (key.as_str(), value.trim().to_lowercase()))
        .collect();
    serde_json::to_value(map).unwrap_or_default()
}

fn text_hash(text: &str, job: &Job, with_names: bool) -> i64 {
    let mut bytes = text.as_bytes().to_vec();
    if with_names {
        for name in job_names(job) {
            bytes.push(0);
            bytes.extend_from_slice(name.as_bytes());
        }
    }
    xxhash_rust::xxh3::xxh3_64(&bytes) as i64
}

/// A job text's BM25 terms: each distinct term once with its frequency, and
/// the number of terms (the document length), as [`Bm25`](crate::Bm25)
/// counts them.
struct Bm25Terms {
    terms: Vec<String>,
    tfs: Vec<i32>,
    len: i32,
}

impl Bm25Terms {
    fn of(text: &str) -> Self {
        let all = crate::bm25::terms(text);
        let mut counts: BTreeMap<String, i32> = BTreeMap::new();
        for term in &all {
            *counts.entry(term.clone()).or_default() += 1;
        }
        let (terms, tfs) = counts.into_iter().unzip();
        Self {
            terms,
            tfs,
            len: i32::try_from(all.len()).unwrap_or(i32::MAX),
        }
    }
}

/// Moves the BM25 statistics by a batch: terms of removed documents (one
/// entry per document that had the term) leave, terms of new ones enter.
fn update_term_stats(
    transaction: &mut postgres::Transaction<'_>,
    stats: &str,
    corpus: &str,
    gone: &[String],
    new: &[String],
    docs: i64,
    terms: i64,
) -> std::result::Result<(), postgres::Error> {
    let mut delta: BTreeMap<&str, i64> = BTreeMap::new();
    for term in new {
        *delta.entry(term.as_str()).or_default() += 1;
    }
    for term in gone {
        *delta.entry(term.as_str()).or_default() -= 1;
    }
    delta.retain(|_, count| *count != 0);
    // Sorted terms: concurrent batches lock the rows in the same order.
    let (names, changes): (Vec<&str>, Vec<i64>) = delta.into_iter().unzip();
    if !names.is_empty() {
        transaction.execute(
            &format!(
                "INSERT INTO {stats} (term, df) SELECT * FROM unnest($1::text[], $2::bigint[]) \
                 ON CONFLICT (term) DO UPDATE SET df = {stats}.df + EXCLUDED.df"
            ),
            &[&names, &changes],
        )?;
        transaction.execute(
            &format!("DELETE FROM {stats} WHERE df <= 0 AND term = ANY($1)"),
            &[&names],
        )?;
    }
    if docs != 0 || terms != 0 {
        transaction.execute(
            &format!("UPDATE {corpus} SET docs = docs + $1, terms = terms + $2 WHERE id = 1"),
            &[&docs, &terms],
        )?;
    }
    Ok(())
}

/// A job's row as the search reads it back.
struct Candidate {
    job: Arc<Job>,
    vector: Vec<f32>,
    /// (ordinal, name, vector).
    names: Vec<(usize, String, Vec<f32>)>,
}

impl JobStore for PgStore {
    fn describe(&self) -> String {
        format!(
            "PostgreSQL at {} (schema {})",
            redact_url(&self.primary_url),
            self.schema
        )
    }

    fn model(&self) -> &ModelIdentity {
        &self.model
    }

    fn fields(&self) -> &JobFields {
        &self.fields
    }

    fn has_names(&self) -> bool {
        self.names
    }

    fn len(&self) -> Result<usize> {
        let jobs = self.table("jobs");
        let count: i64 = self.with_client(true, |client| {
            Ok(client
                .query_one(&format!("SELECT count(*) FROM {jobs}"), &[])?
                .get(0))
        })?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    fn get(&self, id: &str) -> Result<Option<Job>> {
        let jobs = self.table("jobs");
        let value: Option<serde_json::Value> = self.with_client(true, |client| {
            Ok(client
                .query_opt(&format!("SELECT job FROM {jobs} WHERE id = $1"), &[&id])?
                .map(|row| row.get(0)))
        })?;
        value
            .map(|value| {
                serde_json::from_value(value).map_err(|error| {
                    MatchError::Backend(format!("job {id:?} in the database is malformed: {error}"))
                })
            })
            .transpose()
    }

    fn ids(&self) -> Result<Vec<String>> {
        let jobs = self.table("jobs");
        self.with_client(true, |client| {
            Ok(client
                .query(&format!("SELECT id FROM {jobs}"), &[])?
                .iter()
                .map(|row| row.get(0))
                .collect())
        })
    }

    fn check_filter(&self, filter: &JobFilter) -> Result<()> {
        if filter.is_empty() {
            return Ok(());
        }
        let to_check = |facts: &Facts| {
            let mut store_facts = crate::filter::CatalogFacts::default();
            store_facts.set(
                facts.location,
                facts.salary,
                facts.metadata_keys.iter().cloned(),
            );
            filter.check(&store_facts)
        };
        match to_check(&self.facts(false)?) {
            Ok(()) => Ok(()),
            // A field may have arrived since the facts were read.
            Err(MatchError::UnknownFilterField { .. }) => to_check(&self.facts(true)?),
            Err(error) => Err(error),
        }
    }

    fn search(&self, request: &SearchRequest<'_>) -> Result<Vec<StoredHit>> {
        for query in request.queries.iter().chain(request.name_queries) {
            if query.len() != self.model.dim {
                return Err(MatchError::InvalidVector {
                    message: format!(
                        "the query has {} values but the store holds {}-wide vectors",
                        query.len(),
                        self.model.dim
                    ),
                });
            }
            crate::vector::check_finite(query)?;
        }
        if request.k == 0 || request.queries.is_empty() {
            return Ok(Vec::new());
        }
        let use_names = self.names && request.name_weight > 0.0;
        let limit = request.k.max(self.options.candidates) as i64;
        let filter = SqlFilter::new(request.filter, 3);
        let ef = self.options.ef_search.max(request.k);
        let exact = request.mode == SearchMode::Exact;
        let jobs_table = self.table("jobs");
        let names_table = self.table("names");
        let queries: Vec<Vector> = request
            .queries
            .iter()
            .map(|query| Vector::from(query.clone()))
            .collect();
        let name_queries: Vec<Vector> = request
            .name_queries
            .iter()
            .map(|query| Vector::from(query.clone()))
            .collect();
        let candidates: HashMap<i64, Candidate> = self.with_client(true, |client| {
            let mut transaction = client.transaction()?;
            if exact {
                // Scan every row the filter keeps.
                transaction.batch_execute("SET LOCAL enable_indexscan = off")?;
            } else {
                transaction.batch_execute(&format!(
                    "SET LOCAL hnsw.ef_search = {ef}; SET LOCAL hnsw.iterative_scan = relaxed_order"
                ))?;
            }
            let mut keys: Vec<i64> = Vec::new();
            for query in &queries {
                keys.extend(self.candidates(&mut transaction, query, &filter, limit, false)?);
            }
            if use_names {
                for query in queries.iter().chain(&name_queries) {
                    keys.extend(self.candidates(&mut transaction, query, &filter, limit, true)?);
                }
            }
            keys.sort_unstable();
            keys.dedup();
            let rows = transaction.query(
                &format!("SELECT key, job, embedding FROM {jobs_table} WHERE key = ANY($1)"),
                &[&keys],
            )?;
            let mut out: HashMap<i64, Candidate> = HashMap::with_capacity(rows.len());
            for row in rows {
                let key: i64 = row.get(0);
                let value: serde_json::Value = row.get(1);
                let vector: Vector = row.get(2);
                let Ok(job) = serde_json::from_value::<Job>(value) else {
                    continue;
                };
                out.insert(
                    key,
                    Candidate {
                        job: Arc::new(job),
                        vector: vector.to_vec(),
                        names: Vec::new(),
                    },
                );
            }
            if use_names {
                let rows = transaction.query(
                    &format!(
                        "SELECT job_key, ordinal, name, embedding FROM {names_table} \
                         WHERE job_key = ANY($1) ORDER BY job_key, ordinal"
                    ),
                    &[&keys],
                )?;
                for row in rows {
                    let key: i64 = row.get(0);
                    let ordinal: i32 = row.get(1);
                    let vector: Vector = row.get(3);
                    if let Some(candidate) = out.get_mut(&key) {
                        candidate
                            .names
                            .push((ordinal as usize, row.get(2), vector.to_vec()));
                    }
                }
            }
            transaction.commit()?;
            Ok(out)
        })?;
        // Exact scores, as the embedded index computes them.
        let mut top = TopK::new(request.k);
        let mut scored: HashMap<usize, (f32, f32, Option<NameMatch>)> = HashMap::new();
        for (&key, candidate) in &candidates {
            let text = request
                .queries
                .iter()
                .map(|query| dot(query, &candidate.vector))
                .fold(f32::NEG_INFINITY, f32::max);
            let name = if use_names {
                request
                    .queries
                    .iter()
                    .chain(request.name_queries)
                    .flat_map(|query| {
                        candidate.names.iter().map(move |(ordinal, name, vector)| {
                            (*ordinal, name, dot(query, vector))
                        })
                    })
                    .reduce(|a, b| if b.2 > a.2 { b } else { a })
            } else {
                None
            };
            let score = match &name {
                Some((_, _, name_score)) => blend(text, *name_score, request.name_weight),
                None => text,
            };
            let name = name.map(|(ordinal, name, score)| NameMatch {
                ordinal,
                name: name.clone(),
                score,
            });
            top.push(key as usize, score);
            scored.insert(key as usize, (score, text, name));
        }
        Ok(top
            .into_sorted()
            .into_iter()
            .filter_map(|(key, score)| {
                let (_, text, name) = scored.remove(&key)?;
                let candidate = candidates.get(&(key as i64))?;
                Some(StoredHit {
                    key: key as u64,
                    job: Arc::clone(&candidate.job),
                    score,
                    text: Some(text),
                    name,
                })
            })
            .collect())
    }

    fn upsert(&self, jobs: Vec<Job>, embedder: &TextEmbedder) -> Result<UpsertReport> {
        if !self.model.compatible_with(embedder.identity()) {
            return Err(MatchError::ModelMismatch {
                path: None,
                index: Box::new(self.model.clone()),
                query: Box::new(embedder.identity().clone()),
            });
        }
        let texts = indexed_texts(&jobs, &self.fields)?;
        if let Some(job) = jobs
            .iter()
            .find(|job| job_names(job).len() > MAX_NAMES_PER_JOB)
        {
            return Err(MatchError::InvalidJob {
                id: job.id.clone(),
                reason: format!("more than {MAX_NAMES_PER_JOB} names"),
            });
        }
        if jobs.is_empty() {
            return Ok(UpsertReport::default());
        }
        let hashes: Vec<i64> = jobs
            .iter()
            .zip(&texts)
            .map(|(job, text)| text_hash(text, job, self.names))
            .collect();
        let jobs_table = self.table("jobs");
        let names_table = self.table("names");
        let ids: Vec<&str> = jobs.iter().map(|job| job.id.as_str()).collect();
        let stored: HashMap<String, i64> = self.with_client(false, |client| {
            let rows = client.query(
                &format!("SELECT id, text_hash FROM {jobs_table} WHERE id = ANY($1)"),
                &[&ids],
            )?;
            Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
        })?;
        let to_embed: Vec<usize> = (0..jobs.len())
            .filter(|&i| stored.get(&jobs[i].id) != Some(&hashes[i]))
            .collect();
        let refs: Vec<&str> = to_embed.iter().map(|&i| texts[i].as_str()).collect();
        let vectors = if refs.is_empty() {
            ndarray::Array2::zeros((0, self.model.dim))
        } else {
            embedder.embed_passages(&refs)?
        };
        let names: Vec<Vec<String>> = to_embed
            .iter()
            .map(|&i| {
                if self.names {
                    job_names(&jobs[i])
                } else {
                    Vec::new()
                }
            })
            .collect();
        let flat: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
        let name_vectors = if flat.is_empty() {
            ndarray::Array2::zeros((0, self.model.dim))
        } else {
            embedder.embed_passages(&flat)?
        };
        let mut report = UpsertReport::default();
        let mut fresh: HashMap<usize, (Vector, Vec<(String, Vector)>)> = HashMap::new();
        let mut row = 0;
        for (j, &i) in to_embed.iter().enumerate() {
            let job_names: Vec<(String, Vector)> = names[j]
                .iter()
                .map(|name| {
                    let vector = Vector::from(name_vectors.row(row).to_vec());
                    row += 1;
                    (name.clone(), vector)
                })
                .collect();
            fresh.insert(i, (Vector::from(vectors.row(j).to_vec()), job_names));
        }
        for (i, job) in jobs.iter().enumerate() {
            match (stored.contains_key(&job.id), fresh.contains_key(&i)) {
                (false, _) => report.added += 1,
                (true, true) => report.updated += 1,
                (true, false) => report.unchanged += 1,
            }
        }
        // BM25 terms of the jobs whose text changed.
        let terms: HashMap<usize, Bm25Terms> = fresh
            .keys()
            .map(|&i| (i, Bm25Terms::of(&texts[i])))
            .collect();
        let corpus = self.table("corpus");
        let stats = self.table("term_stats");
        self.with_retry(|client| {
            let mut transaction = client.transaction()?;
            let mut gone_terms: Vec<String> = Vec::new();
            let mut new_terms: Vec<String> = Vec::new();
            let (mut docs, mut total) = (0i64, 0i64);
            for (i, job) in jobs.iter().enumerate() {
                let value = serde_json::to_value(job).unwrap_or_default();
                let salary = job.salary;
                let (min, max) = (salary.and_then(|s| s.min()), salary.and_then(|s| s.max()));
                let metadata = normalized_metadata(job);
                match (fresh.get(&i), terms.get(&i)) {
                    (Some((vector, job_names)), Some(bm25)) => {
                        // The old terms leave the statistics, the new ones enter.
                        if let Some(old) = transaction.query_opt(
                            &format!("SELECT bm25_terms, bm25_len FROM {jobs_table} WHERE id = $1 FOR UPDATE"),
                            &[&job.id],
                        )? {
                            gone_terms.extend(old.get::<_, Vec<String>>(0));
                            docs -= 1;
                            total -= i64::from(old.get::<_, i32>(1));
                        }
                        new_terms.extend(bm25.terms.iter().cloned());
                        docs += 1;
                        total += i64::from(bm25.len);
                        let key: i64 = transaction
                            .query_one(
                                &format!(
                                    "INSERT INTO {jobs_table} \
                                     (id, job, text_hash, location, salary_min, salary_max, metadata, embedding, \
                                      bm25_terms, bm25_tfs, bm25_len) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                                     ON CONFLICT (id) DO UPDATE SET job = EXCLUDED.job, \
                                     text_hash = EXCLUDED.text_hash, location = EXCLUDED.location, \
                                     salary_min = EXCLUDED.salary_min, salary_max = EXCLUDED.salary_max, \
                                     metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding, \
                                     bm25_terms = EXCLUDED.bm25_terms, bm25_tfs = EXCLUDED.bm25_tfs, \
                                     bm25_len = EXCLUDED.bm25_len \
                                     RETURNING key"
                                ),
                                &[
                                    &job.id, &value, &hashes[i], &job.location, &min, &max, &metadata,
                                    vector, &bm25.terms, &bm25.tfs, &bm25.len,
                                ],
                            )?
                            .get(0);
                        transaction.execute(
                            &format!("DELETE FROM {names_table} WHERE job_key = $1"),
                            &[&key],
                        )?;
                        for (ordinal, (name, vector)) in job_names.iter().enumerate() {
                            transaction.execute(
                                &format!(
                                    "INSERT INTO {names_table} (job_key, ordinal, name, embedding) \
                                     VALUES ($1, $2, $3, $4)"
                                ),
                                &[&key, &(ordinal as i32), name, vector],
                            )?;
                        }
                    }
                    _ => {
                        transaction.execute(
                            &format!(
                                "UPDATE {jobs_table} SET job = $2, location = $3, salary_min = $4, \
                                 salary_max = $5, metadata = $6 WHERE id = $1"
                            ),
                            &[&job.id, &value, &job.location, &min, &max, &metadata],
                        )?;
                    }
                }
            }
            update_term_stats(&mut transaction, &stats, &corpus, &gone_terms, &new_terms, docs, total)?;
            transaction.commit()
        })?;
        Ok(report)
    }

    fn delete(&self, ids: &[String]) -> Result<DeleteReport> {
        let jobs_table = self.table("jobs");
        let corpus = self.table("corpus");
        let stats = self.table("term_stats");
        let unique: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut unique: Vec<&str> = unique.into_iter().collect();
        unique.sort_unstable();
        let deleted: usize = self.with_retry(|client| {
            let mut transaction = client.transaction()?;
            let rows = transaction.query(
                &format!(
                    "DELETE FROM {jobs_table} WHERE id = ANY($1) RETURNING bm25_terms, bm25_len"
                ),
                &[&unique],
            )?;
            let mut gone: Vec<String> = Vec::new();
            let mut total = 0i64;
            for row in &rows {
                gone.extend(row.get::<_, Vec<String>>(0));
                total -= i64::from(row.get::<_, i32>(1));
            }
            update_term_stats(
                &mut transaction,
                &stats,
                &corpus,
                &gone,
                &[],
                -(rows.len() as i64),
                total,
            )?;
            transaction.commit()?;
            Ok(rows.len())
        })?;
        Ok(DeleteReport {
            deleted,
            missing: unique.len() - deleted,
        })
    }

    fn lexical_search(
        &self,
        query: &str,
        k: usize,
        filter: &JobFilter,
        params: Bm25Params,
    ) -> Result<Vec<StoredHit>> {
        let mut terms = crate::bm25::terms(query);
        terms.sort();
        terms.dedup();
        if k == 0 || terms.is_empty() {
            return Ok(Vec::new());
        }
        let jobs_table = self.table("jobs");
        let corpus = self.table("corpus");
        let stats = self.table("term_stats");
        let sql_filter = SqlFilter::new(filter, 7);
        let rows = self.with_client(true, |client| {
            let mut transaction = client.transaction()?;
            let corpus_row = transaction.query_one(
                &format!("SELECT docs, terms FROM {corpus} WHERE id = 1"),
                &[],
            )?;
            let docs: i64 = corpus_row.get(0);
            let total: i64 = corpus_row.get(1);
            if docs <= 0 {
                return Ok(Vec::new());
            }
            let dfs: HashMap<String, i64> = transaction
                .query(
                    &format!("SELECT term, df FROM {stats} WHERE term = ANY($1)"),
                    &[&terms],
                )?
                .iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect();
            // The embedded index's idf: ln(1 + (N - df + 0.5) / (df + 0.5)).
            let n = docs as f64;
            let (query_terms, idfs): (Vec<String>, Vec<f64>) = terms
                .iter()
                .filter_map(|term| {
                    let df = *dfs.get(term)? as f64;
                    Some((term.clone(), (1.0 + (n - df + 0.5) / (df + 0.5)).ln()))
                })
                .unzip();
            if query_terms.is_empty() {
                return Ok(Vec::new());
            }
            let avg_len = (total as f64 / n).max(f64::MIN_POSITIVE);
            let k1 = f64::from(params.k1);
            let b = f64::from(params.b);
            let limit = k as i64;
            let sql = format!(
                "WITH q(term, idf) AS (SELECT * FROM unnest($1::text[], $2::float8[])) \
                 SELECT j.key, j.job, sum(q.idf * u.tf * ($3::float8 + 1) / \
                        (u.tf + $3::float8 * (1 - $4::float8 + $4::float8 * j.bm25_len / $5::float8))) \
                        AS score \
                 FROM {jobs_table} j \
                 CROSS JOIN LATERAL unnest(j.bm25_terms, j.bm25_tfs) AS u(term, tf) \
                 JOIN q ON q.term = u.term \
                 WHERE j.bm25_terms && $1::text[] AND {} \
                 GROUP BY j.key \
                 ORDER BY score DESC, j.key \
                 LIMIT $6",
                sql_filter.clause("j")
            );
            let mut values: Vec<&(dyn ToSql + Sync)> =
                vec![&query_terms, &idfs, &k1, &b, &avg_len, &limit];
            values.extend(
                sql_filter
                    .params
                    .iter()
                    .map(|p| p.as_ref() as &(dyn ToSql + Sync)),
            );
            let rows = transaction.query(&sql, &values)?;
            transaction.commit()?;
            Ok(rows
                .iter()
                .map(|row| {
                    let key: i64 = row.get(0);
                    let job: serde_json::Value = row.get(1);
                    let score: f64 = row.get(2);
                    (key, job, score)
                })
                .collect::<Vec<_>>())
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(key, job, score)| {
                Some(StoredHit {
                    key: key as u64,
                    job: Arc::new(serde_json::from_value(job).ok()?),
                    score: score as f32,
                    text: None,
                    name: None,
                })
            })
            .filter(|hit| hit.score > 0.0)
            .collect())
    }

    fn check_ready(&self) -> Result<()> {
        self.with_client(false, |client| client.batch_execute("SELECT 1"))?;
        if self.replica.is_some() {
            self.with_client(true, |client| client.batch_execute("SELECT 1"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.internal:5432/jobs"),
            "postgres://app:***@db.internal:5432/jobs"
        );
        assert_eq!(
            redact_url("host=/tmp user=app password=s3cret dbname=jobs"),
            "host=/tmp user=app password=*** dbname=jobs"
        );
        assert_eq!(
            redact_url("postgres://app@db/jobs"),
            "postgres://app@db/jobs"
        );
    }

    #[test]
    fn filters_become_sql_with_parameters() {
        let filter = JobFilter::new()
            .with_location(LocationFilter::Contains(" Berlin ".into()))
            .with_salary(Some(50.0), None)
            .with_metadata("remote", " Yes ");
        let sql = SqlFilter::new(&filter, 3);
        assert_eq!(
            sql.clause("j"),
            "strpos(lower(j.location), $3) > 0 AND (j.salary_min IS NOT NULL OR \
             j.salary_max IS NOT NULL) AND (j.salary_max IS NULL OR j.salary_max >= $4) AND \
             j.metadata @> $5"
        );
        assert_eq!(sql.params.len(), 3);
        assert_eq!(SqlFilter::new(&JobFilter::new(), 3).clause("j"), "TRUE");
    }
}
