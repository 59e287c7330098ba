"""Genutil genesis: deliver each gentx of app_state.genutil.gen_txs at InitChain."""

from __future__ import annotations

from typing import Any

from aichain.app.context import Context
from aichain.app.crypto import account_address, address_from_pubkey, verify_signature
from aichain.app.errors import AppError
from aichain.app.router import Router
from aichain.app.tx import decode_tx, sign_doc_bytes
from aichain.modules.genutil.errors import InvalidGenTxError
from aichain.modules.genutil.expected import AccountT, GenesisAccounts, StakingValidatorSet
from aichain.modules.genutil.gentx import GENTX_ACCOUNT_NUMBER, gentx_raw
from aichain.modules.staking.msgs import MSG_CREATE_VALIDATOR_URL


def default_genesis() -> dict[str, Any]:
    """No gentxs."""
    return {"gen_txs": []}


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


def init_genesis(
    ctx: Context,
    data: dict[str, Any],
    router: Router,
    accounts: GenesisAccounts[AccountT],
    staking: StakingValidatorSet,
) -> None:
    """Delivers every gentx in order, then recomputes the validator set.

    Raises InvalidGenTxError."""
    unknown = sorted(set(data) - {"gen_txs"})
    if unknown:
        raise InvalidGenTxError(f"genutil genesis has unknown keys: {', '.join(unknown)}")
    entries = data.get("gen_txs") or []
    if not entries:
        return
    for entry in entries:
        deliver_gentx(ctx, gentx_raw(entry), router, accounts)
    staking.apply_validator_set_updates(ctx)
