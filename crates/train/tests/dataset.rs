//! Datasets: reading, label maps, stratified splits, class weights, long-text encodings,
//! contrastive pairs and batches, and the pair builders (fixtures, then the shared data).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use jobfit_text::{DataError, ReadOptions, TextTokenizer};
use jobfit_train::{
    Example, HeldOut, LabelMap, LongText, Pair, PairColumns, PairDataset, RetrievalTask, SeededRng,
    SharedDataPaths, TextColumns, TextDataset, TrainError, esco_label_pairs, head_tail_ids,
    jobbert_title_pairs, onet_title_pairs, read_texts, read_texts_with_ids,
    stratified_split_indices,
};
use proptest::prelude::*;

use crate::support;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn category_columns() -> TextColumns {
    TextColumns::new("text", "category")
}

fn resumes() -> TextDataset {
    TextDataset::read(
        fixture("classify.csv"),
        &category_columns(),
        ReadOptions::default(),
    )
    .unwrap()
}

#[test]
fn seeded_rng_matches_the_splitmix64_reference() {
    // SplitMix64 from seed 0 (Vigna's reference output).
    let mut rng = SeededRng::new(0);
    assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    let mut rng = SeededRng::new(7);
    for n in [1, 2, 3, 10, 1000] {
        assert!(rng.below(n) < n);
    }
    assert_eq!(rng.below(0), 0);
    let x = rng.next_f64();
    assert!((0.0..1.0).contains(&x));
}

#[test]
fn sample_indices_are_the_sorted_head_of_a_shuffle() {
    let picked = SeededRng::new(11).sample_indices(50, 7);
    let mut order: Vec<usize> = (0..50).collect();
    SeededRng::new(11).shuffle(&mut order);
    let mut head = order[..7].to_vec();
    head.sort_unstable();
    assert_eq!(picked, head);
    assert!(picked.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(SeededRng::new(11).sample_indices(50, 7), picked);
    assert_eq!(SeededRng::new(3).sample_indices(4, 9), [0, 1, 2, 3]);
    assert_eq!(SeededRng::new(3).sample_indices(4, 4), [0, 1, 2, 3]);
    assert!(SeededRng::new(3).sample_indices(4, 0).is_empty());
}

#[test]
fn reads_csv_with_chosen_columns() {
    let data = resumes();
    assert_eq!(data.len(), 8);
    assert_eq!(
        data.examples()[0].text,
        "Registered nurse, ICU\nnight shifts"
    );
    // "CHEF " is trimmed.
    assert_eq!(data.labels()[3], "CHEF");
    let map = data.label_map().unwrap();
    assert_eq!(map.names(), ["CHEF", "ENGINEER", "NURSE"]);
    let counts: BTreeMap<String, usize> = [("CHEF", 3), ("ENGINEER", 2), ("NURSE", 3)]
        .into_iter()
        .map(|(l, c)| (l.to_owned(), c))
        .collect();
    assert_eq!(data.class_counts(), counts);
    assert_eq!(data.label_ids(&map)[0], Some(2));
}

#[test]
fn reads_jsonl_with_chosen_fields() {
    let data = TextDataset::read(
        fixture("classify.jsonl"),
        &TextColumns::new("body", "category"),
        ReadOptions::default(),
    )
    .unwrap();
    // The blank line is skipped, extra fields are ignored, a numeric label becomes text.
    assert_eq!(data.len(), 4);
    assert_eq!(data.texts()[1], "Line cook");
    assert_eq!(data.labels()[3], "7");
}

#[test]
fn a_dataset_written_as_jsonl_reads_back_with_the_same_columns() {
    // The CSV fixture has a text with a line break; the quote and the non-ASCII text must
    // survive as well.
    let mut examples = resumes().examples().to_vec();
    examples.push(Example {
        text: "Chef de partie, \"Café\" Zürich".into(),
        label: "CHEF".into(),
    });
    let data = TextDataset::new(examples);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("valid.jsonl");
    data.write_jsonl(&path, &category_columns()).unwrap();
    let back = TextDataset::read(&path, &category_columns(), ReadOptions::default()).unwrap();
    assert_eq!(back, data);
    // One object per line, fields named as asked.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), data.len());
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["category"], "NURSE");
    assert_eq!(first["text"], "Registered nurse, ICU\nnight shifts");
}

#[test]
fn missing_label_or_column_is_an_error_naming_it() {
    let err = TextDataset::read(
        fixture("classify_no_label.csv"),
        &category_columns(),
        ReadOptions::default(),
    )
    .unwrap_err();
    match err {
        TrainError::Data(DataError::MissingField { line, field, .. }) => {
            assert_eq!((line, field.as_str()), (3, "category"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = TextDataset::read(
        fixture("classify.csv"),
        &TextColumns::new("text", "label"),
        ReadOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, TrainError::Data(DataError::MissingColumn { ref column, .. }) if column == "label"),
        "{err:?}"
    );
    let err = TextDataset::read(
        fixture("nope.csv"),
        &category_columns(),
        ReadOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, TrainError::Data(DataError::Open { .. })));
}

#[test]
fn label_map_refuses_empty_and_single_class_data() {
    assert!(matches!(
        TextDataset::default().label_map(),
        Err(TrainError::EmptyDataset)
    ));
    let one = TextDataset::from_pairs([("a", "NURSE"), ("b", "NURSE")]);
    match one.label_map() {
        Err(TrainError::SingleClass { label }) => assert_eq!(label, "NURSE"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn label_map_serializes_as_a_sorted_array() {
    let map = LabelMap::new(["b", " a ", "b", ""]);
    assert_eq!(map.names(), ["a", "b"]);
    assert_eq!(map.id(" b"), Some(1));
    assert_eq!(map.name(2), None);
    let json = serde_json::to_string(&map).unwrap();
    assert_eq!(json, r#"["a","b"]"#);
    assert_eq!(serde_json::from_str::<LabelMap>(&json).unwrap(), map);
    // Ids saved with a model must not shift: unsorted or repeated names are refused.
    assert!(serde_json::from_str::<LabelMap>(r#"["b","a"]"#).is_err());
    assert!(serde_json::from_str::<LabelMap>(r#"["a","a"]"#).is_err());
}

#[test]
fn class_weights_are_inverse_frequency() {
    // CHEF 3, ENGINEER 2, NURSE 3; n = 8, k = 3: w = 8 / (3 * count).
    // CHEF 8/9, ENGINEER 8/6 = 4/3, NURSE 8/9.
    let data = resumes();
    let mut names = data.label_map().unwrap().names().to_vec();
    names.push("ZOO".to_owned());
    let map = LabelMap::new(&names);
    let w = data.class_weights(&map).unwrap();
    let expected = [8.0 / 9.0, 4.0 / 3.0, 8.0 / 9.0, 0.0];
    for (w, e) in w.iter().zip(expected) {
        assert!((f64::from(*w) - e).abs() < 1e-6, "{w} vs {e}");
    }
    assert!(matches!(
        data.class_weights(&LabelMap::new(["OTHER"])),
        Err(TrainError::EmptyDataset)
    ));
}

#[test]
fn stratified_split_keeps_every_class_on_both_sides() {
    let data = resumes();
    let (train, valid) = data.stratified_split(0.25, 3).unwrap();
    assert_eq!(train.len() + valid.len(), 8);
    // CHEF 3 * 0.25 = 0.75 -> 1; ENGINEER 2 * 0.25 = 0.5 -> round 1 (clamped to [1, 1]);
    // NURSE 3 -> 1.
    assert_eq!(valid.len(), 3);
    for label in ["CHEF", "ENGINEER", "NURSE"] {
        assert!(train.labels().contains(&label));
        assert!(valid.labels().contains(&label));
    }
    assert_eq!(data.stratified_split(0.25, 3).unwrap(), (train, valid));
    for bad in [0.0, 1.0, -0.5, f64::NAN] {
        assert!(matches!(
            data.stratified_split(bad, 3),
            Err(TrainError::InvalidConfig { .. })
        ));
    }
    assert!(matches!(
        TextDataset::default().stratified_split(0.2, 1),
        Err(TrainError::EmptyDataset)
    ));
}

proptest! {
    #[test]
    fn stratified_split_is_a_seeded_partition(
        labels in prop::collection::vec(0u8..6, 1..80),
        fraction in 0.01f64..0.99,
        seed in any::<u64>(),
    ) {
        let (train, valid) = stratified_split_indices(&labels.iter().map(u8::to_string).collect::<Vec<_>>(), fraction, seed).unwrap();
        let mut all: Vec<usize> = train.iter().chain(&valid).copied().collect();
        all.sort_unstable();
        prop_assert_eq!(all, (0..labels.len()).collect::<Vec<_>>());
        for class in 0u8..6 {
            let count = labels.iter().filter(|&&l| l == class).count();
            let in_train = train.iter().filter(|&&i| labels[i] == class).count();
            let in_valid = valid.iter().filter(|&&i| labels[i] == class).count();
            if count >= 2 {
                prop_assert!(in_train >= 1 && in_valid >= 1);
            } else {
                prop_assert_eq!(in_valid, 0);
            }
        }
        let strings: Vec<String> = labels.iter().map(u8::to_string).collect();
        let again = stratified_split_indices(&strings, fraction, seed).unwrap();
        prop_assert_eq!(again, (train, valid));
    }

    #[test]
    fn head_tail_keeps_the_ends(len in 0usize..60, head in 0usize..20, window in 1usize..30) {
        let ids: Vec<u32> = (0..len as u32).collect();
        let out = head_tail_ids(&ids, head, window);
        prop_assert_eq!(out.len(), len.min(window));
        if len > window {
            let h = head.min(window);
            prop_assert_eq!(&out[..h], &ids[..h]);
            prop_assert_eq!(&out[h..], &ids[len - (window - h)..]);
        } else {
            prop_assert_eq!(out, ids);
        }
    }
}

fn tiny_tokenizer(max_length: usize) -> TextTokenizer {
    TextTokenizer::from_file(fixture("tiny_tokenizer.json"))
        .unwrap()
        .with_max_length(max_length)
        .unwrap()
}

/// "t0 t1 ... t{n-1}": the fixture vocabulary maps `t{i}` to id `4 + i`
/// ([PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3).
fn words(n: u32) -> String {
    (0..n)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn long_text_strategies_encode_as_documented() {
    // Max length 10, two special tokens: windows of 8 document tokens.
    let tok = tiny_tokenizer(10);
    let long = words(20); // ids 4..=23
    let short = words(2); // ids 4, 5
    let texts = [long.as_str(), short.as_str()];

    let head = LongText::Head.encode(&tok, &texts).unwrap();
    assert_eq!(head.docs, [0, 1]);
    assert_eq!(head.encodings[0].ids, [2, 4, 5, 6, 7, 8, 9, 10, 11, 3]);
    assert_eq!(head.encodings[1].ids, [2, 4, 5, 3]);

    // head 3 + tail 8 - 3 = 5: t0 t1 t2 (4 5 6) then t15..t19 (19..=23).
    let ht = LongText::HeadTail { head: 3 }.encode(&tok, &texts).unwrap();
    assert_eq!(ht.encodings[0].ids, [2, 4, 5, 6, 19, 20, 21, 22, 23, 3]);
    assert_eq!(ht.encodings[0].type_ids, [0; 10]);
    assert_eq!(ht.encodings[1].ids, [2, 4, 5, 3]);

    // Non-overlapping windows of 8: t0..t7, t8..t15, t16..t19; then the short text.
    let cp = LongText::ChunkPool.encode(&tok, &texts).unwrap();
    assert_eq!(cp.docs, [0, 0, 0, 1]);
    assert_eq!(cp.n_docs, 2);
    assert_eq!(cp.encodings[1].ids, [2, 12, 13, 14, 15, 16, 17, 18, 19, 3]);
    assert_eq!(cp.encodings[2].ids, [2, 20, 21, 22, 23, 3]);
    assert_eq!(cp.doc_ranges(), [0..3, 3..4]);

    let err = LongText::HeadTail { head: 8 }
        .encode(&tok, &texts)
        .unwrap_err();
    assert!(matches!(err, TrainError::InvalidConfig { .. }), "{err:?}");
    assert!(LongText::HeadTail { head: 7 }.validate(&tok).is_ok());
}

#[test]
fn long_text_serializes_with_a_strategy_tag() {
    let json = serde_json::to_string(&LongText::HeadTail { head: 64 }).unwrap();
    assert_eq!(json, r#"{"strategy":"head_tail","head":64}"#);
    let back: LongText = serde_json::from_str(r#"{"strategy":"chunk_pool"}"#).unwrap();
    assert_eq!(back, LongText::ChunkPool);
    assert_eq!(LongText::default(), LongText::Head);
}

#[test]
fn reads_texts_for_prediction() {
    let texts = read_texts(&fixture("classify.csv"), "text", ReadOptions::default()).unwrap();
    assert_eq!(texts.len(), 8);
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("in.txt");
    std::fs::write(&txt, "first text\n\n  \nsecond text\n").unwrap();
    assert_eq!(
        read_texts(&txt, "text", ReadOptions::default()).unwrap(),
        ["first text", "second text"]
    );
    let with_ids = read_texts_with_ids(
        &fixture("classify.csv"),
        "text",
        Some("id"),
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        with_ids[1],
        (Some("2".to_owned()), "Line cook and pastry".to_owned())
    );
    let jsonl = read_texts_with_ids(
        &fixture("classify.jsonl"),
        "body",
        Some("extra"),
        ReadOptions::default(),
    );
    // An array is not an id.
    assert!(matches!(
        jsonl,
        Err(TrainError::Data(DataError::Invalid { line: 3, .. }))
    ));
    std::fs::write(&txt, "\n").unwrap();
    assert!(matches!(
        read_texts(&txt, "text", ReadOptions::default()),
        Err(TrainError::EmptyDataset)
    ));
}

#[test]
fn reads_pairs_from_csv_and_jsonl() {
    let csv = PairDataset::read(
        fixture("pairs.csv"),
        &PairColumns::default(),
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(csv.len(), 3);
    assert_eq!(csv.pairs()[0].negative.as_deref(), Some("Chefs: cook food"));
    assert_eq!(csv.pairs()[1].negative, None);
    assert!(csv.has_negatives());

    let columns = PairColumns {
        anchor: "query".into(),
        positive: "doc".into(),
        negative: "hard".into(),
    };
    let jsonl =
        PairDataset::read(fixture("pairs.jsonl"), &columns, ReadOptions::default()).unwrap();
    assert_eq!(jsonl.pairs(), &csv.pairs()[..2]);

    // A CSV without the negative column reads with no negatives.
    let no_neg = PairColumns {
        negative: "absent".into(),
        ..PairColumns::default()
    };
    let plain = PairDataset::read(fixture("pairs.csv"), &no_neg, ReadOptions::default()).unwrap();
    assert!(!plain.has_negatives());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.jsonl");
    csv.write_jsonl(&out).unwrap();
    let back = PairDataset::read(&out, &PairColumns::default(), ReadOptions::default()).unwrap();
    assert_eq!(back, csv);
}

fn assert_valid_batches(data: &PairDataset, batches: &[Vec<usize>], size: usize) {
    let mut all: Vec<usize> = batches.iter().flatten().copied().collect();
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(all.len(), before, "a pair in two batches");
    // Each positive keeps min(its pairs, ceil(pairs / size)) pairs, less the pairs of dropped
    // single-pair batches.
    let cap = data.len().div_ceil(size);
    let mut total: HashMap<&str, usize> = HashMap::new();
    let mut kept: HashMap<&str, usize> = HashMap::new();
    for (i, pair) in data.pairs().iter().enumerate() {
        *total.entry(pair.positive.as_str()).or_default() += 1;
        if all.binary_search(&i).is_ok() {
            *kept.entry(pair.positive.as_str()).or_default() += 1;
        }
    }
    for (positive, n) in total {
        let k = kept.get(positive).copied().unwrap_or(0);
        assert!(k <= n.min(cap), "{positive}: {k} of {n} kept, cap {cap}");
    }
    for batch in batches {
        assert!(batch.len() >= 2 && batch.len() <= size, "{batch:?}");
        let positives: HashSet<&str> = batch
            .iter()
            .map(|&i| data.pairs()[i].positive.as_str())
            .collect();
        assert_eq!(
            positives.len(),
            batch.len(),
            "duplicate positive in {batch:?}"
        );
    }
}

#[test]
fn batches_never_repeat_a_positive() {
    // Ten pairs over three positives (5 x A, 3 x B, 2 x C), batches of 3: every batch can
    // hold at most one pair per positive.
    let positives = ["A", "A", "A", "A", "A", "B", "B", "B", "C", "C"];
    let data = PairDataset::new(
        positives
            .iter()
            .enumerate()
            .map(|(i, p)| Pair::new(format!("q{i}"), *p))
            .collect(),
    );
    let batches = data.batches(3, 11).unwrap();
    assert_valid_batches(&data, &batches, 3);
    // At most ceil(10 / 3) = 4 pairs per positive: A keeps 4 of its 5, so 9 pairs, less a
    // lone last pair if the greedy fill leaves one.
    let used = batches.iter().map(Vec::len).sum::<usize>();
    assert!((8..=9).contains(&used), "{used} pairs used");
    assert!(batches.len() >= 3);
    assert_eq!(data.batches(3, 11).unwrap(), batches);
    assert!(matches!(
        data.batches(1, 0),
        Err(TrainError::InvalidConfig { .. })
    ));
    assert!(matches!(
        PairDataset::default().batches(4, 0),
        Err(TrainError::EmptyDataset)
    ));
}

proptest! {
    #[test]
    fn batches_are_valid_for_any_data(
        positives in prop::collection::vec(0u8..12, 1..120),
        size in 2usize..20,
        seed in any::<u64>(),
    ) {
        let data = PairDataset::new(
            positives.iter().enumerate().map(|(i, p)| Pair::new(format!("q{i}"), format!("p{p}"))).collect(),
        );
        let distinct: HashSet<u8> = positives.iter().copied().collect();
        if distinct.len() < 2 {
            // One positive: no batch can hold a negative.
            let refused = matches!(data.batches(size, seed), Err(TrainError::InvalidConfig { .. }));
            prop_assert!(refused);
            return Ok(());
        }
        let batches = data.batches(size, seed).unwrap();
        assert_valid_batches(&data, &batches, size);
        // With distinct positives every batch but the last is full, and every pair is used but
        // a lone last one.
        if distinct.len() == positives.len() {
            let used = batches.iter().map(Vec::len).sum::<usize>();
            prop_assert!(used + 1 >= positives.len());
        }
        if distinct.len() == positives.len() {
            prop_assert!(batches[..batches.len() - 1].iter().all(|b| b.len() == size));
        }
    }
}

#[test]
fn onet_builder_on_fixture() {
    // Rows: Staff Nurse, "staff  nurse" (duplicate once normalized), ICU Nurse, Executive Chef,
    // Ghost Title (unknown code), a blank title: 3 pairs, 3 skipped.
    let all_train = HeldOut::fraction(0.0, 1);
    let split = onet_title_pairs(
        &fixture("onet/Alternate Titles.txt"),
        &fixture("onet/Occupation Data.txt"),
        all_train,
    )
    .unwrap();
    assert_eq!(split.catalog.len(), 3);
    assert_eq!(
        split.catalog[0],
        "Registered Nurses: Assess patient health problems and needs."
    );
    // A quote inside an unquoted tab-separated field stays as it is.
    assert!(split.catalog[1].contains("\"signature\""));
    assert_eq!(split.catalog[2], "Software Developers");
    assert_eq!(
        (split.train.len(), split.valid.len(), split.skipped),
        (3, 0, 3)
    );
    assert_eq!(
        split.train.pairs()[0],
        Pair::new("Staff Nurse", &split.catalog[0])
    );
}

#[test]
fn esco_and_jobbert_builders_on_fixture() {
    let keep = HeldOut::fraction(0.0, 1);
    let esco = esco_label_pairs(&fixture("esco_occupations.csv"), keep).unwrap();
    // Alternative labels: staff, ward, general nurse (blank line dropped); executive chef,
    // chef de cuisine; none for the developer.
    assert_eq!(esco.train.len(), 5);
    assert_eq!(esco.catalog.len(), 3);
    assert_eq!(esco.catalog[2], "software developer");
    assert_eq!(esco.train.pairs()[3].anchor, "executive chef");
    assert_eq!(
        esco.train.pairs()[3].positive,
        "head chef: Head chefs manage kitchens."
    );

    // Staff Nurse, STAFF NURSE (duplicate), Executive Chef, Java Developer, Mystery Role
    // (unknown URI): 3 pairs, 2 skipped.
    let jb = jobbert_title_pairs(
        &fixture("jobbert_titles.csv"),
        &fixture("esco_occupations.csv"),
        keep,
    )
    .unwrap();
    assert_eq!((jb.train.len(), jb.skipped), (3, 2));
    assert_eq!(jb.train.pairs()[2].positive, "software developer");
}

#[test]
fn held_out_split_is_by_title_and_stable() {
    let half = HeldOut::fraction(0.5, 9);
    let pairs: Vec<Pair> = (0..200)
        .flat_map(|i| {
            // Each title twice, under two occupations and in two spellings.
            [
                Pair::new(format!("Title {i}"), format!("occ {}", i % 7)),
                Pair::new(format!("title  {i}"), format!("occ {}", (i + 1) % 7)),
            ]
        })
        .collect();
    let data = PairDataset::new(pairs);
    let (train, valid) = data.split(half).unwrap();
    assert_eq!(train.len() + valid.len(), 400);
    // About half (the hash is uniform): 200 titles, so 100 +- 40 is very safe.
    assert!((60..=140).contains(&(valid.len() / 2)), "{}", valid.len());
    let key = |p: &Pair| {
        p.anchor
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let train_keys: HashSet<String> = train.pairs().iter().map(key).collect();
    assert!(valid.pairs().iter().all(|p| !train_keys.contains(&key(p))));
    assert_eq!(data.split(half).unwrap(), (train, valid));
    assert!(matches!(
        data.split(HeldOut::fraction(1.0, 0)),
        Err(TrainError::InvalidConfig { .. })
    ));
}

#[test]
fn default_held_out_rule_is_the_evaluation_sets_rule() {
    // The test vectors of docs/DATA.md: FNV-1a 64 of "data scientist" is 0x96a153011a7aee27,
    // divisible by 5; "agency owner" gives 0xdb8c65f2715c8a99, remainder 3.
    assert_eq!(0x96a1_5301_1a7a_ee27_u64 % 5, 0);
    let rule = HeldOut::default();
    assert!(rule.is_held_out("Data Scientist"));
    assert!(rule.is_held_out("  data   SCIENTIST "));
    assert!(!rule.is_held_out("Agency Owner"));
    assert!(matches!(
        HeldOut::Modulo { modulus: 1 }.validate(),
        Err(TrainError::InvalidConfig { .. })
    ));
}

#[test]
fn retrieval_task_groups_positives_per_anchor() {
    let valid = PairDataset::new(vec![
        Pair::new("nurse", "N"),
        Pair::new("cook", "C"),
        Pair::new("nurse", "M"),
    ]);
    let task = RetrievalTask::from_pairs(&valid, &["Z".to_owned(), "C".to_owned()]);
    assert_eq!(task.docs, ["C", "M", "N", "Z"]);
    assert_eq!(task.queries, ["nurse", "cook"]);
    assert_eq!(task.relevant[0], HashSet::from([1, 2]));
    assert_eq!(task.relevant[1], HashSet::from([0]));
}

fn shared_paths() -> Option<SharedDataPaths> {
    support::shared("data").map(SharedDataPaths::new)
}

#[test]
fn shared_livecareer_resumes_read_with_24_categories() {
    let Some(paths) = shared_paths() else { return };
    let data = TextDataset::read(
        paths.livecareer_resumes(),
        &category_columns(),
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(data.len(), 1490);
    assert_eq!(data.label_map().unwrap().len(), 24);
    let (train, valid) = data.stratified_split(0.2, 42).unwrap();
    assert_eq!(train.len() + valid.len(), 1490);
    assert_eq!(valid.label_map().unwrap().len(), 24);
}

#[test]
fn shared_pair_sources_build() {
    let Some(paths) = shared_paths() else { return };
    let held = HeldOut::default();
    let onet = onet_title_pairs(
        &paths.onet_alternate_titles(),
        &paths.onet_occupation_data(),
        held,
    )
    .unwrap();
    assert_eq!(onet.catalog.len(), 1016);
    let n = onet.train.len() + onet.valid.len();
    assert!(n > 10_000, "{n} O*NET pairs");
    let share = onet.valid.len() as f64 / n as f64;
    assert!((0.17..0.23).contains(&share), "held-out share {share}");
    let task = onet.retrieval_task();
    assert_eq!(task.docs.len(), 1016);
    assert!(task.relevant.iter().all(|r| !r.is_empty()));

    let esco = esco_label_pairs(&paths.esco_occupations(), held).unwrap();
    assert_eq!(esco.catalog.len(), 2942);
    assert!(esco.train.len() + esco.valid.len() > 25_000);

    let jb = jobbert_title_pairs(&paths.jobbert_titles(), &paths.esco_occupations(), held).unwrap();
    assert_eq!(jb.catalog.len(), 2942);
    assert!(jb.train.len() + jb.valid.len() > 5_000);
    for (name, s) in [("onet", &onet), ("esco", &esco), ("jobbert", &jb)] {
        eprintln!(
            "{name}: {} train, {} held-out pairs, {} skipped, catalog {}",
            s.train.len(),
            s.valid.len(),
            s.skipped,
            s.catalog.len()
        );
    }
}

#[test]
fn head_tail_on_a_real_resume_keeps_both_ends() {
    let (Some(model), Some(paths)) = (support::model_dir(), shared_paths()) else {
        return;
    };
    let tok = TextTokenizer::from_file(model.join("tokenizer.json"))
        .unwrap()
        .with_max_length(128)
        .unwrap();
    let data = TextDataset::read(
        paths.livecareer_resumes(),
        &category_columns(),
        ReadOptions::default(),
    )
    .unwrap();
    let texts: Vec<&str> = data.texts().into_iter().take(3).collect();
    let encoded = LongText::HeadTail { head: 32 }
        .encode(&tok, &texts)
        .unwrap();
    for (text, enc) in texts.iter().zip(&encoded.encodings) {
        let ids = tok.token_ids(text).unwrap();
        assert!(ids.len() > 126, "a resume is longer than the window");
        assert_eq!(enc.len(), 128);
        // [CLS] = 101, [SEP] = 102 in the BERT uncased vocabulary.
        assert_eq!((enc.ids[0], enc.ids[127]), (101, 102));
        assert_eq!(&enc.ids[1..33], &ids[..32]);
        assert_eq!(&enc.ids[33..127], &ids[ids.len() - 94..]);
    }
    let chunks = LongText::ChunkPool.encode(&tok, &texts).unwrap();
    assert!(chunks.encodings.len() > 3);
    assert!(chunks.encodings.iter().all(|e| e.len() <= 128));
    assert_eq!(chunks.doc_ranges().len(), 3);
}

#[test]
fn cleaned_pairs_read_as_the_matcher_reads_a_resume() {
    let pairs = PairDataset::new(vec![
        Pair::new(
            "<p>Caf&eacute;\u{00A0}&amp;  Bar</p>",
            "  Chefs and Head Cooks ",
        ),
        Pair {
            anchor: "Caf\u{00C3}\u{2060}\u{00A9} manager".into(),
            positive: "Food Service Managers".into(),
            negative: Some("＆ｌｔ;b＆ｇｔ;Cooks".into()),
        },
    ]);
    let cleaned = pairs.cleaned();
    let texts: Vec<(&str, &str, Option<&str>)> = cleaned
        .pairs()
        .iter()
        .map(|p| {
            (
                p.anchor.as_str(),
                p.positive.as_str(),
                p.negative.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        [
            ("Café & Bar", "Chefs and Head Cooks", None),
            ("Café manager", "Food Service Managers", Some("Cooks")),
        ]
    );
    // The input is left as it was.
    assert_eq!(pairs.pairs()[0].positive, "  Chefs and Head Cooks ");
}
