"""`aichain infer MODEL_ID "prompt"`: request an inference on chain, wait, and show the answer,
the records that shaped it (weights, contributors) and what each was paid.

A thin layer over client/inference.py's InferenceClient."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from aichain.cli.common import (
    emit,
    fail,
    home_option,
    keyring_backend_option,
    node_option,
    output_option,
    resolve_node,
)


@click.command("infer")
@click.argument("model_id", type=click.IntRange(1))
@click.argument("prompt")
@click.option("--from", "from_key", required=True, help="Keyring key paying the fee.")
@click.option(
    "--max-fee",
    type=click.IntRange(0),
    default=None,
    help="Most uaic to escrow [default: the model's price].",
)
@click.option("--max-tokens", type=click.IntRange(1, 4096), default=32, show_default=True)
@click.option(
    "--timeout",
    type=click.FloatRange(1),
    default=180.0,
    show_default=True,
    help="Seconds to wait for the answer.",
)
@click.option("--settled", is_flag=True, help="Wait until the payouts are credited.")
@click.option("--grpc", default=None, help="Content store for large inputs and outputs.")
@click.option("--gas-prices", default="0.025uaic", show_default=True)
@node_option
@keyring_backend_option
@home_option
@output_option
def infer(
    model_id: int,
    prompt: str,
    from_key: str,
    max_fee: int | None,
    max_tokens: int,
    timeout: float,
    settled: bool,
    grpc: str | None,
    gas_prices: str,
    node: str | None,
    keyring_backend: str,
    home: Path,
    output: str,
) -> None:
    """Ask MODEL_ID on chain; print the answer, its records and who was paid."""
    from aichain.cli.keys import open_keyring
    from aichain.cli.worker_daemon import resolve_grpc
    from aichain.client.blobs import GrpcBlobStore
    from aichain.client.inference import InferenceClient, InferenceError
    from aichain.client.keyring import KeyringError

    try:
        key = open_keyring(home, keyring_backend).private_key(from_key)
    except KeyringError as exc:
        fail(f"--from {from_key!r}: {exc}")
    client = InferenceClient(
        resolve_node(node, home),
        key,
        blobs=GrpcBlobStore(resolve_grpc(grpc, home)),
        gas_prices=gas_prices,
    )
    try:
        request_id = client.request(model_id, prompt, max_tokens=max_tokens, max_fee=max_fee)
        if output == "text":
            click.echo(f"request {request_id} sent; waiting for the answer…", err=True)
        answer = client.wait(request_id, timeout=timeout, settled=settled)
    except InferenceError as exc:
        fail(str(exc))
    emit(answer.to_dict(), output, _format_answer)


def _format_answer(data: dict[str, Any]) -> str:
    lines = [
        f"request {data['request_id']} ({data['status']}), model {data['model_id']}, "
        f"fee {data['fee']}uaic, answered by {data['worker']}",
        "",
        data["text"] if data["text"] is not None else f"(output {data['output_hash']})",
        "",
        f"records that shaped it ({data['method']}):",
    ]
    for r in data["records"]:
        lines.append(
            f"  {r['weight_ppm'] / 10_000:6.2f}%  datanet {r['datanet_id']}@{r['version']} "
            f"record {r['record_id']}  {r['contributor']}  paid {r['paid']}uaic"
        )
    if data["payouts"]:
        lines.append("paid:")
        for p in data["payouts"]:
            if p["role"] != "data":
                lines.append(f"  {p['role']:<10} {p['recipient']}  {p['amount']}uaic")
    return "\n".join(lines)
