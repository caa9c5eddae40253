#!/usr/bin/env bash
# Runs jobfit-model's parity tests on the libtorch backend (burn-tch).
#
# burn-tch 0.22 builds against libtorch 2.9 through tch 0.22. This script takes
# libtorch from the PyPI wheel torch==2.9.0 (a CUDA build that also runs on
# machines without a GPU), installed into a virtual environment with the CUDA
# libraries left out, and builds with LIBTORCH_USE_PYTORCH=1 so torch-sys finds
# it through that Python.
#
# Usage: scripts/test-tch.sh [VENV_DIR]     (default: .venv-tch, git-ignored)
# Needs: python3 with venv and pip, a C++ compiler, ~3 GB of disk.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv-tch}"
TORCH_VERSION="2.9.0"

die() { echo "test-tch: error: $*" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || die "python3 is not installed"
command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || die "a C++ compiler (g++) is needed to build torch-sys"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" || die "python3 -m venv failed (install python3-venv)"
fi
PY="$VENV/bin/python"

if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('$TORCH_VERSION') else 1)" 2>/dev/null; then
    echo "test-tch: installing torch==$TORCH_VERSION (CPU use; CUDA libraries left out)"
    WHEELS="$(mktemp -d)"
    trap 'rm -rf "$WHEELS"' EXIT
    "$PY" -m pip download --quiet --no-deps -d "$WHEELS" "torch==$TORCH_VERSION" \
        || die "pip download torch==$TORCH_VERSION failed"
    "$PY" -m pip install --quiet --no-deps "$WHEELS"/torch-*.whl || die "installing the torch wheel failed"
    # Only the CPU part of libtorch is needed: drop the CUDA libraries so the
    # build links (and loads) without the nvidia-* wheels.
    LIB="$("$PY" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null \
        || "$PY" -c 'import site, os; print(os.path.join(site.getsitepackages()[0], "torch", "lib"))')"
    rm -f "$LIB"/libtorch_cuda*.so "$LIB"/libc10_cuda.so "$LIB"/libtorch_nvshmem.so "$LIB"/libcaffe2_nvrtc.so
fi

TORCH_DIR="$("$PY" -c 'import site, os; print(os.path.join(site.getsitepackages()[0], "torch"))')"
[ -d "$TORCH_DIR/lib" ] || die "no libtorch found under $TORCH_DIR"
echo "test-tch: libtorch from $TORCH_DIR"

# torch-sys asks this Python where libtorch is.
export LIBTORCH_USE_PYTORCH=1
export PATH="$VENV/bin:$PATH"
export LD_LIBRARY_PATH="$TORCH_DIR/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export JOBFIT_BACKEND=tch

cd "$ROOT"
[ -d models/all-MiniLM-L6-v2 ] || scripts/fetch-model.sh
cargo test --release -p jobfit-model --features tch --test tests -- --nocapture parity
