//! Integration tests for jobfit-text: one test binary, one module per area.

mod clean;
mod data;
mod dedup;
mod document;
mod documents;
mod fuzzed;
mod garbage;
mod redact;
mod sections;
mod skills;
mod support;
mod tokenize;
