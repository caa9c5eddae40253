//! AFL++ entry point of the `redact` fuzz target (see `jobfit_fuzz::redact`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::redact(data));
}
