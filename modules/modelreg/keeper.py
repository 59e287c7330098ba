"""Modelreg keeper: models (base and adapter) with provenance and lifecycle, prices, usage
counters, and workers with their bonds (held by the modelreg module account), hot keys,
unbonding queue and jail."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import account_address, parse_account_address
from aichain.app.store_keys import StoreKey
from aichain.modelreg.v1 import modelreg_pb2 as pb
from aichain.modules.modelreg import keys
from aichain.modules.modelreg.errors import (
    AccessNotMetError,
    DatanetVersionNotFoundError,
    DuplicateModelError,
    HotKeyInUseError,
    HotKeyIsOperatorError,
    InsufficientBondError,
    InvalidModelError,
    InvalidPriceBoundsError,
    InvalidRankingError,
    InvalidStatusError,
    LineageTooDeepError,
    ModelNotFoundError,
    ModelNotServableError,
    NotOwnerError,
    PriceOutOfBoundsError,
    TooManyModelsError,
    WorkerExistsError,
    WorkerNotFoundError,
)
from aichain.modules.modelreg.expected import AccountKeeper, BankKeeper, DatanetKeeper
from aichain.modules.modelreg.types import (
    MAX_RANKED_VERSIONS,
    Params,
    compute_clamped,
    compute_price_bounds,
)

MODULE = "modelreg"
"""The modelreg module account (burner): worker bonds are escrowed here."""

BASE = pb.MODEL_KIND_BASE
ADAPTER = pb.MODEL_KIND_ADAPTER
PROPOSED = pb.MODEL_STATUS_PROPOSED
ACTIVE = pb.MODEL_STATUS_ACTIVE
DEPRECATED = pb.MODEL_STATUS_DEPRECATED


@lru_cache(maxsize=64)
def _decode_params(raw: bytes) -> Params:
    return Params.from_proto(pb.Params.FromString(raw))


def _seconds(ctx: Context) -> int:
    return ctx.time_ns // 1_000_000_000


class ViewKeeper:
    """Reads models, lineage, usage and workers."""

    def __init__(
        self, store_key: StoreKey, bank: BankKeeper, accounts: AccountKeeper, datanet: DatanetKeeper
    ) -> None:
        self.store_key = store_key
        self.bank = bank
        self.accounts = accounts
        self.datanet = datanet

    def get_params(self, ctx: Context) -> Params:
        """Stored params (defaults before genesis)."""
        raw = ctx.kv(self.store_key).get(keys.PARAMS)
        return _decode_params(raw) if raw else Params()

    def get_model(self, ctx: Context, model_id: int) -> pb.Model | None:
        """A model, or None."""
        raw = ctx.kv(self.store_key).get(keys.model_key(model_id))
        return pb.Model.FromString(raw) if raw else None

    def require_model(self, ctx: Context, model_id: int, what: str = "model") -> pb.Model:
        """A model. Raises ModelNotFoundError."""
        model = self.get_model(ctx, model_id)
        if model is None:
            raise ModelNotFoundError(
                f"{what} {model_id} is not registered (`aichain query modelreg models`)"
            )
        return model

    def iter_models(self, ctx: Context, reverse: bool = False) -> Iterator[pb.Model]:
        """Every model by id."""
        for _, raw in ctx.kv(self.store_key).iterate(keys.MODELS, reverse):
            yield pb.Model.FromString(raw)

    def get_lineage(self, ctx: Context, model_id: int) -> list[pb.Model]:
        """The model, its parent adapters (nearest first), then its base model."""
        model = self.require_model(ctx, model_id)
        chain = [model]
        while model.kind == ADAPTER:
            parent = model.parent_adapter_id or model.base_model_id
            model = self.require_model(ctx, parent)
            chain.append(model)
        return chain

    def iter_provenance(self, ctx: Context, model_id: int) -> Iterator[pb.DatanetRef]:
        """Every datanet version in a model's provenance and its lineage's (settlement checks
        attributed records against these)."""
        for model in self.get_lineage(ctx, model_id):
            yield from model.provenance

    def get_usage(self, ctx: Context, model_id: int) -> pb.Usage:
        """A model's usage counters."""
        raw = ctx.kv(self.store_key).get(keys.usage_key(model_id))
        return pb.Usage.FromString(raw) if raw else pb.Usage(model_id=model_id, revenue="0")

    def get_worker(self, ctx: Context, operator: bytes) -> pb.Worker | None:
        """A worker, or None."""
        raw = ctx.kv(self.store_key).get(keys.worker_key(operator))
        return pb.Worker.FromString(raw) if raw else None

    def require_worker(self, ctx: Context, operator: bytes) -> pb.Worker:
        """A worker. Raises WorkerNotFoundError."""
        worker = self.get_worker(ctx, operator)
        if worker is None:
            raise WorkerNotFoundError(f"{account_address(operator)} has no registered worker")
        return worker

    def get_operator_of_hot_key(self, ctx: Context, hot_address: bytes) -> bytes | None:
        """The operator whose worker signs with a hot key (settlement's signer check)."""
        return ctx.kv(self.store_key).get(keys.hot_key_key(hot_address))

    def iter_workers(self, ctx: Context, reverse: bool = False) -> Iterator[pb.Worker]:
        """Every worker by operator key."""
        for _, raw in ctx.kv(self.store_key).iterate(keys.WORKERS, reverse):
            yield pb.Worker.FromString(raw)

    def get_price_bounds(self, ctx: Context, model: pb.Model) -> tuple[int, int]:
        """The bounds the model's prices must lie in: the params' narrowed by the model's own."""
        return compute_price_bounds(self.get_params(ctx), model.min_price, model.max_price)

    def _walk(self, ctx: Context, model: pb.Model, field: str) -> list[pb.Model]:
        """The models reached from model by following field (successor_id or
        predecessor_id), nearest first; at most MAX_RANKED_VERSIONS reads."""
        out: list[pb.Model] = []
        next_id = getattr(model, field)
        while next_id and len(out) < MAX_RANKED_VERSIONS:
            model = self.require_model(ctx, next_id)
            out.append(model)
            next_id = getattr(model, field)
        return out

    def get_ranking(self, ctx: Context, model_id: int) -> tuple[list[pb.Model], int]:
        """(the model's ranked versions, best first; its 1-based rank in them): the model
        alone, rank 1, when governance never ranked it. Raises ModelNotFoundError."""
        model = self.require_model(ctx, model_id)
        above = self._walk(ctx, model, "successor_id")
        below = self._walk(ctx, model, "predecessor_id")
        return [*reversed(above), model, *below], len(above) + 1

    def get_preferred_version(self, ctx: Context, model_id: int) -> int:
        """The id of the highest-ranked version of the model's ranking that is not
        deprecated (0 when all are): what a client serving "this model" should use. Raises
        ModelNotFoundError."""
        versions, _ = self.get_ranking(ctx, model_id)
        return next((m.id for m in versions if m.status != DEPRECATED), 0)

    def check_access(self, ctx: Context, model: pb.Model, account: bytes, who: str) -> None:
        """Raises AccessNotMetError unless account may use every restricted datanet in the
        model's provenance and its lineage's."""
        for model_in_line in self.get_lineage(ctx, model.id) if model.id else [model]:
            for ref in model_in_line.provenance:
                if not self.datanet.has_access(ctx, ref.datanet_id, account):
                    raise AccessNotMetError(
                        f"{who} {account_address(account)} has no access to restricted datanet "
                        f"{ref.datanet_id} (model {model_in_line.id or 'new'}): pay its access "
                        "price (`aichain tx datanet pay-access`) or ask its owner for a grant"
                    )


class Keeper(ViewKeeper):
    """Writes models, usage and workers."""

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores validated params. Raises InvalidParamsError."""
        params.validate()
        ctx.kv(self.store_key).set(keys.PARAMS, params.to_proto().SerializeToString())

    def _set_model(self, ctx: Context, model: pb.Model) -> None:
        ctx.kv(self.store_key).set(keys.model_key(model.id), model.SerializeToString())

    def _set_worker(self, ctx: Context, worker: pb.Worker) -> None:
        key = keys.worker_key(parse_account_address(worker.operator))
        ctx.kv(self.store_key).set(key, worker.SerializeToString())

    def _add_model(self, ctx: Context, model: pb.Model) -> int:
        store = ctx.kv(self.store_key)
        weights = keys.weights_key(bytes.fromhex(model.weights_hash))
        existing = store.get(weights)
        if existing is not None:
            raise DuplicateModelError(
                f"weights {model.weights_hash} are already registered as model "
                f"{keys.read_u64(existing)}"
            )
        raw = store.get(keys.NEXT_MODEL_ID)
        model.id = keys.read_u64(raw) if raw else 1
        store.set(keys.NEXT_MODEL_ID, keys.u64(model.id + 1))
        store.set(weights, keys.u64(model.id))
        model.status = PROPOSED
        model.height = ctx.height
        model.price_per_request = model.price_per_request or "0"
        model.price_per_1k_tokens = model.price_per_1k_tokens or "0"
        self._set_model(ctx, model)
        ctx.emit("model_registered", ("model_id", str(model.id)), ("owner", model.owner),
                 ("kind", pb.ModelKind.Name(model.kind)))  # fmt: skip
        return model.id

    def register_base_model(self, ctx: Context, model: pb.Model) -> int:
        """Registers a base model (immutable). Raises DuplicateModelError."""
        model.kind = BASE
        return self._add_model(ctx, model)

    def register_adapter(self, ctx: Context, model: pb.Model) -> int:
        """Registers an adapter pinned to its provenance.

        Raises ModelNotFoundError (base or parent), InvalidModelError, LineageTooDeepError,
        DatanetVersionNotFoundError, VersionRootMismatchError, AccessNotMetError,
        DuplicateModelError.
        """
        from aichain.modules.modelreg.errors import VersionRootMismatchError

        base = self.require_model(ctx, model.base_model_id, "base model")
        if base.kind != BASE:
            raise InvalidModelError(f"model {base.id} is an adapter, not a base model")
        model.lineage_depth = 1
        if model.parent_adapter_id:
            parent = self.require_model(ctx, model.parent_adapter_id, "parent adapter")
            if parent.kind != ADAPTER or parent.base_model_id != base.id:
                raise InvalidModelError(
                    f"parent {parent.id} must be an adapter of the same base model {base.id}"
                )
            model.lineage_depth = parent.lineage_depth + 1
            limit = self.get_params(ctx).max_lineage_depth
            if model.lineage_depth > limit:
                raise LineageTooDeepError(
                    f"lineage of depth {model.lineage_depth} exceeds the limit of {limit}"
                )
        for ref in model.provenance:
            version = self.datanet.get_version(ctx, ref.datanet_id, ref.version)
            if version is None:
                raise DatanetVersionNotFoundError(
                    f"datanet {ref.datanet_id} has no version {ref.version}"
                )
            if version.root != ref.version_root:
                raise VersionRootMismatchError(
                    f"datanet {ref.datanet_id} v{ref.version} has root {version.root}, not "
                    f"{ref.version_root}: train on the version the chain holds"
                )
        owner = parse_account_address(model.owner)
        self.check_access(ctx, model, owner, "owner")
        model.kind = ADAPTER
        return self._add_model(ctx, model)

    def activate(self, ctx: Context, model_id: int) -> None:
        """proposed -> active (the handler checked who may). Raises InvalidStatusError,
        AccessNotMetError."""
        model = self.require_model(ctx, model_id)
        if model.status != PROPOSED:
            raise InvalidStatusError(
                f"model {model_id} is {pb.ModelStatus.Name(model.status)}; only proposed models "
                "are activated"
            )
        self.check_access(ctx, model, parse_account_address(model.owner), "owner")
        model.status = ACTIVE
        self._set_model(ctx, model)
        ctx.emit("model_activated", ("model_id", str(model_id)))

    def deprecate(self, ctx: Context, model_id: int) -> None:
        """-> deprecated. Raises InvalidStatusError."""
        model = self.require_model(ctx, model_id)
        if model.status == DEPRECATED:
            raise InvalidStatusError(f"model {model_id} is already deprecated")
        model.status = DEPRECATED
        self._set_model(ctx, model)
        ctx.emit("model_deprecated", ("model_id", str(model_id)))

    def set_price(
        self, ctx: Context, owner: str, model_id: int, per_request: int, per_1k_tokens: int
    ) -> None:
        """Sets prices within the params' bounds. Raises NotOwnerError, PriceOutOfBoundsError."""
        model = self.require_model(ctx, model_id)
        if owner != model.owner:
            raise NotOwnerError(f"model {model_id} belongs to {model.owner}, not {owner}")
        low, high = self.get_price_bounds(ctx, model)
        for name, price in (("per request", per_request), ("per 1,000 tokens", per_1k_tokens)):
            if not low <= price <= high:
                raise PriceOutOfBoundsError(
                    f"price {name} {price} is outside the governance bounds [{low}, {high}] "
                    f"of model {model_id} (`aichain query modelreg model {model_id}`, params)"
                )
        model.price_per_request = str(per_request)
        model.price_per_1k_tokens = str(per_1k_tokens)
        self._set_model(ctx, model)

    def set_price_bounds(
        self, ctx: Context, model_id: int, min_price: int | None, max_price: int | None
    ) -> tuple[int, int]:
        """Governance's bounds for one model (None: no bound of its own on that side); its
        current prices are clamped into the resulting range. Returns the prices after.

        Raises ModelNotFoundError, InvalidPriceBoundsError (min above max, or bounds that do
        not meet the params' bounds)."""
        model = self.require_model(ctx, model_id)
        if min_price is not None and max_price is not None and min_price > max_price:
            raise InvalidPriceBoundsError(f"min price {min_price} is above max price {max_price}")
        model.min_price = "" if min_price is None else str(min_price)
        model.max_price = "" if max_price is None else str(max_price)
        low, high = self.get_price_bounds(ctx, model)
        if low > high:
            params = self.get_params(ctx)
            raise InvalidPriceBoundsError(
                f"bounds [{model.min_price or '-'}, {model.max_price or '-'}] leave no price "
                f"within the params' bounds [{params.min_price}, {params.max_price}]"
            )
        per_request = compute_clamped(int(model.price_per_request or "0"), low, high)
        per_1k = compute_clamped(int(model.price_per_1k_tokens or "0"), low, high)
        model.price_per_request = str(per_request)
        model.price_per_1k_tokens = str(per_1k)
        self._set_model(ctx, model)
        ctx.emit("model_price_bounds_set", ("model_id", str(model_id)),
                 ("min_price", model.min_price), ("max_price", model.max_price),
                 ("price_per_request", model.price_per_request),
                 ("price_per_1k_tokens", model.price_per_1k_tokens))  # fmt: skip
        return per_request, per_1k

    def rank_models(self, ctx: Context, higher_id: int, lower_id: int) -> None:
        """Governance ranks model higher directly above model lower: higher becomes lower's
        preferred successor. Rankings form chains of versions (each model has at most one
        successor and one predecessor) of one family: base models among themselves, or
        adapters of the same base model; a chain holds at most MAX_RANKED_VERSIONS models.

        Raises InvalidRankingError (self ranking, another family, already ranked, a cycle, a
        chain too long), ModelNotFoundError, InvalidStatusError (a deprecated model)."""
        if higher_id == lower_id:
            raise InvalidRankingError(f"model {higher_id} cannot be ranked against itself")
        higher = self.require_model(ctx, higher_id, "higher model")
        lower = self.require_model(ctx, lower_id, "lower model")
        for m in (higher, lower):
            if m.status == DEPRECATED:
                raise InvalidStatusError(
                    f"model {m.id} is deprecated; only models that may still be served are ranked"
                )
        if higher.kind != lower.kind or (
            higher.kind == ADAPTER and higher.base_model_id != lower.base_model_id
        ):
            raise InvalidRankingError(
                f"models {higher.id} and {lower.id} are not versions of one family: rank base "
                "models against base models, or adapters of the same base model"
            )
        if lower.successor_id:
            raise InvalidRankingError(
                f"model {lower.id} is already ranked below model {lower.successor_id}; rank "
                f"model {higher.id} above model {lower.successor_id} instead"
            )
        if higher.predecessor_id:
            raise InvalidRankingError(
                f"model {higher.id} is already ranked above model {higher.predecessor_id}; "
                f"rank model {lower.id} below model {higher.predecessor_id} instead"
            )
        above = self._walk(ctx, higher, "successor_id")
        if any(m.id == lower.id for m in above):
            raise InvalidRankingError(
                f"model {lower.id} is already ranked above model {higher.id}: ranking "
                f"{higher.id} above {lower.id} would make a cycle"
            )
        below = self._walk(ctx, lower, "predecessor_id")
        length = len(above) + len(below) + 2
        if length > MAX_RANKED_VERSIONS:
            raise InvalidRankingError(
                f"the ranking would hold {length} versions; at most {MAX_RANKED_VERSIONS}"
            )
        lower.successor_id = higher.id
        higher.predecessor_id = lower.id
        self._set_model(ctx, lower)
        self._set_model(ctx, higher)
        ctx.emit("models_ranked", ("higher_model_id", str(higher.id)),
                 ("lower_model_id", str(lower.id)))  # fmt: skip

    def record_usage(self, ctx: Context, model_id: int, inferences: int, revenue: int) -> None:
        """Adds to a model's usage counters (inference settlement)."""
        usage = self.get_usage(ctx, model_id)
        usage.inferences += inferences
        usage.revenue = str(int(usage.revenue or "0") + revenue)
        ctx.kv(self.store_key).set(keys.usage_key(model_id), usage.SerializeToString())

    # --- workers -----------------------------------------------------------------------------

    def _check_models(self, ctx: Context, operator: bytes, model_ids: Sequence[int]) -> None:
        limit = self.get_params(ctx).max_models_per_worker
        if len(model_ids) > limit:
            raise TooManyModelsError(f"{len(model_ids)} models named; at most {limit}")
        for model_id in model_ids:
            model = self.require_model(ctx, model_id)
            if model.status == DEPRECATED:
                raise ModelNotServableError(f"model {model_id} is deprecated")
            try:
                self.check_access(ctx, model, operator, "operator")
            except AccessNotMetError as exc:
                raise ModelNotServableError(exc.message) from None

    def _check_hot_key(self, ctx: Context, operator: bytes, hot_address: bytes) -> None:
        if hot_address == operator:
            raise HotKeyIsOperatorError(
                "the hot key must differ from the operator (cold) key: the operator holds the "
                "bond and payouts, the hot key only signs results"
            )
        if ctx.kv(self.store_key).get(keys.hot_key_key(hot_address)) is not None:
            raise HotKeyInUseError(f"hot key {account_address(hot_address)} is already in use")

    def register_worker(
        self, ctx: Context, operator: bytes, hot_pubkey: bytes, hot_address: bytes,
        models: Sequence[int], endpoint: str, hardware: str, bond: int,
    ) -> None:  # fmt: skip
        """Registers a worker and escrows its bond.

        Raises WorkerExistsError, InsufficientBondError, HotKeyIsOperatorError,
        HotKeyInUseError, ModelNotFoundError, ModelNotServableError, TooManyModelsError,
        InsufficientFundsError.
        """
        if self.get_worker(ctx, operator) is not None:
            raise WorkerExistsError(f"{account_address(operator)} already runs a worker")
        params = self.get_params(ctx)
        if bond < params.min_worker_bond:
            raise InsufficientBondError(
                f"bond {bond}{params.bond_denom} is below the minimum "
                f"{params.min_worker_bond}{params.bond_denom}"
            )
        self._check_hot_key(ctx, operator, hot_address)
        self._check_models(ctx, operator, models)
        coins = [Coin(params.bond_denom, bond)]
        self.bank.send_coins_from_account_to_module(ctx, operator, MODULE, coins)
        worker = pb.Worker(
            operator=account_address(operator), hot_pubkey=hot_pubkey,
            hot_address=account_address(hot_address), models=list(models), endpoint=endpoint,
            hardware=hardware, bond=str(bond), status=pb.WORKER_STATUS_ACTIVE, height=ctx.height,
        )  # fmt: skip
        ctx.kv(self.store_key).set(keys.hot_key_key(hot_address), operator)
        self._set_worker(ctx, worker)
        ctx.emit("worker_registered", ("operator", worker.operator), ("bond", str(bond)))

    def update_worker(
        self, ctx: Context, operator: bytes, models: Sequence[int], endpoint: str, hardware: str
    ) -> None:
        """Changes what a worker serves and where. Raises WorkerNotFoundError,
        ModelNotServableError, TooManyModelsError."""
        worker = self.require_worker(ctx, operator)
        self._check_models(ctx, operator, models)
        del worker.models[:]
        worker.models.extend(models)
        worker.endpoint = endpoint
        worker.hardware = hardware
        self._set_worker(ctx, worker)

    def rotate_key(
        self, ctx: Context, operator: bytes, hot_pubkey: bytes, hot_address: bytes
    ) -> None:
        """Replaces the hot key. Raises WorkerNotFoundError, HotKeyIsOperatorError,
        HotKeyInUseError."""
        worker = self.require_worker(ctx, operator)
        self._check_hot_key(ctx, operator, hot_address)
        store = ctx.kv(self.store_key)
        store.delete(keys.hot_key_key(parse_account_address(worker.hot_address)))
        store.set(keys.hot_key_key(hot_address), operator)
        worker.hot_pubkey = hot_pubkey
        worker.hot_address = account_address(hot_address)
        self._set_worker(ctx, worker)
        ctx.emit("worker_key_rotated", ("operator", worker.operator))

    def unbond_worker(self, ctx: Context, operator: bytes) -> int:
        """Starts unbonding; returns the completion time. Raises WorkerNotFoundError,
        InvalidStatusError."""
        worker = self.require_worker(ctx, operator)
        if worker.status == pb.WORKER_STATUS_UNBONDING:
            raise InvalidStatusError("the worker is already unbonding")
        completion = _seconds(ctx) + self.get_params(ctx).unbonding_seconds
        worker.status = pb.WORKER_STATUS_UNBONDING
        worker.unbonding_complete_time = completion
        ctx.kv(self.store_key).set(keys.unbonding_key(completion, operator), b"")
        self._set_worker(ctx, worker)
        return completion

    def jail_worker(self, ctx: Context, operator: bytes, until: int) -> None:
        """Jails a worker until a block time (inference settlement, after missed requests).
        Raises WorkerNotFoundError."""
        worker = self.require_worker(ctx, operator)
        if worker.status == pb.WORKER_STATUS_ACTIVE:
            worker.status = pb.WORKER_STATUS_JAILED
        worker.jailed_until = max(worker.jailed_until, until)
        self._set_worker(ctx, worker)
        ctx.emit("worker_jailed", ("operator", worker.operator), ("until", str(until)))

    def slash_worker_bond(
        self, ctx: Context, operator: bytes, amount: int, to_module: str | None = None
    ) -> int:
        """Cuts up to amount from a worker's bond (inference settlement: a lost challenge, a
        missed request, a vote not revealed) and returns what was cut: the coins go to the
        module account to_module (which pays the winner and burns the rest), or are burned
        when it is None. Raises WorkerNotFoundError."""
        worker = self.require_worker(ctx, operator)
        cut = min(max(amount, 0), int(worker.bond or "0"))
        if cut == 0:
            return 0
        worker.bond = str(int(worker.bond) - cut)
        self._set_worker(ctx, worker)
        coins = [Coin(self.get_params(ctx).bond_denom, cut)]
        if to_module is None:
            self.bank.burn_coins(ctx, MODULE, coins)
        else:
            self.bank.send_coins_from_module_to_module(ctx, MODULE, to_module, coins)
        ctx.emit("worker_slashed", ("operator", worker.operator), ("amount", str(cut)))
        return cut

    def unjail_worker(self, ctx: Context, operator: bytes) -> None:
        """Returns a jailed worker to service after its jail time. Raises
        WorkerNotFoundError, InvalidStatusError."""
        worker = self.require_worker(ctx, operator)
        if worker.status != pb.WORKER_STATUS_JAILED:
            raise InvalidStatusError("the worker is not jailed")
        if _seconds(ctx) < worker.jailed_until:
            raise InvalidStatusError(f"the worker is jailed until {worker.jailed_until}")
        worker.status = pb.WORKER_STATUS_ACTIVE
        self._set_worker(ctx, worker)

    def process_matured_unbondings(self, ctx: Context) -> None:
        """Returns the bonds of workers whose unbonding completed; removes them."""
        store = ctx.kv(self.store_key)
        now = _seconds(ctx)
        matured = []
        for key, _ in store.iterate(keys.UNBONDING):
            completion, operator = keys.split_unbonding_key(key)
            if completion > now:
                break
            matured.append((key, operator))
        for key, operator in matured:
            worker = self.require_worker(ctx, operator)
            coins = [Coin(self.get_params(ctx).bond_denom, int(worker.bond))]
            if int(worker.bond):
                self.bank.send_coins_from_module_to_account(ctx, MODULE, operator, coins)
            store.delete(key)
            store.delete(keys.hot_key_key(parse_account_address(worker.hot_address)))
            store.delete(keys.worker_key(operator))
            ctx.emit("worker_unbonded", ("operator", worker.operator), ("bond", worker.bond))
