//! AFL++ entry point of the `garbage` fuzz target (see `jobfit_fuzz::garbage`).

fn main() {
    afl::fuzz!(|data: &[u8]| jobfit_fuzz::garbage(data));
}
