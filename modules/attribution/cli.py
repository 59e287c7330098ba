"""`aichain tx attribution ...` and `aichain query attribution ...` (aichain.attribution.v1).

Click commands only: parse, build the message, hand it to the shared broadcaster. Protobuf and
the app load inside the functions, so listing commands stays fast. Results are signed here
with the worker's hot key from the keyring (`--hot-key NAME`), by the rule of
`modules/attribution/signing.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from aichain.cli.common import TxFlags, ask, broadcast, emit, fail, query_options, tx_options


def _addr(address: bytes) -> str:
    from aichain.app.crypto import account_address

    return account_address(address)


def _tx() -> Any:
    from aichain.attribution.v1 import tx_pb2

    return tx_pb2


def _key(tx: TxFlags, name: str) -> Any:
    """A keyring key (or a 64-hex-digit secret)."""
    from aichain.app.crypto import PrivateKey
    from aichain.cli.keys import open_keyring
    from aichain.client.keyring import KeyringError

    if len(name) == 64:
        try:
            return PrivateKey(bytes.fromhex(name))
        except ValueError:
            pass
    try:
        return open_keyring(tx.home, tx.keyring_backend).private_key(name)
    except KeyringError as exc:
        fail(f"key {name!r}: {exc}")


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        fail(f"{path}: {exc}")


def _bundles(items: list[Any], hot: Any) -> list[Any]:
    """ResultBundles from JSON: a signed bundle ({"body", "signature"} base64) as is, an
    InferenceResult (proto JSON) signed with the hot key."""
    from google.protobuf import json_format

    from aichain.attribution.v1 import attribution_pb2 as pb
    from aichain.modules.attribution.signing import make_bundle

    out = []
    for item in items:
        try:
            if "body" in item:
                out.append(json_format.ParseDict(item, pb.ResultBundle()))
                continue
            result = json_format.ParseDict(item, pb.InferenceResult())
        except json_format.ParseError as exc:
            fail(f"result {json.dumps(item)[:80]}...: {exc}")
        if hot is None:
            fail("unsigned results need --hot-key (the worker's hot key)")
        out.append(make_bundle(hot, result))
    return out


def _vote(path: Path) -> tuple[list[Any], str, str]:
    """(attributions, output hash, evidence hash) of a vote file: {"attributions":
    [{"datanet_id", "version", "record_id", "weight_ppm"}], "output_hash", "evidence_hash"}."""
    from google.protobuf import json_format

    from aichain.attribution.v1 import attribution_pb2 as pb

    data = _load_json(path)
    try:
        entries = [json_format.ParseDict(e, pb.AttributionEntry()) for e in data["attributions"]]
    except (KeyError, TypeError, json_format.ParseError) as exc:
        fail(f"{path}: a vote needs attributions ({exc})")
    return entries, data.get("output_hash", ""), data.get("evidence_hash", "")


def _salt(text: str) -> bytes:
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        raise click.BadParameter("--salt is hex (16..64 bytes)") from None
    if not 16 <= len(salt) <= 64:
        raise click.BadParameter("--salt is 16..64 bytes")
    return salt


@click.group("attribution")
def tx_attribution() -> None:
    """Inference and attribution transactions (aichain.attribution.v1)."""


@tx_attribution.command("request")
@click.argument("from_key")
@click.argument("model_id", type=click.IntRange(1))
@click.option("--input", "input_text", default="", help="Small input sent inline.")
@click.option("--input-hash", default="", help="sha256 of the input in the content store.")
@click.option("--max-fee", required=True, help="Most you pay (uaic); the price is charged.")
@click.option("--timeout-height", type=click.IntRange(0), default=0, help="0: the longest.")
@tx_options
def request(from_key: str, model_id: int, input_text: str, input_hash: str, max_fee: str,
            timeout_height: int, tx: TxFlags) -> None:  # fmt: skip
    """Request an inference: the fee is escrowed and a worker assigned."""
    broadcast(from_key, lambda s: [_tx().MsgRequestInference(
        requester=_addr(s), model_id=model_id, input_hash=input_hash,
        input_inline=input_text.encode(), max_fee=max_fee, timeout_height=timeout_height)],
        f"request an inference of model {model_id}", tx)  # fmt: skip


@tx_attribution.command("submit")
@click.argument("from_key")
@click.argument("result_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--hot-key", default="", help="The worker's hot key (keyring name) to sign with.")
@tx_options
def submit(from_key: str, result_file: Path, hot_key: str, tx: TxFlags) -> None:
    """Submit one result (an InferenceResult or a signed ResultBundle as JSON)."""
    hot = _key(tx, hot_key) if hot_key else None
    bundles = _bundles([_load_json(result_file)], hot)
    broadcast(from_key, lambda s: [_tx().MsgSubmitInference(submitter=_addr(s), results=bundles)],
              "submit 1 result", tx)  # fmt: skip


@tx_attribution.command("submit-batch")
@click.argument("from_key")
@click.argument("results_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--hot-key", default="", help="The worker's hot key (keyring name) to sign with.")
@tx_options
def submit_batch(from_key: str, results_file: Path, hot_key: str, tx: TxFlags) -> None:
    """Submit many results in one message (a JSON list of results or signed bundles)."""
    items = _load_json(results_file)
    if not isinstance(items, list) or not items:
        fail(f"{results_file}: expected a non-empty JSON list")
    bundles = _bundles(items, _key(tx, hot_key) if hot_key else None)
    broadcast(from_key, lambda s: [_tx().MsgSubmitInference(submitter=_addr(s), results=bundles)],
              f"submit {len(bundles)} results", tx)  # fmt: skip


@tx_attribution.command("fund-prepaid")
@click.argument("from_key")
@click.argument("model_id", type=click.IntRange(1))
@click.argument("amount")
@tx_options
def fund_prepaid(from_key: str, model_id: int, amount: str, tx: TxFlags) -> None:
    """Add to your prepaid balance for a model (workers then serve on signed receipts)."""
    broadcast(from_key, lambda s: [_tx().MsgFundPrepaid(
        requester=_addr(s), model_id=model_id, amount=amount)],
        f"fund prepaid {amount} for model {model_id}", tx)  # fmt: skip


@tx_attribution.command("withdraw-prepaid")
@click.argument("from_key")
@click.argument("model_id", type=click.IntRange(1))
@click.argument("amount")
@tx_options
def withdraw_prepaid(from_key: str, model_id: int, amount: str, tx: TxFlags) -> None:
    """Take back part of your prepaid balance for a model."""
    broadcast(from_key, lambda s: [_tx().MsgWithdrawPrepaid(
        requester=_addr(s), model_id=model_id, amount=amount)],
        f"withdraw prepaid {amount} of model {model_id}", tx)  # fmt: skip


@tx_attribution.command("challenge")
@click.argument("from_key")
@click.argument("inference_id", type=click.IntRange(1))
@click.option("--bond", required=True, help="Challenge bond (uaic), at least the param.")
@click.option("--reason", default="")
@tx_options
def challenge(from_key: str, inference_id: int, bond: str, reason: str, tx: TxFlags) -> None:
    """Challenge an inference's attribution inside its challenge window."""
    broadcast(from_key, lambda s: [_tx().MsgChallenge(
        challenger=_addr(s), inference_id=inference_id, bond=bond, reason=reason)],
        f"challenge inference {inference_id}", tx)  # fmt: skip


@tx_attribution.command("commit-vote")
@click.argument("from_key")
@click.argument("dispute_id", type=click.IntRange(1))
@click.argument("vote_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--salt", required=True, help="Hex, 16..64 bytes; keep it for the reveal.")
@click.option("--member", default="", help="The member (operator) address; default: FROM.")
@tx_options
def commit_vote(from_key: str, dispute_id: int, vote_file: Path, salt: str, member: str,
                tx: TxFlags) -> None:  # fmt: skip
    """Commit to your re-run's attribution (a committee member, operator or hot key)."""
    from aichain.app.crypto import parse_account_address
    from aichain.modules.attribution.signing import commitment, vote_bytes

    entries, output_hash, evidence_hash = _vote(vote_file)
    raw_salt = _salt(salt)

    def build(s: bytes) -> list[Any]:
        who = parse_account_address(member) if member else s
        digest = commitment(dispute_id, who, vote_bytes(entries, output_hash, evidence_hash),
                            raw_salt)  # fmt: skip
        return [_tx().MsgCommitVote(voter=_addr(s), dispute_id=dispute_id, commitment=digest)]

    broadcast(from_key, build, f"commit a vote on dispute {dispute_id}", tx)


@tx_attribution.command("reveal-vote")
@click.argument("from_key")
@click.argument("dispute_id", type=click.IntRange(1))
@click.argument("vote_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--salt", required=True, help="The salt of the commitment (hex).")
@tx_options
def reveal_vote(from_key: str, dispute_id: int, vote_file: Path, salt: str, tx: TxFlags) -> None:
    """Reveal the vote you committed to."""
    entries, output_hash, evidence_hash = _vote(vote_file)
    raw_salt = _salt(salt)
    broadcast(from_key, lambda s: [_tx().MsgRevealVote(
        voter=_addr(s), dispute_id=dispute_id, attributions=entries, output_hash=output_hash,
        evidence_hash=evidence_hash, salt=raw_salt)],
        f"reveal the vote on dispute {dispute_id}", tx)  # fmt: skip


@tx_attribution.command("claim")
@click.argument("from_key")
@tx_options
def claim(from_key: str, tx: TxFlags) -> None:
    """Claim your matured worker, owner and lineage earnings."""
    broadcast(from_key, lambda s: [_tx().MsgClaim(claimant=_addr(s))], "claim earnings", tx)


# --- queries ---------------------------------------------------------------------------------


def _ask(node: str | None, home: Path, method: str, request: Any) -> dict:
    from aichain.attribution.v1 import query_pb2 as q

    response = getattr(q, f"Query{method}Response")
    return ask(node, home, f"/aichain.attribution.v1.Query/{method}", request, response)


def _q() -> Any:
    from aichain.attribution.v1 import query_pb2

    return query_pb2


def _inference_text(d: dict) -> str:
    inf = d["inference"]
    req = inf.get("request", {})
    lines = [
        f"inference {req.get('id')}  {req.get('status', '')}  model {req.get('model_id')}  "
        f"fee {req.get('fee', '0')}",
        f"requested by {req.get('requester', '')} at height {req.get('height', 0)}; "
        f"assigned {req.get('assigned_worker', '')}",
    ]
    result = inf.get("result")
    if result:
        adapter = result.get("adapter_weights_hash", "")[:12]
        base = result.get("base_weights_hash", "")[:12]
        lines.append(
            f"answered by {inf.get('worker', '')} at height {inf.get('result_height')}"
            f" (adapter {adapter}..., base {base}..., {result.get('method')})"
        )
        for e in result.get("attributions", []):
            lines.append(f"  record {e.get('datanet_id')}/{e.get('version')}/{e.get('record_id')}"
                         f"  {e.get('weight_ppm', 0)} ppm")  # fmt: skip
    for p in inf.get("payouts", []):
        where = p.get("recipient") or (
            f"record {p.get('datanet_id')}/{p.get('version')}/{p.get('record_id')}"
            if p.get("role") == "data" else "")  # fmt: skip
        verb = (
            "paid"
            if req.get("status")
            in ("REQUEST_STATUS_SETTLED", "REQUEST_STATUS_TIMED_OUT", "REQUEST_STATUS_REFUNDED")
            else "held for"
        )
        lines.append(f"  {verb} {p.get('role')}: {p.get('amount')} {where}".rstrip())
    return "\n".join(lines)


@click.group("attribution")
def query_attribution() -> None:
    """Inference and attribution queries (aichain.attribution.v1.Query)."""


@query_attribution.command("params")
@query_options
def params(node: str | None, home: Path, output: str) -> None:
    """Attribution params."""
    emit(_ask(node, home, "Params", _q().QueryParamsRequest()), output)


@query_attribution.command("inference")
@click.argument("inference_id", type=click.IntRange(1))
@query_options
def inference(inference_id: int, node: str | None, home: Path, output: str) -> None:
    """Who asked, when, which model and weights, which records at what weight, who got paid."""
    data = _ask(node, home, "Inference", _q().QueryInferenceRequest(id=inference_id))
    emit(data, output, _inference_text)


@query_attribution.command("request")
@click.argument("request_id", type=click.IntRange(1))
@query_options
def request_query(request_id: int, node: str | None, home: Path, output: str) -> None:
    """A request (the same record as `inference`)."""
    data = _ask(node, home, "Inference", _q().QueryInferenceRequest(id=request_id))
    emit(data, output, _inference_text)


@query_attribution.command("inferences")
@click.option("--model", "model_id", type=click.IntRange(0), default=0)
@click.option("--requester", default="")
@click.option("--worker", default="")
@query_options
def inferences(model_id: int, requester: str, worker: str, node: str | None, home: Path,
               output: str) -> None:  # fmt: skip
    """Inferences, newest first."""
    data = _ask(node, home, "Inferences", _q().QueryInferencesRequest(
        model_id=model_id, requester=requester, worker=worker))  # fmt: skip
    emit(data, output, lambda d: "\n".join(
        f"{i['request']['id']}  {i['request'].get('status', '')}  model "
        f"{i['request'].get('model_id')}  {i.get('worker', '')}"
        for i in d.get("inferences", [])))  # fmt: skip


@query_attribution.command("pending")
@click.argument("worker")
@query_options
def pending(worker: str, node: str | None, home: Path, output: str) -> None:
    """Requests assigned to a worker and waiting for its result."""
    data = _ask(node, home, "PendingRequests", _q().QueryPendingRequestsRequest(worker=worker))
    emit(data, output, lambda d: "\n".join(
        f"{r['id']}  model {r.get('model_id')}  timeout {r.get('timeout_height')}"
        for r in d.get("requests", [])))  # fmt: skip


@query_attribution.command("earnings")
@click.argument("address")
@query_options
def earnings(address: str, node: str | None, home: Path, output: str) -> None:
    """An account's earnings: worker/owner/lineage (per model) and data shares (per datanet)."""
    emit(_ask(node, home, "Earnings", _q().QueryEarningsRequest(account=address)), output)


@query_attribution.command("datanet-revenue")
@click.argument("datanet_id", type=click.IntRange(1))
@query_options
def datanet_revenue(datanet_id: int, node: str | None, home: Path, output: str) -> None:
    """What settled inferences paid a datanet's contributors."""
    req = _q().QueryDatanetRevenueRequest(datanet_id=datanet_id)
    emit(_ask(node, home, "DatanetRevenue", req), output)


@query_attribution.command("model-usage")
@click.argument("model_id", type=click.IntRange(1))
@query_options
def model_usage(model_id: int, node: str | None, home: Path, output: str) -> None:
    """A model's settled inferences, revenue and disputes."""
    emit(_ask(node, home, "ModelUsage", _q().QueryModelUsageRequest(model_id=model_id)), output)


@query_attribution.command("dispute")
@click.argument("dispute_id", type=click.IntRange(1))
@query_options
def dispute(dispute_id: int, node: str | None, home: Path, output: str) -> None:
    """A dispute: committee, commitments, revealed votes, outcome."""
    emit(_ask(node, home, "Dispute", _q().QueryDisputeRequest(id=dispute_id))["dispute"], output)


@query_attribution.command("disputes")
@click.option("--member", default="", help="Only disputes with this committee member.")
@query_options
def disputes(member: str, node: str | None, home: Path, output: str) -> None:
    """Disputes, newest first."""
    data = _ask(node, home, "Disputes", _q().QueryDisputesRequest(member=member))
    emit(data, output, lambda d: "\n".join(
        f"{x['id']}  {x.get('status', '')}  inference {x.get('inference_id')}  "
        f"challenger {x.get('challenger', '')}"
        for x in d.get("disputes", [])))  # fmt: skip


@query_attribution.command("prepaid")
@click.argument("requester")
@click.argument("model_id", type=click.IntRange(1))
@query_options
def prepaid(requester: str, model_id: int, node: str | None, home: Path, output: str) -> None:
    """A requester's prepaid balance for a model."""
    req = _q().QueryPrepaidRequest(requester=requester, model_id=model_id)
    emit(_ask(node, home, "Prepaid", req)["balance"], output)


def tx_command() -> click.Group:
    """`aichain tx attribution`."""
    return tx_attribution


def query_command() -> click.Group:
    """`aichain query attribution`."""
    return query_attribution
