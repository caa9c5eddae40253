//! Measures garbage detection: false refusals on the shared real texts, and
//! the detection rate on each kind of garbage.
//!
//! ```text
//! cargo run --release -p jobfit-text --example garbage_rates -- [DIR...]
//! ```
//!
//! The real texts are every field of the LiveCareer resumes, the 51job and
//! Google postings and the Chinese resume sentences in `../shared/data`.
//! The garbage is random bytes, the heads (4 KiB) of binary files found
//! under the given directories (default `/usr/lib /usr/share`; a file is
//! binary when its head is not UTF-8 or holds a NUL byte), and the real
//! texts with non-ASCII characters saved in a legacy encoding that holds
//! them all (GBK, Big5, Shift_JIS, Windows-1252).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jobfit_text::{GarbageError, check_text, decode_text};

fn shared(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative)
}

/// Every non-empty field of the shared real data, by source.
fn real_texts() -> Result<Vec<(&'static str, String)>> {
    let mut texts = Vec::new();
    for (file, source) in [
        ("resumes-livecareer/train.csv", "livecareer resumes"),
        ("zh-51job/jobs.csv", "51job postings (zh)"),
        ("google-job-skills/job_skills.csv", "google postings"),
    ] {
        let path = shared(file);
        let mut reader =
            csv::Reader::from_path(&path).with_context(|| path.display().to_string())?;
        for record in reader.records() {
            for field in record?.iter().filter(|field| !field.is_empty()) {
                texts.push((source, field.to_string()));
            }
        }
    }
    for split in ["train", "dev", "test"] {
        let path = shared(&format!("zh-resume-ner/{split}.char.bmes"));
        let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        for sentence in text.split("\n\n") {
            let chars: String = sentence
                .lines()
                .filter_map(|line| line.split(' ').next())
                .collect();
            if !chars.is_empty() {
                texts.push(("zh resume sentences", chars));
            }
        }
    }
    Ok(texts)
}

#[derive(Default)]
struct Tally {
    total: usize,
    refused: usize,
    kinds: BTreeMap<&'static str, usize>,
}

impl Tally {
    fn add(&mut self, result: &Result<String, GarbageError>) {
        self.total += 1;
        if let Err(error) = result {
            self.refused += 1;
            let kind = match error {
                GarbageError::Binary {
                    format: Some(_), ..
                } => "named format",
                GarbageError::Binary { format: None, .. } => "binary",
                GarbageError::LegacyEncoding { .. } => "legacy encoding",
                GarbageError::Unreadable(_) => "unreadable",
                _ => "other",
            };
            *self.kinds.entry(kind).or_default() += 1;
        }
    }

    fn row(&self, name: &str) {
        let rate = 100.0 * self.refused as f64 / self.total.max(1) as f64;
        let kinds: Vec<String> = self.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "| {name} | {} | {} | {rate:.1}% | {} |",
            self.total,
            self.refused,
            kinds.join(", ")
        );
    }
}

fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Files with a binary extension under `dir`, at most `limit`.
fn binary_files(dir: &Path, out: &mut Vec<PathBuf>, limit: usize) {
    const EXTENSIONS: &[&str] = &[
        "png", "jpg", "jpeg", "gif", "webp", "pdf", "gz", "bz2", "xz", "zst", "zip", "jar", "whl",
        "so", "docx", "xlsx", "odt", "db", "sqlite", "ttf", "otf", "woff", "ico", "mo",
    ];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if out.len() >= limit {
            return;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            binary_files(&path, out, limit);
        } else if kind.is_file()
            && path
                .extension()
                .and_then(|ext| ext.to_str())
                .is_some_and(|ext| EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
}

fn main() -> Result<()> {
    let texts = real_texts()?;
    println!("## Real texts (false refusals)\n");
    println!("| set | texts | refused by check_text | refused by decode_text |");
    println!("| --- | ---: | ---: | ---: |");
    let mut by_source: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (source, text) in &texts {
        let entry = by_source.entry(source).or_default();
        entry.0 += 1;
        if let Err(error) = check_text(text) {
            entry.1 += 1;
            eprintln!("refused ({source}): {error}");
        }
        if let Err(error) = decode_text(text.as_bytes()) {
            entry.2 += 1;
            eprintln!("refused ({source}): {error}");
        }
    }
    for (source, (n, checked, decoded)) in &by_source {
        println!("| {source} | {n} | {checked} | {decoded} |");
    }

    println!("\n## Garbage (detection by decode_text)\n");
    println!("| kind | samples | refused | rate | refused as |");
    println!("| --- | ---: | ---: | ---: | --- |");
    for (name, lengths) in [
        ("random bytes, 1-15 B", 1..16),
        ("random bytes, 16-63 B", 16..64),
        ("random bytes, 64 B-64 KiB", 64..65_536),
    ] {
        let mut tally = Tally::default();
        for seed in 0..2000_u64 {
            let span = (lengths.end - lengths.start) as u64;
            let len = lengths.start + (seed.wrapping_mul(7919) % span) as usize;
            tally.add(&decode_text(&random_bytes(seed + 1, len)));
        }
        tally.row(name);
    }
    let mut tally = Tally::default();
    for seed in 0..2000_u64 {
        let bytes = random_bytes(seed + 1, 64 + (seed as usize * 13) % 4000);
        let lossy = String::from_utf8_lossy(&bytes);
        tally.add(&check_text(&lossy).map(|()| String::new()));
    }
    tally.row("random bytes read lossily, 64 B-4 KiB (check_text)");

    let dirs: Vec<PathBuf> = {
        let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
        if args.is_empty() {
            vec!["/usr/lib".into(), "/usr/share".into()]
        } else {
            args
        }
    };
    let mut files = Vec::new();
    for dir in &dirs {
        binary_files(dir, &mut files, 20_000);
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/garbage");
    for entry in std::fs::read_dir(fixtures)?.flatten() {
        files.push(entry.path());
    }
    let mut by_extension: BTreeMap<String, Tally> = BTreeMap::new();
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let head = &bytes[..bytes.len().min(4096)];
        // Binary by a definition independent of the detector: not UTF-8 (a
        // character cut at the 4 KiB boundary aside), or holding a NUL.
        let utf8 = match std::str::from_utf8(head) {
            Ok(_) => true,
            Err(error) => error.error_len().is_none(),
        };
        if utf8 && !head.contains(&0) {
            continue;
        }
        let extension = path
            .extension()
            .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let result = decode_text(head);
        if result.is_ok() {
            eprintln!("accepted binary file {}", path.display());
        }
        by_extension.entry(extension).or_default().add(&result);
    }
    for (extension, tally) in &by_extension {
        tally.row(&format!("binary files .{extension} (first 4 KiB)"));
    }

    let encodings = [
        ("GBK", encoding_rs::GBK),
        ("Big5", encoding_rs::BIG5),
        ("Shift_JIS", encoding_rs::SHIFT_JIS),
        ("Windows-1252", encoding_rs::WINDOWS_1252),
    ];
    for (name, encoding) in encodings {
        let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
        for (source, text) in &texts {
            if text.is_ascii() {
                continue;
            }
            let (bytes, _, unmappable) = encoding.encode(text);
            // Texts the encoding cannot hold whole are left out: the encoder
            // writes their other characters as ASCII `&#NNNN;`.
            if unmappable || bytes.as_ref() == text.as_bytes() {
                continue;
            }
            let chars = text.chars().count();
            let size = match chars {
                0..=7 => "1-7 chars",
                8..=31 => "8-31 chars",
                _ => "32+ chars",
            };
            groups
                .entry(format!("{source} in {name}, {size}"))
                .or_default()
                .add(&decode_text(&bytes));
        }
        for (group, tally) in &groups {
            tally.row(group);
        }
    }
    Ok(())
}
