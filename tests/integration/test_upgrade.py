"""Software-upgrade plans: scheduled and cancelled only by the authority, each field checked,
queryable, and at their height the node halts unless the binary carries the plan's handler."""

from __future__ import annotations

import pytest
from cosmos.upgrade.v1beta1 import query_pb2, tx_pb2, upgrade_pb2
from google.protobuf import timestamp_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app import app as app_wiring
from aichain.app.app import new_app
from aichain.app.crypto import account_address
from aichain.app.store.memory import MemStore
from aichain.modules.upgrade.errors import UpgradeNeededError
from tests.helpers import Chain, make_key

ALICE, BOB = make_key(71), make_key(72)
AUTHORITY = account_address(ALICE.address)


def governed() -> Chain:
    app = new_app(MemStore(), authority=AUTHORITY)
    return Chain.start([(ALICE, 10**9), (BOB, 10**9)], app=app)


def schedule(chain: Chain, height: int, name: str = "v2", signer=ALICE, **plan_fields):
    plan = upgrade_pb2.Plan(name=name, height=height, info="https://example.invalid/v2")
    for field, value in plan_fields.items():
        getattr(plan, field).CopyFrom(value)
    msg = tx_pb2.MsgSoftwareUpgrade(authority=account_address(signer.address), plan=plan)
    return chain.block([chain.tx(signer, [msg])]).tx_results[0]


def current_plan(chain: Chain) -> upgrade_pb2.Plan | None:
    resp = chain.app.query(
        abci.RequestQuery(path="/cosmos.upgrade.v1beta1.Query/CurrentPlan", data=b"")
    )
    answer = query_pb2.QueryCurrentPlanResponse.FromString(resp.value)
    return answer.plan if answer.HasField("plan") else None


def test_the_authority_schedules_and_cancels_a_plan() -> None:
    chain = governed()
    result = schedule(chain, chain.height + 50)
    assert result.code == 0, result.log
    plan = current_plan(chain)
    assert plan is not None and (plan.name, plan.height) == ("v2", chain.height + 49)
    assert any(e.type == "schedule_upgrade" for e in result.events)
    cancel = tx_pb2.MsgCancelUpgrade(authority=AUTHORITY)
    assert chain.block([chain.tx(ALICE, [cancel])]).tx_results[0].code == 0
    assert current_plan(chain) is None


BAD_PLANS = [
    ({"height": 1}, "is not above the current height"),
    ({"name": " "}, "plan.name must not be empty"),
    ({"time": timestamp_pb2.Timestamp(seconds=10)}, "plan.time is deprecated"),
]


@pytest.mark.parametrize(("change", "message"), BAD_PLANS, ids=[m for _, m in BAD_PLANS])
def test_schedule_rejects_a_bad_plan_by_field(change: dict, message: str) -> None:
    chain = governed()
    height = change.pop("height", chain.height + 50)
    name = change.pop("name", "v2")
    result = schedule(chain, height, name, **change)
    assert (result.codespace, result.code) == ("upgrade", 2) and message in result.log
    assert current_plan(chain) is None


def test_only_the_authority_schedules_or_cancels() -> None:
    chain = governed()
    result = schedule(chain, chain.height + 50, signer=BOB)
    assert (result.codespace, result.code) == ("sdk", 4)
    cancel = tx_pb2.MsgCancelUpgrade(authority=account_address(BOB.address))
    assert chain.block([chain.tx(BOB, [cancel])]).tx_results[0].code == 4
    nothing = tx_pb2.MsgCancelUpgrade(authority=AUTHORITY)
    result = chain.block([chain.tx(ALICE, [nothing])]).tx_results[0]
    assert (result.codespace, result.code) == ("upgrade", 3)


def test_at_its_height_the_node_halts_without_the_plans_handler() -> None:
    chain = governed()
    assert schedule(chain, chain.height + 3).code == 0
    chain.block([])
    with pytest.raises(UpgradeNeededError, match='UPGRADE "v2" NEEDED at height'):
        chain.block([])


def test_a_binary_with_the_handler_applies_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[int] = []
    monkeypatch.setitem(app_wiring.UPGRADE_HANDLERS, "v2", lambda ctx, plan: ran.append(ctx.height))
    chain = governed()
    assert schedule(chain, chain.height + 3).code == 0
    chain.block([])
    chain.block([])
    assert ran == [chain.height] and current_plan(chain) is None
    resp = chain.app.query(
        abci.RequestQuery(
            path="/cosmos.upgrade.v1beta1.Query/AppliedPlan",
            data=query_pb2.QueryAppliedPlanRequest(name="v2").SerializeToString(),
        )
    )
    assert query_pb2.QueryAppliedPlanResponse.FromString(resp.value).height == chain.height
    again = schedule(chain, chain.height + 10)
    assert again.code == 2 and "already applied" in again.log


def test_the_authority_and_module_versions_queries() -> None:
    chain = governed()
    resp = chain.app.query(
        abci.RequestQuery(path="/cosmos.upgrade.v1beta1.Query/Authority", data=b"")
    )
    assert query_pb2.QueryAuthorityResponse.FromString(resp.value).address == AUTHORITY
    resp = chain.app.query(
        abci.RequestQuery(path="/cosmos.upgrade.v1beta1.Query/ModuleVersions", data=b"")
    )
    versions = query_pb2.QueryModuleVersionsResponse.FromString(resp.value).module_versions
    assert {v.name for v in versions} >= {"bank", "gov", "upgrade"}
