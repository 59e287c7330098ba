"""The pre-trained tiny base behind `--base-model tiny`: built once per machine, then cached.

The randomly initialised tiny GPT-2 cannot write text: a LoRA on it answers in blank spaces.
`ensure_pretrained_base()` pre-trains it briefly on demo-language text (`PretrainRecipe`:
gpu_worker.pretrain on gpu_worker.demo_datanet.build_pretraining_texts) and keeps the
checkpoint under the cache directory, in a folder named by the sha256 of the recipe (every
training setting, the tiny config and the texts' own hash), so a second `make test`, CI with a
kept cache, and every later `aichain worker` command load it in well under a second.

Cache directory: $AICHAIN_CACHE_DIR, else $XDG_CACHE_HOME/aichain, else ~/.cache/aichain; the
base sits in `bases/tiny-<key[:16]>/`. Building is safe with several processes at once: one
takes an exclusive `flock` on `bases/tiny-<key[:16]>.lock` and builds into a hidden temporary
folder beside the target, then renames it into place (atomic on one file system); the others
wait on the lock and load the finished base. A folder is complete iff it exists, so an
interrupted build leaves only a `.build-*` folder, removed by the next build.

The weights are deterministic for a recipe, torch version, thread count and CPU kind; two
machines may differ in the last bits. Every adapter records its base's sha256, and loading an
adapter on another base is refused with that hash in the message.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from aichain.gpu_worker.demo_datanet import PRETRAIN_SEED

log = logging.getLogger(__name__)

CACHE_ENV = "AICHAIN_CACHE_DIR"
"""Environment variable naming the cache directory (overrides XDG_CACHE_HOME and ~/.cache)."""
RECIPE_FORMAT = "aichain-tiny-base-v1"
"""Version tag hashed into every recipe key; bump it when the build itself changes."""
BASES_DIR = "bases"
"""Folder of pre-trained bases inside the cache directory."""


@dataclass(frozen=True, slots=True)
class PretrainRecipe:
    """Everything that decides the pre-trained tiny base's weights (its key hashes all of it)."""

    steps: int = 600
    lr: float = 3e-3
    batch_size: int = 16
    seed: int = 1
    model_seed: int = 0
    texts_seed: int = PRETRAIN_SEED
    records_per_contributor: int = 32
    request_records_per_contributor: int = 32
    max_seq_len: int = 256

    def texts(self) -> list[str]:
        """The pre-training texts: demo-language records and paraphrase-template questions
        (build_pretraining_texts), then free-form requests answered by demo records
        (build_request_texts)."""
        from aichain.gpu_worker.demo_datanet import build_pretraining_texts, build_request_texts

        texts = build_pretraining_texts(self.texts_seed, self.records_per_contributor)
        if self.request_records_per_contributor:
            texts += build_request_texts(self.texts_seed, self.request_records_per_contributor)
        return texts

    def key(self) -> str:
        """sha256 hex of the recipe: format tag, settings, tiny config and the texts' hash."""
        from aichain.gpu_worker.tiny_model import TINY_CONFIG

        texts = hashlib.sha256()
        for text in self.texts():
            raw = text.encode("utf-8")
            texts.update(len(raw).to_bytes(8, "big") + raw)
        body = {
            "format": RECIPE_FORMAT,
            "recipe": asdict(self),
            "tiny_config": TINY_CONFIG,
            "texts_sha256": texts.hexdigest(),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


DEFAULT_RECIPE = PretrainRecipe()
"""The recipe of `--base-model tiny`."""


def cache_dir() -> Path:
    """$AICHAIN_CACHE_DIR, else $XDG_CACHE_HOME/aichain, else ~/.cache/aichain."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "aichain"


def pretrained_base_path(recipe: PretrainRecipe = DEFAULT_RECIPE) -> Path:
    """Where recipe's base lives (or will) in the cache directory."""
    return cache_dir() / BASES_DIR / f"tiny-{recipe.key()[:16]}"


def is_pretrained_base_cached(recipe: PretrainRecipe = DEFAULT_RECIPE) -> bool:
    """True when recipe's base is built (loading it then trains nothing)."""
    return pretrained_base_path(recipe).is_dir()


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Holds an exclusive flock on lock_path (says so on stderr when it has to wait)."""
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another process is building the tiny base; waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_pretrained_base(
    recipe: PretrainRecipe = DEFAULT_RECIPE, progress: bool | None = None
) -> Path:
    """The cached pre-trained base of recipe, built first when missing; returns its folder.

    progress: a progress bar on stderr while building (None: when stderr is a terminal).
    """
    target = pretrained_base_path(recipe)
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(target.parent / f"{target.name}.lock"):
        if target.is_dir():  # another process built it while we waited
            return target
        for stale in target.parent.glob(f".build-{target.name}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        building = Path(tempfile.mkdtemp(prefix=f".build-{target.name}-", dir=target.parent))
        try:
            _build(recipe, building, sys.stderr.isatty() if progress is None else progress)
            building.rename(target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    return target


def _build(recipe: PretrainRecipe, out: Path, progress: bool) -> None:
    """Pre-trains recipe's base into out, with a tqdm bar (loss) when progress is on."""
    from tqdm import tqdm

    from aichain.gpu_worker.pretrain import pretrain_tiny_base

    log.info("pre-training the tiny base once (%d steps); cached in %s", recipe.steps, out.parent)
    bar = tqdm(
        total=recipe.steps,
        desc="pre-training the tiny base (once, then cached)",
        unit="step",
        disable=not progress,
        file=sys.stderr,
    )

    def on_step(step: int, loss: float) -> None:
        bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
        bar.update(1)

    try:
        pretrain_tiny_base(
            recipe.texts(),
            out,
            steps=recipe.steps,
            seed=recipe.seed,
            lr=recipe.lr,
            batch_size=recipe.batch_size,
            model_seed=recipe.model_seed,
            max_seq_len=recipe.max_seq_len,
            on_step=on_step,
            extra_marker={"recipe_key": recipe.key(), "recipe_format": RECIPE_FORMAT},
        )
    finally:
        bar.close()
