//! Pay as job boards write it: `1-1.5万/月`, `15-20万/年`, `150元/天`,
//! `15-25K·13薪`, `$80,000 - $100,000 a year`, `£30k`, `€45.000 per annum`.
//!
//! [`parse_pay`] reads one pay string into a [`Pay`]: a range (or one open
//! bound), a currency and a period. It reads what is written and nothing
//! more: a string without a currency, without a period where one is needed,
//! with two amounts that are not a range, or with words it does not know
//! around unreadable numbers is a [`PayError`], which callers count and
//! report instead of guessing.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A currency pay is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum Currency {
    /// Chinese yuan: `元`, `¥`, `RMB`, or the units `万` and `千`.
    Cny,
    /// US dollars: `$`, `USD` (a bare `$` is read as US dollars).
    Usd,
    /// Pounds sterling: `£`, `GBP`.
    Gbp,
    /// Euros: `€`, `EUR`.
    Eur,
    /// Indian rupees: `₹`, `INR`, `Rs.`, or lakhs (`LPA`).
    Inr,
    /// Japanese yen: `円`, `JPY`.
    Jpy,
}

impl Currency {
    /// The ISO 4217 code.
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
            Currency::Usd => "USD",
            Currency::Gbp => "GBP",
            Currency::Eur => "EUR",
            Currency::Inr => "INR",
            Currency::Jpy => "JPY",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The time a pay amount is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PayPeriod {
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per week.
    Week,
    /// Per month.
    Month,
    /// Per year.
    Year,
}

impl PayPeriod {
    /// How many of these make a year of full-time work: 2,080 hours (52
    /// weeks of 40), 260 days (52 weeks of 5), 52 weeks, 12 months, 1 year.
    pub const fn per_year(self) -> f64 {
        match self {
            PayPeriod::Hour => 2080.0,
            PayPeriod::Day => 260.0,
            PayPeriod::Week => 52.0,
            PayPeriod::Month => 12.0,
            PayPeriod::Year => 1.0,
        }
    }

    /// The period's name (`month`).
    pub const fn as_str(self) -> &'static str {
        match self {
            PayPeriod::Hour => "hour",
            PayPeriod::Day => "day",
            PayPeriod::Week => "week",
            PayPeriod::Month => "month",
            PayPeriod::Year => "year",
        }
    }
}

impl fmt::Display for PayPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One pay string, read.
///
/// ```
/// use jobfit_guide::{Currency, PayPeriod, parse_pay};
///
/// let pay = parse_pay("1-1.5万/月").unwrap();
/// assert_eq!((pay.low, pay.high), (Some(10_000.0), Some(15_000.0)));
/// assert_eq!((pay.currency, pay.period), (Currency::Cny, PayPeriod::Month));
/// assert_eq!(pay.annual(), 150_000.0);
/// let pay = parse_pay("$80,000 - $100,000 a year").unwrap();
/// assert_eq!(pay.point(), 90_000.0);
/// assert!(parse_pay("competitive").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pay {
    /// The lower bound, absent for `up to £40k` and `5千以下`.
    pub low: Option<f64>,
    /// The upper bound, absent for `20万以上` and `from $50,000`; equal to
    /// `low` for a single amount.
    pub high: Option<f64>,
    /// The currency.
    pub currency: Currency,
    /// The period of the amounts.
    pub period: PayPeriod,
    /// Monthly salaries paid this many times a year (`13薪`), when written.
    pub months_per_year: Option<u8>,
}

impl Pay {
    /// One amount standing for the pay: the middle of a range, or its one
    /// bound when the other is open.
    pub fn point(&self) -> f64 {
        match (self.low, self.high) {
            (Some(low), Some(high)) => (low + high) / 2.0,
            (Some(bound), None) | (None, Some(bound)) => bound,
            // Cannot happen: `parse_pay` always sets a bound.
            (None, None) => 0.0,
        }
    }

    /// [`Pay::point`] for a year of full-time work (see
    /// [`PayPeriod::per_year`]); a monthly pay written with `N薪` counts N
    /// months.
    pub fn annual(&self) -> f64 {
        let periods = match (self.period, self.months_per_year) {
            (PayPeriod::Month, Some(months)) => f64::from(months),
            (period, _) => period.per_year(),
        };
        self.point() * periods
    }

    /// [`Pay::annual`] expressed per `period` (a twelfth of it per month).
    pub fn per(&self, period: PayPeriod) -> f64 {
        self.annual() / period.per_year()
    }
}

/// Why a pay string was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PayError {
    /// The string is empty.
    #[error("no pay given")]
    Empty,
    /// The pay is not stated (`面议`, `negotiable`, `competitive`).
    #[error("pay not stated (negotiable)")]
    NotStated,
    /// No currency sign, code or unit.
    #[error("no currency (write ¥, 元, $, £, €, ... or a code such as USD)")]
    NoCurrency,
    /// Signs of more than one currency.
    #[error("more than one currency")]
    SeveralCurrencies,
    /// No period where the amount does not say it (`15-20万`, `$25`).
    #[error("no period (per hour, day, week, month or year)")]
    NoPeriod,
    /// More than one period.
    #[error("more than one period")]
    SeveralPeriods,
    /// No amount.
    #[error("no amount")]
    NoAmount,
    /// Two amounts that are not joined as a range, or more than two.
    #[error("amounts that are not one range")]
    NotARange,
    /// A range whose lower bound is above its upper bound, or a zero amount.
    #[error("a range that runs backwards, or a zero amount")]
    BadRange,
}

/// Words that say the pay is not stated.
const NOT_STATED: &[&str] = &[
    "面议",
    "negotiable",
    "competitive",
    "doe",
    "depending on experience",
    "depends on experience",
    "tbd",
    "n/a",
];

/// The signs of each period, in the lower-cased, normalized text.
const PERIODS: &[(PayPeriod, &[&str])] = &[
    (
        PayPeriod::Hour,
        &[
            "/小时",
            "每小时",
            "元/时",
            "时薪",
            "per hour",
            "an hour",
            "/hour",
            "/hr",
            "hourly",
            "p/h",
        ],
    ),
    (
        PayPeriod::Day,
        &[
            "/天", "/日", "每天", "日薪", "per day", "a day", "/day", "daily",
        ],
    ),
    (
        PayPeriod::Week,
        &[
            "/周", "每周", "周薪", "per week", "a week", "/week", "/wk", "weekly",
        ],
    ),
    (
        PayPeriod::Month,
        &[
            "/月",
            "每月",
            "月薪",
            "per month",
            "a month",
            "/month",
            "/mo",
            "monthly",
            "pcm",
        ],
    ),
    (
        PayPeriod::Year,
        &[
            "/年",
            "每年",
            "年薪",
            "per year",
            "a year",
            "/year",
            "/yr",
            "per annum",
            "p.a.",
            "annually",
            "annual",
            "yearly",
            "lpa",
        ],
    ),
];

/// Signs of an open upper bound (`20万以上`, `from $50,000`).
const AT_LEAST: &[&str] = &["以上", "起", "+", "from", "at least", "starting", "minimum"];
/// Signs of an open lower bound (`5千以下`, `up to £40k`).
const AT_MOST: &[&str] = &[
    "以下",
    "以内",
    "up to",
    "maximum",
    "max",
    "below",
    "under",
    "less than",
];

/// `13薪`: a monthly salary paid N times a year.
static MONTHS_PER_YEAR: LazyLock<Regex> =
    // Cannot fail: a fixed, valid pattern.
    LazyLock::new(|| Regex::new(r"(\d{2})\s*薪").expect("valid regex"));

/// `to` after an amount: a range.
static RANGE_TO: LazyLock<Regex> =
    // Cannot fail: a fixed, valid pattern.
    LazyLock::new(|| Regex::new(r"([0-9kw万千])\s+to\b").expect("valid regex"));

/// One amount found in the text.
#[derive(Debug, Clone, Copy)]
struct Amount {
    value: f64,
    multiplier: Option<f64>,
    start: usize,
    end: usize,
}

/// Reads a pay string (see the module documentation for what is read).
///
/// Rules worth knowing: `¥` is yuan unless `円` or `JPY` says yen; `万` is
/// 10,000, `千` and `k` 1,000, `lakh` 100,000; a unit written once applies to
/// both ends of a range (`1-1.5万` is 10,000 to 15,000); a thousands
/// separator is `,` (or `.` before three digits in euros); an amount of at
/// least 1,000 dollars, pounds or euros without a period is yearly (boards
/// write the period of hourly and daily pay); `N薪` without a period is
/// monthly.
///
/// # Errors
///
/// A [`PayError`] saying why the string was not read.
pub fn parse_pay(text: &str) -> Result<Pay, PayError> {
    let normalized: String = text.nfkc().collect::<String>().to_lowercase();
    // Range words between amounts become a hyphen ("$20 to $25"; not "up to £40k").
    let mut t = RANGE_TO
        .replace_all(
            &normalized.replace(['～', '~', '—', '–', '−', '至', '到'], "-"),
            "${1} -",
        )
        .into_owned();
    let t_trimmed = t.trim();
    if t_trimmed.is_empty() {
        return Err(PayError::Empty);
    }
    if NOT_STATED.iter().any(|word| contains_word(t_trimmed, word)) {
        return Err(PayError::NotStated);
    }
    let mut months_per_year = None;
    if let Some(found) = MONTHS_PER_YEAR.captures(&t) {
        let months: u8 = found[1].parse().map_err(|_| PayError::NotARange)?;
        if !(12..=18).contains(&months) {
            return Err(PayError::NotARange);
        }
        months_per_year = Some(months);
        let range = found.get(0).map_or(0..0, |m| m.range());
        t.replace_range(range, " ");
    }

    let currency = currency(&t, months_per_year.is_some())?;
    let mut period = None;
    for (candidate, signs) in PERIODS {
        if signs.iter().any(|sign| contains_word(&t, sign)) {
            if period.is_some() {
                return Err(PayError::SeveralPeriods);
            }
            period = Some(*candidate);
        }
    }
    if period.is_none() && months_per_year.is_some() {
        period = Some(PayPeriod::Month);
    }

    let mut amounts = amounts(&t, currency);
    // A unit written once applies to both ends: 1-1.5万, 15-25k.
    if amounts.len() == 2 && amounts[0].multiplier.is_none() {
        amounts[0].multiplier = amounts[1].multiplier;
    }
    let values: Vec<f64> = amounts
        .iter()
        .map(|a| a.value * a.multiplier.unwrap_or(1.0))
        .collect();
    let (low, high) = match amounts.as_slice() {
        [] => return Err(PayError::NoAmount),
        [_] => {
            let value = values[0];
            if AT_MOST.iter().any(|word| contains_word(&t, word)) {
                (None, Some(value))
            } else if AT_LEAST.iter().any(|word| contains_word(&t, word)) {
                (Some(value), None)
            } else {
                (Some(value), Some(value))
            }
        }
        [first, second] => {
            let between = &t[first.end..second.start];
            if !between.contains('-') {
                return Err(PayError::NotARange);
            }
            (Some(values[0]), Some(values[1]))
        }
        _ => return Err(PayError::NotARange),
    };
    if low.is_some_and(|low| low <= 0.0) || high.is_some_and(|high| high <= 0.0) {
        return Err(PayError::BadRange);
    }
    if let (Some(low), Some(high)) = (low, high)
        && low > high
    {
        return Err(PayError::BadRange);
    }
    let largest = values.iter().copied().fold(0.0, f64::max);
    let period = match period {
        Some(period) => period,
        None if matches!(currency, Currency::Usd | Currency::Gbp | Currency::Eur)
            && largest >= 1000.0 =>
        {
            PayPeriod::Year
        }
        None if currency == Currency::Inr && amounts.iter().any(|a| a.multiplier == Some(1e5)) => {
            PayPeriod::Year
        }
        None => return Err(PayError::NoPeriod),
    };
    Ok(Pay {
        low,
        high,
        currency,
        period,
        months_per_year,
    })
}

/// The one currency the text names.
fn currency(t: &str, monthly_multiple: bool) -> Result<Currency, PayError> {
    let yen = t.contains('円') || contains_word(t, "jpy");
    let signs = [
        (
            Currency::Cny,
            !yen && (t.contains(['¥', '元', '万', '千'])
                || contains_word(t, "rmb")
                || contains_word(t, "cny")
                || t.contains("人民币")
                || monthly_multiple),
        ),
        (
            Currency::Usd,
            t.contains('$') || contains_word(t, "usd") || t.contains("us$"),
        ),
        (Currency::Gbp, t.contains('£') || contains_word(t, "gbp")),
        (Currency::Eur, t.contains('€') || contains_word(t, "eur")),
        (
            Currency::Inr,
            t.contains('₹')
                || contains_word(t, "inr")
                || contains_word(t, "rs.")
                || t.contains("lakh")
                || contains_word(t, "lpa"),
        ),
        (Currency::Jpy, yen),
    ];
    let mut found = signs.iter().filter(|(_, on)| *on).map(|(c, _)| *c);
    match (found.next(), found.next()) {
        (Some(currency), None) => Ok(currency),
        (Some(_), Some(_)) => Err(PayError::SeveralCurrencies),
        (None, _) => Err(PayError::NoCurrency),
    }
}

/// Whether `word` occurs in `text` not glued to a Latin letter on either
/// side (CJK signs and symbols may touch anything).
fn contains_word(text: &str, word: &str) -> bool {
    let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    let edge_is_letter = |c: Option<char>| latin(c);
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let start = from + found;
        let end = start + word.len();
        let first = word.chars().next();
        let last = word.chars().next_back();
        let before_ok = !edge_is_letter(first) || !latin(text[..start].chars().next_back());
        let after_ok = !edge_is_letter(last) || !latin(text[end..].chars().next());
        if before_ok && after_ok {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// The amounts of a text with their units; percentages are skipped.
fn amounts(t: &str, currency: Currency) -> Vec<Amount> {
    let bytes = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b',')
        {
            i += 1;
        }
        let mut end = i;
        while end > start && matches!(bytes[end - 1], b'.' | b',') {
            end -= 1;
        }
        let raw = &t[start..end];
        let rest = &t[end..];
        let after = rest.trim_start();
        if after.starts_with('%') {
            continue;
        }
        let Some(value) = number(raw, currency) else {
            continue;
        };
        let (multiplier, unit_len) = unit(after);
        let unit_end = end + (rest.len() - after.len()) + unit_len;
        out.push(Amount {
            value,
            multiplier,
            start,
            end: if unit_len > 0 { unit_end } else { end },
        });
        i = i.max(if unit_len > 0 { unit_end } else { end });
    }
    out
}

/// A number with `,` or `.` thousands separators or a decimal point.
fn number(raw: &str, currency: Currency) -> Option<f64> {
    let commas = raw.matches(',').count();
    let dots = raw.matches('.').count();
    let groups_of_three = |sep: char| raw.split(sep).skip(1).all(|group| group.len() == 3);
    let plain: String = if commas > 0 {
        let before_dot = raw.split('.').next().unwrap_or(raw);
        let thousands = before_dot.split(',').skip(1).all(|group| group.len() == 3);
        if thousands && dots <= 1 {
            raw.replace(',', "")
        } else if commas == 1 && dots == 0 {
            // A decimal comma: 1,5.
            raw.replace(',', ".")
        } else {
            return None;
        }
    } else if dots > 1 {
        if !groups_of_three('.') {
            return None;
        }
        raw.replace('.', "")
    } else if dots == 1 && currency == Currency::Eur && groups_of_three('.') {
        raw.replace('.', "")
    } else {
        raw.to_string()
    };
    plain.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// The unit right after an amount: its multiplier and length in bytes.
fn unit(after: &str) -> (Option<f64>, usize) {
    let glued_letter = |len: usize| {
        after[len..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
    };
    for (word, multiplier) in [
        ("million", 1e6),
        ("lakhs", 1e5),
        ("lakh", 1e5),
        ("lpa", 1e5),
        ("mn", 1e6),
    ] {
        if after.starts_with(word) && !glued_letter(word.len()) {
            return (Some(multiplier), word.len());
        }
    }
    match after.chars().next() {
        Some('万') => (Some(1e4), '万'.len_utf8()),
        Some('千') => (Some(1e3), '千'.len_utf8()),
        Some('k') if !glued_letter(1) => (Some(1e3), 1),
        Some('w') if !glued_letter(1) => (Some(1e4), 1),
        _ => (None, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<f64>, Option<f64>, Currency, PayPeriod) {
        let pay = parse_pay(text).unwrap_or_else(|error| panic!("{text}: {error}"));
        (pay.low, pay.high, pay.currency, pay.period)
    }

    #[test]
    fn chinese_board_formats() {
        use Currency::Cny;
        use PayPeriod::*;
        assert_eq!(
            read("1-1.5万/月"),
            (Some(10_000.0), Some(15_000.0), Cny, Month)
        );
        assert_eq!(
            read("15-20万/年"),
            (Some(150_000.0), Some(200_000.0), Cny, Year)
        );
        assert_eq!(read("150元/天"), (Some(150.0), Some(150.0), Cny, Day));
        assert_eq!(read("6-8千/月"), (Some(6_000.0), Some(8_000.0), Cny, Month));
        assert_eq!(
            read("8千-1.2万/月"),
            (Some(8_000.0), Some(12_000.0), Cny, Month)
        );
        assert_eq!(read("20万以上/年"), (Some(200_000.0), None, Cny, Year));
        assert_eq!(read("5千以下/月"), (None, Some(5_000.0), Cny, Month));
        assert_eq!(read("60元/小时"), (Some(60.0), Some(60.0), Cny, Hour));
        let pay = parse_pay("15-25K·13薪").unwrap();
        assert_eq!(
            (pay.low, pay.high, pay.currency),
            (Some(15_000.0), Some(25_000.0), Cny)
        );
        assert_eq!((pay.period, pay.months_per_year), (Month, Some(13)));
        // 20,000 a month paid 13 times: 260,000 a year.
        assert_eq!(pay.annual(), 260_000.0);
    }

    #[test]
    fn english_board_formats() {
        use Currency::*;
        use PayPeriod::*;
        assert_eq!(
            read("$80,000 - $100,000 a year"),
            (Some(80_000.0), Some(100_000.0), Usd, Year)
        );
        assert_eq!(read("£30k"), (Some(30_000.0), Some(30_000.0), Gbp, Year));
        assert_eq!(
            read("$25 - $30 an hour"),
            (Some(25.0), Some(30.0), Usd, Hour)
        );
        assert_eq!(
            read("€45.000 - €55.000 per annum"),
            (Some(45_000.0), Some(55_000.0), Eur, Year)
        );
        assert_eq!(read("Up to £40k"), (None, Some(40_000.0), Gbp, Year));
        assert_eq!(
            read("From $50,000 a year"),
            (Some(50_000.0), None, Usd, Year)
        );
        assert_eq!(
            read("$80K–$100K"),
            (Some(80_000.0), Some(100_000.0), Usd, Year)
        );
        assert_eq!(
            read("USD 4,500 per month"),
            (Some(4_500.0), Some(4_500.0), Usd, Month)
        );
        assert_eq!(
            read("$20 to $25 per hour"),
            (Some(20.0), Some(25.0), Usd, Hour)
        );
        assert_eq!(
            read("₹8-12 LPA"),
            (Some(800_000.0), Some(1_200_000.0), Inr, Year)
        );
    }

    #[test]
    fn unreadable_pay_is_an_error_not_a_guess() {
        assert_eq!(parse_pay(""), Err(PayError::Empty));
        assert_eq!(parse_pay("  "), Err(PayError::Empty));
        assert_eq!(parse_pay("面议"), Err(PayError::NotStated));
        assert_eq!(parse_pay("Competitive salary"), Err(PayError::NotStated));
        assert_eq!(parse_pay("30"), Err(PayError::NoCurrency));
        assert_eq!(parse_pay("10-15k"), Err(PayError::NoCurrency));
        assert_eq!(parse_pay("1-1.5万"), Err(PayError::NoPeriod));
        assert_eq!(parse_pay("$25"), Err(PayError::NoPeriod));
        assert_eq!(
            parse_pay("$10 an hour or $400 a week"),
            Err(PayError::SeveralPeriods)
        );
        assert_eq!(
            parse_pay("$80,000 base and $20,000 bonus"),
            Err(PayError::NotARange)
        );
        assert_eq!(parse_pay("2-1万/月"), Err(PayError::BadRange));
        assert_eq!(parse_pay("$ per year"), Err(PayError::NoAmount));
        assert_eq!(parse_pay("£30k or $40k"), Err(PayError::SeveralCurrencies));
    }

    #[test]
    fn conversions_between_periods() {
        let daily = parse_pay("150元/天").unwrap();
        assert_eq!(daily.annual(), 150.0 * 260.0);
        assert_eq!(daily.per(PayPeriod::Month), 150.0 * 260.0 / 12.0);
        let hourly = parse_pay("$20 an hour").unwrap();
        assert_eq!(hourly.annual(), 41_600.0);
    }

    #[test]
    fn words_are_matched_whole() {
        assert!(contains_word("a year", "a year"));
        assert!(!contains_word("annualized", "annual"));
        assert!(contains_word("$80k/year", "/year"));
        assert!(!contains_word("doer", "doe"));
    }
}
