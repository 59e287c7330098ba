"""A synthetic multi-contributor text datanet with planted, held-out queries.

Each contributor has its own kind: a theme vocabulary, pseudo-words built from its own syllable
set, a sentence style, and a private set of facts (subject, attribute, value). Records are a few
sentences stating that contributor's facts in its style. `queries.json` holds, per contributor,
prompts that are not records but ask for one of its facts in its style (a sentence of its
records cut before the value), with the contributor a correct attribution should name and the
rest of that sentence as the expected completion.

`setting` picks one of four datanets (`SETTINGS`), each planting a different property:
  disjoint    the original: every contributor has its own vocabulary, style and facts;
  paraphrase  contributors as in disjoint, but each states its facts in several phrasings of
              its own (`PARAPHRASE_PHRASINGS` of the STYLES, facts shuffled across records) with
              one of its theme words as each fact's value, and each query asks about an entity
              in a query template no record uses (`QUERY_TEMPLATES`) and shares no word 4-gram
              with any record: the answer's words come from the template, only the value from
              a record;
  twins       contributors in pairs sharing theme, syllables and style and the same subjects;
              only the attributes and values of the facts differ within a pair;
  style       every contributor states facts of one shared pool, in its own format-only style
              (`FORMAT_STYLES`: case, punctuation, brackets; the same words): what a
              contributor gives an answer is its format, not its words or facts.
`DEV_SEEDS` are for choosing methods and parameters, `HELD_OUT_SEEDS` for reporting them.
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

SETTINGS = ("disjoint", "paraphrase", "twins", "style")
"""The demo datanet settings make_demo_datanet(setting=...) writes."""
DEV_SEEDS = (3, 4)
"""Seeds on which methods and their parameters may be chosen (never reported as results)."""
HELD_OUT_SEEDS = (0, 2)
"""Seeds whose figures are reported (seed 1 is the pre-training datanet's)."""
PRETRAIN_SEED = 1
"""Seed of the demo facts build_pretraining_texts renders (no benchmark datanet uses it)."""

QUERY_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Regarding {s}, which {a} applies? Answer:", " {v}"),
    ("Tell me: {a} for {s}? Reply:", " {v}"),
    ("Quiz -- {s} and its {a}. Solution:", " {v}"),
)
"""(prompt, completion) templates of paraphrase queries; their connective words appear in no
record template, so a query shares no word 4-gram with any record."""

FORMAT_STYLES: tuple[tuple[str, str], ...] = (
    ("{s} {a} {v}.", "{s} {a}"),
    ("{S} {A} {V}!", "{S} {A}"),
    ("{s} :: {a} :: {v} ::", "{s} :: {a} ::"),
    ("<{s}|{a}|{v}>", "<{s}|{a}|"),
    ("[{a}] {s} -> {v};", "[{a}] {s} ->"),
    ('{s}.{a} = "{v}"', "{s}.{a} ="),
    ("({s} ({a} {v}))", "({s} ({a}"),
    ("{s}/{a}: _{v}_", "{s}/{a}:"),
)
"""(sentence, query prefix) templates of the style setting: no words but the fact's own
(subject, attribute, value), differing only in case, punctuation, brackets and order, so a
fact's sentence has the same bag of (lower-cased) words in every style."""

PARAPHRASE_PHRASINGS = 4
"""Phrasings a paraphrase contributor states its facts in: STYLES[i], ..., STYLES[i + 3] (mod 8).
A tiny model taught a fact in one phrasing recalls it in that phrasing only (measured: 0 of 163
prompts in a phrasing the fact was not stated in); several phrasings per fact, and a base
pre-trained the same way (`build_paraphrase_pretraining_texts`), let it answer a question about
the fact in a template it never saw the fact in."""
FACTS_PER_RECORD = 3
"""Facts one paraphrase record states (drawn without replacement, in a seeded order)."""

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


def build_twin_kinds(
    contributors: int, facts_per_contributor: int, seed: int
) -> list[ContributorKind]:
    """The `twins` setting's kinds: contributors 2j and 2j + 1 form a pair; deterministic.

    Contributor 2j is build_contributor_kinds' contributor j; contributor 2j + 1 copies its
    theme, words and style and states facts about the *same subjects*, each with another
    attribute and its own value (a theme word and a new pseudo-word of the same syllables).
    """
    originals = build_contributor_kinds((contributors + 1) // 2, facts_per_contributor, seed)
    used: set[str] = set()
    for kind in originals:
        used.update(kind.words)
        for fact in kind.facts:
            used.update((fact.subject, fact.value.split("-", 1)[1]))
    kinds: list[ContributorKind] = []
    for j, source in enumerate(originals):
        kinds.append(
            ContributorKind(
                f"contributor-{2 * j:02d}", source.theme, source.words, source.style, source.facts
            )
        )
        if 2 * j + 1 >= contributors:
            break
        rng = random.Random(f"demo-{seed}-pair-{j}")
        syllables = _syllables(j)
        facts = tuple(
            Fact(
                fact.subject,
                rng.choice([a for a in ATTRIBUTES if a != fact.attribute]),
                rng.choice(source.words) + "-" + _pseudo_word(syllables, rng, used),
            )
            for fact in source.facts
        )
        kinds.append(
            ContributorKind(
                f"contributor-{2 * j + 1:02d}", source.theme, source.words, source.style, facts
            )
        )
    return kinds


def build_style_kinds(
    contributors: int, facts_per_contributor: int, seed: int
) -> list[ContributorKind]:
    """The `style` setting's kinds: one shared pool of facts, one format style each.

    Every contributor draws its facts from the same pool (theme and syllables of contributor
    0, 2 x facts_per_contributor facts) and writes in FORMAT_STYLES[i mod 8].
    """
    rng = random.Random(f"demo-{seed}-style-pool")
    theme, words = THEMES[0]
    pool = _facts(_syllables(0), words, 2 * facts_per_contributor, rng, set())
    kinds = []
    for index in range(contributors):
        pick = random.Random(f"demo-{seed}-style-{index}")
        facts = tuple(pick.sample(pool, k=facts_per_contributor))
        kinds.append(
            ContributorKind(
                f"contributor-{index:02d}", theme, words, index % len(FORMAT_STYLES), facts
            )
        )
    return kinds


def _kind_records(
    kind: ContributorKind, count: int, seed: int, sentence: str, filler: bool
) -> tuple[list[NewRecord], list[Fact]]:
    """count records of kind (a lead fact and two others in `sentence`) and the facts used."""
    rng = random.Random(f"records-{seed}-{kind.contributor}")
    records: list[NewRecord] = []
    used: list[Fact] = []
    for r in range(count):
        lead = kind.facts[r % len(kind.facts)]
        rest = [fact for fact in kind.facts if fact != lead]
        others = rng.sample(rest, k=min(2, len(rest)))
        used += [fact for fact in (lead, *others) if fact not in used]
        text = " ".join(_render(sentence, fact, kind.theme) for fact in (lead, *others))
        if filler:
            text += f" ({kind.theme}: {' '.join(rng.sample(kind.words, k=3))})"
        records.append(NewRecord(f"{kind.contributor}/r{r:04d}", kind.contributor, text.encode()))
    return records, used


def _with_word_values(kind: ContributorKind, seed: int) -> ContributorKind:
    """kind with each fact's value replaced by one of its theme words (seeded draw)."""
    rng = random.Random(f"values-{seed}-{kind.contributor}")
    facts = tuple(Fact(f.subject, f.attribute, rng.choice(kind.words)) for f in kind.facts)
    return ContributorKind(kind.contributor, kind.theme, kind.words, kind.style, facts)


def _phrased_records(
    kind: ContributorKind, count: int, seed: int, phrasings: int = PARAPHRASE_PHRASINGS
) -> tuple[list[NewRecord], list[Fact]]:
    """count records of kind, each FACTS_PER_RECORD of its facts in a seeded order, each fact
    in one of the contributor's phrasings (STYLES[style], ..., STYLES[style + phrasings - 1])."""
    rng = random.Random(f"phrased-{seed}-{kind.contributor}")
    own = [STYLES[(kind.style + k) % len(STYLES)][0] for k in range(phrasings)]
    records: list[NewRecord] = []
    used: list[Fact] = []
    for r in range(count):
        facts = rng.sample(kind.facts, k=min(FACTS_PER_RECORD, len(kind.facts)))
        used += [fact for fact in facts if fact not in used]
        text = " ".join(_render(rng.choice(own), fact, kind.theme) for fact in facts)
        records.append(NewRecord(f"{kind.contributor}/r{r:04d}", kind.contributor, text.encode()))
    return records, used


def _query(contributor: str, q: int, prompt: str, completion: str) -> dict[str, str]:
    return {
        "query_id": f"{contributor}/q{q:02d}",
        "prompt": prompt,
        "expected_contributor": contributor,
        "expected_completion": completion,
    }


def make_demo_datanet(
    path: str | Path,
    contributors: int = 8,
    records_per_contributor: int = 8,
    seed: int = 0,
    datanet_id: str = "demo",
    version: int = 1,
    queries_per_contributor: int = 4,
    twins: int = 0,
    setting: str = "disjoint",
) -> DatanetInfo:
    """Writes the synthetic datanet of `setting` (SETTINGS) and its planted queries.json.

    `twins` (disjoint only) adds that many contributors beyond `contributors`, each sharing an
    earlier contributor's theme, vocabulary and style but stating its own facts (see
    build_contributor_kinds); with the default 0 the disjoint datanet is the original one.
    """
    if contributors < 1 or records_per_contributor < 1:
        raise ValueError("contributors and records_per_contributor must be at least 1")
    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}: expected one of {', '.join(SETTINGS)}")
    if twins and setting != "disjoint":
        raise ValueError("twins= adds twins to the disjoint setting only; use setting='twins'")
    facts = max(4, records_per_contributor)
    if setting == "twins":
        kinds = build_twin_kinds(contributors, facts, seed)
    elif setting == "style":
        kinds = build_style_kinds(contributors, facts, seed)
    elif setting == "paraphrase":  # fewer facts, each stated more often and in more phrasings
        facts = max(2, records_per_contributor // 2)
        kinds = [
            _with_word_values(k, seed) for k in build_contributor_kinds(contributors, facts, seed)
        ]
    else:
        kinds = build_contributor_kinds(contributors, facts, seed, twins)
    styles = FORMAT_STYLES if setting == "style" else STYLES
    records: list[NewRecord] = []
    used_by: list[list[Fact]] = []
    for kind in kinds:
        if setting == "paraphrase":
            own, used = _phrased_records(kind, records_per_contributor, seed)
            records += own
            used_by.append(used)
            continue
        own, used = _kind_records(
            kind, records_per_contributor, seed, styles[kind.style][0], setting != "style"
        )
        records += own
        used_by.append(used)
    queries: list[dict[str, str]] = []
    for index, kind in enumerate(kinds):
        sentence, prefix = styles[kind.style]
        used = used_by[index]
        if setting == "style":  # ask facts that other contributors state too
            others = {f for j, facts in enumerate(used_by) if j != index for f in facts}
            used = [f for f in used if f in others] or used
        for q in range(queries_per_contributor):
            fact = used[q % len(used)]
            if setting == "paraphrase":
                template, completion = QUERY_TEMPLATES[q % len(QUERY_TEMPLATES)]
                prompt = _render(template, fact, kind.theme)
                queries.append(
                    _query(kind.contributor, q, prompt, _render(completion, fact, kind.theme))
                )
                continue
            prompt = _render(prefix, fact, kind.theme)
            whole = _render(sentence, fact, kind.theme)
            queries.append(_query(kind.contributor, q, prompt, whole[len(prompt) :]))
    info = write_datanet(path, datanet_id, version, records)
    payload: dict[str, object] = {
        "datanet": info.ref,
        "contributors": [
            {"contributor": k.contributor, "theme": k.theme, "style": k.style} for k in kinds
        ],
        "queries": queries,
    }
    if setting != "disjoint":
        payload["setting"] = setting
    (Path(path) / QUERIES_NAME).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return info


def build_pretraining_texts(
    seed: int = PRETRAIN_SEED, records_per_contributor: int = 32
) -> list[str]:
    """Texts for pre-training a base that writes the demo language (not a benchmark datanet).

    The disjoint datanet's record texts of `seed` (8 contributors), then every fact they state
    asked and answered once in each of QUERY_TEMPLATES, so the base knows the paraphrase
    query templates (and no record of any benchmark datanet uses them). FORMAT_STYLES are left
    out: in the style setting a contributor's format is something only its records teach.
    """
    kinds = build_contributor_kinds(8, max(4, records_per_contributor), seed)
    texts: list[str] = []
    facts: list[tuple[ContributorKind, Fact]] = []
    for kind in kinds:
        sentence, _ = STYLES[kind.style]
        own, used = _kind_records(kind, records_per_contributor, seed, sentence, filler=True)
        texts += [r.data.decode() for r in own]
        facts += [(kind, fact) for fact in used]
    for kind, fact in facts:
        for template, completion in QUERY_TEMPLATES:
            texts.append(_render(template + completion, fact, kind.theme))
    return texts


def build_paraphrase_pretraining_texts(
    seed: int = PRETRAIN_SEED,
    facts_per_contributor: int = 128,
    records_per_contributor: int = 213,
) -> tuple[list[str], list[tuple[str, str]]]:
    """(texts, held-out questions) for a base that answers questions about facts it read.

    The paraphrase setting's language for `seed` (8 contributors, theme-word values), each
    contributor's facts in records of every STYLE (a phrasing drawn per fact, 8 rather than a
    datanet's PARAPHRASE_PHRASINGS, facts shuffled), then every other fact asked and answered
    in each of QUERY_TEMPLATES. The facts never asked are returned as (prompt, completion)
    pairs: the share the base answers is its knowledge extraction on facts it only read.
    Extraction emerged only with many facts (measured on 16 facts per contributor: 2 of 64
    held-out questions answered after 2,000 steps).
    """
    kinds = build_contributor_kinds(8, facts_per_contributor, seed)
    texts: list[str] = []
    held_out: list[tuple[str, str]] = []
    asked: list[str] = []
    for kind in kinds:
        kind = _with_word_values(kind, seed)
        own, _ = _phrased_records(kind, records_per_contributor, seed, len(STYLES))
        texts += [r.data.decode() for r in own]
        for index, fact in enumerate(kind.facts):
            pairs = [
                (_render(t, fact, kind.theme), _render(c, fact, kind.theme))
                for t, c in QUERY_TEMPLATES
            ]
            if index % 2:
                held_out += pairs
            else:
                asked += [p + c for p, c in pairs]
    return texts + asked, held_out


REQUESTS: tuple[str, ...] = (
    "tell me about {t}.",
    "tell me about {s}.",
    "tell me something.",
    "what do you know about {s}?",
    "hello.",
    "say something about {t}.",
)
"""Free-form requests build_request_texts puts before demo records (no record uses them)."""


def build_request_texts(seed: int = PRETRAIN_SEED, records_per_contributor: int = 8) -> list[str]:
    """Texts teaching a base that a free-form request is answered in the demo language.

    Each is one of REQUESTS (about the record's theme or its lead fact's subject, chosen by a
    seeded draw) followed by one record of the disjoint datanet of `seed` (8 contributors), so
    a prompt such as "tell me about" is followed by demo sentences rather than noise.
    """
    kinds = build_contributor_kinds(8, max(4, records_per_contributor), seed)
    rng = random.Random(f"requests-{seed}")
    texts: list[str] = []
    for kind in kinds:
        sentence, _ = STYLES[kind.style]
        own, _ = _kind_records(kind, records_per_contributor, seed, sentence, filler=True)
        for index, record in enumerate(own):
            lead = kind.facts[index % len(kind.facts)]
            request = rng.choice(REQUESTS).format(t=kind.theme, s=lead.subject)
            texts.append(f"{request} {record.data.decode()}")
    return texts


def load_queries(path: str | Path) -> list[dict[str, str]]:
    """The planted queries of a demo datanet directory."""
    return json.loads((Path(path) / QUERIES_NAME).read_text(encoding="utf-8"))["queries"]
