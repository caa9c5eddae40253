//! Integration tests for the redact module.

use std::path::PathBuf;

use jobfit_text::{GenderStyle, PiiKind, RedactError, Redacted, Redaction, Redactor};
use proptest::prelude::*;
use regex::Regex;

/// One line with one match of every kind, and the byte spans of the matches, counted by hand
/// (a Han character is three bytes in UTF-8).
const EVERY_KIND: &str = "jo@x.io, (415) 555-0134, www.jo.dev/cv, DOB: 1985-03-12, age 41, she, \
                          姓名：张伟, 身份证号 11010519491231002X, 微信：zhang_wei88, 住址：北京市朝阳区建国路88号";
const EVERY_KIND_SPANS: [(PiiKind, usize, usize); 10] = [
    (PiiKind::Email, 0, 7),
    (PiiKind::Phone, 9, 23),
    (PiiKind::Url, 25, 38),
    (PiiKind::DateOfBirth, 45, 55),
    (PiiKind::Age, 61, 63),
    (PiiKind::Gender, 65, 68),
    (PiiKind::Name, 79, 85),
    (PiiKind::IdNumber, 100, 118),
    (PiiKind::MessagingId, 129, 140),
    (PiiKind::Address, 151, 183),
];

fn only(kind: PiiKind) -> Redactor {
    Redactor::builder()
        .with_only([kind])
        .build()
        .expect("default placeholders are not blank")
}

/// Puts every original back at its replacement span, independently of `Redacted::restore`.
fn reinsert(redacted: &Redacted) -> String {
    let mut text = redacted.text.clone();
    for redaction in redacted.redactions.iter().rev() {
        text.replace_range(redaction.replacement_span.clone(), &redaction.original);
    }
    text
}

/// The invariants every redaction must keep.
fn check_invariants(input: &str, redacted: &Redacted) {
    let mut last_end = 0;
    let mut last_replacement_end = 0;
    for r in &redacted.redactions {
        assert!(
            r.span.start >= last_end,
            "spans sorted and disjoint: {:?}",
            redacted.redactions
        );
        assert!(r.span.start < r.span.end, "empty span {r:?}");
        assert!(input.is_char_boundary(r.span.start) && input.is_char_boundary(r.span.end));
        assert_eq!(input.get(r.span.clone()), Some(r.original.as_str()));
        assert!(r.replacement_span.start >= last_replacement_end);
        let replacement = redacted
            .text
            .get(r.replacement_span.clone())
            .expect("replacement span on boundaries");
        assert!(!replacement.trim().is_empty());
        last_end = r.span.end;
        last_replacement_end = r.replacement_span.end;
    }
    assert_eq!(reinsert(redacted), input);
    assert_eq!(redacted.restore(), input);
}

#[test]
fn every_kind_in_one_line() {
    let redacted = Redactor::default().redact(EVERY_KIND);
    let found: Vec<_> = redacted
        .redactions
        .iter()
        .map(|r| (r.kind, r.span.start, r.span.end))
        .collect();
    assert_eq!(found, EVERY_KIND_SPANS);
    assert_eq!(
        redacted.text,
        "[EMAIL], [PHONE], [URL], DOB: [DOB], age [AGE], [GENDER], 姓名：[NAME], 身份证号 [ID], \
         微信：[MESSAGING], 住址：[ADDRESS]"
    );
    assert_eq!(
        redacted.redactions[1],
        Redaction {
            kind: PiiKind::Phone,
            span: 9..23,
            original: "(415) 555-0134".into(),
            replacement_span: 9..16
        }
    );
    check_invariants(EVERY_KIND, &redacted);
}

#[test]
fn each_kind_switches_off_alone() {
    for (off, start, end) in EVERY_KIND_SPANS {
        let redactor = Redactor::builder()
            .with_kind(off, false)
            .build()
            .expect("default placeholders");
        assert!(!redactor.is_enabled(off));
        let redacted = redactor.redact(EVERY_KIND);
        let kinds: Vec<_> = redacted.redactions.iter().map(|r| r.kind).collect();
        let want: Vec<_> = PiiKind::ALL.into_iter().filter(|&k| k != off).collect();
        assert_eq!(kinds, want, "with {off} off");
        assert!(
            redacted.text.contains(&EVERY_KIND[start..end]),
            "{off} kept in {:?}",
            redacted.text
        );
        assert!(!redacted.text.contains(off.placeholder()));
    }
}

#[test]
fn each_kind_switches_on_alone() {
    for (kind, start, end) in EVERY_KIND_SPANS {
        let redacted = only(kind).redact(EVERY_KIND);
        let spans: Vec<_> = redacted
            .redactions
            .iter()
            .map(|r| (r.kind, r.span.clone()))
            .collect();
        assert_eq!(spans, vec![(kind, start..end)]);
    }
}

#[test]
fn nothing_on_changes_nothing() {
    let redactor = Redactor::builder()
        .with_only([])
        .build()
        .expect("default placeholders");
    let redacted = redactor.redact(EVERY_KIND);
    assert_eq!(redacted.text, EVERY_KIND);
    assert!(redacted.redactions.is_empty());
}

#[test]
fn emails() {
    let redactor = only(PiiKind::Email);
    for (text, want) in [
        (
            "Contact: jane.doe+cv@mail.example.co.uk.",
            "Contact: [EMAIL].",
        ),
        ("JANE@EXAMPLE.COM", "[EMAIL]"),
        ("邮箱：zhangsan@163.com，", "邮箱：[EMAIL]，"),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in ["a @ b", "user@localhost", "@handle", "C# @ scale"] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn phones() {
    let redactor = only(PiiKind::Phone);
    for (text, want) in [
        ("Call +1 (415) 555-0134 today", "Call [PHONE] today"),
        ("London +44 20 7946 0958.", "London [PHONE]."),
        ("Cell 415.555.0134", "Cell [PHONE]"),
        ("(415) 555-0134", "[PHONE]"),
        ("+86 138 0013 8000", "[PHONE]"),
        ("电话：13800138000", "电话：[PHONE]"),
        ("座机 010-12345678", "座机 [PHONE]"),
        (
            "Supervisor: Ann Lee (910-391-4768)",
            "Supervisor: Ann Lee ([PHONE])",
        ),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
}

#[test]
fn not_phones() {
    let redactor = only(PiiKind::Phone);
    for text in [
        "Accountant 2015-2019",
        "January 2015 - December 2019",
        "11/2017 to 03/2018",
        "Salary: $120,000 - $150,000",
        "San Francisco, CA 94107",
        "Seattle, WA 98101-1234",
        "Python 3.10.4",
        "Managed 12 people and 300 accounts",
        "Born 1985-03-12",
        "Order no. 2019 0001 2345 6789 1234",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn urls() {
    let redactor = only(PiiKind::Url);
    for (text, want) in [
        ("Portfolio: https://jane.dev/work.", "Portfolio: [URL]."),
        ("(www.example.com/a?b=1)", "([URL])"),
        ("linkedin.com/in/jane-doe, github.com/jd", "[URL], [URL]"),
        ("主页：https://github.com/zhang，欢迎", "主页：[URL]，欢迎"),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in [
        "ASP.NET, VB.NET, Node.js",
        "Salesforce.com and Amazon.com",
        "e.g. the U.S.",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn dates_of_birth() {
    let redactor = only(PiiKind::DateOfBirth);
    for (text, want) in [
        ("DOB: 12/03/1985", "DOB: [DOB]"),
        (
            "Date of birth: March 3, 1985\nMarital status: single",
            "Date of birth: [DOB]\nMarital status: single",
        ),
        (
            "I was born on 1985-03-12 in Lyon.",
            "I was born on [DOB] in Lyon.",
        ),
        ("出生日期：1985年3月", "出生日期：[DOB]"),
        ("1985年3月出生，汉族", "[DOB]出生，汉族"),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in [
        "Experience\nJan 2015 - Present\nAnalyst",
        "Graduated May 2010",
        "工作时间：2015年3月 - 2019年6月",
        "Place of birth: Sheffield, UK",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn ages() {
    let redactor = only(PiiKind::Age);
    for (text, want) in [
        ("age 45", "age [AGE]"),
        ("Age: 45", "Age: [AGE]"),
        ("I am 45 years old.", "I am [AGE] years old."),
        ("aged 45, married", "aged [AGE], married"),
        ("张三，45岁，", "张三，[AGE]岁，"),
        ("年龄：45", "年龄：[AGE]"),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in [
        "5 years of experience",
        "over 20 years of experience in sales",
        "taught children ages 5 to 12",
        "must be under the age of 30",
        "reduced receivables aged 90 days",
        "a 20 year old manufacturing company",
        "招聘要求：25-35岁",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn gender_words() {
    let redactor = only(PiiKind::Gender);
    for (text, want) in [
        (
            "She managed her team and trained him.",
            "[GENDER] managed [GENDER] team and trained [GENDER].",
        ),
        (
            "Mrs. Smith praised herself",
            "[GENDER] Smith praised [GENDER]",
        ),
        ("Gender: Female", "Gender: [GENDER]"),
        ("Sex: M", "Sex: [GENDER]"),
        ("性别：女", "性别：[GENDER]"),
        (
            "他负责销售，她负责财务",
            "[GENDER]负责销售，[GENDER]负责财务",
        ),
        ("李女士 / 男 / 30岁", "李[GENDER] / [GENDER] / 30岁"),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in [
        "Proficient in MS Office and Ms Excel",
        "HIS implementation, HER2 testing",
        "The man-hours were reduced",
        "负责女装和男装品类",
        "其他：吉他，擅长与他人沟通",
        "Theme, shell, mansion, others",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn names_after_a_label() {
    let redactor = only(PiiKind::Name);
    for (text, want) in [
        ("姓名：张伟\n性别：男", "姓名：[NAME]\n性别：男"),
        ("姓 名 欧阳娜娜 | 电话", "姓 名 [NAME] | 电话"),
        ("姓名：迪丽·热巴，", "姓名：[NAME]，"),
        ("Name: Jane Doe\nEmail", "Name: [NAME]\nEmail"),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in [
        "姓名要求：真实有效",
        "Company name and address",
        "Name: n/a",
        "张伟，中国国籍，历任董事长",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn chinese_id_numbers() {
    let redactor = only(PiiKind::IdNumber);
    for (text, want) in [
        // Check characters computed by hand with the MOD 11-2 weights.
        ("身份证号：11010519491231002X", "身份证号：[ID]"),
        (
            "证件 110105194912310021 已核验",
            "证件 110105194912310021 已核验",
        ),
        ("号码 440524188001010014，", "号码 440524188001010014，"),
        ("110101199003074477", "[ID]"),
        ("身份证 11010519491231002x。", "身份证 [ID]。"),
        ("身份证号码：110105491231002", "身份证号码：[ID]"),
        ("ID No.: 110101199003074478", "ID No.: [ID]"),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in [
        // Wrong check character and no label; a longer run of digits; an order number.
        "110101199003074478",
        "1101011990030744771",
        "订单号 2019091300012345",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn wechat_and_qq_ids() {
    let redactor = only(PiiKind::MessagingId);
    for (text, want) in [
        ("微信：zhang_wei88，", "微信：[MESSAGING]，"),
        ("微信号 13800138000", "微信号 [MESSAGING]"),
        ("WeChat ID: wxid_abc123", "WeChat ID: [MESSAGING]"),
        ("QQ：12345678", "QQ：[MESSAGING]"),
        ("QQ号 987654321 ", "QQ号 [MESSAGING] "),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in [
        "熟悉微信小程序开发",
        "运营微信公众号",
        "QQ音乐推荐算法",
        "WeChat Pay integration",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn chinese_addresses() {
    let redactor = only(PiiKind::Address);
    for (text, want) in [
        (
            "住址：北京市朝阳区建国路88号，邮编100022",
            "住址：[ADDRESS]，邮编100022",
        ),
        (
            // A 51job posting (zh-51job, row 1), as the source writes it.
            "上班地址 : 世纪大道1500号东方大厦4层",
            "上班地址 : [ADDRESS]",
        ),
        ("现居住地：上海市浦东新区张江镇", "现居住地：[ADDRESS]"),
        (
            "我住在杭州市西湖区文三路90号5号楼1单元，步行可达",
            "我住在[ADDRESS]，步行可达",
        ),
    ] {
        assert_eq!(redactor.redact(text).text, want, "{text}");
    }
    for text in [
        "工作地点：北京",
        "负责华东区销售，常驻上海市",
        "熟悉大数据平台的搭建",
        "3年以上工作经验，本科及以上学历",
    ] {
        assert_eq!(redactor.redact(text).text, text);
    }
}

#[test]
fn neutral_pronouns() {
    let redactor = Redactor::builder()
        .with_only([PiiKind::Gender])
        .with_gender_style(GenderStyle::Neutral)
        .build()
        .expect("default placeholders");
    let redacted = redactor.redact("She led his team. Mr. Li (male) thanked her. 她很优秀。");
    assert_eq!(
        redacted.text,
        "They led their team. Mx. Li ([GENDER]) thanked their. TA很优秀。"
    );
    check_invariants(
        "She led his team. Mr. Li (male) thanked her. 她很优秀。",
        &redacted,
    );
}

#[test]
fn placeholders_are_configurable_but_not_blank() {
    let redactor = Redactor::builder()
        .with_placeholder(PiiKind::Phone, "<tel>")
        .build()
        .expect("a visible placeholder");
    assert_eq!(redactor.placeholder(PiiKind::Phone), "<tel>");
    assert_eq!(redactor.redact("Tel: 415-555-0134").text, "Tel: <tel>");
    let err = Redactor::builder()
        .with_placeholder(PiiKind::Url, "")
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        RedactError::EmptyPlaceholder {
            kind: PiiKind::Url,
            ..
        }
    ));
}

#[test]
fn serde_round_trip() -> anyhow::Result<()> {
    let redacted = Redactor::default().redact(EVERY_KIND);
    let json = serde_json::to_string(&redacted)?;
    assert!(json.contains(r#""kind":"date_of_birth""#));
    let back: Redacted = serde_json::from_str(&json)?;
    assert_eq!(back, redacted);
    Ok(())
}

/// Text made of PII-like pieces, separators and arbitrary strings.
fn pii_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<String>(),
        1 => "[ -~]{0,12}",
        1 => "[0-9 ()+.\\-/]{1,16}",
        1 => "[\u{4e00}-\u{4e10}男女他她岁生出年月：]{1,6}",
        1 => prop::sample::select(vec![
            "jane.doe@example.com", "+44 20 7946 0958", "(415) 555-0134", "13800138000", "010-12345678",
            "https://x.org/a_(b))", "www.", "http://", "DOB: 12/03/1985", "born on ", "出生日期：1985年3月",
            "1985年3月出生", "age 45", "Age: ", "45岁", "years old", "she", "Mr. ", "Ms ", "性别：男", "他",
            "2015-2019", "@", "-", ".", " ", "\n", "é", "😀", "\u{200b}",
        ]).prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn any_string_keeps_the_invariants(text in any::<String>()) {
        check_invariants(&text, &Redactor::default().redact(&text));
    }

    #[test]
    fn pii_soup_keeps_the_invariants(text in pii_soup(), neutral in any::<bool>()) {
        let style = if neutral { GenderStyle::Neutral } else { GenderStyle::Placeholder };
        let redactor =
            Redactor::builder().with_gender_style(style).build().expect("default placeholders");
        let redacted = redactor.redact(&text);
        check_invariants(&text, &redacted);
        // Redacting is deterministic, and `find` agrees with `redact`.
        prop_assert_eq!(&redactor.redact(&text), &redacted);
        let found: Vec<_> = redacted.redactions.iter().map(|r| (r.kind, r.span.clone())).collect();
        prop_assert_eq!(redactor.find(&text), found);
    }
}

/// The LiveCareer resumes, if the shared data is there.
fn livecareer() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/resumes-livecareer/train.csv");
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

#[test]
fn livecareer_resumes() -> anyhow::Result<()> {
    let Some(path) = livecareer() else {
        return Ok(());
    };
    let mut reader = csv::Reader::from_path(path)?;
    let year = Regex::new(r"\b(?:19|20)[0-9]{2}\b")?;
    let email = Regex::new(r"[A-Za-z0-9._-]+@[A-Za-z0-9-]+\.(?:com|org|net|edu|gov|mil)\b")?;
    let redactor = Redactor::default();
    let (mut resumes, mut years, mut years_redacted) = (0, 0, 0);
    for record in reader.records().take(200) {
        let record = record?;
        let text = record.get(2).unwrap_or_default();
        let redacted = redactor.redact(text);
        check_invariants(text, &redacted);
        for r in &redacted.redactions {
            assert!(
                r.kind == PiiKind::DateOfBirth
                    || !year.is_match(&r.original)
                    || r.original.len() > 4,
                "a bare year redacted as {}: {:?}",
                r.kind,
                r.original
            );
        }
        for m in year.find_iter(text) {
            years += 1;
            let holder = redacted
                .redactions
                .iter()
                .find(|r| r.span.start < m.end() && m.start() < r.span.end);
            if let Some(r) = holder {
                years_redacted += 1;
                assert!(
                    matches!(r.kind, PiiKind::DateOfBirth | PiiKind::Url | PiiKind::Email),
                    "year {:?} inside a {} redaction {:?}",
                    m.as_str(),
                    r.kind,
                    r.original
                );
            }
        }
        assert!(
            !email.is_match(&redacted.text),
            "an email survived in {:?}",
            redacted.text
        );
        resumes += 1;
    }
    assert_eq!(resumes, 200);
    assert!(years > 1000, "the resumes hold years: {years}");
    assert!(
        years_redacted * 100 < years,
        "{years_redacted} of {years} years redacted"
    );
    Ok(())
}
