//! Integration tests for the tokenize module: golden token ids from
//! sentence-transformers, pairs, padding, chunking and bad input.

use std::sync::LazyLock;

use jobfit_text::{TextTokenizer, TokenizeError};
use proptest::prelude::*;
use serde_json::Value;

use crate::support;

static TOKENIZER: LazyLock<Option<TextTokenizer>> = LazyLock::new(|| {
    let dir = support::model_dir()?;
    Some(TextTokenizer::from_file(dir.join("tokenizer.json")).expect("tokenizer.json loads"))
});

/// The same tokenizer.json through the `tokenizers` crate directly, with no
/// truncation and no padding: an independent path to the full token ids.
static RAW: LazyLock<Option<tokenizers::Tokenizer>> = LazyLock::new(|| {
    let dir = support::model_dir()?;
    let mut raw = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).expect("loads");
    raw.with_truncation(None).expect("truncation off");
    raw.with_padding(None);
    Some(raw)
});

fn reference() -> Option<Value> {
    let path = support::shared("reference/all-MiniLM-L6-v2.json")?;
    Some(serde_json::from_slice(&std::fs::read(path).expect("reads")).expect("json"))
}

fn ids(value: &Value) -> Vec<u32> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|id| id.as_u64().expect("id") as u32)
        .collect()
}

#[test]
fn token_ids_match_sentence_transformers_at_256_and_128() {
    let (Some(tokenizer), Some(reference)) = (TOKENIZER.as_ref(), reference()) else {
        return;
    };
    let items = reference["items"].as_array().expect("items");
    assert_eq!(items.len(), 20);
    for max_length in [256, 128] {
        let tokenizer = tokenizer
            .clone()
            .with_max_length(max_length)
            .expect("valid max");
        let key = format!("max_len_{max_length}");
        let texts: Vec<&str> = items
            .iter()
            .map(|i| i["text"].as_str().expect("text"))
            .collect();
        let encodings = tokenizer.encode_all(&texts).expect("encodes");
        for (item, encoding) in items.iter().zip(&encodings) {
            let expected = &item[&key];
            assert_eq!(
                encoding.ids,
                ids(&expected["input_ids"]),
                "input_ids of item {} at max length {max_length}",
                item["index"]
            );
            assert_eq!(encoding.type_ids, ids(&expected["token_type_ids"]));
        }
    }
}

#[test]
fn empty_text_is_cls_sep() {
    let Some(tokenizer) = TOKENIZER.as_ref() else {
        return;
    };
    let encoding = tokenizer.encode("").expect("encodes");
    assert_eq!(encoding.ids, vec![101, 102]);
    assert_eq!(encoding.type_ids, vec![0, 0]);
}

#[test]
fn pairs_use_segment_ids_and_fit_the_maximum() {
    let Some(tokenizer) = TOKENIZER.as_ref() else {
        return;
    };
    let tokenizer = tokenizer.clone().with_max_length(16).expect("valid");
    // "rust engineer" -> 2 tokens, "senior" -> 1 token (uncased WordPiece).
    let short = tokenizer
        .encode_pair("rust engineer", "senior")
        .expect("encodes");
    assert_eq!(short.ids.len(), 2 + 1 + 3);
    assert_eq!(short.ids[0], 101);
    assert_eq!(short.type_ids, vec![0, 0, 0, 0, 1, 1]);
    assert_eq!(short.ids.iter().filter(|&&id| id == 102).count(), 2);

    let long_a = "data ".repeat(40);
    let long = tokenizer
        .encode_pair(&long_a, "rust engineer")
        .expect("encodes");
    assert_eq!(long.ids.len(), 16);
    // Longest-first truncation keeps the short second text whole.
    assert_eq!(long.type_ids.iter().filter(|&&t| t == 1).count(), 3);
}

#[test]
fn batch_pads_to_longest_with_mask() {
    let Some(tokenizer) = TOKENIZER.as_ref() else {
        return;
    };
    let batch = tokenizer
        .encode_batch(&["senior rust engineer", "", "nurse"])
        .expect("encodes");
    assert_eq!(batch.batch_size(), 3);
    assert_eq!(batch.seq_len(), 5);
    assert_eq!(batch.lengths, vec![5, 2, 3]);
    assert_eq!(batch.attention_mask.row(1).to_vec(), vec![1, 1, 0, 0, 0]);
    assert_eq!(batch.input_ids.row(1).to_vec(), vec![101, 102, 0, 0, 0]);
}

#[test]
fn chunks_cover_a_long_document_exactly() {
    let (Some(tokenizer), Some(raw)) = (TOKENIZER.as_ref(), RAW.as_ref()) else {
        return;
    };
    let tokenizer = tokenizer.clone().with_max_length(32).expect("valid");
    let text = "Managed payroll for 300 employees; reconciled ledgers in SAP. ".repeat(50);
    let full = raw.encode(text.as_str(), false).expect("encodes");
    let full_ids = full.get_ids();
    let chunks = tokenizer.chunk(&text, 8).expect("chunks");
    assert!(chunks.len() > 10);
    let mut covered = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(chunk.index, i);
        assert!(chunk.encoding.len() <= 32);
        assert_eq!(chunk.encoding.ids.first(), Some(&101));
        assert_eq!(chunk.encoding.ids.last(), Some(&102));
        assert!(chunk.token_range.start <= covered, "gap before chunk {i}");
        assert_eq!(
            &chunk.encoding.ids[1..chunk.encoding.len() - 1],
            &full_ids[chunk.token_range.clone()]
        );
        if i > 0 {
            assert_eq!(chunk.token_range.start, covered - 8, "stride overlap");
        }
        covered = chunk.token_range.end;
    }
    assert_eq!(covered, full_ids.len());
}

#[test]
fn chunk_all_maps_chunks_to_documents() {
    let Some(tokenizer) = TOKENIZER.as_ref() else {
        return;
    };
    let tokenizer = tokenizer.clone().with_max_length(16).expect("valid");
    let docs = ["short one", &"word ".repeat(40), ""];
    let chunks = tokenizer.chunk_all(&docs, 2).expect("chunks");
    let docs_seen: Vec<usize> = chunks.iter().map(|c| c.doc).collect();
    assert_eq!(docs_seen.first(), Some(&0));
    assert_eq!(docs_seen.last(), Some(&2));
    assert!(docs_seen.windows(2).all(|w| w[0] <= w[1]));
    // 40 tokens, windows of 14 with overlap 2 -> starts 0, 12, 24, 36.
    assert_eq!(docs_seen.iter().filter(|&&d| d == 1).count(), 4);
    // The empty document gives one chunk of special tokens.
    assert_eq!(
        chunks.last().map(|c| c.encoding.ids.clone()),
        Some(vec![101, 102])
    );
}

#[test]
fn five_megabyte_resume_truncates_and_chunks() {
    let (Some(tokenizer), Some(raw)) = (TOKENIZER.as_ref(), RAW.as_ref()) else {
        return;
    };
    let paragraph = "Experienced registered nurse with ICU and emergency care background.\n";
    let text = paragraph.repeat(5 * 1024 * 1024 / paragraph.len());
    assert!(text.len() > 5_000_000);
    let head = raw.encode(&text[..4096], false).expect("encodes");
    let encoding = tokenizer.encode(&text).expect("encodes");
    assert_eq!(encoding.len(), 256);
    assert_eq!(&encoding.ids[1..255], &head.get_ids()[..254]);

    let chunks = tokenizer.chunk(&text, 0).expect("chunks");
    let per_paragraph = raw.encode(paragraph, false).expect("encodes").len();
    let total = chunks.last().map(|c| c.token_range.end).unwrap_or(0);
    assert_eq!(total, per_paragraph * (5 * 1024 * 1024 / paragraph.len()));
    assert!(chunks.iter().all(|c| c.encoding.len() <= 256));
}

#[test]
fn bad_input_is_a_typed_error() {
    let dir = std::env::temp_dir().join(format!("jobfit-tok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let malformed = dir.join("tokenizer.json");
    std::fs::write(&malformed, b"{\"version\": \"1.0\", \"model\": 12}").expect("writes");
    let error = TextTokenizer::from_file(&malformed).expect_err("malformed");
    assert!(matches!(error, TokenizeError::Malformed { .. }), "{error}");
    assert!(error.to_string().contains("tokenizer.json"));

    let missing = dir.join("absent.json");
    let error = TextTokenizer::from_file(&missing).expect_err("missing");
    assert!(matches!(error, TokenizeError::Read { .. }));
    assert!(error.to_string().contains("absent.json"));

    let Some(tokenizer) = TOKENIZER.as_ref() else {
        return;
    };
    assert!(matches!(
        tokenizer.clone().with_max_length(3),
        Err(TokenizeError::MaxLengthTooSmall { minimum: 5, .. })
    ));
    assert!(matches!(
        tokenizer
            .clone()
            .with_max_length(16)
            .expect("valid")
            .chunk("text", 14),
        Err(TokenizeError::StrideTooLarge {
            stride: 14,
            window: 14
        })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn encodings_never_exceed_the_maximum(text in any::<String>(), other in any::<String>(), max in 5usize..40) {
        let Some(tokenizer) = TOKENIZER.as_ref() else { return Ok(()) };
        let tokenizer = tokenizer.clone().with_max_length(max).expect("valid");
        let single = tokenizer.encode(&text).expect("encodes");
        prop_assert!(single.len() <= max && single.len() >= 2);
        let pair = tokenizer.encode_pair(&text, &other).expect("encodes");
        prop_assert!(pair.len() <= max && pair.len() >= 3);
    }

    #[test]
    fn chunks_cover_every_token(words in proptest::collection::vec("[a-z]{1,12}|[0-9]{1,4}|[.,;!?]|\\PC{1,3}", 0..200), stride in 0usize..10) {
        let (Some(tokenizer), Some(raw)) = (TOKENIZER.as_ref(), RAW.as_ref()) else { return Ok(()) };
        let tokenizer = tokenizer.clone().with_max_length(16).expect("valid");
        let text = words.join(" ");
        let full = raw.encode(text.as_str(), false).expect("encodes");
        let chunks = tokenizer.chunk(&text, stride).expect("chunks");
        let mut covered = 0;
        for chunk in &chunks {
            prop_assert!(chunk.token_range.start <= covered);
            prop_assert!(chunk.encoding.len() <= 16);
            prop_assert_eq!(&chunk.encoding.ids[1..chunk.encoding.len() - 1], &full.get_ids()[chunk.token_range.clone()]);
            covered = covered.max(chunk.token_range.end);
        }
        prop_assert_eq!(covered, full.get_ids().len());
    }
}
