//! API keys: a TOML file of hashed keys with scopes and names, checked in
//! constant time; and a per-key token-bucket rate limit.
//!
//! ```toml
//! [[key]]
//! name = "ats-prod"                  # shown in the logs
//! sha256 = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
//! scopes = ["read", "write"]
//! ```
//!
//! `sha256` is the hex SHA-256 of the key (`printf %s "$KEY" | sha256sum`):
//! the file never holds a key. Keys should be long and random (for example
//! `openssl rand -hex 32`), which is why a plain hash suffices.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ServeError;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Recommend, screen, read jobs.
    Read,
    /// Add, replace and delete jobs.
    Write,
}

impl Scope {
    /// The scope's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }
}

/// One key of a [`KeyRing`].
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// The name written to the logs.
    pub name: String,
    hash: [u8; 32],
    scopes: HashSet<Scope>,
}

impl ApiKey {
    /// Whether the key has `scope`.
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    key: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    name: String,
    sha256: String,
    scopes: Vec<Scope>,
}

/// The service's API keys.
#[derive(Debug, Clone)]
pub struct KeyRing {
    keys: Vec<ApiKey>,
}

impl KeyRing {
    /// Reads a keys file.
    ///
    /// # Errors
    ///
    /// [`ServeError::Io`], or [`ServeError::Keys`] for invalid TOML, a bad
    /// hash, an empty or duplicate name, a key without scopes or no key.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ServeError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ServeError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ServeError::Keys {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses keys-file TOML.
    ///
    /// # Errors
    ///
    /// What is wrong, as text.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: KeysFile = toml::from_str(text).map_err(|error| error.to_string())?;
        if file.key.is_empty() {
            return Err("it holds no [[key]] entry".into());
        }
        let mut names = HashSet::new();
        let mut keys = Vec::with_capacity(file.key.len());
        for entry in file.key {
            if entry.name.trim().is_empty() || !names.insert(entry.name.clone()) {
                return Err(format!(
                    "key names must be non-empty and unique ({:?})",
                    entry.name
                ));
            }
            let hash = parse_hash(&entry.sha256).ok_or_else(|| {
                format!(
                    "key {:?}: sha256 must be 64 hex digits (printf %s \"$KEY\" | sha256sum)",
                    entry.name
                )
            })?;
            if entry.scopes.is_empty() {
                return Err(format!(
                    "key {:?} has no scopes (use read, write or both)",
                    entry.name
                ));
            }
            keys.push(ApiKey {
                name: entry.name,
                hash,
                scopes: entry.scopes.into_iter().collect(),
            });
        }
        Ok(Self { keys })
    }

    /// The key whose hash is the presented key's, compared in constant time
    /// against every key (the time does not tell which, or how much, matched).
    pub fn verify(&self, presented: &str) -> Option<&ApiKey> {
        let digest = Sha256::digest(presented.as_bytes());
        let mut found = None;
        for key in &self.keys {
            if bool::from(key.hash[..].ct_eq(&digest[..])) {
                found = Some(key);
            }
        }
        found
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The hex SHA-256 of a key, for the keys file.
pub fn hash_key(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn parse_hash(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A token bucket per key: `per_minute` requests a minute, `burst` at once.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter; `per_minute == 0` lets everything through.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`, or says how long until one is there.
    ///
    /// # Errors
    ///
    /// The wait until the next token.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_hashed_keys_and_scopes() {
        // sha256("password"), a published test vector.
        let ring = KeyRing::from_toml(
            "[[key]]\nname = \"a\"\nsha256 = \"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\"\nscopes = [\"read\"]\n",
        )
        .unwrap();
        let key = ring.verify("password").unwrap();
        assert_eq!(key.name, "a");
        assert!(key.allows(Scope::Read) && !key.allows(Scope::Write));
        assert!(ring.verify("Password").is_none());
        assert!(ring.verify("").is_none());
        assert_eq!(
            hash_key("password"),
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        );
    }

    #[test]
    fn refuses_bad_files() {
        for text in [
            "",
            "[[key]]\nname = \"a\"\nsha256 = \"abc\"\nscopes = [\"read\"]\n",
            "[[key]]\nname = \"a\"\nsha256 = \"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\"\nscopes = []\n",
            "[[key]]\nname = \"a\"\nsha256 = \"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\"\nscopes = [\"admin\"]\n",
            "[[key]]\nname = \"a\"\nkey = \"plain\"\nsha256 = \"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\"\nscopes = [\"read\"]\n",
        ] {
            assert!(KeyRing::from_toml(text).is_err(), "{text}");
        }
    }

    #[test]
    fn the_bucket_refills_at_the_rate() {
        let limiter = RateLimiter::new(60, 2);
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        let wait = limiter.check("a").unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::from_millis(900));
        // Another key has its own bucket.
        assert!(limiter.check("b").is_ok());
        assert!(RateLimiter::new(0, 0).check("a").is_ok());
    }
}
