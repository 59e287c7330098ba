"""app.toml: node-local settings of the application (minimum gas prices, gRPC, ABCI, pruning)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from aichain.app.ante import parse_min_gas_prices
from aichain.app.baseapp import DEFAULT_QUERY_GAS_LIMIT, AppConfig
from aichain.app.store.errors import PruningConfigError
from aichain.app.store.options import StoreOptions, parse_store_options
from aichain.node.ratelimit import DEFAULT_BURST, DEFAULT_RATE, RateLimit

DEFAULT_INDEX_EVENTS = (
    "message.action",
    "message.module",
    "message.sender",
    "transfer.amount",
    "transfer.recipient",
    "transfer.sender",
    "coin_received.receiver",
    "coin_spent.spender",
    "tx.acc_seq",
    "tx.fee_payer",
)
"""What a new node indexes: txs stay findable by hash and height (CometBFT always indexes
those), by sender, recipient, message type and module, and by account sequence; the rest of
each tx's events is not written to the index (the index's writes were about a third of
CometBFT's CPU under load: docs/decisions.md). `index-events = []` indexes everything."""


@dataclass(frozen=True, slots=True)
class AppToml:
    """The contents of app.toml."""

    minimum_gas_prices: str = "0.025uaic"
    grpc_enable: bool = True
    grpc_address: str = "127.0.0.1:9090"
    api_enable: bool = True
    """`api.enable`: serve the REST gateway (every gRPC route over HTTP/JSON)."""
    api_address: str = "tcp://127.0.0.1:1317"
    """`api.address`: where the REST gateway listens (loopback by default)."""
    api_enabled_unsafe_cors: bool = False
    """`api.enabled-unsafe-cors`: answer cross-origin requests from any site."""
    telemetry_enable: bool = True
    """`telemetry.enable`: serve the app's Prometheus metrics (GET /metrics)."""
    telemetry_address: str = "tcp://127.0.0.1:26661"
    """`telemetry.address`: where the metrics are served (CometBFT's own use :26660)."""
    abci_address: str = ""
    """`abci.address`: empty serves ABCI on the home's unix socket (run/abci.sock, mode 0600);
    tcp://HOST:PORT lets any local process that reaches the port connect (docs/security.md)."""
    pruning: str = "nothing"
    pruning_keep_recent: int = 0
    pruning_interval: int = 0
    min_retain_blocks: int = 0
    snapshot_interval: int = 0
    snapshot_keep_recent: int = 2
    node_cache_size: int = 256
    """MiB of tree nodes cached in memory (`node-cache-size`; 0 disables the cache)."""
    invariant_check_period: int = 0
    debug: bool = False
    query_gas_limit: int = DEFAULT_QUERY_GAS_LIMIT
    """`query-gas-limit`: gas one query may use (0 = unlimited)."""
    index_events: tuple[str, ...] = DEFAULT_INDEX_EVENTS
    """`index-events`: the event attributes CometBFT indexes ("type.key"); [] = all."""
    check_tx_runs_messages: bool = True
    """`check-tx-runs-messages`: CheckTx also runs the messages, so a tx that would fail
    (insufficient funds...) is refused before it costs a fee (docs/decisions.md)."""
    rate_limit_rps: int = DEFAULT_RATE
    """`rate-limit.requests-per-second`: requests one client address may sustain on the gRPC
    server and, separately, on the REST gateway (0 = no limit)."""
    rate_limit_burst: int = DEFAULT_BURST
    """`rate-limit.burst`: requests one client address may send at once (its bucket's size)."""

    def rate_limit(self) -> RateLimit:
        """The per-client limit of the public servers. Raises ValueError when invalid."""
        return RateLimit(self.rate_limit_rps, self.rate_limit_burst)

    def to_app_config(self) -> AppConfig:
        """The BaseApp settings these imply. Raises ValueError on a bad gas price."""
        return AppConfig(
            min_gas_prices=parse_min_gas_prices(self.minimum_gas_prices),
            invariant_check_period=self.invariant_check_period,
            debug=self.debug,
            store=self.to_store_options(),
            check_tx_runs_messages=self.check_tx_runs_messages,
            query_gas_limit=self.query_gas_limit,
            index_events=self.index_events,
        )

    def to_store_options(self) -> StoreOptions:
        """Pruning, snapshot and block-retention settings. Raises ValueError when invalid."""
        try:
            return parse_store_options(
                self.pruning,
                self.pruning_keep_recent,
                self.pruning_interval,
                self.snapshot_interval,
                self.snapshot_keep_recent,
                self.min_retain_blocks,
                self.node_cache_size << 20,
            )
        except PruningConfigError as exc:
            raise ValueError(exc.message) from None


def write_app_toml(path: Path, cfg: AppToml) -> None:
    """Writes app.toml."""
    doc = {
        "minimum-gas-prices": cfg.minimum_gas_prices,
        "invariant-check-period": cfg.invariant_check_period,
        "debug": cfg.debug,
        "check-tx-runs-messages": cfg.check_tx_runs_messages,
        "query-gas-limit": cfg.query_gas_limit,
        "index-events": list(cfg.index_events),
        "grpc": {"enable": cfg.grpc_enable, "address": cfg.grpc_address},
        "telemetry": {"enable": cfg.telemetry_enable, "address": cfg.telemetry_address},
        "api": {
            "enable": cfg.api_enable,
            "address": cfg.api_address,
            "enabled-unsafe-cors": cfg.api_enabled_unsafe_cors,
        },
        "abci": {"address": cfg.abci_address},
        "rate-limit": {
            "requests-per-second": cfg.rate_limit_rps,
            "burst": cfg.rate_limit_burst,
        },
        "min-retain-blocks": cfg.min_retain_blocks,
        "node-cache-size": cfg.node_cache_size,
        "pruning": {
            "pruning": cfg.pruning,
            "keep-recent": cfg.pruning_keep_recent,
            "interval": cfg.pruning_interval,
        },
        "state-sync": {
            "snapshot-interval": cfg.snapshot_interval,
            "snapshot-keep-recent": cfg.snapshot_keep_recent,
        },
    }
    header = (
        "# aichain app.toml: settings of this node's application (not consensus).\n"
        "# minimum-gas-prices: CheckTx refuses txs whose fee/gas is below this, e.g. 0.025uaic.\n"
        '# pruning.pruning: "nothing" (keep every version), "default" (keep 362880, prune every\n'
        '#   10 blocks), "everything" (keep 2) or "custom" (keep-recent and interval below).\n'
        "# min-retain-blocks: 0 keeps every block in CometBFT; otherwise Commit's retain_height\n"
        "#   lets CometBFT prune blocks older than this many (never below a kept state version).\n"
        "# state-sync.snapshot-interval: take a state-sync snapshot every N blocks (0 = off).\n"
        "# telemetry: the app's Prometheus metrics (ABCI time per phase, txs by result code,\n"
        "#   store cache) at http://ADDRESS/metrics; CometBFT's own are in config.toml.\n"
        "# api: the REST gateway (gRPC routes over HTTP/JSON, as the Cosmos SDK's :1317);\n"
        "#   enabled-unsafe-cors answers browsers from any origin (off by default).\n"
        '# abci.address: "" (default) serves ABCI on the unix socket run/abci.sock in the home\n'
        "#   (mode 0600 in a 0700 directory: only this user can connect); tcp://HOST:PORT\n"
        "#   listens on TCP instead, where any local process can reach it (docs/security.md).\n"
        "# index-events: event attributes (type.key) CometBFT's tx index keeps; [] keeps all.\n"
        "#   The default finds txs by hash, height, sender, recipient, message and sequence.\n"
        "# query-gas-limit: gas one gRPC/ABCI query may use (reads are charged as in a tx);\n"
        "#   0 = unlimited.\n"
        "# node-cache-size: MiB of authenticated-tree nodes kept in memory (0 = no cache); 256\n"
        "#   holds every internal node of a state of about 1.5 million keys.\n"
        "# rate-limit: a token bucket per client address (loopback included) on the gRPC\n"
        "#   server and on the REST gateway, each its own: burst requests at once, then\n"
        "#   requests-per-second sustained; beyond it REST answers 429 with Retry-After and\n"
        "#   gRPC RESOURCE_EXHAUSTED. requests-per-second = 0 turns the limit off. Behind a\n"
        "#   reverse proxy all clients share its address: limit there (docs/security.md).\n\n"
    )
    path.write_text(header + tomli_w.dumps(doc))


def _index_events(value: object) -> tuple[str, ...]:
    """index-events as a tuple of "type.key". Raises ValueError naming a bad entry."""
    if not isinstance(value, list):
        raise ValueError(
            'index-events must be a list of "type.key" strings, e.g. ["message.sender"]'
        )
    for entry in value:
        if not isinstance(entry, str) or entry.count(".") < 1 or entry.startswith("."):
            raise ValueError(f'index-events entry {entry!r} is not "type.key"')
    return tuple(value)


def read_app_toml(path: Path) -> AppToml:
    """Reads app.toml (missing keys take their defaults). Raises ValueError on bad values."""
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    default = AppToml()
    cfg = AppToml(
        minimum_gas_prices=str(doc.get("minimum-gas-prices", default.minimum_gas_prices)),
        grpc_enable=bool(doc.get("grpc", {}).get("enable", default.grpc_enable)),
        grpc_address=str(doc.get("grpc", {}).get("address", default.grpc_address)),
        abci_address=str(doc.get("abci", {}).get("address", default.abci_address)),
        api_enable=bool(doc.get("api", {}).get("enable", default.api_enable)),
        telemetry_enable=bool(doc.get("telemetry", {}).get("enable", default.telemetry_enable)),
        telemetry_address=str(doc.get("telemetry", {}).get("address", default.telemetry_address)),
        api_address=str(doc.get("api", {}).get("address", default.api_address)),
        api_enabled_unsafe_cors=bool(doc.get("api", {}).get("enabled-unsafe-cors", False)),
        pruning=str(doc.get("pruning", {}).get("pruning", default.pruning)),
        pruning_keep_recent=int(doc.get("pruning", {}).get("keep-recent", 0)),
        pruning_interval=int(doc.get("pruning", {}).get("interval", 0)),
        min_retain_blocks=int(doc.get("min-retain-blocks", 0)),
        node_cache_size=int(doc.get("node-cache-size", default.node_cache_size)),
        snapshot_interval=int(doc.get("state-sync", {}).get("snapshot-interval", 0)),
        snapshot_keep_recent=int(doc.get("state-sync", {}).get("snapshot-keep-recent", 2)),
        invariant_check_period=int(doc.get("invariant-check-period", 0)),
        debug=bool(doc.get("debug", False)),
        check_tx_runs_messages=bool(doc.get("check-tx-runs-messages", True)),
        query_gas_limit=int(doc.get("query-gas-limit", default.query_gas_limit)),
        index_events=_index_events(doc.get("index-events", list(default.index_events))),
        rate_limit_rps=_int(doc, "rate-limit", "requests-per-second", default.rate_limit_rps),
        rate_limit_burst=_int(doc, "rate-limit", "burst", default.rate_limit_burst),
    )
    try:
        cfg.to_store_options()
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    parse_min_gas_prices(cfg.minimum_gas_prices)
    try:
        cfg.rate_limit()
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return cfg


def _int(doc: dict[str, object], section: str, key: str, default: int) -> int:
    """An integer setting [section] key. Raises ValueError naming it when it is not one."""
    table = doc.get(section, {})
    if not isinstance(table, dict):
        raise ValueError(f"{section} must be a table ([{section}] with {key} = ...)")
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{section}.{key} must be a whole number, got {value!r}")
    return value
