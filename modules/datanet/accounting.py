"""Access and rewards: grants, access payments shared by a version's contributors, the
reward-per-weight accumulator (O(1) per version credit), per-record credits (O(K)) and lazy
claims."""

from __future__ import annotations

from collections.abc import Sequence

from aichain.app.context import Context
from aichain.app.crypto import account_address
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.modules.datanet import events, keys
from aichain.modules.datanet.errors import (
    AccessNotForSaleError,
    DuplicateEntryError,
    NoContributorsError,
    NothingToClaimError,
    RecordNotInVersionError,
)
from aichain.modules.datanet.state import DatanetState, address_bytes
from aichain.modules.datanet.types import (
    compute_claim,
    compute_credit,
    compute_owed,
)
from aichain.modules.datanet.view import Rewards


class Accounting:
    """Grant and pay access; credit versions and records; claim."""

    def __init__(self, state: DatanetState) -> None:
        self.state = state

    def grant_access(self, ctx: Context, owner: str, datanet_id: int, grantee: bytes) -> None:
        """The owner grants an account access. Raises DatanetNotFoundError, NotOwnerError."""
        datanet = self.state.require_datanet(ctx, datanet_id)
        self.state.require_owner(datanet, owner)
        ctx.kv(self.state.store_key).set(keys.access_key(datanet_id, grantee), b"granted")
        who = account_address(grantee)
        self.state.record_history(ctx, datanet, owner, "grant", who)
        self.state.set_datanet(ctx, datanet)
        events.emit_access(ctx, datanet_id, who, "granted")

    def pay_access(
        self, ctx: Context, payer: bytes, datanet_id: int, version: int, grantee: bytes
    ) -> int:
        """Pays the access price of a restricted datanet into the accumulator of the version's
        contributors and grants grantee access. Returns the price paid.

        Raises DatanetNotFoundError, AccessNotForSaleError, VersionNotFoundError,
        NoContributorsError, InsufficientFundsError.
        """
        datanet = self.state.require_datanet(ctx, datanet_id)
        price = int(datanet.access_price or "0")
        if datanet.access_policy != pb.ACCESS_POLICY_RESTRICTED:
            raise AccessNotForSaleError(f"datanet {datanet_id} is public: access needs no payment")
        if price == 0:
            raise AccessNotForSaleError(
                f"datanet {datanet_id} sells no access (price 0): ask its owner for a grant"
            )
        self.state.require_version(ctx, datanet_id, version)
        self.state.escrow(ctx, payer, price)
        self.credit_version(ctx, datanet_id, version, price)
        how = f"paid:{version}"
        ctx.kv(self.state.store_key).set(keys.access_key(datanet_id, grantee), how.encode())
        who = account_address(grantee)
        self.state.record_history(
            ctx, datanet, account_address(payer), "pay_access", f"{who} v{version} {price}"
        )
        self.state.set_datanet(ctx, datanet)
        events.emit_access(ctx, datanet_id, who, how)
        return price

    def credit_version(self, ctx: Context, datanet_id: int, version: int, amount: int) -> None:
        """Shares amount (already in the datanet module account) among a version's
        contributors by weight, in O(1). Raises VersionNotFoundError, NoContributorsError."""
        found = self.state.require_version(ctx, datanet_id, version)
        if found.total_weight == 0:
            raise NoContributorsError(f"version {version} of datanet {datanet_id} has no records")
        rewards = self.state.get_rewards(ctx, datanet_id, version)
        rpw, remainder = compute_credit(
            rewards.reward_per_weight, rewards.remainder, amount, found.total_weight
        )
        updated = Rewards(rewards.paid + amount, rewards.claimed, rpw, remainder)
        self.state.set_rewards(ctx, datanet_id, version, updated)
        events.emit_credited(ctx, datanet_id, version, amount)

    def credit_records(
        self, ctx: Context, datanet_id: int, version: int, credits: Sequence[tuple[int, int]]
    ) -> None:
        """Credits (record id, amount) pairs of a version to their contributors, in O(K)
        (inference settlement: amounts already in the datanet module account).

        Every read comes before every write (a block's buffered writes are sorted once for
        the versioned lookups, not once per record), and a contributor named by several
        records is credited once with their sum (the same state as crediting one by one).

        Raises VersionNotFoundError, RecordNotInVersionError.
        """
        self.state.require_version(ctx, datanet_id, version)
        rewards = self.state.get_rewards(ctx, datanet_id, version)
        owed: dict[bytes, int] = {}
        total = 0
        for record_id, amount in credits:
            if self.state.find_position(ctx, datanet_id, version, record_id) is None:
                raise RecordNotInVersionError(
                    f"record {record_id} is not in version {version} of datanet {datanet_id}"
                )
            contributor = address_bytes(
                self.state.require_record(ctx, datanet_id, record_id).contributor
            )
            if contributor not in owed:
                snapshot, carry = self.state.get_claim_state(ctx, datanet_id, version, contributor)
                weight = self.state.get_weight(ctx, datanet_id, contributor, version)
                owed[contributor] = compute_owed(weight, rewards.reward_per_weight, snapshot, carry)
            owed[contributor] += amount * 10**18
            total += amount
        for contributor in sorted(owed):
            self.state.set_claim_state(
                ctx, datanet_id, version, contributor, rewards.reward_per_weight, owed[contributor]
            )
        updated = Rewards(
            rewards.paid + total, rewards.claimed, rewards.reward_per_weight, rewards.remainder
        )
        self.state.set_rewards(ctx, datanet_id, version, updated)

    def claim(
        self, ctx: Context, contributor: bytes, datanet_id: int, versions: Sequence[int]
    ) -> int:
        """Pays a contributor what the given versions (all credited ones when empty) owe it.

        Raises DatanetNotFoundError, VersionNotFoundError, DuplicateEntryError,
        NothingToClaimError.
        """
        self.state.require_datanet(ctx, datanet_id)
        if len(set(versions)) != len(versions):
            raise DuplicateEntryError("a version is named twice")
        if versions:
            chosen = [(v, self.state.get_rewards(ctx, datanet_id, v)) for v in versions]
            for v, _ in chosen:
                self.state.require_version(ctx, datanet_id, v)
        else:
            chosen = list(self.state.iter_rewards(ctx, datanet_id))
        total = 0
        for version, rewards in chosen:
            snapshot, carry = self.state.get_claim_state(ctx, datanet_id, version, contributor)
            weight = self.state.get_weight(ctx, datanet_id, contributor, version)
            owed = compute_owed(weight, rewards.reward_per_weight, snapshot, carry)
            paid, carried = compute_claim(owed)
            if paid == 0:
                continue
            self.state.set_claim_state(
                ctx, datanet_id, version, contributor, rewards.reward_per_weight, carried
            )
            self.state.set_rewards(
                ctx,
                datanet_id,
                version,
                Rewards(
                    rewards.paid, rewards.claimed + paid, rewards.reward_per_weight,
                    rewards.remainder,
                ),
            )  # fmt: skip
            total += paid
        if total == 0:
            raise NothingToClaimError(
                f"{account_address(contributor)} has nothing to claim in datanet {datanet_id}"
            )
        self.state.pay(ctx, contributor, total)
        events.emit_claimed(ctx, datanet_id, account_address(contributor), total)
        return total
