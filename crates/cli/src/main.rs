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
    /// Embed a job catalog into an index directory, or sync one to a catalog (--update).
    Index(commands::index::IndexArgs),
    /// Change the jobs of an index directory in place: upsert, delete, get.
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCommand),
    /// Recommend jobs for a resume, with matched and missing skills.
    Recommend(commands::recommend::RecommendArgs),
    /// Rank candidates (resumes) for a job, with an optional fairness audit.
    Screen(commands::screen::ScreenArgs),
    /// Evaluate models.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Classify texts with a fine-tuned classifier: top labels with probabilities as JSON lines.
    Predict(commands::predict::PredictArgs),
    /// Fine-tune an encoder: a classifier (fully or as a linear probe) or a matcher.
    #[command(subcommand)]
    Train(commands::train::TrainCommand),
}

#[derive(Debug, Subcommand)]
enum EvalCommand {
    /// Retrieval: rank a catalog for each query; print Recall@K, MRR, NDCG and MAP as JSON.
    Retrieve(commands::retrieve::RetrieveArgs),
    /// Classification: predict a labelled file; print accuracy, macro/weighted F1 and per-class
    /// precision, recall, F1 and support as JSON.
    Classify(commands::eval::ClassifyEvalArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Embed(args) => commands::embed::run(args),
        Command::Index(args) => commands::index::run(args),
        Command::Jobs(command) => commands::jobs::run(command),
        Command::Recommend(args) => commands::recommend::run(args),
        Command::Screen(args) => commands::screen::run(args),
        Command::Eval(EvalCommand::Retrieve(args)) => commands::retrieve::run(args),
        Command::Eval(EvalCommand::Classify(args)) => commands::eval::run_classify(args),
        Command::Predict(args) => commands::predict::run(args),
        Command::Train(command) => commands::train::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("jobfit: error: {error}");
            ExitCode::FAILURE
        }
    }
}
