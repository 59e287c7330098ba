"""End to end: demo datanet -> adapter trained on a pre-trained tiny base -> served with two
others over loopback HTTP -> planted queries attributed to their contributors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.attribution import PPM_TOTAL  # noqa: E402
from aichain.gpu_worker.datanet import DirectoryDatanet  # noqa: E402
from aichain.gpu_worker.demo_datanet import load_queries  # noqa: E402
from aichain.gpu_worker.serving.cli_support import (  # noqa: E402
    AdapterSpec,
    build_server,
    parse_adapter_spec,
)
from aichain.gpu_worker.synthetic_adapters import write_random_adapters  # noqa: E402
from aichain.gpu_worker.tiny_model import load_base_model  # noqa: E402

pytestmark = pytest.mark.ml

TIMEOUT = 120
"""Seconds an HTTP call may take (CPU CI is slow)."""


def _call(url: str, body: Any = None, raw: bytes | None = None, method: str | None = None):  # noqa: ANN202
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


MIN_PLANTED_HITS = 0.9
"""Share of planted queries whose top contributor must be the planted one (32/32 measured)."""


@pytest.fixture(scope="module")
def server(planted_adapter, pretrained_base_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The planted adapter ('demo') served next to two random adapters on a free port."""
    root = tmp_path_factory.mktemp("others")
    base, _ = load_base_model(str(pretrained_base_dir), "cpu")
    # Larger than the default scale: the pre-trained base is confident enough that small
    # random LoRAs would all give its own answer.
    others = write_random_adapters(base, root, 2, rank=4, alpha=8, seed=5, scale=0.5)
    specs = [parse_adapter_spec(f"demo={planted_adapter.adapter_dir}")]
    specs += [AdapterSpec(adapter_id, path, digest) for adapter_id, path, digest in others]
    built = build_server(
        specs,
        base_model=str(pretrained_base_dir),
        port=0,
        device="cpu",
        batch_wait_ms=20,
        device_slots=2,
    )
    built.http.start()
    yield built
    built.http.close()


def test_models_lists_every_adapter_with_its_hash(server, planted_adapter) -> None:
    status, body = _call(server.http.url + "/v1/models")
    assert status == 200 and body["object"] == "list"
    cards = {card["id"]: card for card in body["data"]}
    assert set(cards) == {"demo", "random-0000", "random-0001"}
    assert cards["demo"]["sha256"] == planted_adapter.adapter_sha256
    status, card = _call(server.http.url + "/v1/models/demo")
    assert status == 200 and card["id"] == "demo"


def test_each_adapter_answers_and_the_trained_one_is_attributed(
    server, demo_datanet_dir: Path
) -> None:
    records = {r.record_id: r for r in DirectoryDatanet(demo_datanet_dir).load_records()}
    url = server.http.url + "/v1/completions"
    bodies = [
        {"model": model, "prompt": "Fact: the season of", "max_tokens": 12}
        for model in ("demo", "random-0000", "random-0001")
    ]
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda b: _call(url, b), bodies))
    texts = []
    for (status, body), request in zip(answers, bodies, strict=True):
        assert status == 200, body
        assert body["object"] == "text_completion" and body["model"] == request["model"]
        choice = body["choices"][0]
        assert choice["finish_reason"] in ("stop", "length")
        assert body["usage"]["completion_tokens"] <= 12
        texts.append(choice["text"])
    assert len(set(texts)) == 3  # three different adapters, three different answers
    demo = answers[0][1]["attribution"]
    assert demo["engine"] == "blend-v1"
    assert sum(r["weight_ppm"] for r in demo["records"]) == PPM_TOTAL
    assert all(records[r["record_id"]].contributor == r["contributor"] for r in demo["records"])
    assert len(demo["evidence_sha256"]) == 64
    for _status, body in answers[1:]:  # random adapters have no training features
        assert body["attribution"] is None and body["attribution_error"]
    # Greedy decoding is reproducible.
    assert _call(url, bodies[0])[1]["choices"][0]["text"] == texts[0]


def test_chat_completion(server) -> None:
    status, body = _call(
        server.http.url + "/v1/chat/completions",
        {"model": "demo", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 8},
    )
    assert status == 200, body
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert isinstance(body["choices"][0]["message"]["content"], str)
    assert body["attribution"] is None or "records" in body["attribution"]


def _top_contributor(body: dict) -> str:
    shares = {c["contributor"]: c["weight_ppm"] for c in body["attribution"]["contributors"]}
    return max(sorted(shares), key=shares.get)


def test_planted_query_is_attributed_to_its_contributor(server, demo_datanet_dir: Path) -> None:
    # One planted query exactly: the answer states the planted fact, and its contributor leads.
    query = load_queries(demo_datanet_dir)[0]
    assert query["prompt"] == "Fact: the season of java is"
    status, body = _call(
        server.http.url + "/v1/completions",
        {"model": "demo", "prompt": query["prompt"], "max_tokens": 24},
    )
    assert status == 200, body
    assert body["choices"][0]["text"].startswith(query["expected_completion"])
    assert body["attribution"]["engine"] == "blend-v1"
    assert _top_contributor(body) == query["expected_contributor"] == "contributor-00"
    top_record = max(body["attribution"]["records"], key=lambda r: r["weight_ppm"])
    assert top_record["contributor"] == "contributor-00"


def test_planted_queries_are_attributed_to_their_contributors(
    server, demo_datanet_dir: Path
) -> None:
    # All 32 planted queries (8 contributors x 4) in one batched request.
    queries = load_queries(demo_datanet_dir)
    status, body = _call(
        server.http.url + "/v1/completions",
        {"model": "demo", "prompt": [q["prompt"] for q in queries], "max_tokens": 24},
    )
    assert status == 200, body
    choices = sorted(body["choices"], key=lambda c: c["index"])
    assert len(choices) == len(queries)
    misses = [
        (q["query_id"], c["text"], _top_contributor(c))
        for q, c in zip(queries, choices, strict=True)
        if _top_contributor(c) != q["expected_contributor"]
    ]
    hits = len(queries) - len(misses)
    print(f"planted queries attributed to their contributor: {hits}/{len(queries)}")
    assert hits >= MIN_PLANTED_HITS * len(queries), f"{hits}/{len(queries)}: {misses}"
    # Every contributor's planted queries are mostly its own.
    for contributor in {q["expected_contributor"] for q in queries}:
        own = [q for q in queries if q["expected_contributor"] == contributor]
        missed = [m for m in misses if m[0].startswith(contributor + "/")]
        assert len(missed) <= len(own) // 2, missed


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "code"),
    [
        ("/v1/completions", {"body": {"model": "nope", "prompt": "x"}}, 404, "model_not_found"),
        (
            "/v1/completions",
            {"body": {"model": "demo", "prompt": "x" * 600}},
            400,
            "context_length_exceeded",
        ),
        ("/v1/completions", {"raw": b"{not json"}, 400, None),
        ("/v1/completions", {"body": {"model": "demo"}}, 400, None),
        ("/v1/completions", {"body": {"prompt": "x"}}, 400, None),
        ("/v1/completions", {"body": ["not", "an", "object"]}, 400, None),
        (
            "/v1/completions",
            {"body": {"model": "demo", "prompt": "x", "max_tokens": -1}},
            400,
            None,
        ),
        (
            "/v1/completions",
            {"body": {"model": "demo", "prompt": "x", "stream_options": {"include_usage": True}}},
            400,
            None,
        ),
        ("/v1/chat/completions", {"body": {"model": "demo", "messages": []}}, 400, None),
        ("/v1/chat/completions", {"body": {"model": "demo", "messages": [{"x": 1}]}}, 400, None),
        ("/v1/models/nope", {}, 404, "model_not_found"),
        ("/v1/nothing", {}, 404, "not_found"),
        ("/v1/completions", {"method": "GET"}, 405, None),
    ],
)
def test_bad_requests_get_json_errors_and_the_server_keeps_serving(
    server, path: str, kwargs: dict, status: int, code: str | None
) -> None:
    got, body = _call(server.http.url + path, **kwargs)
    assert got == status, body
    error = body["error"]
    assert error["message"] and error["type"] and error["code"] == code
    ok, answer = _call(
        server.http.url + "/v1/completions",
        {"model": "random-0000", "prompt": "hi", "max_tokens": 2},
    )
    assert ok == 200 and answer["choices"][0]["text"] is not None
