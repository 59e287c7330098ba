"""The BaseApp: the ABCI 2.0 application over the module manager, router and root store.

Block lifecycle: InitChain imports genesis into the deliver branch (committed with the first
block, as the Cosmos SDK does); CheckTx runs the ante chain and then the messages on the
check-state branch, which Commit resets (unlike the Cosmos SDK, which runs only the ante chain
there: a tx whose messages would fail is refused at the mempool, before it costs its sender a
fee); FinalizeBlock runs begin-block, each tx (ante on one branch, then the messages
on another, so a failing message keeps only the fee and sequence), end-block, and computes
the app hash; Commit writes the block, height and app hash in one batch. Info reports only
what is persisted, so CometBFT's handshake replays anything the app missed.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cosmos.base.abci.v1beta1 import abci_pb2 as sdk_abci_pb2
from cosmos.tx.v1beta1 import service_pb2
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from tendermint.abci import types_pb2 as abci
from tendermint.crypto import keys_pb2, proof_pb2

from aichain.app.ante import MinGasPrice
from aichain.app.context import (
    BlockInfo,
    Context,
    Event,
    Misbehavior,
    ValidatorUpdate,
    VoteInfo,
)
from aichain.app.crypto import account_address
from aichain.app.errors import (
    AppError,
    InvalidHeightError,
    InvalidRequestError,
    TxTooLargeError,
    to_abci,
)
from aichain.app.gas import INFINITE_GAS, GasKVStore, GasMeter
from aichain.app.module import ModuleManager
from aichain.app.router import Router
from aichain.app.store.cache import CacheStore
from aichain.app.store.errors import SnapshotError
from aichain.app.store.ics23 import encode_commitment_proof
from aichain.app.store.options import StoreOptions, compute_retain_height
from aichain.app.store.root import META_PREFIX, RootStore
from aichain.app.store.snapshots import (
    SNAPSHOT_FORMAT,
    Restore,
    SnapshotTaker,
    list_snapshots,
    load_chunk,
)
from aichain.app.store_keys import StoreKeys
from aichain.app.tx import DecodedTx, decode_tx, tx_hash

log = logging.getLogger("aichain.app")

APP_NAME = "aichain"
"""Name reported by Info."""

APP_VERSION = 1
"""Application protocol version reported by Info."""

CHAIN_ID_KEY = META_PREFIX + b"chain_id"
"""Where the chain id is kept (written at InitChain, committed with the first block)."""

BLOCK_ID_FLAG_COMMIT = 2
"""CometBFT's BlockIDFlag for a validator that signed the block."""

DECODE_CACHE_LIMIT = 200_000
"""Most decoded txs kept between CheckTx and FinalizeBlock."""

PROOF_OP_TYPE = "ics23:smt"
"""ProofOp.type of store proofs: an ICS23 CommitmentProof under the SmtSpec."""


DEFAULT_QUERY_GAS_LIMIT = 50_000_000
"""Default gas limit of a query: a page of 1,000 records with room to spare, yet a bound on
any query's work (reads cost gas as in a tx)."""


@dataclass(frozen=True, slots=True)
class AppConfig:
    """Node-local settings of the app (not consensus: each node may differ)."""

    min_gas_prices: tuple[MinGasPrice, ...] = ()
    max_tx_bytes: int = 1024 * 1024
    debug: bool = False
    invariant_check_period: int = 0
    halt_on_broken_invariant: bool = True
    store: StoreOptions = StoreOptions()
    check_tx_runs_messages: bool = True
    query_gas_limit: int = DEFAULT_QUERY_GAS_LIMIT
    """Gas one query may use (app.toml `query-gas-limit`; 0 = unlimited)."""
    index_events: tuple[str, ...] = ()
    """Event attributes ("type.key") CometBFT indexes (app.toml `index-events`); empty
    indexes every attribute, as in the Cosmos SDK."""


@dataclass(slots=True)
class _Pending:
    """A finalized block waiting for Commit."""

    height: int
    app_hash: bytes
    branch: CacheStore
    time_ns: int


class BaseApp:
    """The ABCI application. Methods take and return tendermint.abci messages."""

    def __init__(
        self,
        root: RootStore,
        manager: ModuleManager,
        router: Router,
        ante: Callable[[Context, DecodedTx, dict[bytes, tuple[int, ...]]], None],
        config: AppConfig | None = None,
        store_keys: StoreKeys | None = None,
    ) -> None:
        self.root = root
        self._indexed = frozenset((config or AppConfig()).index_events) or None
        """The attributes CometBFT indexes ("type.key"); None: every one."""
        self.store_keys = store_keys or StoreKeys()
        """The store keys issued to the modules: contexts open only these."""
        self.snapshots = SnapshotTaker(root)
        """Takes the state-sync snapshots in the background (`snapshots.wait()` to join)."""
        self.manager = manager
        self.router = router
        self.ante = ante
        self.config = config or AppConfig()
        self.lock = threading.RLock()
        self.chain_id = (root.backend.get(CHAIN_ID_KEY) or b"").decode()
        self._check = root.branch()
        self._genesis: CacheStore | None = None
        self._genesis_hash = b""
        self._pending: _Pending | None = None
        self._verified: dict[bytes, tuple[int, ...]] = {}
        self.last_block_time_ns = root.last_block_time_ns
        """Header time of the last executed block: the clock CheckTx and simulations read (not
        consensus state; persisted with each commit outside the tree, so a restarted node's
        mempool keeps the last committed block's time; 0 before the first block)."""
        self._decoded: dict[bytes, DecodedTx] = {}
        self._restore: Restore | None = None

    # --- context helpers -------------------------------------------------------------

    def _ctx(self, store: Any, meter: GasMeter, height: int, time_ns: int, **kw: Any) -> Context:
        return Context(
            store, height, time_ns, self.chain_id, meter, store_keys=self.store_keys, **kw
        )

    def query_context(self) -> Context:
        """A read-only context over the last committed state, at its block's time (no gas
        limit: for the node's own reads; client queries go through `_query_gas_context`)."""
        root = self.root
        return self._ctx(
            root.backend, GasMeter(INFINITE_GAS), root.last_height, root.last_block_time_ns
        )

    def _query_gas_context(self, store: Any, height: int, time_ns: int) -> Context:
        """A context for one client query: reads cost gas up to the query gas limit."""
        limit = self.config.query_gas_limit or INFINITE_GAS
        meter = GasMeter(limit)
        return self._ctx(GasKVStore(store, meter), meter, height, time_ns)

    def _decode(self, raw: bytes) -> DecodedTx:
        """Decodes tx bytes once; later calls with the same bytes reuse the result."""
        if len(raw) > self.config.max_tx_bytes:
            raise TxTooLargeError(
                f"tx is {len(raw)} bytes, above the limit of {self.config.max_tx_bytes}"
            )
        key = tx_hash(raw)
        tx = self._decoded.get(key)
        if tx is None:
            tx = decode_tx(raw, self.router)
            if len(self._decoded) >= DECODE_CACHE_LIMIT:
                self._decoded.clear()
            self._decoded[key] = tx
        return tx

    # --- info / genesis ---------------------------------------------------------------

    def info(self, req: abci.RequestInfo) -> abci.ResponseInfo:
        """Last persisted height and app hash (never uncommitted state)."""
        return abci.ResponseInfo(
            data=APP_NAME,
            version=APP_NAME,
            app_version=APP_VERSION,
            last_block_height=self.root.last_height,
            last_block_app_hash=self.root.last_app_hash,
        )

    def init_chain(self, req: abci.RequestInitChain) -> abci.ResponseInitChain:
        """Imports genesis app_state into the deliver branch and returns its hash."""
        if self.root.last_height != 0:
            raise RuntimeError("InitChain called on a node that already has committed blocks")
        self.chain_id = req.chain_id
        branch = self.root.branch()
        branch.set(CHAIN_ID_KEY, req.chain_id.encode())
        app_state = json.loads(req.app_state_bytes or b"{}")
        genesis_ns = req.time.seconds * 1_000_000_000 + req.time.nanos
        ctx = self._ctx(branch, GasMeter(INFINITE_GAS), req.initial_height or 1, genesis_ns)
        self.manager.init_genesis(ctx, app_state)
        validators = [_abci_validator_update(u) for u in ctx.validator_updates]
        broken = self.manager.check_invariants(ctx)
        if broken:
            raise ValueError("genesis breaks invariants: " + "; ".join(broken))
        self._genesis = branch
        self._genesis_hash = self.root.compute_next_app_hash(req.initial_height or 1, branch)
        self._check = CacheStore(branch)
        return abci.ResponseInitChain(app_hash=self._genesis_hash, validators=validators)

    # --- mempool ----------------------------------------------------------------------

    def check_tx(self, req: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        """Runs the ante chain on the check-state branch; a passing tx updates it."""
        with self.lock:
            return self._check_tx(req)

    def _check_tx(self, req: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        meter = GasMeter(INFINITE_GAS)
        try:
            tx = self._decode(req.tx)
            meter = GasMeter(tx.gas_limit)
            branch = CacheStore(self._check)
            ctx = self._ctx(
                GasKVStore(branch, meter),
                meter,
                self.root.last_height + 1,
                self.last_block_time_ns,
                is_check=True,
            )
            self.ante(ctx, tx, self._verified)
            if self.config.check_tx_runs_messages:
                self._run_msgs(ctx, tx)
            branch.write()
            return abci.ResponseCheckTx(gas_wanted=tx.gas_limit, gas_used=meter.consumed)
        except Exception as exc:  # every failure becomes a result, never a crash
            err = to_abci(exc, self.config.debug)
            if not isinstance(exc, AppError):
                log.exception("CheckTx internal error")
            return abci.ResponseCheckTx(
                code=err.code,
                codespace=err.codespace,
                log=err.log,
                gas_wanted=meter.limit if meter.limit != INFINITE_GAS else 0,
                gas_used=meter.consumed,
            )

    # --- proposals --------------------------------------------------------------------

    def prepare_proposal(self, req: abci.RequestPrepareProposal) -> abci.ResponsePrepareProposal:
        """The mempool's txs in order, as many as fit in max_tx_bytes."""
        txs, total = [], 0
        for raw in req.txs:
            if total + len(raw) > req.max_tx_bytes:
                break
            txs.append(raw)
            total += len(raw)
        return abci.ResponsePrepareProposal(txs=txs)

    def process_proposal(self, req: abci.RequestProcessProposal) -> abci.ResponseProcessProposal:
        """Accepts proposals; invalid txs fail individually in FinalizeBlock."""
        return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)

    def extend_vote(self, req: abci.RequestExtendVote) -> abci.ResponseExtendVote:
        """No vote extensions."""
        return abci.ResponseExtendVote()

    def verify_vote_extension(
        self, req: abci.RequestVerifyVoteExtension
    ) -> abci.ResponseVerifyVoteExtension:
        """Accepts (empty) vote extensions."""
        return abci.ResponseVerifyVoteExtension(status=abci.ResponseVerifyVoteExtension.ACCEPT)

    # --- blocks -----------------------------------------------------------------------

    def finalize_block(self, req: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        """Executes the block on the deliver branch and returns results and the app hash."""
        branch = self._genesis if self._genesis is not None else self.root.branch()
        self._genesis = None
        time_ns = req.time.seconds * 1_000_000_000 + req.time.nanos
        self.last_block_time_ns = time_ns
        block_ctx = self._ctx(
            branch, GasMeter(INFINITE_GAS), req.height, time_ns, block=_block_info(req)
        )
        self.manager.begin_block(block_ctx)
        resp = abci.ResponseFinalizeBlock()
        add_result = resp.tx_results.add
        for raw in req.txs:
            self._deliver_tx(branch, raw, req.height, time_ns, add_result())
        self.manager.end_block(block_ctx)
        period = self.config.invariant_check_period
        if period and req.height % period == 0:
            self._assert_invariants(block_ctx)
        app_hash = self.root.compute_next_app_hash(req.height, branch)
        self._pending = _Pending(req.height, app_hash, branch, time_ns)
        _fill_events(resp.events, block_ctx.events, self._indexed)
        resp.app_hash = app_hash
        resp.validator_updates.extend(
            _abci_validator_update(u) for u in block_ctx.validator_updates
        )
        return resp

    def _assert_invariants(self, ctx: Context) -> None:
        """Checks every invariant; a broken one halts the node (state is wrong)."""
        broken = self.manager.check_invariants(ctx)
        if broken:
            log.error("invariants broken at height %d: %s", ctx.height, "; ".join(broken))
            if self.config.halt_on_broken_invariant:
                raise RuntimeError("invariant broken: " + "; ".join(broken))

    def _deliver_tx(
        self, block: CacheStore, raw: bytes, height: int, time_ns: int, result: abci.ExecTxResult
    ) -> None:
        """Runs one tx: ante on one branch, messages on another; fills in its result."""
        meter = GasMeter(INFINITE_GAS)
        gas_wanted = 0
        ante_branch = CacheStore(block)
        try:
            tx = self._decode(raw)
            meter = GasMeter(tx.gas_limit)
            gas_wanted = tx.gas_limit
            ctx = self._ctx(GasKVStore(ante_branch, meter), meter, height, time_ns)
            self.ante(ctx, tx, self._verified)
        except Exception as exc:
            self._failed(exc, gas_wanted, meter, result)
            return
        ante_branch.write()
        ante_events = ctx.events + _tx_events(tx)
        msg_branch = CacheStore(block)
        ctx = self._ctx(GasKVStore(msg_branch, meter), meter, height, time_ns)
        try:
            responses = self._run_msgs(ctx, tx)
        except Exception as exc:
            self._failed(exc, gas_wanted, meter, result)
            _fill_events(result.events, ante_events, self._indexed)
            return
        msg_branch.write()
        result.data = sdk_abci_pb2.TxMsgData(msg_responses=responses).SerializeToString()
        result.gas_wanted = gas_wanted
        result.gas_used = meter.consumed
        _fill_events(result.events, ante_events, self._indexed)
        _fill_events(result.events, ctx.events, self._indexed)

    @staticmethod
    def _run_msgs(ctx: Context, tx: DecodedTx) -> list[any_pb2.Any]:
        """Routes each message to its handler; returns the packed responses."""
        responses = []
        for route, msg in tx.msgs:
            if ctx.records_events:
                ctx.emit(
                    "message",
                    ("action", route.type_url),
                    ("sender", account_address(route.signers(msg)[0])),
                    ("module", route.module),
                )
            resp = route.handler(ctx, msg)
            responses.append(
                any_pb2.Any(
                    type_url="/" + resp.DESCRIPTOR.full_name, value=resp.SerializeToString()
                )
            )
        return responses

    def _failed(
        self, exc: BaseException, gas_wanted: int, meter: GasMeter, result: abci.ExecTxResult
    ) -> None:
        """Fills in the result of a failed tx (its branch already dropped)."""
        if not isinstance(exc, AppError):
            log.exception("FinalizeBlock tx internal error")
        err = to_abci(exc, self.config.debug)
        result.code = err.code
        result.codespace = err.codespace
        result.log = err.log
        result.gas_wanted = gas_wanted
        result.gas_used = min(meter.consumed, gas_wanted or meter.consumed)

    def commit(self, req: abci.RequestCommit) -> abci.ResponseCommit:
        """Persists the finalized block atomically, prunes, snapshots and resets check state."""
        pending = self._pending
        if pending is None:
            raise RuntimeError("Commit without a finalized block")
        options = self.config.store
        with self.lock:
            self.root.options = options
            self.root.commit(pending.height, pending.app_hash, pending.branch, pending.time_ns)
            self._pending = None
            self._check = self.root.branch()
            if options.snapshot_interval and pending.height % options.snapshot_interval == 0:
                self.snapshots.start(pending.height, options.snapshot_keep_recent)
        if len(self._verified) > DECODE_CACHE_LIMIT:
            self._verified.clear()
        log.debug("committed height=%d app_hash=%s", pending.height, pending.app_hash.hex().upper())
        retain = compute_retain_height(pending.height, options, self.root.earliest)
        return abci.ResponseCommit(retain_height=retain)

    # --- queries ----------------------------------------------------------------------

    def query(self, req: abci.RequestQuery) -> abci.ResponseQuery:
        """Serves gRPC query paths, raw store keys (/store/MODULE/key, with proofs) and
        /app/simulate, at the latest height or (height > 0) any height still kept."""
        try:
            with self.lock:
                height = self.root.check_version(req.height)
            proof_ops = None
            if req.path.startswith("/store/"):
                value, proof_ops = self._query_store(req.path, req.data, height, req.prove)
            elif req.prove:
                raise InvalidRequestError(
                    f"proofs are served only for /store/MODULE/key queries, not {req.path}; "
                    "query the raw store key with prove=true"
                )
            elif req.path == "/app/simulate":
                if height != self.root.last_height:
                    raise InvalidHeightError("simulate runs only at the latest height; omit it")
                value = self.simulate(req.data).SerializeToString()
            else:
                value = self.query_grpc(req.path, req.data, height)
            return abci.ResponseQuery(
                code=0, value=value, height=height, key=req.data, proof_ops=proof_ops
            )
        except Exception as exc:
            err = to_abci(exc, self.config.debug)
            return abci.ResponseQuery(
                code=err.code, codespace=err.codespace, log=err.log, height=self.root.last_height
            )

    def query_grpc(self, path: str, data: bytes, height: int = 0) -> bytes:
        """Runs a registered query method on serialized request bytes (at a kept height)."""
        route = self.router.query_route(path)
        try:
            request = route.request.FromString(data)
        except DecodeError as exc:
            raise InvalidRequestError(f"request for {path} does not decode: {exc}") from None
        with self.lock:
            if height and height != self.root.last_height:
                view = self.root.view_at(height)
                ctx = self._query_gas_context(view, height, 0)
            else:
                root = self.root
                ctx = self._query_gas_context(
                    root.backend, root.last_height, root.last_block_time_ns
                )
            return route.handler(ctx, request).SerializeToString()

    def _query_store(
        self, path: str, key: bytes, height: int, prove: bool
    ) -> tuple[bytes, proof_pb2.ProofOps | None]:
        """The value of a module store key at height (empty when absent), and its proof."""
        parts = path.split("/")
        if len(parts) != 4 or parts[3] != "key" or not parts[2]:
            raise InvalidRequestError(f"store query path must be /store/MODULE/key, got {path}")
        store_key = self.store_keys.get(parts[2])
        if store_key is None:
            raise InvalidRequestError(
                f"no store named {parts[2]!r}; stores: {', '.join(self.store_keys.names())}"
            )
        full_key = store_key.prefix + key
        with self.lock:
            if not prove:
                return self.root.get_at(full_key, height) or b"", None
            value, proof = self.root.prove(full_key, height)
        op = proof_pb2.ProofOp(
            type=PROOF_OP_TYPE, key=full_key, data=encode_commitment_proof(proof)
        )
        return value or b"", proof_pb2.ProofOps(ops=[op])

    def simulate(self, raw: bytes) -> service_pb2.SimulateResponse:
        """Runs a tx on a throwaway branch of the check state: gas used and the result."""
        with self.lock:
            return self._simulate(raw)

    def _simulate(self, raw: bytes) -> service_pb2.SimulateResponse:
        if len(raw) > self.config.max_tx_bytes:
            raise TxTooLargeError(
                f"tx is {len(raw)} bytes, above the limit of {self.config.max_tx_bytes}"
            )
        tx = decode_tx(raw, self.router, simulate=True)  # never cached: relaxed checks
        meter = GasMeter(INFINITE_GAS)
        branch = CacheStore(self._check)
        ctx = self._ctx(
            GasKVStore(branch, meter),
            meter,
            self.root.last_height + 1,
            self.last_block_time_ns,
            is_check=True,
            is_simulate=True,
        )
        self.ante(ctx, tx, self._verified)
        self._run_msgs(ctx, tx)
        from cosmos.base.abci.v1beta1 import abci_pb2

        return service_pb2.SimulateResponse(
            gas_info=abci_pb2.GasInfo(gas_wanted=tx.gas_limit, gas_used=meter.consumed),
            result=_sdk_result(ctx.events),
        )

    # --- snapshots (state sync) -------------------------------------------------------

    def list_snapshots(self, req: abci.RequestListSnapshots) -> abci.ResponseListSnapshots:
        """The snapshots this node holds, newest first."""
        with self.lock:
            snaps = list_snapshots(self.root)
        return abci.ResponseListSnapshots(
            snapshots=[
                abci.Snapshot(
                    height=s.height,
                    format=s.format,
                    chunks=s.chunks,
                    hash=s.hash,
                    metadata=s.metadata,
                )
                for s in snaps
            ]
        )

    def offer_snapshot(self, req: abci.RequestOfferSnapshot) -> abci.ResponseOfferSnapshot:
        """Accepts a format-1 snapshot whose header is consistent, on a node with no state."""
        result = abci.ResponseOfferSnapshot
        if self.root.last_height != 0:
            log.warning("refusing a snapshot: this node already has committed state")
            return result(result=result.ABORT)
        snap = req.snapshot
        try:
            self._restore = Restore.offer(
                snap.height, snap.format, snap.chunks, snap.hash, snap.metadata, req.app_hash
            )
        except SnapshotError as exc:
            log.warning("rejecting snapshot at height %d: %s", snap.height, exc)
            fmt_bad = snap.format != SNAPSHOT_FORMAT
            return result(result=result.REJECT_FORMAT if fmt_bad else result.REJECT)
        log.info("restoring snapshot at height %d (%d chunks)", snap.height, snap.chunks)
        return result(result=result.ACCEPT)

    def load_snapshot_chunk(
        self, req: abci.RequestLoadSnapshotChunk
    ) -> abci.ResponseLoadSnapshotChunk:
        """One chunk of a snapshot this node holds."""
        with self.lock:
            chunk = load_chunk(self.root, req.height, req.format, req.chunk)
        return abci.ResponseLoadSnapshotChunk(chunk=chunk)

    def apply_snapshot_chunk(
        self, req: abci.RequestApplySnapshotChunk
    ) -> abci.ResponseApplySnapshotChunk:
        """Checks a chunk against the snapshot's metadata (a bad one is refetched from
        another sender), and after the last chunk rebuilds the state and checks its root."""
        result = abci.ResponseApplySnapshotChunk
        restore = self._restore
        if restore is None:
            return result(result=result.ABORT)
        if not restore.is_chunk_valid(req.index, req.chunk):
            log.warning(
                "snapshot chunk %d from %s fails its hash; refetching", req.index, req.sender
            )
            senders = [req.sender] if req.sender else []
            return result(result=result.RETRY, refetch_chunks=[req.index], reject_senders=senders)
        try:
            if restore.apply(req.index, req.chunk):
                with self.lock:
                    restore.finish(self.root)
                    self._restore = None
                    self.chain_id = (self.root.backend.get(CHAIN_ID_KEY) or b"").decode()
                    self._check = self.root.branch()
                log.info("state sync restored height %d", restore.height)
        except SnapshotError as exc:
            log.warning("snapshot rejected: %s", exc)
            self._restore = None
            return result(result=result.REJECT_SNAPSHOT)
        return result(result=result.ACCEPT)


def _block_info(req: abci.RequestFinalizeBlock) -> BlockInfo:
    """The block facts modules may read (proposer, last commit votes, evidence, hash)."""
    votes = tuple(
        VoteInfo(v.validator.address, v.validator.power, v.block_id_flag == BLOCK_ID_FLAG_COMMIT)
        for v in req.decided_last_commit.votes
    )
    kinds = {1: "duplicate_vote", 2: "light_client_attack"}
    misbehavior = tuple(
        Misbehavior(
            kinds.get(m.type, "unknown"),
            m.validator.address,
            m.validator.power,
            m.height,
            m.time.seconds * 1_000_000_000 + m.time.nanos,
            m.total_voting_power,
        )
        for m in req.misbehavior
    )
    return BlockInfo(
        req.proposer_address, req.decided_last_commit.round, votes, misbehavior, req.hash
    )


def _abci_validator_update(update: ValidatorUpdate) -> abci.ValidatorUpdate:
    """A validator update as CometBFT expects it (ed25519 consensus key)."""
    return abci.ValidatorUpdate(
        pub_key=keys_pb2.PublicKey(ed25519=update.pubkey), power=update.power
    )


def _tx_events(tx: DecodedTx) -> list[Event]:
    """The Cosmos SDK's `tx` events: fee, payer, account sequences and signatures."""
    from aichain.app.coins import format_coins

    events = [
        Event("tx", (("fee", format_coins(tx.fee)), ("fee_payer", account_address(tx.payer))))
    ]
    for signer, info in zip(tx.signers, tx.signer_infos, strict=True):
        events.append(Event("tx", (("acc_seq", f"{account_address(signer)}/{info.sequence}"),)))
    for sig in tx.signatures:
        events.append(Event("tx", (("signature", base64.b64encode(sig).decode()),)))
    return events


def _fill_events(target: Any, events: list[Event], indexed: frozenset[str] | None = None) -> None:
    """Appends events as ABCI events to a repeated Event field (built in place: about half
    the cost of constructing the messages and copying them in). An attribute is marked for
    CometBFT's tx index when indexed is None or holds "type.key" (app.toml index-events)."""
    add_event = target.add
    for event in events:
        add_attribute = add_event(type=event.type).attributes.add
        if indexed is None:
            for key, value in event.attributes:
                add_attribute(key=key, value=value, index=True)
            continue
        prefix = event.type + "."
        for key, value in event.attributes:
            add_attribute(key=key, value=value, index=prefix + key in indexed)


def _sdk_result(events: list[Event]) -> Any:
    """A cosmos.base.abci.v1beta1.Result carrying the events (for Simulate)."""
    from cosmos.base.abci.v1beta1 import abci_pb2

    result = abci_pb2.Result()
    _fill_events(result.events, events)
    return result
