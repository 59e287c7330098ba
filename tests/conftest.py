"""Session set-up shared by every test directory.

The pre-trained tiny base behind `--base-model tiny` (gpu_worker/base_cache.py) is built once per
machine and cached. On a cold cache it is built here, before the first test, when the session
runs any ML or end-to-end test: otherwise the first CLI process that loads "tiny" (an e2e test's
`aichain worker train`, with its own subprocess timeout) would pay for the build.
"""

from __future__ import annotations

import importlib.util

import pytest

NEEDS_BASE = ("tests/ml/", "tests/e2e/")
"""Test folders whose tests may load the pre-trained tiny base."""


def pytest_collection_finish(session: pytest.Session) -> None:
    """Builds the pre-trained tiny base first when collected tests may need it (cold cache)."""
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("peft") is None:
        return
    paths = {item.nodeid.split("::", 1)[0] for item in session.items}
    if not any(p.startswith(NEEDS_BASE) for p in paths):
        return
    from aichain.gpu_worker.base_cache import (
        ensure_pretrained_base,
        is_pretrained_base_cached,
        pretrained_base_path,
    )

    if is_pretrained_base_cached():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"building the pre-trained tiny base once (cached in {pretrained_base_path()})"
        )
    ensure_pretrained_base(progress=False)
