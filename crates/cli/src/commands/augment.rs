//! `jobfit augment`: augmented copies of classification or pair data
//! (synonym swaps, section dropout and reordering), seeded.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use jobfit::guide::{AugmentKind, AugmentOptions, Augmenter, SynonymTable, augment_file};
use jobfit::text::SkillGazetteer;

use crate::error::{CliError, Result};

/// What the input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Labelled texts (resumes) for `jobfit train classify`.
    Classification,
    /// Pairs (anchor, positive) for `jobfit train match`.
    Pairs,
}

#[derive(Debug, Args)]
pub struct AugmentArgs {
    /// The data: CSV (.csv) or JSON lines.
    #[arg(long)]
    input: PathBuf,
    /// Where to write the data with the augmented copies (same format).
    #[arg(long)]
    output: PathBuf,
    /// What the data holds.
    #[arg(long, value_enum)]
    kind: Kind,
    /// The text column of classification data.
    #[arg(long, default_value = "text")]
    text_col: String,
    /// The anchor column of pair data.
    #[arg(long, default_value = "anchor")]
    anchor_col: String,
    /// Augmented copies per record.
    #[arg(long, default_value_t = 1)]
    copies: usize,
    /// The seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The probability that a title or skill found in a text is swapped for a synonym.
    #[arg(long, default_value_t = 0.5)]
    synonym_rate: f64,
    /// The probability that a resume section (after the first) is dropped.
    #[arg(long, default_value_t = 0.15)]
    section_dropout: f64,
    /// The probability that a resume's sections are reordered.
    #[arg(long, default_value_t = 0.5)]
    section_shuffle: f64,
    /// The synonym sources, comma separated: onet (alternate titles of the bundled O*NET
    /// catalog), gazetteer (skill aliases), esco (needs --esco).
    #[arg(long, value_delimiter = ',', default_value = "onet,gazetteer")]
    synonyms: Vec<String>,
    /// ESCO's occupations_en.csv, for the esco synonyms.
    #[arg(long)]
    esco: Option<PathBuf>,
    /// Keep titles that the project's evaluation sets hold out (by default they are never
    /// written into training data).
    #[arg(long)]
    keep_held_out: bool,
}

pub fn run(args: AugmentArgs) -> Result<()> {
    let mut builder = SynonymTable::builder().with_held_out_dropped(!args.keep_held_out);
    for source in &args.synonyms {
        builder = match source.trim().to_ascii_lowercase().as_str() {
            "onet" => builder.with_onet_titles(),
            "gazetteer" => builder.with_gazetteer(SkillGazetteer::default_gazetteer()),
            "esco" => {
                let path = args.esco.as_ref().ok_or_else(|| {
                    CliError::Usage(
                        "--synonyms esco needs --esco FILE (ESCO's occupations_en.csv)".into(),
                    )
                })?;
                builder.with_esco_occupations(path)?
            }
            "" => builder,
            other => {
                return Err(CliError::Usage(format!(
                    "unknown synonym source {other:?}: use onet, gazetteer or esco"
                )));
            }
        };
    }
    let table = builder.build()?;
    let options = AugmentOptions {
        seed: args.seed,
        copies: args.copies,
        synonym_rate: args.synonym_rate,
        section_dropout: args.section_dropout,
        section_shuffle: args.section_shuffle,
    };
    let augmenter = Augmenter::new(table, options)?;
    let kind = match args.kind {
        Kind::Classification => AugmentKind::Classification {
            text: args.text_col.clone(),
        },
        Kind::Pairs => AugmentKind::Pairs {
            anchor: args.anchor_col.clone(),
        },
    };
    let report = augment_file(&args.input, &args.output, &kind, &augmenter)?;
    eprintln!(
        "wrote {} records and {} augmented copies to {} ({} swaps, {} sections dropped, {} reordered; \
         {} copies came out unchanged and were left out; {} synonym groups)",
        report.records,
        report.copies,
        args.output.display(),
        report.swaps,
        report.sections_dropped,
        report.reordered,
        report.unchanged,
        augmenter.table().groups().len()
    );
    Ok(())
}
