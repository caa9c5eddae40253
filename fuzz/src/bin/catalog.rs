//! AFL++ entry point of the `catalog` fuzz target (see `jobfit_fuzz::catalog`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::catalog(data));
}
