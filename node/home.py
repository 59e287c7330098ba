"""The layout of a node home (simd style) and where the CometBFT binary is found."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The source checkout (the CometBFT build lives in its .tools/bin)."""


MAX_UNIX_PATH = 107
"""Bytes a unix socket path may have on Linux (sun_path is 108 with its terminating NUL)."""


@dataclass(frozen=True, slots=True)
class Home:
    """Paths inside a node home."""

    root: Path

    @property
    def config_dir(self) -> Path:
        """config/: CometBFT and app settings, genesis, validator and node keys."""
        return self.root / "config"

    @property
    def data_dir(self) -> Path:
        """data/: CometBFT's block store and the app's RocksDB."""
        return self.root / "data"

    @property
    def genesis(self) -> Path:
        """config/genesis.json."""
        return self.config_dir / "genesis.json"

    @property
    def config_toml(self) -> Path:
        """config/config.toml (CometBFT)."""
        return self.config_dir / "config.toml"

    @property
    def app_toml(self) -> Path:
        """config/app.toml (the app)."""
        return self.config_dir / "app.toml"

    @property
    def log_dir(self) -> Path:
        """logs/: CometBFT's output when supervised by `aichain start`."""
        return self.root / "logs"

    @property
    def abci_socket(self) -> Path:
        """run/abci.sock: the app's ABCI unix socket (mode 0600, in a 0700 directory)."""
        return self.root.resolve() / "run" / "abci.sock"

    def abci_address(self, configured: str = "") -> str:
        """The address the app serves ABCI on: app.toml's abci.address, or this home's unix
        socket when that is empty (the default). Raises ValueError for a socket path too long
        for AF_UNIX."""
        if configured:
            return configured
        path = str(self.abci_socket)
        if len(path.encode()) > MAX_UNIX_PATH:
            raise ValueError(
                f"the ABCI socket path {path} is {len(path.encode())} bytes, over the "
                f"{MAX_UNIX_PATH}-byte limit of unix sockets; use a shorter --home, or set "
                "abci.address in app.toml (e.g. unix:///tmp/NAME.sock)"
            )
        return f"unix://{path}"

    @property
    def cometbft_pid_file(self) -> Path:
        """cometbft.pid: the pid of the CometBFT child of a running `aichain start`."""
        return self.root / "cometbft.pid"

    @property
    def pid_file(self) -> Path:
        """aichain.pid: the pid of a running `aichain start`."""
        return self.root / "aichain.pid"

    def is_initialised(self) -> bool:
        """Whether `aichain init` has run here."""
        return self.genesis.is_file() and self.config_toml.is_file()


class CometBFTNotFoundError(RuntimeError):
    """No CometBFT binary could be found."""


def find_cometbft() -> str:
    """$AICHAIN_COMETBFT, else the repo's .tools/bin/cometbft, else `cometbft` on PATH."""
    candidates = [os.environ.get("AICHAIN_COMETBFT"), str(REPO_ROOT / ".tools/bin/cometbft")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    found = shutil.which("cometbft")
    if found:
        return found
    raise CometBFTNotFoundError(
        "CometBFT not found: run `make setup` (builds it into .tools/bin) or set AICHAIN_COMETBFT"
    )


def set_toml_value(text: str, section: str, key: str, value: str) -> str:
    """Replaces `key = ...` inside [section] ('' for the top level) of a TOML text.

    value is written as given (quote strings yourself). Raises KeyError if absent.
    """
    lines = text.splitlines(keepends=True)
    current = ""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1].strip()
            continue
        if current == section and pattern.match(line):
            lines[i] = f"{key} = {value}\n"
            return "".join(lines)
    raise KeyError(f"{key} not found in section [{section}]")


def configure_cometbft(home: Home, settings: dict[str, str]) -> None:
    """Edits config.toml; keys are 'section.key', e.g. {'rpc.laddr': '"tcp://..."'}."""
    text = home.config_toml.read_text()
    for dotted, value in settings.items():
        section, _, key = dotted.rpartition(".")
        text = set_toml_value(text, section, key, value)
    home.config_toml.write_text(text)
