//! The jobfit command line.

mod commands;
mod error;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Job recommendation with pretrained transformer encoders.
#[derive(Debug, Parser)]
#[command(name = "jobfit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Embed texts from JSON lines ({"text": ...}) with a sentence encoder.
    Embed(commands::embed::EmbedArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Embed(args) => commands::embed::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("jobfit: error: {error}");
            ExitCode::FAILURE
        }
    }
}
