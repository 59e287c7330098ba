"""How the walkthrough prints a record's share of an answer."""

from __future__ import annotations

import pytest

from aichain.client.walkthrough import format_ppm, split_answer


@pytest.mark.parametrize(
    ("ppm", "shown"),
    [
        (1_000_000, "100.0%"),
        (963_540, "96.4%"),
        (1_000, "0.1%"),
        (999, "0.10%"),
        (300, "0.03%"),
        (100, "0.01%"),
        (99, "<0.01%"),
        (1, "<0.01%"),
        (0, "0.0%"),
    ],
)
def test_shares_stay_readable_down_to_one_ppm(ppm: int, shown: str) -> None:
    assert format_ppm(ppm) == shown


@pytest.mark.parametrize(
    ("text", "fact", "rest"),
    [
        ("pepper-revo. Q: what is the sim", "pepper-revo.", "Q: what is the sim"),
        ("nebula-jolote.", "nebula-jolote.", ""),
        ("3.5 units? yes", "3.5 units?", "yes"),
        ("no sentence end here", "no sentence end here", ""),
        ("", "", ""),
    ],
)
def test_an_answer_is_its_first_sentence_and_what_ran_on(text: str, fact: str, rest: str) -> None:
    assert split_answer(text) == (fact, rest)
