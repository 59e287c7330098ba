"""gpu_worker.base_cache: the pre-trained tiny base, keyed by its recipe, built once, shared."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.base_cache import (  # noqa: E402
    CACHE_ENV,
    DEFAULT_RECIPE,
    PretrainRecipe,
    cache_dir,
    ensure_pretrained_base,
    is_pretrained_base_cached,
    pretrained_base_path,
)
from aichain.gpu_worker.tiny_model import (  # noqa: E402
    BYTE_TOKENIZER_MARKER,
    build_tiny_model,
    compute_model_hash,
    load_base_model,
)

pytestmark = pytest.mark.ml

SMALL = PretrainRecipe(steps=2, batch_size=2, records_per_contributor=1, max_seq_len=64)
"""A recipe that builds in a second or two."""

BUILD = """
import json, logging, sys
logging.basicConfig(level=logging.INFO, format="%(message)s")
from aichain.gpu_worker.base_cache import PretrainRecipe, ensure_pretrained_base
print(ensure_pretrained_base(PretrainRecipe(**json.loads(sys.argv[1])), progress=False))
"""
"""A process that builds (or waits for, then loads) a recipe's base and prints its folder."""


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "aichain"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    assert pretrained_base_path(SMALL).parent == tmp_path / "mine" / "bases"


def test_the_key_covers_every_setting_and_is_stable() -> None:
    assert SMALL.key() == dataclasses.replace(SMALL).key()
    keys = {SMALL.key()}
    for field in dataclasses.fields(PretrainRecipe):
        changed = dataclasses.replace(SMALL, **{field.name: getattr(SMALL, field.name) + 1})
        keys.add(changed.key())
    assert len(keys) == 1 + len(dataclasses.fields(PretrainRecipe))
    assert DEFAULT_RECIPE.key() not in keys


def test_built_once_then_loaded_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert not is_pretrained_base_cached(SMALL)
    stale = tmp_path / "bases" / f".build-{pretrained_base_path(SMALL).name}-interrupted"
    stale.mkdir(parents=True)  # a build killed half way leaves only this behind
    built = ensure_pretrained_base(SMALL, progress=False)
    assert built == pretrained_base_path(SMALL) and is_pretrained_base_cached(SMALL)
    assert not stale.exists()
    marker = json.loads((built / BYTE_TOKENIZER_MARKER).read_text())
    assert marker["recipe_key"] == SMALL.key() and marker["pretrain"]["steps"] == 2
    mtime = (built / "model.safetensors").stat().st_mtime_ns
    assert ensure_pretrained_base(SMALL, progress=False) == built
    assert (built / "model.safetensors").stat().st_mtime_ns == mtime  # not rebuilt
    model, _ = load_base_model(str(built), "cpu")
    assert compute_model_hash(model) == marker["weights_sha256"]
    assert marker["weights_sha256"] != compute_model_hash(build_tiny_model(0))


def test_two_processes_building_at_once_build_it_once(tmp_path: Path) -> None:
    env = {**os.environ, CACHE_ENV: str(tmp_path)}
    recipe = json.dumps(dataclasses.asdict(SMALL))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, recipe],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert outs[0][0] == outs[1][0] and outs[0][0].strip().endswith(
        pretrained_base_path(SMALL).name
    )
    builds = sum("pre-training the tiny base once" in err for _, err in outs)
    assert builds == 1, outs
    assert [p.name for p in (tmp_path / "bases").iterdir() if p.is_dir()] == [
        Path(outs[0][0].strip()).name
    ]


def test_tiny_random_specs_are_the_randomly_initialised_model() -> None:
    random0 = compute_model_hash(build_tiny_model(0))
    assert compute_model_hash(load_base_model("tiny-random", "cpu")[0]) == random0
    seeded = compute_model_hash(build_tiny_model(3))
    assert compute_model_hash(load_base_model("tiny-random:3", "cpu")[0]) == seeded
    assert compute_model_hash(load_base_model("tiny:3", "cpu")[0]) == seeded
    with pytest.raises(ValueError, match="must be an integer"):
        load_base_model("tiny-random:x", "cpu")


def test_tiny_is_the_cached_pretrained_base() -> None:
    path = ensure_pretrained_base()
    model, tokenizer = load_base_model("tiny", "cpu")
    marker = json.loads((path / BYTE_TOKENIZER_MARKER).read_text())
    assert compute_model_hash(model) == marker["weights_sha256"]
    assert marker["recipe_key"] == DEFAULT_RECIPE.key()
    assert tokenizer.decode(tokenizer.encode("orbit")) == "orbit"
