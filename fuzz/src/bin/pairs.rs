//! AFL++ entry point of the `pairs` fuzz target (see `jobfit_fuzz::pairs`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::pairs(data));
}
