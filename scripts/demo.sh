#!/usr/bin/env bash
# Set up (once) and render the default animations and the gallery into an output folder.
# Usage: bash scripts/demo.sh [OUT_DIR] [low|medium|high]   (default: out, low)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/visualdl demo --out "${1:-out}" --quality "${2:-low}"
