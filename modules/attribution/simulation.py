"""Attribution's simulation: inference from request to settlement, challenges through their
committee, prepaid balances and claims, valid and invalid (see app/simulation/types.py).

`attribution/setup` registers, in one tx, an adapter on a published datanet version the
signer may use, activates it and registers the signer as a worker serving it (hot key derived
from the signer's key, so later operations can sign its results), then requests an inference.
`attribution/join` makes another account a worker of such a model (committees need one).
Results, challenges, commitments and reveals follow from committed state; every operation
locks the request or dispute it touches, so two txs of a block never race."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from aichain.app.crypto import PrivateKey
from aichain.app.simulation.types import (
    NoOp,
    SimAccount,
    SimEnv,
    SimTx,
    WeightedOperation,
    params_update,
)
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.attribution.v1 import tx_pb2
from aichain.datanet.v1 import datanet_pb2 as dpb
from aichain.datanet.v1 import tx_pb2 as dtx
from aichain.modelreg.v1 import modelreg_pb2 as mpb
from aichain.modelreg.v1 import tx_pb2 as mtx
from aichain.modules.attribution.signing import commitment, make_bundle, vote_bytes
from aichain.modules.attribution.types import Params
from aichain.modules.attribution.view import ANSWERED, PENDING

CREATE_LOCK = b"modelreg:create"
"""modelreg's lock of the operation that registers models this block (ids are predicted)."""

DATANET_LOCK = b"datanet:create"
"""datanet's lock of the operation that creates datanets this block (ids are predicted)."""

SIM_NAME = "sim-attr"
"""Name of the adapters this simulation registers (its models)."""

GENESIS_PARAMS = dict(
    assignment_window_blocks=2, min_timeout_blocks=2, max_timeout_blocks=10,
    challenge_window_blocks=10, min_challenge_bond=1_000, committee_size=1,
    commit_window_blocks=6, reveal_window_blocks=6, no_reveal_penalty=1_000,
    timeout_penalty=100, max_misses=3, jail_seconds=30,
)  # fmt: skip
"""Short windows so requests, challenges and committees finish inside a short run."""


def hot_key(account: SimAccount) -> PrivateKey:
    """The hot key the simulation gives the worker of an account."""
    return PrivateKey(hashlib.sha256(b"attribution-sim-hot" + account.key.secret).digest())


def _hash(rng: random.Random) -> str:
    return hashlib.sha256(rng.randbytes(16)).hexdigest()


def _account(env: SimEnv, bech32: str) -> SimAccount | None:
    return next((a for a in env.accounts if a.bech32 == bech32), None)


def _sim_models(env: SimEnv) -> list[mpb.Model]:
    return [m for m in env.keeper("modelreg").iter_models(env.ctx)
            if m.name == SIM_NAME and m.status == mpb.MODEL_STATUS_ACTIVE]  # fmt: skip


def _active_workers(env: SimEnv, model_id: int) -> list[mpb.Worker]:
    return [w for w in env.keeper("modelreg").iter_workers(env.ctx)
            if w.status == mpb.WORKER_STATUS_ACTIVE and model_id in w.models
            and int(w.bond or "0") > 0]  # fmt: skip


def _can_serve_more(worker: mpb.Worker | None, account: SimAccount) -> bool:
    """No worker yet, or an active one of this simulation with room for another model."""
    return worker is None or (
        worker.status == mpb.WORKER_STATUS_ACTIVE
        and worker.hot_pubkey == hot_key(account).pubkey
        and len(worker.models) < 8
    )


def _serve(account: SimAccount, worker: mpb.Worker | None, model_id: int, bond: int):  # type: ignore[no-untyped-def]
    """The message that makes the account's worker serve the model too."""
    if worker is not None:
        return mtx.MsgUpdateWorker(operator=account.bech32, models=[*worker.models, model_id],
                                   endpoint="https://sim")  # fmt: skip
    hot = hot_key(account).pubkey
    return mtx.MsgRegisterWorker(operator=account.bech32, hot_pubkey=hot, models=[model_id],
                                 endpoint="https://sim", bond=str(bond))  # fmt: skip


def randomized_genesis(genesis) -> dict:  # type: ignore[no-untyped-def]
    """Default params with short windows."""
    from dataclasses import replace

    from aichain.modules.attribution.genesis import params_to_json

    return {"params": params_to_json(replace(Params(), **GENESIS_PARAMS)), "state": []}


def simulate_setup(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """One tx: a public datanet with three accepted records published as version 1, a base
    model and an adapter trained on that version, its activation and price, the signer's
    worker serving it, and a first request."""
    if CREATE_LOCK in env.locked or DATANET_LOCK in env.locked:
        return NoOp("models or datanets are already registered this block")
    modelreg = env.keeper("modelreg")
    mparams = modelreg.get_params(env.ctx)
    if not mparams.owner_activation:
        return NoOp("activation is governance-only now")
    free = [a for a in env.free_accounts()
            if _can_serve_more(modelreg.get_worker(env.ctx, a.address), a)
            and env.balance(a.address) > mparams.min_worker_bond + 10**6]  # fmt: skip
    if not free:
        return NoOp("no free funded account")
    signer = rng.choice(free)
    env.locked.update((CREATE_LOCK, DATANET_LOCK))
    from aichain.modules.datanet import keys as dkeys
    from aichain.modules.datanet.merkle import RecordRef, compute_version_root
    from aichain.modules.modelreg import keys as mkeys

    store = env.ctx.kv(env.keeper("datanet").store_key)
    raw = store.get(dkeys.NEXT_DATANET_ID)
    datanet_id = dkeys.read_u64(raw) if raw else 1
    env.locked.add(b"datanet:" + dkeys.u64(datanet_id))
    raw = env.ctx.kv(modelreg.store_key).get(mkeys.NEXT_MODEL_ID)
    base_id = mkeys.read_u64(raw) if raw else 1
    me = signer.bech32
    hashes = [_hash(rng) for _ in range(3)]
    root = compute_version_root([RecordRef(str(i), c, me, "text/plain")
                                 for i, c in enumerate(hashes, start=1)])  # fmt: skip
    price = max(mparams.min_price, min(1_000, mparams.max_price))
    ref = mpb.DatanetRef(datanet_id=datanet_id, version=1, version_root=root)
    datanet_msgs = [
        dtx.MsgCreateDatanet(creator=me, name="sim-attr-data", license="CC0",
                             modality=dpb.MODALITY_TEXT, curation_mode=dpb.CURATION_MODE_OWNER,
                             access_policy=dpb.ACCESS_POLICY_PUBLIC, access_price="0",
                             bond_per_record="0", max_record_size=10_000),
        *(dtx.MsgContribute(contributor=me, datanet_id=datanet_id, content_hash=c, size=100,
                            media_type="text/plain") for c in hashes),
        *(dtx.MsgReview(curator=me, datanet_id=datanet_id, record_id=i, accept=True)
          for i in (1, 2, 3)),
        dtx.MsgPublishVersion(publisher=me, datanet_id=datanet_id, append=[1, 2, 3],
                              changelog="v1"),
    ]  # fmt: skip
    msgs = (
        *datanet_msgs,
        mtx.MsgRegisterBaseModel(owner=me, name="sim-attr-base", weights_hash=_hash(rng),
                                 architecture="gpt2", parameter_count=1, license="MIT"),
        mtx.MsgRegisterAdapter(owner=me, name=SIM_NAME, base_model_id=base_id,
                               weights_hash=_hash(rng), manifest_hash=_hash(rng),
                               training_config_hash=_hash(rng), provenance=[ref]),
        mtx.MsgActivateModel(authority=me, model_id=base_id + 1),
        mtx.MsgSetPrice(owner=me, model_id=base_id + 1, price_per_request=str(price),
                        price_per_1k_tokens=str(mparams.min_price)),  # 0 is a price too
        _serve(signer, modelreg.get_worker(env.ctx, signer.address), base_id + 1,
               max(mparams.min_worker_bond, 1)),
        tx_pb2.MsgRequestInference(requester=me, model_id=base_id + 1, input_inline=b"hi",
                                   max_fee=str(price)),
    )  # fmt: skip
    return SimTx(signer, msgs, valid=True, gas=6_000_000)


def simulate_join(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """Another account's worker for a simulated model."""
    models = _sim_models(env)
    if not models:
        return NoOp("no simulated model")
    model = rng.choice(models)
    modelreg = env.keeper("modelreg")
    bond = max(modelreg.get_params(env.ctx).min_worker_bond, 1)
    free = []
    for a in env.free_accounts():
        worker = modelreg.get_worker(env.ctx, a.address)
        if not _can_serve_more(worker, a) or (worker is not None and model.id in worker.models):
            continue
        if worker is None and env.balance(a.address) < bond + 10**5:
            continue
        if all(env.keeper("datanet").has_access(env.ctx, r.datanet_id, a.address)
               for r in model.provenance):  # fmt: skip
            free.append((a, worker))
    if not free:
        return NoOp("no free account to serve the model")
    signer, worker = rng.choice(free)
    return SimTx(signer, (_serve(signer, worker, model.id, bond),), valid=True)


def simulate_request(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A request for a simulated model; one time in four with a fee below the price."""
    models = [m for m in _sim_models(env) if _active_workers(env, m.id)]
    signer = env.pick_account(rng)
    if not models or signer is None:
        return NoOp("no servable simulated model or no free signer")
    model = rng.choice(models)
    price = int(model.price_per_request or "0")
    if env.balance(signer.address) < price + 10**4:
        return NoOp("signer cannot pay")
    bad = price > 0 and rng.randrange(4) == 0
    fee = str(price - 1 if bad else price)
    msg = tx_pb2.MsgRequestInference(requester=signer.bech32, model_id=model.id,
                                     input_hash=_hash(rng), max_fee=fee)  # fmt: skip
    return SimTx(signer, (msg,), valid=not bad)


def _result(env: SimEnv, inference: pb.Inference, worker: str, rng: random.Random):  # type: ignore[no-untyped-def]
    model = env.keeper("modelreg").get_model(env.ctx, inference.request.model_id)
    lineage = env.keeper("modelreg").get_lineage(env.ctx, model.id)
    ref = model.provenance[0]
    entries = list(env.keeper("datanet").iter_entries(env.ctx, ref.datanet_id, ref.version))
    chosen = rng.sample(entries, min(len(entries), rng.randint(1, 3)))
    weights = [1_000_000 // len(chosen)] * len(chosen)
    weights[0] += 1_000_000 - sum(weights)
    return pb.InferenceResult(
        chain_id=env.chain_id, request_id=inference.request.id, worker=worker, model_id=model.id,
        adapter_weights_hash=model.weights_hash, base_weights_hash=lineage[-1].weights_hash,
        output_hash=_hash(rng), prompt_tokens=3, completion_tokens=5, method="blend-v1",
        evidence_hash=_hash(rng),
        attributions=[pb.AttributionEntry(datanet_id=ref.datanet_id, version=ref.version,
                                          record_id=e.record_id, weight_ppm=w)
                      for e, w in zip(chosen, weights, strict=True)],
    )  # fmt: skip


def simulate_submit(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """The assigned worker's signed result for a pending request, relayed by any account;
    one time in five signed by another key (refused)."""
    keeper = env.keeper("attribution")
    modelreg = env.keeper("modelreg")
    candidates = []
    for inference in keeper.iter_inferences(env.ctx, reverse=True):
        request = inference.request
        key = b"attribution:req:" + request.id.to_bytes(8, "big")
        if request.status != PENDING or key in env.locked or env.height > request.timeout_height:
            continue
        account = _account(env, request.assigned_worker)
        worker = modelreg.get_worker(env.ctx, account.address) if account else None
        if worker is None or worker.status != mpb.WORKER_STATUS_ACTIVE:
            continue
        candidates.append((inference, account, key))
        if len(candidates) >= 8:
            break
    signer = env.pick_account(rng)
    if not candidates or signer is None:
        return NoOp("no pending request of an active simulated worker")
    inference, account, key = rng.choice(candidates)
    env.locked.add(key)
    bad = rng.randrange(5) == 0
    signing_key = signer.key if bad else hot_key(account)
    bundle = make_bundle(signing_key, _result(env, inference, account.bech32, rng))
    msg = tx_pb2.MsgSubmitInference(submitter=signer.bech32, results=[bundle])
    return SimTx(signer, (msg,), valid=not bad, gas=4_000_000)


def simulate_challenge(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A challenge of an answered inference inside its window, bonded; one time in five with
    too small a bond (refused)."""
    keeper = env.keeper("attribution")
    params = keeper.get_params(env.ctx)
    signer = env.pick_account(rng)
    if signer is None or env.balance(signer.address) < params.min_challenge_bond + 10**4:
        return NoOp("no free signer with a bond")
    for inference in keeper.iter_inferences(env.ctx, reverse=True):
        key = b"attribution:req:" + inference.request.id.to_bytes(8, "big")
        if (inference.request.status != ANSWERED or env.height > inference.challenge_end_height
                or key in env.locked or inference.worker == signer.bech32):  # fmt: skip
            continue
        others = [w for w in _active_workers(env, inference.request.model_id)
                  if w.operator not in (inference.worker, signer.bech32)]  # fmt: skip
        if not others:
            continue
        env.locked.add(key)
        bad = rng.randrange(5) == 0
        bond = params.min_challenge_bond - 1 if bad else params.min_challenge_bond
        msg = tx_pb2.MsgChallenge(challenger=signer.bech32, inference_id=inference.request.id,
                                  bond=str(bond), reason="sim")  # fmt: skip
        return SimTx(signer, (msg,), valid=not bad)
    if rng.randrange(4) != 0:
        return NoOp("no challengeable inference")
    msg = tx_pb2.MsgChallenge(challenger=signer.bech32, inference_id=10**12,
                              bond=str(params.min_challenge_bond))  # fmt: skip
    return SimTx(signer, (msg,), valid=False)  # no such inference


def _vote(dispute: pb.Dispute, member: SimAccount, agree: bool, claim: pb.InferenceResult):  # type: ignore[no-untyped-def]
    entries = list(claim.attributions)
    if not agree:
        entries = [pb.AttributionEntry(datanet_id=e.datanet_id, version=e.version,
                                       record_id=e.record_id + 10**6, weight_ppm=e.weight_ppm)
                   for e in entries]  # fmt: skip
    salt = hashlib.sha256(member.key.secret + dispute.id.to_bytes(8, "big")).digest()[:16]
    return entries, salt


def _open_votes(env: SimEnv, status: int, end: str):  # type: ignore[no-untyped-def]
    keeper = env.keeper("attribution")
    for dispute in keeper.iter_disputes(env.ctx, reverse=True):
        if dispute.status != status or not dispute.committee or env.height > getattr(dispute, end):
            continue
        key = b"attribution:dispute:" + dispute.id.to_bytes(8, "big")
        if key in env.locked:
            continue
        for vote in dispute.committee:
            account = _account(env, vote.member)
            if account is not None and account.address not in env.used:
                yield dispute, vote, account, key


def simulate_commit(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A committee member's commitment (agreeing or not at random); a second one is refused."""
    for dispute, vote, account, key in _open_votes(env, pb.DISPUTE_STATUS_COMMIT,
                                                   "commit_end_height"):  # fmt: skip
        env.locked.add(key)
        claim = env.keeper("attribution").require_inference(env.ctx, dispute.inference_id).result
        agree = rng.randrange(2) == 0
        entries, salt = _vote(dispute, account, agree, claim)
        digest = commitment(dispute.id, account.address, vote_bytes(entries, "", ""), salt)
        msg = tx_pb2.MsgCommitVote(voter=account.bech32, dispute_id=dispute.id, commitment=digest)
        return SimTx(account, (msg,), valid=not vote.commitment)
    return _stray_vote(rng, env, commit=True)


def simulate_reveal(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A member's reveal of what it committed (both possible votes are tried: the one that
    does not open the commitment is refused)."""
    for dispute, vote, account, key in _open_votes(env, pb.DISPUTE_STATUS_REVEAL,
                                                   "reveal_end_height"):  # fmt: skip
        if not vote.commitment or vote.revealed:
            continue
        env.locked.add(key)
        claim = env.keeper("attribution").require_inference(env.ctx, dispute.inference_id).result
        agree = rng.randrange(2) == 0
        entries, salt = _vote(dispute, account, agree, claim)
        opens = commitment(dispute.id, account.address, vote_bytes(entries, "", ""),
                           salt) == vote.commitment  # fmt: skip
        msg = tx_pb2.MsgRevealVote(voter=account.bech32, dispute_id=dispute.id,
                                   attributions=entries, salt=salt)  # fmt: skip
        return SimTx(account, (msg,), valid=opens)
    return _stray_vote(rng, env, commit=False)


def _stray_vote(rng: random.Random, env: SimEnv, commit: bool) -> SimTx | NoOp:
    """A vote from an account on no committee of an open dispute, or for no dispute: refused."""
    signer = env.pick_account(rng)
    if signer is None or rng.randrange(6) != 0:
        return NoOp("no committee member has a vote to send")
    entry = pb.AttributionEntry(datanet_id=1, version=1, record_id=1, weight_ppm=1_000_000)
    msg = (tx_pb2.MsgCommitVote(voter=signer.bech32, dispute_id=10**12, commitment=b"c" * 32)
           if commit else
           tx_pb2.MsgRevealVote(voter=signer.bech32, dispute_id=10**12, attributions=[entry],
                                salt=b"s" * 16))  # fmt: skip
    return SimTx(signer, (msg,), valid=False)


def simulate_vote(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A committee member's reveal when its dispute is in the reveal phase, else its
    commitment (one operation, so votes take few of the block's slots)."""
    reveal = simulate_reveal(rng, env)
    if isinstance(reveal, SimTx) and reveal.valid is not False:
        return reveal
    commit = simulate_commit(rng, env)
    if isinstance(commit, SimTx):
        return commit
    return reveal


def simulate_claim(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A claim: accepted with matured earnings, refused without."""
    signer = env.pick_account(rng)
    if signer is None:
        return NoOp("every account signed in this block")
    earning = env.keeper("attribution").get_earning(env.ctx, signer.address)
    msg = tx_pb2.MsgClaim(claimant=signer.bech32)
    return SimTx(signer, (msg,), valid=int(earning.claimable or "0") > 0)


def simulate_prepaid(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """Funds a prepaid balance and withdraws part of it; one time in four withdraws more than
    the balance (refused)."""
    models = _sim_models(env)
    signer = env.pick_account(rng)
    if not models or signer is None or env.balance(signer.address) < 10**5:
        return NoOp("no simulated model or no funded signer")
    model = rng.choice(models)
    balance = env.keeper("attribution").get_prepaid(env.ctx, signer.address, model.id)
    amount = rng.randint(1, 10**4)
    bad = rng.randrange(4) == 0
    take = balance + amount + 1 if bad else rng.randint(1, balance + amount)
    msgs = (
        tx_pb2.MsgFundPrepaid(requester=signer.bech32, model_id=model.id, amount=str(amount)),
        tx_pb2.MsgWithdrawPrepaid(requester=signer.bech32, model_id=model.id, amount=str(take)),
    )
    return SimTx(signer, msgs, valid=not bad)


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """New short-window params and a participation share anywhere in [0, 10^4]; one time in
    six shares that do not sum to 10^4 or a participation_bps above 10^4 (refused)."""
    from dataclasses import replace

    bad = rng.randrange(6) == 0
    chosen = {**GENESIS_PARAMS, "challenge_window_blocks": rng.randint(8, 12),
              "participation_bps": rng.choice((0, rng.randint(1, 9_999), 10_000))}  # fmt: skip
    params = replace(Params(), **chosen).to_proto()
    if bad and rng.randrange(2):
        params.burn_bps += 1
    elif bad:
        params.participation_bps = 10_001 + rng.randrange(1_000)

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    return params_update(rng, env, make, valid=not bad)


def weighted_operations() -> Sequence[WeightedOperation]:
    """Attribution's operations and their default weights."""
    return (
        WeightedOperation("attribution/setup", 12, simulate_setup),
        WeightedOperation("attribution/join", 12, simulate_join),
        WeightedOperation("attribution/request", 8, simulate_request),
        WeightedOperation("attribution/submit", 16, simulate_submit),
        WeightedOperation("attribution/challenge", 16, simulate_challenge),
        WeightedOperation("attribution/vote", 60, simulate_vote),
        WeightedOperation("attribution/claim", 6, simulate_claim),
        WeightedOperation("attribution/prepaid", 6, simulate_prepaid),
        WeightedOperation("attribution/update-params", 6, simulate_update_params),
    )
