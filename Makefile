# aichain: `make run` starts a local chain, `make test` runs the whole suite.
# Both set up what they need first: .venv, the pinned CometBFT, generated protos.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export AICHAIN_HOME ?= $(HOME)/.aichain

.PHONY: setup venv cometbft buf protos explorer run test lint lint-protos bench clean

setup: venv cometbft buf protos explorer

venv:
	@scripts/setup_venv.sh

cometbft:
	@scripts/install_cometbft.sh

buf:
	@scripts/install_buf.sh

lint-protos: venv buf
	@$(PY) scripts/lint_protos.py

protos: venv
	@$(PY) scripts/gen_protos.py

# the explorer's charting library (npm, cached); with --browser, chromium + playwright for its test
explorer: venv
	@scripts/install_explorer.sh

run: setup
	@scripts/run_local.sh

test: setup
	@scripts/install_explorer.sh --browser
	@$(PY) -m pytest tests

lint: venv
	@$(VENV)/bin/ruff check .

bench: setup
	@$(PY) bench/run_all.py

clean:
	rm -rf gen .pytest_cache
