"""The OpenAI-compatible API over real HTTP: streaming, n, logprobs, echo, stop, usage, errors."""

from __future__ import annotations

import http.client
import json
import shutil
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.adapters import ADAPTER_WEIGHTS  # noqa: E402
from aichain.gpu_worker.serving.http import OpenAIServer  # noqa: E402
from aichain.gpu_worker.serving.tokens import (  # noqa: E402
    RowTracker,
    TokenRenderer,
    compute_offset,
    compute_stop_holdback,
)
from aichain.gpu_worker.tiny_model import (  # noqa: E402
    ByteTokenizer,
)
from tests.serving_stack import tiny_service  # noqa: E402

pytestmark = pytest.mark.ml

TIMEOUT = 120
"""Seconds an HTTP call may take (CPU CI is slow)."""
PROMPTS = ["Fact: the orbit of", "Q: what is", "hello there"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """Two random adapters on the tiny base behind the HTTP server, on a free port."""
    service = tiny_service(tmp_path_factory.mktemp("openai-adapters"), 2, 4)
    http_server = OpenAIServer(service)
    http_server.start()
    yield http_server
    http_server.close()


@pytest.fixture(scope="module")
def model_id(server) -> str:
    """The first served adapter."""
    return server.service.registry.ids()[0]


def _post(server, path: str, body: Any) -> tuple[int, Any]:
    """POST JSON; (status, parsed JSON body)."""
    request = urllib.request.Request(
        server.url + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _stream(server, path: str, body: Any) -> list[Any]:
    """POST a streaming request with http.client; the SSE events (JSON or '[DONE]')."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        assert response.status == 200, response.read()
        assert response.getheader("Content-Type").startswith("text/event-stream")
        raw = response.read().decode("utf-8")
    finally:
        conn.close()
    assert raw.endswith("\n\n")
    events = []
    for block in raw.split("\n\n")[:-1]:
        assert block.startswith("data: "), block
        data = block.removeprefix("data: ")
        events.append(data if data == "[DONE]" else json.loads(data))
    return events


def _assemble(events: list[Any], chat: bool = False) -> dict[int, dict[str, Any]]:
    """Per choice index: joined text, finish reasons seen, logprobs entries, last chunk."""
    assert events[-1] == "[DONE]" and "[DONE]" not in events[:-1]
    choices: dict[int, dict[str, Any]] = {}
    for event in events[:-1]:
        assert event["object"] == ("chat.completion.chunk" if chat else "text_completion")
        for choice in event["choices"]:
            state = choices.setdefault(
                choice["index"], {"text": "", "reasons": [], "logprobs": [], "last": None}
            )
            assert not state["reasons"], "a chunk after the choice's finish_reason"
            if chat:
                state["text"] += choice["delta"].get("content", "")
            else:
                state["text"] += choice["text"]
            state["logprobs"].append(choice["logprobs"])
            if choice["finish_reason"] is not None:
                state["reasons"].append(choice["finish_reason"])
                state["last"] = event
    return choices


def _joined_completion_logprobs(entries: list[Any]) -> dict[str, list]:
    """The completions logprobs objects of a choice's chunks, concatenated."""
    joined: dict[str, list] = {"tokens": [], "token_logprobs": [], "top_logprobs": []}
    joined["text_offset"] = []
    for entry in entries:
        for key in joined:
            joined[key] += entry[key]
    return joined


def test_streamed_completions_reassemble_to_the_plain_answer(server, model_id) -> None:
    body = {"model": model_id, "prompt": PROMPTS[:2], "max_tokens": 12, "n": 2, "logprobs": 2}
    status, plain = _post(server, "/v1/completions", body)
    assert status == 200, plain
    events = _stream(server, "/v1/completions", {**body, "stream": True})
    streamed = _assemble(events)
    assert sorted(streamed) == [0, 1, 2, 3]
    for choice in plain["choices"]:
        got = streamed[choice["index"]]
        assert got["text"] == choice["text"]
        assert got["reasons"] == [choice["finish_reason"]]
        assert _joined_completion_logprobs(got["logprobs"]) == choice["logprobs"]
        assert "attribution" in got["last"] and "attribution" in got["last"]["choices"][0]
    assert len(events) > 4 * 2  # text arrives in pieces, not one chunk per choice


def test_stop_string_ends_both_paths_alike(server, model_id) -> None:
    body = {"model": model_id, "prompt": PROMPTS[1], "max_tokens": 12}
    full = _post(server, "/v1/completions", body)[1]
    text = full["choices"][0]["text"]
    pairs = [text[i : i + 2] for i in range(1, len(text) - 1)]
    stop = next(p for p in pairs if "\ufffd" not in p)  # after the first character
    status, cut = _post(server, "/v1/completions", {**body, "stop": [stop], "logprobs": 0})
    assert status == 200, cut
    choice = cut["choices"][0]
    assert choice["text"] == text[: text.index(stop)] and choice["finish_reason"] == "stop"
    assert cut["usage"]["completion_tokens"] < full["usage"]["completion_tokens"]
    assert all(o < len(choice["text"]) for o in choice["logprobs"]["text_offset"])
    events = _stream(server, "/v1/completions", {**body, "stop": stop, "stream": True})
    assert _assemble(events)[0]["text"] == choice["text"]


def test_streamed_chat_has_role_delta_finish_and_usage(server, model_id) -> None:
    body = {
        "model": model_id,
        "messages": [{"role": "user", "content": "hello"}],
        "max_tokens": 10,
        "logprobs": True,
        "top_logprobs": 2,
    }
    status, plain = _post(server, "/v1/chat/completions", body)
    assert status == 200, plain
    stream_body = {**body, "stream": True, "stream_options": {"include_usage": True}}
    events = _stream(server, "/v1/chat/completions", stream_body)
    first = events[0]["choices"][0]
    assert first["delta"] == {"role": "assistant", "content": ""}
    usage_chunk = events[-2]
    assert usage_chunk["choices"] == [] and usage_chunk["usage"] == plain["usage"]
    streamed = _assemble(events[:-2] + ["[DONE]"], chat=True)[0]
    assert streamed["text"] == plain["choices"][0]["message"]["content"]
    assert streamed["reasons"] == [plain["choices"][0]["finish_reason"]]
    assert set(streamed["last"]["choices"][0]["delta"]) <= {"content"}
    assert "attribution" in streamed["last"]
    content = [e for lp in streamed["logprobs"] if lp for e in lp["content"]]
    assert content == plain["choices"][0]["logprobs"]["content"]


def test_logprobs_are_the_models_log_softmax(server, model_id) -> None:
    status, body = _post(
        server,
        "/v1/completions",
        {"model": model_id, "prompt": PROMPTS[2], "max_tokens": 8, "logprobs": 5},
    )
    assert status == 200, body
    logprobs = body["choices"][0]["logprobs"]
    assert len(logprobs["tokens"]) == body["usage"]["completion_tokens"] == 8
    for chosen, top in zip(logprobs["token_logprobs"], logprobs["top_logprobs"], strict=True):
        assert chosen <= 0 and len(top) == 5
        assert all(value <= 0 for value in top.values())
        assert chosen == max(top.values())  # greedy picks the most likely token
    offsets = logprobs["text_offset"]
    assert offsets[0] == 0 and offsets == sorted(offsets)
    # chat: the same numbers in chat's shape
    status, chat = _post(
        server,
        "/v1/chat/completions",
        {
            "model": model_id,
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 4,
            "logprobs": True,
            "top_logprobs": 3,
        },
    )
    assert status == 200, chat
    for entry in chat["choices"][0]["logprobs"]["content"]:
        assert entry["logprob"] <= 0 and len(entry["top_logprobs"]) == 3
        assert entry["logprob"] == entry["top_logprobs"][0]["logprob"]
        assert isinstance(entry["bytes"], list)
    status, plain = _post(
        server,
        "/v1/chat/completions",
        {"model": model_id, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4},
    )
    assert plain["choices"][0]["logprobs"] is None
    assert plain["choices"][0]["message"] == chat["choices"][0]["message"]


def test_echo_prepends_the_prompt_and_scores_it(server, model_id) -> None:
    body = {"model": model_id, "prompt": PROMPTS[1], "max_tokens": 5}
    plain = _post(server, "/v1/completions", body)[1]["choices"][0]
    status, echoed = _post(server, "/v1/completions", {**body, "echo": True, "logprobs": 1})
    assert status == 200, echoed
    choice = echoed["choices"][0]
    assert choice["text"] == PROMPTS[1] + plain["text"]
    logprobs = choice["logprobs"]
    prompt_len = len(PROMPTS[1].encode())  # the byte tokenizer: one token per byte
    assert len(logprobs["tokens"]) == prompt_len + 5
    assert logprobs["text_offset"][:prompt_len] == list(range(prompt_len))
    assert logprobs["text_offset"][prompt_len] == len(PROMPTS[1])
    assert all(v <= 0 for v in logprobs["token_logprobs"])  # BOS precedes: all are scored
    events = _stream(
        server, "/v1/completions", {**body, "echo": True, "logprobs": 1, "stream": True}
    )
    streamed = _assemble(events)[0]
    assert streamed["text"] == choice["text"]
    assert _joined_completion_logprobs(streamed["logprobs"]) == logprobs


def test_n_choices_and_prompt_lists(server, model_id) -> None:
    status, greedy = _post(
        server, "/v1/completions", {"model": model_id, "prompt": PROMPTS[0], "n": 3}
    )
    assert status == 200, greedy
    assert [c["index"] for c in greedy["choices"]] == [0, 1, 2]
    assert len({c["text"] for c in greedy["choices"]}) == 1  # greedy: identical choices
    single = _post(server, "/v1/completions", {"model": model_id, "prompt": PROMPTS[0]})[1]
    assert greedy["choices"][0]["text"] == single["choices"][0]["text"]
    assert greedy["usage"]["prompt_tokens"] == single["usage"]["prompt_tokens"]
    assert greedy["usage"]["completion_tokens"] == 3 * single["usage"]["completion_tokens"]
    sampled_body = {"model": model_id, "prompt": PROMPTS, "n": 2, "temperature": 1.0, "seed": 7}
    status, sampled = _post(server, "/v1/completions", sampled_body)
    assert status == 200, sampled
    texts = [c["text"] for c in sampled["choices"]]
    assert len(texts) == 6 and texts[0] != texts[1]  # seed + j per choice
    assert [c["text"] for c in _post(server, "/v1/completions", sampled_body)[1]["choices"]] == (
        texts
    )
    chat = _post(
        server,
        "/v1/chat/completions",
        {"model": model_id, "messages": [{"role": "user", "content": "x"}], "n": 2},
    )[1]
    assert [c["index"] for c in chat["choices"]] == [0, 1]


def test_a_client_leaving_a_stream_does_not_stop_the_server(server, model_id) -> None:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    body = {"model": model_id, "prompt": "x", "max_tokens": 400, "stream": True}
    conn.request("POST", "/v1/completions", json.dumps(body), {"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200
    response.fp.readline()  # the first chunk's size line
    conn.close()
    status, answer = _post(server, "/v1/completions", {"model": model_id, "prompt": "hi"})
    assert status == 200 and answer["choices"][0]["text"] is not None


@pytest.mark.parametrize(
    ("path", "extra", "param"),
    [
        ("/v1/completions", {"n": 0}, "n"),
        ("/v1/completions", {"n": 17}, "n"),
        ("/v1/completions", {"n": "2"}, "n"),
        ("/v1/completions", {"logprobs": 6}, "logprobs"),
        ("/v1/completions", {"logprobs": -1}, "logprobs"),
        ("/v1/completions", {"logprobs": True}, "logprobs"),
        ("/v1/completions", {"stream": "yes"}, "stream"),
        ("/v1/completions", {"stream": 1}, "stream"),
        ("/v1/completions", {"stream_options": {"include_usage": True}}, "stream_options"),
        ("/v1/completions", {"stream": True, "stream_options": []}, "stream_options"),
        ("/v1/completions", {"prompt": ["a", 3]}, "prompt"),
        ("/v1/completions", {"prompt": []}, "prompt"),
        ("/v1/completions", {"echo": "yes"}, "echo"),
        ("/v1/completions", {"best_of": 3}, "best_of"),
        ("/v1/completions", {"prompt": ["a"] * 40, "n": 2}, "n"),
        ("/v1/completions", {"max_tokens": 0, "stream": True}, "max_tokens"),
        ("/v1/chat/completions", {"logprobs": 1}, "logprobs"),
        ("/v1/chat/completions", {"top_logprobs": 2}, "top_logprobs"),
        ("/v1/chat/completions", {"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
        ("/v1/chat/completions", {"n": 100}, "n"),
        ("/v1/chat/completions", {"stream": "true"}, "stream"),
    ],
)
def test_bad_inputs_get_a_400_and_the_server_keeps_serving(
    server, model_id, path: str, extra: dict, param: str
) -> None:
    base: dict[str, Any] = {"model": model_id}
    if path == "/v1/completions":
        base["prompt"] = "hi"
    else:
        base["messages"] = [{"role": "user", "content": "hi"}]
    status, body = _post(server, path, {**base, **extra})
    assert status == 400, body
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert error["message"]
    status, answer = _post(server, "/v1/completions", {"model": model_id, "prompt": "hi"})
    assert status == 200 and answer["choices"][0]["text"] is not None


def test_a_failing_stream_is_refused_before_any_event(server, model_id) -> None:
    status, body = _post(
        server,
        "/v1/completions",
        {"model": model_id, "prompt": "x" * 600, "stream": True},
    )
    assert status == 400 and body["error"]["code"] == "context_length_exceeded"
    status, body = _post(
        server, "/v1/completions", {"model": "nope", "prompt": "x", "stream": True}
    )
    assert status == 404 and body["error"]["code"] == "model_not_found"


def test_row_tracker_never_streams_text_a_stop_string_could_take_back() -> None:
    tokenizer = ByteTokenizer()
    deltas = []
    tracker = RowTracker(TokenRenderer(tokenizer), ("é. ",), True, deltas.append)
    ended = [tracker.add(b, None) for b in "héllo é.é. x".encode()]
    assert ended.index(True) == len("héllo é.é. ".encode()) - 1
    assert "".join(d.text for d in deltas) == "héllo é."
    tokens = [t for d in deltas for t in d.tokens]
    assert [t.offset for t in tokens][:4] == [0, 1, 1, 2]  # é is two bytes at offset 1
    assert tokens[1].text == "bytes:\\xc3" and tokens[1].bytes == (0xC3,)
    assert compute_stop_holdback("abc. ", (". x",)) == 2
    assert compute_stop_holdback("abc", ("x",)) == 0
    assert compute_offset("ab\ufffd", "abé") == 2


def test_an_error_after_the_stream_began_is_an_error_event(server, model_id, tmp_path) -> None:
    entry = server.service.registry.get(model_id)
    copy = tmp_path / "victim"
    shutil.copytree(entry.path, copy)
    server.service.registry.register("victim", copy, entry.sha256)
    weights = copy / ADAPTER_WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-4] + b"\0" * 4)  # changed after registration
    events = _stream(server, "/v1/completions", {"model": "victim", "prompt": "x", "stream": True})
    assert events[-1]["error"]["code"] == "adapter_integrity_error" and "[DONE]" not in events
    status, answer = _post(server, "/v1/completions", {"model": model_id, "prompt": "hi"})
    assert status == 200 and answer["choices"][0]["text"] is not None
