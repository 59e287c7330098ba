"""Modelreg keeper with fakes (bank, datanet): base models, adapters pinned to datanet
versions, lifecycle, prices, workers (bond, hot key, unbonding, jail), royalties, and each
operation's bad input (`test_<op>_rejects_<reason>`)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aichain.app.store_keys import StoreKey
from aichain.datanet.v1 import datanet_pb2
from aichain.modelreg.v1 import modelreg_pb2 as pb
from aichain.modules.modelreg import errors
from aichain.modules.modelreg.invariants import bonds_invariant
from aichain.modules.modelreg.keeper import ACTIVE, DEPRECATED, PROPOSED, Keeper
from aichain.modules.modelreg.msgs import hot_address
from aichain.modules.modelreg.types import Params, compute_lineage_royalties
from tests.unit.datanet_fakes import DENOM, FakeAccounts, FakeBank, addr, bech, context, key

ROOT = "ab" * 32


class FakeDatanet:
    """Datanet 1 v1 (public) and datanet 2 v1 (restricted; access for listed accounts)."""

    def __init__(self) -> None:
        self.allowed: set[bytes] = set()

    def get_version(self, ctx, datanet_id: int, version: int):
        if datanet_id in (1, 2) and version == 1:
            return datanet_pb2.Version(datanet_id=datanet_id, version=1, root=ROOT, size=3)
        return None

    def has_access(self, ctx, datanet_id: int, account: bytes) -> bool:
        return datanet_id == 1 or account in self.allowed


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def setup():
    bank = FakeBank(FakeAccounts())
    for n in range(6):
        bank.balances[(addr(n), DENOM)] = 10**12
    datanet = FakeDatanet()
    keeper = Keeper(StoreKey("modelreg"), bank, bank.accounts, datanet)
    ctx = context()
    base = keeper.register_base_model(ctx, pb.Model(
        owner=bech(0), name="tiny", weights_hash=h("base"), architecture="gpt2",
        parameter_count=10, license="MIT"))  # fmt: skip
    return keeper, bank, datanet, ctx, base


def adapter(base: int, weights: str = "a1", datanet: int = 1, root: str = ROOT, parent: int = 0,
            owner: int = 1) -> pb.Model:  # fmt: skip
    return pb.Model(
        owner=bech(owner), name="ad", base_model_id=base, weights_hash=h(weights),
        manifest_hash=h("m"), training_config_hash=h("c"), parent_adapter_id=parent,
        provenance=[pb.DatanetRef(datanet_id=datanet, version=1, version_root=root)],
    )  # fmt: skip


def test_register_adapter_and_lineage() -> None:
    keeper, _, _, ctx, base = setup()
    a = keeper.register_adapter(ctx, adapter(base))
    b = keeper.register_adapter(ctx, adapter(base, "a2", parent=a))
    assert [m.id for m in keeper.get_lineage(ctx, b)] == [b, a, base]
    assert keeper.require_model(ctx, b).lineage_depth == 2
    assert keeper.require_model(ctx, b).status == PROPOSED
    assert [r.datanet_id for r in keeper.iter_provenance(ctx, b)] == [1, 1]


def test_register_adapter_rejects_unknown_base() -> None:
    keeper, _, _, ctx, _ = setup()
    with pytest.raises(errors.ModelNotFoundError, match="base model 9"):
        keeper.register_adapter(ctx, adapter(9))


def test_register_adapter_rejects_adapter_as_base() -> None:
    keeper, _, _, ctx, base = setup()
    a = keeper.register_adapter(ctx, adapter(base))
    with pytest.raises(errors.InvalidModelError):
        keeper.register_adapter(ctx, adapter(a, "a2"))


def test_register_adapter_rejects_unknown_version() -> None:
    keeper, _, _, ctx, base = setup()
    with pytest.raises(errors.DatanetVersionNotFoundError):
        keeper.register_adapter(ctx, adapter(base, datanet=7))


def test_register_adapter_rejects_root_mismatch() -> None:
    keeper, _, _, ctx, base = setup()
    with pytest.raises(errors.VersionRootMismatchError):
        keeper.register_adapter(ctx, adapter(base, root="cd" * 32))


def test_register_adapter_rejects_unpaid_restricted_datanet() -> None:
    keeper, _, datanet, ctx, base = setup()
    with pytest.raises(errors.AccessNotMetError):
        keeper.register_adapter(ctx, adapter(base, datanet=2))
    datanet.allowed.add(addr(1))
    keeper.register_adapter(ctx, adapter(base, datanet=2))


def test_register_adapter_rejects_duplicate_weights() -> None:
    keeper, _, _, ctx, base = setup()
    keeper.register_adapter(ctx, adapter(base))
    with pytest.raises(errors.DuplicateModelError):
        keeper.register_adapter(ctx, adapter(base))


def test_register_adapter_rejects_lineage_too_deep() -> None:
    keeper, _, _, ctx, base = setup()
    keeper.set_params(ctx, Params(max_lineage_depth=2))
    a = keeper.register_adapter(ctx, adapter(base))
    b = keeper.register_adapter(ctx, adapter(base, "a2", parent=a))
    with pytest.raises(errors.LineageTooDeepError):
        keeper.register_adapter(ctx, adapter(base, "a3", parent=b))


def test_lifecycle_and_activation_rechecks_access() -> None:
    keeper, _, datanet, ctx, base = setup()
    datanet.allowed.add(addr(1))
    a = keeper.register_adapter(ctx, adapter(base, datanet=2))
    datanet.allowed.clear()  # e.g. access revoked before activation
    with pytest.raises(errors.AccessNotMetError):
        keeper.activate(ctx, a)
    datanet.allowed.add(addr(1))
    keeper.activate(ctx, a)
    assert keeper.require_model(ctx, a).status == ACTIVE
    with pytest.raises(errors.InvalidStatusError):
        keeper.activate(ctx, a)
    keeper.deprecate(ctx, a)
    assert keeper.require_model(ctx, a).status == DEPRECATED
    with pytest.raises(errors.InvalidStatusError):
        keeper.deprecate(ctx, a)


def test_set_price_rejects_out_of_bounds_and_non_owner() -> None:
    keeper, _, _, ctx, base = setup()
    keeper.set_params(ctx, Params(min_price=10, max_price=100))
    keeper.set_price(ctx, bech(0), base, 10, 100)
    with pytest.raises(errors.PriceOutOfBoundsError):
        keeper.set_price(ctx, bech(0), base, 101, 50)
    with pytest.raises(errors.PriceOutOfBoundsError):
        keeper.set_price(ctx, bech(0), base, 50, 9)
    with pytest.raises(errors.NotOwnerError):
        keeper.set_price(ctx, bech(1), base, 50, 50)


HOT = key(9).pubkey


def register(keeper, ctx, base, bond: int = 2_000_000, hot: bytes = HOT, operator: int = 2):
    keeper.register_worker(ctx, addr(operator), hot, hot_address(hot), [base], "https://w",
                           "1x H100", bond)  # fmt: skip


def test_register_worker_escrows_the_bond() -> None:
    keeper, bank, _, ctx, base = setup()
    register(keeper, ctx, base)
    worker = keeper.require_worker(ctx, addr(2))
    assert worker.bond == "2000000" and worker.hot_address == bech(9)
    assert keeper.get_operator_of_hot_key(ctx, addr(9)) == addr(2)
    assert bonds_invariant(ctx, keeper) is None


def test_register_worker_rejects_small_bond() -> None:
    keeper, _, _, ctx, base = setup()
    with pytest.raises(errors.InsufficientBondError):
        register(keeper, ctx, base, bond=999_999)


def test_register_worker_rejects_hot_key_equal_to_operator() -> None:
    keeper, _, _, ctx, base = setup()
    with pytest.raises(errors.HotKeyIsOperatorError):
        register(keeper, ctx, base, hot=key(2).pubkey)


def test_register_worker_rejects_hot_key_in_use_and_second_worker() -> None:
    keeper, _, _, ctx, base = setup()
    register(keeper, ctx, base)
    with pytest.raises(errors.HotKeyInUseError):
        register(keeper, ctx, base, operator=3)
    with pytest.raises(errors.WorkerExistsError):
        register(keeper, ctx, base, hot=key(8).pubkey)


def test_register_worker_rejects_restricted_adapter_without_access() -> None:
    keeper, _, datanet, ctx, base = setup()
    datanet.allowed.add(addr(1))
    a = keeper.register_adapter(ctx, adapter(base, datanet=2))
    with pytest.raises(errors.ModelNotServableError):
        keeper.register_worker(ctx, addr(2), HOT, hot_address(HOT), [a], "e", "h", 2_000_000)
    datanet.allowed.add(addr(2))
    keeper.register_worker(ctx, addr(2), HOT, hot_address(HOT), [a], "e", "h", 2_000_000)


def test_rotate_key_and_unbonding_returns_the_bond() -> None:
    keeper, bank, _, ctx, base = setup()
    register(keeper, ctx, base)
    with pytest.raises(errors.HotKeyIsOperatorError):
        keeper.rotate_key(ctx, addr(2), key(2).pubkey, addr(2))
    new = key(8).pubkey
    keeper.rotate_key(ctx, addr(2), new, hot_address(new))
    assert keeper.get_operator_of_hot_key(ctx, addr(9)) is None
    assert keeper.get_operator_of_hot_key(ctx, addr(8)) == addr(2)
    before = bank.get_balance(ctx, addr(2), DENOM)
    done = keeper.unbond_worker(ctx, addr(2))
    keeper.process_matured_unbondings(ctx)
    assert keeper.get_worker(ctx, addr(2)) is not None  # not yet
    ctx.time_ns = done * 10**9
    keeper.process_matured_unbondings(ctx)
    assert keeper.get_worker(ctx, addr(2)) is None
    assert bank.get_balance(ctx, addr(2), DENOM) == before + 2_000_000
    assert bonds_invariant(ctx, keeper) is None


def test_unjail_rejects_before_jail_time() -> None:
    keeper, _, _, ctx, base = setup()
    register(keeper, ctx, base)
    until = ctx.time_ns // 10**9 + 100
    keeper.jail_worker(ctx, addr(2), until)
    with pytest.raises(errors.InvalidStatusError, match="jailed until"):
        keeper.unjail_worker(ctx, addr(2))
    ctx.time_ns = until * 10**9
    keeper.unjail_worker(ctx, addr(2))
    assert keeper.require_worker(ctx, addr(2)).status == pb.WORKER_STATUS_ACTIVE


def test_usage_counters() -> None:
    keeper, _, _, ctx, base = setup()
    keeper.record_usage(ctx, base, 3, 300)
    keeper.record_usage(ctx, base, 1, 50)
    usage = keeper.get_usage(ctx, base)
    assert (usage.inferences, usage.revenue) == (4, "350")


def test_lineage_royalties() -> None:
    assert compute_lineage_royalties(10_000, 3, 1_000) == [9000, 900, 90, 10]
    assert compute_lineage_royalties(7, 2, 5_000) == [4, 2, 1]
    assert compute_lineage_royalties(100, 0, 5_000) == [100]


@given(st.integers(0, 10**30), st.integers(0, 8), st.integers(0, 10_000))
def test_lineage_royalties_conserve_revenue(revenue: int, depth: int, bps: int) -> None:
    shares = compute_lineage_royalties(revenue, depth, bps)
    assert sum(shares) == revenue and min(shares) >= 0 and len(shares) == depth + 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_price", 10**13), ("unbonding_seconds", -1), ("max_lineage_depth", 0),
     ("royalty_bps", 10_001), ("max_models_per_worker", 0), ("bond_denom", "1")],
)  # fmt: skip
def test_params_reject_bad_field(field: str, value: object) -> None:
    from dataclasses import replace

    with pytest.raises(errors.InvalidParamsError, match=f"params.{field}"):
        replace(Params(), **{field: value}).validate()


# --- governance decisions: per-model price bounds, version ranking ---------------------------


def bases(keeper: Keeper, ctx, n: int) -> list[int]:  # noqa: ANN001
    return [
        keeper.register_base_model(
            ctx,
            pb.Model(
                owner=bech(0),
                name=f"v{i}",
                weights_hash=h(f"v{i}"),
                architecture="gpt2",
                parameter_count=10,
                license="MIT",
            ),
        )  # fmt: skip
        for i in range(n)
    ]


def test_set_price_bounds_clamps_the_price_and_bounds_later_prices() -> None:
    keeper, _, _, ctx, base = setup()
    keeper.set_price(ctx, bech(0), base, 500, 5)
    assert keeper.set_price_bounds(ctx, base, 10, 300) == (300, 10)
    model = keeper.require_model(ctx, base)
    assert (model.min_price, model.max_price, model.price_per_request) == ("10", "300", "300")
    with pytest.raises(errors.PriceOutOfBoundsError, match=r"\[10, 300\]"):
        keeper.set_price(ctx, bech(0), base, 301, 10)
    keeper.set_price(ctx, bech(0), base, 300, 10)
    # one side only: the params' bound holds on the other; clearing both restores the params'
    assert keeper.set_price_bounds(ctx, base, None, 20) == (20, 10)
    assert keeper.get_price_bounds(ctx, keeper.require_model(ctx, base)) == (0, 20)
    keeper.set_price_bounds(ctx, base, None, None)
    assert keeper.get_price_bounds(ctx, keeper.require_model(ctx, base)) == (0, 10**12)


def test_set_price_bounds_rejects_inverted_or_disjoint_bounds_changing_nothing() -> None:
    keeper, _, _, ctx, base = setup()
    keeper.set_params(ctx, Params(min_price=5, max_price=1000))
    before = keeper.require_model(ctx, base).SerializeToString()
    with pytest.raises(errors.InvalidPriceBoundsError, match="above max price"):
        keeper.set_price_bounds(ctx, base, 9, 8)
    with pytest.raises(errors.InvalidPriceBoundsError, match=r"params' bounds \[5, 1000\]"):
        keeper.set_price_bounds(ctx, base, 2000, None)
    with pytest.raises(errors.ModelNotFoundError):
        keeper.set_price_bounds(ctx, 99, 1, 2)
    assert keeper.require_model(ctx, base).SerializeToString() == before


def test_rank_models_chains_versions_and_resolves_the_preferred_one() -> None:
    keeper, _, _, ctx, base = setup()
    v1, v2, v3 = [base, *bases(keeper, ctx, 2)]
    keeper.rank_models(ctx, v2, v1)
    keeper.rank_models(ctx, v3, v2)
    versions, rank = keeper.get_ranking(ctx, v1)
    assert ([m.id for m in versions], rank) == ([v3, v2, v1], 3)
    assert keeper.get_ranking(ctx, v2)[1] == 2
    assert keeper.get_preferred_version(ctx, v1) == v3
    keeper.deprecate(ctx, v3)
    assert keeper.get_preferred_version(ctx, v1) == v2
    keeper.deprecate(ctx, v2)
    keeper.deprecate(ctx, v1)
    assert keeper.get_preferred_version(ctx, v1) == 0


@pytest.mark.parametrize(
    ("higher", "lower", "error", "match"),
    [
        (1, 1, errors.InvalidRankingError, "against itself"),
        (2, 99, errors.ModelNotFoundError, "lower model 99"),
        (1, 3, errors.InvalidRankingError, "would make a cycle"),
        (4, 1, errors.InvalidRankingError, "already ranked below model 2"),
        (2, 4, errors.InvalidRankingError, "already ranked above model 1"),
        (4, 5, errors.InvalidStatusError, "model 5 is deprecated"),
        (6, 4, errors.InvalidRankingError, "not versions of one family"),
    ],
)
def test_rank_models_rejects(higher: int, lower: int, error: type, match: str) -> None:
    keeper, _, _, ctx, base = setup()
    bases(keeper, ctx, 4)  # 2, 3, 4, 5
    keeper.rank_models(ctx, 2, 1)
    keeper.rank_models(ctx, 3, 2)
    keeper.deprecate(ctx, 5)
    assert keeper.register_adapter(ctx, adapter(base)) == 6
    before = [m.SerializeToString() for m in keeper.iter_models(ctx)]
    with pytest.raises(error, match=match):
        keeper.rank_models(ctx, higher, lower)
    assert [m.SerializeToString() for m in keeper.iter_models(ctx)] == before


def test_rank_models_bounds_a_ranking_to_its_maximum_length() -> None:
    from aichain.modules.modelreg.types import MAX_RANKED_VERSIONS

    keeper, _, _, ctx, base = setup()
    ids = [base, *bases(keeper, ctx, MAX_RANKED_VERSIONS)]
    for lower, higher in zip(ids[:-2], ids[1:-1], strict=True):
        keeper.rank_models(ctx, higher, lower)
    assert len(keeper.get_ranking(ctx, base)[0]) == MAX_RANKED_VERSIONS
    with pytest.raises(errors.InvalidRankingError, match=f"at most {MAX_RANKED_VERSIONS}"):
        keeper.rank_models(ctx, ids[-1], ids[-2])


def test_rankings_invariant_holds_and_reports_a_broken_link_or_cycle() -> None:
    from aichain.modules.modelreg.invariants import rankings_invariant

    keeper, _, _, ctx, base = setup()
    v1, v2, v3 = [base, *bases(keeper, ctx, 2)]
    keeper.rank_models(ctx, v2, v1)
    keeper.rank_models(ctx, v3, v2)
    assert rankings_invariant(ctx, keeper) is None
    top = keeper.require_model(ctx, v3)
    top.successor_id = v1  # v1 -> v2 -> v3 -> v1, every link mutual
    keeper._set_model(ctx, top)
    bottom = keeper.require_model(ctx, v1)
    bottom.predecessor_id = v3
    keeper._set_model(ctx, bottom)
    assert "cycle" in rankings_invariant(ctx, keeper)
    bottom.predecessor_id = 0
    keeper._set_model(ctx, bottom)
    assert "does not link back" in rankings_invariant(ctx, keeper)
