//! The change log of a live index directory: every upsert and delete since
//! the last snapshot, appended and synced to disk before the change is
//! acknowledged, replayed when the index is opened.
//!
//! ```text
//! header   "JFCHLOG1" | generation u64 | dim u32                 (20 bytes)
//! record   payload length u32 | xxh3-64 of the payload u64 | payload
//! payload  1 (upsert) | position u32 | text hash u64 | job JSON length u32 | job JSON
//!                     | vector f32 x dim | name count u32 | name vectors f32 x dim x count
//!          2 (delete) | id length u32 | id
//!          3 (commit) | batch sequence u64
//! ```
//!
//! All numbers are little-endian. The records of one batch (one upsert or
//! delete call) are followed by a commit record, and only committed batches
//! are replayed: a process killed while writing a batch leaves a tail that
//! was never acknowledged, and that tail is dropped. A record that fails its
//! checksum *before* the last commit is damage, not an interrupted write, and
//! the index refuses to open.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jobfit_text::Job;

use crate::error::{MatchError, Result};

/// The file name of the change log inside an index directory.
pub(crate) const LOG_FILE: &str = "changes.log";

const MAGIC: &[u8; 8] = b"JFCHLOG1";
pub(crate) const HEADER_LEN: u64 = 20;
const RECORD_HEAD: usize = 12;
/// The largest record accepted when reading (a job with 65,535 names of
/// 4,096 dimensions and a long description stays far below it).
const MAX_RECORD: usize = 1 << 31;

const OP_UPSERT: u8 = 1;
const OP_DELETE: u8 = 2;
const OP_COMMIT: u8 = 3;

/// One change of a batch (deletes are rare next to upserts, so the
/// variants' sizes differing is fine).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Change {
    /// Sets the job at a position, with its vectors.
    Upsert {
        position: usize,
        hash: u64,
        job: Job,
        vector: Vec<f32>,
        /// Row-major, `dim` values per name.
        names: Vec<f32>,
    },
    /// Removes the job with an id.
    Delete { id: String },
}

impl Change {
    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Change::Upsert {
                position,
                hash,
                job,
                vector,
                names,
            } => {
                out.push(OP_UPSERT);
                out.extend_from_slice(&to_u32(*position, "job position")?.to_le_bytes());
                out.extend_from_slice(&hash.to_le_bytes());
                let json = serde_json::to_vec(job).map_err(|error| {
                    MatchError::Backend(format!("cannot serialize job {:?}: {error}", job.id))
                })?;
                out.extend_from_slice(&to_u32(json.len(), "job JSON length")?.to_le_bytes());
                out.extend_from_slice(&json);
                for value in vector {
                    out.extend_from_slice(&value.to_le_bytes());
                }
                let dim = vector.len().max(1);
                out.extend_from_slice(&to_u32(names.len() / dim, "name count")?.to_le_bytes());
                for value in names {
                    out.extend_from_slice(&value.to_le_bytes());
                }
            }
            Change::Delete { id } => {
                out.push(OP_DELETE);
                out.extend_from_slice(&to_u32(id.len(), "job id length")?.to_le_bytes());
                out.extend_from_slice(id.as_bytes());
            }
        }
        Ok(())
    }
}

fn to_u32(value: usize, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| MatchError::InvalidOption {
        name: "change log record",
        value: value.to_string(),
        reason: format!("the {what} does not fit the change log (at most 2^32 - 1)"),
    })
}

/// Frames one payload as a record.
fn frame(payload: &[u8], out: &mut Vec<u8>) -> Result<()> {
    out.extend_from_slice(&to_u32(payload.len(), "record length")?.to_le_bytes());
    out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// The bytes of a whole batch: its records and the commit.
pub(crate) fn encode_batch(changes: &[Change], sequence: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut payload = Vec::new();
    for change in changes {
        payload.clear();
        change.encode(&mut payload)?;
        frame(&payload, &mut out)?;
    }
    payload.clear();
    payload.push(OP_COMMIT);
    payload.extend_from_slice(&sequence.to_le_bytes());
    frame(&payload, &mut out)?;
    Ok(out)
}

/// The header of a new log.
pub(crate) fn header(generation: u64, dim: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(HEADER_LEN as usize);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&generation.to_le_bytes());
    out.extend_from_slice(&to_u32(dim, "vector width")?.to_le_bytes());
    Ok(out)
}

/// What reading a log found.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// The committed batches, in order.
    pub(crate) batches: Vec<Vec<Change>>,
    /// The byte length of the log up to the end of the last commit.
    pub(crate) committed_len: u64,
    /// Bytes after the last commit (an interrupted batch), dropped.
    pub(crate) dropped_bytes: u64,
    /// The sequence number of the last committed batch (0 for none).
    pub(crate) last_sequence: u64,
}

/// Reads the log at `path` written for snapshot `generation` and vectors of
/// width `dim`. A missing log is an empty one.
///
/// # Errors
///
/// [`MatchError::CorruptIndex`] when the header is not a change log, belongs
/// to another snapshot or width, or a record before the last commit is
/// damaged.
pub(crate) fn read(path: &Path, dir: &Path, generation: u64, dim: usize) -> Result<Replay> {
    let corrupt = |message: String| MatchError::CorruptIndex {
        path: dir.to_path_buf(),
        message: format!("{LOG_FILE}: {message}"),
    };
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut file) => {
            file.read_to_end(&mut bytes)
                .map_err(|source| MatchError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Replay::default());
        }
        Err(source) => {
            return Err(MatchError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    if bytes.len() < HEADER_LEN as usize {
        // A log whose header write was interrupted holds no change.
        return Ok(Replay {
            dropped_bytes: bytes.len() as u64,
            ..Replay::default()
        });
    }
    if &bytes[..8] != MAGIC {
        return Err(corrupt(
            "it does not start with the change log signature".into(),
        ));
    }
    let log_generation = u64::from_le_bytes(bytes[8..16].try_into().unwrap_or_default());
    let log_dim = u32::from_le_bytes(bytes[16..20].try_into().unwrap_or_default()) as usize;
    if log_generation != generation {
        return Err(corrupt(format!(
            "it belongs to snapshot {log_generation} but the index is at snapshot {generation} \
             (files from two different writes were mixed)"
        )));
    }
    if log_dim != dim {
        return Err(corrupt(format!(
            "it holds {log_dim}-wide vectors but the index {dim}-wide ones"
        )));
    }
    let mut replay = Replay {
        committed_len: HEADER_LEN,
        ..Replay::default()
    };
    let mut pending: Vec<Change> = Vec::new();
    let mut at = HEADER_LEN as usize;
    loop {
        let rest = &bytes[at..];
        if rest.is_empty() {
            break;
        }
        let Some((payload, next)) = record_at(&bytes, at) else {
            // An interrupted write: a record cut short, or bytes that never
            // became a record (zeros after a power loss).
            break;
        };
        match decode(payload, dim) {
            Ok(Decoded::Change(change)) => pending.push(change),
            Ok(Decoded::Commit(sequence)) => {
                replay.batches.push(std::mem::take(&mut pending));
                replay.last_sequence = sequence;
                replay.committed_len = next as u64;
            }
            Err(message) => {
                return Err(corrupt(format!(
                    "the record at byte {at} has a valid checksum but cannot be read: {message}"
                )));
            }
        }
        at = next;
    }
    // A checksum failure followed by a later commit is damage, not a torn tail.
    if at < bytes.len() && has_commit_after(&bytes, at + 1) {
        return Err(corrupt(format!(
            "the record at byte {at} is damaged (its length or checksum is wrong) and committed \
             changes follow it; restore the index from a backup or rebuild it with `jobfit index`"
        )));
    }
    replay.dropped_bytes = bytes.len() as u64 - replay.committed_len;
    Ok(replay)
}

/// The payload of the record at `at` and where the next one starts, if the
/// record is whole and its checksum holds.
fn record_at(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let head = bytes.get(at..at + RECORD_HEAD)?;
    let len = u32::from_le_bytes(head[..4].try_into().ok()?) as usize;
    let sum = u64::from_le_bytes(head[4..12].try_into().ok()?);
    if len == 0 || len > MAX_RECORD {
        return None;
    }
    let payload = bytes.get(at + RECORD_HEAD..at + RECORD_HEAD + len)?;
    (xxhash_rust::xxh3::xxh3_64(payload) == sum).then_some((payload, at + RECORD_HEAD + len))
}

/// The payload length of a commit record: the operation and a u64.
const COMMIT_LEN: usize = 9;

/// Whether a valid commit record starts anywhere at or after `from`. A
/// commit is 21 bytes with a known length field, so the scan is linear.
fn has_commit_after(bytes: &[u8], from: usize) -> bool {
    (from..bytes.len().saturating_sub(RECORD_HEAD + COMMIT_LEN - 1)).any(|at| {
        bytes[at..at + 4] == (COMMIT_LEN as u32).to_le_bytes()
            && bytes[at + RECORD_HEAD] == OP_COMMIT
            && record_at(bytes, at).is_some()
    })
}

#[allow(clippy::large_enum_variant)]
enum Decoded {
    Change(Change),
    Commit(u64),
}

/// A reader over a payload that fails with a message instead of panicking.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "it ends after {} bytes where {} more were expected",
                self.bytes.len(),
                n
            ));
        };
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u32(&mut self) -> std::result::Result<u32, String> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self) -> std::result::Result<u64, String> {
        let bytes = self.take(8)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(array))
    }

    fn floats(&mut self, n: usize) -> std::result::Result<Vec<f32>, String> {
        let bytes = self.take(n.checked_mul(4).ok_or("too many values")?)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

fn decode(payload: &[u8], dim: usize) -> std::result::Result<Decoded, String> {
    let mut cursor = Cursor {
        bytes: payload,
        at: 1,
    };
    let decoded = match payload.first() {
        Some(&OP_UPSERT) => {
            let position = cursor.u32()? as usize;
            let hash = cursor.u64()?;
            let json_len = cursor.u32()? as usize;
            let job: Job = serde_json::from_slice(cursor.take(json_len)?)
                .map_err(|error| format!("its job is not valid JSON: {error}"))?;
            let vector = cursor.floats(dim)?;
            let count = cursor.u32()? as usize;
            let names = cursor.floats(count.checked_mul(dim).ok_or("too many names")?)?;
            Decoded::Change(Change::Upsert {
                position,
                hash,
                job,
                vector,
                names,
            })
        }
        Some(&OP_DELETE) => {
            let len = cursor.u32()? as usize;
            let id = std::str::from_utf8(cursor.take(len)?)
                .map_err(|_| "its job id is not UTF-8".to_string())?
                .to_string();
            Decoded::Change(Change::Delete { id })
        }
        Some(&OP_COMMIT) => Decoded::Commit(cursor.u64()?),
        Some(op) => return Err(format!("unknown operation {op}")),
        None => return Err("it is empty".into()),
    };
    if cursor.at != payload.len() {
        return Err(format!(
            "{} bytes are left over after the record",
            payload.len() - cursor.at
        ));
    }
    Ok(decoded)
}

/// An open log, appended to by the one writer of an index.
#[derive(Debug)]
pub(crate) struct LogWriter {
    path: PathBuf,
    file: File,
    len: u64,
    sequence: u64,
}

impl LogWriter {
    /// Opens the log for appending after its last commit, dropping any
    /// interrupted tail; creates it with a header when missing or headless.
    pub(crate) fn open(path: &Path, generation: u64, dim: usize, replay: &Replay) -> Result<Self> {
        let io = |source| MatchError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let existing = file.metadata().map_err(io)?.len();
        let len = if existing < HEADER_LEN || replay.committed_len < HEADER_LEN {
            file.set_len(0).map_err(io)?;
            file.write_all(&header(generation, dim)?).map_err(io)?;
            HEADER_LEN
        } else {
            if existing != replay.committed_len {
                file.set_len(replay.committed_len).map_err(io)?;
            }
            replay.committed_len
        };
        file.sync_all().map_err(io)?;
        file.seek(SeekFrom::Start(len)).map_err(io)?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            len,
            sequence: replay.last_sequence,
        })
    }

    /// Appends a batch and syncs it to disk: once this returns, the batch
    /// survives a crash.
    ///
    /// # Errors
    ///
    /// [`MatchError::Io`]; the log is then cut back to its previous length
    /// (best effort) so a later batch does not follow a broken one.
    pub(crate) fn append(&mut self, changes: &[Change]) -> Result<()> {
        let bytes = encode_batch(changes, self.sequence + 1)?;
        let written = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            let _ = self.file.set_len(self.len);
            let _ = self.file.seek(SeekFrom::Start(self.len));
            return Err(MatchError::Io {
                path: self.path.clone(),
                source,
            });
        }
        self.len += bytes.len() as u64;
        self.sequence += 1;
        Ok(())
    }

    /// The log's length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

/// The bytes a log holds beyond its header.
pub(crate) fn payload_len(log_len: u64) -> u64 {
    log_len.saturating_sub(HEADER_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upsert(id: &str, position: usize) -> Change {
        Change::Upsert {
            position,
            hash: 7,
            job: Job::new(id, "Cook"),
            vector: vec![0.5, -0.5],
            names: vec![1.0, 0.0, 0.0, 1.0],
        }
    }

    fn write(dir: &Path, batches: &[Vec<Change>]) -> Vec<u8> {
        let path = dir.join(LOG_FILE);
        let mut writer = LogWriter::open(&path, 3, 2, &Replay::default()).unwrap();
        for batch in batches {
            writer.append(batch).unwrap();
        }
        std::fs::read(path).unwrap()
    }

    #[test]
    fn batches_round_trip_and_an_interrupted_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let batches = vec![
            vec![upsert("a", 0), upsert("b", 1)],
            vec![Change::Delete { id: "a".into() }],
        ];
        let bytes = write(dir.path(), &batches);
        let replay = read(&dir.path().join(LOG_FILE), dir.path(), 3, 2).unwrap();
        assert_eq!(replay.batches, batches);
        assert_eq!(replay.committed_len, bytes.len() as u64);
        assert_eq!(replay.last_sequence, 2);
        // Every cut inside the second batch keeps the first batch exactly.
        let first_end = HEADER_LEN as usize + encode_batch(&batches[0], 1).unwrap().len();
        for cut in first_end..bytes.len() {
            std::fs::write(dir.path().join(LOG_FILE), &bytes[..cut]).unwrap();
            let replay = read(&dir.path().join(LOG_FILE), dir.path(), 3, 2).unwrap();
            assert_eq!(replay.batches, batches[..1], "cut at {cut}");
            assert_eq!(replay.dropped_bytes, (cut - first_end) as u64);
        }
        // Zeros after the last commit (a power loss) are dropped too.
        let mut padded = bytes.clone();
        padded.extend_from_slice(&[0; 100]);
        std::fs::write(dir.path().join(LOG_FILE), &padded).unwrap();
        let replay = read(&dir.path().join(LOG_FILE), dir.path(), 3, 2).unwrap();
        assert_eq!(replay.batches.len(), 2);
    }

    #[test]
    fn damage_before_a_commit_and_foreign_logs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let batches = vec![vec![upsert("a", 0)], vec![upsert("b", 1)]];
        let mut bytes = write(dir.path(), &batches);
        let path = dir.path().join(LOG_FILE);
        // A flipped byte inside the first job's JSON: its checksum fails and
        // the second batch's commit follows.
        bytes[HEADER_LEN as usize + 30] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();
        let error = read(&path, dir.path(), 3, 2).unwrap_err().to_string();
        assert!(error.contains("damaged"), "{error}");
        write(dir.path(), &batches);
        let error = read(&path, dir.path(), 4, 2).unwrap_err().to_string();
        assert!(error.contains("snapshot 3"), "{error}");
        let error = read(&path, dir.path(), 3, 8).unwrap_err().to_string();
        assert!(error.contains("2-wide"), "{error}");
        std::fs::write(&path, b"not a change log at all").unwrap();
        assert!(read(&path, dir.path(), 3, 2).is_err());
        assert!(
            read(&dir.path().join("missing"), dir.path(), 3, 2)
                .unwrap()
                .batches
                .is_empty()
        );
    }

    #[test]
    fn reopening_cuts_the_tail_and_appends_after_the_last_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        let mut bytes = write(dir.path(), &[vec![upsert("a", 0)]]);
        bytes.extend_from_slice(&[1, 2, 3]);
        std::fs::write(&path, &bytes).unwrap();
        let replay = read(&path, dir.path(), 3, 2).unwrap();
        let mut writer = LogWriter::open(&path, 3, 2, &replay).unwrap();
        writer.append(&[upsert("b", 1)]).unwrap();
        let replay = read(&path, dir.path(), 3, 2).unwrap();
        assert_eq!(replay.batches.len(), 2);
        assert_eq!(replay.dropped_bytes, 0);
        assert_eq!(replay.last_sequence, 2);
    }
}
