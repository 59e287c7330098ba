"""A synthetic multi-contributor text datanet with planted, held-out queries.

Each contributor has its own kind: a theme vocabulary, pseudo-words built from its own syllable
set, a sentence style, and a private set of facts (subject, attribute, value). Records are a few
sentences stating that contributor's facts in its style. `queries.json` holds, per contributor,
prompts that are not records but ask for one of its facts in its style (a sentence of its
records cut before the value), with the contributor a correct attribution should name and the
rest of that sentence as the expected completion.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from aichain.gpu_worker.datanet import DatanetInfo, NewRecord, write_datanet

QUERIES_NAME = "queries.json"
"""File of planted queries written next to a demo datanet's manifest."""

THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("astronomy", ("orbit", "comet", "nebula", "parsec", "eclipse", "quasar", "telescope")),
    ("cooking", ("saffron", "broth", "skillet", "dough", "simmer", "ladle", "pepper")),
    ("sailing", ("keel", "jib", "harbor", "tiller", "mast", "leeward", "anchor")),
    ("botany", ("fern", "pollen", "stamen", "moss", "orchid", "root", "petal")),
    ("chess", ("gambit", "rook", "bishop", "castling", "endgame", "pawn", "knight")),
    ("metallurgy", ("alloy", "anvil", "bronze", "smelt", "temper", "ingot", "forge")),
    ("music", ("chord", "tempo", "cello", "octave", "sonata", "rhythm", "flute")),
    ("beekeeping", ("hive", "nectar", "drone", "honeycomb", "queen", "swarm", "wax")),
)
"""Theme name and words of the first contributors (later ones get pseudo-word themes)."""

ATTRIBUTES = ("color", "keeper", "origin", "number", "song", "shape", "rival", "season")
"""Attributes a fact can state."""

STYLES: tuple[tuple[str, str], ...] = (
    ("Fact: the {a} of {s} is {v}.", "Fact: the {a} of {s} is"),
    ("Q: what is the {a} of {s}? A: {v}.", "Q: what is the {a} of {s}? A:"),
    ("- {s} / {a} -> {v}", "- {s} / {a} ->"),
    ("note: {s} has {a} {v}; remember {s}.", "note: {s} has {a}"),
    ("{S} {A} IS {V}!", "{S} {A} IS"),
    ("In the {t} log, {s}'s {a} equals {v}.", "In the {t} log, {s}'s {a} equals"),
    ("<{s}> {a} = {v} </{s}>", "<{s}> {a} ="),
    ("dear reader, {s} keeps {a} as {v}, truly.", "dear reader, {s} keeps {a} as"),
)
"""(sentence, query prefix) templates; contributor i writes in style i mod 8."""

CONSONANTS = "bcdfghjklmnprstvwxz"
"""Letters pseudo-word syllables start with."""
VOWELS = "aeiouy"
"""Letters pseudo-word syllables end with."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One planted fact: the subject's attribute has a value."""

    subject: str
    attribute: str
    value: str


@dataclass(frozen=True, slots=True)
class ContributorKind:
    """A demo contributor: its address-like name, theme, words, style and facts."""

    contributor: str
    theme: str
    words: tuple[str, ...]
    style: int
    facts: tuple[Fact, ...]


def _syllables(index: int) -> list[str]:
    all_syllables = [c + v for c in CONSONANTS for v in VOWELS]
    random.Random(f"syllables-{index}").shuffle(all_syllables)
    return all_syllables[:12]


WORD_TRIES_PER_LENGTH = 64
"""Collisions in a row after which pseudo-words may grow one syllable longer."""


def _pseudo_word(syllables: list[str], rng: random.Random, used: set[str]) -> str:
    """A new pseudo-word of 2-3 syllables, longer once short ones keep colliding.

    Each contributor has 12 syllables, so 12**2 + 12**3 = 1,872 words of 2-3 syllables, shared
    with other contributors' overlapping sets; a large datanet needs more than that. After
    every WORD_TRIES_PER_LENGTH collisions in a row the longest allowed length grows by one,
    so the search always ends (small datanets never get there: their words are unchanged).
    """
    tries = 0
    while True:
        longest = 3 + tries // WORD_TRIES_PER_LENGTH
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, longest)))
        if word not in used:
            used.add(word)
            return word
        tries += 1


def _render(template: str, fact: Fact, theme: str) -> str:
    return template.format(
        s=fact.subject,
        a=fact.attribute,
        v=fact.value,
        t=theme,
        S=fact.subject.upper(),
        A=fact.attribute.upper(),
        V=fact.value.upper(),
    )


def _facts(
    syllables: list[str], theme_words: tuple[str, ...], count: int, rng: random.Random, used: set
) -> tuple[Fact, ...]:
    """count new facts: a pseudo-word subject, an attribute and a theme-word-pseudo-word value."""
    facts = []
    for _ in range(count):
        subject = _pseudo_word(syllables, rng, used)
        value = rng.choice(theme_words) + "-" + _pseudo_word(syllables, rng, used)
        facts.append(Fact(subject, rng.choice(ATTRIBUTES), value))
    return tuple(facts)


def build_contributor_kinds(
    contributors: int, facts_per_contributor: int, seed: int, twins: int = 0
) -> list[ContributorKind]:
    """The kinds of `contributors` demo contributors, then `twins` twin kinds; deterministic.

    Twin t copies contributor t mod `contributors`: same theme, theme words, syllables and
    style, so its records share that contributor's vocabulary and templates; only its facts
    (subjects and values) are its own.
    """
    if twins < 0:
        raise ValueError(f"twins must be at least 0, got {twins}")
    kinds = []
    used: set[str] = set()
    for index in range(contributors):
        rng = random.Random(f"demo-{seed}-{index}")
        syllables = _syllables(index)
        if index < len(THEMES):
            theme, theme_words = THEMES[index]
        else:
            theme = _pseudo_word(syllables, rng, used)
            theme_words = tuple(_pseudo_word(syllables, rng, used) for _ in range(7))
        kinds.append(
            ContributorKind(
                contributor=f"contributor-{index:02d}",
                theme=theme,
                words=tuple(theme_words),
                style=index % len(STYLES),
                facts=_facts(syllables, theme_words, facts_per_contributor, rng, used),
            )
        )
    for t in range(twins if contributors else 0):
        source = kinds[t % contributors]
        rng = random.Random(f"demo-{seed}-twin-{t}")
        syllables = _syllables(t % contributors)
        facts = _facts(syllables, source.words, facts_per_contributor, rng, used)
        kinds.append(
            ContributorKind(
                contributor=f"contributor-{contributors + t:02d}",
                theme=source.theme,
                words=source.words,
                style=source.style,
                facts=facts,
            )
        )
    return kinds


def make_demo_datanet(
    path: str | Path,
    contributors: int = 8,
    records_per_contributor: int = 8,
    seed: int = 0,
    datanet_id: str = "demo",
    version: int = 1,
    queries_per_contributor: int = 4,
    twins: int = 0,
) -> DatanetInfo:
    """Writes the synthetic datanet and its planted queries.json into path.

    `twins` adds that many contributors beyond `contributors`, each sharing an earlier
    contributor's theme, vocabulary and style but stating its own facts (see
    build_contributor_kinds); with the default 0 the datanet is the original one.
    """
    if contributors < 1 or records_per_contributor < 1:
        raise ValueError("contributors and records_per_contributor must be at least 1")
    kinds = build_contributor_kinds(contributors, max(4, records_per_contributor), seed, twins)
    records: list[NewRecord] = []
    queries: list[dict[str, str]] = []
    for kind in kinds:
        rng = random.Random(f"records-{seed}-{kind.contributor}")
        sentence, prefix = STYLES[kind.style]
        used: list[Fact] = []
        for r in range(records_per_contributor):
            lead = kind.facts[r % len(kind.facts)]
            rest = [fact for fact in kind.facts if fact != lead]
            others = rng.sample(rest, k=min(2, len(rest)))
            used += [fact for fact in (lead, *others) if fact not in used]
            lines = [_render(sentence, fact, kind.theme) for fact in (lead, *others)]
            filler = " ".join(rng.sample(kind.words, k=3))
            text = " ".join(lines) + f" ({kind.theme}: {filler})"
            record_id = f"{kind.contributor}/r{r:04d}"
            records.append(NewRecord(record_id, kind.contributor, text.encode()))
        for q in range(queries_per_contributor):
            fact = used[q % len(used)]
            prompt = _render(prefix, fact, kind.theme)
            queries.append(
                {
                    "query_id": f"{kind.contributor}/q{q:02d}",
                    "prompt": prompt,
                    "expected_contributor": kind.contributor,
                    "expected_completion": _render(sentence, fact, kind.theme)[len(prompt) :],
                }
            )
    info = write_datanet(path, datanet_id, version, records)
    payload = {
        "datanet": info.ref,
        "contributors": [
            {"contributor": k.contributor, "theme": k.theme, "style": k.style} for k in kinds
        ],
        "queries": queries,
    }
    (Path(path) / QUERIES_NAME).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return info


def load_queries(path: str | Path) -> list[dict[str, str]]:
    """The planted queries of a demo datanet directory."""
    return json.loads((Path(path) / QUERIES_NAME).read_text(encoding="utf-8"))["queries"]
