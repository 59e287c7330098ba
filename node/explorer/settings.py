"""Where the explorer listens and what it reads: app.toml's [explorer] section, and starting
it on its own thread beside the node (node/runner.py) or alone (`aichain explorer`)."""

from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ADDRESS = "tcp://127.0.0.1:26680"
"""Where the explorer listens unless told otherwise (loopback)."""


@dataclass(frozen=True, slots=True)
class ExplorerSettings:
    """app.toml's [explorer] section."""

    enable: bool = False
    """Serve the explorer from `aichain start` (off by default; `aichain explorer` runs it
    alone)."""
    address: str = DEFAULT_ADDRESS
    """tcp://HOST:PORT it listens on; HOST must be a loopback address."""
    requests_per_second: int = 20
    """Requests a second one client address may sustain (0 turns the limit off)."""
    burst: int = 200
    """Requests one client address may send at once."""

    def rate_limit(self):  # type: ignore[no-untyped-def]
        """The per-client limit (node/ratelimit.py). Raises ValueError on bad values."""
        from aichain.node.ratelimit import RateLimit

        return RateLimit(self.requests_per_second, self.burst)


def read_settings(app_toml: Path) -> ExplorerSettings:
    """The [explorer] section of app.toml (defaults when absent). Raises ValueError."""
    try:
        doc = tomllib.loads(app_toml.read_text()) if app_toml.is_file() else {}
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{app_toml}: {exc}") from None
    section = doc.get("explorer", {})
    if not isinstance(section, dict):
        raise ValueError(f"{app_toml}: [explorer] must be a table")
    limits, defaults = {}, ExplorerSettings()
    for key, field in (("requests-per-second", "requests_per_second"), ("burst", "burst")):
        value = section.get(key, getattr(defaults, field))
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{app_toml}: [explorer] {key} must be a whole number, got {value!r}")
        limits[field] = value
    settings = ExplorerSettings(
        enable=bool(section.get("enable", False)),
        address=str(section.get("address", DEFAULT_ADDRESS)),
        **limits,
    )
    parse_loopback(settings.address)
    try:
        settings.rate_limit()
    except ValueError as exc:
        raise ValueError(f"{app_toml}: [explorer] {exc}".replace("rate-limit.", "")) from None
    return settings


def parse_loopback(address: str) -> tuple[str, int]:
    """(host, port) of tcp://HOST:PORT or HOST:PORT on a loopback host. Raises ValueError."""
    rest = address.removeprefix("tcp://")
    host, sep, port = rest.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or not host or int(port) > 65535:
        raise ValueError(f"explorer address {address!r}: expected tcp://127.0.0.1:PORT")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"explorer address {address!r}: the explorer serves loopback only "
            "(127.0.0.1 or ::1); put a reverse proxy in front to publish it"
        )
    return host, int(port)


def start_explorer(rest: str, rpc: str, address: str = DEFAULT_ADDRESS, limit=None):  # type: ignore[no-untyped-def]
    """Serves the explorer over the node at rest/rpc on its own thread; returns the running
    HttpThread (its .host/.port, .stop()). limit: the per-client RateLimit (default the
    explorer's). Raises ValueError or OSError."""
    from aichain.node.explorer.server import explorer_app
    from aichain.node.rest import HttpThread

    host, port = parse_loopback(address)
    return HttpThread(lambda: explorer_app(rest, rpc, limit=limit), host, port, "explorer").start()


def start_for_node(app_toml: Path, rest: str, rpc: str):  # type: ignore[no-untyped-def]
    """`aichain start`'s hook: the explorer on its own thread when app.toml's [explorer] says
    enable = true, else None. Never stops the node: a bad setting or a taken port is logged
    and the explorer stays off."""
    import logging

    log = logging.getLogger("aichain.explorer")
    try:
        settings = read_settings(app_toml)
        if not settings.enable:
            return None
        if rest == "off":
            log.warning("the explorer needs the REST gateway (api.enable = true); it stays off")
            return None
        return start_explorer(rest, rpc, settings.address, settings.rate_limit())
    except (ValueError, OSError) as exc:
        log.warning("explorer: %s; it stays off", exc)
        return None
