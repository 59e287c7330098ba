"""scripts/gen_protos.py finds the project's own protos by globbing proto/aichain/**, so a new
module's .proto files are generated without editing a list."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def load_gen_protos():
    """scripts/gen_protos.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_protos", REPO / "scripts" / "gen_protos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_own_protos_are_found_by_glob_sorted(tmp_path: Path) -> None:
    gen = load_gen_protos()
    for name in ("aichain/zeta/v1/tx.proto", "aichain/alpha/v1/query.proto",
                 "aichain/alpha/v1/types.proto", "other/ignored.proto"):  # fmt: skip
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('syntax = "proto3";\n')
    (tmp_path / "README.md").write_text("not a proto")
    assert gen.own_protos(tmp_path) == [
        "aichain/alpha/v1/query.proto",
        "aichain/alpha/v1/types.proto",
        "aichain/zeta/v1/tx.proto",
    ]


def test_own_protos_are_not_listed_in_the_pinned_roots() -> None:
    gen = load_gen_protos()
    assert not any(root.startswith("aichain/") for root in gen.ROOTS)
    base = REPO / "proto"
    on_disk = sorted(p.relative_to(base).as_posix() for p in base.glob("aichain/**/*.proto"))
    assert gen.own_protos() == on_disk
