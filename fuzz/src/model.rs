//! The fuzz targets that need the model, match and train crates: datasets,
//! catalogs, index directories and checkpoints.

use std::fs;
use std::path::Path;

use jobfit_match::eval::read_queries;
use jobfit_match::{Catalog, JobIndex};
use jobfit_model::{
    BertConfig, CheckpointMeta, ClassificationHead, ClassificationHeadConfig, EmbeddingHead,
    EmbeddingHeadConfig, ModelFiles, PairScoringHead, PairScoringHeadConfig, SavedHead,
    WeightReader,
};
use jobfit_text::JobColumns;
use jobfit_train::{PairColumns, PairDataset, RerankDataset, TextColumns, TextDataset};

use crate::{read_options, scratch_dir, write_files};

/// The dataset readers of training and evaluation: the first byte picks the
/// reader and the file's extension (bits 0-2) and the options (bits 3-7).
///
/// Properties: a reader loads or returns an error; pairs read have a
/// non-blank anchor and positive; queries have a non-blank query.
pub fn pairs(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let options = read_options(flags >> 3);
    let extension = ["csv", "tsv", "jsonl"][usize::from(flags & 7) % 3];
    let dir = scratch_dir();
    let path = dir.join(format!("input.{extension}"));
    fs::write(&path, rest).expect("the scratch directory is writable");
    match flags & 7 {
        0..=2 => {
            if let Ok(dataset) = PairDataset::read(&path, &PairColumns::default(), options) {
                for pair in dataset.pairs() {
                    assert!(!pair.anchor.trim().is_empty(), "a pair with a blank anchor");
                    assert!(
                        !pair.positive.trim().is_empty(),
                        "a pair with a blank positive"
                    );
                }
            }
        }
        3..=5 => {
            if let Ok(dataset) = TextDataset::read(&path, &TextColumns::default(), options) {
                let _ = dataset.label_map();
            }
        }
        6 => {
            if let Ok(queries) = read_queries(&path) {
                assert!(!queries.is_empty(), "a query set without queries loaded");
            }
        }
        _ => {
            let _ = RerankDataset::read_jsonl(&path).map_err(|error| error.to_string());
        }
    }
}

/// The catalog loaders: bit 0 of the first byte picks CSV (through a file)
/// over JSON lines (from a string).
///
/// Properties: a catalog has jobs with unique ids that `by_id` finds, and
/// written as JSON lines it reads back the same.
pub fn catalog(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let loaded = if flags & 1 == 0 {
        let text = String::from_utf8_lossy(rest);
        Catalog::from_jsonl_str("fuzz.jsonl", &text)
    } else {
        let path = scratch_dir().join("jobs.csv");
        fs::write(&path, rest).expect("the scratch directory is writable");
        Catalog::from_csv(&path, &JobColumns::default())
    };
    let catalog = match loaded {
        Ok(catalog) => catalog,
        Err(error) => return drop(error.to_string()),
    };
    assert!(!catalog.is_empty(), "an empty catalog loaded");
    for (position, job) in catalog.jobs().iter().enumerate() {
        assert_eq!(
            catalog.position(&job.id),
            Some(position),
            "ids are not unique"
        );
    }
    let jsonl = catalog.to_jsonl().expect("a catalog writes as JSON lines");
    let back = Catalog::from_jsonl_str("back.jsonl", &jsonl)
        .unwrap_or_else(|error| panic!("a catalog does not read back: {error}\n{jsonl}"));
    assert_eq!(
        back.jobs(),
        catalog.jobs(),
        "a catalog does not read back the same"
    );
}

/// Sets `bytes` and `xxh3` of every `{"file": NAME, ...}` object in a
/// manifest to those of the file written, so that the fuzzer gets past the
/// checksums.
fn fix_checksums(value: &mut serde_json::Value, dir: &Path) {
    match value {
        serde_json::Value::Object(map) => {
            let file = map.get("file").and_then(|f| f.as_str()).map(str::to_owned);
            if let Some(file) = file
                && let Ok(bytes) = fs::read(dir.join(&file))
            {
                let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes));
                if map.contains_key("bytes") {
                    map.insert("bytes".into(), (bytes.len() as u64).into());
                }
                if map.contains_key("xxh3") {
                    map.insert("xxh3".into(), hash.into());
                }
            }
            for child in map.values_mut() {
                fix_checksums(child, dir);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                fix_checksums(item, dir);
            }
        }
        _ => {}
    }
}

/// The index directory loader on a directory of files (see
/// [`crate::files`]); unless bit 0 of the first byte is set, the checksums
/// recorded in `index.json` are made to match the files.
///
/// Properties: `JobIndex::load` loads or returns an error; a loaded index has
/// one vector per job.
pub fn index(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (dir, _names) = write_files(rest);
    if flags & 1 == 0 {
        let manifest = dir.join("index.json");
        if let Ok(bytes) = fs::read(&manifest)
            && let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes)
        {
            fix_checksums(&mut value, &dir);
            let fixed = serde_json::to_vec(&value).expect("a JSON value serializes");
            fs::write(&manifest, fixed).expect("the scratch directory is writable");
        }
    }
    match JobIndex::load(&dir) {
        Ok(index) => {
            assert!(!index.is_empty(), "an empty index loaded");
            let _ = index.model();
        }
        Err(error) => drop(error.to_string()),
    }
}

/// The checkpoint loaders, up to the point where tensors are made (the
/// targets pick no backend). The first byte picks (bits 0-1):
/// 0. `config.json` through `BertConfig::from_file` (the input is files, see
///    [`crate::files`]);
/// 1. the whole input as a safetensors file through `WeightReader::from_bytes`;
/// 2. a model directory through `ModelFiles::locate` (the sentence-transformers
///    files `sentence_bert_config.json`, `1_Pooling/config.json`, ...), then
///    its `config.json`;
/// 3. the whole input as `jobfit.json`, read as `load_checkpoint` reads it:
///    `CheckpointMeta`, then the head configuration of its kind.
///
/// Properties: each loads or returns an error; a config loaded validates.
pub fn checkpoint(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    match flags & 3 {
        0 => {
            let (dir, _) = write_files(rest);
            if let Ok(config) = BertConfig::from_file(dir.join("config.json")) {
                assert!(
                    config.validate().is_ok(),
                    "a loaded config does not validate"
                );
            }
        }
        1 => {
            if let Ok(reader) = WeightReader::from_bytes(rest, Path::new("model.safetensors")) {
                drop(reader);
            }
        }
        2 => {
            let (dir, _) = write_files(rest);
            if let Ok(files) = ModelFiles::locate(&dir).map_err(|error| error.to_string()) {
                if let Ok(config) = BertConfig::from_file(&files.config) {
                    assert!(
                        config.validate().is_ok(),
                        "a loaded config does not validate"
                    );
                }
            }
        }
        _ => {
            let Ok(meta) = serde_json::from_slice::<CheckpointMeta>(rest) else {
                return;
            };
            let config = meta.head_config.clone();
            let _ = match meta.head_kind.as_str() {
                ClassificationHead::KIND => {
                    serde_json::from_value::<ClassificationHeadConfig>(config).map(drop)
                }
                PairScoringHead::KIND => {
                    serde_json::from_value::<PairScoringHeadConfig>(config).map(drop)
                }
                EmbeddingHead::KIND => {
                    serde_json::from_value::<EmbeddingHeadConfig>(config).map(drop)
                }
                _ => Ok(()),
            };
        }
    }
}

/// Writes a seed for the index target into `out/index`: a real three-job
/// index saved by the library, packed with [`crate::join_files`].
///
/// # Errors
///
/// A message when saving or writing fails.
pub fn write_seeds(out: &Path) -> Result<(), String> {
    use jobfit_match::{ExactIndex, JobFields};
    use jobfit_model::{ModelIdentity, Pooling};

    let error = |e: &dyn std::fmt::Display| e.to_string();
    let work = scratch_dir();
    let packed = |dir: &Path, names: &[&str], flag: u8| -> Result<Vec<u8>, String> {
        let mut contents = Vec::new();
        for name in names {
            contents.push((*name, fs::read(dir.join(name)).map_err(|e| error(&e))?));
        }
        let borrowed: Vec<(&str, &[u8])> =
            contents.iter().map(|(n, c)| (*n, c.as_slice())).collect();
        let mut seed = vec![flag];
        seed.extend(crate::join_files(&borrowed));
        Ok(seed)
    };
    let write = |target: &str, name: &str, bytes: &[u8]| -> Result<(), String> {
        let dir = out.join(target);
        fs::create_dir_all(&dir).map_err(|e| error(&e))?;
        fs::write(dir.join(name), bytes).map_err(|e| error(&e))
    };

    // The index.
    let jobs = "{\"id\":\"1\",\"title\":\"Data Engineer\",\"skills\":[\"SQL\",\"Spark\"],\"location\":\"Berlin\"}\n\
                {\"id\":\"2\",\"title\":\"Registered Nurse\",\"description\":\"ICU care\",\"salary_min\":50000}\n\
                {\"id\":\"3\",\"title\":\"大数据开发工程师\",\"aliases\":[\"Big data engineer\"],\"metadata\":{\"company\":\"51job\"}}\n";
    let catalog = Catalog::from_jsonl_str("jobs.jsonl", jobs).map_err(|e| error(&e))?;
    let vectors = ExactIndex::from_flat(
        4,
        vec![0.5, 0.5, 0.5, 0.5, 1.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.8, 0.0],
    )
    .map_err(|e| error(&e))?;
    let identity = ModelIdentity {
        name: "tiny".into(),
        weights_hash: "0123456789abcdef".into(),
        dim: 4,
        pooling: Pooling::Mean,
        normalize: true,
        max_length: 16,
        prompts: Default::default(),
    };
    let index = JobIndex::from_parts(catalog, vectors, identity, JobFields::default())
        .map_err(|e| error(&e))?;
    let index_dir = work.join("index");
    index.save(&index_dir).map_err(|e| error(&e))?;
    let mut names: Vec<String> = fs::read_dir(&index_dir)
        .map_err(|e| error(&e))?
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    write("index", "saved", &packed(&index_dir, &names, 0)?)?;

    Ok(())
}
