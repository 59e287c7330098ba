"""app/bech32.py against the BIP-173 reference implementation (the pinned `bech32` package):
the same strings for the same bytes, the same answer (value or refusal) for any string, and
BIP-173's own valid and invalid test strings."""

from __future__ import annotations

import bech32 as reference
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.app import bech32

PREFIXES = st.sampled_from(["aic", "aicvaloper", "aicvalcons", "cosmos", "a", "x" * 83])


def _reference_decode(text: str) -> tuple[str, list[int]] | None:
    hrp, data = reference.bech32_decode(text)
    return None if hrp is None else (hrp, data)


@settings(max_examples=400, deadline=None)
@given(PREFIXES, st.binary(min_size=0, max_size=64))
def test_encode_matches_the_reference(prefix: str, data: bytes) -> None:
    words = reference.convertbits(data, 8, 5)
    assert bech32.to_words(data) == words
    assert bech32.encode(prefix, data) == reference.bech32_encode(prefix, words)


@settings(max_examples=400, deadline=None)
@given(PREFIXES, st.binary(min_size=0, max_size=64), st.data())
def test_decode_matches_the_reference_on_mutated_strings(prefix, data, draw) -> None:
    text = bech32.encode(prefix, data)
    assert bech32.decode(text) == _reference_decode(text) == (prefix, bech32.to_words(data))
    assert bech32.decode(text.upper()) == _reference_decode(text.upper())
    chars = list(text)
    for _ in range(draw.draw(st.integers(1, 3))):
        i = draw.draw(st.integers(0, len(chars) - 1))
        chars[i] = draw.draw(st.sampled_from([*bech32.CHARSET, "1", "b", "I", "O", " ", "é",
                                              "\x7f", "Q", chars[i].upper()]))  # fmt: skip
    mutated = "".join(chars)
    assert bech32.decode(mutated) == _reference_decode(mutated), mutated


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=100))
def test_decode_matches_the_reference_on_any_text(text: str) -> None:
    assert bech32.decode(text) == _reference_decode(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 31), max_size=60))
def test_words_to_bytes_matches_the_reference(words: list[int]) -> None:
    expected = reference.convertbits(words, 5, 8, False)
    found = bech32.from_words(words)
    assert (None if found is None else list(found)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "A12UEL5L",
        "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "11" + "q" * 82 + "c8247j",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
    ],
)
def test_bip173_valid_strings(text: str) -> None:
    found = bech32.decode(text)
    assert found is not None
    assert found == _reference_decode(text)


@pytest.mark.parametrize(
    "text",
    [
        "\x201nwldj5",  # prefix character out of range
        "\x7f1axkwrx",
        "\x801eym55h",
        "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
        "pzry9x0s0muk",  # no separator
        "1pzry9x0s0muk",  # empty prefix
        "x1b4n0q5v",  # invalid data character
        "li1dgmt3",  # too short checksum
        "de1lg7wt\xff",  # invalid character in checksum
        "A1G7SGD8",  # checksum computed with an upper-case prefix
        "10a06t8",  # empty prefix
        "1qzzfhee",
        "aic1Qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",  # mixed case
    ],
)
def test_bip173_invalid_strings(text: str) -> None:
    assert bech32.decode(text) is None
    assert _reference_decode(text) is None
