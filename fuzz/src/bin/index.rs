//! AFL++ entry point of the `index` fuzz target (see `jobfit_fuzz::index`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::index(data));
}
