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

// Parsed once per run: the size of the largest subcommand's arguments does not matter.
#[allow(clippy::large_enum_variant)]
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
    /// Serve recommending and screening over HTTP, with API keys, limits and metrics.
    Serve(commands::serve::ServeArgs),
    /// Evaluate models.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Classify texts with a fine-tuned classifier: top labels with probabilities as JSON lines.
    Predict(commands::predict::PredictArgs),
    /// Fine-tune an encoder: a classifier (fully or as a linear probe) or a matcher.
    #[command(subcommand)]
    Train(commands::train::TrainCommand),
    /// The skills a resume lacks for a job, an O*NET occupation or an index's best jobs,
    /// ranked, with the closest skill it has; with --courses, a learning plan.
    Gaps(commands::gaps::GapsArgs),
    /// Labour-market analysis of a postings file: skill demand, skills asked for together,
    /// pay by skill and region, demand over time (table, JSON, HTML report).
    Market(commands::market::MarketArgs),
    /// Draft a job description from O*NET occupations and similar postings; every line
    /// cites its source, nothing is invented.
    Draft(commands::draft::DraftArgs),
    /// Augment classification or pair data: title and skill synonyms, section dropout and
    /// reordering (seeded).
    Augment(commands::augment::AugmentArgs),
    /// Fairness audits of the matching.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
}

// Parsed once per run, like `Command`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum EvalCommand {
    /// Retrieval: rank a catalog for each query; print Recall@K, MRR, NDCG and MAP as JSON.
    Retrieve(commands::retrieve::RetrieveArgs),
    /// Classification: predict a labelled file; print accuracy, macro/weighted F1 and per-class
    /// precision, recall, F1 and support as JSON.
    Classify(commands::eval::ClassifyEvalArgs),
}

/// Prints the libraries' warnings (a text the model cannot read, ...) on
/// standard error.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("jobfit: warning: {}", record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLog = StderrLog;

fn main() -> ExitCode {
    // Only fails when a logger is already set, which nothing else does.
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Embed(args) => commands::embed::run(args),
        Command::Index(args) => commands::index::run(args),
        Command::Jobs(command) => commands::jobs::run(command),
        Command::Recommend(args) => commands::recommend::run(args),
        Command::Screen(args) => commands::screen::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Eval(EvalCommand::Retrieve(args)) => commands::retrieve::run(args),
        Command::Eval(EvalCommand::Classify(args)) => commands::eval::run_classify(args),
        Command::Predict(args) => commands::predict::run(args),
        Command::Train(command) => commands::train::run(command),
        Command::Gaps(args) => commands::gaps::run(args),
        Command::Market(args) => commands::market::run(args),
        Command::Draft(args) => commands::draft::run(args),
        Command::Augment(args) => commands::augment::run(args),
        Command::Audit(command) => commands::audit::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("jobfit: error: {error}");
            ExitCode::FAILURE
        }
    }
}
