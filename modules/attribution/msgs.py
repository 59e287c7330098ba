"""Attribution messages (aichain.attribution.v1): type URLs, signers and stateless checks."""

from __future__ import annotations

import re

from aichain.app.authority import authority_signers, validate_authority_msg
from aichain.app.crypto import parse_account_address
from aichain.attribution.v1 import tx_pb2
from aichain.modules.attribution.errors import (
    InvalidAmountError,
    InvalidRequestError,
    InvalidResultError,
    InvalidVoteError,
    TooManyResultsError,
)
from aichain.modules.attribution.signing import SIGNATURE_LENGTH
from aichain.modules.attribution.types import parse_amount

PREFIX = "/aichain.attribution.v1."
"""Type URL prefix of attribution messages."""

MSG_REQUEST_URL = PREFIX + "MsgRequestInference"
MSG_SUBMIT_URL = PREFIX + "MsgSubmitInference"
MSG_FUND_PREPAID_URL = PREFIX + "MsgFundPrepaid"
MSG_WITHDRAW_PREPAID_URL = PREFIX + "MsgWithdrawPrepaid"
MSG_CHALLENGE_URL = PREFIX + "MsgChallenge"
MSG_COMMIT_VOTE_URL = PREFIX + "MsgCommitVote"
MSG_REVEAL_VOTE_URL = PREFIX + "MsgRevealVote"
MSG_CLAIM_URL = PREFIX + "MsgClaim"
MSG_UPDATE_PARAMS_URL = PREFIX + "MsgUpdateParams"

HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
"""A content hash: sha256, 64 lowercase hex digits."""

MAX_RESULTS = 100_000
"""Hard cap of results in one message (params.max_results_per_msg is checked in state)."""

MAX_BODY = 1 << 20
"""Largest result body or receipt, in bytes."""

MAX_REASON = 1_024
"""Longest challenge reason, in bytes."""

update_params_signers = authority_signers
"""The authority signs MsgUpdateParams."""

validate_update_params = validate_authority_msg
"""The authority is an address and params are given."""


def _signer(text: str) -> tuple[bytes, ...]:
    return (parse_account_address(text),)


def _hash(value: str, what: str, error: type = InvalidRequestError) -> None:
    if not HASH_PATTERN.fullmatch(value):
        raise error(f"{what} must be a sha256 (64 lowercase hex digits), got {value!r}")


def request_signers(msg: tx_pb2.MsgRequestInference) -> tuple[bytes, ...]:
    """The requester signs."""
    return _signer(msg.requester)


def validate_request(msg: tx_pb2.MsgRequestInference) -> None:
    """Raises InvalidAddressError, InvalidRequestError, InvalidAmountError."""
    parse_account_address(msg.requester)
    if msg.model_id == 0:
        raise InvalidRequestError("name the model (--model)")
    if msg.input_hash:
        _hash(msg.input_hash, "input hash")
    elif not msg.input_inline:
        raise InvalidRequestError("give the input: inline bytes or its content-store hash")
    parse_amount(msg.max_fee, "max fee")
    if msg.timeout_height < 0:
        raise InvalidRequestError("timeout height must not be negative")


def submit_signers(msg: tx_pb2.MsgSubmitInference) -> tuple[bytes, ...]:
    """The submitter (any account: the hot key's signature inside proves the worker)."""
    return _signer(msg.submitter)


def validate_submit(msg: tx_pb2.MsgSubmitInference) -> None:
    """Raises InvalidAddressError, InvalidResultError, TooManyResultsError."""
    parse_account_address(msg.submitter)
    if not msg.results:
        raise InvalidResultError("carry at least one signed result")
    if len(msg.results) > MAX_RESULTS:
        raise TooManyResultsError(f"{len(msg.results)} results; at most {MAX_RESULTS}")
    for i, bundle in enumerate(msg.results):
        if not bundle.body or len(bundle.body) > MAX_BODY or len(bundle.receipt) > MAX_BODY:
            raise InvalidResultError(f"result {i}: body must be 1..{MAX_BODY} bytes")
        if len(bundle.signature) != SIGNATURE_LENGTH:
            raise InvalidResultError(
                f"result {i}: signature must be {SIGNATURE_LENGTH} bytes (compact r || s)"
            )
        if bundle.receipt and len(bundle.receipt_signature) != SIGNATURE_LENGTH:
            raise InvalidResultError(f"result {i}: receipt signature must be 64 bytes")


def prepaid_signers(msg: tx_pb2.MsgFundPrepaid) -> tuple[bytes, ...]:
    """The requester signs."""
    return _signer(msg.requester)


def validate_prepaid(msg: tx_pb2.MsgFundPrepaid) -> None:
    """Raises InvalidAddressError, InvalidRequestError, InvalidAmountError."""
    parse_account_address(msg.requester)
    if msg.model_id == 0:
        raise InvalidRequestError("name the model")
    if parse_amount(msg.amount, "amount") == 0:
        raise InvalidAmountError("amount must be positive")


def challenge_signers(msg: tx_pb2.MsgChallenge) -> tuple[bytes, ...]:
    """The challenger signs."""
    return _signer(msg.challenger)


def validate_challenge(msg: tx_pb2.MsgChallenge) -> None:
    """Raises InvalidAddressError, InvalidRequestError, InvalidAmountError."""
    parse_account_address(msg.challenger)
    if msg.inference_id == 0:
        raise InvalidRequestError("name the inference")
    parse_amount(msg.bond, "bond")
    if len(msg.reason.encode()) > MAX_REASON:
        raise InvalidRequestError(f"reason longer than {MAX_REASON} bytes")


def voter_signers(msg: tx_pb2.MsgCommitVote) -> tuple[bytes, ...]:
    """The member's operator or hot key signs."""
    return _signer(msg.voter)


def validate_commit(msg: tx_pb2.MsgCommitVote) -> None:
    """Raises InvalidAddressError, InvalidVoteError."""
    parse_account_address(msg.voter)
    if msg.dispute_id == 0:
        raise InvalidVoteError("name the dispute")
    if len(msg.commitment) != 32:
        raise InvalidVoteError("commitment must be a 32-byte sha256")


def validate_reveal(msg: tx_pb2.MsgRevealVote) -> None:
    """Raises InvalidAddressError, InvalidVoteError."""
    parse_account_address(msg.voter)
    if msg.dispute_id == 0:
        raise InvalidVoteError("name the dispute")
    if not msg.attributions:
        raise InvalidVoteError("reveal the attribution of the re-run")
    if len(msg.salt) < 16 or len(msg.salt) > 64:
        raise InvalidVoteError("salt must be 16..64 bytes")
    for value, what in ((msg.output_hash, "output hash"), (msg.evidence_hash, "evidence hash")):
        if value:
            _hash(value, what, InvalidVoteError)


def claim_signers(msg: tx_pb2.MsgClaim) -> tuple[bytes, ...]:
    """The claimant signs."""
    return _signer(msg.claimant)


def validate_claim(msg: tx_pb2.MsgClaim) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.claimant)
