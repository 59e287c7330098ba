"""Genesis transactions (the Cosmos SDK's genutil): signed MsgCreateValidator txs in
app_state.genutil.gen_txs, delivered at InitChain so the chain starts with those validators.

A gentx is signed with SIGN_MODE_DIRECT over account number 0 (as simd does: account numbers
are not known before genesis), and may pay no fee. Each entry of gen_txs is the tx as
cosmos.tx.v1beta1.Tx proto JSON (what `gentx_json` returns) or the base64 of its TxRaw bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Generic, Protocol, Self, TypeVar

from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import json_format

from aichain.app.context import Context, ValidatorUpdate
from aichain.app.crypto import (
    PrivateKey,
    account_address,
    address_from_pubkey,
    verify_signature,
)
from aichain.app.errors import AppError
from aichain.app.module import BaseModule
from aichain.app.router import Router
from aichain.app.tx import decode_tx, sign_doc_bytes
from aichain.modules.staking.errors import InvalidGenTxError
from aichain.modules.staking.msgs import MSG_CREATE_VALIDATOR_URL

GENTX_ACCOUNT_NUMBER = 0
"""Account number every gentx is signed with."""

DEFAULT_GENTX_GAS = 400_000
"""Gas limit written into a gentx (no fee is paid at genesis)."""


def build_gentx(
    key: PrivateKey,
    consensus_pubkey: bytes,
    moniker: str,
    amount: int,
    chain_id: str,
    account_number: int = GENTX_ACCOUNT_NUMBER,
    sequence: int = 0,
    denom: str = "uaic",
    commission_rate: str = "0.10",
    commission_max_rate: str = "0.20",
    commission_max_change_rate: str = "0.01",
    min_self_delegation: int = 1,
    details: str = "",
    memo: str = "",
) -> bytes:
    """Signed TxRaw bytes of a gentx: key's account creates a validator with consensus key
    consensus_pubkey (32 ed25519 bytes) and self-delegates amount of denom."""
    from aichain.client.txbuilder import SignerData, build_tx, msg_create_validator

    msg = msg_create_validator(
        key.address,
        consensus_pubkey,
        moniker,
        amount,
        denom,
        commission_rate,
        commission_max_rate,
        commission_max_change_rate,
        min_self_delegation,
        details,
    )
    signer = SignerData(account_number, sequence)
    return build_tx([msg], key, signer, chain_id, [], DEFAULT_GENTX_GAS, memo=memo)


def gentx_json(raw: bytes) -> dict[str, Any]:
    """A gentx as cosmos.tx.v1beta1.Tx proto JSON, for app_state.genutil.gen_txs."""
    tx = tx_pb2.TxRaw.FromString(raw)
    full = tx_pb2.Tx(
        body=tx_pb2.TxBody.FromString(tx.body_bytes),
        auth_info=tx_pb2.AuthInfo.FromString(tx.auth_info_bytes),
        signatures=tx.signatures,
    )
    return json_format.MessageToDict(full, preserving_proto_field_name=True)


def gentx_raw(entry: dict[str, Any] | str) -> bytes:
    """TxRaw bytes of a gen_txs entry (Tx JSON or base64 TxRaw). Raises InvalidGenTxError."""
    try:
        if isinstance(entry, str):
            return base64.b64decode(entry, validate=True)
        tx = json_format.ParseDict(entry, tx_pb2.Tx())
    except (ValueError, json_format.ParseError) as exc:
        raise InvalidGenTxError(f"gentx does not parse: {exc}") from None
    return tx_pb2.TxRaw(
        body_bytes=tx.body.SerializeToString(),
        auth_info_bytes=tx.auth_info.SerializeToString(),
        signatures=tx.signatures,
    ).SerializeToString()


class GenesisAccount(Protocol):
    """The account fields delivering a gentx reads and sets."""

    @property
    def sequence(self) -> int:
        """The account's next sequence."""

    def with_pubkey(self, pubkey: bytes) -> Self:
        """A copy with the public key set."""

    def with_sequence(self, sequence: int) -> Self:
        """A copy with another sequence."""


AccountT = TypeVar("AccountT", bound=GenesisAccount)
"""The account type of the auth keeper genutil is given."""


class GenesisAccounts(Protocol[AccountT]):
    """What delivering a gentx needs from auth."""

    def get_account(self, ctx: Context, address: bytes) -> AccountT | None:
        """The account at address, or None."""

    def set_account(self, ctx: Context, account: AccountT) -> None:
        """Stores an account."""


class StakingValidatorSet(Protocol):
    """What genutil needs from staking."""

    def apply_validator_set_updates(self, ctx: Context) -> Sequence[ValidatorUpdate]:
        """Recomputes the bonded set and appends the updates to ctx."""


def deliver_gentx(
    ctx: Context, raw: bytes, router: Router, accounts: GenesisAccounts[AccountT]
) -> None:
    """Checks a gentx (one MsgCreateValidator, no fee, valid signature over account number 0)
    and runs it through the MsgCreateValidator handler, whose one keeper call is the staking
    keeper's create_validator verb. Raises InvalidGenTxError."""
    try:
        tx = decode_tx(raw, router)
    except AppError as exc:
        raise InvalidGenTxError(f"gentx is not a valid tx: {exc}") from None
    if len(tx.msgs) != 1 or tx.msgs[0][0].type_url != MSG_CREATE_VALIDATOR_URL:
        raise InvalidGenTxError("a gentx holds exactly one MsgCreateValidator")
    if tx.fee:
        raise InvalidGenTxError("a gentx must not pay fees")
    signer = tx.signers[0]
    account = accounts.get_account(ctx, signer)
    if account is None:
        raise InvalidGenTxError(
            f"gentx signer {account_address(signer)} has no genesis account; add it with "
            "`aichain genesis add-account` before collecting gentxs"
        )
    pubkey = tx.signer_infos[0].pubkey
    if pubkey is None or address_from_pubkey(pubkey) != signer:
        raise InvalidGenTxError("gentx must carry the signer's public key")
    if tx.signer_infos[0].sequence != account.sequence:
        raise InvalidGenTxError(
            f"gentx sequence {tx.signer_infos[0].sequence} != account sequence {account.sequence}"
        )
    doc = sign_doc_bytes(tx.body_bytes, tx.auth_info_bytes, ctx.chain_id, GENTX_ACCOUNT_NUMBER)
    if not verify_signature(pubkey, doc, tx.signatures[0]):
        raise InvalidGenTxError(
            f"gentx signature does not verify for chain id {ctx.chain_id!r} and account "
            "number 0; sign it for this chain id"
        )
    accounts.set_account(ctx, account.with_pubkey(pubkey).with_sequence(account.sequence + 1))
    route, msg = tx.msgs[0]
    try:
        route.handler(ctx, msg)
    except AppError as exc:
        raise InvalidGenTxError(f"gentx of {account_address(signer)} failed: {exc}") from None


class GenutilModule(BaseModule, Generic[AccountT]):
    """Delivers app_state.genutil.gen_txs at InitChain (runs after every other module)."""

    name = "genutil"

    def __init__(self, accounts: GenesisAccounts[AccountT], staking: StakingValidatorSet) -> None:
        self.accounts = accounts
        self.staking = staking
        self.router: Router | None = None

    def register(self, router: Router) -> None:
        """Keeps the router to decode and route gentxs; adds no routes."""
        self.router = router

    def default_genesis(self) -> dict[str, Any]:
        """No gentxs."""
        return {"gen_txs": []}

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Delivers every gentx in order, then recomputes the validator set."""
        unknown = sorted(set(data) - {"gen_txs"})
        if unknown:
            raise InvalidGenTxError(f"genutil genesis has unknown keys: {', '.join(unknown)}")
        entries = data.get("gen_txs") or []
        if not entries:
            return
        if self.router is None:
            raise RuntimeError("GenutilModule.register must run before init_genesis")
        for entry in entries:
            deliver_gentx(ctx, gentx_raw(entry), self.router, self.accounts)
        self.staking.apply_validator_set_updates(ctx)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """No gentxs (their effects are in the staking export)."""
        return {"gen_txs": []}
