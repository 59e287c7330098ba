"""`aichain worker`: train, serve and attribute LoRA models (the ML stack loads on use)."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import click

from aichain.cli.common import emit, fail, home_option, output_option
from aichain.cli.worker_daemon import endpoint_limit_options

DEVICE_HELP = "Where to run: auto (CUDA when present, else CPU), cpu or cuda."
"""Help text of every --device option."""
BASE_MODEL_HELP = (
    "'tiny' (the built-in tiny model, pre-trained once and cached; docs/tiny-base.md), "
    "'tiny-random' (the same, randomly initialised) or a local HF checkpoint dir."
)
"""Help text of the --base-model options of train and attribute."""


@click.group()
def worker() -> None:
    """Off-chain GPU worker: datanets, LoRA training, multi-adapter serving, attribution."""


def _device_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--device",
        type=click.Choice(["auto", "cpu", "cuda"]),
        default="auto",
        show_default=True,
        help=DEVICE_HELP,
    )(func)


@worker.command("make-demo-datanet")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--contributors", type=click.IntRange(1, 1000), default=8, show_default=True)
@click.option("--records-per-contributor", type=click.IntRange(1), default=8, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--setting",
    type=click.Choice(["disjoint", "paraphrase", "twins", "style"]),
    default="disjoint",
    show_default=True,
    help="Which planted property (docs/datanet-manifest.md): own vocabularies (disjoint), "
    "queries in unseen templates (paraphrase), pairs sharing style and subjects (twins), "
    "shared facts in different formats (style).",
)
@output_option
def make_demo_datanet_cmd(
    directory: Path,
    contributors: int,
    records_per_contributor: int,
    seed: int,
    setting: str,
    output: str,
) -> None:
    """Write a synthetic multi-contributor text datanet (plus planted queries.json)."""
    from aichain.gpu_worker.demo_datanet import make_demo_datanet

    if (directory / "manifest.json").exists():
        fail(f"{directory} already holds a datanet; pick an empty directory")
    info = make_demo_datanet(
        directory, contributors, records_per_contributor, seed, setting=setting
    )
    emit(
        {
            "directory": str(directory),
            "datanet": info.ref,
            "records": info.record_count,
            "contributors": contributors,
            "setting": setting,
        },
        output,
    )


@worker.command("train")
@click.argument("datanet", metavar="DATANET")
@click.option("--base-model", default="tiny", show_default=True, help=BASE_MODEL_HELP)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--epochs", type=click.IntRange(1), default=10, show_default=True)
@click.option("--lr", type=float, default=3e-3, show_default=True)
@click.option("--rank", type=click.IntRange(1), default=8, show_default=True)
@click.option("--alpha", type=click.IntRange(1), default=16, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=8, show_default=True)
@click.option("--max-seq-len", type=click.IntRange(2), default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-steps", type=click.IntRange(1), default=None, help="Stop after N steps.")
@click.option("--checkpoint-every", type=click.IntRange(0), default=50, show_default=True)
@click.option("--resume", is_flag=True, help="Continue from OUT/checkpoint when present.")
@click.option(
    "--early-stop-patience",
    type=click.IntRange(1),
    default=None,
    help="Stop when the epoch loss has not improved for N epochs.",
)
@click.option("--no-features", is_flag=True, help="Skip the attribution features.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--node", default=None, help="datanet:ID@VERSION: CometBFT RPC of the chain.")
@click.option(
    "--blob-grpc",
    default=None,
    help="datanet:ID@VERSION: fetch record bytes from this node's content store (HOST:PORT) "
    "instead of HOME/blobs.",
)
@click.option("--prove", is_flag=True, help="datanet:ID@VERSION: prove the version first.")
@click.option(
    "--register", is_flag=True,
    help="datanet:ID@VERSION: then put the adapter in the content store and register it in "
    "modelreg with its provenance and --price, signed by --owner (docs/worker.md).",
)  # fmt: skip
@click.option("--owner", default=None, help="--register: keyring key of the model's owner.")
@click.option("--name", "model_name", default=None, help="--register: model name [--out's].")
@click.option("--price", default="1000", show_default=True, help="--register: uaic/request.")
@click.option("--keyring-backend", type=click.Choice(["test", "file"]), default="test")
@home_option
@_device_option
@output_option
def train_cmd(
    datanet: str,
    base_model: str,
    out_dir: Path,
    epochs: int,
    lr: float,
    rank: int,
    alpha: int,
    batch_size: int,
    max_seq_len: int,
    seed: int,
    max_steps: int | None,
    checkpoint_every: int,
    resume: bool,
    early_stop_patience: int | None,
    no_features: bool,
    quiet: bool,
    node: str | None,
    blob_grpc: str | None,
    prove: bool,
    register: bool,
    owner: str | None,
    model_name: str | None,
    price: str,
    keyring_backend: str,
    home: Path,
    device: str,
    output: str,
) -> None:
    """Fine-tune a LoRA adapter on a datanet version; write it and its manifest to --out.

    DATANET is a version directory (docs/datanet-manifest.md) or `datanet:ID@VERSION` on
    chain: the record list from the chain (--node), the bytes from the content store (HOME/blobs
    or --blob-grpc), both checked against the version root before training."""
    from aichain.gpu_worker.adapters import AdapterError
    from aichain.gpu_worker.datanet import DatanetError
    from aichain.gpu_worker.device import DeviceError
    from aichain.gpu_worker.factory import TrainConfig, TrainingError, train_adapter
    from aichain.gpu_worker.serving.warnings_log import quiet_library_output

    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s")
    quiet_library_output()
    config = TrainConfig(
        epochs=epochs,
        lr=lr,
        rank=rank,
        alpha=alpha,
        seed=seed,
        batch_size=batch_size,
        max_seq_len=max_seq_len,
        max_steps=max_steps,
        early_stop_patience=early_stop_patience,
        checkpoint_every=checkpoint_every,
    )
    if register:  # refuse before any work (aichain.cli.worker_daemon)
        from aichain.cli.worker_daemon import check_training_access

        if not owner:
            fail("--register needs --owner KEY (the account that will own the model)")
        check_training_access(datanet, owner, node, home, keyring_backend)
    try:
        source = _datanet_source(datanet, node, blob_grpc, prove, home)
        result = train_adapter(
            source,
            out_dir,
            base_model=base_model,
            config=config,
            device=device,
            resume=resume,
            progress=not quiet,
            features=not no_features,
        )
    except (DatanetError, TrainingError, AdapterError, DeviceError, FileNotFoundError) as exc:
        fail(str(exc))
    registered = {}
    if register:
        from aichain.cli.worker_daemon import register_after_training

        registered = register_after_training(
            result, owner=owner or "", name=model_name, price=price, datanet_spec=datanet,
            node=node, home=home, keyring_backend=keyring_backend, grpc=blob_grpc,
            base_model=base_model, gas_prices="0.025uaic",
        )  # fmt: skip
    emit(
        {
            **registered,
            "adapter_dir": str(result.adapter_dir),
            "adapter_sha256": result.adapter_sha256,
            "steps": result.steps,
            "epochs_completed": result.epochs_completed,
            "final_loss": round(result.final_loss, 6),
            "stopped_early": result.stopped_early,
            "features_written": result.features_written,
        },
        output,
    )


def _datanet_source(  # type: ignore[no-untyped-def]
    spec: str, node: str | None, blob_grpc: str | None, prove: bool, home: Path
):
    """A directory datanet, or `datanet:ID@VERSION` read from the chain and the content store."""
    from aichain.gpu_worker.chain_datanet import ChainDatanet, parse_datanet_spec
    from aichain.gpu_worker.datanet import DirectoryDatanet

    parsed = parse_datanet_spec(spec)
    if parsed is None:
        if not Path(spec).is_dir():
            fail(f"DATANET {spec!r} is neither a directory nor datanet:ID@VERSION")
        return DirectoryDatanet(spec)
    from aichain.cli.common import resolve_node
    from aichain.client.blobs import GrpcBlobStore, home_store
    from aichain.client.rpc import CometRPC

    store = GrpcBlobStore(blob_grpc) if blob_grpc else home_store(home)
    return ChainDatanet(CometRPC(resolve_node(node, home)), store, *parsed, prove=prove)


@worker.command("serve")
@click.argument("adapters", nargs=-1, required=True)
@click.option("--base-model", default="tiny", show_default=True, help="'tiny' or a local HF dir.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--max-batch", type=click.IntRange(1), default=32, show_default=True)
@click.option("--batch-wait-ms", type=click.FloatRange(0), default=5.0, show_default=True)
@click.option(
    "--device-slots",
    type=click.IntRange(1),
    default=64,
    show_default=True,
    help="Adapters kept installed in the model on the device.",
)
@click.option(
    "--host-slots",
    type=click.IntRange(0),
    default=256,
    show_default=True,
    help="Verified adapters kept in CPU memory.",
)
@click.option(
    "--attribution",
    "attribution_engine",
    default="auto",
    show_default=True,
    help="Attribution engine for responses: auto, none, or an engine name.",
)
@click.option(
    "--shutdown-grace-s",
    type=click.FloatRange(0),
    default=10.0,
    show_default=True,
    help="On SIGINT/SIGTERM, how long in-flight requests may finish before they are cancelled.",
)
@endpoint_limit_options
@_device_option
def serve_cmd(
    adapters: tuple[str, ...],
    base_model: str,
    host: str,
    port: int,
    max_batch: int,
    batch_wait_ms: float,
    device_slots: int,
    host_slots: int,
    attribution_engine: str,
    shutdown_grace_s: float,
    rate_limit: int,
    burst: int,
    device: str,
) -> None:
    """Serve adapters ([ID=]DIR[@SHA256]) over an OpenAI-compatible HTTP API on loopback."""
    from aichain.gpu_worker.serving.cli_support import run_server
    from aichain.gpu_worker.serving.http import ServerLimits
    from aichain.node.ratelimit import RateLimit

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        run_server(
            adapters,
            base_model=base_model,
            host=host,
            port=port,
            device=device,
            max_batch=max_batch,
            batch_wait_ms=batch_wait_ms,
            device_slots=device_slots,
            host_slots=host_slots,
            attribution_engine=attribution_engine,
            limits=ServerLimits(
                shutdown_grace_s=shutdown_grace_s, rate_limit=RateLimit(rate_limit, burst)
            ),
        )
    except ValueError as exc:
        fail(str(exc))


def _register_optional_commands() -> None:
    """Adds commands that live in other files once those files exist."""
    if importlib.util.find_spec("aichain.cli.worker_attribute") is not None:
        from aichain.cli.worker_attribute import attribute

        worker.add_command(attribute)
    from aichain.cli.worker_daemon import start_cmd, status_cmd, stop_cmd

    for command in (start_cmd, status_cmd, stop_cmd):
        worker.add_command(command)


_register_optional_commands()
