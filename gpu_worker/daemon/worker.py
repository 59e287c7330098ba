"""The worker daemon: a compute provider of the chain (docs/worker.md).

One loop, woken by every new block (gpu_worker/daemon/follow.py) or every `poll_s`:

1. `poll_requests`  the requests assigned to this worker (PendingRequests) that the journal
                    has not seen: input fetched and checked, queued on the serving engine
                    (which batches across adapters on its own thread);
2. `collect`        finished answers: attribution entries, output and evidence in the content
                    store, the result body signed by the hot key and journaled (`computed`);
3. `flush`          computed bundles broadcast in batches (MsgSubmitInference, one tx of up to
                    params.max_results_per_msg), `broadcast` with the tx hash;
4. `track`          broadcast txs looked up: `done`, or why the chain refused;
5. `committee`      disputes whose committee includes this worker: re-run, commit (salt
                    journaled first), reveal in the reveal window;
6. `report`         earnings polled and logged when they change; status.json written.

Requests the worker cannot answer (input missing or too large, a model it does not serve, a
prompt over the context limit, an engine that found no evidence) are journaled as `refused`
with the reason and logged; the requester's fee comes back at the request's timeout height.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aichain.app.crypto import PrivateKey, account_address
from aichain.client.blobs import BlobError, BlobNotFoundError, BlobStore
from aichain.gpu_worker.chain_client import ChainClient, ChainError, TxSender
from aichain.gpu_worker.daemon.adapter_store import (
    TRAINING_MANIFEST,
    AdapterFetchError,
    compute_weights_hash,
    fetch_adapter,
)
from aichain.gpu_worker.daemon.journal import Journal, ResultEntry, request_key
from aichain.gpu_worker.daemon.results import (
    InputError,
    ParsedInput,
    build_result,
    compute_entries,
    compute_output_hash,
    parse_input,
)
from aichain.modules.attribution import signing

log = logging.getLogger("aichain.worker")

PID_FILE = "worker.pid"
"""The running daemon's pid, in the worker home."""
STATUS_FILE = "status.json"
"""What `aichain worker status` shows, rewritten every tick."""
JOURNAL_FILE = "journal.sqlite"
"""The journal, in the worker home."""

REQUEST_PENDING = 1
"""attribution.v1 REQUEST_STATUS_PENDING."""
DISPUTE_COMMIT, DISPUTE_REVEAL = 1, 2
"""attribution.v1 DISPUTE_STATUS_COMMIT / _REVEAL."""

MAX_RESULTS_PER_TX = 64
"""Results per MsgSubmitInference at most (below the chain's cap, to keep txs small)."""

TAKE_OVER_EVERY = 5
"""Ticks between looks for orphaned requests (assignment window over, no result)."""

RESEND_AFTER_S = 60.0
"""A broadcast tx not in a block after this long is looked into (and its results resent)."""


@dataclass
class DaemonConfig:
    """How to run a worker."""

    home: Path
    node: str
    blob_grpc: str
    operator: PrivateKey
    hot: PrivateKey
    models: tuple[int, ...]
    adapter_dirs: dict[int, Path] = field(default_factory=dict)
    """Serve these local directories instead of fetching (still checked against the registry)."""
    base_model: str = "tiny"
    device: str = "auto"
    host: str = "127.0.0.1"
    port: int = 0
    bond: str = "1000000"
    endpoint: str = ""
    gas_price: str = "0.025uaic"
    engine: str = "blend-v1"
    max_input_bytes: int = 1 << 20
    poll_s: float = 2.0
    max_batch: int = 16
    rate_limit: tuple[int, int] | None = None
    """(requests a second, burst) one client address may send to the endpoint ((0, _): no
    limit); None: the endpoint's defaults (serving/http.py WORKER_RATE, WORKER_BURST)."""


@dataclass
class ServedModel:
    """A registered adapter this worker serves, and the datanet version it attributes to."""

    model: Any
    datanet_id: int
    version: int
    directory: Path


@dataclass
class _Job:
    key: str
    request: Any
    parsed: ParsedInput
    future: Future
    started: float
    dispute_id: int = 0


class WorkerDaemon:
    """A running worker (see the module docstring). start(), then run() until stop()."""

    def __init__(self, config: DaemonConfig, store: BlobStore) -> None:
        self.config = config
        self.store = store
        self.home = config.home
        self.home.mkdir(parents=True, exist_ok=True)
        self.chain = ChainClient(config.node)
        self.sender = TxSender(self.chain, config.operator, config.gas_price)
        self.operator = account_address(config.operator.address)
        self.journal = Journal(self.home / JOURNAL_FILE)
        self.served: dict[int, ServedModel] = {}
        self.refused_adapters: dict[int, str] = {}
        self.base_hashes: dict[int, str] = {}
        self.runtime: Any = None
        self.params: Any = None
        self.jobs: dict[str, _Job] = {}
        self.reruns: dict[int, _Job] = {}
        self.vote_txs: dict[int, str] = {}
        self.broadcast_at: dict[str, float] = {}
        self.answered_times: deque[float] = deque(maxlen=1000)
        self.earnings: dict[str, str] = {}
        self.height = 0
        self.ticks = 0
        self.chain_ok = True
        self.started = time.time()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.follower: Any = None
        self.compute_claim: Callable[[Any, list[Any]], list[Any]] = lambda request, entries: entries
        """What the worker claims for a request given its honest entries (tests patch this)."""

    # --- start-up -----------------------------------------------------------------------

    def start(self) -> None:
        """Loads adapters (refusing mismatched ones), registers or checks the worker,
        reconciles the journal, starts the endpoint and the block follower."""
        from aichain.gpu_worker.daemon.prepaid import PrepaidHandler, PrepaidServer
        from aichain.gpu_worker.daemon.runtime import adapter_spec, build_runtime

        self.params = self._retry(self.chain.attribution_params, "read the attribution params")
        specs = []
        for model_id in self.config.models:
            served = self._prepare_adapter(model_id)
            if served is not None:
                self.served[model_id] = served
                specs.append(adapter_spec(model_id, served.directory, served.model.weights_hash))
        if not specs:
            raise RuntimeError(
                "no adapter can be served: "
                + "; ".join(f"model {m}: {r}" for m, r in sorted(self.refused_adapters.items()))
            )
        from aichain.gpu_worker.adapters import AdapterError

        try:
            self.runtime = self._build_runtime(build_runtime, specs, PrepaidServer)
        except AdapterError as exc:
            raise RuntimeError(
                f"{exc}: start the worker with the --base-model its adapters were trained on"
            ) from None
        self.runtime.server.http.prepaid = PrepaidHandler(self)
        self._check_base_models()
        self._register()
        self.reconcile()
        self.runtime.server.http.start()
        self._started_log()
        from aichain.gpu_worker.daemon.follow import BlockFollower

        self.follower = BlockFollower(self.config.node, self._on_block, self.config.poll_s)
        self.follower.start()

    def _build_runtime(self, build_runtime: Any, specs: list[Any], server_class: type) -> Any:
        from aichain.gpu_worker.serving.http import ServerLimits
        from aichain.node.ratelimit import RateLimit

        limits = None
        if self.config.rate_limit is not None:
            limits = ServerLimits(rate_limit=RateLimit(*self.config.rate_limit))
        return build_runtime(
            specs,
            self.store,
            base_model=self.config.base_model,
            device=self.config.device,
            host=self.config.host,
            port=self.config.port,
            engine=self.config.engine,
            top_k=max(1, min(10, int(self.params.max_attributions or 10))),
            max_batch=self.config.max_batch,
            server_class=server_class,
            pending_dir=self.home / "evidence-pending",
            limits=limits,
        )

    def _started_log(self) -> None:
        log.info(
            "worker %s serving models %s at %s/v1 (hot key %s)",
            self.operator,
            sorted(self.served),
            self.runtime.server.http.url,
            account_address(self.config.hot.address),
        )
        self.journal.record("started", models=sorted(self.served), url=self.runtime.server.http.url)

    def _retry(self, fn: Callable[[], Any], what: str) -> Any:
        delay = 0.5
        while True:
            try:
                return fn()
            except ChainError as exc:
                if not exc.unreachable or self._stop.is_set():
                    raise
                log.error("chain unreachable, cannot %s (%s); retrying in %.0fs", what, exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _refuse_adapter(self, model_id: int, reason: str) -> None:
        self.refused_adapters[model_id] = reason
        log.error("refusing to serve model %d: %s", model_id, reason)
        self.journal.record("adapter_refused", model_id=model_id, reason=reason)

    def _prepare_adapter(self, model_id: int) -> ServedModel | None:
        """The adapter's directory, fetched from the content store (or the operator's local
        copy) and checked against the registry's weights hash; None (reported) if refused."""
        try:
            model = self._retry(lambda: self.chain.model(model_id), f"read model {model_id}")
        except ChainError as exc:
            self._refuse_adapter(model_id, f"not in the registry ({exc})")
            return None
        if model.status == 3:
            self._refuse_adapter(model_id, "deprecated in the registry")
            return None
        if not model.base_model_id:
            self._refuse_adapter(model_id, "is a base model; the worker serves adapters")
            return None
        directory = self.config.adapter_dirs.get(model_id) or self.home / "adapters" / str(model_id)
        if model_id not in self.config.adapter_dirs:
            try:
                fetch_adapter(model, self.store, directory)
            except (AdapterFetchError, BlobError) as exc:
                self._refuse_adapter(model_id, f"cannot fetch its files: {exc}")
                return None
        found = compute_weights_hash(directory)
        if found != model.weights_hash:
            self._refuse_adapter(
                model_id,
                f"the weights in {directory} hash to {found or '(missing)'}, the registry's "
                f"hash is {model.weights_hash}: these are not the registered bytes",
            )
            return None
        try:
            manifest = json.loads((directory / TRAINING_MANIFEST).read_text())
            datanet = manifest["datanet"]
            datanet_id, version = int(datanet["id"]), int(datanet["version"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self._refuse_adapter(model_id, f"training manifest unreadable: {exc}")
            return None
        if not any(p.datanet_id == datanet_id and p.version == version for p in model.provenance):
            self._refuse_adapter(
                model_id, f"manifest's datanet {datanet_id}@{version} is not in its provenance"
            )
            return None
        try:
            base = self.chain.model(model.base_model_id)
        except ChainError as exc:
            self._refuse_adapter(model_id, f"its base model is not readable: {exc}")
            return None
        trained_on = manifest.get("base_model", {}).get("sha256", "")
        if trained_on != base.weights_hash:
            self._refuse_adapter(
                model_id,
                f"trained on base weights {trained_on or '(unknown)'}, registered on base "
                f"model {base.id} with weights {base.weights_hash}",
            )
            return None
        self.base_hashes[model_id] = base.weights_hash
        return ServedModel(model, datanet_id, version, directory)

    def _check_base_models(self) -> None:
        """Refuses adapters whose registered base is not the base model being served."""
        for model_id in list(self.served):
            if self.base_hashes[model_id] != self.runtime.base_hash:
                self._refuse_adapter(
                    model_id,
                    f"registered on base weights {self.base_hashes[model_id]}, this worker "
                    f"serves {self.runtime.base_hash} (--base-model)",
                )
                del self.served[model_id]
        if not self.served:
            raise RuntimeError("no adapter matches the served base model (--base-model)")

    def _register(self) -> None:
        """Registers the worker with the models it serves, or updates its model list."""
        from aichain.modelreg.v1 import tx_pb2 as mtx

        models = sorted(self.served)
        hardware = str(self.runtime.server.model.device)
        endpoint = self.config.endpoint or self.runtime.server.http.url
        existing = self._retry(lambda: self.chain.worker(self.operator), "read the worker")
        if existing is None:
            msg = mtx.MsgRegisterWorker(
                operator=self.operator,
                hot_pubkey=self.config.hot.pubkey,
                models=models,
                endpoint=endpoint,
                hardware=hardware,
                bond=self.config.bond,
            )
            self.sender.send_and_wait([msg])
            log.info(
                "registered worker %s (bond %s) serving %s", self.operator, self.config.bond, models
            )
            return
        if bytes(existing.hot_pubkey) != self.config.hot.pubkey:
            raise RuntimeError(
                f"worker {self.operator} is registered with another hot key; rotate it with "
                "`aichain tx modelreg rotate-key` or start with that key"
            )
        if sorted(existing.models) != models or existing.endpoint != endpoint:
            msg = mtx.MsgUpdateWorker(
                operator=self.operator, models=models, endpoint=endpoint, hardware=hardware
            )
            self.sender.send_and_wait([msg])
            log.info("updated worker %s: models %s, endpoint %s", self.operator, models, endpoint)
        else:
            log.info("worker %s already registered with models %s", self.operator, models)

    def reconcile(self) -> None:
        """Squares the journal with the chain: results the chain already has are done; a
        broadcast whose tx never landed goes back to `computed` (resent, same bytes)."""
        for entry in self.journal.results_in("computed", "broadcast"):
            if entry.request_id and self._answered_on_chain(entry.request_id):
                self.journal.mark([entry.key], "done", reason="answered on chain")
                continue
            if entry.state == "broadcast":
                found = self.chain.committed(entry.txhash) if entry.txhash else None
                if found is not None and found.code == 0:
                    self.journal.mark([entry.key], "done")
                else:
                    self.journal.mark([entry.key], "computed")
        log.info("journal reconciled: %s", self.journal.counts())

    def _answered_on_chain(self, request_id: int) -> bool:
        inference = self.chain.inference(request_id)
        return inference is not None and inference.request.status != REQUEST_PENDING

    # --- the loop -----------------------------------------------------------------------

    def _on_block(self, height: int) -> None:
        self.height = height
        self._wake.set()

    def stop(self) -> None:
        """Asks the loop to end (safe from a signal handler)."""
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        """Ticks until stop(); then flushes what it can and shuts down."""
        try:
            while not self._stop.is_set():
                self._wake.wait(self.config.poll_s)
                self._wake.clear()
                if self._stop.is_set():
                    break
                self.tick()
        finally:
            self.shutdown()

    def tick(self) -> None:
        """One pass over every duty; a failing duty is logged and the others still run."""
        self.ticks += 1
        for duty in (
            self.poll_requests,
            self.collect,
            self.flush,
            self.track,
            self.committee,
            self.report,
        ):
            try:
                duty()
                if not self.chain_ok:
                    log.info("chain reachable again")
                self.chain_ok = True
            except ChainError as exc:
                if exc.unreachable:
                    if self.chain_ok:
                        log.error(
                            "chain unreachable (%s); will retry every block or %.0fs",
                            exc,
                            self.config.poll_s,
                        )
                    self.chain_ok = False
                    break
                log.error("%s: chain error %s/%d: %s", duty.__name__, exc.codespace, exc.code, exc)
            except Exception:
                log.exception("%s failed", duty.__name__)
        self.write_status()

    # --- requests -----------------------------------------------------------------------

    def refuse(self, key: str, request: Any, reason: str) -> None:
        """Journals (once) and logs a request the worker will not answer."""
        if self.journal.add_refused(key, request.id, request.model_id, reason):
            log.warning("request %d (model %d) refused: %s", request.id, request.model_id, reason)
            self.journal.record("refused", request_id=request.id, reason=reason)

    def poll_requests(self) -> None:
        """Queues every assigned request the journal has not seen, and every orphaned one (its
        assignment window over without a result) of a model this worker serves."""
        requests = list(self.chain.pending_requests(self.operator))
        if self.ticks % TAKE_OVER_EVERY == 1:
            requests += self.orphaned_requests()
        for request in requests:
            key = request_key(request.id)
            if key in self.jobs or self.journal.has_result(key):
                continue
            self._launch(key, request)

    def orphaned_requests(self) -> list[Any]:
        """Pending requests of served models whose assigned worker let the window pass (any
        serving worker may answer them then; the chain takes the first result)."""
        height = self.height or self.chain.latest_height()
        out = []
        for model_id in sorted(self.served):
            for inference in self.chain.inferences(model_id):
                request = inference.request
                if (
                    request.status == REQUEST_PENDING
                    and request.assigned_worker != self.operator
                    and 0 < request.assignment_end_height < height < request.timeout_height
                ):
                    out.append(request)
        if out:
            log.info("taking over %d requests whose assigned worker did not answer", len(out))
        return out

    def read_input(self, request: Any) -> bytes:
        """The request's input bytes (inline, or from the content store, size-checked).
        Raises InputError (refuse) or BlobError (retry later)."""
        limit = self.config.max_input_bytes
        if not request.input_hash:
            data = bytes(request.input_inline)
        else:
            chunks, size = [], 0
            try:
                for chunk in self.store.stream(request.input_hash):
                    size += len(chunk)
                    if size > limit:
                        raise InputError(
                            f"input blob {request.input_hash} is over the "
                            f"worker's limit of {limit} bytes"
                        )
                    chunks.append(chunk)
            except BlobNotFoundError:
                raise InputError(
                    f"input blob {request.input_hash} is not in the content store"
                ) from None
            data = b"".join(chunks)
        if len(data) > limit:
            raise InputError(f"input of {len(data)} bytes is over the limit of {limit}")
        return data

    def _start_job(self, key: str, request: Any, dispute_id: int = 0) -> _Job | None:
        """Fetches the input and queues the generation; None when refused or deferred."""
        if request.model_id not in self.served:
            reason = self.refused_adapters.get(request.model_id)
            self.refuse(
                key,
                request,
                f"model {request.model_id} is not served by this worker"
                + (f" ({reason})" if reason else ""),
            )
            return None
        try:
            parsed = parse_input(self.read_input(request))
        except InputError as exc:
            self.refuse(key, request, str(exc))
            return None
        except BlobError as exc:
            log.warning("request %d: content store unavailable (%s); retrying", request.id, exc)
            return None
        try:
            future = self.runtime.submit(request.model_id, parsed.prompt, parsed.max_tokens)
        except (ValueError, KeyError) as exc:
            self.refuse(key, request, f"{type(exc).__name__}: {exc}")
            return None
        return _Job(key, request, parsed, future, time.monotonic(), dispute_id)

    def _launch(self, key: str, request: Any) -> None:
        job = self._start_job(key, request)
        if job is not None:
            self.jobs[key] = job

    def _answer(self, job: _Job) -> tuple[Any, list[Any], str] | None:
        """(result, honest entries, evidence hash) of a finished job; None when refused."""
        try:
            result = job.future.result()
        except Exception as exc:  # noqa: BLE001 - the engine said why
            self.refuse(job.key, job.request, f"inference failed: {exc}")
            return None
        if result.attribution is None:
            self.refuse(job.key, job.request, f"attribution failed: {result.attribution_error}")
            return None
        served = self.served[job.request.model_id]
        try:
            entries = compute_entries(
                result.attribution,
                served.datanet_id,
                served.version,
                int(self.params.max_attributions or 10),
            )
        except InputError as exc:
            self.refuse(job.key, job.request, str(exc))
            return None
        return result, entries, result.attribution["evidence_sha256"]

    def collect(self) -> None:
        """Signs and journals every finished answer."""
        for key, job in list(self.jobs.items()):
            if not job.future.done():
                continue
            answered = self._answer(job)
            if answered is None:
                del self.jobs[key]
                continue
            result, entries, evidence_hash = answered
            try:  # the output, and evidence kept locally while the store was down
                self.store.put(result.text.encode("utf-8"))
                self.runtime.upload_pending_evidence(evidence_hash)
            except BlobError as exc:  # kept in self.jobs: retried next tick, not recomputed
                log.warning(
                    "request %d: content store unavailable (%s); retrying", job.request.id, exc
                )
                continue
            del self.jobs[key]
            served = self.served[job.request.model_id]
            claim = self.compute_claim(job.request, entries)
            body = build_result(
                chain_id=self.chain.chain_id(),
                request_id=job.request.id,
                worker=self.operator,
                model=served.model,
                base_weights_hash=self.base_hashes[job.request.model_id],
                text=result.text,
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                method=self.runtime.engine,
                evidence_hash=evidence_hash,
                entries=claim,
                max_inline_output_bytes=int(self.params.max_inline_output_bytes),
            )
            bundle = signing.make_bundle(self.config.hot, body)
            if self.journal.add_computed(
                key,
                job.request.id,
                job.request.model_id,
                bundle.SerializeToString(),
                job.request.fee,
            ):
                self.answered_times.append(time.time())
                log.info(
                    "answered request %d (model %d, %d+%d tokens, %d records) in %.2fs",
                    job.request.id,
                    job.request.model_id,
                    result.prompt_tokens,
                    result.completion_tokens,
                    len(claim),
                    time.monotonic() - job.started,
                )

    def flush(self) -> None:
        """Broadcasts computed bundles in batches; a batch the chain refuses is split to find
        the refused results (each journaled with the chain's reason)."""
        pending = self.journal.results_in("computed")
        size = max(1, min(MAX_RESULTS_PER_TX, int(self.params.max_results_per_msg or 1)))
        for i in range(0, len(pending), size):
            self._send_batch(pending[i : i + size])

    def _send_batch(self, entries: list[ResultEntry]) -> None:
        from aichain.attribution.v1 import attribution_pb2, tx_pb2

        msg = tx_pb2.MsgSubmitInference(
            submitter=self.operator,
            results=[attribution_pb2.ResultBundle.FromString(e.bundle or b"") for e in entries],
        )
        try:
            sent = self.sender.send([msg])
        except ChainError as exc:
            if exc.unreachable:
                raise
            if len(entries) > 1:
                for entry in entries:
                    self._send_batch([entry])
                return
            self._refused_by_chain(entries[0], f"{exc.codespace}/{exc.code}: {exc}")
            return
        keys = [e.key for e in entries]
        self.journal.mark(keys, "broadcast", txhash=sent.txhash)
        self.broadcast_at[sent.txhash] = time.monotonic()
        log.info("broadcast %d results in tx %s", len(entries), sent.txhash)

    def _refused_by_chain(self, entry: ResultEntry, reason: str) -> None:
        if entry.request_id and self._answered_on_chain(entry.request_id):
            self.journal.mark([entry.key], "done", reason="answered on chain")
            return
        self.journal.mark([entry.key], "refused", reason=f"chain refused the result: {reason}")
        log.error("result for %s refused by the chain: %s", entry.key, reason)
        self.journal.record("chain_refused", key=entry.key, reason=reason)

    def track(self) -> None:
        """Moves broadcast results to done (or refused) once their tx is in a block."""
        by_tx: dict[str, list[ResultEntry]] = {}
        for entry in self.journal.results_in("broadcast"):
            by_tx.setdefault(entry.txhash, []).append(entry)
        for txhash, entries in by_tx.items():
            found = self.chain.committed(txhash)
            if found is None:
                sent = self.broadcast_at.setdefault(txhash, time.monotonic())
                if time.monotonic() - sent > RESEND_AFTER_S:
                    log.warning(
                        "tx %s not in a block after %.0fs; resending its results",
                        txhash,
                        RESEND_AFTER_S,
                    )
                    for entry in entries:
                        if entry.request_id and self._answered_on_chain(entry.request_id):
                            self.journal.mark([entry.key], "done")
                        else:
                            self.journal.mark([entry.key], "computed")
                    self.sender.reset()
                continue
            self.broadcast_at.pop(txhash, None)
            if found.code == 0:
                self.journal.mark([e.key for e in entries], "done")
                fees = sum(int(e.fee or 0) for e in entries)
                log.info(
                    "settled %d results at height %d (tx %s, request fees %d uaic)",
                    len(entries),
                    found.height,
                    txhash,
                    fees,
                )
                self.journal.record(
                    "submitted", txhash=txhash, height=found.height, results=len(entries), fees=fees
                )
            else:
                for entry in entries:
                    self._refused_by_chain(entry, f"{found.codespace}/{found.code}: {found.log}")

    # --- committee duty -------------------------------------------------------------------

    def committee(self) -> None:
        """Re-runs challenged results, commits, and reveals in the reveal window."""
        for dispute in self.chain.disputes(self.operator):
            mine = next((v for v in dispute.committee if v.member == self.operator), None)
            if mine is None:
                continue
            vote = self.journal.get_vote(dispute.id)
            if mine.revealed:
                if vote is not None and vote.state != "revealed":
                    self.journal.mark_vote(dispute.id, "revealed")
                    log.info("vote on dispute %d revealed (agrees: %s)", dispute.id, mine.agrees)
                continue
            if dispute.status == DISPUTE_COMMIT:
                if mine.commitment:
                    if vote is not None and vote.state == "committing":
                        self.journal.mark_vote(dispute.id, "committed")
                    continue
                if vote is None:
                    self._rerun(dispute)
                elif not self._vote_tx_pending(dispute.id):
                    self._send_commit(dispute.id, vote.commitment)
            elif dispute.status == DISPUTE_REVEAL and vote is not None and mine.commitment:
                if not self._vote_tx_pending(dispute.id):
                    self._send_reveal(dispute.id, vote.reveal)

    def _vote_tx_pending(self, dispute_id: int) -> bool:
        txhash = self.vote_txs.get(dispute_id)
        if not txhash:
            return False
        found = self.chain.committed(txhash)
        if found is None:
            return True
        del self.vote_txs[dispute_id]
        if found.code != 0:
            log.error(
                "vote tx for dispute %d failed: %s/%d %s",
                dispute_id,
                found.codespace,
                found.code,
                found.log,
            )
        return False

    def _rerun(self, dispute: Any) -> None:
        """Starts (or finishes) the re-run of a challenged inference, then commits."""
        job = self.reruns.get(dispute.id)
        if job is None and self.journal.has_result(f"d:{dispute.id}"):
            return  # the re-run was refused (reason journaled and logged): no vote
        if job is None:
            inference = self.chain.inference(dispute.inference_id)
            if inference is None:
                log.error("dispute %d: inference %d not found", dispute.id, dispute.inference_id)
                return
            job = self._start_job(f"d:{dispute.id}", inference.request, dispute.id)
            if job is None:
                return
            self.reruns[dispute.id] = job
            log.info("dispute %d: re-running inference %d", dispute.id, dispute.inference_id)
            return
        if not job.future.done():
            return
        del self.reruns[dispute.id]
        answered = self._answer(job)
        if answered is None:
            return
        result, entries, evidence_hash = answered
        from aichain.attribution.v1 import tx_pb2

        salt = os.urandom(32)
        output_hash = compute_output_hash(result.text)
        reveal = tx_pb2.MsgRevealVote(
            voter=self.operator,
            dispute_id=dispute.id,
            attributions=entries,
            output_hash=output_hash,
            evidence_hash=evidence_hash,
            salt=salt,
        )
        commitment = signing.commitment(
            dispute.id,
            self.config.operator.address,
            signing.vote_bytes(entries, output_hash, evidence_hash),
            salt,
        )
        if self.journal.add_vote(dispute.id, salt, commitment, reveal.SerializeToString()):
            self._send_commit(dispute.id, commitment)

    def _send_commit(self, dispute_id: int, commitment: bytes) -> None:
        from aichain.attribution.v1 import tx_pb2

        msg = tx_pb2.MsgCommitVote(
            voter=self.operator, dispute_id=dispute_id, commitment=commitment
        )
        try:
            sent = self.sender.send([msg])
        except ChainError as exc:
            if exc.unreachable:
                raise
            log.error(
                "commit on dispute %d refused: %s/%d %s", dispute_id, exc.codespace, exc.code, exc
            )
            return
        self.vote_txs[dispute_id] = sent.txhash
        log.info("committed a vote on dispute %d (tx %s)", dispute_id, sent.txhash)
        self.journal.record("committed", dispute_id=dispute_id, txhash=sent.txhash)

    def _send_reveal(self, dispute_id: int, reveal: bytes) -> None:
        from aichain.attribution.v1 import tx_pb2

        msg = tx_pb2.MsgRevealVote.FromString(reveal)
        try:
            sent = self.sender.send([msg])
        except ChainError as exc:
            if exc.unreachable:
                raise
            log.error(
                "reveal on dispute %d refused: %s/%d %s", dispute_id, exc.codespace, exc.code, exc
            )
            return
        self.vote_txs[dispute_id] = sent.txhash
        log.info("revealed the vote on dispute %d (tx %s)", dispute_id, sent.txhash)
        self.journal.record("revealed", dispute_id=dispute_id, txhash=sent.txhash)

    # --- reporting ----------------------------------------------------------------------

    def report(self) -> None:
        """Polls earnings every few ticks and logs what changed."""
        if self.ticks % 5 != 1:
            return
        answer = self.chain.earnings(self.operator)
        now = {
            "claimable": answer.earning.claimable or "0",
            "pending": answer.earning.pending or "0",
            "claimed": answer.earning.claimed or "0",
        }
        if now != self.earnings:
            log.info(
                "earnings: claimable %s, pending %s, claimed %s (uaic)",
                now["claimable"],
                now["pending"],
                now["claimed"],
            )
            self.journal.record("earnings", **now)
            self.earnings = now

    def status(self) -> dict[str, Any]:
        """What `aichain worker status` prints."""
        window = 60.0
        recent = [t for t in self.answered_times if t > time.time() - window]
        runtime = self.runtime
        return {
            "operator": self.operator,
            "pid": os.getpid(),
            "height": self.height,
            "chain_reachable": self.chain_ok,
            "url": runtime.server.http.url if runtime else "",
            "adapters": {
                str(m): {"tier": tier, "weights_hash": self.served[int(m)].model.weights_hash}
                for m, tier in (runtime.tiers().items() if runtime else [])
                if int(m) in self.served
            },
            "refused_adapters": {str(m): r for m, r in self.refused_adapters.items()},
            "queue_depth": (runtime.server.service.queue_depth() if runtime else 0)
            + len(self.jobs),
            "in_flight": len(self.jobs),
            "throughput_per_min": len(recent) * 60.0 / window,
            "results": self.journal.counts(),
            "pending_results": sum(
                n for s, n in self.journal.counts().items() if s in ("computed", "broadcast")
            ),
            "votes": {
                s: len(self.journal.votes_in(s)) for s in ("committing", "committed", "revealed")
            },
            "earnings": self.earnings,
            "uptime_s": round(time.time() - self.started, 1),
        }

    def write_status(self) -> None:
        """Rewrites HOME/status.json atomically."""
        path = self.home / STATUS_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.status(), indent=2, sort_keys=True))
        tmp.replace(path)

    def shutdown(self) -> None:
        """Stops the follower and the endpoint; the journal keeps everything for next time."""
        if self.follower is not None:
            self.follower.stop()
        try:
            self.flush()
        except Exception as exc:  # noqa: BLE001 - best effort; the journal keeps them
            log.warning("final flush skipped: %s", exc)
        if self.runtime is not None:
            self.runtime.server.http.close(grace_s=2.0)
        self.journal.record("stopped")
        log.info("worker stopped; journal: %s", self.journal.counts())


def install_signal_handlers(daemon: WorkerDaemon) -> None:
    """SIGTERM/SIGINT stop the daemon gracefully."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: daemon.stop())
