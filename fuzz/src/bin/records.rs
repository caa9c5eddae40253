//! AFL++ entry point of the `records` fuzz target (see `jobfit_fuzz::records`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::records(data));
}
