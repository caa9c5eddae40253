//! `jobfit market`: labour-market analysis of a postings file (skill
//! demand, skills asked for together, pay by skill and region, demand over
//! time), as a table, JSON, a self-contained HTML report and SVG charts.

use std::path::PathBuf;

use clap::Args;
use jobfit::guide::{
    MarketAnalyzer, MarketOptions, MarketReport, PostingColumns, market_charts, market_html,
    read_postings,
};

use crate::commands::recommend::{Format, Style};
use crate::error::{CliError, Result};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct MarketArgs {
    /// The postings: CSV (.csv, .tsv) or JSON lines. Columns are found by their usual names
    /// (title, description, skills, salary, region or location, category, date...); name
    /// them with the --*-col options.
    #[arg(long)]
    postings: PathBuf,
    /// Break the postings down by region, category or month.
    #[arg(long)]
    by: Option<String>,
    /// Write the HTML report (one self-contained page with SVG charts) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write each chart as an SVG file into this directory.
    #[arg(long)]
    charts: Option<PathBuf>,
    /// How many skills the demand table lists.
    #[arg(long, default_value_t = 30)]
    top_skills: usize,
    /// A skill not to count (such as the employer's own name); repeatable.
    #[arg(long)]
    ignore_skill: Vec<String>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// The id column.
    #[arg(long)]
    id_col: Option<String>,
    /// The title column.
    #[arg(long)]
    title_col: Option<String>,
    /// A text column (description, requirements...); repeatable.
    #[arg(long)]
    text_col: Vec<String>,
    /// The skills column.
    #[arg(long)]
    skills_col: Option<String>,
    /// The pay column.
    #[arg(long)]
    pay_col: Option<String>,
    /// The region (location) column.
    #[arg(long)]
    region_col: Option<String>,
    /// The category column.
    #[arg(long)]
    category_col: Option<String>,
    /// The date column.
    #[arg(long)]
    date_col: Option<String>,
}

pub fn run(args: MarketArgs) -> Result<()> {
    let columns = PostingColumns {
        id: args.id_col.clone(),
        title: args.title_col.clone(),
        text: args.text_col.clone(),
        skills: args.skills_col.clone(),
        pay: args.pay_col.clone(),
        region: args.region_col.clone(),
        category: args.category_col.clone(),
        date: args.date_col.clone(),
    };
    let postings = read_postings(&args.postings, &columns)?;
    let options = MarketOptions {
        by: args.by.as_deref().map(str::parse).transpose()?,
        top_skills: args.top_skills,
        ignore_skills: args.ignore_skill.clone(),
        ..MarketOptions::default()
    };
    let report = MarketAnalyzer::new().analyze(&postings, &options)?;
    if let Some(path) = &args.out {
        let html = market_html(&report)?;
        let mut output = Output::open(Some(path))?;
        output.line(&html)?;
        output.finish()?;
        eprintln!("wrote the report to {}", path.display());
    }
    if let Some(dir) = &args.charts {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
            path: dir.clone(),
            source,
        })?;
        for (stem, svg) in market_charts(&report)? {
            let path = dir.join(format!("{stem}.svg"));
            let mut output = Output::open(Some(&path))?;
            output.line(&svg)?;
            output.finish()?;
        }
        eprintln!("wrote the charts to {}", dir.display());
    }
    match args.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&report)
                .map_err(|error| CliError::Usage(format!("cannot serialize output: {error}")))?;
            println!("{text}");
        }
        Format::Table => print!("{}", table(&report, Style::detect())),
    }
    Ok(())
}

fn table(report: &MarketReport, style: Style) -> String {
    let mut out = format!(
        "{} postings from {}; skills found in {}{}\n",
        report.postings,
        report.source,
        report.postings_with_skills,
        if report.partial {
            style.yellow(" (partial: see the notes)")
        } else {
            String::new()
        }
    );
    out.push_str(&format!("{}\n", style.bold("most asked-for skills:")));
    for skill in report.skills.iter().take(15) {
        out.push_str(&format!(
            "{:>3}. {:<32} {:>6} {:>6.1}%\n",
            skill.rank,
            skill.skill,
            skill.postings,
            skill.share * 100.0
        ));
    }
    if !report.pairs.is_empty() {
        out.push_str(&format!("{}\n", style.bold("asked for together:")));
        for pair in report.pairs.iter().take(8) {
            out.push_str(&format!(
                "     {} + {}: {} postings, lift {:.2}\n",
                pair.a, pair.b, pair.postings, pair.lift
            ));
        }
    }
    if let Some(pay) = &report.pay {
        out.push_str(&format!(
            "{} {} per {}: median {:.0} (middle half {:.0} to {:.0}) over {} postings; {} not stated, {} \
             absent, {} unreadable\n",
            style.bold("pay,"),
            pay.currency,
            pay.period,
            pay.overall.median,
            pay.overall.p25,
            pay.overall.p75,
            pay.overall.postings,
            pay.not_stated,
            pay.absent,
            pay.unreadable
        ));
        for row in pay.by_skill.iter().take(8) {
            out.push_str(&format!(
                "     {:<32} median {:>10.0} ({} postings)\n",
                row.name, row.stats.median, row.stats.postings
            ));
        }
    }
    if let Some(timeline) = &report.timeline {
        out.push_str(&format!(
            "{} {}\n",
            style.bold("postings by month:"),
            timeline
                .months
                .iter()
                .map(|m| format!("{} {}", m.month, m.postings))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(breakdown) = &report.breakdown {
        out.push_str(&format!(
            "{}\n",
            style.bold(&format!("by {}:", breakdown.by))
        ));
        for group in &breakdown.groups {
            let skills: Vec<String> = group
                .skills
                .iter()
                .take(4)
                .map(|s| s.skill.clone())
                .collect();
            out.push_str(&format!(
                "     {:<24} {:>6} postings  {}\n",
                group.group,
                group.postings,
                skills.join(", ")
            ));
        }
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}
