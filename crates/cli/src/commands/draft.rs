//! `jobfit draft`: an extractive job description from the closest O*NET
//! occupations and similar postings, every line citing its source.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use jobfit::guide::{
    DraftLine, DraftOptions, DraftRequest, Drafter, JobDraft, PostingColumns, closest_occupations,
    detect_language, model_knows, model_languages, occupations_by_skills, read_postings,
};
use jobfit::matching::Matcher;

use crate::commands::index::{load_embedder, resolve_model_dir};
use crate::commands::recommend::default_index;
use crate::error::{CliError, Result};

/// Output formats of a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DraftFormat {
    /// Markdown, each line followed by its source.
    Markdown,
    /// One JSON object.
    Json,
}

#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The job title (any language the sources have: "Data Engineer", "数据工程师").
    #[arg(long)]
    title: String,
    /// Skills the job needs, comma separated.
    #[arg(long, value_delimiter = ',')]
    skills: Vec<String>,
    /// Postings (CSV or JSON lines) to draw sentences from: those with the most similar titles.
    #[arg(long)]
    postings: Option<PathBuf>,
    /// The model that compares titles and lines.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// How many O*NET occupations to draw from.
    #[arg(long, default_value_t = 2)]
    occupations: usize,
    /// How many similar postings to draw from.
    #[arg(long, default_value_t = 5)]
    similar: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DraftFormat::Markdown)]
    format: DraftFormat,
    /// Where the O*NET catalog's index is cached (as for `jobfit recommend`).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Do not read or write the cache.
    #[arg(long)]
    no_cache: bool,
}

pub fn run(args: DraftArgs) -> Result<()> {
    let embedder = Arc::new(load_embedder(&args.model, None, None, None)?);
    let languages = model_languages(resolve_model_dir(&args.model)?);
    let skills: Vec<String> = args
        .skills
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let title_language = detect_language(&args.title);
    let readable = title_language.is_none_or(|l| model_knows(languages.as_deref(), l));
    let occupations = if args.occupations == 0 {
        Vec::new()
    } else if readable {
        let index = default_index(&embedder, args.cache_dir.as_deref(), args.no_cache)?;
        let matcher = Matcher::new(index, Arc::clone(&embedder))?;
        closest_occupations(&matcher, &args.title, args.occupations)?
    } else {
        occupations_by_skills(&skills, args.occupations)
    };
    let postings = args
        .postings
        .as_ref()
        .map(|path| read_postings(path, &PostingColumns::default()))
        .transpose()?;
    let options = DraftOptions {
        occupations: args.occupations,
        postings: args.similar,
        model_languages: languages,
        ..DraftOptions::default()
    };
    let request = DraftRequest {
        title: args.title.clone(),
        skills,
    };
    let draft =
        Drafter::new(embedder).draft(&request, &occupations, postings.as_ref(), &options)?;
    match args.format {
        DraftFormat::Json => {
            let text = serde_json::to_string_pretty(&draft)
                .map_err(|error| CliError::Usage(format!("cannot serialize output: {error}")))?;
            println!("{text}");
        }
        DraftFormat::Markdown => print!("{}", markdown(&draft)),
    }
    Ok(())
}

fn markdown(draft: &JobDraft) -> String {
    let chinese = draft.language == "zh";
    let mut out = format!("# {}\n\n", draft.title);
    let sections: [(&str, &str, &[DraftLine]); 4] = [
        ("Summary", "职位概述", &draft.summary),
        ("Responsibilities", "岗位职责", &draft.responsibilities),
        ("Requirements", "任职要求", &draft.requirements),
        ("Skills", "技能", &draft.skills),
    ];
    for (english, chinese_heading, lines) in sections {
        out.push_str(&format!(
            "## {}\n\n",
            if chinese { chinese_heading } else { english }
        ));
        if lines.is_empty() {
            out.push_str("(no source line)\n\n");
            continue;
        }
        for line in lines {
            out.push_str(&format!("- {} [{}]\n", line.text, line.source));
        }
        out.push('\n');
    }
    out.push_str("---\n");
    let sources: Vec<String> = draft
        .occupations
        .iter()
        .map(|o| format!("O*NET {} {} ({:.2})", o.id, o.title, o.similarity))
        .chain(
            draft
                .postings
                .iter()
                .map(|p| format!("posting {} {} ({:.2})", p.id, p.title, p.similarity)),
        )
        .collect();
    out.push_str(&format!("Sources: {}\n", sources.join("; ")));
    if draft.duplicates_removed > 0 {
        out.push_str(&format!(
            "Near-duplicate lines removed: {}\n",
            draft.duplicates_removed
        ));
    }
    for note in &draft.notes {
        out.push_str(&format!("Note: {note}\n"));
    }
    out.push_str(&format!("{}\n", draft.notice));
    out
}
