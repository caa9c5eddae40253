//! Recommendation with a tiny random encoder: options, bad input, filters,
//! long texts, hybrid scoring, re-ranking, explanations and concurrency.

use std::sync::Arc;

use jobfit_match::{
    AnnMode, Catalog, CrossEncoderReranker, Fusion, IndexOptions, JobFields, JobFilter, JobIndex,
    LocationFilter, LongText, MatchError, MatchPair, Matcher, ProgressMode, RecommendOptions,
    Reranker, SearchMode, dot, job_names,
};
use jobfit_model::{
    BertConfig, BertModel, EncoderWithHead, PairScoringHead, PairScoringHeadConfig, Pooling,
    SaveInfo, SavedHead, save_checkpoint,
};
use jobfit_text::Job;

use crate::common::{device, tiny_embedder, tiny_matcher, tiny_tokenizer};

fn ids(recommendations: &[jobfit_match::Recommendation]) -> Vec<&str> {
    recommendations
        .iter()
        .map(|rec| rec.job.id.as_str())
        .collect()
}

/// Dense scores of the job texts only (no names, no BM25), no explanations;
/// every query counts as long, so BM25 applies when a test turns it on.
fn quiet() -> RecommendOptions {
    RecommendOptions::default()
        .with_explain(false)
        .with_hybrid(None)
        .with_name_weight(0.0)
        .with_short_query_words(0)
}

/// As [`quiet`], with every query counted as short, so names apply.
fn quiet_short() -> RecommendOptions {
    quiet().with_short_query_words(usize::MAX)
}

#[test]
fn short_queries_use_names_and_long_ones_bm25_by_default() {
    let options = RecommendOptions::default();
    assert_eq!(options.hybrid, Some(Fusion::Weighted { dense_weight: 0.8 }));
    let title = "Senior Data Engineer";
    let resume = "Data engineer. ".repeat(20);
    assert_eq!(options.scoring_for(title), (0.7, None));
    assert_eq!(options.scoring_for(&resume), (0.0, options.hybrid));
    // 32 words is still short; 33 is long.
    assert_eq!(options.scoring_for(&"word ".repeat(32)).1, None);
    assert!(options.scoring_for(&"word ".repeat(33)).1.is_some());
    // What the matcher does with them: names (no BM25) for the title, BM25
    // (no names) for the resume.
    let matcher = tiny_matcher();
    let explain_off = options.with_explain(false).with_top_k(3);
    let short = matcher.recommend(title, &explain_off).unwrap();
    assert!(
        short
            .iter()
            .all(|rec| rec.scores.name.is_some() && rec.scores.lexical.is_none())
    );
    let long = matcher.recommend(&resume, &explain_off).unwrap();
    assert!(long.iter().all(|rec| rec.scores.name.is_none()));
    assert!(long.iter().any(|rec| rec.scores.lexical.is_some()));
}

#[test]
fn top_k_zero_is_an_error_and_above_the_size_returns_all() {
    let matcher = tiny_matcher();
    let error = matcher
        .recommend("nurse", &quiet().with_top_k(0))
        .unwrap_err();
    assert!(matches!(error, MatchError::ZeroTopK), "{error:?}");
    let all = matcher
        .recommend("nurse", &quiet().with_top_k(100))
        .unwrap();
    assert_eq!(all.len(), 8);
    assert_eq!(
        all.iter().map(|rec| rec.rank).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert!(all.windows(2).all(|pair| pair[0].score >= pair[1].score));
    let mut seen = ids(&all);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 8, "every job once");
}

#[test]
fn a_resume_that_cleans_to_nothing_is_refused() {
    let matcher = tiny_matcher();
    for resume in ["", "   \n\t ", "<br><p> </p>", "\u{200B}\u{FEFF}"] {
        let error = matcher.recommend(resume, &quiet()).unwrap_err();
        assert!(
            matches!(&error, MatchError::EmptyText { what } if what == "resume"),
            "{error:?}"
        );
        assert!(error.to_string().contains("empty after cleaning"));
    }
    let error = matcher
        .rank_many(&["nurse", " "], &quiet(), ProgressMode::Never)
        .unwrap_err();
    assert!(
        matches!(&error, MatchError::EmptyText { what } if what == "query 2"),
        "{error:?}"
    );
}

#[test]
fn ranking_many_queries_keeps_what_the_map_makes_of_each() {
    let matcher = tiny_matcher();
    let queries = ["nurse", "welder who reads blueprints", "software engineer"];
    let full = matcher
        .rank_many(&queries, &quiet(), ProgressMode::Never)
        .unwrap();
    let mut calls = 0;
    let mapped = matcher
        .rank_many_map(&queries, &quiet(), ProgressMode::Never, |hits| {
            calls += 1;
            hits.into_iter()
                .map(|hit| hit.job.id.clone())
                .collect::<Vec<_>>()
        })
        .unwrap();
    assert_eq!(calls, 3);
    let expected: Vec<Vec<String>> = full
        .iter()
        .map(|hits| hits.iter().map(|hit| hit.job.id.clone()).collect())
        .collect();
    assert_eq!(mapped, expected);
    assert!(mapped.iter().all(|ids| !ids.is_empty()));
}

#[test]
fn dense_scores_are_the_cosine_of_independent_embeddings() {
    let matcher = tiny_matcher();
    let embedder = matcher.embedder();
    let resume = "Registered nurse with ICU patient care";
    let texts = matcher
        .index()
        .unwrap()
        .catalog()
        .unwrap()
        .texts(&JobFields::default());
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let jobs = embedder.embed(&refs).unwrap();
    let query = embedder.embed_one(resume).unwrap();
    let mut expected: Vec<(usize, f32)> = (0..jobs.nrows())
        .map(|i| (i, jobs.row(i).iter().zip(&query).map(|(a, b)| a * b).sum()))
        .collect();
    expected.sort_by(|a, b| b.1.total_cmp(&a.1));
    let got = matcher.recommend(resume, &quiet().with_top_k(8)).unwrap();
    for (rec, (position, score)) in got.iter().zip(&expected) {
        assert_eq!(
            rec.job.id,
            matcher.index().unwrap().catalog().unwrap().jobs()[*position].id
        );
        assert!((rec.score - score).abs() < 1e-5);
        assert_eq!(rec.scores.dense, Some(rec.score));
    }
}

/// The blend of the documentation, from embeddings computed here.
fn blended(text: f32, name: f32, weight: f32) -> f32 {
    (1.0 - weight) * text + weight * text.max(name)
}

#[test]
fn job_names_blend_into_the_dense_score_as_documented() {
    let matcher = tiny_matcher();
    let embedder = matcher.embedder();
    let catalog = matcher.index().unwrap().catalog().unwrap();
    let names = matcher
        .index()
        .unwrap()
        .names()
        .expect("names are indexed by default");
    assert_eq!(
        names.len(),
        catalog
            .jobs()
            .iter()
            .map(|job| job_names(job).len())
            .sum::<usize>()
    );
    let texts = catalog.texts(&JobFields::default());
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let jobs = embedder.embed(&refs).unwrap();
    let query_text = "cloud engineer";
    let query = embedder.embed_one(query_text).unwrap();
    // Each job's best name, embedding its names here, one call per job.
    let best_name: Vec<f32> = catalog
        .jobs()
        .iter()
        .map(|job| {
            let names = job_names(job);
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let vectors = embedder.embed(&refs).unwrap();
            vectors
                .rows()
                .into_iter()
                .map(|row| dot(row.as_slice().unwrap(), &query))
                .fold(f32::NEG_INFINITY, f32::max)
        })
        .collect();
    for weight in [0.0, 0.3, 0.7, 1.0] {
        let options = quiet_short().with_top_k(8).with_name_weight(weight);
        let got = matcher.recommend(query_text, &options).unwrap();
        assert_eq!(got.len(), 8);
        let mut previous = f32::INFINITY;
        for rec in &got {
            let position = catalog.position(&rec.job.id).unwrap();
            let text = dot(jobs.row(position).as_slice().unwrap(), &query);
            let expected = blended(text, best_name[position], weight);
            assert!(
                (rec.score - expected).abs() < 1e-5,
                "weight {weight}, {}: {} vs {expected}",
                rec.job.id,
                rec.score
            );
            assert!(rec.score <= previous + 1e-6, "sorted best first");
            previous = rec.score;
            if weight > 0.0 {
                let name = rec.scores.name.unwrap();
                assert!((name - best_name[position]).abs() < 1e-5);
            } else {
                assert_eq!(rec.scores.name, None);
            }
        }
    }
    // An approximate index takes the candidate path: same result on a small catalog.
    let exact = matcher.recommend(
        query_text,
        &quiet_short().with_top_k(8).with_name_weight(0.7),
    );
    let with_ann = JobIndex::build(
        catalog.clone(),
        embedder,
        &IndexOptions::default()
            .with_progress(ProgressMode::Never)
            .with_ann(AnnMode::Always),
    )
    .unwrap();
    let plugged = Matcher::new(with_ann, Arc::clone(embedder))
        .unwrap()
        .recommend(
            query_text,
            &quiet_short()
                .with_top_k(8)
                .with_name_weight(0.7)
                .with_search(SearchMode::Ann),
        );
    let scores = |recs: &[jobfit_match::Recommendation]| -> Vec<(String, f32)> {
        recs.iter()
            .map(|rec| (rec.job.id.clone(), rec.score))
            .collect()
    };
    assert_eq!(scores(&exact.unwrap()), scores(&plugged.unwrap()));
    for bad in [-0.1, 1.5, f32::NAN] {
        let error = matcher
            .recommend(query_text, &quiet_short().with_name_weight(bad))
            .unwrap_err();
        assert!(
            matches!(
                error,
                MatchError::InvalidOption {
                    name: "name_weight",
                    ..
                }
            ),
            "{error:?}"
        );
    }
}

#[test]
fn an_alias_is_matched_on_its_own() {
    // The alias is the query itself: its name similarity is 1 (normalized
    // vectors), whatever the random encoder makes of the job text.
    let embedder = Arc::new(tiny_embedder("tiny-a"));
    let jobs = vec![
        Job::new("a", "Registered Nurse").with_description("Provide patient care."),
        Job::new("b", "Food Service Worker")
            .with_description("Serve food.")
            .with_aliases(["Barista", "Coffee maker"]),
        Job::new("c", "Data Engineer").with_description("Build pipelines."),
    ];
    let options = IndexOptions::default().with_progress(ProgressMode::Never);
    let index = JobIndex::build(Catalog::from_jobs(jobs).unwrap(), &embedder, &options).unwrap();
    let matcher = Matcher::new(index, embedder).unwrap();
    let got = matcher
        .recommend("Coffee maker", &quiet_short().with_name_weight(1.0))
        .unwrap();
    assert_eq!(got[0].job.id, "b");
    assert!((got[0].scores.name.unwrap() - 1.0).abs() < 1e-5);
    assert!((got[0].score - 1.0).abs() < 1e-5);
    // The recommendation says which name matched: the second alias, not the title.
    assert_eq!(got[0].matched_name.as_deref(), Some("Coffee maker"));
    assert!(got.iter().all(|rec| rec.matched_name.is_some()));
    // Without names in the score, no name is claimed.
    let without = matcher
        .recommend("Coffee maker", &quiet_short().with_name_weight(0.0))
        .unwrap();
    assert!(without.iter().all(|rec| rec.matched_name.is_none()));
}

#[test]
fn filters_keep_only_matching_jobs() {
    let matcher = tiny_matcher();
    let run = |filter: JobFilter| {
        let mut got = ids(&matcher
            .recommend("engineer", &quiet().with_top_k(20).with_filter(filter))
            .unwrap())
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        got.sort();
        got
    };
    assert_eq!(
        run(JobFilter::new().with_location(LocationFilter::Contains("BERLIN".into()))),
        ["baker", "nurse", "teacher"]
    );
    // Wanted 65k and up: rust (70-95k) and data (60k, open) overlap; nurse tops out at 60k.
    assert_eq!(
        run(JobFilter::new().with_salary(Some(65_000.0), None)),
        ["data", "rust"]
    );
    assert_eq!(
        run(JobFilter::new().with_metadata("remote", "YES")),
        ["data", "rust"]
    );
    assert_eq!(
        run(JobFilter::new()
            .with_metadata("sector", "software")
            .with_location(LocationFilter::Equals("remote".into()))),
        ["rust"]
    );
    // A filter nothing passes is an empty list, not an error.
    assert!(run(JobFilter::new().with_metadata("sector", "mining")).is_empty());
}

#[test]
fn a_filter_on_a_field_no_job_has_is_refused() {
    let matcher = tiny_matcher();
    let error = matcher
        .recommend(
            "x y",
            &quiet().with_filter(JobFilter::new().with_metadata("company", "Acme")),
        )
        .unwrap_err();
    match &error {
        MatchError::UnknownFilterField { field, known } => {
            assert!(field.contains("company"));
            assert_eq!(known, &["remote", "sector"]);
        }
        other => panic!("{other:?}"),
    }
    // A catalog without locations or salaries.
    let embedder = Arc::new(tiny_embedder("tiny-a"));
    let catalog = Catalog::from_jobs(vec![Job::new("1", "Nurse"), Job::new("2", "Cook")]).unwrap();
    let options = IndexOptions::default().with_progress(ProgressMode::Never);
    let index = JobIndex::build(catalog, &embedder, &options).unwrap();
    let bare = Matcher::new(index, embedder).unwrap();
    for filter in [
        JobFilter::new().with_location(LocationFilter::Contains("Paris".into())),
        JobFilter::new().with_salary(Some(1.0), None),
    ] {
        let error = bare
            .recommend("nurse", &quiet().with_filter(filter))
            .unwrap_err();
        assert!(
            matches!(error, MatchError::UnknownFilterField { .. }),
            "{error:?}"
        );
    }
    let inverted = JobFilter::new().with_salary(Some(9.0), Some(1.0));
    assert!(matches!(
        matcher.recommend("x", &quiet().with_filter(inverted)),
        Err(MatchError::InvalidOption { .. })
    ));
}

/// A resume longer than the tiny encoder's window of 30 tokens.
const LONG_RESUME: &str = "Registered nurse in the hospital ICU for years, patient care and medication. \
    Then a school teacher for students, lessons and a team of teachers. \
    Then a truck driver for delivery across the region, with a clean record. \
    Finally a cook in a bakery kitchen, bread and food for the team.";

#[test]
fn long_resumes_pool_chunk_scores_by_max_or_mean() {
    let matcher = tiny_matcher();
    let embedder = matcher.embedder();
    let tokenizer = embedder.tokenizer();
    let window = tokenizer.max_length() - tokenizer.special_tokens_single();
    let chunks = tokenizer.chunk(LONG_RESUME, 8).unwrap();
    assert!(
        chunks.len() >= 3,
        "the resume spans several windows of {window}"
    );
    let encodings: Vec<_> = chunks.into_iter().map(|chunk| chunk.encoding).collect();
    let chunk_vectors = embedder.embed_encodings(&encodings).unwrap();
    let texts = matcher
        .index()
        .unwrap()
        .catalog()
        .unwrap()
        .texts(&JobFields::default());
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let jobs = embedder.embed(&refs).unwrap();
    let sims = |job: usize| -> Vec<f32> {
        chunk_vectors
            .rows()
            .into_iter()
            .map(|chunk| dot(chunk.as_slice().unwrap(), jobs.row(job).as_slice().unwrap()))
            .collect()
    };
    let catalog = matcher.index().unwrap().catalog().unwrap();
    for strategy in [LongText::ChunkMax, LongText::ChunkMean] {
        let options = RecommendOptions {
            chunk_overlap: 8,
            ..quiet().with_top_k(8).with_long_text(strategy)
        };
        let got = matcher.recommend(LONG_RESUME, &options).unwrap();
        assert_eq!(got.len(), 8);
        for rec in &got {
            let position = catalog.position(&rec.job.id).unwrap();
            let s = sims(position);
            let expected = match strategy {
                LongText::ChunkMax => s.iter().copied().fold(f32::MIN, f32::max),
                _ => s.iter().sum::<f32>() / s.len() as f32,
            };
            assert!(
                (rec.score - expected).abs() < 1e-4,
                "{strategy:?} {}: {} vs {expected}",
                rec.job.id,
                rec.score
            );
        }
    }
    // Head: the truncated text alone.
    let head = matcher
        .recommend(
            LONG_RESUME,
            &quiet().with_top_k(1).with_long_text(LongText::Head),
        )
        .unwrap();
    let query = embedder.embed_one(LONG_RESUME).unwrap();
    let position = catalog.position(&head[0].job.id).unwrap();
    let expected: f32 = jobs
        .row(position)
        .iter()
        .zip(&query)
        .map(|(a, b)| a * b)
        .sum();
    assert!((head[0].score - expected).abs() < 1e-5);
}

#[test]
fn hybrid_scoring_fuses_bm25_with_the_dense_score() {
    let matcher = tiny_matcher();
    // All weight on BM25: the job sharing the most rare words wins.
    let lexical = quiet().with_hybrid(Some(Fusion::Weighted { dense_weight: 0.0 }));
    let got = matcher
        .recommend("bakery bread baker", &lexical.clone().with_top_k(3))
        .unwrap();
    assert_eq!(got[0].job.id, "baker");
    assert!(got[0].scores.lexical.is_some_and(|score| score > 0.0));
    // All weight on the dense score: the dense order.
    let dense_only = matcher
        .recommend("bakery bread baker", &quiet().with_top_k(8))
        .unwrap();
    let weighted = matcher
        .recommend(
            "bakery bread baker",
            &quiet()
                .with_top_k(8)
                .with_hybrid(Some(Fusion::Weighted { dense_weight: 1.0 })),
        )
        .unwrap();
    assert_eq!(ids(&dense_only), ids(&weighted));
    // RRF: every job of either list, each once, scores descending.
    let rrf = matcher
        .recommend(
            "sql python data",
            &quiet()
                .with_top_k(8)
                .with_hybrid(Some(Fusion::Rrf { k: 60.0 })),
        )
        .unwrap();
    assert_eq!(rrf.len(), 8);
    assert!(rrf.windows(2).all(|pair| pair[0].score >= pair[1].score));
    // Filters apply to the lexical candidates too.
    let filtered = matcher
        .recommend(
            "bakery bread baker",
            &lexical.with_filter(JobFilter::new().with_metadata("remote", "yes")),
        )
        .unwrap();
    assert!(
        filtered
            .iter()
            .all(|rec| rec.job.id == "rust" || rec.job.id == "data")
    );
}

fn tiny_cross_encoder() -> (tempfile::TempDir, CrossEncoderReranker) {
    let tokenizer = tiny_tokenizer().with_max_length(48).unwrap();
    let config = BertConfig::tiny(tokenizer.vocab_size());
    let encoder = BertModel::init(&config, &device()).unwrap();
    let head = PairScoringHead::init(
        &PairScoringHeadConfig {
            hidden_size: config.hidden_size,
            dropout: 0.0,
        },
        &device(),
    )
    .unwrap();
    let model = EncoderWithHead::new(encoder, head);
    let dir = tempfile::tempdir().unwrap();
    let info = SaveInfo {
        config: &config,
        tokenizer: &tokenizer,
        labels: &[],
        pooling: Pooling::Mean,
        extra: serde_json::Value::Null,
    };
    save_checkpoint(&dir.path().join("cross"), &model, &info).unwrap();
    let reranker = CrossEncoderReranker::from_checkpoint(dir.path().join("cross"), &device())
        .unwrap()
        .with_batch_size(3)
        .unwrap();
    (dir, reranker)
}

#[test]
fn a_cross_encoder_reranks_the_top_candidates() {
    let (dir, reranker) = tiny_cross_encoder();
    let reranker = Arc::new(reranker);
    let resume = "Rust engineer who builds cloud services";
    // Direct scores, one pair at a time and batched: the same, in pair order.
    let texts = Catalog::from_jsonl(crate::common::fixture("jobs.jsonl"))
        .unwrap()
        .texts(&JobFields::default());
    let pairs: Vec<MatchPair<'_>> = texts.iter().map(|job| MatchPair { job, resume }).collect();
    let batched = reranker.score_pairs(&pairs).unwrap();
    assert_eq!(batched.len(), 8);
    for (pair, score) in pairs.iter().zip(&batched) {
        let single = reranker.score_pairs(std::slice::from_ref(pair)).unwrap();
        assert!((single[0] - score).abs() < 1e-4);
    }
    assert!(CrossEncoderReranker::from_checkpoint(dir.path(), &device()).is_err());

    let plain = tiny_matcher();
    assert!(matches!(
        plain.recommend(resume, &quiet().with_rerank(Some(4))),
        Err(MatchError::NoReranker)
    ));
    let matcher = tiny_matcher().with_reranker(reranker.clone());
    let dense = matcher.recommend(resume, &quiet().with_top_k(8)).unwrap();
    let reranked = matcher
        .recommend(resume, &quiet().with_top_k(8).with_rerank(Some(5)))
        .unwrap();
    // The dense top 5 come first, ordered by the cross-encoder; the rest keep their order.
    let top5: std::collections::BTreeSet<&str> = ids(&dense)[..5].iter().copied().collect();
    let reranked_top5: std::collections::BTreeSet<&str> =
        ids(&reranked)[..5].iter().copied().collect();
    assert_eq!(top5, reranked_top5);
    assert_eq!(ids(&dense)[5..], ids(&reranked)[5..]);
    for rec in &reranked[..5] {
        let position = texts
            .iter()
            .position(|t| *t == JobFields::default().text(&rec.job))
            .unwrap();
        assert!((rec.score - batched[position]).abs() < 1e-4);
        assert_eq!(rec.scores.rerank, Some(rec.score));
        assert!(rec.scores.dense.is_some());
    }
    assert!(
        reranked[..5]
            .windows(2)
            .all(|pair| pair[0].score >= pair[1].score)
    );
    assert!(matches!(
        matcher.recommend(resume, &quiet().with_rerank(Some(0))),
        Err(MatchError::InvalidOption { name: "rerank", .. })
    ));
}

#[test]
fn recommendations_explain_skills_and_evidence() {
    let matcher = tiny_matcher();
    let resume = "I build cloud services in Rust. I deploy them with Docker.\nI also like hiking.";
    let recs = matcher
        .recommend(resume, &RecommendOptions::default().with_top_k(8))
        .unwrap();
    let rust = recs.iter().find(|rec| rec.job.id == "rust").unwrap();
    assert!(
        rust.matched_skills.iter().any(|s| s == "Rust"),
        "{:?}",
        rust.matched_skills
    );
    assert!(
        rust.matched_skills.iter().any(|s| s == "Docker"),
        "{:?}",
        rust.matched_skills
    );
    assert!(
        rust.missing_skills.iter().any(|s| s == "Kubernetes"),
        "{:?}",
        rust.missing_skills
    );
    let evidence = rust.evidence.as_ref().unwrap();
    assert!(
        [
            "I build cloud services in Rust.",
            "I deploy them with Docker.",
            "I also like hiking."
        ]
        .contains(&evidence.resume_sentence.as_str()),
        "{evidence:?}"
    );
    assert!(
        [
            "Build cloud services in Rust.",
            "Deploy with Docker and Kubernetes."
        ]
        .contains(&evidence.job_sentence.as_str()),
        "{evidence:?}"
    );
    assert!(evidence.similarity <= 1.0 + 1e-5 && evidence.similarity >= -1.0 - 1e-5);
    let nurse = recs.iter().find(|rec| rec.job.id == "nurse").unwrap();
    assert!(nurse.matched_skills.is_empty());
    assert!(nurse.missing_skills.iter().any(|s| s == "Patient care"));
    // Serializable for the CLI's JSON output.
    let json = serde_json::to_value(rust).unwrap();
    assert_eq!(json["job"]["id"], "rust");
    assert!(json["evidence"]["resume_sentence"].is_string());
}

#[test]
fn one_matcher_serves_concurrent_requests() {
    let matcher = tiny_matcher();
    let resumes = [
        "Registered nurse, ICU patient care",
        "Rust engineer building cloud services",
        "Chef leading a kitchen team",
        "Accountant preparing budgets in Excel",
    ];
    let options = RecommendOptions::default().with_top_k(3);
    let sequential: Vec<_> = resumes
        .iter()
        .map(|resume| matcher.recommend(resume, &options).unwrap())
        .collect();
    let concurrent: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = resumes
            .iter()
            .map(|resume| scope.spawn(|| matcher.recommend(resume, &options).unwrap()))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    assert_eq!(sequential.len(), concurrent.len());
    for (a, b) in sequential.iter().zip(&concurrent) {
        assert_eq!(ids(a), ids(b));
        for (x, y) in a.iter().zip(b) {
            assert!((x.score - y.score).abs() < 1e-5);
            assert_eq!(x.matched_skills, y.matched_skills);
        }
    }
}

#[test]
fn a_megabyte_resume_is_handled() {
    let matcher = tiny_matcher();
    let line = "Registered nurse, ICU patient care, medication administration, Python and SQL. ";
    let resume = line.repeat(1_000_000 / line.len());
    assert!(resume.len() > 990_000);
    for strategy in [LongText::Head, LongText::ChunkMean] {
        let recs = matcher
            .recommend(
                &resume,
                &RecommendOptions::default()
                    .with_top_k(2)
                    .with_long_text(strategy),
            )
            .unwrap();
        assert_eq!(recs.len(), 2);
        assert!(recs.iter().all(|rec| rec.score.is_finite()));
    }
}
