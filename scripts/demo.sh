#!/usr/bin/env bash
# Set up (once) and render every scene (mp4, poster, GIF) and the gallery page into a folder.
# Usage: bash scripts/demo.sh [OUT_DIR] [low|medium|high] [--jobs N]   (default: out, medium:
# 720p30, one job per core). Scenes whose files are up to date are not rendered again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/visualdl demo --out "${1:-out}" --quality "${2:-medium}" "${@:3}"
