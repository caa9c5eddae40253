//! The market report as one self-contained HTML page (inline CSS and SVG
//! charts, no scripts, nothing fetched), and its charts on their own.

use std::fmt::Write as _;

use html_escape::encode_text;

use crate::charts;
use crate::error::Result;
use crate::market::{MarketReport, PayReport};
use crate::pay::PayPeriod;

/// The charts of a report, each an SVG document: `(file stem, svg)`.
/// Skill demand always; pay by skill and by region when pay was read;
/// demand over time when there are at least two months; the breakdown's
/// sizes when one was asked for.
///
/// # Errors
///
/// [`GuideError::Plot`](crate::GuideError::Plot) when a chart cannot be drawn.
pub fn market_charts(report: &MarketReport) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let percent = |v: f64| format!("{:.0}%", v * 100.0);
    let top: Vec<(String, f64)> = report
        .skills
        .iter()
        .take(20)
        .map(|s| (s.skill.clone(), s.share))
        .collect();
    if !top.is_empty() {
        out.push((
            "skill-demand".to_string(),
            charts::bars(
                &format!(
                    "Most asked-for skills ({} postings with a known skill)",
                    report.postings_with_skills
                ),
                "share of postings with a known skill",
                &top,
                &percent,
            )?,
        ));
    }
    if let Some(pay) = &report.pay {
        let unit = pay_unit(pay);
        let by_skill: Vec<(String, f64, f64, f64)> = pay
            .by_skill
            .iter()
            .take(20)
            .map(|p| (p.name.clone(), p.stats.p25, p.stats.median, p.stats.p75))
            .collect();
        if !by_skill.is_empty() {
            out.push((
                "pay-by-skill".to_string(),
                charts::ranges(
                    "Pay by skill: median and middle half",
                    &unit,
                    &by_skill,
                    &short_amount,
                )?,
            ));
        }
        let mut by_region: Vec<(String, f64, f64, f64)> = pay
            .by_region
            .iter()
            .map(|p| (p.name.clone(), p.stats.p25, p.stats.median, p.stats.p75))
            .collect();
        by_region.sort_by(|a, b| b.2.total_cmp(&a.2));
        if !by_region.is_empty() {
            out.push((
                "pay-by-region".to_string(),
                charts::ranges(
                    "Pay by region: median and middle half",
                    &unit,
                    &by_region,
                    &short_amount,
                )?,
            ));
        }
    }
    if let Some(timeline) = &report.timeline
        && timeline.months.len() >= 2
    {
        let months: Vec<String> = timeline.months.iter().map(|m| m.month.clone()).collect();
        let series: Vec<(String, Vec<f64>)> = timeline
            .skills
            .iter()
            .enumerate()
            .map(|(k, skill)| {
                let values = timeline
                    .months
                    .iter()
                    .map(|m| m.counts[k] as f64 / m.postings_with_skills.max(1) as f64)
                    .collect();
                (skill.clone(), values)
            })
            .collect();
        out.push((
            "demand-over-time".to_string(),
            charts::lines(
                "Share of the month's postings (with a known skill) asking for each skill",
                "share of postings",
                &months,
                &series,
                &percent,
            )?,
        ));
    }
    if let Some(breakdown) = &report.breakdown
        && !breakdown.groups.is_empty()
    {
        let sizes: Vec<(String, f64)> = breakdown
            .groups
            .iter()
            .map(|g| (g.group.clone(), g.postings as f64))
            .collect();
        out.push((
            format!("postings-by-{}", breakdown.by),
            charts::bars(
                &format!("Postings by {}", breakdown.by),
                "postings",
                &sizes,
                &|v| format!("{v:.0}"),
            )?,
        ));
    }
    Ok(out)
}

/// `CNY per month`.
fn pay_unit(pay: &PayReport) -> String {
    format!("{} per {}", pay.currency, pay.period)
}

/// `12.5k`, `1.2M`, `850`.
fn short_amount(value: f64) -> String {
    if value >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if value >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else if value >= 1e3 {
        format!("{:.1}k", value / 1e3)
    } else {
        format!("{value:.0}")
    }
}

/// An amount with thousands separators (`12,500`).
fn amount(value: f64) -> String {
    let rounded = value.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 {
        out.insert(0, '-');
    }
    out
}

fn pct(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

const STYLE: &str = "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .7em;border-bottom:1px solid #eee;text-align:left}\
td.n,th.n{text-align:right}.note{background:#fff7e0;border-left:4px solid #e0a800;padding:.4em .8em}\
.chart svg{max-width:100%;height:auto}.muted{color:#666}";

/// The report as one HTML page: summary, notes (what was left out), charts
/// and tables. Every text from the data is escaped.
///
/// # Errors
///
/// As [`market_charts`].
pub fn market_html(report: &MarketReport) -> Result<String> {
    let charts = market_charts(report)?;
    let chart = |stem: &str| {
        charts
            .iter()
            .find(|(name, _)| name == stem)
            .map(|(_, svg)| {
                format!(
                    "<div class=\"chart\">{}</div>\n",
                    strip_xml_declaration(svg)
                )
            })
            .unwrap_or_default()
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Job market: {}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>Job market report</h1>\n",
        encode_text(&report.source)
    );
    let _ = writeln!(
        h,
        "<p>{} postings from <code>{}</code>; skills found in {} of them ({}).{}</p>",
        report.postings,
        encode_text(&report.source),
        report.postings_with_skills,
        pct(report.postings_with_skills as f64 / report.postings.max(1) as f64),
        if report.partial {
            " <strong>Partial:</strong> some records or values could not be read (see the notes)."
        } else {
            ""
        }
    );
    if !report.notes.is_empty() {
        h.push_str("<div class=\"note\"><ul>\n");
        for note in &report.notes {
            let _ = writeln!(h, "<li>{}</li>", encode_text(note));
        }
        h.push_str("</ul></div>\n");
    }

    h.push_str("<h2>Skill demand</h2>\n<p class=\"muted\">Shares are of the postings in which a known skill was found.</p>\n");
    h.push_str(&chart("skill-demand"));
    h.push_str("<table><tr><th class=\"n\">#</th><th>skill</th><th class=\"n\">postings</th><th class=\"n\">share</th></tr>\n");
    for skill in &report.skills {
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            skill.rank,
            encode_text(&skill.skill),
            skill.postings,
            pct(skill.share)
        );
    }
    h.push_str("</table>\n");

    if !report.pairs.is_empty() {
        h.push_str("<h2>Skills asked for together</h2>\n<table><tr><th>skill</th><th>with</th><th class=\"n\">postings</th><th class=\"n\">share of the first's postings</th><th class=\"n\">lift</th></tr>\n");
        for pair in &report.pairs {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}</td></tr>",
                encode_text(&pair.a),
                encode_text(&pair.b),
                pair.postings,
                pct(pair.b_given_a),
                pair.lift
            );
        }
        h.push_str("</table>\n<p class=\"muted\">Lift: how many times more often the two are asked for together than if they were independent.</p>\n");
    }

    if let Some(pay) = &report.pay {
        let unit = pay_unit(pay);
        let _ = writeln!(
            h,
            "<h2>Pay ({})</h2>\n<p>Column <code>{}</code>: read {}, not stated {}, absent {}, unreadable {} \
             (left out, never guessed). Figures are {} and count only pay in {}; {}.</p>",
            encode_text(&unit),
            encode_text(&pay.column),
            pay.readable,
            pay.not_stated,
            pay.absent,
            pay.unreadable,
            encode_text(&unit),
            pay.currency,
            if pay.period == PayPeriod::Year {
                "other periods are converted with 2,080 hours, 260 days, 52 weeks or 12 months a year"
                    .to_string()
            } else {
                format!(
                    "other periods are converted through a year of 2,080 hours, 260 days, 52 weeks or \
                     12 months, then divided by the {}s in a year",
                    pay.period
                )
            }
        );
        let o = &pay.overall;
        let _ = writeln!(
            h,
            "<p>All {} postings: median <b>{}</b>, middle half {} to {}, mean {}.</p>",
            o.postings,
            amount(o.median),
            amount(o.p25),
            amount(o.p75),
            amount(o.mean)
        );
        h.push_str(&chart("pay-by-skill"));
        h.push_str(&chart("pay-by-region"));
        for (title, rows) in [("by skill", &pay.by_skill), ("by region", &pay.by_region)] {
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(
                h,
                "<h3>Pay {title}</h3>\n<table><tr><th></th><th class=\"n\">postings</th><th class=\"n\">25%</th><th class=\"n\">median</th><th class=\"n\">75%</th></tr>"
            );
            for row in rows {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    encode_text(&row.name),
                    row.stats.postings,
                    amount(row.stats.p25),
                    amount(row.stats.median),
                    amount(row.stats.p75)
                );
            }
            h.push_str("</table>\n");
        }
        if !pay.unreadable_examples.is_empty() {
            h.push_str("<h3>Pay strings that could not be read</h3>\n<table><tr><th>as written</th><th class=\"n\">postings</th></tr>\n");
            for (text, count) in &pay.unreadable_examples {
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"n\">{count}</td></tr>",
                    encode_text(text)
                );
            }
            h.push_str("</table>\n");
        }
    }

    if let Some(timeline) = &report.timeline {
        h.push_str("<h2>Demand over time</h2>\n");
        h.push_str(&chart("demand-over-time"));
        h.push_str("<table><tr><th>month</th><th class=\"n\">postings</th>");
        for skill in &timeline.skills {
            let _ = write!(h, "<th class=\"n\">{}</th>", encode_text(skill));
        }
        h.push_str("</tr>\n");
        for month in &timeline.months {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td>",
                encode_text(&month.month),
                month.postings
            );
            for count in &month.counts {
                let _ = write!(
                    h,
                    "<td class=\"n\">{}</td>",
                    pct(*count as f64 / month.postings_with_skills.max(1) as f64)
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }

    if let Some(breakdown) = &report.breakdown {
        let _ = writeln!(h, "<h2>By {}</h2>", breakdown.by);
        h.push_str(&chart(&format!("postings-by-{}", breakdown.by)));
        h.push_str("<table><tr><th></th><th class=\"n\">postings</th><th class=\"n\">share</th><th>most asked-for skills</th><th class=\"n\">median pay</th></tr>\n");
        for group in &breakdown.groups {
            let skills: Vec<String> = group
                .skills
                .iter()
                .map(|s| format!("{} {}", encode_text(&s.skill), pct(s.share)))
                .collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                encode_text(&group.group),
                group.postings,
                pct(group.share),
                skills.join(", "),
                group
                    .pay
                    .as_ref()
                    .map_or_else(String::new, |p| amount(p.median))
            );
        }
        h.push_str("</table>\n");
        if breakdown.other_groups > 0 || breakdown.without_group > 0 {
            let _ = writeln!(
                h,
                "<p class=\"muted\">{} more groups not listed; {} postings without a {}.</p>",
                breakdown.other_groups, breakdown.without_group, breakdown.by
            );
        }
    }
    h.push_str("<p class=\"muted\">Skills are found with the jobfit skill gazetteer (built from the skill-extractor list and O*NET 29.3 technology examples).</p>\n</body>\n</html>\n");
    Ok(h)
}

/// An SVG document without its `<?xml ...?>` line, for inlining in HTML.
fn strip_xml_declaration(svg: &str) -> &str {
    let trimmed = svg.trim_start();
    match trimmed.strip_prefix("<?xml") {
        Some(rest) => rest
            .find("?>")
            .map_or(trimmed, |end| rest[end + 2..].trim_start()),
        None => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_well() {
        assert_eq!(amount(12_500.4), "12,500");
        assert_eq!(amount(999.0), "999");
        assert_eq!(amount(1_234_567.0), "1,234,567");
        assert_eq!(short_amount(12_500.0), "12k");
        assert_eq!(short_amount(1_500.0), "1.5k");
        assert_eq!(short_amount(2_500_000.0), "2.5M");
        assert_eq!(
            strip_xml_declaration("<?xml version=\"1.0\"?>\n<svg/>"),
            "<svg/>"
        );
    }
}
