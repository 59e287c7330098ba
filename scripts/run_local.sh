#!/usr/bin/env bash
# `make run`: a single-validator local chain in AICHAIN_HOME (default ~/.aichain), created on
# first use with a funded `demo` key (test keyring), then started in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
HOME_DIR="${AICHAIN_HOME:-$HOME/.aichain}"
AICHAIN=.venv/bin/aichain
DEMO_COINS="${AICHAIN_DEMO_COINS:-10000000000000uaic}"
if [ ! -f "$HOME_DIR/config/genesis.json" ]; then
  echo "==> creating a local chain (aichain-local) in $HOME_DIR"
  "$AICHAIN" init local --chain-id aichain-local --home "$HOME_DIR"
  if ! "$AICHAIN" keys show demo --keyring-backend test --home "$HOME_DIR" >/dev/null 2>&1; then
    "$AICHAIN" keys add demo --keyring-backend test --home "$HOME_DIR" --output json \
      > "$HOME_DIR/demo-key.json"
    echo "    demo key saved (mnemonic included) in $HOME_DIR/demo-key.json"
  fi
  "$AICHAIN" genesis add-account demo "$DEMO_COINS" --keyring-backend test --home "$HOME_DIR"
  # the node's validator bonds stake at genesis, so staking, rewards and slashing are live
  "$AICHAIN" keys add validator --keyring-backend test --home "$HOME_DIR" --output json \
    > "$HOME_DIR/validator-key.json"
  "$AICHAIN" genesis add-account validator 1000000000000uaic --keyring-backend test --home "$HOME_DIR"
  "$AICHAIN" genesis gentx validator 100000000000uaic --chain-id aichain-local \
    --keyring-backend test --home "$HOME_DIR"
  "$AICHAIN" genesis collect-gentxs --home "$HOME_DIR"
fi
echo "==> demo key: $("$AICHAIN" keys show demo --address --keyring-backend test --home "$HOME_DIR")"
# a local demo chain: its keys live in the plaintext test keyring on purpose, and its P2P
# keeps CometBFT's default (all interfaces), so tell `start` the test keyring is meant
exec "$AICHAIN" start --home "$HOME_DIR" --allow-test-keyring
