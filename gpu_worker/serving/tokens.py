"""Generated tokens as text: per-token strings and offsets, stop strings, and streamed deltas.

A `RowTracker` follows one request's tokens as the engine generates them (on the model thread):
it decodes the ids so far, ends the row as soon as a stop string appears, records each token's
log-probabilities with its character offset, and hands a listener the text that can no longer
change. Text is held back while it ends in an incomplete UTF-8 character (decoded as U+FFFD)
or in a prefix of a stop string, so the deltas always add up to exactly the final text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aichain.gpu_worker.serving.engine import TokenLogprob
from aichain.gpu_worker.tiny_model import ByteTokenizer, TextTokenizer

REPLACEMENT = "\ufffd"
"""What decoding makes of bytes that are not (yet) a complete UTF-8 character."""


@dataclass(frozen=True, slots=True)
class TopToken:
    """One of the most likely tokens at a position: its text, UTF-8 bytes and log-probability."""

    text: str
    bytes: tuple[int, ...]
    logprob: float


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token of a prompt or completion with its log-probability (None when unscored, as
    for a prompt's first token), alternatives and character offset in its text."""

    text: str
    bytes: tuple[int, ...]
    logprob: float | None
    top: tuple[TopToken, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class TextDelta:
    """Text of a completion that became final, and the tokens (with logprobs) it completes;
    or, with prompt set, the prompt's scored tokens (text empty), before any completion text."""

    text: str
    tokens: tuple[TokenInfo, ...]
    prompt: bool = False


def compute_stop_truncation(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    """text cut before the earliest stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def compute_stop_holdback(text: str, stops: tuple[str, ...]) -> int:
    """Length of the longest suffix of text that is a proper prefix of a stop string (text a
    later token could still turn into a stop, so it must not be streamed yet)."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:size]):
                longest = size
                break
    return longest


def compute_stable_text(text: str) -> str:
    """text without its trailing U+FFFD characters (possibly an unfinished UTF-8 character)."""
    return text.rstrip(REPLACEMENT)


class TokenRenderer:
    """Token ids as OpenAI shows them: text, or `bytes:\\xNN` for a byte that is not a
    character by itself (byte tokenizer), and the token's UTF-8 bytes."""

    def __init__(self, tokenizer: TextTokenizer) -> None:
        """A renderer with a per-token cache."""
        self.tokenizer = tokenizer
        self._is_bytes = isinstance(tokenizer, ByteTokenizer)
        self._cache: dict[int, tuple[str, tuple[int, ...]]] = {}

    def render(self, token_id: int) -> tuple[str, tuple[int, ...]]:
        """(text, UTF-8 bytes) of one token."""
        cached = self._cache.get(token_id)
        if cached is None:
            text = self.tokenizer.decode([token_id])
            if self._is_bytes and 0 <= token_id < 256:
                raw = (token_id,)
                if REPLACEMENT in text:
                    text = f"bytes:\\x{token_id:02x}"
            else:
                raw = tuple(text.encode("utf-8"))
            cached = self._cache[token_id] = (text, raw)
        return cached

    def info(self, logprob: TokenLogprob | None, token_id: int, offset: int) -> TokenInfo:
        """The TokenInfo of token_id at offset, scored by logprob (None: unscored)."""
        text, raw = self.render(token_id)
        if logprob is None:
            return TokenInfo(text, raw, None, (), offset)
        top = tuple(TopToken(*self.render(t), lp) for t, lp in logprob.top)
        return TokenInfo(text, raw, logprob.logprob, top, offset)

    def infos(
        self, token_ids: Sequence[int], logprobs: Sequence[TokenLogprob | None]
    ) -> tuple[TokenInfo, ...]:
        """TokenInfo of each token of a text made of token_ids, offsets counted in that text."""
        ids = list(token_ids)
        text = self.tokenizer.decode(ids)
        return tuple(
            self.info(logprob, token_id, compute_offset(self.tokenizer.decode(ids[:i]), text))
            for i, (token_id, logprob) in enumerate(zip(ids, logprobs, strict=True))
        )


def compute_offset(before: str, text: str) -> int:
    """Character offset in text of a token whose preceding tokens decode to before: their
    common prefix (an unfinished character at the end of before is not part of it)."""
    if text.startswith(before):
        return len(before)
    size = 0
    for a, b in zip(before, text, strict=False):
        if a != b:
            break
        size += 1
    return size


class RowTracker:
    """One row's generated tokens followed as they come (see the module docstring).

    Each token's offset is fixed only once the text around it is final (U+FFFD at the end of
    the text may still become a character), so tokens are turned into TokenInfo when emitted
    or at the end.
    """

    def __init__(
        self,
        renderer: TokenRenderer,
        stops: tuple[str, ...],
        with_logprobs: bool,
        listener: Callable[[TextDelta], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        """Tracks a row ended by stops, recording logprobs when asked, streaming to listener."""
        self.renderer = renderer
        self.stops = tuple(s for s in stops if s)
        self.with_logprobs = with_logprobs
        self.listener = listener
        self.cancelled = cancelled
        self.ids: list[int] = []
        self.logprobs: list[TokenLogprob | None] = []
        self.before: list[str] = []
        """The decoded text preceding each token."""
        self.text = ""
        self.stable = ""
        self.cut: int | None = None
        self.emitted = 0
        self.emitted_tokens = 0

    def add(self, token_id: int, logprob: TokenLogprob | None) -> bool:
        """Takes the next token; True when the row must end (a stop string or cancelled)."""
        if self.with_logprobs:
            self.before.append(self.text)
            self.logprobs.append(logprob)
        self.ids.append(token_id)
        self.text = self.renderer.tokenizer.decode(self.ids)
        self.stable = compute_stable_text(self.text)
        if self.stops:
            kept, found = compute_stop_truncation(self.stable, self.stops)
            if found:
                self.cut = len(kept)
        if self.listener is not None:
            if self.cut is not None:
                upto = self.cut
            else:
                upto = len(self.stable) - compute_stop_holdback(self.stable, self.stops)
            self._emit(upto)
        ended = self.cut is not None
        return ended or (self.cancelled is not None and self.cancelled())

    def _info(self, index: int, reference: str) -> TokenInfo:
        """Token index's TokenInfo, its offset taken in reference (final up to it)."""
        offset = compute_offset(self.before[index], reference)
        return self.renderer.info(self.logprobs[index], self.ids[index], offset)

    def _emit(self, upto: int) -> None:
        """Hands the listener stable[emitted:upto] and the tokens lying wholly before upto."""
        if upto <= self.emitted:
            return
        tokens = []
        if self.with_logprobs:
            count = self.emitted_tokens
            while count < len(self.ids):
                offset = compute_offset(self.before[count], self.stable)
                last = count + 1 == len(self.ids)
                end = (
                    len(self.stable)
                    if last
                    else compute_offset(self.before[count + 1], self.stable)
                )
                if offset >= upto or end > upto:
                    break
                tokens.append(self._info(count, self.stable))
                count += 1
            self.emitted_tokens = count
        delta = TextDelta(self.stable[self.emitted : upto], tuple(tokens))
        self.emitted = upto
        assert self.listener is not None
        self.listener(delta)

    def final_tokens(self, text_length: int) -> tuple[TokenInfo, ...]:
        """The tokens of the final completion text (those starting before its end, so a stop
        string cuts the tokens after it), offsets in the final text."""
        if not self.with_logprobs:
            return ()
        infos = (self._info(i, self.text) for i in range(len(self.ids)))
        if self.cut is None and text_length >= len(self.stable):
            return tuple(infos)
        return tuple(t for t in infos if t.offset < text_length)
