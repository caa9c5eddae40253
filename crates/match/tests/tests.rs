//! Integration tests for jobfit-match: one test binary, one module per area.

// Not every helper is used by every crate's tests.
#[allow(dead_code)]
#[path = "../../text/tests/support.rs"]
mod support;

mod common;

mod ann;
mod catalog;
mod data;
mod index;
mod live;
mod occupations;
#[cfg(feature = "postgres")]
mod postgres;
mod pretrained;
mod recommend;
mod screen;
mod sentences;
mod vector;
