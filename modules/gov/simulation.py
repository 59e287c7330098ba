"""Governance's simulation: short deposit and voting periods at genesis; proposals on both
tracks (text proposals, proposals whose message the simulated authority will refuse at
execution, proposals carrying another authority, empty ones, deposits in the wrong denom),
deposits, plain and weighted votes (weights summing to 1 or not), cancellations, reward
claims, pool funding and param changes, valid and invalid."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from cosmos.bank.v1beta1 import bank_pb2
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.v1beta1 import coin_pb2
from cosmos.gov.v1 import gov_pb2, tx_pb2
from google.protobuf import any_pb2

from aichain.app.crypto import account_address, module_address
from aichain.app.dec import ONE, format_dec
from aichain.app.simulation.types import (
    BEYOND_ANY_BALANCE,
    SIM_DENOM,
    SIM_EXTRA_DENOM,
    GenesisEnv,
    NoOp,
    SimAccount,
    SimEnv,
    SimTx,
    WeightedOperation,
    params_update,
    random_amount,
    random_fee,
)
from aichain.gov.v1 import tx_pb2 as aic_tx
from aichain.modules.gov.types import (
    MODULE,
    OPTIONS,
    STATUS_DEPOSIT_PERIOD,
    STATUS_VOTING_PERIOD,
    Params,
    Proposal,
)

MIN_BLOCK_S, MAX_BLOCK_S = 5, 9
"""Seconds between simulated blocks (the runner's): the next block's time is within them."""


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """Deposit and voting periods of a few blocks, a small minimum deposit, random burns and
    a participation reward."""
    rng = genesis.rng
    minimum = rng.randint(10**3, 10**6)
    voting = rng.randint(30, 60)
    return {
        "params": {
            "min_deposit": [{"denom": SIM_DENOM, "amount": str(minimum)}],
            "expedited_min_deposit": [{"denom": SIM_DENOM, "amount": str(5 * minimum)}],
            "max_deposit_period": f"{rng.randint(30, 60)}s",
            "voting_period": f"{voting}s",
            "expedited_voting_period": f"{rng.randint(15, voting - 5)}s",
            "quorum": format_dec(rng.randint(0, 500) * ONE // 1000),
            "burn_vote_quorum": rng.randrange(2) == 0,
            "burn_vote_veto": rng.randrange(4) != 0,
            "burn_proposal_deposit_prevote": rng.randrange(3) == 0,
        },
        "model_track": {
            "params": {
                "participation_reward": [{"denom": SIM_DENOM, "amount": str(rng.randint(1, 10**6))}]
            }
        },
    }


def _coins(amount: int, denom: str = SIM_DENOM) -> list[coin_pb2.Coin]:
    return [coin_pb2.Coin(denom=denom, amount=str(amount))]


def _params(env: SimEnv) -> Params:
    return env.keeper("gov").get_params(env.ctx)


def _open_proposals(env: SimEnv, status: int | None = None) -> list[Proposal]:
    """Proposals in their deposit or voting period (or of one status), not locked."""
    wanted = (status,) if status else (STATUS_DEPOSIT_PERIOD, STATUS_VOTING_PERIOD)
    return [
        p
        for p in env.keeper("gov").iter_proposals(env.ctx)
        if p.status in wanted and _lock(p.id) not in env.locked
    ]


def _lock(proposal_id: int) -> bytes:
    """The env.locked entry of a proposal an operation of this block changes."""
    return b"gov/proposal/%d" % proposal_id


def _before_end(env: SimEnv, proposal: Proposal) -> bool | None:
    """Whether the next block (5-9 s after the last) is before the voting end: True, False,
    or None when it may be either."""
    end = proposal.voting_end_time_ns
    if end is None:
        return True
    now = env.ctx.time_ns
    if now + MAX_BLOCK_S * 10**9 < end:
        return True
    if now + MIN_BLOCK_S * 10**9 >= end:
        return False
    return None


def _affordable(cost: int, balance: int, valid: bool) -> bool | None:
    """valid when the committed balance pays cost; else either (sends earlier in the block
    may have topped the balance up)."""
    return valid if cost <= balance else None


def _deposit_ok(params: Params, expedited: bool, amount: int) -> bool:
    """Whether a uaic deposit meets min_deposit_ratio of the proposal kind's minimum."""
    if not params.min_deposit_ratio:
        return True
    minimum = params.min_deposit_for(expedited)[0].amount
    return amount >= minimum * params.min_deposit_ratio // ONE


def simulate_submit_proposal(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A proposal on either track with an initial deposit around the minimum: mostly text
    proposals, some carrying a gov-signed message (the simulated authority refuses it at
    execution: the proposal fails), some invalid (another authority, empty, wrong denom)."""
    account = env.pick_account(rng)
    if account is None:
        return NoOp("every account signed in this block")
    params = _params(env)
    expedited = rng.randrange(5) == 0
    minimum = params.min_deposit_for(expedited)[0].amount
    balance = env.balance(account.address)
    fee = random_fee(rng, balance)
    amount = minimum + rng.randint(0, minimum) if rng.randrange(4) else rng.randint(0, minimum)
    denom, valid = (
        SIM_DENOM,
        _affordable(amount + fee, balance, _deposit_ok(params, expedited, amount)),
    )
    messages: list[any_pb2.Any] = []
    metadata = "ipfs://sim"
    roll = rng.randrange(10)
    if roll < 2:
        messages = [_gov_signed(account_address(module_address(MODULE)))]
    elif roll == 2:
        messages, valid = [_gov_signed(account.bech32)], False  # another authority
    elif roll == 3:
        metadata, valid = "", False  # empty
    elif roll == 4 and env.balance(account.address, SIM_EXTRA_DENOM) > 0:
        denom, amount, valid = SIM_EXTRA_DENOM, 1, False
    model = rng.randrange(2) == 0
    cls = aic_tx.MsgSubmitModelProposal if model else tx_pb2.MsgSubmitProposal
    msg = cls(
        messages=messages,
        initial_deposit=_coins(amount, denom) if amount else [],
        proposer=account.bech32,
        metadata=metadata,
        title="sim",
        summary="a simulated proposal",
        expedited=expedited,
    )
    return SimTx(account, (msg,), valid=valid, fee=fee)


def _gov_signed(authority: str) -> any_pb2.Any:
    """A bank MsgUpdateParams carrying authority."""
    msg = bank_tx.MsgUpdateParams(
        authority=authority, params=bank_pb2.Params(default_send_enabled=True)
    )
    return any_pb2.Any(
        type_url="/cosmos.bank.v1beta1.MsgUpdateParams", value=msg.SerializeToString()
    )


def simulate_deposit(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A deposit on an open proposal (refused below the ratio, above the balance, or in the
    wrong denom)."""
    proposals = _open_proposals(env)
    account = env.pick_account(rng)
    if not proposals or account is None:
        return NoOp("no open proposal or no free account")
    proposal = rng.choice(proposals)
    params = _params(env)
    balance = env.balance(account.address)
    fee = random_fee(rng, balance)
    amount = random_amount(rng, params.min_deposit_for(proposal.expedited)[0].amount)
    valid = _affordable(amount + fee, balance, _deposit_ok(params, proposal.expedited, amount))
    denom = SIM_DENOM
    if rng.randrange(8) == 0:
        denom, amount, valid = SIM_EXTRA_DENOM, 1, False
    if amount < 1:
        return NoOp("nothing to deposit")
    if proposal.status == STATUS_DEPOSIT_PERIOD:
        env.locked.add(_lock(proposal.id))  # it may enter voting: later votes leave it alone
    msg = tx_pb2.MsgDeposit(
        proposal_id=proposal.id, depositor=account.bech32, amount=_coins(amount, denom)
    )
    return SimTx(account, (msg,), valid=valid, fee=fee)


def _voter(rng: random.Random, env: SimEnv) -> SimAccount | None:
    """A free account, validators' operators more often (their votes carry stake)."""
    staking = env.keeper("staking")
    operators = {v.operator for v in staking.iter_validators(env.ctx)}
    free = env.free_accounts()
    ops = [a for a in free if a.address in operators]
    if ops and rng.randrange(3):
        return rng.choice(ops)
    return rng.choice(free) if free else None


def simulate_vote(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A vote on a proposal in its voting period (refused once its end has come, or on a
    proposal still in its deposit period)."""
    voter = _voter(rng, env)
    proposals = _open_proposals(env)
    if voter is None or not proposals:
        return NoOp("no open proposal or no free account")
    proposal = rng.choice(proposals)
    option = rng.choice(OPTIONS)
    valid = _before_end(env, proposal) if proposal.status == STATUS_VOTING_PERIOD else False
    msg = tx_pb2.MsgVote(proposal_id=proposal.id, voter=voter.bech32, option=option)  # type: ignore[arg-type]
    return SimTx(voter, (msg,), valid=valid)


def simulate_weighted_vote(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A split vote whose weights sum to 1 (or, one time in five, do not: refused)."""
    voter = _voter(rng, env)
    proposals = _open_proposals(env, STATUS_VOTING_PERIOD)
    if voter is None or not proposals:
        return NoOp("no proposal in its voting period or no free account")
    proposal = rng.choice(proposals)
    chosen = rng.sample(OPTIONS, rng.randint(1, len(OPTIONS)))
    cuts = sorted(rng.sample(range(1, 1000), len(chosen) - 1))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 1000], strict=True)]
    valid = _before_end(env, proposal)
    if rng.randrange(5) == 0:
        weights[0] += 1
        valid = False
    options = [
        gov_pb2.WeightedVoteOption(option=o, weight=format_dec(w * ONE // 1000))  # type: ignore[arg-type]
        for o, w in zip(chosen, weights, strict=True)
    ]
    msg = tx_pb2.MsgVoteWeighted(proposal_id=proposal.id, voter=voter.bech32, options=options)
    return SimTx(voter, (msg,), valid=valid)


def simulate_cancel_proposal(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """The proposer cancels an open proposal (refused from anyone else)."""
    free = {a.address: a for a in env.free_accounts()}
    mine = [p for p in _open_proposals(env) if p.proposer in free]
    if not mine:
        return NoOp("no open proposal of a free proposer")
    proposal = rng.choice(mine)
    if rng.randrange(4) == 0:
        others = [a for a in free.values() if a.address != proposal.proposer]
        if not others:
            return NoOp("no other free account")
        signer, valid = rng.choice(others), False
    else:
        signer, valid = free[proposal.proposer], _before_end(env, proposal)
        env.locked.add(_lock(proposal.id))  # later operations of this block leave it alone
    msg = tx_pb2.MsgCancelProposal(proposal_id=proposal.id, proposer=signer.bech32)
    return SimTx(signer, (msg,), valid=valid)


def simulate_claim_reward(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A voter claims its share of a decided model proposal's reward (refused for a proposal
    it has no stake in)."""
    gov = env.keeper("gov")
    free = {a.address: a for a in env.free_accounts()}
    ended = {m.proposal_id for m in gov.iter_model_proposals(env.ctx) if m.voting_ended}
    claims = [(pid, v) for pid, v, _ in gov.iter_stakes(env.ctx) if pid in ended and v in free]
    if claims and rng.randrange(5):
        pid, voter = rng.choice(claims)
        msg = aic_tx.MsgClaimParticipationReward(voter=free[voter].bech32, proposal_id=pid)
        return SimTx(free[voter], (msg,), valid=True)
    account = env.pick_account(rng)
    if account is None:
        return NoOp("every account signed in this block")
    stranger = 10**9 + rng.randrange(100)  # no such proposal
    msg = aic_tx.MsgClaimParticipationReward(voter=account.bech32, proposal_id=stranger)
    return SimTx(account, (msg,), valid=False)


def simulate_fund_pool(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """Anyone funds the participation pool (refused above the balance)."""
    account = env.pick_account(rng)
    if account is None:
        return NoOp("every account signed in this block")
    balance = env.balance(account.address)
    fee = random_fee(rng, balance)
    over = rng.randrange(8) == 0
    amount = balance + BEYOND_ANY_BALANCE if over else random_amount(rng, min(balance - fee, 10**7))
    if amount < 1:
        return NoOp("funder holds nothing")
    msg = aic_tx.MsgFundParticipationPool(depositor=account.bech32, amount=_coins(amount))
    return SimTx(account, (msg,), valid=not over, fee=fee)


def simulate_fund_from_community_pool(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """The authority moves part of the community pool into the participation pool (refused
    above what the community pool holds)."""
    pool = env.keeper("distribution").get_community_pool(env.ctx).get(SIM_DENOM, 0) // ONE
    over = pool < 1 or rng.randrange(6) == 0
    amount = pool + BEYOND_ANY_BALANCE if over else random_amount(rng, pool)

    def make(authority: str) -> aic_tx.MsgFundParticipationPoolFromCommunityPool:
        return aic_tx.MsgFundParticipationPoolFromCommunityPool(
            authority=authority, amount=_coins(amount)
        )

    return params_update(rng, env, make, valid=not over)


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """New thresholds and periods (still a few blocks); one time in six a quorum above 1."""
    bad = rng.randrange(6) == 0
    params = _params(env).to_proto()
    params.quorum = format_dec(2 * ONE if bad else rng.randint(0, 500) * ONE // 1000)
    voting = rng.randint(30, 60)
    params.voting_period.seconds = voting
    params.expedited_voting_period.seconds = rng.randint(15, voting - 5)
    params.burn_vote_quorum = rng.randrange(2) == 0

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    return params_update(rng, env, make, valid=not bad)


def simulate_update_model_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A new participation reward (one time in six a negative amount: refused)."""
    bad = rng.randrange(6) == 0
    amount = "-5" if bad else str(rng.randint(1, 10**6))

    def make(authority: str) -> aic_tx.MsgUpdateParams:
        msg = aic_tx.MsgUpdateParams(authority=authority)
        msg.params.participation_reward.append(coin_pb2.Coin(denom=SIM_DENOM, amount=amount))
        return msg

    return params_update(rng, env, make, valid=not bad)


def weighted_operations() -> Sequence[WeightedOperation]:
    """Governance's operations and their default weights."""
    return (
        WeightedOperation("gov/submit-proposal", 12, simulate_submit_proposal),
        WeightedOperation("gov/deposit", 8, simulate_deposit),
        WeightedOperation("gov/vote", 20, simulate_vote),
        WeightedOperation("gov/weighted-vote", 8, simulate_weighted_vote),
        WeightedOperation("gov/cancel-proposal", 4, simulate_cancel_proposal),
        WeightedOperation("gov/claim-reward", 6, simulate_claim_reward),
        WeightedOperation("gov/fund-participation-pool", 3, simulate_fund_pool),
        WeightedOperation("gov/fund-from-community-pool", 1, simulate_fund_from_community_pool),
        WeightedOperation("gov/update-params", 1, simulate_update_params),
        WeightedOperation("gov/update-model-params", 1, simulate_update_model_params),
    )
