"""docs/security.md names the test behind each line of its threat model and limits: every
test file and test function it names exists (a renamed or deleted test fails here)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
SPAN = re.compile(r"`([^`\s]+)`")
REF = re.compile(r"^(?:tests/)?((?:[a-z_0-9]+/)*[a-z_0-9]+\.py)?(?:::([A-Za-z_0-9]+))?$")


def references(text: str) -> list[tuple[str, str | None]]:
    """(test file under tests/, test name or None) for every test span, in order; a span
    `::name` names a test of the file named last."""
    out: list[tuple[str, str | None]] = []
    last: str | None = None
    for span in SPAN.findall(text):
        match = REF.match(span)
        if not match or not (match.group(1) or match.group(2)):
            continue
        path, name = match.groups()
        if path is not None:
            if not (path.split("/")[0] in TEST_DIRS and path.split("/")[-1].startswith("test")):
                continue  # a source file (node/ratelimit.py), not a test
            last = path
        elif last is None:
            raise AssertionError(f"{span} names a test before any test file")
        out.append((path or last, name))  # type: ignore[arg-type]
    return out


TEST_DIRS = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir()}
"""tests/ sub-folders (unit, integration, e2e, fuzz, ml, sim)."""


def test_every_test_the_security_doc_names_exists() -> None:
    refs = references(DOC.read_text())
    assert len(refs) > 60  # the threat model names its tests
    missing = []
    for path, name in refs:
        source = ROOT / "tests" / path
        if not source.is_file():
            missing.append(path)
        elif name and not re.search(rf"^(?:async )?def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert missing == [], f"docs/security.md names tests that do not exist: {missing}"


def test_a_bare_test_name_is_read_as_a_test_of_the_file_named_last() -> None:
    refs = references("`unit/test_x.py::test_a`, `::test_b`, `node/ratelimit.py` `e2e/test_y.py`")
    assert refs == [("unit/test_x.py", "test_a"), ("unit/test_x.py", "test_b"),
                    ("e2e/test_y.py", None)]  # fmt: skip
