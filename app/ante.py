"""The ante chain: checks and charges every tx before its messages run.

Order (cheap to expensive, as the Cosmos SDK's ante handler): memo and signature-count
limits, timeout height, gas for the tx bytes, minimum gas price (CheckTx only), fee
deduction, then per signer: pubkey, sequence, signature, sequence increment.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from aichain.app.coins import Coin, format_coins
from aichain.app.context import Context
from aichain.app.crypto import account_address, address_from_pubkey, verify_signature
from aichain.app.errors import (
    InsufficientFeeError,
    InvalidPubKeyError,
    InvalidRequestError,
    InvalidSequenceError,
    MemoTooLargeError,
    TooManySignaturesError,
    UnauthorizedError,
    UnknownAddressError,
)
from aichain.app.multisig import MultisigKey
from aichain.app.tx import DecodedTx, SignerInfo, signer_sign_bytes

FEE_COLLECTOR = "fee_collector"
"""Module account that receives tx fees."""


class AnteAccount(Protocol):
    """The account fields the ante chain reads."""

    address: bytes
    account_number: int
    sequence: int
    pubkey: bytes | None

    def with_sequence(self, sequence: int) -> AnteAccount:
        """A copy with another sequence."""

    def with_pubkey(self, pubkey: bytes) -> AnteAccount:
        """A copy with the pubkey set."""


class AnteParams(Protocol):
    """The auth params the ante chain reads."""

    max_memo_characters: int
    tx_sig_limit: int
    tx_size_cost_per_byte: int
    sig_verify_cost_secp256k1: int


class AccountKeeper(Protocol):
    """What the ante chain needs from auth."""

    def get_params(self, ctx: Context) -> AnteParams:
        """Auth params."""

    def get_account(self, ctx: Context, address: bytes) -> AnteAccount | None:
        """The account at address, or None."""

    def set_account(self, ctx: Context, account: AnteAccount) -> None:  # type: ignore[misc]
        """Stores an account."""


class FeeKeeper(Protocol):
    """What the ante chain needs from bank."""

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins from an account to a module account."""


@dataclass(frozen=True, slots=True)
class MinGasPrice:
    """A minimum gas price: `price` units of `denom` per unit of gas, as an exact fraction."""

    denom: str
    price: Fraction


SIM_SIGNATURE_BYTES = 110
"""Bytes a simulation charges for each empty signature: a 64-byte signature, a 33-byte
compressed key and their framing (the SDK charges an amino StdSignature's size + 6)."""


def parse_min_gas_prices(text: str) -> tuple[MinGasPrice, ...]:
    """Parses '0.025uaic' (comma separated) into exact prices. Raises ValueError."""
    prices = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        i = 0
        while i < len(part) and (part[i].isdigit() or part[i] == "."):
            i += 1
        amount, denom = part[:i], part[i:]
        if not amount or not denom:
            raise ValueError(f"invalid minimum gas price {part!r}: write e.g. 0.025uaic")
        prices.append(MinGasPrice(denom, Fraction(amount)))
    return tuple(prices)


def compute_required_fee(gas_limit: int, price: MinGasPrice) -> int:
    """The smallest fee in price.denom for gas_limit, rounded up (integer arithmetic on the
    price's numerator and denominator: the exact ceiling, without building a Fraction)."""
    exact = price.price
    return -(-(exact.numerator * gas_limit) // exact.denominator)


def check_min_gas_price(tx: DecodedTx, prices: Sequence[MinGasPrice]) -> None:
    """Requires the fee to meet one of the minimum gas prices. Raises InsufficientFeeError."""
    if not prices or all(p.price.numerator == 0 for p in prices):
        return
    paid = {c.denom: c.amount for c in tx.fee}
    required = []
    for price in prices:
        need = compute_required_fee(tx.gas_limit, price)
        if paid.get(price.denom, 0) >= need:
            return
        required.append(f"{need}{price.denom}")
    raise InsufficientFeeError(
        f"insufficient fees; got: {format_coins(tx.fee) or 'nothing'} required: "
        f"{' or '.join(required)} for gas {tx.gas_limit}; raise --fees or lower --gas"
    )


def run_ante(
    ctx: Context,
    tx: DecodedTx,
    accounts: AccountKeeper,
    fees: FeeKeeper,
    min_gas_prices: Sequence[MinGasPrice],
    verified: MutableMapping[bytes, tuple[int, ...]],
) -> None:
    """Checks and charges tx; `verified` caches tx hash -> account numbers whose signatures
    were already checked, so each signature is verified once per node.

    Raises MemoTooLargeError, TooManySignaturesError, InvalidRequestError, OutOfGasError,
    InsufficientFeeError, InsufficientFundsError, UnknownAddressError, InvalidPubKeyError,
    InvalidSequenceError, UnauthorizedError.
    """
    params = accounts.get_params(ctx)
    if len(tx.memo) > params.max_memo_characters:
        raise MemoTooLargeError(
            f"maximum number of characters is {params.max_memo_characters} but received "
            f"{len(tx.memo)} characters"
        )
    key_count = (  # multisig members count each; member_signatures is set only for multisigs
        sum(info.key_count for info in tx.signer_infos)
        if tx.member_signatures
        else len(tx.signer_infos)
    )
    if max(key_count, len(tx.signatures)) > params.tx_sig_limit:
        raise TooManySignaturesError(
            f"signatures: {max(key_count, len(tx.signatures))} (multisig members count each), "
            f"limit: {params.tx_sig_limit}"
        )
    if tx.timeout_height and ctx.height > tx.timeout_height:
        raise InvalidRequestError(
            f"tx timeout height {tx.timeout_height} is below the block height {ctx.height}"
        )
    ctx.gas_meter.consume(len(tx.raw) * params.tx_size_cost_per_byte, "txSize")
    if ctx.is_simulate:  # the bytes a real signature and key will add, as the SDK estimates
        missing = sum(  # a multisig's empty signature: room for every member's (the SDK
            info.key_count  # charges TxSigLimit signatures; members are enough here)
            for info, sig in zip(tx.signer_infos, tx.signatures, strict=False)
            if not sig
        ) + max(0, len(tx.signatures) - len(tx.signer_infos))
        ctx.gas_meter.consume(
            missing * SIM_SIGNATURE_BYTES * params.tx_size_cost_per_byte, "txSize: simulated"
        )
    if ctx.is_check and not ctx.is_simulate:
        check_min_gas_price(tx, min_gas_prices)
    payer = accounts.get_account(ctx, tx.payer)
    if payer is None:
        raise UnknownAddressError(
            f"fee payer {account_address(tx.payer)} does not exist; fund it first"
        )
    if tx.fee:
        fees.send_coins_from_account_to_module(ctx, tx.payer, FEE_COLLECTOR, tx.fee)
    numbers = []
    for index, signer in enumerate(tx.signers):
        account = accounts.get_account(ctx, signer)
        if account is None:
            raise UnknownAddressError(
                f"account {account_address(signer)} does not exist; fund it before it signs"
            )
        numbers.append(account.account_number)
        info = tx.signer_infos[index]
        if info.multisig is not None:
            account = _with_multisig(account, info.multisig)
            for _ in range(_multisig_signature_count(info)):  # the SDK charges per signature
                ctx.gas_meter.consume(params.sig_verify_cost_secp256k1, "ante verify: secp256k1")
        else:
            account = _with_pubkey(account, info.pubkey, ctx.is_simulate)
            ctx.gas_meter.consume(params.sig_verify_cost_secp256k1, "ante verify: secp256k1")
        if info.sequence != account.sequence:
            raise InvalidSequenceError(
                f"account sequence mismatch, expected {account.sequence}, got {info.sequence}"
            )
        cached = verified.get(tx.hash)
        if not ctx.is_simulate and (cached is None or cached[index] != account.account_number):
            if not _verify_signer(ctx.chain_id, tx, index, account):
                raise UnauthorizedError(
                    f"signature verification failed for {account_address(signer)}; "
                    f"please verify account number ({account.account_number}), sequence "
                    f"({account.sequence}), chain-id ({ctx.chain_id}) and sign mode"
                )
        accounts.set_account(ctx, account.with_sequence(account.sequence + 1))
    if not ctx.is_simulate:
        verified[tx.hash] = tuple(numbers)


def _verify_signer(chain_id: str, tx: DecodedTx, index: int, account: AnteAccount) -> bool:
    """Whether signer `index` signed tx: its one signature, or for a multisig each member
    signature (one per set bit, in member order) under that member's key and mode."""
    info = tx.signer_infos[index]
    number, sequence = account.account_number, account.sequence
    if info.multisig is None:
        if account.pubkey is None:
            return False
        doc = signer_sign_bytes(tx, info.mode, chain_id, number, sequence)
        return verify_signature(account.pubkey, doc, tx.signatures[index])
    assert info.bits is not None  # decode_tx sets bits with multisig
    members = tx.member_signatures[index]
    signed = info.bits.set_indices()
    if not members or len(members) != len(signed):
        return False
    docs: dict[int, bytes] = {}
    for member, signature, mode in zip(signed, members, info.member_modes, strict=True):
        if mode not in docs:
            docs[mode] = signer_sign_bytes(tx, mode, chain_id, number, sequence)
        if not verify_signature(info.multisig.pubkeys[member], docs[mode], signature):
            return False
    return True


def _multisig_signature_count(info: SignerInfo) -> int:
    """Signatures a multisig signer's gas is charged for: its set bits (the threshold when a
    simulation leaves the bit array out)."""
    assert info.multisig is not None and info.bits is not None
    signed = len(info.bits.set_indices())
    return signed if signed else info.multisig.threshold


def _with_multisig(account: AnteAccount, key: MultisigKey) -> AnteAccount:
    """Checks a multisig key belongs to the account (sha256 of its amino bytes). The key is
    not stored on the account: every multisig tx carries it."""
    if key.address != account.address:
        raise InvalidPubKeyError(
            f"multisig pubkey does not match signer address {account_address(account.address)}"
        )
    if account.pubkey is not None:
        raise InvalidPubKeyError(
            f"account {account_address(account.address)} has a single key; it cannot sign as "
            "a multisig"
        )
    return account


def _with_pubkey(
    account: AnteAccount, declared: bytes | None, simulate: bool = False
) -> AnteAccount:
    """The account with its pubkey set from the tx if it had none; checks the key's address.
    A simulation may leave the key out (the SDK simulates with a placeholder key)."""
    if declared is not None:
        if address_from_pubkey(declared) != account.address:
            raise InvalidPubKeyError(
                f"pubkey does not match signer address {account_address(account.address)}"
            )
        if account.pubkey is None:
            return account.with_pubkey(declared)
        if account.pubkey != declared:
            raise InvalidPubKeyError("pubkey differs from the one already set on the account")
    if account.pubkey is None and not simulate:
        raise InvalidPubKeyError(
            f"account {account_address(account.address)} has no pubkey yet: include the "
            "public key in the signer info of its first tx"
        )
    return account
