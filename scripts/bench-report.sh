#!/usr/bin/env bash
# Compares jobfit's encoder throughput with ONNX Runtime on the shared peer
# workload (../shared/bench), interleaving the two so both see the same
# machine conditions, and writes one markdown table of texts/s and ratios.
#
# Usage: scripts/bench-report.sh [OUT.md]      (default: stdout)
# Env:   ROUNDS (default 3)  BENCH_DIR (default ../shared/bench)
#        ENGINES (default "auto int8")  THREADS (default "1 2")  KINDS (default "long short")
#
# Needs: scripts/fetch-model.sh done, python3 with venv (ONNX Runtime is
# installed into .venv-bench, git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/../shared/bench}"
MODEL="$ROOT/models/all-MiniLM-L6-v2"
ROUNDS="${ROUNDS:-3}"
ENGINES="${ENGINES:-auto int8}"
THREADS="${THREADS:-1 2}"
KINDS="${KINDS:-long short}"
OUT="${1:-/dev/stdout}"

die() { echo "bench-report: error: $*" >&2; exit 1; }
[ -f "$BENCH_DIR/workload.jsonl" ] || die "no workload at $BENCH_DIR/workload.jsonl (set BENCH_DIR)"
[ -f "$BENCH_DIR/peer_ort.py" ] || die "no peer_ort.py in $BENCH_DIR"
[ -d "$MODEL" ] || "$ROOT/scripts/fetch-model.sh"

VENV="$ROOT/.venv-bench"
if ! "$VENV/bin/python" -c "import onnxruntime, tokenizers, numpy" 2>/dev/null; then
    echo "bench-report: installing onnxruntime, tokenizers, numpy into $VENV" >&2
    python3 -m venv "$VENV" || die "python3 -m venv failed"
    "$VENV/bin/python" -m pip install --quiet onnxruntime tokenizers numpy || die "pip install failed"
fi

cd "$ROOT"
echo "bench-report: building the benchmark harness" >&2
cargo bench -p jobfit --bench embed_throughput --no-run >&2 2>&1
HARNESS="$(ls -t target/release/deps/embed_throughput-* | grep -v '\.d$' | head -n 1)"
[ -x "$HARNESS" ] || die "benchmark harness not built"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$1'])"; }

for threads in $THREADS; do
    for kind in $KINDS; do
        for round in $(seq 1 "$ROUNDS"); do
            echo "bench-report: threads=$threads kind=$kind round $round/$ROUNDS" >&2
            for engine in $ENGINES; do
                RAYON_NUM_THREADS="$threads" "$HARNESS" "$MODEL" "$threads" "$kind" --reps 3 --engine "$engine" \
                    --workload "$BENCH_DIR/workload.jsonl" | field texts_per_s_median >> "$TMP/jobfit-$engine-$threads-$kind"
            done
            "$VENV/bin/python" "$BENCH_DIR/peer_ort.py" "$MODEL" "$threads" "$kind" --reps 3 \
                | field texts_per_s_median >> "$TMP/ort-$threads-$kind"
        done
    done
done

{
    echo "## Encoder throughput: jobfit vs ONNX Runtime"
    echo
    echo "all-MiniLM-L6-v2, \`$(basename "$BENCH_DIR")/workload.jsonl\` (512 job texts truncated at 128 tokens: \"long\"; 512 job titles: \"short\"), batch 32,"
    echo "texts/s as the median of $ROUNDS interleaved rounds (each round's figure is the median of 3 passes)."
    echo
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(grep -m1 flags /proc/cpuinfo | grep -o 'avx512f\|avx512_vnni\|avx2' | sort -u | tr '\n' ' ')"
    echo "ONNX Runtime: $("$VENV/bin/python" -c 'import onnxruntime; print(onnxruntime.__version__)'); jobfit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    header="| threads | texts | ONNX Runtime |"
    rule="|---|---|---|"
    for engine in $ENGINES; do header="$header jobfit ($engine) | ratio |"; rule="$rule---|---|"; done
    echo "$header"
    echo "$rule"
    for threads in $THREADS; do
        for kind in $KINDS; do
            ort=$(median < "$TMP/ort-$threads-$kind")
            row="| $threads | $kind | $(printf '%.1f' "$ort") |"
            for engine in $ENGINES; do
                ours=$(median < "$TMP/jobfit-$engine-$threads-$kind")
                row="$row $(printf '%.1f' "$ours") | $(python3 -c "print(f'{$ours / $ort:.2f}x')") |"
            done
            echo "$row"
        done
    done
    echo
    echo "Reproduce: \`scripts/bench-report.sh\` (ROUNDS, THREADS, KINDS, ENGINES and BENCH_DIR adjust it)."
} > "$OUT"
