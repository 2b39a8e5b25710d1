#!/usr/bin/env bash
# Set up (once; with Chromium, which the gallery site's test opens the page in), lint, and run
# the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# pytest exits 5 when it collects no test: that is a failure here too (set -e).
exec .venv/bin/pytest "$@"
