#!/usr/bin/env python3
"""Compares tokenizations of Chinese text for BM25 on the 51job postings: the measurement behind the character
bigrams of crates/match/src/bm25.rs (eval/README.md has the numbers).

Usage: scripts/measure-zh-bm25.py [--eval DIR]

Needs the sets of scripts/build-zh-eval-sets.py in DIR (default eval/) and, for the segmenter rows, the PyPI
package jieba (`pip install jieba==0.42.1`; without it those rows are skipped). BM25 is computed as jobfit does
(k1 1.2, b 0.75, Lucene's idf, Latin words lower-cased with the same stop words); only the tokenization of CJK runs
changes:

- bigram: the overlapping character bigrams of each run (a lone character is its own term), jobfit's choice;
- unigram: single characters;
- uni+bigram: both;
- jieba: the words of jieba's default mode; jieba-search: its search mode (words and their sub-words).

Tasks: zh-51job-halves (each long description cut in two, the first half finding its own second half among 828)
and 51job titles -> the descriptions of the postings with that title (titles posted at least twice; the title is
not indexed).
"""

import argparse
import collections
import json
import math
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STOP = set(
    "a an and are as at be by for from has have in is it its of on or that the to was were will with our you your "
    "we this these their they i my me am but not all any such other into than then also may can e.g etc".split()
)


def is_cjk(c):
    o = ord(c)
    return (
        0x3040 <= o <= 0x30FF
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or o >= 0x20000
    )


def latin_terms(text):
    return [t for t in re.findall(r"[^\W_]+(?:[+#]+|\.[^\W_]+)*", text.lower()) if t not in STOP]


def runs(text):
    out, cjk, other = [], "", ""
    for c in text:
        if is_cjk(c):
            if other:
                out.append((False, other))
                other = ""
            cjk += c
        else:
            if cjk:
                out.append((True, cjk))
                cjk = ""
            other += c
    if cjk:
        out.append((True, cjk))
    if other:
        out.append((False, other))
    return out


def tokenizer(cjk_terms):
    def tokenize(text):
        out = []
        for is_run, piece in runs(text):
            out += cjk_terms(piece) if is_run else latin_terms(piece)
        return out

    return tokenize


def bigrams(run):
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


class Bm25:
    def __init__(self, docs, tokenize, k1=1.2, b=0.75):
        self.tokenize, self.k1, self.b = tokenize, k1, b
        self.postings = collections.defaultdict(list)
        self.lengths = []
        for i, doc in enumerate(docs):
            terms = tokenize(doc)
            self.lengths.append(len(terms))
            for term, count in collections.Counter(terms).items():
                self.postings[term].append((i, count))
        self.avg = sum(self.lengths) / len(self.lengths)

    def scores(self, query):
        n = len(self.lengths)
        scores = [0.0] * n
        for term in set(self.tokenize(query)):
            postings = self.postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, tf in postings:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.avg)
                scores[doc] += idf * tf * (self.k1 + 1) / (tf + norm)
        return scores


def evaluate(catalog, queries, tokenize, text):
    ids = [job["id"] for job in catalog]
    bm25 = Bm25([text(job) for job in catalog], tokenize)
    mrr = recall = 0.0
    for query in queries:
        scores = bm25.scores(query["query"])
        top = [ids[i] for i in sorted(range(len(scores)), key=lambda i: -scores[i])[:10] if scores[i] > 0]
        relevant = set(query["relevant"])
        mrr += next((1 / rank for rank, id_ in enumerate(top, 1) if id_ in relevant), 0.0)
        recall += len(relevant & set(top)) / len(relevant)
    return mrr / len(queries), recall / len(queries)


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", default=os.path.join(ROOT, "eval"))
    args = parser.parse_args()
    tokenizers = {
        "bigram": tokenizer(bigrams),
        "unigram": tokenizer(list),
        "uni+bigram": tokenizer(lambda run: list(run) + (bigrams(run) if len(run) > 1 else [])),
    }
    try:
        import jieba

        jieba.setLogLevel(60)
        tokenizers["jieba"] = tokenizer(lambda run: [w for w in jieba.lcut(run) if w.strip()])
        tokenizers["jieba-search"] = tokenizer(lambda run: [w for w in jieba.lcut_for_search(run) if w.strip()])
    except ImportError:
        print("jieba is not installed: its rows are skipped (pip install jieba==0.42.1)")

    halves = read(os.path.join(args.eval, "zh-51job-halves.catalog.jsonl"))
    half_queries = read(os.path.join(args.eval, "zh-51job-halves.queries.jsonl"))
    postings = read(os.path.join(args.eval, "zh-51job-catalog.jsonl"))
    by_title = collections.defaultdict(list)
    for job in postings:
        by_title[job["title"]].append(job["id"])
    title_queries = [{"query": t, "relevant": ids} for t, ids in by_title.items() if len(ids) >= 2]
    for name, tokenize in tokenizers.items():
        mrr, recall = evaluate(halves, half_queries, tokenize, lambda job: job["title"] + "\n" + job["description"])
        print(f"51job halves ({len(half_queries)}), {name}: MRR@10 {mrr:.3f}, Recall@10 {recall:.3f}")
    for name, tokenize in tokenizers.items():
        mrr, recall = evaluate(postings, title_queries, tokenize, lambda job: job["description"])
        print(f"51job title -> descriptions ({len(title_queries)}), {name}: MRR@10 {mrr:.3f}, Recall@10 {recall:.3f}")


if __name__ == "__main__":
    main()
