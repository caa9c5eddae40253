#!/usr/bin/env python3
"""Rebuild the bundled data of jobfit-guide: crates/guide/data/{onet-29.3-technology-skills.tsv,esco-skill-groups.tsv}.

Usage: scripts/build-guide-data.py [--shared DIR] [--out DIR] [--gazetteer TSV] [--catalog JSONL]

DIR defaults to ../shared next to the repository root and must hold data/onet-29.3 (the tab-separated text release
of O*NET 29.3, CC BY 4.0) and data/esco (the English CSV export of ESCO v1.0.x, European Commission, reuse with
attribution). Python 3 standard library only; the output is deterministic (rerunning on the same inputs gives the
same bytes).

1. onet-29.3-technology-skills.tsv: for each technology skill of the bundled O*NET catalog
   (crates/match/data/onet-29.3-occupations.jsonl) and each skill O*NET flags, its flags and its O*NET commodity
   (the kind of tool: "Spreadsheet software"). First the commodities, one per line:

       @ <TAB> commodity code <TAB> commodity title

   then one line per skill:

       skill <TAB> hot (Y or N) <TAB> the O*NET-SOC codes listing it as "In Demand" ("|"-separated, sorted)
             <TAB> commodity code

   "Hot Technology" marks a technology employers' postings ask for often; "In Demand" one that postings for that
   occupation ask for often. The skill is the canonical name of the default skill gazetteer of jobfit-text
   (crates/text/data/skills.tsv), found exactly as scripts/build-onet-catalog.py finds it (the example as written,
   without a trailing " software", or a generic description's acronym or phrase), so that it lines up with the
   skills of the bundled O*NET catalog and with what the gazetteer finds in a resume. Examples without a gazetteer
   name are left out. "Hot Technology" belongs to an example, not to an occupation (every row of one example carries
   the same flag); a skill is hot when one of its examples is. A skill whose examples fall under several commodities
   gets the one most of its rows name (ties: the lowest code).

2. esco-skill-groups.tsv: the groups of the ESCO skills hierarchy (skillsHierarchy_en.csv) a skill can be filed
   under, one line per group:

       code <TAB> label <TAB> top-level group <TAB> kind (skill, knowledge, attitude or language)

   Levels 2 and 3 of the skills (S), knowledge (ISCED-F fields), attitudes and values (A) pillars, and level 1 of
   the language pillar (L). Left out: the catch-all groups ("... not further defined", "... not elsewhere
   classified", "inter-disciplinary ...", "field unknown", "generic programmes ..."), and a level-3 group whose
   label repeats its level-2 parent (S1.0.0 under S1.0). The code is the last part of the group's URI (S5.1,
   0613); the URI is http://data.europa.eu/esco/skill/CODE for S, A and L and
   http://data.europa.eu/esco/isced-f/CODE for knowledge.

It also writes crates/guide/data/NOTICE.md with the attributions.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CATCH_ALL = ("not further defined", "not elsewhere classified", "inter-disciplinary", "field unknown", "generic programmes")
MAX_BYTES = 200_000


def catalog_builder():
    """scripts/build-onet-catalog.py as a module: its gazetteer lookup is the one the bundled catalog used."""
    sys.path.insert(0, str(REPO / "scripts"))
    spec = importlib.util.spec_from_file_location("build_onet_catalog", REPO / "scripts" / "build-onet-catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def technology_skills(onet: Path, builder, gazetteer, catalog: Path) -> tuple[dict[str, str], list[tuple[str, ...]]]:
    """The commodities used ({code: title}) and (skill, hot, in-demand codes, commodity code) sorted by skill."""
    hot: dict[str, bool] = defaultdict(bool)
    demand: dict[str, set[str]] = defaultdict(set)
    commodities: dict[str, Counter] = defaultdict(Counter)
    titles: dict[str, str] = {}
    for row in builder.read_tsv(onet / "Technology Skills.txt"):
        example = builder.normalize(row["Example"])
        name = builder.canonical_skill(example, gazetteer) if example else None
        if name is None:
            continue
        if row["Hot Technology"] == "Y":
            hot[name] = True
        if row["In Demand"] == "Y":
            demand[name].add(row["O*NET-SOC Code"])
        code = row["Commodity Code"].strip()
        commodities[name][code] += 1
        titles[code] = builder.normalize(row["Commodity Title"])
    in_catalog = set()
    with catalog.open(encoding="utf-8") as f:
        for line in f:
            in_catalog.update(json.loads(line)["skills"])
    skills = sorted(in_catalog | {name for name, on in hot.items() if on} | set(demand))
    rows = []
    used: dict[str, str] = {}
    for name in skills:
        counts = commodities.get(name)
        code = min(counts, key=lambda c: (-counts[c], c)) if counts else ""
        if code:
            used[code] = titles[code]
        rows.append((name, "Y" if hot[name] else "N", "|".join(sorted(demand[name])), code))
    return dict(sorted(used.items())), rows


def level(row: dict[str, str]) -> int:
    for n in (3, 2, 1, 0):
        if row[f"Level {n} URI"]:
            return n
    return -1


def skill_groups(esco: Path) -> list[tuple[str, str, str, str]]:
    """(code, label, top-level label, kind) in file order."""
    out = []
    seen = set()
    with (esco / "skillsHierarchy_en.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    labels = {row[f"Level {level(row)} URI"]: row[f"Level {level(row)} preferred term"] for row in rows if level(row) >= 0}
    for row in rows:
        n = level(row)
        uri = row[f"Level {n} URI"]
        label = " ".join(row[f"Level {n} preferred term"].split())
        top = " ".join(row["Level 1 preferred term"].split())
        code = uri.rstrip("/").rsplit("/", 1)[1]
        if "/isced-f/" in uri:
            kind = "knowledge"
        else:
            kind = {"S": "skill", "A": "attitude", "L": "language"}.get(code[:1])
        if kind is None or not label:
            continue
        wanted = n in (2, 3) if kind != "language" else n == 1
        if not wanted or any(part in label for part in CATCH_ALL):
            continue
        if n == 3:
            parent = row["Level 2 URI"]
            if labels.get(parent) == row["Level 3 preferred term"]:
                continue
        if uri in seen:
            continue
        seen.add(uri)
        out.append((code, label, top, kind))
    return out


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


NOTICE = """# Bundled data of jobfit-guide: sources and attribution

Both files are generated by `scripts/build-guide-data.py` (which documents every step); do not edit them by hand.

## onet-29.3-technology-skills.tsv (O*NET 29.3, CC BY 4.0)

{onet_attribution}

Source: O*NET 29.3 Database (May 2025), file `Technology Skills.txt` (columns Example, Commodity Code, Commodity
Title, Hot Technology, In Demand),
<https://www.onetcenter.org/database.html>, licensed under the Creative Commons Attribution 4.0 International
License, <https://creativecommons.org/licenses/by/4.0/>.

Changes: the examples are renamed to the canonical names of the jobfit-text skill gazetteer (examples it does not
know are left out) and only the skills of the bundled O*NET catalog and the flagged ones are kept; the rows of one
skill are merged into one line with its flags, the occupations for which it is "In Demand" and its most frequent
commodity. USDOL/ETA has not approved, endorsed, or tested these
modifications. O*NET(R) is a trademark of USDOL/ETA.

## esco-skill-groups.tsv (ESCO, European Commission)

This file uses the ESCO classification of the European Commission (ESCO v1.0, English, file
`skillsHierarchy_en.csv`, <https://esco.ec.europa.eu>), reused under Commission Decision 2011/833/EU on the reuse of
Commission documents. Changes: only the codes, English labels and top-level labels of the groups of levels 2 and 3
(level 1 for languages) are kept, without the catch-all groups. The European Commission has not approved these
modifications.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the folder holding data/")
    parser.add_argument("--out", type=Path, default=REPO / "crates/guide/data", help="output folder")
    parser.add_argument("--gazetteer", type=Path, default=REPO / "crates/text/data/skills.tsv")
    parser.add_argument(
        "--catalog", type=Path, default=REPO / "crates/match/data/onet-29.3-occupations.jsonl", help="the bundled catalog"
    )
    args = parser.parse_args()
    onet, esco = args.shared / "data" / "onet-29.3", args.shared / "data" / "esco"
    for path in [onet / "Technology Skills.txt", esco / "skillsHierarchy_en.csv", args.gazetteer, args.catalog]:
        if not path.is_file():
            print(f"missing {path}: pass --shared DIR (the folder holding data/onet-29.3 and data/esco)", file=sys.stderr)
            return 1
    builder = catalog_builder()
    gazetteer = builder.Gazetteer(args.gazetteer)

    commodities, flags = technology_skills(onet, builder, gazetteer, args.catalog)
    header = "# O*NET 29.3 technology skills by gazetteer name: flags and commodity; built by scripts/build-guide-data.py\n"
    header += "# @\tcommodity code\tcommodity title\n# skill\thot\tin-demand O*NET-SOC codes\tcommodity code\n"
    body = "".join(f"@\t{code}\t{title}\n" for code, title in commodities.items())
    body += "".join("\t".join(row) + "\n" for row in flags)
    data = (header + body).encode("utf-8")
    assert all(row[0] in gazetteer.names for row in flags), "a skill is not a gazetteer name"
    assert not any(row[0] == "@" for row in flags), "a skill named @ would read as a commodity line"
    assert len(data) < MAX_BYTES, f"skills file is {len(data)} bytes"
    (args.out / "onet-29.3-technology-flags.tsv").unlink(missing_ok=True)
    write_atomic(args.out / "onet-29.3-technology-skills.tsv", data)

    groups = skill_groups(esco)
    header = "# ESCO skills hierarchy groups (levels 2 and 3); built by scripts/build-guide-data.py\n"
    header += "# code\tlabel\ttop-level group\tkind\n"
    gdata = (header + "".join("\t".join(row) + "\n" for row in groups)).encode("utf-8")
    assert len({code for code, *_ in groups}) == len(groups), "duplicate group codes"
    assert len(gdata) < MAX_BYTES, f"groups file is {len(gdata)} bytes"
    write_atomic(args.out / "esco-skill-groups.tsv", gdata)

    write_atomic(args.out / "NOTICE.md", NOTICE.format(onet_attribution=builder.ONET_ATTRIBUTION).encode("utf-8"))
    hot = sum(1 for row in flags if row[1] == "Y")
    demand = sum(1 for row in flags if row[2])
    print(
        f"wrote {len(flags)} technology skills ({hot} hot, {demand} in demand somewhere, {len(commodities)} "
        f"commodities; {len(data):,} bytes) and "
        f"{len(groups)} ESCO skill groups ({len(gdata):,} bytes) to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
