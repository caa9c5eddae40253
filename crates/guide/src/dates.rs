//! Posting dates in the formats boards write them, read to the month.
//!
//! [`read_date`] reads one date; [`DateReader`] reads the dates of a whole
//! file, where the order of day and month in `03/04/2019` can be learned
//! from the dates that settle it (`13/04/2019`). A date whose order the file
//! does not settle is counted as unreadable, never guessed.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A year and a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct YearMonth {
    /// The year (1900 to 2100).
    pub year: u16,
    /// The month (1 to 12).
    pub month: u8,
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A date as read from one string, before the file settles numeric orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawDate {
    /// A date whose month is known, with the name of its format.
    Known {
        /// The month.
        month: YearMonth,
        /// The format (`YYYY-MM-DD`, `YYYY年M月D日`, `Mon D, YYYY`, ...).
        format: &'static str,
    },
    /// `A/B/YYYY`: day and month in an order the string alone may not say.
    Numeric {
        /// The first number.
        first: u8,
        /// The second number.
        second: u8,
        /// The year.
        year: u16,
    },
}

/// Why a date was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DateError {
    /// The string is empty.
    #[error("no date given")]
    Empty,
    /// A date without a year (`09-13`, `3 days ago`).
    #[error("no year")]
    NoYear,
    /// A format this reader does not know, or a month or day out of range.
    #[error("not a date in a known format")]
    Unknown,
    /// `03/04/2019` in a file whose dates do not settle which number is the month.
    #[error("day and month cannot be told apart")]
    Ambiguous,
}

fn regex(pattern: &str) -> Regex {
    // Cannot fail: the patterns below are fixed and valid (the unit tests build each).
    Regex::new(pattern).expect("valid regex")
}

static ISO: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[t\s])"));
static ISO_MONTH: LazyLock<Regex> = LazyLock::new(|| regex(r"^(\d{4})[-/.](\d{1,2})$"));
static CHINESE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?"));
static NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:$|\s)"));
static NAME_DAY_YEAR: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:$|\s)"));
static DAY_NAME_YEAR: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})(?:$|\s)"));
static NAME_YEAR: LazyLock<Regex> = LazyLock::new(|| regex(r"^([a-z]{3,9})\.?,?\s+(\d{4})$"));
static NO_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^(?:\d{1,2}[-/.]\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日?|\d+\s*(?:days?|hours?|weeks?)\s+ago|今天|昨天|刚刚|\d+\s*天前)",
    )
});

/// The month of an English month name or its abbreviation.
fn month_name(name: &str) -> Option<u8> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let name = if name == "sept" { "sep" } else { name };
    NAMES
        .iter()
        .position(|full| name.len() >= 3 && full.starts_with(name))
        .and_then(|i| u8::try_from(i + 1).ok())
}

fn year_month(year: u16, month: u8) -> Option<YearMonth> {
    ((1900..=2100).contains(&year) && (1..=12).contains(&month))
        .then_some(YearMonth { year, month })
}

fn day_ok(day: u8) -> bool {
    (1..=31).contains(&day)
}

/// Reads one date string.
///
/// Formats: `2019-09-13`, `2019/9/13`, `2019.09.13` (with a time after it
/// or not), `2019-09`, `2019年9月13日`, `2019年9月`, `Sep 13, 2019`,
/// `13 September 2019`, `Sep 2019`, and `13/09/2019` or `09/13/2019`
/// ([`RawDate::Numeric`]: the file decides the order).
///
/// ```
/// use jobfit_guide::{RawDate, YearMonth, read_date};
///
/// let september = YearMonth { year: 2019, month: 9 };
/// assert!(matches!(read_date("2019年9月13日"), Ok(RawDate::Known { month, .. }) if month == september));
/// assert!(matches!(read_date("Sep 13, 2019"), Ok(RawDate::Known { month, .. }) if month == september));
/// assert!(matches!(read_date("13/09/2019"), Ok(RawDate::Numeric { first: 13, second: 9, year: 2019 })));
/// ```
///
/// # Errors
///
/// [`DateError::Empty`], [`DateError::NoYear`] or [`DateError::Unknown`].
pub fn read_date(text: &str) -> Result<RawDate, DateError> {
    let t: String = text.nfkc().collect::<String>().trim().to_lowercase();
    if t.is_empty() {
        return Err(DateError::Empty);
    }
    let num = |s: &str| s.parse::<u16>().ok();
    let known = |year: Option<u16>, month: Option<u16>, day: Option<u16>, format| {
        let month = u8::try_from(month?).ok()?;
        if let Some(day) = day
            && !day_ok(u8::try_from(day).ok()?)
        {
            return None;
        }
        Some(RawDate::Known {
            month: year_month(year?, month)?,
            format,
        })
    };
    if let Some(c) = ISO.captures(&t) {
        return known(num(&c[1]), num(&c[2]), num(&c[3]), "YYYY-MM-DD").ok_or(DateError::Unknown);
    }
    if let Some(c) = ISO_MONTH.captures(&t) {
        return known(num(&c[1]), num(&c[2]), None, "YYYY-MM").ok_or(DateError::Unknown);
    }
    if let Some(c) = CHINESE.captures(&t) {
        let day = c.get(3).and_then(|d| num(d.as_str()));
        let format = if day.is_some() {
            "YYYY年M月D日"
        } else {
            "YYYY年M月"
        };
        return known(num(&c[1]), num(&c[2]), day, format).ok_or(DateError::Unknown);
    }
    if let Some(c) = NUMERIC.captures(&t) {
        let (first, second, year) = (num(&c[1]), num(&c[2]), num(&c[3]));
        let (Some(first), Some(second), Some(year)) = (first, second, year) else {
            return Err(DateError::Unknown);
        };
        let (Ok(first), Ok(second)) = (u8::try_from(first), u8::try_from(second)) else {
            return Err(DateError::Unknown);
        };
        let fits = |day: u8, month: u8| day_ok(day) && (1..=12).contains(&month);
        if !(1900..=2100).contains(&year) || !(fits(first, second) || fits(second, first)) {
            return Err(DateError::Unknown);
        }
        return Ok(RawDate::Numeric {
            first,
            second,
            year,
        });
    }
    if let Some(c) = NAME_DAY_YEAR.captures(&t) {
        let month = month_name(&c[1]).map(u16::from);
        return known(num(&c[3]), month, num(&c[2]), "Mon D, YYYY").ok_or(DateError::Unknown);
    }
    if let Some(c) = DAY_NAME_YEAR.captures(&t) {
        let month = month_name(&c[2]).map(u16::from);
        return known(num(&c[3]), month, num(&c[1]), "D Mon YYYY").ok_or(DateError::Unknown);
    }
    if let Some(c) = NAME_YEAR.captures(&t) {
        let month = month_name(&c[1]).map(u16::from);
        return known(num(&c[2]), month, None, "Mon YYYY").ok_or(DateError::Unknown);
    }
    if NO_YEAR.is_match(&t) {
        return Err(DateError::NoYear);
    }
    Err(DateError::Unknown)
}

/// The order of day and month in `A/B/YYYY` dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumericOrder {
    /// `13/09/2019`.
    DayFirst,
    /// `09/13/2019`.
    MonthFirst,
}

/// The dates of one file: each read to its month (or `None`), and an
/// account of the formats seen and of what could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateReading {
    /// The month of each input, in input order (`None`: absent or unreadable).
    pub months: Vec<Option<YearMonth>>,
    /// Inputs read, by format name.
    pub formats: BTreeMap<String, usize>,
    /// The order of `A/B/YYYY` dates the file settled, if it has any.
    pub numeric_order: Option<NumericOrder>,
    /// Empty or absent dates.
    pub absent: usize,
    /// Dates that could not be read, by reason.
    pub unreadable: BTreeMap<String, usize>,
    /// Up to ten unreadable strings, as written.
    pub unreadable_examples: Vec<String>,
}

impl DateReading {
    /// The number of dates read.
    pub fn readable(&self) -> usize {
        self.months.iter().filter(|m| m.is_some()).count()
    }

    /// The number of dates that could not be read.
    pub fn unreadable_count(&self) -> usize {
        self.unreadable.values().sum()
    }
}

/// Reads the dates of a file (one optional string per record).
///
/// `A/B/YYYY` dates follow the order that the file's dates with a number
/// above 12 show (`13/04/2019`: day first). When those disagree, or none
/// settles it, every `A/B/YYYY` date with both numbers up to 12 is
/// [`DateError::Ambiguous`] (one whose two numbers are equal is read).
///
/// ```
/// use jobfit_guide::{NumericOrder, read_dates};
///
/// let reading = read_dates(&[Some("13/04/2019"), Some("03/04/2019"), Some("2019-05-01"), None]);
/// assert_eq!(reading.numeric_order, Some(NumericOrder::DayFirst));
/// assert_eq!(reading.months[1].map(|m| m.to_string()), Some("2019-04".to_string()));
/// assert_eq!((reading.readable(), reading.absent), (3, 1));
/// ```
pub fn read_dates(texts: &[Option<&str>]) -> DateReading {
    let raws: Vec<Option<Result<RawDate, DateError>>> = texts
        .iter()
        .map(|text| text.map(read_date).filter(|r| *r != Err(DateError::Empty)))
        .collect();
    let mut day_first = false;
    let mut month_first = false;
    for raw in raws.iter().flatten().flatten() {
        if let RawDate::Numeric { first, second, .. } = *raw {
            day_first |= first > 12;
            month_first |= second > 12;
        }
    }
    let numeric_order = match (day_first, month_first) {
        (true, false) => Some(NumericOrder::DayFirst),
        (false, true) => Some(NumericOrder::MonthFirst),
        _ => None,
    };
    let mut reading = DateReading {
        months: Vec::with_capacity(texts.len()),
        formats: BTreeMap::new(),
        numeric_order,
        absent: 0,
        unreadable: BTreeMap::new(),
        unreadable_examples: Vec::new(),
    };
    for (raw, text) in raws.into_iter().zip(texts) {
        let result = match raw {
            None => {
                reading.absent += 1;
                reading.months.push(None);
                continue;
            }
            Some(Err(error)) => Err(error),
            Some(Ok(RawDate::Known { month, format })) => Ok((month, format)),
            Some(Ok(RawDate::Numeric {
                first,
                second,
                year,
            })) => resolve_numeric(first, second, year, numeric_order),
        };
        match result {
            Ok((month, format)) => {
                *reading.formats.entry(format.to_string()).or_default() += 1;
                reading.months.push(Some(month));
            }
            Err(error) => {
                *reading.unreadable.entry(error.to_string()).or_default() += 1;
                if reading.unreadable_examples.len() < 10
                    && let Some(text) = text
                {
                    reading.unreadable_examples.push((*text).to_string());
                }
                reading.months.push(None);
            }
        }
    }
    reading
}

fn resolve_numeric(
    first: u8,
    second: u8,
    year: u16,
    order: Option<NumericOrder>,
) -> Result<(YearMonth, &'static str), DateError> {
    let as_day_first = || {
        (day_ok(first))
            .then(|| year_month(year, second))
            .flatten()
            .map(|m| (m, "D/M/YYYY"))
    };
    let as_month_first = || {
        (day_ok(second))
            .then(|| year_month(year, first))
            .flatten()
            .map(|m| (m, "M/D/YYYY"))
    };
    match order {
        Some(NumericOrder::DayFirst) => as_day_first().ok_or(DateError::Unknown),
        Some(NumericOrder::MonthFirst) => as_month_first().ok_or(DateError::Unknown),
        None if first == second => as_day_first().ok_or(DateError::Unknown),
        None if first > 12 => as_day_first().ok_or(DateError::Unknown),
        None if second > 12 => as_month_first().ok_or(DateError::Unknown),
        None => Err(DateError::Ambiguous),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> String {
        match read_date(text) {
            Ok(RawDate::Known { month, .. }) => month.to_string(),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn known_formats() {
        assert_eq!(month("2019-09-13"), "2019-09");
        assert_eq!(month("2019/9/3"), "2019-09");
        assert_eq!(month("2019.09.13 10:22"), "2019-09");
        assert_eq!(month("2019-09-13T08:00:00Z"), "2019-09");
        assert_eq!(month("2019-9"), "2019-09");
        assert_eq!(month("2019年9月13日"), "2019-09");
        assert_eq!(month("2019年09月"), "2019-09");
        assert_eq!(month("Sep 13, 2019"), "2019-09");
        assert_eq!(month("September 3rd 2019"), "2019-09");
        assert_eq!(month("13 Sept 2019"), "2019-09");
        assert_eq!(month("Sep 2019"), "2019-09");
        assert_eq!(month("２０１９－０９－１３"), "2019-09");
    }

    #[test]
    fn bad_dates() {
        assert_eq!(read_date(""), Err(DateError::Empty));
        assert_eq!(read_date("09-13"), Err(DateError::NoYear));
        assert_eq!(read_date("3 days ago"), Err(DateError::NoYear));
        assert_eq!(read_date("2019-13-01"), Err(DateError::Unknown));
        assert_eq!(read_date("2019-02-32"), Err(DateError::Unknown));
        assert_eq!(read_date("Smarch 3, 2019"), Err(DateError::Unknown));
        assert_eq!(read_date("soon"), Err(DateError::Unknown));
        assert_eq!(read_date("13/13/2019"), Err(DateError::Unknown));
    }

    #[test]
    fn a_file_settles_the_numeric_order() {
        let reading = read_dates(&[Some("04/13/2019"), Some("04/05/2019"), Some("")]);
        assert_eq!(reading.numeric_order, Some(NumericOrder::MonthFirst));
        let months: Vec<String> = reading
            .months
            .iter()
            .flatten()
            .map(|m| m.to_string())
            .collect();
        assert_eq!(months, ["2019-04", "2019-04"]);
        assert_eq!(reading.absent, 1);
        assert_eq!(reading.formats["M/D/YYYY"], 2);

        // Both orders seen: the dates that need the order are unreadable.
        let mixed = read_dates(&[
            Some("13/04/2019"),
            Some("04/13/2019"),
            Some("03/04/2019"),
            Some("05/05/2019"),
        ]);
        assert_eq!(mixed.numeric_order, None);
        assert_eq!(mixed.readable(), 3);
        assert_eq!(mixed.unreadable["day and month cannot be told apart"], 1);
        assert_eq!(mixed.unreadable_examples, ["03/04/2019"]);

        // Nothing settles it.
        let unsettled = read_dates(&[Some("03/04/2019")]);
        assert_eq!(unsettled.readable(), 0);
        assert_eq!(unsettled.unreadable_count(), 1);
    }
}
