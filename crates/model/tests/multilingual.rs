//! multilingual-e5-small (SentencePiece Unigram vocabulary, 12 layers):
//! token ids and embeddings of the shared reference texts (Chinese, English,
//! mixed, full-width, traditional, long), computed by an independent numpy
//! forward pass of the same dequantized weights; and its prompts.

use std::sync::{LazyLock, Mutex};

use jobfit_model::{EmbedderOptions, Engine, PromptRole, Prompts, TextEmbedder};
use jobfit_text::VocabularyKind;
use serde_json::Value;

use crate::support;

const TOLERANCE: f32 = 1e-5;

/// Held by the tests that load a model of their own, so that at most one
/// extra copy of the 470 MB model is in memory at a time.
static LOADING: Mutex<()> = Mutex::new(());

struct Item {
    text: String,
    ids: Vec<u32>,
    embedding: Vec<f32>,
}

static REFERENCE: LazyLock<Option<Vec<Item>>> = LazyLock::new(|| {
    let path = support::shared("reference/multilingual-e5-small.json")?;
    let value: Value = serde_json::from_slice(&std::fs::read(path).expect("reads")).expect("json");
    let items = value["items"].as_array().expect("items");
    Some(
        items
            .iter()
            .map(|item| Item {
                text: item["text"].as_str().expect("text").to_string(),
                ids: item["input_ids"]
                    .as_array()
                    .expect("ids")
                    .iter()
                    .map(|id| id.as_u64().expect("id") as u32)
                    .collect(),
                embedding: item["embedding"]
                    .as_array()
                    .expect("embedding")
                    .iter()
                    .map(|v| v.as_f64().expect("number") as f32)
                    .collect(),
            })
            .collect(),
    )
});

/// The fast-path embedder (the default on the CPU backend), loaded once.
static E5: LazyLock<Option<TextEmbedder>> = LazyLock::new(|| {
    let dir = support::e5_dir()?;
    Some(TextEmbedder::from_dir(&dir, &crate::device()).expect("multilingual-e5-small loads"))
});

fn setup() -> Option<(&'static TextEmbedder, &'static [Item])> {
    let reference = REFERENCE.as_deref()?;
    let embedder = E5.as_ref()?;
    Some((embedder, reference))
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn token_ids_match_the_reference_exactly() {
    let Some((embedder, items)) = setup() else {
        return;
    };
    let tokenizer = embedder.tokenizer();
    assert_eq!(tokenizer.vocabulary_kind(), VocabularyKind::Unigram);
    assert_eq!(tokenizer.pad_id(), 1, "<pad> from config.json");
    assert_eq!(tokenizer.unk_id(), Some(3));
    assert_eq!(tokenizer.special_tokens_single(), 2);
    for item in items {
        let encoding = tokenizer.encode(&item.text).expect("encodes");
        assert_eq!(encoding.ids, item.ids, "{:?}", item.text);
        // Every reference text is known to the multilingual vocabulary.
        assert!(!tokenizer.coverage(&encoding).mostly_unknown());
    }
}

#[test]
fn embeddings_match_the_reference_batched_and_one_by_one() {
    let Some((embedder, items)) = setup() else {
        return;
    };
    assert_eq!(embedder.dim(), 384);
    let texts: Vec<&str> = items.iter().map(|item| item.text.as_str()).collect();
    let batched = embedder.embed(&texts).expect("embeds");
    let mut worst = 0.0f32;
    for (i, item) in items.iter().enumerate() {
        let diff = max_abs_diff(batched.row(i).as_slice().expect("row"), &item.embedding);
        worst = worst.max(diff);
        assert!(diff <= TOLERANCE, "{:?}: max abs diff {diff}", item.text);
    }
    eprintln!(
        "multilingual-e5-small, {:?}: worst max abs diff {worst:e}",
        embedder.engine()
    );
    for (i, item) in items.iter().enumerate().step_by(4) {
        let single = embedder.embed_one(&item.text).expect("embeds");
        let diff = max_abs_diff(&single, batched.row(i).as_slice().expect("row"));
        assert!(
            diff <= TOLERANCE,
            "{:?}: single vs batched {diff}",
            item.text
        );
    }
}

#[test]
fn the_burn_model_matches_the_reference_too() {
    let (Some(dir), Some(items)) = (support::e5_dir(), REFERENCE.as_deref()) else {
        return;
    };
    let _one_at_a_time = LOADING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let options = EmbedderOptions {
        engine: Some(Engine::Burn),
        batch_size: Some(4),
        ..Default::default()
    };
    let embedder = TextEmbedder::from_dir_with(&dir, options, &crate::device()).expect("loads");
    // A sample: the first Chinese, mixed, full-width and long texts.
    let sample: Vec<&Item> = [0, 2, 9, 19].iter().map(|&i| &items[i]).collect();
    let texts: Vec<&str> = sample.iter().map(|item| item.text.as_str()).collect();
    let vectors = embedder.embed(&texts).expect("embeds");
    for (row, item) in vectors.rows().into_iter().zip(&sample) {
        let diff = max_abs_diff(row.as_slice().expect("row"), &item.embedding);
        assert!(diff <= TOLERANCE, "{:?}: max abs diff {diff}", item.text);
    }
}

#[test]
fn prompts_come_from_the_model_directory_and_match_the_prefixed_reference() {
    let Some((embedder, items)) = setup() else {
        return;
    };
    assert_eq!(embedder.prompt(PromptRole::Query), Some("query: "));
    assert_eq!(embedder.prompt(PromptRole::Passage), Some("passage: "));
    assert_eq!(embedder.identity().prompts, *embedder.prompts());
    // The reference texts carry their prefix; embedding the rest as a query
    // or a passage must give the same vector.
    let mut checked = 0;
    for item in items {
        let (role, rest) = if let Some(rest) = item.text.strip_prefix("query: ") {
            (PromptRole::Query, rest)
        } else if let Some(rest) = item.text.strip_prefix("passage: ") {
            (PromptRole::Passage, rest)
        } else {
            continue;
        };
        let vectors = match role {
            PromptRole::Query => embedder.embed_queries(&[rest]),
            PromptRole::Passage => embedder.embed_passages(&[rest]),
        }
        .expect("embeds");
        let diff = max_abs_diff(vectors.row(0).as_slice().expect("row"), &item.embedding);
        assert!(diff <= TOLERANCE, "{:?} as {role:?}: {diff}", item.text);
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} prefixed reference texts");
}

#[test]
fn prompts_can_be_overridden_and_turned_off() {
    let (Some(dir), Some(items)) = (support::e5_dir(), REFERENCE.as_deref()) else {
        return;
    };
    let _one_at_a_time = LOADING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let options = EmbedderOptions {
        prompts: Some(Prompts::none()),
        ..Default::default()
    };
    let plain = TextEmbedder::from_dir_with(&dir, options, &crate::device()).expect("loads");
    assert!(plain.prompts().is_empty());
    // Without prompts, a query is embedded as given: the reference text
    // (which holds its own prefix) reproduces its vector.
    let item = &items[0];
    let vector = plain.embed_queries(&[item.text.as_str()]).expect("embeds");
    assert!(max_abs_diff(vector.row(0).as_slice().expect("row"), &item.embedding) <= TOLERANCE);
    // Another query prompt puts that prompt in front instead.
    let options = EmbedderOptions {
        prompts: Some(Prompts {
            query: Some("passage: ".into()),
            passage: None,
        }),
        ..Default::default()
    };
    let identity = plain.identity().clone();
    drop(plain);
    let swapped = TextEmbedder::from_dir_with(&dir, options, &crate::device()).expect("loads");
    let passage = items
        .iter()
        .find_map(|item| {
            item.text
                .strip_prefix("passage: ")
                .map(|rest| (rest, &item.embedding))
        })
        .expect("a passage item");
    let vector = swapped.embed_queries(&[passage.0]).expect("embeds");
    assert!(max_abs_diff(vector.row(0).as_slice().expect("row"), passage.1) <= TOLERANCE);
    // Indexes built with other prompts are not comparable.
    assert!(!swapped.identity().compatible_with(&identity));
}

#[test]
fn a_chunk_with_the_prompt_starts_like_the_truncated_prompted_text() {
    let Some((embedder, items)) = setup() else {
        return;
    };
    let long = items
        .iter()
        .max_by_key(|item| item.ids.len())
        .expect("items");
    let rest = long.text.strip_prefix("query: ").expect("a query");
    let tokenizer = embedder
        .tokenizer()
        .clone()
        .with_max_length(64)
        .expect("max");
    let chunks = tokenizer
        .chunk_with_prefix(rest, "query: ", 8)
        .expect("chunks");
    assert!(chunks.len() > 1);
    // The first chunk is the truncated prompted text, token for token.
    let truncated = tokenizer.encode(&long.text).expect("encodes");
    assert_eq!(chunks[0].encoding.ids, truncated.ids);
    assert_eq!(&chunks[0].encoding.ids[..63], &long.ids[..63]);
    assert_eq!(chunks[0].encoding.ids[63], 2, "</s> closes the chunk");
    // Every chunk starts <s> ▁query : and fits the window.
    for chunk in &chunks {
        assert!(chunk.encoding.len() <= 64);
        assert_eq!(&chunk.encoding.ids[..4], &long.ids[..4]);
    }
}

#[test]
fn an_f16_word_table_stays_within_the_parity_budget() {
    let (Some(dir), Some(items)) = (support::e5_dir(), REFERENCE.as_deref()) else {
        return;
    };
    let _one_at_a_time = LOADING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let pretrained = jobfit_model::Pretrained::load(&dir, &crate::device()).expect("loads");
    let fast = jobfit_model::FastEncoder::from_model(&pretrained.model, &pretrained.config)
        .expect("packs")
        .with_f16_word_table(true);
    assert!(fast.has_f16_word_table());
    assert_eq!(fast.word_table_bytes(), 250_037 * 384 * 2);
    let encodings: Vec<_> = items
        .iter()
        .map(|item| pretrained.tokenizer.encode(&item.text).expect("encodes"))
        .collect();
    let inputs: Vec<jobfit_model::SeqInput<'_>> = encodings
        .iter()
        .map(|e| jobfit_model::SeqInput {
            ids: &e.ids,
            type_ids: &e.type_ids,
        })
        .collect();
    let vectors = fast
        .embed(&inputs, jobfit_model::Pooling::Mean, true)
        .expect("embeds");
    let worst = items
        .iter()
        .enumerate()
        .map(|(i, item)| max_abs_diff(&vectors[i * 384..(i + 1) * 384], &item.embedding))
        .fold(0.0f32, f32::max);
    eprintln!("f16 word table: worst max abs diff {worst:e}");
    assert!(worst <= TOLERANCE, "f16 word table: {worst}");
}
