"""The simulation driver: random genesis, then blocks of random operations through ABCI.

Each block: pick operations by weight from every module's `simulation.py` (found from the
app's module list: no central list), build and sign their txs against committed state (one tx
per signer per block, so each operation's expectation is exact), run each through CheckTx,
then FinalizeBlock with the last commit's votes (validators go offline and come back at
random; double-sign evidence now and then) and Commit; then check every invariant. An
operation that expected acceptance and was refused (or the reverse), an internal error, an
exception out of FinalizeBlock or a broken invariant stops the run with a SimulationError that
names the seed and block reproducing it. Export at a height, import into a fresh app, and the
app hash must match.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from google.protobuf import timestamp_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.app import new_app
from aichain.app.baseapp import AppConfig, BaseApp
from aichain.app.coins import Coin
from aichain.app.crypto import consensus_address
from aichain.app.errors import INTERNAL_CODE, ROOT_CODESPACE
from aichain.app.simulation.types import (
    SIM_DENOM,
    GenesisEnv,
    NoOp,
    SimAccount,
    SimEnv,
    SimTx,
    WeightedOperation,
    sequence_of,
)
from aichain.app.store.memory import MemStore
from aichain.client.txbuilder import SignerData, build_tx

GENESIS_SECONDS = 1_700_000_000
"""Header time of genesis."""

VALIDATOR_UPDATE_DELAY = 2
"""Updates returned at height H take effect at H + 2 (CometBFT)."""

DUPLICATE_VOTE = 1
"""abci.MisbehaviorType.DUPLICATE_VOTE."""

PPM = 1_000_000
"""Parts per million (rates of the simulation)."""


@dataclass(frozen=True, slots=True)
class SimConfig:
    """The parameters of one simulation run (weights override the modules' defaults)."""

    seed: int = 1
    blocks: int = 50
    accounts: int = 20
    validators: int = 4
    max_txs_per_block: int = 12
    weights: Mapping[str, int] = field(default_factory=dict)
    offline_ppm: int = 30_000
    """Chance per block that an online validator stops signing."""
    online_ppm: int = 80_000
    """Chance per block that an offline validator signs again."""
    evidence_ppm: int = 10_000
    """Chance per block of double-sign evidence against a random validator."""
    export_at: int = 0
    """Height after which genesis is exported and imported into a fresh app (0: never)."""
    chain_id: str = "aichain-sim"
    strict: bool = True
    """An operation whose expectation (accepted or refused) is not met fails the run."""

    def reproduce(self, height: int) -> str:
        """The command that replays this run up to height."""
        cmd = (
            f"aichain sim --seed {self.seed} --blocks {height} --accounts {self.accounts} "
            f"--validators {self.validators} --max-txs {self.max_txs_per_block}"
        )
        for name, weight in sorted(self.weights.items()):
            cmd += f" --weight {name}={weight}"
        if self.export_at and self.export_at <= height:
            cmd += f" --export-at {self.export_at}"
        return cmd


class SimulationError(Exception):
    """The simulation found a bug; the message names the seed and block that reproduce it."""

    def __init__(self, config: SimConfig, height: int, problem: str) -> None:
        self.config = config
        self.height = height
        self.problem = problem
        super().__init__(
            f"simulation failed at block {height} (seed {config.seed}): {problem}\n"
            f"reproduce: {config.reproduce(height)}"
        )


@dataclass(slots=True)
class SimReport:
    """What a run did."""

    config: SimConfig
    app_hashes: list[bytes] = field(default_factory=list)
    """App hash of each height, from 1."""
    tried: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    """(operation, codespace, code) -> count."""
    reasons: dict[tuple[str, int], str] = field(default_factory=dict)
    """(codespace, code) -> the short reason of its first log."""
    noops: Counter[tuple[str, str]] = field(default_factory=Counter)
    messages: Counter[str] = field(default_factory=Counter)
    """Type URL -> messages of that type delivered in blocks."""
    accepted_messages: Counter[str] = field(default_factory=Counter)
    """Type URL -> messages of that type in accepted txs."""
    unexpected: list[str] = field(default_factory=list)
    excused: int = 0
    """Expectations missed in blocks whose begin-block slashed (not failures)."""
    check_mismatches: list[str] = field(default_factory=list)
    """Txs whose CheckTx verdict differs from their FinalizeBlock result."""
    invariants_checked: int = 0
    blocks: int = 0
    jailed_seen: int = 0
    evidence: int = 0
    exported: tuple[int, bytes] | None = None
    """(height, app hash) of the export/import round trip, when done."""

    @property
    def final_app_hash(self) -> bytes:
        """The app hash of the last block (empty before any)."""
        return self.app_hashes[-1] if self.app_hashes else b""

    def summary(self) -> str:
        """A text summary: operations tried, accepted, rejected by reason, no-ops, checks."""
        lines = [
            f"seed {self.config.seed}: {self.blocks} blocks, {sum(self.tried.values())} "
            f"operations tried, {sum(self.accepted.values())} accepted, "
            f"{sum(self.rejected.values())} rejected, {sum(self.noops.values())} skipped",
            f"{'operation':32} {'tried':>7} {'accepted':>9} {'rejected':>9}",
        ]
        for name in sorted(self.tried):
            refused = sum(n for (op, _, _), n in self.rejected.items() if op == name)
            lines.append(f"{name:32} {self.tried[name]:7} {self.accepted[name]:9} {refused:9}")
        if self.rejected:
            lines.append("rejected by reason (codespace/code):")
            by_code: Counter[tuple[str, int]] = Counter()
            for (_, space, code), n in self.rejected.items():
                by_code[(space, code)] += n
            for (space, code), n in sorted(by_code.items()):
                lines.append(f"  {space}/{code} {self.reasons.get((space, code), '')}: {n}")
        if self.noops:
            lines.append("skipped (nothing to do):")
            for (name, reason), n in sorted(self.noops.items()):
                lines.append(f"  {name}: {reason}: {n}")
        lines.append(
            f"invariants checked: {self.invariants_checked} (every block); jailed "
            f"validator-blocks: {self.jailed_seen}; double-sign evidence: {self.evidence}"
        )
        if self.check_mismatches:
            lines.append(
                f"CheckTx and FinalizeBlock verdicts differing: {len(self.check_mismatches)} "
                "(CheckTx skips the time rules and runs before the block's begin-block)"
            )
        if self.unexpected:
            lines.append(
                f"expectations not met: {len(self.unexpected)} ({self.excused} in blocks whose "
                "begin-block slashed, after the operations were planned)"
            )
            lines.extend(f"  {u}" for u in self.unexpected[:10])
        if self.exported is not None:
            lines.append(
                f"export at height {self.exported[0]} and import: app hash "
                f"{self.exported[1].hex().upper()} matches"
            )
        lines.append(f"final app hash: {self.final_app_hash.hex().upper()}")
        return "\n".join(lines)


def find_simulations(app: BaseApp) -> list[tuple[str, ModuleType]]:
    """(module name, its simulation module) for each module of the app that has one: the
    module's `simulation` attribute, else `simulation.py` beside its module.py."""
    found = []
    for module in app.manager.modules:
        sim = getattr(module, "simulation", None)
        if not isinstance(sim, ModuleType):
            package = type(module).__module__.rpartition(".")[0]
            sim = _import_optional(package + ".simulation") if package else None
        if sim is not None:
            found.append((module.name, sim))
    return found


def _import_optional(name: str) -> ModuleType | None:
    """The module of that dotted name, or None when it does not exist."""
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except (ImportError, ValueError):
        return None
    return importlib.import_module(name)


def collect_operations(
    sims: list[tuple[str, ModuleType]], weights: Mapping[str, int]
) -> list[WeightedOperation]:
    """Every module's weighted operations with weights overridden, sorted by name. Raises
    ValueError for a weight naming no operation."""
    ops: list[WeightedOperation] = []
    for _, sim in sims:
        declare = getattr(sim, "weighted_operations", None)
        if declare is not None:
            ops.extend(declare())
    names = {o.name for o in ops}
    unknown = sorted(set(weights) - names)
    if unknown:
        raise ValueError(f"unknown operations in weights: {unknown}; known: {sorted(names)}")
    return sequence_of(ops, dict(weights))


def random_genesis(
    config: SimConfig,
    sims: list[tuple[str, ModuleType]],
    accounts: tuple[SimAccount, ...],
    authority: SimAccount,
) -> dict[str, Any]:
    """app_state from each module's randomized_genesis, each with its own seeded random
    source (so adding a module does not change the others' genesis)."""
    state: dict[str, Any] = {}
    for name, sim in sims:
        make = getattr(sim, "randomized_genesis", None)
        if make is None:
            continue
        env = GenesisEnv(
            random.Random(f"{config.seed}:genesis:{name}"),
            accounts,
            authority,
            config.chain_id,
            GENESIS_SECONDS * 10**9,
            min(config.validators, len(accounts)),
        )
        section = make(env)
        if section:
            state[name] = section
    return state


@dataclass(slots=True)
class _Validators:
    """The validator sets by height (updates take effect two heights later) and who is
    online."""

    sets: dict[int, dict[bytes, tuple[bytes, int]]] = field(default_factory=dict)
    offline: set[bytes] = field(default_factory=set)

    def apply(self, height: int, updates: Any) -> None:
        """Updates returned at height take effect at height + 2."""
        target = height + VALIDATOR_UPDATE_DELAY
        current = dict(self.at(target - 1))
        for u in updates:
            cons = consensus_address(u.pub_key.ed25519)
            if u.power == 0:
                current.pop(cons, None)
            else:
                current[cons] = (u.pub_key.ed25519, u.power)
        self.sets[target] = current
        for h in [h for h in self.sets if h < height - 2]:
            del self.sets[h]

    def at(self, height: int) -> dict[bytes, tuple[bytes, int]]:
        """The set that signs blocks at height."""
        while height not in self.sets and height > 0:
            height -= 1
        return self.sets.get(height, {})


class Simulation:
    """One run: build with a config, then `run()` (or `step()` block by block)."""

    def __init__(
        self, config: SimConfig, app_factory: Callable[[str], BaseApp] | None = None
    ) -> None:
        self.config = config
        self.rng = random.Random(f"{config.seed}:blocks")
        self.accounts = tuple(SimAccount.derive(config.seed, i) for i in range(config.accounts))
        self.authority = SimAccount.derive(config.seed, config.accounts)
        factory = app_factory or (lambda auth: new_app(MemStore(), AppConfig(), auth))
        self.app_factory = factory
        self.app = factory(self.authority.bech32)
        self.sims = find_simulations(self.app)
        self.operations = collect_operations(self.sims, config.weights)
        self.total_weight = sum(o.weight for o in self.operations)
        self.report = SimReport(config)
        self.validators = _Validators()
        self.height = 0
        self.time_s = GENESIS_SECONDS
        self.times: dict[int, int] = {}
        self.app_state = random_genesis(config, self.sims, self.accounts, self.authority)

    # --- genesis ------------------------------------------------------------------------

    def init_chain(self) -> None:
        """InitChain with the random genesis; the genesis set signs heights 1 and 2."""
        resp = self.app.init_chain(
            abci.RequestInitChain(
                chain_id=self.config.chain_id,
                app_state_bytes=json.dumps(self.app_state).encode(),
                initial_height=1,
                time=timestamp_pb2.Timestamp(seconds=GENESIS_SECONDS),
            )
        )
        self.validators.apply(-1, resp.validators)
        self.validators.sets[0] = self.validators.sets[1]

    # --- blocks -------------------------------------------------------------------------

    def run(self, progress: Callable[[int], None] | None = None) -> SimReport:
        """InitChain, then config.blocks blocks. Raises SimulationError."""
        self.init_chain()
        for _ in range(self.config.blocks):
            self.step()
            if progress is not None:
                progress(self.height)
        return self.report

    def step(self) -> None:
        """One block: operations, CheckTx, FinalizeBlock, Commit, invariants."""
        height = self.height + 1
        env = SimEnv(
            self.app, self.app.query_context(), self.accounts, self.authority,
            self.config.chain_id, height,
        )  # fmt: skip
        planned = self._plan(env, height)
        request = self._block_request(height, [raw for _, _, raw, _ in planned])
        try:
            resp = self.app.finalize_block(request)
        except Exception as exc:  # an exception out of FinalizeBlock halts a real node
            raise SimulationError(
                self.config, height, f"FinalizeBlock raised {type(exc).__name__}: {exc}"
            ) from exc
        slashed = any(e.type == "slash" for e in resp.events)
        self._judge(height, planned, list(resp.tx_results), slashed)
        self.validators.apply(height, resp.validator_updates)
        self.app.commit(abci.RequestCommit())
        self.height = height
        self.report.blocks = height
        self.report.app_hashes.append(bytes(resp.app_hash))
        self._check_invariants(height)
        if self.config.export_at == height:
            self.check_export_import()

    def _plan(self, env: SimEnv, height: int) -> list[tuple[str, SimTx, bytes, Any]]:
        """This block's operations: (name, tx, bytes, CheckTx response)."""
        planned: list[tuple[str, SimTx, bytes]] = []
        authority: list[tuple[str, SimTx, bytes]] = []
        if not self.operations or height == 1:  # genesis commits with block 1
            return []
        for _ in range(self.rng.randint(0, self.config.max_txs_per_block)):
            op = self._pick_operation()
            try:
                result = op.op(self.rng, env)
            except Exception as exc:
                raise SimulationError(
                    self.config, height, f"operation {op.name} raised {type(exc).__name__}: {exc}"
                ) from exc
            if isinstance(result, NoOp):
                self.report.noops[(op.name, result.reason)] += 1
                continue
            if result.signer.address in env.used:
                raise SimulationError(
                    self.config,
                    height,
                    f"operation {op.name} signs with an account that "
                    "already signed in this block (use env.pick_account)",
                )
            env.used.add(result.signer.address)
            self.report.tried[op.name] += 1
            late = result.signer.address == self.authority.address
            (authority if late else planned).append((op.name, result, self._sign(env, result)))
        # the authority's param changes go last, so every other expectation holds
        return [
            (name, tx, raw, self.app.check_tx(abci.RequestCheckTx(tx=raw)))
            for name, tx, raw in planned + authority
        ]

    def _pick_operation(self) -> WeightedOperation:
        """An operation drawn by weight."""
        roll = self.rng.randrange(self.total_weight)
        for op in self.operations:
            if roll < op.weight:
                return op
            roll -= op.weight
        raise AssertionError("weights do not add up")  # unreachable

    def _sign(self, env: SimEnv, tx: SimTx) -> bytes:
        """Signs tx with its signer's committed account number and sequence."""
        account = env.keeper("auth").get_account(env.ctx, tx.signer.address)
        number, sequence = (account.account_number, account.sequence) if account else (0, 0)
        fee = [Coin(SIM_DENOM, tx.fee)] if tx.fee else []
        return build_tx(
            list(tx.msgs),
            tx.signer.key,
            SignerData(number, sequence + tx.sequence_offset),
            tx.chain_id or self.config.chain_id,
            fee,
            tx.gas,
            memo=tx.memo,
        )

    def _block_request(self, height: int, txs: list[bytes]) -> abci.RequestFinalizeBlock:
        """FinalizeBlock of height: votes of the set at height - 1, maybe evidence."""
        rng, cfg = self.rng, self.config
        self.time_s += 5 + rng.randrange(5)
        self.times[height] = self.time_s
        voters = self.validators.at(height - 1) if height > 1 else {}
        votes = []
        for cons, (_, power) in sorted(voters.items()):
            if cons in self.validators.offline:
                if rng.randrange(PPM) < cfg.online_ppm:
                    self.validators.offline.discard(cons)
            elif rng.randrange(PPM) < cfg.offline_ppm:
                self.validators.offline.add(cons)
            signed = cons not in self.validators.offline
            votes.append(
                abci.VoteInfo(
                    validator=abci.Validator(address=cons, power=power),
                    block_id_flag=2 if signed else 1,
                )
            )
        misbehavior = []
        signers = self.validators.at(height)
        if signers and height > 1 and rng.randrange(PPM) < cfg.evidence_ppm:
            cons = rng.choice(sorted(signers))
            total = sum(p for _, p in signers.values())
            misbehavior.append(
                abci.Misbehavior(
                    type=DUPLICATE_VOTE,
                    validator=abci.Validator(address=cons, power=signers[cons][1]),
                    height=height - 1,
                    time=timestamp_pb2.Timestamp(seconds=self.times.get(height - 1, self.time_s)),
                    total_voting_power=total,
                )
            )
            self.report.evidence += 1
        proposer = rng.choice(sorted(signers)) if signers else b""
        return abci.RequestFinalizeBlock(
            txs=txs,
            height=height,
            time=timestamp_pb2.Timestamp(seconds=self.time_s),
            decided_last_commit=abci.CommitInfo(votes=votes),
            misbehavior=misbehavior,
            proposer_address=proposer,
        )

    def _judge(
        self,
        height: int,
        planned: list[tuple[str, SimTx, bytes, Any]],
        results: list[Any],
        slashed: bool,
    ) -> None:
        """Counts each tx's outcome and checks it against its operation's expectation (a
        block whose begin-block slashed a validator excuses a miss: the operations were
        planned before that slash)."""
        report = self.report
        for (name, tx, _, check), result in zip(planned, results, strict=True):
            if result.codespace == ROOT_CODESPACE and result.code == INTERNAL_CODE:
                raise SimulationError(
                    self.config,
                    height,
                    f"operation {name}: unregistered (internal) error "
                    f"escaped a handler: {result.log}",
                )
            urls = ["/" + m.DESCRIPTOR.full_name for m in tx.msgs]
            report.messages.update(urls)
            if result.code == 0:
                report.accepted[name] += 1
                report.accepted_messages.update(urls)
            else:
                report.rejected[(name, result.codespace, result.code)] += 1
                report.reasons.setdefault(
                    (result.codespace, result.code), result.log.rpartition(": ")[2]
                )
            if (check.code, check.codespace) != (result.code, result.codespace):
                report.check_mismatches.append(
                    f"block {height} {name}: CheckTx {check.codespace}/{check.code} "
                    f"({check.log}), FinalizeBlock {result.codespace}/{result.code} ({result.log})"
                )
            if tx.valid is not None and (result.code == 0) != tx.valid:
                what = "refused" if tx.valid else "accepted"
                problem = (
                    f"operation {name} expected {'acceptance' if tx.valid else 'refusal'} but "
                    f"was {what}: {result.codespace}/{result.code} {result.log}"
                )
                report.unexpected.append(f"block {height}: {problem}")
                if slashed:
                    report.excused += 1
                elif self.config.strict:
                    raise SimulationError(self.config, height, problem)

    def _check_invariants(self, height: int) -> None:
        """Every module invariant over the committed state."""
        ctx = self.app.query_context()
        broken = self.app.manager.check_invariants(ctx)
        self.report.invariants_checked += sum(len(m.invariants()) for m in self.app.manager.modules)
        if broken:
            raise SimulationError(self.config, height, "invariants broken: " + "; ".join(broken))
        staking = self.app.manager.module("staking").keeper  # type: ignore[attr-defined]
        self.report.jailed_seen += sum(1 for v in staking.iter_validators(ctx) if v.jailed)

    # --- export / import ----------------------------------------------------------------

    def check_export_import(self) -> bytes:
        """Exports genesis at the current height, imports it into a fresh app at the next,
        and checks the app hash and every module store match. Raises SimulationError."""
        height = self.height
        exported = self.app.manager.export_genesis(self.app.query_context())
        fresh = self.app_factory(self.authority.bech32)
        try:
            resp = fresh.init_chain(
                abci.RequestInitChain(
                    chain_id=self.config.chain_id,
                    app_state_bytes=json.dumps(exported).encode(),
                    initial_height=height + 1,
                    time=timestamp_pb2.Timestamp(seconds=self.time_s),
                )
            )
        except Exception as exc:
            raise SimulationError(
                self.config, height, f"importing the exported genesis raised {exc!r}"
            ) from exc
        if resp.app_hash != self.app.root.last_app_hash:
            diff = store_diff(self.app, fresh)
            raise SimulationError(
                self.config, height,
                f"exported genesis imports to app hash {resp.app_hash.hex().upper()}, not "
                f"{self.app.root.last_app_hash.hex().upper()}; differing keys: {diff}",
            )  # fmt: skip
        imported_set = {consensus_address(u.pub_key.ed25519): u.power for u in resp.validators}
        current = {c: p for c, (_, p) in self.validators.at(height + 2).items()}
        if imported_set and imported_set != current:
            raise SimulationError(
                self.config, height, f"imported validator set {len(imported_set)} differs "
                f"from the chain's ({len(current)})",
            )  # fmt: skip
        self.report.exported = (height, bytes(resp.app_hash))
        return bytes(resp.app_hash)


def store_diff(app: BaseApp, fresh: BaseApp, limit: int = 8) -> list[str]:
    """Up to limit 'module key: ours != theirs' lines between app's committed module stores
    and fresh's genesis branch (a diagnostic of a failed export/import)."""
    theirs_store = fresh._genesis  # noqa: SLF001 - diagnostics read the imported branch
    out: list[str] = []
    for name in app.store_keys.names():
        key = app.store_keys.get(name)
        assert key is not None
        ours = dict(app.root.backend.iterate(key.prefix))
        theirs = dict(theirs_store.iterate(key.prefix)) if theirs_store is not None else {}
        for k in sorted(set(ours) | set(theirs)):
            if ours.get(k) != theirs.get(k):
                out.append(
                    f"{name} {k[len(key.prefix) :].hex()}: "
                    f"{(ours.get(k) or b'').hex()[:40]} != {(theirs.get(k) or b'').hex()[:40]}"
                )
                if len(out) >= limit:
                    return out
    return out


def run_simulation(
    config: SimConfig,
    progress: Callable[[int], None] | None = None,
    app_factory: Callable[[str], BaseApp] | None = None,
) -> SimReport:
    """Runs one simulation. Raises SimulationError (its message reproduces the failure)."""
    return Simulation(config, app_factory).run(progress)
