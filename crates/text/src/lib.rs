//! Job and resume text processing for jobfit.
//!
//! This crate has no deep-learning dependency: it prepares text for the encoder
//! in `jobfit-model` and for the explanations in `jobfit-match`.
//!
//! The modules, in the order a pipeline uses them:
//!
//! - `clean`: HTML to text, mojibake repair, Unicode NFKC, whitespace.
//! - `dedup`: exact and near-duplicate detection over many postings.
//! - `redact`: PII redaction (emails, phones, URLs, birth dates, ages,
//!   gender words) with typed placeholders and the replaced spans.
//! - `skills`: gazetteer skill extraction with a bundled default gazetteer.
//! - `sections`: resume section splitting (English and Chinese headings).
//! - `tokenize`: Hugging Face `tokenizers` with pairs, truncation, padding
//!   and long-document chunking.
//! - `data`: `Job` and `Resume` records and streaming CSV / JSONL readers.
//! - `garbage`: refusing binary files, text in a legacy encoding and unreadable
//!   text ([`decode_text`], [`check_text`]) before they are ranked.
//! - `document`: resume files (PDF, DOCX, HTML, plain text) sniffed by
//!   content and read within limits.
#![deny(missing_docs)]

mod clean;
mod data;
mod dedup;
pub mod document;
mod garbage;
mod redact;
mod sections;
mod skills;
mod tokenize;

// Flat re-exports: one line per module, kept sorted.
pub use clean::{CleanError, Cleaner, CleanerBuilder, clean};
pub use data::{
    CsvRows, CsvTable, DataError, DataSource, Job, JobColumns, JobReader, JsonlReader,
    MetadataColumns, ReadOptions, Resume, ResumeColumns, ResumeReader, SalaryRange, TextEncoding,
    read_jobs_csv, read_jobs_jsonl, read_jsonl, read_resumes_csv, read_resumes_jsonl,
};
pub use dedup::{DedupError, Deduplicator, DeduplicatorBuilder, DuplicateGroup, MinHashSignature};
pub use document::{
    Document, DocumentError, DocumentKind, DocumentLimits, read_document, read_document_file,
};
pub use garbage::{
    BinaryFormat, GarbageError, LegacyEncoding, MAX_CONTROL_BYTE_SHARE, MAX_INVALID_UTF8_SHARE,
    MAX_UNREADABLE_SHARE, MIN_EVIDENCE, Unreadable, check_text, decode_text,
};
pub use redact::{
    GenderStyle, PiiKind, RedactError, Redacted, Redaction, Redactor, RedactorBuilder,
    Result as RedactResult,
};
pub use sections::{Section, SectionKind, section_text, split_sections};
pub use skills::{Result as SkillResult, SkillEntry, SkillError, SkillGazetteer, SkillMatch};
pub use tokenize::{
    Chunk, Coverage, EncodedBatch, Encoding, PromptRole, Prompts, Result as TokenizeResult,
    TextTokenizer, TokenizeError, VocabularyKind,
};
