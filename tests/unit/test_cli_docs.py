"""docs/cli.md is the CLI as it is: regenerate it with scripts/gen_cli_docs.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_cli_docs.py"


def test_the_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rendered = module.render()
    assert "## `aichain`" in rendered and "`aichain tx attribution request`" in rendered
    assert module.DOC.read_text() == rendered, (
        "docs/cli.md is out of date: run .venv/bin/python scripts/gen_cli_docs.py"
    )
