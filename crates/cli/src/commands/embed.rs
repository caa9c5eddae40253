//! `jobfit embed`: JSON lines of texts in, JSON lines of embeddings out.

use std::path::PathBuf;

use clap::Args;
use jobfit::model::{EmbedderOptions, PromptRole, TextEmbedder};
use jobfit::text::{ReadOptions, read_jsonl};
use serde::{Deserialize, Serialize};

use crate::commands::index::PromptArgs;
use crate::error::{CliError, Result};
use crate::output::Output;

/// Texts embedded per model call.
const CHUNK: usize = 256;

#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Hugging Face model directory (config.json, model.safetensors, tokenizer.json).
    #[arg(long)]
    model: PathBuf,
    /// Maximum tokens per text (default: the model's sentence-transformers setting).
    #[arg(long)]
    max_len: Option<usize>,
    /// JSON lines with a "text" field; `-` reads standard input.
    #[arg(long)]
    input: PathBuf,
    /// Where to write the JSON lines (default: standard output).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    #[arg(long)]
    lossy: bool,
    /// Embed the texts as queries or passages: with the model's prompt for
    /// that role in front ("query: " or "passage: " for e5 models). Without
    /// it, texts are embedded exactly as given.
    #[arg(long, value_name = "query|passage", value_parser = parse_role)]
    prompt: Option<PromptRole>,
    #[command(flatten)]
    prompts: PromptArgs,
}

fn parse_role(text: &str) -> std::result::Result<PromptRole, String> {
    text.parse()
}

#[derive(Debug, Deserialize)]
struct InputLine {
    text: String,
}

#[derive(Debug, Serialize)]
struct OutputLine<'a> {
    text: &'a str,
    embedding: &'a [f32],
}

pub fn run(args: EmbedArgs) -> Result<()> {
    let device = jobfit::default_device();
    let options = EmbedderOptions {
        max_length: args.max_len,
        ..Default::default()
    };
    if args.max_len == Some(0) {
        return Err(CliError::Usage("--max-len must be at least 3".into()));
    }
    let options = EmbedderOptions {
        prompts: args.prompts.resolve(&args.model)?,
        ..options
    };
    let embedder = TextEmbedder::from_dir_with(&args.model, options, &device)?;
    if let Some(role) = args.prompt
        && embedder.prompt(role).is_none()
    {
        eprintln!(
            "jobfit: note: {} has no {} prompt: texts are embedded as given",
            args.model.display(),
            match role {
                PromptRole::Query => "query",
                PromptRole::Passage => "passage",
            }
        );
    }
    let reader = read_jsonl::<InputLine>(
        &args.input,
        ReadOptions::default().with_lossy_utf8(args.lossy),
    )?;
    let mut output = Output::open(args.output.as_deref())?;
    let mut pending: Vec<String> = Vec::with_capacity(CHUNK);
    let flush = |pending: &mut Vec<String>, output: &mut Output| -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let texts: Vec<&str> = pending.iter().map(String::as_str).collect();
        let vectors = match args.prompt {
            Some(role) => embedder.embed_as(role, &texts)?,
            None => embedder.embed(&texts)?,
        };
        for (text, vector) in texts.iter().zip(vectors.rows()) {
            let embedding = vector.to_vec();
            let line = serde_json::to_string(&OutputLine {
                text,
                embedding: &embedding,
            })
            .map_err(|error| CliError::Usage(format!("cannot serialize output: {error}")))?;
            output.line(&line)?;
        }
        pending.clear();
        Ok(())
    };
    for record in reader {
        let (_line, input) = record?;
        pending.push(input.text);
        if pending.len() == CHUNK {
            flush(&mut pending, &mut output)?;
        }
    }
    flush(&mut pending, &mut output)?;
    output.finish()
}
