"""Unit tests: coins, key builders, the error registry, fees, crypto, genesis round trips."""

from __future__ import annotations

import importlib
import pkgutil
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aichain.app import errors
from aichain.app.ante import MinGasPrice, compute_required_fee, parse_min_gas_prices
from aichain.app.coins import Coin, parse_coins
from aichain.app.crypto import (
    PrivateKey,
    account_address,
    bech32_decode,
    bech32_encode,
    parse_account_address,
    verify_signature,
)
from aichain.app.errors import InvalidAddressError, InvalidCoinsError
from aichain.modules.auth import keys as auth_keys
from aichain.modules.bank import keys as bank_keys


def test_every_module_imports_and_error_codes_are_unique() -> None:
    import aichain.modules as mods

    for info in pkgutil.walk_packages(mods.__path__, "aichain.modules."):
        importlib.import_module(info.name)
    registry = errors.registered_errors()
    assert ("sdk", 5) in registry and ("bank", 2) in registry and ("auth", 2) in registry
    with pytest.raises(RuntimeError, match="registered twice"):
        type("Dup", (errors.AppError,), {"codespace": "bank", "code": 2})


def test_unregistered_exceptions_become_internal_without_leaking() -> None:
    result = errors.to_abci(ValueError("secret path /etc/x"))
    assert (result.codespace, result.code, result.log) == ("sdk", 1, "internal error")
    assert "secret" in errors.to_abci(ValueError("secret"), debug=True).log


def test_parse_coins() -> None:
    assert parse_coins("10uaic,5stake") == (Coin("stake", 5), Coin("uaic", 10))
    assert parse_coins("") == ()
    for bad, fragment in [
        ("10", "invalid coin"),
        ("-1uaic", "invalid coin"),
        ("1u", "invalid coin"),
        ("1uaic,2uaic", "duplicate"),
        (f"{2**256}uaic", "maximum"),
        ("0uaic", "positive"),
    ]:
        with pytest.raises(InvalidCoinsError, match=fragment):
            parse_coins(bad)


@given(
    st.binary(min_size=1, max_size=40),
    st.binary(min_size=1, max_size=40),
    st.text(min_size=3, max_size=10, alphabet="abcdefgh"),
    st.text(min_size=3, max_size=10, alphabet="abcdefgh"),
)
def test_balance_keys_never_collide_and_group_by_address(a1, a2, d1, d2) -> None:
    k1, k2 = bank_keys.balance_key(a1, d1), bank_keys.balance_key(a2, d2)
    assert (k1 == k2) == ((a1, d1) == (a2, d2))
    assert bank_keys.split_balance_key(k1) == (a1, d1)
    assert k1.startswith(bank_keys.balances_prefix(a1))
    if a1 != a2:
        assert not k2.startswith(bank_keys.balances_prefix(a1))


def test_account_keys_are_length_prefixed_and_ordered() -> None:
    a, b = b"\x01" * 20, b"\x02" * 20
    assert auth_keys.account_key(a) < auth_keys.account_key(b)
    assert auth_keys.address_from_account_key(auth_keys.account_key(a)) == a
    assert not auth_keys.account_key(b"\x01" * 32).startswith(auth_keys.account_key(a))
    collections = [auth_keys.ACCOUNT, auth_keys.NEXT_ACCOUNT_NUMBER, auth_keys.PARAMS]
    assert len(set(collections)) == len(collections)
    bank = [
        bank_keys.SUPPLY,
        bank_keys.DENOM_METADATA,
        bank_keys.BALANCES,
        bank_keys.PARAMS,
        bank_keys.SEND_ENABLED,
    ]
    assert len(set(bank)) == len(bank)


def test_min_gas_price_is_exact_and_rounds_up() -> None:
    (price,) = parse_min_gas_prices("0.025uaic")
    assert price == MinGasPrice("uaic", Fraction(1, 40))
    assert compute_required_fee(200_000, price) == 5000
    assert compute_required_fee(1, price) == 1
    with pytest.raises(ValueError):
        parse_min_gas_prices("uaic")


def test_addresses_and_signatures() -> None:
    key = PrivateKey((7).to_bytes(32, "big"))
    address = account_address(key.address)
    assert address.startswith("aic1") and parse_account_address(address) == key.address
    with pytest.raises(InvalidAddressError, match="prefix"):
        bech32_decode(bech32_encode("aicvaloper", key.address), "aic")
    with pytest.raises(InvalidAddressError):
        parse_account_address(address[:-1] + ("q" if address[-1] != "q" else "p"))
    sig = key.sign(b"msg")
    assert verify_signature(key.pubkey, b"msg", sig)
    assert not verify_signature(key.pubkey, b"other", sig)
    high_s = sig[:32] + (
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
        - int.from_bytes(sig[32:], "big")
    ).to_bytes(32, "big")
    assert not verify_signature(key.pubkey, b"msg", high_s)  # malleated signature refused


def test_genesis_export_of_import_is_identity() -> None:
    import json

    from tendermint.abci import types_pb2 as abci

    from aichain.app.app import memory_app
    from aichain.config.defaults import DENOM_METADATA

    key = PrivateKey((3).to_bytes(32, "big"))
    app = memory_app()
    genesis = app.manager.default_genesis()
    genesis["bank"]["denom_metadata"] = [DENOM_METADATA]
    genesis["bank"]["balances"] = [
        {"address": account_address(key.address), "coins": [{"denom": "uaic", "amount": "5"}]}
    ]
    app.init_chain(
        abci.RequestInitChain(chain_id="x", app_state_bytes=json.dumps(genesis).encode())
    )
    app.finalize_block(abci.RequestFinalizeBlock(height=1))
    app.commit(abci.RequestCommit())
    exported = app.manager.export_genesis(app.query_context())
    again = memory_app()
    again.init_chain(
        abci.RequestInitChain(chain_id="x", app_state_bytes=json.dumps(exported).encode())
    )
    again.finalize_block(abci.RequestFinalizeBlock(height=1))
    again.commit(abci.RequestCommit())
    assert again.manager.export_genesis(again.query_context()) == exported
    assert exported["bank"]["supply"] == [{"denom": "uaic", "amount": "5"}]
