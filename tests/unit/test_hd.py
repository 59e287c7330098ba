"""BIP-39/BIP-32 derivation against published vectors."""

from __future__ import annotations

import base64

import pytest

from aichain.app.crypto import PrivateKey, account_address, bech32_encode
from aichain.client import hd

BIP32_SEED_1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")

# BIP-32 test vector 1: path -> (private key, chain code).
BIP32_VECTOR_1 = {
    "m": (
        "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35",
        "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508",
    ),
    "m/0H": (
        "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea",
        "47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141",
    ),
    "m/0H/1": (
        "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368",
        "2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19",
    ),
    "m/0'/1/2'": (
        "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca",
        "04466b9cc8e161e966409ca52986c584f07e9dc81f735db683c3ff6ec7b1503f",
    ),
    "m/0'/1/2'/2/1000000000": (
        "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8",
        "c783e67b921d2beb8f6b389cc646d7263b4145701dadd2161548a8b078e65e9e",
    ),
}

ABANDON_MNEMONIC = "abandon " * 11 + "about"
"""The all-`abandon` phrase: m/44'/118'/0'/0/0 is cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4."""

COSMJS_FAUCET_MNEMONIC = (
    "economy stock theory fatal elder harbor betray wasp final emotion task crumble siren bottom "
    "lizard educate guess current outdoor pair theory focus wife stone"
)
"""The CosmJS test faucet phrase, with its published addresses and public key."""


@pytest.mark.parametrize("path", sorted(BIP32_VECTOR_1))
def test_bip32_vector_1(path: str) -> None:
    key = hd.derive_from_seed(BIP32_SEED_1, path)
    assert (key.secret.hex(), key.chain_code.hex()) == BIP32_VECTOR_1[path]


def test_master_key_matches_bip32_vector_1() -> None:
    master = hd.compute_master_key(BIP32_SEED_1)
    assert master.secret.hex() == BIP32_VECTOR_1["m"][0]


def test_cosmos_vector_abandon_about() -> None:
    key = PrivateKey(hd.derive_private_key(ABANDON_MNEMONIC))
    assert bech32_encode("cosmos", key.address) == "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4"
    assert account_address(key.address).startswith("aic1")


def test_cosmos_vector_cosmjs_faucet() -> None:
    key0 = PrivateKey(hd.derive_private_key(COSMJS_FAUCET_MNEMONIC))
    assert bech32_encode("cosmos", key0.address) == "cosmos1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmmk8rs6"
    assert base64.b64encode(key0.pubkey).decode() == "A08EGB7ro1ORuFhjOnZcSgwYlpe0DSFjVNUIkNNQxwKQ"
    key1 = PrivateKey(hd.derive_private_key(COSMJS_FAUCET_MNEMONIC, path=hd.cosmos_path(0, 1)))
    assert bech32_encode("cosmos", key1.address) == "cosmos10dyr9899g6t0pelew4nvf4j5c3jcgv0r73qga5"


def test_default_path_is_cosmos_path_zero() -> None:
    assert hd.DEFAULT_PATH == hd.cosmos_path() == "m/44'/118'/0'/0/0"
    assert hd.cosmos_path(2, 7) == "m/44'/118'/2'/0/7"


def test_passphrase_changes_the_key() -> None:
    plain = hd.derive_private_key(ABANDON_MNEMONIC)
    assert hd.derive_private_key(ABANDON_MNEMONIC, passphrase="TREZOR") != plain


def test_mnemonic_is_normalised() -> None:
    messy = "  " + ABANDON_MNEMONIC.upper().replace(" ", "   ") + "\n"
    assert hd.derive_private_key(messy) == hd.derive_private_key(ABANDON_MNEMONIC)


def test_generate_mnemonic_has_24_valid_words() -> None:
    phrase = hd.generate_mnemonic()
    assert len(phrase.split()) == 24
    assert hd.validate_mnemonic(phrase) == phrase


def test_parse_path_marks_hardened_indexes() -> None:
    assert hd.parse_path("m/44'/118'/0'/0/5") == [
        44 + hd.HARDENED_OFFSET,
        118 + hd.HARDENED_OFFSET,
        hd.HARDENED_OFFSET,
        0,
        5,
    ]
    assert hd.parse_path("m") == []


def test_validate_mnemonic_rejects_wrong_word_count() -> None:
    with pytest.raises(hd.InvalidMnemonicError, match="11 words"):
        hd.validate_mnemonic("abandon " * 11)


def test_validate_mnemonic_rejects_unknown_word() -> None:
    with pytest.raises(hd.InvalidMnemonicError, match="abandonn"):
        hd.validate_mnemonic("abandonn " + "abandon " * 10 + "about")


def test_validate_mnemonic_rejects_bad_checksum() -> None:
    with pytest.raises(hd.InvalidMnemonicError, match="checksum"):
        hd.validate_mnemonic("abandon " * 12)


@pytest.mark.parametrize("path", ["44'/118'", "m/x", "m/2147483648", "m//1", "n/0"])
def test_parse_path_rejects_malformed(path: str) -> None:
    with pytest.raises(hd.InvalidPathError):
        hd.parse_path(path)


def test_cosmos_path_rejects_negative_index() -> None:
    with pytest.raises(hd.InvalidPathError, match="index"):
        hd.cosmos_path(0, -1)
