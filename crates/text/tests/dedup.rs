//! Integration tests for the dedup module.

use std::collections::{HashMap, HashSet};

use jobfit_text::{Deduplicator, DuplicateGroup};

use crate::support;

/// A 100-word posting, written for these tests.
const POSTING: &str = "We are looking for a backend engineer to join the search team. \
    You will design and build services that rank millions of job postings for candidates every day, \
    working closely with data scientists and product managers. You have at least three years of \
    experience with Rust or Go, a solid grasp of relational databases and message queues, and you \
    enjoy writing tests as much as features. Experience with information retrieval, learning to rank \
    or large scale data pipelines is a plus. We offer a flexible schedule, a yearly learning budget, \
    thirty days of paid leave and a friendly, international team.";

const UNRELATED: &str = "Our bakery in the old town needs an early riser who loves bread. You will knead \
    dough, tend the wood oven, decorate cakes for weddings and serve regulars at the counter with a \
    smile. No diploma needed, only patience, clean hands and a good sense of timing; we teach the rest.";

/// A Chinese posting, written for these tests (no spaces between words).
const ZH_POSTING: &str = "岗位职责：负责公司大数据平台的设计与开发，参与数据仓库建设，编写高质量的代码并完成单元测试。\
    任职要求：本科及以上学历，三年以上相关工作经验，熟悉常用的分布式计算框架，有良好的沟通能力和团队合作精神。";

const ZH_UNRELATED: &str = "招聘门店销售顾问，负责接待到店顾客，介绍产品并完成销售目标，维护客户关系。\
    要求性格开朗，普通话标准，能适应轮班工作，有零售行业经验者优先，公司提供培训和晋升机会。";

/// Word shingles of `size` lower-cased alphanumeric words, computed here
/// independently of the library; a shorter text is one shingle.
fn word_shingles(text: &str, size: usize) -> HashSet<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return HashSet::new();
    }
    words
        .windows(size.min(words.len()))
        .map(|w| w.join(" "))
        .collect()
}

fn exact_jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let common = a.intersection(b).count();
    common as f64 / (a.len() + b.len() - common) as f64
}

/// `POSTING` with the word at each of `positions` replaced.
fn edit_words(positions: &[usize]) -> String {
    POSTING
        .split(' ')
        .enumerate()
        .map(|(i, word)| if positions.contains(&i) { "zzz" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}

fn members(groups: &[DuplicateGroup]) -> Vec<Vec<usize>> {
    groups.iter().map(|g| g.members().to_vec()).collect()
}

#[test]
fn posting_has_about_100_words() {
    let words = POSTING.split_whitespace().count();
    assert!((95..=105).contains(&words), "{words}");
}

#[test]
fn exact_jaccard_matches_an_independent_count() {
    let dedup = Deduplicator::default();
    for edited in [
        edit_words(&[10]),
        edit_words(&[5, 40, 80]),
        edit_words(&(0..100).step_by(4).collect::<Vec<_>>()),
    ] {
        let expected = exact_jaccard(&word_shingles(POSTING, 3), &word_shingles(&edited, 3));
        let got = dedup.jaccard(POSTING, &edited);
        assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    }
}

#[test]
fn minhash_estimates_jaccard() {
    let dedup = Deduplicator::builder().with_num_perm(256).build().unwrap();
    let edits: [Vec<usize>; 4] = [
        vec![50],
        (0..100).step_by(10).collect(),
        (0..100).step_by(5).collect(),
        (0..100).step_by(3).collect(),
    ];
    let mut seen = Vec::new();
    for positions in edits {
        let edited = edit_words(&positions);
        let exact = exact_jaccard(&word_shingles(POSTING, 3), &word_shingles(&edited, 3));
        let estimate = dedup
            .signature(POSTING)
            .estimated_jaccard(&dedup.signature(&edited));
        // The standard error with 256 permutations is at most 0.031.
        assert!(
            (estimate - exact).abs() < 0.12,
            "estimate {estimate} vs exact {exact}"
        );
        seen.push(exact);
    }
    // The edits cover high, middle and low similarities.
    assert!(
        seen.first().unwrap() > &0.9 && seen.last().unwrap() < &0.2,
        "{seen:?}"
    );
}

#[test]
fn one_changed_word_is_a_near_duplicate() {
    let texts = [
        POSTING,
        UNRELATED,
        &edit_words(&[42]),
        "",
        &edit_words(&[3, 70]),
    ];
    let dedup = Deduplicator::default();
    assert_eq!(members(&dedup.near_groups(&texts)), [vec![0, 2, 4]]);
    assert!(dedup.exact_groups(&texts).is_empty());
    // A strict threshold keeps only the pair that is close enough: one word
    // changes 3 of 98 trigrams, J = 95 / 101 = 0.94.
    let strict = Deduplicator::builder()
        .with_threshold(0.99)
        .build()
        .unwrap();
    assert!(strict.near_groups(&texts).is_empty());
}

#[test]
fn formatting_differences_are_exact_duplicates() {
    let texts = [
        "Senior Data Engineer (Remote)",
        "senior data engineer remote",
        "Senior Data Scientist",
        "  SENIOR   DATA\nENGINEER -- remote!  ",
    ];
    let groups = Deduplicator::default().exact_groups(&texts);
    assert_eq!(members(&groups), [vec![0, 1, 3]]);
    assert_eq!(groups[0].representative(), 0);
    assert_eq!(groups[0].duplicates(), &[1, 3]);
}

#[test]
fn chinese_postings_use_character_shingles() {
    let edited = ZH_POSTING.replacen("三年", "五年", 1);
    let texts = [ZH_POSTING, ZH_UNRELATED, edited.as_str()];
    let dedup = Deduplicator::default();
    assert_eq!(members(&dedup.near_groups(&texts)), [vec![0, 2]]);
    // One changed character out of about 150 changes 3 character trigrams.
    assert!(dedup.jaccard(ZH_POSTING, &edited) > 0.9);
    assert!(dedup.jaccard(ZH_POSTING, ZH_UNRELATED) < 0.1);
}

#[test]
fn empty_texts_are_exact_but_not_near_duplicates() {
    let texts = ["", "   ", "...", "a real posting text", "\n!?\n"];
    let dedup = Deduplicator::default();
    assert_eq!(members(&dedup.exact_groups(&texts)), [vec![0, 1, 2, 4]]);
    assert!(dedup.near_groups(&texts).is_empty());
    assert!(dedup.near_groups::<&str>(&[]).is_empty());
    assert!(dedup.exact_groups::<&str>(&[]).is_empty());
}

#[test]
fn identical_copies_form_one_group() {
    let texts: Vec<&str> = std::iter::repeat_n(POSTING, 50)
        .chain([UNRELATED])
        .collect();
    let groups = Deduplicator::default().near_groups(&texts);
    assert_eq!(members(&groups), [(0..50).collect::<Vec<_>>()]);
}

/// A small deterministic generator, so that the planted test is reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn planted_near_duplicates_are_found_among_thousands() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let vocabulary: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
    let mut texts: Vec<String> = (0..3000)
        .map(|_| {
            (0..120)
                .map(|_| vocabulary[rng.below(vocabulary.len())].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    // Every tenth text gets a copy with one word replaced: at most 3 of 118
    // trigrams change, J >= 115 / 121 = 0.95.
    let mut planted = Vec::new();
    for original in (0..3000).step_by(10) {
        let mut words: Vec<&str> = texts[original].split(' ').collect();
        let at = rng.below(words.len());
        words[at] = "replaced";
        let copy = words.join(" ");
        planted.push((original, texts.len()));
        texts.push(copy);
    }
    let groups = Deduplicator::default().near_groups(&texts);
    let expected: Vec<Vec<usize>> = planted.iter().map(|&(a, b)| vec![a, b]).collect();
    assert_eq!(members(&groups), expected);
}

#[test]
fn groups_are_deterministic() {
    let texts = [
        POSTING,
        &edit_words(&[7]),
        UNRELATED,
        &edit_words(&[90]),
        POSTING,
    ];
    let first = Deduplicator::default().near_groups(&texts);
    for _ in 0..3 {
        assert_eq!(Deduplicator::default().near_groups(&texts), first);
    }
}

/// Reads the shared Google job postings: each row's fields.
fn google_rows() -> Option<Vec<Vec<String>>> {
    let path = support::shared("data/google-job-skills/job_skills.csv")?;
    let mut reader = csv::Reader::from_path(path).unwrap();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    Some(rows)
}

#[test]
fn finds_the_exact_duplicates_of_the_google_postings() {
    let Some(rows) = google_rows() else {
        return;
    };
    assert_eq!(rows.len(), 1250);
    // Independent count: rows equal field by field.
    let mut by_row: HashMap<&[String], Vec<usize>> = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        by_row.entry(row.as_slice()).or_default().push(index);
    }
    let raw_duplicates = rows.len() - by_row.len();
    assert_eq!(
        raw_duplicates, 123,
        "the data's SOURCE.md reports 123 exact duplicate rows"
    );

    let texts: Vec<String> = rows.iter().map(|row| row.join("\n")).collect();
    let dedup = Deduplicator::default();
    let groups = dedup.exact_groups(&texts);
    let group_of: HashMap<usize, usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| group.members().iter().map(move |&m| (m, g)))
        .collect();
    for indices in by_row.values().filter(|indices| indices.len() > 1) {
        let group = group_of
            .get(&indices[0])
            .expect("a raw duplicate was missed");
        assert!(indices.iter().all(|i| group_of.get(i) == Some(group)));
    }
    // Any extra merge is equal once lower-cased without punctuation.
    let normalized = |text: &str| {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    };
    for group in &groups {
        let first = normalized(&texts[group.representative()]);
        for &member in group.duplicates() {
            assert_eq!(normalized(&texts[member]), first);
        }
    }
    let found: usize = groups.iter().map(|g| g.duplicates().len()).sum();
    assert!(found >= raw_duplicates, "{found} < {raw_duplicates}");

    // Near-duplicate groups contain the exact ones.
    let near = dedup.near_groups(&texts);
    let near_of: HashMap<usize, usize> = near
        .iter()
        .enumerate()
        .flat_map(|(g, group)| group.members().iter().map(move |&m| (m, g)))
        .collect();
    for group in &groups {
        let target = near_of
            .get(&group.representative())
            .expect("exact group not near");
        assert!(
            group
                .members()
                .iter()
                .all(|m| near_of.get(m) == Some(target))
        );
    }
}

#[test]
fn same_job_in_other_locations_is_a_near_duplicate() {
    let Some(rows) = google_rows() else {
        return;
    };
    // Title and responsibilities (columns 1 and 4), as the data's SOURCE.md
    // counts 404 rows repeating another row's pair.
    let texts: Vec<String> = rows
        .iter()
        .map(|row| format!("{}\n{}", row[1], row[4]))
        .collect();
    let mut by_pair: HashMap<&str, usize> = HashMap::new();
    for text in &texts {
        *by_pair.entry(text.as_str()).or_default() += 1;
    }
    assert_eq!(texts.len() - by_pair.len(), 404);
    let groups = Deduplicator::default().near_groups(&texts);
    let found: usize = groups.iter().map(|g| g.duplicates().len()).sum();
    assert!(found >= 404, "{found}");
    // Every member is close to another member of its group, by an
    // independent count.
    for group in &groups {
        let shingles: Vec<HashSet<String>> = group
            .members()
            .iter()
            .map(|&m| word_shingles(&texts[m], 3))
            .collect();
        for (i, a) in shingles.iter().enumerate() {
            let close = shingles
                .iter()
                .enumerate()
                .any(|(j, b)| i != j && exact_jaccard(a, b) > 0.6);
            assert!(
                close,
                "member {i} of {:?} is far from the others",
                group.members()
            );
        }
    }
}
