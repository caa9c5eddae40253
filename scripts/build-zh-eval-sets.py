#!/usr/bin/env python3
"""Generate the Chinese evaluation sets of jobfit under eval/ (zh-*.jsonl).

Usage: scripts/build-zh-eval-sets.py [--shared DIR] [--out DIR]

DIR defaults to ../shared next to the repository root and must hold data/zh-en-job-taxonomy, data/zh-51job,
data/zh-resume-ner and data/onet-29.3. The O*NET catalog is the bundled crates/match/data/onet-29.3-occupations.jsonl.
Python 3 standard library only; the output is deterministic and, like the other generated sets, not committed (the
Chinese data may be used for evaluation only). The committed inputs are the two hand-made maps:
eval/zh-titles-onet-map.tsv (Chinese job titles -> O*NET occupations) and eval/zh-resume-titles-onet-map.tsv (the
titles of the resume sentences -> O*NET occupations), each with a justification per row.

Splits use the FNV-1a 64-bit hash of the UTF-8 bytes of "dev/" + key (docs/DATA.md): a query is in the dev part
when the hash is divisible by 3, else in the held-out part. Dev parts are for choices (prompts, weights, aliases); held-out parts
are what eval/README.md reports as such. The key of a title is the title with its white space collapsed; of a
resume, its first sentence.

Files written:

- zh-taxonomy-catalog.jsonl: the 1,034 leaves of the bilingual job taxonomy minus "其他" (Others), English names
  only (id = the taxonomy code, title = the English name, the family in the metadata).
- zh-taxonomy.{dev,heldout}.queries.jsonl: each distinct Chinese leaf name -> every leaf with that Chinese name or
  with the English name of one (a cross-lingual name-matching task).
- zh-titles.{dev,heldout}.queries.jsonl: the Chinese titles of zh-titles-onet-map.tsv -> their O*NET codes.
- zh-resumes.{dev,heldout}.queries.jsonl: Chinese resumes (the sentences of one person in zh-resume-ner, from a
  sentence that starts with a name to the next) -> the O*NET codes of the titles they hold, through
  zh-resume-titles-onet-map.tsv; persons without a mapped title are left out.
- zh-onet-catalog.jsonl: the bundled O*NET catalog with Chinese aliases: the Chinese name of every taxonomy leaf
  whose English name equals (ignoring case and spaces) an O*NET occupation title or one of its aliases, except the
  leaves sampled for zh-titles (hash divisible by 9) and any name that is a zh-titles query (the zh-taxonomy sets
  are measured against their own catalog, never this one).
- zh-51job-catalog.jsonl: the 51job postings with a description, duplicates (same title, company and description)
  dropped: a Chinese catalog (title, description, company and city in the metadata).
- zh-51job-halves.{catalog,queries}.jsonl: a lexical retrieval check for BM25 tokenization: each 51job description
  of at least 200 characters cut in two; the second halves are the catalog and each first half a query whose
  relevant job is its own second half.
- zh-manifest.json: line counts and SHA-256 of the files.
"""

import argparse
import csv
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) % (1 << 64)
    return h


def collapse(text):
    return " ".join(text.split())


def dev(key):
    # Salted, so that the split is independent of the hash rules that sampled the titles.
    return fnv1a64("dev/" + key) % 3 == 0


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


def read_map(path, columns):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != columns:
                sys.exit(f"{path}:{number}: {len(cols)} columns, expected {columns}")
            rows.append(cols)
    return rows


def split_queries(queries, key):
    return [q for q in queries if dev(key(q))], [q for q in queries if not dev(key(q))]


def taxonomy(shared):
    path = os.path.join(shared, "data/zh-en-job-taxonomy/job_types_zh_en.csv")
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    families = {r["code"]: r["enName"] for r in rows if r["level"] == "0"}
    leaves = [r for r in rows if r["is_leaf"] == "1" and r["cnName"].strip() != "其他"]
    return leaves, families


def resumes(shared):
    """Persons of zh-resume-ner: (sentences, titles), a person starting at a sentence that starts with a name."""
    persons = []
    for split in ("train", "dev", "test"):
        path = os.path.join(shared, f"data/zh-resume-ner/{split}.char.bmes")
        sentences, current = [], []
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip():
                    if current:
                        sentences.append(current)
                        current = []
                    continue
                char, tag = line.split(" ", 1)
                current.append((char, tag))
        if current:
            sentences.append(current)
        person = None
        for sentence in sentences:
            if sentence[0][1].endswith("-NAME") and sentence[0][1][0] in "BS":
                person = {"sentences": [], "titles": []}
                persons.append(person)
            if person is None:
                continue
            person["sentences"].append("".join(c for c, _ in sentence))
            entity = ""
            for char, tag in sentence:
                if tag == "S-TITLE":
                    person["titles"].append(char)
                elif tag == "B-TITLE":
                    entity = char
                elif tag == "M-TITLE":
                    entity += char
                elif tag == "E-TITLE":
                    person["titles"].append(entity + char)
                    entity = ""
    return persons


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--out", default=os.path.join(ROOT, "eval"))
    args = parser.parse_args()
    out = args.out
    os.makedirs(out, exist_ok=True)
    written = {}

    with open(os.path.join(ROOT, "crates/match/data/onet-29.3-occupations.jsonl"), encoding="utf-8") as f:
        onet = [json.loads(line) for line in f if line.strip()]
    onet_codes = {job["id"] for job in onet}

    # Taxonomy names -> English names.
    leaves, families = taxonomy(args.shared)
    catalog = [
        {"id": r["code"], "title": collapse(r["enName"]), "metadata": {"family": families.get(r["parentCode"], "")}}
        for r in leaves
    ]
    written["zh-taxonomy-catalog.jsonl"] = write_jsonl(os.path.join(out, "zh-taxonomy-catalog.jsonl"), catalog)
    by_cn, by_en = {}, {}
    for r in leaves:
        by_cn.setdefault(collapse(r["cnName"]), []).append(r["code"])
        by_en.setdefault(collapse(r["enName"]).lower(), []).append(r["code"])
    english = {r["code"]: collapse(r["enName"]).lower() for r in leaves}
    queries = []
    for cn, codes in by_cn.items():
        relevant = []
        for code in codes:
            for same in by_en[english[code]]:
                if same not in relevant:
                    relevant.append(same)
        queries.append({"query": cn, "relevant": relevant})
    dev_part, held = split_queries(queries, lambda q: q["query"])
    written["zh-taxonomy.dev.queries.jsonl"] = write_jsonl(os.path.join(out, "zh-taxonomy.dev.queries.jsonl"), dev_part)
    written["zh-taxonomy.heldout.queries.jsonl"] = write_jsonl(os.path.join(out, "zh-taxonomy.heldout.queries.jsonl"), held)

    # Chinese titles -> O*NET.
    with open(os.path.join(args.shared, "data/zh-51job/jobs.csv"), encoding="utf-8") as f:
        postings = list(csv.DictReader(f))
    posted = {collapse(p["title"]) for p in postings}
    leaf_names = set(by_cn)
    titles = []
    for title, source, codes, why in read_map(os.path.join(ROOT, "eval/zh-titles-onet-map.tsv"), 4):
        title = collapse(title)
        known = posted if source == "51job" else leaf_names
        if title not in known:
            sys.exit(f"zh-titles-onet-map.tsv: {title!r} is not a {source} title")
        for code in codes.split("|"):
            if code not in onet_codes:
                sys.exit(f"zh-titles-onet-map.tsv: {title!r}: {code} is not an O*NET occupation of the catalog")
        if not why.strip():
            sys.exit(f"zh-titles-onet-map.tsv: {title!r} has no justification")
        titles.append({"query": title, "relevant": codes.split("|")})
    dev_part, held = split_queries(titles, lambda q: q["query"])
    written["zh-titles.dev.queries.jsonl"] = write_jsonl(os.path.join(out, "zh-titles.dev.queries.jsonl"), dev_part)
    written["zh-titles.heldout.queries.jsonl"] = write_jsonl(os.path.join(out, "zh-titles.heldout.queries.jsonl"), held)

    # Chinese resumes -> O*NET.
    title_map = {}
    for title, codes, why in read_map(os.path.join(ROOT, "eval/zh-resume-titles-onet-map.tsv"), 3):
        for code in codes.split("|"):
            if code not in onet_codes:
                sys.exit(f"zh-resume-titles-onet-map.tsv: {title!r}: {code} is not an O*NET occupation")
        if not why.strip():
            sys.exit(f"zh-resume-titles-onet-map.tsv: {title!r} has no justification")
        title_map[title] = codes.split("|")
    resume_queries = []
    seen = set()
    for person in resumes(args.shared):
        relevant = []
        for title in person["titles"]:
            for code in title_map.get(title, []):
                if code not in relevant:
                    relevant.append(code)
        text = "".join(person["sentences"])
        if not relevant or text in seen:
            continue
        seen.add(text)
        resume_queries.append({"query": text, "relevant": relevant, "key": person["sentences"][0]})
    dev_part, held = split_queries(resume_queries, lambda q: q["key"])
    strip = lambda qs: [{"query": q["query"], "relevant": q["relevant"]} for q in qs]
    written["zh-resumes.dev.queries.jsonl"] = write_jsonl(os.path.join(out, "zh-resumes.dev.queries.jsonl"), strip(dev_part))
    written["zh-resumes.heldout.queries.jsonl"] = write_jsonl(
        os.path.join(out, "zh-resumes.heldout.queries.jsonl"), strip(held)
    )

    # O*NET with Chinese aliases from the taxonomy.
    onet_names = {}
    for job in onet:
        for name in [job["title"]] + job.get("aliases", []):
            onet_names.setdefault(collapse(name).lower(), set()).add(job["id"])
    query_names = {q["query"] for q in titles}
    added = {}
    for r in leaves:
        cn = collapse(r["cnName"])
        if fnv1a64(cn) % 9 == 0 or cn in query_names:
            continue
        for code in sorted(onet_names.get(collapse(r["enName"]).lower(), ())):
            added.setdefault(code, [])
            if cn not in added[code]:
                added[code].append(cn)
    # Every Chinese name of a zh-taxonomy query may become an alias: that set is measured against the taxonomy's
    # own English names, never against this catalog.
    zh_onet = []
    for job in onet:
        job = dict(job)
        if job["id"] in added:
            job["aliases"] = list(job.get("aliases", [])) + added[job["id"]]
        zh_onet.append(job)
    written["zh-onet-catalog.jsonl"] = write_jsonl(os.path.join(out, "zh-onet-catalog.jsonl"), zh_onet)
    alias_count = sum(len(v) for v in added.values())

    # 51job postings as a catalog, and the halves check.
    jobs, seen = [], set()
    for number, p in enumerate(postings, 2):
        title, description = collapse(p["title"]), p["description"].strip()
        key = (title, p["company"].strip(), description)
        if not title or not description or key in seen:
            continue
        seen.add(key)
        jobs.append(
            {
                "id": f"51job-{number}",
                "title": title,
                "description": description,
                "location": p["region"].strip(),
                "metadata": {"company": p["company"].strip(), "salary": p["salary"].strip()},
            }
        )
    written["zh-51job-catalog.jsonl"] = write_jsonl(os.path.join(out, "zh-51job-catalog.jsonl"), jobs)
    halves, half_queries = [], []
    for job in jobs:
        text = job["description"]
        if len(text) < 200:
            continue
        cut = len(text) // 2
        halves.append({"id": job["id"], "title": job["title"], "description": text[cut:]})
        half_queries.append({"query": text[:cut], "relevant": [job["id"]]})
    written["zh-51job-halves.catalog.jsonl"] = write_jsonl(os.path.join(out, "zh-51job-halves.catalog.jsonl"), halves)
    written["zh-51job-halves.queries.jsonl"] = write_jsonl(
        os.path.join(out, "zh-51job-halves.queries.jsonl"), half_queries
    )

    manifest = {}
    for name, lines in sorted(written.items()):
        with open(os.path.join(out, name), "rb") as f:
            manifest[name] = {"lines": lines, "sha256": hashlib.sha256(f.read()).hexdigest()}
    with open(os.path.join(out, "zh-manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    for name, entry in sorted(manifest.items()):
        print(f"{name}: {entry['lines']} lines")
    print(f"zh-onet-catalog.jsonl: {alias_count} Chinese aliases on {len(added)} occupations")


if __name__ == "__main__":
    main()
