"""The staking keeper over a real in-memory store: the create_validator verb, its checks, and
the parts the keeper is composed of working together (delegate, unbond, mature, slash)."""

from __future__ import annotations

import pytest

from aichain.app.coins import Coin
from aichain.app.errors import InsufficientFundsError
from aichain.modules.staking import keys
from aichain.modules.staking.errors import (
    BadDenomError,
    ValidatorOwnerExistsError,
    ValidatorPubKeyExistsError,
)
from aichain.modules.staking.hooks import StakingHooks
from aichain.modules.staking.keeper import Keeper
from aichain.modules.staking.types import (
    BONDED,
    BONDED_POOL,
    NOT_BONDED_POOL,
    UNBONDING,
    UnbondingDelegation,
    UnbondingEntry,
)

from .staking_fakes import AIC, DENOM, FakeBank, addr, context, new_validator, staking_keeper


class RecordingHooks(StakingHooks):
    """Records the hook calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def after_validator_created(self, ctx, op) -> None:  # noqa: ANN001
        self.calls.append("after_validator_created")

    def before_delegation_created(self, ctx, delegator, op) -> None:  # noqa: ANN001
        self.calls.append("before_delegation_created")

    def after_delegation_modified(self, ctx, delegator, op) -> None:  # noqa: ANN001
        self.calls.append("after_delegation_modified")


@pytest.fixture
def setup() -> tuple[Keeper, FakeBank, RecordingHooks]:
    keeper, bank = staking_keeper()
    hooks = RecordingHooks()
    keeper.set_hooks(hooks)
    bank.balances[(addr(1), DENOM)] = 100 * AIC
    return keeper, bank, hooks


def pool(keeper: Keeper, bank: FakeBank, name: str) -> int:
    return bank.balances.get((keeper.accounts.get_module_address(name), DENOM), 0)


def test_create_validator_stores_indexes_and_self_delegation(setup) -> None:  # noqa: ANN001
    keeper, bank, hooks = setup
    ctx = context()
    keeper.create_validator(ctx, new_validator(1), Coin(DENOM, 10 * AIC))
    stored = keeper.must_get_validator(ctx, addr(1))
    assert (stored.tokens, stored.power, stored.status) == (10 * AIC, 10, 1)
    assert keeper.get_validator_by_cons(ctx, stored.cons_address) == stored
    assert list(keeper.iter_by_power(ctx)) == [addr(1)]
    assert keeper.get_delegation(ctx, addr(1), addr(1)) == stored.shares > 0
    assert bank.balances[(addr(1), DENOM)] == 90 * AIC
    assert pool(keeper, bank, NOT_BONDED_POOL) == 10 * AIC
    assert hooks.calls == [
        "after_validator_created",
        "before_delegation_created",
        "after_delegation_modified",
    ]
    keeper.apply_validator_set_updates(ctx)
    assert keeper.must_get_validator(ctx, addr(1)).status == BONDED
    assert pool(keeper, bank, BONDED_POOL) == 10 * AIC
    assert [(u.pubkey, u.power) for u in ctx.validator_updates] == [(stored.pubkey, 10)]


def test_create_validator_rejects_existing_operator(setup) -> None:  # noqa: ANN001
    keeper, _, _ = setup
    ctx = context()
    keeper.create_validator(ctx, new_validator(1), Coin(DENOM, AIC))
    again = new_validator(1).replace(pubkey=new_validator(2).pubkey)
    with pytest.raises(ValidatorOwnerExistsError, match="edit-validator"):
        keeper.create_validator(ctx, again, Coin(DENOM, AIC))


def test_create_validator_rejects_a_consensus_key_in_use(setup) -> None:  # noqa: ANN001
    keeper, bank, _ = setup
    ctx = context()
    bank.balances[(addr(2), DENOM)] = AIC
    keeper.create_validator(ctx, new_validator(1), Coin(DENOM, AIC))
    other = new_validator(2).replace(pubkey=new_validator(1).pubkey)
    with pytest.raises(ValidatorPubKeyExistsError):
        keeper.create_validator(ctx, other, Coin(DENOM, AIC))
    assert keeper.get_validator(ctx, addr(2)) is None


def test_create_validator_rejects_another_denom_and_writes_nothing(setup) -> None:  # noqa: ANN001
    keeper, _, hooks = setup
    ctx = context()
    with pytest.raises(BadDenomError, match="expected the bond denom uaic"):
        keeper.create_validator(ctx, new_validator(1), Coin("uother", AIC))
    assert keeper.get_validator(ctx, addr(1)) is None
    assert hooks.calls == []


def test_create_validator_rejects_missing_funds(setup) -> None:  # noqa: ANN001
    keeper, _, _ = setup
    with pytest.raises(InsufficientFundsError):
        keeper.create_validator(context(), new_validator(3), Coin(DENOM, AIC))


def test_create_validator_at_genesis_import(setup) -> None:  # noqa: ANN001
    keeper, _, hooks = setup
    ctx = context()
    unbonding = new_validator(
        1, status=UNBONDING, tokens=5 * AIC, shares=5 * 10**24, unbonding_time_ns=7
    )
    keeper.create_validator(ctx, unbonding, run_hooks=False)
    assert hooks.calls == []
    assert keeper.get_delegation(ctx, addr(1), addr(1)) is None
    store = ctx.kv(keeper.store_key)
    assert store.has(keys.validator_queue_key(7, addr(1)))
    keeper.create_validator(ctx, new_validator(2))
    assert hooks.calls == ["after_validator_created"]


def test_keeper_parts_share_one_state(setup) -> None:  # noqa: ANN001
    keeper, bank, _ = setup
    ctx = context(time_ns=10**18)
    keeper.create_validator(ctx, new_validator(1), Coin(DENOM, 10 * AIC))
    keeper.apply_validator_set_updates(ctx)
    shares = keeper.shares_for_unbond(ctx, addr(1), addr(1), 2 * AIC)
    completion, amount = keeper.undelegate(ctx, addr(1), addr(1), shares)
    assert amount == 2 * AIC
    assert keeper.get_ubd(ctx, addr(1), addr(1)) is not None
    later = context(time_ns=completion)
    later.store = ctx.store
    keeper.process_mature_unbondings(later)
    assert keeper.get_ubd(later, addr(1), addr(1)) is None
    assert bank.balances[(addr(1), DENOM)] == 92 * AIC
    assert [e.type for e in later.events] == ["complete_unbonding"]
    cons = keeper.must_get_validator(later, addr(1)).cons_address
    burned = keeper.slash(later, cons, later.height, 8, 10**17)
    assert burned == 8 * AIC // 10
    keeper.jail(later, cons)
    assert keeper.must_get_validator(later, addr(1)).jailed
    assert list(keeper.iter_by_power(later)) == []
    keeper.unjail(later, cons)
    assert list(keeper.iter_by_power(later)) == [addr(1)]


def test_import_unbonding_delegation_queues_each_entry(setup) -> None:  # noqa: ANN001
    keeper, _, _ = setup
    ctx = context()
    entries = (UnbondingEntry(1, 5, 3, 3), UnbondingEntry(2, 9, 4, 4))
    keeper.import_unbonding_delegation(ctx, UnbondingDelegation(addr(1), addr(2), entries))
    queued = [
        keys.split_ubd_queue_key(k) for k, _ in ctx.kv(keeper.store_key).iterate(keys.UBD_QUEUE)
    ]
    assert queued == [(5, addr(1), addr(2)), (9, addr(1), addr(2))]
