"""The worker's view of the chain: typed queries over CometBFT RPC and a tx sender that keeps
the account sequence right when several threads send.

Everything here is client code (no torch, no keepers): queries go through `abci_query` to the
app's gRPC routes, transactions are signed locally and broadcast with `broadcast_tx_sync`.
`aichain infer` (client/inference.py) and the worker daemon (gpu_worker/daemon) share it.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.client.broadcast import TxError, compute_fee, query_signer, simulate_gas
from aichain.client.rpc import CometRPC, RPCError
from aichain.client.txbuilder import SignerData, build_tx

DEFAULT_GAS_PRICE = "0.025uaic"
"""Gas price the worker pays unless told otherwise (the node's default minimum)."""

GAS_ADJUSTMENT = 1.4
"""Simulated gas times this is the gas limit asked for."""

SEQUENCE_MISMATCH = re.compile(r"account sequence mismatch, expected (\d+)")
"""How the ante handler reports a wrong sequence (the expected one is parsed from it)."""


class ChainError(Exception):
    """The chain refused a query or a tx, or could not be reached.

    `codespace`/`code` are the registered error's when the chain answered (empty/0 when it
    could not be reached: `unreachable` is then True)."""

    def __init__(self, message: str, codespace: str = "", code: int = 0, unreachable: bool = False):
        super().__init__(message)
        self.codespace = codespace
        self.code = code
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class SentTx:
    """A tx accepted by CheckTx: its hash and the sequence it used."""

    txhash: str
    sequence: int
    gas: int


@dataclass(frozen=True, slots=True)
class CommittedTx:
    """A committed tx's outcome and its message responses (raw Any values, in order)."""

    txhash: str
    code: int
    codespace: str
    log: str
    height: int
    responses: tuple[bytes, ...]


def _attribution() -> tuple[Any, Any, Any]:
    from aichain.attribution.v1 import attribution_pb2, query_pb2, tx_pb2

    return attribution_pb2, query_pb2, tx_pb2


class ChainClient:
    """Typed queries against one node (thread-safe: one RPC connection per thread)."""

    def __init__(self, node: str, timeout: float = 10.0) -> None:
        self.node = node
        self.timeout = timeout
        self._local = threading.local()
        self._chain_id: str | None = None

    @property
    def rpc(self) -> CometRPC:
        """This thread's RPC client."""
        rpc = getattr(self._local, "rpc", None)
        if rpc is None:
            rpc = self._local.rpc = CometRPC(self.node, self.timeout)
        return rpc

    def chain_id(self) -> str:
        """The chain id (asked once)."""
        if self._chain_id is None:
            self._chain_id = str(self._call(lambda: self.rpc.status())["node_info"]["network"])
        return self._chain_id

    def latest_height(self) -> int:
        """The node's latest block height. Raises ChainError."""
        return self._call(self.rpc.latest_height)

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except RPCError as exc:
            raise ChainError(str(exc), unreachable=True) from None

    def query(self, path: str, request: Message, response_type: type[Message]) -> Any:
        """One gRPC query method through abci_query. Raises ChainError."""
        res = self._call(lambda: self.rpc.abci_query(path, request.SerializeToString()))
        if res.code != 0:
            raise ChainError(res.log or f"{path} failed", res.codespace, res.code)
        return response_type.FromString(res.value)

    # --- attribution --------------------------------------------------------------------

    def attribution_params(self) -> Any:
        """The attribution module's params."""
        _, q, _ = _attribution()
        return self.query(
            "/aichain.attribution.v1.Query/Params", q.QueryParamsRequest(), q.QueryParamsResponse
        ).params

    def pending_requests(self, worker: str, limit: int = 200) -> list[Any]:
        """Requests assigned to worker and still waiting for its result (every page)."""
        from cosmos.base.query.v1beta1 import pagination_pb2

        _, q, _ = _attribution()
        out: list[Any] = []
        key = b""
        while True:
            page = self.query(
                "/aichain.attribution.v1.Query/PendingRequests",
                q.QueryPendingRequestsRequest(
                    worker=worker, pagination=pagination_pb2.PageRequest(key=key, limit=limit)
                ),
                q.QueryPendingRequestsResponse,
            )
            out.extend(page.requests)
            key = page.pagination.next_key
            if not key or not page.requests:
                return out

    def inference(self, inference_id: int) -> Any | None:
        """The request and, once answered, its result and payouts (None when unknown)."""
        _, q, _ = _attribution()
        try:
            return self.query(
                "/aichain.attribution.v1.Query/Inference",
                q.QueryInferenceRequest(id=inference_id),
                q.QueryInferenceResponse,
            ).inference
        except ChainError as exc:
            if exc.unreachable or "not found" not in str(exc):
                raise
            return None

    def inferences(self, model_id: int, limit: int = 100) -> list[Any]:
        """The newest inferences (requests, answered or not) of a model (one page)."""
        from cosmos.base.query.v1beta1 import pagination_pb2

        _, q, _ = _attribution()
        return list(
            self.query(
                "/aichain.attribution.v1.Query/Inferences",
                q.QueryInferencesRequest(
                    model_id=model_id, pagination=pagination_pb2.PageRequest(limit=limit)
                ),
                q.QueryInferencesResponse,
            ).inferences
        )

    def disputes(self, member: str, limit: int = 100) -> list[Any]:
        """The newest disputes whose committee includes member (one page)."""
        from cosmos.base.query.v1beta1 import pagination_pb2

        _, q, _ = _attribution()
        return list(
            self.query(
                "/aichain.attribution.v1.Query/Disputes",
                q.QueryDisputesRequest(
                    member=member, pagination=pagination_pb2.PageRequest(limit=limit)
                ),
                q.QueryDisputesResponse,
            ).disputes
        )

    def dispute(self, dispute_id: int) -> Any:
        """One dispute."""
        _, q, _ = _attribution()
        return self.query(
            "/aichain.attribution.v1.Query/Dispute",
            q.QueryDisputeRequest(id=dispute_id),
            q.QueryDisputeResponse,
        ).dispute

    def earnings(self, account: str) -> Any:
        """Worker, owner and lineage earnings of account (and its data earnings)."""
        _, q, _ = _attribution()
        return self.query(
            "/aichain.attribution.v1.Query/Earnings",
            q.QueryEarningsRequest(account=account),
            q.QueryEarningsResponse,
        )

    def prepaid_balance(self, requester: str, model_id: int) -> int:
        """The requester's prepaid balance for model_id (0 when none)."""
        _, q, _ = _attribution()
        try:
            answer = self.query(
                "/aichain.attribution.v1.Query/Prepaid",
                q.QueryPrepaidRequest(requester=requester, model_id=model_id),
                q.QueryPrepaidResponse,
            )
        except ChainError as exc:
            if exc.unreachable:
                raise
            return 0
        return int(answer.balance.amount or 0)

    def account_pubkey(self, address: str) -> bytes:
        """The account's compressed secp256k1 public key (b"" until it has signed a tx)."""
        from cosmos.auth.v1beta1 import auth_pb2
        from cosmos.auth.v1beta1 import query_pb2 as aq
        from cosmos.crypto.secp256k1 import keys_pb2

        try:
            answer = self.query(
                "/cosmos.auth.v1beta1.Query/Account",
                aq.QueryAccountRequest(address=address),
                aq.QueryAccountResponse,
            )
        except ChainError as exc:
            if exc.unreachable:
                raise
            return b""
        account = auth_pb2.BaseAccount.FromString(answer.account.value)
        if not account.pub_key.type_url.endswith("secp256k1.PubKey"):
            return b""
        return bytes(keys_pb2.PubKey.FromString(account.pub_key.value).key)

    # --- modelreg and datanet -------------------------------------------------------------

    def model(self, model_id: int) -> Any:
        """A registered model. Raises ChainError (modelreg code 5 when unknown)."""
        from aichain.modelreg.v1 import query_pb2 as mq

        return self.query(
            "/aichain.modelreg.v1.Query/Model",
            mq.QueryModelRequest(id=model_id),
            mq.QueryModelResponse,
        ).model

    def models(self) -> list[Any]:
        """Every registered model (all pages)."""
        from cosmos.base.query.v1beta1 import pagination_pb2

        from aichain.modelreg.v1 import query_pb2 as mq

        out: list[Any] = []
        key = b""
        while True:
            page = self.query(
                "/aichain.modelreg.v1.Query/Models",
                mq.QueryModelsRequest(pagination=pagination_pb2.PageRequest(key=key, limit=200)),
                mq.QueryModelsResponse,
            )
            out.extend(page.models)
            key = page.pagination.next_key
            if not key or not page.models:
                return out

    def modelreg_params(self) -> Any:
        """The model registry's params."""
        from aichain.modelreg.v1 import query_pb2 as mq

        return self.query(
            "/aichain.modelreg.v1.Query/Params", mq.QueryParamsRequest(), mq.QueryParamsResponse
        ).params

    def worker(self, operator: str) -> Any | None:
        """The worker registered by operator, or None."""
        from aichain.modelreg.v1 import query_pb2 as mq

        try:
            return self.query(
                "/aichain.modelreg.v1.Query/Worker",
                mq.QueryWorkerRequest(operator=operator),
                mq.QueryWorkerResponse,
            ).worker
        except ChainError as exc:
            if exc.unreachable:
                raise
            return None

    def datanet(self, datanet_id: int) -> Any:
        """A datanet."""
        from aichain.datanet.v1 import query_pb2 as dq

        return self.query(
            "/aichain.datanet.v1.Query/Datanet",
            dq.QueryDatanetRequest(id=datanet_id),
            dq.QueryDatanetResponse,
        ).datanet

    def access(self, datanet_id: int, account: str) -> tuple[bool, str]:
        """Whether account may use the datanet, and how (public, owner, granted, paid)."""
        from aichain.datanet.v1 import query_pb2 as dq

        answer = self.query(
            "/aichain.datanet.v1.Query/Access",
            dq.QueryAccessRequest(datanet_id=datanet_id, account=account),
            dq.QueryAccessResponse,
        )
        return bool(answer.allowed), str(answer.how)

    def record(self, datanet_id: int, record_id: int) -> Any:
        """A datanet record (its contributor and hash)."""
        from aichain.datanet.v1 import query_pb2 as dq

        return self.query(
            "/aichain.datanet.v1.Query/Record",
            dq.QueryRecordRequest(datanet_id=datanet_id, record_id=record_id),
            dq.QueryRecordResponse,
        ).record

    # --- txs ------------------------------------------------------------------------------

    def committed(self, txhash: str) -> CommittedTx | None:
        """The committed tx's outcome, or None while it is not in a block."""
        from cosmos.base.abci.v1beta1 import abci_pb2

        try:
            found = self.rpc.tx(bytes.fromhex(txhash))
        except RPCError as exc:
            if "not found" in str(exc):
                return None
            raise ChainError(str(exc), unreachable=True) from None
        res = found["tx_result"]
        data = base64.b64decode(res.get("data") or "")
        responses = tuple(a.value for a in abci_pb2.TxMsgData.FromString(data).msg_responses)
        return CommittedTx(
            txhash,
            int(res.get("code", 0)),
            res.get("codespace", ""),
            res.get("log", ""),
            int(found["height"]),
            responses,
        )

    def wait_committed(self, txhash: str, timeout: float = 30.0) -> CommittedTx:
        """Polls until the tx is in a block. Raises ChainError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.committed(txhash)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise ChainError(f"tx {txhash} not committed within {timeout:.0f}s")
            time.sleep(0.15)


class TxSender:
    """Signs and broadcasts txs of one account, keeping its sequence locally.

    One lock covers simulate + sign + broadcast, so concurrent senders get consecutive
    sequences and never reuse one; after a CheckTx refusal the sequence is not consumed; a
    sequence mismatch (another client used the account) re-reads the expected sequence from
    the error and retries once."""

    def __init__(
        self,
        chain: ChainClient,
        key: PrivateKey,
        gas_price: str = DEFAULT_GAS_PRICE,
        gas_adjustment: float = GAS_ADJUSTMENT,
    ) -> None:
        from aichain.app.ante import parse_min_gas_prices

        self.chain = chain
        self.key = key
        self.address = account_address(key.address)
        self.gas_prices = parse_min_gas_prices(gas_price)
        self.gas_adjustment = gas_adjustment
        self._lock = threading.Lock()
        self._signer: SignerData | None = None

    def _signer_data(self) -> SignerData:
        if self._signer is None:
            try:
                self._signer = query_signer(self.chain.rpc, self.key.address)
            except RPCError as exc:
                raise ChainError(str(exc), unreachable=True) from None
            except TxError as exc:
                raise ChainError(str(exc), "sdk", 9) from None
        return self._signer

    def reset(self) -> None:
        """Forgets the local sequence (re-read from the chain on the next send)."""
        with self._lock:
            self._signer = None

    def simulate(self, msgs: Sequence[Message]) -> int:
        """Gas the msgs would use now (signed at the next sequence). Raises ChainError with
        the chain's error when they would fail."""
        with self._lock:
            return self._simulate(msgs, self._signer_data())

    def _simulate(self, msgs: Sequence[Message], signer: SignerData) -> int:
        chain_id = self.chain.chain_id()
        fee = compute_fee(200_000, (), self.gas_prices)
        probe = build_tx(msgs, self.key, signer, chain_id, fee, 10**9)
        try:
            return simulate_gas(self.chain.rpc, probe)
        except RPCError as exc:
            raise ChainError(str(exc), unreachable=True) from None
        except TxError as exc:
            raise ChainError(str(exc)) from None

    def send(self, msgs: Sequence[Message], gas: int | None = None) -> SentTx:
        """Simulates (unless gas is given), signs and broadcasts msgs; returns once CheckTx
        accepted them. Raises ChainError with the chain's refusal."""
        with self._lock:
            for attempt in (0, 1):
                signer = self._signer_data()
                try:
                    limit = gas or int(self._simulate(msgs, signer) * self.gas_adjustment) + 5000
                    sent = self._broadcast(msgs, signer, limit)
                except ChainError as exc:
                    match = SEQUENCE_MISMATCH.search(str(exc))
                    if match and attempt == 0:
                        self._signer = SignerData(signer.account_number, int(match[1]))
                        continue
                    raise
                self._signer = SignerData(signer.account_number, signer.sequence + 1)
                return sent
        raise AssertionError("unreachable")

    def _broadcast(self, msgs: Sequence[Message], signer: SignerData, gas: int) -> SentTx:
        fee: tuple[Coin, ...] = compute_fee(gas, (), self.gas_prices)
        raw = build_tx(msgs, self.key, signer, self.chain.chain_id(), fee, gas)
        try:
            sync = self.chain.rpc.broadcast_tx_sync(raw)
        except RPCError as exc:
            raise ChainError(str(exc), unreachable=True) from None
        code = int(sync.get("code", 0))
        if code != 0:
            raise ChainError(sync.get("log", ""), sync.get("codespace", ""), code)
        return SentTx(str(sync["hash"]).upper(), signer.sequence, gas)

    def send_and_wait(
        self, msgs: Sequence[Message], gas: int | None = None, timeout: float = 30.0
    ) -> CommittedTx:
        """send, then wait for the block. Raises ChainError if CheckTx or the block refused."""
        sent = self.send(msgs, gas)
        done = self.chain.wait_committed(sent.txhash, timeout)
        if done.code != 0:
            raise ChainError(done.log, done.codespace, done.code)
        return done
