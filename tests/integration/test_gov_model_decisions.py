"""Governance decisions carried by proposals, through ABCI on a 4-validator chain (invariants
checked after each): a datanet's curator set replaced, a model's price bounds set (its price
clamped, the owner held to them), model versions ranked (the preferred version resolved),
a model deprecated on the model-vote track, a software-upgrade plan recorded, and the
participation reward paid by the voting power the tally counts (a validator's non-voting
delegators included). Bad input is refused with registered errors and changes nothing: a
direct signer that is not the authority, a malformed message at submission, a decision the
chain refuses at execution (the proposal fails, saying which message and why)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cosmos.base.v1beta1 import coin_pb2
from cosmos.gov.v1 import gov_pb2
from cosmos.staking.v1beta1 import tx_pb2 as staking_tx
from cosmos.upgrade.v1beta1 import query_pb2 as upgrade_q
from cosmos.upgrade.v1beta1 import tx_pb2 as upgrade_tx
from cosmos.upgrade.v1beta1 import upgrade_pb2
from google.protobuf import any_pb2

from aichain.app.crypto import valoper_address
from aichain.datanet.v1 import datanet_pb2
from aichain.datanet.v1 import tx_pb2 as datanet_tx
from aichain.gov.v1 import query_pb2 as aic_q
from aichain.gov.v1 import tx_pb2 as aic_tx
from aichain.modelreg.v1 import modelreg_pb2
from aichain.modelreg.v1 import query_pb2 as modelreg_q
from aichain.modelreg.v1 import tx_pb2 as modelreg_tx
from tests.helpers import DENOM
from tests.integration.staking_chain import StakingChain
from tests.integration.test_gov_abci import (
    ALICE,
    BOB,
    BOND,
    GENESIS,
    GOV,
    VALS,
    addr,
    packed,
    proposal,
    submit,
    unspent,
    until_voting_ends,
    validators,
    vote_all,
)

PASSED = gov_pb2.PROPOSAL_STATUS_PASSED
FAILED = gov_pb2.PROPOSAL_STATUS_FAILED


def start(app_state: dict | None = None) -> StakingChain:
    return StakingChain.start(
        [(k, pk, BOND) for k, pk in VALS],
        [(ALICE, 10**14), (BOB, 10**14)],
        app_state={**GENESIS, **(app_state or {})},
    )


def decide(chain: StakingChain, proposals: Sequence[Sequence[any_pb2.Any]], model=False) -> list:
    """Submits each proposal (ids counted from the next one), has three of four validators
    vote yes on all, and waits until they are tallied. Returns the proposals."""
    first = len(list(iter_ids(chain))) + 1
    ids = []
    for i, messages in enumerate(proposals):
        assert submit(chain, messages, model=model) == (0, ""), i
        ids.append(first + i)
    for pid in ids:
        vote_all(chain, pid, gov_pb2.VOTE_OPTION_YES, validators(3))
    until_voting_ends(chain, ids[-1])
    return [proposal(chain, pid) for pid in ids]


def iter_ids(chain: StakingChain):  # noqa: ANN201
    keeper = chain.app.manager.module("gov").keeper  # type: ignore[attr-defined]
    return (p.id for p in keeper.iter_proposals(chain.app.query_context()))


def register_models(chain: StakingChain, n: int, owner=ALICE) -> None:
    msgs = [
        modelreg_tx.MsgRegisterBaseModel(
            owner=addr(owner),
            name=f"v{i}",
            weights_hash=hashlib.sha256(b"w%d" % i).hexdigest(),
            architecture="gpt2",
            parameter_count=10,
            license="MIT",
        )  # fmt: skip
        for i in range(n)
    ]
    [res] = chain.run([chain.tx(owner, msgs)])
    assert res.code == 0, res.log


def model(chain: StakingChain, model_id: int) -> modelreg_pb2.Model:
    return chain.query(
        "/aichain.modelreg.v1.Query/Model",
        modelreg_q.QueryModelRequest(id=model_id),
        modelreg_q.QueryModelResponse,
    ).model  # type: ignore[attr-defined]


def ranking(chain: StakingChain, model_id: int) -> modelreg_q.QueryRankingResponse:
    return chain.query(  # type: ignore[return-value]
        "/aichain.modelreg.v1.Query/Ranking",
        modelreg_q.QueryRankingRequest(model_id=model_id),
        modelreg_q.QueryRankingResponse,
    )


def one(chain: StakingChain, key, msg) -> tuple[str, int, str]:  # noqa: ANN001
    [res] = chain.run([chain.tx(key, [msg])])
    return res.codespace, res.code, res.log


# --- datanet curator sets ---------------------------------------------------------------------


def test_a_proposal_replaces_the_curator_set_of_any_datanet() -> None:
    chain = start()
    create = datanet_tx.MsgCreateDatanet(
        creator=addr(ALICE), name="d", license="CC-BY-4.0", modality=datanet_pb2.MODALITY_TEXT,
        curation_mode=datanet_pb2.CURATION_MODE_CURATORS, curators=[addr(ALICE)],
        access_policy=datanet_pb2.ACCESS_POLICY_PUBLIC, max_record_size=1000,
    )  # fmt: skip
    assert one(chain, ALICE, create)[1] == 0
    datanets = chain.app.manager.module("datanet").keeper  # type: ignore[attr-defined]

    def curators() -> list[str]:
        return list(datanets.require_datanet(chain.app.query_context(), 1).curators)

    # not the authority, not the owner: refused, nothing changed
    mine = datanet_tx.MsgUpdateCurators(authority=addr(BOB), datanet_id=1, curators=[addr(BOB)])
    assert one(chain, BOB, mine)[:2] == ("sdk", 4)
    owner_only = datanet_tx.MsgSetCurators(owner=addr(BOB), datanet_id=1, curators=[addr(BOB)])
    assert one(chain, BOB, owner_only)[:2] == ("datanet", 13)
    # a malformed curator list is refused at submission (gov/12): no proposal
    twice = datanet_tx.MsgUpdateCurators(authority=GOV, datanet_id=1,
                                         curators=[addr(BOB), addr(BOB)])  # fmt: skip
    code, log = submit(chain, [packed(twice)])
    assert code == 12 and "curators" in log
    assert list(iter_ids(chain)) == []
    assert curators() == [addr(ALICE)]

    replace = datanet_tx.MsgUpdateCurators(authority=GOV, datanet_id=1, curators=[addr(BOB)])
    unknown = datanet_tx.MsgUpdateCurators(authority=GOV, datanet_id=99, curators=[addr(BOB)])
    passed, failed = decide(chain, [[packed(replace)], [packed(unknown)]])
    assert passed.status == PASSED
    assert curators() == [addr(BOB)]
    history = list(datanets.iter_history(chain.app.query_context(), 1))
    assert (history[-1].actor, history[-1].action) == (GOV, "set_curators")
    assert failed.status == FAILED
    assert failed.failed_reason.startswith("message 0 (/aichain.datanet.v1.MsgUpdateCurators)")
    assert "99" in failed.failed_reason
    assert chain.invariants() == []


# --- model price bounds -----------------------------------------------------------------------


def test_a_proposal_bounds_a_models_price_clamping_it_and_holding_the_owner_to_it() -> None:
    chain = start()
    register_models(chain, 1)
    price = modelreg_tx.MsgSetPrice(owner=addr(ALICE), model_id=1, price_per_request="500",
                                    price_per_1k_tokens="50")  # fmt: skip
    assert one(chain, ALICE, price)[1] == 0
    # only the authority bounds prices
    mine = modelreg_tx.MsgSetPriceBounds(authority=addr(ALICE), model_id=1, max_price="1")
    assert one(chain, ALICE, mine)[:2] == ("sdk", 4)
    # min above max: refused at submission, nothing created
    inverted = modelreg_tx.MsgSetPriceBounds(authority=GOV, model_id=1, min_price="9",
                                             max_price="8")  # fmt: skip
    code, log = submit(chain, [packed(inverted)])
    assert code == 12 and "above max price" in log
    assert list(iter_ids(chain)) == []
    assert (model(chain, 1).price_per_request, model(chain, 1).max_price) == ("500", "")

    bounds = modelreg_tx.MsgSetPriceBounds(authority=GOV, model_id=1, min_price="100",
                                           max_price="300")  # fmt: skip
    unknown = modelreg_tx.MsgSetPriceBounds(authority=GOV, model_id=99, max_price="300")
    passed, failed = decide(chain, [[packed(bounds)], [packed(unknown)]], model=True)
    assert passed.status == PASSED
    m = model(chain, 1)
    assert (m.min_price, m.max_price) == ("100", "300")
    assert (m.price_per_request, m.price_per_1k_tokens) == ("300", "100")  # clamped into bounds
    assert failed.status == FAILED and "model 99 is not registered" in failed.failed_reason
    # the owner's later prices must lie within the model's bounds
    too_high = modelreg_tx.MsgSetPrice(owner=addr(ALICE), model_id=1, price_per_request="301",
                                       price_per_1k_tokens="200")  # fmt: skip
    codespace, code, log = one(chain, ALICE, too_high)
    assert (codespace, code) == ("modelreg", 9) and "[100, 300]" in log
    assert model(chain, 1).price_per_request == "300"
    inside = modelreg_tx.MsgSetPrice(owner=addr(ALICE), model_id=1, price_per_request="250",
                                     price_per_1k_tokens="100")  # fmt: skip
    assert one(chain, ALICE, inside)[1] == 0
    assert model(chain, 1).price_per_request == "250"
    assert chain.invariants() == []


# --- model version ranking --------------------------------------------------------------------


def test_proposals_rank_model_versions_and_clients_resolve_the_preferred_one() -> None:
    chain = start()
    register_models(chain, 4)
    # only the authority ranks
    mine = modelreg_tx.MsgRankModels(authority=addr(ALICE), higher_model_id=2, lower_model_id=1)
    assert one(chain, ALICE, mine)[:2] == ("sdk", 4)
    # a model ranked against itself: refused at submission
    itself = modelreg_tx.MsgRankModels(authority=GOV, higher_model_id=2, lower_model_id=2)
    code, log = submit(chain, [packed(itself)])
    assert code == 12 and "against itself" in log
    assert list(iter_ids(chain)) == []
    assert ranking(chain, 1).versions == [1]

    def rank(higher: int, lower: int) -> list[any_pb2.Any]:
        msg = modelreg_tx.MsgRankModels(authority=GOV, higher_model_id=higher,
                                        lower_model_id=lower)  # fmt: skip
        return [packed(msg)]

    [chained] = decide(chain, [rank(2, 1) + rank(3, 2)], model=True)
    assert chained.status == PASSED
    r = ranking(chain, 1)
    assert (list(r.versions), r.rank, r.successor_id, r.preferred_model_id) == ([3, 2, 1], 3, 2, 3)
    assert (model(chain, 2).successor_id, model(chain, 2).predecessor_id) == (3, 1)
    assert ranking(chain, 3).rank == 1
    cycle, unknown, taken = decide(chain, [rank(1, 3), rank(4, 99), rank(4, 1)], model=True)
    assert cycle.status == FAILED and "would make a cycle" in cycle.failed_reason
    assert unknown.status == FAILED and "model 99 is not registered" in unknown.failed_reason
    assert taken.status == FAILED and "already ranked below model 2" in taken.failed_reason
    assert list(ranking(chain, 4).versions) == [4]
    # the preferred version skips a deprecated one
    deprecate = modelreg_tx.MsgDeprecateModel(authority=addr(ALICE), model_id=3)
    assert one(chain, ALICE, deprecate)[1] == 0
    assert ranking(chain, 1).preferred_model_id == 2

    [deprecated] = decide(chain, [rank(4, 3)], model=True)
    assert deprecated.status == FAILED and "model 3 is deprecated" in deprecated.failed_reason
    assert list(ranking(chain, 1).versions) == [3, 2, 1]  # nothing changed
    assert ranking(chain, 4).versions == [4]
    assert chain.invariants() == []


# --- deprecation and software upgrades --------------------------------------------------------


def test_a_model_deprecated_and_an_upgrade_planned_through_proposals() -> None:
    chain = start()
    register_models(chain, 1)
    activate = modelreg_tx.MsgActivateModel(authority=addr(ALICE), model_id=1)
    assert one(chain, ALICE, activate)[1] == 0
    deprecate = packed(modelreg_tx.MsgDeprecateModel(authority=GOV, model_id=1))
    plan = upgrade_pb2.Plan(name="v2", height=chain.height + 1000, info="binaries: v2")
    upgrade = packed(upgrade_tx.MsgSoftwareUpgrade(authority=GOV, plan=plan))
    past = upgrade_pb2.Plan(name="v3", height=1, info="")
    too_late = packed(upgrade_tx.MsgSoftwareUpgrade(authority=GOV, plan=past))
    [deprecated] = decide(chain, [[deprecate]], model=True)
    assert deprecated.status == PASSED
    assert model(chain, 1).status == modelreg_pb2.MODEL_STATUS_DEPRECATED
    # a deprecated model cannot be served
    hot = VALS[3][0].pubkey
    worker = modelreg_tx.MsgRegisterWorker(operator=addr(ALICE), hot_pubkey=hot, models=[1],
                                           endpoint="https://w", bond="1000000")  # fmt: skip
    assert one(chain, ALICE, worker)[:2] == ("modelreg", 18)

    planned, refused = decide(chain, [[upgrade], [too_late]])
    assert planned.status == PASSED
    current = chain.query(
        "/cosmos.upgrade.v1beta1.Query/CurrentPlan",
        upgrade_q.QueryCurrentPlanRequest(),
        upgrade_q.QueryCurrentPlanResponse,
    ).plan  # type: ignore[attr-defined]
    assert (current.name, current.height, current.info) == ("v2", plan.height, "binaries: v2")
    assert refused.status == FAILED and "not above the current height" in refused.failed_reason
    # a plan from anyone but the authority is refused, the plan kept
    mine = upgrade_tx.MsgSoftwareUpgrade(authority=addr(BOB), plan=past)
    assert one(chain, BOB, mine)[:2] == ("sdk", 4)
    assert chain.invariants() == []


# --- the participation reward follows the tally's voting power --------------------------------


def test_a_validator_is_rewarded_for_the_stake_its_non_voting_delegators_lend_it() -> None:
    reward = 1200
    chain = start(
        {
            "gov": {
                **GENESIS["gov"],
                "model_track": {
                    "params": {"participation_reward": [{"denom": DENOM, "amount": str(reward)}]}
                },
            }
        }
    )
    fund = aic_tx.MsgFundParticipationPool(
        depositor=addr(BOB), amount=[coin_pb2.Coin(denom=DENOM, amount="5000")]
    )
    v0, v1 = VALS[0][0], VALS[1][0]

    def delegate(key, validator) -> bytes:  # noqa: ANN001
        msg = staking_tx.MsgDelegate(
            delegator_address=addr(key), validator_address=valoper_address(validator.address),
            amount=coin_pb2.Coin(denom=DENOM, amount=str(BOND)),
        )  # fmt: skip
        return chain.tx(key, [msg])

    results = chain.run([chain.tx(BOB, [fund]), delegate(ALICE, v0)])
    assert [r.code for r in results] == [0, 0]
    assert one(chain, BOB, staking_tx.MsgDelegate(
        delegator_address=addr(BOB), validator_address=valoper_address(v1.address),
        amount=coin_pb2.Coin(denom=DENOM, amount=str(BOND))))[1] == 0  # fmt: skip
    register_models(chain, 1)
    assert submit(chain, [packed(modelreg_tx.MsgDeprecateModel(authority=GOV, model_id=1))],
                  model=True)[0] == 0  # fmt: skip
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, [v0, v1])
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_NO, [BOB])  # BOB overrides v1 for its own stake
    until_voting_ends(chain, 1)
    p = proposal(chain, 1)
    assert (p.final_tally_result.yes_count, p.final_tally_result.no_count) == (
        str(3 * BOND),
        str(BOND),
    )  # v0 votes ALICE's inherited stake, v1 only its own
    record = chain.query(
        "/aichain.gov.v1.Query/ModelProposal",
        aic_q.QueryModelProposalRequest(proposal_id=1),
        aic_q.QueryModelProposalResponse,
    ).model_proposal  # type: ignore[attr-defined]
    assert record.total_power == str(4 * BOND)  # the power that voted, as the tally counts it
    gains = []
    for key in (v0, v1, BOB, ALICE, VALS[2][0]):
        before = chain.balance(key.address)
        claim = aic_tx.MsgClaimParticipationReward(voter=addr(key), proposal_id=1)
        [res] = chain.run([chain.tx(key, [claim])])
        gains.append((res.code, chain.balance(key.address) - before))
    # v0 voted with 2 BOND (its own and ALICE's), v1 and BOB with 1 BOND each
    assert gains == [(0, 600), (0, 300), (0, 300), (103, 0), (103, 0)]
    assert chain.invariants() == []


def test_nothing_is_left_in_force_by_a_refused_direct_decision() -> None:
    """The three governance-only messages sent directly by a non-authority leave no trace:
    the models and the datanet are byte-identical afterwards."""
    chain = start()
    register_models(chain, 2)
    ctx = chain.app.query_context
    keeper = chain.app.manager.module("modelreg").keeper  # type: ignore[attr-defined]
    before = [keeper.require_model(ctx(), i).SerializeToString() for i in (1, 2)]
    msgs = [
        modelreg_tx.MsgSetPriceBounds(authority=addr(BOB), model_id=1, max_price="0"),
        modelreg_tx.MsgRankModels(authority=addr(BOB), higher_model_id=2, lower_model_id=1),
    ]
    for msg in msgs:
        assert one(chain, BOB, msg)[:2] == ("sdk", 4)
    assert [keeper.require_model(ctx(), i).SerializeToString() for i in (1, 2)] == before
    bad = modelreg_tx.MsgSetPriceBounds(authority=addr(BOB), model_id=1, min_price="x")
    assert one(chain, BOB, bad)[:2] == ("modelreg", 22)
    unspent(chain, BOB)
    assert chain.invariants() == []
