//! Integration tests for jobfit-guide: one test binary, one module per area.

// Not every helper is used by every crate's tests.
#[allow(dead_code)]
#[path = "../../text/tests/support.rs"]
mod support;

mod common;

mod augment;
mod counterfactual;
mod courses;
mod draft;
mod gaps;
mod market;
mod pretrained;
mod properties;
