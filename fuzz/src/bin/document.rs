//! AFL++ entry point of the `document` fuzz target (see `jobfit_fuzz::document`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::document(data));
}
