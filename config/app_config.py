"""app.toml: node-local settings of the application (minimum gas prices, gRPC, ABCI, pruning)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from aichain.app.ante import parse_min_gas_prices
from aichain.app.baseapp import AppConfig


@dataclass(frozen=True, slots=True)
class AppToml:
    """The contents of app.toml."""

    minimum_gas_prices: str = "0.025uaic"
    grpc_enable: bool = True
    grpc_address: str = "127.0.0.1:9090"
    abci_address: str = "tcp://127.0.0.1:26658"
    pruning: str = "nothing"
    invariant_check_period: int = 0
    debug: bool = False

    def to_app_config(self) -> AppConfig:
        """The BaseApp settings these imply. Raises ValueError on a bad gas price."""
        return AppConfig(
            min_gas_prices=parse_min_gas_prices(self.minimum_gas_prices),
            invariant_check_period=self.invariant_check_period,
            debug=self.debug,
        )


def write_app_toml(path: Path, cfg: AppToml) -> None:
    """Writes app.toml."""
    doc = {
        "minimum-gas-prices": cfg.minimum_gas_prices,
        "invariant-check-period": cfg.invariant_check_period,
        "debug": cfg.debug,
        "grpc": {"enable": cfg.grpc_enable, "address": cfg.grpc_address},
        "abci": {"address": cfg.abci_address},
        "pruning": {"pruning": cfg.pruning},
    }
    header = (
        "# aichain app.toml: settings of this node's application (not consensus).\n"
        "# minimum-gas-prices: CheckTx refuses txs whose fee/gas is below this, e.g. 0.025uaic.\n"
        '# pruning: only "nothing" is implemented so far (every committed height is kept).\n\n'
    )
    path.write_text(header + tomli_w.dumps(doc))


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
        pruning=str(doc.get("pruning", {}).get("pruning", default.pruning)),
        invariant_check_period=int(doc.get("invariant-check-period", 0)),
        debug=bool(doc.get("debug", False)),
    )
    if cfg.pruning != "nothing":
        raise ValueError(f'{path}: pruning {cfg.pruning!r} is not supported yet; use "nothing"')
    parse_min_gas_prices(cfg.minimum_gas_prices)
    return cfg
