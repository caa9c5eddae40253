//! The service's settings: a TOML file, each setting overridable by a flag.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jobfit_model::BatchOptions;
use jobfit_text::DocumentLimits;
use serde::{Deserialize, Serialize};

use crate::error::ServeError;

/// Every setting of the service. A TOML file holds any subset of these keys
/// (unknown keys are refused); `jobfit serve --help` lists the same knobs as
/// flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// The address to listen on. Default 127.0.0.1:8080. Without a keys file
    /// only loopback addresses are allowed.
    pub bind: SocketAddr,
    /// The model directory. Default `models/all-MiniLM-L6-v2`.
    pub model: PathBuf,
    /// An index directory (`jobfit index`); default: the bundled O*NET
    /// catalog, embedded on first use and cached.
    pub index: Option<PathBuf>,
    /// A PostgreSQL store instead of an index directory:
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (a password is safer
    /// here, in a file only the service reads, than on the command line).
    /// Default: none.
    pub store: Option<String>,
    /// A read replica of `store` for searches and gets. Default: none.
    pub store_read: Option<String>,
    /// The PostgreSQL schema of jobfit's tables. Default `jobfit`.
    pub store_schema: String,
    /// The API keys file (TOML, see the README). Default: none, loopback only.
    pub keys: Option<PathBuf>,
    /// The request limits.
    pub limits: Limits,
    /// Micro-batching of the encoder.
    pub batching: Batching,
    /// Shutdown.
    pub shutdown: Shutdown,
    /// Log lines as JSON (default) or as text.
    pub log_format: LogFormat,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            model: PathBuf::from("models/all-MiniLM-L6-v2"),
            index: None,
            store: None,
            store_read: None,
            store_schema: "jobfit".into(),
            keys: None,
            limits: Limits::default(),
            batching: Batching::default(),
            shutdown: Shutdown::default(),
            log_format: LogFormat::Json,
        }
    }
}

/// Per-request limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The most bytes of a request body. Default 12 MiB (a 10 MiB file with
    /// its multipart framing).
    pub max_body_bytes: usize,
    /// The most bytes of one resume file. Default 10 MiB.
    pub max_file_bytes: usize,
    /// The most characters of one resume (text or extracted). Default 100,000.
    pub max_resume_chars: usize,
    /// The most pages of a PDF resume. Default 50.
    pub max_pdf_pages: usize,
    /// The most bytes a DOCX may inflate to. Default 50 MiB.
    pub max_uncompressed_bytes: u64,
    /// The largest `top_k`. Default 100.
    pub max_top_k: usize,
    /// The most resumes in one screening request. Default 200.
    pub max_resumes_per_screen: usize,
    /// The most jobs in one bulk upsert. Default 10,000.
    pub max_jobs_per_batch: usize,
    /// Requests per minute per key (0: no limit). Default 600.
    pub rate_per_minute: u32,
    /// Requests a key may make at once above its rate (the bucket size).
    /// Default 60.
    pub rate_burst: u32,
    /// Requests doing work at once; more are answered 503. Default 256.
    pub max_in_flight: usize,
    /// Seconds a request may take before it is answered 503. Default 30.
    pub request_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 12 << 20,
            max_file_bytes: 10 << 20,
            max_resume_chars: 100_000,
            max_pdf_pages: 50,
            max_uncompressed_bytes: 50 << 20,
            max_top_k: 100,
            max_resumes_per_screen: 200,
            max_jobs_per_batch: 10_000,
            rate_per_minute: 600,
            rate_burst: 60,
            max_in_flight: 256,
            request_timeout_secs: 30,
        }
    }
}

impl Limits {
    /// The limits of resume files.
    pub fn documents(&self) -> DocumentLimits {
        DocumentLimits {
            max_bytes: self.max_file_bytes,
            max_pages: self.max_pdf_pages,
            max_chars: self.max_resume_chars,
            max_uncompressed: self.max_uncompressed_bytes,
            ..DocumentLimits::default()
        }
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

/// Micro-batching settings (see `jobfit_model::MicroBatcher`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Batching {
    /// Share forward passes between concurrent requests. Default true.
    pub enabled: bool,
    /// The most texts in one batch. Default 256.
    pub max_batch: usize,
    /// Milliseconds the first request of a batch waits for others. Default 2.
    pub max_wait_ms: u64,
    /// The most texts waiting for the encoder; more are answered 503.
    /// Default 16,384.
    pub max_queue: usize,
}

impl Default for Batching {
    fn default() -> Self {
        let options = BatchOptions::default();
        Self {
            enabled: true,
            max_batch: options.max_batch,
            max_wait_ms: u64::try_from(options.max_wait.as_millis()).unwrap_or(2),
            max_queue: options.max_queue,
        }
    }
}

impl Batching {
    /// The batcher's options.
    pub fn options(&self) -> BatchOptions {
        BatchOptions {
            max_batch: self.max_batch,
            max_wait: Duration::from_millis(self.max_wait_ms),
            max_queue: self.max_queue,
        }
    }
}

/// Shutdown settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Shutdown {
    /// Milliseconds between SIGTERM and closing the listener, during which
    /// `/readyz` and new requests answer 503 so that a load balancer moves
    /// traffic away. Default 0.
    pub drain_ms: u64,
    /// Seconds in-flight requests get to finish after the listener closes.
    /// Default 30.
    pub grace_secs: u64,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self {
            drain_ms: 0,
            grace_secs: 30,
        }
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Text,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "json" => Ok(Self::Json),
            "text" => Ok(Self::Text),
            other => Err(format!("unknown log format {other:?}; use json or text")),
        }
    }
}

impl ServeConfig {
    /// Reads a TOML file.
    ///
    /// # Errors
    ///
    /// [`ServeError::Io`] or [`ServeError::Config`] (syntax, unknown keys,
    /// wrong types).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ServeError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ServeError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ServeError::Config {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses TOML text.
    ///
    /// # Errors
    ///
    /// The parser's message.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|error| error.to_string())
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`ServeError::Setting`] naming a setting out of range, or
    /// [`ServeError::UnprotectedBind`] for a non-loopback address without keys.
    pub fn validate(&self) -> Result<(), ServeError> {
        let positive = |name: &'static str, value: u64| {
            if value == 0 {
                Err(ServeError::Setting {
                    name,
                    reason: "must be at least 1".into(),
                })
            } else {
                Ok(())
            }
        };
        let limits = &self.limits;
        positive("max_body_bytes", limits.max_body_bytes as u64)?;
        positive("max_file_bytes", limits.max_file_bytes as u64)?;
        positive("max_resume_chars", limits.max_resume_chars as u64)?;
        positive("max_pdf_pages", limits.max_pdf_pages as u64)?;
        positive("max_uncompressed_bytes", limits.max_uncompressed_bytes)?;
        positive("max_top_k", limits.max_top_k as u64)?;
        positive(
            "max_resumes_per_screen",
            limits.max_resumes_per_screen as u64,
        )?;
        positive("max_jobs_per_batch", limits.max_jobs_per_batch as u64)?;
        positive("max_in_flight", limits.max_in_flight as u64)?;
        positive("request_timeout_secs", limits.request_timeout_secs)?;
        if limits.rate_per_minute > 0 {
            positive("rate_burst", u64::from(limits.rate_burst))?;
        }
        positive("batching.max_batch", self.batching.max_batch as u64)?;
        positive("batching.max_queue", self.batching.max_queue as u64)?;
        if self.index.is_some() && self.store.is_some() {
            return Err(ServeError::Setting {
                name: "index",
                reason: "give an index directory or a store URL, not both".into(),
            });
        }
        if self.store_read.is_some() && self.store.is_none() {
            return Err(ServeError::Setting {
                name: "store_read",
                reason: "a read replica needs the primary store too: set store".into(),
            });
        }
        if self.keys.is_none() && !self.bind.ip().is_loopback() {
            return Err(ServeError::UnprotectedBind { bind: self.bind });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_sets_nested_knobs_and_refuses_unknown_ones() {
        let config = ServeConfig::from_toml(
            "bind = \"127.0.0.1:9000\"\n[limits]\nmax_top_k = 7\n[batching]\nmax_wait_ms = 5\n",
        )
        .unwrap();
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(config.limits.max_top_k, 7);
        assert_eq!(config.limits.max_resumes_per_screen, 200);
        assert_eq!(config.batching.options().max_wait, Duration::from_millis(5));
        let error = ServeConfig::from_toml("[limits]\nmax_topk = 7\n").unwrap_err();
        assert!(error.contains("max_topk"), "{error}");
    }

    #[test]
    fn no_keys_means_loopback_only() {
        let mut config = ServeConfig::default();
        config.validate().unwrap();
        config.bind = "0.0.0.0:8080".parse().unwrap();
        assert!(matches!(
            config.validate(),
            Err(ServeError::UnprotectedBind { .. })
        ));
        config.keys = Some("keys.toml".into());
        config.validate().unwrap();
        config.bind = "[::1]:8080".parse().unwrap();
        config.keys = None;
        config.validate().unwrap();
    }
}
