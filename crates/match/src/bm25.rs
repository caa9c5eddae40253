//! [`Bm25`]: Okapi BM25 over job texts, the lexical half of hybrid scoring.
//!
//! Terms are lower-cased alphanumeric runs (`c++` and `c#` keep their sign,
//! `node.js` is one term), with a short list of English stop words removed;
//! there is no stemming. Chinese, Japanese and Korean text has no spaces
//! between words: a run of such characters gives its overlapping character
//! bigrams (`数据分析师` -> `数据 据分 分析 析师`; a lone character is a term
//! of its own), which measured better than words from a segmenter on Chinese
//! job postings (see `eval/README.md`). Scores use Lucene's idf,
//! `ln(1 + (N - df + 0.5) / (df + 0.5))`, and the usual
//! `tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg_len))`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{MatchError, Result};
use crate::vector::{PositionFilter, TopK};

/// Words too common to tell jobs apart.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "that", "the", "to", "was", "were", "will", "with", "our",
    "you", "your", "we", "this", "these", "their", "they", "i", "my", "me", "am", "but", "not",
    "all", "any", "such", "other", "into", "than", "then", "also", "may", "can", "e.g", "etc",
];

/// The BM25 parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Bm25Params {
    /// Term-frequency saturation. Default 1.2.
    pub k1: f32,
    /// Length normalization, 0 (none) to 1 (full). Default 0.75.
    pub b: f32,
}

impl Default for Bm25Params {
    fn default() -> Self {
        Self { k1: 1.2, b: 0.75 }
    }
}

impl Bm25Params {
    fn validate(&self) -> Result<()> {
        if !(self.k1.is_finite() && self.k1 >= 0.0) {
            return Err(MatchError::InvalidOption {
                name: "bm25 k1",
                value: self.k1.to_string(),
                reason: "use a finite value >= 0 (default 1.2)".into(),
            });
        }
        if !(0.0..=1.0).contains(&self.b) {
            return Err(MatchError::InvalidOption {
                name: "bm25 b",
                value: self.b.to_string(),
                reason: "use a value in [0, 1] (default 0.75)".into(),
            });
        }
        Ok(())
    }
}

/// An inverted index of documents scored with BM25.
///
/// ```
/// use jobfit_match::{Bm25, Bm25Params};
///
/// let bm25 = Bm25::new(&["rust engineer", "registered nurse", "rust and go engineer"], Bm25Params::default())?;
/// let hits = bm25.search("Rust engineer", 10, None);
/// assert_eq!(hits.iter().map(|hit| hit.0).collect::<Vec<_>>(), [0, 2]);
/// # Ok::<(), jobfit_match::MatchError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Bm25 {
    params: Bm25Params,
    /// Term to postings `(document, term frequency)`, documents ascending.
    postings: HashMap<String, Vec<(u32, u32)>>,
    /// Document -> its number of terms (0 for a free slot).
    lengths: Vec<u32>,
    /// Document -> whether the slot holds a document.
    present: Vec<bool>,
    /// The number of documents held.
    live: usize,
    /// The sum of the held documents' lengths.
    total_len: u64,
    avg_len: f32,
}

/// Whether `c` is written without spaces between words: Han, kana, Hangul.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{3040}'..='\u{30FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7AF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2FFFF}'
    )
}

/// Pushes the terms of a run of CJK characters: its bigrams, or the
/// character itself when the run has one.
fn push_cjk(out: &mut Vec<String>, run: &[char]) {
    match run {
        [] => {}
        [single] => out.push(single.to_string()),
        _ => out.extend(run.windows(2).map(|pair| pair.iter().collect::<String>())),
    }
}

/// The terms of a text, in order, stop words removed: lower-cased words,
/// and the character bigrams of CJK runs.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut run: Vec<char> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_is_alnum = chars
            .get(i + 1)
            .is_some_and(|&n| n.is_alphanumeric() && !is_cjk(n));
        if is_cjk(c) {
            if !current.is_empty() {
                push_term(&mut out, std::mem::take(&mut current));
            }
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            push_cjk(&mut out, &run);
            run.clear();
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if !current.is_empty() && (c == '+' || c == '#') {
            // `c++`, `c#`: the sign belongs to the term.
            current.push(c);
        } else if !current.is_empty() && c == '.' && next_is_alnum {
            // `node.js`, `asp.net`: one term.
            current.push(c);
        } else if !current.is_empty() {
            push_term(&mut out, std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        push_term(&mut out, current);
    }
    push_cjk(&mut out, &run);
    out
}

fn push_term(out: &mut Vec<String>, term: String) {
    if !STOP_WORDS.contains(&term.as_str()) {
        out.push(term);
    }
}

impl Bm25 {
    /// Indexes documents; document `i` is `texts[i]`.
    ///
    /// # Errors
    ///
    /// [`MatchError::InvalidOption`] for bad parameters or more than
    /// `u32::MAX` documents.
    pub fn new<S: AsRef<str>>(texts: &[S], params: Bm25Params) -> Result<Self> {
        params.validate()?;
        if u32::try_from(texts.len()).is_err() {
            return Err(MatchError::InvalidOption {
                name: "bm25 documents",
                value: texts.len().to_string(),
                reason: "at most 4,294,967,295 documents".into(),
            });
        }
        Ok(Self::build(texts, params))
    }

    /// Indexes documents with parameters already checked and at most
    /// `u32::MAX` documents (a larger catalog would not fit in memory).
    pub(crate) fn build<S: AsRef<str>>(texts: &[S], params: Bm25Params) -> Self {
        let mut bm25 = Self::empty(params);
        for (doc, text) in texts.iter().enumerate() {
            bm25.insert(doc, text.as_ref());
        }
        bm25
    }

    /// Indexes documents in slots: slot `i` holds `texts[i]`, or nothing
    /// for `None` (a free position of an index). Scores are those of
    /// [`Bm25::build`] over the held documents alone.
    pub(crate) fn build_slots<S: AsRef<str>>(texts: &[Option<S>], params: Bm25Params) -> Self {
        let mut bm25 = Self::empty(params);
        for (doc, text) in texts.iter().enumerate() {
            if let Some(text) = text {
                bm25.insert(doc, text.as_ref());
            }
        }
        bm25
    }

    fn empty(params: Bm25Params) -> Self {
        Self {
            params,
            postings: HashMap::new(),
            lengths: Vec::new(),
            present: Vec::new(),
            live: 0,
            total_len: 0,
            avg_len: 0.0,
        }
    }

    /// The term counts of a text, terms ascending (a fixed order, so that
    /// removing a text visits what inserting it did).
    fn counts(text: &str) -> (u32, Vec<(String, u32)>) {
        let doc_terms = terms(text);
        let len = u32::try_from(doc_terms.len()).unwrap_or(u32::MAX);
        let mut counts: HashMap<String, u32> = HashMap::new();
        for term in doc_terms {
            *counts.entry(term).or_default() += 1;
        }
        let mut counts: Vec<(String, u32)> = counts.into_iter().collect();
        counts.sort_unstable();
        (len, counts)
    }

    /// Puts `text` in slot `doc`, which must be free (see [`Bm25::remove`]).
    /// `doc` must fit in `u32`.
    pub(crate) fn insert(&mut self, doc: usize, text: &str) {
        debug_assert!(!self.present.get(doc).copied().unwrap_or(false));
        let (len, counts) = Self::counts(text);
        // `doc` fits in u32: checked by `new`, or stated by the caller.
        let key = doc as u32;
        for (term, count) in counts {
            let list = self.postings.entry(term).or_default();
            match list.last() {
                // The common case (building in order): append.
                None => list.push((key, count)),
                Some(&(last, _)) if last < key => list.push((key, count)),
                _ => {
                    let at = list.partition_point(|&(d, _)| d < key);
                    list.insert(at, (key, count));
                }
            }
        }
        if self.lengths.len() <= doc {
            self.lengths.resize(doc + 1, 0);
            self.present.resize(doc + 1, false);
        }
        self.lengths[doc] = len;
        self.present[doc] = true;
        self.live += 1;
        self.total_len += u64::from(len);
        self.update_avg();
    }

    /// Empties slot `doc`, which holds `text` (the text it was given).
    pub(crate) fn remove(&mut self, doc: usize, text: &str) {
        if !self.present.get(doc).copied().unwrap_or(false) {
            return;
        }
        let (_, counts) = Self::counts(text);
        let key = doc as u32;
        for (term, _) in counts {
            if let Some(list) = self.postings.get_mut(&term) {
                if let Ok(at) = list.binary_search_by_key(&key, |&(d, _)| d) {
                    list.remove(at);
                }
                if list.is_empty() {
                    self.postings.remove(&term);
                }
            }
        }
        self.total_len -= u64::from(self.lengths[doc]);
        self.lengths[doc] = 0;
        self.present[doc] = false;
        self.live -= 1;
        self.update_avg();
    }

    fn update_avg(&mut self) {
        self.avg_len = if self.live == 0 {
            0.0
        } else {
            (self.total_len as f64 / self.live as f64) as f32
        };
    }

    /// The parameters.
    pub fn params(&self) -> Bm25Params {
        self.params
    }

    /// The number of documents.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there is no document.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The inverse document frequency of a term (0 for an unknown term).
    pub fn idf(&self, term: &str) -> f32 {
        let n = self.live as f32;
        match self.postings.get(term) {
            Some(list) => {
                let df = list.len() as f32;
                (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
            }
            None => 0.0,
        }
    }

    /// The BM25 score of every document for `query` (0 where no term matches).
    pub fn scores(&self, query: &str) -> Vec<f32> {
        let mut scores = vec![0.0f32; self.lengths.len()];
        let mut query_terms = terms(query);
        query_terms.sort();
        query_terms.dedup();
        let Bm25Params { k1, b } = self.params;
        let avg_len = self.avg_len.max(f32::MIN_POSITIVE);
        for term in &query_terms {
            let Some(list) = self.postings.get(term) else {
                continue;
            };
            let idf = self.idf(term);
            for &(doc, tf) in list {
                let doc = doc as usize;
                let tf = tf as f32;
                let len = self.lengths[doc] as f32;
                let norm = k1 * (1.0 - b + b * len / avg_len);
                scores[doc] += idf * tf * (k1 + 1.0) / (tf + norm);
            }
        }
        scores
    }

    /// The `k` best documents with a positive score, best first.
    pub fn search(
        &self,
        query: &str,
        k: usize,
        filter: Option<PositionFilter<'_>>,
    ) -> Vec<(usize, f32)> {
        let mut top = TopK::new(k);
        for (doc, score) in self.scores(query).into_iter().enumerate() {
            if score > 0.0 && filter.is_none_or(|keep| keep(doc)) {
                top.push(doc, score);
            }
        }
        top.into_sorted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_keep_programming_signs_and_drop_stop_words() {
        assert_eq!(
            terms("C++ and C# with Node.js, SQL. The end"),
            ["c++", "c#", "node.js", "sql", "end"]
        );
    }

    #[test]
    fn cjk_runs_give_bigrams_and_latin_words_stay_whole() {
        assert_eq!(
            terms("3年Java开发经验，熟悉Spring Boot"),
            [
                "3", "年", "java", "开发", "发经", "经验", "熟悉", "spring", "boot"
            ]
        );
        assert_eq!(terms("護理 看護師"), ["護理", "看護", "護師"]);
        assert_eq!(terms("会计"), ["会计"]);
        assert_eq!(terms("C#和C++"), ["c#", "和", "c++"]);
        assert!(terms("，。！").is_empty());
    }

    #[test]
    fn a_chinese_query_finds_the_chinese_posting() {
        let bm25 = Bm25::new(
            &[
                "招聘大数据开发工程师，熟悉Hadoop",
                "招聘护士，三甲医院",
                "销售经理",
            ],
            Bm25Params::default(),
        )
        .unwrap();
        let hits = bm25.search("三甲医院护士", 10, None);
        assert_eq!(hits.first().map(|hit| hit.0), Some(1));
        let hits = bm25.search("大数据工程师 Hadoop", 10, None);
        assert_eq!(hits.first().map(|hit| hit.0), Some(0));
    }

    /// Every document's score, or `None` for a free slot.
    fn all_scores(bm25: &Bm25, query: &str) -> Vec<Option<f32>> {
        bm25.scores(query)
            .into_iter()
            .enumerate()
            .map(|(doc, score)| bm25.present[doc].then_some(score))
            .collect()
    }

    #[test]
    fn inserting_and_removing_scores_as_a_fresh_build_of_what_is_left() {
        let texts = [
            "rust engineer",
            "registered nurse night shift",
            "rust rust developer",
            "java developer spring",
            "nurse practitioner",
        ];
        let mut live = Bm25::build(&texts, Bm25Params::default());
        live.remove(1, texts[1]);
        live.remove(3, texts[3]);
        live.insert(3, "senior rust engineer with java");
        live.insert(7, "nurse");
        let slots: Vec<Option<&str>> = vec![
            Some(texts[0]),
            None,
            Some(texts[2]),
            Some("senior rust engineer with java"),
            Some(texts[4]),
            None,
            None,
            Some("nurse"),
        ];
        let fresh = Bm25::build_slots(&slots, Bm25Params::default());
        assert_eq!(live.len(), 5);
        for query in ["rust engineer", "nurse", "java spring developer", "night"] {
            assert_eq!(
                all_scores(&live, query),
                all_scores(&fresh, query),
                "{query}"
            );
        }
        // A removed document's terms are gone when no other document has them.
        assert_eq!(live.idf("night"), 0.0);
        assert!(!live.postings.contains_key("spring"));
    }

    proptest::proptest! {
        #[test]
        fn any_sequence_of_changes_scores_as_a_fresh_build(
            ops in proptest::collection::vec((0usize..12, proptest::option::of(0usize..6)), 1..40)
        ) {
            const WORDS: [&str; 6] = [
                "rust engineer", "nurse", "rust rust developer", "数据分析师", "", "java nurse engineer",
            ];
            let mut live = Bm25::build_slots::<&str>(&[], Bm25Params::default());
            let mut slots: Vec<Option<&str>> = vec![None; 12];
            for (doc, text) in ops {
                if let Some(old) = slots[doc] {
                    live.remove(doc, old);
                }
                slots[doc] = text.map(|t| WORDS[t]);
                if let Some(new) = slots[doc] {
                    live.insert(doc, new);
                }
            }
            let fresh = Bm25::build_slots(&slots, Bm25Params::default());
            proptest::prop_assert_eq!(live.len(), fresh.len());
            for query in ["rust", "nurse engineer", "数据", "java developer"] {
                let a: Vec<Option<f32>> = all_scores(&live, query).into_iter().chain(std::iter::repeat(None)).take(12).collect();
                let b: Vec<Option<f32>> = all_scores(&fresh, query).into_iter().chain(std::iter::repeat(None)).take(12).collect();
                proptest::prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn scores_match_a_hand_computation() {
        // Documents: d0 = [rust, engineer] (len 2), d1 = [nurse] (len 1),
        // d2 = [rust, rust, developer] (len 3); avg_len = 2, N = 3.
        let bm25 = Bm25::new(
            &["rust engineer", "nurse", "rust rust developer"],
            Bm25Params { k1: 1.2, b: 0.75 },
        )
        .unwrap();
        // idf(rust): df = 2 -> ln(1 + 1.5 / 2.5) = ln 1.6.
        let idf = 1.6f32.ln();
        assert!((bm25.idf("rust") - idf).abs() < 1e-6);
        let scores = bm25.scores("rust");
        // d0: tf 1, norm = 1.2 * (0.25 + 0.75 * 2 / 2) = 1.2 -> idf * 2.2 / 2.2 = idf.
        assert!((scores[0] - idf).abs() < 1e-6);
        assert_eq!(scores[1], 0.0);
        // d2: tf 2, norm = 1.2 * (0.25 + 0.75 * 1.5) = 1.65 -> idf * 2 * 2.2 / 3.65.
        assert!((scores[2] - idf * 4.4 / 3.65).abs() < 1e-6);
    }
}
