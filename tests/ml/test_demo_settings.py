"""The demo datanet settings: each one's planted property holds on dev and held-out seeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from aichain.gpu_worker.datanet import DirectoryDatanet
from aichain.gpu_worker.demo_datanet import (
    DEV_SEEDS,
    HELD_OUT_SEEDS,
    PRETRAIN_SEED,
    QUERY_TEMPLATES,
    SETTINGS,
    build_pretraining_texts,
    load_queries,
    make_demo_datanet,
)

pytestmark = pytest.mark.ml

SEEDS = DEV_SEEDS + HELD_OUT_SEEDS
"""Every seed the benchmark uses: the planted properties must hold on each."""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _holders_of_word(records: list, word: str) -> set[str]:
    """Contributors whose records hold word as a whole (hyphenated) word."""
    pattern = re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")
    return {r.contributor for r in records if pattern.search(r.text)}


def _build(tmp_path: Path, setting: str, seed: int) -> tuple[list, list[dict[str, str]]]:
    path = tmp_path / f"{setting}-{seed}"
    make_demo_datanet(
        path,
        contributors=8,
        records_per_contributor=4,
        seed=seed,
        setting=setting,
        queries_per_contributor=3,
    )
    return DirectoryDatanet(path).load_records(), load_queries(path)


def _holders(records: list, needle: str, fold_case: bool = False) -> set[str]:
    if fold_case:
        return {r.contributor for r in records if needle.lower() in r.text.lower()}
    return {r.contributor for r in records if needle in r.text}


def test_seed_sets_are_disjoint_and_skip_the_pretraining_seed() -> None:
    assert not set(DEV_SEEDS) & set(HELD_OUT_SEEDS)
    assert PRETRAIN_SEED not in SEEDS


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_has_eight_contributors_and_their_queries(
    tmp_path: Path, setting: str
) -> None:
    records, queries = _build(tmp_path, setting, HELD_OUT_SEEDS[0])
    contributors = {r.contributor for r in records}
    assert len(contributors) == 8 and len(records) == 32
    assert {q["expected_contributor"] for q in queries} == contributors
    texts = {r.text for r in records}
    assert not any(q["prompt"] in texts for q in queries)


@pytest.mark.parametrize("seed", SEEDS)
def test_paraphrase_queries_share_no_word_4gram_with_any_record(tmp_path: Path, seed: int) -> None:
    records, queries = _build(tmp_path, "paraphrase", seed)
    record_grams = set().union(*(_ngrams(r.text, 4) for r in records))
    for query in queries:
        grams = _ngrams(query["prompt"] + query["expected_completion"], 4)
        assert grams and not grams & record_grams, query
        value = query["expected_completion"].strip()
        # the fact (its value) is taught by the expected contributor alone
        assert _holders(records, value, fold_case=True) == {query["expected_contributor"]}
    assert {q["prompt"].split()[0] for q in queries} == {t.split()[0] for t, _ in QUERY_TEMPLATES}


@pytest.mark.parametrize("seed", SEEDS)
def test_twins_share_subjects_and_style_but_not_values(tmp_path: Path, seed: int) -> None:
    records, queries = _build(tmp_path, "twins", seed)
    for query in queries:
        expected = query["expected_contributor"]
        index = int(expected.split("-")[1])
        twin = f"contributor-{index ^ 1:02d}"
        subject_in_prompt = query["prompt"]  # "<style prefix with the subject>"
        # the prompt's subject appears in exactly the pair's records
        subject = next(
            w for w in _words(subject_in_prompt) if _holders(records, w) == {expected, twin}
        )
        assert subject
        value = query["expected_completion"].strip().rstrip(".!;")
        assert _holders_of_word(records, value) == {expected}
        # the twin writes in the same template: the prompt's first word opens its records too
        first = query["prompt"].split()[0]
        assert any(r.text.startswith(first) for r in records if r.contributor == twin)


@pytest.mark.parametrize("seed", SEEDS)
def test_style_contributors_share_facts_and_words_but_not_formats(
    tmp_path: Path, seed: int
) -> None:
    records, queries = _build(tmp_path, "style", seed)
    vocab: dict[str, set[str]] = {}
    for record in records:
        vocab.setdefault(record.contributor, set()).update(_words(record.text))
    for query in queries:
        expected = query["expected_contributor"]
        whole = query["prompt"] + query["expected_completion"]
        # the fact's words are stated by other contributors too ...
        fact_words = set(_words(whole))
        sharers = {c for c in vocab if c != expected and fact_words <= vocab[c]}
        assert sharers, query
        # ... but the answer's exact bytes (its format) come from the expected one alone
        assert _holders(records, whole) == {expected}


def test_disjoint_is_the_original_datanet(tmp_path: Path) -> None:
    info = make_demo_datanet(tmp_path, contributors=8, records_per_contributor=8, seed=0)
    assert info.root == "82010d215ec6a9bde514a8bef5288a4b75446e1c47fd4e594c25df2d8d48dbd1"


def test_settings_are_deterministic_and_distinct(tmp_path: Path) -> None:
    roots = {}
    for setting in SETTINGS:
        a = make_demo_datanet(tmp_path / f"{setting}-a", 8, 4, seed=3, setting=setting)
        b = make_demo_datanet(tmp_path / f"{setting}-b", 8, 4, seed=3, setting=setting)
        assert a.root == b.root
        roots[setting] = a.root
    # paraphrase states disjoint's kind of facts in several phrasings: its own records
    assert len(set(roots.values())) == 4


def test_make_demo_datanet_rejects_an_unknown_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        make_demo_datanet(tmp_path, setting="mixed")


def test_pretraining_texts_teach_the_query_templates_but_not_the_formats() -> None:
    texts = build_pretraining_texts(records_per_contributor=4)
    assert any(t.startswith("Regarding ") for t in texts)
    assert not any(" :: " in t or "|" in t for t in texts)


def test_cli_make_demo_datanet_takes_a_setting(tmp_path: Path) -> None:
    from aichain.cli.worker import worker

    result = CliRunner().invoke(
        worker,
        [
            "make-demo-datanet",
            str(tmp_path / "dn"),
            "--setting",
            "style",
            "--records-per-contributor",
            "2",
            "-o",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["setting"] == "style"
    assert json.loads((tmp_path / "dn" / "queries.json").read_text())["setting"] == "style"
