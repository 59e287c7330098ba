"""Staking through ABCI: genesis validators from gentxs, validator updates, delegation,
unbonding, redelegation, and every bad input the issue lists (registered error, no state
change)."""

from __future__ import annotations

import json

import pytest
from cosmos.staking.v1beta1 import query_pb2 as sq
from tendermint.abci import types_pb2 as abci

from aichain.app.coins import Coin
from aichain.app.crypto import account_address, valoper_address
from aichain.modules.staking.cli import (
    msg_cancel_unbonding,
    msg_create_validator,
    msg_delegate,
    msg_edit_validator,
    msg_redelegate,
    msg_undelegate,
)

from ..helpers import DENOM, make_key
from .staking_chain import StakingChain, cons_pubkey, validator_keys

AIC = 10**6
V = validator_keys(3)
ALICE, BOB = make_key(1), make_key(2)
UNBONDING = {"staking": {"params": {"unbonding_time": "60s", "bond_denom": DENOM,
                                    "max_validators": 10, "max_entries": 7}}}  # fmt: skip


@pytest.fixture
def chain() -> StakingChain:
    return StakingChain.start(
        [(V[0][0], V[0][1], 100 * AIC), (V[1][0], V[1][1], 50 * AIC)],
        [(ALICE, 1000 * AIC), (BOB, 1000 * AIC)],
        UNBONDING,
    )


def val(i: int) -> str:
    return valoper_address(V[i][0].address)


def acc(key) -> str:
    return account_address(key.address)


def validator(chain: StakingChain, i: int):
    return chain.query(
        "/cosmos.staking.v1beta1.Query/Validator",
        sq.QueryValidatorRequest(validator_addr=val(i)),
        sq.QueryValidatorResponse,
    ).validator


def powers(chain: StakingChain) -> list[int]:
    return sorted(p for _, p in chain.valset.values())


def test_gentxs_make_the_genesis_validator_set(chain: StakingChain) -> None:
    assert powers(chain) == [50, 100]
    resp = chain.query(
        "/cosmos.staking.v1beta1.Query/Validators",
        sq.QueryValidatorsRequest(status="BOND_STATUS_BONDED"),
        sq.QueryValidatorsResponse,
    )
    assert sorted(int(v.tokens) for v in resp.validators) == [50 * AIC, 100 * AIC]
    pool = chain.query(
        "/cosmos.staking.v1beta1.Query/Pool", sq.QueryPoolRequest(), sq.QueryPoolResponse
    ).pool
    assert (pool.bonded_tokens, pool.not_bonded_tokens) == (str(150 * AIC), "0")
    assert chain.invariants() == []


def test_create_validator_by_tx_joins_the_set(chain: StakingChain) -> None:
    key, pk = V[2]
    send = chain.tx(ALICE, [__import__("aichain.modules.bank.cli", fromlist=["x"]).msg_send(
        acc(ALICE), acc(key), [Coin(DENOM, 20 * AIC)])])  # fmt: skip
    assert [r.code for r in chain.run([send])] == [0]
    msg = msg_create_validator(key.address, pk, "new", 10 * AIC)
    resp = chain.block([chain.tx(key, [msg])])
    assert resp.tx_results[0].code == 0, resp.tx_results[0].log
    assert [(u.pub_key.ed25519, u.power) for u in resp.validator_updates] == [(pk, 10)]
    assert validator(chain, 2).status == 3
    assert chain.invariants() == []


def test_delegate_changes_power_and_undelegate_waits_for_unbonding(chain: StakingChain) -> None:
    resp = chain.block([chain.tx(ALICE, [msg_delegate(acc(ALICE), val(1), Coin(DENOM, 70 * AIC))])])
    assert resp.tx_results[0].code == 0, resp.tx_results[0].log
    assert [(u.pub_key.ed25519, u.power) for u in resp.validator_updates] == [(V[1][1], 120)]
    before = chain.balance(ALICE.address)
    tx = chain.tx(ALICE, [msg_undelegate(acc(ALICE), val(1), Coin(DENOM, 30 * AIC))])
    resp = chain.block([tx])
    assert resp.tx_results[0].code == 0, resp.tx_results[0].log
    assert [u.power for u in resp.validator_updates] == [90]
    assert chain.balance(ALICE.address) == before
    ubd = chain.query(
        "/cosmos.staking.v1beta1.Query/UnbondingDelegation",
        sq.QueryUnbondingDelegationRequest(delegator_addr=acc(ALICE), validator_addr=val(1)),
        sq.QueryUnbondingDelegationResponse,
    ).unbond
    assert ubd.entries[0].balance == str(30 * AIC)
    for _ in range(11):
        chain.block([])
        assert chain.balance(ALICE.address) == before
    chain.block([])
    assert chain.balance(ALICE.address) == before + 30 * AIC
    assert chain.invariants() == []


def test_unbonding_everything_removes_the_validator_from_the_set(chain: StakingChain) -> None:
    key = V[1][0]
    tx = chain.tx(key, [msg_undelegate(acc(key), val(1), Coin(DENOM, 50 * AIC))])
    resp = chain.block([tx])
    assert resp.tx_results[0].code == 0, resp.tx_results[0].log
    assert [(u.pub_key.ed25519, u.power) for u in resp.validator_updates] == [(V[1][1], 0)]
    assert powers(chain) == [100]
    for _ in range(13):
        chain.block([])
    resp = chain.app.query(
        abci.RequestQuery(
            path="/cosmos.staking.v1beta1.Query/Validator",
            data=sq.QueryValidatorRequest(validator_addr=val(1)).SerializeToString(),
        )
    )
    assert (resp.codespace, resp.code) == ("staking", 3)
    assert chain.invariants() == []


def test_max_validators_keeps_the_top_by_power() -> None:
    state = {"staking": {"params": {"max_validators": 2, "bond_denom": DENOM}}}
    vals = [(k, pk, (i + 1) * 10 * AIC) for i, (k, pk) in enumerate(V)]
    chain = StakingChain.start(vals, [(ALICE, 100 * AIC)], state)
    assert powers(chain) == [20, 30]
    tx = chain.tx(ALICE, [msg_delegate(acc(ALICE), val(0), Coin(DENOM, 15 * AIC))])
    resp = chain.block([tx])
    assert resp.tx_results[0].code == 0, resp.tx_results[0].log
    assert sorted(u.power for u in resp.validator_updates) == [0, 25]
    assert powers(chain) == [25, 30]
    assert validator(chain, 1).status == 2
    assert chain.invariants() == []


def test_redelegate_and_cancel_unbonding(chain: StakingChain) -> None:
    chain.run([chain.tx(ALICE, [msg_delegate(acc(ALICE), val(0), Coin(DENOM, 40 * AIC))])])
    tx = chain.tx(ALICE, [msg_redelegate(acc(ALICE), val(0), val(1), Coin(DENOM, 10 * AIC))])
    assert [r.code for r in chain.run([tx])] == [0]
    assert powers(chain) == [60, 130]
    tx = chain.tx(ALICE, [msg_undelegate(acc(ALICE), val(0), Coin(DENOM, 10 * AIC))])
    assert [r.code for r in chain.run([tx])] == [0]
    height = chain.height
    tx = chain.tx(ALICE, [msg_cancel_unbonding(acc(ALICE), val(0), Coin(DENOM, 4 * AIC), height)])
    assert [r.code for r in chain.run([tx])] == [0]
    assert powers(chain) == [60, 124]
    assert chain.invariants() == []


def test_edit_validator_commission_rules(chain: StakingChain) -> None:
    key = V[0][0]
    ok = chain.tx(key, [msg_edit_validator(key.address, moniker="renamed")])
    assert [r.code for r in chain.run([ok])] == [0]
    assert validator(chain, 0).description.moniker == "renamed"
    # a genesis validator's commission dates from the genesis time (as gentxs do in the SDK)
    early = chain.tx(key, [msg_edit_validator(key.address, commission_rate="0.105")])
    assert [(r.codespace, r.code) for r in chain.run([early])] == [("staking", 12)]
    chain.block([], seconds=24 * 3600)
    first = chain.tx(key, [msg_edit_validator(key.address, commission_rate="0.105")])
    too_soon = chain.tx(key, [msg_edit_validator(key.address, commission_rate="0.106")])
    codes = [(r.codespace, r.code) for r in chain.run([first, too_soon])]
    assert codes == [("", 0), ("staking", 12)]
    chain.block([], seconds=24 * 3600)
    too_fast = chain.tx(key, [msg_edit_validator(key.address, commission_rate="0.15")])
    above_max = chain.tx(key, [msg_edit_validator(key.address, commission_rate="0.25")])
    fine = chain.tx(key, [msg_edit_validator(key.address, commission_rate="0.115")])
    codes = [(r.codespace, r.code) for r in chain.run([too_fast, above_max, fine])]
    assert codes == [("staking", 15), ("staking", 11), ("", 0)]


def _bad_cases(chain: StakingChain):
    """(name, signer, msg, codespace, code)."""
    new_key, new_pk = V[2]
    yield "delegate to missing validator", ALICE, msg_delegate(
        acc(ALICE), val(2), Coin(DENOM, AIC)), "staking", 3  # fmt: skip
    yield "undelegate more than delegated", V[1][0], msg_undelegate(
        acc(V[1][0]), val(1), Coin(DENOM, 51 * AIC)), "staking", 22  # fmt: skip
    yield "undelegate without delegation", BOB, msg_undelegate(
        acc(BOB), val(1), Coin(DENOM, AIC)), "staking", 19  # fmt: skip
    yield (
        "commission above max",
        ALICE,
        msg_create_validator(
            ALICE.address, new_pk, "x", AIC, commission_rate="0.3", commission_max_rate="0.2"
        ),
        "staking",
        11,
    )
    yield (
        "max change above max",
        ALICE,
        msg_create_validator(ALICE.address, new_pk, "x", AIC, commission_max_change_rate="0.5"),
        "staking",
        14,
    )
    yield "same consensus key", ALICE, msg_create_validator(
        ALICE.address, V[0][1], "dup", AIC), "staking", 5  # fmt: skip
    yield "operator already a validator", V[0][0], msg_create_validator(
        V[0][0].address, new_pk, "dup", AIC), "staking", 4  # fmt: skip
    yield "self-delegation below minimum", ALICE, msg_create_validator(
        ALICE.address, new_pk, "x", AIC, min_self_delegation=2 * AIC), "staking", 16  # fmt: skip
    yield "wrong denom", ALICE, msg_delegate(acc(ALICE), val(0), Coin("uatom", AIC)), "staking", 45
    yield "insufficient funds", BOB, msg_delegate(
        acc(BOB), val(0), Coin(DENOM, 10**6 * AIC)), "sdk", 5  # fmt: skip
    yield "redelegate to self", ALICE, msg_redelegate(
        acc(ALICE), val(0), val(0), Coin(DENOM, AIC)), "staking", 29  # fmt: skip
    _ = new_key


def _snapshot(chain: StakingChain) -> dict:
    backend = chain.app.root.backend
    return dict(backend.iterate(b"staking/")) | dict(backend.iterate(b"bank/"))


def test_bad_inputs_fail_with_registered_errors_and_change_nothing(chain: StakingChain) -> None:
    chain.run([chain.tx(ALICE, [msg_delegate(acc(ALICE), val(0), Coin(DENOM, AIC))])])
    for name, key, msg, codespace, code in _bad_cases(chain):
        before = _snapshot(chain)
        result = chain.run([chain.tx(key, [msg])])[0]
        assert (result.codespace, result.code) == (codespace, code), (name, result.log)
        assert _snapshot(chain) == before, name
        chain.sequences[key.address] = chain.account(key.address).sequence
    assert chain.invariants() == []


def test_delegating_to_a_jailed_validator_is_refused(chain: StakingChain) -> None:
    key = V[1][0]
    edit = chain.tx(key, [msg_edit_validator(key.address, min_self_delegation=50 * AIC)])
    unbond = chain.tx(key, [msg_undelegate(acc(key), val(1), Coin(DENOM, AIC))])
    assert [r.code for r in chain.run([edit, unbond])] == [0, 0]
    assert validator(chain, 1).jailed
    before = _snapshot(chain)
    result = chain.run([chain.tx(ALICE, [msg_delegate(acc(ALICE), val(1), Coin(DENOM, AIC))])])[0]
    assert (result.codespace, result.code) == ("staking", 7)
    assert _snapshot(chain) == before
    assert powers(chain) == [100]


def test_same_blocks_same_app_hash() -> None:
    def run() -> bytes:
        c = StakingChain.start([(V[0][0], V[0][1], 10 * AIC)], [(ALICE, 100 * AIC)], UNBONDING)
        c.block([c.tx(ALICE, [msg_delegate(acc(ALICE), val(0), Coin(DENOM, 5 * AIC))])])
        return c.block([]).app_hash

    assert run() == run()


def test_genesis_export_round_trip(chain: StakingChain) -> None:
    chain.run([chain.tx(ALICE, [msg_undelegate(acc(ALICE), val(0), Coin(DENOM, AIC))])])
    chain.run([chain.tx(ALICE, [msg_delegate(acc(ALICE), val(0), Coin(DENOM, 3 * AIC))])])
    chain.run([chain.tx(ALICE, [msg_undelegate(acc(ALICE), val(0), Coin(DENOM, AIC))])])
    ctx = chain.app.query_context()
    module = next(m for m in chain.app.manager.modules if m.name == "staking")
    exported = module.export_genesis(ctx)
    assert exported["validators"][0]["commission"]["commission_rates"]["rate"] == (
        "0.100000000000000000"
    )
    from aichain.app.app import memory_app
    from aichain.app.context import Context
    from aichain.app.gas import INFINITE_GAS, GasMeter

    other = memory_app()
    octx = Context(other.root.branch(), 1, 0, "x", GasMeter(INFINITE_GAS))
    omodule = next(m for m in other.manager.modules if m.name == "staking")
    omodule.init_genesis(octx, exported)
    assert json.loads(json.dumps(omodule.export_genesis(octx))) == json.loads(json.dumps(exported))
    assert sorted(u.power for u in octx.validator_updates) == [50, 102]


_ = cons_pubkey


def test_update_params_from_the_authority_only() -> None:
    """MsgUpdateParams signed by the configured authority changes the params (here: one
    validator at most, so the next end-block drops the smaller one); from anyone else it is
    refused as unauthorized, and an invalid field is refused naming it; neither changes them."""
    from cosmos.staking.v1beta1 import tx_pb2

    from aichain.modules.staking.types import Params

    chain = StakingChain.start(
        [(V[0][0], V[0][1], 100 * AIC), (V[1][0], V[1][1], 50 * AIC)],
        [(ALICE, 1000 * AIC), (BOB, 1000 * AIC)],
        UNBONDING,
        authority=acc(ALICE),
    )

    def update(key, **changes) -> tx_pb2.MsgUpdateParams:  # noqa: ANN001
        params = Params(60 * 10**9, 10, 7, 0, DENOM, 0)
        proto = params.to_proto()
        for name, value in changes.items():
            setattr(proto, name, value)
        return tx_pb2.MsgUpdateParams(authority=acc(key), params=proto)

    def params() -> sq.QueryParamsResponse:
        return chain.query(
            "/cosmos.staking.v1beta1.Query/Params", sq.QueryParamsRequest(), sq.QueryParamsResponse
        ).params

    before = params()
    refused = chain.run(
        [
            chain.tx(BOB, [update(BOB, max_validators=1)]),
            chain.tx(ALICE, [update(ALICE, max_entries=0)]),
        ]
    )
    assert [(r.codespace, r.code) for r in refused] == [("sdk", 4), ("staking", 47)]
    assert "invalid authority" in refused[0].log
    assert "params.max_entries must be positive" in refused[1].log
    assert params() == before
    resp = chain.block([chain.tx(ALICE, [update(ALICE, max_validators=1)])])
    assert resp.tx_results[0].code == 0, resp.tx_results[0].log
    assert params().max_validators == 1
    assert [(u.pub_key.ed25519, u.power) for u in resp.validator_updates] == [(V[1][1], 0)]
