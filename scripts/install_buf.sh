#!/usr/bin/env bash
# Builds the pinned buf (the linter of the project's own protos) into .tools/bin with
# `go install`, skipping the build when the binary there already reports the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.env
BIN=.tools/bin/buf
want="${BUF_VERSION#v}"
if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "$want" ]; then
  exit 0
fi
command -v go >/dev/null || { echo "error: Go is needed to build buf (https://go.dev/doc/install)" >&2; exit 1; }
echo "==> building buf $BUF_VERSION into .tools/bin (go install)"
mkdir -p .tools/bin
GOBIN="$PWD/.tools/bin" go install "github.com/bufbuild/buf/cmd/buf@$BUF_VERSION"
"$BIN" --version
