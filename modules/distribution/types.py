"""Distribution params."""

from __future__ import annotations

from dataclasses import dataclass

from cosmos.distribution.v1beta1 import distribution_pb2

from aichain.app.dec import ONE, dec_wire, parse_dec_wire


@dataclass(frozen=True, slots=True)
class Params:
    """Community tax (decimal atomics) and whether withdraw addresses may be set; proposer
    rewards are kept for wire compatibility but unused (as in Cosmos SDK v0.50)."""

    community_tax: int = ONE * 2 // 100
    base_proposer_reward: int = 0
    bonus_proposer_reward: int = 0
    withdraw_addr_enabled: bool = True

    def to_proto(self) -> distribution_pb2.Params:
        """As cosmos.distribution.v1beta1.Params."""
        return distribution_pb2.Params(
            community_tax=dec_wire(self.community_tax),
            base_proposer_reward=dec_wire(self.base_proposer_reward),
            bonus_proposer_reward=dec_wire(self.bonus_proposer_reward),
            withdraw_addr_enabled=self.withdraw_addr_enabled,
        )

    @classmethod
    def from_proto(cls, p: distribution_pb2.Params) -> Params:
        """From cosmos.distribution.v1beta1.Params."""
        return cls(
            parse_dec_wire(p.community_tax),
            parse_dec_wire(p.base_proposer_reward),
            parse_dec_wire(p.bonus_proposer_reward),
            p.withdraw_addr_enabled,
        )
