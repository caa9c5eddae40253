//! Invariants of the bundled data: the default O*NET catalog, its notice, the example inputs and the LiveCareer
//! category mapping (`docs/DATA.md` describes each file).

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use anyhow::{Context, ensure};
use jobfit_text::{Job, Resume, SkillGazetteer};

/// A file of the repository, by its path from the root.
fn repo_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// The non-blank lines of a JSON lines file, parsed.
fn read_lines<T: serde::de::DeserializeOwned>(relative: &str) -> anyhow::Result<Vec<T>> {
    let path = repo_file(relative);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str(line).with_context(|| format!("{relative}:{}", number + 1))
        })
        .collect()
}

fn catalog() -> anyhow::Result<Vec<Job>> {
    read_lines("crates/match/data/onet-29.3-occupations.jsonl")
}

/// Whether `code` has the O*NET-SOC shape `NN-NNNN.NN`.
fn is_onet_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            2 => *b == b'-',
            7 => *b == b'.',
            _ => b.is_ascii_digit(),
        })
}

#[test]
fn bundled_catalog_has_1016_unique_occupations_with_text() -> anyhow::Result<()> {
    let jobs = catalog()?;
    assert_eq!(jobs.len(), 1016);
    let ids: HashSet<&str> = jobs.iter().map(|job| job.id.as_str()).collect();
    assert_eq!(ids.len(), jobs.len(), "duplicate ids");
    for job in &jobs {
        ensure!(is_onet_code(&job.id), "{} is not an O*NET-SOC code", job.id);
        ensure!(!job.title.trim().is_empty(), "{} has no title", job.id);
        ensure!(
            !job.description.trim().is_empty(),
            "{} has no description",
            job.id
        );
        ensure!(
            job.location.is_none() && job.salary.is_none(),
            "{}: O*NET has no location or salary",
            job.id
        );
        assert_eq!(job.metadata["source"], "O*NET 29.3");
        assert_eq!(job.metadata["soc_major_group"], job.id[..2]);
    }
    // The 93 occupations without tasks have the one-line O*NET description alone.
    let without_tasks = jobs
        .iter()
        .filter(|job| !job.description.contains('\n'))
        .count();
    assert_eq!(without_tasks, 93);
    Ok(())
}

#[test]
fn bundled_catalog_matches_the_onet_source_files() -> anyhow::Result<()> {
    // Values read by hand from O*NET 29.3: Occupation Data.txt, Job Zones.txt, Task Statements.txt and
    // Technology Skills.txt.
    let jobs = catalog()?;
    let by_id = |id: &str| jobs.iter().find(|job| job.id == id);
    let chief = by_id("11-1011.00").context("Chief Executives")?;
    assert_eq!(chief.title, "Chief Executives");
    assert!(chief.description.starts_with(
        "Determine and formulate policies and provide overall direction of companies"
    ));
    // The first Core task in the file.
    assert_eq!(
        chief.description.lines().nth(1),
        Some(
            "Direct or coordinate an organization's financial or budget activities to fund operations, \
             maximize investments, or increase efficiency."
        )
    );
    assert_eq!(chief.metadata["job_zone"], "5");
    let developers = by_id("15-1252.00").context("Software Developers")?;
    assert_eq!(developers.title, "Software Developers");
    for skill in ["Python", "Java", "Kubernetes", "Docker", "Git"] {
        assert!(
            developers.skills.iter().any(|s| s == skill),
            "{skill} missing from {:?}",
            developers.skills
        );
    }
    let nurses = by_id("29-1141.00").context("Registered Nurses")?;
    assert!(nurses.skills.iter().any(|s| s == "Epic Systems"));
    Ok(())
}

#[test]
fn bundled_catalog_skills_are_what_the_default_gazetteer_extracts() -> anyhow::Result<()> {
    let gazetteer = SkillGazetteer::default_gazetteer();
    for job in catalog()? {
        ensure!(job.skills.len() <= 30, "{}: too many skills", job.id);
        let unique: BTreeSet<&String> = job.skills.iter().collect();
        ensure!(
            unique.len() == job.skills.len(),
            "{}: duplicate skill",
            job.id
        );
        for skill in &job.skills {
            ensure!(
                gazetteer.canonical_name(skill) == Some(skill.as_str()),
                "{}: {skill:?} is not a canonical gazetteer name",
                job.id
            );
            ensure!(
                gazetteer.skill_set(skill).contains(skill),
                "{}: the extractor does not find {skill:?} in its own name",
                job.id
            );
        }
    }
    Ok(())
}

#[test]
fn bundled_catalog_notice_carries_the_onet_attribution() -> anyhow::Result<()> {
    let notice = std::fs::read_to_string(repo_file("crates/match/data/NOTICE.md"))?;
    assert!(notice.contains(
        "This product includes information from the O*NET 29.3 Database by the U.S. Department of Labor, \
         Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license."
    ));
    Ok(())
}

#[test]
fn example_jobs_have_locations_salaries_and_known_skills() -> anyhow::Result<()> {
    let jobs: Vec<Job> = read_lines("examples/data/jobs.jsonl")?;
    assert_eq!(jobs.len(), 12);
    let ids: HashSet<&str> = jobs.iter().map(|job| job.id.as_str()).collect();
    assert_eq!(ids.len(), jobs.len());
    let gazetteer = SkillGazetteer::default_gazetteer();
    for job in &jobs {
        ensure!(job.location.is_some(), "{} has no location", job.id);
        let salary = job
            .salary
            .with_context(|| format!("{} has no salary", job.id))?;
        ensure!(salary.min().is_some() && salary.max().is_some());
        ensure!(!job.skills.is_empty(), "{} has no skills", job.id);
        for skill in &job.skills {
            ensure!(
                gazetteer.canonical_name(skill).is_some(),
                "{}: the gazetteer does not know {skill:?}",
                job.id
            );
        }
    }
    Ok(())
}

#[test]
fn example_resumes_carry_a_group() -> anyhow::Result<()> {
    let resumes: Vec<Resume> = read_lines("examples/data/resumes.jsonl")?;
    assert_eq!(resumes.len(), 8);
    let groups: Vec<&str> = resumes
        .iter()
        .map(|r| r.metadata["group"].as_str())
        .collect();
    assert_eq!(groups.iter().filter(|g| **g == "A").count(), 4);
    assert_eq!(groups.iter().filter(|g| **g == "B").count(), 4);
    assert!(resumes.iter().all(|r| !r.text.trim().is_empty()));
    Ok(())
}

#[test]
fn sample_resume_names_skills_the_catalog_asks_for() -> anyhow::Result<()> {
    let text = std::fs::read_to_string(repo_file("examples/data/sample_resume.txt"))?;
    let words = text.split_whitespace().count();
    assert!((300..=500).contains(&words), "{words} words");
    let found = SkillGazetteer::default_gazetteer().skill_set(&text);
    for skill in [
        "Python",
        "SQL",
        "AWS",
        "Kubernetes",
        "Docker",
        "Apache Spark",
    ] {
        assert!(found.contains(skill), "{skill} not found in {found:?}");
    }
    let jobs = catalog()?;
    let developers = jobs
        .iter()
        .find(|job| job.id == "15-1252.00")
        .context("Software Developers")?;
    let matched = developers
        .skills
        .iter()
        .filter(|s| found.contains(*s))
        .count();
    assert!(
        matched >= 8,
        "only {matched} of {:?} found",
        developers.skills
    );
    Ok(())
}

#[test]
fn example_queries_and_category_map_name_catalog_occupations() -> anyhow::Result<()> {
    let ids: HashSet<String> = catalog()?.into_iter().map(|job| job.id).collect();
    let queries: Vec<serde_json::Value> = read_lines("examples/data/queries.jsonl")?;
    assert_eq!(queries.len(), 5);
    for query in &queries {
        ensure!(
            query["query"].as_str().is_some_and(|q| !q.is_empty()),
            "{query}"
        );
        let relevant = query["relevant"].as_array().context("relevant")?;
        ensure!(!relevant.is_empty());
        for id in relevant {
            ensure!(
                id.as_str().is_some_and(|id| ids.contains(id)),
                "{id} not in the catalog"
            );
        }
    }
    let map = std::fs::read_to_string(repo_file("eval/livecareer-onet-map.tsv"))?;
    let rows: Vec<Vec<&str>> = map
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 24);
    for row in &rows {
        ensure!(row.len() == 3, "{row:?}");
        let codes: Vec<&str> = row[1].split('|').collect();
        ensure!((1..=5).contains(&codes.len()), "{row:?}");
        ensure!(
            codes.iter().all(|code| ids.contains(*code)),
            "{row:?} names an unknown code"
        );
    }
    Ok(())
}
