"""Records of the bank module."""

from __future__ import annotations

from dataclasses import dataclass

from cosmos.bank.v1beta1 import bank_pb2


@dataclass(frozen=True, slots=True)
class Params:
    """Bank params: whether denoms without an explicit flag can be sent."""

    default_send_enabled: bool = True

    def to_proto(self) -> bank_pb2.Params:
        """As cosmos.bank.v1beta1.Params."""
        return bank_pb2.Params(default_send_enabled=self.default_send_enabled)

    @classmethod
    def from_proto(cls, p: bank_pb2.Params) -> Params:
        """From cosmos.bank.v1beta1.Params."""
        return cls(p.default_send_enabled)
