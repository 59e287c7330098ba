#!/usr/bin/env bash
# Creates or refreshes .venv with the pinned dependencies; a no-op when it is current.
# "Current" means the stamp records the hash of pyproject.toml + setup.py and the Python version.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
STAMP="$VENV/.aichain-stamp"
PYTHON="${PYTHON:-python3}"
want="$(cat pyproject.toml setup.py | sha256sum | cut -d' ' -f1) $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
  exit 0
fi
echo "==> setting up Python environment in $VENV (pip's cache at ~/.cache/pip is reused)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade "pip==25.3" "setuptools==80.9.0" wheel
"$VENV/bin/pip" install --quiet -e ".[dev,worker]"
echo "$want" > "$STAMP"
