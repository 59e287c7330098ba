"""Datanet's simulation: datanets created, records contributed, reviewed, withdrawn and
published, access paid and rewards claimed, valid and invalid (see app/simulation/types.py).

Every operation locks the datanet it touches (`env.locked`), so at most one operation per
datanet per block and each expectation is exact. One operation (`datanet/lifecycle`) runs a
whole datanet's life in one tx (create, contribute, withdraw, review, publish, edit, grant,
curators, pay access, claim, close, transfer), so every message is exercised even in short runs."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any

from aichain.app.simulation.types import (
    GenesisEnv,
    NoOp,
    SimAccount,
    SimEnv,
    SimTx,
    WeightedOperation,
    params_update,
)
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.datanet.v1 import tx_pb2
from aichain.modules.datanet import keys

MAX_SIZE = 10_000
"""Max record size of simulated datanets."""

BOND = 1_000
"""Largest bond per record of simulated datanets."""


def _lock(env: SimEnv, datanet_id: int) -> bool:
    """Locks a datanet for this block; False if another operation has it."""
    tag = b"datanet:" + keys.u64(datanet_id)
    if tag in env.locked:
        return False
    env.locked.add(tag)
    return True


def _digest(rng: random.Random) -> str:
    return hashlib.sha256(rng.randbytes(16)).hexdigest()


def _account(env: SimEnv, bech32: str) -> SimAccount | None:
    """The simulated account of an address, if it is free to sign this block."""
    for account in env.free_accounts():
        if account.bech32 == bech32:
            return account
    return None


def _pick_datanet(rng: random.Random, env: SimEnv) -> pb.Datanet | None:
    """A random datanet not locked this block (locked for the caller)."""
    datanets = list(env.keeper("datanet").iter_datanets(env.ctx))
    rng.shuffle(datanets)
    for datanet in datanets:
        if _lock(env, datanet.id):
            return datanet
    return None


def _create(creator: str, rng: random.Random, curators: Sequence[str]) -> tx_pb2.MsgCreateDatanet:
    mode = rng.choice([pb.CURATION_MODE_OWNER, pb.CURATION_MODE_CURATORS, pb.CURATION_MODE_OPEN])
    restricted = rng.randrange(2) == 0
    return tx_pb2.MsgCreateDatanet(
        creator=creator, name=f"sim-{rng.randrange(10**6)}", license="CC-BY-4.0",
        modality=pb.MODALITY_TEXT, curation_mode=mode,
        access_policy=pb.ACCESS_POLICY_RESTRICTED if restricted else pb.ACCESS_POLICY_PUBLIC,
        access_price=str(rng.randint(1, 10_000)) if restricted else "0",
        bond_per_record=str(rng.randint(0, BOND)), max_record_size=MAX_SIZE,
        curators=list(curators) if mode == pb.CURATION_MODE_CURATORS else [],
    )  # fmt: skip


def simulate_create(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A new datanet; one time in six without a license (refused)."""
    signer = env.pick_account(rng)
    if signer is None:
        return NoOp("every account signed in this block")
    if b"datanet:create" in env.locked:  # ids are predicted by the lifecycle operation
        return NoOp("a datanet is already created this block")
    env.locked.add(b"datanet:create")
    msg = _create(signer.bech32, rng, [env.any_account(rng).bech32])
    bad = rng.randrange(6) == 0
    if bad:
        msg.license = ""
    return SimTx(signer, (msg,), valid=not bad)


def simulate_lifecycle(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """One tx running a restricted datanet's whole life: create, contribute, accept, publish,
    edit metadata, grant, set curators, pay access, claim, close, transfer ownership (and a
    second record withdrawn)."""
    signer = env.pick_account(rng)
    if signer is None:
        return NoOp("every account signed in this block")
    if b"datanet:create" in env.locked:
        return NoOp("a lifecycle already runs this block")
    env.locked.add(b"datanet:create")
    raw = env.ctx.kv(env.keeper("datanet").store_key).get(keys.NEXT_DATANET_ID)
    new_id = keys.read_u64(raw) if raw else 1
    price = rng.randint(1, 10_000)
    if env.balance(signer.address) < price + 2 * BOND:
        return NoOp("the signer cannot pay the access price")
    _lock(env, new_id)
    me = signer.bech32
    other = env.any_account(rng).bech32
    create = _create(me, rng, [])
    create.curation_mode = pb.CURATION_MODE_OWNER
    create.access_policy = pb.ACCESS_POLICY_RESTRICTED
    create.access_price = str(price)
    msgs = (
        create,
        tx_pb2.MsgContribute(contributor=me, datanet_id=new_id, content_hash=_digest(rng),
                             size=100, media_type="text/plain"),
        tx_pb2.MsgContribute(contributor=me, datanet_id=new_id, content_hash=_digest(rng),
                             size=50, media_type="text/plain"),
        tx_pb2.MsgWithdraw(contributor=me, datanet_id=new_id, record_id=2),
        tx_pb2.MsgReview(curator=me, datanet_id=new_id, record_id=1, accept=True),
        tx_pb2.MsgPublishVersion(publisher=me, datanet_id=new_id, append=[1], changelog="v1"),
        tx_pb2.MsgEditMetadata(contributor=me, datanet_id=new_id, record_id=1, metadata="{}"),
        tx_pb2.MsgGrantAccess(owner=me, datanet_id=new_id, grantee=other),
        tx_pb2.MsgSetCurators(owner=me, datanet_id=new_id, curators=[other]),
        tx_pb2.MsgPayAccess(payer=me, datanet_id=new_id, version=1),
        tx_pb2.MsgClaim(contributor=me, datanet_id=new_id),
        tx_pb2.MsgSetClosed(owner=me, datanet_id=new_id, closed=rng.randrange(2) == 0),
        tx_pb2.MsgTransferOwnership(owner=me, datanet_id=new_id, new_owner=other),
    )  # fmt: skip
    return SimTx(signer, msgs, valid=True)


def simulate_contribute(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A record to a random datanet; refused when closed, oversized or a live duplicate."""
    signer = env.pick_account(rng)
    datanet = _pick_datanet(rng, env) if signer is not None else None
    if signer is None or datanet is None:
        return NoOp("no signer or no free datanet")
    if env.balance(signer.address) < int(datanet.bond_per_record):
        return NoOp("the signer cannot pay the bond")
    kind = rng.randrange(8)
    content_hash, size = _digest(rng), rng.randint(1, MAX_SIZE)
    if kind == 0:
        size = MAX_SIZE + 1
    elif kind == 1:
        live = [r for r in env.keeper("datanet").iter_records(env.ctx, datanet.id)
                if r.status in (pb.RECORD_STATUS_PENDING, pb.RECORD_STATUS_ACCEPTED)]  # fmt: skip
        if live:
            content_hash = rng.choice(live).content_hash
        else:
            kind = 2
    msg = tx_pb2.MsgContribute(contributor=signer.bech32, datanet_id=datanet.id,
                               content_hash=content_hash, size=size, media_type="text/plain",
                               metadata='{"sim": true}')  # fmt: skip
    return SimTx(signer, (msg,), valid=kind > 1 and not datanet.closed)


def simulate_review(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A curator accepts or rejects a pending record; one time in five a non-curator tries
    (refused)."""
    datanet = _pick_datanet(rng, env)
    if datanet is None:
        return NoOp("no free datanet")
    pending = [r for r in env.keeper("datanet").iter_records(env.ctx, datanet.id)
               if r.status == pb.RECORD_STATUS_PENDING]  # fmt: skip
    if not pending:
        return NoOp("no pending record")
    record = rng.choice(pending)
    curators = [datanet.owner]
    if datanet.curation_mode == pb.CURATION_MODE_CURATORS:
        curators += datanet.curators
    outsider = rng.randrange(5) == 0
    if outsider:
        signer = env.pick_account(rng)
        if signer is None or signer.bech32 in curators:
            return NoOp("no outsider free")
    else:
        signer = _account(env, rng.choice(curators))
        if signer is None:
            return NoOp("the curator already signed")
    accept = rng.randrange(3) != 0
    msg = tx_pb2.MsgReview(curator=signer.bech32, datanet_id=datanet.id, record_id=record.id,
                           accept=accept, reason="" if accept else "off topic")  # fmt: skip
    return SimTx(signer, (msg,), valid=not outsider)


def simulate_withdraw(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """The contributor withdraws a pending record (valid), or someone else tries (refused)."""
    datanet = _pick_datanet(rng, env)
    if datanet is None:
        return NoOp("no free datanet")
    pending = [r for r in env.keeper("datanet").iter_records(env.ctx, datanet.id)
               if r.status == pb.RECORD_STATUS_PENDING]  # fmt: skip
    if not pending:
        return NoOp("no pending record")
    record = rng.choice(pending)
    signer = _account(env, record.contributor)
    valid = rng.randrange(4) != 0
    if not valid:
        signer = env.pick_account(rng)
        if signer is not None and signer.bech32 == record.contributor:
            return NoOp("picked the contributor")
    if signer is None:
        return NoOp("signer already signed")
    msg = tx_pb2.MsgWithdraw(contributor=signer.bech32, datanet_id=datanet.id, record_id=record.id)
    return SimTx(signer, (msg,), valid=valid)


def simulate_publish(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """The owner publishes accepted records not yet in the latest version (and sometimes
    removes one); one time in six it names a pending record (refused)."""
    datanet = _pick_datanet(rng, env)
    if datanet is None:
        return NoOp("no free datanet")
    signer = _account(env, datanet.owner)
    if signer is None:
        return NoOp("the owner already signed")
    keeper = env.keeper("datanet")
    latest = datanet.latest_version
    records = list(keeper.iter_records(env.ctx, datanet.id))
    in_latest = {r.id for r in records if latest and keeper.is_record_in_version(
        env.ctx, datanet.id, latest, r.id)}  # fmt: skip
    ready = [r.id for r in records if r.status == pb.RECORD_STATUS_ACCEPTED
             and r.id not in in_latest]  # fmt: skip
    pending = [r.id for r in records if r.status == pb.RECORD_STATUS_PENDING]
    if rng.randrange(6) == 0 and pending:
        append, valid = [rng.choice(pending)], False
    else:
        append, valid = rng.sample(ready, min(len(ready), rng.randint(1, 10))), True
    remove = [rng.choice(sorted(in_latest))] if in_latest and rng.randrange(4) == 0 else []
    if valid and not append and not remove:
        return NoOp("nothing to publish")
    if valid and len(in_latest) - len(remove) + len(append) == 0:
        return NoOp("would publish an empty version")
    msg = tx_pb2.MsgPublishVersion(publisher=signer.bech32, datanet_id=datanet.id, append=append,
                                   remove=remove, changelog="sim")  # fmt: skip
    return SimTx(signer, (msg,), valid=valid)


def simulate_pay_access(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """Pays a restricted datanet's access for its latest version; refused for a version that
    does not exist."""
    signer = env.pick_account(rng)
    datanet = _pick_datanet(rng, env) if signer is not None else None
    if signer is None or datanet is None:
        return NoOp("no signer or no free datanet")
    price = int(datanet.access_price or "0")
    if datanet.access_policy != pb.ACCESS_POLICY_RESTRICTED or price == 0:
        return NoOp("a public datanet")
    if env.balance(signer.address) < price:
        return NoOp("the payer cannot pay")
    valid = datanet.latest_version > 0 and rng.randrange(5) != 0
    version = datanet.latest_version if valid else datanet.latest_version + 1
    msg = tx_pb2.MsgPayAccess(payer=signer.bech32, datanet_id=datanet.id, version=version)
    return SimTx(signer, (msg,), valid=valid)


def simulate_claim(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A contributor claims its rewards: accepted when something is claimable, else refused."""
    signer = env.pick_account(rng)
    datanet = _pick_datanet(rng, env) if signer is not None else None
    if signer is None or datanet is None:
        return NoOp("no signer or no free datanet")
    earnings = env.keeper("datanet").iter_earnings(env.ctx, datanet.id, signer.address)
    claimable = sum(c for _, _, c in earnings)
    msg = tx_pb2.MsgClaim(contributor=signer.bech32, datanet_id=datanet.id)
    return SimTx(signer, (msg,), valid=claimable > 0)


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """Params drawn from the seed: rejection burn share, curator and publish limits."""
    rng = genesis.rng
    return {
        "params": {
            "rejection_burn_bps": rng.randint(0, 10_000),
            "max_record_size": str(64 << 20),
            "max_curators": rng.randint(4, 32),
            "max_publish_records": str(rng.randint(1_000, 10_000)),
            "bond_denom": "uaic",
        }
    }


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """New params, after a curator-set update by governance; one time in six a burn share
    above 100% (refused)."""
    bad = rng.randrange(6) == 0
    params = pb.Params(
        rejection_burn_bps=10_001 if bad else rng.randint(0, 10_000),
        max_record_size=64 << 20, max_curators=32, max_publish_records=10_000,
        bond_denom="uaic",
    )  # fmt: skip

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    tx = params_update(rng, env, make, valid=not bad)
    datanet = next(iter(env.keeper("datanet").iter_datanets(env.ctx, reverse=True)), None)
    if isinstance(tx, SimTx) and datanet is not None:
        # first in the same tx, governance sets the newest datanet's curators to the ones it
        # has, in reverse order (MsgUpdateCurators: accepted from the authority; the tx's
        # refusal when another account names itself the authority). Membership is unchanged
        # and no random draw is made, so no other operation's expectation or draws move.
        update = tx_pb2.MsgUpdateCurators(
            authority=tx.signer.bech32, datanet_id=datanet.id,
            curators=list(reversed(datanet.curators)),
        )  # fmt: skip
        tx = SimTx(tx.signer, (update, *tx.msgs), valid=tx.valid)
    return tx


def weighted_operations() -> Sequence[WeightedOperation]:
    """Datanet's operations and their default weights."""
    return (
        WeightedOperation("datanet/create", 2, simulate_create),
        WeightedOperation("datanet/lifecycle", 10, simulate_lifecycle),
        WeightedOperation("datanet/contribute", 10, simulate_contribute),
        WeightedOperation("datanet/review", 8, simulate_review),
        WeightedOperation("datanet/withdraw", 2, simulate_withdraw),
        WeightedOperation("datanet/publish", 5, simulate_publish),
        WeightedOperation("datanet/pay-access", 2, simulate_pay_access),
        WeightedOperation("datanet/claim", 2, simulate_claim),
        WeightedOperation("datanet/update-params", 2, simulate_update_params),
    )
