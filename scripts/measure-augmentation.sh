#!/usr/bin/env bash
# Measures what `jobfit augment` does for fine-tuning, on two tasks where
# training data is scarce, each with and without augmented copies and with the
# same number of optimizer steps:
#
#   classification  LiveCareer resumes -> category. Training: 12 resumes per
#                   category (seeded) from the four fifths that are not held out;
#                   validation: the held-out fifth (FNV-1a 64 of the id divisible
#                   by 5, the resumes of eval/resumes.queries.jsonl). Macro-F1 of
#                   the last and the best epoch.
#   title matching  4,000 seeded pairs of eval/onet-titles.title-pairs.jsonl
#                   (alternate title -> occupation title), `train match` as the
#                   title recipe (batch 64, 32 tokens, lr 3e-5); MRR@10 on the
#                   O*NET and ESCO dev titles (onet-titles.small, esco-titles.small).
#
# Runs: plain (the sample as it is), augmented (the sample plus one augmented
# copy per record, half the epochs: the same steps as plain) and, for titles,
# plain with twice the epochs (the same steps as a full pass over the augmented
# data). Everything is seeded; the figures are one run each.
#
# Usage: scripts/measure-augmentation.sh [OUT_DIR]   (default runs/augment)
# Env:   JOBFIT (default target/release/jobfit)  SHARED (default ../shared)
#        TASKS (default "classify titles")
# Needs: scripts/fetch-model.sh and python3 scripts/build-eval-sets.py done,
#        the CLI built (cargo build --release -p jobfit-cli). About 90 minutes on
#        2 cores of the default backend.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${1:-runs/augment}"
JOBFIT="${JOBFIT:-target/release/jobfit}"
SHARED="${SHARED:-../shared}"
TASKS="${TASKS:-classify titles}"
MODEL="models/all-MiniLM-L6-v2"

die() { echo "measure-augmentation: error: $*" >&2; exit 1; }
[ -x "$JOBFIT" ] || die "no CLI at $JOBFIT (cargo build --release -p jobfit-cli)"
[ -d "$MODEL" ] || die "no model at $MODEL (scripts/fetch-model.sh)"
[ -f eval/onet-titles.title-pairs.jsonl ] || die "no eval sets (python3 scripts/build-eval-sets.py)"
mkdir -p "$OUT"

python3 - "$SHARED" "$OUT" <<'EOF'
import csv, json, random, sys
from collections import defaultdict
sys.path.insert(0, "scripts")
from heldout import HOLD_OUT, fnv1a64

shared, out = sys.argv[1], sys.argv[2]
csv.field_size_limit(1 << 30)
with open(f"{shared}/data/resumes-livecareer/train.csv", newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
valid = [r for r in rows if fnv1a64(r["id"]) % HOLD_OUT == 0]
pool = defaultdict(list)
for r in rows:
    if fnv1a64(r["id"]) % HOLD_OUT != 0:
        pool[r["category"]].append(r)
rng = random.Random(42)
small = []
for category in sorted(pool):
    small += rng.sample(pool[category], min(12, len(pool[category])))
rng.shuffle(small)
for name, part in (("cls-valid.csv", valid), ("cls-train.csv", small)):
    with open(f"{out}/{name}", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "category", "text"])
        w.writeheader()
        w.writerows(part)

with open("eval/onet-titles.title-pairs.jsonl", encoding="utf-8") as f:
    pairs = [json.loads(line) for line in f]
rng = random.Random(42)
sample = rng.sample(pairs, 4200)
# 200 anchors for the trainer's own validation, kept out of both runs' data.
valid_anchors = {p["anchor"] for p in sample[:200]}
train = [p for p in sample[200:] if p["anchor"] not in valid_anchors]
for name, part in (("titles-valid.jsonl", sample[:200]), ("titles-train.jsonl", train)):
    with open(f"{out}/{name}", "w", encoding="utf-8") as f:
        for p in part:
            f.write(json.dumps({"anchor": p["anchor"], "positive": p["positive"]}, ensure_ascii=False) + "\n")
print(f"classification: {len(small)} training resumes, {len(valid)} validation; "
      f"titles: {len(train)} training pairs, 200 validation", file=sys.stderr)
EOF

train_classify() { # NAME TRAIN_FILE EPOCHS
    "$JOBFIT" train classify --model "$MODEL" --train "$2" --valid "$OUT/cls-valid.csv" \
        --epochs "$3" --patience 0 --out "$OUT/$1" --overwrite --quiet
}

train_titles() { # NAME PAIRS_FILE EPOCHS
    "$JOBFIT" train match --model "$MODEL" --pairs "$2" --valid-pairs "$OUT/titles-valid.jsonl" \
        --epochs "$3" --batch-size 64 --max-len 32 --lr 3e-5 --out "$OUT/$1" --overwrite --quiet
}

retrieve() { # MODEL_DIR CATALOG QUERIES -> prints MRR@10
    "$JOBFIT" eval retrieve --model "$1" --catalog "$2" --queries "$3" \
        --catalog-fields title,description | python3 -c \
        'import json,sys; print("%.3f" % [json.loads(l) for l in sys.stdin if l.startswith("{")][-1]["mrr@10"])'
}

for task in $TASKS; do
    case "$task" in
    classify)
        "$JOBFIT" augment --input "$OUT/cls-train.csv" --output "$OUT/cls-train.aug.csv" \
            --kind classification --copies 1 --seed 42
        train_classify cls-plain "$OUT/cls-train.csv" 8
        train_classify cls-aug "$OUT/cls-train.aug.csv" 4
        python3 - "$OUT" <<'EOF' | tee "$OUT/classify.md"
import json, sys
out = sys.argv[1]
print("| run | macro-F1 per epoch | last | best | accuracy (last) |")
print("|---|---|---:|---:|---:|")
for run in ("cls-plain", "cls-aug"):
    evals = [e for e in map(json.loads, open(f"{out}/{run}/metrics.jsonl")) if e.get("event") == "epoch"]
    f1 = [e["val"]["macro_f1"] for e in evals]
    print(f"| {run} | {', '.join('%.3f' % v for v in f1)} | {f1[-1]:.3f} | {max(f1):.3f} | "
          f"{evals[-1]['val']['accuracy']:.3f} |")
EOF
        ;;
    titles)
        "$JOBFIT" augment --input "$OUT/titles-train.jsonl" --output "$OUT/titles-train.aug.jsonl" \
            --kind pairs --copies 1 --seed 42
        train_titles titles-plain "$OUT/titles-train.jsonl" 1
        train_titles titles-aug "$OUT/titles-train.aug.jsonl" 1
        train_titles titles-plain-2ep "$OUT/titles-train.jsonl" 2
        {
            echo "| model | O*NET titles MRR@10 | ESCO titles MRR@10 |"
            echo "|---|---:|---:|"
            for run in zero-shot titles-plain titles-aug titles-plain-2ep; do
                dir="$OUT/$run/best"
                [ "$run" = zero-shot ] && dir="$MODEL"
                echo "| $run | $(retrieve "$dir" eval/onet-catalog-short.jsonl eval/onet-titles.small.queries.jsonl) |" \
                    "$(retrieve "$dir" eval/esco-catalog.jsonl eval/esco-titles.small.queries.jsonl) |"
            done
        } | tee "$OUT/titles.md"
        ;;
    *) die "unknown task $task (classify, titles)" ;;
    esac
done
