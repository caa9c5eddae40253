#!/usr/bin/env python3
"""Rebuild the default job catalog of jobfit-match: crates/match/data/onet-29.3-occupations.jsonl.

Usage: scripts/build-onet-catalog.py [--shared DIR] [--out DIR] [--gazetteer TSV] [--tasks N] [--skills N]

DIR defaults to ../shared next to the repository root and must hold data/onet-29.3 (the tab-separated text release
of the O*NET 29.3 database, CC BY 4.0). The script uses the Python 3 standard library only and its output is
deterministic: rerunning it on the same inputs gives the same bytes.

One line per O*NET-SOC occupation (all 1,016, in code order), in the catalog schema of jobfit:

    {"id": "15-1252.00", "title": "Software Developers", "description": "...", "skills": ["Python", ...],
     "aliases": ["Application Developer", ...], "location": null, "salary_min": null, "salary_max": null,
     "metadata": {"job_zone": "4", "soc_major_group": "15", "soc_major_group_title": "...", "source": "O*NET 29.3"}}

- id: the O*NET-SOC code; title: the O*NET title (Occupation Data.txt).
- description: the O*NET description on the first line, then the occupation's main tasks (Task Statements.txt),
  one per line: the "Core" tasks first, then the others, each group in the order of the file, at most --tasks
  (default 8) of them. The 93 occupations without tasks (most of them "All Other" aggregates) have the description
  alone.
- skills: the occupation's technology examples (Technology Skills.txt), written as the canonical names of the
  default skill gazetteer of jobfit-text (crates/text/data/skills.tsv), so that the skills the gazetteer finds in
  a resume line up with these. Order: first the examples O*NET marks "In Demand" for this occupation (those also
  marked "Hot Technology" first, then in the order of the file); then the other "Hot Technology" examples, those
  listed by fewer occupations first (they say more about this one); then the rest, those listed by more
  occupations first (well-known tools before one vendor's niche product). Duplicates after mapping are dropped
  and at most --skills (default 30, enough for the in-demand examples of all but three occupations) are kept.
  An example is looked up as written, then without a trailing " software", then, for a generic description with
  an acronym ("Enterprise resource planning ERP software"), as the acronym and as the phrase. Examples the
  gazetteer does not know (generic descriptions such as "Web browser software", and a few words the gazetteer
  leaves out as common English, such as "Chef") are left out: no resume could ever match them.
- aliases: the occupation's alternate titles (Alternate Titles.txt), white space collapsed, in the order of the
  file, without repeats or the title itself (ignoring case), and without the titles held out for evaluation
  (scripts/heldout.py, docs/DATA.md): those are the queries of eval/onet-titles.queries.jsonl, so a catalog that
  listed them would answer the evaluation from memory.
- location, salary_min, salary_max: null (O*NET occupations have neither).
- metadata (text values, keys sorted): job_zone ("1" to "5", Job Zones.txt; absent for the occupations without
  one), soc_major_group (the first two digits of the code), soc_major_group_title (the 2018 SOC major group name)
  and source ("O*NET 29.3").

It also writes crates/match/data/NOTICE.md with the CC BY 4.0 attribution, and checks its output (1,016 unique
ids, titles and descriptions present, every skill a canonical gazetteer name, file size) before replacing the
files.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from heldout import held_out_title, title_key

REPO = Path(__file__).resolve().parent.parent
SOURCE = "O*NET 29.3"
OCCUPATIONS = 1016
WITHOUT_TASKS = 93
MAX_BYTES = 4_500_000
ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]*[A-Z0-9]$")
ONET_ATTRIBUTION = (
    "This product includes information from the O*NET 29.3 Database by the U.S. Department of Labor, "
    "Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license."
)

# The major groups of the 2018 Standard Occupational Classification, which O*NET-SOC codes start with.
SOC_MAJOR_GROUPS = {
    "11": "Management Occupations",
    "13": "Business and Financial Operations Occupations",
    "15": "Computer and Mathematical Occupations",
    "17": "Architecture and Engineering Occupations",
    "19": "Life, Physical, and Social Science Occupations",
    "21": "Community and Social Service Occupations",
    "23": "Legal Occupations",
    "25": "Educational Instruction and Library Occupations",
    "27": "Arts, Design, Entertainment, Sports, and Media Occupations",
    "29": "Healthcare Practitioners and Technical Occupations",
    "31": "Healthcare Support Occupations",
    "33": "Protective Service Occupations",
    "35": "Food Preparation and Serving Related Occupations",
    "37": "Building and Grounds Cleaning and Maintenance Occupations",
    "39": "Personal Care and Service Occupations",
    "41": "Sales and Related Occupations",
    "43": "Office and Administrative Support Occupations",
    "45": "Farming, Fishing, and Forestry Occupations",
    "47": "Construction and Extraction Occupations",
    "49": "Installation, Maintenance, and Repair Occupations",
    "51": "Production Occupations",
    "53": "Transportation and Material Moving Occupations",
    "55": "Military Specific Occupations",
}


def normalize(text: str) -> str:
    """NFKC, ASCII quotes and hyphens, collapsed white space (as scripts/build-gazetteer.py does)."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2010: "-", 0x2011: "-", 0x2013: "-"})
    return " ".join(text.split())


def read_tsv(path: Path) -> list[dict[str, str]]:
    """The rows of an O*NET tab-separated file (no quoting)."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


class Gazetteer:
    """The forms of the skill gazetteer TSV (format: the `skills` module of jobfit-text) and their canonical names."""

    def __init__(self, path: Path) -> None:
        self.any_case: dict[str, str] = {}  # lower-cased form -> canonical name
        self.exact: dict[str, str] = {}  # case-sensitive form -> canonical name
        self.names: set[str] = set()
        with path.open(encoding="utf-8", newline="") as f:
            for line in f:
                line = line.rstrip("\n").rstrip("\r")
                if not line.strip() or line.startswith("#"):
                    continue
                name, aliases, exact, _sources = (line.split("\t") + ["", "", ""])[:4]
                exact_forms = [form for form in exact.split("|") if form]
                self.names.add(name)
                for form in exact_forms:
                    self.exact[" ".join(form.split())] = name
                for form in [a for a in aliases.split("|") if a] + ([] if name in exact_forms else [name]):
                    self.any_case[" ".join(form.split()).lower()] = name

    def lookup(self, text: str) -> str | None:
        """The canonical name of a form, or None."""
        text = " ".join(text.split())
        return self.exact.get(text) or self.any_case.get(text.lower())


def generic_description(name: str) -> tuple[str, str | None] | None:
    """For a generic O*NET description ("Enterprise resource planning ERP software"): (phrase, acronym or None).

    The same rule as `onet_descriptor` in scripts/build-gazetteer.py: sentence-case words, optionally followed by
    an upper-case acronym and "software"."""
    words = name.split()
    if words and words[-1] == "software":
        words = words[:-1]
    acronym = words[-1] if len(words) > 1 and ACRONYM.match(words[-1]) else None
    body = words[:-1] if acronym else words
    sentence_case = body and body[0][:1].isupper() and body[0][1:] == body[0][1:].lower()
    if len(body) < 2 or not sentence_case or any(w != w.lower() for w in body[1:]):
        return None
    return " ".join(body).lower(), acronym


def canonical_skill(example: str, gazetteer: Gazetteer) -> str | None:
    """The gazetteer's name for an O*NET technology example, or None when it has none."""
    candidates = [example]
    if example.endswith(" software"):
        candidates.append(example[: -len(" software")])
    generic = generic_description(example)
    if generic:
        phrase, acronym = generic
        if acronym:
            candidates.append(acronym)
        candidates.append(phrase)
    for candidate in candidates:
        name = gazetteer.lookup(candidate)
        if name:
            return name
    return None


def skill_order(skill: tuple[int, int, str], listed_by: dict[str, set[str]]) -> tuple[int, int, int]:
    """The sort key of an occupation's (tier, file index, skill): see the module documentation."""
    tier, index, name = skill
    if tier <= 1:
        return (tier, 0, index)
    occupations = len(listed_by[name])
    return (tier, occupations if tier == 2 else -occupations, index)


def build(onet: Path, gazetteer: Gazetteer, max_tasks: int, max_skills: int) -> tuple[list[dict], Counter]:
    """The catalog records, in code order, and counts for the report."""
    stats: Counter = Counter()
    occupations = read_tsv(onet / "Occupation Data.txt")
    job_zones = {row["O*NET-SOC Code"]: row["Job Zone"].strip() for row in read_tsv(onet / "Job Zones.txt")}

    tasks: dict[str, list[tuple[int, str]]] = defaultdict(list)  # code -> (group, task) in file order
    for row in read_tsv(onet / "Task Statements.txt"):
        task = normalize(row["Task"])
        if task:
            tasks[row["O*NET-SOC Code"]].append((0 if row["Task Type"] == "Core" else 1, task))

    tech_rows = read_tsv(onet / "Technology Skills.txt")
    listed_by: dict[str, set[str]] = defaultdict(set)  # canonical skill -> codes listing it
    skills: dict[str, list[tuple[int, int, str]]] = defaultdict(list)  # code -> (tier, file index, skill)
    for index, row in enumerate(tech_rows):
        example = normalize(row["Example"])
        if not example:
            continue
        name = canonical_skill(example, gazetteer)
        stats["technology rows"] += 1
        if name is None:
            stats["technology rows without a gazetteer name"] += 1
            continue
        hot, demand = row["Hot Technology"] == "Y", row["In Demand"] == "Y"
        tier = (0 if hot else 1) if demand else 2 if hot else 3
        code = row["O*NET-SOC Code"]
        listed_by[name].add(code)
        skills[code].append((tier, index, name))

    aliases: dict[str, list[str]] = defaultdict(list)  # code -> alternate titles in file order
    alias_keys: dict[str, set[str]] = defaultdict(set)
    for row in read_tsv(onet / "Alternate Titles.txt"):
        raw, code = row["Alternate Title"], row["O*NET-SOC Code"]
        title, key = " ".join(raw.split()), title_key(raw)
        if not key:
            continue
        if held_out_title(raw):
            stats["held-out alternate titles"] += 1
            continue
        if key not in alias_keys[code]:
            alias_keys[code].add(key)
            aliases[code].append(title)

    records = []
    for row in sorted(occupations, key=lambda r: r["O*NET-SOC Code"]):
        code = row["O*NET-SOC Code"]
        description = normalize(row["Description"])
        ordered_tasks = [task for _, task in sorted(tasks.get(code, []), key=lambda t: t[0])]  # stable: file order
        chosen_tasks: list[str] = []
        for task in ordered_tasks:
            if task not in chosen_tasks:
                chosen_tasks.append(task)
            if len(chosen_tasks) == max_tasks:
                break
        chosen_skills: list[str] = []
        for _tier, _index, name in sorted(skills.get(code, []), key=lambda s: skill_order(s, listed_by)):
            if name not in chosen_skills:
                chosen_skills.append(name)
            if len(chosen_skills) == max_skills:
                break
        metadata = {"soc_major_group": code[:2], "soc_major_group_title": SOC_MAJOR_GROUPS[code[:2]], "source": SOURCE}
        if job_zones.get(code):
            metadata["job_zone"] = job_zones[code]
        title = normalize(row["Title"])
        names = [a for a in aliases.get(code, []) if title_key(a) != title_key(title)]
        stats["aliases"] += len(names)
        stats["tasks"] += len(chosen_tasks)
        stats["skills"] += len(chosen_skills)
        stats["occupations without tasks"] += not chosen_tasks
        stats["occupations without skills"] += not chosen_skills
        records.append(
            {
                "id": code,
                "title": title,
                "description": "\n".join([description, *chosen_tasks]),
                "skills": chosen_skills,
                "aliases": names,
                "location": None,
                "salary_min": None,
                "salary_max": None,
                "metadata": dict(sorted(metadata.items())),
            }
        )
    return records, stats


def to_jsonl(records: list[dict]) -> bytes:
    """One compact-but-readable JSON object per line, UTF-8, "\\n" line ends."""
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


def check(records: list[dict], data: bytes, gazetteer: Gazetteer, max_tasks: int, max_skills: int) -> None:
    """The invariants of the bundled catalog; an AssertionError says which one failed."""
    ids = [r["id"] for r in records]
    assert len(records) == OCCUPATIONS, f"expected {OCCUPATIONS} occupations, got {len(records)}"
    assert len(set(ids)) == len(ids), "duplicate ids"
    assert ids == sorted(ids), "ids not in code order"
    for r in records:
        assert r["title"].strip() and r["description"].strip(), f"{r['id']}: empty title or description"
        assert len(r["description"].split("\n")) <= 1 + max_tasks, f"{r['id']}: too many tasks"
        assert len(r["skills"]) <= max_skills and len(set(r["skills"])) == len(r["skills"]), f"{r['id']}: skills"
        assert all(s in gazetteer.names for s in r["skills"]), f"{r['id']}: a skill is not a gazetteer name"
        assert not any(held_out_title(a) for a in r["aliases"]), f"{r['id']}: a held-out title is an alias"
        assert len({title_key(a) for a in r["aliases"]}) == len(r["aliases"]), f"{r['id']}: repeated alias"
        assert r["metadata"]["source"] == SOURCE
        assert all(isinstance(v, str) for v in r["metadata"].values()), f"{r['id']}: metadata values are text"
    without_tasks = sum("\n" not in r["description"] for r in records)
    assert without_tasks == WITHOUT_TASKS, f"expected {WITHOUT_TASKS} occupations without tasks, got {without_tasks}"
    assert len(data) < MAX_BYTES, f"catalog is {len(data)} bytes, over {MAX_BYTES}"
    assert data.decode("utf-8").count("\n") == OCCUPATIONS


NOTICE = """# Default catalog: source and attribution

`onet-29.3-occupations.jsonl` is the default job catalog of `jobfit-match`: the 1,016 occupations of the O*NET 29.3
database with their titles, descriptions, main tasks, technology skills and alternate titles. It is generated by
`scripts/build-onet-catalog.py` (which documents every step); do not edit it by hand. See `docs/DATA.md`.

{attribution}

Source: O*NET 29.3 Database (May 2025), files `Occupation Data.txt`, `Task Statements.txt`, `Technology Skills.txt`,
`Job Zones.txt` and `Alternate Titles.txt`, <https://www.onetcenter.org/database.html>, licensed under the Creative Commons Attribution 4.0
International License, <https://creativecommons.org/licenses/by/4.0/>.

Changes: the occupation descriptions are followed by at most {tasks} of each occupation's tasks (core tasks
first); the technology examples were reduced to at most {skills} per occupation, renamed to the canonical names of
the jobfit-text skill gazetteer, and generic descriptions were left out; a fifth of the alternate titles (those
held out for evaluation) were left out; the SOC major group names were added.
USDOL/ETA has not approved, endorsed, or tested these modifications. O*NET(R) is a trademark of USDOL/ETA.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shared", type=Path, default=REPO.parent / "shared", help="the folder holding data/ (default: ../shared)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "crates/match/data", help="output folder")
    parser.add_argument(
        "--gazetteer", type=Path, default=REPO / "crates/text/data/skills.tsv", help="the skill gazetteer TSV"
    )
    parser.add_argument("--tasks", type=int, default=8, help="most tasks per occupation (default 8)")
    parser.add_argument("--skills", type=int, default=30, help="most skills per occupation (default 30)")
    args = parser.parse_args()
    if args.tasks < 0 or args.skills < 0:
        print("--tasks and --skills must not be negative", file=sys.stderr)
        return 2
    onet = args.shared / "data" / "onet-29.3"
    needed = [
        "Occupation Data.txt",
        "Task Statements.txt",
        "Technology Skills.txt",
        "Job Zones.txt",
        "Alternate Titles.txt",
    ]
    for path in [onet / name for name in needed] + [args.gazetteer]:
        if not path.is_file():
            print(f"missing {path}: pass --shared DIR (the folder holding data/onet-29.3)", file=sys.stderr)
            return 1

    gazetteer = Gazetteer(args.gazetteer)
    records, stats = build(onet, gazetteer, args.tasks, args.skills)
    data = to_jsonl(records)
    check(records, data, gazetteer, args.tasks, args.skills)
    out_path = args.out / "onet-29.3-occupations.jsonl"
    write_atomic(out_path, data)
    notice = NOTICE.format(attribution=ONET_ATTRIBUTION, tasks=args.tasks, skills=args.skills)
    write_atomic(args.out / "NOTICE.md", notice.encode("utf-8"))
    print(
        f"wrote {len(records)} occupations ({len(data):,} bytes) to {out_path}: {stats['tasks']} tasks, "
        f"{stats['skills']} skills, {stats['aliases']} aliases ({stats['held-out alternate titles']} held-out "
        f"alternate titles left out); {stats['occupations without tasks']} without tasks, "
        f"{stats['occupations without skills']} without skills; {stats['technology rows without a gazetteer name']} "
        f"of {stats['technology rows']} technology rows have no gazetteer name"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
