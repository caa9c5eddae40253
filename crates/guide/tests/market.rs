//! Market analysis of two small postings files whose figures were computed by hand.

use jobfit_guide::{
    Currency, GroupBy, GuideError, MarketAnalyzer, MarketOptions, PayPeriod, PostingColumns,
    market_charts, market_html, read_postings,
};

use crate::common::fixture;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn chinese_postings_demand_pay_and_time() {
    let postings = read_postings(fixture("postings_zh.csv"), &PostingColumns::default()).unwrap();
    assert_eq!(postings.postings.len(), 6);
    assert_eq!(postings.duplicates, 1);
    assert_eq!(postings.columns.pay.as_deref(), Some("salary"));
    assert_eq!(postings.columns.text, ["description"]);
    let options = MarketOptions {
        by: Some(GroupBy::Region),
        min_pay_postings: 2,
        min_pair_postings: 2,
        ..MarketOptions::default()
    };
    let report = MarketAnalyzer::new().analyze(&postings, &options).unwrap();

    // SQL in postings 1, 2, 4, 6; Hadoop, Spark, data warehouse (数据仓库, in posting 1's text and
    // posting 4's title), Java and Python in two each (ties by name, ignoring case).
    let demand: Vec<(&str, usize)> = report
        .skills
        .iter()
        .map(|s| (s.skill.as_str(), s.postings))
        .collect();
    assert_eq!(
        demand[..5],
        [
            ("SQL", 4),
            ("Apache Hadoop", 2),
            ("Apache Spark", 2),
            ("data warehouse", 2),
            ("Java", 2)
        ]
    );
    assert!(close(report.skills[0].share, 4.0 / 6.0));
    // Pairs in at least two postings: Hadoop+data warehouse and Spark+Java (lift 2*6/(2*2) = 3)
    // before SQL+Hadoop and SQL+data warehouse (2*6/(4*2) = 1.5).
    let pairs: Vec<(&str, &str, usize)> = report
        .pairs
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str(), p.postings))
        .collect();
    assert_eq!(
        pairs,
        [
            ("Apache Hadoop", "data warehouse", 2),
            ("Apache Spark", "Java", 2),
            ("SQL", "Apache Hadoop", 2),
            ("SQL", "data warehouse", 2)
        ]
    );
    assert!(close(report.pairs[0].lift, 3.0));

    // Pay per month: 12,500; 9,000; 175,000 / 12; 150 * 260 / 12 = 3,250. 面议 is not stated,
    // 薪资优厚 unreadable.
    let pay = report.pay.as_ref().unwrap();
    assert_eq!(
        (pay.currency, pay.period),
        (Currency::Cny, PayPeriod::Month)
    );
    assert_eq!(
        (pay.readable, pay.not_stated, pay.unreadable, pay.absent),
        (4, 1, 1, 0)
    );
    assert_eq!(pay.unreadable_examples, [("薪资优厚".to_string(), 1)]);
    assert_eq!(pay.overall.postings, 4);
    assert!(close(pay.overall.median, 10_750.0));
    assert!(close(pay.overall.p25, 3_250.0 + (9_000.0 - 3_250.0) * 0.75));
    let by_skill: Vec<(&str, f64)> = pay
        .by_skill
        .iter()
        .map(|p| (p.name.as_str(), p.stats.median))
        .collect();
    let java = (12_500.0 + 175_000.0 / 12.0) / 2.0;
    assert_eq!(by_skill.len(), 4);
    assert_eq!(
        (by_skill[0].0, by_skill[1].0, by_skill[2].0, by_skill[3].0),
        ("Apache Spark", "Java", "SQL", "Python")
    );
    assert!(
        close(by_skill[0].1, java)
            && close(by_skill[2].1, 10_750.0)
            && close(by_skill[3].1, 6_125.0)
    );
    assert_eq!(pay.by_region.len(), 1);
    assert_eq!(pay.by_region[0].name, "上海");

    // Months: July 1 (SQL), August 2, September 2; one posting without a date.
    let timeline = report.timeline.as_ref().unwrap();
    let months: Vec<(&str, usize)> = timeline
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.postings))
        .collect();
    assert_eq!(months, [("2019-07", 1), ("2019-08", 2), ("2019-09", 2)]);
    assert_eq!(
        timeline.skills,
        [
            "SQL",
            "Apache Hadoop",
            "Apache Spark",
            "data warehouse",
            "Java"
        ]
    );
    // August: postings 3 (Java, Spark) and 4 (data warehouse, Hadoop, SQL); September:
    // postings 1 (all five) and 2 (SQL).
    assert_eq!(timeline.months[1].counts, [1, 1, 1, 1, 1]);
    assert_eq!(timeline.months[2].counts, [2, 1, 1, 1, 1]);
    assert_eq!(timeline.dates.absent, 1);

    let breakdown = report.breakdown.as_ref().unwrap();
    let groups: Vec<(&str, usize)> = breakdown
        .groups
        .iter()
        .map(|g| (g.group.as_str(), g.postings))
        .collect();
    assert_eq!(groups, [("上海", 2), ("北京", 2), ("广州", 1), ("深圳", 1)]);
    assert!(close(
        breakdown.groups[0].pay.as_ref().unwrap().median,
        10_750.0
    ));

    // One unreadable pay string: the figures are partial, and the notes say why.
    assert!(report.partial);
    assert!(
        report.notes.iter().any(|n| n.contains("薪资优厚")),
        "{:?}",
        report.notes
    );

    let html = market_html(&report).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && !html.contains("<script")
    );
    assert!(html.contains("薪资优厚") && html.contains("Partial"));
    let charts: Vec<String> = market_charts(&report)
        .unwrap()
        .into_iter()
        .map(|(stem, _)| stem)
        .collect();
    assert_eq!(
        charts,
        [
            "skill-demand",
            "pay-by-skill",
            "pay-by-region",
            "demand-over-time",
            "postings-by-region"
        ]
    );
}

#[test]
fn english_postings_with_mixed_currencies_and_dates() {
    let postings = read_postings(fixture("postings_en.jsonl"), &PostingColumns::default()).unwrap();
    assert_eq!(postings.columns.text, ["description", "qualifications"]);
    assert_eq!(postings.columns.date.as_deref(), Some("posted"));
    let options = MarketOptions {
        by: Some(GroupBy::Category),
        ..MarketOptions::default()
    };
    let report = MarketAnalyzer::new().analyze(&postings, &options).unwrap();
    let count = |skill: &str| {
        report
            .skills
            .iter()
            .find(|s| s.skill == skill)
            .map(|s| s.postings)
    };
    assert_eq!(
        (count("SQL"), count("Python"), count("Tableau")),
        (Some(4), Some(4), Some(2))
    );
    let ignoring = MarketOptions {
        ignore_skills: vec!["tableau".into()],
        ..MarketOptions::default()
    };
    let without = MarketAnalyzer::new().analyze(&postings, &ignoring).unwrap();
    assert!(without.skills.iter().all(|s| s.skill != "Tableau"));

    // USD: 90,000 and 120,000 a year, $60 an hour = 124,800 a year; £30k is left out.
    let pay = report.pay.as_ref().unwrap();
    assert_eq!((pay.currency, pay.period), (Currency::Usd, PayPeriod::Year));
    assert_eq!(pay.other_currencies.get("GBP"), Some(&1));
    assert_eq!((pay.readable, pay.not_stated, pay.unreadable), (4, 1, 0));
    assert!(close(pay.overall.median, 120_000.0));

    // 03/14/2024 settles month-first; "next week" is unreadable.
    let timeline = report.timeline.as_ref().unwrap();
    let months: Vec<(&str, usize)> = timeline
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.postings))
        .collect();
    assert_eq!(months, [("2024-03", 1), ("2024-04", 3)]);
    assert_eq!(timeline.dates.formats.get("M/D/YYYY"), Some(&2));
    assert_eq!(timeline.dates.unreadable_examples, ["next week"]);
    assert!(report.partial);

    let groups: Vec<(&str, usize)> = report
        .breakdown
        .as_ref()
        .unwrap()
        .groups
        .iter()
        .map(|g| (g.group.as_str(), g.postings))
        .collect();
    assert_eq!(
        groups,
        [("Analytics", 2), ("Engineering", 2), ("Science", 1)]
    );
}

#[test]
fn missing_columns_leave_parts_out_or_are_errors() {
    let error = read_postings(fixture("nothing.csv"), &PostingColumns::default()).unwrap_err();
    assert!(matches!(error, GuideError::NoSkillColumn { .. }), "{error}");
    let columns = PostingColumns {
        pay: Some("wage".into()),
        ..PostingColumns::default()
    };
    let error = read_postings(fixture("postings_zh.csv"), &columns).unwrap_err();
    assert!(matches!(error, GuideError::MissingColumn { .. }), "{error}");

    // No category column in the Chinese file: a breakdown by category is left out, and said so.
    let postings = read_postings(fixture("postings_zh.csv"), &PostingColumns::default()).unwrap();
    let options = MarketOptions {
        by: Some(GroupBy::Category),
        ..MarketOptions::default()
    };
    let report = MarketAnalyzer::new().analyze(&postings, &options).unwrap();
    assert!(report.breakdown.is_none() && report.partial);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("no breakdown by category"))
    );
    let error = read_postings(fixture("no-such-file.csv"), &PostingColumns::default()).unwrap_err();
    assert!(matches!(error, GuideError::Data(_)), "{error}");
}
