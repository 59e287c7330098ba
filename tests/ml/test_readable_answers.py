"""A new user's first three commands give an answer a person can read (issue 17).

`aichain worker make-demo-datanet D --contributors 8`, `aichain worker train D --out A` and
`aichain worker attribute A --prompt "tell me about"`, each run as a separate process as a user
would run them, all defaults: the answer is printable text in the datanet's language (mostly
letters and spaces, at least two distinct words that the datanet's records contain; the rest
may be new pseudo-words made of the datanet's syllables), and no library warning reaches the
terminal. The pre-trained tiny base comes from the shared cache (gpu_worker.base_cache):
built by the first test that needs it, reused after.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from aichain.gpu_worker.base_cache import ensure_pretrained_base  # noqa: E402
from aichain.gpu_worker.datanet import DirectoryDatanet  # noqa: E402

pytestmark = pytest.mark.ml

AICHAIN = str(Path(sys.executable).with_name("aichain"))
"""The installed CLI, run as a user runs it."""
WORD = re.compile(r"[A-Za-z]{3,}")
"""A word of the answer: three letters or more."""


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [AICHAIN, *args], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )
    assert proc.returncode == 0, f"aichain {' '.join(args)}: {proc.stderr}"
    return proc


def compute_letter_share(text: str) -> float:
    """Share of text's characters that are ASCII letters or spaces."""
    return sum(c.isascii() and (c.isalpha() or c == " ") for c in text) / max(len(text), 1)


def test_letter_share_and_words_tell_text_from_blanks_and_noise() -> None:
    assert compute_letter_share("Fact: the color of java is orbit-teva.") > 0.8
    assert compute_letter_share("#$%^&*()!@{}[]~~<>?/") == 0.0
    assert not WORD.findall(" " * 64)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The three commands, all defaults, in a fresh directory; their outputs."""
    ensure_pretrained_base()  # a cold cache builds here, not inside the timed CLI calls
    work = tmp_path_factory.mktemp("new-user")
    made = _run("worker", "make-demo-datanet", "D", "--contributors", "8", cwd=work)
    trained = _run("worker", "train", "D", "--out", "A", cwd=work)
    asked = _run(
        "worker", "attribute", "A", "--prompt", "tell me about", "--output", "json", cwd=work
    )
    return {"work": work, "procs": (made, trained, asked), "answer": json.loads(asked.stdout)}


def test_the_answer_is_text_in_the_datanets_language(first_run: dict) -> None:
    answer = first_run["answer"]["answer"]
    assert answer.strip(), f"blank answer {answer!r}"
    assert answer.isprintable(), answer
    assert compute_letter_share(answer) >= 0.6, answer
    records = DirectoryDatanet(first_run["work"] / "D").load_records()
    vocabulary = {w.lower() for r in records for w in WORD.findall(r.text)}
    words = [w.lower() for w in WORD.findall(answer)]
    known = {w for w in words if w in vocabulary}
    assert len(known) >= 2, f"{answer!r}: fewer than two words the datanet's records use"
    assert first_run["answer"]["records"], "the answer names no record that shaped it"


def test_no_library_warning_reaches_the_terminal(first_run: dict) -> None:
    for proc in first_run["procs"]:
        assert "Warning" not in proc.stdout + proc.stderr, proc.stderr
        assert "Loading weights" not in proc.stderr and "loss_type" not in proc.stderr


def test_the_adapter_names_the_pretrained_base(first_run: dict) -> None:
    manifest = json.loads((first_run["work"] / "A" / "training_manifest.json").read_text())
    marker = json.loads((ensure_pretrained_base() / "aichain_base.json").read_text())
    assert manifest["base_model"] == {"spec": "tiny", "sha256": marker["weights_sha256"]}
