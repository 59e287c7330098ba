"""Governance-gated model activation through the real governance module: with
params.owner_activation off, the owner's MsgActivateModel is refused, and a proposal carrying
MsgActivateModel signed by the gov module account passes and activates the model."""

from __future__ import annotations

import hashlib

from cosmos.gov.v1 import gov_pb2

from aichain.modelreg.v1 import modelreg_pb2 as pb
from aichain.modelreg.v1 import tx_pb2
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
    until_voting_ends,
    validators,
    vote_all,
)


def test_a_proposal_activates_a_model_when_activation_is_governance_only() -> None:
    state = {**GENESIS, "modelreg": {"params": {"owner_activation": False}}}
    chain = StakingChain.start(
        [(k, pk, BOND) for k, pk in VALS], [(ALICE, 10**14), (BOB, 10**14)], app_state=state
    )
    register = tx_pb2.MsgRegisterBaseModel(
        owner=addr(ALICE), name="tiny", weights_hash=hashlib.sha256(b"w").hexdigest(),
        architecture="gpt2", parameter_count=10, license="MIT",
    )  # fmt: skip
    [res] = chain.run([chain.tx(ALICE, [register])])
    assert res.code == 0, res.log
    [res] = chain.run([chain.tx(ALICE, [tx_pb2.MsgActivateModel(authority=addr(ALICE),
                                                                 model_id=1)])])  # fmt: skip
    assert (res.codespace, res.code) == ("sdk", 4)  # governance only
    assert submit(chain, [packed(tx_pb2.MsgActivateModel(authority=GOV, model_id=1))]) == (0, "")
    vote_all(chain, 1, gov_pb2.VOTE_OPTION_YES, validators(3))
    until_voting_ends(chain, 1)
    assert proposal(chain, 1).status == gov_pb2.PROPOSAL_STATUS_PASSED
    keeper = chain.app.manager.module("modelreg").keeper  # type: ignore[attr-defined]
    model = keeper.require_model(chain.app.query_context(), 1)
    assert model.status == pb.MODEL_STATUS_ACTIVE
    assert chain.invariants() == []
