//! Labour-market analysis over a postings file: which skills are asked for
//! and how often, which go together, what they pay and where, and how
//! demand moves month by month.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use jobfit_text::SkillGazetteer;
use serde::{Deserialize, Serialize};

use crate::dates::{DateReading, read_dates};
use crate::error::{GuideError, Result};
use crate::pay::{Currency, Pay, PayError, PayPeriod, parse_pay};
use crate::postings::{PostingColumns, Postings};
use crate::skills::posting_skills;

/// What to break the postings down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroupBy {
    /// The region (the city part of `上海-浦东新区`).
    Region,
    /// The category.
    Category,
    /// The month of the posting date.
    Month,
}

impl GroupBy {
    /// The name (`region`).
    pub const fn as_str(self) -> &'static str {
        match self {
            GroupBy::Region => "region",
            GroupBy::Category => "category",
            GroupBy::Month => "month",
        }
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GroupBy {
    type Err = GuideError;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "region" | "location" => Ok(GroupBy::Region),
            "category" => Ok(GroupBy::Category),
            "month" | "date" => Ok(GroupBy::Month),
            _ => Err(GuideError::option(
                "by",
                text,
                "break postings down by region, category or month",
            )),
        }
    }
}

/// Options of [`MarketAnalyzer::analyze`]; the defaults are in each field's doc.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MarketOptions {
    /// Break the postings down by this. Default: no breakdown.
    pub by: Option<GroupBy>,
    /// Skills listed in the demand table. Default 30.
    pub top_skills: usize,
    /// Pairs of skills listed. Default 20.
    pub top_pairs: usize,
    /// Pairs are sought among the this many most asked-for skills. Default 50.
    pub pair_skills: usize,
    /// The fewest postings asking for both skills of a listed pair. Default 5.
    pub min_pair_postings: usize,
    /// The fewest postings with readable pay behind a pay figure (of a
    /// skill, region or group). Default 5.
    pub min_pay_postings: usize,
    /// Groups (and regions in the pay table) listed, largest first. Default 12.
    pub top_groups: usize,
    /// Skills listed per group. Default 8.
    pub group_skills: usize,
    /// Skills followed month by month. Default 5.
    pub timeline_skills: usize,
    /// Skills not counted (ignoring case): names the gazetteer finds that are
    /// not asks of the job, such as the employer's own name. Default: none.
    pub ignore_skills: Vec<String>,
}

impl Default for MarketOptions {
    fn default() -> Self {
        Self {
            by: None,
            top_skills: 30,
            top_pairs: 20,
            pair_skills: 50,
            min_pair_postings: 5,
            min_pay_postings: 5,
            top_groups: 12,
            group_skills: 8,
            timeline_skills: 5,
            ignore_skills: Vec::new(),
        }
    }
}

impl MarketOptions {
    fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("top_skills", self.top_skills),
            ("top_groups", self.top_groups),
            ("group_skills", self.group_skills),
            ("min_pay_postings", self.min_pay_postings),
            ("min_pair_postings", self.min_pair_postings),
        ] {
            if value == 0 {
                return Err(GuideError::option(name, 0, "must be at least 1"));
            }
        }
        Ok(())
    }
}

/// How many postings ask for a skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillDemand {
    /// The rank, from 1.
    pub rank: usize,
    /// The skill.
    pub skill: String,
    /// Postings asking for it.
    pub postings: usize,
    /// Their share of the postings in which a known skill was found (a
    /// posting without text asks for nothing the gazetteer can find).
    pub share: f64,
}

/// Two skills asked for together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillPair {
    /// The more asked-for skill.
    pub a: String,
    /// The other.
    pub b: String,
    /// Postings asking for both.
    pub postings: usize,
    /// The share of `a`'s postings that also ask for `b`.
    pub b_given_a: f64,
    /// How much more often they go together than if independent:
    /// `n(a, b) N / (n(a) n(b))`.
    pub lift: f64,
}

/// Pay figures of a set of postings, in the report's currency and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayStats {
    /// Postings with readable pay in the report's currency.
    pub postings: usize,
    /// The 25th percentile.
    pub p25: f64,
    /// The median.
    pub median: f64,
    /// The 75th percentile.
    pub p75: f64,
    /// The mean.
    pub mean: f64,
}

impl PayStats {
    /// The figures of some amounts (percentiles by linear interpolation
    /// between order statistics); `None` without amounts.
    pub fn of(mut values: Vec<f64>) -> Option<Self> {
        values.retain(|v| v.is_finite());
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let quantile = |q: f64| {
            let at = q * (values.len() - 1) as f64;
            let low = at.floor() as usize;
            let high = at.ceil() as usize;
            values[low] + (values[high] - values[low]) * (at - low as f64)
        };
        Some(Self {
            postings: values.len(),
            p25: quantile(0.25),
            median: quantile(0.5),
            p75: quantile(0.75),
            mean: values.iter().sum::<f64>() / values.len() as f64,
        })
    }
}

/// Pay figures of a named subset (a skill, a region).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedPay {
    /// The skill or region.
    pub name: String,
    /// Its figures.
    pub stats: PayStats,
}

/// What the pay column holds and what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayReport {
    /// The pay column.
    pub column: String,
    /// Postings whose pay was read.
    pub readable: usize,
    /// Postings without pay.
    pub absent: usize,
    /// Postings whose pay is not stated (`面议`, `competitive`).
    pub not_stated: usize,
    /// Postings whose pay could not be read: left out of every figure.
    pub unreadable: usize,
    /// Why, with counts.
    pub unreadable_reasons: BTreeMap<String, usize>,
    /// The most frequent unreadable pay strings, with counts (at most 10).
    pub unreadable_examples: Vec<(String, usize)>,
    /// The currency of the figures: the most frequent one.
    pub currency: Currency,
    /// The period of the figures: the most frequent one in that currency.
    /// Pay of other periods is converted (see [`PayPeriod::per_year`]).
    pub period: PayPeriod,
    /// Postings with readable pay in other currencies (left out of the figures).
    pub other_currencies: BTreeMap<String, usize>,
    /// All postings with pay in the report's currency.
    pub overall: PayStats,
    /// By skill (skills of the demand table with enough postings), highest median first.
    pub by_skill: Vec<NamedPay>,
    /// By region (with enough postings), most postings first.
    pub by_region: Vec<NamedPay>,
}

/// Demand in one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthDemand {
    /// The month (`2019-09`).
    pub month: String,
    /// Postings dated in it.
    pub postings: usize,
    /// Those in which a known skill was found (the shares' denominator).
    pub postings_with_skills: usize,
    /// Postings of the month asking for each followed skill, in the order of
    /// [`Timeline::skills`].
    pub counts: Vec<usize>,
}

/// Demand over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The date column.
    pub column: String,
    /// The skills followed (the most asked for).
    pub skills: Vec<String>,
    /// Month by month, in order.
    pub months: Vec<MonthDemand>,
    /// How the dates read: formats, absent and unreadable ones.
    pub dates: DateSummary,
}

/// An account of a file's dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateSummary {
    /// Dates read, by format.
    pub formats: BTreeMap<String, usize>,
    /// Postings without a date.
    pub absent: usize,
    /// Unreadable dates by reason: left out of the timeline.
    pub unreadable: BTreeMap<String, usize>,
    /// Some unreadable dates as written.
    pub unreadable_examples: Vec<String>,
}

impl From<&DateReading> for DateSummary {
    fn from(reading: &DateReading) -> Self {
        Self {
            formats: reading.formats.clone(),
            absent: reading.absent,
            unreadable: reading.unreadable.clone(),
            unreadable_examples: reading.unreadable_examples.clone(),
        }
    }
}

/// One group of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// The group (a region, a category, a month).
    pub group: String,
    /// Its postings.
    pub postings: usize,
    /// Their share of all postings.
    pub share: f64,
    /// Those in which a known skill was found.
    pub postings_with_skills: usize,
    /// Its most asked-for skills (share of the group's postings with a known skill).
    pub skills: Vec<SkillDemand>,
    /// Its pay, when enough postings have readable pay.
    pub pay: Option<PayStats>,
}

/// A breakdown of the postings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// What the groups are.
    pub by: GroupBy,
    /// The column the groups come from.
    pub column: String,
    /// The largest groups (months in order for [`GroupBy::Month`]).
    pub groups: Vec<GroupSummary>,
    /// Groups not listed.
    pub other_groups: usize,
    /// Postings without a value for the breakdown.
    pub without_group: usize,
}

/// The result of a market analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketReport {
    /// The postings file.
    pub source: String,
    /// The columns read.
    pub columns: PostingColumns,
    /// Postings analysed (after dropping duplicates).
    pub postings: usize,
    /// Records left out as unreadable or empty.
    pub skipped_records: usize,
    /// Exact duplicates left out.
    pub duplicates: usize,
    /// Postings in which at least one skill was found.
    pub postings_with_skills: usize,
    /// Skill demand, most asked for first (share of all postings).
    pub skills: Vec<SkillDemand>,
    /// Skills asked for together, most frequent pairs first.
    pub pairs: Vec<SkillPair>,
    /// Pay, when the file has a pay column.
    pub pay: Option<PayReport>,
    /// Demand by month, when the file has a date column.
    pub timeline: Option<Timeline>,
    /// The breakdown asked for, when the file has its column.
    pub breakdown: Option<Breakdown>,
    /// True when something was left out or could not be done: the figures
    /// are from part of the data (see `notes`).
    pub partial: bool,
    /// What was left out and why, for the reader.
    pub notes: Vec<String>,
}

/// The region part of a location: the city of `上海-浦东新区` (text before the
/// first `-` when the value is Chinese), else the value as written.
pub fn region_key(region: &str) -> String {
    let region = region.trim();
    let cjk = region
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if cjk {
        region
            .split('-')
            .next()
            .unwrap_or(region)
            .trim()
            .to_string()
    } else {
        region.to_string()
    }
}

/// Analyses postings.
#[derive(Debug, Clone)]
pub struct MarketAnalyzer {
    gazetteer: SkillGazetteer,
}

impl Default for MarketAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl MarketAnalyzer {
    /// An analyzer finding skills with the default gazetteer.
    pub fn new() -> Self {
        Self {
            gazetteer: SkillGazetteer::default_gazetteer().clone(),
        }
    }

    /// Sets the skill gazetteer.
    #[must_use]
    pub fn with_gazetteer(mut self, gazetteer: SkillGazetteer) -> Self {
        self.gazetteer = gazetteer;
        self
    }

    /// Analyses `postings` (see [`MarketReport`]).
    ///
    /// # Errors
    ///
    /// [`GuideError::InvalidOption`] for a zero count in the options. Missing
    /// columns and unreadable values are not errors: they leave parts out,
    /// which the report's `partial` and `notes` say.
    pub fn analyze(&self, postings: &Postings, options: &MarketOptions) -> Result<MarketReport> {
        options.validate()?;
        let all = &postings.postings;
        let n = all.len();
        let mut notes = Vec::new();
        let mut partial = false;
        if postings.skipped > 0 {
            partial = true;
            notes.push(format!(
                "{} records could not be read or were empty and are left out{}",
                postings.skipped,
                postings
                    .skipped_examples
                    .first()
                    .map(|s| format!(" (line {}: {})", s.line, s.reason))
                    .unwrap_or_default()
            ));
        }
        if postings.duplicates > 0 {
            notes.push(format!(
                "{} exact duplicate postings are left out",
                postings.duplicates
            ));
        }

        // The skills of each posting, lower-cased, with a display name per skill.
        let mut names: HashMap<String, String> = HashMap::new();
        let ignored: HashSet<String> = options
            .ignore_skills
            .iter()
            .map(|s| s.trim().to_lowercase())
            .collect();
        let sets: Vec<Vec<String>> = all
            .iter()
            .map(|posting| {
                let mut seen = HashSet::new();
                posting_skills(posting, &self.gazetteer)
                    .into_iter()
                    .filter_map(|skill| {
                        let key = skill.to_lowercase();
                        if ignored.contains(&key) {
                            return None;
                        }
                        names.entry(key.clone()).or_insert(skill);
                        seen.insert(key.clone()).then_some(key)
                    })
                    .collect()
            })
            .collect();
        let postings_with_skills = sets.iter().filter(|s| !s.is_empty()).count();
        if postings_with_skills < n {
            notes.push(format!(
                "no known skill was found in {} of the {n} postings",
                n - postings_with_skills
            ));
        }
        let ranked = rank_skills(&sets);
        let name = |key: &str| names.get(key).cloned().unwrap_or_else(|| key.to_string());
        let demand = |ranked: &[(String, usize)], total: usize, top: usize| -> Vec<SkillDemand> {
            ranked
                .iter()
                .take(top)
                .enumerate()
                .map(|(i, (key, count))| SkillDemand {
                    rank: i + 1,
                    skill: name(key),
                    postings: *count,
                    share: *count as f64 / total.max(1) as f64,
                })
                .collect()
        };
        let skills = demand(&ranked, postings_with_skills, options.top_skills);
        let pairs = pairs(&sets, &ranked, options)
            .into_iter()
            .map(|mut pair| {
                pair.a = name(&pair.a);
                pair.b = name(&pair.b);
                pair
            })
            .collect();

        // Pay.
        let columns = &postings.columns;
        let mut pays: Vec<Option<Pay>> = vec![None; n];
        let pay = match &columns.pay {
            None => {
                notes.push("the file has no pay column: no pay figures".to_string());
                None
            }
            Some(column) => {
                let mut report = pay_report(column, postings, &sets, &ranked, options, &mut pays);
                if let Some(report) = &mut report {
                    for row in &mut report.by_skill {
                        row.name = name(&row.name);
                    }
                }
                match &report {
                    Some(report) if report.unreadable > 0 => {
                        partial = true;
                        notes.push(format!(
                            "{} pay strings could not be read and are left out of the pay figures \
                             (the most frequent: {})",
                            report.unreadable,
                            report
                                .unreadable_examples
                                .iter()
                                .take(3)
                                .map(|(text, count)| format!("{text:?} x{count}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    None => {
                        partial = true;
                        notes.push(format!(
                            "no pay in the column {column:?} could be read: no pay figures"
                        ));
                    }
                    _ => {}
                }
                if let Some(report) = &report
                    && !report.other_currencies.is_empty()
                {
                    notes.push(format!(
                        "pay in other currencies than {} is left out of the figures: {:?}",
                        report.currency, report.other_currencies
                    ));
                }
                report
            }
        };

        // Dates.
        let reading = columns.date.as_ref().map(|_| {
            let texts: Vec<Option<&str>> = all.iter().map(|p| p.date.as_deref()).collect();
            read_dates(&texts)
        });
        let timeline = match (&columns.date, &reading) {
            (Some(column), Some(reading)) => {
                let unreadable = reading.unreadable_count();
                if unreadable > 0 {
                    partial = true;
                    notes.push(format!(
                        "{unreadable} dates could not be read and are left out of the timeline ({})",
                        reading
                            .unreadable
                            .iter()
                            .map(|(why, count)| format!("{why}: {count}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if reading.formats.len() > 1 {
                    notes.push(format!(
                        "dates are written in {} formats: {:?}",
                        reading.formats.len(),
                        reading.formats
                    ));
                }
                Some(timeline(column, reading, &sets, &ranked, options, &name))
            }
            _ => {
                notes.push("the file has no date column: no demand over time".to_string());
                None
            }
        };

        // Breakdown.
        let breakdown = match options.by {
            None => None,
            Some(by) => {
                let (column, keys): (Option<&String>, Vec<Option<String>>) = match by {
                    GroupBy::Region => (
                        columns.region.as_ref(),
                        all.iter()
                            .map(|p| p.region.as_deref().map(region_key))
                            .collect(),
                    ),
                    GroupBy::Category => (
                        columns.category.as_ref(),
                        all.iter().map(|p| p.category.clone()).collect(),
                    ),
                    GroupBy::Month => (
                        columns.date.as_ref(),
                        reading.as_ref().map_or_else(
                            || vec![None; n],
                            |r| r.months.iter().map(|m| m.map(|m| m.to_string())).collect(),
                        ),
                    ),
                };
                match column {
                    None => {
                        partial = true;
                        notes.push(format!(
                            "no breakdown by {by}: the file has no {by} column (name it with --{}-col)",
                            if by == GroupBy::Month { "date" } else { by.as_str() }
                        ));
                        None
                    }
                    Some(column) => Some(breakdown(
                        by,
                        column,
                        &keys,
                        &sets,
                        &pays,
                        pay.as_ref(),
                        options,
                        &name,
                    )),
                }
            }
        };

        Ok(MarketReport {
            source: postings.source.display().to_string(),
            columns: columns.clone(),
            postings: n,
            skipped_records: postings.skipped,
            duplicates: postings.duplicates,
            postings_with_skills,
            skills,
            pairs,
            pay,
            timeline,
            breakdown,
            partial,
            notes,
        })
    }
}

/// Skills by the number of postings asking for them, most first (ties by name).
fn rank_skills(sets: &[Vec<String>]) -> Vec<(String, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for set in sets {
        for skill in set {
            *counts.entry(skill.as_str()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(skill, count)| (skill.to_string(), count))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

/// Pairs among the most asked-for skills, most frequent first (ties by lift).
fn pairs(
    sets: &[Vec<String>],
    ranked: &[(String, usize)],
    options: &MarketOptions,
) -> Vec<SkillPair> {
    let top: Vec<&(String, usize)> = ranked.iter().take(options.pair_skills).collect();
    let index: HashMap<&str, usize> = top
        .iter()
        .enumerate()
        .map(|(i, (skill, _))| (skill.as_str(), i))
        .collect();
    let k = top.len();
    let mut together = vec![0usize; k * k];
    for set in sets {
        let mut present: Vec<usize> = set
            .iter()
            .filter_map(|s| index.get(s.as_str()).copied())
            .collect();
        present.sort_unstable();
        for (x, &i) in present.iter().enumerate() {
            for &j in &present[x + 1..] {
                together[i * k + j] += 1;
            }
        }
    }
    let total = sets.len() as f64;
    let mut out = Vec::new();
    for i in 0..k {
        for j in i + 1..k {
            let both = together[i * k + j];
            if both < options.min_pair_postings {
                continue;
            }
            let (a, na) = top[i];
            let (b, nb) = top[j];
            out.push(SkillPair {
                a: a.clone(),
                b: b.clone(),
                postings: both,
                b_given_a: both as f64 / *na as f64,
                lift: both as f64 * total / (*na as f64 * *nb as f64),
            });
        }
    }
    out.sort_by(|x, y| {
        y.postings
            .cmp(&x.postings)
            .then(y.lift.total_cmp(&x.lift))
            .then_with(|| x.a.cmp(&y.a))
            .then_with(|| x.b.cmp(&y.b))
    });
    out.truncate(options.top_pairs);
    out
}

/// Reads the pay column; fills `pays` with the readable pay in the report's
/// currency. `None` when no pay could be read.
fn pay_report(
    column: &str,
    postings: &Postings,
    sets: &[Vec<String>],
    ranked: &[(String, usize)],
    options: &MarketOptions,
    pays: &mut [Option<Pay>],
) -> Option<PayReport> {
    let mut absent = 0;
    let mut not_stated = 0;
    let mut unreadable_reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut unreadable_texts: HashMap<String, usize> = HashMap::new();
    let mut read: Vec<Option<Pay>> = Vec::with_capacity(pays.len());
    for posting in &postings.postings {
        let parsed = match posting.pay.as_deref() {
            None => Err(PayError::Empty),
            Some(text) => parse_pay(text),
        };
        match parsed {
            Ok(pay) => {
                read.push(Some(pay));
                continue;
            }
            Err(PayError::Empty) => absent += 1,
            Err(PayError::NotStated) => not_stated += 1,
            Err(error) => {
                *unreadable_reasons.entry(error.to_string()).or_default() += 1;
                if let Some(text) = &posting.pay {
                    *unreadable_texts.entry(text.clone()).or_default() += 1;
                }
            }
        }
        read.push(None);
    }
    let readable = read.iter().flatten().count();
    let unreadable: usize = unreadable_reasons.values().sum();
    let mut currencies: BTreeMap<Currency, usize> = BTreeMap::new();
    for pay in read.iter().flatten() {
        *currencies.entry(pay.currency).or_default() += 1;
    }
    let currency = currencies
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(c, _)| *c)?;
    let mut periods: BTreeMap<PayPeriod, usize> = BTreeMap::new();
    for pay in read.iter().flatten().filter(|p| p.currency == currency) {
        *periods.entry(pay.period).or_default() += 1;
    }
    // Ties go to the longer period.
    let period = periods
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)))
        .map(|(p, _)| *p)?;
    for (slot, pay) in pays.iter_mut().zip(&read) {
        *slot = pay.filter(|p| p.currency == currency);
    }
    let amount = |i: usize| pays[i].map(|p| p.per(period));
    let overall = PayStats::of((0..pays.len()).filter_map(amount).collect())?;

    let mut by_skill: Vec<NamedPay> = Vec::new();
    for (skill, _) in ranked.iter().take(options.top_skills) {
        let values: Vec<f64> = sets
            .iter()
            .enumerate()
            .filter(|(_, set)| set.contains(skill))
            .filter_map(|(i, _)| amount(i))
            .collect();
        if values.len() >= options.min_pay_postings
            && let Some(stats) = PayStats::of(values)
        {
            by_skill.push(NamedPay {
                name: skill.clone(),
                stats,
            });
        }
    }
    by_skill.sort_by(|a, b| {
        b.stats
            .median
            .total_cmp(&a.stats.median)
            .then_with(|| a.name.cmp(&b.name))
    });

    let mut regions: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (i, posting) in postings.postings.iter().enumerate() {
        if let (Some(region), Some(value)) = (&posting.region, amount(i)) {
            regions.entry(region_key(region)).or_default().push(value);
        }
    }
    let mut by_region: Vec<NamedPay> = regions
        .into_iter()
        .filter(|(_, values)| values.len() >= options.min_pay_postings)
        .filter_map(|(name, values)| PayStats::of(values).map(|stats| NamedPay { name, stats }))
        .collect();
    by_region.sort_by(|a, b| {
        b.stats
            .postings
            .cmp(&a.stats.postings)
            .then_with(|| a.name.cmp(&b.name))
    });
    by_region.truncate(options.top_groups);

    let mut unreadable_examples: Vec<(String, usize)> = unreadable_texts.into_iter().collect();
    unreadable_examples.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    unreadable_examples.truncate(10);
    let other_currencies = currencies
        .iter()
        .filter(|(c, _)| **c != currency)
        .map(|(c, n)| (c.code().to_string(), *n))
        .collect();
    Some(PayReport {
        column: column.to_string(),
        readable,
        absent,
        not_stated,
        unreadable,
        unreadable_reasons,
        unreadable_examples,
        currency,
        period,
        other_currencies,
        overall,
        by_skill,
        by_region,
    })
}

fn timeline(
    column: &str,
    reading: &DateReading,
    sets: &[Vec<String>],
    ranked: &[(String, usize)],
    options: &MarketOptions,
    name: &dyn Fn(&str) -> String,
) -> Timeline {
    let followed: Vec<&String> = ranked
        .iter()
        .take(options.timeline_skills)
        .map(|(s, _)| s)
        .collect();
    let mut months: BTreeMap<String, (usize, usize, Vec<usize>)> = BTreeMap::new();
    for (month, set) in reading.months.iter().zip(sets) {
        let Some(month) = month else { continue };
        let entry = months
            .entry(month.to_string())
            .or_insert_with(|| (0, 0, vec![0; followed.len()]));
        entry.0 += 1;
        entry.1 += usize::from(!set.is_empty());
        for (k, skill) in followed.iter().enumerate() {
            if set.contains(skill) {
                entry.2[k] += 1;
            }
        }
    }
    Timeline {
        column: column.to_string(),
        skills: followed.iter().map(|s| name(s)).collect(),
        months: months
            .into_iter()
            .map(
                |(month, (postings, postings_with_skills, counts))| MonthDemand {
                    month,
                    postings,
                    postings_with_skills,
                    counts,
                },
            )
            .collect(),
        dates: DateSummary::from(reading),
    }
}

#[allow(clippy::too_many_arguments)]
fn breakdown(
    by: GroupBy,
    column: &str,
    keys: &[Option<String>],
    sets: &[Vec<String>],
    pays: &[Option<Pay>],
    pay: Option<&PayReport>,
    options: &MarketOptions,
    name: &dyn Fn(&str) -> String,
) -> Breakdown {
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut without_group = 0;
    for (i, key) in keys.iter().enumerate() {
        match key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(key) => members.entry(key.to_string()).or_default().push(i),
            None => without_group += 1,
        }
    }
    let mut groups: Vec<(String, Vec<usize>)> = members.into_iter().collect();
    if by != GroupBy::Month {
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    }
    let listed = groups.len().min(options.top_groups);
    let other_groups = groups.len() - listed;
    if by == GroupBy::Month && groups.len() > listed {
        // The latest months.
        groups.drain(..groups.len() - listed);
    } else {
        groups.truncate(listed);
    }
    let total = keys.len().max(1) as f64;
    let summaries = groups
        .into_iter()
        .map(|(group, rows)| {
            let group_sets: Vec<Vec<String>> = rows.iter().map(|&i| sets[i].clone()).collect();
            let with_skills = group_sets.iter().filter(|s| !s.is_empty()).count();
            let ranked = rank_skills(&group_sets);
            let skills = ranked
                .iter()
                .take(options.group_skills)
                .enumerate()
                .map(|(rank, (skill, count))| SkillDemand {
                    rank: rank + 1,
                    skill: name(skill),
                    postings: *count,
                    share: *count as f64 / with_skills.max(1) as f64,
                })
                .collect();
            let pay = pay.and_then(|report| {
                let values: Vec<f64> = rows
                    .iter()
                    .filter_map(|&i| pays[i].map(|p| p.per(report.period)))
                    .collect();
                (values.len() >= options.min_pay_postings)
                    .then(|| PayStats::of(values))
                    .flatten()
            });
            GroupSummary {
                group,
                postings: rows.len(),
                share: rows.len() as f64 / total,
                postings_with_skills: with_skills,
                skills,
                pay,
            }
        })
        .collect();
    Breakdown {
        by,
        column: column.to_string(),
        groups: summaries,
        other_groups,
        without_group,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        let stats = PayStats::of(vec![4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(stats.median, 2.5);
        assert_eq!(stats.p25, 1.75);
        assert_eq!(stats.p75, 3.25);
        assert_eq!(stats.mean, 2.5);
        assert!(PayStats::of(Vec::new()).is_none());
        assert_eq!(PayStats::of(vec![7.0]).unwrap().p25, 7.0);
    }

    #[test]
    fn pairs_count_and_lift() {
        let set = |skills: &[&str]| skills.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // 4 postings: a in 3, b in 2, a and b together in 2, c once.
        let sets = vec![
            set(&["a", "b"]),
            set(&["a", "b", "c"]),
            set(&["a"]),
            set(&[]),
        ];
        let ranked = rank_skills(&sets);
        assert_eq!(ranked[0], ("a".to_string(), 3));
        assert_eq!(ranked[1], ("b".to_string(), 2));
        let options = MarketOptions {
            min_pair_postings: 1,
            ..MarketOptions::default()
        };
        let found = pairs(&sets, &ranked, &options);
        assert_eq!(found[0].a, "a");
        assert_eq!(found[0].b, "b");
        assert_eq!(found[0].postings, 2);
        // P(b|a) = 2/3; lift = 2 * 4 / (3 * 2).
        assert!((found[0].b_given_a - 2.0 / 3.0).abs() < 1e-12);
        assert!((found[0].lift - 4.0 / 3.0).abs() < 1e-12);
        // a-c and b-c once each, lift 4/3 and 2.
        assert_eq!(found.len(), 3);
        assert_eq!((found[1].a.as_str(), found[1].b.as_str()), ("b", "c"));
    }

    #[test]
    fn regions_keep_the_city_of_chinese_locations() {
        assert_eq!(region_key("上海-浦东新区"), "上海");
        assert_eq!(
            region_key("Mountain View, CA, United States"),
            "Mountain View, CA, United States"
        );
        assert_eq!("Region".parse::<GroupBy>().unwrap(), GroupBy::Region);
        assert!("salary".parse::<GroupBy>().is_err());
    }
}
