"""Modelreg messages (aichain.modelreg.v1): type URLs, signers and stateless validate_basic."""

from __future__ import annotations

import re

from aichain.app.authority import authority_signers, validate_authority_msg
from aichain.app.crypto import address_from_pubkey, parse_account_address
from aichain.app.errors import InvalidPubKeyError
from aichain.modelreg.v1 import tx_pb2
from aichain.modules.modelreg.errors import (
    InvalidHotKeyError,
    InvalidModelError,
    InvalidPriceBoundsError,
    InvalidRankingError,
)
from aichain.modules.modelreg.types import parse_amount

PREFIX = "/aichain.modelreg.v1."
"""Type URL prefix of modelreg messages."""

MSG_REGISTER_BASE_URL = PREFIX + "MsgRegisterBaseModel"
MSG_REGISTER_ADAPTER_URL = PREFIX + "MsgRegisterAdapter"
MSG_ACTIVATE_URL = PREFIX + "MsgActivateModel"
MSG_DEPRECATE_URL = PREFIX + "MsgDeprecateModel"
MSG_SET_PRICE_URL = PREFIX + "MsgSetPrice"
MSG_REGISTER_WORKER_URL = PREFIX + "MsgRegisterWorker"
MSG_UPDATE_WORKER_URL = PREFIX + "MsgUpdateWorker"
MSG_ROTATE_KEY_URL = PREFIX + "MsgRotateWorkerKey"
MSG_UNBOND_WORKER_URL = PREFIX + "MsgUnbondWorker"
MSG_UNJAIL_WORKER_URL = PREFIX + "MsgUnjailWorker"
MSG_UPDATE_PARAMS_URL = PREFIX + "MsgUpdateParams"
MSG_SET_PRICE_BOUNDS_URL = PREFIX + "MsgSetPriceBounds"
MSG_RANK_MODELS_URL = PREFIX + "MsgRankModels"

HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
"""A content hash: sha256, 64 lowercase hex digits."""

MAX_TEXT = 256
"""Longest name, architecture, license, endpoint or hardware text (bytes)."""

MAX_PROVENANCE = 64
"""Most datanet versions one adapter cites."""

update_params_signers = authority_signers
"""The authority signs MsgUpdateParams."""

validate_update_params = validate_authority_msg
"""The authority is an address and params are given."""


def _signer(address: str) -> tuple[bytes, ...]:
    return (parse_account_address(address),)


def _hash(value: str, what: str, required: bool = True) -> None:
    if (value or required) and not HASH_PATTERN.fullmatch(value):
        raise InvalidModelError(
            f"{what} must be a sha256 (64 lowercase hex digits; `aichain blob put FILE` prints "
            f"it), got {value!r}"
        )


def _text(value: str, what: str, required: bool = False) -> None:
    if required and not value.strip():
        raise InvalidModelError(f"{what} is required")
    if len(value.encode()) > MAX_TEXT:
        raise InvalidModelError(f"{what} is longer than {MAX_TEXT} bytes")


def hot_address(pubkey: bytes) -> bytes:
    """The account address of a hot key. Raises InvalidHotKeyError."""
    try:
        return address_from_pubkey(pubkey)
    except InvalidPubKeyError as exc:
        raise InvalidHotKeyError(f"hot key: {exc.message}") from None


def register_base_signers(msg: tx_pb2.MsgRegisterBaseModel) -> tuple[bytes, ...]:
    """The owner signs."""
    return _signer(msg.owner)


def validate_register_base(msg: tx_pb2.MsgRegisterBaseModel) -> None:
    """Hashes, texts and a parameter count. Raises InvalidAddressError, InvalidModelError."""
    parse_account_address(msg.owner)
    _text(msg.name, "name", required=True)
    _hash(msg.weights_hash, "weights hash")
    _hash(msg.config_hash, "config hash", required=False)
    _hash(msg.tokenizer_hash, "tokenizer hash", required=False)
    _text(msg.architecture, "architecture", required=True)
    _text(msg.license, "license", required=True)
    if msg.parameter_count == 0:
        raise InvalidModelError("parameter count must be positive")


def register_adapter_signers(msg: tx_pb2.MsgRegisterAdapter) -> tuple[bytes, ...]:
    """The owner signs."""
    return _signer(msg.owner)


def validate_register_adapter(msg: tx_pb2.MsgRegisterAdapter) -> None:
    """Hashes and a well-formed provenance. Raises InvalidAddressError, InvalidModelError."""
    parse_account_address(msg.owner)
    _text(msg.name, "name", required=True)
    if msg.base_model_id == 0:
        raise InvalidModelError("name the base model (--base)")
    _hash(msg.weights_hash, "weights hash")
    _hash(msg.manifest_hash, "training manifest hash")
    _hash(msg.training_config_hash, "training config hash")
    if not msg.provenance:
        raise InvalidModelError("an adapter names the datanet versions it was trained on")
    if len(msg.provenance) > MAX_PROVENANCE:
        raise InvalidModelError(f"at most {MAX_PROVENANCE} datanet versions")
    seen = set()
    for ref in msg.provenance:
        if ref.datanet_id == 0 or ref.version == 0:
            raise InvalidModelError("provenance entries need a datanet id and a version")
        _hash(ref.version_root, f"version root of datanet {ref.datanet_id} v{ref.version}")
        if (ref.datanet_id, ref.version) in seen:
            raise InvalidModelError(f"datanet {ref.datanet_id} v{ref.version} named twice")
        seen.add((ref.datanet_id, ref.version))


def authority_msg_signers(msg: tx_pb2.MsgActivateModel) -> tuple[bytes, ...]:
    """The owner or the authority signs activation and deprecation."""
    return _signer(msg.authority)


def validate_model_authority(msg: tx_pb2.MsgActivateModel) -> None:
    """Raises InvalidAddressError, InvalidModelError."""
    parse_account_address(msg.authority)
    if msg.model_id == 0:
        raise InvalidModelError("name the model")


def set_price_signers(msg: tx_pb2.MsgSetPrice) -> tuple[bytes, ...]:
    """The owner signs."""
    return _signer(msg.owner)


def validate_set_price(msg: tx_pb2.MsgSetPrice) -> None:
    """Raises InvalidAddressError, InvalidAmountError."""
    parse_account_address(msg.owner)
    parse_amount(msg.price_per_request, "price per request")
    parse_amount(msg.price_per_1k_tokens, "price per 1,000 tokens")


def operator_signers(msg: tx_pb2.MsgRegisterWorker) -> tuple[bytes, ...]:
    """The operator (cold) account signs every worker message."""
    return _signer(msg.operator)


def validate_register_worker(msg: tx_pb2.MsgRegisterWorker) -> None:
    """Raises InvalidAddressError, InvalidHotKeyError, InvalidModelError, InvalidAmountError."""
    parse_account_address(msg.operator)
    hot_address(msg.hot_pubkey)
    _text(msg.endpoint, "endpoint", required=True)
    _text(msg.hardware, "hardware")
    parse_amount(msg.bond, "bond")
    if len(set(msg.models)) != len(msg.models):
        raise InvalidModelError("a model is named twice")


def validate_update_worker(msg: tx_pb2.MsgUpdateWorker) -> None:
    """Raises InvalidAddressError, InvalidModelError."""
    parse_account_address(msg.operator)
    _text(msg.endpoint, "endpoint", required=True)
    _text(msg.hardware, "hardware")
    if len(set(msg.models)) != len(msg.models):
        raise InvalidModelError("a model is named twice")


def validate_rotate_key(msg: tx_pb2.MsgRotateWorkerKey) -> None:
    """Raises InvalidAddressError, InvalidHotKeyError."""
    parse_account_address(msg.operator)
    hot_address(msg.new_hot_pubkey)


def validate_operator(msg: tx_pb2.MsgUnbondWorker) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.operator)


def authority_signers_of(msg: tx_pb2.MsgSetPriceBounds) -> tuple[bytes, ...]:
    """The authority (the governance account, through a proposal) signs."""
    return _signer(msg.authority)


def validate_set_price_bounds(msg: tx_pb2.MsgSetPriceBounds) -> None:
    """Raises InvalidAddressError, InvalidModelError, InvalidAmountError,
    InvalidPriceBoundsError."""
    parse_account_address(msg.authority)
    if msg.model_id == 0:
        raise InvalidModelError("name the model")
    low = parse_amount(msg.min_price, "min price") if msg.min_price else None
    high = parse_amount(msg.max_price, "max price") if msg.max_price else None
    if low is not None and high is not None and low > high:
        raise InvalidPriceBoundsError(f"min price {low} is above max price {high}")


def validate_rank_models(msg: tx_pb2.MsgRankModels) -> None:
    """Raises InvalidAddressError, InvalidModelError, InvalidRankingError."""
    parse_account_address(msg.authority)
    if msg.higher_model_id == 0 or msg.lower_model_id == 0:
        raise InvalidModelError("name both models (higher_model_id and lower_model_id)")
    if msg.higher_model_id == msg.lower_model_id:
        raise InvalidRankingError(f"model {msg.higher_model_id} cannot be ranked against itself")
