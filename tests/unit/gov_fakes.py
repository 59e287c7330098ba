"""Small fakes for governance keeper unit tests: a real in-memory store for gov, a dict bank,
a staking set in dicts, a community pool, and a router with one fake params message whose
handler writes to its own store (so execution's all-or-nothing can be seen)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cosmos.bank.v1beta1 import bank_pb2
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.distribution.v1beta1 import tx_pb2 as dist_tx
from google.protobuf import any_pb2

from aichain.app.authority import authority_signers, check_authority, validate_authority_msg
from aichain.app.coins import Coin, coins_from_proto
from aichain.app.context import Context
from aichain.app.crypto import account_address, module_address, parse_account_address
from aichain.app.errors import InsufficientFundsError, InvalidRequestError
from aichain.app.gas import INFINITE_GAS, GasMeter
from aichain.app.router import MsgRoute, Router
from aichain.app.store.memory import MemStore
from aichain.app.store_keys import StoreKey
from aichain.modules.gov.keeper import Keeper
from aichain.modules.gov.types import MODULE, PARTICIPATION_POOL, Params

DENOM = "uaic"
AIC = 10**6
ONE = 10**18
GOV = module_address(MODULE)
GOV_ADDRESS = account_address(GOV)
POOL = module_address(PARTICIPATION_POOL)
T0 = 1_700_000_000 * 10**9
"""Block time of the first test block (ns)."""
SECOND = 10**9

FAKE_PARAMS_KEY = StoreKey("fake")
"""The store the fake params handler writes."""

BANK_PARAMS_URL = "/cosmos.bank.v1beta1.MsgUpdateParams"
POOL_SPEND_URL = "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend"


def addr(n: int) -> bytes:
    """A 20-byte test address."""
    return hashlib.sha256(b"gov-addr%d" % n).digest()[:20]


def context(time_ns: int = T0, height: int = 1, store: MemStore | None = None) -> Context:
    """A context over a (fresh) in-memory store."""
    return Context(store or MemStore(), height, time_ns, "aichain-test", GasMeter(INFINITE_GAS))


def at(ctx: Context, time_ns: int, height: int | None = None) -> Context:
    """A context over the same store at another time."""
    return Context(
        ctx.store, height or ctx.height + 1, time_ns, ctx.chain_id, GasMeter(INFINITE_GAS)
    )


class FakeAccounts:
    """Module addresses as the app derives them."""

    def get_module_address(self, name: str) -> bytes:
        """The address of a module account."""
        return module_address(name)


class FakeBank:
    """Balances and supply in dicts."""

    def __init__(self) -> None:
        self.balances: dict[tuple[bytes, str], int] = {}
        self.burned: dict[str, int] = {}

    def get_balance(self, ctx: Context, address: bytes, denom: str) -> int:
        """The balance of denom at address."""
        return self.balances.get((address, denom), 0)

    def get_all_balances(self, ctx: Context, address: bytes) -> tuple[Coin, ...]:
        """Every positive balance of address, by denom."""
        return tuple(
            Coin(d, n)
            for (a, d), n in sorted(self.balances.items(), key=lambda kv: kv[0][1])
            if a == address and n
        )

    def _move(self, sender: bytes, recipient: bytes | None, coins: Sequence[Coin]) -> None:
        for coin in coins:
            have = self.balances.get((sender, coin.denom), 0)
            if have < coin.amount:
                raise InsufficientFundsError(f"{have}{coin.denom} < {coin}")
        for coin in coins:
            self.balances[(sender, coin.denom)] -= coin.amount
            if recipient is not None:
                key = (recipient, coin.denom)
                self.balances[key] = self.balances.get(key, 0) + coin.amount

    def send_coins_from_account_to_module(
        self, ctx: Context, sender: bytes, module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins into a module account."""
        self._move(sender, module_address(module), coins)

    def send_coins_from_module_to_account(
        self, ctx: Context, module: str, recipient: bytes, coins: Sequence[Coin]
    ) -> None:
        """Pays coins out of a module account."""
        self._move(module_address(module), recipient, coins)

    def send_coins_from_module_to_module(
        self, ctx: Context, sender_module: str, recipient_module: str, coins: Sequence[Coin]
    ) -> None:
        """Moves coins between module accounts."""
        self._move(module_address(sender_module), module_address(recipient_module), coins)

    def burn_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Burns coins a module account holds."""
        self._move(module_address(module), None, coins)
        for coin in coins:
            self.burned[coin.denom] = self.burned.get(coin.denom, 0) + coin.amount


@dataclass
class FakeValidator:
    """The validator fields the tally reads."""

    operator: bytes
    tokens: int
    shares: int
    status: int = 3  # bonded


@dataclass
class FakeStaking:
    """Validators and delegations in dicts; the bonded ones form the last set."""

    validators: dict[bytes, FakeValidator] = field(default_factory=dict)
    delegations: dict[bytes, dict[bytes, int]] = field(default_factory=dict)

    def add_validator(self, op: bytes, tokens: int, bonded: bool = True) -> FakeValidator:
        """A validator whose operator holds all its shares (self-delegation of tokens)."""
        v = FakeValidator(op, tokens, tokens * ONE, 3 if bonded else 1)
        self.validators[op] = v
        self.delegations.setdefault(op, {})[op] = tokens * ONE
        return v

    def delegate(self, delegator: bytes, op: bytes, tokens: int) -> None:
        """Adds tokens to a validator as delegator's shares (1 share per token)."""
        v = self.validators[op]
        shares = tokens * v.shares // v.tokens
        v.tokens += tokens
        v.shares += shares
        entry = self.delegations.setdefault(delegator, {})
        entry[op] = entry.get(op, 0) + shares

    def iter_last_powers(self, ctx: Context) -> Iterator[tuple[bytes, int]]:
        """Bonded validators by operator."""
        for op in sorted(self.validators):
            v = self.validators[op]
            if v.status == 3:
                yield op, v.tokens // AIC

    def get_validator(self, ctx: Context, op: bytes) -> FakeValidator | None:
        """The validator at op."""
        return self.validators.get(op)

    def iter_delegator_delegations(
        self, ctx: Context, delegator: bytes
    ) -> Iterator[tuple[bytes, int]]:
        """(validator, shares) of a delegator."""
        yield from sorted(self.delegations.get(delegator, {}).items())

    def get_pool(self, ctx: Context) -> tuple[int, int]:
        """(not bonded, bonded) tokens."""
        bonded = sum(v.tokens for v in self.validators.values() if v.status == 3)
        return 0, bonded


class FakeDistribution:
    """A community pool of whole coins held by the distribution account in the fake bank."""

    def __init__(self, bank: FakeBank) -> None:
        self.bank = bank
        self.pool: dict[str, int] = {}

    def fund_community_pool(self, ctx: Context, depositor: bytes, coins: list[Coin]) -> None:
        """Moves coins into the community pool."""
        self.bank._move(depositor, module_address("distribution"), coins)
        for c in coins:
            self.pool[c.denom] = self.pool.get(c.denom, 0) + c.amount

    def distribute_from_community_pool(
        self, ctx: Context, recipient: bytes, coins: list[Coin]
    ) -> None:
        """Pays coins out of the community pool."""
        for c in coins:
            if self.pool.get(c.denom, 0) < c.amount:
                raise InsufficientFundsError(f"the community pool holds less than {c}")
        for c in coins:
            self.pool[c.denom] -= c.amount
        self.bank._move(module_address("distribution"), recipient, coins)


def fake_bank_params_handler(
    ctx: Context, msg: bank_tx.MsgUpdateParams
) -> bank_tx.MsgUpdateParamsResponse:
    """Writes default_send_enabled to the fake store (authority: the gov account)."""
    check_authority(GOV_ADDRESS, msg.authority)
    ctx.kv(FAKE_PARAMS_KEY).set(b"send", b"1" if msg.params.default_send_enabled else b"0")
    return bank_tx.MsgUpdateParamsResponse()


def fake_pool_spend_handler(
    distribution: FakeDistribution,
) -> object:
    """A MsgCommunityPoolSpend handler over the fake community pool."""

    def handle(
        ctx: Context, msg: dist_tx.MsgCommunityPoolSpend
    ) -> dist_tx.MsgCommunityPoolSpendResponse:
        check_authority(GOV_ADDRESS, msg.authority)
        distribution.distribute_from_community_pool(
            ctx, parse_account_address(msg.recipient), list(coins_from_proto(msg.amount))
        )
        return dist_tx.MsgCommunityPoolSpendResponse()

    return handle


def _validate_spend(msg: dist_tx.MsgCommunityPoolSpend) -> None:
    parse_account_address(msg.authority)
    parse_account_address(msg.recipient)
    if not msg.amount:
        raise InvalidRequestError("no amount")


def fake_router(distribution: FakeDistribution) -> Router:
    """A router with the fake bank MsgUpdateParams and community-pool spend."""
    router = Router()
    router.add_msg(
        MsgRoute(
            BANK_PARAMS_URL,
            bank_tx.MsgUpdateParams,
            authority_signers,
            validate_authority_msg,
            fake_bank_params_handler,
            "bank",
        )
    )
    router.add_msg(
        MsgRoute(
            POOL_SPEND_URL,
            dist_tx.MsgCommunityPoolSpend,
            authority_signers,
            _validate_spend,
            fake_pool_spend_handler(distribution),  # type: ignore[arg-type]
            "distribution",
        )
    )
    return router


def send_enabled_msg(enabled: bool, authority: str = GOV_ADDRESS) -> any_pb2.Any:
    """A packed bank MsgUpdateParams."""
    msg = bank_tx.MsgUpdateParams(
        authority=authority, params=bank_pb2.Params(default_send_enabled=enabled)
    )
    return any_pb2.Any(type_url=BANK_PARAMS_URL, value=msg.SerializeToString())


def pool_spend_msg(recipient: bytes, amount: int) -> any_pb2.Any:
    """A packed community-pool spend."""
    from cosmos.base.v1beta1 import coin_pb2

    msg = dist_tx.MsgCommunityPoolSpend(
        authority=GOV_ADDRESS,
        recipient=account_address(recipient),
        amount=[coin_pb2.Coin(denom=DENOM, amount=str(amount))],
    )
    return any_pb2.Any(type_url=POOL_SPEND_URL, value=msg.SerializeToString())


def fake_send_enabled(ctx: Context) -> bytes | None:
    """What the fake params handler last wrote."""
    return ctx.kv(FAKE_PARAMS_KEY).get(b"send")


TEST_PARAMS = Params(
    min_deposit=(Coin(DENOM, 100 * AIC),),
    expedited_min_deposit=(Coin(DENOM, 500 * AIC),),
    max_deposit_period_ns=60 * SECOND,
    voting_period_ns=100 * SECOND,
    expedited_voting_period_ns=50 * SECOND,
)
"""Params with short periods and a small minimum deposit."""


@dataclass
class Setup:
    """A gov keeper over fakes with four bonded validators of 100, 200, 300, 400 AIC."""

    keeper: Keeper
    bank: FakeBank
    staking: FakeStaking
    distribution: FakeDistribution
    ctx: Context
    validators: list[bytes]


def setup(params: Params = TEST_PARAMS) -> Setup:
    """The keeper, its fakes, and a context at T0 with params stored."""
    bank = FakeBank()
    staking = FakeStaking()
    distribution = FakeDistribution(bank)
    keeper = Keeper(StoreKey("gov"), FakeAccounts(), bank, staking, distribution)  # type: ignore[arg-type]
    keeper.set_router(fake_router(distribution))
    ctx = context()
    keeper.set_params(ctx, params)
    validators = [addr(100 + i) for i in range(4)]
    for i, op in enumerate(validators):
        staking.add_validator(op, (i + 1) * 100 * AIC)
    for n in range(10):
        bank.balances[(addr(n), DENOM)] = 10_000 * AIC
    for op in validators:
        bank.balances[(op, DENOM)] = 10_000 * AIC
    return Setup(keeper, bank, staking, distribution, ctx, validators)
