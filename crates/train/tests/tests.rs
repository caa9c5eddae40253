//! Integration tests for jobfit-train: one test binary, one module per area.

#[path = "../../text/tests/support.rs"]
#[allow(dead_code)]
mod support;

mod classify;
mod contrastive;
mod dataset;
mod loss;
mod metrics;
mod optim;
mod probe;
mod report;
mod rerank;
mod tiny;
