"""The explorer's HTTP server: the page and its scripts, JSON aggregated from the node's REST
gateway and CometBFT RPC (one call per page instead of ten), and a websocket that passes on
each new block from CometBFT's websocket so open pages refresh themselves.

Routes: `/` the page; `/static/*` its own assets; `/vendor/*` the charting library fetched at
set-up (scripts/install_explorer.sh); `/api/*` JSON (below); `/api/live` websocket.

Limits: each client address gets a token bucket (node/ratelimit.py, the node's own; by default
20 requests/s and a burst of 200, app.toml [explorer]): a request that finds it empty gets 429
with Retry-After and `{"message"}` before any upstream call. One `/api` request costs the
node's REST gateway up to LOOKUPS + a dozen calls, all from the explorer's one address, so the
explorer's limit is what keeps one page-hammering client from spending the gateway's budget
for every explorer user. Request lines and headers above MAX_LINE_BYTES / MAX_HEADER_BYTES
get a 400, a page's websocket message above MAX_WS_MESSAGE_BYTES closes it (1009; the page
never sends any), and no route reads a body.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from aichain.node.explorer.aggregate import (
    RecordKey,
    coin_amount,
    compute_attribution_chart,
    compute_earnings_series,
    compute_tally,
    record_keys,
)
from aichain.node.explorer.upstream import Upstream, UpstreamError
from aichain.node.ratelimit import ClientLimiter, RateLimit, aiohttp_rate_limit

log = logging.getLogger("aichain.explorer")

STATIC_DIR = Path(__file__).parent / "static"
"""index.html, app.js, style.css: the project's own page code."""

VENDOR_ENV = "AICHAIN_EXPLORER_ASSETS"
"""Environment variable naming the folder of fetched third-party assets (chart.umd.js)."""

DENOM = "uaic"
"""The fee and staking denom the figures are shown in."""

LIST_LIMIT = 50
"""How many items a list page shows (newest first where the query can reverse)."""

LOOKUPS = 16
"""Record lookups in flight at once (to name the contributors paid by data shares)."""

EARNINGS_SCAN = 1000
"""How many settled inferences the earnings plot reads at most (newest first)."""

EXPLORER_RATE = 20
"""Requests a second one client address may sustain on the explorer (default)."""

EXPLORER_BURST = 200
"""Requests one client address may send at once before EXPLORER_RATE applies (default)."""

MAX_BODY_BYTES = 16 * 1024
"""Largest body aiohttp would read (every route is a GET and reads none)."""

MAX_LINE_BYTES = 8190
"""Longest request line (400 above it)."""

MAX_HEADER_BYTES = 8190
"""Longest header (400 above it)."""

MAX_WS_MESSAGE_BYTES = 4096
"""Largest message a page may send on /api/live (the connection is closed above it)."""

ADDRESS = re.compile(r"^[a-z0-9]{1,20}1[02-9ac-hj-np-z]{6,90}$")
HEX = re.compile(r"^[0-9A-Fa-f]{64}$")
UINT = re.compile(r"^[0-9]{1,19}$")


def vendor_dir() -> Path:
    """Where the fetched charting library lies: $AICHAIN_EXPLORER_ASSETS, else .tools/explorer
    in the source tree (where `make setup` puts it)."""
    env = os.environ.get(VENDOR_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".tools" / "explorer"


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=f'{{"message": "{message}"}}', content_type="application/json")


def _uint(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not UINT.match(value):
        raise _bad(f"{name} must be a non-negative integer, got {value[:40]!r}")
    return str(int(value))


def _address(request: web.Request, name: str = "address") -> str:
    value = request.match_info[name]
    if not ADDRESS.match(value):
        raise _bad(f"{name} must be a bech32 address like aic1..., got {value[:60]!r}")
    return value


def _page(limit: int = LIST_LIMIT, reverse: bool = True) -> dict[str, str]:
    return {"pagination.limit": str(limit), "pagination.reverse": "true" if reverse else "false"}


class Explorer:
    """The JSON API over one node; see the module docstring."""

    def __init__(self, upstream: Upstream) -> None:
        self.up = upstream
        self.clients: set[web.WebSocketResponse] = set()
        self.latest: dict[str, Any] = {}
        self.contributors: dict[RecordKey, str] = {}
        """Record -> contributor, kept once read (a record's contributor never changes)."""
        self._follower: asyncio.Task[None] | None = None

    async def resolve_contributors(self, inferences: list[dict[str, Any]]) -> dict[RecordKey, str]:
        """The contributors of the records the inferences name (datanet record queries, at
        most LOOKUPS at once, each record read once per explorer)."""
        missing = [k for k in record_keys(inferences) if k not in self.contributors]
        gate = asyncio.Semaphore(LOOKUPS)

        async def lookup(key: RecordKey) -> None:
            async with gate:
                body = await self.up.optional(
                    f"/aichain/datanet/v1/datanets/{key[0]}/records/{key[1]}"
                )
            record = (body or {}).get("record") or {}
            if record.get("contributor"):
                self.contributors[key] = str(record["contributor"])

        await asyncio.gather(*(lookup(k) for k in missing))
        return self.contributors

    # ---- live blocks -------------------------------------------------------------------

    async def on_block(self, summary: dict[str, Any]) -> None:
        """Passes one new block's summary to every open page."""
        self.latest = summary
        for ws in list(self.clients):
            try:
                await ws.send_json({"type": "block", **summary})
            except (ConnectionError, RuntimeError):
                self.clients.discard(ws)

    async def live(self, request: web.Request) -> web.WebSocketResponse:
        """GET /api/live: a websocket that receives {"type": "block", height, ...} per block."""
        ws = web.WebSocketResponse(heartbeat=20, max_msg_size=MAX_WS_MESSAGE_BYTES)
        await ws.prepare(request)
        self.clients.add(ws)
        if self.latest:
            await ws.send_json({"type": "block", **self.latest})
        try:
            async for msg in ws:
                if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self.clients.discard(ws)
        return ws

    async def start_following(self, app: web.Application) -> None:
        """on_startup: follow CometBFT's new blocks."""
        self._follower = asyncio.create_task(self.up.follow_blocks(self.on_block))

    async def stop_following(self, app: web.Application) -> None:
        """on_cleanup: stop following and close the sessions."""
        if self._follower is not None:
            self._follower.cancel()
            try:
                await self._follower
            except asyncio.CancelledError:
                pass
        for ws in list(self.clients):
            await ws.close()
        await self.up.close()

    # ---- blocks and transactions -------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """Chain id, latest height and time, the node's moniker."""
        result = await self.up.rpc("status")
        sync = result.get("sync_info", {})
        info = result.get("node_info", {})
        return {
            "chain_id": info.get("network", ""),
            "moniker": info.get("moniker", ""),
            "height": int(sync.get("latest_block_height", 0)),
            "time": sync.get("latest_block_time", ""),
            "app_hash": sync.get("latest_app_hash", ""),
            "catching_up": bool(sync.get("catching_up", False)),
        }

    async def blocks(self, top: int, count: int = 20) -> list[dict[str, Any]]:
        """Block summaries from top down (at most count, CometBFT gives 20 a call)."""
        if top < 1:
            return []
        low = max(1, top - count + 1)
        result = await self.up.rpc("blockchain", minHeight=str(low), maxHeight=str(top))
        out = []
        for meta in result.get("block_metas", []):
            header = meta.get("header", {})
            out.append(
                {
                    "height": int(header.get("height", 0)),
                    "time": header.get("time", ""),
                    "num_txs": int(meta.get("num_txs", 0)),
                    "hash": meta.get("block_id", {}).get("hash", ""),
                    "proposer": header.get("proposer_address", ""),
                }
            )
        return out

    async def txs(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Committed txs matching a CometBFT event query, newest first, decoded by the REST
        gateway: [{hash, height, code, messages, fee, gas_used, gas_wanted, memo}]."""
        params = {"query": query, "order_by": "ORDER_BY_DESC", "limit": str(limit), "page": "1"}
        try:
            body = await self.up.rest("/cosmos/tx/v1beta1/txs", params)
        except UpstreamError as exc:
            if exc.status == 404:
                return []
            raise
        out = []
        for tx, resp in zip(body.get("txs") or [], body.get("tx_responses") or [], strict=False):
            out.append(tx_row(tx, resp))
        return out

    async def overview(self, request: web.Request) -> dict[str, Any]:
        """GET /api/overview: status, latest blocks, latest txs, validators, counts."""
        status = await self.status()
        blocks, txs, validators = await asyncio.gather(
            self.blocks(status["height"]),
            self.txs("tx.height>0", 15),
            self.up.optional("/cosmos/staking/v1beta1/validators", {"pagination.limit": "100"}),
        )
        return {
            "status": status,
            "blocks": blocks,
            "txs": txs,
            "validators": (validators or {}).get("validators", []),
        }

    async def block(self, request: web.Request) -> dict[str, Any]:
        """GET /api/blocks/{height}: the header, its txs (decoded, with results and events)
        and the block's own events."""
        height = _uint(request, "height")
        block, results = await asyncio.gather(
            self.up.rpc("block", height=height), self.up.rpc("block_results", height=height)
        )
        txs = await self.txs(f"tx.height={height}", 100)
        header = block.get("block", {}).get("header", {})
        return {
            "height": int(header.get("height", height)),
            "time": header.get("time", ""),
            "hash": block.get("block_id", {}).get("hash", ""),
            "proposer": header.get("proposer_address", ""),
            "app_hash": header.get("app_hash", ""),
            "num_txs": len(block.get("block", {}).get("data", {}).get("txs") or []),
            "txs": txs,
            "events": results.get("finalize_block_events") or [],
        }

    async def tx(self, request: web.Request) -> dict[str, Any]:
        """GET /api/txs/{hash}: one tx, decoded, with its result, fee and events."""
        tx_hash = request.match_info["hash"]
        if not HEX.match(tx_hash):
            raise _bad("a tx hash is 64 hex characters")
        body = await self.up.rest(f"/cosmos/tx/v1beta1/txs/{tx_hash.upper()}")
        resp = body.get("tx_response", {})
        return {**tx_row(body.get("tx", {}), resp), "tx": body.get("tx", {}),
                "events": resp.get("events", []), "raw_log": resp.get("raw_log", "")}  # fmt: skip

    # ---- accounts ----------------------------------------------------------------------

    async def account(self, request: web.Request) -> dict[str, Any]:
        """GET /api/accounts/{address}: balances, delegations, rewards, earnings, txs."""
        address = _address(request)
        balances, delegations, unbonding, rewards, earnings, sent, received = await asyncio.gather(
            self.up.rest(f"/cosmos/bank/v1beta1/balances/{address}"),
            self.up.optional(f"/cosmos/staking/v1beta1/delegations/{address}"),
            self.up.optional(f"/cosmos/staking/v1beta1/delegators/{address}/unbonding_delegations"),
            self.up.optional(f"/cosmos/distribution/v1beta1/delegators/{address}/rewards"),
            self.up.optional(f"/aichain/attribution/v1/earnings/{address}"),
            self.txs(f"message.sender='{address}'", 20),
            self.txs(f"transfer.recipient='{address}'", 20),
        )  # fmt: skip
        seen: dict[str, dict[str, Any]] = {}
        for row in sent + received:
            seen.setdefault(row["hash"], row)
        txs = sorted(seen.values(), key=lambda r: -r["height"])[:20]
        bal = balances.get("balances", [])
        return {
            "address": address,
            "balances": bal,
            "balance": coin_amount(bal, DENOM),
            "delegations": (delegations or {}).get("delegation_responses", []),
            "unbonding": (unbonding or {}).get("unbonding_responses", []),
            "rewards": rewards or {},
            "earnings": earnings,
            "txs": txs,
        }

    # ---- datanets ----------------------------------------------------------------------

    async def datanets(self, request: web.Request) -> dict[str, Any]:
        """GET /api/datanets."""
        body = await self.up.rest("/aichain/datanet/v1/datanets", _page(reverse=False))
        return {"datanets": body.get("datanets", [])}

    async def datanet(self, request: web.Request) -> dict[str, Any]:
        """GET /api/datanets/{id}: the datanet, its versions, records, history and revenue."""
        dn = _uint(request, "id")
        base = f"/aichain/datanet/v1/datanets/{dn}"
        datanet, versions, records, history, revenue = await asyncio.gather(
            self.up.rest(base),
            self.up.rest(f"{base}/versions", _page(200, reverse=False)),
            self.up.rest(f"{base}/records", _page(500, reverse=False)),
            self.up.rest(f"{base}/history", _page(200, reverse=False)),
            self.up.optional(f"/aichain/attribution/v1/datanets/{dn}/revenue"),
        )
        recs = records.get("records", [])
        by_status: dict[str, int] = {}
        for rec in recs:
            status = str(rec.get("status", "")).removeprefix("RECORD_STATUS_").lower()
            by_status[status] = by_status.get(status, 0) + 1
        return {
            "datanet": datanet.get("datanet", datanet),
            "versions": versions.get("versions", []),
            "records": recs,
            "record_count": len(recs),
            "records_by_status": dict(sorted(by_status.items())),
            "history": history.get("entries", []),
            "revenue": revenue,
        }

    # ---- models, inferences, earnings --------------------------------------------------

    async def models(self, request: web.Request) -> dict[str, Any]:
        """GET /api/models."""
        body = await self.up.rest("/aichain/modelreg/v1/models", _page(reverse=False))
        return {"models": body.get("models", [])}

    async def model(self, request: web.Request) -> dict[str, Any]:
        """GET /api/models/{id}: the model, its lineage, usage and latest inferences."""
        mid = _uint(request, "id")
        base = f"/aichain/modelreg/v1/models/{mid}"
        model, lineage, usage, settled, inferences = await asyncio.gather(
            self.up.rest(base),
            self.up.optional(f"{base}/lineage"),
            self.up.optional(f"{base}/usage"),
            self.up.optional(f"/aichain/attribution/v1/models/{mid}/usage"),
            self.up.optional("/aichain/attribution/v1/inferences", {"model_id": mid, **_page(20)}),
        )
        return {
            "model": model.get("model", model),
            "lineage": (lineage or {}).get("models", []),
            "usage": (usage or {}).get("usage", usage),
            "attribution_usage": settled,
            "inferences": (inferences or {}).get("inferences", []),
        }

    async def inferences(self, request: web.Request) -> dict[str, Any]:
        """GET /api/inferences: the latest settled inferences (empty when none or when the
        attribution module is not served by this node)."""
        body = await self.up.optional("/aichain/attribution/v1/inferences", _page())
        return {"served": body is not None, "inferences": (body or {}).get("inferences", [])}

    async def inference(self, request: web.Request) -> dict[str, Any]:
        """GET /api/inferences/{id}: one inference with its attribution chart data."""
        iid = _uint(request, "id")
        body = await self.up.rest(f"/aichain/attribution/v1/inferences/{iid}")
        inference = body.get("inference", body)
        contributors = await self.resolve_contributors([inference])
        return {"inference": inference, "chart": compute_attribution_chart(inference, contributors)}

    async def earnings(self, request: web.Request) -> dict[str, Any]:
        """GET /api/earnings: contributors' cumulative earnings over height, from the payouts
        of the latest settled inferences."""
        inferences: list[dict[str, Any]] = []
        key = ""
        while len(inferences) < EARNINGS_SCAN:
            params = _page(100)
            if key:
                params["pagination.key"] = key
            body = await self.up.optional("/aichain/attribution/v1/inferences", params)
            if body is None:
                return {"served": False, **compute_earnings_series([])}
            inferences.extend(body.get("inferences", []))
            key = (body.get("pagination") or {}).get("next_key") or ""
            if not key:
                break
        contributors = await self.resolve_contributors(inferences)
        return {"served": True, "inferences": len(inferences),
                **compute_earnings_series(inferences, contributors)}  # fmt: skip

    # ---- workers and disputes ----------------------------------------------------------

    async def workers(self, request: web.Request) -> dict[str, Any]:
        """GET /api/workers: workers (bond, status) and the latest disputes."""
        workers, disputes = await asyncio.gather(
            self.up.rest("/aichain/modelreg/v1/workers", _page(reverse=False)),
            self.up.optional("/aichain/attribution/v1/disputes", _page()),
        )
        return {
            "workers": workers.get("workers", []),
            "disputes_served": disputes is not None,
            "disputes": (disputes or {}).get("disputes", []),
        }

    async def worker(self, request: web.Request) -> dict[str, Any]:
        """GET /api/workers/{address}: one worker, its inferences and disputes against them."""
        operator = _address(request)
        worker, inferences = await asyncio.gather(
            self.up.rest(f"/aichain/modelreg/v1/workers/{operator}"),
            self.up.optional("/aichain/attribution/v1/inferences",
                             {"worker": operator, **_page(50)}),
        )  # fmt: skip
        found = (inferences or {}).get("inferences", [])
        ids = sorted({int(i.get("dispute_id") or 0) for i in found} - {0})
        disputes = await asyncio.gather(
            *(self.up.optional(f"/aichain/attribution/v1/disputes/{d}") for d in ids)
        )
        return {
            "worker": worker.get("worker", worker),
            "inferences": found,
            "disputes": [d.get("dispute", d) for d in disputes if d],
        }

    # ---- governance --------------------------------------------------------------------

    async def proposals(self, request: web.Request) -> dict[str, Any]:
        """GET /api/proposals: proposals, newest first, each with its tally so far."""
        body = await self.up.rest("/cosmos/gov/v1/proposals", _page())
        proposals = body.get("proposals", [])
        tallies = await asyncio.gather(
            *(self.up.optional(f"/cosmos/gov/v1/proposals/{p['id']}/tally") for p in proposals)
        )
        for proposal, tally in zip(proposals, tallies, strict=True):
            proposal["tally"] = compute_tally((tally or {}).get("tally"))
        return {"proposals": proposals}

    async def proposal(self, request: web.Request) -> dict[str, Any]:
        """GET /api/proposals/{id}: the proposal, its tally (so far while voting), votes and
        deposits."""
        pid = _uint(request, "id")
        base = f"/cosmos/gov/v1/proposals/{pid}"
        proposal, tally, votes, deposits = await asyncio.gather(
            self.up.rest(base),
            self.up.optional(f"{base}/tally"),
            self.up.optional(f"{base}/votes", _page(200, reverse=False)),
            self.up.optional(f"{base}/deposits", _page(200, reverse=False)),
        )
        return {
            "proposal": proposal.get("proposal", proposal),
            "tally": compute_tally((tally or {}).get("tally")),
            "votes": (votes or {}).get("votes", []),
            "deposits": (deposits or {}).get("deposits", []),
        }


def tx_row(tx: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    """A tx as the lists show it: hash, height, code, message types, fee, gas, memo."""
    body = tx.get("body") or {}
    fee = (tx.get("auth_info") or {}).get("fee") or {}
    return {
        "hash": resp.get("txhash", ""),
        "height": int(resp.get("height") or 0),
        "code": int(resp.get("code") or 0),
        "codespace": resp.get("codespace", ""),
        "messages": [
            {"type": str(m.get("@type", "?")), **{k: v for k, v in m.items() if k != "@type"}}
            for m in body.get("messages") or []
        ],
        "fee": fee.get("amount") or [],
        "fee_uaic": coin_amount(fee.get("amount"), DENOM),
        "gas_wanted": int(resp.get("gas_wanted") or 0),
        "gas_used": int(resp.get("gas_used") or 0),
        "memo": body.get("memo", ""),
        "timestamp": resp.get("timestamp", ""),
    }


Handler = Callable[["Explorer", web.Request], Awaitable[dict[str, Any]]]


def _json_route(handler: Callable[[web.Request], Awaitable[dict[str, Any]]]):
    async def route(request: web.Request) -> web.Response:
        try:
            return web.json_response(await handler(request))
        except UpstreamError as exc:
            status = exc.status if 400 <= exc.status < 600 else 502
            return web.json_response({"message": str(exc)}, status=status)

    return route


@web.middleware
async def _security_headers(request: web.Request, handler):  # type: ignore[no-untyped-def]
    response = await handler(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def explorer_limiter(limit: RateLimit | None = None) -> ClientLimiter:
    """The explorer's per-client limiter (default EXPLORER_RATE / EXPLORER_BURST)."""
    return ClientLimiter(
        limit or RateLimit(EXPLORER_RATE, EXPLORER_BURST),
        "explorer",
        setting="app.toml [explorer] requests-per-second / burst, or aichain explorer --rate-limit",
        where="explorer",
    )


def explorer_app(
    rest: str, rpc: str, follow: bool = True, limit: RateLimit | ClientLimiter | None = None
) -> web.Application:
    """The explorer as an aiohttp application over the node at rest (REST) and rpc (CometBFT).

    follow=False skips the websocket follower (unit tests without a node); limit: the
    per-client limit, or a limiter (default EXPLORER_RATE / EXPLORER_BURST; rate 0 turns it
    off)."""
    explorer = Explorer(Upstream(rest, rpc))
    limiter = limit if isinstance(limit, ClientLimiter) else explorer_limiter(limit)
    middlewares = [_security_headers]
    if limiter.limit.enabled:
        middlewares.insert(0, aiohttp_rate_limit(
            limiter, lambda message: web.json_response({"message": message}, status=429)
        ))  # fmt: skip
    app = web.Application(
        middlewares=middlewares,
        client_max_size=MAX_BODY_BYTES,
        handler_args={"max_line_size": MAX_LINE_BYTES, "max_field_size": MAX_HEADER_BYTES},
    )

    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def vendor(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = vendor_dir() / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise web.HTTPNotFound(text=f"{name}: not installed (run make setup)")
        return web.FileResponse(path, headers={"Content-Type": "text/javascript"})

    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC_DIR)
    app.router.add_get("/vendor/{name}", vendor)
    app.router.add_get("/api/live", explorer.live)
    routes = {
        "/api/overview": explorer.overview,
        "/api/blocks/{height}": explorer.block,
        "/api/txs/{hash}": explorer.tx,
        "/api/accounts/{address}": explorer.account,
        "/api/datanets": explorer.datanets,
        "/api/datanets/{id}": explorer.datanet,
        "/api/models": explorer.models,
        "/api/models/{id}": explorer.model,
        "/api/inferences": explorer.inferences,
        "/api/inferences/{id}": explorer.inference,
        "/api/earnings": explorer.earnings,
        "/api/workers": explorer.workers,
        "/api/workers/{address}": explorer.worker,
        "/api/proposals": explorer.proposals,
        "/api/proposals/{id}": explorer.proposal,
    }
    for path, handler in routes.items():
        app.router.add_get(path, _json_route(handler))
    if follow:
        app.on_startup.append(explorer.start_following)
    app.on_cleanup.append(explorer.stop_following)
    return app
