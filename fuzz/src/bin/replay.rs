//! Runs a fuzz target on files, without AFL: `replay TARGET FILE...`.
//!
//! A crash or a failed property panics with its message, as under the fuzzer.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(target) = args.next() else {
        eprintln!("usage: replay TARGET FILE... | replay --write-seeds OUT");
        return ExitCode::from(2);
    };
    #[cfg(feature = "model")]
    if target == "--write-seeds" {
        let Some(out) = args.next() else {
            eprintln!("usage: replay --write-seeds OUT");
            return ExitCode::from(2);
        };
        return match jobfit_fuzz::write_seeds(out.as_ref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("cannot write the seeds: {error}");
                ExitCode::FAILURE
            }
        };
    }
    for path in args {
        let data = match std::fs::read(&path) {
            Ok(data) => data,
            Err(error) => {
                eprintln!("cannot read {path}: {error}");
                return ExitCode::from(2);
            }
        };
        if !jobfit_fuzz::run(&target, &data) {
            eprintln!("unknown target {target:?} (is it built with --features model?)");
            return ExitCode::from(2);
        }
        println!("{path}: ok");
    }
    ExitCode::SUCCESS
}
