#!/usr/bin/env bash
# The explorer's third-party parts, pinned in scripts/versions.env; each step is skipped when
# what it installs is already there.
#   (no flag)   Chart.js from the npm registry (npm pack), checked against its sha256, its
#               dist/chart.umd.js put in .tools/explorer (served at /vendor/). The tarball is
#               cached in ~/.cache/aichain/npm, so another clone or a second run does not download.
#               Without npm the explorer still works, drawing its figures as tables only.
#   --browser   also what tests/e2e/test_explorer.py drives: Debian's chromium (apt-get) and the
#               playwright Python package in .venv (it drives /usr/bin/chromium; playwright's own
#               browser builds are never downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.env
DEST=.tools/explorer
STAMP="$DEST/chart.version"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/aichain/npm"
TGZ="$CACHE/chart.js-$CHARTJS_VERSION.tgz"

if [ ! -f "$DEST/chart.umd.js" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$CHARTJS_VERSION" ]; then
  if [ ! -f "$TGZ" ] || ! echo "$CHARTJS_SHA256  $TGZ" | sha256sum --check --status; then
    if command -v npm >/dev/null; then
      echo "==> fetching Chart.js $CHARTJS_VERSION for the explorer (npm pack, cached in $CACHE)"
      mkdir -p "$CACHE"
      (cd "$CACHE" && npm pack --silent "chart.js@$CHARTJS_VERSION" >/dev/null)
    else
      echo "warning: npm not found; the explorer will show its figures as tables (install npm and rerun make setup for charts)" >&2
    fi
  fi
  if [ -f "$TGZ" ]; then
    echo "$CHARTJS_SHA256  $TGZ" | sha256sum --check --status || {
      echo "error: $TGZ does not match CHARTJS_SHA256 in scripts/versions.env" >&2; rm -f "$TGZ"; exit 1; }
    mkdir -p "$DEST"
    tar -xzf "$TGZ" -O package/dist/chart.umd.js > "$DEST/chart.umd.js.tmp"
    tar -xzf "$TGZ" -O package/LICENSE.md > "$DEST/chart.LICENSE.md" 2>/dev/null || true
    mv "$DEST/chart.umd.js.tmp" "$DEST/chart.umd.js"
    echo "$CHARTJS_VERSION" > "$STAMP"
  fi
fi

[ "${1:-}" = "--browser" ] || exit 0

if ! command -v chromium >/dev/null; then
  echo "==> installing Debian's chromium for the explorer's browser test (apt-get)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
have="$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("playwright"))' 2>/dev/null || true)"
if [ "$have" != "$PLAYWRIGHT_VERSION" ]; then
  echo "==> installing playwright $PLAYWRIGHT_VERSION into .venv (drives the system chromium)"
  .venv/bin/pip install --quiet "playwright==$PLAYWRIGHT_VERSION"
fi
