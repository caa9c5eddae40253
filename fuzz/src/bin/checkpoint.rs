//! AFL++ entry point of the `checkpoint` fuzz target (see `jobfit_fuzz::checkpoint`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::checkpoint(data));
}
