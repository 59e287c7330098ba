"""docs/rest.md's route table and docs/grpc.md's module query methods are what the node serves:
regenerate them with scripts/gen_api_docs.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_api_docs.py"


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_api_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rest_and_grpc_references_are_current() -> None:
    module = _module()
    pages = module.render()
    rest, grpc = pages[module.REST], pages[module.GRPC]
    for route in (
        "`GET /aichain/attribution/v1/inferences/{id}`",
        "`GET /cosmos/bank/v1beta1/balances/{address}`",
        "`POST /cosmos/tx/v1beta1/txs`",
    ):
        assert route in rest, route  # fmt: skip
    assert "`aichain.attribution.v1.Query/Inference` | `QueryInferenceRequest`" in grpc
    for page, text in pages.items():
        assert page.read_text() == text, (
            f"{page.name} is out of date: run .venv/bin/python scripts/gen_api_docs.py"
        )


def test_a_page_without_its_markers_is_refused() -> None:
    module = _module()
    with pytest.raises(SystemExit, match="has no generated section"):
        module.splice("# no markers here\n", "table", module.REST)
