#!/usr/bin/env bash
# Builds the pinned CometBFT into .tools/bin with `go install`, skipping the build when the
# binary there already reports the pinned version; also its abci-cli (the kvstore example app
# `aichain bench load --compare-kvstore` measures against), stamped with the same version.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.env
BIN=.tools/bin/cometbft
ABCI_CLI=.tools/bin/abci-cli
ABCI_STAMP=.tools/bin/abci-cli.version
want="${COMETBFT_VERSION#v}"
have_comet=0
if [ -x "$BIN" ] && [ "$("$BIN" version 2>/dev/null)" = "$want" ]; then
  have_comet=1
fi
have_cli=0
if [ -x "$ABCI_CLI" ] && [ "$(cat "$ABCI_STAMP" 2>/dev/null)" = "$COMETBFT_VERSION" ]; then
  have_cli=1
fi
if [ "$have_comet" = 1 ] && [ "$have_cli" = 1 ]; then
  exit 0
fi
command -v go >/dev/null || { echo "error: Go is needed to build CometBFT (https://go.dev/doc/install)" >&2; exit 1; }
mkdir -p .tools/bin
if [ "$have_comet" = 0 ]; then
  echo "==> building CometBFT $COMETBFT_VERSION into .tools/bin (go install)"
  GOBIN="$PWD/.tools/bin" go install "github.com/cometbft/cometbft/cmd/cometbft@$COMETBFT_VERSION"
  "$BIN" version
fi
if [ "$have_cli" = 0 ]; then
  echo "==> building abci-cli $COMETBFT_VERSION into .tools/bin (go install)"
  GOBIN="$PWD/.tools/bin" go install "github.com/cometbft/cometbft/abci/cmd/abci-cli@$COMETBFT_VERSION"
  echo "$COMETBFT_VERSION" > "$ABCI_STAMP"
fi
