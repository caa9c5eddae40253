#!/usr/bin/env bash
# Runs jobfit-model's parity tests on the libtorch backend (burn-tch).
#
# burn-tch 0.22 builds against libtorch 2.9 through tch 0.22. This script takes
# libtorch from the PyPI wheel torch==2.9.0 (a CUDA build that also runs on
# machines without a GPU), installed into a virtual environment with its CUDA
# libraries removed, and points torch-sys at the wheel's directory with
# LIBTORCH.
#
# torch-sys can also find libtorch through Python (LIBTORCH_USE_PYTORCH=1): that
# imports torch at build time, which for the PyPI wheel needs its CUDA
# libraries and the ~3 GB of nvidia-* wheels they load. Where a full
# `pip install torch==2.9.0` is acceptable, `LIBTORCH_USE_PYTORCH=1` with that
# environment's python first on PATH works as well; LIBTORCH reads the same
# libtorch without it.
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

SITE="$("$PY" -c 'import site; print(site.getsitepackages()[0])')"
if [ ! -f "$SITE/torch/lib/libtorch_cpu.so" ] || [ ! -d "$SITE/nvidia/cuda_cupti" ]; then
    echo "test-tch: installing torch==$TORCH_VERSION (CPU use; CUDA libraries left out)"
    WHEELS="$(mktemp -d)"
    trap 'rm -rf "$WHEELS"' EXIT
    "$PY" -m pip download --quiet --no-deps -d "$WHEELS" "torch==$TORCH_VERSION" \
        || die "pip download torch==$TORCH_VERSION failed"
    "$PY" -m pip install --quiet --no-deps "$WHEELS"/torch-*.whl || die "installing the torch wheel failed"
    # libtorch_cpu links the CUDA runtime and CUPTI (its profiler) even on a
    # machine without a GPU: those two small wheels, and none of the rest.
    "$PY" -m pip install --quiet --no-deps nvidia-cuda-runtime-cu12==12.8.90 nvidia-cuda-cupti-cu12==12.8.90 \
        || die "installing the CUDA runtime wheels failed"
    # Only the CPU part of libtorch is needed: drop the CUDA libraries so the
    # build links (and loads) without the nvidia-* wheels.
    LIB="$("$PY" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null \
        || "$PY" -c 'import site, os; print(os.path.join(site.getsitepackages()[0], "torch", "lib"))')"
    rm -f "$LIB"/libtorch_cuda*.so "$LIB"/libc10_cuda.so "$LIB"/libtorch_nvshmem.so "$LIB"/libcaffe2_nvrtc.so
fi

TORCH_DIR="$("$PY" -c 'import site, os; print(os.path.join(site.getsitepackages()[0], "torch"))')"
[ -d "$TORCH_DIR/lib" ] || die "no libtorch found under $TORCH_DIR"
echo "test-tch: libtorch from $TORCH_DIR"

export LIBTORCH="$TORCH_DIR"
# The wheel's libtorch uses the C++11 ABI (torch._C._GLIBCXX_USE_CXX11_ABI).
export LIBTORCH_CXX11_ABI=1
NVIDIA_DIR="$(dirname "$TORCH_DIR")/nvidia"
export LD_LIBRARY_PATH="$TORCH_DIR/lib:$NVIDIA_DIR/cuda_runtime/lib:$NVIDIA_DIR/cuda_cupti/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export JOBFIT_BACKEND=tch

cd "$ROOT"
[ -d models/all-MiniLM-L6-v2 ] || scripts/fetch-model.sh
cargo test --release -p jobfit-model --features tch --test tests -- --nocapture parity
