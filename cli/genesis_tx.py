"""`aichain genesis gentx` and `aichain genesis collect-gentxs` (the simd flow)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import click

from aichain.cli.common import fail, home_option, keyring_backend_option


@click.command("gentx")
@click.argument("key_name")
@click.argument("amount")
@click.option("--chain-id", required=True, help="Chain id of the genesis this gentx is for.")
@click.option("--moniker", default=None, help="Validator name (default: the node's moniker).")
@click.option("--commission-rate", default="0.10", show_default=True)
@click.option("--commission-max-rate", default="0.20", show_default=True)
@click.option("--commission-max-change-rate", default="0.01", show_default=True)
@click.option("--min-self-delegation", type=int, default=1, show_default=True)
@click.option(
    "--output-document",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the gentx (default HOME/config/gentx/gentx-NODEID.json).",
)
@home_option
@keyring_backend_option
def gentx(
    key_name: str,
    amount: str,
    chain_id: str,
    moniker: str | None,
    commission_rate: str,
    commission_max_rate: str,
    commission_max_change_rate: str,
    min_self_delegation: int,
    output_document: Path | None,
    home: Path,
    keyring_backend: str,
) -> None:
    """Sign a genesis tx that makes this node a validator bonding AMOUNT from KEY_NAME.

    The consensus key is this home's config/priv_validator_key.json. The key's account must
    already hold AMOUNT in the genesis (`aichain genesis add-account`).

    \b
    Example:
      aichain genesis gentx val 1000000000uaic --chain-id my-chain --home ./node
    """
    from aichain.app.coins import parse_coins
    from aichain.app.crypto import account_address
    from aichain.app.errors import AppError
    from aichain.cli.keys import open_keyring
    from aichain.client.keyring import KeyringError
    from aichain.modules.genutil.gentx import build_gentx, gentx_json
    from aichain.node.home import Home

    h = Home(home)
    if not h.is_initialised():
        fail(f"{home} is not a node home; run `aichain init` first")
    try:
        coins = parse_coins(amount)
        if len(coins) != 1:
            raise click.BadParameter("give one amount, e.g. 1000000uaic", param_hint="AMOUNT")
        key = open_keyring(home, keyring_backend).private_key(key_name)
    except (AppError, KeyringError) as exc:
        fail(str(exc))
    genesis = json.loads(h.genesis.read_text())
    if genesis.get("chain_id") != chain_id:
        fail(f"--chain-id {chain_id} differs from the genesis chain id {genesis.get('chain_id')}")
    address = account_address(key.address)
    balances = genesis.get("app_state", {}).get("bank", {}).get("balances", [])
    held = next((b for b in balances if b["address"] == address), None)
    have = (
        0
        if held is None
        else sum(int(c["amount"]) for c in held["coins"] if c["denom"] == coins[0].denom)
    )
    if have < coins[0].amount:
        fail(
            f"{address} holds {have}{coins[0].denom} in genesis, less than {amount}; "
            f"run `aichain genesis add-account {key_name} {amount}` first"
        )
    validator_key = json.loads((h.config_dir / "priv_validator_key.json").read_text())
    consensus_pubkey = base64.b64decode(validator_key["pub_key"]["value"])
    node_moniker = moniker or _moniker(h.config_toml)
    raw = build_gentx(
        key,
        consensus_pubkey,
        node_moniker,
        coins[0].amount,
        chain_id,
        denom=coins[0].denom,
        commission_rate=commission_rate,
        commission_max_rate=commission_max_rate,
        commission_max_change_rate=commission_max_change_rate,
        min_self_delegation=min_self_delegation,
    )
    if output_document is None:
        node_key = json.loads((h.config_dir / "node_key.json").read_text())
        output_document = h.config_dir / "gentx" / f"gentx-{_node_id(node_key)}.json"
    output_document.parent.mkdir(parents=True, exist_ok=True)
    output_document.write_text(json.dumps(gentx_json(raw), indent=2) + "\n")
    click.echo(f"genesis transaction written to {output_document}")


@click.command("collect-gentxs")
@click.option(
    "--gentx-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of gentx JSON files (default HOME/config/gentx).",
)
@home_option
def collect_gentxs(gentx_dir: Path | None, home: Path) -> None:
    """Put every gentx of --gentx-dir into the genesis (app_state.genutil.gen_txs).

    The validators then come from the gentxs at InitChain, so genesis.json's own validator
    list is emptied.
    """
    from aichain.app.app import memory_app
    from aichain.app.errors import AppError
    from aichain.modules.genutil.gentx import gentx_raw
    from aichain.node.home import Home
    from aichain.node.init import write_genesis

    h = Home(home)
    directory = gentx_dir or h.config_dir / "gentx"
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if not files:
        fail(f"no gentx files in {directory}; create them with `aichain genesis gentx`")
    entries = []
    for path in files:
        try:
            entry = json.loads(path.read_text())
            gentx_raw(entry)
        except (ValueError, AppError) as exc:
            fail(f"{path}: {exc}")
        entries.append(entry)
    genesis = json.loads(h.genesis.read_text())
    genesis.setdefault("app_state", {})["genutil"] = {"gen_txs": entries}
    genesis["validators"] = []
    _check_genesis(memory_app, genesis)
    write_genesis(h, genesis)
    click.echo(f"collected {len(entries)} gentxs into {h.genesis}")


def _check_genesis(make_app, genesis: dict) -> None:  # type: ignore[no-untyped-def]
    """Runs InitChain on an in-memory app so a bad gentx fails here, not at node start."""
    from tendermint.abci import types_pb2 as abci

    from aichain.app.errors import AppError

    app = make_app()
    try:
        resp = app.init_chain(
            abci.RequestInitChain(
                chain_id=genesis["chain_id"],
                app_state_bytes=json.dumps(genesis["app_state"]).encode(),
                initial_height=int(genesis.get("initial_height", 1)),
            )
        )
    except (AppError, ValueError) as exc:
        fail(f"the genesis with these gentxs does not start: {exc}")
    if not resp.validators:
        fail("the gentxs produce no bonded validator")


def _moniker(config_toml: Path) -> str:
    """The moniker in config.toml."""
    import tomllib

    return str(tomllib.loads(config_toml.read_text()).get("moniker", "validator"))


def _node_id(node_key: dict) -> str:
    """The CometBFT node id of a node_key.json: hex of sha256(ed25519 pubkey)[:20]."""
    import hashlib

    private = base64.b64decode(node_key["priv_key"]["value"])  # seed (32) || pubkey (32)
    return hashlib.sha256(private[32:]).digest()[:20].hex()
