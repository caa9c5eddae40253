//! AFL++ entry point of the `clean` fuzz target (see `jobfit_fuzz::clean`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::clean(data));
}
