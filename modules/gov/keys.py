"""Store layout of the governance module (every key of its store is built and decoded here).

Proposal ids and times (nanoseconds since the epoch) are 8-byte big-endian, so byte order is
numeric order; a value outside [0, 2^64) raises InvalidKeyError rather than being clamped.
Addresses are length-prefixed (one byte), so no key is a prefix of another.

0x00                         -> Params (cosmos.gov.v1.Params) bytes
0x01                         -> next proposal id, 8 bytes
0x02                         -> constitution, UTF-8
0x03                         -> model-track Params (aichain.gov.v1.Params) bytes
0x04                         -> participation rewards allocated and unclaimed, coins as text
0x10 | id                    -> Proposal (cosmos.gov.v1.Proposal) bytes
0x11 | time | id             -> b"" (deposit-period queue, by deposit end time)
0x12 | time | id             -> b"" (voting-period queue, by voting end time)
0x20 | id | len | depositor  -> Deposit (cosmos.gov.v1.Deposit) bytes
0x30 | id | len | voter      -> Vote (cosmos.gov.v1.Vote) bytes
0x40 | id                    -> ModelProposal (aichain.gov.v1.ModelProposal) bytes
0x41 | id | len | voter      -> the voter's reward power on a model proposal, decimal ASCII
"""

from __future__ import annotations

from aichain.modules.gov.errors import InvalidKeyError

PARAMS = b"\x00"
"""Singleton: the standard track's params."""

NEXT_PROPOSAL_ID = b"\x01"
"""Singleton: the id the next proposal gets."""

CONSTITUTION = b"\x02"
"""Singleton: the chain's constitution text."""

MODEL_PARAMS = b"\x03"
"""Singleton: the model-vote track's params."""

ALLOCATED = b"\x04"
"""Singleton: participation rewards set aside for model proposals' voters, not yet claimed."""

PROPOSAL = b"\x10"
"""Collection: proposals by id."""

DEPOSIT_QUEUE = b"\x11"
"""Queue: proposals in their deposit period, by deposit end time."""

VOTING_QUEUE = b"\x12"
"""Queue: proposals in their voting period, by voting end time."""

DEPOSIT = b"\x20"
"""Collection: deposits by (proposal, depositor)."""

VOTE = b"\x30"
"""Collection: votes by (proposal, voter)."""

MODEL_PROPOSAL = b"\x40"
"""Collection: participation records of model-track proposals, by id."""

STAKE = b"\x41"
"""Collection: voters' reward power by (proposal, voter)."""

U64_MAX = 2**64 - 1
"""Largest id or time a key holds."""


def u64(n: int, what: str = "value") -> bytes:
    """n as 8 bytes big-endian. Raises InvalidKeyError unless 0 <= n < 2^64."""
    if not 0 <= n <= U64_MAX:
        raise InvalidKeyError(f"{what} {n} does not fit a gov key: it must be within [0, 2^64)")
    return n.to_bytes(8, "big")


def _lp(address: bytes) -> bytes:
    """address with its one-byte length first. Raises InvalidKeyError for an empty address or
    one longer than 255 bytes."""
    if not 0 < len(address) < 256:
        raise InvalidKeyError(f"gov keys take addresses of 1-255 bytes, got {len(address)}")
    return bytes([len(address)]) + address


def decode_u64(raw: bytes) -> int:
    """The integer of an 8-byte big-endian value. Raises InvalidKeyError for another length."""
    if len(raw) != 8:
        raise InvalidKeyError(f"expected 8 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")


def proposal_key(proposal_id: int) -> bytes:
    """Key of a proposal."""
    return PROPOSAL + u64(proposal_id, "proposal id")


def split_proposal_key(key: bytes) -> int:
    """The id of a proposal key. Raises InvalidKeyError."""
    if key[:1] != PROPOSAL or len(key) != 9:
        raise InvalidKeyError(f"key {key.hex()} is not a proposal key")
    return int.from_bytes(key[1:], "big")


def deposit_queue_key(time_ns: int, proposal_id: int) -> bytes:
    """Key of a proposal in the deposit-period queue."""
    return DEPOSIT_QUEUE + u64(time_ns, "deposit end time") + u64(proposal_id, "proposal id")


def voting_queue_key(time_ns: int, proposal_id: int) -> bytes:
    """Key of a proposal in the voting-period queue."""
    return VOTING_QUEUE + u64(time_ns, "voting end time") + u64(proposal_id, "proposal id")


def split_queue_key(key: bytes) -> tuple[int, int]:
    """(time ns, proposal id) of a queue key (either queue). Raises InvalidKeyError."""
    if key[:1] not in (DEPOSIT_QUEUE, VOTING_QUEUE) or len(key) != 17:
        raise InvalidKeyError(f"key {key.hex()} is not a gov queue key")
    return int.from_bytes(key[1:9], "big"), int.from_bytes(key[9:], "big")


def deposits_prefix(proposal_id: int) -> bytes:
    """Prefix of every deposit on a proposal."""
    return DEPOSIT + u64(proposal_id, "proposal id")


def deposit_key(proposal_id: int, depositor: bytes) -> bytes:
    """Key of a depositor's deposit on a proposal."""
    return deposits_prefix(proposal_id) + _lp(depositor)


def votes_prefix(proposal_id: int) -> bytes:
    """Prefix of every vote on a proposal."""
    return VOTE + u64(proposal_id, "proposal id")


def vote_key(proposal_id: int, voter: bytes) -> bytes:
    """Key of a voter's vote on a proposal."""
    return votes_prefix(proposal_id) + _lp(voter)


def model_proposal_key(proposal_id: int) -> bytes:
    """Key of a model-track proposal's participation record."""
    return MODEL_PROPOSAL + u64(proposal_id, "proposal id")


def stakes_prefix(proposal_id: int) -> bytes:
    """Prefix of every reward stake on a model proposal."""
    return STAKE + u64(proposal_id, "proposal id")


def stake_key(proposal_id: int, voter: bytes) -> bytes:
    """Key of a voter's reward stake on a model proposal."""
    return stakes_prefix(proposal_id) + _lp(voter)


def split_address_key(key: bytes, collection: bytes) -> tuple[int, bytes]:
    """(proposal id, address) of a deposit, vote or stake key of collection. Raises
    InvalidKeyError when the key is not of that collection or its length byte disagrees."""
    if key[:1] != collection or len(key) < 11 or len(key) != 10 + key[9]:
        raise InvalidKeyError(
            f"key {key.hex()} is not a {collection.hex()} (proposal, address) key"
        )
    return int.from_bytes(key[1:9], "big"), key[10:]
