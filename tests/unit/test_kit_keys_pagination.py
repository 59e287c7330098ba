"""Key builders and decoders of the kit's modules, streamed pagination, and query gas."""

from __future__ import annotations

import itertools
import json

import pytest
from cosmos.bank.v1beta1 import query_pb2 as bank_query
from cosmos.base.query.v1beta1 import pagination_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.app import memory_app
from aichain.app.baseapp import AppConfig
from aichain.app.errors import InvalidRequestError
from aichain.app.pagination import MAX_LIMIT, paginate
from aichain.modules.bank import keys as bank_keys
from aichain.modules.distribution import keys as dist_keys

OP, OP2, DEL = b"\x01" * 20, b"\x02" * 20, b"\x03" * 20


def test_distribution_key_builders_round_trip_through_their_decoders() -> None:
    assert dist_keys.address_from_key(dist_keys.outstanding_key(OP)) == OP
    assert dist_keys.address_from_key(dist_keys.withdraw_addr_key(DEL)) == DEL
    assert dist_keys.split_historical_key(dist_keys.historical_key(OP, 7)) == (OP, 7)
    assert dist_keys.split_starting_key(dist_keys.starting_key(OP, DEL)) == (OP, DEL)
    assert dist_keys.split_slash_event_key(dist_keys.slash_event_key(OP, 9, 4)) == (OP, 9, 4)


def test_distribution_slash_event_keys_sort_by_validator_height_then_period() -> None:
    built = [
        dist_keys.slash_event_key(op, h, p)
        for op, h, p in itertools.product((OP, OP2), (1, 256, 2**40), (0, 3))
    ]
    assert sorted(built) == built
    assert len(set(built)) == len(built)
    assert all(k.startswith(dist_keys.slash_events_prefix(OP)) for k in built[:6])


@pytest.mark.parametrize("bad", [-1, 2**64])
def test_distribution_keys_reject_out_of_range_numbers(bad: int) -> None:
    with pytest.raises(ValueError, match="unsigned 64-bit"):
        dist_keys.historical_key(OP, bad)
    with pytest.raises(ValueError, match="unsigned 64-bit"):
        dist_keys.slash_event_key(OP, bad, 0)


def test_distribution_keys_reject_addresses_of_another_length() -> None:
    with pytest.raises(ValueError, match="20-byte addresses, got 32"):
        dist_keys.starting_key(OP, b"\x00" * 32)


def test_bank_keys_decode_and_never_collide_across_collections() -> None:
    address = b"\x07" * 20
    key = bank_keys.balance_key(address, "uaic")
    assert bank_keys.split_balance_key(key) == (address, "uaic")
    assert bank_keys.denom_from_balance_key(address, key) == "uaic"
    assert bank_keys.denom_from_key(bank_keys.SUPPLY, bank_keys.supply_key("uaic")) == "uaic"
    # a 19-byte address that is a prefix of a 20-byte one gets a different balances prefix
    assert not bank_keys.balance_key(address, "x").startswith(
        bank_keys.balances_prefix(address[:19])
    )
    firsts = {bank_keys.supply_key("a")[:1], bank_keys.metadata_key("a")[:1], key[:1],
              bank_keys.PARAMS, bank_keys.send_enabled_key("a")[:1]}  # fmt: skip
    assert len(firsts) == 5


# --- pagination ------------------------------------------------------------------------------


class Counted:
    """A collection that records how many items a page took from it."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.taken = 0

    def __call__(self, reverse: bool):
        order = range(self.n - 1, -1, -1) if reverse else range(self.n)
        for i in order:
            self.taken += 1
            yield i


def key(i: int) -> bytes:
    return i.to_bytes(4, "big")


def test_a_page_reads_only_up_to_the_item_after_it() -> None:
    source = Counted(10_000)
    page, info = paginate(source, pagination_pb2.PageRequest(limit=10), key)
    assert page == list(range(10))
    assert info.next_key == key(10) and info.total == 0
    assert source.taken == 11  # the page and one more, never the whole collection


def test_next_key_continues_where_the_page_stopped() -> None:
    source = Counted(25)
    first, info = paginate(source, pagination_pb2.PageRequest(limit=10), key)
    second, info2 = paginate(source, pagination_pb2.PageRequest(key=info.next_key, limit=10), key)
    third, info3 = paginate(source, pagination_pb2.PageRequest(key=info2.next_key, limit=10), key)
    assert first + second + third == list(range(25))
    assert info3.next_key == b""


def test_offset_reverse_and_count_total() -> None:
    page, info = paginate(
        Counted(30),
        pagination_pb2.PageRequest(offset=5, limit=3, reverse=True, count_total=True),
        key,
    )
    assert page == [24, 23, 22]
    assert info.total == 30 and info.next_key == key(21)


def test_a_plain_iterable_source_is_reversed_in_memory() -> None:
    page, _ = paginate([1, 2, 3], pagination_pb2.PageRequest(reverse=True, limit=2), key)
    assert page == [3, 2]


def test_limit_is_capped() -> None:
    page, _ = paginate(Counted(5000), pagination_pb2.PageRequest(limit=10**6), key)
    assert len(page) == MAX_LIMIT


def test_paginate_rejects_key_and_offset_together() -> None:
    with pytest.raises(InvalidRequestError, match="either key or offset"):
        paginate(Counted(3), pagination_pb2.PageRequest(key=key(1), offset=1), key)


# --- query gas -------------------------------------------------------------------------------


def _app_with_accounts(limit: int, n: int = 50):
    app = memory_app(AppConfig(query_gas_limit=limit))
    balances = [
        {"address": _addr(i), "coins": [{"denom": f"d{j:02d}", "amount": "1"} for j in range(20)]}
        for i in range(n)
    ]
    state = {"bank": {"balances": balances}}
    app.init_chain(abci.RequestInitChain(chain_id="t", app_state_bytes=json.dumps(state).encode()))
    app.finalize_block(abci.RequestFinalizeBlock(height=1))
    app.commit(abci.RequestCommit())
    return app


def _addr(i: int) -> str:
    from aichain.app.crypto import account_address

    return account_address(i.to_bytes(20, "big"))


def _all_balances(app) -> abci.ResponseQuery:
    req = bank_query.QueryAllBalancesRequest(address=_addr(3))
    return app.query(
        abci.RequestQuery(
            path="/cosmos.bank.v1beta1.Query/AllBalances", data=req.SerializeToString()
        )
    )


def test_a_query_over_its_gas_limit_fails_with_out_of_gas_and_a_larger_limit_serves_it() -> None:
    tight = _all_balances(_app_with_accounts(limit=2_000))
    assert (tight.codespace, tight.code) == ("sdk", 11)
    assert "out of gas" in tight.log
    roomy = _all_balances(_app_with_accounts(limit=10_000_000))
    assert roomy.code == 0
    assert len(bank_query.QueryAllBalancesResponse.FromString(roomy.value).balances) == 20
