"""`aichain tx modelreg ...` and `aichain query modelreg ...` (aichain.modelreg.v1).

Click commands only: parse, build the message, hand it to the shared broadcaster. Protobuf and
the app load inside the functions, so listing commands stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from aichain.cli.common import TxFlags, ask, broadcast, emit, fail, query_options, tx_options


def _addr(address: bytes) -> str:
    from aichain.app.crypto import account_address

    return account_address(address)


def _tx() -> Any:
    from aichain.modelreg.v1 import tx_pb2

    return tx_pb2


def _hot_pubkey(tx: TxFlags, hot_key: str) -> bytes:
    """A keyring key's public key, or a hex public key."""
    from aichain.cli.keys import open_keyring
    from aichain.client.keyring import KeyringError

    try:
        return bytes.fromhex(hot_key)
    except ValueError:
        pass
    try:
        return open_keyring(tx.home, tx.keyring_backend).private_key(hot_key).pubkey
    except KeyringError as exc:
        fail(f"--hot-key {hot_key!r}: {exc}")


def _datanet_refs(node: str | None, home: Path, specs: tuple[str, ...]) -> list[Any]:
    """ID@VERSION[@ROOT] -> DatanetRef (the root asked from the chain when omitted)."""
    from aichain.datanet.v1 import query_pb2 as dq
    from aichain.modelreg.v1 import modelreg_pb2 as pb

    refs = []
    for spec in specs:
        parts = spec.split("@")
        try:
            datanet_id, version = int(parts[0]), int(parts[1])
        except (ValueError, IndexError):
            raise click.BadParameter(f"{spec!r}: write ID@VERSION or ID@VERSION@ROOT") from None
        if len(parts) > 2:
            root = parts[2]
        else:
            req = dq.QueryVersionRequest(datanet_id=datanet_id, version=version)
            answer = ask(node, home, "/aichain.datanet.v1.Query/Version", req,
                         dq.QueryVersionResponse)  # fmt: skip
            root = answer["version"]["root"]
        refs.append(pb.DatanetRef(datanet_id=datanet_id, version=version, version_root=root))
    return refs


@click.group("modelreg")
def tx_modelreg() -> None:
    """Model registry transactions (aichain.modelreg.v1)."""


@tx_modelreg.command("register-base")
@click.argument("from_key")
@click.argument("name")
@click.option("--weights-hash", required=True, help="sha256 of the weights (`aichain blob put`).")
@click.option("--config-hash", default="")
@click.option("--tokenizer-hash", default="")
@click.option("--architecture", required=True)
@click.option("--parameters", "parameter_count", type=click.IntRange(1), required=True)
@click.option("--license", "license_", required=True)
@tx_options
def register_base(from_key: str, name: str, weights_hash: str, config_hash: str,
                  tokenizer_hash: str, architecture: str, parameter_count: int, license_: str,
                  tx: TxFlags) -> None:  # fmt: skip
    """Register a base model (immutable once registered)."""
    broadcast(from_key, lambda s: [_tx().MsgRegisterBaseModel(
        owner=_addr(s), name=name, weights_hash=weights_hash, config_hash=config_hash,
        tokenizer_hash=tokenizer_hash, architecture=architecture,
        parameter_count=parameter_count, license=license_)],
        f"register base model {name!r}", tx)  # fmt: skip


@tx_modelreg.command("register-adapter")
@click.argument("from_key")
@click.argument("name")
@click.option("--base", "base_model_id", type=click.IntRange(1), required=True)
@click.option("--weights-hash", required=True)
@click.option("--manifest-hash", required=True, help="sha256 of the training manifest.")
@click.option("--config-hash", required=True, help="sha256 of the training config.")
@click.option(
    "--datanet",
    "datanets",
    multiple=True,
    required=True,
    help="ID@VERSION[@ROOT] trained on (repeat); the root is asked when omitted.",
)
@click.option("--parent", "parent", type=click.IntRange(0), default=0, help="Parent adapter id.")
@tx_options
def register_adapter(from_key: str, name: str, base_model_id: int, weights_hash: str,
                     manifest_hash: str, config_hash: str, datanets: tuple[str, ...], parent: int,
                     tx: TxFlags) -> None:  # fmt: skip
    """Register a LoRA adapter pinned to the datanet versions that trained it."""
    refs = _datanet_refs(tx.node, tx.home, datanets)
    broadcast(from_key, lambda s: [_tx().MsgRegisterAdapter(
        owner=_addr(s), name=name, base_model_id=base_model_id, weights_hash=weights_hash,
        manifest_hash=manifest_hash, training_config_hash=config_hash, provenance=refs,
        parent_adapter_id=parent)], f"register adapter {name!r}", tx)  # fmt: skip


@tx_modelreg.command("activate")
@click.argument("from_key")
@click.argument("model_id", type=click.IntRange(1))
@tx_options
def activate(from_key: str, model_id: int, tx: TxFlags) -> None:
    """Activate a proposed model (its owner, or governance when the params say so)."""
    broadcast(from_key, lambda s: [_tx().MsgActivateModel(authority=_addr(s), model_id=model_id)],
              f"activate model {model_id}", tx)  # fmt: skip


@tx_modelreg.command("deprecate")
@click.argument("from_key")
@click.argument("model_id", type=click.IntRange(1))
@tx_options
def deprecate(from_key: str, model_id: int, tx: TxFlags) -> None:
    """Deprecate a model (its owner or governance)."""
    broadcast(from_key, lambda s: [_tx().MsgDeprecateModel(authority=_addr(s), model_id=model_id)],
              f"deprecate model {model_id}", tx)  # fmt: skip


@tx_modelreg.command("set-price")
@click.argument("from_key")
@click.argument("model_id", type=click.IntRange(1))
@click.option("--per-request", default="0", help="uaic per request.")
@click.option("--per-1k-tokens", default="0", help="uaic per 1,000 output tokens.")
@tx_options
def set_price(from_key: str, model_id: int, per_request: str, per_1k_tokens: str,
              tx: TxFlags) -> None:  # fmt: skip
    """Set a model's inference prices (within the governance bounds)."""
    broadcast(from_key, lambda s: [_tx().MsgSetPrice(
        owner=_addr(s), model_id=model_id, price_per_request=per_request,
        price_per_1k_tokens=per_1k_tokens)], f"set the prices of model {model_id}", tx)  # fmt: skip


@tx_modelreg.command("register-worker")
@click.argument("from_key")
@click.option("--hot-key", required=True, help="Keyring key name or hex public key (not FROM).")
@click.option("--model", "models", type=int, multiple=True, help="A model served (repeat).")
@click.option("--endpoint", required=True)
@click.option("--hardware", default="")
@click.option("--bond", required=True, help="Bond in uaic.")
@tx_options
def register_worker(from_key: str, hot_key: str, models: tuple[int, ...], endpoint: str,
                    hardware: str, bond: str, tx: TxFlags) -> None:  # fmt: skip
    """Register a worker operated by FROM_KEY (the cold account holding the bond)."""
    pubkey = _hot_pubkey(tx, hot_key)
    broadcast(from_key, lambda s: [_tx().MsgRegisterWorker(
        operator=_addr(s), hot_pubkey=pubkey, models=list(models), endpoint=endpoint,
        hardware=hardware, bond=bond)], "register a worker", tx)  # fmt: skip


@tx_modelreg.command("update-worker")
@click.argument("from_key")
@click.option("--model", "models", type=int, multiple=True)
@click.option("--endpoint", required=True)
@click.option("--hardware", default="")
@tx_options
def update_worker(from_key: str, models: tuple[int, ...], endpoint: str, hardware: str,
                  tx: TxFlags) -> None:  # fmt: skip
    """Change what your worker serves and where."""
    broadcast(from_key, lambda s: [_tx().MsgUpdateWorker(
        operator=_addr(s), models=list(models), endpoint=endpoint, hardware=hardware)],
        "update the worker", tx)  # fmt: skip


@tx_modelreg.command("rotate-key")
@click.argument("from_key")
@click.option("--hot-key", required=True, help="The new hot key (name or hex public key).")
@tx_options
def rotate_key(from_key: str, hot_key: str, tx: TxFlags) -> None:
    """Replace your worker's hot key."""
    pubkey = _hot_pubkey(tx, hot_key)
    broadcast(from_key, lambda s: [_tx().MsgRotateWorkerKey(
        operator=_addr(s), new_hot_pubkey=pubkey)], "rotate the worker's hot key", tx)  # fmt: skip


@tx_modelreg.command("unbond-worker")
@click.argument("from_key")
@tx_options
def unbond_worker(from_key: str, tx: TxFlags) -> None:
    """Start unbonding your worker (the bond returns after the unbonding period)."""
    broadcast(from_key, lambda s: [_tx().MsgUnbondWorker(operator=_addr(s))],
              "unbond the worker", tx)  # fmt: skip


@tx_modelreg.command("unjail")
@click.argument("from_key")
@tx_options
def unjail(from_key: str, tx: TxFlags) -> None:
    """Return your jailed worker to service after its jail time."""
    broadcast(from_key, lambda s: [_tx().MsgUnjailWorker(operator=_addr(s))],
              "unjail the worker", tx)  # fmt: skip


# --- queries ---------------------------------------------------------------------------------


def _ask(node: str | None, home: Path, method: str, request: Any) -> dict:
    from aichain.modelreg.v1 import query_pb2 as q

    response = getattr(q, f"Query{method}Response")
    return ask(node, home, f"/aichain.modelreg.v1.Query/{method}", request, response)


def _q() -> Any:
    from aichain.modelreg.v1 import query_pb2

    return query_pb2


@click.group("modelreg")
def query_modelreg() -> None:
    """Model registry queries (aichain.modelreg.v1.Query)."""


@query_modelreg.command("params")
@query_options
def params(node: str | None, home: Path, output: str) -> None:
    """Modelreg params."""
    emit(_ask(node, home, "Params", _q().QueryParamsRequest()), output)


@query_modelreg.command("models")
@query_options
def models(node: str | None, home: Path, output: str) -> None:
    """Every model."""
    data = _ask(node, home, "Models", _q().QueryModelsRequest())
    emit(data, output, lambda d: "\n".join(
        f"{m['id']}  {m.get('kind', '')}  {m.get('status', '')}  {m['name']}  {m['owner']}"
        + (f"  (ranked below {m['successor_id']})" if m.get("successor_id") else "")
        for m in d.get("models", [])))  # fmt: skip


@query_modelreg.command("model")
@click.argument("model_id", type=click.IntRange(1))
@query_options
def model(model_id: int, node: str | None, home: Path, output: str) -> None:
    """One model."""
    emit(_ask(node, home, "Model", _q().QueryModelRequest(id=model_id))["model"], output)


@query_modelreg.command("ranking")
@click.argument("model_id", type=click.IntRange(1))
@query_options
def ranking(model_id: int, node: str | None, home: Path, output: str) -> None:
    """A model's governance version ranking (best first) and its preferred version."""
    data = _ask(node, home, "Ranking", _q().QueryRankingRequest(model_id=model_id))
    emit(data, output, lambda d: (
        " > ".join(str(v) for v in d.get("versions", []))
        + f"\nrank {d.get('rank', 1)}; preferred version "
        + str(d.get("preferred_model_id", 0) or "none (all deprecated)")))  # fmt: skip


@query_modelreg.command("lineage")
@click.argument("model_id", type=click.IntRange(1))
@query_options
def lineage(model_id: int, node: str | None, home: Path, output: str) -> None:
    """The model, its parent adapters, and its base model."""
    data = _ask(node, home, "Lineage", _q().QueryLineageRequest(id=model_id))
    emit(data, output, lambda d: " -> ".join(f"{m['id']} ({m['name']})" for m in d["models"]))


@query_modelreg.command("usage")
@click.argument("model_id", type=click.IntRange(1))
@query_options
def usage(model_id: int, node: str | None, home: Path, output: str) -> None:
    """A model's usage counters (inferences, revenue)."""
    emit(_ask(node, home, "Usage", _q().QueryUsageRequest(model_id=model_id))["usage"], output)


@query_modelreg.command("worker")
@click.argument("operator")
@query_options
def worker(operator: str, node: str | None, home: Path, output: str) -> None:
    """One worker, by its operator address."""
    emit(_ask(node, home, "Worker", _q().QueryWorkerRequest(operator=operator))["worker"], output)


@query_modelreg.command("workers")
@query_options
def workers(node: str | None, home: Path, output: str) -> None:
    """Every worker."""
    data = _ask(node, home, "Workers", _q().QueryWorkersRequest())
    emit(data, output, lambda d: "\n".join(
        f"{w['operator']}  {w.get('status', '')}  bond {w.get('bond', '0')}  "
        f"{w.get('endpoint', '')}"
        for w in d.get("workers", [])))  # fmt: skip


def tx_command() -> click.Group:
    """`aichain tx modelreg`."""
    return tx_modelreg


def query_command() -> click.Group:
    """`aichain query modelreg`."""
    return query_modelreg
