//! AFL++ entry point of the `tokenize` fuzz target (see `jobfit_fuzz::tokenize`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::tokenize(data));
}
