"""The module kit: declared orders, store keys, module accounts and their permissions, and
every module's MsgUpdateParams, driven through signed txs where the authority is a test key
(until governance lands, the wiring's `authority` is what a proposal would be)."""

from __future__ import annotations

import pytest
from cosmos.auth.v1beta1 import auth_pb2
from cosmos.auth.v1beta1 import tx_pb2 as auth_tx
from cosmos.bank.v1beta1 import bank_pb2
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.distribution.v1beta1 import distribution_pb2
from cosmos.distribution.v1beta1 import tx_pb2 as dist_tx
from cosmos.mint.v1beta1 import mint_pb2
from cosmos.mint.v1beta1 import tx_pb2 as mint_tx

from aichain.app.app import ORDERS, memory_app, new_app
from aichain.app.authority import default_authority
from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.crypto import account_address, module_address
from aichain.app.dec import ONE, dec_wire
from aichain.app.errors import UnauthorizedError
from aichain.app.gas import INFINITE_GAS, GasMeter
from aichain.app.module import (
    BaseModule,
    ModuleAccount,
    ModuleManager,
    Orders,
    check_orders,
)
from aichain.app.store.memory import MemStore
from aichain.app.store_keys import StoreAccessError, StoreKey, StoreKeys
from aichain.modules.auth.errors import UnknownModuleAccountError
from tests.helpers import Chain, make_key

ALICE, BOB = make_key(1), make_key(2)
FUNDS = 10**12


def governed_chain() -> Chain:
    """A chain whose params authority is ALICE (standing in for the governance account)."""
    app = new_app(MemStore(), authority=account_address(ALICE.address))
    return Chain.start([(ALICE, FUNDS), (BOB, FUNDS)], app=app)


def params_of(chain: Chain, module: str):
    """The module's current params (its keeper's get_params)."""
    keeper = chain.app.manager.module(module).keeper  # type: ignore[attr-defined]
    return keeper.get_params(chain.app.query_context())


# --- orders and declarations -------------------------------------------------------------------


def test_each_order_lists_every_module_exactly_once() -> None:
    app = memory_app()
    names = [m.name for m in app.manager.modules]
    assert sorted(names) == sorted(
        [
            "auth",
            "bank",
            "mint",
            "distribution",
            "slashing",
            "staking",
            "genutil",
            "datanet",
            "modelreg",
            "attribution",
            "gov",
            "upgrade",
        ]  # fmt: skip
    )
    for order in (ORDERS.init_genesis, ORDERS.export_genesis, ORDERS.begin_block, ORDERS.end_block):
        assert sorted(order) == sorted(names)
    assert ORDERS.init_genesis[-1] == "genutil"
    assert ORDERS.end_block[-1] == "staking"
    assert ORDERS.end_block.index("gov") < ORDERS.end_block.index("staking")
    assert ORDERS.begin_block.index("mint") < ORDERS.begin_block.index("distribution")
    assert ORDERS.begin_block[0] == "upgrade"


@pytest.mark.parametrize(
    ("order", "complaint"),
    [
        (("a", "b"), "missing ['c']"),
        (("a", "b", "c", "c"), "repeated ['c']"),
        (("a", "b", "c", "d"), "unknown ['d']"),
    ],
)
def test_check_orders_rejects_a_bad_order(order: tuple[str, ...], complaint: str) -> None:
    good = ("a", "b", "c")
    with pytest.raises(ValueError, match=r"end_block order must list each module exactly once"):
        check_orders(["a", "b", "c"], Orders(good, good, good, order))
    with pytest.raises(ValueError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        check_orders(["a", "b", "c"], Orders(good, good, good, order))


def test_store_key_is_only_issued_to_its_own_module_and_once() -> None:
    keys = StoreKeys()
    keys.issue("bank")
    with pytest.raises(ValueError, match="already issued to module bank"):
        keys.issue("bank")
    with pytest.raises(ValueError, match="module datanet asks for store key 'bank'"):
        keys.issue("bank", module="datanet")
    with pytest.raises(ValueError, match="lowercase name"):
        StoreKey("Bank/")


class Thief(BaseModule):
    """A module whose keeper was handed another module's store key."""

    name = "thief"

    def __init__(self, key: StoreKey) -> None:
        self.store_key = key

    def register(self, router) -> None:  # noqa: ANN001 - the Module protocol
        """No routes."""

    def default_genesis(self) -> dict:
        """Nothing."""
        return {}

    def init_genesis(self, ctx: Context, data: dict) -> None:
        """Nothing."""

    def export_genesis(self, ctx: Context) -> dict:
        """Nothing."""
        return {}


def test_manager_refuses_a_module_holding_another_modules_store_key() -> None:
    bank_key = StoreKeys().issue("bank")
    with pytest.raises(ValueError, match="module thief holds store key 'bank'"):
        ModuleManager([Thief(bank_key)])


def test_context_opens_only_keys_the_app_issued() -> None:
    app = memory_app()
    ctx = app.query_context()
    forged = StoreKey("bank")  # same name and prefix as bank's, but not the issued key
    with pytest.raises(StoreAccessError, match="only a key the app issued"):
        ctx.kv(forged)
    with pytest.raises(StoreAccessError):
        ctx.kv(b"bank/")  # type: ignore[arg-type]
    issued = app.store_keys.get("bank")
    assert issued is not None and ctx.kv(issued) is not None


def test_a_module_account_declared_twice_is_refused() -> None:
    class A(Thief):
        name = "a"
        module_accounts = (ModuleAccount("pool"),)

    class B(Thief):
        name = "b"
        module_accounts = (ModuleAccount("pool", ("burner",)),)

    with pytest.raises(ValueError, match="module account pool declared by both a and b"):
        ModuleManager([A(None), B(None)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown permissions"):
        ModuleAccount("pool", ("printer",))


# --- module accounts -------------------------------------------------------------------------


def test_every_declared_module_account_exists_from_genesis_with_its_permissions() -> None:
    chain = Chain.start([(ALICE, FUNDS)])
    auth = chain.app.manager.module("auth").keeper  # type: ignore[attr-defined]
    ctx = chain.app.query_context()
    declared = chain.app.manager.module_accounts
    assert set(declared) == {
        "fee_collector",
        "bonded_tokens_pool",
        "not_bonded_tokens_pool",
        "distribution",
        "mint",
        "datanet",
        "modelreg",
        "attribution",
        "gov",
        "gov_participation",
    }
    for name, permissions in declared.items():
        account = auth.get_account(ctx, module_address(name))
        assert account is not None, name
        assert (account.module_name, account.permissions) == (name, permissions)
        any_ = account.to_any(account_address(account.address))
        decoded = auth_pb2.ModuleAccount.FromString(any_.value)
        assert list(decoded.permissions) == list(permissions)


def _branch_ctx(chain: Chain) -> Context:
    app = chain.app
    return Context(app.root.branch(), 2, 0, "t", GasMeter(INFINITE_GAS), store_keys=app.store_keys)


def test_mint_coins_rejects_a_module_without_the_minter_permission() -> None:
    chain = Chain.start([(ALICE, FUNDS)])
    bank = chain.app.manager.module("bank").keeper  # type: ignore[attr-defined]
    ctx = _branch_ctx(chain)
    before = bank.get_supply(ctx, "uaic")
    for module in ("fee_collector", "bonded_tokens_pool", "distribution"):
        with pytest.raises(UnauthorizedError, match=f"module account {module} has no minter"):
            bank.mint_coins(ctx, module, [Coin("uaic", 5)])
    bank.mint_coins(ctx, "mint", [Coin("uaic", 5)])
    assert bank.get_supply(ctx, "uaic") == before + 5


def test_burn_coins_rejects_a_module_without_the_burner_permission() -> None:
    chain = Chain.start([(ALICE, FUNDS)])
    bank = chain.app.manager.module("bank").keeper  # type: ignore[attr-defined]
    ctx = _branch_ctx(chain)
    bank.mint_coins(ctx, "mint", [Coin("uaic", 7)])
    with pytest.raises(UnauthorizedError, match="module account mint has no burner"):
        bank.burn_coins(ctx, "mint", [Coin("uaic", 7)])
    with pytest.raises(UnknownModuleAccountError, match="'nobody' is not declared"):
        bank.burn_coins(ctx, "nobody", [Coin("uaic", 1)])
    assert bank.get_balance(ctx, module_address("mint"), "uaic") == 7


def test_default_authority_is_the_governance_module_account() -> None:
    app = memory_app()
    assert default_authority() == account_address(module_address("gov"))
    for module in ("auth", "bank", "distribution", "mint"):
        assert app.manager.module(module).msg_server.authority == default_authority()  # type: ignore[attr-defined]


# --- MsgUpdateParams -------------------------------------------------------------------------

AUTHORITY = account_address(ALICE.address)
OTHER = account_address(BOB.address)


def auth_params(**kw: int) -> auth_tx.MsgUpdateParams:
    fields = dict(max_memo_characters=512, tx_sig_limit=7, tx_size_cost_per_byte=10,
                  sig_verify_cost_ed25519=590, sig_verify_cost_secp256k1=1000)  # fmt: skip
    fields.update(kw)
    return auth_tx.MsgUpdateParams(authority=AUTHORITY, params=auth_pb2.Params(**fields))


def dist_params(tax: int) -> dist_tx.MsgUpdateParams:
    params = distribution_pb2.Params(
        community_tax=dec_wire(tax),
        base_proposer_reward=dec_wire(0),
        bonus_proposer_reward=dec_wire(0),
        withdraw_addr_enabled=True,
    )
    return dist_tx.MsgUpdateParams(authority=AUTHORITY, params=params)


def mint_params(low: int, high: int, blocks: int = 1000) -> mint_tx.MsgUpdateParams:
    params = mint_pb2.Params(
        mint_denom="uaic",
        inflation_rate_change=dec_wire(0),
        inflation_max=dec_wire(high),
        inflation_min=dec_wire(low),
        goal_bonded=dec_wire(ONE * 67 // 100),
        blocks_per_year=blocks,
    )
    return mint_tx.MsgUpdateParams(authority=AUTHORITY, params=params)


ACCEPTED = [
    ("auth", auth_params(), lambda p: p.max_memo_characters == 512),
    (
        "bank",
        bank_tx.MsgUpdateParams(
            authority=AUTHORITY, params=bank_pb2.Params(default_send_enabled=False)
        ),
        lambda p: p.default_send_enabled is False,
    ),
    ("distribution", dist_params(ONE * 5 // 100), lambda p: p.community_tax == ONE * 5 // 100),
    (
        "mint",
        mint_params(ONE // 10, ONE // 10),
        lambda p: (p.inflation_rate, p.blocks_per_year) == (ONE // 10, 1000),
    ),
]


@pytest.mark.parametrize(("module", "msg", "changed"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_update_params_from_the_authority_changes_params(module, msg, changed) -> None:
    chain = governed_chain()
    assert not changed(params_of(chain, module))
    result = chain.block([chain.tx(ALICE, [msg])]).tx_results[0]
    assert result.code == 0, result.log
    assert changed(params_of(chain, module))


@pytest.mark.parametrize(("module", "msg", "changed"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_update_params_rejects_any_other_signer(module, msg, changed) -> None:
    chain = governed_chain()
    before = params_of(chain, module)
    forged = type(msg)()
    forged.CopyFrom(msg)
    forged.authority = OTHER
    result = chain.block([chain.tx(BOB, [forged])]).tx_results[0]
    assert (result.codespace, result.code) == ("sdk", 4)
    assert "invalid authority" in result.log and OTHER in result.log
    assert params_of(chain, module) == before


def test_update_params_rejects_every_module_param_signed_as_gov_by_default() -> None:
    chain = Chain.start([(ALICE, FUNDS)])  # authority: the gov module account, no key
    msg = auth_params()
    result = chain.block([chain.tx(ALICE, [msg])]).tx_results[0]
    assert (result.codespace, result.code) == ("sdk", 4)
    assert default_authority() in result.log


INVALID = [
    ("auth", auth_params(tx_sig_limit=0), "params.tx_sig_limit must be positive"),
    (
        "bank",
        bank_tx.MsgUpdateParams(
            authority=AUTHORITY,
            params=bank_pb2.Params(
                send_enabled=[bank_pb2.SendEnabled(denom="uaic", enabled=False)],
                default_send_enabled=True,
            ),
        ),
        "params.send_enabled is deprecated",
    ),
    ("distribution", dist_params(2 * ONE), "params.community_tax must be in [0, 1]"),
    ("mint", mint_params(ONE // 20, ONE // 10), "params.inflation_min must equal"),
    ("mint", mint_params(ONE // 10, ONE // 10, blocks=0), "params.blocks_per_year must be"),
]


@pytest.mark.parametrize(
    ("module", "msg", "message"), INVALID, ids=[f"{m}-{t[:24]}" for m, _, t in INVALID]
)
def test_update_params_rejects_an_invalid_field_by_name(module, msg, message) -> None:
    chain = governed_chain()
    before = params_of(chain, module)
    result = chain.block([chain.tx(ALICE, [msg])]).tx_results[0]
    assert result.code != 0
    assert message in result.log, result.log
    assert params_of(chain, module) == before


def test_update_params_without_params_is_refused_before_execution() -> None:
    chain = governed_chain()
    msg = auth_tx.MsgUpdateParams(authority=AUTHORITY)
    result = chain.check(chain.tx(ALICE, [msg]))
    assert result.code != 0 and "carries no params" in result.log
