"""Listen addresses in CometBFT's proxy_app form: tcp://HOST:PORT or unix:///PATH."""

from __future__ import annotations

from dataclasses import dataclass

from aichain.abci.errors import AddressError


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """A parsed listen address: scheme "tcp" with host and port, or "unix" with a path."""

    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""

    def __str__(self) -> str:
        """The address back in URL form."""
        if self.scheme == "unix":
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"


def parse_address(address: str) -> ListenAddress:
    """Parse tcp://HOST:PORT (IPv6 hosts in brackets) or unix:///PATH; raises AddressError."""
    scheme, sep, rest = address.partition("://")
    if not sep or not rest:
        raise AddressError(f"address {address!r}: expected tcp://HOST:PORT or unix:///PATH")
    if scheme == "unix":
        return ListenAddress("unix", path=rest)
    if scheme != "tcp":
        raise AddressError(f"address {address!r}: unknown scheme {scheme!r} (tcp or unix)")
    host, colon, port = rest.rpartition(":")
    if not colon or not port.isdigit() or int(port) > 65535:
        raise AddressError(f"address {address!r}: expected tcp://HOST:PORT with a port 0-65535")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise AddressError(f"address {address!r}: missing host")
    return ListenAddress("tcp", host=host, port=int(port))
