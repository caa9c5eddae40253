//! Integration tests for jobfit-model: one test binary, one module per area.

#[path = "../../text/tests/support.rs"]
mod support;

mod parity;
