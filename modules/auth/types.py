"""Records of the auth module."""

from __future__ import annotations

from dataclasses import dataclass

from cosmos.auth.v1beta1 import auth_pb2
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from google.protobuf import any_pb2

from aichain.modules.auth.errors import InvalidParamsError

BASE_ACCOUNT_URL = "/cosmos.auth.v1beta1.BaseAccount"
"""Type URL of a user account."""

MODULE_ACCOUNT_URL = "/cosmos.auth.v1beta1.ModuleAccount"
"""Type URL of a module account."""

SECP256K1_PUBKEY_URL = "/cosmos.crypto.secp256k1.PubKey"
"""Type URL of a secp256k1 public key."""


@dataclass(frozen=True, slots=True)
class Params:
    """Auth params (the Cosmos SDK's, same defaults)."""

    max_memo_characters: int = 256
    tx_sig_limit: int = 7
    tx_size_cost_per_byte: int = 10
    sig_verify_cost_ed25519: int = 590
    sig_verify_cost_secp256k1: int = 1000

    def validate(self) -> None:
        """Raises InvalidParamsError, naming the field, unless every field is positive."""
        for name in self.__slots__:  # type: ignore[attr-defined]
            value = getattr(self, name)
            if value <= 0:
                raise InvalidParamsError(f"params.{name} must be positive, got {value}")

    def to_proto(self) -> auth_pb2.Params:
        """As cosmos.auth.v1beta1.Params."""
        return auth_pb2.Params(
            max_memo_characters=self.max_memo_characters,
            tx_sig_limit=self.tx_sig_limit,
            tx_size_cost_per_byte=self.tx_size_cost_per_byte,
            sig_verify_cost_ed25519=self.sig_verify_cost_ed25519,
            sig_verify_cost_secp256k1=self.sig_verify_cost_secp256k1,
        )

    @classmethod
    def from_proto(cls, p: auth_pb2.Params) -> Params:
        """From cosmos.auth.v1beta1.Params."""
        return cls(
            p.max_memo_characters,
            p.tx_sig_limit,
            p.tx_size_cost_per_byte,
            p.sig_verify_cost_ed25519,
            p.sig_verify_cost_secp256k1,
        )


@dataclass(frozen=True, slots=True)
class Account:
    """An account: address, optional secp256k1 pubkey, number, sequence; module name if any."""

    address: bytes
    account_number: int
    sequence: int = 0
    pubkey: bytes | None = None
    module_name: str = ""
    permissions: tuple[str, ...] = ()
    """A module account's permissions (minter, burner, staking)."""

    def with_sequence(self, sequence: int) -> Account:
        """A copy with another sequence."""
        return Account(
            self.address,
            self.account_number,
            sequence,
            self.pubkey,
            self.module_name,
            self.permissions,
        )

    def with_pubkey(self, pubkey: bytes) -> Account:
        """A copy with the pubkey set."""
        return Account(
            self.address,
            self.account_number,
            self.sequence,
            pubkey,
            self.module_name,
            self.permissions,
        )

    def to_any(self, bech32: str) -> any_pb2.Any:
        """As an Any of BaseAccount or ModuleAccount, as the Cosmos SDK stores and serves it."""
        base = auth_pb2.BaseAccount(
            address=bech32, account_number=self.account_number, sequence=self.sequence
        )
        if self.pubkey is not None:
            base.pub_key.Pack(secp_pb2.PubKey(key=self.pubkey), type_url_prefix="/")
        if self.module_name:
            msg = auth_pb2.ModuleAccount(
                base_account=base, name=self.module_name, permissions=self.permissions
            )
            return any_pb2.Any(type_url=MODULE_ACCOUNT_URL, value=msg.SerializeToString())
        return any_pb2.Any(type_url=BASE_ACCOUNT_URL, value=base.SerializeToString())
