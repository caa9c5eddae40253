//! Inputs found by the fuzz targets (`fuzz/`, `scripts/fuzz.sh`), kept as
//! regression tests: each pins down how the parser treats the input.

use std::io::Cursor;

use jobfit_text::{CsvTable, DataSource, ReadOptions, check_text, decode_text};

/// `garbage` target: UTF-8 text whose every other byte is NUL is read as
/// UTF-16 without a byte-order mark, not as UTF-8 with NUL controls.
#[test]
fn nul_patterned_utf8_is_read_as_utf16() {
    let bytes = b"J\0a\0n\0e\0 \0D\0o\0e\0 \0-\0 \0n\0u\0r\0s\0e\0";
    assert!(std::str::from_utf8(bytes).is_ok());
    assert_eq!(decode_text(bytes).unwrap(), "Jane Doe - nurse");
    // An odd trailing byte is replaced, and the result is still checked.
    let odd = b"J\0a\0n\0e\0 \0D\0o\0e \x20";
    // (The last full pair, `e` and a space, is U+2065, unassigned: two odd
    // characters are too few to refuse the text.)
    let text = decode_text(odd).unwrap();
    assert_eq!(text, "Jane Do\u{2065}\u{FFFD}");
    assert!(check_text(&text).is_ok());
    // Found by the fuzzer: U+011F and U+2014 among ASCII, little-endian.
    let found = b"3\0e\0\x1F\x01D\0o\0~\0 \0\x14 ";
    assert_eq!(decode_text(found).unwrap(), "3e\u{11F}Do~ \u{2014}");
}

/// `records` target: a CSV whose records end in bare `\r` (old Mac line
/// endings) yields one row per line at most, and ends.
#[test]
fn carriage_return_records_end() {
    let input = b"tttt\r\r\r\r\r\r\xD0\xD0\xD0\xD0\xD0\xD0\xD0\r\t\raa".to_vec();
    let options = ReadOptions::default()
        .with_delimiter(b'|')
        .with_quoting(false);
    let table = CsvTable::from_source(
        DataSource::from_reader("fuzzed.csv", Cursor::new(input.clone())),
        options,
    )
    .unwrap();
    assert_eq!(table.headers(), ["tttt"]);
    let rows: Vec<_> = table.rows().collect();
    let lines = input.iter().filter(|&&b| b == b'\r').count();
    assert!(rows.len() <= lines, "{} rows for {lines} lines", rows.len());
    // The invalid UTF-8 row is an error that names its line; the others are read.
    assert!(rows.iter().any(Result::is_err));
    assert!(rows.iter().any(Result::is_ok));
}
