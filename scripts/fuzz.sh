#!/usr/bin/env bash
# Fuzzes one parser of jobfit with AFL++ on stable Rust.
#
#   scripts/fuzz.sh TARGET MINUTES      fuzz TARGET for MINUTES (0: until Ctrl-C)
#   scripts/fuzz.sh cmin TARGET DIR     minimize the inputs in DIR into fuzz/corpus/TARGET
#   scripts/fuzz.sh replay TARGET FILE...  run TARGET on files without AFL (a crash panics)
#
# Targets (fuzz/src/lib.rs says what each one checks):
#   clean redact extract tokenize records garbage document   jobfit-text
#   pairs catalog index checkpoint                           need the model crates (Burn): slower to build
#
# Install once (no nightly needed):
#   cargo install cargo-afl      # the `cargo afl` subcommand; it builds AFL++ for the toolchain
# (`cargo afl config --build --force` rebuilds AFL++ after a toolchain update.) The tokenize target
# reads models/all-MiniLM-L6-v2/tokenizer.json (scripts/fetch-model.sh), or $JOBFIT_FUZZ_TOKENIZER.
#
# Findings land in fuzz/out/TARGET/default/{crashes,hangs}; replay one with
# `scripts/fuzz.sh replay TARGET FILE` and turn it into a regression test of the crate at fault.
# Environment: CARGO_TARGET_DIR (default fuzz/target), FUZZ_OUT (default fuzz/out),
# AFL_OPT_LEVEL (default 3), FUZZ_TIMEOUT_MS (default 2000, longer runs count as hangs),
# FUZZ_NO_BUILD=1 (fuzz the binary already built).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzz="$root/fuzz"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$fuzz/target}"
out_root="${FUZZ_OUT:-$fuzz/out}"

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

features_for() {
    case "$1" in
        clean | redact | extract | tokenize | records | garbage | document) echo "" ;;
        pairs | catalog | index | checkpoint) echo "--features model" ;;
        *)
            echo "unknown target: $1" >&2
            usage
            ;;
    esac
}

build() {
    local target=$1
    if [ -n "${FUZZ_NO_BUILD:-}" ]; then
        return
    fi
    # shellcheck disable=SC2046
    (cd "$fuzz" && cargo afl build --release $(features_for "$target") --bin "$target")
}

if ! cargo afl --version > /dev/null 2>&1; then
    echo "cargo afl is missing: run \`cargo install cargo-afl\` first" >&2
    exit 1
fi
# afl-cmin runs afl-showmap from PATH: take the one cargo-afl built, not an
# older AFL++ of the system.
afl_bin=$(ls -d "${XDG_DATA_HOME:-$HOME/.local/share}"/afl.rs/rustc-*/afl.rs-*/afl/bin 2> /dev/null | tail -n 1)
if [ -n "$afl_bin" ]; then
    export PATH="$afl_bin:$PATH"
fi

case "${1:-}" in
    cmin)
        [ $# -eq 3 ] || usage
        target=$2 dir=$3
        build "$target"
        rm -rf "$fuzz/corpus/$target.min"
        # The shell afl-cmin: the Python one finds no coverage in these
        # persistent-mode binaries.
        cmin=(cargo afl cmin)
        if [ -x "$afl_bin/afl-cmin.bash" ]; then
            cmin=("$afl_bin/afl-cmin.bash")
        fi
        AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
            "${cmin[@]}" -i "$dir" -o "$fuzz/corpus/$target.min" -t 10000 -- \
            "$CARGO_TARGET_DIR/release/$target" > "$fuzz/corpus/$target.cmin.log" 2>&1 ||
            { tail -n 5 "$fuzz/corpus/$target.cmin.log" >&2; exit 1; }
        rm -f "$fuzz/corpus/$target.cmin.log"
        rm -rf "$fuzz/corpus/$target"
        mv "$fuzz/corpus/$target.min" "$fuzz/corpus/$target"
        ls "$fuzz/corpus/$target" | wc -l | xargs echo "inputs kept:"
        ;;
    replay)
        [ $# -ge 3 ] || usage
        target=$2
        shift 2
        # shellcheck disable=SC2046
        (cd "$fuzz" && cargo run --release $(features_for "$target") --bin replay -- "$target" "$@")
        ;;
    "" | -h | --help) usage ;;
    *)
        [ $# -eq 2 ] || usage
        target=$1 minutes=$2
        build "$target"
        out="$out_root/$target"
        mkdir -p "$out"
        args=(-i "$fuzz/corpus/$target" -o "$out" -t "${FUZZ_TIMEOUT_MS:-2000}" -m none)
        if [ -f "$fuzz/dict/$target.dict" ]; then
            args+=(-x "$fuzz/dict/$target.dict")
        fi
        if [ "$minutes" -gt 0 ]; then
            args+=(-V $((minutes * 60)))
        fi
        # Resume a previous run of the same target instead of starting over.
        if [ -f "$out/default/fuzzer_stats" ]; then
            args[1]=-
        fi
        # Shared machines: no CPU frequency or core pinning checks, no crash
        # reporter check, a plain log instead of the screen.
        AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
            AFL_NO_UI=1 \
            cargo afl fuzz "${args[@]}" -- "$CARGO_TARGET_DIR/release/$target"
        stats="$out/default/fuzzer_stats"
        if [ -f "$stats" ]; then
            awk -F' *: *' -v t="$target" '
                $1 == "run_time" { time = $2 } $1 == "execs_done" { execs = $2 }
                $1 == "saved_crashes" { crashes = $2 } $1 == "saved_hangs" { hangs = $2 }
                END { printf "%s: %.1f minutes, %s executions, %s crashes, %s hangs\n",
                      t, time / 60, execs, crashes, hangs }' "$stats"
        fi
        ;;
esac
