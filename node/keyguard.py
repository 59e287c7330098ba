"""What `aichain start` checks about a home's keys before it runs a node that others can reach.

The `test` keyring backend (the CLI's default, handy for local chains) stores private keys as
plain hex in HOME/keyring-test; CometBFT's validator and node keys are plain JSON files that
must stay readable by their owner only. On a localnet that is fine: nothing of value is at
stake. On a node that talks to other machines, a plaintext account key or a validator key
other users can read is one copied file away from stolen funds or a double-signing slash, and
a validator or node key made from a small number (as test fixtures make them) is no secret at
all; so `start` refuses such a home unless told it is meant (`--allow-test-keyring`).

A home is a localnet when its CometBFT cannot reach beyond this machine: P2P listens on a
loopback address and every persistent peer, seed and the external address (if set) are
loopback too. `aichain localnet` homes and the test fixtures' homes are so by construction.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from aichain.node.home import Home

FORCE_FLAG = "--allow-test-keyring"
"""The `aichain start` option that runs a home this guard would refuse."""

FORCE_ENV = "AICHAIN_ALLOW_TEST_KEYRING"
"""Environment variable with the same effect as FORCE_FLAG (set to 1)."""


class UnsafeKeysError(RuntimeError):
    """The home keeps private keys unprotected and is not a localnet."""


@dataclass(frozen=True, slots=True)
class KeyProblem:
    """One unprotected key file or keyring, and what to do about it."""

    what: str
    fix: str


def is_loopback_host(host: str) -> bool:
    """Whether host (an IP or a name) is this machine: 127.0.0.0/8, ::1 or localhost."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(address: str) -> str:
    """The host of tcp://HOST:PORT, HOST:PORT or ID@HOST:PORT."""
    rest = address.strip().removeprefix("tcp://").rpartition("@")[2]
    return rest.rpartition(":")[0] if ":" in rest else rest


def compute_network_exposure(config_toml: str) -> list[str]:
    """The P2P settings of a config.toml text that reach beyond this machine (none: a
    localnet). Raises ValueError when the text is not TOML."""
    try:
        p2p = tomllib.loads(config_toml).get("p2p", {})
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config.toml does not parse: {exc}") from None
    exposed = []
    laddr = str(p2p.get("laddr", "tcp://0.0.0.0:26656"))
    if not is_loopback_host(_host_of(laddr)):
        exposed.append(f"P2P listens on {laddr}")
    external = str(p2p.get("external_address", ""))
    if external and not is_loopback_host(_host_of(external)):
        exposed.append(f"P2P advertises {external}")
    for key in ("persistent_peers", "seeds"):
        for peer in str(p2p.get(key, "")).split(","):
            if peer.strip() and not is_loopback_host(_host_of(peer)):
                exposed.append(f"p2p.{key} names {peer.strip()}")
    return exposed


def find_key_problems(home: Home) -> list[KeyProblem]:
    """Private keys the home keeps unprotected: keys in the plaintext `test` keyring, and
    CometBFT key files other users may read."""
    from aichain.client.keyring import KEY_TYPE_LOCAL, Keyring, KeyringError

    problems = []
    keyring = Keyring(home.root, "test")
    try:
        names = [r.name for r in keyring.list_keys() if r.type == KEY_TYPE_LOCAL]
    except KeyringError as exc:
        names = [f"(unreadable: {exc})"]
    if names:
        name = names[0]
        root = home.root
        problems.append(
            KeyProblem(
                f"{keyring.directory} holds {len(names)} private key(s) unencrypted "
                f"(the 'test' keyring backend): {', '.join(names)}; anyone who can read that "
                "directory or a backup of it can spend from those accounts",
                "move each key to the encrypted 'file' backend, e.g.\n"
                f"      aichain keys export {name} --home {root} > {name}.armor\n"
                f"      aichain keys import {name} {name}.armor --keyring-backend file "
                f"--home {root}\n"
                f"      aichain keys delete {name} --keyring-backend test --home {root} -y\n"
                f"    (then shred {name}.armor), and pass --keyring-backend file from then on",
            )
        )
    for path in (home.config_dir / "priv_validator_key.json", home.config_dir / "node_key.json"):
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077:
            problems.append(
                KeyProblem(
                    f"{path} is readable or writable by other users (mode {mode:o})",
                    f"chmod 600 {path}",
                )
            )
        if is_test_grade_key_file(path):
            problems.append(
                KeyProblem(
                    f"{path} holds a test key (its secret is a small number, as test fixtures "
                    "make them, so anyone can rebuild it)",
                    f"make a fresh one before this node joins a network: move {path.name} "
                    f"away and run `cometbft init --home {home.root}` (it writes the missing "
                    "key and keeps every other file; a validator key already in genesis or "
                    "in the validator set must be rotated instead)",
                )
            )
    return problems


TEST_KEY_ZERO_BYTES = 16
"""A key whose 32-byte secret starts with this many zero bytes is a small number: a test
key (a random key does so with probability 2^-128)."""


def is_test_grade_key_file(path: Path) -> bool:
    """Whether a CometBFT key file (priv_key.value: the ed25519 seed, then the public key)
    holds a secret that is a small number. Unreadable files are not judged here."""
    try:
        value = json.loads(path.read_text())["priv_key"]["value"]
        seed = base64.b64decode(value, validate=True)[:32]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return len(seed) == 32 and not any(seed[:TEST_KEY_ZERO_BYTES])


def check_start_keys(home: Home, allow_test_keys: bool) -> None:
    """Raises UnsafeKeysError, saying why and how to fix it, when the home keeps private keys
    unprotected and is not a localnet (unless allow_test_keys)."""
    if allow_test_keys:
        return
    problems = find_key_problems(home)
    if not problems:
        return
    try:
        exposure = compute_network_exposure(home.config_toml.read_text())
    except (OSError, ValueError) as exc:
        exposure = [f"its config.toml cannot be read ({exc})"]
    if not exposure:
        return
    lines = [
        f"refusing to start {home.root}: it keeps private keys unprotected and it is not a "
        f"localnet ({'; '.join(exposure)}):"
    ]
    for problem in problems:
        lines.append(f"  - {problem.what}\n    fix: {problem.fix}")
    lines.append(
        f"For a test network where these keys guard nothing of value, start with {FORCE_FLAG} "
        f"(or {FORCE_ENV}=1). A home whose P2P listens and peers on loopback only is a localnet "
        "and is not checked (docs/security.md)."
    )
    raise UnsafeKeysError("\n".join(lines))
