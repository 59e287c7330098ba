"""A share of each settled inference fee funds governance's participation pool, through ABCI
on the real app (bank, distribution, datanet, modelreg, attribution, gov): the pool grows by
exactly floor(community share * participation_bps / 10^4) per settled inference, moved once
per block, with events naming the amount; a params update above the bound is a registered
error that changes nothing; at participation_bps = 0 the community pool keeps its whole share.
The invariants (escrow counting the participation share, gov's participation) run after every
block."""

from __future__ import annotations

from dataclasses import replace

from tendermint.abci import types_pb2 as abci

from aichain.app.crypto import module_address
from aichain.attribution.v1 import query_pb2 as aq
from aichain.attribution.v1 import tx_pb2 as atx
from aichain.gov.v1 import query_pb2 as gq
from aichain.modules.attribution import invariants, keys
from aichain.modules.gov.types import PARTICIPATION_POOL
from tests.integration.attribution_chain import (
    OWNER,
    PRICE,
    AttributionChain,
    addr,
    setup,
    sign,
)
from tests.integration.test_attribution_abci import requested, response, unseeded

POOL = module_address(PARTICIPATION_POOL)


def pool_balance(ac: AttributionChain) -> int:
    return ac.c.balance(POOL)


def gov_pool_available(ac: AttributionChain) -> int:
    """What gov's own ParticipationPool query says the pool can give."""
    res = ac.c.app.query(abci.RequestQuery(
        path="/aichain.gov.v1.Query/ParticipationPool",
        data=gq.QueryParticipationPoolRequest().SerializeToString()))  # fmt: skip
    assert res.code == 0, res.log
    available = gq.QueryParticipationPoolResponse.FromString(res.value).available
    return sum(int(c.amount) for c in available)


def totals(ac: AttributionChain):
    return ac.keeper().get_totals(ac.c.app.query_context())


def answer(ac: AttributionChain, n: int = 1) -> list[int]:
    """n requests answered in one message; returns their ids."""
    requests = [requested(ac) for _ in range(n)]
    res = ac.submit(*(sign(ac.result(rid, worker)) for rid, worker in requests))
    assert res.code == 0, res.log
    return list(response(res, atx.MsgSubmitInferenceResponse).inference_ids)


def settle(ac: AttributionChain, blocks: int = 3) -> list[abci.Event]:
    """Runs empty blocks until the answered inferences settle; the blocks' events."""
    events: list[abci.Event] = []
    for _ in range(blocks):
        events += ac.c.block([]).events
        assert ac.c.invariants() == []
    return events


def attrs(event: abci.Event) -> dict[str, str]:
    return {a.key: a.value for a in event.attributes}


def set_params(ac: AttributionChain, **changes) -> abci.ExecTxResult:
    params = ac.keeper().get_params(ac.c.app.query_context())
    msg = atx.MsgUpdateParams(authority=addr(OWNER), params=replace(params, **changes).to_proto())
    return ac.run(OWNER, msg)


def test_a_settled_inference_raises_the_pool_by_exactly_the_share() -> None:
    ac = setup()
    params = ac.keeper().get_params(ac.c.app.query_context())
    assert params.participation_bps == 1_000
    # fee 1,000,000: community share 10 % = 100,000, of it 10 % to the participation pool
    share = PRICE * params.community_bps // 10_000 * params.participation_bps // 10_000
    assert share == 10_000
    (inference_id,) = answer(ac)
    payouts = {p.role: int(p.amount) for p in ac.inference(inference_id).payouts
               if p.role in ("community", "participation", "burn")}  # fmt: skip
    assert payouts == {"community": 90_000, "participation": 10_000, "burn": 50_000}
    before, before_totals = pool_balance(ac), totals(ac)
    events = settle(ac)
    assert pool_balance(ac) == before + share
    assert gov_pool_available(ac) == before + share  # gov sees it as available for rewards
    after = totals(ac)
    assert after.participation - before_totals.participation == share
    assert after.pooled - before_totals.pooled == 90_000
    settled = [attrs(e) for e in events if e.type == "inference_settled"]
    assert settled == [{"request_id": str(inference_id), "fee": str(PRICE),
                        "participation": str(share)}]  # fmt: skip
    funded = [attrs(e) for e in events if e.type == "participation_pool_funded"]
    assert funded == [{"amount": str(share), "inferences": "1"}]


def test_a_block_settling_many_inferences_moves_their_shares_in_one_transfer() -> None:
    ac = setup()
    ids = answer(ac, 4)
    assert len(ids) == 4
    before = pool_balance(ac)
    events = settle(ac)
    assert pool_balance(ac) == before + 4 * 10_000
    funded = [attrs(e) for e in events if e.type == "participation_pool_funded"]
    assert funded == [{"amount": "40000", "inferences": "4"}]
    transfers = [attrs(e) for e in events if e.type == "transfer"
                 and attrs(e).get("recipient") == addr_of(POOL)]  # fmt: skip
    assert len(transfers) == 1 and transfers[0]["amount"].startswith("40000")


def addr_of(raw: bytes) -> str:
    from aichain.app.crypto import account_address

    return account_address(raw)


def test_participation_bps_zero_leaves_the_whole_community_share_to_the_community_pool() -> None:
    ac = setup()
    res = set_params(ac, participation_bps=0)
    assert res.code == 0, res.log
    (inference_id,) = answer(ac)
    roles = {p.role: int(p.amount) for p in ac.inference(inference_id).payouts}
    assert "participation" not in roles and roles["community"] == 100_000
    before, before_totals = pool_balance(ac), totals(ac)
    events = settle(ac)
    assert pool_balance(ac) == before
    assert totals(ac).pooled - before_totals.pooled == 100_000
    assert totals(ac).participation == before_totals.participation
    assert not [e for e in events if e.type == "participation_pool_funded"]


def test_the_whole_community_share_may_go_to_the_pool() -> None:
    ac = setup()
    assert set_params(ac, participation_bps=10_000).code == 0
    answer(ac)
    before = pool_balance(ac)
    settle(ac)
    assert pool_balance(ac) == before + 100_000


def test_participation_bps_above_the_bound_is_refused_and_changes_nothing() -> None:
    ac = setup()
    before = ac.state()
    res = set_params(ac, participation_bps=10_001)
    assert (res.codespace, res.code) == ("attribution", 3), res.log
    assert "participation_bps" in res.log and "[0, 10000]" in res.log
    assert unseeded(ac.state()) == unseeded(before)
    params = ac.query("Params", aq.QueryParamsRequest(), aq.QueryParamsResponse).params
    assert params.participation_bps == 1_000
    # CheckTx refuses it alike
    bad = ac.keeper().get_params(ac.c.app.query_context())
    msg = atx.MsgUpdateParams(authority=addr(OWNER),
                              params=replace(bad, participation_bps=10_001).to_proto())  # fmt: skip
    checked = ac.c.check(ac.c.tx(OWNER, [msg]))
    assert (checked.codespace, checked.code) == ("attribution", 3), checked.log


def test_an_answered_request_pays_nothing_to_the_pool_before_settlement() -> None:
    """The share is held in the attribution account until the challenge window closes."""
    ac = setup()
    before = pool_balance(ac)
    answer(ac)
    assert pool_balance(ac) == before


def test_the_escrow_invariant_counts_what_went_to_the_pool() -> None:
    """The invariant balances only with the participation share counted: forgetting it
    (as a settlement that moved the coins but not the count would) is reported."""
    ac = setup()
    answer(ac)
    settle(ac)
    keeper = ac.keeper()
    ctx = ac.c.app.query_context()
    counted = keeper.get_totals(ctx)
    assert counted.participation == 10_000
    assert invariants.escrow_invariant(ctx, keeper) is None
    ctx.kv(keeper.store_key).set(keys.TOTALS, replace(counted, participation=0).encode())
    problem = invariants.escrow_invariant(ctx, keeper)
    assert problem is not None and "participation 0" in problem
