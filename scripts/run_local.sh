#!/usr/bin/env bash
# `make run`: a local network (VALIDATORS validators, default 1) in AICHAIN_HOME (default
# ~/.aichain) with a worker on the CPU and the explorer; on its first start the walkthrough
# plays the whole loop, each step printed with the command that does it. A later `make run`
# resumes the same chain; FRESH=1 starts over. Ctrl-C stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."
HOME_DIR="${AICHAIN_HOME:-$HOME/.aichain}"
args=(--home "$HOME_DIR" --validators "${VALIDATORS:-1}")
if [ -n "${FRESH:-}" ] && [ "${FRESH}" != "0" ]; then
  args+=(--fresh)
fi
exec .venv/bin/aichain demo "${args[@]}"
