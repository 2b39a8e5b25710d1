#!/usr/bin/env bash
# Set up everything visualdl needs on a Debian-like machine, once:
# the apt packages Manim builds against (when missing), a .venv, and the package with its extras;
# with --with-browser also Chromium (the gallery site's test opens the page in it).
# A second run only checks and returns. Usage: bash scripts/setup.sh [--with-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

browser=0
for arg in "$@"; do
    case "$arg" in
        --with-browser) browser=1 ;;
        *) printf 'visualdl setup: unknown option %s (usage: setup.sh [--with-browser])\n' "$arg" >&2
           exit 2 ;;
    esac
done

PY=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.visualdl-setup

say() { printf 'visualdl setup: %s\n' "$*" >&2; }
# run a command with its output kept in a private log, shown only when it fails
quietly() {
    local log status=0
    log=$(mktemp)
    "$@" >"$log" 2>&1 || status=$?
    [ "$status" -eq 0 ] || { cat "$log" >&2; say "failed ($status): $*"; }
    rm -f "$log"
    return "$status"
}

if ! command -v "$PY" >/dev/null 2>&1; then
    say "no $PY found; install Python >= 3.11 first"; exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "Python >= 3.11 is required, found $("$PY" --version 2>&1)"; exit 1
fi

# apt packages: a C compiler and Pango/Cairo headers (Manim builds pycairo and manimpango from
# source), and venv/dev support where Debian's own Python is used.
need=()
for pkg in gcc pkg-config libpango1.0-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    need+=(python3-venv)
fi
if ! "$PY" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
    need+=(python3-dev)  # headers for the C extensions built from source
fi
# Chromium for the browser test only (the demo does not need it): any Chromium-like browser does.
if [ "$browser" -eq 1 ] && ! command -v chromium >/dev/null 2>&1 \
    && ! command -v chromium-browser >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        need+=(chromium)
    else
        say "no Chromium and no apt-get: install Chromium by hand, or the browser test is skipped"
    fi
fi
if [ ${#need[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        say "please install by hand: ${need[*]} (C compiler, pkg-config, Pango and Cairo headers)"
        exit 1
    fi
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    say "installing apt packages: ${need[*]}"
    quietly $SUDO apt-get update -qq
    quietly $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${need[@]}"
fi

want=$(sha1sum pyproject.toml | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
say "installing visualdl with its extras into $VENV (a few minutes the first time)"
quietly "$VENV/bin/python" -m pip install --quiet --upgrade pip
quietly "$VENV/bin/python" -m pip install --quiet -e ".[anim,slides,test,notebook]"
echo "$want" > "$STAMP"
say "ready"
