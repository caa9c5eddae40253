#!/usr/bin/env python3
"""Generate the retrieval evaluation sets and contrastive training pairs of jobfit under eval/.

Usage: scripts/build-eval-sets.py [--shared DIR] [--out DIR] [--catalog FILE]

DIR defaults to ../shared next to the repository root and must hold data/onet-29.3, data/esco,
data/jobbert-titles, data/resumes-livecareer and data/google-job-skills. --out defaults to eval/ in the repository; --catalog to the
bundled O*NET catalog crates/match/data/onet-29.3-occupations.jsonl (scripts/build-onet-catalog.py). Python 3
standard library only; the output is deterministic. The generated files are not committed (the LiveCareer resumes
and the JobBERT titles may not be redistributed): eval/README.md lists them and docs/DATA.md has the sources.

Query files hold one JSON object per line, {"query": "...", "relevant": ["id", ...]}, the format of
`jobfit eval retrieve --queries`; catalogs hold one job per line in the catalog schema; training pairs hold
{"anchor": "...", "positive": "..."}.

The held-out rule (the training side must use the same one): a text is held out when the FNV-1a 64-bit hash of
the UTF-8 bytes of its key is divisible by 5. The key of an O*NET alternate title is the title lower-cased with
its white space collapsed and trimmed (Rust: `title.split_whitespace().collect::<Vec<_>>().join(" ")
.to_lowercase()`; for every title of the file this equals `title.trim().to_lowercase()`); the key of a LiveCareer
resume is its id as written in the CSV. FNV-1a 64: start from 0xcbf29ce484222325; for each byte, xor it in, then
multiply by 0x100000001b3 modulo 2^64.

Files written (counts are checked below):

- onet-catalog.jsonl: a copy of the bundled catalog (title, description with main tasks, skills, and as aliases
  the alternate titles that are not held out).
- onet-catalog-short.jsonl: the same occupations with the O*NET description alone and no skills, so that the
  indexed text is "title + description" (the aliases are kept; `--name-weight 0` leaves them out of the scores).
- onet-catalog-plain.jsonl: the short catalog without aliases: title + description, and the title as the only
  name (a catalog built from the O*NET occupation file alone).
- onet-titles.queries.jsonl: held-out O*NET alternate titles -> the occupations that list them (all of them when
  several do), one query per distinct key, in the order the file first lists them.
- onet-titles.small.queries.jsonl: the held-out titles whose hash is divisible by 40 (a fixed subset of about
  1,000, for quick runs).
- onet-titles.sources-01-02.queries.jsonl: the held-out titles that O*NET lists with source 01 or 02 (column
  Source(s) of Alternate Titles.txt), about 500. Most held-out titles come from the other sources and are
  rarer variants; on these the zero-shot model scores about as on reported job titles (eval/README.md).
- onet-titles.train.queries.jsonl: the other alternate titles as queries, in the same form (to train a reranker
  on: its negatives are mined from a first-stage ranking).
- onet-titles.train-pairs.jsonl: the other alternate titles as pairs {"anchor": alternate title,
  "positive": occupation title + ". " + O*NET description}, one per (title, occupation).
- esco-catalog.jsonl: the 2,942 ESCO occupations (id = concept URI, title = preferred label, description,
  aliases = the alternative labels; the ISCO group in the metadata).
- esco-titles.queries.jsonl: the JobBERT dev vacancy titles -> their ESCO occupation, one query per row of the
  file (15,463, as in the published evaluation: a title listed twice is two queries).
- esco-titles.small.queries.jsonl: the rows whose title key hashes to a multiple of 15 (about 1,000).
- esco-titles.heldout.queries.jsonl: the rows whose title is held out (the rule below, the key as for O*NET
  titles), for models trained on the other JobBERT dev titles; esco-titles.title-pairs.jsonl: those other titles
  -> the occupation's preferred label, one pair per distinct (title key, occupation);
  esco-titles.train.queries.jsonl: the same (title, occupation) rows as queries, for a reranker.
- esco-alt-labels.train-pairs.jsonl: ESCO alternative labels -> preferred label + ". " + description, leaving
  out every label equal (ignoring case and white space differences) to a JobBERT dev title.
- esco-alt-labels.title-pairs.jsonl, onet-titles.title-pairs.jsonl: the same pairs with the occupation's title
  alone as the positive (name-to-name training: short texts, several times faster to train on).
- titles-mix.title-pairs.jsonl: esco-titles.title-pairs.jsonl with 12,000 seeded samples of each of the two
  title-pair files above, shuffled: the second training stage of the title model (eval/README.md).
- titles-desc-mix.train-pairs.jsonl: 20,000 seeded samples of onet-titles.train-pairs.jsonl, 8,000 of
  onet-titles.title-pairs.jsonl and 4,000 of esco-alt-labels.title-pairs.jsonl, shuffled: a further stage of the
  title model that also learns the occupations' indexed text (eval/README.md).
- resumes.queries.jsonl: held-out LiveCareer resumes (id hash divisible by 5) -> the O*NET codes of their
  category (eval/livecareer-onet-map.tsv); resumes-all.queries.jsonl: all of them.
- resumes.train-pairs.jsonl: the other four fifths as pairs {"anchor": resume text, "positive": the first (most
  typical) occupation of its category, title and description on two lines as the index embeds them}: training
  data of a long-text matching model, kept apart from resumes.queries.jsonl.
- google-jobs.queries.jsonl: Google job postings whose title key hash is divisible by 5, one per title, the
  responsibilities and qualifications as the query (the title left out) -> the O*NET codes the title is mapped to
  by hand (eval/google-jobs-onet-map.tsv): a resume-like second set that no classifier or recipe has seen.
- manifest.json: the line count and SHA-256 of every file above.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

from heldout import HOLD_OUT, fnv1a64, title_key

REPO = Path(__file__).resolve().parent.parent
ONET_SMALL = 40  # a multiple of HOLD_OUT, so the small set is part of the held-out one
REPORTED_SOURCES = {"01", "02"}  # Source(s) codes of onet-titles.sources-01-02.queries.jsonl
ESCO_SMALL = 15
ESCO_SOURCE = "ESCO v1.0.8"
MIX_SAMPLE = 12_000
DESC_MIX = (20_000, 8_000, 4_000)  # O*NET description pairs, O*NET title pairs, ESCO title pairs


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Writes a file through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pair_text(title: str, description: str) -> str:
    """The positive side of a training pair."""
    description = description.strip()
    return f"{title.strip()}. {description}" if description else title.strip()


def onet_sets(onet: Path, catalog: list[dict]) -> dict[str, list[dict]]:
    """The O*NET catalogs, title queries and training pairs."""
    codes = {job["id"]: job for job in catalog}
    short = [
        {**job, "description": job["description"].split("\n", 1)[0], "skills": []} for job in catalog
    ]
    plain = {job["id"]: job["description"] for job in short}

    spelling: dict[str, str] = {}  # key -> first spelling
    relevant: dict[str, list[str]] = {}  # key -> codes in first-seen order
    sources: dict[str, set[str]] = {}  # key -> the codes of its Source(s) column, over all its rows
    for row in read_tsv(onet / "Alternate Titles.txt"):
        title, code = " ".join(row["Alternate Title"].split()), row["O*NET-SOC Code"]
        key = title_key(row["Alternate Title"])
        if not key:
            continue
        assert code in codes, f"alternate title {title!r} names {code}, which the catalog lacks"
        spelling.setdefault(key, title)
        relevant.setdefault(key, [])
        sources.setdefault(key, set()).update(s.strip() for s in row["Source(s)"].split(",") if s.strip())
        if code not in relevant[key]:
            relevant[key].append(code)

    queries, small, sourced, pairs, title_pairs, train_queries = [], [], [], [], [], []
    for key, title in spelling.items():
        h = fnv1a64(key)
        if h % HOLD_OUT == 0:
            queries.append({"query": title, "relevant": relevant[key]})
            if h % ONET_SMALL == 0:
                small.append(queries[-1])
            if sources[key] & REPORTED_SOURCES:
                sourced.append(queries[-1])
        else:
            train_queries.append({"query": title, "relevant": relevant[key]})
            for code in relevant[key]:
                pairs.append({"anchor": title, "positive": pair_text(codes[code]["title"], plain[code])})
                title_pairs.append({"anchor": title, "positive": codes[code]["title"]})
    held = {title_key(q["query"]) for q in queries}
    assert not any(title_key(p["anchor"]) in held for p in pairs), "a held-out title leaked into the pairs"
    leaked = [a for job in catalog for a in job.get("aliases", []) if title_key(a) in held]
    assert not leaked, f"held-out titles are aliases in the catalog, e.g. {leaked[:3]}: rebuild it"
    return {
        "onet-catalog.jsonl": catalog,
        "onet-catalog-short.jsonl": short,
        "onet-catalog-plain.jsonl": [{k: v for k, v in job.items() if k != "aliases"} for job in short],
        "onet-titles.queries.jsonl": queries,
        "onet-titles.small.queries.jsonl": small,
        "onet-titles.sources-01-02.queries.jsonl": sourced,
        "onet-titles.train-pairs.jsonl": pairs,
        "onet-titles.title-pairs.jsonl": title_pairs,
        "onet-titles.train.queries.jsonl": train_queries,
    }


def esco_sets(data: Path) -> dict[str, list[dict]]:
    """The ESCO catalog, JobBERT dev title queries and alternative-label training pairs."""
    occupations = read_csv(data / "esco" / "occupations_en.csv")
    catalog, alt_labels = [], {}
    for row in sorted(occupations, key=lambda r: r["conceptUri"]):
        uri = row["conceptUri"].strip()
        labels = []
        for label in row["altLabels"].split("\n"):
            label = " ".join(label.split())
            if label and label.lower() not in {l.lower() for l in labels}:
                labels.append(label)
        alt_labels[uri] = labels
        metadata = {"isco_group": row["iscoGroup"].strip(), "source": ESCO_SOURCE}
        catalog.append(
            {
                "id": uri,
                "title": " ".join(row["preferredLabel"].split()),
                "description": " ".join(row["description"].split()),
                "skills": [],
                "aliases": labels,
                "location": None,
                "salary_min": None,
                "salary_max": None,
                "metadata": dict(sorted(metadata.items())),
            }
        )
    uris = {job["id"]: job for job in catalog}

    queries, small, held_out, dev_keys = [], [], [], set()
    dev_pairs, dev_queries, seen = [], [], set()
    for row in read_csv(data / "jobbert-titles" / "titles.dev.csv"):
        title, uri = " ".join(row["vacancyTitle"].split()), row["conceptUri"].strip()
        assert uri in uris, f"JobBERT title {title!r} names {uri}, which the ESCO file lacks"
        if not title:
            continue
        key = title_key(title)
        h = fnv1a64(key)
        dev_keys.add(key)
        queries.append({"query": title, "relevant": [uri]})
        if h % ESCO_SMALL == 0:
            small.append(queries[-1])
        if h % HOLD_OUT == 0:
            held_out.append(queries[-1])
        elif (key, uri) not in seen:
            seen.add((key, uri))
            dev_pairs.append({"anchor": title, "positive": uris[uri]["title"]})
            dev_queries.append({"query": title, "relevant": [uri]})

    pairs, title_pairs = [], []
    for job in catalog:
        positive = pair_text(job["title"], job["description"])
        for label in alt_labels[job["id"]]:
            if title_key(label) not in dev_keys:
                pairs.append({"anchor": label, "positive": positive})
                title_pairs.append({"anchor": label, "positive": job["title"]})
    return {
        "esco-catalog.jsonl": catalog,
        "esco-titles.queries.jsonl": queries,
        "esco-titles.small.queries.jsonl": small,
        "esco-titles.heldout.queries.jsonl": held_out,
        "esco-titles.title-pairs.jsonl": dev_pairs,
        "esco-titles.train.queries.jsonl": dev_queries,
        "esco-alt-labels.train-pairs.jsonl": pairs,
        "esco-alt-labels.title-pairs.jsonl": title_pairs,
    }


def title_mix(files: dict[str, list[dict]]) -> list[dict]:
    """The second-stage training pairs of the title model (eval/README.md): every JobBERT training title and
    MIX_SAMPLE seeded samples of each title-pair file (so the model keeps what it learned from them), shuffled."""
    rng = random.Random(42)
    mix = rng.sample(files["onet-titles.title-pairs.jsonl"], MIX_SAMPLE)
    mix += rng.sample(files["esco-alt-labels.title-pairs.jsonl"], MIX_SAMPLE)
    mix += files["esco-titles.title-pairs.jsonl"]
    rng.shuffle(mix)
    return mix


def desc_mix(files: dict[str, list[dict]]) -> list[dict]:
    """The pairs of a further stage of the title model (eval/README.md): DESC_MIX seeded samples of the
    O*NET description pairs, which teach the indexed text, with title pairs of both taxonomies, shuffled."""
    rng = random.Random(7)
    mix = rng.sample(files["onet-titles.train-pairs.jsonl"], DESC_MIX[0])
    mix += rng.sample(files["onet-titles.title-pairs.jsonl"], DESC_MIX[1])
    mix += rng.sample(files["esco-alt-labels.title-pairs.jsonl"], DESC_MIX[2])
    rng.shuffle(mix)
    return mix


def read_category_map(path: Path, codes: set[str]) -> dict[str, list[str]]:
    """eval/livecareer-onet-map.tsv: category -> O*NET-SOC codes."""
    mapping = {}
    with path.open(encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            assert len(fields) == 3, f"{path}:{number}: expected category, codes, justification"
            category, listed, why = fields
            targets = [c.strip() for c in listed.split("|") if c.strip()]
            assert 1 <= len(targets) <= 5 and len(set(targets)) == len(targets), f"{path}:{number}: 1 to 5 codes"
            assert all(c in codes for c in targets), f"{path}:{number}: unknown code in {targets}"
            assert why.strip() and category not in mapping, f"{path}:{number}: justification or duplicate"
            mapping[category] = targets
    return mapping


def resume_sets(data: Path, mapping: dict[str, list[str]], catalog: list[dict]) -> dict[str, list[dict]]:
    """Resume -> occupation queries (the held-out part and all) and training pairs from the rest."""
    rows = read_csv(data / "resumes-livecareer" / "train.csv")
    text_of = {job["id"]: job_text(job) for job in catalog}
    everything, held, pairs = [], [], []
    for row in rows:
        category = row["category"].strip()
        assert category in mapping, f"category {category!r} is missing from the mapping"
        if not row["text"].strip():
            continue
        query = {"query": row["text"], "relevant": mapping[category]}
        everything.append(query)
        if fnv1a64(row["id"]) % HOLD_OUT == 0:
            held.append(query)
        else:
            pairs.append({"anchor": row["text"], "positive": text_of[mapping[category][0]]})
    assert set(mapping) == {row["category"].strip() for row in rows}, "the mapping lists a category with no resume"
    return {"resumes.queries.jsonl": held, "resumes-all.queries.jsonl": everything, "resumes.train-pairs.jsonl": pairs}


def job_text(job: dict) -> str:
    """An occupation's text as the index embeds it with the bundled catalog's fields: title, then description."""
    return "\n".join(part.strip() for part in (job["title"], job.get("description", "")) if part.strip())


def read_title_map(path: Path, codes: set[str]) -> dict[str, list[str]]:
    """eval/google-jobs-onet-map.tsv: posting title -> O*NET-SOC codes (none: left out, with the reason)."""
    mapping = {}
    with path.open(encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            assert len(fields) == 3, f"{path}:{number}: expected title, codes, justification"
            title, listed, why = fields
            targets = [c.strip() for c in listed.split("|") if c.strip()]
            assert len(targets) <= 3 and len(set(targets)) == len(targets), f"{path}:{number}: 0 to 3 codes"
            assert all(c in codes for c in targets), f"{path}:{number}: unknown code in {targets}"
            assert why.strip() and title not in mapping, f"{path}:{number}: justification or duplicate"
            mapping[title] = targets
    return mapping


def google_sets(data: Path, mapping: dict[str, list[str]]) -> dict[str, list[dict]]:
    """Google job postings -> occupation: for each sampled title (key hash divisible by 5), its first posting with
    responsibilities, the responsibilities and qualifications as the query (the title left out), the hand-mapped
    codes as relevant."""
    rows = read_csv(data / "google-job-skills" / "job_skills.csv")
    first = {}
    for row in rows:
        if row["Responsibilities"].strip():
            first.setdefault(row["Title"], row)
    sampled = {title for title in first if fnv1a64(title_key(title)) % HOLD_OUT == 0}
    assert sampled == set(mapping), f"the mapping and the sample differ: {sorted(sampled ^ set(mapping))}"
    queries = []
    for title in sorted(sampled):
        if not mapping[title]:
            continue
        row = first[title]
        parts = [row["Responsibilities"], row["Minimum Qualifications"], row["Preferred Qualifications"]]
        queries.append({"query": "\n".join(p.strip() for p in parts if p.strip()), "relevant": mapping[title]})
    return {"google-jobs.queries.jsonl": queries}


def check(files: dict[str, list[dict]]) -> Counter:
    """Every query's relevant ids exist in its catalog; ids are unique; no set is empty."""
    counts = Counter({name: len(records) for name, records in files.items()})
    for name, records in files.items():
        assert records, f"{name} is empty"
    catalogs = ("onet-catalog.jsonl", "onet-catalog-short.jsonl", "onet-catalog-plain.jsonl", "esco-catalog.jsonl")
    for catalog_name in catalogs:
        ids = [job["id"] for job in files[catalog_name]]
        assert len(ids) == len(set(ids)), f"{catalog_name} has duplicate ids"
        assert all(job["title"].strip() for job in files[catalog_name]), f"{catalog_name}: a job has no title"
    catalog_of = {
        "onet": "onet-catalog.jsonl",
        "esco": "esco-catalog.jsonl",
        "resumes": "onet-catalog.jsonl",
        "google": "onet-catalog.jsonl",
    }
    for name, records in files.items():
        if name.endswith(".queries.jsonl"):
            ids = {job["id"] for job in files[catalog_of[name.split("-")[0].split(".")[0]]]}
            for query in records:
                assert query["query"].strip() and query["relevant"], f"{name}: empty query"
                assert all(r in ids for r in query["relevant"]), f"{name}: {query['relevant']} not in the catalog"
        if name.endswith("-pairs.jsonl"):
            assert all(p["anchor"].strip() and p["positive"].strip() for p in records), f"{name}: empty pair"
    assert counts["onet-catalog.jsonl"] == 1016 and counts["esco-catalog.jsonl"] == 2942
    assert counts["esco-titles.queries.jsonl"] == 15463
    held = {title_key(q["query"]) for q in files["esco-titles.heldout.queries.jsonl"]}
    assert not held & {title_key(p["anchor"]) for p in files["esco-titles.title-pairs.jsonl"]}, "a title on both sides"
    assert not held & {title_key(q["query"]) for q in files["esco-titles.train.queries.jsonl"]}, "a title on both sides"
    held = {title_key(q["query"]) for q in files["onet-titles.queries.jsonl"]}
    assert not held & {title_key(q["query"]) for q in files["onet-titles.train.queries.jsonl"]}, "a title on both sides"
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shared", type=Path, default=REPO.parent / "shared", help="the folder holding data/ (default: ../shared)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "eval", help="output folder (default: eval/)")
    parser.add_argument(
        "--catalog",
        type=Path,
        default=REPO / "crates/match/data/onet-29.3-occupations.jsonl",
        help="the O*NET catalog built by scripts/build-onet-catalog.py",
    )
    parser.add_argument(
        "--map", type=Path, default=REPO / "eval/livecareer-onet-map.tsv", help="LiveCareer category -> O*NET codes"
    )
    parser.add_argument(
        "--google-map",
        type=Path,
        default=REPO / "eval/google-jobs-onet-map.tsv",
        help="Google job posting title -> O*NET codes",
    )
    args = parser.parse_args()
    data = args.shared / "data"
    needed = [
        data / "onet-29.3" / "Alternate Titles.txt",
        data / "esco" / "occupations_en.csv",
        data / "jobbert-titles" / "titles.dev.csv",
        data / "resumes-livecareer" / "train.csv",
        data / "google-job-skills" / "job_skills.csv",
        args.catalog,
        args.map,
        args.google_map,
    ]
    for path in needed:
        if not path.is_file():
            print(f"missing {path}: pass --shared DIR (the folder holding data/), --catalog, --map or --google-map", file=sys.stderr)
            return 1

    catalog = read_jsonl(args.catalog)
    files = onet_sets(data / "onet-29.3", catalog)
    files.update(esco_sets(data))
    codes = {job["id"] for job in catalog}
    files.update(resume_sets(data, read_category_map(args.map, codes), catalog))
    files.update(google_sets(data, read_title_map(args.google_map, codes)))
    files["titles-mix.title-pairs.jsonl"] = title_mix(files)
    files["titles-desc-mix.train-pairs.jsonl"] = desc_mix(files)
    counts = check(files)

    manifest = {}
    for name, records in files.items():
        blob = jsonl(records)
        write_atomic(args.out / name, blob)
        manifest[name] = {"lines": len(records), "sha256": hashlib.sha256(blob).hexdigest()}
    write_atomic(args.out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    width = max(map(len, files))
    for name in files:
        print(f"{name:<{width}}  {counts[name]:>7,}")
    print(f"wrote {len(files)} files and manifest.json to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
