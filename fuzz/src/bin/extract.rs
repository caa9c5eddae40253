//! AFL++ entry point of the `extract` fuzz target (see `jobfit_fuzz::extract`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::extract(data));
}
