"""`aichain worker train ... --register`: a trained adapter into the content store and the
model registry, with its provenance and price.

Steps (each a signed tx of the owner's account, waited for):
1. weights, training manifest, features and the training config document into the content
   store (adapter_store.publish_adapter);
2. the base model: found in the registry by its weights hash, else registered
   (MsgRegisterBaseModel);
3. MsgRegisterAdapter with provenance = the manifest's datanet version and its root;
4. MsgSetPrice, and MsgActivateModel when the registry lets owners activate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aichain.client.blobs import BlobStore
from aichain.gpu_worker.chain_client import ChainClient, TxSender
from aichain.gpu_worker.daemon.adapter_store import publish_adapter


@dataclass(frozen=True, slots=True)
class BaseModelInfo:
    """What the registry needs of a base model."""

    spec: str
    weights_hash: str
    architecture: str
    parameter_count: int


def describe_base(spec: str) -> BaseModelInfo:
    """Loads the base model (CPU) for its hash, architecture and size."""
    from aichain.gpu_worker.tiny_model import compute_model_hash, load_base_model

    model, _ = load_base_model(spec, "cpu")
    architecture = str(getattr(getattr(model, "config", None), "model_type", "") or "causal-lm")
    count = sum(int(p.numel()) for p in model.parameters())
    return BaseModelInfo(spec, compute_model_hash(model), architecture, count)


def _response_id(done: Any, response_type: Any) -> int:
    return int(response_type.FromString(done.responses[0]).id)


def find_base_model(chain: ChainClient, weights_hash: str) -> int:
    """The id of the base model registered with weights_hash, or 0."""
    for model in chain.models():
        if not model.base_model_id and model.weights_hash == weights_hash:
            return int(model.id)
    return 0


def register_adapter(
    chain: ChainClient,
    sender: TxSender,
    store: BlobStore,
    adapter_dir: Path,
    *,
    name: str,
    price: str,
    base: BaseModelInfo,
) -> dict[str, Any]:
    """Publishes and registers the adapter in adapter_dir; returns the ids and hashes.
    Raises ChainError, BlobError, AdapterFetchError."""
    from aichain.modelreg.v1 import modelreg_pb2, tx_pb2

    published = publish_adapter(adapter_dir, store)
    manifest = published.manifest
    if manifest.get("base_model", {}).get("sha256") != base.weights_hash:
        raise ValueError("the adapter was trained on another base model than the one described")
    owner = sender.address
    base_id = find_base_model(chain, base.weights_hash)
    if not base_id:
        done = sender.send_and_wait(
            [
                tx_pb2.MsgRegisterBaseModel(
                    owner=owner,
                    name=f"{base.spec}-{base.weights_hash[:8]}",
                    weights_hash=base.weights_hash,
                    architecture=base.architecture,
                    parameter_count=base.parameter_count,
                    license="Apache-2.0",
                )
            ]
        )
        base_id = _response_id(done, tx_pb2.MsgRegisterBaseModelResponse)
    datanet = manifest["datanet"]
    ref = modelreg_pb2.DatanetRef(
        datanet_id=int(datanet["id"]), version=int(datanet["version"]), version_root=datanet["root"]
    )
    done = sender.send_and_wait(
        [
            tx_pb2.MsgRegisterAdapter(
                owner=owner,
                name=name,
                base_model_id=base_id,
                weights_hash=published.weights_hash,
                manifest_hash=published.manifest_hash,
                training_config_hash=published.config_hash,
                provenance=[ref],
            )
        ]
    )
    model_id = _response_id(done, tx_pb2.MsgRegisterAdapterResponse)
    follow_up: list[Any] = [
        tx_pb2.MsgSetPrice(
            owner=owner, model_id=model_id, price_per_request=price, price_per_1k_tokens="0"
        )
    ]
    activated = bool(chain.modelreg_params().owner_activation)
    if activated:
        follow_up.append(tx_pb2.MsgActivateModel(authority=owner, model_id=model_id))
    sender.send_and_wait(follow_up)
    return {
        "model_id": model_id,
        "base_model_id": base_id,
        "weights_hash": published.weights_hash,
        "manifest_hash": published.manifest_hash,
        "training_config_hash": published.config_hash,
        "features_hash": published.features_hash,
        "provenance": f"{ref.datanet_id}@{ref.version}@{ref.version_root}",
        "price_per_request": price,
        "active": activated,
    }
