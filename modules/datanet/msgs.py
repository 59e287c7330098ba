"""Datanet messages (aichain.datanet.v1): type URLs, signers and stateless validate_basic."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aichain.app.authority import authority_signers, validate_authority_msg
from aichain.app.crypto import parse_account_address
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.datanet.v1 import tx_pb2
from aichain.modules.datanet.errors import (
    DuplicateEntryError,
    EmptyVersionError,
    InvalidAmountError,
    InvalidDatanetError,
    InvalidRecordError,
)
from aichain.modules.datanet.types import (
    MAX_CHANGELOG,
    MAX_DESCRIPTION,
    MAX_LICENSE,
    MAX_MEDIA_TYPE,
    MAX_METADATA,
    MAX_NAME,
    MAX_REASON,
)

PREFIX = "/aichain.datanet.v1."
"""Type URL prefix of datanet messages."""

MSG_CREATE_URL = PREFIX + "MsgCreateDatanet"
MSG_CONTRIBUTE_URL = PREFIX + "MsgContribute"
MSG_REVIEW_URL = PREFIX + "MsgReview"
MSG_WITHDRAW_URL = PREFIX + "MsgWithdraw"
MSG_EDIT_METADATA_URL = PREFIX + "MsgEditMetadata"
MSG_PUBLISH_URL = PREFIX + "MsgPublishVersion"
MSG_GRANT_URL = PREFIX + "MsgGrantAccess"
MSG_PAY_ACCESS_URL = PREFIX + "MsgPayAccess"
MSG_SET_CURATORS_URL = PREFIX + "MsgSetCurators"
MSG_UPDATE_CURATORS_URL = PREFIX + "MsgUpdateCurators"
MSG_TRANSFER_URL = PREFIX + "MsgTransferOwnership"
MSG_SET_CLOSED_URL = PREFIX + "MsgSetClosed"
MSG_CLAIM_URL = PREFIX + "MsgClaim"
MSG_UPDATE_PARAMS_URL = PREFIX + "MsgUpdateParams"

HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
"""A content hash: sha256, 64 lowercase hex digits."""

MEDIA_TYPE_PATTERN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
"""A media type without parameters (RFC 6838 names, lowercase)."""

MAX_AMOUNT_DIGITS = 77
"""Amounts stay below 2^256."""

update_params_signers = authority_signers
"""The authority signs MsgUpdateParams."""

validate_update_params = validate_authority_msg
"""The authority is an address and params are given (fields are checked statefully)."""


def _signer(address: str) -> tuple[bytes, ...]:
    return (parse_account_address(address),)


def _text(value: str, limit: int, what: str, required: bool = False) -> None:
    if required and not value.strip():
        raise InvalidDatanetError(f"{what} is required")
    if len(value.encode()) > limit:
        raise InvalidDatanetError(f"{what} is longer than {limit} bytes")


def parse_amount(value: str, what: str) -> int:
    """A non-negative integer amount written in decimal ('' is 0). Raises InvalidAmountError."""
    if value == "":
        return 0
    if not value.isdigit() or not value.isascii() or len(value) > MAX_AMOUNT_DIGITS:
        raise InvalidAmountError(f"{what} must be a non-negative integer, got {value!r}")
    amount = int(value)
    if amount >= 2**256:
        raise InvalidAmountError(f"{what} must be below 2^256")
    return amount


def _addresses(items: Sequence[str], what: str) -> None:
    for item in items:
        parse_account_address(item)
    if len(set(items)) != len(items):
        raise DuplicateEntryError(f"{what} names an account twice")


def create_signers(msg: tx_pb2.MsgCreateDatanet) -> tuple[bytes, ...]:
    """The creator signs."""
    return _signer(msg.creator)


def validate_create(msg: tx_pb2.MsgCreateDatanet) -> None:
    """Fields present and in range. Raises InvalidAddressError, InvalidDatanetError,
    InvalidAmountError, DuplicateEntryError."""
    parse_account_address(msg.creator)
    name = msg.name.strip()
    if not name or len(msg.name) > MAX_NAME or name != msg.name:
        raise InvalidDatanetError(
            f"name must be 1-{MAX_NAME} characters without surrounding spaces, got {msg.name!r}"
        )
    _text(msg.description, MAX_DESCRIPTION, "description")
    _text(msg.license, MAX_LICENSE, "license (an SPDX id or free text)", required=True)
    for value, enum, what in (
        (msg.modality, pb.Modality, "modality (text, image, audio, tabular)"),
        (msg.curation_mode, pb.CurationMode, "curation mode (owner, curators, open)"),
        (msg.access_policy, pb.AccessPolicy, "access policy (public, restricted)"),
    ):
        if value == 0 or value not in enum.values():
            raise InvalidDatanetError(f"{what} must be given")
    parse_amount(msg.access_price, "access price")
    parse_amount(msg.bond_per_record, "bond per record")
    if msg.max_record_size == 0:
        raise InvalidDatanetError("max record size must be positive")
    _addresses(msg.curators, "curators")
    if msg.curation_mode == pb.CURATION_MODE_CURATORS and not msg.curators:
        raise InvalidDatanetError("curator mode needs at least one curator")


def contribute_signers(msg: tx_pb2.MsgContribute) -> tuple[bytes, ...]:
    """The contributor signs."""
    return _signer(msg.contributor)


def validate_record_fields(content_hash: str, size: int, media_type: str, metadata: str) -> None:
    """A record's hash, size, media type and metadata. Raises InvalidRecordError."""
    if not HASH_PATTERN.fullmatch(content_hash):
        raise InvalidRecordError(
            f"content hash must be the sha256 of the bytes, 64 lowercase hex digits; got "
            f"{content_hash!r} (`aichain blob put FILE` prints it)"
        )
    if size == 0:
        raise InvalidRecordError("record size must be positive")
    if len(media_type) > MAX_MEDIA_TYPE or not MEDIA_TYPE_PATTERN.fullmatch(media_type):
        raise InvalidRecordError(f"media type {media_type!r} is not type/subtype (e.g. text/plain)")
    if len(metadata.encode()) > MAX_METADATA:
        raise InvalidRecordError(f"metadata is longer than {MAX_METADATA} bytes")


def validate_contribute(msg: tx_pb2.MsgContribute) -> None:
    """Raises InvalidAddressError, InvalidRecordError."""
    parse_account_address(msg.contributor)
    validate_record_fields(msg.content_hash, msg.size, msg.media_type, msg.metadata)


def review_signers(msg: tx_pb2.MsgReview) -> tuple[bytes, ...]:
    """The curator signs."""
    return _signer(msg.curator)


def validate_review(msg: tx_pb2.MsgReview) -> None:
    """A rejection states its reason. Raises InvalidAddressError, InvalidRecordError."""
    parse_account_address(msg.curator)
    if not msg.accept and not msg.reason.strip():
        raise InvalidRecordError("a rejection must state its reason (--reason)")
    if len(msg.reason.encode()) > MAX_REASON:
        raise InvalidRecordError(f"reason is longer than {MAX_REASON} bytes")


def withdraw_signers(msg: tx_pb2.MsgWithdraw) -> tuple[bytes, ...]:
    """The contributor signs."""
    return _signer(msg.contributor)


def validate_withdraw(msg: tx_pb2.MsgWithdraw) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.contributor)


def edit_metadata_signers(msg: tx_pb2.MsgEditMetadata) -> tuple[bytes, ...]:
    """The contributor signs."""
    return _signer(msg.contributor)


def validate_edit_metadata(msg: tx_pb2.MsgEditMetadata) -> None:
    """Raises InvalidAddressError, InvalidRecordError."""
    parse_account_address(msg.contributor)
    if len(msg.metadata.encode()) > MAX_METADATA:
        raise InvalidRecordError(f"metadata is longer than {MAX_METADATA} bytes")


def publish_signers(msg: tx_pb2.MsgPublishVersion) -> tuple[bytes, ...]:
    """The publisher signs."""
    return _signer(msg.publisher)


def validate_publish(msg: tx_pb2.MsgPublishVersion) -> None:
    """Something changes; no record named twice. Raises InvalidAddressError,
    EmptyVersionError, DuplicateEntryError, InvalidDatanetError."""
    parse_account_address(msg.publisher)
    if not msg.append and not msg.remove:
        raise EmptyVersionError("a version must append or remove at least one record")
    _text(msg.changelog, MAX_CHANGELOG, "changelog")
    for name, items in (("append", msg.append), ("remove", msg.remove)):
        if len(set(items)) != len(items):
            raise DuplicateEntryError(f"a record is named twice in {name}")


def grant_signers(msg: tx_pb2.MsgGrantAccess) -> tuple[bytes, ...]:
    """The owner signs."""
    return _signer(msg.owner)


def validate_grant(msg: tx_pb2.MsgGrantAccess) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.owner)
    parse_account_address(msg.grantee)


def pay_access_signers(msg: tx_pb2.MsgPayAccess) -> tuple[bytes, ...]:
    """The payer signs."""
    return _signer(msg.payer)


def validate_pay_access(msg: tx_pb2.MsgPayAccess) -> None:
    """Raises InvalidAddressError, InvalidDatanetError."""
    parse_account_address(msg.payer)
    if msg.grantee:
        parse_account_address(msg.grantee)
    if msg.version == 0:
        raise InvalidDatanetError("name the version paid for (versions start at 1)")


def set_curators_signers(msg: tx_pb2.MsgSetCurators) -> tuple[bytes, ...]:
    """The owner signs."""
    return _signer(msg.owner)


def validate_set_curators(msg: tx_pb2.MsgSetCurators) -> None:
    """Raises InvalidAddressError, DuplicateEntryError."""
    parse_account_address(msg.owner)
    _addresses(msg.curators, "curators")


def update_curators_signers(msg: tx_pb2.MsgUpdateCurators) -> tuple[bytes, ...]:
    """The authority (the governance account, through a proposal) signs."""
    return _signer(msg.authority)


def validate_update_curators(msg: tx_pb2.MsgUpdateCurators) -> None:
    """Raises InvalidAddressError, InvalidDatanetError, DuplicateEntryError."""
    parse_account_address(msg.authority)
    if msg.datanet_id == 0:
        raise InvalidDatanetError("name the datanet (datanet ids start at 1)")
    _addresses(msg.curators, "curators")


def transfer_signers(msg: tx_pb2.MsgTransferOwnership) -> tuple[bytes, ...]:
    """The owner signs."""
    return _signer(msg.owner)


def validate_transfer(msg: tx_pb2.MsgTransferOwnership) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.owner)
    parse_account_address(msg.new_owner)


def set_closed_signers(msg: tx_pb2.MsgSetClosed) -> tuple[bytes, ...]:
    """The owner signs."""
    return _signer(msg.owner)


def validate_set_closed(msg: tx_pb2.MsgSetClosed) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.owner)


def claim_signers(msg: tx_pb2.MsgClaim) -> tuple[bytes, ...]:
    """The contributor signs."""
    return _signer(msg.contributor)


def validate_claim(msg: tx_pb2.MsgClaim) -> None:
    """Raises InvalidAddressError, DuplicateEntryError."""
    parse_account_address(msg.contributor)
    if len(set(msg.versions)) != len(msg.versions):
        raise DuplicateEntryError("a version is named twice")
