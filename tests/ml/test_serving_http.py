"""The aiohttp front of the worker endpoint: an OpenAI client library, keep-alive, limits,
slow and vanishing clients, shutdown with requests in flight, 64 concurrent streams, /health,
/metrics, and library warnings kept out of the output."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import re
import signal
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.serving.cache import AdapterCache  # noqa: E402
from aichain.gpu_worker.serving.http import OpenAIServer, ServerLimits  # noqa: E402
from aichain.gpu_worker.serving.metrics import (  # noqa: E402
    MetricFamily,
    Sample,
    compute_prometheus_text,
)
from aichain.gpu_worker.serving.service import ServingService  # noqa: E402
from aichain.gpu_worker.serving.warnings_log import install_warning_log  # noqa: E402
from aichain.gpu_worker.synthetic_adapters import write_random_adapters  # noqa: E402
from aichain.gpu_worker.tiny_model import build_tiny_model  # noqa: E402
from tests.serving_stack import random_adapter_stack  # noqa: E402

pytestmark = pytest.mark.ml

TIMEOUT = 120
"""Seconds a client waits for an answer (CPU CI is slow)."""
AICHAIN = str(Path(sys.executable).parent / "aichain")
"""The console script of this environment."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    """The tiny base with two random adapters: (model, registry), shared by this file's
    servers (one at a time)."""
    return random_adapter_stack(tmp_path_factory.mktemp("http-adapters"), 2)


def _make_server(stack, limits: ServerLimits | None = None, **service_options) -> OpenAIServer:
    model, registry = stack
    options = {"batch_wait_s": 0.01, **service_options}
    service = ServingService(model, AdapterCache(registry, model, 4, 4), **options)
    server = OpenAIServer(service, limits=limits)
    server.start()
    return server


@pytest.fixture
def server(stack):
    """A fresh server on a free port (short body timeout), closed after the test."""
    running = _make_server(stack, ServerLimits(body_timeout_s=0.5, write_timeout_s=1.0))
    yield running
    running.close(grace_s=0)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch, stack):
    """Holds every decoding row at its first token until the test sets the event."""
    model, _ = stack
    release = threading.Event()
    held = threading.Event()
    original = model.generate

    def generate(rows, on_token=None, on_prompt=None):  # noqa: ANN001, ANN202
        def gated(row, token, logprob):  # noqa: ANN001, ANN202
            held.set()
            release.wait(TIMEOUT)
            return on_token(row, token, logprob) if on_token is not None else False

        return original(rows, gated, on_prompt)

    monkeypatch.setattr(model, "generate", generate)
    yield held, release
    release.set()


def _connect(server: OpenAIServer, timeout: float = TIMEOUT) -> http.client.HTTPConnection:
    parts = urlsplit(server.url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


def _wait_until(predicate: Any, what: str) -> None:
    """Polls predicate until true; fails after TIMEOUT seconds."""
    waited = threading.Event()
    for _ in range(TIMEOUT * 100):
        if predicate():
            return
        waited.wait(0.01)
    raise AssertionError(f"never happened: {what}")


def _address(server: OpenAIServer) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname or "", parts.port or 0


def _accepts(server: OpenAIServer) -> bool:
    """Whether the server accepts a new connection."""
    try:
        socket.create_connection(_address(server), TIMEOUT).close()
    except OSError:
        return False
    return True


def _raw_reply(raw: socket.socket) -> tuple[bytes, Any]:
    """The status line and headers (lower-cased) and the JSON body of one reply on raw."""
    stream = raw.makefile("rb")
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline()
        assert line, head
        head += line
    length = int(re.search(rb"content-length: *(\d+)", head.lower()).group(1))
    return head.lower(), json.loads(stream.read(length))


def _post(conn: http.client.HTTPConnection, path: str, body: Any) -> tuple[int, Any]:
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def _metric(server: OpenAIServer, line_start: str) -> float:
    """The value of the /metrics sample whose line starts with line_start."""
    conn = _connect(server)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.split()[-1])
    raise AssertionError(f"no sample {line_start} in /metrics")


def _read_events(response: http.client.HTTPResponse) -> list[Any]:
    """Every SSE event of a response until the server ends it (after any already read)."""
    events = []
    for block in response.read().decode().split("\n\n"):
        data = block.strip().removeprefix("data: ")
        if data:
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


def _open_stream(server: OpenAIServer, body: dict[str, Any]) -> tuple[Any, Any]:
    """A streaming POST whose headers arrived: (connection, response)."""
    conn = _connect(server)
    path = "/v1/chat/completions" if "messages" in body else "/v1/completions"
    conn.request("POST", path, json.dumps({**body, "stream": True}))
    response = conn.getresponse()
    assert response.status == 200
    return conn, response


def test_the_openai_client_library_drives_the_endpoint(server) -> None:
    openai = pytest.importorskip("openai")  # the dev extra pins it
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0)
    ids = [m.id for m in client.models.list()]
    assert ids == server.service.registry.ids()
    plain = client.completions.create(model=ids[0], prompt="Q: what is", max_tokens=8)
    assert plain.choices[0].finish_reason in ("length", "stop")
    assert plain.usage.completion_tokens == 8 or plain.choices[0].finish_reason == "stop"
    assert "attribution" in plain.model_extra  # the extra field survives the library
    streamed = client.completions.create(
        model=ids[0], prompt="Q: what is", max_tokens=8, stream=True
    )
    assert "".join(c.choices[0].text for c in streamed if c.choices) == plain.choices[0].text
    chat = client.chat.completions.create(
        model=ids[1], messages=[{"role": "user", "content": "hello"}], max_tokens=6
    )
    assert chat.choices[0].message.role == "assistant"
    pieces = client.chat.completions.create(
        model=ids[1],
        messages=[{"role": "user", "content": "hello"}],
        max_tokens=6,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(pieces)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == chat.choices[0].message.content
    assert chunks[-1].usage.completion_tokens == chat.usage.completion_tokens
    with pytest.raises(openai.NotFoundError) as missing:
        client.completions.create(model="nope", prompt="x")
    assert missing.value.status_code == 404 and missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        client.completions.create(model=ids[0], prompt="x", n=17)
    assert bad.value.param == "n" and bad.value.type == "invalid_request_error"


def test_keep_alive_serves_many_requests_and_errors_on_one_connection(server) -> None:
    model = server.service.registry.ids()[0]
    conn = _connect(server)
    conn.request("GET", "/v1/models")
    assert conn.getresponse().read()
    local = conn.sock.getsockname()
    assert (
        _post(conn, "/v1/completions", {"model": model, "prompt": "hi", "max_tokens": 2})[0] == 200
    )
    assert _post(conn, "/v1/completions", {"model": model, "prompt": "hi", "n": 0})[0] == 400
    assert _post(conn, "/v1/completions", {"model": "nope", "prompt": "hi"})[0] == 404
    assert (
        _post(conn, "/v1/completions", {"model": model, "prompt": "hi", "max_tokens": 2})[0] == 200
    )
    assert conn.sock.getsockname() == local  # still the first connection
    conn.close()


def test_an_oversized_body_gets_a_413_without_being_read(server) -> None:
    model = server.service.registry.ids()[0]
    with socket.create_connection(_address(server), TIMEOUT) as raw:
        raw.sendall(
            b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n{" % (2 << 20)
        )
        head, body = _raw_reply(raw)
    assert head.startswith(b"http/1.1 413") and b"connection: close" in head
    assert body["error"]["message"] == f"body over {1 << 20} bytes"
    # a chunked body (no Content-Length) is cut off once it passes the limit
    conn = _connect(server)
    big = json.dumps({"model": model, "prompt": "x" * (1 << 20)}).encode()
    conn.request("POST", "/v1/completions", iter([big[:65536], big[65536:]]))
    response = conn.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"]["type"]
    conn.close()
    conn = _connect(server)
    assert (
        _post(conn, "/v1/completions", {"model": model, "prompt": "hi", "max_tokens": 2})[0] == 200
    )


def test_a_body_that_does_not_arrive_in_time_gets_a_408(server) -> None:
    with socket.create_connection(_address(server), TIMEOUT) as raw:
        raw.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        head, body = _raw_reply(raw)  # sent nothing more: the server gives up
    assert head.startswith(b"http/1.1 408") and b"connection: close" in head
    assert body["error"]["code"] == "request_timeout"


def test_a_client_leaving_mid_stream_cancels_its_rows_without_a_traceback(
    server, gate, caplog: pytest.LogCaptureFixture
) -> None:
    held, release = gate
    model = server.service.registry.ids()[0]
    caplog.set_level(logging.DEBUG)
    conn, response = _open_stream(
        server, {"model": model, "messages": [{"role": "user", "content": "x"}], "max_tokens": 300}
    )
    assert response.readline().startswith(
        b"data: "
    )  # the first chunk: the role delta, sent before any token
    assert held.wait(TIMEOUT)  # the row is decoding, held at its first token
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()
    _wait_until(lambda: _metric(server, "aichain_http_client_disconnects_total") == 1, "left")
    release.set()
    # the row ends at its next step, not after 300 tokens
    _wait_until(lambda: _metric(server, "aichain_serving_rows_cancelled_total") == 1, "ended")
    assert _metric(server, 'aichain_serving_tokens_total{kind="completion"}') < 300
    conn = _connect(server)
    assert (
        _post(conn, "/v1/completions", {"model": model, "prompt": "hi", "max_tokens": 2})[0] == 200
    )
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_slow_reader_gets_its_whole_stream(server) -> None:
    model = server.service.registry.ids()[0]
    body = {"model": model, "prompt": "x", "max_tokens": 64, "n": 16, "logprobs": 5}
    plain = _post(_connect(server), "/v1/completions", body)[1]
    # slow: reads in small sips, still gets every piece, in order, ending in [DONE]
    conn, response = _open_stream(server, body)
    raw = b""
    while piece := response.read(4096):
        raw += piece
        threading.Event().wait(0.002)
    conn.close()
    events = [b.removeprefix("data: ") for b in raw.decode().split("\n\n")[:-1]]
    assert events[-1] == "[DONE]"
    texts = [""] * 16
    for event in map(json.loads, events[:-1]):
        for choice in event["choices"]:
            texts[choice["index"]] += choice["text"]
    assert texts == [c["text"] for c in plain["choices"]]


def test_a_stalled_reader_is_dropped_after_the_write_timeout(server) -> None:
    model = server.service.registry.ids()[0]
    body = {"model": model, "prompt": "x", "max_tokens": 200, "n": 16, "logprobs": 5}
    # small socket buffers on both sides (accepted sockets inherit the listener's), so the
    # server's writes wait for a client that reads nothing (the stream is over 1 MB)
    server.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
    # stalled: a tiny receive window and no reads; the server drops it after write_timeout_s
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    before = _metric(server, "aichain_http_client_disconnects_total")
    stalled.connect(_address(server))
    payload = json.dumps({**body, "stream": True}).encode()
    stalled.sendall(
        b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(payload)
        + payload
    )
    _wait_until(
        lambda: _metric(server, "aichain_http_client_disconnects_total") > before, "dropped"
    )
    stalled.settimeout(TIMEOUT)
    received = b""
    while piece := stalled.recv(65536):
        received += piece
    stalled.close()
    assert received.startswith(b"HTTP/1.1 200") and b"[DONE]" not in received
    assert _metric(server, "aichain_http_streams_open") == 0
    assert _post(_connect(server), "/v1/completions", {**body, "n": 1})[0] == 200


def test_shutdown_lets_in_flight_requests_finish_within_the_grace(stack, gate) -> None:
    held, release = gate
    running = _make_server(stack)
    model = running.service.registry.ids()[0]
    body = {"model": model, "messages": [{"role": "user", "content": "x"}], "max_tokens": 5}
    idle = _connect(running)  # a kept-alive connection, idle when shutdown begins
    idle.request("GET", "/health")
    assert idle.getresponse().read()
    conn, response = _open_stream(running, body)
    assert response.readline().startswith(b"data: ")
    assert held.wait(TIMEOUT)
    closer = threading.Thread(target=running.close, kwargs={"grace_s": TIMEOUT})
    closer.start()
    _wait_until(lambda: not _accepts(running), "stopped accepting")
    assert running.draining
    status, refused = _post(idle, "/v1/completions", {"model": model, "prompt": "hi"})
    assert status == 503 and refused["error"]["code"] == "unavailable"
    idle.request("GET", "/health")
    health = idle.getresponse()
    assert health.status == 503 and json.loads(health.read())["status"] == "draining"
    idle.close()
    release.set()
    events = _read_events(response)
    closer.join(TIMEOUT)
    assert events[-1] == "[DONE]"
    assert [e for e in events[:-1] if e["choices"] and e["choices"][0]["finish_reason"]]
    assert running.closed.is_set() and not closer.is_alive()
    conn.close()


def test_shutdown_cancels_rows_still_in_flight_after_the_grace(stack, gate) -> None:
    held, release = gate
    running = _make_server(stack)
    model = running.service.registry.ids()[0]
    stream_body = {"model": model, "messages": [{"role": "user", "content": "x"}]}
    conn, response = _open_stream(running, {**stream_body, "max_tokens": 300})
    assert response.readline().startswith(b"data: ")
    assert held.wait(TIMEOUT)
    waiting: list[tuple[int, Any]] = []
    plain = threading.Thread(
        target=lambda: waiting.append(
            _post(_connect(running), "/v1/completions", {"model": model, "prompt": "y"})
        )
    )
    plain.start()
    # the plain request waits in the queue behind the held batch
    _wait_until(lambda: running.service.queue_depth() == 1, "queued")
    closer = threading.Thread(target=running.close, kwargs={"grace_s": 0.1})
    closer.start()
    events = _read_events(response)  # ends once the shutdown cancelled the row
    assert events[-1]["error"]["code"] == "unavailable" and "[DONE]" not in events
    release.set()
    plain.join(TIMEOUT)
    closer.join(TIMEOUT)
    assert waiting[0][0] == 503 and waiting[0][1]["error"]["code"] == "unavailable"
    assert running.closed.is_set() and not closer.is_alive()
    assert running.service.metrics.rows_cancelled >= 1
    conn.close()


def test_64_concurrent_streams_are_served_in_one_batch(stack) -> None:
    running = _make_server(stack, max_batch=64)
    try:
        model = running.service.registry.ids()[0]
        prompts = ["Fact: the orbit of", "Q: what is", "hello there", "note: x has"]
        conn = _connect(running)
        expected = [
            _post(conn, "/v1/completions", {"model": model, "prompt": p, "max_tokens": 6})[1]
            for p in prompts
        ]
        conn.close()
        batches = running.service.metrics.batch_sizes.count
        running.service.batch_wait_s = TIMEOUT  # a batch waits for all 64 (it closes at 64)

        async def one(session: Any, index: int) -> str:
            body = {"model": model, "prompt": prompts[index % 4], "max_tokens": 6, "stream": True}
            text, done = "", False
            async with session.post(running.url + "/v1/completions", json=body) as reply:
                assert reply.status == 200
                async for line in reply.content:
                    data = line.decode().strip().removeprefix("data: ")
                    if data == "[DONE]":
                        done = True
                    elif data:
                        text += json.loads(data)["choices"][0]["text"]
            assert done
            return text

        async def all_clients() -> list[str]:
            limit = aiohttp.ClientTimeout(total=TIMEOUT)
            async with aiohttp.ClientSession(timeout=limit) as session:
                return await asyncio.gather(*(one(session, i) for i in range(64)))

        texts = asyncio.run(all_clients())
        assert texts == [expected[i % 4]["choices"][0]["text"] for i in range(64)]
        assert running.service.metrics.batch_sizes.count == batches + 1
        assert _metric(running, 'aichain_serving_batch_size_bucket{le="32"}') == batches
        assert _metric(running, 'aichain_serving_batch_size_bucket{le="64"}') == batches + 1
    finally:
        running.close(grace_s=0)


def test_health_and_metrics(server) -> None:
    conn = _connect(server)
    conn.request("GET", "/health")
    health = conn.getresponse()
    assert health.status == 200
    assert json.loads(health.read()) == {"status": "ok", "models": 2, "queue_depth": 0}
    model = server.service.registry.ids()[0]
    assert (
        _post(conn, "/v1/completions", {"model": model, "prompt": "hi", "max_tokens": 3})[0] == 200
    )
    conn.request("GET", "/metrics")
    reply = conn.getresponse()
    assert reply.getheader("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
    text = reply.read().decode()
    sample = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [-+0-9.eInf]+$')
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.match(line), line
    for name in (
        "aichain_serving_queue_depth 0",
        "aichain_serving_batch_size_count ",
        'aichain_serving_tokens_total{kind="completion"} ',
        "aichain_serving_tokens_per_second ",
        'aichain_adapter_cache_hits_total{tier="device"} ',
        'aichain_adapter_cache_hits_total{tier="host"} ',
        'aichain_adapter_cache_hits_total{tier="disk"} ',
        "aichain_attribution_seconds_count 0",
        'aichain_http_requests_total{method="POST",route="/v1/completions",status="200"} 1',
    ):
        assert f"\n{name}" in text, name
    assert _metric(server, 'aichain_serving_tokens_total{kind="completion"}') == 3
    conn.close()


def test_prometheus_text_escapes_labels_and_writes_inf() -> None:
    family = MetricFamily(
        "x_total", "counter", "Help.", (Sample("", (("a", 'q"\\\n'),), 2.5), Sample("", (), 3))
    )
    text = compute_prometheus_text([family])
    assert text == (
        '# HELP x_total Help.\n# TYPE x_total counter\nx_total{a="q\\"\\\\\\n"} 2.5\nx_total 3\n'
    )
    inf = MetricFamily("h", "histogram", "H.", (Sample("_bucket", (("le", "+Inf"),), 1),))
    assert 'h_bucket{le="+Inf"} 1' in compute_prometheus_text([inf])


def test_library_warnings_are_logged_once_at_debug(
    capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aichain.gpu_worker.warnings")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        install_warning_log()
        for _ in range(3):
            warnings.warn("`x` is deprecated", FutureWarning, stacklevel=1)
        warnings.warn("another", UserWarning, stacklevel=1)
    assert capsys.readouterr().err == ""
    records = [r for r in caplog.records if r.name == "aichain.gpu_worker.warnings"]
    assert [r.levelno for r in records] == [logging.DEBUG, logging.DEBUG]
    assert "FutureWarning: `x` is deprecated" in records[0].getMessage()


def test_worker_serve_output_has_no_warning_or_traceback_and_sigterm_stops_it(
    tmp_path: Path,
) -> None:
    ((adapter_id, path, _),) = write_random_adapters(build_tiny_model(0), tmp_path, 1, rank=2)
    command = [AICHAIN, "worker", "serve", f"{adapter_id}={path}", "--port", "0"]
    command += ["--base-model", "tiny-random"]
    command += ["--shutdown-grace-s", "5"]
    proc = subprocess.Popen(
        [*command, "--device", "cpu", "--attribution", "none"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        listening = proc.stdout.readline()  # printed once the model is built and bound
        assert listening.startswith("listening on http://127.0.0.1:"), proc.stderr.read()
        parts = urlsplit(listening.split()[-1])
        body = {"model": adapter_id, "prompt": "hi", "max_tokens": 300}
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        assert _post(conn, "/v1/completions", {**body, "max_tokens": 2})[0] == 200
        conn.close()  # a kept-alive connection closed by its client
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        conn.request("POST", "/v1/completions", json.dumps({**body, "stream": True}))
        assert conn.getresponse().readline().startswith(b"data: ")
        conn.sock.shutdown(socket.SHUT_RDWR)  # a client leaving mid-stream
        conn.close()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped" in err
    for word in ("Traceback", "Warning", "ERROR", "WARNING", "Error"):
        assert word not in out + err, err
