//! Integration tests for the skills module.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;
use std::sync::LazyLock;

use jobfit_text::{SkillEntry, SkillError, SkillGazetteer, SkillMatch};
use proptest::prelude::*;

fn default() -> &'static SkillGazetteer {
    SkillGazetteer::default_gazetteer()
}

fn names(matches: &[SkillMatch]) -> Vec<&str> {
    matches.iter().map(|m| m.skill.as_str()).collect()
}

fn found(g: &SkillGazetteer, text: &str) -> BTreeSet<String> {
    g.skill_set(text)
}

/// A small hand-made gazetteer covering the boundary cases.
static SMALL: LazyLock<SkillGazetteer> = LazyLock::new(|| {
    SkillGazetteer::from_entries([
        SkillEntry::new("Java"),
        SkillEntry::new("JavaScript").with_alias("js"),
        SkillEntry::new("R")
            .with_case_sensitive("R")
            .with_alias("r programming"),
        SkillEntry::new("React")
            .with_case_sensitive("React")
            .with_alias("react.js"),
        SkillEntry::new("C").with_case_sensitive("C"),
        SkillEntry::new("C++"),
        SkillEntry::new("C#"),
        SkillEntry::new(".NET"),
        SkillEntry::new("ASP.NET"),
        SkillEntry::new("Node.js").with_alias("nodejs"),
        SkillEntry::new("SQL"),
        SkillEntry::new("T-SQL"),
        SkillEntry::new("Spring Boot"),
        SkillEntry::new("Spring Framework").with_alias("spring"),
        SkillEntry::new("MySQL"),
        SkillEntry::new("machine learning").with_alias("ml"),
        SkillEntry::new("Go")
            .with_case_sensitive("Go")
            .with_alias("golang"),
        SkillEntry::new("数据分析"),
        SkillEntry::new("Straße"),
    ])
    .unwrap()
});

#[test]
fn chinese_text_finds_latin_skills_at_character_boundaries() {
    let text = "熟悉Spring Boot和MySQL";
    let matches = SMALL.extract(text);
    assert_eq!(names(&matches), ["Spring Boot", "MySQL"]);
    assert_eq!(&text[matches[0].span.clone()], "Spring Boot");
    assert_eq!(matches[0].span, 6..17);
    assert_eq!(matches[1].span, 20..25);
    assert_eq!(matches[1].matched, "MySQL");
    // The default gazetteer does the same.
    let skills = found(default(), text);
    assert!(
        skills.contains("Spring Boot") && skills.contains("MySQL"),
        "{skills:?}"
    );
}

#[test]
fn cjk_skills_match_inside_cjk_text() {
    assert_eq!(names(&SMALL.extract("负责数据分析工作")), ["数据分析"]);
}

#[test]
fn a_match_must_not_start_or_end_inside_a_word() {
    assert_eq!(
        names(&SMALL.extract("JavaScript and Java")),
        ["JavaScript", "Java"]
    );
    assert!(
        SMALL
            .extract("React Native, Rust")
            .iter()
            .all(|m| m.skill != "R")
    );
    assert!(SMALL.extract("Javanese, Nodes, MySQLite").is_empty());
    assert!(SMALL.extract("T-SQL").iter().all(|m| m.skill != "SQL"));
    assert_eq!(names(&SMALL.extract("T-SQL")), ["T-SQL"]);
}

#[test]
fn signs_inside_names_are_handled() {
    let text = "C++, C#, .NET, ASP.NET and Node.js; also C.";
    let matches = SMALL.extract(text);
    assert_eq!(names(&matches), ["C++", "C#", ".NET", "ASP.NET", "Node.js"]);
    assert_eq!(matches[0].span, 0..3);
    // "C" is not found inside "C++" or "C#", nor "Node" inside "Node.js"; "C." at the end is taken for an initial.
    assert_eq!(names(&SMALL.extract("C/C++")), ["C", "C++"]);
}

#[test]
fn a_trailing_sentence_period_is_fine() {
    assert_eq!(names(&SMALL.extract("Wrote reports in SQL.")), ["SQL"]);
    assert_eq!(names(&SMALL.extract("Used SQL.Then Java")), ["Java"]);
    assert_eq!(
        names(&SMALL.extract("(SQL), [Java]; \"MySQL\"")),
        ["SQL", "Java", "MySQL"]
    );
}

#[test]
fn case_is_ignored_unless_the_form_is_case_sensitive() {
    assert_eq!(
        names(&SMALL.extract("JAVA, mysql, Spring BOOT")),
        ["Java", "MySQL", "Spring Boot"]
    );
    assert_eq!(
        names(&SMALL.extract("r and go and react")),
        Vec::<&str>::new()
    );
    assert_eq!(
        names(&SMALL.extract("R and Go and React")),
        ["R", "Go", "React"]
    );
    assert_eq!(
        names(&SMALL.extract("STRAẞE, straße, STRASSE")),
        ["Straße", "Straße"]
    );
}

#[test]
fn multi_word_skills_span_line_breaks_and_win_over_shorter_ones() {
    let text = "Spring\n  Boot and spring";
    let matches = SMALL.extract(text);
    assert_eq!(names(&matches), ["Spring Boot", "Spring Framework"]);
    assert_eq!(matches[0].matched, "Spring\n  Boot");
    assert_eq!(names(&SMALL.extract("r programming")), ["R"]);
}

#[test]
fn a_longer_form_failing_the_boundary_keeps_a_shorter_valid_one() {
    // "data science" matches first but ends inside "sciences"; the shorter "data" at the same place still counts.
    let g =
        SkillGazetteer::from_entries([SkillEntry::new("data"), SkillEntry::new("data science")])
            .unwrap();
    assert_eq!(names(&g.extract("data sciences")), ["data"]);
    assert_eq!(names(&g.extract("data science.")), ["data science"]);
}

#[test]
fn aliases_give_the_canonical_name() {
    let matches = SMALL.extract("Golang, NodeJS, ML");
    assert_eq!(names(&matches), ["Go", "Node.js", "machine learning"]);
    assert_eq!(matches[1].matched, "NodeJS");
    assert_eq!(SMALL.canonical_name("nodejs"), Some("Node.js"));
    assert_eq!(SMALL.canonical_name("GO"), None);
    assert_eq!(SMALL.canonical_name("PHP"), None);
}

#[test]
fn default_gazetteer_has_canonical_names() {
    let g = default();
    let cases = [
        ("structured query language", "SQL"),
        ("mysql", "MySQL"),
        ("javascript", "JavaScript"),
        ("JAVA", "Java"),
        ("kubernetes", "Kubernetes"),
        ("aws", "AWS"),
        ("spring boot", "Spring Boot"),
        ("python", "Python"),
        ("ms excel", "Microsoft Excel"),
        ("Excel", "Microsoft Excel"),
        ("c++", "C++"),
        ("c#", "C#"),
        (".net", ".NET"),
        ("R", "R"),
        ("Go", "Go"),
        ("golang", "Go"),
        ("React", "React"),
        ("react 18", "React"),
        ("terraform", "Terraform"),
        ("IBM Terraform", "Terraform"),
        ("jenkins", "Jenkins"),
        ("Jenkins CI", "Jenkins"),
    ];
    for (form, name) in cases {
        assert_eq!(g.canonical_name(form), Some(name), "{form}");
    }
    for ambiguous in ["r", "go", "excel", "c", "react"] {
        assert_eq!(g.canonical_name(ambiguous), None, "{ambiguous}");
    }
    // The O*NET description "Real estate application contract transmission REACT software" is
    // not the web framework.
    assert_ne!(
        g.canonical_name("real estate application contract transmission"),
        Some("React")
    );
}

#[test]
fn default_gazetteer_finds_skills_in_a_resume_line() {
    let text =
        "Skills: Python, R, SQL, Excel, Java (not JavaScript), C++, C#, .NET, Node.js and AWS.";
    let skills = found(default(), text);
    for skill in [
        "Python",
        "R",
        "SQL",
        "Microsoft Excel",
        "Java",
        "JavaScript",
        "C++",
        "C#",
        ".NET",
        "Node.js",
        "AWS",
    ] {
        assert!(skills.contains(skill), "{skill} missing from {skills:?}");
    }
    // "Skills" and "and" are not skills.
    assert!(
        !skills
            .iter()
            .any(|s| s.eq_ignore_ascii_case("skills") || s.eq_ignore_ascii_case("and"))
    );
}

#[test]
fn default_gazetteer_ignores_plain_english() {
    let text =
        "I will go to the office and work with the team to react to what we access. She can excel.";
    let skills = found(default(), text);
    assert!(skills.is_empty(), "{skills:?}");
}

#[test]
fn skill_set_is_distinct_and_sorted() {
    let set = SMALL.skill_set("Java, JAVA, java and MySQL");
    assert_eq!(set.into_iter().collect::<Vec<_>>(), ["Java", "MySQL"]);
}

#[test]
fn empty_and_odd_texts() {
    assert!(SMALL.extract("").is_empty());
    assert!(SMALL.extract("   \n\t ").is_empty());
    assert!(
        default()
            .extract("İ̇ ß ǅ ﬃ \u{0}")
            .iter()
            .all(|m| !m.skill.is_empty())
    );
}

#[test]
fn gazetteer_is_shareable() {
    fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_send_sync::<SkillGazetteer>();
    let g = SMALL.clone();
    let handle = std::thread::spawn(move || g.skill_set("Java"));
    assert_eq!(handle.join().unwrap().len(), 1);
    assert!(format!("{:?}", *SMALL).contains("SkillGazetteer"));
}

#[test]
fn tsv_reader_reads_columns_comments_and_crlf() {
    let tsv = "# name\taliases\tcase\tsources\r\n\r\nMySQL\r\nGo\tgolang | go lang\tGo\tcurated\r\nSAS\t\tSAS\n";
    let g = SkillGazetteer::from_tsv_reader(tsv.as_bytes()).unwrap();
    assert_eq!(g.len(), 3);
    assert_eq!(
        g.entries()[1],
        SkillEntry::new("Go")
            .with_alias("golang")
            .with_alias("go lang")
            .with_case_sensitive("Go")
            .with_source("curated")
    );
    assert_eq!(
        names(&g.extract("go lang, Go, go, SAS, sas, mysql")),
        ["Go", "Go", "SAS", "MySQL"]
    );
}

#[test]
fn malformed_tsv_reports_the_line() {
    let cases = [
        ("MySQL\n\tmysql db\n", 2),
        ("# c\nMySQL\nGo\tgolang\tGo\tcurated\textra\n", 3),
        ("MySQL\nGo\tgolang||go lang\n", 2),
        ("Go\t\t|Go\n", 1),
    ];
    for (tsv, line) in cases {
        match SkillGazetteer::from_tsv_reader(tsv.as_bytes()) {
            Err(SkillError::Malformed { line: got, .. }) => assert_eq!(got, line, "{tsv:?}"),
            other => panic!("{tsv:?}: expected a malformed line, got {other:?}"),
        }
    }
    let err = SkillGazetteer::from_tsv_reader("MySQL\n\tx\n".as_bytes()).unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn bad_forms_and_conflicts_report_the_line() {
    match SkillGazetteer::from_tsv_reader("MySQL\nC++\t++\n".as_bytes()) {
        Err(SkillError::InvalidForm {
            skill,
            form,
            line: Some(2),
            ..
        }) => {
            assert_eq!((skill.as_str(), form.as_str()), ("C++", "++"));
        }
        other => panic!("expected an invalid form, got {other:?}"),
    }
    match SkillGazetteer::from_tsv_reader("MySQL\nPython\nMariaDB\tMYSQL\n".as_bytes()) {
        Err(SkillError::Conflict {
            form,
            first,
            second,
            line: Some(3),
        }) => {
            assert_eq!(
                (form.as_str(), first.as_str(), second.as_str()),
                ("MYSQL", "MySQL", "MariaDB")
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn invalid_utf8_is_a_read_error_with_its_line() {
    let bytes = b"MySQL\nPyth\xffon\n";
    match SkillGazetteer::from_tsv_reader(&bytes[..]) {
        Err(SkillError::Read { line: 2, .. }) => {}
        other => panic!("expected a read error, got {other:?}"),
    }
}

#[test]
fn empty_gazetteers_are_errors() {
    assert!(matches!(
        SkillGazetteer::from_entries(Vec::new()),
        Err(SkillError::Empty)
    ));
    assert!(matches!(
        SkillGazetteer::from_tsv_reader("# only a comment\n\n".as_bytes()),
        Err(SkillError::Empty)
    ));
    assert!(matches!(
        SkillGazetteer::from_entries([SkillEntry::new("  ")]),
        Err(SkillError::InvalidForm { line: None, .. })
    ));
}

#[test]
fn from_path_reads_a_file_and_names_it_in_errors() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let good = dir.path().join("skills.tsv");
    std::fs::write(&good, "Rust\tRust lang\n")?;
    let g = SkillGazetteer::from_path(&good)?;
    assert_eq!(names(&g.extract("rust lang")), ["Rust"]);

    let bad = dir.path().join("bad.tsv");
    let mut file = std::fs::File::create(&bad)?;
    file.write_all(b"Rust\n\tno name\n")?;
    let err = SkillGazetteer::from_path(&bad).unwrap_err();
    assert!(
        matches!(&err, SkillError::InFile { source, .. } if matches!(**source, SkillError::Malformed { line: 2, .. }))
    );
    assert!(err.to_string().contains("bad.tsv"), "{err}");

    let missing = SkillGazetteer::from_path(dir.path().join("missing.tsv")).unwrap_err();
    assert!(matches!(missing, SkillError::Open { .. }));
    Ok(())
}

#[test]
fn default_entries_can_be_extended() {
    let mut entries = default().entries().to_vec();
    entries.push(SkillEntry::new("Jobfit internal tool").with_alias("jobfit-internal"));
    let g = SkillGazetteer::from_entries(entries).unwrap();
    assert_eq!(g.len(), default().len() + 1);
    assert_eq!(
        names(&g.extract("Used JOBFIT-INTERNAL and Python")),
        ["Jobfit internal tool", "Python"]
    );
}

/// Lower-cases and collapses white space: the comparison the proptests use, written apart from the library.
fn loose(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .flat_map(char::to_lowercase)
        .collect()
}

/// Checks the invariants of `extract` against the gazetteer's own entries.
fn check_invariants(g: &SkillGazetteer, text: &str) -> Result<(), TestCaseError> {
    let matches = g.extract(text);
    let mut end = 0;
    for m in &matches {
        prop_assert!(m.span.start >= end, "overlap or disorder: {:?}", matches);
        prop_assert!(m.span.start < m.span.end);
        prop_assert!(text.is_char_boundary(m.span.start) && text.is_char_boundary(m.span.end));
        end = m.span.end;
        let slice = &text[m.span.clone()];
        prop_assert_eq!(slice, m.matched.as_str());
        let entry = g.entries().iter().find(|e| e.name == m.skill);
        prop_assert!(entry.is_some(), "unknown skill {}", m.skill);
        let entry = entry.unwrap();
        let exact = |form: &str| slice.split_whitespace().eq(form.split_whitespace());
        let any_case = |form: &str| loose(slice) == loose(form);
        let name_exact = entry
            .case_sensitive
            .iter()
            .any(|f| f.split_whitespace().eq(entry.name.split_whitespace()));
        let ok = entry.case_sensitive.iter().any(|f| exact(f))
            || (!name_exact && any_case(&entry.name))
            || entry.aliases.iter().any(|f| any_case(f));
        prop_assert!(ok, "{slice:?} is no form of {entry:?}");
    }
    Ok(())
}

fn fragments() -> impl Strategy<Value = String> {
    let forms = vec![
        "Java",
        "JAVA",
        "JavaScript",
        "R",
        "r",
        "React",
        "C",
        "C++",
        "C#",
        ".NET",
        "ASP.NET",
        "Node.js",
        "nodejs",
        "SQL",
        "T-SQL",
        "Spring",
        "Spring Boot",
        "MySQL",
        "ml",
        "Go",
        "golang",
        "数据分析",
        "Straße",
        "STRASSE",
        "Python",
        "Excel",
        "AWS",
        "Kubernetes",
        "machine learning",
    ];
    let separators = vec![
        " ", "  ", "\n", ".", ",", "-", "+", "#", "&", "/", "(", ")", "和", "熟悉", "İ", "ß", "_",
        "'s",
    ];
    let piece = prop_oneof![
        4 => proptest::sample::select(forms).prop_map(str::to_owned),
        4 => proptest::sample::select(separators).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => "[a-zA-Z]{1,4}",
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_string_keeps_the_invariants(text in any::<String>()) {
        check_invariants(&SMALL, &text)?;
        check_invariants(default(), &text)?;
    }

    #[test]
    fn skill_laden_strings_keep_the_invariants(text in fragments()) {
        check_invariants(&SMALL, &text)?;
        check_invariants(default(), &text)?;
    }

    #[test]
    fn skill_set_agrees_with_extract(text in fragments()) {
        let from_matches: BTreeSet<String> = default().extract(&text).into_iter().map(|m| m.skill).collect();
        prop_assert_eq!(default().skill_set(&text), from_matches);
    }
}

/// Words that must never come back as skills.
const JUNK: &[&str] = &[
    "and",
    "the",
    "work",
    "team",
    "a",
    "it",
    "access",
    "communication",
    "experience",
    "management",
    "skills",
    "summary",
    "company",
    "name",
    "city",
    "state",
    "job",
    "title",
    "office",
    "word",
    "project",
    "customer",
    "service",
    "excellent",
    "strong",
    "responsible",
    "including",
    "education",
    "training",
    "sales",
    "data",
    "business",
];

#[test]
fn resumes_mostly_have_skills_and_no_junk() -> anyhow::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/resumes-livecareer/train.csv");
    if !path.exists() {
        eprintln!("skipped: {} is absent", path.display());
        return Ok(());
    }
    let mut reader = csv::Reader::from_path(&path)?;
    let headers = reader.headers()?.clone();
    let column = headers
        .iter()
        .position(|h| h == "text")
        .ok_or_else(|| anyhow::anyhow!("no text column"))?;
    let (mut total, mut with_skills) = (0, 0);
    for record in reader.records().take(200) {
        let record = record?;
        let text = record.get(column).unwrap_or("");
        let matches = default().extract(text);
        total += 1;
        if !matches.is_empty() {
            with_skills += 1;
        }
        for m in &matches {
            assert!(
                !JUNK.contains(&m.skill.to_lowercase().as_str()),
                "junk skill {:?} from {:?}",
                m.skill,
                m.matched
            );
            assert_eq!(&text[m.span.clone()], m.matched);
        }
    }
    assert_eq!(total, 200);
    assert!(
        with_skills >= 190,
        "only {with_skills} of 200 resumes have a skill"
    );
    Ok(())
}
